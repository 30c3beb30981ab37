"""Keeps the question log to its retention period: purges once at start, then once a day."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.storage.database import utcnow
from bot.storage.question_log import QuestionLog

log = logging.getLogger(__name__)

DAY_SECONDS = 24 * 60 * 60


class Retention:
    """A background task calling ``purge_older_than(days)`` every ``interval`` seconds.

    ``clock`` and ``sleep`` are injectable so tests need not wait a day.
    """

    def __init__(
        self,
        log_: QuestionLog,
        days: float,
        *,
        interval: float = DAY_SECONDS,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if days < 0 or interval <= 0:
            raise ValueError("days must not be negative and interval must be positive")
        self._log = log_
        self._days = days
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self.runs = 0
        self.purged = 0  # questions deleted since start

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_once(self) -> int:
        deleted = await self._log.purge_older_than(self._days, now=self._clock())
        self.runs += 1
        self.purged += deleted
        return deleted

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # a bad day must not end retention for good
                log.exception("question log retention failed; trying again next time")
            await self._sleep(self._interval)
