"""Learner self-service: settings, time/days/tz/lang, pause/resume, progress, my-data and forget-me."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from bot.console.channel import console_key
from bot.core import mentor_guide
from bot.core.events import Event
from bot.core.replies import File, LessonCard, Text
from scheduler import plan
from storage import activity, cohorts, people
from storage.enums import AuditOutcome
from storage.models import (
    AuditLog,
    CohortCreate,
    CustomTip,
    CustomTipCreate,
    Delivery,
    DeliveryBatch,
    Enrollment,
    Feedback,
    InboxMessage,
    Mentorship,
    PendingAction,
    Person,
    Question,
)
from tests.support.harness import Harness, text_of

# The harness clock starts on Monday 23 November 2026 at 10:00 UTC, 11:00 in Paris. The pilot cohort
# sends at 09:00 Paris time, Monday to Friday, so the next tip is on Tuesday at 08:00 UTC.
TUESDAY_9_PARIS = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


async def enroll(harness: Harness, name: str, *, cohort: str = "pilot", status: str = "active") -> None:
    """Put `name` in a cohort through the storage layer (the admin commands are tested elsewhere)."""
    await harness.say(name, "settings")  # first contact creates the person, and nothing else
    async with harness.services.db.transaction() as session:
        person = await people.get_person(session, key=console_key(name))
        assert person is not None
        found = await cohorts.get_cohort(session, name=cohort)
        if found is None:
            data = CohortCreate(name=cohort, track_id="first-steps", start_date=dt.date(2026, 11, 23))
            found = await cohorts.create_cohort(session, data=data)
        due = plan.next_due(person, found, harness.services.settings.default_tz, after=harness.clock.now)
        session.add(
            Enrollment(person_id=person.id or 0, cohort_id=found.id or 0, next_due_at=due, status=status)
        )


async def state(harness: Harness, name: str) -> tuple[Person, list[Enrollment]]:
    async with harness.services.db.transaction() as session:
        person = await people.get_person(session, key=console_key(name))
        assert person is not None
        return person, [e for e, _ in await cohorts.enrollments_of(session, person_id=person.id or 0)]


async def person_id(harness: Harness, name: str) -> int:
    person, _ = await state(harness, name)
    return person.id or 0


# --- settings ---------------------------------------------------------------------------------------------


async def test_settings_shows_every_value_its_source_and_how_to_change_it(harness: Harness) -> None:
    await enroll(harness, "alice")
    text = await harness.text("alice", "settings")
    assert "Language: English" in text and "`lang fr`" in text
    assert "Time zone: Europe/Paris (set by your cohort *pilot*)" in text and "`tz Europe/Paris`" in text
    assert "Delivery time: 09:00 (set by your cohort *pilot*)" in text and "`time 08:30`" in text
    assert "Days: Monday to Friday (set by your cohort *pilot*)" in text and "`days mon-fri`" in text
    assert "Quiet hours: 20:00–08:00" in text
    assert "Pause: none" in text
    assert "Your next tip: Tuesday 24 November 2026 at 09:00 (Europe/Paris)." in text

    await harness.say("alice", "tz America/New_York")
    text = await harness.text("alice", "settings")
    assert "Time zone: America/New_York (your choice)" in text
    assert "Delivery time: 09:00 (set by your cohort *pilot*)" in text


async def test_settings_without_a_cohort(harness: Harness) -> None:
    text = await harness.text("alice", "settings")
    assert "Time zone: Europe/Paris (the programme’s default)" in text  # TANDEM_DEFAULT_TZ
    assert "No tip is scheduled" in text


# --- one time-zone rule: the person's own, else their cohort's, else TANDEM_DEFAULT_TZ ---------------------


async def test_a_learner_without_a_zone_reads_every_time_in_their_cohorts(harness: Harness) -> None:
    """Bob set no zone and his cohort is in New York: his tips and the time his grouped questions reach
    his mentor are both said in New York's time; once he sets his own zone, that one."""
    for line in (
        "cohort create east track first-steps tz America/New_York",
        "enroll east @bob",
        "pair @mia @bob",
    ):
        await harness.say("root", line)
    assert "Time zone: America/New_York (set by your cohort *east*)" in await harness.text("bob", "settings")
    said = [await harness.text("bob", f"mentor question number {n}") for n in range(11)]
    assert "in one message, at 05:10 (America/New_York)." in said[10], "10:10 UTC"
    await harness.say("bob", "tz Europe/Berlin")
    assert "at 11:10 (Europe/Berlin)." in await harness.text("bob", "mentor one more question")


