"""The threads the bot opened and the questions asked in them: follow-ups survive a restart."""

from __future__ import annotations

import json

from bot.storage.database import Database, utc_iso, utcnow


class ThreadMemory:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def recent(self, limit: int) -> list[tuple[int, list[str]]]:
        """The ``limit`` most recently used threads, oldest first, with their questions."""
        rows = await self._db.main.fetchall(
            "SELECT thread_id, questions FROM threads ORDER BY updated_at DESC, thread_id DESC"
            " LIMIT ?",
            (limit,),
        )
        return [(int(r["thread_id"]), list(json.loads(r["questions"]))) for r in reversed(rows)]

    async def remember(self, thread_id: int, questions: list[str], keep: int) -> None:
        """Store a thread's questions; only the ``keep`` most recently used threads are kept."""
        await self._db.main.execute(
            "INSERT INTO threads(thread_id, questions, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT(thread_id) DO UPDATE SET questions = excluded.questions,"
            " updated_at = excluded.updated_at",
            (thread_id, json.dumps(questions, ensure_ascii=False), utc_iso(utcnow())),
        )
        await self._db.main.execute(
            "DELETE FROM threads WHERE thread_id NOT IN"
            " (SELECT thread_id FROM threads ORDER BY updated_at DESC, thread_id DESC LIMIT ?)",
            (keep,),
        )
