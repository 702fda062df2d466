"""The delivery ledger's repository: write rows, claim due ones, record how sending went, expire, report.

Every message to someone other than the person being answered is a `Delivery` row. A command writes its
rows in its own transaction (so a command that fails sends nothing); dispatchers claim due rows
(PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: a conditional UPDATE under BEGIN IMMEDIATE), send them and
record the outcome. A row claimed by a dispatcher whose lease has lapsed (its process died) is claimed
again, flagged `recovered`, so that the channel is asked whether it already arrived before resending.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import reviews, rollups
from storage.enums import (
    TRACK_KINDS,
    UNSETTLED,
    DeliveryKind,
    DeliveryStatus,
    EnrollmentStatus,
    Priority,
    ReportRule,
    SendOutcome,
)
from storage.models import Delivery, DeliveryBatch, Enrollment, Person, Worker
from storage.sql import dialect_insert, is_sqlite, starts_with, table_of, update_by_id

logger = logging.getLogger(__name__)

_DELIVERY = table_of(Delivery)
_ENROLLMENT = table_of(Enrollment)
ERROR_CHARS = 300


# --- writing ------------------------------------------------------------------------------------------


async def new_batch(
    session: AsyncSession,
    *,
    sender_id: int | None,
    kind: str,
    audience: str | None = None,
    report: str = ReportRule.FAILURES,
    now: dt.datetime,
) -> int:
    """A batch for the messages of one command, so that its sender hears how they went."""
    batch = DeliveryBatch(sender_id=sender_id, kind=kind, audience=audience, report=report, created_at=now)
    session.add(batch)
    await session.flush()
    return batch.id or 0


async def enqueue(session: AsyncSession, *, rows: Sequence[dict[str, Any]]) -> int:
    """Write ledger rows (each needs dedupe_key, person_id, kind and due_at); a key that exists already is
    left alone. Rows for people who cannot be reached now start `held`. Returns how many were written."""
    if not rows:
        return 0
    person_ids = sorted({int(row["person_id"]) for row in rows})
    unreachable: dict[int, str | None] = {}
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        query = select(Person.id, Person.unreachable_reason).where(
            col(Person.id).in_(chunk), col(Person.reachable).is_(False)
        )
        unreachable.update({pid: reason for pid, reason in await session.exec(query) if pid is not None})
    values = [
        {
            "status": DeliveryStatus.HELD if row["person_id"] in unreachable else DeliveryStatus.PENDING,
            "error": unreachable.get(row["person_id"]),
            "priority": Priority.NOW,
            "attempts": 0,
            "uncertain": False,
            **row,
        }
        for row in rows
    ]
    statement = dialect_insert(session)(_DELIVERY).on_conflict_do_nothing(index_elements=["dedupe_key"])
    for start in range(0, len(values), 500):
        await session.exec(statement, params=values[start : start + 500])
    return len(values)


async def waiting_with_prefix(session: AsyncSession, *, person_id: int, prefix: str) -> Delivery | None:
    """The person's row whose key starts with `prefix` and that has not gone out yet (due later, or held
    for them), locked on PostgreSQL so that no dispatcher claims it while its payload is rewritten."""
    query = select(Delivery).where(
        Delivery.person_id == person_id,
        col(Delivery.status).in_((DeliveryStatus.PENDING, DeliveryStatus.HELD)),
        starts_with(col(Delivery.dedupe_key), prefix),
    )
    if not is_sqlite(session):
        query = query.with_for_update()
    return (await session.exec(query.order_by(col(Delivery.id)))).first()


async def replace_payload(session: AsyncSession, *, delivery_id: int, payload: list[dict[str, Any]]) -> None:
    """What a waiting row will say, written again (a grouped message that grows while it waits)."""
    await session.exec(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.status).in_((DeliveryStatus.PENDING, DeliveryStatus.HELD)),
        )
        .values(payload=payload)
    )


def reviving_expired(insert: Any) -> Any:
    """`insert` (a dialect INSERT into the ledger) that, on a row with the same key which expired
    undelivered, plans it again: the same message coming back rather than a duplicate or nothing."""
    revive = {
        name: insert.excluded[name]
        for name in ("status", "due_at", "expires_at", "step", "attempts", "uncertain", "error")
    }
    return insert.on_conflict_do_update(
        index_elements=["dedupe_key"],
        set_={**revive, "claimed_at": None, "claimed_by": None},
        where=_DELIVERY.c.status == DeliveryStatus.EXPIRED,
    )


async def plan_rows(session: AsyncSession, *, rows: Sequence[dict[str, Any]]) -> None:
    """Write the rows the drip planned from enrollments. A row with the same key that expired undelivered
    (a tip lost to a long outage, or to a person out of reach) is sent again: the enrollment stepped back
    to it, so this is the same lesson coming back on the next delivery day."""
    if not rows:
        return
    statement = reviving_expired(dialect_insert(session)(_DELIVERY))
    await session.exec(statement, params=list(rows))


async def record_sent(
    session: AsyncSession,
    *,
    dedupe_key: str,
    person_id: int,
    now: dt.datetime,
    enrollment_id: int | None = None,
    lesson_id: str | None = None,
    kind: str = DeliveryKind.LESSON,
) -> bool:
    """Record a message delivered in a reply (the learner asked for `next`); False when that key was
    already delivered."""
    values = {
        "dedupe_key": dedupe_key,
        "person_id": person_id,
        "enrollment_id": enrollment_id,
        "lesson_id": lesson_id,
        "kind": kind,
        "status": DeliveryStatus.SENT,
        "priority": Priority.NOW,
        "due_at": now,
        "sent_at": now,
        "attempts": 1,
        "uncertain": False,
        "created_at": now,
    }
    statement = (
        dialect_insert(session)(_DELIVERY)
        .values(values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(_DELIVERY.c.id)
    )
    row = (await session.exec(statement)).first()
    recorded = row is not None
    if row is not None:
        await rollups.deliveries_sent(
            session, sent=[(int(row[0]), person_id, kind, lesson_id, enrollment_id)], now=now
        )
    if recorded and kind == DeliveryKind.LESSON and lesson_id:
        await reviews.add_sent(session, sent=[(person_id, lesson_id)], now=now)
    return recorded


# --- claiming -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claim:
    """One claimed row, with what a dispatcher needs to compose it and route it."""

    delivery_id: int
    dedupe_key: str
    kind: str
    person_id: int
    platform: str
    attempts: int
    recovered: bool
    """Claimed again from a dispatcher that died, or after an answer that never came: ask first."""
    lesson_id: str | None = None
    tip_id: int | None = None
    enrollment_id: int | None = None
    step: int | None = None
    batch_id: int | None = None
    payload: list[dict[str, Any]] | None = None
    expires_at: dt.datetime | None = None
    room: str | None = None
    """The room it is posted in (a room key) instead of the person's direct messages: the person is who
    answers for it."""


def _claim_of(row: Delivery, platform: str) -> Claim:
    return Claim(
        delivery_id=row.id or 0,
        dedupe_key=row.dedupe_key,
        kind=row.kind,
        person_id=row.person_id,
        platform=platform,
        attempts=row.attempts + 1,
        recovered=row.status == DeliveryStatus.SENDING or row.uncertain,
        lesson_id=row.lesson_id,
        tip_id=row.tip_id,
        enrollment_id=row.enrollment_id,
        step=row.step,
        batch_id=row.batch_id,
        payload=row.payload,
        expires_at=row.expires_at,
        room=row.room,
    )


async def claim(
    session: AsyncSession,
    *,
    now: dt.datetime,
    worker: str,
    platforms: Sequence[str],
    alive_since: dt.datetime,
    limit: int,
) -> list[Claim]:
    """Flip up to `limit` rows to `sending` for `worker`: rows left by a dispatcher whose lease lapsed
    first, then due rows, most urgent first. Only rows for reachable people of `platforms` (the channels
    this process can send through); rows past their lifetime are left to `expire`."""
    if not platforms:
        return []
    live = select(Worker.id).where(col(Worker.seen_at) >= alive_since)
    lapsed = and_(
        col(Delivery.status) == DeliveryStatus.SENDING,
        or_(col(Delivery.claimed_by).is_(None), col(Delivery.claimed_by).not_in(live)),
        or_(col(Delivery.claimed_by).is_(None), col(Delivery.claimed_by) != worker),  # in flight here
    )
    due = and_(
        col(Delivery.status) == DeliveryStatus.PENDING,
        col(Delivery.due_at) <= now,
        or_(col(Delivery.expires_at).is_(None), col(Delivery.expires_at) > now),
    )
    found: list[tuple[Delivery, str]] = []
    for condition in (lapsed, due):
        query = (
            select(Delivery, Person.platform)
            .join(Person, col(Person.id) == col(Delivery.person_id))
            .where(condition, col(Person.platform).in_(list(platforms)), col(Person.reachable).is_(True))
            .order_by(col(Delivery.priority), col(Delivery.due_at), col(Delivery.id))
            .limit(limit - len(found))
        )
        if not is_sqlite(session):
            query = query.with_for_update(of=Delivery, skip_locked=True)
        found += [(row, platform) for row, platform in await session.exec(query)]
        if len(found) >= limit:
            break
    if not found:
        return []
    ids = [row.id for row, _ in found]
    result = await session.exec(
        update(Delivery)
        .where(col(Delivery.id).in_(ids), or_(lapsed, due))
        .values(
            status=DeliveryStatus.SENDING,
            claimed_at=now,
            claimed_by=worker,
            attempts=col(Delivery.attempts) + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != len(ids):
        logger.warning("Claimed %s of %s rows; another worker took the rest", result.rowcount, len(ids))
        mine = set(
            await session.exec(
                select(Delivery.id).where(col(Delivery.id).in_(ids), col(Delivery.claimed_by) == worker)
            )
        )
        found = [(row, platform) for row, platform in found if row.id in mine]
    return [_claim_of(row, platform) for row, platform in found]


async def next_due_at(session: AsyncSession, *, platforms: Sequence[str]) -> dt.datetime | None:
    """When the earliest pending row for these platforms falls due; None when nothing waits."""
    query = (
        select(func.min(Delivery.due_at))
        .select_from(Delivery)
        .join(Person, col(Person.id) == col(Delivery.person_id))
        .where(col(Delivery.status) == DeliveryStatus.PENDING, col(Person.platform).in_(list(platforms)))
    )
    value = (await session.exec(query)).first()
    if isinstance(value, tuple | list):
        value = value[0]
    return _aware(value)


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# --- outcomes -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt ended: sent; retry at `retry_at`; unreachable (the person, for good); or failed."""

    claim: Claim
    status: SendOutcome
    error: str | None = None
    retry_at: dt.datetime | None = None
    uncertain: bool = False


