"""👍/👎 on answers: one vote per person per answer; voting again replaces the earlier vote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database, utc_iso, utcnow
from bot.storage.question_log import QuestionLog

# Portable: SQLite could sum booleans, PostgreSQL cannot.
COUNT_VOTES = (
    "COALESCE(SUM(CASE WHEN value = 1 THEN 1 ELSE 0 END), 0) AS up,"
    " COALESCE(SUM(CASE WHEN value = -1 THEN 1 ELSE 0 END), 0) AS down"
)
_UPSERT = (
    " ON CONFLICT(question_id, voter) DO UPDATE"
    " SET value = excluded.value, voted_at = excluded.voted_at"
)


@dataclass(frozen=True, slots=True)
class VoteCount:
    up: int = 0
    down: int = 0

    @property
    def score(self) -> int:
        return self.up - self.down


class Feedback:
    """Votes live on the database's main session (each is one statement)."""

    def __init__(self, db: Database, question_log: QuestionLog | None = None) -> None:
        self._db = db
        # A reaction can arrive before the log has written its question: flush and look again.
        self._log = question_log

    async def vote(
        self,
        *,
        voter: str,
        value: int,
        question_id: int | None = None,
        message_id: int | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Record ``voter``'s +1/-1 on an answer named by question id or reply message id.

        ``voter`` should be ``Database.hash_user(user_id)``. Returns False when no such answer is
        logged (e.g. purged, or a message the bot did not log).
        """
        if value not in (1, -1):
            raise ValueError("value: +1 or -1")
        if (question_id is None) == (message_id is None):
            raise ValueError("name the answer by question_id or by message_id (one of them)")
        stored = await self._vote(voter, value, question_id, message_id, now)
        if not stored and message_id is not None and self._log is not None and self._log.pending:
            await self._log.flush()
            stored = await self._vote(voter, value, question_id, message_id, now)
        return stored

    async def remove_vote(
        self,
        *,
        voter: str,
        question_id: int | None = None,
        message_id: int | None = None,
        value: int | None = None,
    ) -> bool:
        """Withdraw a vote (its reaction was removed); True if there was one.

        With ``value``, only a vote of that value goes: removing 👎 keeps a 👍 given after it.
        """
        where, key = _target(question_id, message_id)
        changed = await self._db.main.execute(
            "DELETE FROM votes WHERE voter = ? AND (CAST(? AS INTEGER) IS NULL OR value = ?)"
            f" AND question_id IN ({where})",
            (voter, value, value, key),
        )
        return changed > 0

    async def votes_for(
        self, *, question_id: int | None = None, message_id: int | None = None
    ) -> VoteCount:
        where, key = _target(question_id, message_id)
        row = await self._db.main.fetchone(
            f"SELECT {COUNT_VOTES} FROM votes WHERE question_id IN ({where})",
            (key,),
        )
        return VoteCount(int(row["up"]), int(row["down"])) if row else VoteCount()

    async def _vote(
        self,
        voter: str,
        value: int,
        question_id: int | None,
        message_id: int | None,
        now: datetime | None,
    ) -> bool:
        where, key = _target(question_id, message_id)
        # One statement: the question cannot be purged between finding it and voting on it.
        changed = await self._db.main.execute(
            "INSERT INTO votes(question_id, voter, value, voted_at)"
            " SELECT id, CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS TEXT)"
            f" FROM questions WHERE id IN ({where})" + _UPSERT,
            (voter, value, utc_iso(now or utcnow()), key),
        )
        return changed > 0


def _target(question_id: int | None, message_id: int | None) -> tuple[str, int]:
    """A subquery naming the one question voted on, and its parameter."""
    if question_id is not None:
        return "SELECT CAST(? AS BIGINT)", question_id
    if message_id is None:
        raise ValueError("name the answer by question_id or by message_id")
    # The latest question answered by that message (a message id is logged once in practice).
    return (
        "SELECT id FROM questions WHERE reply_message_id = ? ORDER BY id DESC LIMIT 1",
        message_id,
    )
