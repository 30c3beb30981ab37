"""What Discord refuses, checked before anything is stored, answered with Discord's error shapes.

Limits: https://discord.com/developers/docs/resources/message and .../resources/channel#embed-limits
"""

from __future__ import annotations

import re
from typing import Any

from . import errors
from .errors import FormErrors

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
FILES_MAX = 10
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
NONCE_MAX = 25
THREAD_NAME_MAX = 100
COMPONENTS_V2_FLAG = 1 << 15
BODY_KEYS = ("content", "embeds", "attachments", "components", "sticker_ids", "poll")

COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
COMMANDS_MAX = 100
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25


def embed_size(embed: dict[str, Any]) -> int:
    """Characters that count toward the 6000 total, as Discord counts them."""
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += len((embed.get("footer") or {}).get("text") or "")
    size += len((embed.get("author") or {}).get("name") or "")
    for field in embed.get("fields") or []:
        size += len(field.get("name") or "") + len(field.get("value") or "")
    return size


def check_embeds(embeds: Any, found: FormErrors) -> None:
    if not isinstance(embeds, list):
        return
    if len(embeds) > EMBEDS_MAX:
        found.too_long(("embeds",), EMBEDS_MAX)
        return
    for index, embed in enumerate(embeds):
        _check_embed(index, embed or {}, found)
    total = sum(embed_size(e or {}) for e in embeds)
    if total > EMBED_TOTAL_MAX:
        found.add(
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
        )


def _check_embed(index: int, embed: dict[str, Any], found: FormErrors) -> None:
    at = ("embeds", index)
    for key, limit in (("title", EMBED_TITLE_MAX), ("description", EMBED_DESCRIPTION_MAX)):
        if len(embed.get(key) or "") > limit:
            found.too_long((*at, key), limit)
    if len((embed.get("footer") or {}).get("text") or "") > EMBED_FOOTER_MAX:
        found.too_long((*at, "footer", "text"), EMBED_FOOTER_MAX)
    if len((embed.get("author") or {}).get("name") or "") > EMBED_AUTHOR_MAX:
        found.too_long((*at, "author", "name"), EMBED_AUTHOR_MAX)
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS_MAX:
        found.too_long((*at, "fields"), EMBED_FIELDS_MAX)
        return
    for number, field in enumerate(fields):
        for key, limit in (("name", EMBED_FIELD_NAME_MAX), ("value", EMBED_FIELD_VALUE_MAX)):
            value = field.get(key)
            if value is None or value == "":
                found.required((*at, "fields", number, key))
            elif len(value) > limit:
                found.too_long((*at, "fields", number, key), limit)


def check_components(components: Any, flags: int, found: FormErrors) -> None:
    if not isinstance(components, list) or flags & COMPONENTS_V2_FLAG:
        return  # Components V2 layouts have other rules; only classic rows are checked.
    if len(components) > ACTION_ROWS_MAX:
        found.too_long(("components",), ACTION_ROWS_MAX)
        return
    for row_index, row in enumerate(components):
        children = row.get("components") or []
        if len(children) > ROW_BUTTONS_MAX:
            found.too_long(("components", row_index, "components"), ROW_BUTTONS_MAX)
            continue
        for index, child in enumerate(children):
            at = ("components", row_index, "components", index)
            custom_id = child.get("custom_id")
            if custom_id is not None and len(custom_id) > CUSTOM_ID_MAX:
                found.too_long((*at, "custom_id"), CUSTOM_ID_MAX)
            if len(child.get("label") or "") > BUTTON_LABEL_MAX:
                found.too_long((*at, "label"), BUTTON_LABEL_MAX)
            if len(child.get("options") or []) > SELECT_OPTIONS_MAX:
                found.too_long((*at, "options"), SELECT_OPTIONS_MAX)
            is_link = child.get("type") == 2 and child.get("style") == 5
            if child.get("type") == 2 and not is_link and not custom_id:
                found.required((*at, "custom_id"))


