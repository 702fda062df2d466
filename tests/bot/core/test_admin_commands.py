"""Admin commands: cohorts, enrollment, pairing, the admin role, reports, open questions and reload."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.console.channel import console_actor, console_key, mentions_in
from bot.core.events import Event, Group
from storage import activity, examples
from storage.defaults import DEFAULT_TZ
from storage.models import AuditLog, Cohort, Enrollment, Job, Mentorship, Person, Question
from tests.lessons.helpers import lesson_text, write_lesson
from tests.support.harness import Harness, notifications, text_of

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


# --- helpers ----------------------------------------------------------------------------------------------


async def rows(harness: Harness, query: Any) -> list[Any]:
    async with harness.services.db.transaction() as session:
        return list(await session.exec(query))


async def person(harness: Harness, name: str) -> Person:
    found = await rows(harness, select(Person).where(Person.key == console_key(name)))
    assert found, f"{name} is not in the database"
    return found[0]


async def cohort_row(harness: Harness, name: str) -> Cohort:
    return (await rows(harness, select(Cohort).where(Cohort.name == name)))[0]


async def enrolled_keys(harness: Harness, cohort: str) -> set[str]:
    query = (
        select(Person.key)
        .join(Enrollment, col(Enrollment.person_id) == col(Person.id))
        .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
        .where(Cohort.name == cohort, Enrollment.status != "stopped")
    )
    return set(await rows(harness, query))


async def audits(harness: Harness, actor: str = "root") -> list[AuditLog]:
    async with harness.services.db.transaction() as session:
        return await activity.audit_entries(session, actor_key=console_key(actor))


async def execute(harness: Harness, statement: Any) -> None:
    async with harness.services.db.transaction() as session:
        await session.exec(statement)


def stamp(question: Question) -> str:
    """A question's time as an admin without a time zone or a cohort reads it: in TANDEM_DEFAULT_TZ
    (questions use the real clock), with the zone's name."""
    return f"{question.created_at.astimezone(ZoneInfo(DEFAULT_TZ)):%Y-%m-%d %H:%M} ({DEFAULT_TZ})"


def without_audit(snapshot: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    return {table: values for table, values in snapshot.items() if table != "auditlog"}


async def refused(harness: Harness, name: str, text: str, expected: str) -> str:
    """Run a command that must be refused: the message says `expected` and nothing changed."""
    before = await harness.snapshot()
    reply = await harness.text(name, text)
    assert expected in reply, reply
    assert await harness.snapshot() == before
    return reply


async def spring(harness: Harness, *people: str) -> None:
    """A cohort `spring` on the first track, with these people enrolled."""
    assert "ready" in await harness.text("root", "cohort create spring track first-steps")
    if people:
        await harness.text("root", "enroll spring " + " ".join(f"@{p}" for p in people))


# --- cohort -----------------------------------------------------------------------------------------------


async def test_cohort_create_uses_defaults(harness: Harness) -> None:
    reply = await harness.text("root", "cohort create spring-2027 track first-steps")
    assert "Cohort `spring-2027` is ready" in reply
    assert "First steps" in reply
    cohort = await cohort_row(harness, "spring-2027")
    assert (cohort.track_id, cohort.delivery_time, cohort.tz) == ("first-steps", "09:00", "Europe/Paris")
    assert cohort.days == "mon,tue,wed,thu,fri"
    assert cohort.start_date == dt.date(2026, 11, 23)
    assert not cohort.paused
    [entry] = await audits(harness)
    assert (entry.action, entry.outcome, entry.args["name"]) == ("cohort.create", "ok", "spring-2027")


async def test_cohort_create_start_defaults_to_today_in_the_cohort_zone(harness: Harness) -> None:
    harness.clock.now = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)  # already the 24th in Paris
    await harness.text("root", "cohort create late track first-steps")
    await harness.text("root", "cohort create west track first-steps tz America/New_York")
    assert (await cohort_row(harness, "late")).start_date == dt.date(2026, 11, 24)
    assert (await cohort_row(harness, "west")).start_date == dt.date(2026, 11, 23)


