"""Owns the live knowledge base: builds it off the event loop and swaps it in whole.

Front ends hold a ``KnowledgeService`` and call ``ask``/``reload``; they never see half an index,
because a ``KnowledgeBase`` is immutable and the swap is one reference assignment.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.heap import return_free_memory
from knowledge.analysis import Analyzer
from knowledge.answers import answer
from knowledge.article_analysis import ArticleAnalysis, Spans
from knowledge.config import ConfigError, KnowledgeConfig, load_knowledge_config
from knowledge.index import KnowledgeBase, build_knowledge_base
from knowledge.ingest import load_articles
from knowledge.model import Answer, Article, Problem

if TYPE_CHECKING:
    from bot.storage.knowledge_store import KnowledgeStore, StoredGeneration

log = logging.getLogger(__name__)

# Below this many sentences a question is answered inline: a thread hop costs more than scoring.
INLINE_SENTENCES = 20_000
# A retired knowledge base is dropped this many objects at a time (see _release).
RELEASE_CHUNK = 2_000


class ReloadError(Exception):
    """The new knowledge base could not be built; the old one is still serving."""


@dataclass(frozen=True)
class ReloadReport:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    sentences: int
    seconds: float
    problems: tuple[Problem, ...] = ()
    kept: tuple[str, ...] = field(default=())  # broken now, previous version still served

    def summary(self) -> str:
        def names(items: tuple[str, ...]) -> str:
            return ", ".join(f"`{n}`" for n in items) if items else "none"

        lines = [
            f"Reloaded in {self.seconds:.2f} s: {self.sentences} sentences.",
            f"Added: {names(self.added)}",
            f"Changed: {names(self.changed)}",
            f"Removed: {names(self.removed)}",
        ]
        for problem in self.problems:
            keep = " (previous version kept)" if problem.source in self.kept else " (skipped)"
            lines.append(f"⚠ `{problem.source}`: {problem.reason}{keep}")
        return "\n".join(lines)


class KnowledgeService:
    """The live knowledge base, optionally persisted as numbered generations in the database.

    With a store, start-up loads the current generation (no re-splitting), and a reload is swapped
    in only after its generation has committed: a crash or a full disk leaves the old one current.
    """

    def __init__(self, config_path: Path, store: KnowledgeStore | None = None) -> None:
        self.config_path = config_path
        self.store = store
        self.generation: int | None = None
        self._kb: KnowledgeBase | None = None
        self._lock = asyncio.Lock()
        self._spans: dict[str, Spans] = {}  # sentence spans by article hash: only changes re-split
        # each article's analysis by hash, for one alias table: only changes are re-analysed
        self._analysis: dict[str, ArticleAnalysis] = {}
        self._aliases: str | None = None
        # Wraps the articles being indexed, e.g. a tqdm progress bar in the CLI.
        self.progress: Callable[[Iterable[Article]], Iterable[Article]] | None = None
        self._releasing: set[asyncio.Task[None]] = set()  # retired knowledge bases being freed
        self._following = False

    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            raise RuntimeError("knowledge base not loaded yet")
        return self._kb

    @property
    def loaded(self) -> bool:
        return self._kb is not None

    @property
    def reloading(self) -> bool:
        return self._lock.locked()

    async def load(self) -> KnowledgeBase:
        """First load: the stored generation if there is one, else the seeds folder.

        Configuration errors propagate: the bot must not start without a knowledge base.
        """
        async with self._lock:
            stored = await self.store.load_generation() if self.store else None
            if stored is not None:
                self._kb, self.generation = await self._index_stored(stored), stored.id
                return self._kb
            new = await self._build(None)
            # an empty start is not stored: the next start reads the seeds folder again
            generation = await self._save(new) if new.articles else None
            self._kb, self.generation = new, generation
            return new

    async def follow_store(self) -> None:
        """Serve what other processes commit: each generation saved anywhere (PostgreSQL tells)
        is loaded off the loop and swapped in; the old one serves until then."""
        if self.store is not None and not self._following:
            self._following = True
            await self.store.watch(self._adopt_committed)

    async def _adopt_committed(self, _payload: str | None) -> None:
        """Load the current generation if it is not the one served (a notification, or a
        reconnect after which notifications may have been missed)."""
        assert self.store is not None
        async with self._lock:  # after a reload of our own has finished: its id is known
            if await self.store.current_generation() in (None, self.generation):
                return
            stored = await self.store.load_generation()
            if stored is None or stored.id == self.generation:
                return
            try:
                new = await self._index_stored(stored)
            except Exception:  # keep serving the old one; the next notification tries again
                log.exception("could not load knowledge generation %d", stored.id)
                return
            old, self._kb, self.generation = self._kb, new, stored.id
            log.info("serving knowledge generation %d (committed by another process): %d "
                     "sentences", stored.id, len(new))
            self._retire(old)

    async def _index_stored(self, stored: StoredGeneration) -> KnowledgeBase:
        self._spans.update(stored.spans)
        config = await asyncio.to_thread(load_knowledge_config, self.config_path)
        return await asyncio.to_thread(self._index, config, list(stored.articles), [])

    async def reload(self) -> ReloadReport:
        """Build a new knowledge base from disk and swap it in; serialised, all-or-nothing."""
        async with self._lock:
            old = self._kb
            started = time.perf_counter()
            try:
                new = await self._build(old)
                generation = await self._save(new)
            except ReloadError:
                raise
            except ConfigError as exc:
                raise ReloadError(str(exc)) from None
            except Exception as exc:  # anything else: keep serving the old one
                log.exception("reload failed")
                raise ReloadError(f"{type(exc).__name__}: {exc}") from None
            report = _diff(old, new, time.perf_counter() - started)
            self._kb, self.generation = new, generation
            log.info("knowledge base reloaded: %s", report.summary().replace("\n", " | "))
            self._retire(old)
            return report

    def _retire(self, old: KnowledgeBase | None) -> None:
        """Free a replaced knowledge base off the loop, not where its last reference goes."""
        if old is not None:
            retired = [old]
            del old
            release = asyncio.create_task(asyncio.to_thread(_release, retired))
            self._releasing.add(release)
            release.add_done_callback(self._releasing.discard)

    async def _build(self, previous: KnowledgeBase | None) -> KnowledgeBase:
        # Read once: seeds, aliases and retrieval settings of one build come from one file state.
        config = await asyncio.to_thread(load_knowledge_config, self.config_path)
        articles, problems = await asyncio.to_thread(self._read_seeds, config, previous)
        if self.store is not None:  # spans of unchanged files come from the database
            self._spans.update(await self.store.reusable_spans(articles))
        return await asyncio.to_thread(self._index, config, articles, problems)

    def _read_seeds(
        self, config: KnowledgeConfig, previous: KnowledgeBase | None
    ) -> tuple[list[Article], list[Problem]]:
        with _collections_held_off():
            return self._read_seeds_now(config, previous)

    def _read_seeds_now(
        self, config: KnowledgeConfig, previous: KnowledgeBase | None
    ) -> tuple[list[Article], list[Problem]]:
        if not config.seeds.is_dir():
            raise ConfigError(f"{self.config_path}: seeds: folder {config.seeds} not found")
        known = previous.by_source if previous is not None else None
        articles, problems = load_articles(config.seeds, config.max_article_bytes, known)
        articles = _keep_previous_versions(articles, problems, previous)
        if not articles and problems and previous is not None:
            # a reload that would leave nothing: refused, the current articles keep serving
            raise ReloadError("no article could be loaded: " + "; ".join(map(str, problems[:3])))
        if not articles:  # the first load: start empty and say so, rather than not start
            log.warning("the knowledge base is empty: %s",
                        "; ".join(map(str, problems[:3])) or f"no article in {config.seeds}")
        return articles, problems

    def _index(
        self, config: KnowledgeConfig, articles: list[Article], problems: list[Problem]
    ) -> KnowledgeBase:
        with _collections_held_off():
            kb = self._index_now(config, articles, problems)
        return_free_memory()  # what the build made and dropped
        return kb

    def _index_now(
        self, config: KnowledgeConfig, articles: list[Article], problems: list[Problem]
    ) -> KnowledgeBase:
        current = {a.sha256 for a in articles}
        for digest in set(self._spans) - current:  # forget articles that are gone
            del self._spans[digest]
        aliases = repr(sorted((str(k), sorted(map(str, v))) for k, v in config.aliases.items()))
        if aliases != self._aliases:  # another analyser: every analysis is stale
            self._analysis.clear()
            self._aliases = aliases
        for digest in set(self._analysis) - current:
            del self._analysis[digest]
        analyzer = Analyzer.from_aliases(config.aliases)
        return build_knowledge_base(
            articles,
            analyzer,
            config.retrieval,
            problems,
            self.progress,
            cache=self._spans,
            analysis=self._analysis,
        )

    async def _save(self, kb: KnowledgeBase) -> int | None:
        """Commit ``kb`` as a new generation; only then may it be swapped in."""
        if self.store is None:
            return None
        if self._kb is not None and _sources(self._kb) == _sources(kb):
            return self.generation  # the same files: the current generation already holds them
        spans = {a.sha256: self._spans[a.sha256] for a in kb.articles}
        return await self.store.save_generation(kb.articles, spans)

    async def ask(self, question: str, context: Sequence[str] = ()) -> Answer:
        kb = self.kb  # one index for the whole question, even if a reload swaps meanwhile
        if len(kb) < INLINE_SENTENCES:
            return answer(kb, question, context)
        return await asyncio.to_thread(answer, kb, question, context)


_building = 0
_building_lock = threading.Lock()
_collector_was_enabled = True


@contextmanager
def _collections_held_off() -> Iterator[None]:
    """Keep the cyclic garbage collector from stalling the event loop over a knowledge base.

    A full collection walks every tracked object with the GIL held, in whichever thread happens
    to allocate: with a 100,000-sentence knowledge base alive and another being built, 150 to
    300 ms each, several times a reload (tests/test_loop_stall.py). So: collect first (cheap,
    as earlier knowledge bases are frozen), hold collections off while building, then freeze
    everything alive, the new knowledge base with it, out of later collections. Frozen objects
    are still freed by reference counting when dropped; only cyclic garbage made meanwhile is
    never collected.
    """
    global _building, _collector_was_enabled
    with _building_lock:
        if _building == 0:
            _collector_was_enabled = gc.isenabled()
            gc.collect()
            gc.disable()
        _building += 1
    try:
        yield
    finally:
        with _building_lock:
            _building -= 1
            if _building == 0:
                gc.freeze()
                if _collector_was_enabled:
                    gc.enable()


def _release(retired: list[KnowledgeBase], patience: float = 10.0) -> None:
    """Drop a retired knowledge base a few thousand objects at a time, in a worker thread.

    Its last reference gone at once, its million objects would be freed in one C-level cascade
    with the GIL held: 40 to 80 ms at 100,000 sentences, on the event loop if a question still
    being answered let go of it last. So this waits for such questions first (up to
    ``patience`` seconds; no new one can get hold of it after the swap). Whoever keeps it
    longer frees it.
    """
    kb = retired.pop()
    deadline = time.monotonic() + patience
    while sys.getrefcount(kb) > 2 and time.monotonic() < deadline:  # ours and the argument's
        time.sleep(0.005)
    # sentences and terms are a few arrays (the terms' analyses stay cached): only the articles
    # are many objects
    parts = [list(kb.articles)]
    del kb
    for items in parts:
        while items:
            del items[-RELEASE_CHUNK:]
    return_free_memory()


def _keep_previous_versions(
    articles: list[Article], problems: list[Problem], previous: KnowledgeBase | None
) -> list[Article]:
    """An article that was fine and is now broken keeps serving its last good version."""
    if previous is None:
        return articles
    broken = [p.source for p in problems if p.source in previous.by_source]
    if not broken:
        return articles
    kept = articles + [previous.by_source[s] for s in broken]
    return sorted(kept, key=lambda a: a.source)


def _sources(kb: KnowledgeBase) -> list[tuple[str, str]]:
    return [(a.source, a.sha256) for a in kb.articles]


def _diff(old: KnowledgeBase | None, new: KnowledgeBase, seconds: float) -> ReloadReport:
    before = {a.source: a.sha256 for a in old.articles} if old else {}
    after = {a.source: a.sha256 for a in new.articles}
    broken = {p.source for p in new.problems}
    return ReloadReport(
        added=tuple(sorted(set(after) - set(before))),
        changed=tuple(sorted(s for s in after if s in before and after[s] != before[s])),
        removed=tuple(sorted(set(before) - set(after))),
        sentences=len(new),
        seconds=seconds,
        problems=new.problems,
        kept=tuple(sorted(s for s in broken if s in after)),
    )
