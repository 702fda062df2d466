"""A whole express workshop through the core, in everyone's direct messages (as in the console): the
start, every step, a live quiz with six answers (one late joiner, one uninvited), a "Stuck", a restart
mid-workshop, two presses of one button at once, the end with commitments and recaps, and the follow-up
a week later, with a controlled clock."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import select

from bot.core.commands.workshop_live import CONTROL_ACTION
from bot.core.events import Event
from bot.core.replies import Notify, Text
from bot.core.workshop import live
from storage import people
from storage.enums import CommitmentStatus, WorkshopStatus
from storage.models import Commitment, ReviewCard, Workshop, WorkshopAnswer, WorkshopSeat
from tests.support.harness import Harness, Said, text_of

UTC = dt.UTC
MENTEES = ("bob", "carol", "dan", "erin", "fay")
START = dt.datetime(2026, 11, 26, 11, 30, tzinfo=UTC)  # 12:30 in Paris
LINE = "workshop plan Safe and visible with linkedin-profile phishing-scams at 2026-11-26 12:30 minutes 30"


async def setup(harness: Harness) -> None:
    """mia mentors five people of cohort pilot and plans a 30-minute workshop on two lessons: welcome,
    then opener, talking points, hands-on and quiz for each lesson, then the closing (10 steps)."""
    await harness.say("root", "cohort create pilot track first-steps start 2026-11-23")
    await harness.say("root", "enroll pilot " + " ".join(f"@{name}" for name in MENTEES))
    for name in MENTEES:
        await harness.say("root", f"pair @mia @{name}")
    planned = await harness.text("mia", LINE)
    assert "workshop #1" in planned, planned
    harness.clock.now = START - dt.timedelta(minutes=1)


def to(said: Said, name: str) -> str:
    """Everything a command sent `name` through the ledger."""
    return "\n".join(text_of(list(n.replies)) for n in said.notes if n.person_key == f"console:{name}")


def buttons(said: Said, name: str, action: str) -> list[str]:
    return [
        b.value
        for n in said.notes
        if n.person_key == f"console:{name}"
        for r in n.replies
        if isinstance(r, Text)
        for b in r.buttons
        if b.action == action
    ]


def panel(said: list[object]) -> str:
    """The value of the mentor's Next button on the panel a reply shows."""
    for reply in said:
        if isinstance(reply, Text):
            for button in reply.buttons:
                if button.action == CONTROL_ACTION and button.value.endswith(":next"):
                    return button.value
    raise AssertionError("no panel in the reply")


async def workshop(harness: Harness) -> Workshop:
    async with harness.services.db.transaction() as session:
        return (await session.exec(select(Workshop))).one()