async def test_someone_in_no_cohort_and_without_a_zone_is_in_the_default_zone(harness: Harness) -> None:
    harness.services.settings = harness.services.settings.model_copy(update={"default_tz": "America/Chicago"})
    text = await harness.text("alice", "pause until 2027-01-05")
    assert "paused until Tuesday 5 January 2027." in text
    person, _ = await state(harness, "alice")
    assert person.paused_until == dt.datetime(2027, 1, 5, 6, 0, tzinfo=dt.UTC), "midnight in Chicago"


async def test_quiet_hours_are_named_from_the_values_that_define_them(harness: Harness) -> None:
    from storage.defaults import QUIET_END, QUIET_START

    quiet = f"{QUIET_START:%H:%M}–{QUIET_END:%H:%M}"
    assert f"Quiet hours: {quiet}." in await harness.text("alice", "settings")
    refused = await harness.text("alice", "time 21:30")
    assert f"21:30 falls in quiet hours ({quiet})" in refused
    assert f"between {QUIET_END:%H:%M} and {QUIET_START:%H:%M}" in refused


# --- time, days, tz, lang ---------------------------------------------------------------------------------


async def test_time_is_stored_and_moves_the_next_tip(harness: Harness) -> None:
    await enroll(harness, "alice")
    text = await harness.text("alice", "time 8h30")
    assert "your tip will now arrive at 08:30" in text
    assert "Tuesday 24 November 2026 at 08:30 (Europe/Paris)" in text
    person, [enrollment] = await state(harness, "alice")
    assert person.time_of_day == "08:30"
    assert enrollment.next_due_at == utc(2026, 11, 24, 7, 30)

    # 14:00 Paris is still ahead today (it is 11:00 there), so the next tip comes this afternoon.
    text = await harness.text("alice", "time 14:00")
    assert "Monday 23 November 2026 at 14:00 (Europe/Paris)" in text
    _, [enrollment] = await state(harness, "alice")
    assert enrollment.next_due_at == utc(2026, 11, 23, 13, 0)


async def test_time_only_moves_active_enrollments(harness: Harness) -> None:
    await enroll(harness, "alice")
    await enroll(harness, "alice", cohort="old", status="completed")
    _, before = await state(harness, "alice")
    await harness.say("alice", "time 10:00")
    _, after = await state(harness, "alice")
    assert after[0].next_due_at == utc(2026, 11, 24, 9, 0)
    assert after[1].next_due_at == before[1].next_due_at


async def test_tz_is_canonical_and_moves_the_next_tip(harness: Harness) -> None:
    await enroll(harness, "alice")
    text = await harness.text("alice", "tz america/new_york")
    assert "your time zone is now America/New_York" in text
    # 10:00 UTC is 05:00 in New York: 09:00 there is still ahead today.
    assert "Monday 23 November 2026 at 09:00 (America/New_York)" in text
    person, [enrollment] = await state(harness, "alice")
    assert person.tz == "America/New_York"
    assert enrollment.next_due_at == utc(2026, 11, 23, 14, 0)


async def test_days_are_canonical_and_move_the_next_tip(harness: Harness) -> None:
    await enroll(harness, "alice")
    text = await harness.text("alice", "days wed, mon")
    assert "your tip days are now Monday and Wednesday" in text
    assert "Wednesday 25 November 2026 at 09:00 (Europe/Paris)" in text
    person, [enrollment] = await state(harness, "alice")
    assert person.days == "mon,wed"
    assert enrollment.next_due_at == utc(2026, 11, 25, 8, 0)


async def test_settings_change_without_a_cohort_is_stored(harness: Harness) -> None:
    text = await harness.text("alice", "time 09:15")
    assert "09:15" in text and "No tip is scheduled" in text
    person, enrollments = await state(harness, "alice")
    assert person.time_of_day == "09:15" and enrollments == []


