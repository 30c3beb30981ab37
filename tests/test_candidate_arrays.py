"""The ranking over arrays (``knowledge.candidate_arrays``) answers exactly as the exact path, which
runs ``_admit`` and ``_features`` on every candidate: on the read question sets and on a slice of
the benchmark corpus, whose candidates score alike as they do at a million sentences."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import corpus
from benchmarks.questions import realistic
from knowledge import answers, candidate_arrays, sentence_rows
from knowledge.config import KnowledgeConfig
from knowledge.evaluation import load_question_set
from knowledge.index import KnowledgeBase, load_knowledge_base
from knowledge.model import LEAD_KINDS
from tests.conftest import ROOT

# read sets only: never a held-out one (``held_out: true`` in its file) here
READ_SETS = (
    "timeline", "timeline_fresh", "timeline2", "timeline3", "timeline4", "timeline5", "dev", "eval",
    "holdout", "fresh", "blind",
)


@pytest.fixture(scope="module")
def asked(
    config: KnowledgeConfig, kb: KnowledgeBase
) -> list[tuple[KnowledgeBase, str, tuple[str, ...]]]:
    """(knowledge base, question, earlier questions) of every read set."""
    built: dict[Path | None, KnowledgeBase] = {None: kb}
    out = []
    for name in READ_SETS:
        questions = load_question_set(ROOT / "tests" / "data" / f"{name}_questions.yaml")
        folder = questions.knowledge
        if folder not in built:
            built[folder] = load_knowledge_base(dataclasses.replace(config, seeds=folder))
        out += [(built[folder], q.question, q.context) for q in questions.in_scope]
        out += [(built[folder], q, ()) for q in questions.out_of_scope]
    return out


@pytest.fixture(scope="module")
def benchmark_asked(
    config: KnowledgeConfig, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[KnowledgeBase, str, tuple[str, ...]]]:
    """The benchmark's questions and follow-ups on its corpus's first 10,000 sentences."""
    folder = tmp_path_factory.mktemp("bench-seeds")
    corpus.write_articles(folder, corpus.real_sentences()[:10_000])
    kb = load_knowledge_base(dataclasses.replace(config, seeds=folder))
    queries, follow_ups = realistic(kb.analyzer)
    return [(kb, q.text, ()) for q in queries] + [(kb, b, (a,)) for a, b in follow_ups]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether each ``candidate_arrays.rank`` call ranked (True) or stood aside (None)."""
    calls: list[bool] = []
    rank = candidate_arrays.rank

    def counting(*args, **kwargs):
        ranked = rank(*args, **kwargs)
        calls.append(ranked is not None)
        return ranked

    monkeypatch.setattr(candidate_arrays, "rank", counting)
    yield calls


def _exact_answer(
    monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase, question: str, context: tuple[str, ...]
) -> answers.Answer:
    with monkeypatch.context() as patch:
        patch.setattr(candidate_arrays, "rank", lambda *args, **kwargs: None)
        return answers.answer(kb, question, context)


@pytest.mark.parametrize("which", ["asked", "benchmark_asked"])
def test_answers_are_those_of_the_exact_path(which, request, counted, monkeypatch):
    questions = request.getfixturevalue(which)
    for kb, question, context in questions:
        fast = answers.answer(kb, question, context)
        assert fast == _exact_answer(monkeypatch, kb, question, context), question
    assert sum(counted) > len(questions) / 3  # many questions took the array path


