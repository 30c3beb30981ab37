"""Moderator tools: /reload re-reads the articles without restarting the bot."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.checks import require_moderator
from bot.discord_app.tree import NO_MENTIONS
from bot.formatting import DISCORD_LIMIT, trim
from bot.knowledge_service import ReloadError

if TYPE_CHECKING:
    from bot.discord_app.client import DisputeBot


def moderators_only():
    """The bot's own check: default_permissions is only a hint that server settings can override."""

    async def predicate(interaction: discord.Interaction) -> bool:
        bot: DisputeBot = interaction.client  # type: ignore[assignment]
        require_moderator(interaction, bot.settings.moderator_roles)
        return True

    return app_commands.check(predicate)


class Moderation(commands.Cog):
    def __init__(self, bot: DisputeBot) -> None:
        self.bot = bot

    @app_commands.command(name="reload", description="Re-read the articles (moderators)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderators_only()
    async def reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            report = await self.bot.knowledge.reload()
        except ReloadError as exc:
            text = f"Reload failed; still serving the previous articles.\nReason: {exc}"
        else:
            text = report.summary()
        await interaction.followup.send(
            trim(text, DISCORD_LIMIT), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: DisputeBot) -> None:
    await bot.add_cog(Moderation(bot))
