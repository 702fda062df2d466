"""A pair's meetings: `meet every …` (EN and FR words, defaults said, the calendar file, the other side told
in their language and zone), who may use it (the two of a pair only), bad input explained, a new rhythm
moving the planned meetings, the planner (once, on both backends, out of quiet hours), "Did you meet?"
decided by the first answer, the note private to the pair, the learner's commitment, a rescheduled
meeting, the nudge at two missed and "at risk" at three, a question left unanswered, `sessions`."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.core import meetings as core
from bot.core.commands.meet import parse_wanted
from bot.core.errors import UserError
from bot.core.replies import File, Text
from scheduler import meetings as planner
from scheduler.service import run_tick
from storage import cohorts, keys, people
from storage import meetings as stored
from storage.enums import CommitmentSource, DeliveryKind, MeetingStatus
from storage.models import Commitment, Delivery, InboxMessage, Meeting, MeetingNote, Person, Rhythm
from tests.support.harness import Harness, text_of

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
TORONTO = ZoneInfo("America/Toronto")


def paris(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time in Paris, as aware UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS).astimezone(UTC)


MONDAY = dt.date(2026, 11, 23)  # the harness clock: Monday 23 November 2026, 10:00 UTC (11:00 in Paris)
TUESDAY = MONDAY + dt.timedelta(days=1)
THURSDAY = MONDAY + dt.timedelta(days=3)


async def setup(harness: Harness) -> None:
    """Cohort pilot: bob and carol (French) mentored by mia; dan mentored by leo (French, in Toronto);
    eve has no mentor."""
    for command in (
        "cohort create pilot track first-steps start 2026-11-23",
        "enroll pilot @bob @carol @dan @eve",
        "pair @mia @bob",
        "pair @mia @carol",
        "pair @leo @dan",
    ):
        await harness.say("root", command)
    await harness.say("carol", "lang fr")
    await harness.say("leo", "lang fr")
    await harness.say("leo", "fuseau America/Toronto")


async def person(harness: Harness, name: str) -> Person:
    async with harness.services.db.transaction() as session:
        found = await people.get_person(session, key=f"console:{name}")
        assert found is not None
        return found


async def all_of(harness: Harness, model: Any, *where: Any) -> list[Any]:
    async with harness.services.db.transaction() as session:
        return list(await session.exec(select(model).where(*where).order_by(col(model.id))))


async def planned(harness: Harness) -> list[tuple[dt.datetime, str]]:
    return [(m.planned_at, m.status) for m in await all_of(harness, Meeting)]


async def tick(harness: Harness, at: dt.datetime) -> None:
    """The drip's tick at `at` (the planners, then the dispatcher), as `tandem drip --at` runs it."""
    harness.clock.now = at
    await run_tick(harness.app.drip(clock=harness.clock), at)


async def meeting_messages(harness: Harness, name: str, which: str = "ask") -> list[dict[str, Any]]:
    """What `name` received of one kind of meeting message (their console inbox), oldest first."""
    who = await person(harness, name)
    rows = await all_of(harness, InboxMessage, col(InboxMessage.person_id) == who.id)
    return [
        row.payload
        for row in rows
        if (parsed := keys.parse_meeting_key(row.dedupe_key or "")) and parsed.which == which
    ]


def files_of(said: list[Any]) -> list[File]:
    return [reply for reply in said if isinstance(reply, File)]


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


