"""A learner's rhythm from their own settings over their cohort's, and their next due time."""

from __future__ import annotations

import datetime as dt
import logging

from scheduler import timing
from storage.models import Cohort, Person

logger = logging.getLogger(__name__)


def rhythm_for(person: Person, cohort: Cohort) -> timing.Rhythm:
    """Person settings win over cohort settings; a broken stored value falls back to the cohort's."""
    zone = _zone(person.tz) or _zone(cohort.tz) or timing.parse_zone("UTC")
    time_of_day = _time(person.time_of_day) or _time(cohort.delivery_time) or dt.time(9, 0)
    days = _days(person.days) or _days(cohort.days) or frozenset(range(5))
    return timing.Rhythm(zone=zone, time_of_day=time_of_day, days=days, start=cohort.start_date)


def next_due(
    person: Person, cohort: Cohort, *, after: dt.datetime, paused_until: dt.datetime | None = None
) -> dt.datetime:
    pause = max(filter(None, (paused_until, person.paused_until)), default=None)
    return timing.next_slot(rhythm_for(person, cohort), after, paused_until=pause)


def zone_of(name: str | None, fallback: str = "UTC") -> timing.ZoneInfo:
    """The zone `name`, or `fallback` when it is unset or unknown, or UTC as a last resort."""
    return _zone(name) or _zone(fallback) or timing.parse_zone("UTC")


def _zone(name: str | None) -> timing.ZoneInfo | None:
    if not name:
        return None
    try:
        return timing.parse_zone(name)
    except timing.TimingError:
        logger.warning("Ignoring unknown stored time zone %s", name)
        return None


def _time(value: str | None) -> dt.time | None:
    try:
        return timing.parse_time(value) if value else None
    except timing.TimingError:
        return None


def _days(value: str | None) -> frozenset[int] | None:
    try:
        return timing.parse_days(value) if value else None
    except timing.TimingError:
        return None
