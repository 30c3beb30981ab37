"""Schema versions, applied in order: recorded in ``PRAGMA user_version`` (SQLite) or the
``schema_version`` table (PostgreSQL).

Each step runs in its own transaction together with the version bump, so a crash leaves the
database at one version or the next, never in between. Each step is written twice, once per
store, for the same tables and columns (PostgreSQL: ``BIGINT`` for Discord ids, identity columns
for SQLite's ``INTEGER PRIMARY KEY``). Append new steps; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite


class StorageError(Exception):
    """The database cannot be used; the message names the file and the reason."""


class SchemaError(StorageError):
    """The file's schema is not one this code can use (e.g. written by a newer version)."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]  # SQLite
    postgres: tuple[str, ...] = ()


_INITIAL = (
    # Per-install settings, e.g. the salt that hashes user ids.
    """CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    # An article's decoded text, stored once however many generations use it. ``sha256`` is the
    # hash of the file's bytes (``Article.sha256``), so unchanged files are recognised.
    """CREATE TABLE documents (
        id        INTEGER PRIMARY KEY,
        sha256    TEXT NOT NULL UNIQUE,
        content   TEXT NOT NULL,
        sentences INTEGER NOT NULL
    )""",
    """CREATE TABLE paragraphs (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        number      INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        start       INTEGER NOT NULL,
        text        TEXT NOT NULL,
        PRIMARY KEY (document_id, number)
    ) WITHOUT ROWID""",
    # The sentence spans of a document, in order: [start, stop) offsets into the paragraph's text.
    """CREATE TABLE sentences (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        paragraph   INTEGER NOT NULL,
        start       INTEGER NOT NULL,
        stop        INTEGER NOT NULL,
        text        TEXT NOT NULL,
        PRIMARY KEY (document_id, position)
    ) WITHOUT ROWID""",
    """CREATE TABLE generations (
        id         INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        sentences  INTEGER NOT NULL,
        sources    INTEGER NOT NULL
    )""",
    """CREATE TABLE generation_sources (
        generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,
        path          TEXT NOT NULL,
        document_id   INTEGER NOT NULL REFERENCES documents(id),
        title         TEXT NOT NULL,
        metadata      TEXT NOT NULL,
        ingested_at   TEXT NOT NULL,
        PRIMARY KEY (generation_id, path),
        UNIQUE (generation_id, position)
    )""",
    "CREATE INDEX generation_sources_document ON generation_sources(document_id)",
    # At most one row: which generation the bot serves.
    """CREATE TABLE current_generation (
        singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
        generation_id INTEGER NOT NULL REFERENCES generations(id)
    )""",
    """CREATE TABLE questions (
        id               INTEGER PRIMARY KEY,
        asked_at         TEXT NOT NULL,
        guild_id         INTEGER,
        channel_id       INTEGER,
        asker            TEXT,
        asker_id         TEXT,
        origin           TEXT NOT NULL CHECK (origin IN ('channel', 'slash', 'console')),
        question         TEXT NOT NULL,
        question_key     TEXT NOT NULL,
        answered         INTEGER NOT NULL CHECK (answered IN (0, 1)),
        quoted           TEXT NOT NULL DEFAULT '[]',
        latency_ms       INTEGER,
        reply_message_id INTEGER,
        generation_id    INTEGER
    )""",
    "CREATE INDEX questions_asked_at ON questions(asked_at)",
)

_FEEDBACK = (
    """CREATE TABLE votes (
        question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
        voter       TEXT NOT NULL,
        value       INTEGER NOT NULL CHECK (value IN (-1, 1)),
        voted_at    TEXT NOT NULL,
        PRIMARY KEY (question_id, voter)
    ) WITHOUT ROWID""",
    # Reactions arrive with the reply's message id; find its question without a scan.
    "CREATE INDEX questions_reply ON questions(reply_message_id) WHERE reply_message_id IS NOT NULL",
    "CREATE INDEX questions_unanswered ON questions(answered, asked_at)",
)

# A question whose reply could not be sent is logged all the same, with why (NULL: it was sent).
_REPLY_ERRORS = ("ALTER TABLE questions ADD COLUMN reply_error TEXT",)

_THREADS = (
    """CREATE TABLE threads (
        thread_id  INTEGER PRIMARY KEY,
        questions  TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
)

_PG_ID = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

_PG_INITIAL = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    f"""CREATE TABLE documents (
        id        {_PG_ID},
        sha256    TEXT NOT NULL UNIQUE,
        content   TEXT NOT NULL,
        sentences INTEGER NOT NULL
    )""",
    """CREATE TABLE paragraphs (
        document_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        number      INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        start       INTEGER NOT NULL,
        text        TEXT NOT NULL,
        PRIMARY KEY (document_id, number)
    )""",
    """CREATE TABLE sentences (
        document_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        paragraph   INTEGER NOT NULL,
        start       INTEGER NOT NULL,
        stop        INTEGER NOT NULL,
        text        TEXT NOT NULL,
        PRIMARY KEY (document_id, position)
    )""",
    f"""CREATE TABLE generations (
        id         {_PG_ID},
        created_at TEXT NOT NULL,
        sentences  INTEGER NOT NULL,
        sources    INTEGER NOT NULL
    )""",
    """CREATE TABLE generation_sources (
        generation_id BIGINT NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,
        path          TEXT NOT NULL,
        document_id   BIGINT NOT NULL REFERENCES documents(id),
        title         TEXT NOT NULL,
        metadata      TEXT NOT NULL,
        ingested_at   TEXT NOT NULL,
        PRIMARY KEY (generation_id, path),
        UNIQUE (generation_id, position)
    )""",
    "CREATE INDEX generation_sources_document ON generation_sources(document_id)",
    """CREATE TABLE current_generation (
        singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
        generation_id BIGINT NOT NULL REFERENCES generations(id)
    )""",
    f"""CREATE TABLE questions (
        id               {_PG_ID},
        asked_at         TEXT NOT NULL,
        guild_id         BIGINT,
        channel_id       BIGINT,
        asker            TEXT,
        asker_id         TEXT,
        origin           TEXT NOT NULL CHECK (origin IN ('channel', 'slash', 'console')),
        question         TEXT NOT NULL,
        question_key     TEXT NOT NULL,
        answered         INTEGER NOT NULL CHECK (answered IN (0, 1)),
        quoted           TEXT NOT NULL DEFAULT '[]',
        latency_ms       INTEGER,
        reply_message_id BIGINT,
        generation_id    BIGINT
    )""",
    "CREATE INDEX questions_asked_at ON questions(asked_at)",
)

