"""Measuring: build time, query latency, memory, and the knowledge base's reload and answers."""

from __future__ import annotations

import asyncio
import gc
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from benchmarks.corpus import Query, write_articles
from benchmarks.peers import System
from bot.knowledge_service import KnowledgeService
from knowledge.answers import answer
from knowledge.config import load_knowledge_config
from knowledge.cues import sentence_cues
from knowledge.index import KnowledgeBase, Spans, build_knowledge_base, split_article
from knowledge.ingest import load_articles
from knowledge.scoring import BM25Scorer

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "knowledge.yaml"
T = TypeVar("T")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Latency:
    p50_ms: float
    p99_ms: float
    timed: int  # queries timed (with repeats over rounds)
    distinct: int  # distinct queries among them
    total: int  # queries in the set

    @property
    def estimated(self) -> bool:
        return self.distinct < self.total


@dataclass
class SystemResult:
    size: int
    system: str
    build_s: float | None
    latency: Latency
    index_bytes: int | None = None
    peak_bytes: int | None = None  # traced allocation peak while building
    overlap: float | None = None  # mean share of the project's top 10 found in this top 10


@dataclass
class KbResult:
    size: int  # corpus sentences written into articles
    sentences: int  # sentences of the built knowledge base (syntok re-splits the articles)
    articles: int
    cold_s: float  # first load: read, split every article, analyse, index
    warm_s: float  # reload with every article's spans cached (what an edit costs)
    latency: Latency  # answers.answer end to end
    scorer_bytes: int = 0
    retained_bytes: int | None = None  # whole KnowledgeBase, traced, minus sentence texts
    answered: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # a warm rebuild, step by step


@dataclass
class Results:
    systems: list[SystemResult] = field(default_factory=list)
    kbs: list[KbResult] = field(default_factory=list)


def time_queries(
    run: Callable[[T], object],
    queries: Sequence[T],
    *,
    budget_s: float = 20.0,
    rounds: int = 3,
    min_queries: int = 10,
) -> tuple[Latency, list[list[int]]]:
    """Latency of ``run`` over ``queries`` (each timed alone), within about ``budget_s``.

    A slow system gets only the first queries (at least ``min_queries``): its numbers are then
    an estimate and say so. A fast one gets up to ``rounds`` passes over the set, for a steadier
    p99. Returns the results of the first pass too.
    """
    if queries:  # first call apart: a JIT compiles then (bm25s's numba backend), caches fill
        run(queries[0])
    warm = min(5, len(queries))
    started = time.perf_counter()
    for item in queries[:warm]:
        run(item)
    each = (time.perf_counter() - started) / max(warm, 1)
    count = len(queries)
    if each * count > budget_s:
        count = min(count, max(min_queries, int(budget_s / max(each, 1e-9))))
    passes = max(1, min(rounds, int(budget_s / max(each * count, 1e-9))))
    samples: list[float] = []
    first: list[list[int]] = []
    for number in range(passes):
        for item in queries[:count]:
            began = time.perf_counter_ns()
            found = run(item)
            samples.append((time.perf_counter_ns() - began) / 1e6)
            if number == 0:
                first.append(found if isinstance(found, list) else [])
    p50, p99 = np.percentile(samples, [50, 99]).tolist()
    return Latency(p50, p99, len(samples), count, len(queries)), first


def overlap(found: Sequence[list[int]], reference: Sequence[list[int]]) -> float:
    shares = [len(set(a) & set(b)) / max(len(b), 1) for a, b in zip(found, reference, strict=False)]
    return float(np.mean(shares)) if shares else float("nan")


