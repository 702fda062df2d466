"""When tips are due: local wall-clock time through daylight saving, odd offsets, weekends, pauses, starts."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler import timing
from scheduler.timing import Rhythm, next_slot, parse_days, parse_time, parse_zone

UTC = dt.UTC


def rhythm(
    zone: str, at: str = "09:00", days: str = "mon-fri", start: dt.date = dt.date(2026, 1, 1)
) -> Rhythm:
    return Rhythm(parse_zone(zone), parse_time(at), parse_days(days), start)


def local(moment: dt.datetime, zone: str) -> str:
    return moment.astimezone(parse_zone(zone)).strftime("%a %Y-%m-%d %H:%M %Z")


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        ("Europe/Paris", dt.datetime(2026, 3, 27, 9, tzinfo=UTC), "Mon 2026-03-30 09:00 CEST"),
        ("Europe/Paris", dt.datetime(2026, 10, 23, 9, tzinfo=UTC), "Mon 2026-10-26 09:00 CET"),
        ("America/New_York", dt.datetime(2026, 3, 6, 15, tzinfo=UTC), "Mon 2026-03-09 09:00 EDT"),
        ("America/New_York", dt.datetime(2026, 10, 30, 15, tzinfo=UTC), "Mon 2026-11-02 09:00 EST"),
    ],
)
def test_daylight_saving_keeps_local_time(zone: str, before: dt.datetime, after: str) -> None:
    assert local(next_slot(rhythm(zone), before), zone) == after


def test_utc_instant_moves_across_dst_but_local_time_does_not() -> None:
    paris = rhythm("Europe/Paris")
    before = next_slot(paris, dt.datetime(2026, 3, 26, 12, tzinfo=UTC))
    after = next_slot(paris, dt.datetime(2026, 3, 27, 12, tzinfo=UTC))
    assert (before.hour, after.hour) == (8, 7)


def test_half_hour_offset() -> None:
    kolkata = rhythm("Asia/Kolkata", "08:30")
    slot = next_slot(kolkata, dt.datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
    assert slot == dt.datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    assert local(slot, "Asia/Kolkata") == "Mon 2026-11-23 08:30 IST"


def test_weekend_is_skipped() -> None:
    friday_after = dt.datetime(2026, 11, 27, 10, tzinfo=UTC)
    assert (
        local(next_slot(rhythm("Europe/Paris"), friday_after), "Europe/Paris") == "Mon 2026-11-30 09:00 CET"
    )
    weekend = rhythm("Europe/Paris", days="sat,sun")
    assert local(next_slot(weekend, friday_after), "Europe/Paris") == "Sat 2026-11-28 09:00 CET"


def test_pause_ending_mid_week() -> None:
    r = rhythm("Europe/Paris")
    pause_end = dt.datetime(2026, 11, 25, 23, 0, tzinfo=UTC)  # Thursday 00:00 Paris
    slot = next_slot(r, dt.datetime(2026, 11, 23, 10, tzinfo=UTC), paused_until=pause_end)
    assert local(slot, "Europe/Paris") == "Thu 2026-11-26 09:00 CET"


def test_future_start_date() -> None:
    r = rhythm("Europe/Paris", start=dt.date(2027, 1, 4))
    slot = next_slot(r, dt.datetime(2026, 11, 23, 10, tzinfo=UTC))
    assert local(slot, "Europe/Paris") == "Mon 2027-01-04 09:00 CET"


def test_skipped_local_time_moves_forward() -> None:
    r = rhythm("Europe/Paris", "02:30", days="mon-sun")
    slot = next_slot(r, dt.datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert slot.astimezone(parse_zone("Europe/Paris")).hour == 3


@pytest.mark.parametrize(
    ("text", "expected"), [("08:30", "08:30"), ("8h30", "08:30"), ("9h", "09:00"), ("930", "09:30")]
)
def test_parse_time(text: str, expected: str) -> None:
    assert parse_time(text).strftime("%H:%M") == expected


@pytest.mark.parametrize("text", ["25:00", "9:75", "noon", "", "-1"])
def test_parse_time_refuses(text: str) -> None:
    with pytest.raises(timing.TimingError):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("lun-ven", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("weekdays", {0, 1, 2, 3, 4}),
    ],
)
def test_parse_days(text: str, days: set[int]) -> None:
    assert parse_days(text) == frozenset(days)


def test_parse_days_and_zone_refuse() -> None:
    with pytest.raises(timing.TimingError):
        parse_days("funday")
    with pytest.raises(timing.TimingError):
        parse_zone("Mars/Olympus")
    assert parse_zone("europe/paris").key == "Europe/Paris"


def test_quiet_hours() -> None:
    assert timing.in_quiet_hours(dt.time(21, 0)) and timing.in_quiet_hours(dt.time(7, 59))
    assert not timing.in_quiet_hours(dt.time(8, 0)) and not timing.in_quiet_hours(dt.time(19, 59))
    with pytest.raises(timing.TimingError):
        timing.check_delivery_time(dt.time(6, 30))
