"""Attacks on Slack's endpoint: replayed signed requests, broken signatures and oddly shaped payloads,
each sent over HTTP to the real server and bolt app, against the fake Slack Web API."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse
from typing import Any

import pytest
from sqlmodel import col

from bot.slack.render import Form
from storage.enums import DeliveryKind
from storage.models import CustomTip, Delivery, Feedback, Person, Question
from tests.bot.slack.conftest import TEAM, SlackTester

REPLAYS = 3


async def command(slack: SlackTester, user: str, text: str) -> str:
    return (await slack.ask(user, text))[-1]


def replies_to(slack: SlackTester, user: str) -> list[str]:
    """The bot's direct replies in a DM (messages from the delivery ledger carry its metadata)."""
    return [m["text"] for m in slack.fake.messages_in(user) if not m.get("metadata")]


async def programme(slack: SlackTester) -> None:
    """A cohort with bob in it, mentored by mia."""
    await command(slack, "UADMIN", "cohort create pilot track first-steps start 2026-01-05")
    await command(slack, "UADMIN", "enroll pilot <@UBOB|bob>")
    await command(slack, "UADMIN", "pair <@UMIA|mia> <@UBOB|bob>")
    await slack.deliver()


async def test_a_replayed_push_sends_one_tip(slack: SlackTester) -> None:
    """Attack: a mentor's signed `/tandem push` captured and replayed within Slack's five minutes."""
    await programme(slack)
    body = slack.command_body("UMIA", "push <@UBOB|bob> Turn on two-step login today.", name="push")
    for _ in range(REPLAYS):
        response = await slack.post(body, "application/x-www-form-urlencoded")
        assert response.status == 200
    await slack.until(lambda: any("two-step login" in text for text in slack.dm_texts("UBOB")))
    await asyncio.sleep(0.3)
    await slack.deliver()
    assert len(await slack.rows(CustomTip)) == 1
    assert len(await slack.rows(Delivery, Delivery.kind == DeliveryKind.TIP)) == 1
    assert sum("two-step login" in text for text in slack.dm_texts("UBOB")) == 1
    assert len(slack.responses("push")) == 1, "a replay gets no second confirmation"


async def test_a_replayed_quiz_answer_counts_once(slack: SlackTester) -> None:
    """Attack: a learner's signed quiz-answer button press replayed three times."""
    await programme(slack)
    trigger = slack.trigger()
    for _ in range(REPLAYS):
        await slack.press("UBOB", "tandem|quiz.answer|0", "strong-passwords:0", trigger=trigger)
    await slack.until(lambda: bool(replies_to(slack, "UBOB")))
    await asyncio.sleep(0.3)  # time for the replays to be handled, had they been
    assert len(await slack.rows(Feedback, Feedback.kind == "quiz")) == 1
    assert len(replies_to(slack, "UBOB")) == 1, "one feedback message"


