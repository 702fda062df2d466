"""Calendar files (.ics, RFC 5545) that Outlook and Google Calendar accept: a workshop's invitation and
its cancellation, and a mentoring pair's weekly meeting.

Pure functions: they read no clock (the caller passes `now`, stamped as DTSTAMP) and return the file's
bytes. An event keeps its `uid` for life: a file with the same UID and a higher SEQUENCE updates the
event already in someone's calendar, and a METHOD:CANCEL one removes it.

What people typed (titles, descriptions, names) goes through the icalendar library, which escapes it:
a line break becomes `\\n`, `;` and `,` are escaped, parameter values are quoted (RFC 6868), so no text
can end the event or add a property. Control characters are taken out first (RFC 5545 allows none in
text but tab).

A one-off event is in UTC (nothing to interpret). A weekly one is in its IANA zone, so 12:30 stays 12:30
across daylight saving, with a VTIMEZONE whose rules are yearly RRULEs, as Outlook and Google write
them: Outlook misreads the RDATE lists some generators write instead.
"""

from __future__ import annotations

import calendar as gregorian
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import (
    Alarm,
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vText,
)

from bot.core.text import terminal_safe

PRODID = "-//Tandem//Tandem reverse mentoring//EN"
MIME = "text/calendar"
"""The MIME type of the files this module writes."""
ALARM_BEFORE = dt.timedelta(minutes=15)
"""When the calendar reminds people of an event."""
NO_ADDRESS = "invalid:nomail"
"""The organizer's address when there is none: what Outlook itself writes for one (ORGANIZER must be a
URI; the name goes in its CN)."""
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
"""RFC 5545's weekday names, by Python's `date.weekday()` (Monday is 0)."""
RULE_YEARS = 3
"""Years a zone's transitions must follow one yearly rule to be written as a RRULE."""
EPOCH = 1970
"""The year the VTIMEZONE rules start in, as Google's and Outlook's do: any later moment is covered."""


def event_ics(
    *,
    uid: str,
    title: str,
    description: str,
    starts_at: dt.datetime,
    minutes: int,
    organizer: str,
    now: dt.datetime,
    sequence: int = 0,
    url: str | None = None,
    organizer_email: str | None = None,
) -> bytes:
    """One event (a workshop) to add to a calendar: METHOD:PUBLISH, times in UTC, a reminder 15 minutes
    before. `organizer` is a display name; `sequence` goes up with each change of the same `uid`."""
    start = _utc(starts_at, "starts_at")
    event = _event(uid=uid, title=title, start=start, minutes=minutes, sequence=sequence, now=now)
    event.add("status", "CONFIRMED")
    event.add("description", _text(description))
    event.add("organizer", _organizer(organizer, organizer_email))
    if url:
        event.add("url", url)  # the library refuses a line break in a URI
    event.add_component(_alarm(title))
    return _calendar("PUBLISH", [event])


def cancel_ics(
    *,
    uid: str,
    title: str,
    starts_at: dt.datetime,
    minutes: int,
    sequence: int,
    now: dt.datetime,
    organizer: str | None = None,
    organizer_email: str | None = None,
) -> bytes:
    """The cancellation of an event sent before: METHOD:CANCEL, STATUS:CANCELLED, the same `uid`, and
    SEQUENCE `sequence + 1`, where `sequence` is the one the event was last sent with (a calendar applies
    only a higher one)."""
    start = _utc(starts_at, "starts_at")
    event = _event(uid=uid, title=title, start=start, minutes=minutes, sequence=sequence + 1, now=now)
    event.add("status", "CANCELLED")
    if organizer is not None:
        event.add("organizer", _organizer(organizer, organizer_email))
    return _calendar("CANCEL", [event])


