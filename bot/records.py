"""Answer → question-log record: the same for every front end (channel, /ask, console)."""

from __future__ import annotations

import time

from bot.knowledge_service import KnowledgeService
from bot.storage.question_log import Origin, QuestionRecord
from knowledge.model import Answer


def quoted_ids(result: Answer) -> tuple[int, ...]:
    return tuple(s.id for quote in result.quotes for s in quote.sentences)


def record_for(
    service: KnowledgeService, result: Answer, origin: Origin, started: float, **where: int | None
) -> QuestionRecord:
    """The log line of one answered (or honestly unanswered) question."""
    return QuestionRecord(
        result.question,
        origin,
        result.answered,
        quoted=quoted_ids(result),
        latency_ms=(time.perf_counter() - started) * 1000,
        generation_id=service.generation,
        **where,  # type: ignore[arg-type]
    )