async def test_lang_fr_switches_every_later_reply(harness: Harness) -> None:
    await enroll(harness, "alice")
    text = await harness.text("alice", "lang fr")
    assert "je vous parlerai désormais en français" in text
    assert "mardi 24 novembre 2026 à 09:00 (Europe/Paris)" in text
    person, _ = await state(harness, "alice")
    assert person.lang == "fr"

    text = await harness.text("alice", "settings")
    assert "Vos réglages" in text and "Langue\u202f: français" in text
    assert "Jours\u202f: du lundi au vendredi (selon votre cohorte *pilot*)" in text
    assert "n’est pas une heure" in await harness.text("alice", "time 25:00")
    assert "votre conseil arrivera désormais à 08:30" in await harness.text("alice", "heure 08:30")

    text = await harness.text("alice", "lang english")
    assert "I’ll speak English with you" in text
    assert (await state(harness, "alice"))[0].lang == "en"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("time 25:00", "`25:00` is not a time. Write it like `08:30`."),
        ("time 07:00", "07:00 falls in quiet hours (20:00–08:00)."),
        ("time 21:30", "21:30 falls in quiet hours"),
        ("time", "Usage: `time <HH:MM>`"),
        ("days funday", "`funday` is not a list of days."),
        ("days", "Usage: `days <days, like mon-fri>`"),
        ("tz Mars/Olympus", "`Mars/Olympus` is not a time zone I know."),
        ("tz", "Usage: `tz <Region/City | city>`"),
        ("lang de", "Usage: `lang fr|en`"),
        ("lang", "Usage: `lang fr|en`"),
        ("pause banana", "Usage: `pause [3 days | 2 weeks | until 2027-01-05]`"),
        ("pause 0 days", "Usage: `pause"),
        ("pause 3 fortnights", "Usage: `pause"),
        ("pause until someday", "`someday` is not a date."),
        ("pause until 2026-11-01", "Sunday 1 November 2026 is not in the future."),
        ("pause until 2026-11-23", "Monday 23 November 2026 is not in the future."),
        ("pause 91 days", "A pause can last up to 90 days."),
        ("pause 13 weeks", "A pause can last up to 90 days."),
        ("pause until 2027-06-01", "A pause can last up to 90 days."),
    ],
)
async def test_refused_commands_explain_and_change_nothing(
    harness: Harness, command: str, expected: str
) -> None:
    await enroll(harness, "alice")
    before = await harness.snapshot()
    text = await harness.text("alice", command)
    assert expected in text
    assert await harness.snapshot() == before


# --- pause and resume -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "paused_until", "next_due"),
    [
        # 7 days by default: until Monday 30 November 10:00 UTC, after that day's 09:00 Paris slot.
        ("pause", utc(2026, 11, 30, 10, 0), utc(2026, 12, 1, 8, 0)),
        ("pause 3 days", utc(2026, 11, 26, 10, 0), utc(2026, 11, 27, 8, 0)),
        ("pause 3 jours", utc(2026, 11, 26, 10, 0), utc(2026, 11, 27, 8, 0)),
        ("pause 2 weeks", utc(2026, 12, 7, 10, 0), utc(2026, 12, 8, 8, 0)),
        ("pause 2 semaines", utc(2026, 12, 7, 10, 0), utc(2026, 12, 8, 8, 0)),
        ("pause 90 days", utc(2027, 2, 21, 10, 0), utc(2027, 2, 22, 8, 0)),
        # Until a date: from the start of that day in Paris, so the tip comes that very morning.
        ("pause until 2027-01-05", utc(2027, 1, 4, 23, 0), utc(2027, 1, 5, 8, 0)),
        ("pause jusqu'au 2027-01-05", utc(2027, 1, 4, 23, 0), utc(2027, 1, 5, 8, 0)),
        ("pause jusqu’au 2027-01-05", utc(2027, 1, 4, 23, 0), utc(2027, 1, 5, 8, 0)),
    ],
)
async def test_pause_sets_the_end_and_the_first_tip_after_it(
    harness: Harness, command: str, paused_until: dt.datetime, next_due: dt.datetime
) -> None:
    await enroll(harness, "alice")
    text = await harness.text("alice", command)
    assert "Your tips are paused until" in text
    person, [enrollment] = await state(harness, "alice")
    assert person.paused_until == paused_until
    assert enrollment.paused_until == paused_until
    assert enrollment.next_due_at == next_due


async def test_pause_until_a_date_names_the_day_and_the_next_tip(harness: Harness) -> None:
    await enroll(harness, "alice")
    await enroll(harness, "bob")
    text = await harness.text("alice", "pause until 2027-01-05")
    assert "paused until Tuesday 5 January 2027." in text
    assert "Your next tip: Tuesday 5 January 2027 at 09:00 (Europe/Paris)." in text
    assert "Pause: until Tuesday 5 January 2027" in await harness.text("alice", "settings")
    bob, [bob_enrollment] = await state(harness, "bob")
    assert bob.paused_until is None and bob_enrollment.next_due_at == TUESDAY_9_PARIS


