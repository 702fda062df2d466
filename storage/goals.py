"""The goals learners chose (`PersonGoal`: 1 to 3 per learner, by goal id), and what goal progress and the
mentor's brief read: how a person stands on some lessons, their commitments, the last commitment made with
their mentor, and how many briefs a mentor had before a meeting.

Goal ids and lesson ids come from the library (lessons/library/goals.yml); this module never reads it, so a
goal that left the library keeps its row until its learner changes their goals, and the callers skip it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, func, literal, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import usage
from storage.enums import CommitmentSource, CommitmentStatus
from storage.models import (
    Commitment,
    Enrollment,
    Meeting,
    Pairing,
    PersonGoal,
    ReviewAnswer,
    ReviewCard,
    Workshop,
)

# --- choosing -----------------------------------------------------------------------------------------


async def goals_of(session: AsyncSession, *, person_id: int) -> list[str]:
    """The person's goal ids, in the order they chose them."""
    query = (
        select(PersonGoal.goal_id)
        .where(PersonGoal.person_id == person_id)
        .order_by(col(PersonGoal.chosen_at), col(PersonGoal.id))
    )
    return list(await session.exec(query))


async def goals_for_update(session: AsyncSession, *, person_id: int) -> list[str]:
    """The person's goal ids, with the person locked (on PostgreSQL) until the transaction ends: two
    presses at the same moment change the goals one after the other, so three stays the most."""
    await usage.lock_person(session, person_id=person_id)
    return await goals_of(session, person_id=person_id)


async def goals_for(session: AsyncSession, *, person_ids: Sequence[int]) -> dict[int, list[str]]:
    """person id -> their goal ids in the order chosen; people without goals are left out."""
    if not person_ids:
        return {}
    query = (
        select(PersonGoal.person_id, PersonGoal.goal_id)
        .where(col(PersonGoal.person_id).in_(list(person_ids)))
        .order_by(col(PersonGoal.person_id), col(PersonGoal.chosen_at), col(PersonGoal.id))
    )
    found: dict[int, list[str]] = {}
    for person_id, goal_id in await session.exec(query):
        found.setdefault(person_id, []).append(goal_id)
    return found


async def replace_goals(
    session: AsyncSession, *, person_id: int, goal_ids: Sequence[str], now: dt.datetime
) -> list[str]:
    """Make `goal_ids` the person's goals: rows for the others are deleted, the goals kept keep when they
    were chosen, the new ones are chosen `now` (in the order given). Returns the goals in order."""
    wanted = list(dict.fromkeys(goal_ids))
    current = await goals_of(session, person_id=person_id)
    gone = [goal_id for goal_id in current if goal_id not in wanted]
    if gone:
        await session.exec(
            delete(PersonGoal).where(
                col(PersonGoal.person_id) == person_id, col(PersonGoal.goal_id).in_(gone)
            )
        )
    for offset, goal_id in enumerate(goal_id for goal_id in wanted if goal_id not in current):
        # a microsecond apart, so that goals chosen together keep the order they were given in
        session.add(
            PersonGoal(
                person_id=person_id, goal_id=goal_id, chosen_at=now + dt.timedelta(microseconds=offset)
            )
        )
    await session.flush()
    return await goals_of(session, person_id=person_id)


async def goal_counts(session: AsyncSession, *, cohort_id: int) -> dict[str, int]:
    """goal id -> how many of the cohort's people chose it (for `report` and the dashboard, which hold
    back a figure over fewer than 5 people)."""
    members = select(Enrollment.person_id).where(Enrollment.cohort_id == cohort_id)
    query = (
        select(PersonGoal.goal_id, func.count(func.distinct(PersonGoal.person_id)))
        .where(col(PersonGoal.person_id).in_(members))
        .group_by(col(PersonGoal.goal_id))
    )
    return {goal_id: int(count) for goal_id, count in await session.exec(query)}


# --- what progress reads ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LessonMarks:
    """Where one person stands on some lessons: those retained (a right review answer at least 21 days
    after the lesson first reached them, `ReviewCard.retained_at`), and those whose latest answer, quiz
    or review, was right."""

    retained: frozenset[str] = frozenset()
    right: frozenset[str] = frozenset()


