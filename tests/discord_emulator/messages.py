"""Message objects as Discord returns them: mentions resolved through ``allowed_mentions``,
replies typed 19 with ``referenced_message``, uploads turned into attachment objects."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .ids import iso
from .models import Channel, Guild, Permission, User
from .permissions import channel_permissions
from .state import EmulatorState

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE_MENTION = re.compile(r"@(everyone|here)\b")

DEFAULT = 0
REPLY = 19
CHAT_INPUT_COMMAND = 20

EPHEMERAL = 1 << 6
LOADING = 1 << 7
HAS_THREAD = 1 << 5
SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
COMPONENTS_V2 = 1 << 15
SETTABLE_FLAGS = EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | COMPONENTS_V2


@dataclass
class Upload:
    """One uploaded file of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


def _member_view(guild: Guild | None, user: User) -> dict[str, Any] | None:
    member = guild.members.get(user.id) if guild else None
    return member.payload(with_user=False) if member else None


def user_with_member(state: EmulatorState, guild: Guild | None, user: User) -> dict[str, Any]:
    data = user.payload()
    member = _member_view(guild, user)
    if member is not None:
        data["member"] = member
    return data


def resolve_mentions(
    state: EmulatorState,
    *,
    content: str,
    allowed: dict[str, Any] | None,
    guild: Guild | None,
    author: User,
    channel: Channel,
    replied_author: int | None,
) -> tuple[list[User], list[int], bool]:
    """Who is really pinged: what the content names, filtered by ``allowed_mentions``.

    Without ``allowed_mentions`` everything parses and a reply pings its author; with it,
    only what ``parse``/``users``/``roles``/``replied_user`` allow.
    """
    parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
    allowed_users = {int(u) for u in (allowed or {}).get("users") or []}
    allowed_roles = {int(r) for r in (allowed or {}).get("roles") or []}
    users: list[User] = []
    for match in USER_MENTION.finditer(content):
        user = state.users.get(int(match.group(1)))
        if user and ("users" in parse or user.id in allowed_users) and user not in users:
            users.append(user)
    ping_reply = allowed is None or bool(allowed.get("replied_user"))
    if replied_author is not None and ping_reply:
        replied = state.users.get(replied_author)
        if replied is not None and replied not in users:
            users.append(replied)
    roles: list[int] = []
    if guild is not None:
        for match in ROLE_MENTION.finditer(content):
            role_id = int(match.group(1))
            wanted = "roles" in parse or role_id in allowed_roles
            if role_id in guild.roles and wanted and role_id not in roles:
                roles.append(role_id)
    everyone = False
    if "everyone" in parse and EVERYONE_MENTION.search(content):
        member = guild.members.get(author.id) if guild else None
        everyone = guild is None or (
            member is not None
            and bool(channel_permissions(guild, channel, member) & Permission.MENTION_EVERYONE)
        )
    return users, roles, everyone


def normalise_embeds(embeds: Any) -> list[dict[str, Any]]:
    result = []
    for embed in embeds or []:
        embed = {"type": "rich", **embed}
        if "fields" in embed:
            embed["fields"] = [{"inline": False, **f} for f in embed["fields"]]
        result.append(embed)
    return result


@dataclass
class UploadedFile:
    """A file a user attaches to a slash command's attachment option (type 11), e.g.
    ``emu.dispatch_interaction("kb add", {"article": UploadedFile("a.md", b"...")}, ...)``.
    ``content_type`` defaults to a guess from the name, as Discord's client does."""

    filename: str
    data: bytes
    content_type: str | None = None


def attachment(
    state: EmulatorState,
    channel_id: int,
    upload: Upload,
    meta: dict[str, Any] | None,
    *,
    ephemeral: bool = False,
) -> dict[str, Any]:
    """An attachment object; its bytes are kept so ``url``/``proxy_url`` serve them (the emulator
    is its own CDN). Slash-command uploads are ``ephemeral`` attachments, as on Discord."""
    attachment_id = state.ids.next()
    filename = (meta or {}).get("filename") or upload.filename
    folder = (
        f"ephemeral-attachments/{state.application_id}" if ephemeral else f"attachments/{channel_id}"
    )
    # The name is not trusted in the URL: "../x" must not walk up the CDN's path.
    tail = f"{folder}/{attachment_id}/{quote(filename, safe='')}"
    state.files[attachment_id] = (upload.data, upload.content_type)
    data: dict[str, Any] = {
        "id": str(attachment_id),
        "filename": filename,
        "size": len(upload.data),
        "url": f"{state.cdn_base}/{tail}",
        "proxy_url": f"{state.media_base}/{tail}",
    }
    if upload.content_type:
        data["content_type"] = upload.content_type
    if ephemeral:
        data["ephemeral"] = True
    if (meta or {}).get("description"):
        data["description"] = meta["description"]  # type: ignore[index]
    return data


def command_attachment(state: EmulatorState, channel_id: int, file: UploadedFile) -> dict[str, Any]:
    """``resolved.attachments[id]`` of a slash command's attachment option."""
    content_type = file.content_type
    if content_type is None:
        guessed = mimetypes.guess_type(file.filename.replace("\\", "/").rsplit("/", 1)[-1])[0]
        if guessed and guessed.startswith("text/"):
            guessed += "; charset=utf-8"
        content_type = guessed
    upload = Upload("", file.filename, content_type or "", file.data)
    return attachment(state, channel_id, upload, None, ephemeral=True)