async def test_resume_clears_the_pause_and_brings_the_next_tip_back(harness: Harness) -> None:
    await enroll(harness, "alice")
    await harness.say("alice", "pause 2 weeks")
    text = await harness.text("alice", "resume")
    assert "Welcome back" in text
    assert "Tuesday 24 November 2026 at 09:00 (Europe/Paris)" in text
    person, [enrollment] = await state(harness, "alice")
    assert person.paused_until is None and enrollment.paused_until is None
    assert enrollment.next_due_at == TUESDAY_9_PARIS


async def test_resume_when_nothing_is_paused_says_so_and_changes_nothing(harness: Harness) -> None:
    await enroll(harness, "alice")
    await harness.say("alice", "pause 3 days")
    harness.clock.advance(days=4)
    await harness.say("alice", "settings")  # her activity is noted now, and at most once a minute
    before = await harness.snapshot()
    assert "nothing to resume" in await harness.text("alice", "resume")
    assert await harness.snapshot() == before


async def test_a_bare_resume_never_brings_back_a_track_stopped_alone(harness: Harness) -> None:
    """`stop mentor-guide` stops the guide alone: a bare `resume` ends a pause or a bare `stop` and says
    how to bring the guide back, and only `resume mentor-guide` does."""
    await enroll(harness, "alice")
    alice, _ = await state(harness, "alice")
    async with harness.services.db.transaction() as session:
        await mentor_guide.enrol_in_mentor_guide(session, mentor=alice, now=harness.clock.now)

    async def statuses() -> dict[int, str]:
        _, enrollments = await state(harness, "alice")
        return {e.cohort_id: e.status for e in enrollments}

    assert "`resume mentor-guide`" in await harness.text("alice", "stop mentor-guide")
    stopped_guide = await statuses()
    assert sorted(stopped_guide.values()) == ["active", "stopped"]
    await harness.say("alice", "pause 3 days")
    text = await harness.text("alice", "resume")
    assert "Welcome back" in text
    assert "Tips from *The mentor's guide* stay stopped: type `resume mentor-guide`" in text
    assert await statuses() == stopped_guide, "the pause ended, the guide stays stopped"

    assert "no more tips" in await harness.text("alice", "stop")
    assert "Welcome back" in await harness.text("alice", "resume")
    assert await statuses() == stopped_guide, "a bare `stop` undone, the guide stays stopped"
    text = await harness.text("alice", "resume")
    assert "nothing to resume" in text and "`resume mentor-guide`" in text

    await harness.say("alice", "lang fr")
    assert "`reprendre mentor-guide`" in await harness.text("alice", "reprendre")
    assert "Les conseils de *Le guide du mentor* reprennent" in await harness.text(
        "alice", "reprendre mentor-guide"
    )
    assert set((await statuses()).values()) == {"active"}
    assert "Vous n’avez pas arrêté" in await harness.text("alice", "reprendre mentor-guide")
    await harness.say("alice", "pause 3 jours")
    assert "Bon retour" in await harness.text("alice", "reprendre pilot"), "paused: it ends the pause"
    alice, _ = await state(harness, "alice")
    assert alice.paused_until is None


async def test_pause_in_french(harness: Harness) -> None:
    await enroll(harness, "alice")
    await harness.say("alice", "lang fr")
    text = await harness.text("alice", "pause jusqu'au 2027-01-01")
    assert "Vos conseils sont suspendus jusqu’au vendredi 1er janvier 2027." in text
    assert "Bon retour" in await harness.text("alice", "reprendre")


# --- progress ---------------------------------------------------------------------------------------------


