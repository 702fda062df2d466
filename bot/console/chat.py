"""`tandem chat`: a terminal conversation with the core, one person at a time.

Lines are read from stdin; a number picks a button from the last message, and for a button with a text
box the core asks for its text and takes the next message (`cancel` gives up). What the core sends to other
people goes through the delivery ledger; console people who are not in this live session find it in
their inbox when they next open `tandem chat`.

In a terminal, the line is edited with prompt_toolkit: arrow keys move in the line and recall earlier
lines (kept for the session only: what people type stays in the database, which forget-me erases, and
nowhere else); Ctrl-C and Ctrl-D leave. Messages that arrive meanwhile (a tip, a mentor's answer, from
this process or another) print above the prompt, and the half-typed line stays as it was.

When stdin is not a terminal, lines are read one by one, what each line sent is delivered before the
next is read (so a script's output is always the same), and the chat ends at end of input.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.console.channel import console_actor, console_key, local_files, mentions_in
from bot.console.render import margin, render_reply
from bot.core import intake
from bot.core.context import Services
from bot.core.conversation import Conversation
from bot.core.events import Actor, Event
from bot.core.replies import Button, Reply, Text
from bot.core.serialize import from_dict, to_dict
from bot.core.text import neutralize, terminal_safe
from bot.i18n import register, t
from bot.outlets import Item, Outlets
from storage import activity, keys, people

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession

logger = logging.getLogger(__name__)

PROMPT = "you> "
"""The prompt, until the console knows the person's language (`prompt`)."""
SPEAKER = "tandem> "
"""What starts the bot's messages in a terminal; the lines after it are indented as far."""
QUIT_WORDS = {"quit", "exit", "bye", "/quit", "quitter"}

register(
    {
        "console.room_posted": {
            "en": "Posted in the room *{room}*:",
            "fr": "Publié dans le salon *{room}* :",
        },
    }
)


class ConsoleOutlet:
    """Delivers to console people: kept in their inbox (the console's mailbox), and printed at once when
    they are the person in this live session. Every inbox row of a message carries its ledger key: so
    delivery is exactly once, and each copy leads back to the message's sender (`Delivery.dedupe_key`
    -> `DeliveryBatch.sender_id`), whose words go when they ask to be forgotten.

    The console has no shared rooms: what is posted in a room reaches the inbox of the person who
    answers for it (a workshop's host), under a line naming the room."""

    exactly_once = True
    paced = False  # a local database write: no chat API to spare

    def __init__(self, services: Services, chat: ConsoleChat | None = None) -> None:
        self.services = services
        self.chat = chat

    async def deliver(self, item: Item) -> None:
        live = self.chat is not None and item.destination.key == self.chat.actor.key
        async with self.services.db.transaction() as session:
            replies = await self._as_posted(session, item)
            payloads = [p for p in (to_dict(r) for r in replies) if p is not None]
            for payload in payloads:
                await activity.push_inbox(
                    session,
                    person_id=item.destination.person_id or 0,
                    payload=payload,
                    dedupe_key=item.key,
                    shown_at=self.services.clock() if live else None,
                )
        if live and self.chat is not None:
            self.chat.arrive(replies)

    async def _as_posted(self, session: AsyncSession, item: Item) -> tuple[Reply, ...]:
        """The item's replies; for a room, under a line naming it, in the person's language."""
        room = item.destination.room
        if not room:
            return item.replies
        person = await people.get_person_by_id(session, person_id=item.destination.person_id or 0)
        lang = person.lang if person is not None else self.services.settings.default_lang
        line = t("console.room_posted", lang, room=neutralize(room_name(room), 80))
        first = item.replies[0] if item.replies else None
        if isinstance(first, Text) and not first.replaces:
            return (replace(first, markdown=f"{line}\n\n{first.markdown}"), *item.replies[1:])
        return (Text(line), *item.replies)

    async def arrived(self, item: Item) -> bool:
        async with self.services.db.transaction() as session:
            return await activity.inbox_has(
                session, person_id=item.destination.person_id or 0, dedupe_key=item.key
            )


