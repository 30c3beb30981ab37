"""Discord's permission resolution (base, then channel overwrites), so the emulator can answer
``50013 Missing Permissions`` and fill ``permissions``/``app_permissions`` in interactions."""

from __future__ import annotations

from .models import ALL_PERMISSIONS, Channel, Guild, Member, Permission


def base_permissions(guild: Guild, member: Member) -> int:
    if member.id == guild.owner_id:
        return ALL_PERMISSIONS
    value = guild.everyone.permissions
    for role_id in member.roles:
        role = guild.roles.get(role_id)
        if role is not None:
            value |= role.permissions
    if value & Permission.ADMINISTRATOR:
        return ALL_PERMISSIONS
    return int(value)


def channel_permissions(guild: Guild, channel: Channel | None, member: Member) -> int:
    """Permissions in a channel; threads use their parent's overwrites."""
    value = base_permissions(guild, member)
    if value == ALL_PERMISSIONS or channel is None:
        return value
    if channel.is_thread and channel.parent_id in guild.channels:
        channel = guild.channels[channel.parent_id]
    by_id = {o.id: o for o in channel.overwrites}
    everyone = by_id.get(guild.id)
    if everyone is not None:
        value = (value & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for overwrite in channel.overwrites:
        if overwrite.type == 0 and overwrite.id in member.roles:
            allow |= overwrite.allow
            deny |= overwrite.deny
    value = (value & ~deny) | allow
    own = by_id.get(member.id)
    if own is not None and own.type == 1:
        value = (value & ~own.deny) | own.allow
    if not value & Permission.VIEW_CHANNEL:
        return 0
    return int(value)


def has(value: int, permission: Permission) -> bool:
    return bool(value & permission)
