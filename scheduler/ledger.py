"""The delivery ledger: plan due enrollments into ledger rows, claim them, and record how sending went.

The database is the source of truth. Planning turns an enrollment whose tip is due into one `pending`
ledger row and moves the enrollment on, in one transaction; the row's unique `dedupe_key` means a
lesson can be queued for an enrollment only once. Claiming flips rows from `pending` to `sending`
(PostgreSQL: FOR UPDATE SKIP LOCKED, so replicas never claim the same row; SQLite: BEGIN IMMEDIATE plus
a conditional UPDATE). Rows left in `sending` by a process that died are claimed again after a timeout,
flagged `recovered`, so the dispatcher asks the channel whether the message went out before resending.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from scheduler import timing
from scheduler.plan import rhythm_for
from storage.db import Database
from storage.models import Cohort, Delivery, Enrollment, Person

logger = logging.getLogger(__name__)

_ENROLLMENT = Enrollment.__table__  # type: ignore[attr-defined]
_DELIVERY = Delivery.__table__  # type: ignore[attr-defined]
PLAN_BATCH = 2000
STALE_AFTER = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class Claim:
    """One claimed delivery, with what the dispatcher needs to compose and route it."""

    delivery_id: int
    dedupe_key: str
    kind: str
    lesson_id: str | None
    tip_id: int | None
    enrollment_id: int | None
    person_id: int
    attempts: int
    recovered: bool


@dataclass(slots=True)
class PlanReport:
    queued: int = 0
    completed: int = 0
    rolled: int = 0
    details: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How sending one claim ended: sent, retry later, or failed for good."""

    delivery_id: int
    status: str
    error: str | None = None
    retry_at: dt.datetime | None = None
    person_id: int | None = None
    enrollment_id: int | None = None


def decide(
    enrollment: Enrollment, person: Person, cohort: Cohort, now: dt.datetime
) -> tuple[bool, dt.datetime]:
    """(send now?, next due time). Missed days are not replayed: only today's tip, if the day is not over."""
    rhythm = rhythm_for(person, cohort)
    pause = max(filter(None, (enrollment.paused_until, person.paused_until)), default=None)
    upcoming = timing.next_slot(rhythm, now, paused_until=pause if pause and pause > now else None)
    if cohort.paused or (pause and pause > now) or not person.reachable:
        return False, upcoming
    due = enrollment.next_due_at or now
    local_now = now.astimezone(rhythm.zone)
    last = enrollment.last_sent_at
    if last is not None and last.astimezone(rhythm.zone).date() == local_now.date():
        tomorrow = dt.datetime.combine(local_now.date() + dt.timedelta(days=1), dt.time(0), rhythm.zone)
        return False, timing.next_slot(rhythm, tomorrow.astimezone(dt.UTC) - dt.timedelta(microseconds=1))
    off_day = local_now.weekday() not in rhythm.days or local_now.date() < rhythm.start
    if off_day or timing.in_quiet_hours(local_now.time(), rhythm.quiet):
        return False, upcoming
    if due.astimezone(rhythm.zone).date() == local_now.date():
        return True, upcoming
    today_slot = timing.local_moment(local_now.date(), rhythm.time_of_day, rhythm.zone)
    return today_slot <= now, upcoming


async def plan_due(
    db: Database, now: dt.datetime, tracks: dict[str, tuple[str, ...]], *, dry_run: bool = False
) -> PlanReport:
    """Queue a ledger row for every enrollment whose tip is due at `now`; returns what happened."""
    report = PlanReport()
    while True:
        async with db.transaction() as session:
            query = (
                select(Enrollment, Person, Cohort)
                .join(Person, col(Person.id) == col(Enrollment.person_id))
                .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
                .where(Enrollment.status == "active", col(Enrollment.next_due_at) <= now)
                .order_by(col(Enrollment.next_due_at))
                .limit(PLAN_BATCH)
            )
            if not db.is_sqlite:
                query = query.with_for_update(of=Enrollment, skip_locked=True)  # type: ignore[arg-type]
            rows = list(await session.exec(query))
            if not rows:
                return report
            updates, ledger = _plan_rows(rows, now, tracks, report)
            if dry_run:
                await session.rollback()
                return report
            if ledger:
                dialect_insert = sqlite_insert if db.is_sqlite else pg_insert
                stmt = dialect_insert(_DELIVERY).on_conflict_do_nothing(index_elements=["dedupe_key"])
                await session.exec(stmt, params=ledger)  # executemany: compiled once for the batch
            await _update_enrollments(session, updates)
        if len(rows) < PLAN_BATCH:
            return report


async def _update_enrollments(session: object, updates: list[dict[str, object]]) -> None:
    """One executemany per shape of change, by primary key: far cheaper than ORM bulk updates."""
    by_shape: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for change in updates:
        by_shape.setdefault(tuple(sorted(change)), []).append(change)
    for shape, rows in by_shape.items():
        columns = [name for name in shape if name != "id"]
        statement = (
            update(_ENROLLMENT)
            .where(_ENROLLMENT.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in columns})
        )
        params = [{f"b_{name}": value for name, value in row.items()} for row in rows]
        await session.exec(statement, params=params)  # type: ignore[attr-defined]