async def record(session: AsyncSession, *, outcomes: Sequence[Outcome], now: dt.datetime) -> set[int]:
    """Write one batch of outcomes; returns the batches whose rows changed, for the senders' reports."""
    if not outcomes:
        return set()
    by_status: dict[SendOutcome, list[Outcome]] = {}
    for outcome in outcomes:
        by_status.setdefault(outcome.status, []).append(outcome)
    sent = [
        {
            "id": o.claim.delivery_id,
            "status": DeliveryStatus.SENT,
            "sent_at": now,
            "error": None,
            "payload": None,
            "uncertain": False,
        }
        for o in by_status.get(SendOutcome.SENT, [])
    ]
    retry = [
        {
            "id": o.claim.delivery_id,
            "status": DeliveryStatus.PENDING,
            "due_at": o.retry_at or now,
            "error": _error(o.error),
            "uncertain": o.uncertain,
        }
        for o in by_status.get(SendOutcome.RETRY, [])
    ]
    failed = [
        {"id": o.claim.delivery_id, "status": DeliveryStatus.FAILED, "error": _error(o.error)}
        for o in by_status.get(SendOutcome.FAILED, [])
    ]  # fmt: skip
    for rows in (sent, retry, failed):
        if rows:
            await update_by_id(session, _DELIVERY, rows)
    await rollups.deliveries_sent(  # the dashboard's daily counts, in this transaction: one upsert
        session,
        sent=[
            (o.claim.delivery_id, o.claim.person_id, o.claim.kind, o.claim.lesson_id, o.claim.enrollment_id)
            for o in by_status.get(SendOutcome.SENT, [])
        ],
        now=now,
    )
    lessons = [
        (o.claim.person_id, o.claim.lesson_id)
        for o in by_status.get(SendOutcome.SENT, [])
        if o.claim.kind == DeliveryKind.LESSON and o.claim.lesson_id
    ]
    await reviews.add_sent(session, sent=lessons, now=now)  # each lesson received enters the schedule
    unreachable = by_status.get(SendOutcome.UNREACHABLE, [])
    if unreachable:
        from storage import reachability

        for outcome in unreachable:
            await reachability.mark_unreachable(
                session,
                person_ids=[outcome.claim.person_id],
                reason=_error(outcome.error) or "unreachable",
                now=now,
                including=[outcome.claim.delivery_id],
            )
    return {o.claim.batch_id for o in outcomes if o.claim.batch_id is not None}


