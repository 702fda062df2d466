"""A cohort's retention figures and a mentee's topics to go over, from rows written directly (first quiz
answers, review cards and answers, confidence ratings, pauses), on SQLite and PostgreSQL. Every figure
says how many people it rests on, so that `report` can hold back one that rests on fewer than five."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence

import pytest
from sqlmodel import select

from storage import cohorts, retention
from storage.db import Database
from storage.enums import AnswerKind, ConfidenceMoment, FeedbackKind, PauseReason
from storage.models import (
    Cohort,
    ConfidenceRating,
    Enrollment,
    Feedback,
    Person,
    ReviewAnswer,
    ReviewCard,
)

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def people_in(db: Database, cohort: str, count: int, *, share_topics: bool = True) -> list[int]:
    """`count` new learners enrolled in a new cohort; their person ids."""
    async with db.transaction() as session:
        row = Cohort(name=cohort, track_id="first-steps", start_date=NOW.date())
        session.add(row)
        await session.flush()
        ids = []
        for n in range(count):
            person = Person(
                key=f"console:{cohort}{n}",
                platform="console",
                display_name=f"{cohort} {n}",
                share_topics=share_topics,
            )
            session.add(person)
            await session.flush()
            session.add(Enrollment(person_id=person.id or 0, cohort_id=row.id or 0, next_due_at=NOW))
            ids.append(person.id or 0)
        await session.flush()
        return ids


async def enrollment_ids(db: Database, person_ids: Sequence[int]) -> list[int]:
    async with db.transaction() as session:
        found = []
        for person_id in person_ids:
            enrollment = (
                await session.exec(select(Enrollment).where(Enrollment.person_id == person_id))
            ).one()
            found.append(enrollment.id or 0)
        return found


async def add(db: Database, *rows: object) -> None:
    async with db.transaction() as session:
        for row in rows:
            session.add(row)
            await session.flush()  # in order: the ids break ties between answers of the same moment


def card(
    person_id: int, lesson: str, *, sent: dt.datetime, due: dt.datetime, retained: bool = False
) -> ReviewCard:
    return ReviewCard(
        person_id=person_id,
        lesson_id=lesson,
        first_sent_at=sent,
        due_at=due,
        retained_at=NOW - DAY if retained else None,
        updated_at=NOW,
    )


def answer(
    person_id: int, lesson: str, correct: bool, *, kind: AnswerKind = AnswerKind.REVIEW, at: dt.datetime = NOW
) -> ReviewAnswer:
    return ReviewAnswer(person_id=person_id, lesson_id=lesson, kind=kind, correct=correct, answered_at=at)


def quiz(person_id: int, lesson: str, correct: bool) -> Feedback:
    return Feedback(
        person_id=person_id, lesson_id=lesson, kind=FeedbackKind.QUIZ, correct=correct, created_at=NOW
    )


async def test_a_cohorts_figures_count_its_own_learners_only(db: Database) -> None:
    learners = await people_in(db, "pilot", 5)
    [outsider] = await people_in(db, "other", 1)
    first, second, third, fourth, _ = learners

    # First quiz answers: three right out of five; a second answer never counts, nor does the outsider.
    await add(db, *(quiz(pid, "a", pid in (first, second, third)) for pid in learners))
    await add(db, quiz(fourth, "a", True), quiz(outsider, "a", False), quiz(outsider, "b", False))
    # Cards: lesson a is four weeks old for everyone (two retained), lesson b ten days old (not counted yet).
    await add(
        db,
        *(
            card(pid, "a", sent=NOW - 28 * DAY, due=NOW + 5 * DAY, retained=pid in (first, second))
            for pid in learners
        ),
        *(card(pid, "b", sent=NOW - 10 * DAY, due=NOW + DAY) for pid in learners),
        card(outsider, "a", sent=NOW - 30 * DAY, due=NOW - DAY, retained=True),
    )
    async with db.transaction() as session:
        overdue = (
            await session.exec(
                select(ReviewCard).where(ReviewCard.person_id == third, ReviewCard.lesson_id == "b")
            )
        ).one()
        overdue.due_at = NOW - DAY
        session.add(overdue)
    # Reviews: a 2 wrong of 5, b 3 wrong of 5, c wrong by two people only (held back), d never wrong.
    await add(
        db,
        *(answer(pid, "a", pid not in (first, second)) for pid in learners),
        *(answer(pid, "b", pid not in (first, second, third)) for pid in learners),
        *(answer(pid, "c", False) for pid in (first, second)),
        *(answer(pid, "d", True) for pid in learners),
        *(answer(pid, "d", False, kind=AnswerKind.QUIZ) for pid in learners),  # quizzes are not reviews
        *(answer(outsider, "d", False) for _ in range(5)),
    )
    # Confidence: five learners gave both (2.4 -> 3.8), one only a start; the outsider's does not count.
    enrollments = await enrollment_ids(db, [*learners, outsider])
    starts, ends = [2, 2, 3, 3, 2], [4, 3, 4, 5, 3]
    await add(
        db,
        *(
            ConfidenceRating(person_id=pid, enrollment_id=eid, moment=moment, rating=rating)
            for pid, eid, start, end in zip(learners, enrollments, starts, ends, strict=False)
            for moment, rating in ((ConfidenceMoment.START, start), (ConfidenceMoment.END, end))
        ),
        ConfidenceRating(
            person_id=outsider, enrollment_id=enrollments[-1], moment=ConfidenceMoment.START, rating=1
        ),
    )
    # Paused for inactivity: two now; one whose pause has ended; one who paused themselves.
    async with db.transaction() as session:
        for pid, until, reason in (
            (first, NOW + 3 * DAY, PauseReason.INACTIVITY),
            (second, NOW + DAY, PauseReason.INACTIVITY),
            (third, NOW - DAY, PauseReason.INACTIVITY),
            (fourth, NOW + DAY, None),
            (outsider, NOW + DAY, PauseReason.INACTIVITY),
        ):
            person = await session.get(Person, pid)
            assert person is not None
            person.paused_until, person.pause_reason = until, reason
            session.add(person)

    pilot = await cohort_id(db, "pilot")
    async with db.transaction() as session:
        figures = await retention.cohort_retention(session, cohort_id=pilot, now=NOW)

    assert figures.first_try == retention.Share(3, 5, 5)
    assert figures.first_try.percent == 60
    assert figures.retained == retention.Share(2, 5, 5)
    assert figures.due == retention.Share(1, 10, 5)
    assert [(f.lesson_id, f.wrong, f.answers, f.people) for f in figures.forgotten] == [
        ("b", 3, 5, 5),
        ("a", 2, 5, 5),
    ]
    assert figures.forgotten_held_back == 1
    assert figures.confidence.people == 5
    assert figures.confidence.change == pytest.approx(1.4)
    assert figures.paused_for_inactivity == 2


async def cohort_id(db: Database, name: str) -> int:
    async with db.transaction() as session:
        cohort = await cohorts.get_cohort(session, name=name)
        assert cohort is not None
        return cohort.id or 0


async def test_an_empty_cohort_has_figures_over_nobody(db: Database) -> None:
    await people_in(db, "pilot", 3)
    pilot = await cohort_id(db, "pilot")
    async with db.transaction() as session:
        figures = await retention.cohort_retention(session, cohort_id=pilot, now=NOW)
    assert figures.first_try == figures.retained == figures.due == retention.Share(0, 0, 0)
    assert figures.first_try.percent is None
    assert (figures.forgotten, figures.forgotten_held_back, figures.paused_for_inactivity) == ([], 0, 0)
    assert (figures.confidence.people, figures.confidence.change) == (0, None)


async def test_the_most_forgotten_lessons_name_only_lessons_five_people_answered(db: Database) -> None:
    """Four people all wrong on a lesson: a lesson figure over four answerers is held back, however bad."""
    learners = await people_in(db, "pilot", 6)
    await add(
        db,
        *(answer(pid, "bad", False) for pid in learners[:4]),
        *(answer(pid, "meh", pid == learners[0]) for pid in learners),
        *(answer(learners[0], "meh", False) for _ in range(3)),  # one person's many answers count once
    )
    pilot = await cohort_id(db, "pilot")
    async with db.transaction() as session:
        forgotten, held_back = await retention.most_forgotten(session, cohort_id=pilot)
    assert [(f.lesson_id, f.wrong, f.answers, f.people) for f in forgotten] == [("meh", 8, 9, 6)]
    assert held_back == 1


async def test_topics_to_go_over_are_lessons_wrong_twice_or_wrong_last(db: Database) -> None:
    ann, bob = await people_in(db, "pilot", 2)
    [cyd] = await people_in(db, "quiet", 1, share_topics=False)
    t = [NOW + n * DAY for n in range(6)]
    await add(
        db,
        # ann: x wrong in two reviews then right (kept); y right then wrong last (kept); z quiz wrong then
        # right (not kept); w wrong once then right (not kept); q quiz wrong, no review yet (kept).
        answer(ann, "x", False, at=t[0]),
        answer(ann, "x", False, at=t[1]),
        answer(ann, "x", True, at=t[2]),
        answer(ann, "y", True, at=t[0]),
        answer(ann, "y", False, at=t[1]),
        answer(ann, "z", False, kind=AnswerKind.QUIZ, at=t[0]),
        answer(ann, "z", True, at=t[1]),
        answer(ann, "w", False, at=t[0]),
        answer(ann, "w", True, at=t[1]),
        answer(ann, "q", False, kind=AnswerKind.QUIZ, at=t[3]),
        # bob: two answers at the same moment, the later row wrong: it is his last.
        answer(bob, "x", True, at=t[4]),
        answer(bob, "x", False, at=t[4]),
        # cyd keeps her topics to herself.
        answer(cyd, "x", False, at=t[0]),
        answer(cyd, "x", False, at=t[1]),
    )
    async with db.transaction() as session:
        topics = await retention.topics_to_go_over(session, person_ids=[ann, bob, cyd])
        limited = await retention.topics_to_go_over(session, person_ids=[ann], limit=1)
        nobody = await retention.topics_to_go_over(session, person_ids=[])
    assert topics == {ann: ["x", "y", "q"], bob: ["x"]}
    assert limited == {ann: ["x"]}
    assert nobody == {}
