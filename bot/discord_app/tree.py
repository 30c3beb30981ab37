"""The command tree owns error handling: one ``on_error`` for every slash command."""

from __future__ import annotations

import logging
import uuid

import discord
from discord import app_commands

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


class NotModerator(app_commands.CheckFailure):
    """Raised by the moderator check; the message says who may use the command."""


class DisputeTree(app_commands.CommandTree):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CommandOnCooldown):
            text = f"Slow down a little: try again in {error.retry_after:.0f} s."
        elif isinstance(error, NotModerator):
            text = str(error)
        elif isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
            text = "You don't have permission to use this command."
        else:
            error_id = uuid.uuid4().hex[:8]
            original = getattr(error, "original", error)
            log.error(
                "command %s failed [error id %s]",
                interaction.command.qualified_name if interaction.command else "?",
                error_id,
                exc_info=(type(original), original, original.__traceback__),
            )
            text = f"Something went wrong on my side (error id `{error_id}`). Please try again."
        await send_ephemeral(interaction, text)


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer privately whether or not the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id)