async def test_progress_counts_lessons_quiz_status_next_tip_and_mentor(harness: Harness) -> None:
    await enroll(harness, "alice")
    await enroll(harness, "alice", cohort="spring", status="completed")
    await pair_with_bob(harness)
    await harness.say("alice", "next")
    await harness.say("alice", "next")
    await harness.press("alice", "quiz.answer", "linkedin-profile:1")  # right
    await harness.press("alice", "quiz.answer", "strong-passwords:0")  # right
    await harness.press("alice", "quiz.answer", "strong-passwords:2")  # again: the first answer counts
    await harness.press("alice", "quiz.answer", "hashtags:2")  # not in this track

    text = await harness.text("alice", "progress")
    assert "**pilot**: *First steps*" in text
    assert "Lessons received: 2 of 10" in text
    assert "Quiz answers: 2 right out of 2" in text
    assert "Status: active" in text
    assert "Next tip: Tuesday 24 November 2026 at 09:00 (Europe/Paris)" in text
    assert "**spring**: *First steps*" in text and "Status: completed" in text
    assert text.count("Next tip:") == 1
    assert "Your mentor: **bob**" in text

    await harness.say("alice", "pause until 2027-01-05")
    assert "Status: paused until Tuesday 5 January 2027" in await harness.text("alice", "progress")
    await harness.say("alice", "lang fr")
    text = await harness.text("alice", "progress")
    assert "*Premiers pas*" in text and "Leçons reçues\u202f: 2 sur 10" in text


async def test_progress_and_settings_when_the_programme_paused_the_cohort(harness: Harness) -> None:
    await enroll(harness, "alice")
    assert "Quiz answers: none yet" in await harness.text("alice", "progress")
    async with harness.services.db.transaction() as session:
        pilot = await cohorts.get_cohort(session, name="pilot")
        assert pilot is not None
        await cohorts.set_cohort_paused(session, cohort_id=pilot.id or 0, paused=True)
    text = await harness.text("alice", "progress")
    assert "Status: paused by the programme team" in text and "Next tip:" not in text
    assert "the programme team has paused your cohort" in await harness.text("alice", "settings")


async def test_progress_without_a_cohort_gives_a_hint(harness: Harness) -> None:
    text = await harness.text("alice", "progress")
    assert "You are not in a cohort yet" in text and "`tracks`" in text


# --- my-data ----------------------------------------------------------------------------------------------


async def pair_with_bob(harness: Harness, mentee: str = "alice") -> None:
    await harness.say("bob", "settings")
    async with harness.services.db.transaction() as session:
        bob = await people.get_person(session, key=console_key("bob"))
        learner = await people.get_person(session, key=console_key(mentee))
        assert bob is not None and learner is not None
        await people.pair(session, mentor_id=bob.id or 0, mentee_id=learner.id or 0, now=harness.clock.now)


async def test_my_data_holds_everything_about_the_person(harness: Harness) -> None:
    await enroll(harness, "alice")
    await pair_with_bob(harness)
    await harness.say("alice", "next")
    await harness.press("alice", "quiz.answer", "linkedin-profile:1")
    await harness.press("alice", "feedback.useful", "linkedin-profile")
    await harness.say("alice", "mentor How do I follow a company")
    alice_id = await person_id(harness, "alice")
    async with harness.services.db.transaction() as session:
        question = (await activity.questions_of(session, person_id=alice_id))[0]
    await harness.say("bob", f"reply {question.id} Open its page and press *Follow*.")

    before = await harness.snapshot()
    replies = await harness.say("alice", "my-data")
    assert await harness.snapshot() == before
    note, file = replies
    assert isinstance(note, Text) and isinstance(file, File)
    assert file.name == "tandem-my-data-alice-2026-11-23.json" and file.mime == "application/json"
    assert f"`{file.name}`" in note.markdown
    assert "questions: 1" in note.markdown and "`forget-me`" in note.markdown
    assert file.caption and file.download == "my-data"
    data = json.loads(file.content)
    assert data["person"]["key"] == "console:alice"
    assert dt.datetime.fromisoformat(data["person"]["created_at"]).tzinfo is not None
    assert data["enrollments"][0]["cohort"] == "pilot"
    assert [(m["mentor"], m["mentee"]) for m in data["mentorships"]] == [("bob", "alice")]
    assert [d["lesson_id"] for d in data["deliveries"] if d["kind"] == "lesson"] == ["linkedin-profile"]
    assert "messages_sent" in data and "jobs" in data
    [asked] = data["questions"]
    assert asked["text"] == "How do I follow a company"
    assert asked["answer"] == "Open its page and press *Follow*."
    assert asked["answered_by"] == "bob"
    assert sorted((f["kind"], f["correct"]) for f in data["feedback"]) == [("quiz", True), ("useful", None)]
    assert data["custom_tips"] == [] and data["audit"] == [] and data["inbox"] == []


