"""The PostgreSQL store (asyncpg): for several bot processes sharing one database.

One connection pool serves every session; a transaction holds one pooled connection from
``BEGIN`` to ``COMMIT``, so unlike SQLite no lock of our own is needed. Writers that must go one
at a time across processes (knowledge generations) take an advisory lock for their transaction.
A committed generation is announced with ``NOTIFY``; ``listen`` keeps one connection of its own
open for it and reconnects when it drops.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import secrets
import zlib
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import asyncpg
from yarl import URL

from bot.storage.database import Database, Listener, Row, Session, Transaction
from bot.storage.migrations import (
    MIGRATIONS,
    Migration,
    StorageError,
    check_numbering,
    refuse_newer,
)

log = logging.getLogger(__name__)

POOL_SIZE = 10
CONNECT_TIMEOUT = 10.0
RECONNECT_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)  # seconds, then 5 s between tries
_MIGRATION_LOCK = "dispute-bot:migrations"


def safe_url(url: str) -> str:
    """The URL with its password hidden: fit for logs and error messages."""
    try:
        parsed = URL(url)
    except ValueError:
        return "postgresql://…"
    return str(parsed.with_password("***")) if parsed.password else url


@functools.lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, …`` (string literals left alone)."""
    parts = re.split(r"('(?:[^']|'')*')", sql)
    count = 0

    def number(_match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return "".join(
        part if part.startswith("'") else re.sub(r"\?", number, part) for part in parts
    )


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock``."""
    return zlib.crc32(name.encode()) - 2**31


def rowcount(status: str) -> int:
    """Rows changed, from a command status such as ``DELETE 3`` or ``INSERT 0 1``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresTransaction(Transaction):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self._conn.fetch(numbered(sql), *params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return rowcount(await self._conn.execute(numbered(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            await self._conn.executemany(numbered(sql), rows)

    async def lock(self, name: str) -> None:
        await self._conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(name))

    async def notify(self, channel: str, payload: str) -> None:
        await self._conn.execute("SELECT pg_notify($1, $2)", channel, payload)


class PostgresSession(Session):
    """Sessions share the pool: any number of statements and transactions run at once."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._pool.acquire() as conn:
            return list(await conn.fetch(numbered(sql), *params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._pool.acquire() as conn:
            return rowcount(await conn.execute(numbered(sql), *params))

    @contextlib.asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[Transaction]:
        isolation = "read_committed" if write else "repeatable_read"
        async with (
            self._pool.acquire() as conn,
            conn.transaction(isolation=isolation, readonly=not write),
        ):
            yield PostgresTransaction(conn)

    async def close(self) -> None:
        """The pool is the database's to close."""


class PostgresDatabase(Database):
    kind = "postgresql"

    def __init__(self, url: str, pool: asyncpg.Pool, salt: str) -> None:
        super().__init__(safe_url(url), PostgresSession(pool), salt)
        self.url = url
        self._pool = pool
        self._listeners: list[asyncio.Task[None]] = []

    @classmethod
    async def open(  # type: ignore[override]
        cls,
        url: str,
        *,
        migrations: Sequence[Migration] = MIGRATIONS,
        pool_size: int = POOL_SIZE,
        **_sqlite_only: Any,
    ) -> PostgresDatabase:
        """Connect a pool, migrate, read or make the salt; one line naming the server if not."""
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=pool_size, timeout=CONNECT_TIMEOUT
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            raise StorageError(f"{safe_url(url)}: cannot connect: {_reason(exc)}") from exc
        try:
            async with pool.acquire() as conn:
                await migrate(conn, migrations)
                salt = await _salt(conn)
        except BaseException as exc:
            await pool.close()
            if isinstance(exc, asyncpg.PostgresError):
                raise StorageError(f"{safe_url(url)}: {_reason(exc)}") from exc
            raise
        return cls(url, pool, salt)

    async def session(self) -> PostgresSession:
        return PostgresSession(self._pool)

    async def integrity_check(self) -> list[str]:
        """PostgreSQL keeps its own files sound; what can be checked here is that the schema
        answers and no generation points at a missing document."""
        missing = await self.main.fetchone(
            "SELECT COUNT(*) FROM generation_sources s"
            " LEFT JOIN documents d ON d.id = s.document_id WHERE d.id IS NULL"
        )
        count = int(missing[0]) if missing else 0
        return ["ok"] if count == 0 else [f"{count} generation sources lack their document"]

    async def listen(self, channel: str, listener: Listener) -> None:
        connected = asyncio.Event()
        task = asyncio.create_task(
            self._listen_forever(channel, listener, connected), name=f"listen:{channel}"
        )
        self._listeners.append(task)
        with contextlib.suppress(TimeoutError):  # keeps trying in the background
            await asyncio.wait_for(connected.wait(), CONNECT_TIMEOUT)

    async def _listen_forever(
        self, channel: str, listener: Listener, connected: asyncio.Event
    ) -> None:
        """One connection for notifications; when it drops, reconnect and say so (``None``)."""
        tries = 0
        first = True
        while True:
            lost = asyncio.Event()
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(
                    channel, lambda _c, _pid, _ch, payload: _call(listener, payload)
                )
                tries = 0
                connected.set()
                if not first:  # notifications sent while we were away are gone: catch up
                    log.info("listening on %s again", channel)
                    _call(listener, None)
                first = False
                await lost.wait()
                log.warning("lost the notification connection to %s", self.name)
            except asyncio.CancelledError:
                if conn is not None and not conn.is_closed():
                    await asyncio.shield(conn.close())
                raise
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning("cannot listen on %s: %s", self.name, _reason(exc))
            delay = RECONNECT_DELAYS[min(tries, len(RECONNECT_DELAYS) - 1)]
            tries += 1
            await asyncio.sleep(delay)

    async def close(self) -> None:
        for task in self._listeners:
            task.cancel()
        for task in self._listeners:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._listeners.clear()
        await self._pool.close()


_running: set[asyncio.Task[None]] = set()


def _call(listener: Listener, payload: str | None) -> None:
    task = asyncio.get_running_loop().create_task(listener(payload))
    _running.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[None]) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("a notification listener failed", exc_info=task.exception())


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


async def schema_version(conn: asyncpg.Connection) -> int:
    await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    value = await conn.fetchval("SELECT MAX(version) FROM schema_version")
    return int(value or 0)


async def migrate(conn: asyncpg.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the database up to the last step; each step in its own transaction, under an
    advisory lock so that processes starting together migrate once."""
    check_numbering(migrations)
    latest = migrations[-1].version if migrations else 0
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(_MIGRATION_LOCK))
        current = await schema_version(conn)
    refuse_newer(current, latest)
    for step in migrations:
        if step.version <= current:
            continue
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(_MIGRATION_LOCK))
            current = await schema_version(conn)  # another process may have been first
            refuse_newer(current, latest)
            if step.version > current:
                for statement in step.postgres:
                    await conn.execute(statement)
                await conn.execute("INSERT INTO schema_version(version) VALUES ($1)", step.version)
                current = step.version
    return current


async def _salt(conn: asyncpg.Connection) -> str:
    await conn.execute(
        "INSERT INTO meta(key, value) VALUES ('salt', $1) ON CONFLICT(key) DO NOTHING",
        secrets.token_hex(16),
    )
    return str(await conn.fetchval("SELECT value FROM meta WHERE key = 'salt'"))
