"""What moderators ask of the log: how busy, how well answered, and what the articles lack.

Periods are whole UTC days ending today: ``days=7`` is today and the six days before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.storage.database import Database, as_utc, utc_iso, utcnow
from bot.storage.feedback import COUNT_VOTES

_GUILD = "(CAST(? AS BIGINT) IS NULL OR guild_id = ?)"


@dataclass(frozen=True, slots=True)
class DayCount:
    day: str  # YYYY-MM-DD (UTC)
    questions: int
    answered: int


@dataclass(frozen=True, slots=True)
class ChannelCount:
    guild_id: int | None
    channel_id: int
    questions: int


@dataclass(frozen=True, slots=True)
class Stats:
    since: str  # start of the period, UTC ISO
    questions: int
    answered: int
    up: int  # 👍 on answers given in the period
    down: int
    per_day: tuple[DayCount, ...]  # every day of the period, oldest first, zeros included
    channels: tuple[ChannelCount, ...]  # busiest first
    mean_latency_ms: float | None

    @property
    def answered_share(self) -> float:
        return self.answered / self.questions if self.questions else 0.0


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    question: str  # the latest wording, verbatim
    count: int  # times asked (case and spacing folded)
    last_asked: str  # UTC ISO


class Reports:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def stats(
        self,
        days: int = 7,
        *,
        guild_id: int | None = None,
        top_channels: int = 5,
        now: datetime | None = None,
    ) -> Stats:
        first_day, since = _period(days, now)
        params = (since, guild_id, guild_id)
        where = f"asked_at >= ? AND {_GUILD}"
        day_rows = await self._db.main.fetchall(
            "SELECT substr(asked_at, 1, 10) AS day, COUNT(*) AS n, SUM(answered) AS answered"
            f" FROM questions WHERE {where} GROUP BY day",
            params,
        )
        counts = {row["day"]: (row["n"], row["answered"]) for row in day_rows}
        per_day = tuple(
            DayCount(day, *counts.get(day, (0, 0)))
            for day in ((first_day + timedelta(days=i)).isoformat() for i in range(days))
        )
        totals = await self._db.main.fetchone(
            "SELECT COUNT(*) AS n, COALESCE(SUM(answered), 0) AS answered,"
            f" AVG(latency_ms) AS latency FROM questions WHERE {where}",
            params,
        )
        votes = await self._db.main.fetchone(
            f"SELECT {COUNT_VOTES} FROM votes v JOIN questions q ON q.id = v.question_id"
            f" WHERE {where}",
            params,
        )
        channels = await self._db.main.fetchall(
            "SELECT guild_id, channel_id, COUNT(*) AS n FROM questions"
            f" WHERE {where} AND channel_id IS NOT NULL"
            " GROUP BY guild_id, channel_id ORDER BY n DESC, channel_id LIMIT ?",
            (*params, top_channels),
        )
        assert totals is not None and votes is not None  # aggregates always give a row
        return Stats(
            since=since,
            questions=int(totals["n"]),
            answered=int(totals["answered"]),
            up=int(votes["up"]),
            down=int(votes["down"]),
            per_day=per_day,
            channels=tuple(ChannelCount(r["guild_id"], r["channel_id"], r["n"]) for r in channels),
            mean_latency_ms=None if totals["latency"] is None else float(totals["latency"]),
        )

    async def unanswered(
        self,
        days: int = 7,
        limit: int = 10,
        *,
        guild_id: int | None = None,
        now: datetime | None = None,
    ) -> list[UnansweredQuestion]:
        """Questions the bot could not answer, most often asked first: what the articles lack."""
        _first_day, since = _period(days, now)
        # Each group's latest wording: the first row of its partition, newest first.
        rows = await self._db.main.fetchall(
            "SELECT question, n, last_asked FROM ("
            " SELECT question, COUNT(*) OVER key AS n, MAX(asked_at) OVER key AS last_asked,"
            "  ROW_NUMBER() OVER (PARTITION BY question_key ORDER BY asked_at DESC, id DESC) AS r"
            f" FROM questions WHERE answered = 0 AND asked_at >= ? AND {_GUILD}"
            " WINDOW key AS (PARTITION BY question_key)) AS grouped"
            " WHERE r = 1 ORDER BY n DESC, last_asked DESC LIMIT ?",
            (since, guild_id, guild_id, limit),
        )
        return [UnansweredQuestion(r["question"], r["n"], r["last_asked"]) for r in rows]


def _period(days: int, now: datetime | None) -> tuple[date, str]:
    """The first day of the period and its start (midnight UTC) as stored timestamps read."""
    if days < 1:
        raise ValueError("days: at least 1")
    today = as_utc(now or utcnow()).date()
    first_day = today - timedelta(days=days - 1)
    return first_day, utc_iso(datetime.combine(first_day, time(), tzinfo=UTC))
