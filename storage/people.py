"""Repository functions for people and mentorships (session first, keyword arguments after)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import PairingSource, PersonRole
from storage.keys import local_id
from storage.models import Enrollment, Mentorship, Pairing, Person, PersonCreate, PersonUpdate
from storage.sql import LIKE_ESCAPE, dialect_insert, escape_like


async def get_person(session: AsyncSession, *, key: str) -> Person | None:
    return (await session.exec(select(Person).where(Person.key == key))).first()


IS_MENTOR = or_(
    col(Person.role) == PersonRole.MENTOR, exists().where(col(Mentorship.mentor_id) == col(Person.id))
).label("is_mentor")
"""Who is a mentor, the one rule behind every mentor-only command: someone whose role is mentor (a people
import, `mentors @person`), with or without a mentee yet, and anyone who mentors someone now. What a
mentor then reaches stays their own mentees: each command scopes itself to them."""

_PERSON_WITH_ROLE = select(Person, IS_MENTOR).where(col(Person.key) == bindparam("key"))
"""Built once, run with the key as a parameter: every event runs it, and building a statement costs
more than SQLAlchemy's compiled-statement cache then does to run it."""


async def get_person_with_role(session: AsyncSession, *, key: str) -> tuple[Person, bool] | None:
    """The person with this key and whether they are a mentor (`IS_MENTOR`), in one query: every event
    needs both."""
    row = (await session.exec(_PERSON_WITH_ROLE, params={"key": key})).first()
    return (row[0], bool(row[1])) if row is not None else None


