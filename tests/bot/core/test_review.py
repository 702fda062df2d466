"""The learner's side of reviews: the `review` command, its buttons, an answer that counts once, the
lesson's first quiz entering the schedule, and the line `progress` shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from bot.core.cards import review_card
from bot.core.commands import build_router
from bot.core.replies import QuizCard, Text
from bot.core.serialize import from_dict, to_dict
from lessons import Library
from storage.enums import AnswerKind
from storage.models import ReviewAnswer, ReviewCard
from tests.support.harness import Harness, text_of

DAY = dt.timedelta(days=1)


async def rows(harness: Harness, model: Any) -> list[Any]:
    async with harness.services.db.transaction() as session:
        return list(await session.exec(select(model)))


async def card(harness: Harness) -> ReviewCard:
    [found] = await rows(harness, ReviewCard)
    return found


def question(replies: list[Any]) -> QuizCard:
    [found] = [r for r in replies if isinstance(r, QuizCard)]
    return found


def right_button(harness: Harness, quiz: QuizCard, *, right: bool = True) -> str:
    for button in quiz.buttons:
        lesson_id, variant, choice, _ = button.value.rsplit(":", 3)
        lesson = harness.services.lessons.library.get(lesson_id, "en")
        assert lesson is not None
        if (int(choice) == lesson.variant(int(variant)).answer_index) == right:
            return button.value
    raise AssertionError("no such button")


async def test_the_quiz_answered_first_enters_the_schedule(harness: Harness) -> None:
    await harness.press("ann", "quiz.answer", "strong-passwords:1")  # wrong
    await harness.press("ann", "quiz.answer", "strong-passwords:0")  # a second press counts nothing
    found = await card(harness)
    assert (found.lesson_id, found.reviews, found.lapses, found.last_variant) == ("strong-passwords", 0, 1, 0)
    assert found.first_sent_at == harness.clock.now  # read on demand: counted from now
    assert found.due_at == harness.clock.now + DAY  # wrong: back the next day
    [answer] = await rows(harness, ReviewAnswer)
    assert (answer.kind, answer.variant, answer.correct, answer.answered_at) == (
        AnswerKind.QUIZ,
        0,
        False,
        harness.clock.now,
    )


async def test_review_with_nothing_scheduled(harness: Harness) -> None:
    assert "Nothing to review yet" in await harness.text("ann", "review")
    await harness.say("ann", "lang fr")
    assert "Rien à réviser pour l’instant" in await harness.text("ann", "révision")


async def test_review_asks_the_due_question_at_once_and_counts_the_answer_once(harness: Harness) -> None:
    await harness.press("ann", "quiz.answer", "strong-passwords:1")  # wrong: due tomorrow
    harness.clock.advance(days=1)
    said = await harness.say("ann", "review")
    header = text_of([r for r in said if isinstance(r, Text)])
    assert "A question from *" in header and "seen on Monday 23 November 2026" in header
    quiz = question(said)
    assert all(b.action == "review.answer" for b in quiz.buttons) and len(quiz.buttons) >= 2
    value = right_button(harness, quiz)
    [result] = await harness.press("ann", "review.answer", value)
    assert isinstance(result, Text) and result.replaces and not result.buttons
    assert "Right!" in text_of([result]) and "Your answer:" in text_of([result])
    assert "It comes back around" in text_of([result])
    [again] = await harness.press("ann", "review.answer", right_button(harness, quiz, right=False))
    assert "You already answered this question: only the first answer counts." in text_of([again])
    answers = await rows(harness, ReviewAnswer)
    assert [(a.kind, a.correct) for a in sorted(answers, key=lambda a: a.id)] == [
        (AnswerKind.QUIZ, False),
        (AnswerKind.REVIEW, True),
    ]
    found = await card(harness)
    assert found.reviews == 1 and found.due_at is not None and found.due_at > harness.clock.now + DAY


async def test_nothing_due_says_when_and_offers_one_now(harness: Harness) -> None:
    await harness.press("ann", "quiz.answer", "strong-passwords:0")  # right: back in a few days
    [reply] = await harness.say("ann", "review")
    assert isinstance(reply, Text) and "Nothing is due; the next question comes back on " in reply.markdown
    assert "Want one now?" in reply.markdown
    [button] = reply.buttons
    assert button.action == "review.now"
    said = await harness.press("ann", "review.now", button.value)
    quiz = question(said)
    assert quiz.buttons[0].value.startswith("strong-passwords:")
    [result] = await harness.press("ann", "review.answer", right_button(harness, quiz, right=False))
    assert "Not quite" in text_of([result]) and "next delivery day" in text_of([result])
    found = await card(harness)
    assert (found.reviews, found.lapses) == (1, 1)


async def test_a_stale_review_button(harness: Harness) -> None:
    for value in ("strong-passwords:0:9:0", "no-such-lesson:0:0:0", "garbage"):
        said = text_of(await harness.press("ann", "review.answer", value))
        assert "expired" in said or "no longer" in said.lower(), said
    assert await rows(harness, ReviewAnswer) == []


async def test_the_french_command_and_header(harness: Harness) -> None:
    await harness.say("ann", "lang fr")
    await harness.press("ann", "quiz.answer", "strong-passwords:1")  # wrong
    harness.clock.advance(days=1)
    said = await harness.say("ann", "révision")
    header = text_of([r for r in said if isinstance(r, Text)])
    assert "Une question sur *" in header and "vue le lundi 23 novembre 2026" in header
    assert isinstance(question(said), QuizCard)
    [result] = await harness.press("ann", "review.answer", right_button(harness, question(said)))
    assert "Exact" in text_of([result]) and "Elle reviendra vers le" in text_of([result])


async def test_progress_shows_retained_due_and_streak(harness: Harness) -> None:
    await harness.press("ann", "quiz.answer", "strong-passwords:0")  # right
    await harness.press("ann", "quiz.answer", "two-factor-authentication:1")  # wrong
    harness.clock.advance(days=1)
    said = await harness.text("ann", "progress")
    assert "Reviews: 0 retained, 1 due now, 2 in your schedule; streak: 0 right in a row." in said
    assert "Type `review` for a question now." in said


def test_review_is_a_command_for_everyone_with_help() -> None:
    router = build_router()
    spec = router.find("review")
    assert spec is not None and spec.help_key == "review.help"
    assert router.find("révision") is spec
    assert {"review.answer", "review.now"} <= set(router.actions)


async def test_the_first_review_says_what_the_mentor_may_see(harness: Harness) -> None:
    await harness.say("root", "pair @mia @ann")
    await harness.press("ann", "quiz.answer", "strong-passwords:1")  # wrong
    await harness.press("ann", "quiz.answer", "two-factor-authentication:1")
    harness.clock.advance(days=1)
    said = await harness.say("ann", "review")
    assert "your mentor’s weekly digest names the lessons you keep getting wrong" in text_of(said)
    assert "`settings topics off`" in text_of(said)
    await harness.press("ann", "review.answer", right_button(harness, question(said)))
    again = await harness.say("ann", "review")
    assert "A question from" in text_of(again) and "Good to know" not in text_of(again)


async def test_without_a_mentor_nothing_to_explain(harness: Harness) -> None:
    await harness.press("ann", "quiz.answer", "strong-passwords:1")
    harness.clock.advance(days=1)
    said = await harness.say("ann", "review")
    assert "A question from" in text_of(said) and "Good to know" not in text_of(said)


def test_a_review_renders_with_its_buttons_on_every_channel(bundled_library: Library) -> None:
    """The console inbox keeps the variant's question and buttons; Slack and Teams send its answers back
    to `review.answer`."""
    from bot.slack.render import parse_action_id
    from bot.slack.render import render as slack_render
    from bot.teams.render import parse_submit
    from bot.teams.render import render as teams_render

    lesson = bundled_library.get("x-lists", "fr")
    assert lesson is not None
    quiz = review_card(lesson, 1, 3)
    assert quiz.question == lesson.variant(1).question
    assert [b.value for b in quiz.buttons] == [
        f"x-lists:1:{i}:3" for i in range(len(lesson.variant(1).choices))
    ]
    assert from_dict(to_dict(quiz) or {}, bundled_library) == quiz
    slack_ids = [
        parse_action_id(element["action_id"])
        for message in slack_render(quiz)
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert slack_ids == ["review.answer"] * len(quiz.buttons)
    [message] = teams_render(quiz)
    body = message["attachments"][0]["content"]["body"]
    submits = [parse_submit(a["data"]) for e in body if e["type"] == "ActionSet" for a in e["actions"]]
    assert submits == [("review.answer", b.value, "") for b in quiz.buttons]