def recurring_ics(
    *,
    uid: str,
    title: str,
    description: str,
    first_start: dt.datetime,
    minutes: int,
    every_weeks: int,
    weekday: int,
    timezone: str,
    now: dt.datetime,
    count: int | None = None,
) -> bytes:
    """A meeting every `every_weeks` weeks on `weekday` (0 is Monday, as `date.weekday()`), `count` times
    or with no end, at `first_start`'s time of day in the IANA zone `timezone`, with the zone's VTIMEZONE
    and a reminder 15 minutes before. `first_start` must fall on `weekday` in that zone."""
    zone = ZoneInfo(timezone)
    first = _aware(first_start, "first_start").astimezone(zone)
    if not 0 <= weekday <= 6 or first.weekday() != weekday:
        raise ValueError(f"first_start is a {WEEKDAYS[first.weekday()]} in {timezone}, not weekday {weekday}")
    if every_weeks < 1 or (count is not None and count < 1):
        raise ValueError("every_weeks and count must be at least 1")
    event = _event(uid=uid, title=title, start=first, minutes=minutes, sequence=0, now=now)
    rule: dict[str, object] = {"freq": "WEEKLY", "interval": every_weeks, "byday": WEEKDAYS[weekday]}
    if count is not None:
        rule["count"] = count
    event.add("rrule", rule)
    event.add("status", "CONFIRMED")
    event.add("description", _text(description))
    event.add_component(_alarm(title))
    return _calendar("PUBLISH", [vtimezone(zone, first.year), event])


# --- a file written again ---------------------------------------------------------------------------

NAMED_TEXTS = frozenset({"SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "CONTACT"})
"""The properties whose text may name people (a pair's meetings are titled with both names, a workshop's
description names its host)."""
_FOLD_RE = re.compile(r"\r?\n[ \t]")


def rewrite_texts(content: bytes, rewrite: Callable[[str], str]) -> bytes:
    """The calendar file `content` with `rewrite` applied to each text that may name someone: the
    NAMED_TEXTS of every component (alarms too) and the display name (CN) of any property (the
    organizer). UID, SEQUENCE, times and rules stay as they were, so the file still adds, updates or
    removes the same event; a file with nothing to rewrite comes back byte for byte. For forget-me
    (`storage.privacy.FileScrub`). A file that cannot be read as a calendar is rewritten as plain text,
    its folded lines joined: whatever it holds, nothing of the person stays in it."""
    try:
        cal = Calendar.from_ical(content)
    except ValueError:
        return _rewrite_plain(content, rewrite)
    changed = False
    for component in cal.walk():
        for name in list(component):
            value = component[name]
            values = value if isinstance(value, list) else [value]
            rewritten = [_rewrite_property(str(name).upper(), item, rewrite) for item in values]
            if any(new is not None for new in rewritten):
                fresh = [old if new is None else new for old, new in zip(values, rewritten, strict=True)]
                component[name] = fresh if isinstance(value, list) else fresh[0]
                changed = True
    return cal.to_ical() if changed else content


def _rewrite_property(name: str, value: Any, rewrite: Callable[[str], str]) -> Any | None:
    """The property `value` with its text and display name rewritten; None when neither changes."""
    params = getattr(value, "params", None)
    changed = False
    if params is not None and isinstance(params.get("CN"), str):
        shown = rewrite(params["CN"])
        if shown != params["CN"]:
            params["CN"] = shown
            changed = True
    if name in NAMED_TEXTS and isinstance(value, str):
        text = rewrite(str(value))
        if text != str(value):
            return vText(text, params=params)
    return value if changed else None


def _rewrite_plain(content: bytes, rewrite: Callable[[str], str]) -> bytes:
    text = _FOLD_RE.sub("", content.decode("utf-8", errors="replace"))
    rewritten = rewrite(text)
    return content if rewritten == text else rewritten.encode("utf-8")


# --- the parts -----------------------------------------------------------------------------------------


def _calendar(method: str, components: list[Timezone | Event]) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    for component in components:
        cal.add_component(component)
    return cal.to_ical()


def _event(
    *, uid: str, title: str, start: dt.datetime, minutes: int, sequence: int, now: dt.datetime
) -> Event:
    if minutes < 1:
        raise ValueError("an event lasts at least a minute")
    if not uid.strip():
        raise ValueError("an event needs a uid")
    event = Event()
    event.add("uid", _text(uid))
    event.add("dtstamp", _utc(now, "now"))
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=minutes))  # wall-clock arithmetic in a zone
    event.add("sequence", max(0, sequence))
    event.add("summary", _text(title))
    return event


def _alarm(title: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _text(title))  # DISPLAY alarms must say something
    alarm.add("trigger", -ALARM_BEFORE)
    return alarm


def _organizer(name: str, email: str | None) -> vCalAddress:
    address = vCalAddress(f"mailto:{_one_line(email)}" if email and "@" in email else NO_ADDRESS)
    shown = _one_line(name)
    if shown:
        address.params["CN"] = shown
    return address


def _text(value: str) -> str:
    """People's text as a calendar takes it: NFC, without control characters (tab and newline stay)."""
    return terminal_safe(unicodedata.normalize("NFC", value or "")).strip()


