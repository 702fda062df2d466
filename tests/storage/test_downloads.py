"""One-time download links in storage: only a hash is kept, a link works once, a newer one replaces the
last, expired links are refused and then purged, and two requests racing for one link cannot both win."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import select

from bot.core.context import Services
from storage import activity, downloads, people
from storage.downloads import LinkState
from storage.models import PendingAction, PersonCreate

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
LIFETIME = dt.timedelta(minutes=15)
LATER = NOW + LIFETIME


async def someone(services: Services, name: str) -> int:
    async with services.db.transaction() as session:
        data = PersonCreate(key=f"console:{name}", platform="console", display_name=name)
        person = await people.get_or_create_person(session, data=data)
        return person.id or 0


async def issue(services: Services, person_id: int, token: str, now: dt.datetime = NOW) -> None:
    async with services.db.transaction() as session:
        await downloads.issue_link(
            session, person_id=person_id, token=token, export="my-data", now=now, expires_at=now + LIFETIME
        )


async def use(services: Services, token: str, now: dt.datetime = NOW) -> LinkState:
    async with services.db.transaction() as session:
        return (await downloads.use_link(session, token=token, now=now)).state


async def test_a_link_is_stored_as_a_hash_and_works_once(services: Services) -> None:
    alice = await someone(services, "alice")
    await issue(services, alice, "secret-token-a")
    async with services.db.transaction() as session:
        [row] = list(await session.exec(select(PendingAction)))
        found = await downloads.find_link(session, token="secret-token-a", now=NOW)
    assert "secret-token-a" not in str(row.data) and row.data["token_sha256"] == downloads.token_hash(
        "secret-token-a"
    )
    assert (found.state, found.person_id, found.export) == (LinkState.LIVE, alice, "my-data")
    assert await use(services, "secret-token-a") == LinkState.LIVE
    assert await use(services, "secret-token-a") == LinkState.USED
    assert await use(services, "secret-token-b") == LinkState.UNKNOWN


async def test_expired_replaced_and_forgotten_links(services: Services) -> None:
    alice, bob = await someone(services, "alice"), await someone(services, "bob")
    await issue(services, alice, "alice-1")
    await issue(services, bob, "bob-1")
    assert await use(services, "bob-1", now=LATER) == LinkState.EXPIRED
    await issue(services, alice, "alice-2", now=LATER)  # replaces alice-1, purges bob's expired link
    assert await use(services, "alice-1", now=LATER) == LinkState.UNKNOWN
    assert await use(services, "bob-1", now=LATER) == LinkState.UNKNOWN
    async with services.db.transaction() as session:
        await activity.erase_person(session, person_id=alice)
    assert await use(services, "alice-2", now=LATER) == LinkState.UNKNOWN


async def test_two_requests_racing_for_one_link_get_it_once(services: Services) -> None:
    alice = await someone(services, "alice")
    await issue(services, alice, "raced")
    states = await asyncio.gather(*(use(services, "raced") for _ in range(4)))
    assert sorted(states).count(LinkState.LIVE) == 1
    assert set(states) <= {LinkState.LIVE, LinkState.USED}
