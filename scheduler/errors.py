"""How a send can fail, in words every channel can use: retry soon, slow down, or give up for good."""

from __future__ import annotations


class DeliveryError(Exception):
    """Base of send failures."""


class TemporaryError(DeliveryError):
    """5xx, timeouts, connection resets: try again with backoff. `ambiguous` means it may have arrived."""

    def __init__(self, message: str, *, ambiguous: bool = True) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous


class RateLimited(TemporaryError):
    """429: wait `retry_after` seconds, then try again. Nothing was delivered."""

    def __init__(self, retry_after: float | None, message: str = "rate limited") -> None:
        super().__init__(message, ambiguous=False)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """The person cannot be reached (deactivated, conversation gone, app uninstalled): stop trying."""
