"""A finished quiz in Slack: its message becomes the result, without the answer buttons (chat.update on the
message the button was on), and a second press changes nothing but shows the first result."""

from __future__ import annotations

import json
from typing import Any

from storage.enums import FeedbackKind
from storage.models import Feedback
from tests.bot.slack.conftest import TEAM, SlackTester


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block.get("elements") or []
    ]


async def answer(slack: SlackTester, button: dict[str, Any], *, channel: str, ts: str) -> None:
    """Press a quiz choice on the message `ts` of `channel`, as Slack sends it."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": "UMIA", "team_id": TEAM},
        "api_app_id": "ABOT",
        "trigger_id": slack.trigger(),
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "message_ts": ts, "is_ephemeral": False},
        "message": {"ts": ts, "text": "quiz"},
        "response_url": slack.fake.response_url("quiz"),
        "actions": [{**button, "block_id": "b1", "action_ts": "1"}],
    }
    await slack.interact(payload)


async def test_the_quiz_message_becomes_its_result_and_counts_once(slack: SlackTester) -> None:
    await slack.dm("UMIA", "help")
    await slack.until(lambda: bool(slack.fake.messages_in("UMIA")))
    await slack.press("UMIA", "tandem|quiz.start|1", "strong-passwords")
    await slack.until(lambda: any(buttons(m) for m in slack.fake.messages_in("UMIA")[1:]))
    quiz = slack.fake.messages_in("UMIA")[-1]
    choices = [b for b in buttons(quiz) if "quiz.answer" in b["action_id"]]
    assert len(choices) == 3
    posted = len(slack.fake.messages_in("UMIA"))

    await answer(slack, choices[1], channel=quiz["channel"], ts=quiz["ts"])  # a wrong choice
    await slack.until(lambda: bool(slack.fake.calls_to("chat.update")))
    [update] = slack.fake.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (quiz["channel"], quiz["ts"])
    assert "quiz.answer" not in str(update.args.get("blocks"))
    assert "Your answer" in slack.fake.messages_in("UMIA")[-1]["text"]
    assert not buttons(slack.fake.messages_in("UMIA")[-1])

    await answer(slack, choices[0], channel=quiz["channel"], ts=quiz["ts"])  # the right one, too late
    await slack.until(lambda: len(slack.fake.calls_to("chat.update")) == 2)
    assert "You already answered this quiz" in slack.fake.messages_in("UMIA")[-1]["text"]
    assert len(slack.fake.messages_in("UMIA")) == posted, "replaced in place, nothing new posted"
    [counted] = await slack.rows(Feedback, Feedback.kind == FeedbackKind.QUIZ)
    assert counted.correct is False


async def test_a_quiz_message_that_is_gone_gets_its_result_as_a_new_message(slack: SlackTester) -> None:
    await slack.dm("UMIA", "help")
    await slack.until(lambda: bool(slack.fake.messages_in("UMIA")))
    before = len(slack.fake.messages_in("UMIA"))
    button = {"action_id": "tandem|quiz.answer|0", "value": "strong-passwords:0", "type": "button"}
    await answer(slack, button, channel="DMIA", ts="1.000404")  # a message Slack no longer has
    await slack.until(lambda: len(slack.fake.messages_in("UMIA")) > before)
    assert "Right!" in slack.fake.messages_in("UMIA")[-1]["text"]


async def test_app_home_says_the_track_is_completed(slack: SlackTester) -> None:
    await slack.ask("UADMIN", "cohort create pilot track information-watch start 2026-01-05")
    await slack.ask("UADMIN", "enroll pilot <@UMIA|mia>")
    for _ in range(4):
        await slack.ask("UMIA", "next")
    await slack.event({"type": "app_home_opened", "user": "UMIA", "tab": "home", "channel": "DMIA"})
    await slack.until(lambda: slack.fake.home_view("UMIA") is not None)
    view = json.dumps(slack.fake.home_view("UMIA"))
    assert "Lessons received: 4 of 4" in view and "Status: completed" in view
    assert "Next tip" not in view
