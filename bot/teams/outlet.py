"""Sending to Teams people outside a turn: tips, mentor messages, answers, as proactive messages.

Teams lets a bot write only into a conversation it already has: the reference stored when the person
installed the app or first wrote. Without one, the person is pending and nothing is sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
from microsoft_agents.activity import Activity, ConversationReference
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.channel_service_adapter import ChannelServiceAdapter
from pydantic import ValidationError

from bot.core.context import Services
from bot.core.replies import Reply
from bot.core.serialize import from_dict, to_dict
from bot.teams.render import render
from scheduler.errors import PermanentError, RateLimited, TemporaryError
from storage import activity, people
from storage.models import Person

logger = logging.getLogger(__name__)

NOT_INSTALLED = "Tandem is not installed for this person in Teams yet"
PERMANENT_STATUSES = frozenset({403, 404})


def classify(exc: Exception) -> Exception:
    """A Bot Connector failure as the dispatcher's error kinds: slow down, retry, or stop for that person.

    403 and 404 mean the bot is no longer in that conversation (the app was removed, the user left).
    """
    if isinstance(exc, aiohttp.ClientResponseError):
        if exc.status == 429:
            retry_after = (exc.headers or {}).get("Retry-After")
            try:
                return RateLimited(float(retry_after) if retry_after else None)
            except ValueError:
                return RateLimited(None)
        if exc.status >= 500:
            return TemporaryError(f"Teams HTTP {exc.status}")
        if exc.status in PERMANENT_STATUSES:
            return PermanentError(f"Teams HTTP {exc.status}: the bot cannot write to this person")
        return TemporaryError(f"Teams HTTP {exc.status}", ambiguous=False)
    if isinstance(exc, (aiohttp.ClientError, TimeoutError, asyncio.TimeoutError)):
        return TemporaryError(type(exc).__name__)
    return exc


class TeamsOutlet:
    """Proactive messages through the SDK adapter into each person's stored conversation.

    Messages for someone who has not opened Tandem yet (a mentor's note, a pairing) wait in their
    inbox and go out when they install the app; drip tips are never planned for them.
    """

    def __init__(self, adapter: ChannelServiceAdapter, app_id: str, services: Services) -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.services = services

    async def send(self, person: Person, replies: Sequence[Reply], *, key: str | None = None) -> None:
        if not person.conversation:
            if key is not None:
                raise PermanentError(NOT_INSTALLED)
            await self._keep(person, replies)
            return
        try:
            reference = ConversationReference.model_validate(person.conversation)
        except ValidationError:
            raise PermanentError("the stored Teams conversation is unreadable") from None
        await self.send_to(reference, replies)

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

    async def _keep(self, person: Person, replies: Sequence[Reply]) -> None:
        payloads = [payload for payload in (to_dict(reply) for reply in replies) if payload is not None]
        async with self.services.db.transaction() as session:
            for payload in payloads:
                await activity.push_inbox(session, person_id=person.id or 0, payload=payload)
        logger.info("Teams: %s message(s) kept until person %s opens Tandem", len(payloads), person.id)

    async def flush_inbox(self, person_key: str) -> None:
        """Send what waited for this person, now that their conversation is known."""
        async with self.services.db.transaction() as session:
            person = await people.get_person(session, key=person_key)
            if person is None or not person.conversation:
                return
            waiting = await activity.take_inbox(session, person_id=person.id or 0, now=self.services.clock())
            reference = ConversationReference.model_validate(person.conversation)
        library = self.services.lessons.library
        replies = [reply for reply in (from_dict(m.payload, library) for m in waiting) if reply is not None]
        if replies:
            await self.send_to(reference, replies)

    async def delivered(self, person: Person, key: str) -> bool:
        """Teams keeps no searchable metadata on a bot's messages, so an unanswered send counts as
        not delivered and is sent again: a rare duplicate rather than a lost tip."""
        return False