async def test_cohort_create_with_every_option(harness: Harness) -> None:
    reply = await harness.text(
        "root",
        "cohort create Autumn_B track Safe-And-Serene start 2027-01-04 time 8h30 days mon, wed "
        "tz europe/london",
    )
    assert "Cohort `Autumn_B` is ready" in reply
    cohort = await cohort_row(harness, "Autumn_B")
    assert cohort.track_id == "safe-and-serene"
    assert cohort.start_date == dt.date(2027, 1, 4)
    assert (cohort.delivery_time, cohort.days, cohort.tz) == ("08:30", "mon,wed", "Europe/London")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            "cohort create spring track first-step",
            "There is no track `first-step`. Did you mean `first-steps`?",
        ),
        ("cohort create spring track cooking", "The tracks are: `first-steps`, `network-and-voice`"),
        ("cohort create bad!name track first-steps", "`bad!name` can’t be a cohort name"),
        (f"cohort create {'x' * 61} track first-steps", "can’t be a cohort name"),
        ("cohort create spring track first-steps time 25:00", "`25:00` is not a time"),
        ("cohort create spring track first-steps time 22:00", "22:00 falls in quiet hours"),
        ("cohort create spring track first-steps time 7:59", "07:59 falls in quiet hours"),
        ("cohort create spring track first-steps start 2027-02-30", "`2027-02-30` is not a date"),
        ("cohort create spring track first-steps tz Mars/Olympus", "`Mars/Olympus` is not a time zone"),
        ("cohort create spring track first-steps days funday", "`funday` is not a list of days"),
        ("cohort create spring start 2027-01-04", "Say which track the cohort follows"),
        ("cohort create spring track first-steps colour blue", "Usage: `cohort create <name> track <track>"),
        ("cohort create spring track first-steps time 09:00 time 10:00", "Usage: `cohort create"),
        ("cohort create", "Usage: `cohort create"),
        ("cohort delete spring", "Usage: `cohort create"),
        ("cohort", "Usage: `cohort create"),
    ],
)
async def test_cohort_create_errors_change_nothing(harness: Harness, command: str, expected: str) -> None:
    await harness.text("root", "help")  # root exists before the snapshot
    await refused(harness, "root", command, expected)


async def test_cohort_names_are_unique_whatever_the_case(harness: Harness) -> None:
    await spring(harness)
    await refused(
        harness, "root", "cohort create SPRING track first-steps", "There is already a cohort called `SPRING`"
    )


async def test_cohort_list_shows_rhythm_counts_and_pending(harness: Harness) -> None:
    assert "There are no cohorts yet" in await harness.text("root", "cohort list")
    await spring(harness, "ann", "ben", "cy")
    await harness.text("root", "cohort create zeta track x-basics")  # unknown track: not created
    await harness.text("root", "cohort create autumn track information-watch time 10:15 days sat tz UTC")
    await harness.text("root", "cohort pause autumn")
    await execute(harness, update(Person).where(col(Person.key) == console_key("cy")).values(reachable=False))
    await execute(
        harness,
        update(Enrollment)
        .where(col(Enrollment.person_id) == (await person(harness, "ben")).id)
        .values(status="completed"),
    )
    reply = await harness.text("root", "cohort list")
    lines = reply.splitlines()
    assert lines[0] == "Cohorts:"
    assert lines[1].startswith(
        "- `autumn`: track `information-watch`, from 2026-11-23, at 10:15 on sat (UTC)."
    )
    assert "0 enrolled, 0 active, 0 not reachable yet. **Paused.**" in lines[1]
    assert lines[2].startswith("- `spring`: track `first-steps`, from 2026-11-23, at 09:00 on mon, tue, wed")
    assert "(Europe/Paris). 3 enrolled, 2 active, 1 not reachable yet." in lines[2]
    assert "Paused" not in lines[2]
    assert len(lines) == 3


