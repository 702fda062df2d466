"""What express workshops did, in aggregate: the figures of `report`'s "Workshops" section and of the
dashboard, for one cohort or the whole programme.

A cohort's workshops are those planned for it and those where one of its people has a seat (a mentor's
workshop for their own mentees names no cohort); the figures about people (attendance, live quiz,
commitments, reviews) count the cohort's people only. Each such figure is a `retention.Share` that says
how many people it rests on, so that the caller holds back one over too few (`retention.MIN_PEOPLE`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import AnswerKind, CommitmentSource, CommitmentStatus, WorkshopStatus
from storage.models import Commitment, Enrollment, ReviewAnswer, Workshop, WorkshopAnswer, WorkshopSeat
from storage.retention import Share

_CHUNK = 500
"""Ids per IN (…) list."""


@dataclass(frozen=True, slots=True)
class WorkshopFigures:
    """Every workshop figure for one cohort (or the programme) at a moment."""

    held: int
    """Workshops that ran to their end."""
    to_come: int
    """Workshops planned that have not started yet."""
    attendance: Share
    """Of the invitations to the workshops held, how many people came (joined live)."""
    walk_ins: int
    """People who joined a workshop held without an invitation (not in `attendance`)."""
    quiz: Share
    """Live quiz answers in the workshops held that were right."""
    commitments: int
    """Commitments made in workshops."""
    done_at_week: Share
    """Of the workshop commitments whose follow-up has come, how many are done."""
    workshop_lessons: Share
    """Review answers that were right, on the lessons a person met in a workshop they joined."""
    other_lessons: Share
    """Review answers that were right, on every other lesson (met in the daily tips only)."""

    @property
    def any(self) -> bool:
        """Whether there is anything to say: a workshop held or to come, or a commitment made."""
        return bool(self.held or self.to_come or self.commitments)


def _members(cohort_id: int | None) -> Any:
    """The cohort's people as a subquery; None for the whole programme."""
    if cohort_id is None:
        return None
    return select(Enrollment.person_id).where(col(Enrollment.cohort_id) == cohort_id)


def _of_people(column: Any, cohort_id: int | None) -> Any:
    """`column` (a person id) is one of the cohort's people; always true for the whole programme."""
    members = _members(cohort_id)
    return true() if members is None else column.in_(members)


def _of_workshops(cohort_id: int | None) -> Any:
    """The workshop is the cohort's: planned for it, or one of its people has a seat in it."""
    members = _members(cohort_id)
    if members is None:
        return true()
    seated = select(WorkshopSeat.workshop_id).where(col(WorkshopSeat.person_id).in_(members))
    return or_(col(Workshop.cohort_id) == cohort_id, col(Workshop.id).in_(seated))


async def workshop_figures(
    session: AsyncSession, *, cohort_id: int | None, now: dt.datetime
) -> WorkshopFigures:
    """A cohort's workshop figures at `now` (the whole programme's with `cohort_id` None): a handful of
    aggregate queries whatever its size."""
    held, to_come = await _counts(session, cohort_id, now)
    attendance, walk_ins = await _attendance(session, cohort_id)
    made, done = await _commitments(session, cohort_id, now)
    workshop_lessons, other_lessons = await _reviews(session, cohort_id)
    return WorkshopFigures(
        held=held,
        to_come=to_come,
        attendance=attendance,
        walk_ins=walk_ins,
        quiz=await _quiz(session, cohort_id),
        commitments=made,
        done_at_week=done,
        workshop_lessons=workshop_lessons,
        other_lessons=other_lessons,
    )


async def _counts(session: AsyncSession, cohort_id: int | None, now: dt.datetime) -> tuple[int, int]:
    """(held, to come): ended, and planned to start after `now`."""
    ended = col(Workshop.status) == WorkshopStatus.ENDED
    coming = and_(col(Workshop.status) == WorkshopStatus.PLANNED, col(Workshop.starts_at) > now)
    query = select(func.sum(case((ended, 1), else_=0)), func.sum(case((coming, 1), else_=0))).where(
        _of_workshops(cohort_id)
    )
    held, to_come = (await session.exec(query)).one()
    return int(held or 0), int(to_come or 0)


def _held(cohort_id: int | None) -> Any:
    """The ids of the cohort's workshops held, as a subquery."""
    return select(Workshop.id).where(col(Workshop.status) == WorkshopStatus.ENDED, _of_workshops(cohort_id))


async def _attendance(session: AsyncSession, cohort_id: int | None) -> tuple[Share, int]:
    """The invitations to the workshops held that were followed by the person joining, and the people
    who joined without one."""
    joined = col(WorkshopSeat.joined_at).is_not(None)
    invited = col(WorkshopSeat.invited).is_(True)
    query = select(
        func.sum(case((and_(invited, joined), 1), else_=0)),
        func.sum(case((invited, 1), else_=0)),
        func.count(func.distinct(case((invited, WorkshopSeat.person_id)))),
        func.sum(case((and_(~invited, joined), 1), else_=0)),
    ).where(
        col(WorkshopSeat.workshop_id).in_(_held(cohort_id)),
        _of_people(col(WorkshopSeat.person_id), cohort_id),
    )
    came, seats, people, walk_ins = (await session.exec(query)).one()
    return Share(int(came or 0), int(seats or 0), int(people or 0)), int(walk_ins or 0)


