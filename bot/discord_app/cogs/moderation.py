"""Moderator tools: /reload re-reads the articles; /stats and /unanswered show what people ask."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.checks import require_moderator
from bot.discord_app.tree import NO_MENTIONS
from bot.discord_app.views import Paginator, paginate
from bot.formatting import (
    DISCORD_LIMIT,
    plural,
    render_stats,
    trim,
    unanswered_heading,
    unanswered_lines,
)
from bot.knowledge_service import ReloadError

if TYPE_CHECKING:
    from bot.discord_app.client import DisputeBot
    from bot.storage.storage import Storage

log = logging.getLogger(__name__)


def moderators_only():
    """The bot's own check: default_permissions is only a hint that server settings can override."""

    async def predicate(interaction: discord.Interaction) -> bool:
        bot: DisputeBot = interaction.client  # type: ignore[assignment]
        require_moderator(interaction, bot.settings.moderator_roles)
        return True

    return app_commands.check(predicate)


async def reload_and_report(
    bot: DisputeBot,
    interaction: discord.Interaction,
    prefix: str = "",
    view: discord.ui.View | None = None,
) -> None:
    """Reload, then tell the moderator (privately) what changed or why nothing did."""
    try:
        report = await bot.knowledge.reload()
    except ReloadError as exc:
        text = f"{prefix}Reload failed; still serving the previous articles.\nReason: {exc}"
    else:
        text = prefix + report.summary()
    extra = {"view": view} if view is not None else {}
    await interaction.followup.send(
        trim(text, DISCORD_LIMIT), ephemeral=True, allowed_mentions=NO_MENTIONS, **extra
    )


async def written_log(storage: Storage, timeout: float = 5.0) -> None:
    """Let the question log write what it still holds: a report read right after a question
    must count it (the log batches its writes). Never waits longer than ``timeout``."""
    try:
        await asyncio.wait_for(storage.questions.flush(), timeout)
    except TimeoutError:
        log.warning("question log not flushed within %.0f s; reporting what is stored", timeout)


class Moderation(commands.Cog):
    def __init__(self, bot: DisputeBot) -> None:
        self.bot = bot

    async def _report_storage(self, interaction: discord.Interaction) -> Storage | None:
        """The database, with every queued question written, after acknowledging the command."""
        storage = self.bot.storage
        if storage is None:
            await interaction.response.send_message("No database is configured.", ephemeral=True)
            return None
        await interaction.response.defer(ephemeral=True, thinking=True)
        await written_log(storage)
        return storage

    @app_commands.command(name="reload", description="Re-read the articles (moderators)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderators_only()
    async def reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await reload_and_report(self.bot, interaction)

    @app_commands.command(name="stats", description="Questions, answers and feedback (moderators)")
    @app_commands.describe(days="How many days back (default 7)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderators_only()
    async def stats(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 7
    ) -> None:
        storage = await self._report_storage(interaction)
        if storage is None:
            return
        stats = await storage.reports.stats(days, guild_id=interaction.guild_id)
        await interaction.followup.send(
            render_stats(stats, days), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(
        name="unanswered", description="Questions the articles could not answer (moderators)"
    )
    @app_commands.describe(days="How many days back (default 7)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderators_only()
    async def unanswered(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 7
    ) -> None:
        storage = await self._report_storage(interaction)
        if storage is None:
            return
        rows = await storage.reports.unanswered(days, 100, guild_id=interaction.guild_id)
        if not rows:
            await interaction.followup.send(
                f"No unanswered questions in the last {plural(days, 'day')}.", ephemeral=True
            )
            return
        pages = paginate(unanswered_lines(rows), unanswered_heading(days))
        view = Paginator(pages, interaction.user.id)
        view.message = await interaction.followup.send(
            view.content(), view=view, ephemeral=True, allowed_mentions=NO_MENTIONS, wait=True
        )


async def setup(bot: DisputeBot) -> None:
    await bot.add_cog(Moderation(bot))
