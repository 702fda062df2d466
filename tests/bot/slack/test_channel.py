"""The Slack channel end to end: signed requests to the real bolt app over HTTP, a fake Slack Web API."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from typing import Any

from sqlmodel import col, select

from scheduler.service import run_tick
from storage.models import Enrollment, Person, Question
from tests.bot.slack.conftest import SlackTester


async def setup_programme(slack: SlackTester) -> None:
    """An admin creates a cohort, enrolls bob and pairs him with mia; each step finishes before the next."""
    for text in (
        "cohort create pilot track first-steps start 2026-01-05",
        "enroll pilot <@UBOB|bob>",
        "pair <@UMIA|mia> <@UBOB|bob>",
    ):
        name = f"setup-{text[:6]}"
        await slack.command("UADMIN", text, name=name)
        await slack.until(lambda name=name: bool(slack.responses(name)))
    await slack.deliver()
    await slack.until(lambda: len(slack.fake.messages) >= 2)  # both are told about the pairing


async def rows(slack: SlackTester, model, *conditions):  # type: ignore[no-untyped-def]
    async with slack.app.services.db.transaction() as session:
        return list(await session.exec(select(model).where(*conditions)))


async def test_url_verification(slack: SlackTester) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"})
    response = await slack.post(body, "application/json")
    assert response.status == 200
    assert "c-123" in await response.text()


async def test_unsigned_bad_or_old_requests_get_401_and_nothing_happens(slack: SlackTester) -> None:
    body = json.dumps(
        {
            "type": "event_callback",
            "event_id": "Ev1",
            "event": {"type": "app_mention", "user": "UBOB", "text": "hi", "channel": "C1", "ts": "1.1"},
        }
    )
    unsigned = await slack.session.post(
        f"{slack.url}/slack/events", data=body, headers={"content-type": "application/json"}
    )
    bad = await slack.post(body, "application/json", secret="wrong-secret")
    old = await slack.post(body, "application/json", timestamp=int(time.time()) - 600)
    assert [unsigned.status, bad.status, old.status] == [401, 401, 401]
    assert slack.fake.calls == []
    assert await rows(slack, Person) == []


async def test_malformed_bodies_get_400(slack: SlackTester) -> None:
    assert (await slack.post('{"type": "event_callback", ', "application/json")).status == 400
    assert (await slack.post("payload=%7Bnot-json", "application/x-www-form-urlencoded")).status == 400
    assert (await slack.post("[1, 2]", "application/json")).status == 400
    no_view = {"type": "view_submission", "user": {"id": "UBOB"}, "view": {"callback_id": "tandem_reply"}}
    assert (await slack.interact(no_view)).status == 400
    assert (
        await slack.post("command=%2Ftandem&text=help", "application/x-www-form-urlencoded")
    ).status == 400
    assert await rows(slack, Person) == []


async def test_slash_commands_for_each_role(slack: SlackTester) -> None:
    await setup_programme(slack)
    assert "pilot" in slack.responses("setup-cohort")[0]
    [bob] = await rows(slack, Person, Person.key == "slack:T1:UBOB")
    assert (bob.lang, bob.display_name) == ("fr", "bob")
    await slack.command("UBOB", "cohort list", name="refused")
    await slack.until(lambda: bool(slack.responses("refused")))
    assert "administrateurs" in slack.responses("refused")[0]
    assert slack.fake.responses["refused"][0]["response_type"] == "ephemeral"
    await slack.command("UMIA", "mentees", name="mentees")
    await slack.until(lambda: bool(slack.responses("mentees")))
    assert "bob" in slack.responses("mentees")[0]
    await slack.command("UBOB", "progress", name="progress")
    await slack.until(lambda: bool(slack.responses("progress")))
    assert "pilot" in slack.responses("progress")[0]


async def test_dm_question_answered_with_a_lesson_card(slack: SlackTester) -> None:
    await slack.dm("UBOB", "comment activer la validation en deux étapes ?")
    await slack.until(lambda: bool(slack.fake.calls_to("chat.postMessage")))
    [message] = slack.fake.messages
    header = next(b for b in message["blocks"] if b["type"] == "header")
    assert "deux étapes" in header["text"]["text"].lower()
    actions = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert any(a.startswith("tandem|lesson.more") for a in actions) and any(
        "quiz.start" in a for a in actions
    )


def buttons_in(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button of these Slack messages, in order."""
    return [e for m in messages for b in m.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


async def test_unsure_answer_offers_lessons_as_buttons_and_the_mentor_only_to_a_mentee(
    slack: SlackTester,
) -> None:
    """Not sure: the closest lessons as buttons ("Open: …", which open the lesson), and the button that
    sends the question to the mentor only for someone who has one; nobody is told to type `lesson <id>`."""
    await setup_programme(slack)
    slack.fake.reset()
    await slack.dm("UBOB", "What is the best recipe for chocolate cake?")
    await slack.until(
        lambda: any(
            b["action_id"].startswith("tandem|question.keep") for b in buttons_in(slack.fake.messages)
        )
    )
    bob = buttons_in(slack.fake.messages)
    opens = [b for b in bob if b["action_id"].startswith("tandem|lesson.more")]
    assert len(opens) == 3 and all(b["text"]["text"].startswith("Open: ") for b in opens)
    assert any(b["action_id"].startswith("tandem|question.forward") for b in bob)
    said = " ".join(m["text"] for m in slack.fake.messages)
    assert "`lesson" not in said and not any(f"lesson {b['value']}" in said for b in opens)
    await slack.press("UBOB", opens[0]["action_id"], opens[0]["value"])
    await slack.until(lambda: any(b["type"] == "header" for m in slack.fake.messages for b in m["blocks"]))

    slack.fake.add_user("UDAN", name="dan", real_name="Dan Alone", locale="en-US", tz="Europe/Paris")
    slack.fake.reset()
    await slack.dm("UDAN", "What is the best recipe for chocolate cake?")
    await slack.until(lambda: any("an admin can pair you" in m["text"] for m in slack.fake.messages))
    dan = buttons_in(slack.fake.messages)
    assert [b["action_id"].split("|")[1] for b in dan] == ["lesson.more"] * 3
    assert "without your name" in slack.fake.messages[-1]["text"]


async def test_unanswered_question_goes_to_the_mentor_and_back(slack: SlackTester) -> None:
    await setup_programme(slack)
    slack.fake.reset()
    await slack.dm("UBOB", "a recipe for crêpes?")
    await slack.until(lambda: bool(slack.fake.messages))
    offer = slack.fake.messages[-1]
    assert "mia" in offer["text"]
    forward = next(
        e
        for b in offer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "question.forward" in e["action_id"]
    )
    await slack.press("UBOB", forward["action_id"], forward["value"])
    await slack.until(
        lambda: any("crêpes" in m["text"] for m in slack.fake.messages if m["channel"] in ("UMIA", "DMIA"))
    )
    to_mentor = next(
        m for m in slack.fake.messages if "crêpes" in m["text"] and m["channel"] in ("UMIA", "DMIA")
    )
    reply = next(
        e
        for b in to_mentor["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "question.reply" in e["action_id"]
    )
    await slack.press("UMIA", reply["action_id"], reply["value"])
    await slack.until(lambda: bool(slack.fake.calls_to("views.open")))
    modal = slack.fake.calls_to("views.open")[0].args["view"]
    assert modal["callback_id"] == "tandem_reply" and modal["private_metadata"] == reply["value"]
    submission = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "UMIA", "team_id": "T1"},
        "api_app_id": "ABOT",
        "trigger_id": "t3",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "tandem_reply",
            "private_metadata": reply["value"],
            "state": {
                "values": {
                    "answer": {
                        "answer_text": {
                            "type": "plain_text_input",
                            "value": "Use a crêpe site, not LinkedIn @channel",
                        }
                    }
                }
            },
        },
    }
    response = await slack.interact(submission)
    assert response.status == 200
    await slack.until(
        lambda: any(
            "crêpe site" in m["text"] for m in slack.fake.messages if m["channel"] in ("UBOB", "DBOB")
        )
    )
    answer = next(m for m in slack.fake.messages if "crêpe site" in m["text"])
    assert "@channel" not in json.dumps(answer)
    [question] = await rows(slack, Question)
    assert question.status == "answered"


