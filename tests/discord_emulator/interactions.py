"""Interactions: the INTERACTION_CREATE payloads tests dispatch, and the callback/webhook side that
enforces Discord's rules (one initial response, within the deadline, followups only after it)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import errors, limits
from .errors import FormErrors
from .ids import token as new_token
from .messages import (
    CHAT_INPUT_COMMAND,
    DEFAULT,
    EPHEMERAL,
    LOADING,
    SETTABLE_FLAGS,
    Upload,
    UploadedFile,
    apply_edit,
    build_message,
    command_attachment,
)
from .models import Channel, ChannelType, Guild, Member, Role, User
from .permissions import channel_permissions
from .recorder import RecordedRequest
from .state import EmulatorState
from .waiting import Pulse

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 1, 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9

ALLOWED_RESPONSES: dict[int, set[int]] = {
    PING: {PONG},
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL, 10, 12},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE,
        UPDATE_MESSAGE,
        MODAL,
        10,
        12,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}

Publish = Callable[[str, dict[str, Any]], None]
OptionValue = str | int | float | bool | User | Member | Role | Channel | UploadedFile


@dataclass
class InteractionConfig:
    deadline: float = 3.0  # seconds from dispatch to the initial response
    token_lifetime: float = 15 * 60.0  # followups and edits work this long


@dataclass
class InteractionRecord:
    """One dispatched interaction and everything the client did with it.

    ``callbacks`` holds every callback attempt, rejected ones included; times are
    ``time.monotonic()`` values.
    """

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    channel_id: int
    guild_id: int | None
    created_at: float = field(default_factory=time.monotonic)
    dispatched_at: float | None = None
    acknowledged_at: float | None = None
    response_type: int | None = None
    callbacks: list[RecordedRequest] = field(default_factory=list)
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    component_message_id: int | None = None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def ack_latency(self) -> float | None:
        """Seconds from dispatch to the accepted initial response."""
        if self.acknowledged_at is None or self.dispatched_at is None:
            return None
        return self.acknowledged_at - self.dispatched_at

    @property
    def response(self) -> dict[str, Any] | None:
        """The JSON body of the accepted initial response."""
        accepted = [c for c in self.callbacks if c.ok]
        return accepted[0].json if accepted else None


def _resolved_channel(guild: Guild | None, channel: Channel, member: Member | None) -> dict:
    data = {k: v for k, v in channel.payload().items() if k != "permission_overwrites"}
    if guild is not None and member is not None:
        data["permissions"] = str(channel_permissions(guild, channel, member))
    return data


class OptionBuilder:
    """Turns ``{"question": "tariffs", "user": member}`` into typed options plus ``resolved``;
    an ``UploadedFile`` becomes an attachment option (``resolved.attachments``, served by the
    emulator's CDN so ``Attachment.read()`` works)."""

    def __init__(
        self, guild: Guild | None, state: EmulatorState | None = None, channel_id: int = 0
    ) -> None:
        self.guild = guild
        self.state = state
        self.channel_id = channel_id
        self.resolved: dict[str, dict[str, Any]] = {}

    def build(
        self,
        values: Mapping[str, OptionValue] | Sequence[dict[str, Any]],
        definitions: Sequence[dict[str, Any]] | None,
    ) -> list[dict[str, Any]]:
        if not isinstance(values, Mapping):
            return [dict(v) for v in values]
        by_name = {d["name"]: d for d in definitions or []}
        return [self._option(n, v, by_name.get(n)) for n, v in values.items()]

    def _option(self, name: str, value: OptionValue, definition: dict | None) -> dict[str, Any]:
        kind = int(definition["type"]) if definition else self._infer(value)
        option: dict[str, Any] = {"name": name, "type": kind}
        if isinstance(value, Member):
            self._resolve_user(value.user, value)
            option["value"] = str(value.id)
        elif isinstance(value, User):
            member = self.guild.members.get(value.id) if self.guild else None
            self._resolve_user(value, member)
            option["value"] = str(value.id)
        elif isinstance(value, Role):
            self.resolved.setdefault("roles", {})[str(value.id)] = value.payload()
            option["value"] = str(value.id)
        elif isinstance(value, Channel):
            self.resolved.setdefault("channels", {})[str(value.id)] = _resolved_channel(
                self.guild, value, None
            )
            option["value"] = str(value.id)
        elif isinstance(value, UploadedFile):
            if self.state is None:
                raise ValueError("an attachment option needs the emulator's state")
            data = command_attachment(self.state, self.channel_id, value)
            self.resolved.setdefault("attachments", {})[data["id"]] = data
            option["value"] = data["id"]
        elif kind == 10 and isinstance(value, int):
            option["value"] = float(value)
        else:
            option["value"] = value
        return option

    def _resolve_user(self, user: User, member: Member | None) -> None:
        self.resolved.setdefault("users", {})[str(user.id)] = user.payload()
        if member is not None:
            self.resolved.setdefault("members", {})[str(user.id)] = member.payload(with_user=False)

    @staticmethod
    def _infer(value: OptionValue) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        if isinstance(value, User | Member):
            return 6
        if isinstance(value, Channel):
            return 7
        if isinstance(value, Role):
            return 8
        if isinstance(value, UploadedFile):
            return 11
        return 3


class Interactions:
    """Registry of dispatched interactions and the callback/webhook rules."""

    def __init__(self, state: EmulatorState, config: InteractionConfig, publish: Publish) -> None:
        self.state = state
        self.config = config
        self.publish = publish
        self.records: dict[int, InteractionRecord] = {}
        self.pulse = Pulse()

    # -- building INTERACTION_CREATE payloads ------------------------------------------------------

    def _base(
        self, kind: int, channel: Channel, who: Member | User, data: dict[str, Any] | None
    ) -> InteractionRecord:
        state = self.state
        guild = state.guild_of(channel)
        interaction_id = state.ids.next()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(state.application_id),
            "type": kind,
            "token": new_token(),
            "version": 1,
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if data is not None:
            payload["data"] = data
        if guild is not None:
            member = who if isinstance(who, Member) else guild.members[who.id]
            bot_member = guild.members[state.bot.id]
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member={
                    **member.payload(),
                    "permissions": str(channel_permissions(guild, channel, member)),
                },
                app_permissions=str(channel_permissions(guild, channel, bot_member)),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            user = who.user if isinstance(who, Member) else who
            payload.update(
                user=user.payload(),
                app_permissions="0",
                authorizing_integration_owners={"0": str(user.id)},
                context=1 if channel.type == ChannelType.DM else 2,
            )
        record = InteractionRecord(
            id=interaction_id,
            token=payload["token"],
            type=kind,
            payload=payload,
            channel_id=channel.id,
            guild_id=guild.id if guild else None,
        )
        self.records[record.id] = record
        return record

    def command(
        self,
        name: str,
        options: Mapping[str, OptionValue] | Sequence[dict[str, Any]],
        *,
        channel: Channel,
        who: Member | User,
        command_type: int = 1,
        target: User | Member | dict[str, Any] | None = None,
        focused: str | None = None,
    ) -> InteractionRecord:
        """A slash command (``"group sub"`` names nest), a context-menu command when ``target``
        is given, or an autocomplete request when ``focused`` names the option being typed."""
        guild = self.state.guild_of(channel)
        root, *path = name.split()
        if target is not None and command_type == 1:
            command_type = 3 if isinstance(target, dict) else 2
        registered = self.state.find_command(root, guild.id if guild else None, command_type)
        builder = OptionBuilder(guild, self.state, channel.id)
        definitions = (registered or {}).get("options")
        chain: list[dict[str, Any]] = []
        for part in path:
            definition = next((d for d in definitions or [] if d["name"] == part), None)
            kind = int(definition["type"]) if definition else (2 if part != path[-1] else 1)
            chain.append({"name": part, "type": kind})
            definitions = (definition or {}).get("options")
        leaf = builder.build(options, definitions)
        if focused is not None:
            for option in leaf:
                if option["name"] == focused:
                    option["focused"] = True
        for link in reversed(chain):
            link["options"] = leaf
            leaf = [link]
        data: dict[str, Any] = {
            "id": str(registered["id"]) if registered else str(self.state.ids.next()),
            "name": root,
            "type": command_type,
        }
        if command_type == 1:
            data["options"] = leaf
        if registered and registered.get("guild_id"):
            data["guild_id"] = registered["guild_id"]
        if isinstance(target, dict):
            data["target_id"] = target["id"]
            builder.resolved.setdefault("messages", {})[target["id"]] = target
        elif target is not None:
            user = target.user if isinstance(target, Member) else target
            data["target_id"] = str(user.id)
            builder._resolve_user(user, target if isinstance(target, Member) else None)
        if builder.resolved:
            data["resolved"] = builder.resolved
        kind = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
        return self._base(kind, channel, who, data)

    def component(
        self,
        message: dict[str, Any],
        custom_id: str,
        *,
        who: Member | User,
        component_type: int = 2,
        values: Sequence[str] | None = None,
    ) -> InteractionRecord:
        channel = self.state.channel(message["channel_id"])
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        record = self._base(MESSAGE_COMPONENT, channel, who, data)
        record.payload["message"] = message
        record.component_message_id = int(message["id"])
        return record

    def modal_submit(
        self,
        custom_id: str,
        fields: Mapping[str, str],
        *,
        channel: Channel,
        who: Member | User,
        message: dict[str, Any] | None = None,
    ) -> InteractionRecord:
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
            for key, value in fields.items()
        ]
        record = self._base(
            MODAL_SUBMIT, channel, who, {"custom_id": custom_id, "components": rows}
        )
        if message is not None:
            record.payload["message"] = message
            record.component_message_id = int(message["id"])
        return record

    # -- the callback endpoint ---------------------------------------------------------------

    def callback(
        self,
        interaction_id: str,
        token: str,
        request: RecordedRequest,
        uploads: list[Upload],
    ) -> dict[str, Any] | None:
        """Accept the initial response or raise Discord's error; ``None`` means 204."""
        record = self.records.get(int(interaction_id)) if interaction_id.isdigit() else None
        if record is None or record.token != token:
            raise errors.unknown_interaction()
        record.callbacks.append(request)
        now = time.monotonic()
        if record.acknowledged:
            raise errors.already_acknowledged()
        if now - (record.dispatched_at or record.created_at) > self.config.deadline:
            raise errors.unknown_interaction()
        body = request.json if isinstance(request.json, dict) else {}
        kind = body.get("type")
        if kind not in ALLOWED_RESPONSES.get(record.type, set()):
            found = FormErrors()
            found.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid response type")
            found.raise_if_any()
        data = body.get("data") or {}
        message = self._respond(record, int(kind), data, uploads)
        record.acknowledged_at = now
        record.response_type = int(kind)
        self.pulse.notify()
        if request.query.get("with_response", "").lower() not in ("1", "true"):
            return None
        return self._callback_response(record, int(kind), message)

    def _respond(
        self, record: InteractionRecord, kind: int, data: dict[str, Any], uploads: list[Upload]
    ) -> dict[str, Any] | None:
        if kind == CHANNEL_MESSAGE:
            limits.validate_new_message(data, files=len(uploads), prefix="data")
            return self._original(record, data, uploads, int(data.get("flags") or 0))
        if kind == DEFERRED_CHANNEL_MESSAGE:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            return self._original(record, {"content": ""}, [], flags)
        if kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            if record.component_message_id is None:
                found = FormErrors()
                found.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "No message to update")
                found.raise_if_any()
            record.original_message_id = record.component_message_id
            message = self.state.messages[int(record.component_message_id or 0)]
            if kind == UPDATE_MESSAGE:
                limits.message_errors(data, files=len(uploads)).nest("data").raise_if_any()
                apply_edit(self.state, message, data, uploads)
                self._publish_update(message)
            return message
        if kind == AUTOCOMPLETE_RESULT and len(data.get("choices") or []) > 25:
            FormErrors(
                {
                    "data": {
                        "choices": {
                            "_errors": [
                                {
                                    "code": "BASE_TYPE_MAX_LENGTH",
                                    "message": "Must be 25 or fewer in length.",
                                }
                            ]
                        }
                    }
                }
            ).raise_if_any()
        if kind == MODAL:
            found = FormErrors()
            if len(data.get("title") or "") > 45:
                found.too_long(("data", "title"), 45)
            if not data.get("custom_id"):
                found.required(("data", "custom_id"))
            if not 1 <= len(data.get("components") or []) <= 5:
                found.add(("data", "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5")
            found.raise_if_any()
        return None

    def _original(
        self, record: InteractionRecord, data: dict[str, Any], uploads: list[Upload], flags: int
    ) -> dict[str, Any]:
        channel = self.state.channel(record.channel_id)
        is_command = record.type == APPLICATION_COMMAND
        message = build_message(
            self.state,
            channel,
            self.state.bot,
            data,
            uploads=uploads,
            type=CHAT_INPUT_COMMAND if is_command else DEFAULT,
            flags=flags & (SETTABLE_FLAGS | LOADING),
            extra=self._message_extra(record),
        )
        self.state.messages[int(message["id"])] = message
        record.original_message_id = int(message["id"])
        if not message["flags"] & EPHEMERAL:
            self.publish("MESSAGE_CREATE", message)
        return message

    def _message_extra(self, record: InteractionRecord) -> dict[str, Any]:
        payload = record.payload
        user = (payload.get("member") or {}).get("user") or payload.get("user")
        metadata: dict[str, Any] = {
            "id": str(record.id),
            "type": record.type,
            "user": user,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        if record.type == APPLICATION_COMMAND:
            metadata["name"] = payload["data"]["name"]
            metadata["command_type"] = payload["data"].get("type", 1)
        if record.component_message_id is not None:
            metadata["interacted_message_id"] = str(record.component_message_id)
        app_id = str(self.state.application_id)
        return {"webhook_id": app_id, "application_id": app_id, "interaction_metadata": metadata}

    def _callback_response(
        self, record: InteractionRecord, kind: int, message: dict[str, Any] | None
    ) -> dict[str, Any]:
        interaction: dict[str, Any] = {"id": str(record.id), "type": record.type}
        resource: dict[str, Any] = {"type": kind}
        if message is not None:
            interaction.update(
                response_message_id=message["id"],
                response_message_loading=bool(message["flags"] & LOADING),
                response_message_ephemeral=bool(message["flags"] & EPHEMERAL),
            )
            if kind != DEFERRED_UPDATE:
                resource["message"] = message
        return {"interaction": interaction, "resource": resource}

    # -- the interaction webhook: followups and @original -------------------------------------------

    def by_token(self, application_id: str, token: str) -> InteractionRecord:
        record = next((r for r in self.records.values() if r.token == token), None)
        if record is None or application_id != str(self.state.application_id):
            raise errors.not_found(errors.UNKNOWN_WEBHOOK, "Webhook")
        if time.monotonic() - record.created_at > self.config.token_lifetime:
            raise errors.APIError(401, 50027, "Invalid Webhook Token")
        return record

    def followup(
        self, record: InteractionRecord, body: dict[str, Any], uploads: list[Upload]
    ) -> dict[str, Any]:
        """A followup; after a "thinking" defer the first one completes the loading message."""
        if not record.acknowledged:
            raise errors.not_found(errors.UNKNOWN_WEBHOOK, "Webhook")
        limits.validate_new_message(body, files=len(uploads))
        original = self.state.messages.get(record.original_message_id or 0)
        if original is not None and original["flags"] & LOADING:
            apply_edit(self.state, original, body, uploads)
            original["flags"] &= ~LOADING
            self._publish_update(original)
            return original
        channel = self.state.channel(record.channel_id)
        flags = int(body.get("flags") or 0) & SETTABLE_FLAGS
        message = build_message(
            self.state,
            channel,
            self.state.bot,
            body,
            uploads=uploads,
            flags=flags,
            extra=self._message_extra(record),
        )
        self.state.messages[int(message["id"])] = message
        record.followup_ids.append(int(message["id"]))
        if not message["flags"] & EPHEMERAL:
            self.publish("MESSAGE_CREATE", message)
        return message

    def webhook_message(self, record: InteractionRecord, message_id: str) -> dict[str, Any]:
        if message_id == "@original":
            wanted = record.original_message_id
        elif message_id.isdigit() and int(message_id) in record.followup_ids:
            wanted = int(message_id)
        else:
            wanted = None
        message = self.state.messages.get(wanted or 0)
        if message is None:
            raise errors.not_found(errors.UNKNOWN_MESSAGE, "Message")
        return message

    def edit(
        self,
        record: InteractionRecord,
        message_id: str,
        body: dict[str, Any],
        uploads: list[Upload],
    ) -> dict[str, Any]:
        message = self.webhook_message(record, message_id)
        limits.message_errors(body, files=len(uploads)).raise_if_any()
        candidate = {**message, **{k: v for k, v in body.items() if k in limits.BODY_KEYS}}
        if not uploads and limits.is_empty(candidate):
            raise errors.empty_message()
        apply_edit(self.state, message, body, uploads)
        message["flags"] &= ~LOADING
        self._publish_update(message)
        return message

    def delete(self, record: InteractionRecord, message_id: str) -> None:
        message = self.webhook_message(record, message_id)
        self.state.messages.pop(int(message["id"]), None)
        if not message["flags"] & EPHEMERAL:
            self.publish("MESSAGE_DELETE", message)

    def _publish_update(self, message: dict[str, Any]) -> None:
        if not message["flags"] & EPHEMERAL:
            self.publish("MESSAGE_UPDATE", message)

    async def wait_acknowledged(self, record: InteractionRecord, timeout: float) -> float:
        """Wait for the initial response; returns the ack latency in seconds."""
        await self.pulse.wait_until(
            lambda: record.acknowledged, timeout, lambda: f"ack of interaction {record.id}"
        )
        return record.ack_latency or 0.0
