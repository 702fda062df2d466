"""Rooms in the database, on SQLite and PostgreSQL: the latest conversation reference of a room is kept,
read back one by one or for a whole claim, and forgotten; a ledger row for a room is claimed with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from storage import deliveries, keys, rooms
from storage.db import Database
from storage.enums import DeliveryKind
from storage.models import ChatRoom, Person

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
GROUP = keys.teams_room("tenant-1", "19:group@thread.v2")
CHANNEL = keys.teams_room("tenant-1", "19:general@thread.tacv2;messageid=17")


def reference(conversation: str, service: str = "https://smba.example.net/emea/") -> dict[str, object]:
    return {"serviceUrl": service, "conversation": {"id": conversation, "conversationType": "groupChat"}}


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def test_a_room_is_remembered_then_refreshed(db: Database) -> None:
    async with db.transaction() as session:
        await rooms.remember_room(
            session, key=GROUP, platform="teams", conversation=reference("19:group@thread.v2"), now=NOW
        )
    later = NOW + dt.timedelta(hours=1)
    moved = reference("19:group@thread.v2", service="https://smba.example.net/amer/")
    async with db.transaction() as session:
        await rooms.remember_room(session, key=GROUP, platform="teams", conversation=moved, now=later)
    async with db.transaction() as session:
        assert await rooms.room_conversation(session, key=GROUP) == moved
        assert await rooms.room_conversation(session, key=CHANNEL) is None
        [row] = list(await session.exec(select(ChatRoom)))
    assert (row.key, row.platform, row.seen_at) == (GROUP, "teams", later)


async def test_rooms_are_read_for_a_whole_claim_and_forgotten(db: Database) -> None:
    async with db.transaction() as session:
        await rooms.remember_room(
            session, key=GROUP, platform="teams", conversation=reference("19:group@thread.v2"), now=NOW
        )
        await rooms.remember_room(session, key=CHANNEL, platform="teams", conversation=None, now=NOW)
    async with db.transaction() as session:
        found = await rooms.room_conversations(session, keys=[GROUP, CHANNEL, "teams-room:x:unknown", GROUP])
        assert found == {GROUP: reference("19:group@thread.v2")}, "a room without a reference is left out"
        assert await rooms.room_conversations(session, keys=[]) == {}
    async with db.transaction() as session:
        assert await rooms.forget_room(session, key=GROUP)
        assert not await rooms.forget_room(session, key=GROUP)
    async with db.transaction() as session:
        assert await rooms.room_conversation(session, key=GROUP) is None


async def test_a_ledger_row_for_a_room_is_claimed_with_its_room(db: Database) -> None:
    async with db.transaction() as session:
        host = Person(key="teams:tenant-1:aad-mia", platform="teams", display_name="Mia")
        session.add(host)
        await session.flush()
        row = {"person_id": host.id, "kind": DeliveryKind.NOTICE, "due_at": NOW, "created_at": NOW}
        await deliveries.enqueue(
            session,
            rows=[
                {**row, "dedupe_key": "msg:room", "room": GROUP},
                {**row, "dedupe_key": "msg:dm", "room": None},
            ],
        )
    async with db.transaction() as session:
        claims = await deliveries.claim(
            session, now=NOW, worker="w1", platforms=["teams"], alive_since=NOW, limit=10
        )
    assert {claim.dedupe_key: claim.room for claim in claims} == {"msg:room": GROUP, "msg:dm": None}