def attachments_for(
    state: EmulatorState,
    channel_id: int,
    body: dict[str, Any],
    uploads: list[Upload],
    existing: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """New uploads (matched to ``attachments[].id`` = file index) plus kept existing ones."""
    metas = {str(m.get("id")): m for m in body.get("attachments") or []}
    kept_ids = set(metas)
    result = [a for a in existing or [] if a["id"] in kept_ids]
    for index, upload in enumerate(uploads):
        number = re.search(r"\d+", upload.field)
        key = number.group(0) if number else str(index)
        result.append(attachment(state, channel_id, upload, metas.get(key)))
    return result


def build_message(
    state: EmulatorState,
    channel: Channel,
    author: User,
    body: dict[str, Any],
    *,
    uploads: list[Upload] | None = None,
    type: int | None = None,
    flags: int | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new message object; ``body`` is what the client sent (or what a test dispatches)."""
    guild = state.guild_of(channel)
    reference = body.get("message_reference")
    referenced = None
    if reference and reference.get("message_id"):
        referenced = state.messages.get(int(reference["message_id"]))
    content = str(body.get("content") or "")
    users, roles, everyone = resolve_mentions(
        state,
        content=content,
        allowed=body.get("allowed_mentions"),
        guild=guild,
        author=author,
        channel=channel,
        replied_author=int(referenced["author"]["id"]) if referenced else None,
    )
    message: dict[str, Any] = {
        "id": str(state.ids.next()),
        "type": type if type is not None else (REPLY if referenced else DEFAULT),
        "content": content,
        "channel_id": str(channel.id),
        "author": author.payload(),
        "attachments": attachments_for(state, channel.id, body, uploads or []),
        "embeds": normalise_embeds(body.get("embeds")),
        "mentions": [user_with_member(state, guild, u) for u in users],
        "mention_roles": [str(r) for r in roles],
        "mention_channels": [],
        "mention_everyone": everyone,
        "pinned": False,
        "tts": bool(body.get("tts", False)),
        "timestamp": iso(),
        "edited_timestamp": None,
        "flags": int(flags if flags is not None else body.get("flags") or 0) & ~HAS_THREAD,
        "components": body.get("components") or [],
    }
    if body.get("nonce") is not None:
        message["nonce"] = body["nonce"]
    if body.get("sticker_ids"):
        message["sticker_items"] = []
    if reference:
        message["message_reference"] = {
            "type": int(reference.get("type", 0)),
            "channel_id": str(reference.get("channel_id", channel.id)),
            "message_id": str(reference.get("message_id")),
            **({"guild_id": str(guild.id)} if guild else {}),
        }
        message["referenced_message"] = referenced
    if channel.is_thread:
        message["position"] = channel.message_count
    message.update(extra or {})
    return message


def apply_edit(
    state: EmulatorState,
    message: dict[str, Any],
    body: dict[str, Any],
    uploads: list[Upload] | None = None,
) -> dict[str, Any]:
    """Apply a PATCH body in place: only the keys sent change, mentions are re-resolved."""
    channel = state.channel(message["channel_id"])
    guild = state.guild_of(channel)
    if "content" in body:
        message["content"] = str(body["content"] or "")
    if "embeds" in body:
        message["embeds"] = normalise_embeds(body["embeds"])
    if "components" in body:
        message["components"] = body["components"] or []
    if "flags" in body and body["flags"] is not None:
        kept = message["flags"] & ~(SUPPRESS_EMBEDS | COMPONENTS_V2)
        message["flags"] = kept | (int(body["flags"]) & (SUPPRESS_EMBEDS | COMPONENTS_V2))
    if "attachments" in body or uploads:
        message["attachments"] = attachments_for(
            state, channel.id, body, uploads or [], message["attachments"]
        )
    if "content" in body or "allowed_mentions" in body:
        referenced = message.get("referenced_message")
        author = state.users[int(message["author"]["id"])]
        users, roles, everyone = resolve_mentions(
            state,
            content=message["content"],
            allowed=body.get("allowed_mentions"),
            guild=guild,
            author=author,
            channel=channel,
            replied_author=int(referenced["author"]["id"]) if referenced else None,
        )
        message["mentions"] = [user_with_member(state, guild, u) for u in users]
        message["mention_roles"] = [str(r) for r in roles]
        message["mention_everyone"] = everyone
    message["edited_timestamp"] = iso()
    return message


def gateway_view(state: EmulatorState, message: dict[str, Any]) -> dict[str, Any]:
    """MESSAGE_CREATE/UPDATE data: the REST object plus ``guild_id`` and the author's ``member``."""
    channel = state.channels.get(int(message["channel_id"]))
    guild = state.guild_of(channel) if channel else None
    if guild is None:
        return dict(message)
    data = {**message, "guild_id": str(guild.id)}
    author = state.users.get(int(message["author"]["id"])) or _ghost(message)
    member = _member_view(guild, author)
    if member is not None and not message.get("webhook_id"):
        data["member"] = member
    return data


def _ghost(message: dict[str, Any]) -> User:
    author = message["author"]
    return User(id=int(author["id"]), username=author.get("username", "?"))