# --- reading `meet` ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "wanted"),
    [
        ("every 2 weeks on thu at 12:30", core.Wanted(2, 3, dt.time(12, 30))),
        ("every week", core.Wanted(1, None, None)),
        ("every other week on Friday", core.Wanted(2, 4, None)),
        ("weekly at 9h30", core.Wanted(1, None, dt.time(9, 30))),
        ("toutes les 2 semaines le jeu à 12:30", core.Wanted(2, 3, dt.time(12, 30))),
        ("toutes les deux semaines le mardi", core.Wanted(2, 1, None)),
        ("chaque semaine le lun. à 13h", core.Wanted(1, 0, dt.time(13, 0))),
        ("tous les quinze jours jeudis 12h30", core.Wanted(2, 3, dt.time(12, 30))),
        ("on wed at 14:00", core.Wanted(None, 2, dt.time(14, 0))),
        ("every 8 weeks", core.Wanted(8, None, None)),
    ],
)
def test_what_meet_understands(line: str, wanted: core.Wanted) -> None:
    assert parse_wanted(line) == wanted


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("every 9 weeks", "meet.bad_weeks"),
        ("every 0 weeks", "meet.bad_weeks"),
        ("every month", "meet.months"),
        ("tous les mois", "meet.months"),
        ("every 2 weeks on someday", "meet.bad_day"),
        ("every 2 weeks on mon-fri", "meet.bad_day"),
        ("every 2 weeks at 22:00", "error.quiet_time"),
        ("every 2 weeks at 7:00", "error.quiet_time"),
        ("every 2 weeks at 25:00", "error.bad_time"),
        ("every 2 weeks with cake", "meet.unknown_words"),
        ("every many weeks", "meet.unknown_words"),
    ],
)
def test_what_meet_refuses(line: str, key: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_wanted(line)
    assert refused.value.key == key


# --- the series and its moments -----------------------------------------------------------------------------


def test_a_rhythm_keeps_its_local_time_across_daylight_saving() -> None:
    """Every week on Thursday at 12:30 in Paris, set on Saturday 20 March 2027: 12:30 stays 12:30 when the
    clocks go forward on 28 March (11:30 UTC, then 10:30 UTC)."""
    since = paris(dt.date(2027, 3, 20), 10)
    plan = planner.series(1, 3, dt.time(12, 30), PARIS, since)
    assert plan.first == dt.datetime(2027, 3, 25, 11, 30, tzinfo=UTC)
    assert plan.next_after(plan.first) == dt.datetime(2027, 4, 1, 10, 30, tzinfo=UTC)
    two = planner.series(2, 3, dt.time(12, 30), PARIS, since)
    assert two.next_after(two.first) == dt.datetime(2027, 4, 8, 10, 30, tzinfo=UTC)
    assert two.next_after(dt.datetime(2027, 4, 8, 10, 30, tzinfo=UTC)) == dt.datetime(
        2027, 4, 22, 10, 30, tzinfo=UTC
    )
    assert two.next_after(since) == two.first
    today = planner.series(1, 5, dt.time(12, 30), PARIS, since)  # a Saturday rhythm set on Saturday at 10:00
    assert today.first == paris(dt.date(2027, 3, 20), 12, 30), "today, since 12:30 is still to come"


def test_ask_and_brief_moments_stay_out_of_quiet_hours() -> None:
    evening = paris(TUESDAY, 19, 30)
    assert planner.ask_at(evening, PARIS) == paris(TUESDAY + dt.timedelta(days=1), 8), "20:30 waits for 08:00"
    assert planner.ask_at(paris(TUESDAY, 12, 30), PARIS) == paris(TUESDAY, 13, 30)
    assert planner.brief_at(paris(TUESDAY, 12, 30), PARIS) == paris(TUESDAY, 10, 30), "2 hours before"
    assert planner.brief_at(paris(TUESDAY, 9), PARIS) == paris(TUESDAY, 8), "07:00 is quiet: at 08:00"
    assert planner.brief_at(paris(TUESDAY, 8), PARIS) == paris(MONDAY, 19), "the evening before"
    # 12:30 in Paris is 06:30 in Toronto: 04:30 and 08:00 there will not do, so 19:00 the evening before
    assert planner.brief_at(paris(TUESDAY, 12, 30), TORONTO) == dt.datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def test_meeting_keys_read_back() -> None:
    key = keys.meeting_key(12, 7, "brief")
    assert keys.parse_meeting_key(key) == keys.MeetingKey(12, "brief", 7)
    for other in ("meeting:12:lunch:7", "meeting:x:ask:7", "commit:12", "meeting:12:ask:"):
        assert keys.parse_meeting_key(other) is None


# --- setting a rhythm ---------------------------------------------------------------------------------------


async def test_a_learner_sets_a_rhythm_with_the_defaults_said_and_a_calendar_file(harness: Harness) -> None:
    await setup(harness)
    said = await harness.say("bob", "meet every 2 weeks")
    text = text_of(said)
    assert "Agreed: you and **mia** meet every 2 weeks, on Tuesday at 12:30 (Europe/Paris)." in text
    assert "First meeting: Tuesday 24 November 2026 at 12:30 (Europe/Paris)." in text
    assert "I picked Tuesday, the next working day" in text and "I picked 12:30" in text
    assert "**mia** gets a short brief on your goals and progress" in text
    [ics] = files_of(said)
    content = ics.content.decode()
    assert ics.mime == "text/calendar" and ics.name.endswith(".ics")
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" in content
    assert "DTSTART;TZID=Europe/Paris:20261124T123000" in content and "BEGIN:VTIMEZONE" in content
    assert "SUMMARY:Tandem: mia & bob" in content

    [note] = said.notes
    mia = await person(harness, "mia")
    assert (note.person_key, note.kind) == (mia.key, DeliveryKind.MEETING)
    told = text_of(list(note.replies))
    assert "**bob** set your meetings: every 2 weeks, on Tuesday at 12:30 (Europe/Paris)." in told
    [theirs] = [r for r in note.replies if isinstance(r, File)]
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" in theirs.content.decode()

    [rhythm] = await all_of(harness, Rhythm)
    assert (rhythm.every_weeks, rhythm.weekday, rhythm.time, rhythm.tz) == (2, 1, "12:30", "Europe/Paris")
    assert await planned(harness) == [(paris(TUESDAY, 12, 30), MeetingStatus.PLANNED)]
    shown = await harness.text("mia", "meet @bob")
    assert "You and **bob** meet every 2 weeks, on Tuesday at 12:30 (Europe/Paris)." in shown
    assert "Next meeting: Tuesday 24 November 2026 at 12:30 (Europe/Paris)." in shown


async def test_the_other_side_hears_in_their_own_language_and_zone(harness: Harness) -> None:
    await setup(harness)
    said = await harness.say("dan", "meet every week on thu at 12:30")
    assert "Note: for **leo** that is 06:30 (America/Toronto)." in text_of(said)
    [note] = said.notes
    told = plain(text_of(list(note.replies)))
    assert "**dan** a fixé vos rencontres : toutes les semaines, le jeudi à 06:30 (America/Toronto)." in told
    assert "Première rencontre : jeudi 26 novembre 2026 à 06:30 (America/Toronto)." in told
    assert "`rencontre fin`" in told

    # leo answers in French, from Toronto: the rhythm is then in his zone
    french = plain(await harness.text("leo", "rencontre toutes les 2 semaines le mar à 9h30"))
    assert "vous et **dan** vous voyez toutes les 2 semaines, le mardi à 09:30 (America/Toronto)" in french
    [rhythm] = await all_of(harness, Rhythm)
    assert (rhythm.every_weeks, rhythm.weekday, rhythm.time, rhythm.tz) == (2, 1, "09:30", "America/Toronto")


async def test_only_the_two_of_a_pair_plan_their_meetings(harness: Harness) -> None:
    await setup(harness)
    before = await harness.snapshot()
    several = await harness.text("mia", "meet every 2 weeks")
    assert "You are in several pairs (**bob**, **carol**): name the person" in several
    assert "**dan** is not your mentor or your mentee" in await harness.text("mia", "meet @dan every week")
    assert "**bob** is not your mentor or your mentee" in await harness.text("root", "meet @bob every week")
    assert "**bob** is not your mentor or your mentee" in await harness.text("root", "sessions @bob")
    assert "You have no mentor or mentee yet" in await harness.text("eve", "meet every week")
    assert "You have no mentor or mentee yet" in await harness.text("eve", "sessions")
    after = await harness.snapshot()
    assert {name: after[name] for name in ("rhythm", "meeting", "pairing")} == {
        name: before[name] for name in ("rhythm", "meeting", "pairing")
    }
    assert "Agreed: you and **carol** meet every week, on Friday" in await harness.text(
        "mia", "meet @carol every week on fri"
    )


async def test_bad_input_gets_the_usage_line(harness: Harness) -> None:
    await setup(harness)
    for line, words in (
        ("meet every 12 weeks", "Meet every 1 to 8 weeks: 12 is out of range."),
        ("meet every month", "Say it in weeks"),
        ("meet every 2 weeks on funday", "`funday` is not a day."),
        ("meet every 2 weeks at 21:00", "21:00 falls in quiet hours"),
        ("meet on thu", "Say how often you meet"),
        ("meet every 2 weeks please", "I didn’t understand `please`."),
    ):
        text = await harness.text("bob", line)
        assert words in text, line
        assert "Usage: `meet [@mentee] every <N> weeks" in text, line
    assert await all_of(harness, Rhythm) == []


# --- changing and stopping ----------------------------------------------------------------------------------


async def test_a_new_rhythm_moves_the_planned_meetings_and_stop_ends_them(harness: Harness) -> None:
    await setup(harness)
    await harness.say("bob", "meet every 2 weeks on thu at 12:30")
    [first] = await all_of(harness, Meeting)
    # a date the pair agreed on by rescheduling stays through a change of rhythm
    async with harness.services.db.transaction() as session:
        moved = await stored.plan_meeting(session, pairing_id=first.pairing_id, planned_at=paris(MONDAY, 16))
        moved.status, moved.moved_to = MeetingStatus.RESCHEDULED, paris(THURSDAY + dt.timedelta(days=1), 15)
        session.add(moved)
        await stored.plan_meeting(session, pairing_id=first.pairing_id, planned_at=moved.moved_to)
    said = await harness.say("mia", "meet @bob every week on wed at 13:00")
    assert "meet every week, on Wednesday at 13:00 (Europe/Paris)" in text_of(said)
    cancel, new = files_of(said)
    assert "METHOD:CANCEL" in cancel.content.decode() and "STATUS:CANCELLED" in cancel.content.decode()
    assert "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=WE" in new.content.decode()
    old_uid = cancel.content.decode().split("UID:")[1].split()[0]
    assert old_uid not in new.content.decode(), "a new event; the old one is cancelled"
    [note] = said.notes
    assert len([r for r in note.replies if isinstance(r, File)]) == 2
    assert await planned(harness) == [
        (paris(MONDAY, 16), MeetingStatus.RESCHEDULED),
        (paris(THURSDAY + dt.timedelta(days=1), 15), MeetingStatus.PLANNED),
        (paris(MONDAY + dt.timedelta(days=2), 13), MeetingStatus.PLANNED),
    ]

    stopped = await harness.say("bob", "meet stop")
    assert "Done: no more regular meetings with **mia**." in text_of(stopped)
    [cancelled] = files_of(stopped)
    assert "METHOD:CANCEL" in cancelled.content.decode()
    assert "**bob** stopped your regular meetings." in text_of(list(stopped.notes[0].replies))
    assert await all_of(harness, Rhythm) == []
    assert [status for _, status in await planned(harness)] == [
        MeetingStatus.RESCHEDULED,
        MeetingStatus.PLANNED,
    ]
    assert "have no regular meetings yet" in await harness.text("bob", "meet stop")


# --- the planner --------------------------------------------------------------------------------------------


async def test_the_planner_asks_both_once_and_plans_the_next_meeting(harness: Harness) -> None:
    await setup(harness)
    await harness.say("bob", "meet every 2 weeks on tue at 12:30")
    await tick(harness, paris(TUESDAY, 13, 29))
    assert await meeting_messages(harness, "bob") == []
    db = harness.services.db
    at = paris(TUESDAY, 13, 30)
    await asyncio.gather(*(planner.plan_meetings(db, at) for _ in range(3)))  # replicas at the same moment
    await tick(harness, at)
    rows = await all_of(harness, Delivery, col(Delivery.kind) == DeliveryKind.MEETING)
    bob, mia = await person(harness, "bob"), await person(harness, "mia")
    [meeting, following] = await all_of(harness, Meeting)
    assert sorted(r.dedupe_key for r in rows if ":ask:" in r.dedupe_key) == sorted(
        keys.meeting_key(meeting.id or 0, who.id or 0, "ask") for who in (bob, mia)
    )
    assert meeting.asked_at == at
    assert following.planned_at == paris(TUESDAY + dt.timedelta(weeks=2), 12, 30)
    [asked] = await meeting_messages(harness, "bob")
    assert (
        asked["markdown"] == "Did you meet with **mia** on Tuesday 24 November 2026 at 12:30 (Europe/Paris)?"
    )
    assert [b["label"] for b in asked["buttons"]] == ["Yes, we met", "Not this time", "Rescheduled"]
    [hers] = await meeting_messages(harness, "mia")
    assert hers["markdown"].startswith("Did you meet with **bob**")
    await tick(harness, paris(TUESDAY, 15))
    assert len(await meeting_messages(harness, "bob")) == 1, "asked once"


async def test_the_mentor_gets_the_brief_two_hours_before(harness: Harness) -> None:
    await setup(harness)
    await harness.say("bob", "meet every 2 weeks on tue at 12:30")
    await tick(harness, paris(TUESDAY, 10, 29))
    assert await meeting_messages(harness, "mia", "brief") == []
    await tick(harness, paris(TUESDAY, 10, 30))
    await tick(harness, paris(TUESDAY, 10, 45))
    [brief] = await meeting_messages(harness, "mia", "brief")
    assert brief["markdown"].startswith(
        "Before your meeting with **bob**, Tuesday 24 November 2026 at 12:30 (Europe/Paris):"
    )
    assert await meeting_messages(harness, "bob", "brief") == [], "the mentor's only"
    [meeting] = [m for m in await all_of(harness, Meeting) if m.planned_at == paris(TUESDAY, 12, 30)]
    assert meeting.brief_sent_at == paris(TUESDAY, 10, 30)


async def test_a_question_that_falls_in_quiet_hours_waits_for_the_morning(harness: Harness) -> None:
    await setup(harness)
    await harness.say("bob", "meet every week on tue at 19:30")
    await tick(harness, paris(TUESDAY, 20, 30))
    rows = await all_of(harness, Delivery, col(Delivery.kind) == DeliveryKind.MEETING)
    asks = [r for r in rows if ":ask:" in r.dedupe_key]
    assert len(asks) == 2 and {r.due_at for r in asks} == {paris(TUESDAY + dt.timedelta(days=1), 8)}
    assert await meeting_messages(harness, "bob") == []
    await tick(harness, paris(TUESDAY + dt.timedelta(days=1), 8))
    assert len(await meeting_messages(harness, "bob")) == 1


# --- the answers --------------------------------------------------------------------------------------------


async def asked(harness: Harness, line: str = "meet every week on tue at 12:30") -> Meeting:
    """bob and mia meet on Tuesday at 12:30 and have just been asked about it."""
    await setup(harness)
    await harness.say("bob", line)
    await tick(harness, paris(TUESDAY, 13, 30))
    return (await all_of(harness, Meeting))[0]


async def test_the_first_answer_decides_and_the_other_side_is_told_who_answered(harness: Harness) -> None:
    meeting = await asked(harness)
    value = f"{meeting.id}:held"
    said = await harness.press("bob", core.ANSWER_ACTION, value)
    [reply] = said
    assert isinstance(reply, Text) and reply.replaces
    assert reply.markdown.startswith("Glad you met! What did you cover? One line, for the two of you only")
    assert [b.label for b in reply.buttons] == ["Write a note", "Skip"]
    other = text_of(await harness.press("mia", core.ANSWER_ACTION, f"{meeting.id}:missed"))
    assert other == "Already answered by **bob**: you met."
    [decided, _] = await all_of(harness, Meeting)
    bob = await person(harness, "bob")
    assert (decided.status, decided.answered_by_id) == (MeetingStatus.HELD, bob.id)
    # mia agrees: she may still write her side's note
    agreed = text_of(await harness.press("mia", core.ANSWER_ACTION, f"{meeting.id}:held"))
    assert agreed.startswith("**bob** already said you met. What did you cover?")
    for outsider in ("carol", "root", "eve"):  # carol reads French
        refused = text_of(await harness.press(outsider, core.ANSWER_ACTION, value))
        assert "That button has expired" in refused or "Ce bouton a expiré" in refused


async def test_notes_stay_with_the_pair_and_the_learner_commits(harness: Harness) -> None:
    meeting = await asked(harness)
    await harness.press("bob", core.ANSWER_ACTION, f"{meeting.id}:held")
    noted = text_of(await harness.say("bob", "We tidied my LinkedIn headline"))
    assert "Noted, for the two of you only" in noted
    assert "Anything you’ll try this week?" in noted
    committed = await harness.say("bob", "Add a photo to my profile")
    assert "“Add a photo to my profile”: noted. I’ll ask you in a week how it went." in text_of(committed)
    [follow_up] = committed.notes
    assert follow_up.kind == DeliveryKind.COMMITMENT
    [made] = await all_of(harness, Commitment)
    assert (made.source, made.meeting_id, made.text) == (
        CommitmentSource.MEETING,
        meeting.id,
        "Add a photo to my profile",
    )
    assert made.follow_up_at == paris(TUESDAY + dt.timedelta(days=7), 13, 30)

    await harness.press("mia", core.ANSWER_ACTION, f"{meeting.id}:held")
    mentor_said = text_of(await harness.say("mia", "Headline done; next time his About section"))
    assert "Noted, for the two of you only" in mentor_said and "Anything you’ll try" not in mentor_said
    assert "Your next meeting: Tuesday 1 December 2026 at 12:30 (Europe/Paris)." in mentor_said

    for name, other in (("bob", "mia"), ("mia", "bob")):
        history = await harness.text(name, "sessions" if name == "bob" else "sessions @bob")
        assert f"Your meetings with **{other}** (only the two of you see this):" in history
        assert "- Tuesday 24 November 2026 at 12:30 (Europe/Paris): met" in history
        assert "“We tidied my LinkedIn headline”" in history
        assert "“Headline done; next time his About section”" in history
        assert "“Add a photo to my profile” (to do)" in history
        assert "- Tuesday 1 December 2026 at 12:30 (Europe/Paris): to come" in history
    assert "Your commitment: “Add a photo" in await harness.text("bob", "sessions")
    assert "Commitment of **bob**" in await harness.text("mia", "sessions @bob")
    for outsider in ("root", "dan", "leo"):
        refused = plain(await harness.text(outsider, "sessions @bob"))
        assert "is not your mentor or your mentee" in refused or "n’est ni votre mentor" in refused
        assert "LinkedIn" not in refused
    assert "LinkedIn headline" not in await harness.text("mia", "sessions @carol")
    assert len(await all_of(harness, MeetingNote)) == 2


async def test_skipping_the_note_and_the_commitment(harness: Harness) -> None:
    meeting = await asked(harness)
    await harness.press("bob", core.ANSWER_ACTION, f"{meeting.id}:held")
    said = await harness.press("bob", core.SKIP_ACTION, f"{meeting.id}:note")
    assert "Anything you’ll try this week?" in text_of(said)
    assert "All right. Your next meeting" in text_of(await harness.say("bob", "passer"))
    assert await all_of(harness, MeetingNote) == [] and await all_of(harness, Commitment) == []
    # the prompt is over: the next message is a question again, not a note
    assert "All right" not in await harness.text("bob", "how do I spot a phishing email?")


async def test_a_rescheduled_meeting_gets_its_new_date(harness: Harness) -> None:
    meeting = await asked(harness)
    ask = text_of(await harness.press("bob", core.ANSWER_ACTION, f"{meeting.id}:moved"))
    assert "When is it now? Type the new day and time in your time zone (Europe/Paris)" in ask
    assert "couldn’t read `whenever`" in await harness.text("bob", "whenever")
    assert "has already passed" in await harness.text("bob", "2026-11-20 12:30")
    assert "more than 8 weeks away" in await harness.text("bob", "2027-03-01 12:30")
    assert "falls in quiet hours" in await harness.text("bob", "thu 21:00")
    moved = await harness.say("bob", "thu 15:00")
    assert "Moved to Thursday 26 November 2026 at 15:00 (Europe/Paris)." in text_of(moved)
    [note] = moved.notes
    mia = await person(harness, "mia")
    assert note.person_key == mia.key
    assert "**bob** says your meeting moved to Thursday 26 November 2026 at 15:00" in text_of(
        list(note.replies)
    )
    rows = await planned(harness)
    assert (paris(TUESDAY, 12, 30), MeetingStatus.RESCHEDULED) in rows
    assert (paris(THURSDAY, 15), MeetingStatus.PLANNED) in rows
    assert (paris(TUESDAY + dt.timedelta(weeks=1), 12, 30), MeetingStatus.PLANNED) in rows, (
        "the rhythm goes on"
    )
    other = text_of(await harness.press("mia", core.ANSWER_ACTION, f"{meeting.id}:moved"))
    assert (
        other
        == "Already answered by **bob**: rescheduled to Thursday 26 November 2026 at 15:00 (Europe/Paris)."
    )
    # the new meeting is asked about after it
    await tick(harness, paris(THURSDAY, 16))
    asks = await meeting_messages(harness, "bob")
    assert asks[-1]["markdown"].startswith("Did you meet with **mia** on Thursday 26 November 2026 at 15:00")


async def test_french_words_for_a_new_date(harness: Harness) -> None:
    await setup(harness)
    zone, now = PARIS, paris(MONDAY, 11)
    assert core.parse_new_date("jeudi 12h30", zone, now, default=dt.time(9)) == paris(THURSDAY, 12, 30)
    assert core.parse_new_date("le jeu. à 12:30", zone, now, default=dt.time(9)) == paris(THURSDAY, 12, 30)
    assert core.parse_new_date("demain", zone, now, default=dt.time(9)) == paris(TUESDAY, 9)
    assert core.parse_new_date("mon 10:00", zone, now, default=dt.time(9)) == paris(
        MONDAY + dt.timedelta(weeks=1), 10
    )
    assert core.parse_new_date("16:00", zone, now, default=dt.time(9)) == paris(MONDAY, 16)
    assert core.parse_new_date("2026-12-03", zone, now, default=dt.time(12, 30)) == paris(
        dt.date(2026, 12, 3), 12, 30
    )
    with pytest.raises(UserError):
        core.parse_new_date("jeudi 12h30 ou vendredi", zone, now, default=dt.time(9))


async def test_two_missed_in_a_row_nudge_both_and_three_put_the_pair_at_risk(harness: Harness) -> None:
    await setup(harness)
    await harness.say("bob", "meet every week on tue at 12:30")
    for week in range(3):
        day = TUESDAY + dt.timedelta(weeks=week)
        await tick(harness, paris(day, 13, 30))
        meeting = next(m for m in await all_of(harness, Meeting) if m.planned_at == paris(day, 12, 30))
        said = await harness.press("mia" if week % 2 else "bob", core.ANSWER_ACTION, f"{meeting.id}:missed")
        assert text_of(said).startswith("Noted: not this time. It happens. Your next meeting:")
        await harness.app.deliver_now()
        nudges = await meeting_messages(harness, "bob", "nudge")
        assert len(nudges) == (0 if week == 0 else 1), week
        async with harness.services.db.transaction() as session:
            risky = await stored.pairs_at_risk(session, cohort_id=None)
            counts = await stored.meeting_counts(session, cohort_id=None)
        assert [(r.mentor.display_name, r.mentee.display_name, r.missed_in_row) for r in risky] == (
            [("mia", "bob", 3)] if week == 2 else []
        )
        assert counts == (0, week + 1)
    [nudge] = await meeting_messages(harness, "mia", "nudge")
    assert nudge["markdown"].startswith(
        "You and **bob** missed your last two meetings: it happens to every pair."
    )
    assert "Your next meeting: Tuesday 8 December 2026 at 12:30 (Europe/Paris)." in nudge["markdown"]
    async with harness.services.db.transaction() as session:
        pilot = await harness_cohort(session, "pilot")
        assert len(await stored.pairs_at_risk(session, cohort_id=pilot)) == 1
        assert await stored.pairs_at_risk(session, cohort_id=pilot + 1000) == []

    # a meeting held puts the count back to 0: no longer at risk
    fourth = TUESDAY + dt.timedelta(weeks=3)
    await tick(harness, paris(fourth, 13, 30))
    meeting = next(m for m in await all_of(harness, Meeting) if m.planned_at == paris(fourth, 12, 30))
    await harness.press("bob", core.ANSWER_ACTION, f"{meeting.id}:held")
    async with harness.services.db.transaction() as session:
        assert await stored.pairs_at_risk(session, cohort_id=None) == []
        assert await stored.meeting_counts(session, cohort_id=None) == (1, 4)


async def harness_cohort(session: Any, name: str) -> int:
    found = await cohorts.get_cohort(session, name=name)
    assert found is not None and found.id is not None
    return found.id


async def test_an_unanswered_question_closes_after_three_days(harness: Harness) -> None:
    meeting = await asked(harness)
    harness.clock.now = paris(TUESDAY, 13, 30) + planner.ANSWER_FOR + dt.timedelta(minutes=1)
    closed = await harness.press("bob", core.ANSWER_ACTION, f"{meeting.id}:missed")
    assert text_of(closed).startswith("This question has closed: the meeting stays “not answered”.")
    [still, _] = await all_of(harness, Meeting)
    assert (still.status, still.answered_at) == (MeetingStatus.PLANNED, None)
    [rhythm] = await all_of(harness, Rhythm)
    assert rhythm.missed_in_row == 0, "not answered is not missed"
    assert "24 November 2026 at 12:30 (Europe/Paris): not answered" in await harness.text("bob", "sessions")
    async with harness.services.db.transaction() as session:
        assert await stored.meeting_counts(session, cohort_id=None) == (0, 1)


async def test_after_days_without_a_planner_a_late_question_is_not_sent(harness: Harness) -> None:
    """Tandem was stopped from Monday to Saturday: Tuesday's meeting can no longer be answered, so nobody
    is asked about it; it counts as not answered, and the rhythm goes on from now."""
    await setup(harness)
    await harness.say("bob", "meet every week on tue at 12:30")
    await tick(harness, paris(TUESDAY + dt.timedelta(days=4), 10))
    assert await meeting_messages(harness, "bob") == [] and await meeting_messages(harness, "mia") == []
    [late, following] = await all_of(harness, Meeting)
    assert late.asked_at is not None and following.planned_at == paris(
        TUESDAY + dt.timedelta(weeks=1), 12, 30
    )
    assert "24 November 2026 at 12:30 (Europe/Paris): not answered" in await harness.text("bob", "sessions")


async def test_a_question_answered_before_it_goes_out_is_not_sent(harness: Harness) -> None:
    meeting = await asked(harness)
    bob = await person(harness, "bob")
    async with harness.services.db.transaction() as session:
        await stored.decide(
            session,
            meeting_id=meeting.id or 0,
            status=MeetingStatus.HELD,
            person_id=bob.id or 0,
            now=harness.clock.now,
        )
        mia = await people.get_person(session, key="console:mia")
        assert mia is not None
        key = keys.meeting_key(meeting.id or 0, mia.id or 0, "ask")
        library = harness.services.lessons.library
        assert await core.compose(session, mia, key, library, "Europe/Paris") == []
        assert (
            await core.compose(
                session, mia, keys.meeting_key(meeting.id or 0, bob.id or 0, "ask"), library, "Europe/Paris"
            )
            == []
        )


async def test_a_pair_that_ends_is_not_asked_about_its_planned_meetings(harness: Harness) -> None:
    await setup(harness)
    await harness.say("bob", "meet every week on tue at 12:30")
    await harness.say("root", "unpair @mia @bob")
    await tick(harness, paris(TUESDAY, 13, 30))
    assert await meeting_messages(harness, "bob") == [] and await all_of(harness, Meeting) == []