async def get_person_by_id(session: AsyncSession, *, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def get_or_create_person(session: AsyncSession, *, data: PersonCreate) -> Person:
    """The person with this key, created if needed; safe when two events for a new person race."""
    existing = await get_person(session, key=data.key)
    if existing is not None:
        return existing
    person, _ = await create_person_unless_exists(session, data=data)
    return person


async def create_person_unless_exists(session: AsyncSession, *, data: PersonCreate) -> tuple[Person, bool]:
    """Create the person, for a caller that just found no one with that key; (person, True) when created.

    One `INSERT … ON CONFLICT (key) DO NOTHING RETURNING`: when another transaction created them
    meanwhile, nothing is written and that person is returned with False (on PostgreSQL the insert waits
    for that transaction to end), with no savepoint, and the transaction stays usable. Every first
    message from someone new comes here.
    """
    values = Person.model_validate(data).model_dump(exclude={"id"})
    statement = dialect_insert(session)(Person).values(values).on_conflict_do_nothing(index_elements=["key"])
    created = (await session.exec(statement.returning(Person))).scalars().first()
    if created is not None:
        return created, True
    found = await get_person(session, key=data.key)
    if found is None:  # the conflict was not on the key after all
        raise RuntimeError("a new person could not be stored")
    return found, False


BATCH = 200
"""Rows per statement in bulk work. SQLite runs in the event loop's thread, so between two batches the
loop serves other requests (a Slack acknowledgement must not wait for a 2,000-person enrollment)."""


async def create_people(session: AsyncSession, *, data: Sequence[PersonCreate]) -> list[Person]:
    """Many people, a batch per flush rather than one round trip each; one by one in a batch where
    another event created some of them meanwhile."""
    created: list[Person] = []
    for start in range(0, len(data), BATCH):
        batch = data[start : start + BATCH]
        people = [Person.model_validate(item) for item in batch]
        try:
            async with session.begin_nested():
                session.add_all(people)
        except IntegrityError:
            people = [await get_or_create_person(session, data=item) for item in batch]
        created.extend(people)
        await asyncio.sleep(0)
    return created


async def update_person(session: AsyncSession, *, person: Person, data: PersonUpdate) -> Person:
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(person, name, value)
    session.add(person)
    await session.flush()
    return person


async def people_by_keys(session: AsyncSession, *, keys: Sequence[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for start in range(0, len(keys), BATCH):
        chunk = list(keys[start : start + BATCH])
        found.update({p.key: p for p in await session.exec(select(Person).where(col(Person.key).in_(chunk)))})
        await asyncio.sleep(0)
    return found


async def people_by_ids(session: AsyncSession, *, ids: Sequence[int]) -> dict[int, Person]:
    found: dict[int, Person] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        rows = await session.exec(select(Person).where(col(Person.id).in_(chunk)))
        found.update({p.id: p for p in rows if p.id is not None})
    return found


async def find_by_name(session: AsyncSession, *, name: str, platform: str) -> list[Person]:
    """The people on one platform that `name` names, by the most exact rule that finds anyone: their
    local id as typed (`U0AB12`), then their local id or display name in any case. `%` and `_` in
    `name` are plain characters, never wildcards."""
    lowered = name.lower()
    query = select(Person).where(
        Person.platform == platform,
        (func.lower(Person.display_name) == lowered)
        | func.lower(Person.key).like(f"%:{escape_like(lowered)}", escape=LIKE_ESCAPE),
    )
    found = list(await session.exec(query))
    for rule in (
        lambda p: local_id(p.key) == name,
        lambda p: local_id(p.key).lower() == lowered,
        lambda p: p.display_name.lower() == lowered,
    ):
        chosen = [person for person in found if rule(person)]
        if chosen:
            return chosen
    return []


async def list_admins(session: AsyncSession) -> list[Person]:
    return list(
        await session.exec(select(Person).where(col(Person.is_admin).is_(True)).order_by(col(Person.id)))
    )


async def mentor_of(session: AsyncSession, *, mentee_id: int) -> Person | None:
    query = select(Person).join(Mentorship, col(Mentorship.mentor_id) == col(Person.id))
    return (await session.exec(query.where(Mentorship.mentee_id == mentee_id))).first()


async def mentees_of(session: AsyncSession, *, mentor_id: int) -> list[Person]:
    query = (
        select(Person)
        .join(Mentorship, col(Mentorship.mentee_id) == col(Person.id))
        .where(Mentorship.mentor_id == mentor_id)
        .order_by(col(Person.display_name))
    )
    return list(await session.exec(query))


async def is_mentor(session: AsyncSession, *, person_id: int) -> bool:
    """Whether the person is a mentor (`IS_MENTOR`): their role says so, or they mentor someone now."""
    query = select(IS_MENTOR).select_from(Person).where(col(Person.id) == person_id)
    return bool((await session.exec(query)).first())


async def pair(
    session: AsyncSession,
    *,
    mentor_id: int,
    mentee_id: int,
    now: dt.datetime,
    source: str = PairingSource.MANUAL,
) -> Person | None:
    """Make `mentor_id` the mentee's mentor; returns the previous mentor, if any (the same mentor again
    changes nothing). The history keeps every pair: the mentee's pairing in force ends at `now` and a new
    one starts, made by `source` (a PairingSource)."""
    previous = await mentor_of(session, mentee_id=mentee_id)
    if previous is not None and previous.id == mentor_id:
        return previous
    await session.exec(delete(Mentorship).where(col(Mentorship.mentee_id) == mentee_id))
    await _end_pairings(session, now=now, mentee_id=mentee_id)
    session.add(Mentorship(mentor_id=mentor_id, mentee_id=mentee_id, created_at=now))
    session.add(Pairing(mentor_id=mentor_id, mentee_id=mentee_id, source=source, started_at=now))
    await session.flush()
    return previous


async def unpair(session: AsyncSession, *, mentor_id: int, mentee_id: int, now: dt.datetime) -> bool:
    """End a pair in force (False when those two are not paired); its history row ends at `now` and
    stays, so that matching never proposes it again."""
    result = await session.exec(
        delete(Mentorship).where(
            col(Mentorship.mentor_id) == mentor_id, col(Mentorship.mentee_id) == mentee_id
        )
    )
    if not result.rowcount:
        return False
    await _end_pairings(session, now=now, mentee_id=mentee_id, mentor_id=mentor_id)
    return True


async def _end_pairings(
    session: AsyncSession, *, now: dt.datetime, mentee_id: int, mentor_id: int | None = None
) -> None:
    """Close the mentee's pairings still open (with this mentor only, when given)."""
    query = update(Pairing).where(col(Pairing.mentee_id) == mentee_id, col(Pairing.ended_at).is_(None))
    if mentor_id is not None:
        query = query.where(col(Pairing.mentor_id) == mentor_id)
    await session.exec(query.values(ended_at=now))


async def save_conversation(
    session: AsyncSession, *, person: Person, conversation: dict[str, Any] | None
) -> Person:
    """Store where the platform lets the bot write to this person; `None` forgets it (the app was removed).
    Whether the person can be reached is `storage.reachability`'s business."""
    person.conversation = conversation
    session.add(person)
    await session.flush()
    return person


async def mentors(session: AsyncSession) -> list[Person]:
    """Everyone who mentors someone."""
    query = select(Person).where(col(Person.id).in_(select(Mentorship.mentor_id))).order_by(col(Person.id))
    return list(await session.exec(query))


async def end_pauses(session: AsyncSession, *, now: dt.datetime) -> None:
    """Pauses that have ended are cleared, so `settings` and reports stop showing them."""
    await session.exec(update(Person).where(col(Person.paused_until) <= now).values(paused_until=None))
    await session.exec(
        update(Enrollment).where(col(Enrollment.paused_until) <= now).values(paused_until=None)
    )
