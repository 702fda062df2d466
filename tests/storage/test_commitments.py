"""Commitments in the database, on SQLite and PostgreSQL: followed up a week after they are made, answered
by their owner only, listed per person and per workshop, and gone with their person or workshop."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlmodel import delete

from storage import commitments, workshops
from storage.db import Database
from storage.enums import CommitmentSource, CommitmentStatus
from storage.models import Person, Workshop

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def setting(db: Database) -> tuple[int, int, int]:
    """Two people (Ann, Bob) and a workshop Bob hosts: (ann, bob, workshop id)."""
    async with db.transaction() as session:
        ann = Person(key="console:ann", platform="console", display_name="Ann")
        bob = Person(key="console:bob", platform="console", display_name="Bob")
        session.add_all([ann, bob])
        await session.flush()
        workshop = await workshops.create_workshop(
            session,
            title="Safer passwords",
            host_id=bob.id or 0,
            planned_by_id=None,
            starts_at=NOW,
            minutes=30,
            lessons=["strong-passwords"],
            plan=[],
            lang="en",
            now=NOW,
        )
        return ann.id or 0, bob.id or 0, workshop.id or 0


async def test_a_commitment_is_followed_up_a_week_later(db: Database) -> None:
    ann, _, workshop_id = await setting(db)
    async with db.transaction() as session:
        made = await commitments.add_commitment(
            session,
            person_id=ann,
            source=CommitmentSource.WORKSHOP,
            text="Turn on two-factor authentication on my email",
            made_at=NOW,
            workshop_id=workshop_id,
            lesson_id="two-factor-authentication",
        )
        assert made.id is not None
    async with db.transaction() as session:
        [stored] = await commitments.commitments_of(session, person_id=ann)
        assert (stored.made_at, stored.follow_up_at, stored.status, stored.answered_at) == (
            NOW,
            NOW + WEEK,
            CommitmentStatus.OPEN,
            None,
        )
        assert (stored.source, stored.workshop_id, stored.lesson_id) == (
            CommitmentSource.WORKSHOP,
            workshop_id,
            "two-factor-authentication",
        )
        long = await commitments.add_commitment(
            session, person_id=ann, source=CommitmentSource.MEETING, text="x" * 400, made_at=NOW + WEEK
        )
        assert len(long.text) == commitments.TEXT_CHARS and long.workshop_id is None


async def test_only_its_owner_answers_a_commitment(db: Database) -> None:
    """Failure: someone else's press (a forwarded message, a guessed id) answered Ann's follow-up."""
    ann, bob, _ = await setting(db)
    async with db.transaction() as session:
        made = await commitments.add_commitment(
            session, person_id=ann, source=CommitmentSource.MEETING, text="Post once a week", made_at=NOW
        )
    commitment_id = made.id or 0
    later = NOW + WEEK + dt.timedelta(hours=2)
    async with db.transaction() as session:
        assert (
            await commitments.answer_commitment(
                session, commitment_id=commitment_id, person_id=bob, status=CommitmentStatus.DONE, at=later
            )
            is None
        )
        assert (
            await commitments.answer_commitment(
                session,
                commitment_id=commitment_id + 100,
                person_id=ann,
                status=CommitmentStatus.DONE,
                at=later,
            )
            is None
        )
        answered = await commitments.answer_commitment(
            session, commitment_id=commitment_id, person_id=ann, status=CommitmentStatus.NEED_HELP, at=later
        )
        assert answered is not None and (answered.status, answered.answered_at) == (
            CommitmentStatus.NEED_HELP,
            later,
        )
    async with db.transaction() as session:
        [stored] = await commitments.commitments_of(session, person_id=ann)
        assert (stored.status, stored.answered_at) == (CommitmentStatus.NEED_HELP, later)
        assert await commitments.commitments_of(session, person_id=bob) == []


async def test_a_workshops_commitments_outlive_the_workshop(db: Database) -> None:
    ann, bob, workshop_id = await setting(db)
    async with db.transaction() as session:
        for person_id, at in ((bob, NOW + dt.timedelta(minutes=2)), (ann, NOW + dt.timedelta(minutes=1))):
            await commitments.add_commitment(
                session,
                person_id=person_id,
                source=CommitmentSource.WORKSHOP,
                text="Check my privacy settings",
                made_at=at,
                workshop_id=workshop_id,
            )
        await commitments.add_commitment(
            session, person_id=ann, source=CommitmentSource.MEETING, text="Post once a week", made_at=NOW
        )
    async with db.transaction() as session:
        made = await commitments.commitments_of_workshop(session, workshop_id=workshop_id)
        assert [c.person_id for c in made] == [ann, bob], "oldest first"
        assert [c.source for c in await commitments.commitments_of(session, person_id=ann)] == [
            CommitmentSource.MEETING,
            CommitmentSource.WORKSHOP,
        ]
        await session.exec(delete(Workshop).where(Workshop.id == workshop_id))  # type: ignore[arg-type]
    async with db.transaction() as session:
        assert await commitments.commitments_of_workshop(session, workshop_id=workshop_id) == []
        kept = await commitments.commitments_of(session, person_id=ann)
        # The commitments stay with their people when the workshop goes (its host was forgotten).
        assert sorted((c.source, c.workshop_id) for c in kept) == [
            (CommitmentSource.MEETING, None),
            (CommitmentSource.WORKSHOP, None),
        ]
