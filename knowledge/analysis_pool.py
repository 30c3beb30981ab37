"""Splitting and analysing many articles on every core, in worker processes.

Both steps are pure Python (syntok, the analyser): threads would take turns on one core under
the GIL, so a large load is cut into batches of articles analysed by a pool of processes, one per
core. What goes each way is small: a batch's paragraph texts (and spans already known), and
back each article's ``ArticleAnalysis``, a few flat arrays and two NUL-joined strings, which are
interned where they arrive (see ``ArticleAnalysis.__reduce__``).

- Start method: ``spawn``. A worker starts as a fresh interpreter, so it inherits neither the
  event loop's threads, locks nor sockets (``fork`` from a threaded asyncio process can deadlock
  a child), and it works the same under pytest, ``python -m bot`` and the benchmark (a package's
  ``__main__`` is not imported again in a worker; a script run by path is, and must keep its
  work under ``if __name__ == "__main__"``). A daemonic process may not start processes: it
  analyses by itself.
- The pool lives for one load: made when a load has enough to analyse, shut down (and its
  processes joined) when the load ends, fails or is abandoned; a worker whose parent was
  killed outright ends itself (``_exit_with``). No process outlives a load.
- Small loads (a few articles: a question of milliseconds) are analysed in the calling process:
  starting a worker costs about half a second.
- Batches are small (``BATCH_CHARS`` of text): cores stay evenly busy to the end, and each
  result unpickles in a few milliseconds, the GIL held meanwhile, so the event loop in the
  parent is never kept waiting long.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import pairwise

from knowledge.analysis import AliasTable, Analyzer
from knowledge.article_analysis import (
    ArticleAnalysis,
    Paragraphs,
    Spans,
    analyse_paragraphs,
    paragraphs_of,
)
from knowledge.model import Article
from knowledge.sentences import forget_chunks

# Below this much text (about 2,500 sentences) a load is analysed in the calling process.
PARALLEL_MIN_CHARS = 400_000
BATCH_CHARS = 150_000  # text per task (about 1,000 sentences)

_analyzer: Analyzer | None = None  # a worker's own, made once by ``_start_worker``


def worker_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def analyse_articles(
    articles: Sequence[Article],
    analyzer: Analyzer,
    spans: Sequence[Spans | None] | None = None,
    *,
    workers: int | None = None,
    min_chars: int | None = None,
) -> Iterator[ArticleAnalysis]:
    """Each article's analysis, in order, as they are done. ``spans[i]``: article ``i``'s
    sentence spans if already known (it is then not split again).

    With ``workers`` > 1 (default: one per core) and at least ``min_chars`` of text (default:
    ``PARALLEL_MIN_CHARS``), the work is done by that many processes; else here. A failure in
    a worker is raised here, and the pool is shut down whether the caller reads every result
    or stops early.
    """
    known = list(spans) if spans is not None else [None] * len(articles)
    workers = worker_count() if workers is None else workers
    min_chars = PARALLEL_MIN_CHARS if min_chars is None else min_chars
    size = sum(len(a.text) for a in articles)
    if (
        workers <= 1
        or size < min_chars
        or len(articles) < 2
        or multiprocessing.current_process().daemon  # a daemon may not start processes
    ):
        try:
            for article, done in zip(articles, known, strict=True):
                yield analyse_paragraphs(paragraphs_of(article), analyzer, done)
        finally:
            forget_chunks()  # the splitter's memory of chunks is for one load
        return
    yield from _in_pool(articles, known, analyzer, workers)


def _batches(articles: Sequence[Article], spans: Sequence[Spans | None]) -> list[range]:
    """Consecutive articles, about ``BATCH_CHARS`` of text to split and analyse each."""
    cuts = [0]
    size = 0
    for at, (article, known) in enumerate(zip(articles, spans, strict=True)):
        if size >= BATCH_CHARS:
            cuts.append(at)
            size = 0
        size += len(article.text) if known is None else len(article.text) // 4
    cuts.append(len(articles))
    return [range(first, last) for first, last in pairwise(cuts)]


def _in_pool(
    articles: Sequence[Article],
    spans: Sequence[Spans | None],
    analyzer: Analyzer,
    workers: int,
) -> Iterator[ArticleAnalysis]:
    batches = _batches(articles, spans)
    pool = ProcessPoolExecutor(
        min(workers, len(batches)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(analyzer.aliases, analyzer.stop_words, os.getpid()),
    )

    def submit(batch: range) -> Future[list[ArticleAnalysis]]:
        # the paragraphs' texts are made (sliced from the articles) only when sent
        work = [
            (paragraphs_of(articles[i]), None if spans[i] is None else list(spans[i]))
            for i in batch
        ]
        return pool.submit(_analyse_batch, work)

    try:
        # a few batches per worker submitted ahead: no worker waits for work, yet the texts
        # of a million sentences are not all pickled and queued at once
        pending = deque(map(submit, batches[: 4 * workers]))
        queued = len(pending)
        while pending:
            done = pending.popleft()
            if queued < len(batches):
                pending.append(submit(batches[queued]))
                queued += 1
            yield from done.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(aliases: AliasTable, stop_words: frozenset[str], parent: int) -> None:
    global _analyzer
    _analyzer = Analyzer(aliases, stop_words)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int, every: float = 0.5) -> None:
    """End this worker when the process that started it is gone. A parent killed outright
    (SIGKILL, out of memory) never shuts its pool down, and its workers, each holding the write
    end of their task queue, would wait for work forever: orphans."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


def _analyse_batch(batch: list[tuple[Paragraphs, Spans | None]]) -> list[ArticleAnalysis]:
    assert _analyzer is not None, "not a worker started by _start_worker"
    return [analyse_paragraphs(paragraphs, _analyzer, spans) for paragraphs, spans in batch]
