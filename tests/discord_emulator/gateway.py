"""The gateway websocket: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME with replay.

Each connection has an outbox drained by one writer task, so ``dispatch`` is synchronous, frames
keep their order, and the zlib stream (when the client asked for ``compress=zlib-stream`` and the
emulator is configured to honour it) stays consistent.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .ids import session_id
from .state import EmulatorState
from .waiting import Pulse

log = logging.getLogger("discord_emulator.gateway")

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, RESUME = 0, 1, 2, 3, 6
RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 7, 8, 9, 10, 11

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
MESSAGE_CONTENT = 1 << 15

CONTENT_KEYS = ("content", "embeds", "attachments", "components", "poll")


def required_intent(event: str, data: dict[str, Any]) -> int:
    """The intent a session needs to receive ``event``; 0 when none is needed."""
    in_guild = bool(data.get("guild_id"))
    if event.startswith(("GUILD_MEMBER_", "GUILD_MEMBERS_")) and event != "GUILD_MEMBERS_CHUNK":
        return GUILD_MEMBERS
    if event.startswith(("GUILD_", "CHANNEL_", "THREAD_")):
        return GUILDS
    if event.startswith("MESSAGE_REACTION_"):
        return GUILD_MESSAGE_REACTIONS if in_guild else DIRECT_MESSAGE_REACTIONS
    if event.startswith("MESSAGE_"):
        return GUILD_MESSAGES if in_guild else DIRECT_MESSAGES
    return 0


@dataclass
class GatewayConfig:
    heartbeat_interval_ms: int = 1000
    honour_compression: bool = False  # send zlib-stream binary frames when the client asks
    allow_resume: bool = True
    forbidden_intents: int = 0  # identify asking for any of these is closed with 4014
    token: str | None = None  # None: any token is accepted


@dataclass
class GatewaySession:
    id: str
    shard: tuple[int, int]
    intents: int
    shard_requested: bool = False
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    connection: Connection | None = None
    live: bool = True

    def owns(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id


class Connection:
    """One websocket; ``opcodes`` lists what the client sent, in order."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: bool) -> None:
        self.ws = ws
        self.transport = request.transport
        self.path = request.path
        self.query = dict(request.query)
        self.compress = compress
        self.session: GatewaySession | None = None
        self.opcodes: list[int] = []
        self.opened_at = time.monotonic()
        self.closed_at: float | None = None
        self._outbox: asyncio.Queue[tuple[dict[str, Any], asyncio.Future[bool] | None] | None] = (
            asyncio.Queue()
        )
        self._compressor = zlib.compressobj()
        self._writer = asyncio.create_task(self._write_loop(), name="emulator-gateway-writer")

    @property
    def open(self) -> bool:
        return self.closed_at is None and not self.ws.closed

    def post(self, payload: dict[str, Any], sent: asyncio.Future[bool] | None = None) -> None:
        self._outbox.put_nowait((payload, sent))

    async def _write_loop(self) -> None:
        while (item := await self._outbox.get()) is not None:
            payload, sent = item
            ok = False
            try:
                text = json.dumps(payload, separators=(",", ":"))
                if self.compress:
                    data = self._compressor.compress(text.encode())
                    await self.ws.send_bytes(data + self._compressor.flush(zlib.Z_SYNC_FLUSH))
                else:
                    await self.ws.send_str(text)
                ok = True
            except (ConnectionError, RuntimeError):
                pass  # closed under us: the event stays in the session log for a RESUME
            if sent is not None and not sent.done():
                sent.set_result(ok)
        self._fail_pending()

    def _fail_pending(self) -> None:
        while not self._outbox.empty():
            item = self._outbox.get_nowait()
            if item is not None and item[1] is not None and not item[1].done():
                item[1].set_result(False)

    async def finish(self) -> None:
        self.closed_at = self.closed_at or time.monotonic()
        self._outbox.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer

    async def close(self, code: int, message: str = "") -> None:
        try:
            await asyncio.wait_for(self.ws.close(code=code, message=message.encode()), 2.0)
        except (TimeoutError, ConnectionError, RuntimeError):
            self.abort()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


