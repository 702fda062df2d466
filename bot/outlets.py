"""Where replies for someone else go: each platform registers an outlet that can reach its people.

The core returns `Notify` replies and the drip produces tips; both are handed to `Outlets.deliver`,
which finds the person's platform and lets that channel send. Nothing here knows a platform's API.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from bot.core.context import Services
from bot.core.replies import Notify, Reply
from storage import people
from storage.models import Person

logger = logging.getLogger(__name__)


class Outlet(Protocol):
    """A channel's way to send replies to one of its people outside a conversation turn.

    `key` is the ledger's dedupe key when the drip sends; a channel stores it with the message so that
    `delivered` can tell, after a crash or a timeout, whether that message already went out.
    """

    async def send(self, person: Person, replies: Sequence[Reply], *, key: str | None = None) -> None: ...

    async def delivered(self, person: Person, key: str) -> bool: ...


class Outlets:
    """The registry of outlets by platform."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._by_platform: dict[str, Outlet] = {}

    def register(self, platform: str, outlet: Outlet) -> None:
        self._by_platform[platform] = outlet

    def for_platform(self, platform: str) -> Outlet | None:
        return self._by_platform.get(platform)

    async def deliver(self, notify: Notify) -> bool:
        """Send a Notify to its person; False (and a log line) when nobody can carry it."""
        async with self.services.db.transaction() as session:
            person = await people.get_person(session, key=notify.person_key)
        if person is None:
            logger.warning("Notify for unknown person %s dropped", notify.person_key)
            return False
        outlet = self._by_platform.get(person.platform)
        if outlet is None:
            logger.warning(
                "No outlet for platform %s; message to person %s not sent", person.platform, person.id
            )
            return False
        await outlet.send(person, notify.replies)
        return True
