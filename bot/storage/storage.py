"""Everything the bot keeps on disk, opened and closed in the right order with one call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.storage.database import Database
from bot.storage.feedback import Feedback
from bot.storage.knowledge_store import KEEP_GENERATIONS, KnowledgeStore
from bot.storage.question_log import QuestionLog
from bot.storage.reports import Reports
from bot.storage.retention import Retention
from bot.storage.threads import ThreadMemory


@dataclass(frozen=True)
class Storage:
    db: Database
    knowledge: KnowledgeStore
    questions: QuestionLog
    feedback: Feedback
    reports: Reports
    retention: Retention | None
    threads: ThreadMemory

    @classmethod
    async def open(
        cls,
        target: Path | str,
        *,
        store_raw_ids: bool = False,
        keep_generations: int = KEEP_GENERATIONS,
        retention_days: float | None = None,
    ) -> Storage:
        """Open ``target`` (a SQLite path, created on first run, or a ``postgresql://`` URL) and
        start the question log writer and, if a retention period is given, the daily purge."""
        db = await Database.open(target)
        try:
            knowledge = await KnowledgeStore.open(db, keep=keep_generations)
            questions = await QuestionLog.open(db, store_raw_ids=store_raw_ids)
        except BaseException:
            await db.close()
            raise
        retention = None
        if retention_days is not None:
            retention = Retention(questions, retention_days)
            retention.start()
        return cls(
            db, knowledge, questions, Feedback(db, questions), Reports(db), retention,
            ThreadMemory(db),
        )

    async def close(self) -> None:
        """Stop the purge, write the queued questions, then close the file."""
        if self.retention is not None:
            await self.retention.stop()
        try:
            await self.questions.close()
        finally:
            await self.db.close()