class Gateway:
    """All gateway connections and sessions, plus the counters tests wait on."""

    def __init__(
        self,
        state: EmulatorState,
        config: GatewayConfig,
        resume_url: Callable[[], str],
    ) -> None:
        self.state = state
        self.config = config
        self.resume_url = resume_url
        self.connections: list[Connection] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0
        self.invalid_session_count = 0
        self.last_heartbeat_seq: int | None = None
        self.pulse = Pulse()

    # -- websocket handling ---------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoclose=True, heartbeat=None)
        await ws.prepare(request)
        wants_zlib = request.query.get("compress") == "zlib-stream"
        connection = Connection(ws, request, self.config.honour_compression and wants_zlib)
        self.connections.append(connection)
        self.pulse.notify()
        connection.post(
            {"op": HELLO, "d": {"heartbeat_interval": self.config.heartbeat_interval_ms}}
        )
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                try:
                    payload = json.loads(message.data)
                except ValueError:
                    await connection.close(4002, "Error while decoding payload.")
                    break
                await self._on_payload(connection, payload)
        except Exception:
            log.exception("gateway handler failed")
            raise
        finally:
            await self._detach(connection)
        return ws

    async def _detach(self, connection: Connection) -> None:
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
        await connection.finish()
        self.pulse.notify()

    async def _on_payload(self, connection: Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        connection.opcodes.append(int(op) if isinstance(op, int) else -1)
        if op == HEARTBEAT:
            self.heartbeat_count += 1
            self.last_heartbeat_seq = data
            connection.post({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(connection, data or {})
        elif op == RESUME:
            await self._resume(connection, data or {})
        elif connection.session is None:
            await connection.close(4003, "Not authenticated.")
        elif op == REQUEST_MEMBERS:
            self._send_member_chunk(connection.session, data or {})
        elif op == PRESENCE:
            pass
        else:
            await connection.close(4001, "Unknown opcode.")
        self.pulse.notify()

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
        if connection.session is not None:
            await connection.close(4005, "Already authenticated.")
            return
        if self.config.token is not None and data.get("token") != self.config.token:
            await connection.close(4004, "Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & self.config.forbidden_intents:
            await connection.close(4014, "Disallowed intent(s).")
            return
        shard = data.get("shard")
        shard_id, count = (int(shard[0]), int(shard[1])) if shard else (0, 1)
        if not 0 <= shard_id < count:
            await connection.close(4010, "Invalid shard.")
            return
        self.identify_count += 1
        for old in self.sessions.values():
            if old.shard == (shard_id, count):
                old.live = False
        session = GatewaySession(
            id=session_id(), shard=(shard_id, count), intents=intents, shard_requested=bool(shard)
        )
        self.sessions[session.id] = session
        session.connection = connection
        connection.session = session
        guilds = [g for g in self.state.guilds.values() if session.owns(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.state.bot_user_payload(),
            "user_settings": {},
            "session_type": "normal",
            "session_id": session.id,
            "resume_gateway_url": self.resume_url(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "application": {
                "id": str(self.state.application_id),
                "flags": self.state.application_flags,
            },
            "auth": {},
            "_trace": ['["discord-emulator",{"micros":0}]'],
        }
        if shard:
            ready["shard"] = [shard_id, count]
        self._send(session, "READY", ready)
        for guild in guilds:
            self._send(session, "GUILD_CREATE", self.state.guild_create_payload(guild))

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> None:
        self.resume_count += 1
        session = self.sessions.get(str(data.get("session_id")))
        usable = (
            session is not None
            and session.live
            and self.config.allow_resume
            and (self.config.token is None or data.get("token") == self.config.token)
        )
        if not usable or session is None:
            self.invalid_session_count += 1
            connection.post({"op": INVALID_SESSION, "d": False})
            return
        if session.connection is not None and session.connection is not connection:
            await session.connection.close(4000, "Session resumed elsewhere.")
        session.connection = connection
        connection.session = session
        after = int(data.get("seq") or 0)
        for frame in session.log:
            if frame["s"] > after:
                connection.post(frame)
        self._send(session, "RESUMED", {"_trace": ['["discord-emulator",{"micros":0}]']})

    def _send_member_chunk(self, session: GatewaySession, data: dict[str, Any]) -> None:
        guild = self.state.guilds.get(int(data.get("guild_id") or 0))
        if guild is None:
            return
        members = list(guild.members.values())
        wanted = {int(u) for u in data.get("user_ids") or []}
        if wanted:
            members = [m for m in members if m.id in wanted]
        elif data.get("query"):
            members = [m for m in members if m.user.username.startswith(str(data["query"]))]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        self._send(session, "GUILD_MEMBERS_CHUNK", chunk)

    # -- dispatching ------------------------------------------------------------------------

    def _send(
        self, session: GatewaySession, event: str, data: dict[str, Any]
    ) -> asyncio.Future[bool] | None:
        session.seq += 1
        # Deep copy: the frame is written (and maybe replayed) later, after the world changed.
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": copy.deepcopy(data)}
        session.log.append(frame)
        connection = session.connection
        if connection is None or not connection.open:
            return None
        sent: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        connection.post(frame, sent)
        return sent

    def live_sessions(self, guild_id: int | None = None) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.live and s.owns(guild_id)]

    def dispatch(
        self, event: str, data: dict[str, Any], guild_id: int | None = None
    ) -> list[asyncio.Future[bool]]:
        """Send ``event`` to the session owning ``guild_id`` (shard 0 for none), filtered by its
        intents; while its socket is down the event waits in the log for a RESUME."""
        futures = []
        for session in self.live_sessions(guild_id):
            view = self._view_for(session, event, data)
            if view is None:
                continue
            sent = self._send(session, event, view)
            if sent is not None:
                futures.append(sent)
        return futures

    def _view_for(
        self, session: GatewaySession, event: str, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        needed = required_intent(event, data)
        if needed and not session.intents & needed:
            return None
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not session.intents & MESSAGE_CONTENT:
            bot_id = str(self.state.bot.id)
            exempt = (
                not data.get("guild_id")
                or data.get("author", {}).get("id") == bot_id
                or any(u.get("id") == bot_id for u in data.get("mentions", []))
            )
            if not exempt:
                blank: dict[str, Any] = {"content": "", "embeds": [], "attachments": []}
                blank["components"] = []
                return {**{k: v for k, v in data.items() if k not in CONTENT_KEYS}, **blank}
        return data

    # -- faults tests can inject ---------------------------------------------------------------

    def open_connections(self) -> list[Connection]:
        return [c for c in self.connections if c.open]

    async def drop(self, *, code: int = 4000, abrupt: bool = False) -> int:
        """Close every open socket (close frame ``code``, or the bare TCP transport)."""
        dropped = self.open_connections()
        for connection in dropped:
            if abrupt:
                connection.abort()
            else:
                await connection.close(code, "Dropped by the emulator.")
        return len(dropped)

    def send_op(self, op: int, d: Any = None) -> None:
        for connection in self.open_connections():
            connection.post({"op": op, "d": d})

    def invalidate_sessions(self) -> None:
        """Make every session unresumable: the next RESUME gets INVALID_SESSION (d=false)."""
        for session in self.sessions.values():
            session.live = False

    async def close_all(self) -> None:
        for connection in self.open_connections():
            await connection.close(1001, "Emulator shutting down.")
        for connection in self.connections:
            await connection.finish()
