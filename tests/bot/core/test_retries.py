"""A platform event delivered twice (Slack retries) is handled once; the event id is kept in the core's
own transaction, so it goes or stays with everything else that event writes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.core.commands import build_router
from bot.core.context import Services
from bot.core.conversation import Conversation
from bot.core.events import Event
from bot.core.replies import LessonCard, Reply, Text
from storage import activity
from storage.db import Database
from storage.models import AuditLog, Person, Question, SeenEvent
from tests.support.harness import Harness

QUESTION = "how do I spot a phishing email?"


def delivery(harness: Harness, name: str, text: str, event_id: str) -> Event:
    return Event(harness.actor(name), "message", text, event_id=event_id)


async def test_a_retried_question_is_answered_and_recorded_once(harness: Harness) -> None:
    first = await harness.conversation.handle(delivery(harness, "alice", QUESTION, "Ev1"))
    retry = await harness.conversation.handle(delivery(harness, "alice", QUESTION, "Ev1"))
    assert any(isinstance(reply, LessonCard) for reply in first)
    assert retry == []
    assert await harness.count(Question) == 1
    assert await harness.count(SeenEvent) == 1


async def test_events_without_an_id_are_never_skipped(harness: Harness) -> None:
    await harness.say("alice", QUESTION)
    await harness.say("alice", QUESTION)
    assert await harness.count(Question) == 2
    assert await harness.count(SeenEvent) == 0


async def test_a_failed_transaction_does_not_mark_the_event_seen(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing of a failed event is kept, its id included: the retry is the event's second chance."""
    route = harness.conversation.router.route
    calls = 0

    async def failing_once(ctx: Any) -> list[Reply]:
        nonlocal calls
        calls += 1
        if calls == 1:
            await route(ctx)  # the question is written, then the transaction fails
            raise RuntimeError("the database went away")
        return await route(ctx)

    monkeypatch.setattr(harness.conversation.router, "route", failing_once)
    [apology] = await harness.conversation.handle(delivery(harness, "alice", QUESTION, "Ev2"))
    assert isinstance(apology, Text) and "went wrong" in apology.markdown
    assert await harness.count(SeenEvent) == 0
    assert await harness.count(Question) == 0
    retry = await harness.conversation.handle(delivery(harness, "alice", QUESTION, "Ev2"))
    assert any(isinstance(reply, LessonCard) for reply in retry)
    assert await harness.count(Question) == 1


async def test_a_retried_refusal_is_answered_and_audited_once(harness: Harness) -> None:
    """A refusal rolls the event back but keeps its id (with the audit entry): retrying it would only
    repeat the same refusal."""
    first = await harness.conversation.handle(delivery(harness, "alice", "cohort list", "Ev3"))
    retry = await harness.conversation.handle(delivery(harness, "alice", "cohort list", "Ev3"))
    assert "for programme admins" in first[0].markdown  # type: ignore[union-attr]
    assert retry == []
    assert await harness.count(AuditLog) == 1
    assert await harness.count(SeenEvent) == 1


async def test_a_retried_mistake_is_explained_once(harness: Harness) -> None:
    first = await harness.conversation.handle(delivery(harness, "alice", "mentor", "Ev4"))
    retry = await harness.conversation.handle(delivery(harness, "alice", "mentor", "Ev4"))
    assert "Usage" in first[0].markdown  # type: ignore[union-attr]
    assert retry == []


async def test_concurrent_deliveries_on_two_replicas_are_handled_once(
    harness: Harness, services: Services
) -> None:
    """Two processes with their own engine receive the same event at once: the key decides."""
    other_db = Database(services.db.url)
    try:
        other = Conversation(
            Services(db=other_db, settings=services.settings, lessons=services.lessons, clock=services.clock),
            build_router(),
        )
        for index in range(5):
            event = delivery(harness, "alice", QUESTION, f"EvRace{index}")
            results = await asyncio.gather(harness.conversation.handle(event), other.handle(event))
            assert sorted(len(replies) for replies in results) == [0, 1]
    finally:
        await other_db.dispose()
    assert await harness.count(Question) == 5


async def test_first_sighting_leaves_the_transaction_usable(harness: Harness) -> None:
    async with harness.services.db.transaction() as session:
        assert await activity.first_sighting(session, event_id="EvX")
        assert not await activity.first_sighting(session, event_id="EvX")
        assert await activity.first_sighting(session, event_id="EvY")
    assert await harness.count(SeenEvent) == 2


async def test_first_contact_on_two_replicas_at_once_creates_one_person(
    harness: Harness, services: Services
) -> None:
    other_db = Database(services.db.url)
    try:
        other = Conversation(
            Services(db=other_db, settings=services.settings, lessons=services.lessons, clock=services.clock),
            build_router(),
        )
        results = await asyncio.gather(
            harness.conversation.handle(delivery(harness, "newcomer", QUESTION, "EvA")),
            other.handle(delivery(harness, "newcomer", QUESTION, "EvB")),
        )
    finally:
        await other_db.dispose()
    assert all(any(isinstance(reply, LessonCard) for reply in replies) for replies in results)
    assert await harness.count(Person) == 1
