"""SQLite sessions used straight from the event loop.

A local SQLite call takes tens of microseconds. Handing it to a worker thread (aiosqlite) costs about
0.3 ms per hop, and SQLAlchemy's async session adds a greenlet switch and a coroutine per call on top:
together far more than the query. So on SQLite Tandem uses a plain synchronous session in the event
loop's own thread, behind the same coroutine methods as AsyncSession. It can block the loop only while
SQLite waits for another process's lock; Database keeps that short (a small busy_timeout) and retries
taking the write lock asynchronously.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from sqlalchemy.engine import Transaction
from sqlmodel import Session


class InlineSession:
    """The part of AsyncSession's API Tandem uses, over a synchronous Session on SQLite.

    SQLite runs in the event loop's own thread anyway, so the async session's machinery (a greenlet
    per call, a coroutine per DBAPI call) buys nothing there and costs about 0.3 ms per statement, more
    than the statement itself. Each method here calls the sync session directly; they stay coroutines
    so that repository code is the same on SQLite and PostgreSQL.
    """

    def __init__(self, sync_session: Session, raw: sqlite3.Connection, outer: Transaction) -> None:
        self.sync_session = sync_session
        self.raw = raw
        """The sqlite3 connection of the transaction the session joined, for prepared statements."""
        self.outer = outer
        """That transaction, which a rollback ends too: prepared statements write outside the session."""

    @property
    def bind(self) -> Any:
        return self.sync_session.bind

    async def exec(self, statement: Any, **kwargs: Any) -> Any:
        return self.sync_session.exec(statement, **kwargs)

    async def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        return self.sync_session.get(entity, ident, **kwargs)

    def add(self, instance: object) -> None:
        self.sync_session.add(instance)

    def add_all(self, instances: Iterable[object]) -> None:
        self.sync_session.add_all(instances)

    async def delete(self, instance: object) -> None:
        self.sync_session.delete(instance)

    async def flush(self, objects: Sequence[object] | None = None) -> None:
        self.sync_session.flush(objects)

    async def rollback(self) -> None:
        self.sync_session.rollback()
        if self.outer.is_active:
            self.outer.rollback()

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[Any]:
        """A savepoint: released when the block ends, rolled back (and the error raised) when it fails."""
        with self.sync_session.begin_nested() as savepoint:
            yield savepoint


def sync_creator(database: str, *, busy_timeout: float) -> Callable[[], sqlite3.Connection]:
    """A `creator` for SQLAlchemy's pysqlite dialect, for connections used from the event loop."""
    return partial(sqlite3.connect, database, timeout=busy_timeout, check_same_thread=False)


def begin_immediate_sync(dbapi_connection: Any) -> None:
    """`do_begin` for plain sqlite3 connections: BEGIN IMMEDIATE, so the write lock comes first."""
    dbapi_connection.execute("BEGIN IMMEDIATE")
