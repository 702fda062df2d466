"""What a channel tells the core about its platform's people beyond the one talking: a directory.

A people import names people by email; the channel that can look an email up (Slack's
`users.lookupByEmail`) registers a `Directory` for its platform in `Services.directories`, next to its
outlet. A platform without one (Teams before install, the console) leaves its people pending until
they show up themselves.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.events import Actor


class DirectoryError(Exception):
    """The platform could not be asked (network trouble, a refused token): the person stays unresolved."""


class Directory(Protocol):
    """A platform's people, looked up by what an import knows of them."""

    async def lookup_email(self, email: str) -> Actor | None:
        """The person with this email on the platform, or None when there is nobody; raises
        DirectoryError when the platform could not be asked."""
        ...