async def test_cohort_pause_and_resume(harness: Harness) -> None:
    await spring(harness)
    assert "Cohort `spring` is paused" in await harness.text("root", "cohort pause spring")
    assert (await cohort_row(harness, "spring")).paused
    await refused(harness, "root", "cohort pause Spring", "Cohort `spring` is already paused.")
    assert "Cohort `spring` is running again" in await harness.text("root", "cohort resume spring")
    assert not (await cohort_row(harness, "spring")).paused
    await refused(harness, "root", "cohort resume spring", "Cohort `spring` is not paused.")
    await refused(harness, "root", "cohort pause winter", "There is no cohort called `winter`")
    actions = [entry.action for entry in await audits(harness)]
    assert actions == ["cohort.create", "cohort.pause", "cohort.resume"]


async def test_cohort_speaks_french(harness: Harness) -> None:
    await harness.say("root", "help", lang="fr")
    reply = await harness.text(
        "root", "cohorte creer printemps parcours first-steps heure 10:00 jours lun-mer"
    )
    assert "La cohorte `printemps` est prête" in reply
    assert "à 10:00 les mon, tue, wed" in reply
    assert "Il n’y a pas de parcours `cuisine`" in await harness.text(
        "root", "cohort create hiver track cuisine"
    )


# --- enroll -----------------------------------------------------------------------------------------------


async def test_enroll_creates_people_and_schedules_the_first_tip(harness: Harness) -> None:
    await spring(harness)
    reply = await harness.text("root", "enroll spring @ann, @ben")
    assert "Now in `spring` (2): **ann**, **ben**." in reply
    # Monday 23 November, 11:00 in Paris: the next 09:00 slot is Tuesday's.
    assert "The first tip goes out 2026-11-24 09:00 (Europe/Paris)." in reply
    assert await enrolled_keys(harness, "spring") == {console_key("ann"), console_key("ben")}
    due = await rows(harness, select(Enrollment.next_due_at))
    assert due == [dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)] * 2
    entry = (await audits(harness))[-1]
    assert (entry.action, entry.args) == (
        "enroll",
        {"cohort": "spring", "added": 2, "resumed": 0, "already": 0},
    )


async def test_the_enrollment_summary_says_the_first_tip_in_the_admins_own_zone(harness: Harness) -> None:
    await spring(harness)
    await harness.say("root", "tz America/New_York")
    reply = await harness.text("root", "enroll spring @ann")
    assert "The first tip goes out 2026-11-24 03:00 (America/New_York)." in reply, "09:00 in Paris"


async def test_enroll_uses_the_learners_own_rhythm(harness: Harness) -> None:
    await spring(harness)
    await harness.say("dan", "help", tz="America/New_York")
    await harness.text("root", "enroll spring @dan")
    [due] = await rows(harness, select(Enrollment.next_due_at))
    assert due == dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)  # 09:00 today in New York (05:00 now)


async def test_enrolling_twice(harness: Harness) -> None:
    await spring(harness, "ann")
    reply = await harness.text("root", "enroll spring @ann @ben")
    assert "Now in `spring` (1): **ben**." in reply
    assert "Already in `spring`, left as they were (1): **ann**." in reply
    await refused(
        harness,
        "root",
        "enroll spring @ann @ben @ann",
        "Already in `spring` (2): **ann**, **ben**. Nobody new",
    )
    assert len(await enrolled_keys(harness, "spring")) == 2


async def test_enroll_errors(harness: Harness) -> None:
    await spring(harness)
    await refused(harness, "root", "enroll winter @ann", "There is no cohort called `winter`")
    await refused(harness, "root", "enroll spring", "Usage: `enroll <cohort> <@people…>`")
    await refused(harness, "root", "enroll spring nobody-here", "I don’t know who `nobody-here` is")


async def test_enroll_by_known_name(harness: Harness) -> None:
    await spring(harness)
    await harness.say("eve", "help")
    assert "Now in `spring` (1): **eve**." in await harness.text("root", "enroll spring eve")


async def test_enroll_expands_channel_groups(harness: Harness) -> None:
    await spring(harness, "ann")
    team = tuple(console_actor(name) for name in ("ann", "gus", "hal"))
    text = "enroll spring #sales @ivy"
    groups = {"#sales": Group("#sales", members=team)}
    event = Event(console_actor("root"), "message", text, mentions=mentions_in(text), groups=groups)
    reply = text_of(await harness.conversation.handle(event))
    assert "Now in `spring` (3): **gus**, **hal**, **ivy**." in reply
    assert "Already in `spring`, left as they were (1): **ann**." in reply
    assert await enrolled_keys(harness, "spring") == {console_key(n) for n in ("ann", "gus", "hal", "ivy")}


