"""The periodic work beside the drip: each mentor's weekly digest, and housekeeping.

Like `scheduler.ledger`, these functions decide from the database what is due and write it there, each in
one transaction; `scheduler.service` only runs them on a schedule.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from scheduler import lifetimes
from scheduler.plan import home_cohort, zone_for
from storage import activity, deliveries, keys, people, progress
from storage.db import Database
from storage.defaults import QUIET_START
from storage.enums import PROMPT_KINDS, DeliveryKind, Priority

DIGEST_WEEKDAY = 0  # Monday
DIGEST_HOUR = 9
SEEN_EVENTS_KEPT = dt.timedelta(days=1)
"""Platform event ids are kept this long to recognise a redelivery (Slack only retries within minutes)."""


async def plan_digests(db: Database, now: dt.datetime, default_tz: str) -> int:
    """Queue each mentor's weekly digest on Monday morning, mentor's local time; once per ISO week.
    Returns how many were queued."""
    async with db.transaction() as session:
        rows: list[dict[str, Any]] = []
        mentors = await people.mentors(session)
        enrolled = await progress.enrollments_for(session, person_ids=[m.id for m in mentors if m.id])
        for mentor in mentors:
            zone = zone_for(mentor, home_cohort(enrolled.get(mentor.id or 0, [])), default_tz)
            local = now.astimezone(zone)
            if local.weekday() != DIGEST_WEEKDAY or not DIGEST_HOUR <= local.hour < QUIET_START.hour:
                continue
            year, week, _ = local.isocalendar()
            rows.append(
                {
                    "dedupe_key": keys.digest_key(mentor.id or 0, year, week),
                    "person_id": mentor.id,
                    "kind": DeliveryKind.DIGEST,
                    "priority": Priority.BULK,
                    "due_at": now,
                    "expires_at": lifetimes.end_of_day(now, zone),
                    "created_at": now,
                }
            )
        await deliveries.enqueue(session, rows=rows)
    return len(rows)


async def tidy(db: Database, now: dt.datetime) -> None:
    """Clear pauses that have ended, forget platform event ids older than `SEEN_EVENTS_KEPT`, so that
    table stays small, and drop prompts nobody answered in time (bot/core/dialogue.py)."""
    async with db.transaction() as session:
        await people.end_pauses(session, now=now)
        await activity.forget_seen_events(session, before=now - SEEN_EVENTS_KEPT)
        await activity.drop_expired_pending(session, kinds=PROMPT_KINDS, now=now)