async def test_my_data_of_a_mentor_lists_mentees_tips_and_audit(harness: Harness) -> None:
    await enroll(harness, "alice")
    await pair_with_bob(harness)
    bob_id = await person_id(harness, "bob")
    async with harness.services.db.transaction() as session:
        tip = CustomTipCreate(
            author_id=bob_id, text="Try the LinkedIn feed filter", send_at=harness.clock.now
        )
        await activity.create_tip(session, data=tip)
        await activity.audit(
            session, actor_key=console_key("bob"), action="push", args={}, outcome=AuditOutcome.OK
        )
        await activity.push_inbox(session, person_id=bob_id, payload={"type": "text", "markdown": "Hello"})
    replies = await harness.say("bob", "mes-donnees")
    data = json.loads(next(r for r in replies if isinstance(r, File)).content)
    assert [(m["mentor"], m["mentee"]) for m in data["mentorships"]] == [("bob", "alice")]
    assert [t["text"] for t in data["custom_tips"]] == ["Try the LinkedIn feed filter"]
    assert [a["action"] for a in data["audit"]] == ["push"]
    assert [m["message"]["text"] for m in data["inbox"]] == ["Hello"]


# --- forget-me --------------------------------------------------------------------------------------------


async def rows_about(harness: Harness, pid: int, key: str) -> dict[str, int]:
    """How many rows of each table are tied to one person."""
    checks = {
        "person": (Person, Person.id == pid),
        "enrollment": (Enrollment, Enrollment.person_id == pid),
        "mentorship": (Mentorship, (Mentorship.mentor_id == pid) | (Mentorship.mentee_id == pid)),
        "delivery": (Delivery, Delivery.person_id == pid),
        "question": (Question, Question.person_id == pid),
        "feedback": (Feedback, Feedback.person_id == pid),
        "customtip": (CustomTip, (CustomTip.author_id == pid) | (CustomTip.target_person_id == pid)),
        "inbox": (InboxMessage, InboxMessage.person_id == pid),
        "pending": (PendingAction, PendingAction.person_id == pid),
        "audit": (AuditLog, AuditLog.actor_key == key),
        "deliverybatch": (DeliveryBatch, DeliveryBatch.sender_id == pid),
    }
    counts: dict[str, int] = {}
    async with harness.services.db.transaction() as session:
        for name, (model, condition) in checks.items():
            query = select(func.count()).select_from(model).where(condition)
            counts[name] = int((await session.exec(query)).one()[0])
    return counts


async def test_forget_me_asks_first_and_cancel_keeps_everything(harness: Harness) -> None:
    await enroll(harness, "alice")
    before = await harness.snapshot()
    [reply] = await harness.say("alice", "forget-me")
    assert isinstance(reply, Text)
    assert "cannot be undone" in reply.markdown
    confirm, cancel = reply.buttons
    assert (confirm.action, confirm.style) == ("forget.confirm", "danger")
    assert cancel.action == "forget.cancel"
    assert await harness.count(PendingAction) == 1

    text = text_of(await harness.press("alice", "forget.cancel"))
    assert "Nothing was deleted" in text
    assert await harness.snapshot() == before
    # The cancelled confirmation cannot be used any more.
    assert "has expired" in text_of(await harness.press("alice", "forget.confirm"))
    assert await harness.snapshot() == before


