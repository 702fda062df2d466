"""Rooms in Teams: a message that mentions Tandem in a group chat (or a team's channel) carries its room,
and the room's conversation reference is kept (naming no one); a message the ledger holds for the room
continues that conversation, as a person's proactive message does. What is for the person alone goes to
their personal chat, never into the room. A room with no reference, or one that refuses the bot, fails
that message and tells its sender. Over real HTTP: the Agents SDK app, the fake Bot Connector, the real
dispatcher and database."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.core import outbox
from bot.core.replies import Notify, Text
from storage import keys, people
from storage.models import ChatRoom, Delivery, Person
from tests.bot.teams.conftest import BOT, TENANT, TeamsTester, conversation_of, texts
from tests.support.rooms import STEP, add_room_command

MIA, BOB = "29:mia", "29:bob"
MIA_KEY = f"teams:{TENANT}:aad-mia"
GROUP = "19:workshop-group@thread.v2"
ROOM = keys.teams_room(TENANT, GROUP)


def in_group(teams: TeamsTester, user: str, text: str, **fields: Any) -> dict[str, Any]:
    """A message in the group chat that mentions Tandem, as Teams sends it to the bot."""
    mention = {"type": "mention", "text": "<at>Tandem</at>", "mentioned": {"id": BOT, "name": "Tandem"}}
    return teams.activity(
        user,
        text=f"<at>Tandem</at> {text}",
        entities=[mention],
        conversation={"id": GROUP, "conversationType": "groupChat", "tenantId": TENANT},
        **fields,
    )


async def stored_rooms(teams: TeamsTester) -> list[ChatRoom]:
    async with teams.app.services.db.transaction() as session:
        return list(await session.exec(select(ChatRoom)))


async def room_rows(teams: TeamsTester) -> list[Delivery]:
    async with teams.app.services.db.transaction() as session:
        return list(await session.exec(select(Delivery).where(col(Delivery.room).is_not(None))))


async def mia(teams: TeamsTester) -> Person:
    async with teams.app.services.db.transaction() as session:
        found = await people.get_person(session, key=MIA_KEY)
    assert found is not None
    return found


async def test_a_group_chat_message_keeps_the_room_and_its_message_is_posted_there(
    teams_by_hand: TeamsTester,
) -> None:
    teams = teams_by_hand
    add_room_command(teams.app.conversation)
    await teams.install(MIA)
    replies = await teams.turn(in_group(teams, MIA, "post-here"))
    assert f"room: {ROOM}" in texts(replies), "the event carried its room"

    [room] = await stored_rooms(teams)
    assert (room.key, room.platform) == (ROOM, "teams")
    assert room.conversation is not None
    assert room.conversation["conversation"]["id"] == GROUP
    assert room.conversation["serviceUrl"] == teams.connector.url
    assert "user" not in room.conversation, "a room's reference names no one"
    assert (await mia(teams)).conversation["conversation"]["id"] == conversation_of(MIA), (  # type: ignore[index]
        "her own conversation is still her personal chat"
    )

    await teams.app.deliver_now()

    [step] = teams.connector.to(GROUP)
    assert STEP in step.text
    assert not any(STEP in text for text in teams.connector.texts(conversation_of(MIA)))
    [row] = await room_rows(teams)
    assert (row.room, row.status) == (ROOM, "sent")


async def test_a_channel_thread_is_a_room_of_its_own(teams_by_hand: TeamsTester) -> None:
    teams = teams_by_hand
    add_room_command(teams.app.conversation)
    await teams.install(MIA)
    thread = "19:general@thread.tacv2;messageid=1700000000000"
    conversation = {"id": thread, "conversationType": "channel", "tenantId": TENANT}
    replies = await teams.turn(in_group(teams, MIA, "post-here") | {"conversation": conversation})
    assert f"room: {keys.teams_room(TENANT, thread)}" in texts(replies)
    await teams.app.deliver_now()
    assert any(STEP in text for text in teams.connector.texts(thread))


async def test_what_is_for_the_person_alone_goes_to_their_personal_chat(teams_by_hand: TeamsTester) -> None:
    teams = teams_by_hand
    await teams.install(MIA)
    before = len(teams.connector.to(conversation_of(MIA)))
    replies = await teams.turn(in_group(teams, MIA, "help"))
    assert replies == [], "help answers her alone: nothing in the room"
    [answer] = teams.connector.to(conversation_of(MIA))[before:]
    assert "next" in answer.text
    assert teams.connector.to(GROUP) == []


async def test_someone_tandem_cannot_write_to_alone_is_pointed_to_the_personal_chat(
    teams_by_hand: TeamsTester,
) -> None:
    teams = teams_by_hand
    replies = await teams.turn(in_group(teams, BOB, "help"))  # bob never opened Tandem
    [pointer] = replies
    assert texts([pointer]).startswith("Parlons en conversation privée"), "in his language, and only that"
    assert teams.connector.to(conversation_of(BOB)) == []


async def test_the_app_added_to_a_group_chat_keeps_the_room_and_says_nothing(
    teams_by_hand: TeamsTester,
) -> None:
    teams = teams_by_hand
    await teams.install(MIA)
    added = teams.activity(
        MIA,
        "installationUpdate",
        action="add",
        conversation={"id": GROUP, "conversationType": "groupChat", "tenantId": TENANT},
    )
    assert await teams.turn(added) == []
    assert [room.key for room in await stored_rooms(teams)] == [ROOM]
    assert (await mia(teams)).conversation["conversation"]["id"] == conversation_of(MIA)  # type: ignore[index]

    removed = {**added, "id": "in-removed", "action": "remove"}
    await teams.turn(removed)
    assert await stored_rooms(teams) == []
    assert (await mia(teams)).reachable, "removed from the group chat, not from her personal chat"


async def queue_for(teams: TeamsTester, room: str) -> None:
    """What a workshop's host queues: a message for a room, with Mia answering for it."""
    async with teams.app.services.db.transaction() as session:
        host = await people.get_person(session, key=MIA_KEY)
        now = teams.app.services.clock()
        note = Notify(MIA_KEY, (Text(STEP),), room=room)
        await outbox.post(session, sender=host, replies=[note], lang="en", now=now)


async def test_a_room_without_a_stored_conversation_fails_and_tells_the_sender(
    teams_by_hand: TeamsTester,
) -> None:
    teams = teams_by_hand
    await teams.install(MIA)
    await queue_for(teams, keys.teams_room(TENANT, "19:never-seen@thread.v2"))
    await teams.app.deliver_now()

    [row] = await room_rows(teams)
    assert row.status == "failed" and (row.error or "").startswith("room_unknown")
    report = "\n".join(teams.connector.texts(conversation_of(MIA)))
    assert "could not be posted in the channel or chat" in report
    assert "Tandem cannot write in that chat yet" in report
    assert (await mia(teams)).reachable


async def test_a_room_that_refuses_the_bot_fails_and_tells_the_sender(teams_by_hand: TeamsTester) -> None:
    teams = teams_by_hand
    add_room_command(teams.app.conversation)
    await teams.install(MIA)
    await teams.turn(in_group(teams, MIA, "post-here"))
    teams.connector.refusing[GROUP] = 403  # the bot was removed from the group chat meanwhile
    await teams.app.deliver_now()

    [row] = await room_rows(teams)
    assert row.status == "failed" and (row.error or "").startswith("not_in_channel")
    report = "\n".join(teams.connector.texts(conversation_of(MIA)))
    assert "Tandem is not in that channel or chat: add it there first" in report
    assert (await mia(teams)).reachable