def _plan_rows(
    rows: Sequence[tuple[Enrollment, Person, Cohort]],
    now: dt.datetime,
    tracks: dict[str, tuple[str, ...]],
    report: PlanReport,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    updates: list[dict[str, object]] = []
    ledger: list[dict[str, object]] = []
    for enrollment, person, cohort in rows:
        send, upcoming = decide(enrollment, person, cohort, now)
        change: dict[str, object] = {"id": enrollment.id, "next_due_at": upcoming}
        if not send:
            report.rolled += 1
            updates.append(change)
            continue
        lessons = tracks.get(cohort.track_id, ())
        base = {"person_id": person.id, "enrollment_id": enrollment.id, "due_at": now, "status": "pending"}
        if enrollment.position >= len(lessons):
            change.update(status="completed", next_due_at=None)
            ledger.append({**base, "dedupe_key": f"complete:{enrollment.id}", "kind": "complete"})
            report.completed += 1
            report.details.append((person.id or 0, "complete", cohort.track_id))
        else:
            lesson_id = lessons[enrollment.position]
            change.update(position=enrollment.position + 1, last_sent_at=now)
            ledger.append(
                {
                    **base,
                    "dedupe_key": f"lesson:{enrollment.id}:{lesson_id}",
                    "kind": "lesson",
                    "lesson_id": lesson_id,
                }
            )
            report.queued += 1
            report.details.append((person.id or 0, "lesson", lesson_id))
        updates.append(change)
    return updates, ledger


async def claim(db: Database, now: dt.datetime, worker: str, *, limit: int = 500) -> list[Claim]:
    """Flip up to `limit` due rows (pending, or sending for longer than STALE_AFTER) to this worker."""
    stale = now - STALE_AFTER
    claimable = or_(
        and_(col(Delivery.status) == "pending", col(Delivery.due_at) <= now),
        and_(col(Delivery.status) == "sending", col(Delivery.claimed_at) < stale),
    )
    async with db.transaction() as session:
        query = select(Delivery).where(claimable).order_by(col(Delivery.due_at)).limit(limit)
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list(await session.exec(query))
        if not rows:
            return []
        ids = [row.id for row in rows]
        result = await session.exec(
            update(Delivery)
            .where(col(Delivery.id).in_(ids), claimable)
            .values(status="sending", claimed_at=now, claimed_by=worker, attempts=col(Delivery.attempts) + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != len(ids):
            logger.warning("Claimed %s of %s rows; another worker took the rest", result.rowcount, len(ids))
            mine = await session.exec(
                select(Delivery.id).where(col(Delivery.id).in_(ids), Delivery.claimed_by == worker)
            )
            owned = set(mine)
            rows = [row for row in rows if row.id in owned]
    return [
        Claim(
            delivery_id=row.id or 0,
            dedupe_key=row.dedupe_key,
            kind=row.kind,
            lesson_id=row.lesson_id,
            tip_id=row.tip_id,
            enrollment_id=row.enrollment_id,
            person_id=row.person_id,
            attempts=row.attempts + 1,
            recovered=row.status == "sending",
        )
        for row in rows
    ]


async def record(db: Database, outcomes: Sequence[Outcome], now: dt.datetime) -> None:
    """Write the outcomes of one batch: sent rows, rows to retry, and permanent failures."""
    if not outcomes:
        return
    async with db.transaction() as session:
        sent = [
            {"id": o.delivery_id, "status": "sent", "sent_at": now, "error": None}
            for o in outcomes
            if o.status == "sent"
        ]
        retry = [
            {"id": o.delivery_id, "status": "pending", "due_at": o.retry_at or now, "error": o.error}
            for o in outcomes
            if o.status == "retry"
        ]
        failed = [o for o in outcomes if o.status == "failed"]
        failures = [{"id": o.delivery_id, "status": "failed", "error": (o.error or "")[:300]} for o in failed]
        for batch in (sent, retry, failures):
            if batch:
                await _update_deliveries(session, batch)
        if failed:
            await _stop_unreachable(session, failed)


async def _update_deliveries(session: object, rows: list[dict[str, object]]) -> None:
    columns = [name for name in rows[0] if name != "id"]
    statement = (
        update(_DELIVERY)
        .where(_DELIVERY.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in columns})
    )
    await session.exec(statement, params=[{f"b_{k}": v for k, v in row.items()} for row in rows])  # type: ignore[attr-defined]


async def _stop_unreachable(session: object, failed: Sequence[Outcome]) -> None:
    """A permanent failure stops the learner's enrollments and marks them unreachable, with the reason."""
    for outcome in failed:
        reason = (outcome.error or "unreachable")[:200]
        if outcome.person_id is not None:
            await session.exec(  # type: ignore[attr-defined]
                update(Person)
                .where(col(Person.id) == outcome.person_id)
                .values(reachable=False, unreachable_reason=reason)
            )
            await session.exec(  # type: ignore[attr-defined]
                update(Enrollment)
                .where(col(Enrollment.person_id) == outcome.person_id, col(Enrollment.status) == "active")
                .values(status="stopped", stop_reason=reason)
            )
