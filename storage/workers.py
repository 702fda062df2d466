"""Dispatcher leases: each running process heartbeats its row, and its claims outlive it only briefly.

A process that dies (SIGKILL, a crash, a lost machine) stops heartbeating; once its lease lapses, other
processes take over its claimed deliveries and jobs. A process that starts on the same host also removes
the rows of processes there that no longer exist, so a restart recovers at once.
"""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Worker
from storage.sql import dialect_insert, table_of

_WORKER = table_of(Worker)


async def heartbeat(session: AsyncSession, *, worker: str, host: str, pid: int, now: dt.datetime) -> None:
    """This process is alive at `now` (its row is created the first time)."""
    insert = dialect_insert(session)(_WORKER).values(
        id=worker, host=host, pid=pid, started_at=now, seen_at=now
    )
    statement = insert.on_conflict_do_update(index_elements=["id"], set_={"seen_at": now})
    await session.exec(statement)


async def forget(session: AsyncSession, *, worker: str) -> None:
    """A process that stops cleanly gives up its lease."""
    await session.exec(delete(Worker).where(col(Worker.id) == worker))


async def forget_dead_on_host(session: AsyncSession, *, host: str, me: str) -> int:
    """Rows of processes on this host that no longer run: their leases end now. Returns how many."""
    rows = list(await session.exec(select(Worker).where(Worker.host == host, Worker.id != me)))
    dead = [row.id for row in rows if not _alive(row.pid)]
    if dead:
        await session.exec(delete(Worker).where(col(Worker.id).in_(dead)))
    return len(dead)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True
