"""Discord's JSON error shapes, raised by handlers and rendered by the REST layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class APIError(Exception):
    """An error response: HTTP status, Discord's numeric ``code``, message and optional field errors."""

    status: int
    code: int
    message: str
    errors: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body

    def __str__(self) -> str:
        return f"{self.status} {self.code} {self.message}"


@dataclass
class FormErrors:
    """Collects field errors into Discord's nested ``{"a": {"0": {"b": {"_errors": [...]}}}}`` tree."""

    tree: dict[str, Any] = field(default_factory=dict)

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def too_long(self, path: tuple[str | int, ...], limit: int) -> None:
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def required(self, path: tuple[str | int, ...]) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def nest(self, prefix: str) -> FormErrors:
        return FormErrors({prefix: self.tree} if self.tree else {})

    def __bool__(self) -> bool:
        return bool(self.tree)

    def raise_if_any(self) -> None:
        if self.tree:
            raise invalid_form_body(self.tree)


def invalid_form_body(errors: dict[str, Any]) -> APIError:
    return APIError(400, 50035, "Invalid Form Body", errors)


def not_found(code: int, what: str) -> APIError:
    return APIError(404, code, f"Unknown {what}")


UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MESSAGE = 10008
UNKNOWN_WEBHOOK = 10015
UNKNOWN_USER = 10013
UNKNOWN_MEMBER = 10007
UNKNOWN_ROLE = 10011
UNKNOWN_APPLICATION_COMMAND = 10063
UNKNOWN_INTERACTION = 10062


def unauthorized() -> APIError:
    return APIError(401, 0, "401: Unauthorized")


def missing_permissions() -> APIError:
    return APIError(403, 50013, "Missing Permissions")


def missing_access() -> APIError:
    return APIError(403, 50001, "Missing Access")


def empty_message() -> APIError:
    return APIError(400, 50006, "Cannot send an empty message")


def already_acknowledged() -> APIError:
    return APIError(400, 40060, "Interaction has already been acknowledged.")


def unknown_interaction() -> APIError:
    return APIError(404, UNKNOWN_INTERACTION, "Unknown interaction")


def cannot_edit_others() -> APIError:
    return APIError(403, 50005, "Cannot edit a message authored by another user")


def route_not_found() -> APIError:
    return APIError(404, 0, "404: Not Found")


def method_not_allowed() -> APIError:
    return APIError(405, 0, "405: Method Not Allowed")
