"""Running the real DisputeBot against the Discord emulator, on a project folder of the test's own."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.discord_app.client import DisputeBot
from bot.knowledge_service import KnowledgeService
from bot.settings import BotConfig, ChannelConfig
from bot.storage.storage import Storage
from tests.conftest import ROOT, SEED
from tests.discord_emulator import DiscordEmulator, StandardGuild, running_client


class EmulatedDisputeBot(DisputeBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY; not needed against the emulator."""


def make_project(folder: Path) -> Path:
    """config/ and seeds/ like the real project's, in ``folder``; returns the knowledge config."""
    (folder / "config").mkdir(parents=True)
    shutil.copy(ROOT / "config" / "knowledge.yaml", folder / "config" / "knowledge.yaml")
    (folder / "seeds").mkdir()
    shutil.copy(SEED, folder / "seeds" / SEED.name)
    return folder / "config" / "knowledge.yaml"


def settings_for(world: StandardGuild, **changes: Any) -> BotConfig:
    base = BotConfig(
        guilds=[world.guild.id],
        channels=[ChannelConfig(id=world.channel.id, answer_all=True, threads=False)],
        moderator_roles=["Moderator"],
        cooldown_uses=100,
        cooldown_seconds=60,
    )
    return dataclasses.replace(base, **changes)


@contextlib.asynccontextmanager
async def dispute_bot(
    emulator: DiscordEmulator,
    world: StandardGuild,
    project: Path,
    *,
    storage: Storage | None = None,
    message_content: bool = True,
    **settings: Any,
) -> AsyncIterator[EmulatedDisputeBot]:
    """The bot, connected and ready, with its own database unless one is given."""
    own_storage = storage is None
    if storage is None:
        storage = await Storage.open(project.parent.parent / "var" / "bot.sqlite3")
    service = KnowledgeService(project, storage.knowledge)
    bot = EmulatedDisputeBot(
        settings_for(world, **settings), service, storage=storage,
        message_content=message_content, guild_ready_timeout=0.1,
    )
    try:
        async with running_client(bot, emulator):
            yield bot
    finally:
        if own_storage:
            await storage.close()


async def followup(emu: DiscordEmulator, record) -> dict:
    """The followup message a deferred interaction was answered with (its JSON body)."""
    request = await emu.wait_for_request("POST", f"/webhooks/{emu.application_id}/{record.token}")
    assert request.ok, request.response
    return request.json