def traced_peak(build: Callable[[], object]) -> int:
    """Peak of traced allocations (Python objects and numpy buffers) while ``build`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        result = build()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak


def measure_systems(
    size: int,
    corpus: Sequence[list[str]],
    queries: Sequence[Query],
    systems: Sequence[System],
    *,
    budget_s: float = 20.0,
    peak_up_to: int = 100_000,
) -> list[SystemResult]:
    """Build each system on ``corpus`` and time the queries; one system in memory at a time."""
    terms = [list(q.terms) for q in queries]
    out: list[SystemResult] = []
    reference: list[list[int]] | None = None
    for system in systems:
        gc.collect()
        started = time.perf_counter()
        system.build(corpus)
        build_s = time.perf_counter() - started
        latency, found = time_queries(system.query, terms, budget_s=budget_s)
        index_bytes = system.index_bytes()
        if reference is None:
            reference = found
        result = SystemResult(
            size,
            system.name,
            build_s,
            latency,
            index_bytes,
            overlap=None if found is reference else overlap(found, reference),
        )
        _drop(system)
        peak_wanted = size <= peak_up_to or system is systems[0]
        if peak_wanted:
            result.peak_bytes = traced_peak(lambda s=system: s.build(corpus))
            _drop(system)
        log(
            f"{size:>9,} {system.name:<38} build {build_s:7.2f} s  p50 {latency.p50_ms:9.3f} ms"
            f"  p99 {latency.p99_ms:9.3f} ms  ({latency.distinct}/{latency.total} queries)"
        )
        out.append(result)
    return out


def _drop(system: System) -> None:
    for attribute in ("scorer", "model", "retriever"):
        if hasattr(system, attribute):
            setattr(system, attribute, None)
    gc.collect()


# --- the knowledge base: reload and answers --------------------------------------------------


def measure_knowledge_base(
    size: int,
    texts: Sequence[str],
    queries: Sequence[Query],
    *,
    retained: bool = False,
    workdir: Path | None = None,
) -> KbResult:
    """The service's own path: articles on disk → ``load()`` (cold) and ``reload()`` (warm)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-kb-", dir=workdir))
    try:
        (folder / "config").mkdir()
        shutil.copy(CONFIG, folder / "config" / "knowledge.yaml")
        articles = write_articles(folder / "seeds", texts)
        return asyncio.run(_measure_service(folder, size, articles, queries, retained))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _measure_service(
    folder: Path, size: int, articles: int, queries: Sequence[Query], retained: bool
) -> KbResult:
    service = KnowledgeService(folder / "config" / "knowledge.yaml")
    gc.collect()
    started = time.perf_counter()
    await service.load()
    cold = time.perf_counter() - started
    warm = float("inf")
    for _ in range(2):
        gc.collect()
        started = time.perf_counter()
        await service.reload()
        warm = min(warm, time.perf_counter() - started)
    kb = service.kb
    outcomes: dict[str, bool] = {}

    def ask(question: str) -> None:
        outcomes[question] = answer(kb, question).answered

    latency, _ = time_queries(ask, [q.text for q in queries], budget_s=30.0, rounds=1)
    result = KbResult(
        size,
        len(kb),
        articles,
        cold,
        warm,
        latency,
        kb.scorer.nbytes,
        answered=sum(outcomes.values()),
    )
    if retained:
        result.phases = _phases(folder, kb)
        spans = getattr(service, "_spans", None)  # warm: splitting is not what is measured
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            again = build_knowledge_base(
                kb.articles, kb.analyzer, kb.retrieval, kb.problems, cache=spans
            )
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        text = sum(sys.getsizeof(s.text) for s in again.sentences)
        result.retained_bytes = after - before - text
        del again
    log(
        f"{size:>9,} knowledge base: {len(kb):,} sentences in {articles} articles; load "
        f"{cold:.2f} s cold, reload {warm:.2f} s warm; answer p50 {latency.p50_ms:.3f} ms"
        f" p99 {latency.p99_ms:.3f} ms"
    )
    return result


def _phases(folder: Path, kb: KnowledgeBase) -> dict[str, float]:
    """Seconds of each step of a warm rebuild, done one by one as build_knowledge_base does."""
    config = load_knowledge_config(folder / "config" / "knowledge.yaml")
    texts = [s.text for s in kb.sentences]
    spans = _spans_by_source(kb)
    steps: dict[str, Callable[[], object]] = {
        "read and parse articles": lambda: load_articles(config.seeds, config.max_article_bytes),
        "sentences from cached spans (match_key, dedupe)": lambda: _resplit(kb, spans),
        "Analyzer.terms": lambda: [kb.analyzer.terms(t) for t in texts],
        "sentence_cues": lambda: [sentence_cues(t) for t in texts],
        "BM25Scorer": lambda: BM25Scorer(
            [list(t) for t in kb.terms],
            kb.retrieval.variant,
            k1=kb.retrieval.k1,
            b=kb.retrieval.b,
            delta=kb.retrieval.delta,
        ),
    }
    out: dict[str, float] = {}
    gc.collect()
    for name, step in steps.items():
        started = time.perf_counter()
        step()
        out[name] = time.perf_counter() - started
    return out


def _spans_by_source(kb: KnowledgeBase) -> dict[str, Spans]:
    """Each article's sentence spans as the service caches them (offsets in the paragraph)."""
    starts = {(a.source, p.number): p.start for a in kb.articles for p in a.paragraphs}
    out: dict[str, Spans] = {a.source: [] for a in kb.articles}
    for s in kb.sentences:
        at = starts[s.source, s.paragraph]
        out[s.source].append((s.paragraph, s.start - at, s.end - at))
    return out


def _resplit(kb: KnowledgeBase, spans: dict[str, Spans]) -> int:
    seen: set[str] = set()
    count = 0
    for article in kb.articles:
        count += len(split_article(article, count, seen, spans[article.source]))
    return count
