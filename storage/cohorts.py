"""Repository functions for cohorts and enrollments."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import case, func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import activity, deliveries
from storage.enums import (
    WAITING_QUESTIONS,
    DeliveryKind,
    DeliveryStatus,
    EnrollmentStatus,
    FeedbackKind,
    StopCause,
)
from storage.models import (
    Cohort,
    CohortCreate,
    Delivery,
    Enrollment,
    EnrollmentUpdate,
    Feedback,
    Mentorship,
    Person,
    Question,
)
from storage.sql import is_sqlite, table_of, update_by_id


async def get_cohort(session: AsyncSession, *, name: str) -> Cohort | None:
    query = select(Cohort).where(func.lower(Cohort.name) == name.strip().lower())
    return (await session.exec(query)).first()


async def get_cohort_by_id(session: AsyncSession, *, cohort_id: int) -> Cohort | None:
    return await session.get(Cohort, cohort_id)


async def create_cohort(session: AsyncSession, *, data: CohortCreate) -> Cohort:
    cohort = Cohort.model_validate(data)
    session.add(cohort)
    await session.flush()
    return cohort


async def list_cohorts(session: AsyncSession) -> list[Cohort]:
    return list(await session.exec(select(Cohort).order_by(col(Cohort.name))))


async def cohort_counts(session: AsyncSession) -> dict[int, tuple[int, int]]:
    """cohort id -> (enrolled, active)."""
    query = select(
        Enrollment.cohort_id,
        func.count(),
        func.sum(case((col(Enrollment.status) == EnrollmentStatus.ACTIVE, 1), else_=0)),
    ).group_by(col(Enrollment.cohort_id))
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in await session.exec(query)}


async def get_enrollment(session: AsyncSession, *, person_id: int, cohort_id: int) -> Enrollment | None:
    query = select(Enrollment).where(Enrollment.person_id == person_id, Enrollment.cohort_id == cohort_id)
    return (await session.exec(query)).first()


async def enrollments_of(session: AsyncSession, *, person_id: int) -> list[tuple[Enrollment, Cohort]]:
    query = (
        select(Enrollment, Cohort)
        .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
        .where(Enrollment.person_id == person_id)
        .order_by(col(Enrollment.created_at))
    )
    return [(e, c) for e, c in await session.exec(query)]


class Reader(NamedTuple):
    """Someone a message goes to: enough to address it and to write it in their language."""

    id: int
    key: str
    lang: str


async def cohort_readers(
    session: AsyncSession, *, cohort_id: int, statuses: Sequence[str] | None = None
) -> list[Reader]:
    """Everyone enrolled in a cohort (or only those whose enrollment has one of `statuses`), as readers,
    in one query without building people."""
    query = (
        select(Person.id, Person.key, Person.lang)
        .join(Enrollment, col(Enrollment.person_id) == col(Person.id))
        .where(Enrollment.cohort_id == cohort_id)
        .order_by(col(Person.display_name))
    )
    if statuses is not None:
        query = query.where(col(Enrollment.status).in_(list(statuses)))
    return [Reader(*row) for row in await session.exec(query)]


async def mentee_readers(
    session: AsyncSession, *, mentor_id: int, cohort_id: int, statuses: Sequence[str] | None = None
) -> list[Reader]:
    """This mentor's own mentees enrolled in the cohort (with one of `statuses`, when given), as readers:
    whom a mentor's cohort push reaches."""
    query = (
        select(Person.id, Person.key, Person.lang)
        .join(Enrollment, col(Enrollment.person_id) == col(Person.id))
        .join(Mentorship, col(Mentorship.mentee_id) == col(Person.id))
        .where(
            Mentorship.mentor_id == mentor_id,
            Enrollment.cohort_id == cohort_id,
            col(Person.id) != mentor_id,
        )
        .order_by(col(Person.display_name))
    )
    if statuses is not None:
        query = query.where(col(Enrollment.status).in_(list(statuses)))
    return [Reader(*row) for row in await session.exec(query)]


async def add_enrollments(
    session: AsyncSession, *, cohort_id: int, due: Sequence[tuple[int, dt.datetime | None]]
) -> int:
    """Bulk-insert enrollments (person id, first due time); returns how many were added."""
    rows = [{"person_id": pid, "cohort_id": cohort_id, "next_due_at": when} for pid, when in due]
    for start in range(0, len(rows), 500):
        await session.exec(insert(Enrollment).values(rows[start : start + 500]))
        await asyncio.sleep(0)  # SQLite runs in the loop's thread: let other requests through
    return len(rows)


async def update_enrollment(session: AsyncSession, *, enrollment: Enrollment, data: EnrollmentUpdate) -> None:
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(enrollment, name, value)
    session.add(enrollment)
    await session.flush()


async def set_cohort_paused(session: AsyncSession, *, cohort_id: int, paused: bool) -> None:
    await session.exec(update(Cohort).where(col(Cohort.id) == cohort_id).values(paused=paused))


