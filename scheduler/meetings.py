"""A pair's meetings over time: the series a rhythm makes (pure functions), and the planner that, on each
tick, queues "Did you meet?" after a planned meeting and the mentor's brief before it.

**The series.** A rhythm (`meet every 2 weeks on thu at 12:30`) meets on its weekday at its time in its
zone (12:30 stays 12:30 across daylight saving): first on the first such moment after the rhythm was set
(`Rhythm.updated_at`), then every `every_weeks` weeks. A rescheduled meeting is a one-off outside the
series; the series goes on from its own dates.

**Asking.** One hour after a planned meeting's moment (`ASK_AFTER`), each side gets "Did you meet?" in
the delivery ledger (`keys.meeting_key(…, "ask")`, composed when sent), moved out of their own quiet
hours; the meeting's `asked_at` is set in the same transaction, and only the planner that set it queues
the rows, so two replicas or two ticks never ask twice. The question may be answered for `ANSWER_FOR`
(3 days) from when it is due: after that the meeting stays *not answered* (neither held nor missed),
and a question that could no longer be answered (after days without a planner) is not sent. Asking
plans the series' next meeting, so a pair with a rhythm always has one to come.

**The brief.** The mentor's brief goes `BRIEF_BEFORE` (2 hours) before the meeting: close enough to say
where the mentee stands that day, within working hours since the meeting is, and in time to read it. If
that falls in the mentor's quiet hours it moves to their end when that is still before the meeting, else
to the evening before (19:00, the mentor's time). It is given up once the meeting has begun.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from scheduler import lifetimes, plan, timing
from storage import cohorts, deliveries, keys, meetings, people
from storage.db import Database
from storage.defaults import DEFAULT_TZ, QUIET_START
from storage.enums import DeliveryKind, DeliveryStatus, Priority
from storage.models import Meeting, Pairing, Person, Rhythm

logger = logging.getLogger(__name__)

ASK_AFTER = dt.timedelta(hours=1)
"""How long after a meeting's moment both sides are asked whether they met."""
ANSWER_FOR = dt.timedelta(days=3)
"""How long "Did you meet?" may be answered; after that the meeting counts as not answered."""
BRIEF_BEFORE = dt.timedelta(hours=2)
"""How long before a meeting the mentor's brief goes out."""
BRIEF_LOOK_AHEAD = dt.timedelta(hours=14)
"""The furthest a brief goes before its meeting (the evening before, for a meeting early in the
mentor's morning): how far ahead the planner looks."""
EVENING_BEFORE = dt.time(QUIET_START.hour - 1, QUIET_START.minute)
"""When a brief goes the evening before (an hour before quiet hours start)."""
MEETING_MINUTES = 45
"""How long a meeting lasts in the calendar file: an express session, asked about once it is over."""
BATCH = 500
"""Meetings read at a time."""


