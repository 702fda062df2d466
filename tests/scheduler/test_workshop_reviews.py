"""A workshop's lessons in the review schedule, with a controlled clock: the planner asks a retrieval
question the day after the workshop and, after a right answer, a week later, then follows the policy; a
wrong first answer comes back on the next delivery day, as any other."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from scheduler import ledger
from scheduler import reviews as policy
from scheduler.service import run_tick
from storage import reviews
from storage.enums import EnrollmentStatus
from storage.models import Enrollment, InboxMessage, Person
from tests.support.harness import Harness

UTC = dt.UTC
DAY = dt.timedelta(days=1)
MONDAY = dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
"""09:00 in Paris, the cohort's delivery time, on a Monday."""
ENDED = MONDAY + dt.timedelta(hours=4)
"""The workshop ends at 13:00 in Paris."""
LESSON = "strong-passwords"


def test_a_workshop_card_waits_a_week_after_a_right_first_answer() -> None:
    first = dt.datetime(2027, 1, 5, 8, 10, tzinfo=UTC)
    state, due = policy.next_review(dict(reviews.WORKSHOP_STATE), first, correct=True)
    assert due - first == 7 * DAY
    assert state == policy.first_review(first, correct=True)[0], "from then on, the policy's schedule"
    assert policy.is_scheduled(state)
    wrong_state, again = policy.next_review(dict(reviews.WORKSHOP_STATE), first, correct=False)
    assert again - first == DAY and (wrong_state, again) == policy.first_review(first, correct=False)
    assert not policy.is_scheduled(dict(reviews.WORKSHOP_STATE)) and not policy.is_scheduled({})


async def ann_after_a_workshop(harness: Harness) -> None:
    """ann, in a cohort whose track she finished (no more tips: only reviews), took part in a workshop
    on LESSON that ended at ENDED."""
    await harness.say("root", "cohort create pilot track first-steps start 2026-11-23")
    await harness.say("root", "enroll pilot @ann")
    async with harness.services.db.transaction() as session:
        [enrollment] = list(await session.exec(select(Enrollment)))
        enrollment.status = EnrollmentStatus.COMPLETED
        session.add(enrollment)
        [ann] = list(await session.exec(select(Person).where(Person.key == "console:ann")))
        await reviews.add_workshop_cards(session, person_ids=[ann.id or 0], lesson_ids=[LESSON], now=ENDED)


async def tick(harness: Harness, moment: dt.datetime) -> ledger.PlanReport:
    harness.clock.now = moment
    plan, _ = await run_tick(harness.app.drip(clock=harness.clock), moment)
    return plan


async def asked(harness: Harness) -> list[dict[str, Any]]:
    """The review questions that reached ann, oldest first."""
    async with harness.services.db.transaction() as session:
        found = sorted(await session.exec(select(InboxMessage)), key=lambda m: m.id or 0)
    return [
        m.payload
        for m in found
        if m.payload.get("type") == "quiz"
        and any(b["action"] == "review.answer" for b in m.payload.get("buttons", []))
    ]


async def answer(harness: Harness, question: dict[str, Any], *, right: bool, at: dt.datetime) -> str:
    lesson_id, variant, _, _ = question["buttons"][0]["value"].rsplit(":", 3)
    quiz = harness.services.lessons.library.get(lesson_id, "en").variant(int(variant))  # type: ignore[union-attr]
    for button in question["buttons"]:
        if (int(button["value"].rsplit(":", 3)[2]) == quiz.answer_index) == right:
            harness.clock.now = at
            said = await harness.press("ann", "review.answer", button["value"])
            return "\n".join(getattr(r, "markdown", "") for r in said)
    raise AssertionError("no such choice")


async def test_a_day_after_the_workshop_then_a_week_later(harness: Harness) -> None:
    await ann_after_a_workshop(harness)
    days: list[dt.datetime] = []
    results: list[str] = []
    for day in range(1, 22):
        moment = MONDAY + day * DAY
        plan = await tick(harness, moment)
        questions = await asked(harness)
        if len(questions) > len(days):
            assert plan.reviews == 1
            assert questions[-1]["buttons"][0]["value"].startswith(f"{LESSON}:")
            days.append(moment)
            results.append(
                await answer(harness, questions[-1], right=True, at=moment + 10 * dt.timedelta(minutes=1))
            )
    tuesday = MONDAY + DAY
    assert days[:2] == [tuesday, tuesday + 7 * DAY], days  # +1 day, then +1 week
    assert days[2] - days[1] == 7 * DAY, "then the policy's own gap (Leitner's third box: a week)"
    assert "Tuesday 1 December 2026" in results[0]  # "It comes back around …"


async def test_a_wrong_first_answer_comes_back_the_next_delivery_day(harness: Harness) -> None:
    await ann_after_a_workshop(harness)
    tuesday = MONDAY + DAY
    assert (await tick(harness, tuesday)).reviews == 1
    [question] = await asked(harness)
    await answer(harness, question, right=False, at=tuesday + dt.timedelta(minutes=5))
    assert (await tick(harness, tuesday + DAY)).reviews == 1  # Wednesday, not a week later
    async with harness.services.db.transaction() as session:
        [ann] = list(await session.exec(select(Person).where(Person.key == "console:ann")))
        [card] = await reviews.cards_of(session, person_id=ann.id or 0)
    assert policy.FIRST_RIGHT_DAYS not in card.state and card.lapses == 1