async def test_mention_is_answered_in_a_thread(slack: SlackTester) -> None:
    await slack.event(
        {
            "type": "app_mention",
            "user": "UBOB",
            "text": "<@UBOT> comment protéger mon compte X ?",
            "channel": "C42",
            "ts": "1700.5",
        }
    )
    await slack.until(lambda: bool(slack.fake.messages))
    message = slack.fake.messages[0]
    assert (message["channel"], message["thread_ts"]) == ("C42", "1700.5")


async def test_each_button(slack: SlackTester) -> None:
    for action, value, expected in (
        ("tandem|lesson.more|0", "strong-passwords", "header"),
        ("tandem|quiz.start|1", "strong-passwords", "actions"),
        ("tandem|quiz.answer|0", "strong-passwords:0", "section"),
        ("tandem|feedback.useful|2", "strong-passwords", "section"),
        ("tandem|feedback.not_useful|3", "strong-passwords", "section"),
        ("tandem|ask.start|4", "strong-passwords", "section"),
    ):
        before = len(slack.fake.messages)
        await slack.press("UBOB", action, value)
        await slack.until(lambda before=before: len(slack.fake.messages) > before)
        assert expected in {b["type"] for b in slack.fake.messages[-1]["blocks"]}, action


async def test_app_home_shows_progress_and_edits_settings(slack: SlackTester) -> None:
    await setup_programme(slack)
    await slack.event({"type": "app_home_opened", "user": "UBOB", "tab": "home", "channel": "DBOB"})
    await slack.until(lambda: slack.fake.home_view("UBOB") is not None)
    view = json.dumps(slack.fake.home_view("UBOB"))
    assert "pilot" in view and "tandem_home|time" in view
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "UBOB", "team_id": "T1"},
        "api_app_id": "ABOT",
        "trigger_id": "t",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home"},
        "actions": [
            {
                "action_id": "tandem_home|time",
                "type": "timepicker",
                "selected_time": "10:15",
                "action_ts": "1",
            }
        ],
    }
    publishes = len(slack.fake.calls_to("views.publish"))
    await slack.interact(payload)
    await slack.until(lambda: len(slack.fake.calls_to("views.publish")) > publishes)
    [bob] = await rows(slack, Person, Person.key == "slack:T1:UBOB")
    assert bob.time_of_day == "10:15"
    assert "10:15" in json.dumps(slack.fake.home_view("UBOB"))