async def lesson_marks(
    session: AsyncSession, *, person_ids: Sequence[int], lesson_ids: Sequence[str]
) -> dict[int, LessonMarks]:
    """person id -> their marks on these lessons (two queries for everyone); people with none are left
    out."""
    if not person_ids or not lesson_ids:
        return {}
    people, lessons = list(person_ids), list(dict.fromkeys(lesson_ids))
    retained: dict[int, set[str]] = {}
    kept = select(ReviewCard.person_id, ReviewCard.lesson_id).where(
        col(ReviewCard.person_id).in_(people),
        col(ReviewCard.lesson_id).in_(lessons),
        col(ReviewCard.retained_at).is_not(None),
    )
    for person_id, lesson_id in await session.exec(kept):
        retained.setdefault(person_id, set()).add(lesson_id)
    latest = (
        func.row_number()
        .over(
            partition_by=(col(ReviewAnswer.person_id), col(ReviewAnswer.lesson_id)),
            order_by=(col(ReviewAnswer.answered_at).desc(), col(ReviewAnswer.id).desc()),
        )
        .label("latest")
    )
    ranked = (
        sa_select(col(ReviewAnswer.person_id), col(ReviewAnswer.lesson_id), col(ReviewAnswer.correct), latest)
        .where(col(ReviewAnswer.person_id).in_(people), col(ReviewAnswer.lesson_id).in_(lessons))
        .subquery()
    )
    right: dict[int, set[str]] = {}
    last_right = select(ranked.c.person_id, ranked.c.lesson_id).where(
        ranked.c.latest == literal(1), ranked.c.correct.is_(True)
    )
    for person_id, lesson_id in await session.exec(last_right):
        right.setdefault(int(person_id), set()).add(str(lesson_id))
    return {
        person_id: LessonMarks(frozenset(retained.get(person_id, ())), frozenset(right.get(person_id, ())))
        for person_id in set(retained) | set(right)
    }


@dataclass(frozen=True, slots=True)
class CommitmentMark:
    """One commitment as goal progress counts it: its lesson (None for one made with the mentor in a
    meeting), whether its follow-up was answered, and whether the answer was "done"."""

    lesson_id: str | None
    answered: bool
    done: bool


async def commitment_marks(
    session: AsyncSession, *, person_ids: Sequence[int]
) -> dict[int, list[CommitmentMark]]:
    """person id -> their commitments, oldest first (one query for everyone); people with none are left
    out. The last answer to a follow-up counts."""
    if not person_ids:
        return {}
    query = (
        select(Commitment.person_id, Commitment.lesson_id, Commitment.status)
        .where(col(Commitment.person_id).in_(list(person_ids)))
        .order_by(col(Commitment.person_id), col(Commitment.made_at), col(Commitment.id))
    )
    found: dict[int, list[CommitmentMark]] = {}
    for person_id, lesson_id, status in await session.exec(query):
        mark = CommitmentMark(lesson_id, status != CommitmentStatus.OPEN, status == CommitmentStatus.DONE)
        found.setdefault(person_id, []).append(mark)
    return found


# --- what the mentor's brief reads ----------------------------------------------------------------------


def _of_pair(mentor_id: int, mentee_id: int) -> ColumnElement[bool]:
    """A pairing of these two, past or in force."""
    return and_(col(Pairing.mentor_id) == mentor_id, col(Pairing.mentee_id) == mentee_id)


async def pair_commitment(session: AsyncSession, *, mentor_id: int, mentee_id: int) -> Commitment | None:
    """The mentee's latest commitment made in a meeting with this mentor: its meeting belongs to a pairing
    of the two, or, with no meeting kept, it was made while they were paired. A pair's commitments are
    theirs to see (`sessions`); those made with another mentor are not this one's."""
    of_meeting = (
        select(Meeting.id)
        .join(Pairing, col(Pairing.id) == col(Meeting.pairing_id))
        .where(_of_pair(mentor_id, mentee_id))
    )
    while_paired = (
        select(Pairing.id)
        .where(
            _of_pair(mentor_id, mentee_id),
            col(Pairing.started_at) <= col(Commitment.made_at),
            or_(col(Pairing.ended_at).is_(None), col(Pairing.ended_at) > col(Commitment.made_at)),
        )
        .exists()
    )
    query = (
        select(Commitment)
        .where(
            Commitment.person_id == mentee_id,
            Commitment.source == CommitmentSource.MEETING,
            or_(
                col(Commitment.meeting_id).in_(of_meeting),
                and_(col(Commitment.meeting_id).is_(None), while_paired),
            ),
        )
        .order_by(col(Commitment.made_at).desc(), col(Commitment.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def hosted_commitment(session: AsyncSession, *, host_id: int, person_id: int) -> Commitment | None:
    """The person's latest commitment made in a workshop this mentor ran: the host saw it in the
    workshop's summary already. Commitments made in other mentors' workshops are left out."""
    hosted = select(Workshop.id).where(Workshop.host_id == host_id)
    query = (
        select(Commitment)
        .where(
            Commitment.person_id == person_id,
            Commitment.source == CommitmentSource.WORKSHOP,
            col(Commitment.workshop_id).in_(hosted),
        )
        .order_by(col(Commitment.made_at).desc(), col(Commitment.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def meetings_before(session: AsyncSession, *, mentor_id: int, mentee_id: int, at: dt.datetime) -> int:
    """How many of the mentor's planned meetings, with any mentee, come before this one (at `at` with
    `mentee_id`): those planned earlier, and those at the same moment with a mentee of a lower id. Each
    brief gets its own number, one more than the brief before it, whatever the order they are sent in."""
    query = (
        select(func.count())
        .select_from(Meeting)
        .join(Pairing, col(Pairing.id) == col(Meeting.pairing_id))
        .where(
            col(Pairing.mentor_id) == mentor_id,
            or_(
                col(Meeting.planned_at) < at,
                and_(col(Meeting.planned_at) == at, col(Pairing.mentee_id) < mentee_id),
            ),
        )
    )
    return int((await session.exec(query)).one())