async def _quiz(session: AsyncSession, cohort_id: int | None) -> Share:
    """The live quiz answers in the workshops held: how many were right."""
    query = select(
        func.sum(case((col(WorkshopAnswer.correct).is_(True), 1), else_=0)),
        func.count(),
        func.count(func.distinct(WorkshopAnswer.person_id)),
    ).where(
        col(WorkshopAnswer.workshop_id).in_(_held(cohort_id)),
        _of_people(col(WorkshopAnswer.person_id), cohort_id),
    )
    return _share((await session.exec(query)).one())


async def _commitments(session: AsyncSession, cohort_id: int | None, now: dt.datetime) -> tuple[int, Share]:
    """How many commitments were made in workshops, and of those whose follow-up has come (a week
    after), how many are done."""
    followed = col(Commitment.follow_up_at) <= now
    done = and_(followed, col(Commitment.status) == CommitmentStatus.DONE)
    query = select(
        func.count(),
        func.sum(case((done, 1), else_=0)),
        func.sum(case((followed, 1), else_=0)),
        func.count(func.distinct(case((followed, Commitment.person_id)))),
    ).where(
        col(Commitment.source) == CommitmentSource.WORKSHOP,
        _of_people(col(Commitment.person_id), cohort_id),
    )
    made, kept, due, people = (await session.exec(query)).one()
    return int(made or 0), Share(int(kept or 0), int(due or 0), int(people or 0))


async def _reviews(session: AsyncSession, cohort_id: int | None) -> tuple[Share, Share]:
    """Review answers right on the lessons each person met in a workshop they joined, and on the others.

    The (person, lesson) pairs met in workshops come from the joined seats and their workshops' lesson
    lists (a few per seat); the review answers are counted once over everyone, and once per pair for
    the people who joined a workshop, so that the other lessons' figure is the difference."""
    met = await _met_in_workshops(session, cohort_id)
    everyone = select(
        func.sum(case((col(ReviewAnswer.correct).is_(True), 1), else_=0)),
        func.count(),
        func.count(func.distinct(ReviewAnswer.person_id)),
    ).where(col(ReviewAnswer.kind) == AnswerKind.REVIEW, _of_people(col(ReviewAnswer.person_id), cohort_id))
    total = _share((await session.exec(everyone)).one())
    right = answered = 0
    with_workshop: set[int] = set()
    with_other: set[int] = set()
    for person_id, lesson_id, hits, count in await _answers_of(session, sorted({p for p, _ in met})):
        if (person_id, lesson_id) in met:
            right, answered = right + hits, answered + count
            with_workshop.add(person_id)
        else:
            with_other.add(person_id)
    workshop_only = len(with_workshop - with_other)
    return (
        Share(right, answered, len(with_workshop)),
        Share(total.hits - right, total.total - answered, total.people - workshop_only),
    )


async def _met_in_workshops(session: AsyncSession, cohort_id: int | None) -> set[tuple[int, str]]:
    """(person id, lesson id) for every lesson of a workshop the person joined."""
    query = (
        select(WorkshopSeat.person_id, Workshop.lessons)
        .join(Workshop, col(Workshop.id) == col(WorkshopSeat.workshop_id))
        .where(col(WorkshopSeat.joined_at).is_not(None), _of_people(col(WorkshopSeat.person_id), cohort_id))
    )
    return {
        (int(person_id), str(lesson))
        for person_id, lessons in await session.exec(query)
        for lesson in lessons or ()
    }


async def _answers_of(
    session: AsyncSession, person_ids: Sequence[int]
) -> Iterable[tuple[int, str, int, int]]:
    """(person id, lesson id, right, answered) of these people's review answers, per lesson."""
    found: list[tuple[int, str, int, int]] = []
    for start in range(0, len(person_ids), _CHUNK):
        query = (
            select(
                ReviewAnswer.person_id,
                ReviewAnswer.lesson_id,
                func.sum(case((col(ReviewAnswer.correct).is_(True), 1), else_=0)),
                func.count(),
            )
            .where(
                col(ReviewAnswer.person_id).in_(person_ids[start : start + _CHUNK]),
                col(ReviewAnswer.kind) == AnswerKind.REVIEW,
            )
            .group_by(col(ReviewAnswer.person_id), col(ReviewAnswer.lesson_id))
        )
        found += [(int(p), str(lesson), int(r or 0), int(n)) for p, lesson, r, n in await session.exec(query)]
    return found


def _share(row: Any) -> Share:
    hits, total, people = row
    return Share(int(hits or 0), int(total or 0), int(people or 0))
