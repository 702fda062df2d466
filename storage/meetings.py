"""A mentoring pair's meetings: the pair's rows in `pairing`, its rhythm, its planned meetings and what
became of them, the notes each side wrote, and the figures the reports read (meetings held against
planned, pairs at risk).

A pair is *current* while its `pairing` row is open (no `ended_at`) and the `mentorship` row of the same
two people exists: the rest of Tandem reads `mentorship`, so a pair that lost it is over here too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, or_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import MeetingStatus, PairingSource
from storage.models import Commitment, Enrollment, Meeting, MeetingNote, Mentorship, Pairing, Person, Rhythm
from storage.sql import dialect_insert, is_sqlite, table_of

NOTE_CHARS = 300
"""The most a note holds (the column's length)."""
AT_RISK_MISSED = 3
"""Planned meetings missed in a row that put a pair "at risk" in the report."""

_RHYTHM = table_of(Rhythm)
_MEETING = table_of(Meeting)


def _current() -> ColumnElement[bool]:
    """The pairing rows of current pairs: open, both people still there, and still in `mentorship`."""
    return and_(
        col(Pairing.ended_at).is_(None),
        exists().where(
            col(Mentorship.mentor_id) == col(Pairing.mentor_id),
            col(Mentorship.mentee_id) == col(Pairing.mentee_id),
        ),
    )


# --- pairs -----------------------------------------------------------------------------------------------


async def open_pairing(session: AsyncSession, *, mentor_id: int, mentee_id: int) -> Pairing | None:
    """The open pairing row of these two (the latest, should there be more than one)."""
    query = select(Pairing).where(
        col(Pairing.mentor_id) == mentor_id,
        col(Pairing.mentee_id) == mentee_id,
        col(Pairing.ended_at).is_(None),
    )
    return (
        await session.exec(query.order_by(col(Pairing.started_at).desc(), col(Pairing.id).desc()))
    ).first()


async def ensure_pairing(
    session: AsyncSession, *, mentor_id: int, mentee_id: int, now: dt.datetime
) -> Pairing:
    """The open pairing row of a current mentorship, made (from when the mentorship began) if it has none.
    On PostgreSQL the mentorship row is locked first, so two sides setting a rhythm at once make one row."""
    query = select(Mentorship).where(
        col(Mentorship.mentor_id) == mentor_id, col(Mentorship.mentee_id) == mentee_id
    )
    if not is_sqlite(session):
        query = query.with_for_update()
    mentorship = (await session.exec(query)).first()
    found = await open_pairing(session, mentor_id=mentor_id, mentee_id=mentee_id)
    if found is not None:
        return found
    pairing = Pairing(
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        source=PairingSource.MANUAL,
        started_at=mentorship.created_at if mentorship is not None else now,
    )
    session.add(pairing)
    await session.flush()
    return pairing


async def pairings_between(session: AsyncSession, *, mentor_id: int, mentee_id: int) -> list[Pairing]:
    """Every pairing row of this mentor with this mentee, oldest first: the pair's whole history."""
    query = select(Pairing).where(col(Pairing.mentor_id) == mentor_id, col(Pairing.mentee_id) == mentee_id)
    return list(await session.exec(query.order_by(col(Pairing.started_at), col(Pairing.id))))


async def get_pairing(session: AsyncSession, *, pairing_id: int) -> Pairing | None:
    return (await session.exec(select(Pairing).where(col(Pairing.id) == pairing_id))).first()


# --- rhythms ---------------------------------------------------------------------------------------------


async def rhythm_of(session: AsyncSession, *, pairing_id: int) -> Rhythm | None:
    query = select(Rhythm).where(col(Rhythm.pairing_id) == pairing_id)
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def set_rhythm(
    session: AsyncSession,
    *,
    pairing_id: int,
    every_weeks: int,
    weekday: int,
    time: str,
    tz: str,
    set_by_id: int,
    now: dt.datetime,
) -> Rhythm:
    """Set (or replace) a pair's rhythm. `updated_at` becomes `now`: it is when the rhythm was last set,
    from which its series of meetings counts (never touched by anything else). The count of meetings
    missed in a row carries over a change."""
    values: dict[str, Any] = {
        "every_weeks": every_weeks,
        "weekday": weekday,
        "time": time,
        "tz": tz,
        "set_by_id": set_by_id,
        "updated_at": now,
    }
    statement = (
        dialect_insert(session)(_RHYTHM)
        .values(pairing_id=pairing_id, missed_in_row=0, created_at=now, **values)
        .on_conflict_do_update(index_elements=["pairing_id"], set_=values)
    )
    await session.exec(statement)
    rhythm = await rhythm_of(session, pairing_id=pairing_id)
    assert rhythm is not None
    return rhythm


async def drop_rhythm(session: AsyncSession, *, pairing_id: int) -> bool:
    result = await session.exec(delete(Rhythm).where(col(Rhythm.pairing_id) == pairing_id))
    return bool(result.rowcount)


async def count_answer(session: AsyncSession, *, pairing_id: int, held: bool) -> int:
    """A meeting decided held (the count of missed ones in a row back to 0) or missed (one more): the
    count now, 0 when the pair has no rhythm."""
    if held:
        await session.exec(update(Rhythm).where(col(Rhythm.pairing_id) == pairing_id).values(missed_in_row=0))
        return 0
    result = await session.exec(
        update(Rhythm)
        .where(col(Rhythm.pairing_id) == pairing_id)
        .values(missed_in_row=col(Rhythm.missed_in_row) + 1)
        .returning(col(Rhythm.missed_in_row))
    )
    row = result.first()
    return int(row[0]) if row is not None else 0


# --- meetings --------------------------------------------------------------------------------------------


async def plan_meeting(session: AsyncSession, *, pairing_id: int, planned_at: dt.datetime) -> Meeting:
    """The pair's meeting at `planned_at`, planned now unless it is already there (two replicas, a
    rescheduled meeting landing on a planned one)."""
    statement = (
        dialect_insert(session)(_MEETING)
        .values(pairing_id=pairing_id, planned_at=planned_at, status=MeetingStatus.PLANNED)
        .on_conflict_do_nothing(index_elements=["pairing_id", "planned_at"])
    )
    await session.exec(statement)
    query = select(Meeting).where(
        col(Meeting.pairing_id) == pairing_id, col(Meeting.planned_at) == planned_at
    )
    found = (await session.exec(query.execution_options(populate_existing=True))).first()
    assert found is not None
    return found


async def get_meeting(session: AsyncSession, *, meeting_id: int) -> Meeting | None:
    query = select(Meeting).where(col(Meeting.id) == meeting_id)
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def upcoming(session: AsyncSession, *, pairing_id: int, now: dt.datetime) -> Meeting | None:
    """The pair's next planned meeting after `now`."""
    query = select(Meeting).where(
        col(Meeting.pairing_id) == pairing_id,
        col(Meeting.status) == MeetingStatus.PLANNED,
        col(Meeting.planned_at) > now,
    )
    return (await session.exec(query.order_by(col(Meeting.planned_at)))).first()


def _moved_here() -> ColumnElement[bool]:
    """A meeting that another one of the pair was rescheduled to: a date the two agreed on."""
    earlier = Meeting.__table__.alias("earlier")  # type: ignore[attr-defined]
    return exists().where(
        earlier.c.pairing_id == col(Meeting.pairing_id), earlier.c.moved_to == col(Meeting.planned_at)
    )


async def drop_future(session: AsyncSession, *, pairing_id: int, after: dt.datetime) -> int:
    """Take out the pair's planned meetings after `after` that the rhythm put there (not yet asked about),
    when the rhythm changes or stops; a meeting they rescheduled to a date of their own stays."""
    ids = select(Meeting.id).where(
        col(Meeting.pairing_id) == pairing_id,
        col(Meeting.status) == MeetingStatus.PLANNED,
        col(Meeting.asked_at).is_(None),
        col(Meeting.planned_at) > after,
        ~_moved_here(),
    )
    found = [row for row in await session.exec(ids) if row is not None]
    if not found:
        return 0
    await session.exec(delete(Meeting).where(col(Meeting.id).in_(found)))
    return len(found)


async def decide(
    session: AsyncSession, *, meeting_id: int, status: str, person_id: int, now: dt.datetime
) -> bool:
    """The first answer to "Did you meet?" decides the meeting (a MeetingStatus): True when this one did,
    False when an answer was there first (two presses at once included)."""
    result = await session.exec(
        update(Meeting)
        .where(
            col(Meeting.id) == meeting_id,
            col(Meeting.status) == MeetingStatus.PLANNED,
            col(Meeting.answered_at).is_(None),
        )
        .values(status=status, answered_at=now, answered_by_id=person_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def move(session: AsyncSession, *, meeting_id: int, moved_to: dt.datetime) -> bool:
    """Where a rescheduled meeting went, once: False when it was said already."""
    result = await session.exec(
        update(Meeting)
        .where(
            col(Meeting.id) == meeting_id,
            col(Meeting.status) == MeetingStatus.RESCHEDULED,
            col(Meeting.moved_to).is_(None),
        )
        .values(moved_to=moved_to)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def meetings_of(session: AsyncSession, *, pairing_ids: Sequence[int]) -> list[Meeting]:
    """The meetings of these pairings, in time order."""
    if not pairing_ids:
        return []
    query = select(Meeting).where(col(Meeting.pairing_id).in_(pairing_ids))
    return list(await session.exec(query.order_by(col(Meeting.planned_at), col(Meeting.id))))


# --- notes and commitments -------------------------------------------------------------------------------


async def save_note(
    session: AsyncSession, *, meeting_id: int, author_id: int, text: str, now: dt.datetime
) -> MeetingNote:
    """One side's note on a meeting; writing again replaces their note (the other side's stays)."""
    query = select(MeetingNote).where(
        col(MeetingNote.meeting_id) == meeting_id, col(MeetingNote.author_id) == author_id
    )
    note = (await session.exec(query)).first()
    if note is None:
        note = MeetingNote(meeting_id=meeting_id, author_id=author_id, text=text[:NOTE_CHARS], created_at=now)
    else:
        note.text, note.created_at = text[:NOTE_CHARS], now
    session.add(note)
    await session.flush()
    return note


async def has_note(session: AsyncSession, *, meeting_id: int, author_id: int) -> bool:
    query = select(func.count()).where(
        col(MeetingNote.meeting_id) == meeting_id, col(MeetingNote.author_id) == author_id
    )
    return bool((await session.exec(query)).one())


async def notes_of(session: AsyncSession, *, meeting_ids: Sequence[int]) -> list[MeetingNote]:
    """The notes (both sides') on these meetings, oldest first."""
    if not meeting_ids:
        return []
    query = select(MeetingNote).where(col(MeetingNote.meeting_id).in_(meeting_ids))
    return list(await session.exec(query.order_by(col(MeetingNote.created_at), col(MeetingNote.id))))


async def commitments_of_meetings(session: AsyncSession, *, meeting_ids: Sequence[int]) -> list[Commitment]:
    """The commitments made after these meetings, oldest first."""
    if not meeting_ids:
        return []
    query = select(Commitment).where(col(Commitment.meeting_id).in_(meeting_ids))
    return list(await session.exec(query.order_by(col(Commitment.made_at), col(Commitment.id))))


# --- the planner -----------------------------------------------------------------------------------------


async def due_to_ask(
    session: AsyncSession, *, before: dt.datetime, limit: int
) -> list[tuple[Meeting, Pairing]]:
    """Planned meetings of current pairs at or before `before` whose question was not queued yet."""
    query = (
        select(Meeting, Pairing)
        .join(Pairing, col(Pairing.id) == col(Meeting.pairing_id))
        .where(
            col(Meeting.status) == MeetingStatus.PLANNED,
            col(Meeting.planned_at) <= before,
            col(Meeting.asked_at).is_(None),
            _current(),
        )
        .order_by(col(Meeting.planned_at), col(Meeting.id))
        .limit(limit)
    )
    return [(meeting, pairing) for meeting, pairing in await session.exec(query)]


async def due_to_brief(
    session: AsyncSession, *, after: dt.datetime, until: dt.datetime, limit: int
) -> list[tuple[Meeting, Pairing]]:
    """Planned meetings of current pairs between `after` and `until` whose brief was not queued yet."""
    query = (
        select(Meeting, Pairing)
        .join(Pairing, col(Pairing.id) == col(Meeting.pairing_id))
        .where(
            col(Meeting.status) == MeetingStatus.PLANNED,
            col(Meeting.planned_at) > after,
            col(Meeting.planned_at) <= until,
            col(Meeting.brief_sent_at).is_(None),
            _current(),
        )
        .order_by(col(Meeting.planned_at), col(Meeting.id))
        .limit(limit)
    )
    return [(meeting, pairing) for meeting, pairing in await session.exec(query)]


async def mark_asked(session: AsyncSession, *, meeting_ids: Sequence[int], now: dt.datetime) -> set[int]:
    """Note that "Did you meet?" is queued for these meetings; returns those this call marked (another
    replica may have been first with some)."""
    return await _mark(session, col(Meeting.asked_at), meeting_ids, {"asked_at": now})


async def mark_briefed(session: AsyncSession, *, meeting_ids: Sequence[int], now: dt.datetime) -> set[int]:
    """Note that the mentor's brief is queued for these meetings; returns those this call marked."""
    return await _mark(session, col(Meeting.brief_sent_at), meeting_ids, {"brief_sent_at": now})


async def _mark(
    session: AsyncSession, column: Any, meeting_ids: Sequence[int], values: dict[str, Any]
) -> set[int]:
    if not meeting_ids:
        return set()
    result = await session.exec(
        update(Meeting)
        .where(col(Meeting.id).in_(meeting_ids), column.is_(None))
        .values(**values)
        .returning(col(Meeting.id))
        .execution_options(synchronize_session=False)
    )
    return {int(row[0]) for row in result}


async def drop_stale(session: AsyncSession) -> int:
    """Take out the planned meetings not yet asked about of pairs that are over (unpaired, or one side
    forgotten): they will not happen."""
    over = select(Pairing.id).where(~_current())
    result = await session.exec(
        delete(Meeting).where(
            col(Meeting.status) == MeetingStatus.PLANNED,
            col(Meeting.asked_at).is_(None),
            col(Meeting.pairing_id).in_(over),
        )
    )
    return int(result.rowcount or 0)


# --- reports ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AtRisk:
    """A current pair whose last `missed_in_row` planned meetings were all missed (at least 3)."""

    pairing_id: int
    mentor: Person
    mentee: Person
    missed_in_row: int


def _in_cohort(cohort_id: int | None) -> ColumnElement[bool]:
    """Pairs whose mentee is (or was) enrolled in the cohort; every pair when `cohort_id` is None."""
    if cohort_id is None:
        return col(Pairing.id).is_not(None)
    enrolled = select(Enrollment.person_id).where(col(Enrollment.cohort_id) == cohort_id)
    return col(Pairing.mentee_id).in_(enrolled)


async def pairs_at_risk(session: AsyncSession, *, cohort_id: int | None) -> list[AtRisk]:
    """The current pairs (of a cohort's learners, or all) that missed `AT_RISK_MISSED` planned meetings
    or more in a row, most missed first."""
    query = (
        select(Pairing, Rhythm.missed_in_row)
        .join(Rhythm, col(Rhythm.pairing_id) == col(Pairing.id))
        .where(col(Rhythm.missed_in_row) >= AT_RISK_MISSED, _current(), _in_cohort(cohort_id))
        .order_by(col(Rhythm.missed_in_row).desc(), col(Pairing.id))
    )
    rows = [(pairing, int(missed)) for pairing, missed in await session.exec(query)]
    ids = sorted({p.mentor_id or 0 for p, _ in rows} | {p.mentee_id or 0 for p, _ in rows})
    found = (
        {p.id: p for p in await session.exec(select(Person).where(col(Person.id).in_(ids)))} if ids else {}
    )
    return [
        AtRisk(pairing.id or 0, found[pairing.mentor_id], found[pairing.mentee_id], missed)
        for pairing, missed in rows
        if pairing.mentor_id in found and pairing.mentee_id in found
    ]


async def meeting_counts(session: AsyncSession, *, cohort_id: int | None) -> tuple[int, int]:
    """(held, planned so far) over the pairs of a cohort's learners, or all pairs, past ones included.
    *Planned so far* counts the meetings whose "Did you meet?" went out (their moment has passed):
    held, missed, and those nobody answered; a rescheduled meeting counts once, at its new date."""
    answered = or_(
        col(Meeting.status).in_((MeetingStatus.HELD, MeetingStatus.MISSED)),
        and_(col(Meeting.status) == MeetingStatus.PLANNED, col(Meeting.asked_at).is_not(None)),
    )
    held = func.sum(case((col(Meeting.status) == MeetingStatus.HELD, 1), else_=0))
    query = (
        select(func.coalesce(held, 0), func.count())
        .select_from(Meeting)
        .join(Pairing, col(Pairing.id) == col(Meeting.pairing_id))
        .where(answered, _in_cohort(cohort_id))
    )
    row = (await session.exec(query)).one()
    return int(row[0]), int(row[1])
