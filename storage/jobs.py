"""Durable slow work: a command that answers at once and finishes later writes a job, in its own
transaction; a runner in any process claims it, does it, and marks it done in the same transaction as
the work. A process that dies mid-job leaves it to be claimed again once its lease lapses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import JobStatus
from storage.models import Job, Worker
from storage.sql import is_sqlite

MAX_ATTEMPTS = 3


async def add_job(
    session: AsyncSession,
    *,
    kind: str,
    args: dict[str, Any],
    requester_id: int | None,
    lang: str,
    description: str,
    now: dt.datetime,
) -> Job:
    job = Job(
        kind=kind,
        args=args,
        requester_id=requester_id,
        lang=lang,
        description=description[:200],
        created_at=now,
    )
    session.add(job)
    await session.flush()
    return job


async def claim_job(
    session: AsyncSession, *, worker: str, now: dt.datetime, alive_since: dt.datetime
) -> Job | None:
    """The oldest pending job, or one whose runner's lease lapsed, now this worker's."""
    live = select(Worker.id).where(col(Worker.seen_at) >= alive_since)
    claimable = or_(
        col(Job.status) == JobStatus.PENDING,
        and_(
            col(Job.status) == JobStatus.RUNNING,
            col(Job.claimed_by).not_in(live),
            col(Job.claimed_by) != worker,
        ),
    )
    query = select(Job).where(claimable).order_by(col(Job.id)).limit(1)
    if not is_sqlite(session):
        query = query.with_for_update(skip_locked=True)
    job = (await session.exec(query)).first()
    if job is None:
        return None
    result = await session.exec(
        update(Job)
        .where(col(Job.id) == job.id, claimable)
        .values(status=JobStatus.RUNNING, claimed_by=worker, claimed_at=now, attempts=col(Job.attempts) + 1)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return None
    job.attempts += 1
    return job


async def save_progress(session: AsyncSession, *, job_id: int, args: dict[str, Any]) -> None:
    """A step of a running job is done: the arguments the next step starts from."""
    await session.exec(update(Job).where(col(Job.id) == job_id).values(args=args))


async def finish_job(
    session: AsyncSession, *, job_id: int, now: dt.datetime, error: str | None = None
) -> None:
    status = JobStatus.FAILED if error else JobStatus.DONE
    await session.exec(
        update(Job)
        .where(col(Job.id) == job_id)
        .values(status=status, finished_at=now, error=error[:300] if error else None)
    )


async def jobs_of(session: AsyncSession, *, person_id: int) -> list[Job]:
    return list(await session.exec(select(Job).where(Job.requester_id == person_id).order_by(col(Job.id))))
