"""A console session: the knowledge service and the database, opened and closed together.

The console is a front end like Discord: it answers from the stored generation and logs every
question (origin "console", no asker), so moderators' reports include it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from bot.formatting import too_long
from bot.knowledge_service import KnowledgeService
from bot.records import record_for
from bot.settings import BotConfig
from bot.storage.question_log import Origin
from bot.storage.storage import Storage
from knowledge.model import Answer


@dataclass
class ConsoleSession:
    config_path: Path
    settings: BotConfig
    database: Path | str  # a SQLite file or a postgresql:// URL
    storage: Storage | None = None
    service: KnowledgeService | None = None

    async def __aenter__(self) -> ConsoleSession:
        self.storage = await Storage.open(
            self.database, store_raw_ids=self.settings.store_raw_ids
        )
        try:
            self.service = KnowledgeService(self.config_path, self.storage.knowledge)
            await self.service.load()
        except BaseException:
            await self.storage.close()
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.storage is not None:
            await self.storage.close()

    async def ask(self, question: str, context: Sequence[str] = ()) -> Answer:
        assert self.service is not None and self.storage is not None
        started = time.perf_counter()
        if len(question) > self.settings.max_question_chars:  # as Discord says it
            limit = self.settings.max_question_chars
            result = Answer(question, False, reason=too_long(len(question), limit))
        else:
            result = await self.service.ask(question, context)
        self.storage.questions.record(record_for(self.service, result, Origin.CONSOLE, started))
        return result
