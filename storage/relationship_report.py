"""The relationship, in aggregate, for one cohort: its pairs, the meetings they held against those planned,
and the commitments its people kept. The figures of `report`'s "Pairs and meetings" section and of the
dashboard's cohort page.

A cohort's pairs are the current pairs whose mentee is enrolled in it. Each figure about people is a
`retention.Share` that says how many people it rests on, so that the caller holds back one over too few
(`retention.MIN_PEOPLE`). Pairs at risk and the goals chosen come from storage/meetings.py and
storage/goals.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import CommitmentStatus, MeetingStatus
from storage.models import Commitment, Enrollment, Meeting, Mentorship, Pairing
from storage.retention import Share


@dataclass(frozen=True, slots=True)
class PairFigures:
    """A cohort's pairs and what they did."""

    pairs: int
    """Current pairs of the cohort's learners."""
    mentors: int
    """Distinct mentors among them."""
    with_rhythm_or_meeting: int
    meetings: Share
    """Meetings held, of those whose moment has passed (held, missed, or asked and not answered), over the
    learners of the pairs that had one."""
    commitments: Share
    """Commitments done, of those whose follow-up has come (workshops and meetings), over their people."""


def _members(cohort_id: int) -> Any:
    return select(Enrollment.person_id).where(col(Enrollment.cohort_id) == cohort_id)


async def pair_figures(session: AsyncSession, *, cohort_id: int, now: dt.datetime) -> PairFigures:
    """Every pair figure of one cohort at `now`: a few aggregate queries whatever its size."""
    members = _members(cohort_id)
    pairs, mentors = (
        await session.exec(
            select(func.count(), func.count(func.distinct(Mentorship.mentor_id))).where(
                col(Mentorship.mentee_id).in_(members)
            )
        )
    ).one()
    meetings = await _meetings(session, cohort_id)
    followed = col(Commitment.follow_up_at) <= now
    done = and_(followed, col(Commitment.status) == CommitmentStatus.DONE)
    kept, due, people = (
        await session.exec(
            select(
                func.sum(case((done, 1), else_=0)),
                func.sum(case((followed, 1), else_=0)),
                func.count(func.distinct(case((followed, Commitment.person_id)))),
            ).where(col(Commitment.person_id).in_(_members(cohort_id)))
        )
    ).one()
    return PairFigures(
        pairs=int(pairs or 0),
        mentors=int(mentors or 0),
        with_rhythm_or_meeting=meetings.people,
        meetings=meetings,
        commitments=Share(int(kept or 0), int(due or 0), int(people or 0)),
    )


async def _meetings(session: AsyncSession, cohort_id: int) -> Share:
    """Held meetings of the cohort's pairs (current or past), of those whose moment has passed, over the
    learners of those pairs. A rescheduled meeting counts once, at its new moment."""
    passed = or_(
        col(Meeting.status).in_((MeetingStatus.HELD, MeetingStatus.MISSED)),
        and_(col(Meeting.status) == MeetingStatus.PLANNED, col(Meeting.asked_at).is_not(None)),
    )
    held = func.sum(case((col(Meeting.status) == MeetingStatus.HELD, 1), else_=0))
    query = (
        select(held, func.count(), func.count(func.distinct(Pairing.mentee_id)))
        .select_from(Meeting)
        .join(Pairing, col(Pairing.id) == col(Meeting.pairing_id))
        .where(passed, col(Pairing.mentee_id).in_(_members(cohort_id)))
    )
    hits, total, people = (await session.exec(query)).one()
    return Share(int(hits or 0), int(total or 0), int(people or 0))
