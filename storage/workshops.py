"""Express workshops' repository: a workshop and its seats, its run state, live quiz answers and hands-on
checks, and what planning needs from the ledger.

A workshop's run state (status, step, timer, room, start and end) changes only through `transition`, a
compare-and-set on `version`: every replica may see a step's timer fall due, or a host press "next"
twice, but only the first change decided on a version applies, so a step is never posted twice.
Answers and seats are written with INSERT … ON CONFLICT, so two presses at once keep one row on
PostgreSQL as on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import keys
from storage.enums import (
    UPCOMING_WORKSHOPS,
    DeliveryKind,
    DeliveryStatus,
    Rsvp,
    WorkshopStatus,
)
from storage.models import (
    Delivery,
    Person,
    Workshop,
    WorkshopAnswer,
    WorkshopCheck,
    WorkshopSeat,
)
from storage.sql import dialect_insert, starts_with, table_of

_SEAT = table_of(WorkshopSeat)
_ANSWER = table_of(WorkshopAnswer)
_CHECK = table_of(WorkshopCheck)
_CHUNK = 500
"""Ids per IN (…) list."""

RUN_STATE = frozenset(
    {"status", "step", "step_started_at", "timer_at", "timer_kind", "room", "started_at", "ended_at"}
)
"""The columns `transition` changes: the workshop's run state."""


# --- the workshop ----------------------------------------------------------------------------------------


async def create_workshop(
    session: AsyncSession,
    *,
    title: str,
    host_id: int,
    planned_by_id: int | None,
    starts_at: dt.datetime,
    minutes: int,
    lessons: Sequence[str],
    plan: Sequence[Mapping[str, Any]],
    lang: str,
    now: dt.datetime,
    cohort_id: int | None = None,
) -> Workshop:
    """A planned workshop (no seats yet: `add_seats`)."""
    workshop = Workshop(
        title=title,
        host_id=host_id,
        planned_by_id=planned_by_id,
        cohort_id=cohort_id,
        lang=lang,
        starts_at=starts_at,
        minutes=minutes,
        lessons=list(lessons),
        plan=[dict(step) for step in plan],
        created_at=now,
    )
    session.add(workshop)
    await session.flush()
    return workshop


async def get_workshop(session: AsyncSession, *, workshop_id: int) -> Workshop | None:
    """The workshop as stored now (read again even when the session holds it, so a transition made by
    another replica is seen)."""
    query = select(Workshop).where(col(Workshop.id) == workshop_id).execution_options(populate_existing=True)
    return (await session.exec(query)).first()


def ends_at(workshop: Workshop) -> dt.datetime:
    """When the workshop is planned to end: its start plus its minutes."""
    return workshop.starts_at + dt.timedelta(minutes=workshop.minutes)


def _not_over(workshop: Workshop, now: dt.datetime) -> bool:
    """Under way, or planned and not past its planned end (a host may start it a little late)."""
    if workshop.status == WorkshopStatus.RUNNING:
        return True
    return workshop.status == WorkshopStatus.PLANNED and ends_at(workshop) > now


async def workshops_of(
    session: AsyncSession, *, person_id: int, now: dt.datetime, include_past: bool = False
) -> list[Workshop]:
    """The workshops a person hosts or has a seat in, by start time. Without `include_past`, only those
    not over: under way, or planned and not past their planned end."""
    seated = select(WorkshopSeat.workshop_id).where(col(WorkshopSeat.person_id) == person_id)
    query = select(Workshop).where(or_(col(Workshop.host_id) == person_id, col(Workshop.id).in_(seated)))
    if not include_past:
        query = query.where(col(Workshop.status).in_(UPCOMING_WORKSHOPS))
    found = list(await session.exec(query.order_by(col(Workshop.starts_at), col(Workshop.id))))
    return found if include_past else [w for w in found if _not_over(w, now)]


async def next_of_host(session: AsyncSession, *, host_id: int, now: dt.datetime) -> Workshop | None:
    """The host's workshop under way, else their next planned one that is not past its planned end."""
    query = select(Workshop).where(
        col(Workshop.host_id) == host_id, col(Workshop.status).in_(UPCOMING_WORKSHOPS)
    )
    found = [w for w in await session.exec(query.order_by(col(Workshop.starts_at), col(Workshop.id)))]
    running = [w for w in found if w.status == WorkshopStatus.RUNNING]
    upcoming = [w for w in found if _not_over(w, now)]
    chosen = running or upcoming
    return chosen[0] if chosen else None