async def test_enroll_a_thousand_people_in_the_background(harness: Harness) -> None:
    await spring(harness, "u7")
    started = time.perf_counter()
    replies = await harness.say("root", "enroll spring " + " ".join(f"@u{i}" for i in range(1000)))
    assert text_of(replies) == "Enrolling 1000 people in `spring`… I’ll tell you when it’s done."
    [job] = await rows(harness, select(Job))
    assert (job.kind, job.status) == ("enroll", "pending"), "the slow part is a durable job"
    assert len(await enrolled_keys(harness, "spring")) == 1  # nothing yet: the work is in the job
    done = text_of(await harness.run_jobs())
    assert time.perf_counter() - started < 30
    assert "Now in `spring` (999): **u0**, **u1**," in done
    assert "and 989 more" in done
    assert "Already in `spring`, left as they were (1): **u7**." in done
    assert len(await enrolled_keys(harness, "spring")) == 1000
    assert await harness.count(Person) == 1001
    assert (await audits(harness))[-1].args == {"cohort": "spring", "added": 999, "resumed": 0, "already": 1}
    [job] = await rows(harness, select(Job))
    assert job.status == "done"


async def test_background_enrollment_errors_are_explained(harness: Harness) -> None:
    await spring(harness)
    command = "enroll spring " + " ".join(f"@u{i}" for i in range(201))
    await harness.say("root", command)
    await harness.run_jobs()
    before = await harness.snapshot()
    await harness.say("root", command)
    again = await harness.run_jobs()
    assert "Already in `spring` (201): **u0**" in text_of(again)
    assert "and 191 more. Nobody new to add." in text_of(again)
    bookkeeping = {"job", "delivery", "deliverybatch", "worker"}  # the job itself and the message about it
    after = await harness.snapshot()
    assert {k: v for k, v in after.items() if k not in bookkeeping} == {
        k: v for k, v in before.items() if k not in bookkeeping
    }


async def test_unenroll(harness: Harness) -> None:
    await spring(harness, "ann", "ben")
    reply = await harness.text("root", "unenroll spring @ann")
    assert "**ann** has left `spring`" in reply
    assert await enrolled_keys(harness, "spring") == {console_key("ben")}
    [ann] = await rows(harness, select(Enrollment).join(Person).where(Person.key == console_key("ann")))
    assert (ann.status, ann.stopped_by) == ("stopped", "admin"), "stopped, with its history kept"
    assert (await audits(harness))[-1].action == "unenroll"
    await refused(harness, "root", "unenroll spring @ann", "**ann** is not enrolled in `spring`.")
    await refused(harness, "root", "unenroll spring", "Usage: `unenroll <cohort> <@person>`")


async def test_enrolling_again_resumes_an_admin_stop_but_not_a_learner_stop(harness: Harness) -> None:
    await spring(harness, "ann", "ben")
    async with harness.services.db.transaction() as session:
        await session.exec(update(Enrollment).values(position=3))
    await harness.say("root", "unenroll spring @ann")
    assert "no more tips" in await harness.text("ben", "stop")
    reply = await harness.text("root", "enroll spring @ann @ben")
    assert "Back in `spring` (1): **ann**." in reply
    assert "**ben** stopped their own tips on" in reply and "`resume`" in reply
    found = {e.person_id: e for e in await rows(harness, select(Enrollment))}
    assert sorted((e.status, e.position) for e in found.values()) == [("active", 3), ("stopped", 3)]
    assert "Welcome back" in await harness.text("ben", "resume")
    assert {e.status for e in await rows(harness, select(Enrollment))} == {"active"}


async def test_enrolling_again_names_the_resume_of_a_cohort_stopped_alone(harness: Harness) -> None:
    await spring(harness, "ben")
    assert "`resume spring`" in await harness.text("ben", "stop spring")
    reply = await harness.text("root", "enroll spring @ben")
    assert "**ben** stopped `spring` on their own on" in reply and "`resume spring`" in reply
    assert "Welcome back" in await harness.text("ben", "resume spring")
    assert {e.status for e in await rows(harness, select(Enrollment))} == {"active"}


