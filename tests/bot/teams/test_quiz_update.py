"""A finished quiz in Teams: the card the answer came from is updated into the result, without the answer
buttons, and a second answer on it shows the first result and counts nothing."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from storage.enums import FeedbackKind
from storage.models import Feedback
from tests.bot.teams.conftest import TeamsTester, cards, conversation_of, submits

MIA = "29:mia"


def updated(teams: TeamsTester, count: int) -> Callable[[], bool]:
    """Whether the bot has updated `count` cards by now."""
    return lambda: len(teams.connector.updates) >= count


async def test_a_second_answer_updates_the_card_with_the_first_result(teams: TeamsTester) -> None:
    await teams.install(MIA)
    quiz = await teams.submit(MIA, {"tandem": "quiz.start", "value": "strong-passwords"})
    choices = [a for c in cards(quiz) for a in submits(c) if a["data"]["tandem"] == "quiz.answer"]
    assert len(choices) == 3

    for count, choice in enumerate((choices[0], choices[2]), start=1):  # the right one, then another
        response = await teams.post(teams.activity(MIA, value=choice["data"], replyToId="quiz-card-9"))
        assert response.status in (200, 202)
        await teams.until(updated(teams, count))
    first, second = teams.connector.updates
    for update in (first, second):
        assert (update.reply_to, update.conversation) == ("quiz-card-9", conversation_of(MIA))
        assert not any(a["data"]["tandem"] == "quiz.answer" for c in update.cards for a in submits(c))
    assert "Your answer: Harbour-violet-tractor-lemon" in first.text and "Right!" in first.text
    assert "You already answered this quiz: it was right." in second.text
    async with teams.app.services.db.transaction() as session:
        answers = list(await session.exec(select(Feedback).where(Feedback.kind == FeedbackKind.QUIZ)))
    assert [a.correct for a in answers] == [True]
