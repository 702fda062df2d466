"""A live console session shows messages as they arrive, from this process or another."""

from __future__ import annotations

import asyncio
import io

from bot.console.chat import ConsoleChat, ConsoleOutlet
from bot.core.replies import Notify, Text
from bot.outlets import Outlets
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
    outlets = Outlets(harness.services)
    chat = ConsoleChat(harness.conversation, outlets, "bob", stdin=terminal, stdout=screen)
    session = asyncio.create_task(chat.run(poll_every=0.05))
    other_process = Outlets(harness.services)
    other_process.register("console", ConsoleOutlet(None, harness.conversation))
    await other_process.deliver(Notify("console:bob", (Text("Your tip of the day: **passkeys**"),)))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if "passkeys" in screen.getvalue():
            break
    await terminal.lines.put("")
    await asyncio.wait_for(session, 5)
    assert "Your tip of the day: passkeys" in screen.getvalue()


async def test_notify_to_the_live_person_prints_at_once(harness: Harness) -> None:
    await harness.say("mia", "help")
    terminal, screen = Terminal(), io.StringIO()
    outlets = Outlets(harness.services)
    chat = ConsoleChat(harness.conversation, outlets, "mia", stdin=terminal, stdout=screen)
    session = asyncio.create_task(chat.run(poll_every=60))
    await asyncio.sleep(0.05)
    await outlets.deliver(Notify("console:mia", (Text("bob has a question"),)))
    assert "bob has a question" in screen.getvalue()
    await terminal.lines.put("quit\n")
    await asyncio.wait_for(session, 5)
