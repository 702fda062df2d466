"""The SQL of matching (bot/core/commands/match.py): who may mentor, who needs a mentor, the pairs there
have been, the mentors' loads, and the rounds of `match suggest` with their proposals.

Pairs are (mentor_id, learner_id) throughout, as `bot.core.matching.suggest` takes them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import EnrollmentStatus, PersonRole, ProposalStatus
from storage.models import Cohort, Enrollment, MatchProposal, Mentorship, Pairing, Person
from storage.sql import is_sqlite

CHUNK = 500
"""Ids per IN list: a cohort of thousands is read in several statements."""


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    wanted = sorted(set(ids))
    return [wanted[start : start + CHUNK] for start in range(0, len(wanted), CHUNK)]


# --- who -----------------------------------------------------------------------------------------------


async def mentor_pool(session: AsyncSession) -> list[Person]:
    """The mentors `match suggest` draws from by default: everyone whose role is mentor, and everyone who
    mentors someone now; by id."""
    query = select(Person).where(
        or_(col(Person.role) == PersonRole.MENTOR, col(Person.id).in_(select(Mentorship.mentor_id)))
    )
    return list(await session.exec(query.order_by(col(Person.id))))


async def active_members(session: AsyncSession, *, cohort_id: int) -> list[Person]:
    """The people actively enrolled in a cohort, by id."""
    query = (
        select(Person)
        .join(Enrollment, col(Enrollment.person_id) == col(Person.id))
        .where(col(Enrollment.cohort_id) == cohort_id, col(Enrollment.status) == EnrollmentStatus.ACTIVE)
    )
    return list(await session.exec(query.order_by(col(Person.id))))


async def learners_without_mentor(session: AsyncSession, *, cohort_id: int) -> list[Person]:
    """The cohort's active learners who have no mentor now, by id."""
    query = (
        select(Person)
        .join(Enrollment, col(Enrollment.person_id) == col(Person.id))
        .where(
            col(Enrollment.cohort_id) == cohort_id,
            col(Enrollment.status) == EnrollmentStatus.ACTIVE,
            col(Person.id).not_in(select(Mentorship.mentee_id)),
        )
    )
    return list(await session.exec(query.order_by(col(Person.id))))


async def set_role(session: AsyncSession, *, person_ids: Sequence[int], role: str) -> None:
    """Give these people a role (a PersonRole), as a people import would."""
    for chunk in _chunks(person_ids):
        await session.exec(update(Person).where(col(Person.id).in_(chunk)).values(role=role))


async def set_capacity(session: AsyncSession, *, person_id: int, capacity: int | None) -> None:
    """How many mentees matching may give this mentor (None: the default)."""
    await session.exec(update(Person).where(col(Person.id) == person_id).values(mentor_capacity=capacity))


# --- what matching needs to know ---------------------------------------------------------------------


async def enrollments_by_person(
    session: AsyncSession, *, person_ids: Iterable[int]
) -> dict[int, list[tuple[Enrollment, Cohort]]]:
    """Each person's enrollments with their cohorts, oldest first (as `cohorts.enrollments_of` gives one
    person's), for many people at once: their zone follows their home cohort."""
    found: dict[int, list[tuple[Enrollment, Cohort]]] = {}
    for chunk in _chunks(person_ids):
        query = (
            select(Enrollment, Cohort)
            .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
            .where(col(Enrollment.person_id).in_(chunk))
            .order_by(col(Enrollment.created_at), col(Enrollment.id))
        )
        for enrollment, cohort in await session.exec(query):
            found.setdefault(enrollment.person_id, []).append((enrollment, cohort))
        await asyncio.sleep(0)
    return found


async def manager_map(session: AsyncSession) -> dict[int, int | None]:
    """Everyone's manager, for those who have one: reporting lines are walked through anyone, not only
    the people being matched."""
    query = select(Person.id, Person.manager_id).where(col(Person.manager_id).is_not(None))
    return {int(pid): manager for pid, manager in await session.exec(query) if pid is not None}


