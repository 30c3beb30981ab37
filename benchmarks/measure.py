"""Measuring: build time, query latency, memory, and the knowledge base's reload and answers."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from benchmarks.corpus import Query, write_articles
from benchmarks.corpus import sentences as corpus_sentences
from benchmarks.peers import System
from bot.knowledge_service import KnowledgeService
from knowledge.analysis import Analyzer
from knowledge.answers import answer
from knowledge.article_analysis import Spans, analyse_article, article_spans
from knowledge.config import load_knowledge_config
from knowledge.index import KnowledgeBase, build_knowledge_base, name_terms
from knowledge.ingest import load_articles
from knowledge.scoring import BM25Scorer
from knowledge.spelling import Speller

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "knowledge.yaml"
T = TypeVar("T")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Latency:
    """Cold: each question timed the first time the process runs it (the headline: a bot's
    questions are mostly new); warm: the same questions again."""

    p50_ms: float  # warm
    p99_ms: float
    timed: int  # warm samples (with repeats over rounds)
    distinct: int  # distinct queries among them
    total: int  # queries in the set
    cold_p50_ms: float = float("nan")
    cold_p99_ms: float = float("nan")

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
    overlap: float | None = None  # mean share of the project's top K found in this top K


@dataclass
class KbResult:
    size: int  # corpus sentences written into articles
    sentences: int  # sentences of the built knowledge base (syntok re-splits the articles)
    articles: int
    cold_s: float  # first load: read, split every article, analyse, index
    warm_s: float  # reload with every article's spans cached (what an edit costs)
    latency: Latency  # answers.answer end to end
    scorer_bytes: int = 0
    retained_bytes: int | None = None  # whole KnowledgeBase, traced (articles not counted)
    answered: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # a warm rebuild, step by step
    follow_ups: Latency | None = None  # answers.answer(follow-up, context=[question])
    rss_base: int = 0  # the process before loading: Python, imports
    rss_steady: int = 0  # after the load, serving
    rss_peak_reload: int = 0  # the highest resident size during a reload
    stall_ms: float = 0.0  # the event loop's longest wait during a reload


@dataclass
class Results:
    systems: list[SystemResult] = field(default_factory=list)
    kbs: list[KbResult] = field(default_factory=list)


def time_queries(
    run: Callable[[T], object],
    queries: Sequence[T],
    *,
    warmup: Sequence[T] = (),
    budget_s: float = 20.0,
    rounds: int = 3,
    min_queries: int = 10,
) -> tuple[Latency, list[list[int]]]:
    """Cold and warm latency of ``run`` over ``queries`` (each timed alone), within about
    ``budget_s`` a phase.

    ``warmup`` items (not in the set) run first, untimed: imports, a JIT, first allocations.
    Then each query once, in order (cold); a slow system gets only the first queries (at least
    ``min_queries``) and its numbers say they are an estimate. Then up to ``rounds`` - 1 more
    passes over the same queries (warm). Returns the cold pass's results too.
    """
    for item in warmup:
        run(item)
    cold: list[float] = []
    first: list[list[int]] = []
    started = time.perf_counter()
    for item in queries:
        began = time.perf_counter_ns()
        found = run(item)
        cold.append((time.perf_counter_ns() - began) / 1e6)
        first.append(found if isinstance(found, list) else [])
        if len(cold) >= min_queries and time.perf_counter() - started > budget_s:
            break
    count = len(cold)
    spent = time.perf_counter() - started
    passes = max(1, min(rounds - 1, int(budget_s / max(spent, 1e-9))))
    warm: list[float] = []
    for _ in range(passes):
        for item in queries[:count]:
            began = time.perf_counter_ns()
            run(item)
            warm.append((time.perf_counter_ns() - began) / 1e6)
    p50, p99 = np.percentile(warm, [50, 99]).tolist()
    cold50, cold99 = np.percentile(cold, [50, 99]).tolist()
    return Latency(p50, p99, len(warm), count, len(queries), cold50, cold99), first


def overlap(found: Sequence[list[int]], reference: Sequence[list[int]]) -> float:
    """Mean share of the shorter of two top-K lists that the other holds too: BM25+ (the
    project's) ranks every sentence, matching or not; FTS5 and tantivy list matches only."""
    shares = [
        len(set(a) & set(b)) / max(min(len(a), len(b)), 1)
        for a, b in zip(found, reference, strict=False)
    ]
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
    warmup: Sequence[Query] = (),
    budget_s: float = 20.0,
    peak_up_to: int = 100_000,
) -> list[SystemResult]:
    """Build each system on ``corpus`` and time the queries; one system in memory at a time."""
    terms = [list(q.terms) for q in queries]
    first_terms = [list(q.terms) for q in warmup]
    out: list[SystemResult] = []
    reference: list[list[int]] | None = None
    for system in systems:
        gc.collect()
        started = time.perf_counter()
        system.build(corpus)
        build_s = time.perf_counter() - started
        latency, found = time_queries(
            system.query, terms, warmup=first_terms, budget_s=budget_s
        )
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
            f"{size:>9,} {system.name:<34} build {build_s:7.2f} s  cold p50 "
            f"{latency.cold_p50_ms:8.3f} p99 {latency.cold_p99_ms:8.3f} ms  warm p50 "
            f"{latency.p50_ms:8.3f} p99 {latency.p99_ms:8.3f} ms  "
            f"({latency.distinct}/{latency.total} queries)"
        )
        out.append(result)
    return out


