"""Who counts as a moderator: a configured role, or the Manage Server permission.

``app_commands.default_permissions`` only hides a command by default; server admins can override it,
so the bot checks again itself.
"""

from __future__ import annotations

from collections.abc import Iterable

import discord

from bot.discord_app.tree import NotModerator


def is_moderator(
    member: discord.abc.User, permissions: discord.Permissions, roles: Iterable[str]
) -> bool:
    if permissions.manage_guild or permissions.administrator:
        return True
    wanted = {r.strip().lower() for r in roles}
    member_roles = getattr(member, "roles", [])
    return any(r.name.lower() in wanted or str(r.id) in wanted for r in member_roles)


def require_moderator(interaction: discord.Interaction, roles: Iterable[str]) -> None:
    if interaction.guild is None:
        raise NotModerator("Moderator commands work in a server, not in direct messages.")
    if not is_moderator(interaction.user, interaction.permissions, roles):
        raise NotModerator(
            "Only moderators can do that (a moderator role or the Manage Server permission)."
        )
