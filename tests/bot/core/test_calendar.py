"""Calendar files, read back with the icalendar library as a calendar app would read them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Component, Timezone

from bot.core.calendar import PRODID, cancel_ics, event_ics, recurring_ics, rewrite_texts, vtimezone

NOW = dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC)
PARIS = ZoneInfo("Europe/Paris")


def parsed(data: bytes) -> Calendar:
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    return Calendar.from_ical(data)


def only_event(cal: Calendar) -> Component:
    [event] = cal.walk("VEVENT")
    return event


def invitation(**changes: object) -> bytes:
    values: dict[str, object] = {
        "uid": "workshop-12@tandem",
        "title": "Passkeys for everyone",
        "description": "Bring your phone.\nWe start on time.",
        "starts_at": dt.datetime(2026, 3, 1, 12, 30, tzinfo=PARIS),
        "minutes": 45,
        "organizer": "Mia Junior",
        "now": NOW,
        **changes,
    }
    return event_ics(**values)  # type: ignore[arg-type]


def test_an_invitation_has_every_field_a_calendar_needs() -> None:
    cal = parsed(invitation(sequence=2, url="https://tandem.example.org/w/12"))
    assert (str(cal["METHOD"]), str(cal["PRODID"]), str(cal["VERSION"])) == ("PUBLISH", PRODID, "2.0")
    event = only_event(cal)
    assert str(event["UID"]) == "workshop-12@tandem"
    assert event.decoded("DTSTAMP") == NOW
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == dt.datetime(2026, 3, 1, 11, 30, tzinfo=dt.UTC) and start.utcoffset() == dt.timedelta(0)
    assert end - start == dt.timedelta(minutes=45)
    assert b"DTSTART:20260301T113000Z" in invitation()
    assert str(event["SUMMARY"]) == "Passkeys for everyone"
    assert str(event["DESCRIPTION"]) == "Bring your phone.\nWe start on time."
    assert event.decoded("SEQUENCE") == 2 and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]) == "https://tandem.example.org/w/12"
    assert event["ORGANIZER"].params["CN"] == "Mia Junior"
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY" and alarm.decoded("TRIGGER") == -dt.timedelta(minutes=15)
    assert str(alarm["DESCRIPTION"]) == "Passkeys for everyone"


def test_an_organizer_with_an_email_is_written_as_a_mail_address() -> None:
    event = only_event(parsed(invitation(organizer_email="mia@example.org")))
    assert str(event["ORGANIZER"]) == "mailto:mia@example.org"
    assert "URL" not in event, "no url, no URL"


def test_typed_text_cannot_add_lines_to_the_file() -> None:
    title = "Passkeys\r\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil\nSUMMARY:Free money"
    description = "Hello\nEND:VCALENDAR\r\nMETHOD:CANCEL;x=y,z\\\x1b[2J"
    name = 'Mia "the boss"\nATTENDEE:mailto:all@example.org'
    data = invitation(title=title, description=description, organizer=name)
    cal = parsed(data)
    event = only_event(cal)
    assert str(event["UID"]) == "workshop-12@tandem" and str(cal["METHOD"]) == "PUBLISH"
    assert str(event["SUMMARY"]) == title.replace("\r\n", "\n"), "the title comes back whole, as text"
    assert str(event["DESCRIPTION"]) == "Hello\nEND:VCALENDAR\nMETHOD:CANCEL;x=y,z\\[2J", "no ESC"
    assert "ATTENDEE" not in event and "\n" not in event["ORGANIZER"].params["CN"]
    lines = data.decode().split("\r\n")
    assert lines.count("END:VEVENT") == 1 and lines.count("BEGIN:VEVENT") == 1
    assert not [line for line in lines if line.startswith(("UID:evil", "METHOD:CANCEL", "ATTENDEE"))]


def test_a_line_break_in_a_url_is_refused() -> None:
    with pytest.raises(ValueError):
        invitation(url="https://tandem.example.org/\r\nEND:VEVENT")


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        invitation(starts_at=dt.datetime(2026, 3, 1, 12, 30))


def test_a_cancellation_replaces_the_event_with_a_higher_sequence() -> None:
    starts = dt.datetime(2026, 3, 1, 11, 30, tzinfo=dt.UTC)
    cal = parsed(
        cancel_ics(
            uid="workshop-12@tandem", title="Passkeys", starts_at=starts, minutes=45, sequence=2, now=NOW
        )
    )
    assert str(cal["METHOD"]) == "CANCEL"
    event = only_event(cal)
    assert str(event["UID"]) == "workshop-12@tandem" and str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") == 3 and event.decoded("DTSTART") == starts


def meeting(**changes: object) -> bytes:
    values: dict[str, object] = {
        "uid": "pair-3@tandem",
        "title": "Mentoring: Bob and Mia",
        "description": "Our fortnightly half hour.",
        "first_start": dt.datetime(2026, 3, 19, 12, 30, tzinfo=PARIS),  # a Thursday, in winter time
        "minutes": 30,
        "every_weeks": 2,
        "weekday": 3,
        "timezone": "Europe/Paris",
        "now": NOW,
        **changes,
    }
    return recurring_ics(**values)  # type: ignore[arg-type]


def occurrences(event: Component, zone: dt.tzinfo, count: int) -> list[dt.datetime]:
    """The first `count` starts of a weekly event, as a calendar finds them: its DTSTART's wall-clock
    time, read in `zone`, every INTERVAL weeks."""
    start = event.decoded("DTSTART").replace(tzinfo=zone)
    weeks = int(event.decoded("RRULE")["INTERVAL"][0])
    return [start + dt.timedelta(weeks=weeks * n) for n in range(count)]  # same tzinfo: wall-clock


def own_zone(cal: Calendar) -> dt.tzinfo:
    """The zone the file's VTIMEZONE defines, not looked up by its name."""
    [definition] = cal.walk("VTIMEZONE")
    assert isinstance(definition, Timezone)
    return definition.to_tz(lookup_tzid=False)