async def test_forget_me_confirm_deletes_every_row_tied_to_the_person(harness: Harness) -> None:
    await enroll(harness, "alice")
    await enroll(harness, "carol")
    await pair_with_bob(harness)  # alice is bob's mentee
    async with harness.services.db.transaction() as session:
        alice = await people.get_person(session, key=console_key("alice"))
        carol = await people.get_person(session, key=console_key("carol"))
        assert alice is not None and carol is not None
        await people.pair(  # and carol's mentor
            session, mentor_id=alice.id or 0, mentee_id=carol.id or 0, now=harness.clock.now
        )
        await activity.create_tip(
            session,
            data=CustomTipCreate(
                author_id=alice.id or 0, target_person_id=carol.id, text="A tip", send_at=harness.clock.now
            ),
        )
        await activity.push_inbox(
            session, person_id=alice.id or 0, payload={"type": "text", "markdown": "hi"}
        )
        await activity.audit(
            session, actor_key=alice.key, action="push", args={"to": "carol"}, outcome=AuditOutcome.OK
        )
    await harness.say("alice", "next")
    await harness.press("alice", "quiz.answer", "linkedin-profile:1")
    await harness.say("alice", "mentor How do I follow a company")
    await harness.say("carol", "mentor Is this link safe")
    async with harness.services.db.transaction() as session:
        [carols] = await activity.questions_of(session, person_id=carol.id or 0)
    await harness.say("alice", f"reply {carols.id} Ask me before you click.")
    await harness.say("alice", "pause 3 days")

    pid, key = alice.id or 0, alice.key
    before = await rows_about(harness, pid, key)
    assert all(before[name] for name in before if name != "pending"), before
    bob_before = await rows_about(harness, await person_id(harness, "bob"), console_key("bob"))

    await harness.say("alice", "forget-me")
    assert (await rows_about(harness, pid, key))["pending"] == 1
    text = text_of(await harness.press("alice", "forget.confirm"))
    assert "has been deleted" in text and "goodbye" in text

    assert set((await rows_about(harness, pid, key)).values()) == {0}
    bob_after = await rows_about(harness, await person_id(harness, "bob"), console_key("bob"))
    # His only mentee is gone, and so is her question, which had not gone out to him yet.
    assert bob_after == {**bob_before, "mentorship": 0, "delivery": bob_before["delivery"] - 1}
    async with harness.services.db.transaction() as session:
        entries = await activity.audit_entries(session)
        [carols] = await activity.questions_of(session, person_id=carol.id or 0)
    assert [e.actor_key for e in entries if e.action == "push"] == ["forgotten"]
    # Her answer to carol was her words: it goes, and carol's question stays answered.
    assert (carols.answer, carols.status, carols.mentor_id) == (None, "answered", None)
    assert (await state(harness, "carol"))[1] != []


async def test_forget_me_goodbye_is_in_the_persons_language(harness: Harness) -> None:
    await harness.say("alice", "lang fr")
    await harness.say("alice", "oubliez-moi")
    text = text_of(await harness.press("alice", "forget.confirm"))
    assert "tout ce que Tandem conservait sur vous a été effacé" in text
    assert await harness.count(Person) == 0


async def test_forget_me_confirmation_expires_after_ten_minutes(harness: Harness) -> None:
    await enroll(harness, "alice")
    await harness.say("alice", "forget-me")
    harness.clock.advance(minutes=11)
    before = await harness.snapshot()
    text = text_of(await harness.press("alice", "forget.confirm"))
    assert "This confirmation has expired, so nothing was deleted. Type `forget-me` again" in text
    assert await harness.snapshot() == before
    assert await harness.count(Person) == 1

    await harness.say("alice", "forget-me")
    harness.clock.advance(minutes=9)
    assert "has been deleted" in text_of(await harness.press("alice", "forget.confirm"))
    assert await harness.count(Person) == 0


async def test_the_ask_button_answers_the_question_typed_in_its_box(harness: Harness) -> None:
    """*Ask a question* under a tip has a text box: what is typed there is answered like a question."""
    [card] = [r for r in await harness.say("bob", "lesson strong-passwords") if isinstance(r, LessonCard)]
    [ask] = [button for button in card.buttons if button.action == "ask.start"]
    assert ask.input is not None and (ask.input.max_length, ask.input.placeholder) == (500, "Your question")
    bob = harness.actor("bob")

    empty = await harness.handle(Event(bob, "action", "", action=ask.action, value=ask.value))
    assert "Type your question" in text_of(empty)

    typed = "how do I turn on two-step verification?"
    replies = await harness.handle(Event(bob, "action", typed, action=ask.action, value=ask.value))
    [answer] = [r for r in replies if isinstance(r, LessonCard)]
    assert "two" in answer.lesson.id


async def test_the_mentor_guide_is_listed_for_admins_and_mentors_not_for_learners(harness: Harness) -> None:
    """`tracks` lists the learners' tracks to everyone and the mentor's guide only to those who mentor (or
    run the programme): a learner is never offered lessons written about mentoring them."""
    assert "mentor-guide" not in await harness.text("lea", "tracks")
    assert "first-steps" in await harness.text("lea", "tracks")
    assert "mentor-guide" in await harness.text("root", "tracks")
    await harness.say("root", "cohort create pilot track first-steps")
    await harness.say("root", "enroll pilot @lea")
    await harness.say("root", "pair @mia @lea")
    assert "mentor-guide" in await harness.text("mia", "tracks")