async def past_pairs(session: AsyncSession, *, learner_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Every (mentor_id, learner_id) pair these learners have ever been in, ended or not."""
    found: set[tuple[int, int]] = set()
    for chunk in _chunks(learner_ids):
        for model in (Pairing, Mentorship):
            query = select(model.mentor_id, model.mentee_id).where(col(model.mentee_id).in_(chunk))
            rows = await session.exec(query)
            found.update((int(mentor), int(mentee)) for mentor, mentee in rows if mentor and mentee)
    return found


async def loads(session: AsyncSession, *, mentor_ids: Iterable[int]) -> dict[int, int]:
    """How many mentees each of these mentors has now (mentors without any are left out)."""
    found: dict[int, int] = {}
    for chunk in _chunks(mentor_ids):
        query = (
            select(Mentorship.mentor_id, func.count())
            .where(col(Mentorship.mentor_id).in_(chunk))
            .group_by(col(Mentorship.mentor_id))
        )
        found.update({int(mentor): int(count) for mentor, count in await session.exec(query)})
    return found


async def current_mentors(session: AsyncSession, *, learner_ids: Iterable[int]) -> dict[int, int]:
    """learner id -> their mentor's id now, for those of these learners who have one."""
    found: dict[int, int] = {}
    for chunk in _chunks(learner_ids):
        query = select(Mentorship.mentee_id, Mentorship.mentor_id).where(col(Mentorship.mentee_id).in_(chunk))
        found.update({int(mentee): int(mentor) for mentee, mentor in await session.exec(query)})
    return found


async def ever_mentored(session: AsyncSession, *, mentor_id: int) -> bool:
    """Whether this person has had a mentee before (now or in the past)."""
    for model in (Pairing, Mentorship):
        query = select(model.id).where(col(model.mentor_id) == mentor_id).limit(1)
        if (await session.exec(query)).first() is not None:
            return True
    return False


async def refused_pairs(session: AsyncSession, *, cohort_id: int) -> set[tuple[int, int]]:
    """The (mentor_id, learner_id) pairs refused in this cohort's rounds: never proposed there again."""
    query = select(MatchProposal.mentor_id, MatchProposal.learner_id).where(
        col(MatchProposal.cohort_id) == cohort_id,
        col(MatchProposal.status) == ProposalStatus.REFUSED,
        col(MatchProposal.mentor_id).is_not(None),
    )
    return {
        (int(mentor), int(learner)) for mentor, learner in await session.exec(query) if mentor is not None
    }


# --- rounds ----------------------------------------------------------------------------------------------


async def lock_cohort(session: AsyncSession, *, cohort_id: int) -> None:
    """Hold the cohort's row until the transaction ends (PostgreSQL; SQLite has one writer), so that two
    admins' rounds or decisions on one cohort take turns."""
    if not is_sqlite(session):
        await session.exec(select(Cohort.id).where(col(Cohort.id) == cohort_id).with_for_update())


async def start_round(
    session: AsyncSession,
    *,
    cohort_id: int,
    rows: Sequence[dict[str, Any]],
    proposed_by_id: int | None,
    now: dt.datetime,
) -> list[MatchProposal]:
    """A new round for the cohort: its proposals still undecided are replaced, and `rows` (each with
    learner_id, mentor_id, reasons, unmet, unmet_arg) are stored in order, numbered from 1."""
    await session.exec(
        update(MatchProposal)
        .where(
            col(MatchProposal.cohort_id) == cohort_id, col(MatchProposal.status) == ProposalStatus.PROPOSED
        )
        .values(status=ProposalStatus.REPLACED, decided_at=now)
    )
    last = (
        await session.exec(
            select(func.max(MatchProposal.round)).where(col(MatchProposal.cohort_id) == cohort_id)
        )
    ).one()
    number = int(last or 0) + 1
    made = [
        MatchProposal(
            cohort_id=cohort_id,
            round=number,
            number=position,
            proposed_by_id=proposed_by_id,
            created_at=now,
            status=ProposalStatus.PROPOSED,
            **row,
        )
        for position, row in enumerate(rows, start=1)
    ]
    session.add_all(made)
    await session.flush()
    return made


async def latest_round(session: AsyncSession, *, cohort_id: int) -> list[MatchProposal]:
    """The lines of the cohort's last round, by number; empty when it never had one."""
    last = select(func.max(MatchProposal.round)).where(col(MatchProposal.cohort_id) == cohort_id)
    query = select(MatchProposal).where(
        col(MatchProposal.cohort_id) == cohort_id, col(MatchProposal.round) == last.scalar_subquery()
    )
    return list(await session.exec(query.order_by(col(MatchProposal.number))))


async def open_cohorts(session: AsyncSession) -> list[Cohort]:
    """The cohorts with proposed pairs still waiting for a decision, by name."""
    waiting = select(MatchProposal.cohort_id).where(
        col(MatchProposal.status) == ProposalStatus.PROPOSED, col(MatchProposal.mentor_id).is_not(None)
    )
    query = select(Cohort).where(col(Cohort.id).in_(waiting))
    return list(await session.exec(query.order_by(col(Cohort.name))))


async def last_proposed_cohort(session: AsyncSession) -> Cohort | None:
    """The cohort of the most recent round, whatever became of it; None before any."""
    query = (
        select(Cohort)
        .join(MatchProposal, col(MatchProposal.cohort_id) == col(Cohort.id))
        .order_by(col(MatchProposal.created_at).desc(), col(MatchProposal.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def decide(
    session: AsyncSession, *, proposal_ids: Sequence[int], status: str, now: dt.datetime
) -> list[int]:
    """Mark these proposals decided (a ProposalStatus) if they are still proposed; returns the ids this
    call changed, so that two decisions at once never act twice on one proposal."""
    changed: list[int] = []
    for chunk in _chunks(proposal_ids):
        statement = (
            update(MatchProposal)
            .where(col(MatchProposal.id).in_(chunk), col(MatchProposal.status) == ProposalStatus.PROPOSED)
            .values(status=status, decided_at=now)
            .returning(col(MatchProposal.id))
        )
        changed.extend(int(row[0]) for row in await session.exec(statement))
    await session.flush()
    return sorted(changed)
