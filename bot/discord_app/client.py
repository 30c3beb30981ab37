"""The Discord bot: a ``commands.Bot`` whose ``setup_hook`` loads the knowledge base and the cogs."""

from __future__ import annotations

import hashlib
import json
import logging

import discord
from discord.ext import commands

from bot.discord_app.tree import NO_MENTIONS, DisputeTree
from bot.discord_app.views import FeedbackView
from bot.knowledge_service import KnowledgeService
from bot.settings import BotConfig
from bot.storage.storage import Storage

log = logging.getLogger(__name__)

SYNC_KEY = "global_commands_sha256"

EXTENSIONS = (
    "bot.discord_app.cogs.questions",
    "bot.discord_app.cogs.moderation",
    "bot.discord_app.cogs.knowledge_admin",
    "bot.discord_app.cogs.feeds",
)


def intents(message_content: bool = True) -> discord.Intents:
    chosen = discord.Intents.default()
    chosen.message_content = message_content  # privileged: enable it in the developer portal
    chosen.members = False
    chosen.presences = False
    return chosen


class DisputeBot(commands.Bot):
    """The bot on one gateway connection; ``ShardedDisputeBot`` is the same on many."""

    def __init__(
        self,
        settings: BotConfig,
        knowledge: KnowledgeService,
        *,
        storage: Storage | None = None,
        message_content: bool = True,
        sync_on_start: bool = True,
        **options: object,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(message_content),
            tree_cls=DisputeTree,
            allowed_mentions=NO_MENTIONS,
            **options,
        )
        self.settings = settings
        self.knowledge = knowledge
        self.storage = storage  # question log, feedback, reports; owned by whoever opened it
        self.sync_on_start = sync_on_start

    async def setup_hook(self) -> None:
        if not self.knowledge.loaded:
            await self.knowledge.load()
        await self.knowledge.follow_store()  # other processes' reloads (PostgreSQL)
        kb = self.knowledge.kb
        log.info("knowledge base: %d articles, %d sentences", len(kb.articles), len(kb))
        for problem in kb.problems:
            log.warning("skipped %s", problem)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_view(FeedbackView())  # persistent: 👍/👎 on answers sent before a restart
        if self.sync_on_start:
            await self.sync_globally_if_changed()
            await self.sync_guilds()

    async def sync_globally_if_changed(self) -> None:
        """Sync the global command list when it differs from what was last synced, so a fresh
        install shows /ask without `bot sync`, and restarts don't spend Discord's sync limit.

        The hash of the payload is kept in the database; without one, every start syncs.
        """
        payload = json.dumps(
            sorted((c.to_dict(self.tree) for c in self.tree.get_commands()), key=lambda c: c["name"]),
            sort_keys=True,
        )
        digest = hashlib.sha256(payload.encode()).hexdigest()
        if self.storage is not None and await self.storage.db.setting(SYNC_KEY) == digest:
            log.info("global commands unchanged since the last sync")
            return
        try:
            synced = await self.tree.sync()
        except discord.HTTPException as exc:
            log.warning("could not sync commands globally: %s", exc)
            return
        log.info("synced %d commands globally (Discord may take a while to show them)", len(synced))
        if self.storage is not None:
            await self.storage.db.keep_setting(SYNC_KEY, digest)

    async def sync_guilds(self) -> None:
        """Instant per-guild sync for the guilds in config (global sync is `python -m bot sync`)."""
        for guild_id in self.settings.guilds:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %s", len(synced), guild_id)
            except discord.HTTPException as exc:
                log.warning("could not sync commands to guild %s: %s", guild_id, exc)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: a question asked by mention is the Questions cog's, not a command
        to look up (``commands.Bot`` would log CommandNotFound as an ERROR for every one)."""

    async def on_ready(self) -> None:
        log.info("ready as %s in %d guild(s)", self.user, len(self.guilds))


class ShardedDisputeBot(DisputeBot, commands.AutoShardedBot):
    """For large deployments: discord.py's AutoShardedBot, shard count from config or Discord."""


def create_bot(settings: BotConfig, knowledge: KnowledgeService, **options: object) -> DisputeBot:
    if settings.shard_ids:  # this process's range; other processes run the rest
        return ShardedDisputeBot(
            settings,
            knowledge,
            shard_ids=list(settings.shard_ids),
            shard_count=settings.shard_count,
            **options,
        )
    if settings.auto_shard:
        return ShardedDisputeBot(settings, knowledge, **options)
    if settings.shard_count > 1:
        return ShardedDisputeBot(settings, knowledge, shard_count=settings.shard_count, **options)
    return DisputeBot(settings, knowledge, **options)
