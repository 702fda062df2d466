"""One error tree. User mistakes become friendly replies; anything else is a bug, logged and apologised for."""

from __future__ import annotations


class TandemError(Exception):
    """Base of every error the core raises on purpose."""


class UserError(TandemError):
    """Something the person can fix; `key` names the message, `values` fill it in."""

    def __init__(self, key: str, /, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
        self.lang: str | None = None
        """The language of the person it is explained to, once known."""


class UsageError(UserError):
    """A command with missing or invalid arguments: reply with that command's usage line."""

    def __init__(self, command: str, detail_key: str | None = None, /, **values: object) -> None:
        super().__init__(detail_key or "error.usage", **values)
        self.command = command


class PermissionDenied(UserError):
    """The person's role does not allow this; the refusal is recorded in the audit log."""

    def __init__(self, command: str, key: str = "error.denied", /, **values: object) -> None:
        super().__init__(key, **values)
        self.command = command


class NotFound(UserError):
    """An unknown person, cohort, track, lesson or question."""
