"""SQLite transactions: BEGIN IMMEDIATE from the start, and waiting for another process's write lock."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy.engine import make_url

from storage import activity
from storage.db import Database


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
