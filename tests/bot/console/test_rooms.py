"""Rooms in the console: it has no shared rooms, so a message the ledger holds for a room reaches the inbox
of the person who answers for it (a workshop's host), under a line naming the room, in their language;
exactly once, like any other message of the inbox."""

from __future__ import annotations

import io

from sqlmodel import select

from bot.console.chat import ConsoleChat
from bot.core import outbox
from bot.core.replies import Notify, Text
from storage import keys, people
from storage.models import Delivery, InboxMessage
from tests.support.harness import Harness
from tests.support.rooms import STEP

ROOM = keys.console_room("Lab")


async def queue_for_room(harness: Harness, host: str) -> None:
    async with harness.services.db.transaction() as session:
        sender = await people.get_person(session, key=host)
        note = Notify(host, (Text(STEP),), room=ROOM)
        await outbox.post(session, sender=sender, replies=[note], lang="en", now=harness.clock())


async def test_a_room_message_waits_in_the_hosts_inbox_under_the_rooms_name(harness: Harness) -> None:
    await harness.say("bob", "help")
    await queue_for_room(harness, "console:bob")
    await harness.app.deliver_now()
    async with harness.services.db.transaction() as session:
        [row] = list(await session.exec(select(Delivery).where(Delivery.room == ROOM)))
        inbox = list(await session.exec(select(InboxMessage)))
    assert row.status == "sent"
    assert [message.dedupe_key for message in inbox] == [row.dedupe_key], "one inbox message, with its key"

    screen = io.StringIO()
    chat = ConsoleChat(harness.conversation, harness.app.outlets, "bob", stdin=io.StringIO(""), stdout=screen)
    await chat.run()
    assert f"Posted in the room lab:\n\n{STEP}" in screen.getvalue()


async def test_a_room_message_to_the_live_host_is_shown_at_once_in_their_language(harness: Harness) -> None:
    await harness.say("bob", "langue fr")
    screen = io.StringIO()
    ConsoleChat(harness.conversation, harness.app.outlets, "bob", stdin=io.StringIO(""), stdout=screen)
    await queue_for_room(harness, "console:bob")
    await harness.app.deliver_now()
    shown = screen.getvalue()
    assert f"Publié dans le salon lab\u202f:\n\n{STEP}" in shown