# --- admin views: aggregate queries, one round trip each, whatever the cohort's size ---------------------


async def unreachable_counts(session: AsyncSession) -> dict[int, int]:
    """cohort id -> how many enrolled people the bot cannot reach yet (Person.reachable is False)."""
    query = (
        select(Enrollment.cohort_id, func.count())
        .join(Person, col(Person.id) == col(Enrollment.person_id))
        .where(col(Person.reachable).is_(False))
        .group_by(col(Enrollment.cohort_id))
    )
    return {cohort_id: int(count) for cohort_id, count in await session.exec(query)}


async def enrollment_breakdown(session: AsyncSession, *, cohort_id: int, now: dt.datetime) -> dict[str, int]:
    """A cohort's enrollments counted by state: enrolled, active, paused, completed, stopped, unreachable.

    Paused means a live pause of the enrollment or of the person; active means active and not paused.
    """
    paused = case(
        ((col(Enrollment.paused_until) > now) | (col(Person.paused_until) > now), True), else_=False
    )
    query = (
        select(Enrollment.status, paused, col(Person.reachable), func.count())
        .join(Person, col(Person.id) == col(Enrollment.person_id))
        .where(Enrollment.cohort_id == cohort_id)
        .group_by(col(Enrollment.status), paused, col(Person.reachable))
    )
    counts = dict.fromkeys(("enrolled", "active", "paused", "completed", "stopped", "unreachable"), 0)
    for status, is_paused, reachable, count in await session.exec(query):
        counts["enrolled"] += count
        if status == EnrollmentStatus.ACTIVE:
            counts["paused" if is_paused else "active"] += count
        elif status in (EnrollmentStatus.COMPLETED, EnrollmentStatus.STOPPED):
            counts[str(status)] += count
        if not reachable:
            counts["unreachable"] += count
    return counts


async def stop_reasons(session: AsyncSession, *, cohort_id: int) -> list[tuple[str | None, int]]:
    """Why a cohort's learners stopped: (reason, count), most frequent first."""
    query = (
        select(Enrollment.stop_reason, func.count())
        .where(Enrollment.cohort_id == cohort_id, Enrollment.status == EnrollmentStatus.STOPPED)
        .group_by(col(Enrollment.stop_reason))
        .order_by(func.count().desc(), col(Enrollment.stop_reason).is_(None), col(Enrollment.stop_reason))
    )
    return [(reason, int(count)) for reason, count in await session.exec(query)]


async def sent_tips_count(session: AsyncSession, *, cohort_id: int) -> int:
    """How many lessons were delivered to this cohort's learners."""
    query = (
        select(func.count())
        .select_from(Delivery)
        .join(Enrollment, col(Enrollment.id) == col(Delivery.enrollment_id))
        .where(
            Enrollment.cohort_id == cohort_id,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.kind == DeliveryKind.LESSON,
        )
    )
    return int((await session.exec(query)).one())


def _member_ids(cohort_id: int) -> Any:
    return select(Enrollment.person_id).where(Enrollment.cohort_id == cohort_id)


async def cohort_feedback(session: AsyncSession, *, cohort_id: int) -> dict[str, int]:
    """Counts of useful, not_useful, quiz answers and correct quiz answers from a cohort's learners."""
    query = select(
        func.sum(case((col(Feedback.kind) == FeedbackKind.USEFUL, 1), else_=0)),
        func.sum(case((col(Feedback.kind) == FeedbackKind.NOT_USEFUL, 1), else_=0)),
        func.sum(case((col(Feedback.kind) == FeedbackKind.QUIZ, 1), else_=0)),
        func.sum(
            case(((col(Feedback.kind) == FeedbackKind.QUIZ) & col(Feedback.correct).is_(True), 1), else_=0)
        ),
    ).where(col(Feedback.person_id).in_(_member_ids(cohort_id)))
    row = (await session.exec(query)).one()
    return dict(zip(("useful", "not_useful", "quiz", "correct"), (int(v or 0) for v in row), strict=True))


async def cohort_open_questions(
    session: AsyncSession, *, cohort_id: int, limit: int
) -> tuple[int, list[Question]]:
    """How many questions from a cohort's learners still wait for an answer, and the `limit` most recent
    (without who asked them: admins read the gaps in the lessons, not people's questions)."""
    waiting = (
        col(Question.status).in_(WAITING_QUESTIONS),
        col(Question.person_id).in_(_member_ids(cohort_id)),
    )
    total = (await session.exec(select(func.count()).select_from(Question).where(*waiting))).one()
    query = (
        select(Question)
        .where(*waiting)
        .order_by(col(Question.created_at).desc(), col(Question.id).desc())
        .limit(limit)
    )
    return int(total), list(await session.exec(query))


async def cohort_declined_topics(session: AsyncSession, *, cohort_id: int) -> list[tuple[str | None, int]]:
    """The questions a cohort's learners declined to send to their mentor: (closest lesson id, count)."""
    return await activity.declined_topics(session, members=_member_ids(cohort_id))


