"""The channel contract for delivery: each platform registers one outlet that delivers a ledger item to
one destination, and answers whether an item with a given key already arrived.

Nothing here knows a platform's API. The dispatcher (scheduler/dispatch.py) claims the ledger rows that
are due; the carrier (bot/delivery.py) makes each one an item, composing daily tips, track completions
and digests as they are sent, in their reader's language (any other row carries the replies its command
wrote), and hands it to the outlet of the reader's platform. Apart from the reply to the person talking,
nothing else sends anything to anyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.core.replies import Reply


@dataclass(frozen=True, slots=True)
class Destination:
    """Where an item goes: a person's direct messages, or a room (a channel, a thread, a group chat)
    when `room` is set, with the person as who answers for it (a workshop's host)."""

    key: str
    """The person's platform-neutral key (`slack:T1:U2`), from which the outlet finds the address."""
    platform: str
    name: str = ""
    person_id: int | None = None
    conversation: Mapping[str, Any] | None = field(default=None, compare=False)
    """Where the platform lets the bot write (a stored Teams conversation reference): the person's, or
    for a room the room's (storage/rooms.py), None when none is stored."""
    room: str | None = None
    """The room to post in (a room key, storage/keys.py) instead of the person's direct messages. An
    outlet that cannot post there raises PermanentError: the delivery then fails (the sender is told),
    and the person stays reachable."""


@dataclass(frozen=True, slots=True)
class Item:
    """One ledger item for one destination: a message of one or more replies.

    `key` is the ledger's dedupe key. An outlet stores it with what it sends (Slack message metadata,
    the console inbox) so that `arrived` can tell, after a crash or an unanswered request, whether this
    item already went out.
    """

    key: str
    destination: Destination
    replies: tuple[Reply, ...]
    recovered: bool = False
    """Tried before without a clear answer: parts of it may have arrived already."""


class Outlet(Protocol):
    """A channel's one job in delivery. An outlet whose sends cost no chat API call (the console's inbox)
    may also say `paced = False`: the dispatcher's rate limits then leave it alone."""

    exactly_once: bool
    """True when `arrived` can really tell; False when the platform keeps no searchable mark (Teams),
    so that a send interrupted mid-way may be repeated: at least once, never lost."""

    async def deliver(self, item: Item) -> None:
        """Send the item, raising scheduler.errors' kinds when it fails."""
        ...

    async def arrived(self, item: Item) -> bool:
        """Whether an item with this key already reached its destination."""
        ...


class Outlets:
    """The outlets this process has, by platform."""

    def __init__(self) -> None:
        self._by_platform: dict[str, Outlet] = {}

    def register(self, platform: str, outlet: Outlet) -> None:
        self._by_platform[platform] = outlet

    def for_platform(self, platform: str) -> Outlet | None:
        return self._by_platform.get(platform)

    @property
    def platforms(self) -> Sequence[str]:
        return tuple(self._by_platform)
