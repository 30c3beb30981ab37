"""Snowflake ids and timestamps shaped like Discord's, so ``discord.utils.snowflake_time`` works."""

from __future__ import annotations

import itertools
import secrets
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000


class Snowflakes:
    """Strictly increasing snowflakes: time-based, with a counter so ids never collide."""

    def __init__(self, worker: int = 1) -> None:
        self._worker = worker & 0x1F
        self._counter = itertools.count()
        self._last = 0

    def next(self) -> int:
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (millis << 22) | (self._worker << 17) | (next(self._counter) & 0xFFF)
        self._last = max(value, self._last + 1)
        return self._last


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def iso(moment: datetime | None = None) -> str:
    """ISO-8601 with microseconds and +00:00, as Discord writes timestamps."""
    return (moment or datetime.now(UTC)).isoformat(timespec="microseconds")


def token(prefix: str = "aW50ZXJhY3Rpb24") -> str:
    """An opaque interaction/webhook token (URL-safe, like Discord's)."""
    return prefix + secrets.token_urlsafe(48)


def session_id() -> str:
    return secrets.token_hex(16)
