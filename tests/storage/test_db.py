"""Transactions: BEGIN IMMEDIATE from the start on SQLite, waiting for another process's write lock, and
what a block that rolls back or fails at commit time leaves behind."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import activity
from storage.db import Database, NestedTransaction
from storage.models import Person


def other_process(url: str) -> sqlite3.Connection:
    """A second connection to the same file, as another process would hold it."""
    return sqlite3.connect(make_url(url).database or "", timeout=0, isolation_level=None)


async def test_a_transaction_holds_the_write_lock_from_its_start(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    other = other_process(sqlite_url)
    try:
        async with db.transaction():
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("COMMIT")
    finally:
        other.close()
        await db.dispose()


async def test_a_transaction_waits_for_another_process_to_commit(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    other = other_process(sqlite_url)
    try:
        other.execute("BEGIN IMMEDIATE")
        asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
        async with db.transaction() as session:
            assert await activity.first_sighting(session, event_id="Ev-after-the-lock")
        async with db.transaction() as session:
            assert not await activity.first_sighting(session, event_id="Ev-after-the-lock")
    finally:
        other.close()
        await db.dispose()


async def test_a_block_that_rolls_back_leaves_the_next_transaction_clean(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with db.transaction() as session:
            assert await activity.first_sighting(session, event_id="Ev-dry-run")
            await session.rollback()  # a dry run
        async with db.transaction() as session:
            assert await activity.first_sighting(session, event_id="Ev-dry-run")  # nothing was kept
            assert await activity.first_sighting(session, event_id="Ev-kept")
        async with db.transaction() as session:
            assert not await activity.first_sighting(session, event_id="Ev-kept")
    finally:
        await db.dispose()


async def test_a_failure_at_commit_time_writes_nothing_and_the_next_transaction_works(db_url: str) -> None:
    db = Database(db_url)
    try:
        with pytest.raises(IntegrityError):
            async with db.transaction() as session:
                assert await activity.first_sighting(session, event_id="Ev-lost")
                session.add(Person(key="dup", platform="slack", display_name="A"))
                session.add(Person(key="dup", platform="slack", display_name="B"))  # flushed at the end
        async with db.transaction() as session:
            assert await activity.first_sighting(session, event_id="Ev-lost")
            assert (await session.exec(select(Person))).first() is None
    finally:
        await db.dispose()


async def test_a_transaction_inside_another_is_refused_the_same_on_both_databases(db_url: str) -> None:
    """On SQLite it would wait for itself forever; on PostgreSQL it would be a second transaction that
    cannot see the first one's writes. Both raise, and the outer transaction is unharmed."""
    db = Database(db_url)
    try:
        async with db.transaction() as session:
            assert await activity.first_sighting(session, event_id="Ev-outer")
            with pytest.raises(NestedTransaction):
                async with db.transaction():
                    pass
        async with db.transaction() as session:
            assert not await activity.first_sighting(session, event_id="Ev-outer")  # the outer one committed

        async def other_task() -> bool:
            async with db.transaction() as session:
                return await activity.first_sighting(session, event_id="Ev-other-task")

        assert await asyncio.create_task(other_task()), "another task may open one after it"
    finally:
        await db.dispose()


async def test_the_session_is_an_async_session_on_both_databases(db_url: str) -> None:
    """One session type for every repository function: SQLite's inline session is an AsyncSession."""
    db = Database(db_url)
    try:
        async with db.transaction() as session:
            assert isinstance(session, AsyncSession)
            assert (await session.exec(select(Person))).first() is None
            async with session.begin_nested():
                session.add(Person(key="console:nested", platform="console", display_name="N"))
            assert (await session.exec(select(Person.key))).all() == ["console:nested"]
    finally:
        await db.dispose()
