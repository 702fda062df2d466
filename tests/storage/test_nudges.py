"""What nudges and confidence ratings need from the database, on SQLite and PostgreSQL: only the learners
whose nudge moment has come are read; activity is written at most once a minute; the first rating
stands."""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, update

from storage import confidence, nudges
from storage.db import Database
from storage.enums import EnrollmentStatus
from storage.models import Enrollment, Person
from tests.support.seed import seed_cohort

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


async def test_only_learners_whose_moment_has_come_are_read(db_url: str) -> None:
    db = Database(db_url)
    try:
        _, ids = await seed_cohort(db, learners=8, due_at=None)
        never, due, later, off, away, stopped, second, third = ids
        async with db.transaction() as session:
            moments = {due: NOW - dt.timedelta(minutes=1), later: NOW + dt.timedelta(hours=1)}
            moments |= {off: NOW, away: NOW, stopped: NOW, second: NOW, third: NOW}
            for person_id, moment in moments.items():
                await session.exec(update(Person).where(col(Person.id) == person_id).values(nudge_at=moment))
            await session.exec(update(Person).where(col(Person.id) == off).values(nudges=False))
            await session.exec(update(Person).where(col(Person.id) == away).values(reachable=False))
            await session.exec(
                update(Enrollment)
                .where(col(Enrollment.person_id) == stopped)
                .values(status=EnrollmentStatus.STOPPED)
            )
        async with db.transaction() as session:
            found = await nudges.learners_to_look_at(session, now=NOW, after_id=0, limit=100)
            assert [p.id for p, _, _ in found] == [never, due, second, third]
            assert all(e.person_id == p.id and c.id == e.cohort_id for p, e, c in found)
            page = await nudges.learners_to_look_at(session, now=NOW, after_id=due, limit=1)
            assert [p.id for p, _, _ in page] == [second]
            await nudges.update_people(
                session, changes=[{"id": never, "nudge_at": NOW + dt.timedelta(days=3)}]
            )
        async with db.transaction() as session:
            found = await nudges.learners_to_look_at(session, now=NOW, after_id=0, limit=100)
            assert [p.id for p, _, _ in found] == [due, second, third]
    finally:
        await db.dispose()


async def test_the_first_rating_stands(db_url: str) -> None:
    db = Database(db_url)
    try:
        _, (person_id,) = await seed_cohort(db, learners=1, due_at=None)
        async with db.transaction() as session:
            (enrollment,) = await session.exec(
                Enrollment.__table__.select().where(Enrollment.__table__.c.person_id == person_id)  # type: ignore[attr-defined]
            )
            eid = enrollment.id
            kept, new = await confidence.rate(
                session, person_id=person_id, enrollment_id=eid, moment="start", rating=2, now=NOW
            )
            assert (kept.rating, new) == (2, True)
            kept, new = await confidence.rate(
                session, person_id=person_id, enrollment_id=eid, moment="start", rating=5, now=NOW
            )
            assert (kept.rating, new) == (2, False)
            assert await confidence.rated(session, enrollment_ids=[eid]) == {(eid, "start")}
            assert await confidence.tracks_of(session, enrollment_ids=[eid, eid + 100]) == {
                eid: "first-steps"
            }
    finally:
        await db.dispose()


def test_activity_is_noted_at_most_once_a_minute_unless_a_nudge_was_ignored() -> None:
    person = Person(key="test:a", platform="test", display_name="A", lang="en")
    assert nudges.mark_active(person, now=NOW)
    assert (person.last_active_at, person.idle_since, person.nudges_ignored) == (NOW, NOW, 0)
    assert not nudges.mark_active(person, now=NOW + dt.timedelta(seconds=59))
    person.nudges_ignored = 2
    assert nudges.mark_active(person, now=NOW + dt.timedelta(seconds=59))
    assert person.nudges_ignored == 0
    pause_end = NOW + dt.timedelta(days=7)
    person.idle_since = pause_end
    assert nudges.mark_active(person, now=NOW + dt.timedelta(minutes=5))
    assert person.idle_since == pause_end, "a message during a pause does not count the paused days"
