"""The SQL of a people import (bot/core/people_import.py): finding the people a file names, walking
reporting lines, and writing the import in the caller's transaction.

People a platform cannot resolve yet (an email Slack does not know, a Teams person who has not
installed the app and was given by email only) get a *pending key*: their platform, their workspace and
`~<email>`. Nothing can be sent to them (they are unreachable); a later import that resolves them, or
their first contact, gives them their real key (`claim`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import keys
from storage.enums import PendingKind
from storage.models import PendingAction, Person
from storage.sql import starts_with

PENDING_MARK = "~"
"""How a pending key's last part starts: no platform id starts so."""
WALK_LIMIT = 10_000
"""Reporting lines longer than this are treated as a loop (they cannot be real)."""


def pending_key(platform: str, workspace: str, email: str) -> str:
    """`slack:T1:~ann@example.com`: someone known by email only, until the platform resolves them."""
    return keys.person_key(platform, workspace, f"{PENDING_MARK}{email.lower()}")


def is_pending_key(key: str) -> bool:
    return keys.local_id(key).startswith(PENDING_MARK)


async def people_by_emails(session: AsyncSession, *, emails: Sequence[str], prefix: str) -> dict[str, Person]:
    """The people of one workspace (keys starting with `prefix`) with these emails (lower-case), by
    email; when two share one, the oldest."""
    if not emails:
        return {}
    query = (
        select(Person)
        .where(col(Person.email).in_(list(emails)), starts_with(col(Person.key), prefix))
        .order_by(col(Person.id).desc())
    )
    return {person.email or "": person for person in await session.exec(query)}


async def managers_of(session: AsyncSession, *, ids: Iterable[int]) -> dict[int, int | None]:
    """Each person's manager id (None for nobody), for these person ids."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(Person.id, Person.manager_id).where(col(Person.id).in_(wanted))
    return {int(pid): manager for pid, manager in await session.exec(query) if pid is not None}


async def chain_loops(session: AsyncSession, *, start: int, planned: dict[int, int | None]) -> bool:
    """Whether walking up from person `start` (by id) through their managers comes back round:
    `planned` overrides what the database says for the people the import changes."""
    seen: set[int] = set()
    current: int | None = start
    cache: dict[int, int | None] = {}
    for _ in range(WALK_LIMIT):
        if current is None:
            return False
        if current in seen:
            return True
        seen.add(current)
        if current in planned:
            current = planned[current]
            continue
        if current not in cache:
            cache.update(await managers_of(session, ids=[current]))
        current = cache.get(current)
    return True


async def insert_people(session: AsyncSession, *, rows: Sequence[dict[str, Any]]) -> dict[str, Person]:
    """New people, in one flush; returns them by key."""
    made = [Person(**row) for row in rows]
    session.add_all(made)
    await session.flush()
    return {person.key: person for person in made}


async def save_people(session: AsyncSession, *, people: Sequence[Person]) -> None:
    """Write the changes made to these loaded people."""
    session.add_all(people)
    await session.flush()


async def claim(session: AsyncSession, *, key: str, platform: str, email: str | None) -> Person | None:
    """The imported person still waiting under a pending key (same workspace, same email) given the real
    key `key` of someone who just showed up; None when there is none, or `key` is taken already."""
    if not email:
        return None
    found = keys.parse_person_key(key)
    wanted = pending_key(platform, found.workspace, email)
    if (await session.exec(select(Person.id).where(col(Person.key) == key))).first() is not None:
        return None
    person = (await session.exec(select(Person).where(col(Person.key) == wanted))).first()
    if person is None:
        return None
    person.key = key
    session.add(person)
    await session.flush()
    return person


async def take_preview(
    session: AsyncSession, *, person_id: int, pending_id: int, now: dt.datetime
) -> PendingAction | None:
    """The import preview `pending_id` of this person, removed (it is used once); None when it is not
    theirs, was used already, or expired."""
    query = select(PendingAction).where(
        col(PendingAction.id) == pending_id,
        col(PendingAction.person_id) == person_id,
        col(PendingAction.kind) == PendingKind.IMPORT_PREVIEW,
    )
    pending = (await session.exec(query)).first()
    if pending is None:
        return None
    await session.delete(pending)
    await session.flush()
    return pending if pending.expires_at > now else None
