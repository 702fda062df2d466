"""Goals: the "pick 1 to 3" message and its buttons (a press picks or removes, a fourth is refused, stale
values change nothing), `goals`, Done with the matching tracks, **Follow “…” too** (a companion cohort with
the learner's cohort's rhythm, stoppable alone), progress towards each goal from retention and commitments
through to `progress`, the mentor's digest line; and the mentor's guide: enrolled once, stoppable."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from bot.console.channel import console_key
from bot.core import goals, mentor_guide
from bot.core.replies import Text
from lessons import Library
from scheduler import upkeep
from storage import cohorts, people
from storage import goals as stored
from storage.defaults import DEFAULT_TZ
from storage.enums import AnswerKind, CommitmentSource, CommitmentStatus, EnrollmentStatus, StopCause
from storage.models import (
    Cohort,
    Commitment,
    Enrollment,
    InboxMessage,
    Person,
    PersonGoal,
    ReviewAnswer,
    ReviewCard,
)
from tests.support.harness import Harness, text_of

DAY = dt.timedelta(days=1)
PROTECT, LINKEDIN, MARKET, FEET = (
    "protect-my-accounts",
    "be-visible-on-linkedin",
    "follow-my-market",
    "find-my-feet",
)


async def person(harness: Harness, name: str) -> Person:
    async with harness.services.db.transaction() as session:
        found = await people.get_person(session, key=console_key(name))
        assert found is not None
        return found


async def add(harness: Harness, *rows: Any) -> None:
    async with harness.services.db.transaction() as session:
        for row in rows:
            session.add(row)
            await session.flush()


async def goal_ids(harness: Harness, name: str) -> list[str]:
    who = await person(harness, name)
    async with harness.services.db.transaction() as session:
        return await stored.goals_of(session, person_id=who.id or 0)


async def pilot(harness: Harness, *learners: str) -> None:
    """Cohort pilot (first steps, Tuesdays and Thursdays at 08:30 in Europe/London) with these learners."""
    await harness.say(
        "root",
        "cohort create pilot track first-steps start 2026-11-23 time 08:30 days tue,thu tz Europe/London",
    )
    await harness.say("root", "enroll pilot " + " ".join(f"@{name}" for name in learners))


def the_text(said: list[Any]) -> Text:
    [reply] = said
    assert isinstance(reply, Text)
    return reply


# --- the picking message ------------------------------------------------------------------------------


async def test_the_prompt_has_a_button_per_goal_and_done_in_the_persons_language(harness: Harness) -> None:
    library = harness.services.lessons.library
    await harness.say("ann", "lang fr")
    ann = await person(harness, "ann")

    prompt = goals.goal_prompt(ann, library)

    assert "Choisissez 1 à 3 objectifs" in prompt.markdown
    *picks, done = prompt.buttons
    assert [b.value for b in picks] == list(library.goals)
    assert {b.action for b in picks} == {goals.PICK_ACTION}
    assert picks[2].label == "Protéger mes comptes" and "✓" not in picks[2].label
    assert (done.action, done.label) == (goals.DONE_ACTION, "Terminé")
    assert all(len(b.label) <= 75 for b in prompt.buttons), "Slack cuts buttons at 75 characters"


async def test_presses_toggle_goals_and_three_is_the_most(harness: Harness) -> None:
    await pilot(harness, "ann")
    said = the_text(await harness.press("ann", goals.PICK_ACTION, PROTECT))
    assert said.replaces and said.private
    assert "Your goals so far: *Protect my accounts*." in said.markdown
    ticked = [b.label for b in said.buttons if b.label.startswith("✓ ")]
    assert ticked == ["✓ Protect my accounts"]

    await harness.press("ann", goals.PICK_ACTION, MARKET)
    third = the_text(await harness.press("ann", goals.PICK_ACTION, LINKEDIN))
    assert "That makes three, the most" in third.markdown
    assert await goal_ids(harness, "ann") == [PROTECT, MARKET, LINKEDIN]

    before = await harness.snapshot()
    fourth = the_text(await harness.press("ann", goals.PICK_ACTION, FEET))
    assert (
        "Three goals at most: press one of yours to remove it first, then pick *Find my feet"
        in fourth.markdown
    )
    assert await harness.snapshot() == before, "a fourth goal changes nothing"

    removed = the_text(await harness.press("ann", goals.PICK_ACTION, MARKET))
    assert (
        "Your goals so far: *Protect my accounts*; *Use LinkedIn to be visible in my sector*."
        in removed.markdown
    )
    assert "✓ Follow my market in real time" not in text_of([removed])
    await harness.press("ann", goals.PICK_ACTION, FEET)
    assert await goal_ids(harness, "ann") == [PROTECT, LINKEDIN, FEET], "kept in the order chosen"

    shown = await harness.say("ann", "objectifs")
    labels = [b.label for b in the_text(shown).buttons if b.label.startswith("✓ ")]
    assert labels == [
        "✓ Use LinkedIn to be visible in my sector",
        "✓ Protect my accounts",
        "✓ Find my feet on social networks",
    ]


async def test_bad_values_change_nothing(harness: Harness) -> None:
    await pilot(harness, "ann")
    await harness.press("ann", goals.PICK_ACTION, PROTECT)
    before = await harness.snapshot()
    for action, value in (
        (goals.PICK_ACTION, "nope"),
        (goals.PICK_ACTION, ""),
        (goals.PICK_ACTION, "protect-my-accounts:1"),
        (goals.FOLLOW_ACTION, "information-watch"),  # not the track of one of her goals
        (goals.FOLLOW_ACTION, "mentor-guide"),
        (goals.FOLLOW_ACTION, "../first-steps"),
    ):
        assert "That button has expired" in text_of(await harness.press("ann", action, value)), (
            action,
            value,
        )
    assert "goals" in await harness.text("ann", "goals please")  # the usage line
    assert await harness.snapshot() == before


async def test_a_goal_that_left_the_library_is_skipped_then_dropped(harness: Harness) -> None:
    await pilot(harness, "ann")
    ann = await person(harness, "ann")
    await add(harness, PersonGoal(person_id=ann.id or 0, goal_id="retired-goal", chosen_at=harness.clock.now))
    await harness.press("ann", goals.PICK_ACTION, PROTECT)
    assert await goal_ids(harness, "ann") == [PROTECT]
    assert "retired" not in await harness.text("ann", "goals")


# --- Done and the matching tracks ------------------------------------------------------------------------


async def test_done_asks_for_one_goal_then_names_each_goals_track(harness: Harness) -> None:
    await pilot(harness, "ann")
    empty = the_text(await harness.press("ann", goals.DONE_ACTION))
    assert "Pick at least one goal" in empty.markdown and empty.buttons

    await harness.press("ann", goals.PICK_ACTION, PROTECT)
    await harness.press("ann", goals.PICK_ACTION, MARKET)
    done = the_text(await harness.press("ann", goals.DONE_ACTION))

    assert done.markdown.splitlines()[:3] == [
        "Your goals are set:",
        "- *Protect my accounts*: track *First steps*, which you follow",
        "- *Follow my market in real time*: track *Information watch in real time*, not yours yet",
    ]
    assert "Your mentor sees your goals" in done.markdown
    [follow] = done.buttons
    assert (follow.label, follow.action, follow.value) == (
        "Follow “Information watch in real time” too",
        goals.FOLLOW_ACTION,
        "information-watch",
    )


async def test_without_a_cohort_no_track_is_offered(harness: Harness) -> None:
    await harness.press("ann", goals.PICK_ACTION, MARKET)
    done = the_text(await harness.press("ann", goals.DONE_ACTION))
    assert "You are not in a cohort yet" in done.markdown and not done.buttons
    said = await harness.press("ann", goals.FOLLOW_ACTION, "information-watch")
    assert "You are not in a cohort yet" in text_of(said)
    assert await harness.count(Cohort) == 0


async def test_following_a_goals_track_uses_a_companion_cohort_stoppable_alone(harness: Harness) -> None:
    await pilot(harness, "ann", "ben")
    for name in ("ann", "ben"):
        await harness.press(name, goals.PICK_ACTION, MARKET)

    said = text_of(await harness.press("ann", goals.FOLLOW_ACTION, "information-watch"))

    assert "you now follow *Information watch in real time* too, at your cohort’s rhythm" in said
    assert "(in `pilot-information-watch`)" in said
    # One tip a day: Tuesday's is the cohort's own track's first, so the companion's first is Thursday.
    assert "Its first tip: Thursday 26 November 2026 at 08:30 (Europe/London)" in said
    assert "`stop information-watch` stops it alone" in said
    async with harness.services.db.transaction() as session:
        companion = await cohorts.get_cohort(session, name="pilot-information-watch")
        assert companion is not None
        assert (companion.track_id, companion.delivery_time, companion.days, companion.tz) == (
            "information-watch",
            "08:30",
            "tue,thu",
            "Europe/London",
        )
        assert str(companion.start_date) == "2026-11-23"
    assert "You already follow" in text_of(
        await harness.press("ann", goals.FOLLOW_ACTION, "information-watch")
    )
    await harness.press("ben", goals.FOLLOW_ACTION, "information-watch")
    assert await harness.count(Cohort) == 2, "one companion per cohort and track"

    assert "no more tips from *Information watch in real time*" in await harness.text(
        "ann", "stop information-watch"
    )
    ann = await person(harness, "ann")
    async with harness.services.db.transaction() as session:
        states = {c.name: e.status for e, c in await cohorts.enrollments_of(session, person_id=ann.id or 0)}
    assert states == {"pilot": EnrollmentStatus.ACTIVE, "pilot-information-watch": EnrollmentStatus.STOPPED}
    progress = await harness.text("ann", "progress")
    assert "Its track, *Information watch in real time*, is not yours yet." in progress
    again = text_of(await harness.press("ann", goals.FOLLOW_ACTION, "information-watch"))
    assert "starts again where you stopped it" in again
    asked = await harness.text("ann", "stop notifications on LinkedIn")
    assert "no more tips" not in asked, "other words after `stop` are a question, as before"


# --- progress towards each goal --------------------------------------------------------------------------


async def seed_progress(harness: Harness, name: str) -> None:
    """Protect my accounts: strong passwords retained, two-step verification right on its last answer,
    phishing wrong on its last; commitments: one from a meeting, done (every goal), one on a LinkedIn
    lesson, not yet (the LinkedIn goal only), one never answered (no goal)."""
    who = (await person(harness, name)).id or 0
    now = harness.clock.now
    made: dict[str, Any] = {"person_id": who, "made_at": now - 9 * DAY, "follow_up_at": now - 2 * DAY}
    await add(
        harness,
        ReviewCard(person_id=who, lesson_id="strong-passwords", first_sent_at=now - 30 * DAY, retained_at=now - DAY),
        ReviewAnswer(person_id=who, lesson_id="two-factor-authentication", kind=AnswerKind.QUIZ, correct=False, answered_at=now - 5 * DAY),
        ReviewAnswer(person_id=who, lesson_id="two-factor-authentication", kind=AnswerKind.REVIEW, correct=True, answered_at=now - DAY),
        ReviewAnswer(person_id=who, lesson_id="phishing-scams", kind=AnswerKind.QUIZ, correct=True, answered_at=now - 5 * DAY),
        ReviewAnswer(person_id=who, lesson_id="phishing-scams", kind=AnswerKind.REVIEW, correct=False, answered_at=now - DAY),
        Commitment(source=CommitmentSource.MEETING, text="Check my privacy settings", status=CommitmentStatus.DONE, **made),
        Commitment(source=CommitmentSource.WORKSHOP, lesson_id="linkedin-first-post", text="Post once", status=CommitmentStatus.NOT_YET, **made),
        Commitment(source=CommitmentSource.MEETING, text="Follow three people", **made),
    )  # fmt: skip


async def test_goals_through_to_progress(harness: Harness) -> None:
    await pilot(harness, "ann")
    await harness.say("root", "pair @mia @ann")
    assert "No goals yet: type `goals` to pick 1 to 3." in await harness.text("ann", "progress")
    await harness.press("ann", goals.PICK_ACTION, PROTECT)
    await harness.press("ann", goals.PICK_ACTION, LINKEDIN)
    await seed_progress(harness, "ann")

    said = the_text(await harness.say("ann", "progress"))

    lines = said.markdown.splitlines()
    at = lines.index("Your goals:")
    assert lines[at + 1 : at + 4] == [
        # (1 retained + ½ + 1 kept) / (3 lessons + 1 commitment) = 62.5%
        "- *Protect my accounts*: 62% (1 of 3 lessons retained, 1 more answered right, 1 of 1 commitments kept)",
        # (1 kept) / (4 lessons + 2 commitments) = 16.7%
        "- *Use LinkedIn to be visible in my sector*: 16% (0 of 4 lessons retained, 1 of 2 commitments kept)",
        "  Its track, *Grow your network, find your voice*, is not yours yet.",
    ]
    assert [b.value for b in said.buttons] == ["network-and-voice"]
    assert "Lessons received: 0 of 10" in said.markdown, "the rest of `progress` is as it was"

    await harness.say("ann", "lang fr")
    french = await harness.text("ann", "progrès")
    assert (
        "- *Protéger mes comptes*\u202f: 62\u202f% (1 leçon(s) acquise(s) sur 3, 1 autre(s) réussie(s)"
        in french
    )
    assert "Suivre aussi «\u202fDévelopper son réseau, prendre la parole\u202f»" in french


async def test_goal_progress_for_many_people_at_once(harness: Harness) -> None:
    await pilot(harness, "ann", "ben", "cat")
    await harness.press("ann", goals.PICK_ACTION, PROTECT)
    await harness.press("ben", goals.PICK_ACTION, FEET)
    await seed_progress(harness, "ann")
    ids = [(await person(harness, name)).id or 0 for name in ("ann", "ben", "cat")]
    library: Library = harness.services.lessons.library
    async with harness.services.db.transaction() as session:
        found = await goals.goal_progress(session, library=library, person_ids=ids)
    assert set(found) == {ids[0], ids[1]}, "cat chose no goal"
    [ann] = found[ids[0]]
    assert (ann.lessons, ann.retained, ann.learning, ann.commitments, ann.kept, ann.percent) == (
        3,
        1,
        1,
        1,
        1,
        62,
    )
    [ben] = found[ids[1]]
    assert (ben.goal.id, ben.lessons, ben.percent) == (FEET, 10, 0), "no `lessons` of its own: the track's"
    async with harness.services.db.transaction() as session:
        pilot_id = (await cohorts.get_cohort(session, name="pilot")).id or 0  # type: ignore[union-attr]
        assert await stored.goal_counts(session, cohort_id=pilot_id) == {PROTECT: 1, FEET: 1}


# --- the mentor's digest -----------------------------------------------------------------------------


async def digest_for(harness: Harness, mentor: str) -> str:
    assert harness.clock.now.weekday() == 0, "the digest goes out on Mondays"
    assert await upkeep.plan_digests(harness.services.db, harness.clock.now, DEFAULT_TZ) >= 1
    await harness.app.deliver_now()
    mentor_id = (await person(harness, mentor)).id
    async with harness.services.db.transaction() as session:
        inbox = list(
            await session.exec(
                select(InboxMessage).where(InboxMessage.person_id == mentor_id).order_by(col(InboxMessage.id))
            )
        )
    titles = ("Your weekly mentoring digest", "Votre point hebdomadaire de mentorat")
    digests = [m.payload["markdown"] for m in inbox if m.payload["markdown"].startswith(titles)]
    return str(digests[-1])


async def test_the_digest_has_a_line_of_goals_per_mentee_with_goals(harness: Harness) -> None:
    await pilot(harness, "ann", "ben")
    for mentee in ("ann", "ben"):
        await harness.say("root", f"pair @mia @{mentee}")
    await harness.press("ann", goals.PICK_ACTION, PROTECT)
    await harness.press("ann", goals.PICK_ACTION, LINKEDIN)
    await seed_progress(harness, "ann")

    lines = (await digest_for(harness, "mia")).splitlines()

    at = {name: next(i for i, line in enumerate(lines) if f"**{name}**" in line) for name in ("ann", "ben")}
    assert (
        lines[at["ann"] + 1]
        == "  Goals: *Protect my accounts* 62%, *Use LinkedIn to be visible in my sector* 16%"
    )
    assert not any("Goals:" in line for line in lines[at["ben"] :]), "ben chose no goal"

    async with harness.services.db.transaction() as session:
        await session.exec(update(Person).where(col(Person.key) == console_key("mia")).values(lang="fr"))
    harness.clock.advance(days=7)
    french = await digest_for(harness, "mia")
    assert "  Objectifs\u202f: *Protéger mes comptes* 62\u202f%" in french


# --- the mentor's guide ------------------------------------------------------------------------------


async def test_a_mentor_is_enrolled_in_the_guide_once_and_can_stop_it(harness: Harness) -> None:
    await harness.say("mia", "settings")
    mia = await person(harness, "mia")
    now = harness.clock.now
    async with harness.services.db.transaction() as session:
        note = await mentor_guide.enrol_in_mentor_guide(session, mentor=mia, now=now)
    assert "With your first mentee comes *the mentor’s guide*" in text_of(note)
    assert "one a week, the first Tuesday 24 November 2026 at 09:00 (Europe/Paris)" in text_of(note)
    assert "`stop mentor-guide`" in text_of(note)
    async with harness.services.db.transaction() as session:
        again = await mentor_guide.enrol_in_mentor_guide(session, mentor=mia, now=now + DAY)
        guide = await cohorts.get_cohort(session, name="mentor-guide")
        assert guide is not None and (guide.track_id, guide.days) == ("mentor-guide", "tue")
    assert again == [], "once"
    assert await harness.count(Enrollment) == 1

    stopped = await harness.text("mia", "stop mentor-guide")
    assert "no more tips from *The mentor's guide*" in stopped and "`resume mentor-guide`" in stopped
    async with harness.services.db.transaction() as session:
        [(enrollment, _)] = await cohorts.enrollments_of(session, person_id=mia.id or 0)
        assert (enrollment.status, enrollment.stopped_by) == (EnrollmentStatus.STOPPED, StopCause.LEARNER_ONE)
        assert await mentor_guide.enrol_in_mentor_guide(session, mentor=mia, now=now + 2 * DAY) == []
    assert "nothing to stop" in await harness.text("mia", "stop mentor-guide")
    assert "Welcome back" in await harness.text("mia", "resume mentor-guide"), "naming it brings it back"
    async with harness.services.db.transaction() as session:
        [(enrollment, _)] = await cohorts.enrollments_of(session, person_id=mia.id or 0)
        assert enrollment.status == EnrollmentStatus.ACTIVE


async def test_the_guide_note_speaks_french_and_a_second_mentor_joins_the_same_cohort(
    harness: Harness,
) -> None:
    for name in ("mia", "noah"):
        await harness.say(name, "settings")
    await harness.say("noah", "lang fr")
    mia, noah = await person(harness, "mia"), await person(harness, "noah")
    async with harness.services.db.transaction() as session:
        await mentor_guide.enrol_in_mentor_guide(session, mentor=mia, now=harness.clock.now)
        note = await mentor_guide.enrol_in_mentor_guide(session, mentor=noah, now=harness.clock.now)
    assert "Avec votre premier mentoré vient *le guide du mentor*" in text_of(note)
    assert "`arrêter mentor-guide`" in text_of(note)
    assert await harness.count(Cohort) == 1
