"""Whether Tandem can write to a person: one pair of functions marks them unreachable and reachable again.

A person becomes unreachable when their platform says so (the app was uninstalled or removed, the
workspace revoked its tokens) or when a send fails for good (the account was deactivated). Their active
enrollments stop *for reachability*, what was waiting for them is held, and today's tip steps back.
They become reachable again when they write, or install the app again: the enrollments stopped for
reachability resume where they were, and what was held goes out. Enrollments stopped by an admin or by
the learner themselves stay stopped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import deliveries
from storage.enums import DeliveryStatus, EnrollmentStatus, StopCause
from storage.models import Delivery, Enrollment, Person
from storage.sql import starts_with

REASON_CHARS = 200


def _people(person_ids: Sequence[int] | None, key_prefix: str | None) -> Any:
    if person_ids is not None:
        return col(Person.id).in_(list(person_ids))
    if key_prefix is not None:
        return starts_with(col(Person.key), key_prefix)
    raise ValueError("name the people: person_ids or key_prefix")


async def mark_unreachable(
    session: AsyncSession,
    *,
    reason: str,
    now: dt.datetime,
    person_ids: Sequence[int] | None = None,
    key_prefix: str | None = None,
    including: Sequence[int] = (),
) -> set[int]:
    """Stop writing to these people (by id, or every person whose key starts with `key_prefix`: a whole
    workspace). `including` names claimed rows that failed for good, to hold or step back with the rest.
    Returns the delivery batches touched, so their senders hear of it."""
    reason = reason[:REASON_CHARS]
    result = await session.exec(
        update(Person)
        .where(_people(person_ids, key_prefix))
        .values(reachable=False, unreachable_reason=reason)
        .returning(col(Person.id))
    )
    ids = [row[0] for row in result]
    if not ids and not including:
        return set()
    if ids:
        await session.exec(
            update(Enrollment)
            .where(col(Enrollment.person_id).in_(ids), col(Enrollment.status) == EnrollmentStatus.ACTIVE)
            .values(
                status=EnrollmentStatus.STOPPED,
                stopped_by=StopCause.REACHABILITY,
                stopped_at=now,
                stop_reason=reason,
            )
        )
    waiting = and_(col(Delivery.person_id).in_(ids), col(Delivery.status) == DeliveryStatus.PENDING)
    where = or_(waiting, col(Delivery.id).in_(list(including))) if including else waiting
    return await deliveries.hold_or_expire(session, where=where, now=now, reason=reason)


async def mark_reachable(session: AsyncSession, *, person: Person, now: dt.datetime) -> bool:
    """The person can be written to again: enrollments stopped for reachability resume where they were
    (the drip decides when: today if today's tip has not gone out and the day is not over), active ones
    are due now, and held messages go out. False when there was nothing to do."""
    person_id = person.id or 0
    was_unreachable = not person.reachable
    person.reachable, person.unreachable_reason = True, None
    session.add(person)
    resumed = await session.exec(
        update(Enrollment)
        .where(
            col(Enrollment.person_id) == person_id,
            col(Enrollment.status) == EnrollmentStatus.STOPPED,
            col(Enrollment.stopped_by) == StopCause.REACHABILITY,
        )
        .values(status=EnrollmentStatus.ACTIVE, stopped_by=None, stopped_at=None, stop_reason=None)
    )
    if was_unreachable or resumed.rowcount:
        await session.exec(
            update(Enrollment)
            .where(col(Enrollment.person_id) == person_id, col(Enrollment.status) == EnrollmentStatus.ACTIVE)
            .values(next_due_at=now)
        )
    released = await deliveries.release(session, person_id=person_id, now=now)
    return was_unreachable or bool(resumed.rowcount) or bool(released)
