"""The pairing history kept by `pair` and `unpair`, and the SQL matching reads (storage/matching.py), on
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from storage import matching, people
from storage.db import Database
from storage.enums import EnrollmentStatus, PairingSource, PersonRole, ProposalStatus
from storage.models import Cohort, Enrollment, MatchProposal, Mentorship, Pairing, Person, PersonCreate

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=7)
T2 = T0 + dt.timedelta(days=14)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def add(db: Database, name: str, **values: object) -> int:
    async with db.transaction() as session:
        person, _ = await people.create_person_unless_exists(
            session, data=PersonCreate(key=f"console:{name}", platform="console", display_name=name)
        )
        for field, value in values.items():
            setattr(person, field, value)
        session.add(person)
        await session.flush()
        assert person.id is not None
        return person.id


async def history(
    db: Database, mentee_id: int
) -> list[tuple[int | None, str, dt.datetime, dt.datetime | None]]:
    async with db.transaction() as session:
        query = select(Pairing).where(Pairing.mentee_id == mentee_id).order_by(col(Pairing.id))
        return [(p.mentor_id, p.source, p.started_at, p.ended_at) for p in await session.exec(query)]


async def add_cohort(db: Database, name: str, members: dict[int, str]) -> int:
    async with db.transaction() as session:
        cohort = Cohort(name=name, track_id="first-steps", start_date=T0.date(), tz="Europe/Paris")
        session.add(cohort)
        await session.flush()
        assert cohort.id is not None
        for person_id, status in members.items():
            session.add(Enrollment(person_id=person_id, cohort_id=cohort.id, status=status))
        return cohort.id


# --- pair and unpair keep the history ---------------------------------------------------------------------


async def test_pair_starts_a_pairing_and_a_new_mentor_ends_the_previous_one(db: Database) -> None:
    mia, noah, bob = await add(db, "mia"), await add(db, "noah"), await add(db, "bob")
    async with db.transaction() as session:
        assert await people.pair(session, mentor_id=mia, mentee_id=bob, now=T0) is None
    async with db.transaction() as session:
        previous = await people.pair(
            session, mentor_id=noah, mentee_id=bob, now=T1, source=PairingSource.MATCH
        )
        assert previous is not None and previous.id == mia
    assert await history(db, bob) == [
        (mia, PairingSource.MANUAL, T0, T1),
        (noah, PairingSource.MATCH, T1, None),
    ]
    async with db.transaction() as session:
        mentor = await people.mentor_of(session, mentee_id=bob)
    assert mentor is not None and mentor.id == noah


async def test_pairing_the_same_mentor_again_changes_nothing(db: Database) -> None:
    mia, bob = await add(db, "mia"), await add(db, "bob")
    async with db.transaction() as session:
        await people.pair(session, mentor_id=mia, mentee_id=bob, now=T0)
    async with db.transaction() as session:
        again = await people.pair(session, mentor_id=mia, mentee_id=bob, now=T1)
        assert again is not None and again.id == mia
    assert await history(db, bob) == [(mia, PairingSource.MANUAL, T0, None)]


async def test_unpair_ends_the_pairing_and_keeps_it(db: Database) -> None:
    mia, noah, bob = await add(db, "mia"), await add(db, "noah"), await add(db, "bob")
    async with db.transaction() as session:
        await people.pair(session, mentor_id=mia, mentee_id=bob, now=T0)
    async with db.transaction() as session:
        assert await people.unpair(session, mentor_id=noah, mentee_id=bob, now=T1) is False
    assert await history(db, bob) == [(mia, PairingSource.MANUAL, T0, None)], (
        "another mentor's unpair ends nothing"
    )
    async with db.transaction() as session:
        assert await people.unpair(session, mentor_id=mia, mentee_id=bob, now=T1) is True
        assert await people.mentor_of(session, mentee_id=bob) is None
        assert await people.unpair(session, mentor_id=mia, mentee_id=bob, now=T2) is False
    assert await history(db, bob) == [(mia, PairingSource.MANUAL, T0, T1)]
    async with db.transaction() as session:
        await people.pair(session, mentor_id=mia, mentee_id=bob, now=T2)
        assert await matching.past_pairs(session, learner_ids=[bob]) == {(mia, bob)}
    assert await history(db, bob) == [
        (mia, PairingSource.MANUAL, T0, T1),
        (mia, PairingSource.MANUAL, T2, None),
    ]


async def test_past_pairs_and_ever_mentored_outlive_unpair(db: Database) -> None:
    mia, noah, bob, carol = (
        await add(db, "mia"),
        await add(db, "noah"),
        await add(db, "bob"),
        await add(db, "carol"),
    )
    async with db.transaction() as session:
        await people.pair(session, mentor_id=mia, mentee_id=bob, now=T0)
        await people.pair(session, mentor_id=noah, mentee_id=bob, now=T1)
        await people.unpair(session, mentor_id=noah, mentee_id=bob, now=T2)
    async with db.transaction() as session:
        assert await matching.past_pairs(session, learner_ids=[bob, carol]) == {(mia, bob), (noah, bob)}
        assert await matching.past_pairs(session, learner_ids=[]) == set()
        assert await matching.ever_mentored(session, mentor_id=mia) is True
        assert await matching.ever_mentored(session, mentor_id=carol) is False
        assert await matching.loads(session, mentor_ids=[mia, noah]) == {}
        assert await matching.current_mentors(session, learner_ids=[bob]) == {}


# --- who matching reads --------------------------------------------------------------------------------------


async def test_the_mentor_pool_is_the_mentor_role_and_everyone_mentoring_now(db: Database) -> None:
    mia = await add(db, "mia", role=PersonRole.MENTOR)
    noah, bob, carol = await add(db, "noah"), await add(db, "bob"), await add(db, "carol")
    await add(db, "lea", role=PersonRole.LEARNER)
    async with db.transaction() as session:
        await people.pair(session, mentor_id=noah, mentee_id=bob, now=T0)
        await people.pair(session, mentor_id=noah, mentee_id=carol, now=T0)
    async with db.transaction() as session:
        assert [p.id for p in await matching.mentor_pool(session)] == [mia, noah]
        assert await matching.loads(session, mentor_ids=[mia, noah]) == {noah: 2}
        assert await matching.current_mentors(session, learner_ids=[bob, carol, mia]) == {
            bob: noah,
            carol: noah,
        }
        await matching.set_role(session, person_ids=[carol], role=PersonRole.MENTOR)
        await matching.set_capacity(session, person_id=carol, capacity=4)
    async with db.transaction() as session:
        carol_row = await session.get(Person, carol)
        assert carol_row is not None and (carol_row.role, carol_row.mentor_capacity) == ("mentor", 4)


async def test_learners_without_mentor_are_the_active_ones_without_a_mentor(db: Database) -> None:
    mia, bob, carol, dave, erin = (
        await add(db, "mia"),
        await add(db, "bob"),
        await add(db, "carol"),
        await add(db, "dave"),
        await add(db, "erin"),
    )
    pilot = await add_cohort(
        db,
        "pilot",
        {
            bob: EnrollmentStatus.ACTIVE,
            carol: EnrollmentStatus.ACTIVE,
            dave: EnrollmentStatus.STOPPED,
            erin: EnrollmentStatus.ACTIVE,
        },
    )
    async with db.transaction() as session:
        await people.pair(session, mentor_id=mia, mentee_id=carol, now=T0)
    async with db.transaction() as session:
        assert [p.id for p in await matching.learners_without_mentor(session, cohort_id=pilot)] == [bob, erin]
        assert [p.id for p in await matching.active_members(session, cohort_id=pilot)] == [bob, carol, erin]
        enrolled = await matching.enrollments_by_person(session, person_ids=[bob, dave, mia])
    assert sorted(enrolled) == [bob, dave]
    assert [cohort.name for _, cohort in enrolled[bob]] == ["pilot"]


async def test_the_manager_map_holds_everyone_with_a_manager(db: Database) -> None:
    boss = await add(db, "boss")
    middle = await add(db, "middle", manager_id=boss)
    bob = await add(db, "bob", manager_id=middle)
    async with db.transaction() as session:
        assert await matching.manager_map(session) == {middle: boss, bob: middle}


# --- rounds ------------------------------------------------------------------------------------------------------


async def test_a_round_is_numbered_and_replaces_what_the_last_one_left_undecided(db: Database) -> None:
    mia, noah, bob, carol = (
        await add(db, "mia"),
        await add(db, "noah"),
        await add(db, "bob"),
        await add(db, "carol"),
    )
    pilot = await add_cohort(db, "pilot", {bob: EnrollmentStatus.ACTIVE, carol: EnrollmentStatus.ACTIVE})
    rows: list[dict[str, object]] = [
        {"learner_id": bob, "mentor_id": mia, "reasons": [["language", "en"]]},
        {"learner_id": carol, "mentor_id": noah, "reasons": []},
    ]
    async with db.transaction() as session:
        first = await matching.start_round(session, cohort_id=pilot, rows=rows, proposed_by_id=None, now=T0)
        assert [(p.round, p.number) for p in first] == [(1, 1), (1, 2)]
        assert [c.name for c in await matching.open_cohorts(session)] == ["pilot"]
        accepted = await matching.decide(
            session, proposal_ids=[first[0].id or 0], status=ProposalStatus.ACCEPTED, now=T1
        )
        assert accepted == [first[0].id]
        again = await matching.decide(
            session, proposal_ids=[first[0].id or 0], status=ProposalStatus.REFUSED, now=T1
        )
        assert again == [], "a decided proposal is never decided twice"
        await matching.decide(session, proposal_ids=[first[1].id or 0], status=ProposalStatus.REFUSED, now=T1)
        assert await matching.refused_pairs(session, cohort_id=pilot) == {(noah, carol)}
        assert await matching.open_cohorts(session) == []
        unmet = [{"learner_id": carol, "mentor_id": None, "unmet": "no_language", "unmet_arg": "fr"}]
        second = await matching.start_round(
            session, cohort_id=pilot, rows=[*rows[:1], *unmet], proposed_by_id=bob, now=T2
        )
        assert [(p.round, p.number, p.mentor_id) for p in second] == [(2, 1, mia), (2, 2, None)]
        third = await matching.start_round(session, cohort_id=pilot, rows=rows, proposed_by_id=bob, now=T2)
        assert [p.round for p in third] == [3, 3]
    async with db.transaction() as session:
        statuses = {
            (p.round, p.number): p.status
            for p in await session.exec(select(MatchProposal).where(MatchProposal.cohort_id == pilot))
        }
        latest = await matching.latest_round(session, cohort_id=pilot)
    assert statuses == {
        (1, 1): ProposalStatus.ACCEPTED,
        (1, 2): ProposalStatus.REFUSED,
        (2, 1): ProposalStatus.REPLACED,
        (2, 2): ProposalStatus.REPLACED,
        (3, 1): ProposalStatus.PROPOSED,
        (3, 2): ProposalStatus.PROPOSED,
    }
    assert [(p.round, p.number) for p in latest] == [(3, 1), (3, 2)]


async def test_a_cohort_without_rounds_has_no_latest_round(db: Database) -> None:
    pilot = await add_cohort(db, "pilot", {})
    async with db.transaction() as session:
        await matching.lock_cohort(session, cohort_id=pilot)
        assert await matching.latest_round(session, cohort_id=pilot) == []
        assert await matching.refused_pairs(session, cohort_id=pilot) == set()


async def test_a_mentorship_without_history_still_counts_as_a_past_pair(db: Database) -> None:
    """Pairs made before the history existed (or written straight into `mentorship`) are never proposed
    again either."""
    mia, bob = await add(db, "mia"), await add(db, "bob")
    async with db.transaction() as session:
        session.add(Mentorship(mentor_id=mia, mentee_id=bob))
    async with db.transaction() as session:
        assert await matching.past_pairs(session, learner_ids=[bob]) == {(mia, bob)}
        assert await matching.ever_mentored(session, mentor_id=mia) is True