async def test_a_replayed_reply_form_answers_once(slack: SlackTester) -> None:
    """Attack: a mentor's signed reply form (view_submission) replayed three times."""
    await programme(slack)
    await command(slack, "UBOB", "mentor comment retrouver un vieux message ?")
    [question] = await slack.rows(Question)
    submission = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": "UMIA", "team_id": TEAM},
        "trigger_id": slack.trigger(),
        "view": {
            "type": "modal",
            "callback_id": "tandem_reply",
            "private_metadata": Form(
                "question.reply", str(question.id), "Reply", "Your answer", 3000
            ).encode(),
            "state": {
                "values": {"answer": {"answer_text": {"value": "Use the search bar, then From: you."}}}
            },
        },
    }
    for _ in range(REPLAYS):
        await slack.interact(submission)
    await slack.until(lambda: any("search bar" in text for text in slack.dm_texts("UBOB")))
    await asyncio.sleep(0.3)
    await slack.deliver()
    assert len(await slack.rows(Delivery, Delivery.kind == DeliveryKind.ANSWER)) == 1


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "99999999999999999999999", "-"])
async def test_a_timestamp_that_is_not_a_number_is_401(
    slack: SlackTester, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    """Attack: an unauthenticated request whose X-Slack-Request-Timestamp is not a number."""
    body = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_mention"}})
    headers = {
        "content-type": "application/json",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": "v0=00",
    }
    with caplog.at_level(logging.DEBUG):
        response = await slack.session.post(f"{slack.url}/slack/events", data=body, headers=headers)
    assert response.status == 401
    assert not [r for r in caplog.records if r.levelno > logging.WARNING]
    assert await slack.rows(Person) == []


def _dm(**event: Any) -> dict[str, Any]:
    return {"type": "event_callback", "team_id": TEAM, "event_id": f"Ev{time.time_ns()}", "event": event}


def _press(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": "UBOB", "team_id": TEAM},
        "trigger_id": "t-shape",
        "actions": [{"action_id": "tandem|quiz.answer|0", "value": "strong-passwords:0"}],
    }
    payload.update(overrides)
    return payload


ODD_EVENTS = {
    "a message without a channel": _dm(type="message", channel_type="im", user="UBOB", text="help"),
    "a message whose user is a number": _dm(
        type="message", channel_type="im", channel="DBOB", user=7, text="x"
    ),
    "a mention without a channel": _dm(type="app_mention", user="UBOB", text="<@UBOT> help"),
    "a message whose text is an object": _dm(
        type="message", channel_type="im", channel="DBOB", user="UBOB", text={"a": 1}
    ),
    "App Home without a user": _dm(type="app_home_opened", tab="home", channel="DBOB"),
    "an event that is a list": {"type": "event_callback", "event_id": "Ev9", "event": []},
}
ODD_INTERACTIONS = {
    "an action_id that is a number": _press(actions=[{"action_id": 42, "value": "x"}]),
    "actions that are not a list": _press(actions={"action_id": "tandem|quiz.answer|0"}),
    "a user that is a string": _press(user="UBOB"),
    "a selected option that is a string": _press(
        actions=[{"action_id": "tandem_home|lang", "selected_option": "fr"}]
    ),
    "state values that are not objects": _press(state={"values": {"block": "text"}}),
    "a view whose state values are lists": {
        "type": "view_submission",
        "user": {"id": "UMIA"},
        "view": {"type": "modal", "callback_id": "tandem_reply", "state": {"values": {"answer": [1, 2]}}},
    },
    "a channel that is a string": _press(channel="DBOB"),
}


@pytest.mark.parametrize("name", list(ODD_EVENTS))
async def test_signed_events_of_an_odd_shape_get_400(
    slack: SlackTester, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    """Attack: a validly signed event whose fields are missing or of the wrong type."""
    with caplog.at_level(logging.DEBUG):
        response = await slack.post(json.dumps(ODD_EVENTS[name]), "application/json")
    await _refused_cleanly(slack, caplog, response.status)


@pytest.mark.parametrize("name", list(ODD_INTERACTIONS))
async def test_signed_interactions_of_an_odd_shape_get_400(
    slack: SlackTester, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    """Attack: a validly signed button press or form whose fields are missing or of the wrong type."""
    body = urllib.parse.urlencode({"payload": json.dumps(ODD_INTERACTIONS[name])})
    with caplog.at_level(logging.DEBUG):
        response = await slack.post(body, "application/x-www-form-urlencoded")
    await _refused_cleanly(slack, caplog, response.status)


async def test_a_signed_command_without_a_user_gets_400(
    slack: SlackTester, caplog: pytest.LogCaptureFixture
) -> None:
    """Attack: a validly signed slash command form with no user."""
    body = urllib.parse.urlencode({"command": "/tandem", "team_id": TEAM, "text": "help"})
    with caplog.at_level(logging.DEBUG):
        response = await slack.post(body, "application/x-www-form-urlencoded")
    await _refused_cleanly(slack, caplog, response.status)


async def _refused_cleanly(slack: SlackTester, caplog: pytest.LogCaptureFixture, status: int) -> None:
    """400, exactly one log line saying why, no traceback, nothing stored or sent."""
    assert status == 400
    await slack.deliver()
    mine = [r for r in caplog.records if r.name.startswith(("bot", "slack_bolt", "aiohttp"))]
    assert len([r for r in mine if r.levelno >= logging.WARNING]) == 1, [r.getMessage() for r in mine]
    assert not [r for r in caplog.records if r.levelno > logging.WARNING or r.exc_info]
    assert slack.fake.calls == []
    assert await slack.rows(Person) == []


async def test_oversized_bodies_are_refused_before_anything_runs(slack: SlackTester) -> None:
    """Attack: a body of several megabytes, signed, to exhaust memory."""
    body = json.dumps(
        _dm(type="message", channel_type="im", channel="DBOB", user="UBOB", text="x" * 3_000_000)
    )
    response = await slack.post(body, "application/json")
    assert response.status == 413
    assert await slack.rows(Person) == []


async def test_an_at_name_with_like_wildcards_names_nobody_else(slack: SlackTester) -> None:
    """Attack: `admin add @U_ENX`, whose `_` was a SQL LIKE wildcard that matched the user UMENX."""
    slack.fake.add_user("UMENX", name="menx", locale="en-GB")
    await command(slack, "UMENX", "help")
    reply = await command(slack, "UADMIN", "admin add @U_ENX")
    assert "I don’t know who" in reply
    reply = await command(slack, "UADMIN", "admin add @U%")
    assert "I don’t know who" in reply
    [menx] = await slack.rows(Person, col(Person.key).endswith(":UMENX"))
    assert not menx.is_admin
    reply = await command(slack, "UADMIN", "admin add @UMENX")
    [menx] = await slack.rows(Person, col(Person.key).endswith(":UMENX"))
    assert menx.is_admin, reply


async def test_a_name_does_not_flip_between_mention_handle_and_profile(slack: SlackTester) -> None:
    """Failure: someone first met through a bare mention was named by their user id, a slash command then
    stored their handle, and a DM their profile name. The profile's name is used every time."""
    slack.fake.add_user("UZOE", name="zoe.h", real_name="Zoé Hamel", display_name="Zoé H.", locale="fr-FR")
    await command(slack, "UADMIN", "cohort create pilot track first-steps start 2026-01-05")
    names = []
    await command(slack, "UADMIN", "enroll pilot <@UZOE>")
    names.append((await slack.rows(Person, col(Person.key).endswith(":UZOE")))[0].display_name)
    await command(slack, "UZOE", "progress")
    names.append((await slack.rows(Person, col(Person.key).endswith(":UZOE")))[0].display_name)
    await slack.dm("UZOE", "aide")
    await slack.until(lambda: bool(slack.dm_texts("UZOE")))
    names.append((await slack.rows(Person, col(Person.key).endswith(":UZOE")))[0].display_name)
    assert names == ["Zoé H.", "Zoé H.", "Zoé H."]