def check_allowed_mentions(allowed: Any, found: FormErrors) -> None:
    if not isinstance(allowed, dict):
        return
    parse = allowed.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            found.add(
                ("allowed_mentions",),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
        if len(allowed.get(kind) or []) > 100:
            found.too_long(("allowed_mentions", kind), 100)


def message_errors(body: dict[str, Any], *, files: int = 0) -> FormErrors:
    """Field errors of a message create/edit body (lengths and counts only)."""
    found = FormErrors()
    content = body.get("content")
    if content is not None and len(str(content)) > CONTENT_MAX:
        found.too_long(("content",), CONTENT_MAX)
    check_embeds(body.get("embeds"), found)
    check_components(body.get("components"), int(body.get("flags") or 0), found)
    check_allowed_mentions(body.get("allowed_mentions"), found)
    nonce = body.get("nonce")
    if nonce is not None and len(str(nonce)) > NONCE_MAX:
        found.too_long(("nonce",), NONCE_MAX)
    if files > FILES_MAX:
        found.too_long(("files",), FILES_MAX)
    return found


def is_empty(message: dict[str, Any]) -> bool:
    """Discord's 50006: no content, embeds, attachments, components, stickers or poll."""
    return not (
        str(message.get("content") or "").strip()
        or message.get("embeds")
        or message.get("attachments")
        or message.get("components")
        or message.get("sticker_ids")
        or message.get("poll")
    )


def validate_new_message(
    body: dict[str, Any], *, files: int = 0, prefix: str | None = None
) -> None:
    """Raise 50035 (field errors, under ``prefix`` for interaction callbacks) or 50006 (empty)."""
    found = message_errors(body, files=files)
    if found:
        (found.nest(prefix) if prefix else found).raise_if_any()
    if not files and is_empty({**body, "attachments": None}):
        raise errors.empty_message()


def validate_thread_name(name: Any) -> None:
    found = FormErrors()
    if not name:
        found.required(("name",))
    elif len(str(name)) > THREAD_NAME_MAX:
        found.too_long(("name",), THREAD_NAME_MAX)
    found.raise_if_any()


def command_errors(commands: Any) -> FormErrors:
    """Bulk-overwrite checks that catch real bot bugs: names, descriptions, counts, duplicates."""
    found = FormErrors()
    if not isinstance(commands, list):
        found.add((), "LIST_TYPE_CONVERT", "Must be an array.")
        return found
    if len(commands) > COMMANDS_MAX:
        found.too_long((), COMMANDS_MAX)
    seen: set[tuple[str, int]] = set()
    for index, command in enumerate(commands):
        kind = int(command.get("type", 1))
        key = (str(command.get("name")), kind)
        if key in seen:
            found.add(
                (index, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique ({key[0]})",
            )
        seen.add(key)
        _check_command_like((index,), command, found, chat_input=kind == 1)
    return found


def _check_command_like(
    at: tuple[str | int, ...], item: dict[str, Any], found: FormErrors, *, chat_input: bool
) -> None:
    name = str(item.get("name") or "")
    if (
        not name
        or len(name) > 32
        or (chat_input and not COMMAND_NAME.match(name))
        or (chat_input and name != name.lower())
    ):
        found.add((*at, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if chat_input:
        description = str(item.get("description") or "")
        if not description:
            found.required((*at, "description"))
        elif len(description) > COMMAND_DESCRIPTION_MAX:
            found.too_long((*at, "description"), COMMAND_DESCRIPTION_MAX)
    options = item.get("options") or []
    if len(options) > COMMAND_OPTIONS_MAX:
        found.too_long((*at, "options"), COMMAND_OPTIONS_MAX)
        return
    optional_seen = False
    for index, option in enumerate(options):
        where = (*at, "options", index)
        _check_command_like(where, option, found, chat_input=True)
        if option.get("type") in (1, 2):
            continue
        if option.get("required"):
            if optional_seen:
                found.add(
                    (*where, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = option.get("choices") or []
        if len(choices) > COMMAND_CHOICES_MAX:
            found.too_long((*where, "choices"), COMMAND_CHOICES_MAX)
