# Two commands matter: `make run` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test eval bench bench-cluster lint install clean

$(STAMP): pyproject.toml setup.py knowledge/_topk.c knowledge/_rows.c knowledge/_candidates.c knowledge/_buffer.h
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m bot start

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q

eval: $(STAMP)
	@for set in tests/data/*_questions.yaml; do \
		echo "== $$set"; \
		$(PY) -m bot eval $$set -v --by-time --by-overlap || exit 1; \
	done

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m benchmarks

bench-cluster: $(STAMP)
	$(PY) -m benchmarks.cluster_load

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) build *.egg-info