async def test_admin_home_has_a_cohort_summary(slack: SlackTester) -> None:
    await setup_programme(slack)
    await slack.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home", "channel": "DADMIN"})
    await slack.until(lambda: slack.fake.home_view("UADMIN") is not None)
    assert "Cohorts (admin)" in json.dumps(slack.fake.home_view("UADMIN"))


async def test_enrolling_a_channel_pages_members_and_skips_bots(slack: SlackTester) -> None:
    slack.fake.page_size = 100
    members = [f"U{i:05d}" for i in range(250)]
    for index, user in enumerate(members):
        slack.fake.add_user(user, name=f"user{index}", is_bot=index % 50 == 0)
    slack.fake.channel_members["C777"] = members
    await slack.command("UADMIN", "cohort create wide track first-steps", name="c")
    await slack.until(lambda: bool(slack.responses("c")))
    await slack.command("UADMIN", "enroll wide <#C777|general>", name="enroll")
    await slack.until(lambda: len(slack.responses("enroll")) >= 2, timeout=30)  # collecting, enrolling
    assert "Enrolling 245 people" in slack.responses("enroll")[-1]
    # the background job's summary reaches the admin's DM through the ledger
    await slack.until(lambda: any("wide" in t and "(245)" in t for t in slack.dm_texts("UADMIN")), timeout=30)
    assert len(slack.fake.calls_to("conversations.members")) == 3
    # profiles of a big channel come a page at a time, not one users.info call per member
    assert len(slack.fake.calls_to("users.list")) == 3  # 253 people in the workspace, 100 a page
    assert len(slack.fake.calls_to("users.info")) < 10
    enrolled = await rows(slack, Enrollment)
    assert len(enrolled) == 245


async def test_retried_event_is_handled_once(slack: SlackTester) -> None:
    await slack.dm("UBOB", "how do I spot a phishing email?", event_id="EvSAME")
    await slack.dm(
        "UBOB", "how do I spot a phishing email?", event_id="EvSAME", extra={"x-slack-retry-num": "1"}
    )
    await slack.until(lambda: bool(slack.fake.messages))
    await slack.dm("UBOB", "help", event_id="EvOTHER")
    await slack.until(lambda: len(slack.fake.messages) >= 2)
    assert len(slack.fake.messages) == 2


async def test_retried_app_home_event_is_handled_once(slack: SlackTester) -> None:
    opened = {"type": "app_home_opened", "user": "UBOB", "tab": "home", "channel": "DBOB"}
    await slack.event(opened, event_id="EvHOME")
    await slack.until(lambda: slack.fake.home_view("UBOB") is not None)
    await slack.event(opened, event_id="EvHOME", extra={"x-slack-retry-num": "1"})
    await slack.event(opened, event_id="EvHOME2")
    await slack.until(lambda: len(slack.fake.calls_to("views.publish")) >= 2)
    await asyncio.sleep(0.2)
    assert len(slack.fake.calls_to("views.publish")) == 2  # the first delivery and EvHOME2, not the retry


async def test_own_and_bot_messages_are_ignored(slack: SlackTester) -> None:
    await slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DBOB",
            "bot_id": "B2",
            "user": "UOTHER",
            "text": "hi",
            "ts": "1",
        }
    )
    await slack.event(
        {"type": "message", "channel_type": "im", "channel": "DBOB", "user": "UBOT", "text": "hi", "ts": "2"}
    )
    await slack.dm("UBOB", "help")
    await slack.until(lambda: bool(slack.fake.messages))
    assert len(slack.fake.messages) == 1


