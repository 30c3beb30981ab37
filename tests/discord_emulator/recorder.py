"""Every REST request the client makes, kept in order so tests can assert on exactly what was sent."""

from __future__ import annotations

import fnmatch
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .messages import Upload
from .waiting import Pulse

Predicate = Callable[["RecordedRequest"], bool]


@dataclass
class RecordedRequest:
    """One request: ``path`` is relative to ``/api/v10`` and has no query string (attachment
    downloads from the emulator's CDN keep their full path: ``/cdn/...`` or ``/media/...``).

    ``json`` is the JSON body, or the ``payload_json`` field of a multipart body; ``route`` is the
    matched template such as ``"POST /channels/{channel_id}/messages"``, ``None`` for unknown routes.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[Upload] = field(default_factory=list)
    received_at: float = field(default_factory=time.monotonic)
    route: str | None = None
    status: int | None = None
    response: Any = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def error_code(self) -> int | None:
        return (
            self.response.get("code") if isinstance(self.response, dict) and not self.ok else None
        )

    def summary(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


def request_matcher(
    method: str | None = None,
    path: str | re.Pattern[str] | None = None,
    predicate: Predicate | None = None,
) -> Predicate:
    """Match on method, on path (exact, ``*`` glob, or compiled regex: fullmatch), and a predicate."""

    def matches(request: RecordedRequest) -> bool:
        if method is not None and request.method != method.upper():
            return False
        if isinstance(path, re.Pattern):
            if not path.fullmatch(request.path):
                return False
        elif path is not None:
            if "*" in path:
                if not fnmatch.fnmatchcase(request.path, path):
                    return False
            elif request.path != path:
                return False
        return predicate is None or predicate(request)

    return matches


class Recorder:
    """The request log; ``wait_for`` hands each request out at most once, in arrival order."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._claimed: set[int] = set()
        self.pulse = Pulse()

    def add(self, request: RecordedRequest) -> None:
        self.requests.append(request)

    def completed(self, request: RecordedRequest) -> None:
        """Called once the response is known: waiters see requests only with their outcome."""
        self.pulse.notify()

    def find(self, matcher: Predicate) -> list[RecordedRequest]:
        return [r for r in self.requests if r.status is not None and matcher(r)]

    @property
    def unknown(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.route is None]

    async def wait_for(self, matcher: Predicate, timeout: float, label: str) -> RecordedRequest:
        def first_unclaimed() -> RecordedRequest | None:
            for index, request in enumerate(self.requests):
                if index not in self._claimed and request.status is not None and matcher(request):
                    self._claimed.add(index)
                    return request
            return None

        def describe() -> str:
            seen = ", ".join(r.summary() for r in self.requests[-12:]) or "none"
            return f"request {label}; recent requests: {seen}"

        return await self.pulse.wait_until(first_unclaimed, timeout, describe)
