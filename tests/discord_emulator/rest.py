"""The REST API under ``/api/v10``: one catch-all aiohttp handler, a small route table, and every
request recorded (unknown routes too, answered 404 so tests notice)."""

from __future__ import annotations

import fnmatch
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from . import errors, limits
from .errors import APIError, FormErrors
from .gateway import Gateway
from .interactions import Interactions
from .messages import EPHEMERAL, HAS_THREAD, Upload, apply_edit, build_message
from .models import ChannelType, Permission
from .permissions import channel_permissions
from .recorder import RecordedRequest, Recorder
from .state import EmulatorState

log = logging.getLogger("discord_emulator.rest")

API_PREFIX = "/api/v10"
Publish = Callable[[str, dict[str, Any]], None]


@dataclass
class Call:
    """What a handler gets: the recorded request, path parameters and uploaded files."""

    request: RecordedRequest
    params: dict[str, str]
    uploads: list[Upload]

    @property
    def body(self) -> dict[str, Any]:
        return self.request.json if isinstance(self.request.json, dict) else {}


Result = tuple[int, Any]
Handler = Callable[[Call], Awaitable[Result]]


@dataclass
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    needs_auth: bool


def compile_template(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{regex}$")


@dataclass
class Fault:
    """The next ``times`` requests matching ``method`` and ``path`` (a ``*`` glob relative to
    /api/v10) fail with ``status`` instead of reaching their handler: a 429 as Discord sends it
    (retry_after in the body, the Via header discord.py checks), or any other error."""

    method: str
    path: str
    status: int = 429
    times: int = 1
    retry_after: float = 0.05

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.method == method and fnmatch.fnmatchcase(path, self.path)

    def response(self) -> web.Response:
        self.times -= 1
        if self.status == 429:
            body = {"message": "You are being rate limited.", "retry_after": self.retry_after,
                    "global": False}
            headers = {"Content-Type": "application/json", "Via": "1.1 google",
                       "Retry-After": str(self.retry_after)}
        else:
            body = {"message": f"{self.status}: injected fault", "code": 0}
            headers = {"Content-Type": "application/json"}
        return web.Response(body=json.dumps(body).encode(), status=self.status, headers=headers)


@dataclass
class RestConfig:
    token: str | None = None  # None: any bot token is accepted
    shards: int = 1  # what GET /gateway/bot recommends


class RestAPI:
    def __init__(
        self,
        state: EmulatorState,
        gateway: Gateway,
        interactions: Interactions,
        recorder: Recorder,
        config: RestConfig,
        publish: Publish,
        gateway_url: Callable[[], str],
    ) -> None:
        self.state = state
        self.gateway = gateway
        self.interactions = interactions
        self.recorder = recorder
        self.config = config
        self.publish = publish
        self.gateway_url = gateway_url
        self.routes: list[Route] = []
        self.faults: list[Fault] = []
        self._register()

    # -- plumbing -----------------------------------------------------------------------

    def add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        self.routes.append(Route(method, template, compile_template(template), handler, auth))

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path[len(API_PREFIX) :] or "/"
        body, uploads = await _read_body(request)
        recorded = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=body,
            files=uploads,
        )
        self.recorder.add(recorded)
        try:
            route, params = self._match(request.method, path)
            recorded.route = f"{route.method} {route.template}"
            fault = next((f for f in self.faults if f.matches(request.method, path)), None)
            if fault is not None:  # a known route, failing on purpose
                response = fault.response()
                recorded.status, recorded.response = response.status, {"injected": True}
                self.recorder.completed(recorded)
                return response
            if route.needs_auth:
                self._authorise(request)
            status, payload = await route.handler(Call(recorded, params, uploads))
        except APIError as exc:
            status, payload = exc.status, exc.body()
        except Exception:
            log.exception("emulator handler failed for %s %s", request.method, path)
            status, payload = 500, {"message": "500: Internal Server Error", "code": 0}
        if payload is None:
            recorded.status = status
            self.recorder.completed(recorded)
            return web.Response(status=status)
        body = json.dumps(payload).encode()
        # A snapshot: stored objects change later (edits), the recorded response must not.
        recorded.status, recorded.response = status, json.loads(body)
        self.recorder.completed(recorded)
        # discord.py parses JSON only when Content-Type is exactly "application/json" (no charset).
        return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})

    async def handle_cdn(self, request: web.Request) -> web.Response:
        """The CDN (``/cdn/...``, and ``/media/...`` for ``proxy_url``): attachment downloads,
        found by attachment id, recorded like API requests (``path`` is the full path)."""
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=None,
            route=f"{request.method} {request.path.split('/', 2)[1]} attachment",
        )
        self.recorder.add(recorded)
        parts = request.raw_path.split("?", 1)[0].strip("/").split("/")  # the name stays quoted
        found = None
        if len(parts) == 5 and parts[1] in ("attachments", "ephemeral-attachments"):
            found = self.state.files.get(int(parts[3])) if parts[3].isdigit() else None
        if request.method not in ("GET", "HEAD") or found is None:
            recorded.status = 404
            self.recorder.completed(recorded)
            return web.Response(status=404, text="Not Found")
        data, content_type = found
        recorded.status = 200
        self.recorder.completed(recorded)
        kind = (content_type or "application/octet-stream").split(";")[0]
        return web.Response(body=data, content_type=kind)

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        path_known = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            path_known = True
            if route.method == method:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        raise errors.method_not_allowed() if path_known else errors.route_not_found()

    def _authorise(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bot "):
            raise errors.unauthorized()
        if self.config.token is not None and header[4:] != self.config.token:
            raise errors.unauthorized()

    def _register(self) -> None:
        add = self.add
        add("GET", "/users/@me", self.get_me)
        add("POST", "/users/@me/channels", self.create_dm)
        add("GET", "/users/{user_id}", self.get_user)
        add("GET", "/oauth2/applications/@me", self.get_application)
        add("GET", "/applications/@me", self.get_application)
        add("GET", "/gateway", self.get_gateway, auth=False)
        add("GET", "/gateway/bot", self.get_gateway_bot)
        add("GET", "/channels/{channel_id}", self.get_channel)
        add("GET", "/channels/{channel_id}/messages", self.get_history)
        add("POST", "/channels/{channel_id}/messages", self.create_message)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        add("POST", "/channels/{channel_id}/typing", self.typing)
        add(
            "POST", "/channels/{channel_id}/messages/{message_id}/threads", self.thread_from_message
        )
        add("POST", "/channels/{channel_id}/threads", self.thread_without_message)
        reaction = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"
        add("PUT", reaction, self.react)
        add("DELETE", reaction, self.react)
        add("GET", "/guilds/{guild_id}", self.get_guild)
        add("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        add("GET", "/guilds/{guild_id}/roles", self.get_guild_roles)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        for scope in (
            "/applications/{application_id}",
            "/applications/{application_id}/guilds/{guild_id}",
        ):
            add("GET", scope + "/commands", self.list_commands)
            add("PUT", scope + "/commands", self.overwrite_commands)
            add("POST", scope + "/commands", self.create_command)
            add("GET", scope + "/commands/{command_id}", self.get_command)
            add("PATCH", scope + "/commands/{command_id}", self.edit_command)
            add("DELETE", scope + "/commands/{command_id}", self.delete_command)
        add("POST", "/interactions/{interaction_id}/{token}/callback", self.callback, auth=False)
        hook = "/webhooks/{application_id}/{token}"
        add("POST", hook, self.followup, auth=False)
        add("GET", hook + "/messages/{message_id}", self.get_webhook_message, auth=False)
        add("PATCH", hook + "/messages/{message_id}", self.edit_webhook_message, auth=False)
        add("DELETE", hook + "/messages/{message_id}", self.delete_webhook_message, auth=False)

    # -- users, application, gateway ---------------------------------------------------------

    async def get_me(self, call: Call) -> Result:
        return 200, self.state.bot_user_payload()

    async def get_user(self, call: Call) -> Result:
        user = self.state.users.get(
            int(call.params["user_id"]) if call.params["user_id"].isdigit() else 0
        )
        if user is None:
            raise errors.not_found(errors.UNKNOWN_USER, "User")
        return 200, user.payload()

    async def create_dm(self, call: Call) -> Result:
        user = self.state.users.get(int(call.body.get("recipient_id") or 0))
        if user is None:
            raise errors.not_found(errors.UNKNOWN_USER, "User")
        return 200, self.state.open_dm(user).payload()

    async def get_application(self, call: Call) -> Result:
        return 200, self.state.application_payload()

    async def get_gateway(self, call: Call) -> Result:
        return 200, {"url": self.gateway_url()}

    async def get_gateway_bot(self, call: Call) -> Result:
        return 200, {
            "url": self.gateway_url(),
            "shards": self.config.shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - self.gateway.identify_count,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    # -- channels and messages -------------------------------------------------------------------

    def _bot_permissions(self, channel_id: str) -> tuple[Any, int | None]:
        channel = self.state.channel(channel_id)
        guild = self.state.guild_of(channel)
        if guild is None:
            return channel, None
        return channel, channel_permissions(guild, channel, guild.members[self.state.bot.id])

    def _require(self, permissions: int | None, *needed: Permission) -> None:
        if permissions is None:
            return
        if not permissions & Permission.VIEW_CHANNEL:
            raise errors.missing_access()
        for permission in needed:
            if not permissions & permission:
                raise errors.missing_permissions()

    async def get_channel(self, call: Call) -> Result:
        channel, permissions = self._bot_permissions(call.params["channel_id"])
        self._require(permissions)
        return 200, channel.payload()

    async def get_history(self, call: Call) -> Result:
        channel, permissions = self._bot_permissions(call.params["channel_id"])
        self._require(permissions, Permission.READ_MESSAGE_HISTORY)
        query = call.request.query
        limit = max(1, min(100, int(query.get("limit", 50))))
        found = [
            m
            for m in self.state.messages.values()
            if m["channel_id"] == str(channel.id)
            and not m["flags"] & EPHEMERAL
            and (not query.get("before") or int(m["id"]) < int(query["before"]))
            and (not query.get("after") or int(m["id"]) > int(query["after"]))
        ]
        found.sort(key=lambda m: int(m["id"]), reverse=True)
        return 200, found[:limit]

    async def create_message(self, call: Call) -> Result:
        channel, permissions = self._bot_permissions(call.params["channel_id"])
        if channel.type not in ChannelType.MESSAGEABLE:
            raise APIError(400, 50008, "Cannot send messages in a non-text channel")
        send = (
            Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES
        )
        needed = [send, Permission.ATTACH_FILES] if call.uploads else [send]
        self._require(permissions, *needed)
        body = dict(call.body)
        limits.validate_new_message(body, files=len(call.uploads))
        reference = body.get("message_reference")
        if reference and reference.get("message_id"):
            target = self.state.messages.get(int(reference["message_id"]))
            if target is None or target["flags"] & EPHEMERAL:
                if reference.get("fail_if_not_exists", True):
                    found = FormErrors()
                    found.add(
                        ("message_reference",),
                        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                        "Unknown message",
                    )
                    found.raise_if_any()
                body.pop("message_reference")
        message = build_message(
            self.state,
            channel,
            self.state.bot,
            body,
            uploads=call.uploads,
            flags=int(body.get("flags") or 0) & ~EPHEMERAL,
        )
        self._store(channel, message)
        return 200, message

    def _store(self, channel: Any, message: dict[str, Any]) -> None:
        self.state.messages[int(message["id"])] = message
        channel.last_message_id = int(message["id"])
        if channel.is_thread:
            channel.message_count += 1
        self.publish("MESSAGE_CREATE", message)

    async def get_message(self, call: Call) -> Result:
        _, permissions = self._bot_permissions(call.params["channel_id"])
        self._require(permissions, Permission.READ_MESSAGE_HISTORY)
        message = self.state.message(call.params["channel_id"], call.params["message_id"])
        if message["flags"] & EPHEMERAL:
            raise errors.not_found(errors.UNKNOWN_MESSAGE, "Message")
        return 200, message

    async def edit_message(self, call: Call) -> Result:
        message = self.state.message(call.params["channel_id"], call.params["message_id"])
        if message["author"]["id"] != str(self.state.bot.id) or message.get("webhook_id"):
            raise errors.cannot_edit_others()
        limits.message_errors(call.body, files=len(call.uploads)).raise_if_any()
        candidate = {**message, **{k: v for k, v in call.body.items() if k in limits.BODY_KEYS}}
        if not call.uploads and limits.is_empty(candidate):
            raise errors.empty_message()
        apply_edit(self.state, message, call.body, call.uploads)
        self.publish("MESSAGE_UPDATE", message)
        return 200, message

    async def delete_message(self, call: Call) -> Result:
        _, permissions = self._bot_permissions(call.params["channel_id"])
        message = self.state.message(call.params["channel_id"], call.params["message_id"])
        if message["author"]["id"] != str(self.state.bot.id):
            self._require(permissions, Permission.MANAGE_MESSAGES)
        del self.state.messages[int(message["id"])]
        self.publish("MESSAGE_DELETE", message)
        return 204, None

    async def typing(self, call: Call) -> Result:
        _, permissions = self._bot_permissions(call.params["channel_id"])
        self._require(permissions, Permission.SEND_MESSAGES)
        return 204, None

    async def react(self, call: Call) -> Result:
        _, permissions = self._bot_permissions(call.params["channel_id"])
        self.state.message(call.params["channel_id"], call.params["message_id"])
        if call.request.method == "PUT":
            self._require(permissions, Permission.READ_MESSAGE_HISTORY, Permission.ADD_REACTIONS)
        return 204, None

    async def thread_from_message(self, call: Call) -> Result:
        channel, permissions = self._bot_permissions(call.params["channel_id"])
        self._require(permissions, Permission.CREATE_PUBLIC_THREADS)
        if channel.type not in (ChannelType.TEXT, ChannelType.NEWS):
            raise APIError(400, 50024, "Cannot execute action on this channel type")
        message = self.state.message(channel.id, call.params["message_id"])
        if message["flags"] & EPHEMERAL:
            raise errors.not_found(errors.UNKNOWN_MESSAGE, "Message")
        if message.get("thread"):
            raise APIError(400, 160004, "A thread has already been created for this message")
        limits.validate_thread_name(call.body.get("name"))
        kind = (
            ChannelType.NEWS_THREAD
            if channel.type == ChannelType.NEWS
            else ChannelType.PUBLIC_THREAD
        )
        thread = self.state.add_thread(
            channel,
            str(call.body["name"]),
            owner_id=self.state.bot.id,
            thread_id=int(message["id"]),
            type=kind,
            auto_archive_duration=int(call.body.get("auto_archive_duration") or 1440),
        )
        message["thread"] = thread.payload()
        message["flags"] |= HAS_THREAD
        return 201, thread.payload()

    async def thread_without_message(self, call: Call) -> Result:
        channel, permissions = self._bot_permissions(call.params["channel_id"])
        kind = int(call.body.get("type") or ChannelType.PRIVATE_THREAD)
        needed = (
            Permission.CREATE_PRIVATE_THREADS if kind == 12 else Permission.CREATE_PUBLIC_THREADS
        )
        self._require(permissions, needed)
        if channel.type not in (ChannelType.TEXT, ChannelType.NEWS):
            raise APIError(400, 50024, "Cannot execute action on this channel type")
        limits.validate_thread_name(call.body.get("name"))
        thread = self.state.add_thread(
            channel,
            str(call.body["name"]),
            owner_id=self.state.bot.id,
            type=kind,
            auto_archive_duration=int(call.body.get("auto_archive_duration") or 1440),
        )
        return 201, thread.payload()

    # -- guilds --------------------------------------------------------------------------

    async def get_guild(self, call: Call) -> Result:
        guild = self.state.guild(call.params["guild_id"])
        return 200, {**guild.payload(), "approximate_member_count": len(guild.members)}

    async def get_guild_channels(self, call: Call) -> Result:
        guild = self.state.guild(call.params["guild_id"])
        return 200, [c.payload() for c in guild.channels.values()]

    async def get_guild_roles(self, call: Call) -> Result:
        guild = self.state.guild(call.params["guild_id"])
        return 200, [r.payload() for r in guild.roles.values()]

    async def get_member(self, call: Call) -> Result:
        guild = self.state.guild(call.params["guild_id"])
        user_id = call.params["user_id"]
        member = guild.members.get(int(user_id)) if user_id.isdigit() else None
        if member is None:
            raise errors.not_found(errors.UNKNOWN_MEMBER, "Member")
        return 200, member.payload()

    # -- application commands ---------------------------------------------------------------

    def _scope(self, call: Call) -> int | None:
        if call.params["application_id"] != str(self.state.application_id):
            raise APIError(403, 50001, "Missing Access")
        guild_id = call.params.get("guild_id")
        if guild_id is None:
            return None
        return self.state.guild(guild_id).id

    def _command(self, scope: int | None, data: dict[str, Any], existing: dict | None) -> dict:
        command_id = existing["id"] if existing else str(self.state.ids.next())
        command: dict[str, Any] = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            "name_localizations": None,
            "description_localizations": None,
            "contexts": None,
            "integration_types": [0],
            **data,
            "id": command_id,
            "application_id": str(self.state.application_id),
            "version": str(self.state.ids.next()),
        }
        if scope is not None:
            command["guild_id"] = str(scope)
        return command

    async def list_commands(self, call: Call) -> Result:
        return 200, list(self.state.commands.get(self._scope(call), {}).values())

    async def overwrite_commands(self, call: Call) -> Result:
        scope = self._scope(call)
        commands = call.request.json
        limits.command_errors(commands).raise_if_any()
        old = {
            (c["name"], c.get("type", 1)): c for c in self.state.commands.get(scope, {}).values()
        }
        fresh = [self._command(scope, c, old.get((c["name"], c.get("type", 1)))) for c in commands]
        self.state.commands[scope] = {int(c["id"]): c for c in fresh}
        return 200, fresh

    async def create_command(self, call: Call) -> Result:
        scope = self._scope(call)
        limits.command_errors([call.body]).raise_if_any()
        current = self.state.commands.setdefault(scope, {})
        key = (call.body.get("name"), call.body.get("type", 1))
        existing = next((c for c in current.values() if (c["name"], c.get("type", 1)) == key), None)
        command = self._command(scope, call.body, existing)
        current[int(command["id"])] = command
        return (200 if existing else 201), command

    def _find_command(self, call: Call) -> tuple[int | None, dict[str, Any]]:
        scope = self._scope(call)
        raw = call.params["command_id"]
        command = self.state.commands.get(scope, {}).get(int(raw) if raw.isdigit() else 0)
        if command is None:
            raise errors.not_found(errors.UNKNOWN_APPLICATION_COMMAND, "application command")
        return scope, command

    async def get_command(self, call: Call) -> Result:
        return 200, self._find_command(call)[1]

    async def edit_command(self, call: Call) -> Result:
        scope, command = self._find_command(call)
        merged = {**command, **call.body}
        limits.command_errors([merged]).raise_if_any()
        updated = self._command(scope, merged, command)
        self.state.commands[scope][int(updated["id"])] = updated
        return 200, updated

    async def delete_command(self, call: Call) -> Result:
        scope, command = self._find_command(call)
        del self.state.commands[scope][int(command["id"])]
        return 204, None

    # -- interactions ---------------------------------------------------------------------

    async def callback(self, call: Call) -> Result:
        response = self.interactions.callback(
            call.params["interaction_id"], call.params["token"], call.request, call.uploads
        )
        return (204, None) if response is None else (200, response)

    async def followup(self, call: Call) -> Result:
        record = self.interactions.by_token(call.params["application_id"], call.params["token"])
        message = self.interactions.followup(record, call.body, call.uploads)
        wait = call.request.query.get("wait", "").lower() in ("1", "true")
        return (200, message) if wait else (204, None)

    async def get_webhook_message(self, call: Call) -> Result:
        record = self.interactions.by_token(call.params["application_id"], call.params["token"])
        return 200, self.interactions.webhook_message(record, call.params["message_id"])

    async def edit_webhook_message(self, call: Call) -> Result:
        record = self.interactions.by_token(call.params["application_id"], call.params["token"])
        message_id = call.params["message_id"]
        return 200, self.interactions.edit(record, message_id, call.body, call.uploads)

    async def delete_webhook_message(self, call: Call) -> Result:
        record = self.interactions.by_token(call.params["application_id"], call.params["token"])
        self.interactions.delete(record, call.params["message_id"])
        return 204, None


async def _read_body(request: web.Request) -> tuple[Any, list[Upload]]:
    """JSON body, or multipart with ``payload_json`` and ``files[n]`` parts (how discord.py
    uploads files), or ``None``."""
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        uploads: list[Upload] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            name = part.name or ""
            data = await part.read()
            if name == "payload_json":
                payload = json.loads(data.decode())
            else:
                uploads.append(
                    Upload(
                        field=name,
                        filename=part.filename or name,
                        content_type=part.headers.get("Content-Type", "application/octet-stream"),
                        data=bytes(data),
                    )
                )
        return payload, uploads
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        return raw.decode(errors="replace"), []