def _one_line(value: str) -> str:
    """A name for a parameter: one line, no quote (RFC 5545 has no way to write one in a parameter)."""
    return " ".join(_text(value).replace('"', "'").split())


def _aware(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return moment


def _utc(moment: dt.datetime, name: str) -> dt.datetime:
    return _aware(moment, name).astimezone(dt.UTC).replace(microsecond=0)


# --- VTIMEZONE -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Change:
    """A change of a zone's offset: its wall-clock moment before the change, and the offsets around it."""

    local: dt.datetime
    before: dt.timedelta
    after: dt.timedelta
    name: str


def vtimezone(zone: ZoneInfo, year: int) -> Timezone:
    """The zone as a VTIMEZONE for events from `year` on: one STANDARD and one DAYLIGHT rule repeating
    every year (RRULE), or a fixed offset. A zone whose changes follow no yearly rule over those years
    is written as the library's list of dated changes, which Google reads and Outlook may not."""
    years = [_changes(zone, year + n) for n in range(RULE_YEARS)]
    tz = Timezone()
    tz.add("tzid", zone.key)
    if not any(years):
        moment = dt.datetime(year, 1, 1, tzinfo=dt.UTC).astimezone(zone)
        offset = moment.utcoffset() or dt.timedelta(0)
        fixed = TimezoneStandard()
        fixed.add("dtstart", dt.datetime(EPOCH, 1, 1))
        fixed.add("tzoffsetfrom", offset)
        fixed.add("tzoffsetto", offset)
        fixed.add("tzname", moment.tzname() or zone.key)
        tz.add_component(fixed)
        return tz
    rules = [_rule(change) for change in years[0]]
    if len(rules) != 2 or any([_rule(c) for c in changes] != rules for changes in years[1:]):
        return Timezone.from_tzid(
            zone.key, first_date=dt.date(year, 1, 1), last_date=dt.date(year + 30, 1, 1)
        )
    for change in years[0]:
        month, ordinal, weekday = _rule(change)[:3]
        part = TimezoneDaylight() if change.after > change.before else TimezoneStandard()
        first = _nth_weekday(EPOCH, month, weekday, ordinal)
        part.add("dtstart", dt.datetime.combine(first, change.local.time()))
        part.add("rrule", {"freq": "YEARLY", "bymonth": month, "byday": f"{ordinal}{WEEKDAYS[weekday]}"})
        part.add("tzoffsetfrom", change.before)
        part.add("tzoffsetto", change.after)
        part.add("tzname", change.name)
        tz.add_component(part)
    return tz


def _changes(zone: ZoneInfo, year: int) -> list[_Change]:
    """The zone's offset changes in `year`: a day at a time, then to the second."""

    def offset(seconds: int) -> dt.timedelta:
        return dt.datetime.fromtimestamp(seconds, zone).utcoffset() or dt.timedelta(0)

    start = int(dt.datetime(year, 1, 1, tzinfo=dt.UTC).timestamp())
    end = int(dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC).timestamp())
    found: list[_Change] = []
    day = 86_400
    current = offset(start)
    for low in range(start, end, day):
        high = low + day
        if offset(high) == current:
            continue
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if offset(middle) == current else (low, middle)
        after = offset(high)
        moment = dt.datetime.fromtimestamp(high, dt.UTC)
        name = moment.astimezone(zone).tzname() or zone.key
        found.append(_Change((moment + current).replace(tzinfo=None), current, after, name))
        current = after
    return found


def _rule(change: _Change) -> tuple[int, int, int, dt.time, dt.timedelta, dt.timedelta]:
    """The yearly rule a change follows: month, which weekday of it (-1: the last), the weekday, the
    wall-clock time, and the offsets."""
    day = change.local.date()
    last = day.day + 7 > gregorian.monthrange(day.year, day.month)[1]
    ordinal = -1 if last else (day.day - 1) // 7 + 1
    return (day.month, ordinal, day.weekday(), change.local.time(), change.before, change.after)


def _nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> dt.date:
    """The `ordinal`-th `weekday` of the month (-1: its last)."""
    days = [
        dt.date(year, month, d)
        for d in range(1, gregorian.monthrange(year, month)[1] + 1)
        if dt.date(year, month, d).weekday() == weekday
    ]
    return days[-1] if ordinal == -1 else days[ordinal - 1]