async def transition(session: AsyncSession, *, workshop_id: int, version: int, **changes: Any) -> bool:
    """Change the workshop's run state (`RUN_STATE` columns) if it is still at `version`, and count the
    version up: UPDATE … WHERE id = ? AND version = ?. False when another transition came first (or the
    workshop is gone): then nothing changed, and the caller acts on nothing. A workshop object the
    session holds is brought up to date when the change applies."""
    unknown = set(changes) - RUN_STATE
    if unknown:
        raise ValueError(f"not run state: {sorted(unknown)}")
    statement = (
        update(Workshop)
        .where(col(Workshop.id) == workshop_id, col(Workshop.version) == version)
        .values(**changes, version=version + 1)
        .returning(col(Workshop.id))
        .execution_options(synchronize_session="fetch")
    )
    return (await session.exec(statement)).first() is not None


async def due_timers(session: AsyncSession, *, now: dt.datetime, limit: int) -> list[Workshop]:
    """Workshops under way whose timer has come, the earliest first (ix_workshop_timer)."""
    query = (
        select(Workshop)
        .where(
            col(Workshop.status) == WorkshopStatus.RUNNING,
            col(Workshop.timer_at).is_not(None),
            col(Workshop.timer_at) <= now,
        )
        .order_by(col(Workshop.timer_at), col(Workshop.id))
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    return list(await session.exec(query))


# --- seats -----------------------------------------------------------------------------------------------


async def add_seats(
    session: AsyncSession,
    *,
    workshop_id: int,
    person_ids: Sequence[int],
    invited: bool = True,
    at: dt.datetime,
) -> list[WorkshopSeat]:
    """Give these people a seat; a seat that exists stays as it is (so this can run again). An invited
    seat waits for its answer; an uninvited one (`invited=False`: they asked to come) is "coming" from
    `at`. Returns these people's seats, in the order of `person_ids`."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return []
    values = [
        {
            "workshop_id": workshop_id,
            "person_id": person_id,
            "rsvp": Rsvp.INVITED if invited else Rsvp.COMING,
            "invited": invited,
            "rsvp_at": None if invited else at,
            "late": False,
        }
        for person_id in ids
    ]
    statement = dialect_insert(session)(_SEAT).on_conflict_do_nothing(
        index_elements=["workshop_id", "person_id"]
    )
    for start in range(0, len(values), _CHUNK):
        await session.exec(statement, params=values[start : start + _CHUNK])
    seats: dict[int, WorkshopSeat] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(WorkshopSeat).where(
            col(WorkshopSeat.workshop_id) == workshop_id,
            col(WorkshopSeat.person_id).in_(ids[start : start + _CHUNK]),
        )
        query = query.execution_options(populate_existing=True)
        seats.update({seat.person_id: seat for seat in await session.exec(query)})
    return [seats[person_id] for person_id in ids if person_id in seats]


async def seats_of(session: AsyncSession, *, workshop_id: int) -> list[tuple[WorkshopSeat, Person]]:
    """Every seat of a workshop with its person, in the order they were given."""
    query = (
        select(WorkshopSeat, Person)
        .join(Person, col(Person.id) == col(WorkshopSeat.person_id))
        .where(col(WorkshopSeat.workshop_id) == workshop_id)
        .order_by(col(WorkshopSeat.id))
    )
    return [(seat, person) for seat, person in await session.exec(query)]


async def _seat(session: AsyncSession, workshop_id: int, person_id: int) -> WorkshopSeat | None:
    query = select(WorkshopSeat).where(
        col(WorkshopSeat.workshop_id) == workshop_id, col(WorkshopSeat.person_id) == person_id
    )
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def set_rsvp(
    session: AsyncSession, *, workshop_id: int, person_id: int, rsvp: str, at: dt.datetime
) -> WorkshopSeat | None:
    """Record a seat's answer (an Rsvp: coming or declined); the last answer counts. None when the person
    has no seat in that workshop."""
    await session.exec(
        update(WorkshopSeat)
        .where(col(WorkshopSeat.workshop_id) == workshop_id, col(WorkshopSeat.person_id) == person_id)
        .values(rsvp=rsvp, rsvp_at=at)
        .execution_options(synchronize_session=False)
    )
    return await _seat(session, workshop_id, person_id)


async def mark_joined(
    session: AsyncSession, *, workshop_id: int, person_id: int, at: dt.datetime, late: bool
) -> tuple[WorkshopSeat, bool]:
    """The person joined the workshop live: their seat (a new, uninvited one when they had none) is
    marked joined, late or not, and coming (whatever they answered before). Only the first join counts; returns the seat and whether this call was
    their first join (a late joiner is caught up once)."""
    values = {
        "workshop_id": workshop_id,
        "person_id": person_id,
        "rsvp": Rsvp.COMING,
        "invited": False,
        "rsvp_at": at,
        "joined_at": at,
        "late": late,
    }
    statement = (
        dialect_insert(session)(_SEAT)
        .values(values)
        .on_conflict_do_nothing(index_elements=["workshop_id", "person_id"])
        .returning(_SEAT.c.id)
    )
    first = (await session.exec(statement)).first() is not None
    if not first:
        result = await session.exec(
            update(WorkshopSeat)
            .where(
                col(WorkshopSeat.workshop_id) == workshop_id,
                col(WorkshopSeat.person_id) == person_id,
                col(WorkshopSeat.joined_at).is_(None),
            )
            .values(joined_at=at, late=late, rsvp=Rsvp.COMING)
            .execution_options(synchronize_session=False)
        )
        first = bool(result.rowcount)
    seat = await _seat(session, workshop_id, person_id)
    assert seat is not None
    return seat, first


# --- live quiz answers and hands-on checks ---------------------------------------------------------------


class QuizTotals(NamedTuple):
    """How a live quiz step went: how many chose each option (by index), how many answered, how many
    were right."""

    counts: dict[int, int]
    answered: int
    right: int


async def record_answer(
    session: AsyncSession,
    *,
    workshop_id: int,
    person_id: int,
    step: int,
    lesson_id: str,
    choice: int,
    correct: bool,
    late: bool,
    at: dt.datetime,
) -> bool:
    """Keep a participant's answer to a quiz step unless they answered it already (their first answer
    counts); False then. Two presses at once keep one: the unique key decides, on both databases."""
    statement = (
        dialect_insert(session)(_ANSWER)
        .values(
            workshop_id=workshop_id,
            person_id=person_id,
            step=step,
            lesson_id=lesson_id,
            choice=choice,
            correct=correct,
            late=late,
            answered_at=at,
        )
        .on_conflict_do_nothing(index_elements=["workshop_id", "person_id", "step"])
        .returning(_ANSWER.c.id)
    )
    return (await session.exec(statement)).first() is not None


async def answers_of(
    session: AsyncSession, *, workshop_id: int, step: int | None = None
) -> list[WorkshopAnswer]:
    """A workshop's quiz answers (of one step, when given), oldest first."""
    query = select(WorkshopAnswer).where(col(WorkshopAnswer.workshop_id) == workshop_id)
    if step is not None:
        query = query.where(col(WorkshopAnswer.step) == step)
    return list(await session.exec(query.order_by(col(WorkshopAnswer.answered_at), col(WorkshopAnswer.id))))


