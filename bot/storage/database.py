"""The bot's database, whichever store holds it: a SQLite file (the default) or PostgreSQL.

Components (knowledge store, question log, votes, reports, threads) speak to a ``Database``
through ``Session`` and ``Transaction`` only, in one SQL dialect both stores accept: ``?``
placeholders (numbered for PostgreSQL by its session), ``INSERT … ON CONFLICT``, ``RETURNING``,
``CAST(? AS BIGINT)`` where a parameter's type would otherwise be unknown, and no aggregate
tricks only SQLite allows. What differs — schema DDL, locking, notifications — lives in
``sqlite.py`` and ``postgres.py``.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage.migrations import MIGRATIONS, Migration

ASKER_HASH_CHARS = 16  # 64 bits of sha256: unique enough per person, useless for reversing
POSTGRES_SCHEMES = ("postgresql://", "postgres://")

Row = Mapping[str, Any]  # sqlite3.Row and asyncpg.Record: by name and by position
Listener = Callable[[str | None], Awaitable[None]]  # payload, or None after a reconnect


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already (not local time)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_iso(moment: datetime) -> str:
    """The one timestamp format stored: UTC, millisecond ISO 8601, so text order is time order."""
    return as_utc(moment).isoformat(timespec="milliseconds")


def is_postgres(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def database_target(text: str | Path) -> str | Path:
    """A ``postgresql://`` URL as it is (a ``Path`` would fold its ``//``), else a file path."""
    text = str(text) if isinstance(text, Path) else text.strip()
    return text if is_postgres(text) else Path(text)


def is_transient(exc: BaseException) -> bool:
    """The database is busy or out of reach for now: worth trying the same write again later
    (SQLite's lock held beyond ``busy_timeout``; a PostgreSQL server restarting or unreachable)."""
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return "locked" in text or "busy" in text
    return isinstance(
        exc,
        asyncpg.PostgresConnectionError
        | asyncpg.CannotConnectNowError
        | asyncpg.TooManyConnectionsError
        | asyncpg.InterfaceError
        | ConnectionError
        | TimeoutError,
    )


class Statements(abc.ABC):
    """What sessions and transactions both run."""

    @abc.abstractmethod
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    @abc.abstractmethod
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement (a session: in its own transaction); returns the rows changed."""


class Transaction(Statements):
    """Statements of one transaction, on one connection."""

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row (e.g. ``INSERT … RETURNING id``), or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @abc.abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abc.abstractmethod
    async def lock(self, name: str) -> None:
        """Hold ``name`` until this transaction ends: writers of one kind, in any process, go
        one at a time. A no-op where every write transaction is exclusive already (SQLite)."""

    @abc.abstractmethod
    async def notify(self, channel: str, payload: str) -> None:
        """Tell other processes, once this transaction commits (PostgreSQL ``NOTIFY``); a
        no-op where there is nobody to tell (SQLite: one process serves one file)."""


class Session(Statements):
    """Short reads and one-statement writes, and transactions, on the store's connections."""

    @abc.abstractmethod
    def transaction(self, *, write: bool = True) -> contextlib.AbstractAsyncContextManager[
        Transaction
    ]:
        """``BEGIN`` … ``COMMIT``, or ``ROLLBACK`` on any exception. ``write=False``: one
        consistent read-only snapshot."""

    @abc.abstractmethod
    async def close(self) -> None: ...


class Database(abc.ABC):
    """The bot's database. Open with ``await Database.open(path_or_url)``; ``close()`` at exit."""

    kind: str  # "sqlite" or "postgresql"

    def __init__(self, name: str, main: Session, salt: str) -> None:
        self.name = name  # for messages: a file path, or a URL without its password
        self.main = main  # short reads and one-statement writes (votes, reports)
        self.salt = salt

    @staticmethod
    async def open(
        target: str | Path,
        *,
        migrations: Sequence[Migration] = MIGRATIONS,
        **options: Any,
    ) -> Database:
        """A ``postgresql://`` URL opens PostgreSQL; anything else is a SQLite file path."""
        if is_postgres(target):
            from bot.storage.postgres import PostgresDatabase

            return await PostgresDatabase.open(str(target), migrations=migrations, **options)
        from bot.storage.sqlite import SQLiteDatabase

        return await SQLiteDatabase.open(target, migrations=migrations, **options)

    @abc.abstractmethod
    async def session(self) -> Session:
        """A session for a heavy writer (knowledge store, question log), closed with the
        database, so its waits hold up nobody else."""

    def hash_user(self, user_id: int | str) -> str:
        """A stable pseudonym for a user id: the same person maps to the same string here only."""
        digest = hashlib.sha256(f"{self.salt}:{user_id}".encode()).hexdigest()
        return digest[:ASKER_HASH_CHARS]

    async def setting(self, key: str) -> str | None:
        """A value the bot keeps for itself between runs (``meta`` table), or None."""
        row = await self.main.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    async def keep_setting(self, key: str, value: str) -> None:
        await self.main.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @abc.abstractmethod
    async def integrity_check(self) -> list[str]:
        """``["ok"]`` for a sound database, else the store's list of problems."""

    @abc.abstractmethod
    async def listen(self, channel: str, listener: Listener) -> None:
        """Call ``listener(payload)`` for each ``Transaction.notify`` on ``channel`` by any
        process, and ``listener(None)`` after a lost connection is back (notifications may have
        been missed). A no-op for SQLite."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close every connection; close the components (question log first) before this."""

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    """Slices of at most ``size``: keeps ``IN (?, …)`` lists under SQLite's variable limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]

