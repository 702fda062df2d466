"""Dashboard sign-in in storage: links kept as hashes that work once for ten minutes, a new link
replacing the person's older unused ones, two racing requests never both winning, sessions found by id
and token and ended for good, and one cookie-signing secret however many processes ask at once."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import select

from bot.core.context import Services
from storage import web_auth
from storage.db import Database
from storage.enums import PendingKind
from storage.models import PendingAction, Secret
from storage.web_auth import LinkState
from tests.storage.test_downloads import someone

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
LIFETIME = dt.timedelta(minutes=10)
LATER = NOW + LIFETIME


async def issue(services: Services, person_id: int, token: str, now: dt.datetime = NOW) -> None:
    async with services.db.transaction() as session:
        await web_auth.issue_link(
            session, person_id=person_id, token=token, now=now, expires_at=now + LIFETIME
        )


async def use(services: Services, token: str, now: dt.datetime = NOW) -> LinkState:
    async with services.db.transaction() as session:
        return (await web_auth.use_link(session, token=token, now=now)).state


async def links(services: Services) -> list[PendingAction]:
    async with services.db.transaction() as session:
        query = select(PendingAction).where(PendingAction.kind.in_(web_auth.LINK_KINDS))  # type: ignore[attr-defined]
        return list(await session.exec(query))


async def test_a_link_is_a_hash_and_works_once(services: Services) -> None:
    alice = await someone(services, "alice")
    await issue(services, alice, "token-a")
    [row] = await links(services)
    assert row.kind == PendingKind.DASHBOARD_LINK and "token-a" not in str(row.data)
    assert row.data["token_sha256"] == web_auth.token_hash("token-a")
    async with services.db.transaction() as session:
        found = await web_auth.find_link(session, token="token-a", now=NOW)
    assert (found.state, found.person_id) == (LinkState.LIVE, alice)
    assert await use(services, "token-a") == LinkState.LIVE
    assert await use(services, "token-a") == LinkState.USED
    assert [row.kind for row in await links(services)] == [PendingKind.DASHBOARD_LINK_USED]
    assert await use(services, "token-b") == LinkState.UNKNOWN


async def test_a_link_expires_after_ten_minutes(services: Services) -> None:
    alice = await someone(services, "alice")
    await issue(services, alice, "token-a")
    assert await use(services, "token-a", now=LATER - dt.timedelta(seconds=1)) == LinkState.LIVE
    await issue(services, alice, "token-b")
    assert await use(services, "token-b", now=LATER) == LinkState.EXPIRED
    assert await use(services, "token-b", now=LATER) == LinkState.EXPIRED, "still not usable"


async def test_a_new_link_replaces_older_unused_ones_and_expired_ones_go(services: Services) -> None:
    alice, bob = await someone(services, "alice"), await someone(services, "bob")
    await issue(services, alice, "alice-1")
    await issue(services, alice, "alice-2")
    assert await use(services, "alice-1") == LinkState.UNKNOWN, "replaced"
    assert await use(services, "alice-2") == LinkState.LIVE
    await issue(services, alice, "alice-3")
    assert await use(services, "alice-2") == LinkState.USED, "a used link still says so"
    await issue(services, bob, "bob-1", now=LATER + dt.timedelta(minutes=1))
    assert {row.person_id for row in await links(services)} == {bob}, "expired links are cleaned"


async def test_two_requests_racing_for_one_link_get_it_once(services: Services) -> None:
    alice = await someone(services, "alice")
    await issue(services, alice, "raced")
    states = await asyncio.gather(*(use(services, "raced") for _ in range(5)))
    assert states.count(LinkState.LIVE) == 1 and set(states) <= {LinkState.LIVE, LinkState.USED}


async def test_two_processes_racing_for_one_link_get_it_once(services: Services) -> None:
    """Each with its own connection (two replicas): the conditional update lets one win."""
    alice = await someone(services, "alice")
    await issue(services, alice, "raced")
    other = Database(services.db.url)

    async def use_in(db: Database) -> LinkState:
        async with db.transaction() as session:
            return (await web_auth.use_link(session, token="raced", now=NOW)).state

    try:
        states = await asyncio.gather(use_in(services.db), use_in(other), use_in(other), use_in(services.db))
    finally:
        await other.dispose()
    assert states.count(LinkState.LIVE) == 1


async def test_sessions_are_found_by_id_and_token_until_they_end(services: Services) -> None:
    alice = await someone(services, "alice")
    async with services.db.transaction() as session:
        live = await web_auth.start_session(
            session,
            person_id=alice,
            token="cookie",
            csrf="form",
            now=NOW,
            expires_at=NOW + dt.timedelta(hours=8),
        )
        [row] = list(
            await session.exec(select(PendingAction).where(PendingAction.kind == PendingKind.WEB_SESSION))
        )
    assert "cookie" not in str(row.data) and row.data["csrf"] == "form"

    async def find(token: str, now: dt.datetime = NOW) -> web_auth.WebSession | None:
        async with services.db.transaction() as session:
            return await web_auth.find_session(session, session_id=live.id, token=token, now=now)

    found = await find("cookie")
    assert found is not None and (found.person_id, found.csrf) == (alice, "form")
    assert await find("other") is None, "the token must match"
    assert await find("cookie", NOW + dt.timedelta(hours=8)) is None, "8 hours at most"
    async with services.db.transaction() as session:
        assert await web_auth.end_session(session, session_id=live.id)
        assert not await web_auth.end_session(session, session_id=live.id)
    assert await find("cookie") is None


async def test_expired_sessions_are_cleaned_as_new_ones_start(services: Services) -> None:
    alice = await someone(services, "alice")
    for start in (NOW, NOW + dt.timedelta(hours=9)):
        async with services.db.transaction() as session:
            await web_auth.start_session(
                session,
                person_id=alice,
                token="t",
                csrf="c",
                now=start,
                expires_at=start + dt.timedelta(hours=8),
            )
    async with services.db.transaction() as session:
        rows = list(
            await session.exec(select(PendingAction).where(PendingAction.kind == PendingKind.WEB_SESSION))
        )
        assert len(rows) == 1
        assert await web_auth.end_sessions_of(session, person_id=alice) == 1


async def test_the_secret_is_made_once_whoever_asks_first(services: Services) -> None:
    others = [Database(services.db.url) for _ in range(3)]

    async def ask(db: Database, candidate: str) -> str:
        async with db.transaction() as session:
            return await web_auth.secret(session, name="dashboard-cookie", candidate=candidate)

    try:
        values = await asyncio.gather(
            *(ask(db, f"candidate-{i}") for i, db in enumerate([services.db, *others]))
        )
    finally:
        for db in others:
            await db.dispose()
    assert len(set(values)) == 1 and values[0].startswith("candidate-")
    assert await ask(services.db, "late") == values[0]
    async with services.db.transaction() as session:
        assert len(list(await session.exec(select(Secret)))) == 1
