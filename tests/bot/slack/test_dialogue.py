"""Slack conversations across messages: a typed yes sends the question, a mentor's `reply <n>` takes the
next DM as the answer, small talk and stale answers are never questions."""

from __future__ import annotations

from storage.models import Question
from tests.bot.slack.conftest import SlackTester
from tests.bot.slack.test_channel import setup_programme

NNBSP = "\u202f"


def said_in_dm(slack: SlackTester, user: str, words: str) -> bool:
    return any(words in text for text in slack.dm_texts(user))


async def test_a_typed_oui_forwards_and_the_mentors_next_dm_answers(slack: SlackTester) -> None:
    await setup_programme(slack)
    await slack.dm("UBOB", "Quelle est la meilleure recette de crêpes ?")
    await slack.until(lambda: said_in_dm(slack, "UBOB", "Voulez-vous que je transmette votre question"))

    await slack.dm("UBOB", "Oui !")

    await slack.until(lambda: said_in_dm(slack, "UMIA", "crêpes"))
    [question] = await slack.rows(Question)
    assert question.status == "forwarded"

    await slack.dm("UMIA", f"reply {question.id}")
    await slack.until(lambda: said_in_dm(slack, "UMIA", f"Type your answer to question #{question.id} now"))
    await slack.dm("UMIA", "Plenty of butter, and a very hot pan.")

    await slack.until(lambda: said_in_dm(slack, "UBOB", "Plenty of butter"))
    await slack.until(lambda: said_in_dm(slack, "UMIA", "On its way to"))
    [question] = await slack.rows(Question)
    assert (question.status, question.answer) == ("answered", "Plenty of butter, and a very hot pan.")


async def test_small_talk_and_a_stale_number_in_slack(slack: SlackTester) -> None:
    await setup_programme(slack)

    await slack.dm("UBOB", "merci 🙏")
    await slack.until(lambda: said_in_dm(slack, "UBOB", f"Avec plaisir, bob{NNBSP}!"))
    await slack.dm("UBOB", "0")
    await slack.until(lambda: said_in_dm(slack, "UBOB", "Ces boutons ont expiré."))

    assert await slack.rows(Question) == []
    assert not any("has a question" in text for text in slack.dm_texts("UMIA"))
