"""Workshop figures on SQLite and PostgreSQL, from rows written through the storage functions: workshops
held and to come, attendance, the live quiz, commitments done at one week, and review answers on the
lessons met in a workshop beside the others, for one cohort (its workshops: planned for it, or with one
of its people seated) and for the whole programme."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence

import pytest

from storage import commitments, reviews, workshops
from storage.db import Database
from storage.enums import AnswerKind, CommitmentSource, CommitmentStatus, WorkshopStatus
from storage.models import Cohort, Enrollment, Person
from storage.retention import Share
from storage.workshop_report import WorkshopFigures, workshop_figures

NOW = dt.datetime(2026, 12, 14, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def people_and_cohorts(db: Database) -> tuple[list[int], int, int, int]:
    """p0…p5 in cohort A, p6 in cohort B, p7 in none, and a mentor who hosts: (learners, host, A, B)."""
    async with db.transaction() as session:
        rows = [Person(key=f"console:p{n}", platform="console", display_name=f"P{n}") for n in range(8)]
        host = Person(key="console:mia", platform="console", display_name="Mia")
        session.add_all([*rows, host])
        cohort_a = Cohort(name="a", track_id="first-steps", start_date=NOW.date())
        cohort_b = Cohort(name="b", track_id="first-steps", start_date=NOW.date())
        session.add_all([cohort_a, cohort_b])
        await session.flush()
        ids = [row.id or 0 for row in rows]
        for pid in ids[:6]:
            session.add(Enrollment(person_id=pid, cohort_id=cohort_a.id or 0))
        session.add(Enrollment(person_id=ids[6], cohort_id=cohort_b.id or 0))
        return ids, host.id or 0, cohort_a.id or 0, cohort_b.id or 0


async def workshop(
    db: Database,
    host: int,
    *,
    lessons: Sequence[str],
    starts_at: dt.datetime,
    status: str = WorkshopStatus.PLANNED,
    cohort_id: int | None = None,
    invited: Sequence[int] = (),
    joined: Sequence[int] = (),
    answers: Sequence[tuple[int, bool]] = (),
) -> int:
    """A workshop with its seats (invited, then joined: a joiner not invited walked in), live quiz
    answers (person, right), and its status reached through transitions."""
    async with db.transaction() as session:
        made = await workshops.create_workshop(
            session,
            title="Safer online",
            host_id=host,
            planned_by_id=host,
            starts_at=starts_at,
            minutes=45,
            lessons=lessons,
            plan=[],
            lang="en",
            now=starts_at - 7 * DAY,
            cohort_id=cohort_id,
        )
        workshop_id = made.id or 0
        await workshops.add_seats(
            session, workshop_id=workshop_id, person_ids=invited, at=starts_at - 7 * DAY
        )
        for person_id in joined:
            await workshops.mark_joined(
                session, workshop_id=workshop_id, person_id=person_id, at=starts_at, late=False
            )
        for person_id, right in answers:
            await workshops.record_answer(
                session,
                workshop_id=workshop_id,
                person_id=person_id,
                step=4,
                lesson_id=lessons[0],
                choice=0 if right else 1,
                correct=right,
                late=False,
                at=starts_at + 10 * dt.timedelta(minutes=1),
            )
        steps: dict[str, tuple[str, ...]] = {
            WorkshopStatus.PLANNED: (),
            WorkshopStatus.ENDED: (WorkshopStatus.RUNNING, WorkshopStatus.ENDED),
            WorkshopStatus.CANCELLED: (WorkshopStatus.CANCELLED,),
        }
        for version, step in enumerate(steps[status], start=made.version):
            assert await workshops.transition(session, workshop_id=workshop_id, version=version, status=step)
        return workshop_id


async def commit(
    db: Database,
    person_id: int,
    made_at: dt.datetime,
    status: str,
    *,
    workshop_id: int | None = None,
    source: str = CommitmentSource.WORKSHOP,
) -> None:
    """A commitment made at `made_at`, answered a day after its follow-up unless `status` is open."""
    async with db.transaction() as session:
        made = await commitments.add_commitment(
            session,
            person_id=person_id,
            source=source,
            text="Turn on two-step verification",
            made_at=made_at,
            workshop_id=workshop_id,
        )
        if status != CommitmentStatus.OPEN:
            await commitments.answer_commitment(
                session, commitment_id=made.id or 0, person_id=person_id, status=status, at=made_at + 8 * DAY
            )


async def review(
    db: Database, person_id: int, lesson_id: str, right: bool, kind: str = AnswerKind.REVIEW
) -> None:
    async with db.transaction() as session:
        await reviews.record_answer(
            session,
            person_id=person_id,
            lesson_id=lesson_id,
            variant=1,
            kind=kind,
            correct=right,
            now=NOW - DAY,
        )


async def a_programme(db: Database) -> tuple[int, int]:
    """Two workshops held for cohort A's people (one planned for A, one a mentor's naming no cohort), one
    held for B alone, one to come, one never started and one cancelled; commitments and reviews.
    Returns (A, B)."""
    p, host, cohort_a, cohort_b = await people_and_cohorts(db)
    held = NOW - 10 * DAY
    first = await workshop(
        db,
        host,
        lessons=["l1", "l2"],
        starts_at=held,
        status=WorkshopStatus.ENDED,
        cohort_id=cohort_a,
        invited=p[:5],
        joined=[p[0], p[1], p[2], p[3], p[5]],  # p4 did not come; p5 walked in
        answers=[(p[0], True), (p[1], True), (p[2], True), (p[3], False), (p[5], True)],
    )
    await workshop(  # a mentor's workshop: no cohort, but p0 (cohort A) has a seat
        db,
        host,
        lessons=["l3"],
        starts_at=held,
        status=WorkshopStatus.ENDED,
        invited=[p[0], p[6]],
        joined=[p[0], p[6]],
    )
    await workshop(  # cohort B's alone
        db,
        host,
        lessons=["l3"],
        starts_at=held,
        status=WorkshopStatus.ENDED,
        cohort_id=cohort_b,
        invited=[p[6]],
        joined=[p[6]],
        answers=[(p[6], True)],
    )
    await workshop(db, host, lessons=["l4"], starts_at=NOW + 3 * DAY, cohort_id=cohort_a, invited=p[:6])
    await workshop(db, host, lessons=["l4"], starts_at=NOW - DAY, cohort_id=cohort_a)  # never started
    await workshop(
        db, host, lessons=["l4"], starts_at=NOW + DAY, status=WorkshopStatus.CANCELLED, cohort_id=cohort_a
    )

    made = NOW - 10 * DAY  # followed up three days ago
    statuses = [
        CommitmentStatus.DONE,
        CommitmentStatus.DONE,
        CommitmentStatus.NOT_YET,
        CommitmentStatus.NEED_HELP,
        CommitmentStatus.OPEN,
        CommitmentStatus.DONE,
    ]
    for person_id, status in zip(p[:6], statuses, strict=True):
        await commit(db, person_id, made, status, workshop_id=first)
    await commit(db, p[0], NOW - 2 * DAY, CommitmentStatus.OPEN, workshop_id=first)  # not followed up yet
    await commit(db, p[1], made, CommitmentStatus.DONE, source=CommitmentSource.MEETING)  # not a workshop's
    await commit(db, p[6], made, CommitmentStatus.DONE, workshop_id=first)

    for person_id, lesson_id, right in [
        (p[0], "l1", True),
        (p[0], "l3", True),  # met in the mentor's workshop
        (p[0], "l9", False),
        (p[1], "l1", True),
        (p[1], "l2", False),
        (p[2], "l2", True),
        (p[2], "l9", True),
        (p[3], "l9", False),
        (p[4], "l1", True),  # p4 did not come: l1 is one of her other lessons
        (p[5], "l2", True),
        (p[6], "l3", True),
        (p[7], "l1", False),
    ]:
        await review(db, person_id, lesson_id, right)
    await review(db, p[0], "l1", False, kind=AnswerKind.QUIZ)  # a quiz, not a review
    return cohort_a, cohort_b


async def figures(db: Database, cohort_id: int | None) -> WorkshopFigures:
    async with db.transaction() as session:
        return await workshop_figures(session, cohort_id=cohort_id, now=NOW)


async def test_a_cohorts_workshop_figures(db: Database) -> None:
    cohort_a, _ = await a_programme(db)
    found = await figures(db, cohort_a)
    assert (found.held, found.to_come) == (2, 1)
    # invitations: p0…p4 to the first, p0 to the mentor's (p6 is not in A): 5 of 6 came, 5 people
    assert found.attendance == Share(5, 6, 5)
    assert found.walk_ins == 1
    assert found.quiz == Share(4, 5, 5)
    assert found.commitments == 7
    assert found.done_at_week == Share(3, 6, 6)
    # met in a workshop: p0 l1 l3, p1 l1 l2, p2 l2, p5 l2; the others: p0 l9, p2 l9, p3 l9, p4 l1
    assert found.workshop_lessons == Share(5, 6, 4)
    assert found.other_lessons == Share(2, 4, 4)
    assert found.any


async def test_the_programmes_workshop_figures(db: Database) -> None:
    await a_programme(db)
    found = await figures(db, None)
    assert (found.held, found.to_come) == (3, 1)
    assert found.attendance == Share(7, 8, 6)
    assert found.quiz == Share(5, 6, 6)
    assert (found.commitments, found.done_at_week) == (8, Share(4, 7, 7))
    assert found.workshop_lessons == Share(6, 7, 5)
    assert found.other_lessons == Share(2, 5, 5)


async def test_nothing_yet(db: Database) -> None:
    _, _, cohort_a, _ = await people_and_cohorts(db)
    found = await figures(db, cohort_a)
    empty = Share(0, 0, 0)
    assert found == WorkshopFigures(0, 0, empty, 0, empty, 0, empty, empty, empty)
    assert not found.any


async def test_another_cohorts_workshop_is_not_counted(db: Database) -> None:
    _, cohort_b = await a_programme(db)
    found = await figures(db, cohort_b)
    # B's own workshop, and the mentor's where p6 sat beside p0
    assert (found.held, found.to_come) == (2, 0)
    assert found.attendance == Share(2, 2, 1)
    assert found.quiz == Share(1, 1, 1)
    assert (found.commitments, found.done_at_week) == (1, Share(1, 1, 1))
    assert (found.workshop_lessons, found.other_lessons) == (Share(1, 1, 1), Share(0, 0, 0))
