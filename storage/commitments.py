"""Commitments: what a person said they would do, in a workshop or a meeting with their mentor, and how
they answered its follow-up a week later."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Commitment

FOLLOW_UP_AFTER = dt.timedelta(days=7)
"""How long after a commitment its follow-up asks how it went."""
TEXT_CHARS = 300
"""The most a commitment's text holds (the column's length): longer text is cut."""


async def add_commitment(
    session: AsyncSession,
    *,
    person_id: int,
    source: str,
    text: str,
    made_at: dt.datetime,
    workshop_id: int | None = None,
    lesson_id: str | None = None,
    follow_up_at: dt.datetime | None = None,
    meeting_id: int | None = None,
) -> Commitment:
    """Keep a commitment (its source a CommitmentSource, with the workshop or the meeting it came
    from), open, followed up at `follow_up_at` (by default `FOLLOW_UP_AFTER` later)."""
    commitment = Commitment(
        person_id=person_id,
        source=source,
        workshop_id=workshop_id,
        meeting_id=meeting_id,
        lesson_id=lesson_id,
        text=text[:TEXT_CHARS],
        made_at=made_at,
        follow_up_at=follow_up_at or made_at + FOLLOW_UP_AFTER,
    )
    session.add(commitment)
    await session.flush()
    return commitment


async def answer_commitment(
    session: AsyncSession, *, commitment_id: int, person_id: int, status: str, at: dt.datetime
) -> Commitment | None:
    """Record the answer to a commitment's follow-up (a CommitmentStatus); the last answer counts. Only
    its owner can answer: None for anyone else, or when there is no such commitment."""
    result = await session.exec(
        update(Commitment)
        .where(col(Commitment.id) == commitment_id, col(Commitment.person_id) == person_id)
        .values(status=status, answered_at=at)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return None
    query = select(Commitment).where(col(Commitment.id) == commitment_id)
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def commitments_of(session: AsyncSession, *, person_id: int) -> list[Commitment]:
    """A person's commitments, oldest first."""
    query = select(Commitment).where(col(Commitment.person_id) == person_id)
    return list(await session.exec(query.order_by(col(Commitment.made_at), col(Commitment.id))))


async def commitments_of_workshop(session: AsyncSession, *, workshop_id: int) -> list[Commitment]:
    """The commitments made in one workshop, oldest first."""
    query = select(Commitment).where(col(Commitment.workshop_id) == workshop_id)
    return list(await session.exec(query.order_by(col(Commitment.made_at), col(Commitment.id))))
