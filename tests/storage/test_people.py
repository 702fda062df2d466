"""The statements every event runs (load the person with their role, create someone new, record a
question, mark an event as seen): values, identity in the session, errors and races, on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage import activity, people
from storage.db import Database
from storage.enums import PersonRole
from storage.models import Person, PersonCreate, Question, QuestionCreate, SeenEvent

WHEN = dt.datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def add_person(db: Database, key: str = "slack:T1:U1", **values: object) -> int:
    async with db.transaction() as session:
        person, _ = await people.create_person_unless_exists(
            session, data=PersonCreate(key=key, platform="slack", display_name="Ada")
        )
        for name, value in values.items():
            setattr(person, name, value)
        return person.id or 0


async def test_a_person_loads_with_every_column_as_the_orm_reads_it(db: Database) -> None:
    conversation = {"channel": "D1", "nested": {"ids": [1, 2]}}
    await add_person(db, lang="fr", tz="Europe/Paris", conversation=conversation, paused_until=WHEN)
    async with db.transaction() as session:
        found = await people.get_person_with_role(session, key="slack:T1:U1")
        same = (await session.exec(select(Person))).scalars().first()
    async with db.transaction() as session:
        reference = (await session.exec(select(Person))).scalars().first()
    assert found is not None and reference is not None
    person, is_mentor = found
    assert is_mentor is False
    assert person is same  # one identity in the session
    assert person.model_dump() == reference.model_dump()
    assert (person.lang, person.tz, person.conversation) == ("fr", "Europe/Paris", conversation)
    assert person.paused_until == WHEN and person.paused_until.tzinfo is not None
    assert person.created_at.tzinfo is not None
    assert person.reachable is True and person.is_admin is False


async def test_a_change_to_a_loaded_person_is_committed_with_the_transaction(db: Database) -> None:
    await add_person(db)
    async with db.transaction() as session:
        found = await people.get_person_with_role(session, key="slack:T1:U1")
        assert found is not None
        found[0].lang = "fr"
        found[0].conversation = {"channel": "D9"}
    async with db.transaction() as session:
        again = await people.get_person_with_role(session, key="slack:T1:U1")
    assert again is not None
    assert (again[0].lang, again[0].conversation) == ("fr", {"channel": "D9"})


async def test_a_load_keeps_the_sessions_own_unflushed_changes(db: Database) -> None:
    await add_person(db)
    async with db.transaction() as session:
        first = await people.get_person_with_role(session, key="slack:T1:U1")
        assert first is not None
        first[0].display_name = "Changed"
        second = await people.get_person_with_role(session, key="slack:T1:U1")
    assert second is not None and second[0] is first[0]
    assert second[0].display_name == "Changed"


async def test_mentors_are_told_apart(db: Database) -> None:
    mentor_id = await add_person(db, key="slack:T1:UM")
    mentee_id = await add_person(db, key="slack:T1:UL")
    async with db.transaction() as session:
        await people.pair(session, mentor_id=mentor_id, mentee_id=mentee_id, now=WHEN)
    async with db.transaction() as session:
        mentor = await people.get_person_with_role(session, key="slack:T1:UM")
        mentee = await people.get_person_with_role(session, key="slack:T1:UL")
        nobody = await people.get_person_with_role(session, key="slack:T1:UX")
    assert mentor is not None and mentor[1] is True
    assert mentee is not None and mentee[1] is False
    assert nobody is None


async def test_a_mentor_by_role_is_a_mentor_before_any_mentee(db: Database) -> None:
    """A people import or `mentors @person` makes someone a mentor before they are paired: every role check
    (the event's, `is_mentor`) says so; a learner's role, or none, does not."""
    waiting = await add_person(db, key="slack:T1:UW", role=PersonRole.MENTOR)
    learner = await add_person(db, key="slack:T1:UL", role=PersonRole.LEARNER)
    await add_person(db, key="slack:T1:UN")
    async with db.transaction() as session:
        found = {key: await people.get_person_with_role(session, key=f"slack:T1:U{key}") for key in "WLN"}
        checked = [await people.is_mentor(session, person_id=pid) for pid in (waiting, learner, 4242)]
    assert {key: row[1] if row else None for key, row in found.items()} == {"W": True, "L": False, "N": False}
    assert checked == [True, False, False]


async def test_a_question_is_stored_as_the_orm_would_store_it(db: Database) -> None:
    person_id = await add_person(db)
    data = QuestionCreate(person_id=person_id, text="café ? 'quotes' \"too\"", lang="fr", confident=True)
    async with db.transaction() as session:
        question_id = await activity.add_question(session, data=data, now=WHEN)
    async with db.transaction() as session:
        stored = await activity.get_question(session, question_id=question_id)
    assert stored is not None
    assert (stored.person_id, stored.text, stored.lang, stored.confident) == (
        person_id,
        "café ? 'quotes' \"too\"",
        "fr",
        True,
    )
    assert stored.status == "open" and stored.lesson_id is None
    assert stored.created_at == WHEN


async def test_a_load_sees_objects_the_session_has_not_flushed_yet(db: Database) -> None:
    async with db.transaction() as session:
        person = Person(key="slack:T1:UNEW", platform="slack", display_name="New")
        session.add(person)  # pending: autoflush sends it before the load
        found = await people.get_person_with_role(session, key="slack:T1:UNEW")
    assert found is not None and found[0] is person and person.id is not None


async def test_a_failed_insert_raises_the_usual_error_and_writes_nothing(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            assert await activity.first_sighting(session, event_id="Ev1")
            await activity.add_question(session, data=QuestionCreate(person_id=4242, text="q"), now=WHEN)
    async with db.transaction() as session:
        assert (await session.exec(select(Question))).first() is None
        assert await activity.first_sighting(session, event_id="Ev1")  # rolled back with the rest


async def test_seen_events_store_an_aware_utc_time(db: Database) -> None:
    async with db.transaction() as session:
        assert await activity.first_sighting(session, event_id="Ev2")
        assert not await activity.first_sighting(session, event_id="Ev2")
    async with db.transaction() as session:
        seen = (await session.exec(select(SeenEvent))).one()[0]
    assert seen.event_id == "Ev2"
    assert seen.received_at.tzinfo is not None
    assert abs(seen.received_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


async def test_a_new_person_is_created_with_every_default_and_tracked(db: Database) -> None:
    async with db.transaction() as session:
        data = PersonCreate(key="slack:T1:UN", platform="slack", display_name="New", tz="Europe/Paris")
        person, created = await people.create_person_unless_exists(session, data=data)
        assert created and person.id is not None
        person.lang = "fr"  # tracked: committed with the transaction
    async with db.transaction() as session:
        found = await people.get_person_with_role(session, key="slack:T1:UN")
    assert found is not None
    stored = found[0]
    assert (stored.id, stored.lang, stored.tz, stored.is_admin, stored.reachable) == (
        person.id,
        "fr",
        "Europe/Paris",
        False,
        True,
    )
    assert stored.created_at.tzinfo is not None


async def test_two_transactions_creating_the_same_person_make_one(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    data = PersonCreate(key="slack:T1:URACE", platform="slack", display_name="Race")
    created_first = asyncio.Event()

    async def one() -> tuple[int | None, bool]:
        async with first.transaction() as session:
            person, created = await people.create_person_unless_exists(session, data=data)
            created_first.set()
            await asyncio.sleep(0.3)  # the other transaction tries meanwhile
            return person.id, created

    async def other() -> tuple[int | None, bool]:
        await created_first.wait()
        async with second.transaction() as session:
            person, created = await people.create_person_unless_exists(session, data=data)
            assert await activity.first_sighting(session, event_id="Ev-after")  # still usable
            return person.id, created

    try:
        (first_id, first_created), (second_id, second_created) = await asyncio.gather(one(), other())
    finally:
        await first.dispose()
        await second.dispose()
    assert first_created and not second_created
    assert first_id == second_id