# --- pair -------------------------------------------------------------------------------------------------


async def test_pair_notifies_both_in_their_language(harness: Harness) -> None:
    await harness.say("marie", "help", lang="fr")
    replies = await harness.say("root", "pair @marie @bob")
    assert "**marie** is now **bob**’s mentor." in text_of(replies)
    to_mentor = text_of(notifications(replies, console_key("marie")))
    to_mentee = text_of(notifications(replies, console_key("bob")))
    assert to_mentor.startswith("Bonne nouvelle\u202f: vous êtes maintenant le mentor de **bob**.")
    assert to_mentee.startswith("Good news: **marie** is now your mentor.")
    [pairing] = await rows(harness, select(Mentorship))
    assert pairing.mentor_id == (await person(harness, "marie")).id
    assert (await audits(harness))[-1].args["mentee"] == console_key("bob")


async def test_pair_replaces_the_previous_mentor(harness: Harness) -> None:
    await harness.say("root", "pair @ann @bob")
    replies = await harness.say("root", "pair @cy @bob")
    assert "**cy** is now **bob**’s mentor, in place of **ann**." in text_of(replies)
    assert "**bob** now has a new mentor, **cy**" in text_of(notifications(replies, console_key("ann")))
    assert len(await rows(harness, select(Mentorship))) == 1
    await refused(harness, "root", "pair @cy @bob", "**cy** is already **bob**’s mentor.")


async def test_pair_errors(harness: Harness) -> None:
    await harness.say("ann", "help")
    await refused(harness, "root", "pair @ann @ann", "**ann** can’t be their own mentor.")
    await refused(harness, "root", "pair @ann", "Usage: `pair <@mentor> <@mentee>`")
    await refused(harness, "root", "pair @ann nobody-here", "I don’t know who `nobody-here` is")


async def test_unpair(harness: Harness) -> None:
    await harness.say("root", "pair @ann @bob")
    await refused(
        harness, "root", "unpair @bob @ann", "**bob** is not **ann**’s mentor, so there is nothing to undo."
    )
    assert "**ann** is no longer **bob**’s mentor." in await harness.text("root", "unpair @ann @bob")
    assert await rows(harness, select(Mentorship)) == []
    assert [e.action for e in await audits(harness)] == ["pair", "unpair"]


# --- admin ------------------------------------------------------------------------------------------------


async def test_admin_add_and_remove(harness: Harness) -> None:
    replies = await harness.say("root", "admin add @ann")
    assert "**ann** is now an admin." in text_of(replies)
    assert "**root** made you a Tandem admin" in text_of(notifications(replies, console_key("ann")))
    assert (await person(harness, "ann")).is_admin
    assert "There are no cohorts yet" in await harness.text("ann", "cohort list")
    await refused(harness, "root", "admin add @ann", "**ann** is already an admin.")
    assert "Admins: **root**, **ann**" in await harness.text("root", "admin list")
    assert "**ann** is no longer an admin." in await harness.text("root", "admin remove @ann")
    assert not (await person(harness, "ann")).is_admin
    await refused(harness, "root", "admin remove @ann", "**ann** is not an admin.")
    await refused(harness, "root", "admin promote @ann", "Usage: `admin add <@person>")
    assert [e.action for e in await audits(harness)] == ["admin.add", "admin.remove"]


async def test_the_last_admin_cannot_remove_themselves(harness: Harness) -> None:
    await harness.say("root", "help")
    await refused(
        harness, "root", "admin remove @root", "You are the last admin, so you can’t remove yourself."
    )


async def test_an_admin_from_the_settings_cannot_be_removed(harness: Harness) -> None:
    await harness.say("root", "admin add @ann")
    await refused(harness, "ann", "admin remove @root", "is an admin through the server settings")
    assert "**ann** is no longer an admin." in await harness.text("ann", "admin remove @ann")