def _error(error: str | None) -> str | None:
    return error[:ERROR_CHARS] if error else error


async def hold_or_expire(
    session: AsyncSession, *, where: Any, now: dt.datetime, reason: str | None = None
) -> set[int]:
    """Rows matching `where` stop waiting for a dispatcher: track rows expire (their enrollment steps back
    to them, see `step_back`), other rows are held until the person can be reached again. Returns the
    batches touched."""
    rows = list(await session.exec(select(Delivery).where(where)))
    track = [row for row in rows if row.kind in TRACK_KINDS]
    others = [row for row in rows if row.kind not in TRACK_KINDS]
    if others:
        await session.exec(
            update(Delivery)
            .where(col(Delivery.id).in_([row.id for row in others]))
            .values(status=DeliveryStatus.HELD, error=_error(reason), claimed_by=None)
            .execution_options(synchronize_session=False)
        )
    if track:
        await _expire_track_rows(session, track, now=now, reason=reason)
    return {row.batch_id for row in rows if row.batch_id is not None}


async def _expire_track_rows(
    session: AsyncSession, rows: Sequence[Delivery], *, now: dt.datetime, reason: str | None
) -> None:
    await session.exec(
        update(Delivery)
        .where(col(Delivery.id).in_([row.id for row in rows]))
        .values(status=DeliveryStatus.EXPIRED, error=_error(reason), claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    await step_back(session, rows=rows, now=now)


async def step_back(session: AsyncSession, *, rows: Iterable[Delivery], now: dt.datetime) -> None:
    """Enrollments take back the track rows that were not delivered: the lesson is due again (the
    drip decides when: the next delivery day), a track that completed with a last lesson which did not
    arrive is open again, and a completion that did not arrive is planned again."""
    for row in rows:
        if row.enrollment_id is None:
            continue
        if row.kind == DeliveryKind.LESSON and row.step is not None:
            condition = col(Enrollment.position) == row.step + 1
            values: dict[str, Any] = {"position": row.step}
        elif row.kind == DeliveryKind.COMPLETE:
            condition = col(Enrollment.status) == EnrollmentStatus.COMPLETED
            values = {"status": EnrollmentStatus.ACTIVE}
        else:
            continue
        await session.exec(
            update(Enrollment).where(col(Enrollment.id) == row.enrollment_id, condition).values(**values)
        )
        if row.kind == DeliveryKind.LESSON:
            await _reopen_track(session, enrollment_id=row.enrollment_id, step=row.step)
        await session.exec(
            update(Enrollment)
            .where(col(Enrollment.id) == row.enrollment_id, col(Enrollment.status) == EnrollmentStatus.ACTIVE)
            .values(next_due_at=now)
        )


async def _reopen_track(session: AsyncSession, *, enrollment_id: int, step: int | None) -> None:
    """A track completes when its last lesson is planned; that lesson not delivered, it is not over: the
    enrollment is active again and its end-of-track message, still waiting, is given up until the drip
    plans it again with the lesson."""
    reopened = await session.exec(
        update(Enrollment)
        .where(
            col(Enrollment.id) == enrollment_id,
            col(Enrollment.status) == EnrollmentStatus.COMPLETED,
            col(Enrollment.position) == step,
        )
        .values(status=EnrollmentStatus.ACTIVE)
    )
    if reopened.rowcount:
        await session.exec(
            update(Delivery)
            .where(
                col(Delivery.enrollment_id) == enrollment_id,
                col(Delivery.kind) == DeliveryKind.COMPLETE,
                col(Delivery.status).in_((DeliveryStatus.PENDING, DeliveryStatus.HELD)),
            )
            .values(status=DeliveryStatus.EXPIRED, claimed_by=None)
            .execution_options(synchronize_session=False)
        )


async def expire(session: AsyncSession, *, now: dt.datetime) -> set[int]:
    """Give up rows whose lifetime has ended; returns the batches touched, for the senders' reports."""
    waiting = and_(
        col(Delivery.status).in_((DeliveryStatus.PENDING, DeliveryStatus.HELD)),
        col(Delivery.expires_at) <= now,
    )
    rows = list(await session.exec(select(Delivery).where(waiting)))
    if not rows:
        return set()
    track = [row for row in rows if row.kind in TRACK_KINDS]
    others = [row for row in rows if row.kind not in TRACK_KINDS]
    if others:
        await session.exec(
            update(Delivery)
            .where(col(Delivery.id).in_([row.id for row in others]))
            .values(status=DeliveryStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        )
    if track:
        await _expire_track_rows(session, track, now=now, reason="not delivered before the end of the day")
    logger.info("Gave up %s message(s) past their lifetime", len(rows))
    return {row.batch_id for row in rows if row.batch_id is not None}


async def release(session: AsyncSession, *, person_id: int, now: dt.datetime) -> int:
    """Held messages for a person who can be reached again are due now; returns how many."""
    result = await session.exec(
        update(Delivery)
        .where(
            col(Delivery.person_id) == person_id,
            col(Delivery.status) == DeliveryStatus.HELD,
            or_(col(Delivery.expires_at).is_(None), col(Delivery.expires_at) > now),
        )
        .values(status=DeliveryStatus.PENDING, due_at=now, error=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def hold_strays(session: AsyncSession, *, now: dt.datetime) -> set[int]:
    """Due rows for people who became unreachable after they were written (a command raced with
    `mark_unreachable`): held, or expired for track rows. Returns the batches touched."""
    unreachable = select(Person.id).where(col(Person.reachable).is_(False))
    return await hold_or_expire(
        session,
        where=and_(
            col(Delivery.status) == DeliveryStatus.PENDING,
            col(Delivery.due_at) <= now,
            col(Delivery.person_id).in_(unreachable),
        ),
        now=now,
    )


# --- batches: what the sender hears ------------------------------------------------------------------


@dataclass(slots=True)
class Missed:
    """A recipient a batch did not reach (yet), with why."""

    delivery_id: int
    name: str
    status: str
    error: str | None
    expires_at: dt.datetime | None
    room: str | None = None
    """The room it was for, when it was to be posted in one rather than sent to the person."""


@dataclass(slots=True)
class BatchState:
    batch: DeliveryBatch
    counts: dict[str, int] = field(default_factory=dict)
    missed: list[Missed] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def settled(self) -> bool:
        return not any(self.counts.get(status, 0) for status in UNSETTLED)


async def batch_states(session: AsyncSession, *, batch_ids: Iterable[int]) -> list[BatchState]:
    """Each batch with its rows counted by status and the people it missed."""
    ids = sorted(set(batch_ids))
    if not ids:
        return []
    batches = {
        b.id: BatchState(b)
        for b in await session.exec(select(DeliveryBatch).where(col(DeliveryBatch.id).in_(ids)))
    }
    counts = (
        select(Delivery.batch_id, Delivery.status, func.count())
        .where(col(Delivery.batch_id).in_(ids))
        .group_by(col(Delivery.batch_id), col(Delivery.status))
    )
    for batch_id, status, count in await session.exec(counts):
        if batch_id in batches:
            batches[batch_id].counts[str(status)] = int(count)
    missed = (
        select(Delivery, Person.display_name)
        .join(Person, col(Person.id) == col(Delivery.person_id))
        .where(
            col(Delivery.batch_id).in_(ids),
            col(Delivery.status).in_((DeliveryStatus.HELD, DeliveryStatus.EXPIRED, DeliveryStatus.FAILED)),
        )
        .order_by(col(Delivery.id))
    )
    for row, name in await session.exec(missed):
        if row.batch_id in batches:
            batches[row.batch_id].missed.append(
                Missed(row.id or 0, name, row.status, row.error, row.expires_at, row.room)
            )
    return list(batches.values())


async def unreported(session: AsyncSession, *, limit: int = 200) -> set[int]:
    """Batches whose rows have all settled but whose sender has not been told yet (a report lost to a
    crash or a database failure): the dispatcher settles them again."""
    waiting = select(Delivery.id).where(
        col(Delivery.batch_id) == col(DeliveryBatch.id), col(Delivery.status).in_(UNSETTLED)
    )
    query = (
        select(DeliveryBatch.id)
        .where(
            col(DeliveryBatch.reported_at).is_(None),
            col(DeliveryBatch.sender_id).is_not(None),
            ~waiting.exists(),
        )
        .limit(limit)
    )
    return {batch_id for batch_id in await session.exec(query) if batch_id is not None}


async def mark_reported(session: AsyncSession, *, batch_id: int, now: dt.datetime) -> bool:
    """Note that the sender was told; False when another dispatcher did it first."""
    result = await session.exec(
        update(DeliveryBatch)
        .where(col(DeliveryBatch.id) == batch_id, col(DeliveryBatch.reported_at).is_(None))
        .values(reported_at=now)
    )
    return bool(result.rowcount)


# --- reading ------------------------------------------------------------------------------------------


async def last_lesson_delivery(session: AsyncSession, *, person_id: int) -> Delivery | None:
    query = (
        select(Delivery)
        .where(
            Delivery.person_id == person_id,
            Delivery.kind == DeliveryKind.LESSON,
            Delivery.status == DeliveryStatus.SENT,
        )
        .order_by(col(Delivery.sent_at).desc(), col(Delivery.id).desc())
    )
    return (await session.exec(query)).first()


async def deliveries_of(session: AsyncSession, *, person_id: int) -> list[Delivery]:
    query = select(Delivery).where(Delivery.person_id == person_id).order_by(col(Delivery.id))
    return list(await session.exec(query))


async def batches_sent_by(session: AsyncSession, *, person_id: int) -> list[DeliveryBatch]:
    query = select(DeliveryBatch).where(DeliveryBatch.sender_id == person_id).order_by(col(DeliveryBatch.id))
    return list(await session.exec(query))


async def pending_due(session: AsyncSession, *, dedupe_key: str) -> dt.datetime | None:
    """When the row with this key is due, while it still waits to be sent (None otherwise)."""
    query = select(Delivery.due_at).where(
        Delivery.dedupe_key == dedupe_key, col(Delivery.status) == DeliveryStatus.PENDING
    )
    return (await session.exec(query)).first()


async def lessons_received(session: AsyncSession, *, enrollment_ids: list[int]) -> dict[int, int]:
    """enrollment id -> lessons delivered (a track's completion message is not a lesson)."""
    if not enrollment_ids:
        return {}
    query = (
        select(Delivery.enrollment_id, func.count())
        .where(
            col(Delivery.enrollment_id).in_(enrollment_ids),
            Delivery.status == DeliveryStatus.SENT,
            Delivery.kind == DeliveryKind.LESSON,
        )
        .group_by(col(Delivery.enrollment_id))
    )
    return {eid: n for eid, n in await session.exec(query) if eid is not None}


async def drop_unsent_from(session: AsyncSession, *, sender_id: int) -> None:
    """A sender asked to be forgotten: what they sent that has not gone out yet is withdrawn."""
    batches = select(DeliveryBatch.id).where(DeliveryBatch.sender_id == sender_id)
    await session.exec(
        delete(Delivery).where(
            col(Delivery.batch_id).in_(batches),
            col(Delivery.status).in_((DeliveryStatus.PENDING, DeliveryStatus.HELD)),
        )
    )


async def due_by_platform(session: AsyncSession, *, now: dt.datetime) -> dict[str, int]:
    """platform -> rows due at `now` and still waiting to be sent."""
    query = (
        select(Person.platform, func.count())
        .select_from(Delivery)
        .join(Person, col(Person.id) == col(Delivery.person_id))
        .where(col(Delivery.status) == DeliveryStatus.PENDING, col(Delivery.due_at) <= now)
        .group_by(col(Person.platform))
    )
    return {platform: int(n) for platform, n in await session.exec(query)}


async def due_rows(session: AsyncSession, *, now: dt.datetime) -> list[tuple[Delivery, Person]]:
    """Rows due at `now` and waiting, with their person, oldest first."""
    query = (
        select(Delivery, Person)
        .join(Person, col(Person.id) == col(Delivery.person_id))
        .where(col(Delivery.status) == DeliveryStatus.PENDING, col(Delivery.due_at) <= now)
        .order_by(col(Delivery.id))
    )
    return [(d, p) for d, p in await session.exec(query)]


async def rows_by_ids(session: AsyncSession, *, ids: Sequence[int]) -> list[tuple[Delivery, Person]]:
    query = (
        select(Delivery, Person)
        .join(Person, col(Person.id) == col(Delivery.person_id))
        .where(col(Delivery.id).in_(list(ids)))
        .order_by(col(Delivery.id))
    )
    return [(d, p) for d, p in await session.exec(query)]
