"""A learner's rhythm from their own settings over their cohort's, their next due time, and the one rule
for the time zone of anyone Tandem writes to.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from scheduler import timing
from storage.defaults import DELIVERY_DAYS, DELIVERY_TIME
from storage.enums import EnrollmentStatus
from storage.models import Cohort, Enrollment, Person

logger = logging.getLogger(__name__)

UTC_ZONE = ZoneInfo("UTC")


def zone_for(person: Person | None, cohort: Cohort | None, default_tz: str) -> ZoneInfo:
    """The time zone of a person: theirs (their own `tz`, or their platform profile's), else their
    cohort's, else the programme's (`default_tz`: TANDEM_DEFAULT_TZ).

    Their tips follow it, and every moment Tandem shows them is said in it. `cohort` is the one whose
    rhythm applies to them (`home_cohort`), None for someone in no cohort. A stored zone Tandem does not
    know is skipped; UTC is the last resort when even the default is unknown.
    """
    return (
        _zone(person.tz if person else None)
        or _zone(cohort.tz if cohort else None)
        or _zone(default_tz)
        or UTC_ZONE
    )


def home_cohort(enrolled: Sequence[tuple[Enrollment, Cohort]]) -> Cohort | None:
    """The cohort whose settings apply to a person who has none of their own: the first one they are
    active in, else the first one they were ever in (`enrolled` oldest first), else none."""
    active = [cohort for enrollment, cohort in enrolled if enrollment.status == EnrollmentStatus.ACTIVE]
    return next(iter(active or [cohort for _, cohort in enrolled]), None)


def rhythm_for(person: Person, cohort: Cohort, default_tz: str) -> timing.Rhythm:
    """Person settings win over cohort settings; a broken stored value falls back to the cohort's, then to
    the defaults (storage/defaults.py); the zone follows `zone_for`."""
    return timing.Rhythm(
        zone=zone_for(person, cohort, default_tz),
        time_of_day=_time(person.time_of_day) or _time(cohort.delivery_time) or DELIVERY_TIME,
        days=_days(person.days) or _days(cohort.days) or DELIVERY_DAYS,
        start=cohort.start_date,
    )


def next_due(
    person: Person,
    cohort: Cohort,
    default_tz: str,
    *,
    after: dt.datetime,
    paused_until: dt.datetime | None = None,
    last_sent_at: dt.datetime | None = None,
) -> dt.datetime:
    """The learner's next delivery moment in this cohort, strictly after `after`, past any pause, and
    never on the local day a tip already went out (`last_sent_at`): one tip a day. The drip plans by it
    and the commands promise it, so what a learner is told is what the drip does."""
    rhythm = rhythm_for(person, cohort, default_tz)
    pause = max(filter(None, (paused_until, person.paused_until)), default=None)
    return timing.next_slot(rhythm, max(after, _end_of_day(last_sent_at, rhythm.zone)), paused_until=pause)


def _end_of_day(moment: dt.datetime | None, zone: ZoneInfo) -> dt.datetime:
    """The last instant of the local day of `moment` (the distant past for None)."""
    if moment is None:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    next_day = moment.astimezone(zone).date() + dt.timedelta(days=1)
    return timing.local_moment(next_day, dt.time(0), zone).astimezone(dt.UTC) - dt.timedelta(microseconds=1)


def _zone(name: str | None) -> ZoneInfo | None:
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