# --- refusals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "cohort create sneaky track first-steps",
        "cohort list",
        "cohort pause spring",
        "enroll spring @mallory",
        "unenroll spring @ann",
        "pair @mallory @ann",
        "unpair @ann @bob",
        "admin add @mallory",
        "report spring",
        "questions",
        "reload",
    ],
)
async def test_non_admins_are_refused_and_audited(harness: Harness, command: str) -> None:
    await spring(harness, "ann")
    await harness.say("root", "pair @ann @bob")
    before = await harness.snapshot()
    reply = await harness.text("mallory", command)
    word = command.split()[0]
    assert f"`{word}` is for programme admins." in reply
    assert without_audit(await harness.snapshot()) == without_audit(before)
    [entry] = await audits(harness, "mallory")
    assert (entry.action, entry.outcome, entry.args) == (word, "refused", {"text": command})


# --- report and questions ---------------------------------------------------------------------------------


async def test_report_counts_activity(harness: Harness) -> None:
    await spring(harness, "bob", "cy", "dee", "eli", "fay")
    await harness.say("root", "cohort create other track first-steps")
    await harness.say("root", "enroll other @zed")
    library = harness.services.lessons.library
    right = library.get("strong-passwords", "en").quiz.answer_index  # type: ignore[union-attr]
    wrong = (right + 1) % 2
    for name, action, value in [
        ("bob", "quiz.answer", f"strong-passwords:{right}"),
        ("bob", "quiz.answer", f"strong-passwords:{wrong}"),
        ("cy", "quiz.answer", f"strong-passwords:{right}"),
        ("cy", "quiz.answer", f"strong-passwords:{right}"),
        ("bob", "feedback.useful", "strong-passwords"),
        ("cy", "feedback.useful", "linkedin-profile"),
        ("dee", "feedback.not_useful", "strong-passwords"),
        ("zed", "feedback.useful", "strong-passwords"),  # another cohort: not counted
        ("zed", "quiz.answer", f"strong-passwords:{wrong}"),
    ]:
        await harness.press(name, action, value)
    await harness.say("bob", "next")
    await harness.say("bob", "next")
    await harness.say("cy", "next")
    await harness.say("zed", "next")
    await harness.say("bob", "a recipe for crêpes?")
    harness.clock.advance(hours=1)
    await harness.say("cy", "a good recipe for *pancakes* with @channel friends?")
    await harness.say("zed", "a recipe for pancakes?")
    await harness.say("bob", "how do I make a strong password?")  # answered by a lesson: not open
    eli, fay, dee = [await person(harness, n) for n in ("eli", "fay", "dee")]
    await execute(
        harness,
        update(Enrollment)
        .where(col(Enrollment.person_id) == eli.id)
        .values(status="stopped", stop_reason="left"),
    )
    await execute(
        harness, update(Enrollment).where(col(Enrollment.person_id) == fay.id).values(status="stopped")
    )
    paused_until = harness.clock.now + dt.timedelta(days=3)
    await execute(
        harness,
        update(Enrollment).where(col(Enrollment.person_id) == dee.id).values(paused_until=paused_until),
    )
    await execute(harness, update(Person).where(col(Person.id) == dee.id).values(reachable=False))

    reply = await harness.text("root", "report spring")
    lines = reply.splitlines()
    assert lines[0] == "**Report for `spring`**, track *First steps* (`first-steps`)"
    assert lines[1] == "- Learners: 5 enrolled, 2 active, 1 paused, 0 completed, 2 stopped"
    assert lines[2] == "- Why they stopped: left (1), no reason given (1)"
    assert lines[3:14] == [
        "- Not reachable yet: 1",
        "- Tips delivered: 3",
        "- First-try correct: too few to report (fewer than 5 people)",  # two answers, not a figure
        "- Retained at 3 weeks: none yet",
        lines[7],  # whether their lessons are in the review schedule yet: not this test's business
        "- Most often forgotten in reviews: none yet",
        "- Confidence, self-rated (not a measure of retention): none yet",
        "- Paused for inactivity: 0",
        "- Feedback: 2 useful, 1 not for me",
        "- Questions waiting for an answer: 2",
        "The most recent, without who asked them:",
    ]
    zed = await person(harness, "zed")
    waiting = select(Question).where(Question.status == "open", Question.person_id != zed.id)
    crepes, pancakes = await rows(harness, waiting.order_by(col(Question.id)))
    assert lines[7].startswith("- Reviews due now: ") and "%" not in lines[7]
    assert lines[14].startswith(
        f"- {stamp(pancakes)}: a good recipe for \\*pancakes\\* with @\u2060channel friends?"
    )
    assert lines[15].startswith(f"- {stamp(crepes)}: a recipe for crêpes?")
    assert len(lines) == 16
    assert "bob" not in reply and "**cy**" not in reply and "console:" not in reply
    await refused(harness, "root", "report winter", "There is no cohort called `winter`")
    await refused(harness, "root", "report", "Usage: `report <cohort>`")


