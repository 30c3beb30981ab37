"""``config/bot.yaml``: how the Discord front end behaves. Secrets never live here (see ``.env``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.fetching import FetchPolicy, private_networks
from bot.storage.database import database_target
from knowledge.config import build, check_range, project_path, read_yaml

LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


@dataclasses.dataclass(frozen=True)
class ChannelConfig:
    id: int
    answer_all: bool = True  # answer every question, not only mentions
    threads: bool = False  # answer in a thread opened on the question; follow-ups there


@dataclasses.dataclass(frozen=True)
class BotConfig:
    log_level: str = "INFO"
    # Guilds whose command list is synced on start (instant); others get global commands.
    guilds: list[int] = dataclasses.field(default_factory=list)
    channels: list[ChannelConfig] = dataclasses.field(default_factory=list)
    # Role names or ids that make a member a moderator (Manage Server always does).
    moderator_roles: list[str] = dataclasses.field(default_factory=list)
    cooldown_uses: int = 3
    cooldown_seconds: float = 30.0
    max_question_chars: int = 500
    # Shards: 0 = one connection; "auto_shard" lets Discord choose (AutoShardedBot).
    shard_count: int = 0
    auto_shard: bool = False
    # The shards this process runs (with shard_count): several processes share one PostgreSQL
    # database, each with its own range. Empty: all of them.
    shard_ids: list[int] = dataclasses.field(default_factory=list)
    # Threads remembered for follow-ups (least recently used forgotten first).
    thread_memory: int = 1000
    # Knowledge generations, question log, feedback: a SQLite file (relative to the project
    # root) or a postgresql:// URL (several processes sharing one database).
    database: Path | str = Path("var/dispute-bot.sqlite3")
    # Askers are stored as salted hashes unless this is true.
    store_raw_ids: bool = False
    # Questions older than this are deleted (daily).
    retention_days: int = 90
    # /kb add: largest article (file or page) accepted.
    max_upload_bytes: int = 2_000_000
    # Links: how long a site may take, and which non-public addresses a link may reach: false
    # (none: the safe default), true (all), or a list of networks ("127.0.0.0/8").
    fetch_timeout_seconds: float = 10.0
    allow_private_urls: bool | list[str] = False
    # RSS/Atom feeds read every feed_minutes; new articles about the dispute are added and
    # reported in report_channel (a channel id), if set.
    feeds: list[str] = dataclasses.field(default_factory=list)
    feed_minutes: float = 60.0
    report_channel: int | None = None

    def __post_init__(self) -> None:
        if self.log_level.upper() not in LOG_LEVELS:
            raise ValueError(f"log_level: expected one of {', '.join(sorted(LOG_LEVELS))}")
        check_range("cooldown_uses", self.cooldown_uses, 1, 1_000_000)
        check_range("cooldown_seconds", self.cooldown_seconds, 0, 86_400)
        check_range("max_question_chars", self.max_question_chars, 10, 4000)
        check_range("shard_count", self.shard_count, 0, 10_000)
        if self.shard_ids:
            if self.shard_count < 1:
                raise ValueError("shard_ids: set shard_count too (the total across processes)")
            wrong = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if wrong or len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError(
                    f"shard_ids: each once, from 0 to {self.shard_count - 1} (shard_count)"
                )
        check_range("thread_memory", self.thread_memory, 0, 1_000_000)
        check_range("retention_days", self.retention_days, 1, 36_500)  # a century at most
        check_range("max_upload_bytes", self.max_upload_bytes, 1, 25_000_000)  # Discord's cap
        check_range("fetch_timeout_seconds", self.fetch_timeout_seconds, 0.1, 300)
        check_range("feed_minutes", self.feed_minutes, 1, 10_080)  # a week at most
        try:
            private_networks(self.allow_private_urls)
        except ValueError as exc:
            raise ValueError(f"allow_private_urls: {exc}") from None

    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(
            max_bytes=self.max_upload_bytes,
            timeout=self.fetch_timeout_seconds,
            allowed_private=private_networks(self.allow_private_urls),
        )

    def channel(self, channel_id: int | None) -> ChannelConfig | None:
        return next((c for c in self.channels if c.id == channel_id), None)


def load_bot_config(path: Path) -> BotConfig:
    config = build(BotConfig, read_yaml(path), path)
    return dataclasses.replace(config, database=database_path(path, config.database))


def database_path(config_file: Path, value: Path | str) -> Path | str:
    """A URL as it is; a file path from the project root, like every path in ``config/``."""
    target = database_target(value)
    return target if isinstance(target, str) else project_path(config_file, target)


def shard_range(text: str) -> list[int]:
    """``0-7`` or ``0,2,5`` or ``3``: the shard ids a process runs."""
    ids: list[int] = []
    for part in text.replace(" ", "").split(","):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ValueError(f"expected shard ids such as 0-7 or 0,2,5; got {text!r}")
        ids.extend(range(int(low), int(high or low) + 1))
    return ids
