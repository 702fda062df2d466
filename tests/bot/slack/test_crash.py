"""SIGKILL in the middle of a cohort push, then a restart: each person gets the tip exactly once, and
the sender hears how it went. The real `tandem run`, over real HTTP, against the fake Slack API."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from storage.db import Database
from tests.support.fake_slack import FakeSlack
from tests.support.seed import seed_cohort
from tests.support.server import TandemServer

PEOPLE = 500


def tip_keys(fake: FakeSlack) -> Counter[str]:
    return Counter(
        m["metadata"]["event_payload"]["key"]
        for m in fake.messages
        if (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("tip:")
    )


async def until(condition, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def test_sigkill_during_a_cohort_push_then_restart_sends_each_tip_once(db_url: str) -> None:
    db = Database(db_url)
    await seed_cohort(
        db,
        learners=PEOPLE,
        due_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        platform="slack",
        key_format="slack:T1:U{i:04d}",
    )
    await db.dispose()
    async with FakeSlack(latency=0.01) as fake:
        fake.add_user("UADMIN", name="root", locale="en-US")
        settings = {
            "TANDEM_ADMINS": "UADMIN",
            "TANDEM_GLOBAL_RATE": "200",
            "TANDEM_CONVERSATION_INTERVAL": "0",
        }
        server = TandemServer(db_url, fake.api_url, fake.bot_token, **settings)
        try:
            await server.start()
            assert (
                await server.command(
                    "UADMIN", "push pilot Check who can see your phone number.", fake.response_url("p")
                )
                == 200
            )
            await until(lambda: len(tip_keys(fake)) >= 100)
            server.kill()
            await server.stop()
            killed_at = len(tip_keys(fake))
            assert killed_at < PEOPLE, "the kill must land in the middle of the push"
            await server.start()
            await until(lambda: len(tip_keys(fake)) == PEOPLE)
            await until(
                lambda: any("everyone in the cohort" in m["text"] for m in fake.messages_in("UADMIN"))
            )
        finally:
            await server.close()
    counts = tip_keys(fake)
    assert len(counts) == PEOPLE and max(counts.values()) == 1, "nobody gets none, nobody gets two"