def _drop(system: System) -> None:
    for attribute in ("scorer", "model", "retriever", "searcher", "index", "db", "folder"):
        if hasattr(system, attribute):
            setattr(system, attribute, None)
    gc.collect()


# --- the knowledge base: reload and answers --------------------------------------------------


def measure_knowledge_base(
    size: int,
    queries: Sequence[Query],
    follow_ups: Sequence[tuple[str, str]] = (),
    *,
    retained: bool = False,
    cache: Path | None = None,
    workdir: Path | None = None,
) -> KbResult:
    """The service's own path, in a process of its own (so its resident memory is the bot's, not
    the benchmark's): articles on disk → ``load()`` (cold) and ``reload()`` (warm)."""
    # not multiprocessing.Pool: its processes are daemons, which may not start the service's
    # own pool of analysis processes; a ProcessPoolExecutor's are not
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(
            _knowledge_base_in_child, size, list(queries), list(follow_ups), retained, cache,
            workdir,
        ).result()


def _knowledge_base_in_child(
    size: int,
    queries: list[Query],
    follow_ups: list[tuple[str, str]],
    retained: bool,
    cache: Path | None,
    workdir: Path | None,
) -> KbResult:
    folder = Path(tempfile.mkdtemp(prefix="bench-kb-", dir=workdir))
    try:
        (folder / "config").mkdir()
        shutil.copy(CONFIG, folder / "config" / "knowledge.yaml")
        texts = corpus_sentences(size, cache)
        articles = write_articles(folder / "seeds", texts)
        del texts
        gc.collect()
        return asyncio.run(_measure_service(folder, size, articles, queries, follow_ups, retained))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def rss() -> int:
    """This process's resident memory now (Linux: /proc/self/statm), in bytes."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _reset_peak_rss() -> bool:
    """Start the kernel's resident high-water mark afresh (Linux): the peak of what follows."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


async def _longest_stall(work: Callable[[], Awaitable[object]], tick: float = 0.005) -> float:
    """Run ``work`` while a ticker measures how late the event loop wakes it (ms, worst)."""
    worst = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        loop = asyncio.get_running_loop()
        while not done.is_set():
            began = loop.time()
            await asyncio.sleep(tick)
            worst = max(worst, (loop.time() - began - tick) * 1000)

    task = asyncio.create_task(ticker())
    try:
        await work()
    finally:
        done.set()
        await task
    return worst


