"""``DiscordEmulator``: a local Discord (REST + gateway) for end-to-end tests of a real discord.py bot.

async with DiscordEmulator() as emu:          # serves on 127.0.0.1:<free port>, patches discord.py
    world = emu.add_standard_guild()
    async with running_client(bot, emu):       # see harness.py
        await emu.dispatch_message(world.channel, "hi", author=world.member)
        request = await emu.wait_for_request("POST", "/channels/*/messages")

Attachments (of dispatched messages, or ``UploadedFile`` values of slash-command options) are
served by the emulator itself as Discord's CDN, so ``Attachment.read()`` works.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .gateway import INVALID_SESSION, RECONNECT, Gateway, GatewayConfig
from .interactions import InteractionConfig, InteractionRecord, Interactions, OptionValue
from .messages import EPHEMERAL, Upload, build_message, gateway_view
from .models import Channel, Guild, Member, Overwrite, Role, User
from .patching import patch_discord
from .recorder import Predicate, RecordedRequest, Recorder, request_matcher
from .rest import API_PREFIX, Fault, RestAPI, RestConfig
from .state import EmulatorState, StandardGuild

GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19


@dataclass
class EmulatorConfig:
    """Knobs; the defaults behave like Discord except for the short heartbeat interval."""

    heartbeat_interval_ms: int = 1000
    interaction_deadline: float = 3.0
    interaction_token_lifetime: float = 15 * 60.0
    honour_compression: bool = False  # True: zlib-stream binary frames when asked for
    allow_resume: bool = True  # False: every RESUME gets INVALID_SESSION (d=false)
    forbidden_intents: int = 0  # e.g. 1 << 15: IDENTIFY with message_content is closed 4014
    token: str | None = None  # None: any token works; else others get 401 / close 4004
    shards: int = 1  # recommended by GET /gateway/bot
    echo_bot_messages: bool = True  # the bot's own messages come back as MESSAGE_CREATE
    bot_name: str = "dispute-bot"
    application_flags: int = GATEWAY_MESSAGE_CONTENT_LIMITED
    host: str = "127.0.0.1"


class DiscordEmulator:
    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        cfg = self.config
        self.state = EmulatorState(bot_name=cfg.bot_name, application_flags=cfg.application_flags)
        self.recorder = Recorder()
        self.gateway = Gateway(
            self.state,
            GatewayConfig(
                heartbeat_interval_ms=cfg.heartbeat_interval_ms,
                honour_compression=cfg.honour_compression,
                allow_resume=cfg.allow_resume,
                forbidden_intents=cfg.forbidden_intents,
                token=cfg.token,
            ),
            resume_url=lambda: self.resume_gateway_url,
        )
        self.interactions = Interactions(
            self.state,
            InteractionConfig(cfg.interaction_deadline, cfg.interaction_token_lifetime),
            self._publish,
        )
        self.rest = RestAPI(
            self.state,
            self.gateway,
            self.interactions,
            self.recorder,
            RestConfig(token=cfg.token, shards=cfg.shards),
            self._publish,
            gateway_url=lambda: self.gateway_url,
        )
        self.state.announce = lambda event, data, guild_id: self.gateway.dispatch(
            event, data, guild_id
        )
        self.port = 0
        self.allow_unknown_routes = False  # read by the pytest fixture at teardown
        self._runner: web.AppRunner | None = None
        self._patch: AbstractContextManager[None] | None = None

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.config.host}:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.config.host}:{self.port}/gateway-resume"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway-resume", self.gateway.handle)
        app.router.add_route("*", "/cdn/{tail:.*}", self.rest.handle_cdn)
        app.router.add_route("*", "/media/{tail:.*}", self.rest.handle_cdn)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.config.host, 0))
        self.port = sock.getsockname()[1]
        self.state.cdn_base, self.state.media_base = f"{self.base_url}/cdn", f"{self.base_url}/media"
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def patch_discord(self) -> AbstractContextManager[None]:
        """Context manager pointing discord.py at this emulator, restoring the URLs after."""
        return patch_discord(self.api_url, self.gateway_url)

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        self._patch = self.patch_discord()
        self._patch.__enter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._patch is not None:
            self._patch.__exit__(None, None, None)
            self._patch = None
        await self.stop()

    # -- building the world (synchronous; announced live when a client is connected) -----------

    @property
    def interaction_deadline(self) -> float:
        """Seconds an interaction may wait for its initial response (Discord: 3)."""
        return self.interactions.config.deadline

    @interaction_deadline.setter
    def interaction_deadline(self, seconds: float) -> None:
        self.interactions.config.deadline = seconds

    @property
    def bot_user(self) -> User:
        return self.state.bot

    @property
    def application_id(self) -> int:
        return self.state.application_id

    def add_user(self, username: str, *, bot: bool = False) -> User:
        return self.state.add_user(username, bot=bot)

    def add_guild(self, name: str = "Test Guild", **options: Any) -> Guild:
        return self.state.add_guild(name, **options)

    def add_text_channel(
        self,
        guild: Guild,
        name: str = "general",
        *,
        topic: str | None = None,
        overwrites: Sequence[Overwrite] = (),
    ) -> Channel:
        return self.state.add_text_channel(guild, name, topic=topic, overwrites=overwrites)

    def add_role(
        self, guild: Guild, name: str, permissions: int = 0, *, mentionable: bool = False
    ) -> Role:
        return self.state.add_role(guild, name, permissions, mentionable=mentionable)

    def add_member(
        self,
        guild: Guild,
        user: User | str,
        roles: Sequence[Role | int] = (),
        *,
        nick: str | None = None,
    ) -> Member:
        return self.state.add_member(guild, user, roles, nick=nick)

    def add_standard_guild(self, name: str = "Trade Talks") -> StandardGuild:
        return self.state.add_standard_guild(name)

    def open_dm(self, user: User | Member) -> Channel:
        return self.state.open_dm(user.user if isinstance(user, Member) else user)

    # -- driving the client ------------------------------------------------------------------

    def _channel(self, channel: Channel | int | str) -> Channel:
        return channel if isinstance(channel, Channel) else self.state.channel(channel)

    def _require_session(self, guild_id: int | None) -> None:
        if not self.gateway.live_sessions(guild_id):
            raise RuntimeError(
                "no gateway session would receive this event: start the client first "
                "(or it re-identified on another shard)"
            )

    async def _flush(self, futures: list[asyncio.Future[bool]]) -> None:
        if futures:
            await asyncio.wait_for(asyncio.gather(*futures), 5.0)

    async def dispatch_event(
        self, event: str, data: dict[str, Any], guild_id: int | None = None
    ) -> None:
        """Send any raw dispatch event; returns once it is written to the socket (if connected)."""
        self._require_session(guild_id)
        await self._flush(self.gateway.dispatch(event, data, guild_id))

    async def dispatch_message(
        self,
        channel: Channel | int | str,
        content: str = "",
        *,
        author: Member | User | None = None,
        mentions: Sequence[Member | User | int] = (),
        reply_to: dict[str, Any] | int | None = None,
        embeds: Sequence[dict[str, Any]] = (),
        attachments: Sequence[tuple[str, bytes]] = (),
        **extra: Any,
    ) -> dict[str, Any]:
        """A user posts a message (MESSAGE_CREATE). Mentions not already in ``content`` are
        prepended as ``<@id>``, the way the Discord client writes them; ``mentions``,
        ``mention_roles`` and ``mention_everyone`` are then derived from the content, as Discord
        does. Returns the message object (as stored; ``wait_for_request`` gets the bot's reply)."""
        target = self._channel(channel)
        guild = self.state.guild_of(target)
        user = self._author(target, guild, author)
        for mentioned in mentions:
            user_id = mentioned if isinstance(mentioned, int) else mentioned.id
            if not re.search(rf"<@!?{user_id}>", content):
                content = f"<@{user_id}> {content}".rstrip()
        body: dict[str, Any] = {"content": content, "embeds": list(embeds)}
        if reply_to is not None:
            reply_id = reply_to if isinstance(reply_to, int) else int(reply_to["id"])
            body["message_reference"] = {"message_id": reply_id, "channel_id": target.id}
        uploads = [
            Upload(f"files[{i}]", n, "application/octet-stream", d)
            for i, (n, d) in enumerate(attachments)
        ]
        message = build_message(self.state, target, user, body, uploads=uploads, extra=extra)
        self.state.messages[int(message["id"])] = message
        target.last_message_id = int(message["id"])
        self._require_session(guild.id if guild else None)
        data = gateway_view(self.state, message)
        await self._flush(
            self.gateway.dispatch("MESSAGE_CREATE", data, guild.id if guild else None)
        )
        return message

    def _author(self, channel: Channel, guild: Guild | None, author: Member | User | None) -> User:
        if author is None:
            if guild is not None:
                return guild.members[guild.owner_id].user
            return channel.recipients[0]
        user = author.user if isinstance(author, Member) else author
        if guild is not None and user.id not in guild.members:
            raise ValueError(f"{user.username} is not a member of {guild.name}")
        return user

    async def _dispatch_interaction(self, record: InteractionRecord) -> InteractionRecord:
        self._require_session(record.guild_id)
        record.dispatched_at = time.monotonic()
        futures = self.gateway.dispatch("INTERACTION_CREATE", record.payload, record.guild_id)
        await self._flush(futures)
        return record

    def fail(
        self, method: str, path: str, *, status: int = 429, times: int = 1,
        retry_after: float = 0.05,
    ) -> Fault:
        """Make the next ``times`` matching requests fail (``path``: a glob under /api/v10)."""
        fault = Fault(method, path, status, times, retry_after)
        self.rest.faults.append(fault)
        return fault

    async def dispatch_interaction(
        self,
        command_name: str,
        options: Mapping[str, OptionValue] | Sequence[dict[str, Any]] | None = None,
        *,
        member: Member | User,
        channel: Channel | int | str,
        command_type: int = 1,
        target: Member | User | dict[str, Any] | None = None,
    ) -> InteractionRecord:
        """A slash command (type 2 APPLICATION_COMMAND). ``"group sub"`` names nest as
        subcommands; option types come from the synced command when there is one, else from the
        Python values (str 3, int 4, bool 5, Member/User 6, Channel 7, Role 8, float 10).
        ``target`` (a member/user or message dict) makes it a context-menu command."""
        record = self.interactions.command(
            command_name,
            options or {},
            channel=self._channel(channel),
            who=member,
            command_type=command_type,
            target=target,
        )
        return await self._dispatch_interaction(record)

    async def dispatch_autocomplete(
        self,
        command_name: str,
        options: Mapping[str, OptionValue],
        *,
        focused: str,
        member: Member | User,
        channel: Channel | int | str,
    ) -> InteractionRecord:
        record = self.interactions.command(
            command_name, options, channel=self._channel(channel), who=member, focused=focused
        )
        return await self._dispatch_interaction(record)

    async def dispatch_component(
        self,
        message: dict[str, Any],
        custom_id: str,
        *,
        member: Member | User,
        component_type: int = 2,
        values: Sequence[str] | None = None,
    ) -> InteractionRecord:
        """A click on a button (2) or a select (3, with ``values``) of ``message``, a message
        object as returned by the emulator (e.g. ``request.response`` of the bot's send)."""
        stored = self.state.messages.get(int(message["id"]), message)
        record = self.interactions.component(
            stored, custom_id, who=member, component_type=component_type, values=values
        )
        return await self._dispatch_interaction(record)

    async def dispatch_modal_submit(
        self,
        custom_id: str,
        fields: Mapping[str, str],
        *,
        member: Member | User,
        channel: Channel | int | str,
        message: dict[str, Any] | None = None,
    ) -> InteractionRecord:
        record = self.interactions.modal_submit(
            custom_id, fields, channel=self._channel(channel), who=member, message=message
        )
        return await self._dispatch_interaction(record)

    def _publish(self, event: str, message: dict[str, Any]) -> None:
        """Gateway echo of the bot's own message changes (never of ephemeral ones)."""
        if message["flags"] & EPHEMERAL:
            return
        if event == "MESSAGE_CREATE" and not self.config.echo_bot_messages:
            return
        channel = self.state.channels.get(int(message["channel_id"]))
        guild = self.state.guild_of(channel) if channel else None
        guild_id = guild.id if guild else None
        if event == "MESSAGE_DELETE":
            data: dict[str, Any] = {"id": message["id"], "channel_id": message["channel_id"]}
            if guild_id:
                data["guild_id"] = str(guild_id)
        else:
            data = gateway_view(self.state, message)
        self.gateway.dispatch(event, data, guild_id)

    # -- observing the client ---------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.recorder.requests

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        return self.recorder.unknown

    def requests_to(
        self, method: str | None = None, path: str | None = None
    ) -> list[RecordedRequest]:
        return self.recorder.find(request_matcher(method, path))

    async def wait_for_request(
        self,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        *,
        predicate: Predicate | None = None,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """The earliest matching request not returned by an earlier call, once answered.
        ``path`` is relative to /api/v10: exact, ``*`` glob, or a compiled regex."""
        label = " ".join(str(p) for p in (method, path, predicate and "predicate") if p)
        return await self.recorder.wait_for(
            request_matcher(method, path, predicate), timeout, label
        )

    @property
    def interaction_records(self) -> list[InteractionRecord]:
        return list(self.interactions.records.values())

    async def wait_for_ack(self, record: InteractionRecord, timeout: float = 5.0) -> float:
        """Wait until ``record`` has an accepted initial response; returns its latency (s)."""
        return await self.interactions.wait_acknowledged(record, timeout)

    def messages_in(self, channel: Channel | int) -> list[dict[str, Any]]:
        channel_id = str(channel.id if isinstance(channel, Channel) else channel)
        return [m for m in self.state.messages.values() if m["channel_id"] == channel_id]

    # -- the gateway ------------------------------------------------------------------------

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.gateway.resume_count

    @property
    def heartbeat_count(self) -> int:
        return self.gateway.heartbeat_count

    async def _wait_counter(self, name: str, count: int, timeout: float) -> int:
        return await self.gateway.pulse.wait_until(
            lambda: getattr(self.gateway, name) if getattr(self.gateway, name) >= count else None,
            timeout,
            lambda: f"{name} >= {count} (now {getattr(self.gateway, name)})",
        )

    async def wait_for_identify(self, count: int = 1, timeout: float = 5.0) -> int:
        return await self._wait_counter("identify_count", count, timeout)

    async def wait_for_resume(self, count: int = 1, timeout: float = 5.0) -> int:
        return await self._wait_counter("resume_count", count, timeout)

    async def wait_for_heartbeats(self, count: int, timeout: float = 5.0) -> int:
        return await self._wait_counter("heartbeat_count", count, timeout)

    async def drop_gateway(self, *, code: int = 4000, abrupt: bool = False) -> int:
        """Close every gateway socket: a close frame with ``code`` (4000: resumable), or with
        ``abrupt=True`` the bare TCP transport. Returns how many were closed."""
        return await self.gateway.drop(code=code, abrupt=abrupt)

    def send_reconnect(self) -> None:
        """Op 7 RECONNECT: the client should close and RESUME."""
        self.gateway.send_op(RECONNECT)

    def invalidate_sessions(self, *, send: bool = False) -> None:
        """Make sessions unresumable; with ``send`` also push op 9 (d=false) now."""
        self.gateway.invalidate_sessions()
        if send:
            self.gateway.send_op(INVALID_SESSION, False)
