"""`make bench` must not rot: a deterministic corpus of exact sizes, and a tiny run end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import knowledge.scoring as scoring
from benchmarks import corpus
from benchmarks.__main__ import run
from benchmarks.peers import Bm25s, available_systems
from knowledge.analysis import Analyzer
from knowledge.config import KnowledgeConfig
from knowledge.ingest import match_key, parse_article
from knowledge.scoring import BM25Scorer, rank_bm25_model


@pytest.fixture(scope="module")
def real() -> list[str]:
    return corpus.real_sentences()


def test_real_sentences_are_deterministic_prose(real: list[str]) -> None:
    assert corpus.real_sentences() == real
    assert len(real) > 40_000  # CPython 3.11's standard library: about 52,000
    assert len({match_key(s) for s in real}) == len(real)
    assert all(s[0] == s[0].upper() and "\n" not in s and len(s) <= 301 for s in real)


def test_corpus_sizes_are_exact_prefixes_with_distinct_spliced_variants(real: list[str]) -> None:
    size = len(real) + 5_000  # past the real sentences: spliced variants too
    first = corpus.generate(size, real)
    assert corpus.generate(size, real) == first
    assert len(first) == size
    assert corpus.generate(1_000, real) == first[:1_000]
    assert len({match_key(s) for s in first}) == size
    assert set(first[: len(real)]) == set(real)  # every real sentence first, then variants


def test_corpus_cache_reads_back_the_same_sentences(
    tmp_path: Path, real: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus, "real_sentences", lambda: real)  # already checked, and slow
    made = corpus.sentences(2_000, tmp_path)
    assert made == corpus.generate(2_000, real)
    assert corpus.sentences(1_500, tmp_path) == made[:1_500]  # a prefix, from the cache
    assert corpus.real_count() == len(real)


def test_queries_are_seeded_short_questions(config: KnowledgeConfig, real: list[str]) -> None:
    analyzer = Analyzer.from_aliases(config.aliases)
    pool = corpus.generate(1_000, real)
    queries = corpus.make_queries(pool, analyzer, 50)
    assert queries == corpus.make_queries(pool, analyzer, 50)
    assert all(3 <= len(q.text.split()) <= 6 and q.text.endswith("?") for q in queries)
    assert all(q.terms == tuple(analyzer.terms(q.text)) for q in queries)
    assert any(w in q.text for q in queries for w in corpus.UNKNOWN_WORDS)


def test_articles_hold_every_sentence_once(real: list[str]) -> None:
    texts = corpus.generate(600, real)
    articles = corpus.article_texts(texts)
    assert [name for name, _ in articles] == ["00000.md", "00001.md", "00002.md"]
    parsed = parse_article(*articles[0][0:1], articles[0][1].encode())
    assert parsed.title == texts[0].rstrip(".")
    body = " ".join(p.text for p in parsed.paragraphs[1:])
    assert body == " ".join(texts[1:250])


def test_pruned_top_k_is_exact_on_the_benchmark_corpus(
    config: KnowledgeConfig, real: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project's answers to the benchmark questions are rank-bm25's, pruning forced on."""
    analyzer = Analyzer.from_aliases(config.aliases)
    texts = corpus.generate(3_000, real)
    tokens = corpus.tokenize(texts, analyzer)
    queries = [list(q.terms) for q in corpus.make_queries(texts[:1_000], analyzer, 60)]
    settings = config.retrieval
    params = {"k1": settings.k1, "b": settings.b, "delta": settings.delta}
    scorer = BM25Scorer(tokens, settings.variant, **params)
    model = rank_bm25_model(tokens, settings.variant, **params)
    monkeypatch.setattr(scoring, "_compiled", None)  # the NumPy path, where pruning is
    monkeypatch.setattr(scoring, "_PRUNE_MIN_POSTINGS", 0)
    monkeypatch.setattr(scoring, "_PILOT_DOCS", 16)
    for terms in queries:
        own = scorer.scores(terms)
        np.testing.assert_allclose(own, model.get_scores(terms), rtol=1e-6)
        for k in (1, 10, 200):
            expected = np.lexsort((np.arange(len(own)), -own))[:k]
            assert scorer.top_k(terms, k) == [(int(i), float(own[i])) for i in expected]


def test_a_tiny_benchmark_run_writes_its_report(
    tmp_path: Path, real: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus, "real_sentences", lambda: real)

    def quick_systems(settings):  # bm25s's numba backend would spend ~10 s compiling
        return [s for s in available_systems(settings) if getattr(s, "backend", "") != "numba"]

    try:
        import matplotlib  # noqa: F401

        image = True
    except ImportError:  # the bench extra is not installed: tables only
        image = False
    results = run(
        [1_000],
        [1_000],
        queries=8,
        budget_s=0.5,
        out=tmp_path / "results",
        cache=tmp_path / "cache",
        image=image,
        systems=quick_systems,
    )
    names = [r.system for r in results.systems]
    assert names[:3] == [
        "project BM25Scorer.top_k", "rank-bm25 get_scores + top-K", "SQLite FTS5 top-K"
    ]
    assert all(
        r.size == 1_000 and r.latency.p50_ms > 0 and r.latency.cold_p50_ms > 0
        for r in results.systems
    )
    # the same BM25+ everywhere but FTS5 and tantivy, which score Okapi BM25 their own way
    assert all(r.overlap is None or r.overlap > 0.5 for r in results.systems)
    (kb,) = results.kbs
    assert kb.sentences > 900 and kb.warm_s > 0 and kb.latency.distinct == 8
    assert kb.follow_ups is not None and kb.follow_ups.distinct == 25
    assert kb.rss_base > 0 and kb.rss_steady >= kb.rss_base and kb.latency.cold_p99_ms > 0
    report = (tmp_path / "results" / "latest.md").read_text()
    assert "| 1k | project BM25Scorer.top_k |" in report
    assert "## Targets" in report
    assert (tmp_path / "results" / "latest.png").is_file() == image


def test_bm25s_is_measured_when_installed() -> None:
    pytest.importorskip("bm25s")
    from knowledge.config import RetrievalConfig

    system = Bm25s(RetrievalConfig())
    system.build([["a", "b"], ["b", "c"], ["c", "d"]] * 5)
    assert len(system.query(["a", "zzz"])) == 15  # K is 200: every document of 15
    assert len(system.query(["zzz"])) == 15  # nothing known: still every id
    assert len(system.query([])) == 15
    assert system.index_bytes() > 0