# --- the series ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Series:
    """A rhythm's meetings: every `every_weeks` weeks from `first`, at `time_of_day` in `zone`."""

    every_weeks: int
    weekday: int
    time_of_day: dt.time
    zone: ZoneInfo
    first: dt.datetime
    """The first meeting (aware, UTC)."""

    def next_after(self, after: dt.datetime) -> dt.datetime:
        """The series' first meeting strictly after `after` (UTC)."""
        if after < self.first:
            return self.first
        step = dt.timedelta(weeks=self.every_weeks)
        start = self.first.astimezone(self.zone).date()
        day = start + step * max(0, ((after.astimezone(self.zone).date() - start) // step))
        while True:
            moment = timing.local_moment(day, self.time_of_day, self.zone).astimezone(dt.UTC)
            if moment > after:
                return moment
            day += step


def series(
    every_weeks: int, weekday: int, time_of_day: dt.time, zone: ZoneInfo, since: dt.datetime
) -> Series:
    """The series of a rhythm set at `since`: its first meeting is the first `weekday` at `time_of_day`
    (in `zone`) after `since`."""
    local = since.astimezone(zone)
    day = local.date() + dt.timedelta(days=(weekday - local.weekday()) % 7)
    first = timing.local_moment(day, time_of_day, zone)
    if first <= since:
        first = timing.local_moment(day + dt.timedelta(weeks=1), time_of_day, zone)
    return Series(every_weeks, weekday, time_of_day, zone, first.astimezone(dt.UTC))


def series_of(rhythm: Rhythm) -> Series:
    """The series of a stored rhythm (its zone and time as stored; UTC and 12:30 if unreadable)."""
    try:
        zone = timing.parse_zone(rhythm.tz)
    except timing.TimingError:
        zone = ZoneInfo("UTC")
    try:
        time_of_day = timing.parse_time(rhythm.time)
    except timing.TimingError:
        time_of_day = dt.time(12, 30)
    return series(rhythm.every_weeks, rhythm.weekday, time_of_day, zone, rhythm.updated_at)


def answer_until(planned_at: dt.datetime) -> dt.datetime:
    """Until when "Did you meet?" about a meeting at `planned_at` may be answered: `ANSWER_FOR` after
    the question is due (an hour after the meeting), whenever it actually went out."""
    return planned_at + ASK_AFTER + ANSWER_FOR


def ask_at(planned_at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """When someone in `zone` is asked whether a meeting at `planned_at` took place."""
    return timing.out_of_quiet_hours(planned_at + ASK_AFTER, zone)


def brief_at(planned_at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """When the mentor (in `zone`) gets the brief for a meeting at `planned_at` (see the module's doc)."""
    moment = planned_at - BRIEF_BEFORE
    if not timing.in_quiet_hours(moment.astimezone(zone).time()):
        return moment
    later = timing.out_of_quiet_hours(moment, zone)
    if later < planned_at:
        return later
    local = planned_at.astimezone(zone)
    day = local.date() if local.time() >= EVENING_BEFORE else local.date() - dt.timedelta(days=1)
    return timing.local_moment(day, EVENING_BEFORE, zone).astimezone(dt.UTC)


# --- the planner ---------------------------------------------------------------------------------------


async def plan_meetings(db: Database, now: dt.datetime, *, default_tz: str = DEFAULT_TZ) -> int:
    """Queue what is due at `now`: "Did you meet?" to both sides of each meeting whose moment has
    passed (then plan the series' next meeting), and the mentor's brief before each meeting. Returns
    how many ledger rows were queued."""
    queued = 0
    async with db.transaction() as session:
        await meetings.drop_stale(session)
    while True:
        async with db.transaction() as session:
            found = await meetings.due_to_ask(session, before=now - ASK_AFTER, limit=BATCH)
            rows = await _asks(session, found, now, default_tz)
            await deliveries.enqueue(session, rows=rows)
            queued += len(rows)
        if len(found) < BATCH:
            break
    async with db.transaction() as session:
        found = await meetings.due_to_brief(session, after=now, until=now + BRIEF_LOOK_AHEAD, limit=BATCH)
        rows = await _briefs(session, found, now, default_tz)
        await deliveries.enqueue(session, rows=rows)
        queued += len(rows)
    return queued


async def _asks(
    session: AsyncSession, found: list[tuple[Meeting, Pairing]], now: dt.datetime, default_tz: str
) -> list[dict[str, Any]]:
    """The question rows of the meetings this planner marked as asked, and each pair's next meeting. A
    meeting whose question could no longer be answered (the planner was stopped for days) is marked
    without asking."""
    marked = await meetings.mark_asked(session, meeting_ids=[m.id or 0 for m, _ in found], now=now)
    rows: list[dict[str, Any]] = []
    for meeting, pairing in found:
        if meeting.id not in marked:
            continue
        await _plan_next(session, meeting, pairing, now)
        if answer_until(meeting.planned_at) <= now:
            continue
        for person_id in (pairing.mentor_id, pairing.mentee_id):
            person = await people.get_person_by_id(session, person_id=person_id or 0)
            if person is None:
                continue
            zone = await _zone(session, person, default_tz)
            due = max(now, ask_at(meeting.planned_at, zone))
            key = keys.meeting_key(meeting.id or 0, person.id or 0, "ask")
            rows.append(_row(key, person, due, answer_until(meeting.planned_at), now))
    return rows


async def _plan_next(session: AsyncSession, meeting: Meeting, pairing: Pairing, now: dt.datetime) -> None:
    """The series' next meeting after this one (and after now), if the pair has a rhythm."""
    rhythm = await meetings.rhythm_of(session, pairing_id=pairing.id or 0)
    if rhythm is None:
        return
    following = series_of(rhythm).next_after(max(meeting.planned_at, now))
    await meetings.plan_meeting(session, pairing_id=pairing.id or 0, planned_at=following)


async def _briefs(
    session: AsyncSession, found: list[tuple[Meeting, Pairing]], now: dt.datetime, default_tz: str
) -> list[dict[str, Any]]:
    """The brief rows of the meetings whose brief moment has come (in the mentor's zone)."""
    due: list[tuple[Meeting, Person]] = []
    for meeting, pairing in found:
        mentor = await people.get_person_by_id(session, person_id=pairing.mentor_id or 0)
        if mentor is None:
            continue
        if brief_at(meeting.planned_at, await _zone(session, mentor, default_tz)) <= now:
            due.append((meeting, mentor))
    marked = await meetings.mark_briefed(session, meeting_ids=[m.id or 0 for m, _ in due], now=now)
    return [
        _row(keys.meeting_key(meeting.id or 0, mentor.id or 0, "brief"), mentor, now, meeting.planned_at, now)
        for meeting, mentor in due
        if meeting.id in marked
    ]


async def _zone(session: AsyncSession, person: Person, default_tz: str) -> ZoneInfo:
    """A person's zone by the one rule (`plan.zone_for`)."""
    enrolled = await cohorts.enrollments_of(session, person_id=person.id or 0)
    return plan.zone_for(person, plan.home_cohort(enrolled), default_tz)


def _row(
    key: str, person: Person, due: dt.datetime, expires: dt.datetime, now: dt.datetime
) -> dict[str, Any]:
    """A row composed when it is sent (`bot.core.meetings.compose`)."""
    return {
        "dedupe_key": key,
        "person_id": person.id,
        "kind": DeliveryKind.MEETING,
        "due_at": due,
        "expires_at": max(expires, due + dt.timedelta(minutes=1)),
        "status": DeliveryStatus.PENDING,
        "priority": Priority.BULK,
        "created_at": now,
    }


def nudge_row(person: Person, meeting_id: int, zone: ZoneInfo, now: dt.datetime) -> dict[str, Any]:
    """The kind nudge after two meetings missed in a row, to one side, out of their quiet hours."""
    due = timing.out_of_quiet_hours(now, zone)
    key = keys.meeting_key(meeting_id, person.id or 0, "nudge")
    return _row(key, person, due, due + lifetimes.LIFETIMES[DeliveryKind.MEETING], now)
