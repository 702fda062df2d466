"""Rooms in Slack: an event from a channel or a thread carries its room; a message the ledger holds for a
room is posted there (chat.postMessage with the channel and the thread), carries its ledger key so that
a try without an answer is checked in the channel's history or the thread's replies before posting
again, and a channel the bot is not in fails that message and tells its sender. Over real HTTP: the
bolt app, the fake Slack Web API, the real dispatcher and database."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from storage.models import Delivery, Person
from tests.bot.slack.conftest import TEAM, SlackTester
from tests.support.harness import Clock
from tests.support.rooms import ACTION, SECRET, STEP, add_room_command

THREAD = "1700000000.000500"


def mention(user: str, text: str, channel: str, *, thread: str | None = None) -> dict[str, Any]:
    """An app_mention event, as Slack sends it: in a thread, it carries the thread's ts."""
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@UBOT> {text}",
        "channel": channel,
        "ts": "1700.9",
    }
    return {**event, "thread_ts": thread} if thread else event


def posted(slack: SlackTester, text: str) -> list[dict[str, Any]]:
    return [m for m in slack.fake.messages if text in m["text"]]


async def room_rows(slack: SlackTester) -> list[Delivery]:
    async with slack.app.services.db.transaction() as session:
        return list(await session.exec(select(Delivery).where(col(Delivery.room).is_not(None))))


async def test_a_mention_in_a_thread_carries_the_thread_and_its_message_is_posted_there(
    slack_by_hand: SlackTester,
) -> None:
    slack = slack_by_hand
    add_room_command(slack.app.conversation)
    await slack.event(mention("UBOB", "post-here", "C42", thread=THREAD))
    await slack.until(lambda: bool(posted(slack, "room:")))
    [answer] = posted(slack, "room:")
    assert f"slack-room:{TEAM}:C42:{THREAD}" in answer["text"]
    assert (answer["channel"], answer["thread_ts"]) == ("C42", THREAD)

    await slack.deliver()

    [step] = posted(slack, STEP)
    assert (step["channel"], step["thread_ts"]) == ("C42", THREAD)
    [row] = await room_rows(slack)
    assert step["metadata"] == {
        "event_type": "tandem_delivery",
        "event_payload": {"key": row.dedupe_key, "part": 0},
    }, "the same mark as a direct message, for `arrived`"
    assert (row.room, row.status) == (f"slack-room:{TEAM}:C42:{THREAD}", "sent")
    assert slack.dm_texts("UBOB") == [], "nothing in the host's direct messages"


async def test_a_post_without_an_answer_is_found_in_the_thread_and_not_posted_twice(
    slack_by_hand: SlackTester, clock: Clock
) -> None:
    slack = slack_by_hand
    add_room_command(slack.app.conversation)
    await slack.event(mention("UMIA", "post-here", "C42", thread=THREAD))
    await slack.until(lambda: bool(posted(slack, "room:")))
    slack.fake.fail("chat.postMessage", status=500, after="after")  # Slack posts it, then answers 500
    await slack.deliver()
    [row] = await room_rows(slack)
    assert (row.status, row.uncertain) == ("pending", True)

    clock.advance(minutes=2)
    await slack.deliver()

    assert len(posted(slack, STEP)) == 1, "found in the thread's replies: not posted again"
    [replies] = slack.fake.calls_to("conversations.replies")
    assert (replies.args["channel"], replies.args["ts"]) == ("C42", THREAD)
    [row] = await room_rows(slack)
    assert row.status == "sent"


async def test_a_command_in_a_channel_posts_at_its_top_level_found_again_in_its_history(
    slack_by_hand: SlackTester, clock: Clock
) -> None:
    slack = slack_by_hand
    add_room_command(slack.app.conversation)
    replies = await slack_command(slack, "UMIA", "post-here", channel="C42")
    assert f"room: slack-room:{TEAM}:C42" in replies[-1] and THREAD not in replies[-1]
    slack.fake.fail("chat.postMessage", status=500, after="after")
    await slack.deliver()
    clock.advance(minutes=2)
    await slack.deliver()

    [step] = posted(slack, STEP)
    assert (step["channel"], step["thread_ts"]) == ("C42", None)
    assert [call.args["channel"] for call in slack.fake.calls_to("conversations.history")] == ["C42"]
    assert [row.status for row in await room_rows(slack)] == ["sent"]


