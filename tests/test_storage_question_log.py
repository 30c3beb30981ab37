"""Question log, votes and reports: background batches, nothing lost (locked file, shutdown,
restart), retention, one vote per person, hostile text verbatim, report numbers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.storage import (
    ChannelCount,
    Database,
    DayCount,
    Feedback,
    Origin,
    QuestionLog,
    QuestionRecord,
    Reports,
    Retention,
    Storage,
)

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
HOSTILE = [
    "'); DROP TABLE questions;--",
    'Robert"); DELETE FROM votes WHERE 1=1; --',
    "@everyone @here is the deal ON? 100% _wild_ %s {0} \\x00 \\' ''",
    "🇺🇸🇨🇳" * 1000,  # 4,000 characters of flags
    "multi\nline\r\n\ttabbed \u202eright-to-left\u202c and a NUL \x00 in the middle",
    "   ",
]


def q(text: str = "Who is Guo Jiakun?", **fields) -> QuestionRecord:
    fields.setdefault("origin", Origin.SLASH)
    fields.setdefault("answered", True)
    return QuestionRecord(text, **fields)


@pytest.fixture
async def db(database_target: str | Path) -> AsyncIterator[Database]:
    """The same tests on each store: a SQLite file and a PostgreSQL database."""
    database = await Database.open(database_target)
    yield database
    await database.close()


async def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


async def count(db: Database) -> int:
    return (await db.main.fetchone("SELECT COUNT(*) FROM questions"))[0]


async def test_record_returns_at_once_and_the_writer_batches(db: Database) -> None:
    log = await QuestionLog.open(db, batch_size=200, interval=0.05)
    started = time.perf_counter()
    for i in range(450):
        log.record(q(f"question {i}", user_id=1000 + i % 7, guild_id=1, channel_id=2))
    assert time.perf_counter() - started < 0.25  # nothing waited for the disk
    await log.flush()
    assert await count(db) == 450 and log.written == 450
    # 200 + 200 + 50 rows, three transactions: not one a row (the writer may already be at work
    # while the test looks: counting rows before the flush raced it on a loaded machine)
    assert log.batches == 3
    ids = [r[0] for r in await db.main.fetchall("SELECT question FROM questions ORDER BY id")]
    assert ids == [f"question {i}" for i in range(450)]  # in the order asked
    await log.close()


async def test_fields_are_stored_and_the_asker_is_hashed(db: Database) -> None:
    log = await QuestionLog.open(db)
    asked = datetime(2025, 6, 1, 8, 30, 15, 123456, tzinfo=UTC)
    log.record(
        q(
            "Is China negotiating?",
            user_id=246813579,
            guild_id=11,
            channel_id=22,
            origin=Origin.CHANNEL,
            answered=True,
            quoted=(4, 9),
            latency_ms=12.6,
            reply_message_id=999,
            generation_id=3,
            asked_at=asked,
        )
    )
    log.record(q("console question", origin=Origin.CONSOLE, answered=False))
    await log.close()
    rows = await db.main.fetchall("SELECT * FROM questions ORDER BY id")
    first, console = (dict(r) for r in rows)
    assert first == {
        "id": 1,
        "asked_at": "2025-06-01T08:30:15.123+00:00",
        "guild_id": 11,
        "channel_id": 22,
        "asker": db.hash_user(246813579),
        "asker_id": None,
        "origin": "channel",
        "question": "Is China negotiating?",
        "question_key": "is china negotiating?",
        "answered": 1,
        "quoted": "[4, 9]",
        "latency_ms": 13,
        "reply_message_id": 999,
        "generation_id": 3,
        "reply_error": None,
    }
    assert "246813579" not in str(first)
    assert console["asker"] is None and console["origin"] == "console" and console["answered"] == 0


async def test_raw_ids_only_when_asked_for(db: Database) -> None:
    log = await QuestionLog.open(db, store_raw_ids=True)
    log.record(q(user_id=246813579))
    await log.close()
    row = await db.main.fetchone("SELECT asker, asker_id FROM questions")
    assert tuple(row) == (db.hash_user(246813579), "246813579")


async def test_close_flushes_everything_and_a_restart_keeps_it(database_target: str | Path) -> None:
    path = database_target
    storage = await Storage.open(path)
    storage.questions._interval = 60  # a batch would wait a minute: close must not
    for i in range(30):
        storage.questions.record(q(f"q{i}"))
    await storage.close()
    with pytest.raises(RuntimeError, match="closed"):
        storage.questions.record(q())

    storage = await Storage.open(path)
    try:
        recent = await storage.questions.recent(limit=100)
        assert sorted(r.question for r in recent) == sorted(f"q{i}" for i in range(30))
        assert all(r.origin is Origin.SLASH and r.answered for r in recent)
    finally:
        await storage.close()


@pytest.mark.parametrize("busy_timeout_ms", [5000, 200])
async def test_a_locked_database_delays_writes_but_loses_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, busy_timeout_ms: int
) -> None:
    path = tmp_path / "bot.db"
    # 5000: SQLite's busy handler waits out the lock. 200: shorter than the lock, so the writer
    # gets "database is locked" and must retry the batch itself.
    db = await Database.open(path, busy_timeout_ms=busy_timeout_ms)
    log = await QuestionLog.open(db, interval=0.05)
    async with aiosqlite.connect(path, isolation_level=None) as other:
        await other.execute("BEGIN IMMEDIATE")
        await other.execute("INSERT INTO meta(key, value) VALUES ('holder', 'other process')")
        for i in range(100):
            log.record(q(f"during lock {i}"))
        await asyncio.sleep(1.0)
        assert await count(db) == 0  # readers still work (WAL); nothing got through
        assert (log.pending, log.written) == (100, 0)
        await other.execute("COMMIT")
    for i in range(5):
        log.record(q(f"after lock {i}"))
    await asyncio.wait_for(log.flush(), timeout=5)
    assert await count(db) == 105 and log.dropped == 0
    assert ("database busy, retrying" in caplog.text) == (busy_timeout_ms < 1000)
    await log.close()
    await db.close()


async def test_purge_older_than_and_the_daily_retention_task(db: Database) -> None:
    log = await QuestionLog.open(db)
    feedback = Feedback(db, log)
    for age in (1, 20, 31, 45, 400):
        log.record(q(f"{age} days old", asked_at=NOW - timedelta(days=age), reply_message_id=age))
    await log.flush()
    assert await feedback.vote(voter="v", value=1, message_id=45)

    assert await log.purge_older_than(365, now=NOW) == 1
    clock = [NOW]
    sleeps: list[float] = []
    days_pass: asyncio.Queue[None] = asyncio.Queue()

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await days_pass.get()  # the test says when the interval is over

    retention = Retention(log, 30, clock=lambda: clock[0], sleep=fake_sleep)
    retention.start()
    await wait_until(lambda: len(sleeps) == 1)
    assert (retention.runs, retention.purged) == (1, 2)  # 31 and 45 days old, at start
    assert (await feedback.votes_for(message_id=45)).up == 0  # its vote went with it
    clock[0] = NOW + timedelta(days=15)
    days_pass.put_nowait(None)
    await wait_until(lambda: len(sleeps) == 2)
    await retention.stop()
    assert (retention.runs, retention.purged) == (2, 3)
    assert sleeps[0] == 24 * 60 * 60
    assert [r.question for r in await log.recent()] == ["1 days old"]
    assert (await db.main.fetchone("SELECT COUNT(*) FROM votes"))[0] == 0
    await log.close()


async def test_one_vote_per_person_and_a_second_vote_changes_it(db: Database) -> None:
    log = await QuestionLog.open(db, interval=60)
    feedback = Feedback(db, log)
    log.record(q("answered one", reply_message_id=5555))
    # Reaction arrives before the log wrote the question: the vote waits for it.
    alice, bob = db.hash_user(1), db.hash_user(2)
    assert await feedback.vote(voter=alice, value=1, message_id=5555)
    assert await feedback.vote(voter=alice, value=1, message_id=5555)  # same vote again
    assert (await feedback.votes_for(message_id=5555)).up == 1
    assert await feedback.vote(voter=alice, value=-1, message_id=5555)  # changed mind
    assert await feedback.vote(voter=bob, value=1, question_id=1)
    counts = await feedback.votes_for(question_id=1)
    assert (counts.up, counts.down, counts.score) == (1, 1, 0)
    assert not await feedback.remove_vote(voter=bob, message_id=5555, value=-1)  # bob said +1
    assert await feedback.remove_vote(voter=bob, message_id=5555)
    assert (await feedback.votes_for(message_id=5555)).up == 0
    assert not await feedback.vote(voter=alice, value=1, message_id=404)
    assert not await feedback.vote(voter=alice, value=1, question_id=404)
    with pytest.raises(ValueError):
        await feedback.vote(voter=alice, value=2, question_id=1)
    await log.close()


async def test_hostile_text_is_stored_and_returned_verbatim(db: Database) -> None:
    log = await QuestionLog.open(db)
    for text in HOSTILE:
        log.record(q(text, answered=False, guild_id=1, channel_id=1, asked_at=NOW))
    await log.close()
    stored = [r.question for r in reversed(await log.recent(limit=50))]  # readable after close
    # verbatim, but a NUL (PostgreSQL's text cannot hold one) stored as U+FFFD in both stores
    expected = [text.replace("\x00", "\ufffd") for text in HOSTILE]
    assert stored == expected
    assert len(stored[3]) == 4000
    unanswered = await Reports(db).unanswered(days=1, limit=50, now=NOW)
    assert sorted(u.question for u in unanswered) == sorted(expected)
    for table in ("questions", "votes"):  # nothing was dropped by the SQL-looking ones
        assert await db.main.fetchone(f"SELECT COUNT(*) FROM {table}") is not None


async def test_stats_and_unanswered_on_a_known_data_set(db: Database) -> None:
    log = await QuestionLog.open(db)
    day = timedelta(days=1)
    rows = [
        # (days ago, channel, answered, text)
        (0, 10, True, "Who is Guo Jiakun?"),
        (0, 10, False, "What about soybeans?"),
        (0, 20, False, "what about   SOYBEANS?"),
        (1, 10, True, "Is China negotiating?"),
        (1, 10, False, "Will tariffs drop?"),
        (2, 30, False, "What about soybeans?"),
        (2, None, True, "console question"),
        (9, 10, False, "What about soybeans?"),  # outside a 7-day period
    ]
    for i, (ago, channel, answered, text) in enumerate(rows):
        log.record(
            q(
                text,
                answered=answered,
                channel_id=channel,
                guild_id=1 if channel else None,
                asked_at=NOW - ago * day + timedelta(minutes=i),
                latency_ms=10 * (i + 1),
                reply_message_id=100 + i,
            )
        )
    log.record(q("other guild", guild_id=2, channel_id=99, answered=False, asked_at=NOW))
    await log.flush()
    feedback = Feedback(db, log)
    for voter, value, message in [("a", 1, 100), ("b", 1, 100), ("c", -1, 103), ("a", -1, 107)]:
        assert await feedback.vote(voter=voter, value=value, message_id=message)

    reports = Reports(db)
    stats = await reports.stats(7, guild_id=1, now=NOW)
    assert stats.since == "2025-06-04T00:00:00.000+00:00"
    assert (stats.questions, stats.answered, stats.up, stats.down) == (6, 2, 2, 1)
    assert stats.answered_share == pytest.approx(2 / 6)
    assert stats.per_day[-3:] == (
        DayCount("2025-06-08", 1, 0),
        DayCount("2025-06-09", 2, 1),
        DayCount("2025-06-10", 3, 1),
    )
    assert len(stats.per_day) == 7 and stats.per_day[0] == DayCount("2025-06-04", 0, 0)
    assert stats.channels == (
        ChannelCount(1, 10, 4),
        ChannelCount(1, 20, 1),
        ChannelCount(1, 30, 1),
    )

    everyone = await reports.stats(7, now=NOW)  # all guilds and the console
    assert (everyone.questions, everyone.answered) == (8, 3)
    assert everyone.channels[:2] == (ChannelCount(1, 10, 4), ChannelCount(1, 20, 1))
    assert everyone.mean_latency_ms == pytest.approx(40)  # rows without a latency don't count

    unanswered = await reports.unanswered(7, limit=10, guild_id=1, now=NOW)
    assert [(u.question, u.count) for u in unanswered] == [
        ("what about   SOYBEANS?", 3),  # three in the period, latest wording shown
        ("Will tariffs drop?", 1),
    ]
    assert unanswered[0].last_asked == "2025-06-10T12:02:00.000+00:00"
    assert [u.count for u in await reports.unanswered(30, limit=1, guild_id=1, now=NOW)] == [4]
    await log.close()


async def test_a_lone_surrogate_is_stored_as_a_replacement_character(db: Database) -> None:
    """An undecodable byte on a command line arrives as a lone surrogate: the row is kept."""
    log = await QuestionLog.open(db)
    log.record(q("is china \udcff negotiating?", answered=True, guild_id=1, channel_id=1,
                 asked_at=NOW))
    log.record(q("and \ud800 now?", answered=False, guild_id=1, channel_id=1, asked_at=NOW))
    await log.close()
    stored = sorted(r.question for r in await log.recent(limit=10))
    assert stored == ["and ? now?", "is china ? negotiating?"]
