"""A full disk during a commit, then space again: the process recovers by itself, /healthz says 503 only
while it lasts, the person whose command could not be saved is told so, and no message is lost or
doubled.

The disk fills up for real as far as SQLite can tell: the process may not write past 4 KB into any file
(RLIMIT_FSIZE), so SQLite's writes to its log fail at COMMIT with "database or disk is full", as on a
full disk; lifting the limit is the space coming back.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import signal
from collections import Counter
from collections.abc import Iterator

import aiohttp
import pytest
from sqlmodel import select

from storage.models import Delivery
from tests.bot.slack.conftest import SlackTester
from tests.bot.slack.test_delivery import LEARNERS, command, mentor_of_all, programme


@contextlib.contextmanager
def disk_full() -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


async def health(slack: SlackTester) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"{slack.url}/healthz") as response:
        return response.status


def tips(slack: SlackTester) -> Counter[str]:
    return Counter(
        m["metadata"]["event_payload"]["key"]
        for m in slack.fake.messages
        if (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("tip:")
    )


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: PostgreSQL writes to its own server's disk, which this process cannot fill."""
    return sqlite_url


async def test_a_full_disk_then_space_again(slack: SlackTester) -> None:
    await programme(slack)
    await mentor_of_all(slack)
    assert await health(slack) == 200
    slack.fake.latency = 0.3  # the push is still being sent when the disk fills up

    reply = await command(slack, "UMIA", "push pilot Check your privacy settings once a year.")
    assert "Sent to your 4 mentees in pilot" in reply
    await slack.until(lambda: len(slack.fake.calls_to("chat.postMessage")) > 0)
    with disk_full():
        await asyncio.sleep(0.8)  # sends finish; recording them fails at COMMIT, and is tried again
        assert await health(slack) == 503
        refused = await command(slack, "UBOB", "mentor Should I accept every invitation?")
        assert "could not save that just now" in refused or "pas pu l’enregistrer" in refused
        assert await health(slack) == 503
    assert await health(slack) == 200, "space is back: healthy again, without a restart"

    await slack.until(lambda: len(tips(slack)) == len(LEARNERS), timeout=30)
    await slack.until(lambda: any("reached everyone" in t for t in slack.dm_texts("UMIA")), timeout=30)
    assert max(tips(slack).values()) == 1
    async with slack.app.services.db.transaction() as session:
        statuses = {d.status for d in await session.exec(select(Delivery).where(Delivery.kind == "tip"))}
    assert statuses == {"sent"}
    again = await command(slack, "UBOB", "mentor Should I accept every invitation?")
    assert "mia" in again.lower(), "the same command works once the disk has room"
