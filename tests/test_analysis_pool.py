"""Splitting and analysis in worker processes: the same analyses as in one process, each article
once, and a failure in a worker leaves the old knowledge base serving and no process behind."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import sys
from array import array
from pathlib import Path

import pytest

from bot.knowledge_service import KnowledgeService, ReloadError
from knowledge import analysis_pool, index
from knowledge.analysis import Analyzer
from knowledge.article_analysis import ArticleAnalysis, analyse_article, article_spans
from knowledge.compact import SpanArray
from knowledge.config import KnowledgeConfig
from knowledge.ingest import load_articles
from tests.conftest import ROOT, TIMELINE


def _articles(config: KnowledgeConfig):
    articles, problems = load_articles(TIMELINE, config.max_article_bytes)
    assert articles and not problems
    return articles


def test_a_pool_of_processes_gives_the_analyses_of_one_process(config: KnowledgeConfig):
    articles = _articles(config)
    analyzer = Analyzer.from_aliases(config.aliases)
    # every other article with its spans already known: those are not split again
    spans = [article_spans(a) if i % 2 else None for i, a in enumerate(articles)]
    pooled = list(
        analysis_pool.analyse_articles(articles, analyzer, spans, workers=2, min_chars=0)
    )
    assert pooled == [analyse_article(a, analyzer) for a in articles]
    assert not multiprocessing.active_children(), "the pool's processes are joined"
    # strings come back interned: every article's "tariff" is one object
    term = next(t for done in pooled for t in done.vocabulary if t == "tariff")
    assert all(t is term for done in pooled for t in done.vocabulary if t == "tariff")


def test_small_loads_are_analysed_here(config: KnowledgeConfig, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a few articles")

    monkeypatch.setattr(analysis_pool, "_in_pool", no_pool)
    articles = _articles(config)[:3]
    analyzer = Analyzer.from_aliases(config.aliases)
    done = list(analysis_pool.analyse_articles(articles, analyzer, workers=2))
    assert done == [analyse_article(a, analyzer) for a in articles]


def test_an_analysis_pickles_exactly_with_its_strings_interned():
    def analysis(vocabulary: tuple[str, ...]) -> ArticleAnalysis:
        return ArticleAnalysis(SpanArray([(1, 0, 5)]), vocabulary, array("H", [0, 1]),
                               array("I", [2]), ("Talks",), frozenset({0}), b"k" * 16)

    for vocabulary in [("tariff", "talk"), ("", "odd\0term"), ()]:
        again = pickle.loads(pickle.dumps(analysis(vocabulary)))
        assert again == analysis(vocabulary)
    again = pickle.loads(pickle.dumps(analysis(("tariff", "talk"))))
    assert again.vocabulary[0] is sys.intern("tariff") and again.words[0] is sys.intern("Talks")


@pytest.fixture
def timeline_project(tmp_path: Path, monkeypatch) -> Path:
    """The timeline's articles on disk, with a pool started for any load (not only large ones)."""
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "knowledge.yaml", tmp_path / "config" / "knowledge.yaml")
    shutil.copytree(TIMELINE, tmp_path / "seeds")
    monkeypatch.setattr(analysis_pool, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(analysis_pool, "worker_count", lambda: 2)
    return tmp_path


async def test_a_pooled_load_equals_a_serial_one_and_a_reload_analyses_only_changes(
    timeline_project: Path, config: KnowledgeConfig, monkeypatch
):
    service = KnowledgeService(timeline_project / "config" / "knowledge.yaml")
    await service.load()
    assert not multiprocessing.active_children()
    serial = index.build_knowledge_base(
        _articles(config), Analyzer.from_aliases(config.aliases), config.retrieval
    )
    assert service.kb.terms == serial.terms and service.kb.names == serial.names
    assert [s.text for s in service.kb.sentences] == [s.text for s in serial.sentences]

    analysed: list[str] = []
    real = index.analyse_articles

    def counting(articles, analyzer, spans=None, **options):
        analysed.extend(a.source for a in articles)
        return real(articles, analyzer, spans, **options)

    monkeypatch.setattr(index, "analyse_articles", counting)
    edited = timeline_project / "seeds" / "020_geneva_truce.md"
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")
    await service.reload()
    assert analysed == ["020_geneva_truce.md"], "a cache hit is never analysed again"


def _failing_batch(batch):  # run in a worker: imported there from this module
    raise ValueError("analysis failed in a worker")


def _dying_batch(batch):  # a worker killed outright (out of memory, a signal)
    os._exit(3)


@pytest.mark.parametrize(
    ("batch", "error"),
    [(_failing_batch, "analysis failed in a worker"), (_dying_batch, "BrokenProcessPool")],
)
async def test_a_failure_in_a_worker_keeps_the_old_knowledge_base_serving(
    timeline_project: Path, monkeypatch, batch, error
):
    service = KnowledgeService(timeline_project / "config" / "knowledge.yaml")
    await service.load()
    before = service.kb
    monkeypatch.setattr(analysis_pool, "_analyse_batch", batch)
    (timeline_project / "seeds" / "new.md").write_text(
        "# Talks resume\n\nNegotiators met in Geneva on Saturday.\n"
    )
    for article in (timeline_project / "seeds").glob("0*.md"):  # changed: analysed again
        article.write_text(article.read_text() + "\nOne more line.\n")
    with pytest.raises(ReloadError, match=error):
        await service.reload()
    assert service.kb is before
    assert (await service.ask("when did the Geneva talks happen?")).answered
    assert not multiprocessing.active_children(), "no worker outlives a failed load"


def _analysed_in_a_daemon() -> int:
    """Run in a daemonic process (multiprocessing.Pool's), which may not start processes."""
    from knowledge.config import load_knowledge_config

    config = load_knowledge_config(ROOT / "config" / "knowledge.yaml")
    articles = _articles(config)
    done = list(analysis_pool.analyse_articles(
        articles, Analyzer.from_aliases(config.aliases), workers=2, min_chars=0
    ))
    return len(done)


def test_a_daemonic_process_analyses_by_itself(config: KnowledgeConfig):
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_analysed_in_a_daemon) == len(_articles(config))


_HOLDS_A_POOL = """
import multiprocessing, sys, time
from knowledge import analysis_pool
from knowledge.analysis import Analyzer
from knowledge.ingest import load_articles
from tests.conftest import TIMELINE

articles, _ = load_articles(TIMELINE, 10**7)
done = analysis_pool.analyse_articles(articles, Analyzer(), workers=2, min_chars=0)
next(done)  # the pool is up, and stays so while this waits
print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
time.sleep(60)
"""


def test_workers_end_when_their_parent_is_killed_outright():
    import signal
    import subprocess
    import time

    parent = subprocess.Popen(
        [sys.executable, "-c", _HOLDS_A_POOL], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert workers, "the pool's processes are listed"
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # a zombie (exited, not yet reaped by init) is gone too
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"

    deadline = time.monotonic() + 10
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(alive, workers)), "orphaned workers"
