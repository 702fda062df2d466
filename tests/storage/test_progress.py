"""Quiz answers and track summaries: a quiz counts once, even for two answers at the same moment, and a
track's counts never go past the track, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from storage import deliveries, keys, people, progress
from storage.db import Database
from storage.enums import DeliveryKind, FeedbackKind
from storage.models import Cohort, Enrollment, Feedback, PersonCreate

WHEN = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def add_person(db: Database) -> int:
    async with db.transaction() as session:
        person, _ = await people.create_person_unless_exists(
            session, data=PersonCreate(key="console:ann", platform="console", display_name="Ann")
        )
        return person.id or 0


async def test_two_answers_at_the_same_moment_record_one(db: Database) -> None:
    """The first answer's transaction is still open when the second starts: the second waits for it,
    then finds it, instead of both seeing no answer and both counting."""
    person_id = await add_person(db)
    answered, release = asyncio.Event(), asyncio.Event()

    async def first() -> bool:
        async with db.transaction() as session:
            _, counted = await progress.answer_quiz(
                session, person_id=person_id, lesson_id="x-lists", correct=True, now=WHEN
            )
            answered.set()
            await release.wait()
        return counted

    async def second() -> tuple[bool, bool | None]:
        await answered.wait()
        async with db.transaction() as session:
            answer, counted = await progress.answer_quiz(
                session, person_id=person_id, lesson_id="x-lists", correct=False, now=WHEN
            )
        return counted, answer.correct

    one, two = asyncio.create_task(first()), asyncio.create_task(second())
    await answered.wait()
    await asyncio.sleep(0.3)
    assert not two.done(), "the second answer waits for the first"
    release.set()
    assert await one is True
    assert await two == (False, True), "the second finds the first answer, which counts"
    async with db.transaction() as session:
        assert await progress.quiz_scores(session, person_ids=[person_id]) == {person_id: (1, 1)}


async def test_scores_and_summaries_count_each_quiz_once_and_stay_within_the_track(db: Database) -> None:
    person_id = await add_person(db)
    async with db.transaction() as session:
        cohort = Cohort(name="pilot", track_id="information-watch", start_date=WHEN.date())
        session.add(cohort)
        await session.flush()
        enrollment = Enrollment(person_id=person_id, cohort_id=cohort.id or 0, next_due_at=WHEN)
        session.add(enrollment)
        await session.flush()
        for lesson in ("x-lists", "news-alerts", "hashtags"):  # hashtags is not in the track
            await deliveries.record_sent(
                session,
                dedupe_key=keys.lesson_key(enrollment.id or 0, lesson),
                person_id=person_id,
                enrollment_id=enrollment.id,
                lesson_id=lesson,
                now=WHEN,
                kind=DeliveryKind.LESSON,
            )
        # answers written before a quiz counted once: the first per lesson is the one that counts
        for lesson, correct in (
            ("x-lists", False),
            ("x-lists", True),
            ("news-alerts", True),
            ("hashtags", True),
        ):
            session.add(
                Feedback(person_id=person_id, lesson_id=lesson, kind=FeedbackKind.QUIZ, correct=correct)
            )
        enrollment_id = enrollment.id or 0
    async with db.transaction() as session:
        summary = await progress.track_summary(
            session,
            enrollment_id=enrollment_id,
            person_id=person_id,
            lesson_ids=("x-lists", "news-alerts", "social-listening", "generative-ai-basics"),
        )
        scores = await progress.quiz_scores(session, person_ids=[person_id])
        first = await progress.quiz_answer(session, person_id=person_id, lesson_id="x-lists")
    assert summary == progress.TrackSummary(lessons=2, total=4, answered=2, right=1)
    assert scores == {person_id: (2, 3)}
    assert first is not None and first.correct is False