async def _measure_service(
    folder: Path,
    size: int,
    articles: int,
    queries: Sequence[Query],
    follow_ups: Sequence[tuple[str, str]],
    retained: bool,
) -> KbResult:
    service = KnowledgeService(folder / "config" / "knowledge.yaml")
    gc.collect()
    base = rss()
    started = time.perf_counter()
    await service.load()
    cold = time.perf_counter() - started
    gc.collect()
    steady = rss()
    warm, peak, stall = float("inf"), 0, 0.0
    for _ in range(2):
        gc.collect()
        tracked = _reset_peak_rss()
        started = time.perf_counter()
        stall = max(stall, await _longest_stall(service.reload))
        warm = min(warm, time.perf_counter() - started)
        peak = max(peak, _peak_rss() if tracked else 0)
    gc.collect()
    kb = service.kb
    outcomes: dict[str, bool] = {}

    def ask(question: str) -> None:
        outcomes[question] = answer(kb, question).answered

    def follow(pair: tuple[str, str]) -> None:
        answer(kb, pair[1], context=(pair[0],))

    warmup = ["what is the tariff", "who said that"]
    latency, _ = time_queries(ask, [q.text for q in queries], warmup=warmup, budget_s=30.0)
    followed = None
    if follow_ups:
        # as in a conversation, the question a follow-up follows was answered just before it
        # (its reply is where the follow-up's story stands: ``answers._thread``); only the
        # follow-up is timed
        for question, _ in follow_ups:
            answer(kb, question)
        followed, _ = time_queries(follow, list(follow_ups), budget_s=30.0)
    result = KbResult(
        size,
        len(kb),
        articles,
        cold,
        warm,
        latency,
        kb.scorer.nbytes,
        answered=sum(outcomes.values()),
        follow_ups=followed,
        rss_base=base,
        rss_steady=steady,
        rss_peak_reload=peak,
        stall_ms=stall,
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
        result.retained_bytes = after - before  # sentence texts are not kept: made on access
        del again
    log(
        f"{size:>9,} knowledge base: {len(kb):,} sentences in {articles} articles; load "
        f"{cold:.2f} s cold, reload {warm:.2f} s warm (loop stalled ≤ {stall:.0f} ms); answer "
        f"cold p50 {latency.cold_p50_ms:.3f} p99 {latency.cold_p99_ms:.3f} ms; RSS "
        f"{steady / 2**20:.0f} MB steady, {peak / 2**20:.0f} MB peak in a reload"
    )
    return result


def _phases(folder: Path, kb: KnowledgeBase) -> dict[str, float]:
    """Seconds of the steps of a build, each timed alone: what a cold build does per article
    (parse, split, analyse), and what a warm reload does (read, build from the cached analysis)."""
    config = load_knowledge_config(folder / "config" / "knowledge.yaml")
    spans = _spans_by_source(kb)
    articles = list(kb.articles)
    analyzer = Analyzer.from_aliases(config.aliases)
    analysis = {a.sha256: analyse_article(a, analyzer, spans[a.source]) for a in articles}
    words = {word for done in analysis.values() for word in done.words}
    steps: dict[str, Callable[[], object]] = {
        "read and parse articles (cold: every article)": lambda: load_articles(
            config.seeds, config.max_article_bytes
        ),
        # a warm reload: every file read and hashed, an unchanged one kept without parsing
        "read articles, none changed (warm)": lambda: load_articles(
            config.seeds, config.max_article_bytes, {a.source: a for a in articles}
        ),
        "split into sentences, syntok (cold: changed articles only)": lambda: [
            article_spans(a) for a in articles
        ],
        # one fresh analyser for every article, as a cold build (or each of its worker
        # processes) has: not one an article, which re-learnt every word per article
        "analyse: terms, leaning, words (cold: changed articles only)": lambda: _analyse_all(
            articles, Analyzer.from_aliases(config.aliases), spans
        ),
        "whole warm build from the cached analysis": lambda: build_knowledge_base(
            articles, analyzer, kb.retrieval, kb.problems, analysis=dict(analysis)
        ),
        "  of which: spelling dictionary": lambda: Speller(analyzer.known_words(words)),
        "  of which: names": lambda: name_terms(kb.sentences, analyzer, words),
        "  of which: BM25Scorer": lambda: BM25Scorer(
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


def _analyse_all(articles: list, analyzer: Analyzer, spans: dict[str, Spans]) -> list:
    return [analyse_article(a, analyzer, spans[a.source]) for a in articles]


def _spans_by_source(kb: KnowledgeBase) -> dict[str, Spans]:
    """Each article's sentence spans as the service caches them (offsets in the paragraph)."""
    starts = {(a.source, p.number): p.start for a in kb.articles for p in a.paragraphs}
    out: dict[str, Spans] = {a.source: [] for a in kb.articles}
    for s in kb.sentences:
        at = starts[s.source, s.paragraph]
        out[s.source].append((s.paragraph, s.start - at, s.end - at))
    return out