# --- the drip --------------------------------------------------------------------------------------------

_ENROLLMENT = table_of(Enrollment)


async def due_enrollments(
    session: AsyncSession, *, now: dt.datetime, limit: int
) -> list[tuple[Enrollment, Person, Cohort]]:
    """Active enrollments due at `now`, soonest first, with their person and cohort. On PostgreSQL the
    enrollments are locked (SKIP LOCKED), so two replicas never plan the same one."""
    query = (
        select(Enrollment, Person, Cohort)
        .join(Person, col(Person.id) == col(Enrollment.person_id))
        .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
        .where(Enrollment.status == EnrollmentStatus.ACTIVE, col(Enrollment.next_due_at) <= now)
        .order_by(col(Enrollment.next_due_at))
        .limit(limit)
    )
    if not is_sqlite(session):
        query = query.with_for_update(of=Enrollment, skip_locked=True)
    return [(e, p, c) for e, p, c in await session.exec(query)]


async def enrollments_of_people(
    session: AsyncSession, *, person_ids: Sequence[int]
) -> dict[int, list[tuple[Enrollment, Cohort]]]:
    """person id -> every enrollment of theirs (any status) with its cohort, oldest first: what the drip
    weighs to keep each person to one lesson a day."""
    found: dict[int, list[tuple[Enrollment, Cohort]]] = {pid: [] for pid in person_ids}
    for start in range(0, len(person_ids), 500):
        query = (
            select(Enrollment, Cohort)
            .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
            .where(col(Enrollment.person_id).in_(list(person_ids[start : start + 500])))
            .order_by(col(Enrollment.created_at), col(Enrollment.id))
        )
        for enrollment, cohort in await session.exec(query):
            found[enrollment.person_id].append((enrollment, cohort))
    return found


async def update_enrollments(session: AsyncSession, *, updates: Sequence[dict[str, Any]]) -> None:
    """Many enrollments' changes, keyed by id (the drip moves thousands at once)."""
    await update_by_id(session, _ENROLLMENT, updates)


# --- stopping and resuming --------------------------------------------------------------------------------


async def stop_enrollment(
    session: AsyncSession, *, enrollment: Enrollment, cause: StopCause, reason: str, now: dt.datetime
) -> None:
    """Stop one enrollment (an admin's `unenroll`, the learner's `stop`); what it had queued for today
    and not sent steps back, so resuming starts from the same lesson."""
    enrollment.status = EnrollmentStatus.STOPPED
    enrollment.stopped_by, enrollment.stopped_at, enrollment.stop_reason = cause, now, reason[:200]
    session.add(enrollment)
    await session.flush()
    await deliveries.hold_or_expire(
        session,
        where=(col(Delivery.enrollment_id) == enrollment.id)
        & (col(Delivery.status) == DeliveryStatus.PENDING),
        now=now,
        reason=reason,
    )


async def resume_enrollment(
    session: AsyncSession, *, enrollment: Enrollment, next_due_at: dt.datetime | None
) -> None:
    """A stopped enrollment goes on from where it was."""
    enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.stopped_by = enrollment.stopped_at = enrollment.stop_reason = None
    enrollment.next_due_at = next_due_at
    session.add(enrollment)
    await session.flush()


LEARNER_STOPS = (StopCause.LEARNER, StopCause.LEARNER_ONE)
"""The stops only the learner may undo."""


def stopped_by_learner(enrollment: Enrollment) -> bool:
    """Stopped by the learner, with `stop` or with `stop <track or cohort>`: only they can resume it."""
    return enrollment.status == EnrollmentStatus.STOPPED and enrollment.stopped_by in LEARNER_STOPS


def stopped_with_all(enrollment: Enrollment) -> bool:
    """Stopped by the learner's bare `stop`, with everything else: a bare `resume` brings it back."""
    return enrollment.status == EnrollmentStatus.STOPPED and enrollment.stopped_by == StopCause.LEARNER


def stopped_alone(enrollment: Enrollment) -> bool:
    """Stopped by the learner on its own (`stop <track or cohort>`): a bare `resume` leaves it."""
    return enrollment.status == EnrollmentStatus.STOPPED and enrollment.stopped_by == StopCause.LEARNER_ONE


async def enrollment_with_cohort(
    session: AsyncSession, *, enrollment_id: int
) -> tuple[Enrollment, Cohort] | None:
    query = (
        select(Enrollment, Cohort)
        .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
        .where(Enrollment.id == enrollment_id)
    )
    found = (await session.exec(query)).first()
    return (found[0], found[1]) if found else None


async def enrollments_in(
    session: AsyncSession, *, cohort_id: int, person_ids: Sequence[int] | None = None
) -> dict[int, Enrollment]:
    """person id -> their enrollment in this cohort (of these people only, when given)."""
    query = select(Enrollment).where(Enrollment.cohort_id == cohort_id)
    if person_ids is not None:
        query = query.where(col(Enrollment.person_id).in_(list(person_ids)))
    return {e.person_id: e for e in await session.exec(query)}
