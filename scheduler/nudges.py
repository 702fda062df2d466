"""Nudges, kept kind: one short word to a learner inactive for a few of their delivery days, and after
three that went unanswered, two weeks' rest that the learner is told about.

"Active" means any message or button press from the learner (chat platforms have no read receipts): the
conversation core notes it (`storage.nudges.mark_active`). Inactivity counts from `Person.idle_since`:
the last activity, the last nudge, or the end of a pause. Once `IDLE_DAYS` of the learner's delivery
days have gone by since then, the next delivery day brings a nudge at the learner's delivery time
(never in quiet hours, never on an off day, never while paused, never to someone out of reach or who
turned nudges off with `settings nudges off`). The nudge planned after `MAX_IGNORED` unanswered ones is
instead a pause of `INACTIVITY_PAUSE` and one message saying how to resume (`resume`).

Each learner carries the moment the planner should look at them again (`Person.nudge_at`), so a tick
reads only the learners whose moment has come (O(due)); activity only moves the true moment later,
and the planner pushes `nudge_at` to it when it looks. Rows go through the delivery ledger, keyed per
learner and local day (`storage.keys.nudge_key`), and are composed in the learner's language when sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from scheduler import lifetimes, timing
from scheduler.plan import rhythm_for
from storage import deliveries, keys, nudges
from storage.db import Database
from storage.defaults import DEFAULT_TZ
from storage.enums import DeliveryKind, DeliveryStatus, PauseReason, Priority
from storage.models import Cohort, Enrollment, Person

logger = logging.getLogger(__name__)

IDLE_DAYS = 3
"""Delivery days without a message or button press before a nudge."""
MAX_IGNORED = 3
"""Nudges left unanswered before the learner is paused."""
INACTIVITY_PAUSE = dt.timedelta(days=14)
LOOK_AGAIN = dt.timedelta(days=1)
"""When the planner looks again at a learner whose cohort is paused."""
BATCH = 2000
PAUSE_SUFFIX = ":paused"
"""Appended to the day's nudge key for the message that announces the inactivity pause."""


async def plan_nudges(db: Database, now: dt.datetime, *, default_tz: str = DEFAULT_TZ) -> int:
    """Queue the nudges (and inactivity pauses) due at `now`, in batches; returns how many rows."""
    queued, after = 0, 0
    while True:
        async with db.transaction() as session:
            found = await nudges.learners_to_look_at(session, now=now, after_id=after, limit=BATCH)
            if not found:
                return queued
            rows: list[dict[str, Any]] = []
            changes: list[dict[str, Any]] = []
            for person, enrollment, cohort in found:
                row, change = decide(person, enrollment, cohort, now, default_tz)
                changes.append(change)
                if row is not None:
                    rows.append(row)
            await deliveries.enqueue(session, rows=rows)
            await nudges.update_people(session, changes=changes)
            queued += len(rows)
        if len(found) < BATCH:
            return queued
        after = found[-1][0].id or 0


def decide(
    person: Person, enrollment: Enrollment, cohort: Cohort, now: dt.datetime, default_tz: str
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(the ledger row to queue now or None, the person's changes) for one learner at `now`."""
    change: dict[str, Any] = {"id": person.id}
    rhythm = rhythm_for(person, cohort, default_tz)
    pause = max(filter(None, (enrollment.paused_until, person.paused_until)), default=None)
    if pause is not None and pause > now:
        # Delivery days spent paused are not inactive ones: counting starts again when the pause ends.
        return None, change | {"idle_since": pause, "nudge_at": pause}
    if cohort.paused:
        return None, change | {"nudge_at": now + LOOK_AGAIN}
    since = max(filter(None, (person.idle_since, person.last_active_at)), default=None)
    if since is None:  # first look: inactivity counts from now
        return None, change | {"idle_since": now, "nudge_at": nudge_due(rhythm, now)}
    due = nudge_due(rhythm, since)
    if due > now:
        return None, change | {"nudge_at": due}
    if not in_window(rhythm, now):
        return None, change | {"nudge_at": timing.next_slot(rhythm, now)}
    day = now.astimezone(rhythm.zone).date()
    if person.nudges_ignored >= MAX_IGNORED:
        until = now + INACTIVITY_PAUSE
        change |= {
            "paused_until": until,
            "pause_reason": PauseReason.INACTIVITY,
            "nudges_ignored": 0,
            "idle_since": until,
            "nudge_at": until,
        }
        return _row(person, keys.nudge_key(person.id or 0, day) + PAUSE_SUFFIX, now, until), change
    change |= {
        "nudges_ignored": person.nudges_ignored + 1,
        "nudged_at": now,
        "idle_since": now,
        "nudge_at": nudge_due(rhythm, now),
    }
    expires = lifetimes.end_of_day(now, rhythm.zone)
    return _row(person, keys.nudge_key(person.id or 0, day), now, expires), change


def nudge_due(rhythm: timing.Rhythm, since: dt.datetime) -> dt.datetime:
    """The delivery slot of the first delivery day after `IDLE_DAYS` whole delivery days from `since`
    (active on a Monday, Monday to Friday: Tuesday to Thursday go by, Friday's slot; a pause that ends
    at midnight on a Monday: Monday to Wednesday, Thursday's slot)."""
    local = since.astimezone(rhythm.zone)
    first = local.date() if local.time() == dt.time(0) else local.date() + dt.timedelta(days=1)
    moment = timing.local_moment(first, dt.time(0), rhythm.zone) - dt.timedelta(microseconds=1)
    for _ in range(IDLE_DAYS + 1):
        moment = timing.next_slot(rhythm, moment)
    return moment


def in_window(rhythm: timing.Rhythm, now: dt.datetime) -> bool:
    """Whether `now` is within the learner's delivery window: a delivery day the cohort has begun, at or
    after their delivery time, before quiet hours."""
    local = now.astimezone(rhythm.zone)
    day = local.date()
    if day.weekday() not in rhythm.days or day < rhythm.start:
        return False
    if timing.in_quiet_hours(local.time(), rhythm.quiet):
        return False
    return timing.local_moment(day, rhythm.time_of_day, rhythm.zone) <= now


def is_pause_notice(dedupe_key: str) -> bool:
    """Whether a nudge row announces the inactivity pause rather than asking for a question."""
    return dedupe_key.endswith(PAUSE_SUFFIX)


def _row(person: Person, key: str, now: dt.datetime, expires: dt.datetime) -> dict[str, Any]:
    return {
        "dedupe_key": key,
        "person_id": person.id,
        "kind": DeliveryKind.NUDGE,
        "due_at": now,
        "expires_at": expires,
        "status": DeliveryStatus.PENDING,
        "priority": Priority.BULK,
        "created_at": now,
    }
