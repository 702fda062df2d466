"""Confidence ratings: a learner's 1-to-5 answer at a track's start and end, kept once per enrollment and
moment (the first answer stands)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Cohort, ConfidenceRating, Enrollment
from storage.sql import dialect_insert, table_of

_RATING = table_of(ConfidenceRating)


async def rate(
    session: AsyncSession,
    *,
    person_id: int,
    enrollment_id: int,
    moment: str,
    rating: int,
    now: dt.datetime,
) -> tuple[ConfidenceRating, bool]:
    """Keep the rating unless this enrollment and moment has one already; returns the rating that stands
    and whether it is this one. Two presses at once keep one (the unique key decides)."""
    statement = (
        dialect_insert(session)(_RATING)
        .values(
            person_id=person_id, enrollment_id=enrollment_id, moment=moment, rating=rating, created_at=now
        )
        .on_conflict_do_nothing(index_elements=["enrollment_id", "moment"])
        .returning(_RATING.c.id)
    )
    inserted = (await session.exec(statement)).first() is not None
    kept = await rating_of(session, enrollment_id=enrollment_id, moment=moment)
    assert kept is not None
    return kept, inserted


async def rating_of(session: AsyncSession, *, enrollment_id: int, moment: str) -> ConfidenceRating | None:
    query = select(ConfidenceRating).where(
        col(ConfidenceRating.enrollment_id) == enrollment_id, col(ConfidenceRating.moment) == moment
    )
    return (await session.exec(query)).first()


async def rated(session: AsyncSession, *, enrollment_ids: Sequence[int]) -> set[tuple[int, str]]:
    """Which (enrollment, moment) of these enrollments have a rating."""
    query = select(ConfidenceRating.enrollment_id, ConfidenceRating.moment).where(
        col(ConfidenceRating.enrollment_id).in_(list(enrollment_ids))
    )
    return {(eid, moment) for eid, moment in await session.exec(query)}


async def tracks_of(session: AsyncSession, *, enrollment_ids: Sequence[int]) -> dict[int, str]:
    """The track of each of these enrollments (by its cohort), for those that still exist."""
    query = (
        select(Enrollment.id, Cohort.track_id)
        .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
        .where(col(Enrollment.id).in_(list(enrollment_ids)))
    )
    return {eid: track for eid, track in await session.exec(query) if eid is not None}
