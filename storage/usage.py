"""Repository functions for the per-person rate limit: uses counted in a sliding window.

A use is recorded in the transaction that makes it, so a command that fails counts for nothing. On
PostgreSQL the person's row is locked first, so two replicas handling the same person's messages at once
count one after the other instead of both seeing room for one more.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import UsageKind
from storage.models import Person, Usage
from storage.sql import is_sqlite


async def lock_person(session: AsyncSession, *, person_id: int) -> None:
    """Serialise one person's counted uses across transactions (SQLite's writer lock already does).

    FOR NO KEY UPDATE, not FOR UPDATE: rows that point at the person (their new question) take a key
    share lock on it, which FOR UPDATE would wait for, and two such transactions would deadlock."""
    if not is_sqlite(session):
        await session.exec(select(Person.id).where(Person.id == person_id).with_for_update(key_share=True))


async def uses_since(
    session: AsyncSession, *, person_id: int, kind: UsageKind, since: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """How many uses of `kind` the person made after `since`, and when the oldest of them was."""
    query = select(func.count(), func.min(Usage.at)).where(
        Usage.person_id == person_id, Usage.kind == kind, col(Usage.at) > since
    )
    count, oldest = (await session.exec(query)).one()
    return int(count or 0), oldest


async def record_use(
    session: AsyncSession, *, person_id: int, kind: UsageKind, at: dt.datetime, keep_after: dt.datetime
) -> None:
    """Count one use, and drop this person's uses of that kind that have left the window."""
    await session.exec(
        delete(Usage).where(
            col(Usage.person_id) == person_id, col(Usage.kind) == kind, col(Usage.at) <= keep_after
        )
    )
    session.add(Usage(person_id=person_id, kind=kind, at=at))
    await session.flush()


async def uses_of(session: AsyncSession, *, person_id: int) -> list[Usage]:
    """A person's counted uses still in the window, for `my-data`."""
    query = select(Usage).where(Usage.person_id == person_id).order_by(col(Usage.at))
    return list(await session.exec(query))
