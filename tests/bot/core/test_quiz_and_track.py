"""A quiz counts once, a track ends once with counts that add up, and the next tip promised is the drip's."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import select

from bot.core.replies import Text
from scheduler import ledger
from scheduler.service import run_tick
from storage.enums import DeliveryKind, DeliveryStatus, FeedbackKind
from storage.models import Delivery, Enrollment, Feedback, InboxMessage, Person
from tests.support.harness import Harness, text_of

UTC = dt.UTC
MONDAY_0900_PARIS = dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
"""The cohort's first delivery moment (the harness clock starts that Monday at 11:00 Paris)."""


async def rows(harness: Harness, model, *conditions):  # type: ignore[no-untyped-def]
    async with harness.services.db.transaction() as session:
        return list(await session.exec(select(model).where(*conditions)))


async def programme(harness: Harness, track: str = "first-steps") -> None:
    await harness.say("root", f"cohort create pilot track {track} start 2026-11-23")
    await harness.say("root", "enroll pilot @ann")
    async with harness.services.db.transaction() as session:  # enrolled before Monday's first tip
        [enrollment] = list(await session.exec(select(Enrollment)))
        enrollment.next_due_at = MONDAY_0900_PARIS
        session.add(enrollment)


async def ann(harness: Harness) -> Person:
    [found] = await rows(harness, Person, Person.key == "console:ann")
    return found


async def quiz_answers(harness: Harness) -> list[Feedback]:
    return await rows(harness, Feedback, Feedback.kind == FeedbackKind.QUIZ)


async def inbox(harness: Harness) -> list[str]:
    """What reached ann through the ledger (the console's mailbox), oldest first."""
    found = await rows(harness, InboxMessage, InboxMessage.person_id == (await ann(harness)).id)
    return [str(m.payload.get("markdown", "")) for m in sorted(found, key=lambda m: m.id or 0)]


# --- a quiz counts once -------------------------------------------------------------------------------


async def test_the_result_replaces_the_quiz_and_a_second_press_shows_the_first_result(
    harness: Harness,
) -> None:
    [result] = await harness.press("ann", "quiz.answer", "strong-passwords:0")  # the right choice
    assert isinstance(result, Text) and result.replaces and not result.buttons
    assert "Your answer: Harbour-violet-tractor-lemon, used for one account only" in result.markdown
    assert "Right!" in result.markdown

    [again] = await harness.press("ann", "quiz.answer", "strong-passwords:2")  # another choice
    assert isinstance(again, Text) and again.replaces and not again.buttons
    assert "You already answered this quiz: it was right. Only the first answer counts." in again.markdown
    same = await harness.press("ann", "quiz.answer", "strong-passwords:0")  # the same one
    assert "You already answered this quiz: it was right." in text_of(same)

    [answer] = await quiz_answers(harness)
    assert (answer.lesson_id, answer.correct) == ("strong-passwords", True)
    assert answer.created_at == harness.clock.now


async def test_a_wrong_first_answer_stays_the_one_that_counts(harness: Harness) -> None:
    await programme(harness)
    await harness.say("ann", "next")  # linkedin-profile
    first = text_of(await harness.press("ann", "quiz.answer", "linkedin-profile:0"))
    assert "Not quite" in first
    again = text_of(await harness.press("ann", "quiz.answer", "linkedin-profile:1"))  # now the right one
    assert "You already answered this quiz: it was not the right one; the answer is *" in again
    assert "Right!" not in again
    assert len(await quiz_answers(harness)) == 1
    assert "Quiz answers: 0 right out of 1" in await harness.text("ann", "progress")


async def test_a_double_click_counts_once(harness: Harness) -> None:
    """Two presses at the same moment: one answer is recorded, the other press shows it."""
    await harness.say("ann", "help")  # ann exists before the two presses race
    first, second = await asyncio.gather(
        harness.press("ann", "quiz.answer", "strong-passwords:0"),
        harness.press("ann", "quiz.answer", "strong-passwords:1"),
    )
    said = sorted([text_of(first), text_of(second)], key=lambda text: "already" in text)
    assert "already answered" not in said[0] and "You already answered this quiz" in said[1]
    assert len(await quiz_answers(harness)) == 1