_PG_FEEDBACK = (
    """CREATE TABLE votes (
        question_id BIGINT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
        voter       TEXT NOT NULL,
        value       INTEGER NOT NULL CHECK (value IN (-1, 1)),
        voted_at    TEXT NOT NULL,
        PRIMARY KEY (question_id, voter)
    )""",
    _FEEDBACK[1],
    _FEEDBACK[2],
)

_PG_THREADS = (
    """CREATE TABLE threads (
        thread_id  BIGINT PRIMARY KEY,
        questions  TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "knowledge generations and question log", _INITIAL, _PG_INITIAL),
    Migration(2, "votes on answers; reply and unanswered indexes", _FEEDBACK, _PG_FEEDBACK),
    Migration(3, "why a reply could not be sent", _REPLY_ERRORS, _REPLY_ERRORS),
    Migration(4, "threads the bot opened, for follow-ups after a restart", _THREADS, _PG_THREADS),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


async def user_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the file up to the last step; returns the version it is at afterwards.

    ``conn`` must be in autocommit mode (``isolation_level=None``): each step opens its own
    transaction.
    """
    check_numbering(migrations)
    latest = migrations[-1].version if migrations else 0
    current = await user_version(conn)
    refuse_newer(current, latest)
    for step in migrations:
        if step.version <= current:
            continue
        await conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            current = await user_version(conn)
            refuse_newer(current, latest)
            if step.version > current:
                for statement in step.statements:
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {int(step.version)}")
                current = step.version
            await conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
    return current


def refuse_newer(current: int, latest: int) -> None:
    if current > latest:
        raise SchemaError(
            f"schema version {current} is newer than this code knows ({latest}); "
            "upgrade the bot or point it at another database file"
        )


def check_numbering(migrations: Sequence[Migration]) -> None:
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, 3…; got {versions}")
