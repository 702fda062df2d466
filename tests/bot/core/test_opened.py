"""Opening the whole lesson ("more") is recorded once per person and lesson: the dashboard's funnel
counts people who opened a lesson, not presses."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from storage.enums import FeedbackKind
from storage.models import Feedback, Person
from tests.support.harness import Harness, text_of


async def opened(harness: Harness) -> list[tuple[str, str]]:
    async with harness.services.db.transaction() as session:
        query = (
            select(Person.key, Feedback.lesson_id)
            .join(Person, col(Person.id) == col(Feedback.person_id))
            .where(Feedback.kind == FeedbackKind.OPENED)
            .order_by(col(Feedback.id))
        )
        return [(key, lesson) for key, lesson in await session.exec(query)]


async def test_pressing_more_twice_records_one_opened(harness: Harness) -> None:
    first = text_of(await harness.press("ann", "lesson.more", "strong-passwords"))
    again = text_of(await harness.press("ann", "lesson.more", "strong-passwords"))
    assert first == again and first  # the whole lesson both times
    assert await opened(harness) == [("console:ann", "strong-passwords")]
    opened_at = harness.clock.now
    async with harness.services.db.transaction() as session:
        [row] = list(await session.exec(select(Feedback).where(Feedback.kind == FeedbackKind.OPENED)))
    assert row.created_at == opened_at and row.correct is None


async def test_each_person_and_lesson_counts_once(harness: Harness) -> None:
    await harness.press("ann", "lesson.more", "strong-passwords")
    await harness.press("ann", "lesson.more", "linkedin-profile")
    await harness.press("bob", "lesson.more", "strong-passwords")
    await harness.press("bob", "lesson.more", "strong-passwords")
    assert sorted(await opened(harness)) == [
        ("console:ann", "linkedin-profile"),
        ("console:ann", "strong-passwords"),
        ("console:bob", "strong-passwords"),
    ]


async def test_two_presses_at_once_record_one(harness: Harness) -> None:
    await harness.say("ann", "help")  # ann exists before the two presses race
    await asyncio.gather(
        harness.press("ann", "lesson.more", "strong-passwords"),
        harness.press("ann", "lesson.more", "strong-passwords"),
    )
    assert await opened(harness) == [("console:ann", "strong-passwords")]


async def test_a_stale_button_records_nothing(harness: Harness) -> None:
    said = text_of(await harness.press("ann", "lesson.more", "no-such-lesson"))
    assert said  # a clear message, not a traceback
    assert await opened(harness) == []