async def test_a_whole_workshop_in_direct_messages(harness: Harness) -> None:
    await setup(harness)
    assert "Only the workshop’s mentor" in await harness.text("bob", "workshop start 1")

    started = await harness.say("mia", "workshop start")
    assert "step 1 of 10" in text_of(started) and "Next ▶" in text_of(started)
    assert all(r.private for r in started if isinstance(r, Text)), "the panel is the mentor's alone"
    for name in MENTEES:
        assert "Welcome to the express workshop **Safe and visible**" in to(started, name)
    for name in ("bob", "carol", "dan", "erin"):
        said = await harness.press(name, live.JOIN_ACTION, "1")
        assert "Your checklist and the quiz will come here" in text_of(said)

    # Opener, talking points (the room sees the lesson's summary), hands-on.
    said = await harness.press("mia", CONTROL_ACTION, panel(started))
    assert "💬" in to(said, "bob") and "step 2 of 10" in text_of(said)
    said = await harness.press("mia", CONTROL_ACTION, panel(said))
    assert "Your talking points" in text_of(said)
    said = await harness.press("mia", CONTROL_ACTION, panel(said))
    (done, stuck) = buttons(said, "bob", live.CHECK_ACTION)
    assert "Your checklist for" in to(said, "bob")

    # bob is stuck: mia hears it once, privately; his second press tells her nothing new.
    pressed = await harness.press("bob", live.CHECK_ACTION, stuck)
    assert "knows and will come to help" in text_of(pressed)
    assert "is stuck on" in to(pressed, "mia") and "bob" in to(pressed, "mia")
    again = await harness.press("bob", live.CHECK_ACTION, stuck)
    assert not to(again, "mia")
    assert "Well done" in text_of(await harness.press("carol", live.CHECK_ACTION, done))

    # The live quiz: four answer, fay arrives late and answers, gus (not invited) answers too.
    quiz_panel = await harness.press("mia", CONTROL_ACTION, panel(said))
    choices = buttons(quiz_panel, "bob", live.ANSWER_ACTION)
    assert len(choices) >= 2
    for name in ("bob", "carol", "dan", "erin"):
        took = await harness.press(name, live.ANSWER_ACTION, choices[0])
        assert "The results come when the quiz closes" in text_of(took)
    assert "first answer counts" in text_of(await harness.press("bob", live.ANSWER_ACTION, choices[1]))
    late = await harness.press("fay", live.JOIN_ACTION, "1")
    assert "what you missed" in text_of(late) and "Live quiz" in text_of(late)
    assert "The results come" in text_of(await harness.press("fay", live.ANSWER_ACTION, choices[1]))
    assert "The results come" in text_of(await harness.press("gus", live.ANSWER_ACTION, choices[0]))
    async with harness.services.db.transaction() as session:
        gus = await people.get_person(session, key="console:gus")
        assert gus is not None
        seat = (await session.exec(select(WorkshopSeat).where(WorkshopSeat.person_id == gus.id))).one()
        assert not seat.invited

    # The window closes on the workshop's own clock: the totals go to everyone (6 answers).
    harness.clock.advance(seconds=61)
    before = await harness._last_delivery()
    assert await harness.app.timers.fire_due() == 1
    results = await harness._queued_since(before)
    bob_results = "\n".join(text_of(list(n.replies)) for n in results if n.person_key == "console:bob")
    assert "Results (6 answers)" in bob_results and "✓" in bob_results and "The answer:" in bob_results
    assert await harness.app.timers.fire_due() == 0, "a timer fires once"
    # An answer after the window is recorded as late, and says so.
    assert "after the quiz closed" in text_of(await harness.press("hal", live.ANSWER_ACTION, choices[0]))
    async with harness.services.db.transaction() as session:
        answers = (await session.exec(select(WorkshopAnswer))).all()
    assert sorted(a.late for a in answers) == [False] * 6 + [True]

    # A restart: a new process over the same database carries on from the same step.
    restarted = Harness(harness.services, harness.clock)
    said = await restarted.press("mia", CONTROL_ACTION, panel(quiz_panel))
    assert "step 6 of 10" in text_of(said)
    # The same button pressed again (or by a second replica) moves nothing.
    again = await restarted.press("mia", CONTROL_ACTION, panel(quiz_panel))
    assert "already moved on" in text_of(again) and not again.notes

    # On to the closing: everyone picks a commitment; carol writes her own.
    while (await workshop(restarted)).step < 9:
        said = await restarted.press("mia", CONTROL_ACTION, panel(said))
    picks = buttons(said, "bob", live.COMMIT_ACTION)
    assert picks and buttons(said, "bob", live.COMMIT_OWN_ACTION)
    committed = await restarted.press("bob", live.COMMIT_ACTION, picks[0])
    assert "I’ll ask you in a week" in text_of(committed)
    own = Event(
        restarted.actor("carol"),
        "action",
        "Turn on two-step verification on my bank app",
        action=live.COMMIT_OWN_ACTION,
        value="1",
    )
    assert "two-step verification" in text_of(await restarted.handle(own))

    ended = await restarted.press("mia", CONTROL_ACTION, panel(said))
    summary = text_of(ended)
    assert "Workshop #1 is over" in summary and "of 5 invited" in summary
    assert "bob" in summary and "Stuck" in summary and "two-step verification" in summary
    assert "Thank you for taking part" in to(ended, "bob") and "Your commitment" in to(ended, "bob")
    assert "Pick one thing to do this week" in to(ended, "dan"), "no commitment yet: the choices come back"
    assert (await workshop(restarted)).status == WorkshopStatus.ENDED

    # Reviews at +1 day for the workshop's lessons, for those who were there.
    async with harness.services.db.transaction() as session:
        bob = await people.get_person(session, key="console:bob")
        assert bob is not None
        cards = (await session.exec(select(ReviewCard).where(ReviewCard.person_id == bob.id))).all()
        made = (await session.exec(select(Commitment).where(Commitment.person_id == bob.id))).one()
    assert {c.lesson_id for c in cards} >= {"linkedin-profile", "phishing-scams"}
    assert made.follow_up_at == harness.clock.now + dt.timedelta(days=7)
    assert made.status == CommitmentStatus.OPEN


