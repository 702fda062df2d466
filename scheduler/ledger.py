"""Planning the drip into the delivery ledger.

The database is the source of truth. Planning turns each enrollment whose tip is due into one `pending`
ledger row and moves the enrollment on, in one transaction; the row's unique `dedupe_key` means a lesson
is queued for an enrollment only once. A row that expired undelivered (see storage/deliveries.py) has
already stepped its enrollment back, and planning it again revives the same row.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scheduler import lifetimes, timing
from scheduler.plan import next_due, rhythm_for
from storage import cohorts, deliveries, keys
from storage.db import Database
from storage.defaults import DEFAULT_TZ
from storage.enums import DeliveryKind, DeliveryStatus, EnrollmentStatus, Priority
from storage.models import Cohort, Enrollment, Person

logger = logging.getLogger(__name__)

PLAN_BATCH = 2000


@dataclass(slots=True)
class PlanReport:
    queued: int = 0
    completed: int = 0
    rolled: int = 0
    details: list[tuple[int, str, str]] = field(default_factory=list)


def decide(
    enrollment: Enrollment, person: Person, cohort: Cohort, now: dt.datetime, default_tz: str
) -> tuple[bool, dt.datetime]:
    """(send now?, next due time). Missed days are not replayed: only today's tip, if the day is not over."""
    rhythm = rhythm_for(person, cohort, default_tz)
    pause = max(filter(None, (enrollment.paused_until, person.paused_until)), default=None)
    upcoming = timing.next_slot(rhythm, now, paused_until=pause if pause and pause > now else None)
    if cohort.paused or (pause and pause > now) or not person.reachable:
        return False, upcoming
    due = enrollment.next_due_at or now
    local_now = now.astimezone(rhythm.zone)
    last = enrollment.last_sent_at
    if last is not None and last.astimezone(rhythm.zone).date() == local_now.date():
        return False, next_due(person, cohort, default_tz, after=now, last_sent_at=last)
    off_day = local_now.weekday() not in rhythm.days or local_now.date() < rhythm.start
    if off_day or timing.in_quiet_hours(local_now.time(), rhythm.quiet):
        return False, upcoming
    if due.astimezone(rhythm.zone).date() == local_now.date():
        return True, upcoming
    today_slot = timing.local_moment(local_now.date(), rhythm.time_of_day, rhythm.zone)
    return today_slot <= now, upcoming


async def plan_due(
    db: Database,
    now: dt.datetime,
    tracks: dict[str, tuple[str, ...]],
    *,
    default_tz: str = DEFAULT_TZ,
    dry_run: bool = False,
) -> PlanReport:
    """Queue a ledger row for every enrollment whose tip is due at `now`; returns what happened.
    `default_tz` (TANDEM_DEFAULT_TZ) is the zone of a learner whose own and cohort's zones are unknown."""
    report = PlanReport()
    while True:
        async with db.transaction() as session:
            rows = await cohorts.due_enrollments(session, now=now, limit=PLAN_BATCH)
            if not rows:
                return report
            updates, ledger = _plan_rows(rows, now, tracks, report, default_tz)
            if dry_run:
                await session.rollback()
                return report
            await deliveries.plan_rows(session, rows=ledger)
            await cohorts.update_enrollments(session, updates=updates)
        if len(rows) < PLAN_BATCH:
            return report


def _plan_rows(
    rows: Sequence[tuple[Enrollment, Person, Cohort]],
    now: dt.datetime,
    tracks: dict[str, tuple[str, ...]],
    report: PlanReport,
    default_tz: str,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    updates: list[dict[str, object]] = []
    ledger: list[dict[str, object]] = []
    for enrollment, person, cohort in rows:
        send, upcoming = decide(enrollment, person, cohort, now, default_tz)
        change: dict[str, object] = {"id": enrollment.id, "next_due_at": upcoming}
        if not send:
            report.rolled += 1
            updates.append(change)
            continue
        lessons = tracks.get(cohort.track_id, ())
        base = track_row(enrollment, due=now, zone=rhythm_for(person, cohort, default_tz).zone, now=now)
        if enrollment.position >= len(lessons):
            # Past the end without having been completed: its last lesson was handed out before tracks
            # completed with it, or its track was shortened.
            ending, row = completion(enrollment, person, cohort, due=now, default_tz=default_tz, now=now)
            change.update(ending)
            ledger.append(row)
            report.completed += 1
            report.details.append((person.id or 0, DeliveryKind.COMPLETE, cohort.track_id))
        else:
            lesson_id = lessons[enrollment.position]
            change.update(position=enrollment.position + 1, last_sent_at=now)
            ledger.append(
                {
                    **base,
                    "dedupe_key": keys.lesson_key(enrollment.id or 0, lesson_id),
                    "kind": DeliveryKind.LESSON,
                    "lesson_id": lesson_id,
                }
            )
            report.queued += 1
            report.details.append((person.id or 0, DeliveryKind.LESSON, lesson_id))
            if enrollment.position + 1 == len(lessons):
                due = next_due(
                    person,
                    cohort,
                    default_tz,
                    after=now,
                    paused_until=enrollment.paused_until,
                    last_sent_at=now,
                )
                ending, row = completion(enrollment, person, cohort, due=due, default_tz=default_tz, now=now)
                change.update(ending)
                ledger.append(row)  # due later: not one of this moment's details
                report.completed += 1
        updates.append(change)
    return updates, ledger


def completion(
    enrollment: Enrollment,
    person: Person,
    cohort: Cohort,
    *,
    due: dt.datetime,
    default_tz: str,
    now: dt.datetime,
) -> tuple[dict[str, object], dict[str, object]]:
    """How a track ends, whether the drip or the learner's `next` handed out its last lesson: the
    enrollment's change (completed, nothing more due) and its one end-of-track message, a ledger row due
    at `due` (the learner's next delivery time, so that it counts the last lesson's quiz too) and
    composed when it is sent. Its key is unique per enrollment: a track ends once."""
    row = track_row(enrollment, due=due, zone=rhythm_for(person, cohort, default_tz).zone, now=now)
    row.update(dedupe_key=keys.complete_key(enrollment.id or 0), kind=DeliveryKind.COMPLETE)
    return {"status": EnrollmentStatus.COMPLETED, "next_due_at": None}, row


def track_row(
    enrollment: Enrollment, *, due: dt.datetime, zone: ZoneInfo, now: dt.datetime
) -> dict[str, object]:
    """The columns every ledger row of a learner's track shares (a lesson, the end-of-track message):
    due at `due` and for the rest of that day in the learner's zone, fresh, not yet tried."""
    return {
        "person_id": enrollment.person_id,
        "enrollment_id": enrollment.id,
        "due_at": due,
        "expires_at": lifetimes.end_of_day(due, zone),
        "status": DeliveryStatus.PENDING,
        "priority": Priority.BULK,
        "step": enrollment.position,
        "attempts": 0,
        "uncertain": False,
        "error": None,
        "lesson_id": None,
        "created_at": now,
    }
