"""A live console session shows messages as they arrive, from this process or another."""

from __future__ import annotations

import asyncio
import io

from bot.console.chat import ConsoleChat, ConsoleOutlet
from bot.core.replies import Text
from bot.outlets import Destination, Item, Outlets
from storage import people
from tests.support.harness import Harness


class Terminal(io.StringIO):
    """A terminal whose lines arrive when the test types them."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: asyncio.Queue[str] = asyncio.Queue()
        self.loop = asyncio.get_running_loop()

    def isatty(self) -> bool:
        return True

    def readline(self, size: int = -1) -> str:
        return asyncio.run_coroutine_threadsafe(self.lines.get(), self.loop).result()


async def test_messages_from_elsewhere_appear_while_chatting(harness: Harness) -> None:
    await harness.say("bob", "help")  # bob exists
    terminal, screen = Terminal(), io.StringIO()
    chat = ConsoleChat(harness.conversation, Outlets(), "bob", stdin=terminal, stdout=screen)
    session = asyncio.create_task(chat.run(poll_every=0.05))
    async with harness.services.db.transaction() as db_session:
        bob = await people.get_person(db_session, key="console:bob")
    assert bob is not None
    other_process = ConsoleOutlet(harness.services)  # not the live chat's outlet: another process's
    destination = Destination(bob.key, "console", bob.display_name, bob.id)
    await other_process.deliver(Item("msg:1", destination, (Text("Your tip of the day: **passkeys**"),)))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if "passkeys" in screen.getvalue():
            break
    await terminal.lines.put("")
    await asyncio.wait_for(session, 5)
    assert "Your tip of the day: passkeys" in screen.getvalue()


async def test_a_message_to_the_live_person_prints_as_soon_as_it_is_delivered(harness: Harness) -> None:
    await harness.say("mia", "help")
    terminal, screen = Terminal(), io.StringIO()
    chat = ConsoleChat(harness.conversation, harness.app.outlets, "mia", stdin=terminal, stdout=screen)
    session = asyncio.create_task(chat.run(poll_every=60))
    await asyncio.sleep(0.05)
    await harness.say("root", "admin add @mia")  # queued for mia in the ledger
    assert "made you a Tandem admin" not in screen.getvalue()
    await harness.app.deliver_now()
    assert "root made you a Tandem admin" in screen.getvalue()
    await terminal.lines.put("quit\n")
    await asyncio.wait_for(session, 5)
