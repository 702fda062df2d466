"""SQLite sessions used straight from the event loop.

A local SQLite call takes tens of microseconds. Handing it to a worker thread (aiosqlite) costs about
0.3 ms per hop, and SQLAlchemy's async session adds a greenlet switch and a coroutine per call on top:
together far more than the query. So on SQLite Tandem uses a plain synchronous session in the event
loop's own thread, behind AsyncSession's own interface. It can block the loop only while SQLite waits for
another process's lock; Database keeps that short (a small busy_timeout) and retries taking the write lock
asynchronously.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSessionTransaction
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession


class InlineSession(AsyncSession):
    """An AsyncSession whose calls run the synchronous session directly, on SQLite.

    It is an AsyncSession in every respect that repository code sees (the same coroutine methods, the
    same results), so every function that takes a session takes this one on SQLite and the asyncio one
    on PostgreSQL under one type. The methods Tandem uses call the sync session without the greenlet
    hop the base class makes for each call; any other method still works, through the base class.
    """

    def __init__(self, sync_session: Session) -> None:
        super().__init__()  # builds a session of its own, unbound, which this one replaces
        self._proxied = self._assign_proxied(sync_session)
        self.sync_session = sync_session

    async def exec(self, statement: Any, **kwargs: Any) -> Any:
        return self.sync_session.exec(statement, **kwargs)

    async def execute(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        return self.sync_session.execute(statement, params, **kwargs)

    async def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        return self.sync_session.get(entity, ident, **kwargs)

    def add_all(self, instances: Iterable[object]) -> None:
        self.sync_session.add_all(instances)

    async def delete(self, instance: object) -> None:
        self.sync_session.delete(instance)

    async def flush(self, objects: Sequence[Any] | None = None) -> None:
        self.sync_session.flush(objects)

    async def rollback(self) -> None:
        self.sync_session.rollback()  # the session joined the transaction so that this ends it too

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[AsyncSessionTransaction]:  # type: ignore[override]  # a savepoint that runs inline
        """A savepoint: released when the block ends, rolled back (and the error raised) when it fails."""
        with self.sync_session.begin_nested():
            yield AsyncSessionTransaction(self, nested=True)


def sync_creator(database: str, *, busy_timeout: float) -> Callable[[], sqlite3.Connection]:
    """A `creator` for SQLAlchemy's pysqlite dialect, for connections used from the event loop."""
    return partial(sqlite3.connect, database, timeout=busy_timeout, check_same_thread=False)