async def test_the_french_result_and_reminder(harness: Harness) -> None:
    await harness.say("ann", "lang fr")
    result = text_of(await harness.press("ann", "quiz.answer", "strong-passwords:2"))  # juste
    assert "Votre réponse\u202f: Baleine-violette-tracteur-citron, pour un seul compte" in result
    again = text_of(await harness.press("ann", "quiz.answer", "strong-passwords:1"))
    assert "Vous avez déjà répondu à ce quiz\u202f: votre réponse était juste." in again
    assert "Seule la première réponse compte." in again


# --- a track ends once --------------------------------------------------------------------------------


async def test_the_drip_completes_the_track_with_its_last_lesson_and_congratulates_once(
    harness: Harness,
) -> None:
    await programme(harness, "information-watch")  # four lessons
    runtime = harness.app.drip(clock=harness.clock)
    lessons = ("x-lists", "news-alerts", "social-listening", "generative-ai-basics")
    for day, lesson in enumerate(lessons):
        moment = MONDAY_0900_PARIS + dt.timedelta(days=day)
        harness.clock.now = moment + dt.timedelta(minutes=5)
        await run_tick(runtime, moment)
        await harness.press("ann", "quiz.answer", f"{lesson}:0")
        await harness.press("ann", "quiz.answer", f"{lesson}:1")  # a second press never counts

    [enrollment] = await rows(harness, Enrollment)
    assert enrollment.status == "completed" and enrollment.next_due_at is None
    progress = await harness.text("ann", "progress")
    assert "Lessons received: 4 of 4" in progress and "Status: completed" in progress
    assert "Next tip" not in progress
    assert not any("Bravo" in text for text in await inbox(harness)), "the look back comes the next day"

    thursday = MONDAY_0900_PARIS + dt.timedelta(days=3)
    plan, sent = await run_tick(runtime, thursday + dt.timedelta(days=1))  # Friday, her next delivery time
    assert (plan.queued, sent.sent - plan.reviews) == (0, 1)  # review questions go on after the track
    await harness.text("ann", "settings nudges off")  # and so would nudges: only the track's rows here
    for day in range(2, 9):  # and never again
        plan, sent = await run_tick(runtime, thursday + dt.timedelta(days=day))
        assert (plan.queued, plan.completed, sent.sent - plan.reviews) == (0, 0, 0)

    [bravo] = [text for text in await inbox(harness) if "Bravo" in text]
    right = sum(1 for answer in await quiz_answers(harness) if answer.correct)
    assert "You received 4 of its 4 lessons." in bravo
    assert f"Its quizzes: {right} right out of the 4 you answered." in bravo
    [complete] = await rows(harness, Delivery, Delivery.kind == DeliveryKind.COMPLETE)
    assert complete.status == DeliveryStatus.SENT


async def test_next_completes_the_track_and_the_drip_sends_the_one_look_back(harness: Harness) -> None:
    await programme(harness, "information-watch")
    for _ in range(3):
        await harness.say("ann", "next")
    last = await harness.say("ann", "next")
    assert last[0].lesson.id == "generative-ai-basics"  # type: ignore[union-attr]
    assert (
        "That was the last lesson of the track *Information watch in real time*. A look back on the whole "
        "track comes on Tuesday 24 November 2026 at 09:00 (Europe/Paris)." in text_of(last)
    )
    [enrollment] = await rows(harness, Enrollment)
    assert enrollment.status == "completed"
    assert "1 enrolled, 0 active, 0 paused, 1 completed" in await harness.text("root", "report pilot")

    again = await harness.text("ann", "next")
    assert "You have received every lesson of the track *Information watch in real time*." in again
    assert "Bravo" not in again and "comes on Tuesday 24 November 2026" in again

    runtime = harness.app.drip(clock=harness.clock)
    harness.clock.now = MONDAY_0900_PARIS + dt.timedelta(days=1)
    await harness.press("ann", "quiz.answer", "x-lists:0")
    for day in range(1, 6):
        await run_tick(runtime, MONDAY_0900_PARIS + dt.timedelta(days=day))
    [bravo] = [text for text in await inbox(harness) if "Bravo" in text]
    assert "You received 4 of its 4 lessons." in bravo and "out of the 1 you answered" in bravo
    assert "every lesson" in await harness.text("ann", "next")
    assert "look back" not in await harness.text("ann", "next"), "it has been sent"
    rhythm = await harness.text("ann", "time 10:00")
    assert "No tip is scheduled: you have finished your track." in rhythm
    assert "not in an active cohort" not in rhythm