async def test_report_of_an_empty_cohort(harness: Harness) -> None:
    await spring(harness)
    await harness.text("root", "cohort pause spring")
    reply = await harness.text("root", "rapport spring", lang="fr")
    assert "**Report for `spring`**, track *First steps* (`first-steps`), paused" in reply
    assert await harness.text("root", "report") == reply, "with one cohort, its name is optional"
    assert "- Learners: 0 enrolled, 0 active, 0 paused, 0 completed, 0 stopped" in reply
    assert "- First-try correct: none yet" in reply
    assert "most recent" not in reply


async def test_questions_lists_the_gaps_oldest_first(harness: Harness) -> None:
    assert "Every question has an answer." in await harness.text("root", "questions")
    await harness.say("bob", "a recipe for crêpes?")
    harness.clock.advance(minutes=5)
    await harness.say("root", "pair @mia @cy")
    await harness.say("cy", "mentor can you explain *everything* to @here")
    await harness.say("cy", "how do I make a strong password?")  # answered by a lesson
    [crepes, explain] = await rows(harness, select(Question).where(Question.status != "answered"))
    reply = await harness.text("root", "questions")
    lines = reply.splitlines()
    assert lines[0].startswith("Questions nobody has answered yet (2), oldest first, without who asked them.")
    closest = f", closest lesson `{crepes.lesson_id}`" if crepes.lesson_id else ""
    crepes_ref, explain_ref = (examples.question_ref(q.id or 0) for q in (crepes, explain))
    assert lines[1] == f"- {stamp(crepes)}: a recipe for crêpes? (ref `{crepes_ref}`{closest})"
    assert lines[2] == (
        f"- {stamp(explain)}: can you explain \\*everything\\* to @\u2060here (ref `{explain_ref}`, sent to "
        "their mentor)"
    )
    assert lines[3].startswith(
        "Link one to the lesson that answers it with `questions link <ref> <lesson-id>`"
    )
    assert len(lines) == 4


# --- reload -----------------------------------------------------------------------------------------------


async def test_reload_reports_counts_and_errors(harness: Harness, tmp_path: Path) -> None:
    store = harness.services.lessons
    expected = store.library
    reply = await harness.text("root", "reload")
    assert (
        f"{len(expected.ids())} lessons ({len(expected.lessons)} files) in {len(expected.tracks)} tracks"
        in reply
    )
    write_lesson(tmp_path, lesson_text("extra-lesson"), "extra-lesson")
    for index in range(7):
        write_lesson(tmp_path, lesson_text(f"broken-{index}", summary="x" * 401), f"broken-{index}")
    store.extra_dirs = [tmp_path]
    reply = await harness.text("root", "reload")
    library = store.library
    assert library.get("extra-lesson", "en") is not None
    assert library.get("strong-passwords", "en") is not None
    errors = len(library.errors)
    assert errors >= 7
    assert f"{len(library.ids())} lessons ({len(library.lessons)} files)" in reply
    assert f"{errors} errors." in reply
    assert "The first ones (the files concerned are skipped, the rest works):" in reply
    assert len([line for line in reply.splitlines() if line.startswith("- ")]) == 5
    assert "broken-" in reply
    assert "A demo lesson" in await harness.text("bob", "lesson extra-lesson")
    assert [e.action for e in await audits(harness)] == ["reload", "reload"]