async def test_a_quiz_with_few_answers_shows_totals_to_the_mentor_only(harness: Harness) -> None:
    await setup(harness)
    said = await harness.say("mia", "workshop start 1")
    for _ in range(4):
        said = await harness.press("mia", CONTROL_ACTION, panel(said))
    choices = buttons(said, "bob", live.ANSWER_ACTION)
    await harness.press("bob", live.ANSWER_ACTION, choices[0])
    await harness.press("carol", live.ANSWER_ACTION, choices[1])
    # The mentor moves on before the window ends: the quiz closes then.
    moved = await harness.press("mia", CONTROL_ACTION, panel(said))
    assert "Only 2 answered" in to(moved, "mia")
    assert "Results (" not in to(moved, "bob") and "The answer:" in to(moved, "bob")


async def test_two_presses_at_once_post_the_step_once(harness: Harness) -> None:
    await setup(harness)
    said = await harness.say("mia", "workshop start 1")
    value = panel(said)
    events = [
        Event(harness.actor("mia"), "action", action=CONTROL_ACTION, value=value, event_id=f"press-{n}")
        for n in range(2)
    ]
    before = await harness._last_delivery()
    results = await asyncio.gather(*(harness.conversation.handle(e) for e in events))
    assert sum("already moved on" in text_of(list(r)) for r in results) == 1
    assert (await workshop(harness)).step == 1
    posted = await harness._queued_since(before)
    assert len([n for n in posted if "💬" in text_of(list(n.replies))]) == len(MENTEES), (
        "the opener, once each"
    )


async def test_starting_is_for_its_mentor_or_an_admin_and_a_learner_gets_no_panel(harness: Harness) -> None:
    await setup(harness)
    assert "Only the workshop’s mentor" in await harness.text("bob", "workshop start 1")
    assert "is not running" in text_of(await harness.press("mia", CONTROL_ACTION, "1:0:next"))
    admin = await harness.say("root", "workshop start 1")
    assert "step 1 of 10" in text_of(admin)
    notes = [n for n in admin.notes if isinstance(n, Notify)]
    assert {n.person_key for n in notes} == {f"console:{name}" for name in MENTEES}


async def test_write_my_own_without_a_text_box_takes_the_next_message(harness: Harness) -> None:
    """Where buttons have no text box (the console), "Write my own" asks, and the next message is the
    commitment, not a question for the answer engine."""
    await setup(harness)
    said = await harness.say("mia", "workshop start 1")
    while (await workshop(harness)).step < 9:
        said = await harness.press("mia", CONTROL_ACTION, panel(said))
    asked = await harness.press("dan", live.COMMIT_OWN_ACTION, "1")
    assert "Write the one thing you will do this week" in text_of(asked)
    kept = await harness.text("dan", "Check who can see my phone number on LinkedIn")
    assert "Your commitment: “Check who can see my phone number on LinkedIn”" in kept
    async with harness.services.db.transaction() as session:
        dan = await people.get_person(session, key="console:dan")
        assert dan is not None
        made = (await session.exec(select(Commitment).where(Commitment.person_id == dan.id))).one()
    assert made.text == "Check who can see my phone number on LinkedIn"
