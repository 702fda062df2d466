"""Delivering ledger items to Teams people, as proactive messages into their stored conversation.

Teams lets a bot write only into a conversation it already has: the reference stored when the person
installed the app or first wrote. Without one the person cannot be reached yet, and what the ledger has
for them is held until they open Tandem.

A bot cannot drop a file into a personal chat without the file-consent flow: a file goes as the channel
hands one to the person it answers (`Linker`: a one-time link on Tandem's web host, bot/downloads.py).

An item for a room (a group chat, a channel) continues the room's stored conversation reference
(storage/rooms.py, which the carrier hands over as the destination's conversation) the same way; a file
there shows in its card, since a one-time link is for one person. A room with no stored reference, or
one the bot was removed from, cannot be posted in: a permanent failure the sender is told about.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

import aiohttp
from microsoft_agents.activity import Activity, ConversationReference
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.channel_service_adapter import ChannelServiceAdapter
from pydantic import ValidationError

from bot.core.replies import File, Reply
from bot.outlets import Item
from bot.teams.render import render
from scheduler.errors import PermanentError, RateLimited, TemporaryError

logger = logging.getLogger(__name__)

NOT_INSTALLED = "not_installed"
"""The reason stored for a Teams person without a conversation: they have not opened Tandem yet."""
PERMANENT_STATUSES = frozenset({403, 404})
ROOM_UNKNOWN = "room_unknown"
"""The reason for a room without a stored conversation: the bot was never added or mentioned there."""
NOT_IN_ROOM = "not_in_channel"
"""The reason for a room that refuses the bot (it was removed from the chat or the team)."""

Linker = Callable[[File, str], Awaitable[Reply]]
"""What a file becomes for the person of this key: its link under its caption (or the file itself, shown
in the card, when there are no links)."""


def classify(exc: Exception) -> Exception:
    """A Bot Connector failure as the dispatcher's error kinds: slow down, retry, or stop for that person.

    403 and 404 mean the bot is no longer in that conversation (the app was removed, the user left).
    """
    if isinstance(exc, aiohttp.ClientResponseError):
        if exc.status == 429:
            headers: Mapping[str, str] = exc.headers or {}
            retry_after = headers.get("Retry-After")
            try:
                return RateLimited(float(retry_after) if retry_after else None)
            except ValueError:
                return RateLimited(None)
        if exc.status >= 500:
            return TemporaryError(f"Teams HTTP {exc.status}")
        if exc.status in PERMANENT_STATUSES:
            return PermanentError(f"Teams HTTP {exc.status}: the bot cannot write to this person")
        return TemporaryError(f"Teams HTTP {exc.status}", ambiguous=False)
    if isinstance(exc, aiohttp.ClientConnectorError):  # never connected: nothing was sent
        return TemporaryError(type(exc).__name__, ambiguous=False)
    if isinstance(exc, (aiohttp.ClientError, TimeoutError, asyncio.TimeoutError)):
        return TemporaryError(type(exc).__name__)
    return exc


class TeamsOutlet:
    """Proactive messages through the SDK adapter into each person's stored conversation."""

    exactly_once = False
    """Teams keeps no searchable mark on a bot's messages, so `arrived` cannot tell: a send cut off by a
    crash is sent again (at least once, never lost)."""

    def __init__(self, adapter: ChannelServiceAdapter, app_id: str, linker: Linker | None = None) -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.linker = linker

    async def deliver(self, item: Item) -> None:
        conversation = item.destination.conversation
        room = item.destination.room
        if not conversation:
            raise PermanentError(
                f"{ROOM_UNKNOWN}: no conversation stored for {room}" if room else NOT_INSTALLED
            )
        try:
            reference = ConversationReference.model_validate(conversation)
        except ValidationError:
            raise PermanentError("the stored Teams conversation is unreadable") from None
        if room is None:
            await self.send_to(reference, await self._linked(item))
            return
        try:
            await self.send_to(reference, item.replies)
        except PermanentError as exc:
            raise PermanentError(f"{NOT_IN_ROOM}: {exc}") from exc

    async def _linked(self, item: Item) -> list[Reply]:
        """The item's replies, each file as its link. A link is made at each try: one whose message did
        not go out expires unused."""
        if self.linker is None:
            return list(item.replies)
        key = item.destination.key
        return [await self.linker(reply, key) if isinstance(reply, File) else reply for reply in item.replies]

    async def arrived(self, item: Item) -> bool:
        return False

    async def send_to(self, reference: ConversationReference, replies: Sequence[Reply]) -> None:
        """Send replies into one conversation; connector failures become the dispatcher's error kinds."""
        activities = [Activity.model_validate(message) for reply in replies for message in render(reply)]
        if not activities:
            return

        failures: list[Exception] = []

        async def callback(context: TurnContext) -> None:
            # Caught here: the adapter would hand an exception to its turn-error handler, not to us.
            try:
                await context.send_activities(activities)
            except Exception as exc:
                failures.append(exc)

        try:
            await self.continue_in(reference, callback)
        except Exception as exc:
            raise classify(exc) from exc
        if failures:
            raise classify(failures[0]) from failures[0]

    async def continue_in(
        self, reference: ConversationReference, callback: Callable[[TurnContext], Awaitable[None]]
    ) -> None:
        """Run `callback` in a proactive turn of that conversation, with a connector client to use.

        Without Entra credentials (local anonymous mode) the turn runs under an anonymous identity,
        so the SDK asks for no token at all.
        """
        activity = reference.get_continuation_activity()
        if self.app_id:
            await self.adapter.continue_conversation(self.app_id, activity, callback)
        else:
            await self.adapter.continue_conversation_with_claims(ClaimsIdentity(), activity, callback)