async def quiz_totals(session: AsyncSession, *, workshop_id: int, step: int) -> QuizTotals:
    """The counts the host's live quiz shows: per option, answered, right."""
    query = (
        select(WorkshopAnswer.choice, WorkshopAnswer.correct, func.count())
        .where(col(WorkshopAnswer.workshop_id) == workshop_id, col(WorkshopAnswer.step) == step)
        .group_by(col(WorkshopAnswer.choice), col(WorkshopAnswer.correct))
    )
    counts: dict[int, int] = {}
    answered = right = 0
    for choice, correct, n in await session.exec(query):
        counts[choice] = counts.get(choice, 0) + int(n)
        answered += int(n)
        right += int(n) if correct else 0
    return QuizTotals(dict(sorted(counts.items())), answered, right)


async def set_check(
    session: AsyncSession, *, workshop_id: int, person_id: int, step: int, status: str, at: dt.datetime
) -> str | None:
    """A participant's press on a hands-on step (a CheckStatus); the last press counts. Returns the
    status it replaced (None: their first press on that step), so that "stuck" twice alerts the host
    once."""
    query = select(WorkshopCheck.status).where(
        col(WorkshopCheck.workshop_id) == workshop_id,
        col(WorkshopCheck.person_id) == person_id,
        col(WorkshopCheck.step) == step,
    )
    before = (await session.exec(query)).first()
    insert = dialect_insert(session)(_CHECK).values(
        workshop_id=workshop_id, person_id=person_id, step=step, status=status, at=at
    )
    await session.exec(
        insert.on_conflict_do_update(
            index_elements=["workshop_id", "person_id", "step"],
            set_={"status": insert.excluded.status, "at": insert.excluded.at},
        )
    )
    return before


