"""What nudges need from the database: the learner's last activity, the learners whose nudge moment has
come (O(due): by the `nudge_at` index), and their changes written back in one statement per shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlmodel import col, exists, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.defaults import MENTOR_GUIDE
from storage.enums import EnrollmentStatus
from storage.models import Cohort, Enrollment, Person
from storage.sql import is_sqlite, table_of, update_by_id

ACTIVITY_RESOLUTION = dt.timedelta(minutes=1)
"""Activity is written at most once a minute per learner: a chat of ten messages costs one UPDATE."""

_PERSON = table_of(Person)


def mark_active(person: Person, *, now: dt.datetime) -> bool:
    """Note that `person` just wrote or pressed a button: their last activity, inactivity counted from
    now (never moved back before the end of a pause, see `Person.idle_since`), and no nudge ignored.
    Changes the loaded person only, so the event's transaction writes it with its own UPDATE; skipped
    when the stored activity is under a minute old and nothing else changes. Returns whether it wrote."""
    last = person.last_active_at
    if last is not None and now - last < ACTIVITY_RESOLUTION and not person.nudges_ignored:
        return False
    person.last_active_at = now
    person.idle_since = max(now, person.idle_since) if person.idle_since is not None else now
    person.nudges_ignored = 0
    return True


FOLLOWING = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
"""Enrollments whose learner still hears from Tandem: tips, or after the track, review questions. A
learner who stopped, or whom an admin unenrolled, gets no nudge."""


def _as_learner() -> Any:
    """The enrollments that make someone a learner Tandem may nudge: following a track (`FOLLOWING`)
    other than the mentor's guide (`MENTOR_GUIDE`), whose tips are for mentors and say nothing about how a
    learner engages. A mentor enrolled only in the guide is never nudged; their learner enrollments
    alone pace their nudges."""
    return (col(Enrollment.status).in_(FOLLOWING), col(Cohort.track_id) != MENTOR_GUIDE)


async def learners_to_look_at(
    session: AsyncSession, *, now: dt.datetime, after_id: int, limit: int
) -> list[tuple[Person, Enrollment, Cohort]]:
    """Learners who take nudges, can be reached, have an enrollment under way or completed (not in the
    mentor's guide) and whose `nudge_at` has come (or was never set), by id after `after_id`, with their
    first active enrollment and its cohort. On PostgreSQL the people are locked (SKIP LOCKED), so two
    replicas never plan the same learner."""
    active = exists().where(
        col(Enrollment.person_id) == col(Person.id),
        col(Cohort.id) == col(Enrollment.cohort_id),
        *_as_learner(),
    )
    query = (
        select(Person)
        .where(
            col(Person.id) > after_id,
            or_(col(Person.nudge_at).is_(None), col(Person.nudge_at) <= now),
            col(Person.nudges).is_(True),
            col(Person.reachable).is_(True),
            active,
        )
        .order_by(col(Person.id))
        .limit(limit)
    )
    if not is_sqlite(session):
        query = query.with_for_update(of=Person, skip_locked=True)
    people = list(await session.exec(query))
    if not people:
        return []
    homes = await _first_active(session, person_ids=[p.id or 0 for p in people])
    return [(p, *homes[p.id or 0]) for p in people if (p.id or 0) in homes]


async def _first_active(
    session: AsyncSession, *, person_ids: Sequence[int]
) -> dict[int, tuple[Enrollment, Cohort]]:
    """Each person's first enrollment still under way (oldest id), else their first completed one (its
    reviews go on), with its cohort; never one in the mentor's guide."""
    query = (
        select(Enrollment, Cohort)
        .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
        .where(col(Enrollment.person_id).in_(list(person_ids)), *_as_learner())
        .order_by(col(Enrollment.status) != EnrollmentStatus.ACTIVE, col(Enrollment.id))
    )
    found: dict[int, tuple[Enrollment, Cohort]] = {}
    for enrollment, cohort in await session.exec(query):
        found.setdefault(enrollment.person_id, (enrollment, cohort))
    return found


async def update_people(session: AsyncSession, *, changes: Sequence[dict[str, Any]]) -> None:
    """People's nudge columns, keyed by id (`idle_since`, `nudge_at`, `nudged_at`, `nudges_ignored`,
    `paused_until`, `pause_reason`)."""
    await update_by_id(session, _PERSON, changes)
