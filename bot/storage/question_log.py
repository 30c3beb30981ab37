"""Every question asked, written in the background so answering never waits for the disk.

``record`` only puts a row on a queue; a writer task stores rows in batches (one transaction
each). A locked database delays the writer, never the caller, and loses nothing: a batch is
retried until it is stored. ``close`` writes whatever is still queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.storage.database import Database, Session, is_transient, utc_iso, utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 200
FLUSH_INTERVAL = 0.5  # seconds a row may wait for companions before its batch is written
MAX_PENDING = 100_000  # rows held in memory while the database is unavailable
MAX_RETRY_DELAY = 2.0

_INSERT = (
    "INSERT INTO questions(asked_at, guild_id, channel_id, asker, asker_id, origin, question,"
    " question_key, answered, quoted, latency_ms, reply_message_id, generation_id, reply_error)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_STOP = object()


class Origin(StrEnum):
    CHANNEL = "channel"  # a message in a channel (mention or a channel set aside for the bot)
    SLASH = "slash"  # /ask
    CONSOLE = "console"  # python -m bot ask/chat


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    question: str  # verbatim, whatever it contains
    origin: Origin
    answered: bool
    user_id: int | str | None = None  # hashed with the install's salt before it is stored
    guild_id: int | None = None
    channel_id: int | None = None
    quoted: tuple[int, ...] = ()  # sentence ids in the knowledge base of ``generation_id``
    latency_ms: float | None = None
    reply_message_id: int | None = None  # lets votes (reactions) find this question
    generation_id: int | None = None
    asked_at: datetime = field(default_factory=utcnow)
    reply_error: str | None = None  # why the reply could not be sent; None: it was


@dataclass(frozen=True, slots=True)
class StoredQuestion:
    id: int
    asked_at: str
    guild_id: int | None
    channel_id: int | None
    asker: str | None
    asker_id: str | None
    origin: Origin
    question: str
    answered: bool
    quoted: tuple[int, ...]
    latency_ms: int | None
    reply_message_id: int | None
    generation_id: int | None
    reply_error: str | None = None


def question_key(text: str) -> str:
    """What makes two questions "the same" in reports: case and spacing folded."""
    return " ".join(text.casefold().split())


class QuestionLog:
    """Create with ``await QuestionLog.open(db)``; ``await close()`` before the database closes."""

    def __init__(
        self,
        db: Database,
        session: Session,
        *,
        store_raw_ids: bool = False,
        batch_size: int = BATCH_SIZE,
        interval: float = FLUSH_INTERVAL,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self._db = db
        self._session = session
        self._store_raw_ids = store_raw_ids
        self._batch_size = batch_size
        self._interval = interval
        self._max_pending = max_pending
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._hurry = 0  # flush() calls waiting: write without waiting for companions
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self._unwritten = 0  # recorded, not yet committed (queued or in the batch being written)
        self.written = 0
        self.dropped = 0
        self.batches = 0  # transactions the writer took for them

    @classmethod
    async def open(cls, db: Database, **options: Any) -> QuestionLog:
        self = cls(db, await db.session(), **options)
        self.start()
        return self

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="question-log")
            self._task.add_done_callback(_report_crash)

    @property
    def pending(self) -> int:
        """Rows recorded but not yet in the database."""
        return self._unwritten

    def record(self, record: QuestionRecord) -> None:
        """Queue one question for writing; returns at once."""
        if self._closed:
            raise RuntimeError("question log is closed")
        row = self._row(record)
        if self._queue.qsize() >= self._max_pending:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.error(
                    "question log: %d rows dropped, the database is not keeping up", self.dropped
                )
            return
        self._queue.put_nowait(row)
        self._unwritten += 1
        if self._queue.qsize() >= self._batch_size:
            self._wake.set()

    async def flush(self) -> None:
        """Wait until every row queued so far is in the database."""
        self._hurry += 1
        self._wake.set()
        try:
            await self._queue.join()
        finally:
            self._hurry -= 1

    async def close(self, timeout: float | None = 30.0) -> None:
        """Write what is queued, then stop. Rows still unwritten after ``timeout`` are lost
        (and counted in the log) so that shutdown cannot hang on a database locked for good."""
        if self._closed:
            return
        self._closed = True
        self._queue.put_nowait(_STOP)
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            log.error("question log: %d rows not written at shutdown", self._unwritten)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def purge_older_than(self, days: float, *, now: datetime | None = None) -> int:
        """Delete questions (and their votes) asked more than ``days`` ago; returns how many."""
        if days < 0:
            raise ValueError("days: must not be negative")
        cutoff = utc_iso((now or utcnow()) - timedelta(days=days))
        async with self._session.transaction() as conn:
            deleted = await conn.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))
        if deleted:
            log.info("question log: %d questions older than %s days purged", deleted, days)
        return deleted

    async def recent(self, limit: int = 20) -> list[StoredQuestion]:
        """The latest questions, newest first (for moderators and tests)."""
        rows = await self._session.fetchall(
            "SELECT * FROM questions ORDER BY asked_at DESC, id DESC LIMIT ?", (limit,)
        )
        return [
            StoredQuestion(
                id=r["id"],
                asked_at=r["asked_at"],
                guild_id=r["guild_id"],
                channel_id=r["channel_id"],
                asker=r["asker"],
                asker_id=r["asker_id"],
                origin=Origin(r["origin"]),
                question=r["question"],
                answered=bool(r["answered"]),
                quoted=tuple(json.loads(r["quoted"])),
                latency_ms=r["latency_ms"],
                reply_message_id=r["reply_message_id"],
                generation_id=r["generation_id"],
                reply_error=r["reply_error"],
            )
            for r in rows
        ]

    def _row(self, record: QuestionRecord) -> tuple[Any, ...]:
        user = record.user_id
        return (
            utc_iso(record.asked_at),
            record.guild_id,
            record.channel_id,
            None if user is None else self._db.hash_user(user),
            str(user) if self._store_raw_ids and user is not None else None,
            Origin(record.origin).value,
            storable(record.question),
            question_key(storable(record.question)),
            int(bool(record.answered)),
            json.dumps([int(i) for i in record.quoted]),
            None if record.latency_ms is None else round(record.latency_ms),
            record.reply_message_id,
            record.generation_id,
            None if record.reply_error is None else storable(record.reply_error)[:300],
        )

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            if first is _STOP:
                self._queue.task_done()
                return
            if self._queue.qsize() + 1 < self._batch_size and not self._hurry and not self._closed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            batch, stop = [first], False
            while len(batch) < self._batch_size and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            await self._write(batch)
            self.batches += 1
            self._unwritten -= len(batch)
            for _ in range(len(batch) + stop):
                self._queue.task_done()
            if stop:
                return

    async def _write(self, batch: list[tuple[Any, ...]]) -> None:
        delay = 0.05
        while True:
            try:
                async with self._session.transaction() as conn:
                    await conn.executemany(_INSERT, batch)
            except Exception as exc:
                if is_transient(exc):  # a lock held beyond busy_timeout, a server away
                    log.warning("question log: database busy, retrying in %.2f s (%s)",
                                delay, type(exc).__name__)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_RETRY_DELAY)
                    continue
                if len(batch) > 1:  # find the one bad row rather than lose the batch
                    for row in batch:
                        await self._write([row])
                    return
                self.dropped += 1
                log.exception("question log: a row could not be stored and was dropped")
                return
            self.written += len(batch)
            return


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("question log writer stopped", exc_info=task.exception())


def storable(text: str) -> str:
    """``text`` as both stores can hold it: a lone surrogate (an undecodable byte on a command
    line, a broken emoji from a client) becomes "?", and a NUL (which PostgreSQL's text cannot
    hold) "\ufffd", instead of losing the whole row."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