async def checks_of(session: AsyncSession, *, workshop_id: int) -> list[WorkshopCheck]:
    """A workshop's hands-on checks, by step, then in the order they were first pressed."""
    query = (
        select(WorkshopCheck)
        .where(col(WorkshopCheck.workshop_id) == workshop_id)
        .order_by(col(WorkshopCheck.step), col(WorkshopCheck.id))
        .execution_options(populate_existing=True)
    )
    return list(await session.exec(query))


# --- what planning and cancelling need from the ledger ---------------------------------------------------


async def received_counts(
    session: AsyncSession, *, person_ids: Sequence[int], lesson_ids: Sequence[str]
) -> dict[str, int]:
    """For each lesson, how many of these people have received it (a sent daily tip): what a planner
    picks lessons by. Every lesson asked about is in the answer, 0 when nobody has it."""
    counts = dict.fromkeys(lesson_ids, 0)
    people = sorted(set(person_ids))
    lessons = sorted(set(lesson_ids))
    if not people or not lessons:
        return counts
    for start in range(0, len(people), _CHUNK):
        query = (
            select(Delivery.lesson_id, func.count(func.distinct(col(Delivery.person_id))))
            .where(
                col(Delivery.person_id).in_(people[start : start + _CHUNK]),
                col(Delivery.lesson_id).in_(lessons),
                col(Delivery.kind) == DeliveryKind.LESSON,
                col(Delivery.status) == DeliveryStatus.SENT,
            )
            .group_by(col(Delivery.lesson_id))
        )
        for lesson_id, n in await session.exec(query):
            if lesson_id is not None:
                counts[lesson_id] += int(n)
    return counts


async def delete_waiting(session: AsyncSession, *, workshop_id: int) -> int:
    """Withdraw the workshop's messages that have not gone out (its invitations and reminders, pending or
    held; found by `keys.workshop_key_prefix` among its host's and seats' rows): what a cancellation
    does. Sent rows, and a row being sent right now, stay. Returns how many were withdrawn."""
    seated = select(WorkshopSeat.person_id).where(col(WorkshopSeat.workshop_id) == workshop_id)
    host = select(Workshop.host_id).where(col(Workshop.id) == workshop_id)
    result = await session.exec(
        delete(Delivery)
        .where(
            or_(col(Delivery.person_id).in_(seated), col(Delivery.person_id).in_(host)),
            starts_with(col(Delivery.dedupe_key), keys.workshop_key_prefix(workshop_id)),
            col(Delivery.status).in_((DeliveryStatus.PENDING, DeliveryStatus.HELD)),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def delete_reminders(session: AsyncSession, *, workshop_id: int, person_id: int) -> int:
    """Withdraw one person's reminders of a workshop that have not gone out (pending or held): they said
    they are not coming, or their reminders are about to be written again. Returns how many were."""
    reminders = [
        keys.workshop_reminder_key(workshop_id, person_id, which) for which in keys.WORKSHOP_REMINDERS
    ]
    result = await session.exec(
        delete(Delivery)
        .where(
            col(Delivery.dedupe_key).in_(reminders),
            col(Delivery.status).in_((DeliveryStatus.PENDING, DeliveryStatus.HELD)),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