async def test_a_button_pressed_in_a_thread_carries_the_thread(slack_by_hand: SlackTester) -> None:
    slack = slack_by_hand
    add_room_command(slack.app.conversation)
    await slack.event(mention("UMIA", "post-here", "C42", thread=THREAD))
    await slack.until(lambda: bool(posted(slack, "room:")))
    await slack.deliver()
    [step] = posted(slack, STEP)

    await slack.interact(press_in_thread(slack, "UBOB", step, THREAD))
    await slack.until(lambda: len(posted(slack, "room:")) == 2)
    await slack.deliver()

    again = posted(slack, STEP)
    assert len(again) == 2 and all((m["channel"], m["thread_ts"]) == ("C42", THREAD) for m in again)
    assert {row.room for row in await room_rows(slack)} == {f"slack-room:{TEAM}:C42:{THREAD}"}


async def test_a_direct_message_has_no_room(slack_by_hand: SlackTester) -> None:
    slack = slack_by_hand
    add_room_command(slack.app.conversation)
    await slack.dm("UMIA", "post-here")
    await slack.until(lambda: bool(slack.dm_texts("UMIA")))
    assert slack.dm_texts("UMIA") == ["room: none"]
    replies = await slack_command(slack, "UMIA", "post-here")  # a slash command typed in the DM
    assert replies[-1] == "room: none"
    assert await room_rows(slack) == []


async def test_a_channel_the_bot_is_not_in_fails_and_tells_the_sender(slack_by_hand: SlackTester) -> None:
    slack = slack_by_hand
    add_room_command(slack.app.conversation)
    slack.fake.permanent_errors["C404"] = "not_in_channel"
    await slack_command(slack, "UMIA", "post-here", channel="C404")

    await slack.deliver()

    assert posted(slack, STEP) == []
    [row] = await room_rows(slack)
    assert (row.status, row.error) == ("failed", "not_in_channel")
    [report] = slack.dm_texts("UMIA")
    assert "could not be posted in the channel or chat" in report
    assert "Tandem is not in that channel or chat: add it there first" in report
    async with slack.app.services.db.transaction() as session:
        mia = (await session.exec(select(Person).where(Person.key == f"slack:{TEAM}:UMIA"))).one()
    assert mia.reachable, "the host can still be written to: only the channel could not"


async def slack_command(slack: SlackTester, user: str, text: str, *, channel: str | None = None) -> list[str]:
    """`/tandem <text>` from `user` (in `channel`, else in their DM): its ephemeral answers."""
    name = f"room-{slack.trigger()}"
    await slack.command(user, text, name=name, channel=channel)
    await slack.until(lambda: bool(slack.responses(name)))
    return slack.responses(name)


def press_in_thread(
    slack: SlackTester,
    user: str,
    message: dict[str, Any],
    thread: str,
    *,
    action: str = ACTION,
    value: str = "again",
) -> dict[str, Any]:
    """A block_actions payload for the button of a message the bot posted in a thread of a channel."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "ABOT",
        "trigger_id": f"press-{message['ts']}",
        "channel": {"id": message["channel"], "name": "workshop"},
        "container": {
            "type": "message",
            "channel_id": message["channel"],
            "message_ts": message["ts"],
            "thread_ts": thread,
            "is_ephemeral": False,
        },
        "message": {"ts": message["ts"], "thread_ts": thread, "text": message["text"]},
        "response_url": slack.fake.response_url("press"),
        "actions": [
            {
                "action_id": f"tandem|{action}|0",
                "block_id": "b1",
                "value": value,
                "type": "button",
                "action_ts": "1",
            }
        ],
    }


async def test_a_private_answer_to_a_button_in_a_channel_is_shown_to_its_presser_only(
    slack_by_hand: SlackTester,
) -> None:
    """A live quiz's "Got it" must not reach the room: an ephemeral message, never a post."""
    slack = slack_by_hand
    add_room_command(slack.app.conversation)
    await slack.event(mention("UMIA", "post-here", "C42", thread=THREAD))
    await slack.until(lambda: bool(posted(slack, "room:")))
    await slack.deliver()
    [step] = posted(slack, STEP)

    await slack.interact(press_in_thread(slack, "UBOB", step, THREAD, action=SECRET, value="mine"))
    await slack.until(lambda: any("only you see this" in m["text"] for m in slack.fake.ephemerals))
    [shown] = [m for m in slack.fake.ephemerals if "only you see this" in m["text"]]
    assert (shown["channel"], shown["user"]) == ("C42", "UBOB")
    assert not posted(slack, "only you see this")
