"""Rooms Tandem posts in for several people at once, and how to post there later (the `chat_room` table).

A Slack channel needs nothing stored: the bot posts to its id. A Teams group chat or channel takes a
proactive message only through a conversation reference the bot was given there, so the Teams channel
keeps the reference of each room an event comes from, and the delivery carrier reads it back when a
ledger row is for that room. The references name the conversation and the bot, never a person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatRoom
from storage.sql import dialect_insert, table_of

_ROOM = table_of(ChatRoom)
_CHUNK = 500


async def remember_room(
    session: AsyncSession,
    *,
    key: str,
    platform: str,
    conversation: Mapping[str, Any] | None,
    now: dt.datetime,
) -> None:
    """Keep (or refresh) how to post into the room `key` (a room key, storage/keys.py): the latest
    reference replaces an older one, since a platform may move a conversation to another service URL."""
    values = {
        "key": key,
        "platform": platform,
        "conversation": dict(conversation or {}) or None,
        "seen_at": now,
    }
    insert = dialect_insert(session)(_ROOM).values(values)
    statement = insert.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "platform": insert.excluded.platform,
            "conversation": insert.excluded.conversation,
            "seen_at": insert.excluded.seen_at,
        },
    )
    await session.exec(statement)


async def room_conversation(session: AsyncSession, *, key: str) -> dict[str, Any] | None:
    """The stored conversation reference of the room `key`; None when Tandem has none."""
    query = select(ChatRoom.conversation).where(col(ChatRoom.key) == key)
    found = (await session.exec(query)).first()
    return dict(found) if found else None


async def room_conversations(session: AsyncSession, *, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored conversation references of several rooms at once, by room key; rooms without one are
    left out (the delivery carrier reads those of a whole claim with this)."""
    wanted = sorted(set(keys))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = select(ChatRoom.key, ChatRoom.conversation).where(
            col(ChatRoom.key).in_(wanted[start : start + _CHUNK])
        )
        found.update(
            {key: dict(conversation) for key, conversation in await session.exec(query) if conversation}
        )
    return found


async def forget_room(session: AsyncSession, *, key: str) -> bool:
    """Forget how to post into a room the bot was removed from; False when it was not known."""
    result = await session.exec(delete(ChatRoom).where(col(ChatRoom.key) == key))
    return bool(result.rowcount)