async def test_a_last_lesson_that_never_arrived_reopens_the_track(harness: Harness) -> None:
    """The last lesson is planned but not delivered before the day ends: the track is not over until it
    is, its look back waits for it, and comes once, on the delivery day after it."""
    await programme(harness, "information-watch")
    async with harness.services.db.transaction() as session:
        [enrollment] = list(await session.exec(select(Enrollment)))
        enrollment.position = 3
        session.add(enrollment)
    runtime = harness.app.drip(clock=harness.clock)
    await ledger.plan_due(harness.services.db, MONDAY_0900_PARIS, runtime.tracks())
    [enrollment] = await rows(harness, Enrollment)
    assert enrollment.status == "completed"

    await runtime.dispatcher.run_once(MONDAY_0900_PARIS + dt.timedelta(hours=11, minutes=1))  # 20:01 Paris
    [enrollment] = await rows(harness, Enrollment)
    assert (enrollment.status, enrollment.position) == ("active", 3)
    assert await inbox(harness) == []

    await run_tick(runtime, MONDAY_0900_PARIS + dt.timedelta(days=1))
    [enrollment] = await rows(harness, Enrollment)
    assert enrollment.status == "completed"
    [lesson] = await rows(harness, Delivery, Delivery.kind == DeliveryKind.LESSON)
    assert (lesson.lesson_id, lesson.status) == ("generative-ai-basics", DeliveryStatus.SENT)
    assert not [text for text in await inbox(harness) if "Bravo" in text], "not before the lesson"
    await run_tick(runtime, MONDAY_0900_PARIS + dt.timedelta(days=2))
    await run_tick(runtime, MONDAY_0900_PARIS + dt.timedelta(days=3))
    assert len([text for text in await inbox(harness) if "Bravo" in text]) == 1


# --- the next tip promised is the drip's ---------------------------------------------------------------


async def test_time_after_todays_tip_promises_the_next_delivery_day(harness: Harness) -> None:
    await programme(harness)
    runtime = harness.app.drip(clock=harness.clock)
    await run_tick(runtime, MONDAY_0900_PARIS)  # Monday's tip went out at 09:00 Paris
    harness.clock.now = MONDAY_0900_PARIS + dt.timedelta(hours=2)  # 11:00 Paris

    text = await harness.text("ann", "time 14:40")
    assert "Your next tip: Tuesday 24 November 2026 at 14:40 (Europe/Paris)." in text
    assert "Monday 23 November" not in text
    [enrollment] = await rows(harness, Enrollment)
    assert enrollment.next_due_at == dt.datetime(2026, 11, 24, 13, 40, tzinfo=UTC)

    plan, _ = await run_tick(runtime, dt.datetime(2026, 11, 23, 13, 40, tzinfo=UTC))  # Monday 14:40
    assert plan.queued == 0
    plan, _ = await run_tick(runtime, enrollment.next_due_at)  # what she was told
    assert plan.queued == 1


async def test_time_before_todays_tip_promises_today(harness: Harness) -> None:
    await programme(harness)
    harness.clock.now = MONDAY_0900_PARIS - dt.timedelta(hours=1)  # 08:00 Paris, nothing sent yet
    text = await harness.text("ann", "time 14:40")
    assert "Your next tip: Monday 23 November 2026 at 14:40 (Europe/Paris)." in text
    runtime = harness.app.drip(clock=harness.clock)
    plan, _ = await run_tick(runtime, dt.datetime(2026, 11, 23, 13, 40, tzinfo=UTC))
    assert plan.queued == 1
