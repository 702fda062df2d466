"""When is a learner's next tip due? Pure functions over aware datetimes; no database, no clock.

A tip is due at the learner's time of day, in their time zone, on their days, never in quiet hours,
never while paused and never before the cohort starts. Local wall-clock times are kept through daylight
saving changes: 09:00 stays 09:00 local.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from storage.defaults import QUIET_HOURS, WEEKDAY_NAMES

_DAY_ALIASES = {
    **{name: i for i, name in enumerate(WEEKDAY_NAMES)},
    **{name: i for i, name in enumerate(("lun", "mar", "mer", "jeu", "ven", "sam", "dim"))},
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
}  # fmt: skip
_DAY_SETS = {
    "weekdays": "mon-fri", "workdays": "mon-fri", "semaine": "mon-fri",
    "everyday": "mon-sun", "daily": "mon-sun", "all": "mon-sun", "tous": "mon-sun",
}  # fmt: skip


class TimingError(ValueError):
    """A time, day list, date or zone a person typed cannot be used; `code` picks the message."""

    def __init__(self, code: str, value: str) -> None:
        super().__init__(f"{code}: {value}")
        self.code = code
        self.value = value


@lru_cache(maxsize=4096)
def parse_time(text: str) -> dt.time:
    """'08:30', '8:30', '8h30', '8h' or '830' -> time; refuses anything else."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*(?:[:h.]\s*(\d{2})?)?\s*", text.lower())
    if not match:
        match = re.fullmatch(r"\s*(\d{1,2})(\d{2})\s*", text)
    if not match:
        raise TimingError("bad_time", text)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise TimingError("bad_time", text)
    return dt.time(hour, minute)


def check_delivery_time(value: dt.time, quiet: tuple[dt.time, dt.time] = QUIET_HOURS) -> None:
    """Refuse a delivery time inside quiet hours."""
    if in_quiet_hours(value, quiet):
        raise TimingError("quiet_time", value.strftime("%H:%M"))


def in_quiet_hours(value: dt.time, quiet: tuple[dt.time, dt.time] = QUIET_HOURS) -> bool:
    start, end = quiet
    if start <= end:
        return start <= value < end
    return value >= start or value < end


def out_of_quiet_hours(at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """`at`, or the end of the quiet hours it falls in, for someone in `zone` (in UTC): when a message
    that may wait a little (a reminder, a follow-up) is not sent at night."""
    local = at.astimezone(zone)
    if not in_quiet_hours(local.time()):
        return at
    end = QUIET_HOURS[1]
    day = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    return local_moment(day, end, zone).astimezone(dt.UTC)


@lru_cache(maxsize=4096)
def parse_days(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,fri', 'lun-ven', 'weekdays', 'every day' -> weekday numbers (Monday is 0)."""
    spec = re.sub(r"\s+", "", text.lower())
    spec = _DAY_SETS.get(spec, spec)
    days: set[int] = set()
    for part in filter(None, re.split(r"[,;/+]", spec)):
        if "-" in part:
            first, _, last = part.partition("-")
            if first not in _DAY_ALIASES or last not in _DAY_ALIASES:
                raise TimingError("bad_days", text)
            start, stop = _DAY_ALIASES[first], _DAY_ALIASES[last]
            index = start
            days.add(index)
            while index != stop:
                index = (index + 1) % 7
                days.add(index)
        elif part in _DAY_ALIASES:
            days.add(_DAY_ALIASES[part])
        else:
            raise TimingError("bad_days", text)
    if not days:
        raise TimingError("bad_days", text)
    return frozenset(days)


@lru_cache(maxsize=4096)
def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone ('Europe/Paris'); case is forgiven, unknown zones are refused."""
    cleaned = name.strip()
    try:
        if "/" in cleaned or cleaned.upper() == "UTC":
            return ZoneInfo(_canonical_zone(cleaned))
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise TimingError("bad_tz", name)


def _canonical_zone(name: str) -> str:
    if name.upper() == "UTC":
        return "UTC"
    lowered = name.lower()
    for zone in _zones():
        if zone.lower() == lowered:
            return zone
    raise ZoneInfoNotFoundError(name)


_ZONES: tuple[str, ...] = ()


def _zones() -> tuple[str, ...]:
    global _ZONES
    if not _ZONES:
        _ZONES = tuple(sorted(available_timezones()))
    return _ZONES


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise TimingError("bad_date", text) from None


@dataclass(frozen=True, slots=True)
class Rhythm:
    """A learner's delivery rhythm, resolved from their own settings over their cohort's."""

    zone: ZoneInfo
    time_of_day: dt.time
    days: frozenset[int]
    start: dt.date
    quiet: tuple[dt.time, dt.time] = QUIET_HOURS


def next_slot(rhythm: Rhythm, after: dt.datetime, *, paused_until: dt.datetime | None = None) -> dt.datetime:
    """The first delivery moment strictly after `after` (aware), in UTC.

    Paused learners resume on the first slot at or after the pause ends; nothing is due before `start`.
    """
    if after.tzinfo is None:
        raise ValueError("after must be aware")
    inclusive = paused_until is not None and paused_until > after
    floor = paused_until if inclusive and paused_until else after
    local_floor = floor.astimezone(rhythm.zone)
    day = max(local_floor.date(), rhythm.start)
    for _ in range(8 + 366):
        if day.weekday() in rhythm.days:
            moment = local_moment(day, rhythm.time_of_day, rhythm.zone)
            if moment > floor or (inclusive and moment == floor):
                return moment.astimezone(dt.UTC)
        day += dt.timedelta(days=1)
    raise ValueError("no delivery day in the rhythm")


def local_moment(day: dt.date, time_of_day: dt.time, zone: ZoneInfo) -> dt.datetime:
    """`time_of_day` on `day` in `zone`; a time skipped by a DST jump moves forward by the gap."""
    naive = dt.datetime.combine(day, time_of_day)
    # fold=0 maps a skipped wall time to the instant after the jump (02:30 -> 03:30 on spring-forward day)
    # and an ambiguous one to its first occurrence; the round trip normalises the wall-clock reading.
    return naive.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone)
