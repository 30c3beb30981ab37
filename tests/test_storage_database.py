"""The database, SQLite file or PostgreSQL: first run, pragmas, migrations (old and too-new
schemas), the salt, one-line errors."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage import MIGRATIONS, SCHEMA_VERSION, Database, SchemaError, StorageError
from bot.storage.migrations import Migration
from tests.postgres_server import fetch_value

TABLES = {
    "meta",
    "documents",
    "paragraphs",
    "sentences",
    "generations",
    "generation_sources",
    "current_generation",
    "questions",
    "votes",
}


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


async def test_first_run_creates_folders_file_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "var" / "nested" / "bot.db"
    db = await Database.open(path)
    try:
        assert path.is_file()
        assert (await db.main.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.main.fetchone("PRAGMA foreign_keys"))[0] == 1
        assert (await db.main.fetchone("PRAGMA busy_timeout"))[0] == 5000
        other = await db.session()  # extra sessions get the same per-connection settings
        assert (await other.fetchone("PRAGMA foreign_keys"))[0] == 1
        assert (await other.fetchone("PRAGMA busy_timeout"))[0] == 5000
        assert await db.integrity_check() == ["ok"]
    finally:
        await db.close()
    assert user_version(path) == SCHEMA_VERSION == len(MIGRATIONS)
    assert tables(path) >= TABLES


async def test_salt_is_made_once_and_kept(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "a.db") as db:
        salt, asker = db.salt, db.hash_user(1234567890123)
    async with await Database.open(tmp_path / "a.db") as db:
        assert db.salt == salt and len(salt) == 32
        assert db.hash_user(1234567890123) == asker
        assert db.hash_user(1234567890124) != asker
        assert "1234567890123" not in asker
    async with await Database.open(tmp_path / "b.db") as other_install:
        assert other_install.salt != salt
        assert other_install.hash_user(1234567890123) != asker


async def test_migrates_a_version_1_database_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    async with await Database.open(path, migrations=MIGRATIONS[:1]) as old:
        salt = await _a_version_1_question(old)
    assert user_version(path) == 1
    assert "votes" not in tables(path)

    async with await Database.open(path) as db:
        await _the_version_1_question_kept(db, salt)
        indexes = await db.main.fetchall("SELECT name FROM sqlite_master WHERE type = 'index'")
        assert "questions_reply" in {r["name"] for r in indexes}
    assert user_version(path) == SCHEMA_VERSION


async def _a_version_1_question(old: Database) -> str:
    """One question logged in a version-1 store; its salt."""
    await old.main.execute(
        "INSERT INTO questions(asked_at, origin, question, question_key, answered)"
        " VALUES ('2025-01-02T03:04:05.000+00:00', 'slash', 'Who?', 'who?', 1)"
    )
    return old.salt


async def _the_version_1_question_kept(db: Database, salt: str) -> None:
    """After migrating: the salt and the old question kept, and what migration 2 added works on
    the old row."""
    assert db.salt == salt
    rows = await db.main.fetchall("SELECT id, question, answered FROM questions")
    assert [tuple(r) for r in rows] == [(1, "Who?", 1)]
    await db.main.execute(
        "INSERT INTO votes(question_id, voter, value, voted_at) VALUES (1, 'v', 1, 'now')"
    )


async def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    async with await Database.open(path):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(SchemaError, match=rf"version 99 is newer than this code knows \({SCHEMA_VERSION}\)"):
        await Database.open(path)
    assert user_version(path) == 99


async def test_a_failing_migration_step_is_rolled_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    steps = ("CREATE TABLE extra (x INTEGER)", "CREATE TABLE meta (x)")
    broken = Migration(SCHEMA_VERSION + 1, "half good", steps)
    with pytest.raises(StorageError, match="already exists"):
        await Database.open(path, migrations=(*MIGRATIONS, broken))
    assert user_version(path) == SCHEMA_VERSION  # the known steps committed, the broken one not at all
    assert "extra" not in tables(path)


async def test_migrations_must_be_numbered_in_order(tmp_path: Path) -> None:
    skipping = (*MIGRATIONS, Migration(SCHEMA_VERSION + 2, "gap", ()))
    with pytest.raises(ValueError, match="numbered"):
        await Database.open(tmp_path / "bot.db", migrations=skipping)


async def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(StorageError, match=r"notes\.db: file is not a database"):
        await Database.open(path)


async def test_two_processes_opening_a_new_file_at_once_both_succeed(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    first, second = await asyncio.gather(Database.open(path), Database.open(path))
    try:
        assert first.salt == second.salt
    finally:
        await first.close()
        await second.close()
    assert user_version(path) == SCHEMA_VERSION


async def test_transaction_rolls_back_on_exception(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "bot.db") as db:
        with pytest.raises(RuntimeError):
            async with db.main.transaction() as conn:
                await conn.execute("INSERT INTO meta(key, value) VALUES ('x', 'y')")
                raise RuntimeError("boom")
        assert await db.main.fetchone("SELECT value FROM meta WHERE key = 'x'") is None
        async with db.main.transaction() as conn:
            await conn.execute("INSERT INTO meta(key, value) VALUES ('x', 'z')")
        assert (await db.main.fetchone("SELECT value FROM meta WHERE key = 'x'"))[0] == "z"


async def test_opening_an_existing_file_needs_no_write_lock(tmp_path: Path) -> None:
    """Another process holding a write transaction must not stop a read-only open (ask, stats)."""
    import sqlite3

    path = tmp_path / "bot.db"
    first = await Database.open(path)
    salt = first.salt
    await first.close()
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO meta(key, value) VALUES ('busy', 'yes')")
        second = await Database.open(path, busy_timeout_ms=200)  # would time out on a write
        assert second.salt == salt
        assert await second.setting("salt") == salt
        await second.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# The same guarantees on PostgreSQL (a real server: tests/postgres_server.py).


async def pg_tables(db: Database) -> set[str]:
    rows = await db.main.fetchall(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    )
    return {r[0] for r in rows}


async def pg_version(url: str) -> int:
    return int(await fetch_value(url, "SELECT MAX(version) FROM schema_version"))


async def test_postgresql_first_run_migrates_once_even_when_two_processes_race(
    postgres_url: str,
) -> None:
    first, second = await asyncio.gather(Database.open(postgres_url), Database.open(postgres_url))
    try:
        assert first.kind == second.kind == "postgresql"
        assert first.salt == second.salt and len(first.salt) == 32
        assert await pg_tables(first) >= TABLES | {"threads", "schema_version"}
        assert await first.integrity_check() == ["ok"]
    finally:
        await first.close()
        await second.close()
    assert await pg_version(postgres_url) == SCHEMA_VERSION


async def test_postgresql_migrates_a_version_1_database_keeping_its_data(postgres_url: str) -> None:
    async with await Database.open(postgres_url, migrations=MIGRATIONS[:1]) as old:
        salt = await _a_version_1_question(old)
        assert "votes" not in await pg_tables(old)
    async with await Database.open(postgres_url) as db:
        await _the_version_1_question_kept(db, salt)
    assert await pg_version(postgres_url) == SCHEMA_VERSION


async def test_postgresql_refuses_a_newer_schema_and_rolls_back_a_failing_step(
    postgres_url: str,
) -> None:
    steps = ("CREATE TABLE extra (x INTEGER)", "CREATE TABLE meta (x INTEGER)")
    broken = Migration(SCHEMA_VERSION + 1, "half good", (), steps)
    with pytest.raises(StorageError, match="already exists"):
        await Database.open(postgres_url, migrations=(*MIGRATIONS, broken))
    assert await pg_version(postgres_url) == SCHEMA_VERSION
    async with await Database.open(postgres_url) as db:
        assert "extra" not in await pg_tables(db)
        await db.main.execute("INSERT INTO schema_version(version) VALUES (99)")
    with pytest.raises(SchemaError, match=r"version 99 is newer"):
        await Database.open(postgres_url)


async def test_postgresql_transaction_rolls_back_on_exception(postgres_url: str) -> None:
    async with await Database.open(postgres_url) as db:
        with pytest.raises(RuntimeError):
            async with db.main.transaction() as conn:
                await conn.execute("INSERT INTO meta(key, value) VALUES ('x', 'y')")
                raise RuntimeError("boom")
        assert await db.setting("x") is None
        await db.keep_setting("x", "z")
        await db.keep_setting("x", "zz")
        assert await db.setting("x") == "zz"


async def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://bot:s3cret@/nowhere?host={tmp_path}&port=1"
    with pytest.raises(StorageError) as caught:
        await Database.open(url)
    message = str(caught.value)
    assert "cannot connect" in message and "\n" not in message
    assert "s3cret" not in message and "***" in message