@pytest.mark.parametrize("which", ["asked", "benchmark_asked"])
def test_ranked_candidates_are_the_quotable_ones_of_the_exact_path(which, request):
    """The array path ranks every candidate passing the filters that could be quoted (at least
    ``keep`` of the best; a body sentence, of the best body sentence) with its exact score, and
    nothing that does not pass them (``ranking_of``: every candidate, the exact path)."""
    for kb, question, context in request.getfixturevalue(which):
        ranking = answers.ranking_of(kb, question, context)
        if ranking is None:
            continue
        fast = answers._rank(kb, ranking.query, ranking.shares, ranking.keys)
        admitted = {(c.score, c.sentence) for c in ranking.candidates}
        assert set(fast) <= admitted, question
        if not admitted:
            continue
        keep = kb.retrieval.follow_ratio
        if len(kb.dates) > 1:
            keep = min(keep, answers._TIME_RATIOS.get(ranking.query.time.when, 1.0))
        lead = {i for _, i in admitted if kb.sentences.kind(i) in LEAD_KINDS}
        best = max(s for s, _ in admitted)
        best_body = max((s for s, i in admitted if i not in lead), default=best)
        quotable = {(s, i) for s, i in admitted if s >= keep * (best if i in lead else best_body)}
        assert quotable <= set(fast), question


@pytest.mark.parametrize("compiled", [(sentence_rows, "_compiled"), (candidate_arrays, "_COMPILED")])
def test_answers_without_the_compiled_pass_are_the_same(compiled, benchmark_asked, monkeypatch):
    """Where no C compiler built ``knowledge._rows`` (NumPy reads the candidates' terms) or
    ``knowledge._candidates`` (NumPy bounds them, Python scores them): the same answers."""
    expected = [answers.answer(kb, question, context) for kb, question, context in benchmark_asked]
    monkeypatch.setattr(*compiled, None if compiled[1] == "_compiled" else False)
    for (kb, question, context), answered in zip(benchmark_asked, expected, strict=True):
        assert answers.answer(kb, question, context) == answered, question


def _made(
    questions: list[tuple[KnowledgeBase, str, tuple[str, ...]]], monkeypatch: pytest.MonkeyPatch
) -> list[tuple]:
    """The arguments of every ``candidate_arrays._Candidates`` that answering the questions makes."""
    made = []

    class Recorded(candidate_arrays._Candidates):
        def __init__(self, *args):
            made.append(args)
            super().__init__(*args)

    with monkeypatch.context() as patch:
        patch.setattr(candidate_arrays, "_Candidates", Recorded)
        for kb, question, context in questions:
            answers.answer(kb, question, context)
    return made


@pytest.mark.skipif(candidate_arrays._compiled is None, reason="knowledge._candidates not built")
def test_the_compiled_pass_knows_the_features_ranked() -> None:
    """A feature added to ``KNOWN_FEATURES`` turns the compiled pass off until it knows it."""
    assert candidate_arrays._compiled.FEATURES == candidate_arrays.KNOWN_FEATURES
    assert candidate_arrays._COMPILED


@pytest.mark.skipif(not candidate_arrays._COMPILED, reason="knowledge._candidates not in use")
@pytest.mark.parametrize("which", ["asked", "benchmark_asked"])
def test_the_compiled_pass_gives_each_candidate_the_python_multiplier(which, request, monkeypatch):
    """``knowledge/_candidates.c`` passes the candidates that pass the filters of the NumPy path
    and ``_multiplier``, gives each the float ``_multiplier`` gives it (with and without its
    backstory), and orders them best bound first, each bound above what the candidate can
    score."""
    made = _made(request.getfixturevalue(which), monkeypatch)
    assert made
    for args in made:
        compiled = candidate_arrays._Candidates(*args)
        with monkeypatch.context() as patch:
            patch.setattr(candidate_arrays, "_COMPILED", False)
            python = candidate_arrays._Candidates(*args)
        passing = {k for k in python.order if python._multiplier(k) is not None}
        assert set(compiled.order) == passing
        assert compiled.lead_kind == python.lead_kind
        bounds = [compiled.bound[k] for k in compiled.order]
        assert bounds == sorted(bounds, reverse=True)
        for k in passing:
            assert compiled._boost(k) == python._multiplier(k)
            for boost in (compiled.plain[k], compiled.with_backstory[k]):
                assert compiled.scores[k] * boost <= compiled.bound[k] or not boost