def room_name(room: str) -> str:
    """How a room is named to a console reader: its name (`console-room:lab` -> `lab`), or the
    conversation of another platform's room key; the key itself when it is not one."""
    try:
        return keys.parse_room(room).conversation
    except ValueError:
        return room


class ConsoleChat:
    """The live console session of one person."""

    def __init__(
        self,
        conversation: Conversation,
        outlets: Outlets,
        user: str,
        name: str | None = None,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        deliver: Callable[[], Awaitable[object]] | None = None,
        editor: bool | None = None,
    ) -> None:
        self.conversation = conversation
        self.actor: Actor = console_actor(user, name)
        self.stdin = stdin or sys.stdin
        self._stdout = stdout
        self.editor = (
            stdin is None and stdout is None and sys.stdin.isatty() and sys.stdout.isatty()
            if editor is None
            else editor
        )
        """Whether lines are edited with prompt_toolkit: by default, when this is a real terminal."""
        self._prompt: PromptSession[str] | None = None
        self.prompt = PROMPT
        """What asks for the next line in a terminal, in the person's language (`open_console` says)."""
        self.buttons: list[Button] = []
        self.pending: Button | None = None
        """A button with a text box that was picked: the next line is its text."""
        self._deliver = deliver
        self._waiting = False
        outlets.register("console", ConsoleOutlet(conversation.services, self))

    @property
    def interactive(self) -> bool:
        return self.editor or self.stdin.isatty()

    @property
    def stdout(self) -> TextIO:
        """Where the chat prints: the stream it was given, else `sys.stdout` as it is now (while the
        line editor runs, prompt_toolkit's proxy, which prints above the prompt)."""
        return self._stdout or sys.stdout

    def out(self, text: str) -> None:
        """The console's one way to the terminal: everything it prints passes `terminal_safe`, so text
        from other people (names, questions, answers, a my-data file) cannot carry control sequences."""
        self.stdout.write(terminal_safe(text))
        self.stdout.flush()

    def write(self, text: str) -> None:
        self.out(text + "\n")

    def show(self, replies: Sequence[Reply]) -> None:
        """Print replies; buttons are numbered across the message so a number picks one."""
        buttons: list[Button] = []
        for reply in replies:
            with margin(len(SPEAKER)) if self.interactive else nullcontext():
                text, offered = render_reply(reply, start=len(buttons) + 1)
            if text:
                self.write(f"{speaking(text)}\n" if self.interactive else f"{text}\n")
            buttons.extend(offered)
        if buttons:
            self.buttons = buttons

    async def show_inbox(self) -> None:
        services = self.conversation.services
        async with services.db.transaction() as session:
            person = await people.get_person(session, key=console_key(self.actor.local_id))
            waiting = (
                await activity.take_inbox(session, person_id=person.id, now=services.clock())
                if person and person.id
                else []
            )
        replies = [
            r for r in (from_dict(m.payload, services.lessons.library) for m in waiting) if r is not None
        ]
        if replies:
            self.arrive(replies)

    def arrive(self, replies: Sequence[Reply]) -> None:
        """Show messages that arrive on their own. With the line editor, above the prompt, which
        prompt_toolkit draws again with the typed text; at a plain live prompt, below it, and then the
        prompt again."""
        at_prompt = self.interactive and self._waiting and self._prompt is None
        if at_prompt:
            self.out("\n")
        self.show(replies)
        if at_prompt:
            self.out(self.prompt)

    def event_for(self, line: str) -> Event | None:
        """The core event for a typed line; None when the line picked a button with a text box, which
        then waits for its text (`pending`)."""
        text = line.strip()
        if self.pending is not None:
            button, self.pending = self.pending, None
            return Event(self.actor, "action", text, action=button.action, value=button.value)
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            button = self.buttons[int(text) - 1]
            # A button with a text box is pressed with nothing typed: the core then says what to type
            # and takes the next message as its text (bot/core/dialogue.py), in this session or a later one.
            return Event(self.actor, "action", "", action=button.action, value=button.value)
        if text.lower().startswith("/tandem"):
            return Event(self.actor, "command", text, mentions=mentions_in(text))
        return Event(self.actor, "message", text, mentions=mentions_in(text))

    async def handle_line(self, line: str) -> None:
        event = self.event_for(line)
        if event is None:
            self._ask_for_text()
            return
        taken = await intake.take(self.conversation, event, local_files(self.conversation.router, event))
        self.show(taken if isinstance(taken, list) else await self.conversation.handle(taken))
        if not self.interactive:
            await self.deliver()

    def _ask_for_text(self) -> None:
        """The prompt of the text box just picked: what it asks for."""
        assert self.pending is not None and self.pending.input is not None
        prompt = f"{self.pending.input.placeholder}:"
        self.write(f"{SPEAKER}{prompt}" if self.interactive else prompt)

    async def deliver(self) -> None:
        """Send what is due now (and run waiting jobs), so that scripted conversations read the same
        every time; in a live terminal the dispatcher does this in the background."""
        if self._deliver is not None:
            try:
                await self._deliver()
            except Exception:
                logger.exception("Could not deliver the waiting messages")

    async def _read_line(self) -> str | None:
        """The next line; None at the end of input, and in the line editor on Ctrl-D or Ctrl-C."""
        if self._prompt is not None:
            self._waiting = True
            try:
                return await self._prompt.prompt_async(self.prompt)
            except (EOFError, KeyboardInterrupt):
                return None
            finally:
                self._waiting = False
        if self.interactive:
            self.out(self.prompt)
        self._waiting = True
        try:
            line = await asyncio.to_thread(self.stdin.readline)
        finally:
            self._waiting = False
        return line if line else None

    async def _poll_inbox(self, every: float) -> None:
        """In a live terminal, messages delivered by other processes show up as they arrive."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.show_inbox()
            except Exception:
                logger.exception("Could not read the inbox")

    async def run(self, welcome: str = "", *, poll_every: float = 1.0) -> None:
        """The read-eval-print loop; ends at end of input or on `quit` (and Ctrl-C or Ctrl-D in the
        line editor). In a terminal, the inbox is read every `poll_every` seconds."""
        if not self.editor:
            await self._run(welcome, poll_every)
            return
        # Imported here: a script's chat (no terminal) starts without loading the line editor.
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import InMemoryHistory
        from prompt_toolkit.patch_stdout import patch_stdout

        self._prompt = PromptSession(history=InMemoryHistory())
        try:
            with keys_not_signals(self.stdin), patch_stdout():
                await self._run(welcome, poll_every)
        finally:
            self._prompt = None

    async def _run(self, welcome: str, poll_every: float) -> None:
        if welcome:
            self.write(welcome)
        await self.deliver()
        await self.show_inbox()
        poller = asyncio.create_task(self._poll_inbox(poll_every)) if self.interactive else None
        try:
            await self._loop()
        finally:
            if poller is not None:
                poller.cancel()

    async def _loop(self) -> None:
        while True:
            line = await self._read_line()
            if line is None:
                break
            if not line.strip():
                self.pending = None  # an empty line gives up a text box
                continue
            if line.strip().lower() in QUIT_WORDS:
                break
            await self.handle_line(line)
        await self.deliver()


def speaking(text: str) -> str:
    """`tandem> ` before the first line of a message, and its width of spaces before the others."""
    indent = " " * len(SPEAKER)
    first, *rest = text.split("\n")
    return "\n".join([SPEAKER + first, *(indent + line if line else "" for line in rest)])


@contextmanager
def keys_not_signals(stream: TextIO) -> Iterator[None]:
    """For the whole session, Ctrl-C (and what else the terminal turns into signals) is a key, and
    what is typed ahead is not echoed between two prompts. The line editor does so while it reads a
    line; between two lines, while the bot answers, a Ctrl-C would otherwise interrupt the whole
    process group (`make` too, which then fails). So a Ctrl-C typed then leaves at the next prompt,
    with exit code 0. Nothing changes where the terminal cannot say (no termios)."""
    try:
        import termios
    except ImportError:  # not a POSIX terminal
        yield
        return
    try:
        fd = stream.fileno()
        before = termios.tcgetattr(fd)
    except (termios.error, OSError, ValueError):
        yield
        return
    quiet = list(before)
    quiet[3] &= ~(termios.ISIG | termios.ECHO)  # the local modes
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, before)
