"""The emulator's world: users, guilds, channels, messages and application commands.

World-building methods are synchronous so tests can set up a guild before the client connects;
changes made while a client is connected are announced through ``announce`` (the gateway).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import errors
from .ids import Snowflakes
from .models import (
    BOT_DEFAULT,
    EVERYONE_DEFAULT,
    Channel,
    ChannelType,
    Guild,
    Member,
    Overwrite,
    Permission,
    Role,
    User,
)

Announce = Callable[[str, dict[str, Any], int | None], None]


@dataclass
class StandardGuild:
    """A ready-made guild for bot tests: who has which powers is in the names."""

    guild: Guild
    channel: Channel
    moderator_role: Role
    manager_role: Role
    owner: Member
    moderator: Member
    manager: Member
    member: Member
    bot_member: Member


class EmulatorState:
    """Everything the REST API and the gateway read and change."""

    def __init__(self, *, bot_name: str = "dispute-bot", application_flags: int = 0) -> None:
        self.ids = Snowflakes()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        # The CDN: attachment bytes and content type by attachment id, served under these bases
        # (the emulator's own address once started; Discord's until then).
        self.files: dict[int, tuple[bytes, str]] = {}
        self.cdn_base = "https://cdn.discordapp.com"
        self.media_base = "https://media.discordapp.net"
        # scope: None for global commands, else the guild id
        self.commands: dict[int | None, dict[int, dict[str, Any]]] = {}
        self.announce: Announce = lambda _event, _data, _guild_id: None
        self.bot = self.add_user(bot_name, bot=True)
        self.app_owner = self.add_user("app-owner")
        self.application_flags = application_flags

    # -- the bot's own identity ---------------------------------------------------------------

    @property
    def application_id(self) -> int:
        """A bot's application id equals its user id, as for every modern Discord app."""
        return self.bot.id

    def bot_user_payload(self) -> dict[str, Any]:
        data = self.bot.payload()
        data.update(verified=True, mfa_enabled=False, email=None, locale="en-US", bot=True)
        return data

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "owner": self.app_owner.payload(),
            "team": None,
            "bot": self.bot_user_payload(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "tags": [],
            "approximate_guild_count": len(self.guilds),
            "integration_types_config": {"0": {}},
        }

    # -- world building -------------------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False) -> User:
        user = User(id=self.ids.next(), username=username, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        everyone_permissions: int = EVERYONE_DEFAULT,
        bot_permissions: int = BOT_DEFAULT,
        owner: User | None = None,
    ) -> Guild:
        """A guild with @everyone, the bot's managed role and member, and an owner member."""
        guild_id = self.ids.next()
        owner = owner or self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        guild = Guild(id=guild_id, name=name, owner_id=owner.id)
        guild.roles[guild_id] = Role(
            id=guild_id, guild_id=guild_id, name="@everyone", permissions=everyone_permissions
        )
        bot_role = Role(
            id=self.ids.next(),
            guild_id=guild_id,
            name=self.bot.username,
            permissions=bot_permissions,
            position=1,
            managed=True,
            tags={"bot_id": str(self.bot.id)},
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[owner.id] = Member(user=owner, guild_id=guild_id)
        guild.members[self.bot.id] = Member(user=self.bot, guild_id=guild_id, roles=[bot_role.id])
        self.guilds[guild_id] = guild
        self.announce("GUILD_CREATE", self.guild_create_payload(guild), guild_id)
        return guild

    def add_role(
        self, guild: Guild, name: str, permissions: int = 0, *, mentionable: bool = False
    ) -> Role:
        role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            permissions=int(permissions),
            position=len(guild.roles),
            mentionable=mentionable,
        )
        guild.roles[role.id] = role
        self.announce(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()}, guild.id
        )
        return role

    def add_member(
        self,
        guild: Guild,
        user: User | str,
        roles: Iterable[Role | int] = (),
        *,
        nick: str | None = None,
    ) -> Member:
        if isinstance(user, str):
            user = self.add_user(user)
        role_ids = [r.id if isinstance(r, Role) else int(r) for r in roles]
        member = Member(user=user, guild_id=guild.id, roles=role_ids, nick=nick)
        guild.members[user.id] = member
        self.announce("GUILD_MEMBER_ADD", {**member.payload(), "guild_id": str(guild.id)}, guild.id)
        return member

    def add_text_channel(
        self,
        guild: Guild,
        name: str = "general",
        *,
        topic: str | None = None,
        overwrites: Iterable[Overwrite] = (),
        type: int = ChannelType.TEXT,
    ) -> Channel:
        channel = Channel(
            id=self.ids.next(),
            type=type,
            name=name,
            guild_id=guild.id,
            position=len(guild.channels),
            topic=topic,
            overwrites=list(overwrites),
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self.announce("CHANNEL_CREATE", channel.payload(), guild.id)
        return channel

    def add_thread(
        self,
        parent: Channel,
        name: str,
        *,
        owner_id: int,
        thread_id: int | None = None,
        type: int = ChannelType.PUBLIC_THREAD,
        auto_archive_duration: int = 1440,
    ) -> Channel:
        guild = self.guilds[int(parent.guild_id or 0)]
        thread = Channel(
            id=thread_id or self.ids.next(),
            type=type,
            name=name,
            guild_id=guild.id,
            parent_id=parent.id,
            owner_id=owner_id,
            auto_archive_duration=auto_archive_duration,
        )
        guild.threads[thread.id] = thread
        self.channels[thread.id] = thread
        member = {
            "id": str(thread.id),
            "user_id": str(owner_id),
            "join_timestamp": guild.joined_at,
            "flags": 0,
        }
        self.announce(
            "THREAD_CREATE", {**thread.payload(), "newly_created": True, "member": member}, guild.id
        )
        return thread

    def open_dm(self, user: User) -> Channel:
        for channel in self.channels.values():
            if channel.type == ChannelType.DM and channel.recipients[0].id == user.id:
                return channel
        channel = Channel(id=self.ids.next(), type=ChannelType.DM, recipients=[user])
        self.channels[channel.id] = channel
        return channel

    def add_standard_guild(self, name: str = "Trade Talks") -> StandardGuild:
        """#general, a "Moderator" role (no Manage Server), a "Server Manager" role (Manage Server),
        and members: ``moderator`` (role), ``manager`` (permission), ``member`` (neither)."""
        guild = self.add_guild(name)
        channel = self.add_text_channel(guild, "general", topic="US-China trade talk questions")
        moderator_role = self.add_role(
            guild,
            "Moderator",
            Permission.MANAGE_MESSAGES | Permission.MANAGE_THREADS | Permission.KICK_MEMBERS,
            mentionable=True,
        )
        manager_role = self.add_role(guild, "Server Manager", Permission.MANAGE_GUILD)
        return StandardGuild(
            guild=guild,
            channel=channel,
            moderator_role=moderator_role,
            manager_role=manager_role,
            owner=guild.members[guild.owner_id],
            moderator=self.add_member(guild, "mod-maria", [moderator_role]),
            manager=self.add_member(guild, "admin-ada", [manager_role]),
            member=self.add_member(guild, "user-uma"),
            bot_member=guild.members[self.bot.id],
        )

    # -- lookups ----------------------------------------------------------------------------

    def channel(self, channel_id: int | str) -> Channel:
        try:
            return self.channels[int(channel_id)]
        except (KeyError, ValueError):
            raise errors.not_found(errors.UNKNOWN_CHANNEL, "Channel") from None

    def guild(self, guild_id: int | str) -> Guild:
        try:
            return self.guilds[int(guild_id)]
        except (KeyError, ValueError):
            raise errors.not_found(errors.UNKNOWN_GUILD, "Guild") from None

    def guild_of(self, channel: Channel) -> Guild | None:
        return self.guilds.get(channel.guild_id) if channel.guild_id else None

    def message(self, channel_id: int | str, message_id: int | str) -> dict[str, Any]:
        message = self.messages.get(int(message_id)) if str(message_id).isdigit() else None
        if message is None or message["channel_id"] != str(channel_id):
            raise errors.not_found(errors.UNKNOWN_MESSAGE, "Message")
        return message

    def member(self, guild: Guild, user_id: int) -> Member | None:
        return guild.members.get(user_id)

    def guild_create_payload(self, guild: Guild) -> dict[str, Any]:
        data = guild.payload()
        data.update(
            joined_at=guild.joined_at,
            large=False,
            unavailable=False,
            member_count=len(guild.members),
            members=[m.payload() for m in guild.members.values()],
            channels=[c.payload() for c in guild.channels.values()],
            threads=[t.payload() for t in guild.threads.values()],
            voice_states=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
            lazy=True,
        )
        return data

    # -- application commands ----------------------------------------------------------------

    def find_command(self, name: str, guild_id: int | None, type: int = 1) -> dict[str, Any] | None:
        for scope in (guild_id, None) if guild_id else (None,):
            for command in self.commands.get(scope, {}).values():
                if command["name"] == name and command.get("type", 1) == type:
                    return command
        return None