async def test_429_and_5xx_from_slack_are_retried(slack: SlackTester) -> None:
    slack.fake.fail("chat.postMessage", status=429, retry_after=0, times=1)
    await slack.dm("UBOB", "help")
    await slack.until(lambda: bool(slack.fake.messages))
    slack.fake.fail("chat.postMessage", status=500, times=1)
    await slack.dm("UBOB", "today")
    await slack.until(lambda: len(slack.fake.messages) >= 2)
    assert len(slack.fake.calls_to("chat.postMessage")) == 4


async def test_app_uninstalled_stops_deliveries(slack: SlackTester) -> None:
    await setup_programme(slack)
    await slack.event({"type": "app_uninstalled"})

    async def stopped() -> list[Enrollment]:
        return await rows(slack, Enrollment, col(Enrollment.status) == "stopped")

    for _ in range(200):
        if await stopped():
            break
        import asyncio

        await asyncio.sleep(0.02)
    ended = await stopped()
    assert len(ended) == 2, "the learner's tips and the mentor's guide (with their first mentee)"
    assert {enrollment.stop_reason for enrollment in ended} == {"Slack app uninstalled"}
    [bob] = await rows(slack, Person, Person.key == "slack:T1:UBOB")
    assert bob.reachable is False


async def test_drip_delivers_block_kit_dms(slack_by_hand: SlackTester) -> None:
    slack = slack_by_hand
    await setup_programme(slack)
    slack.fake.reset()
    monday = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    async with slack.app.services.db.transaction() as session:
        for enrollment in await session.exec(select(Enrollment)):
            enrollment.next_due_at = monday
            session.add(enrollment)
    plan, sent = await run_tick(slack.app.drip(clock=lambda: monday), monday)
    assert (plan.queued, sent.sent) == (1, 1)
    message, question = slack.fake.messages  # the first tip, then the track's 1-to-5 confidence question
    assert "confiance" in question["text"] or "à l’aise" in question["text"]
    assert message["channel"] in ("UBOB", "DBOB")
    assert message["metadata"]["event_payload"]["key"].startswith("lesson:")
    assert any(b["type"] == "header" for b in message["blocks"])
    assert "conseil du jour" in json.dumps(message["blocks"], ensure_ascii=False)


async def test_tell_me_more_ends_with_the_related_lessons(slack: SlackTester) -> None:
    await slack.press("UBOB", "tandem|lesson.more|0", "strong-passwords")
    await slack.until(lambda: bool(slack.fake.messages))
    blocks = slack.fake.messages[-1]["blocks"]
    related = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert any(
        text.startswith("Pour aller plus loin\u202f: _La validation en deux étapes, votre second verrou_ ")
        and "`leçon two-factor-authentication`" in text
        for text in related
    ), related


async def test_ask_a_question_opens_a_form_whose_text_is_answered(slack: SlackTester) -> None:
    """A button with a text box opens a form with what the core asked for; what is typed there goes to
    the button's action."""
    await slack.press("UBOB", "tandem|lesson.more|0", "strong-passwords")
    await slack.until(lambda: bool(slack.fake.messages))
    ask = next(
        e
        for b in slack.fake.messages[-1]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "ask.start" in e["action_id"]
    )
    await slack.press("UBOB", ask["action_id"], ask["value"])
    await slack.until(lambda: bool(slack.fake.calls_to("views.open")))
    form = slack.fake.calls_to("views.open")[0].args["view"]
    [box] = form["blocks"]
    assert (form["title"]["text"], form["submit"]["text"]) == ("Poser une question", "Envoyer")
    assert (box["label"]["text"], box["element"]["max_length"]) == ("Votre question", 500)

    def submission(typed: str) -> dict[str, object]:
        values = {"answer": {"answer_text": {"type": "plain_text_input", "value": typed}}}
        view = {**form, "id": "V2", "state": {"values": values}}
        return {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "UBOB", "team_id": "T1"},
                "trigger_id": slack.trigger(), "view": view}  # fmt: skip

    empty = await slack.interact(submission("  "))
    assert (await empty.json())["response_action"] == "errors"
    before = len(slack.fake.messages)
    assert (await slack.interact(submission("comment activer la validation en deux étapes ?"))).status == 200
    await slack.until(lambda: len(slack.fake.messages) > before)
    header = next(b for b in slack.fake.messages[-1]["blocks"] if b["type"] == "header")
    assert "deux étapes" in header["text"]["text"].lower()


async def test_an_unsigned_body_bolt_cannot_read_is_401_not_400(slack: SlackTester) -> None:
    """Only a signed request learns that its body has an odd shape."""
    for body, content_type in (
        ("[1, 2]", "application/json"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ):
        response = await slack.post(body, content_type, secret="not-the-secret")
        assert response.status == 401
        assert (await slack.post(body, content_type)).status == 400
    assert slack.fake.calls == []