def test_a_fortnightly_meeting_stays_at_half_past_twelve_across_daylight_saving() -> None:
    data = meeting(count=6)
    cal = parsed(data)
    event = only_event(cal)
    assert b"DTSTART;TZID=Europe/Paris:20260319T123000" in data
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=6;INTERVAL=2;BYDAY=TH"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(minutes=30)
    assert only_event(cal).walk("VALARM")
    # Read with the file's own VTIMEZONE, as a calendar that does not know the zone's name would.
    [definition] = cal.walk("VTIMEZONE")
    assert str(definition["TZID"]) == "Europe/Paris"
    assert definition.to_ical().count(b"RRULE:FREQ=YEARLY") == 2, "yearly rules, as Outlook needs"
    starts = occurrences(event, own_zone(cal), 6)
    assert [s.date() for s in starts] == [dt.date(2026, 3, 19) + dt.timedelta(weeks=2 * n) for n in range(6)]
    assert {s.time() for s in starts} == {dt.time(12, 30)}
    utc = [s.astimezone(dt.UTC) for s in starts]
    assert utc[0].time() == dt.time(11, 30) and utc[1].time() == dt.time(10, 30), "summer time from 29 March"
    assert [s.astimezone(PARIS).time() for s in starts] == [dt.time(12, 30)] * 6


def test_the_winter_change_is_followed_too() -> None:
    cal = parsed(meeting(first_start=dt.datetime(2026, 10, 15, 12, 30, tzinfo=PARIS), every_weeks=1, count=4))
    starts = occurrences(only_event(cal), own_zone(cal), 4)
    assert [s.astimezone(dt.UTC).hour for s in starts] == [10, 10, 11, 11], "CEST, then CET from 25 October"


@pytest.mark.parametrize(
    ("zone", "year"), [("America/New_York", 2026), ("Australia/Sydney", 2027), ("Asia/Tokyo", 2026)]
)
def test_other_zones_read_back_as_the_zone_itself(zone: str, year: int) -> None:
    defined = vtimezone(ZoneInfo(zone), year).to_tz(lookup_tzid=False)
    for month in range(1, 13):
        for day in (1, 15):
            moment = dt.datetime(year + 1, month, day, 12, 0)
            assert (
                moment.replace(tzinfo=defined).utcoffset()
                == moment.replace(tzinfo=ZoneInfo(zone)).utcoffset()
            )


def test_an_open_ended_meeting_has_no_count() -> None:
    event = only_event(parsed(meeting()))
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"


def test_a_first_start_on_another_day_is_refused() -> None:
    with pytest.raises(ValueError, match="TH"):
        meeting(weekday=0)
    with pytest.raises(ValueError):
        meeting(every_weeks=0)


# --- written again, for forget-me ---------------------------------------------------------------------------


def forget_mia(text: str) -> str:
    return text.replace("Mia Junior, Jr", "forgotten")


def test_rewriting_changes_the_texts_that_name_people_and_nothing_else() -> None:
    """Failure: forget-me could not reach the names inside a calendar file (escaped, folded, in the
    organizer's CN), or rewriting it changed what makes it the same event (uid, sequence, times), so the
    calendar would no longer update the event it added."""
    long = "With Mia Junior, Jr: " + "bring your phone and your laptop. " * 4
    data = invitation(title="Coffee with Mia Junior, Jr", description=long, organizer="Mia Junior, Jr")
    assert b"Mia Junior\\, Jr" in data, "the comma is escaped in a text"
    rewritten = rewrite_texts(data, forget_mia)
    before, after = only_event(parsed(data)), only_event(parsed(rewritten))
    assert "Mia" not in rewritten.decode("utf-8").replace("\r\n ", "")
    assert str(after["SUMMARY"]) == "Coffee with forgotten"
    assert str(after["DESCRIPTION"]).startswith("With forgotten: bring your phone")
    assert after["ORGANIZER"].params["CN"] == "forgotten"
    assert str(after.walk("VALARM")[0]["DESCRIPTION"]) == "Coffee with forgotten"
    for name in ("UID", "SEQUENCE", "DTSTART", "DTEND", "DTSTAMP", "STATUS"):
        assert after[name].to_ical() == before[name].to_ical(), name


def test_a_file_with_nobody_to_rewrite_comes_back_byte_for_byte() -> None:
    data = invitation()
    assert rewrite_texts(data, forget_mia) is data


def test_a_file_that_is_no_calendar_is_rewritten_as_text() -> None:
    """A file that cannot be read as a calendar is still rid of the name, its folded lines joined."""
    assert rewrite_texts(b"NOT A CALENDAR: Mia Junior, J\r\n r", forget_mia) == b"NOT A CALENDAR: forgotten"
