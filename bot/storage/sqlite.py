"""The SQLite store: one file, opened in WAL mode, migrated, and handed out as locked sessions.

aiosqlite runs a connection's statements in order on one thread, so two coroutines sharing a
connection would slip statements into each other's transactions. A ``SQLiteSession`` pairs one
connection with an ``asyncio.Lock`` held from ``BEGIN`` to ``COMMIT``. The heavy writers (the
knowledge store, the question log) get a session each, so one waiting for SQLite's write lock
(``busy_timeout``) holds up nobody else; WAL lets readers go on meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.database import Database, Listener, Row, Session, Transaction, is_transient
from bot.storage.migrations import MIGRATIONS, Migration, StorageError, migrate

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class SQLiteTransaction(Transaction):
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._conn.execute(sql, params) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def lock(self, name: str) -> None:
        """``BEGIN IMMEDIATE`` holds the file's one write lock already."""

    async def notify(self, channel: str, payload: str) -> None:
        """One process serves one file: nobody else to tell."""


class SQLiteSession(Session):
    """One connection; its lock keeps each transaction's statements together."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._lock:
            return list(await self._conn.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement in its own (implicit) transaction; returns the rows changed."""
        async with self._lock, self._conn.execute(sql, params) as cursor:
            return cursor.rowcount

    @contextlib.asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[Transaction]:
        """``BEGIN IMMEDIATE`` (or a read snapshot) … ``COMMIT``; ``ROLLBACK`` on any exception.

        ``write=True`` takes SQLite's write lock up front, so the transaction cannot fail half-way
        with "database is locked"; it waits up to ``busy_timeout`` for it instead.
        """
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")
            try:
                yield SQLiteTransaction(self._conn)
                await self._conn.execute("COMMIT")
            except BaseException:
                # Shielded: a cancelled caller must still end the transaction it started.
                await asyncio.shield(self._rollback())
                raise

    async def _rollback(self) -> None:
        if self._conn.in_transaction:
            await self._conn.execute("ROLLBACK")

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()


class SQLiteDatabase(Database):
    """The bot's database file."""

    kind = "sqlite"

    def __init__(self, path: Path, main: SQLiteSession, salt: str, busy_timeout_ms: int) -> None:
        super().__init__(str(path), main, salt)
        self.path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._sessions: list[SQLiteSession] = []

    @classmethod
    async def open(  # type: ignore[override]
        cls,
        path: Path | str,
        *,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> Database:
        """Create folders and file on first run, switch to WAL, migrate, read or make the salt."""
        path = Path(path)
        if path.is_dir():
            raise StorageError(f"{path}: is a folder, not a database file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"{path.parent}: cannot create folder: {exc.strerror}") from exc
        _check_writable(path)
        conn = await _connect(path, busy_timeout_ms)
        async with _closed_on_failure(conn, path, sqlite3.DatabaseError):
            await _enable_wal(conn, path, busy_timeout_ms)
            await migrate(conn, migrations)
            salt = await _salt(conn)
        return cls(path, SQLiteSession(conn), salt, busy_timeout_ms)

    async def session(self) -> SQLiteSession:
        """A connection of its own (same settings), closed with the database."""
        try:
            conn = await _connect(self.path, self._busy_timeout_ms)
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{self.path}: {exc}") from exc
        session = SQLiteSession(conn)
        self._sessions.append(session)
        return session

    async def integrity_check(self) -> list[str]:
        """``["ok"]`` for a sound file, else SQLite's list of problems."""
        return [str(row[0]) for row in await self.main.fetchall("PRAGMA integrity_check")]

    async def listen(self, channel: str, listener: Listener) -> None:
        """Nothing to hear: see ``SQLiteTransaction.notify``."""

    async def close(self) -> None:
        """Close every connection; close the components (question log first) before this."""
        for session in (*self._sessions, self.main):
            with contextlib.suppress(ValueError):  # already closed
                await session.close()
        self._sessions.clear()


async def _connect(path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    # isolation_level=None: no implicit BEGINs; transactions are explicit (Session.transaction).
    try:
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: cannot open: {exc}") from exc
    async with _closed_on_failure(conn, path, sqlite3.Error):
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        await conn.execute("PRAGMA foreign_keys = ON")
        # In WAL mode NORMAL loses nothing when the process dies; only a power cut can cost the
        # last commits. The database never ends up corrupt either way.
        await conn.execute("PRAGMA synchronous = NORMAL")
    return conn


@contextlib.asynccontextmanager
async def _closed_on_failure(
    conn: aiosqlite.Connection, path: Path, errors: type[sqlite3.Error]
) -> AsyncIterator[None]:
    """Close a connection whose setup failed: ``errors`` become one StorageError naming the file;
    anything else (cancellation included) passes through unchanged."""
    try:
        yield
    except errors as exc:
        await conn.close()
        raise StorageError(f"{path}: {exc}") from exc
    except BaseException:
        await conn.close()
        raise


async def _enable_wal(conn: aiosqlite.Connection, path: Path, busy_timeout_ms: int) -> None:
    """Switch to WAL (persistent: a no-op after the first run).

    The switch needs an exclusive lock, and SQLite answers "locked" at once, without waiting
    ``busy_timeout``, when two connections race for it on a new file; so wait here instead.
    """
    deadline = asyncio.get_running_loop().time() + busy_timeout_ms / 1000
    while True:
        try:
            async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
                mode = (await cursor.fetchone())[0]
            break
        except sqlite3.OperationalError as exc:
            if not is_transient(exc) or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.01)
    if str(mode).lower() != "wal":
        log.warning("%s: journal mode is %s, not WAL (network filesystem?)", path, mode)


async def _salt(conn: aiosqlite.Connection) -> str:
    """The per-install salt: made on first run, kept forever (changing it renames every asker).

    Read first: an open that only reads must not need the write lock another process may hold.
    """
    for _ in range(2):
        async with conn.execute("SELECT value FROM meta WHERE key = 'salt'") as cursor:
            row = await cursor.fetchone()
        if row is not None:
            return str(row[0])
        await conn.execute(
            "INSERT INTO meta(key, value) VALUES ('salt', ?) ON CONFLICT(key) DO NOTHING",
            (secrets.token_hex(16),),
        )
    raise StorageError("the salt row could not be written")


def _check_writable(path: Path) -> None:
    """SQLite would open a write-protected file read-only and fail later, on the first question
    it logs (dropping it): say so now. It also writes beside the file (WAL, shared memory)."""
    if path.exists() and not os.access(path, os.W_OK):
        raise StorageError(f"{path}: the file is read-only (the bot writes its question log there)")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise StorageError(
            f"{path}: its folder is read-only (SQLite writes its journal beside the file)"
        )
