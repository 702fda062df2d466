"""A file sent to someone else (an invitation's .ics) through the delivery ledger reaches a console person
as my-data does: its caption, and the file saved (readable by its owner only) where the console saves
files, with its path; whether they are in a live session when it is sent or open `tandem chat` later."""

from __future__ import annotations

import io
import stat
from pathlib import Path

from sqlmodel import select

from bot.console.chat import ConsoleChat
from bot.core import outbox
from bot.core.replies import File, Notify, Text
from storage.models import Delivery
from tests.support.harness import Harness

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n"
INVITATION = (
    Text("Mia invites you to the workshop **Passkeys**, Tuesday at 12:30."),
    File("tandem-workshop-12.ics", ICS, "text/calendar", "Add it to your calendar."),
)


async def queue(harness: Harness, person_key: str) -> None:
    """What a command does: the Notify goes into the ledger in a transaction of its own."""
    async with harness.services.db.transaction() as session:
        note = Notify(person_key, INVITATION)
        await outbox.post(session, sender=None, replies=[note], lang="en", now=harness.clock())


async def statuses(harness: Harness) -> list[str]:
    async with harness.services.db.transaction() as session:
        return [d.status for d in await session.exec(select(Delivery))]


def saved() -> Path:
    return (Path.cwd() / "tandem-workshop-12.ics").resolve()


async def test_a_file_in_a_notice_waits_in_the_inbox_and_is_saved_when_they_come(harness: Harness) -> None:
    await harness.say("bob", "help")
    await queue(harness, "console:bob")
    await harness.app.deliver_now()  # through the real dispatcher, to the console's inbox
    assert await statuses(harness) == ["sent"]
    assert not saved().exists(), "nothing is written before bob opens the console"

    screen = io.StringIO()
    chat = ConsoleChat(harness.conversation, harness.app.outlets, "bob", stdin=io.StringIO(""), stdout=screen)
    await chat.run()

    shown = screen.getvalue()
    assert "Mia invites you to the workshop Passkeys" in shown
    assert f"Add it to your calendar.\n→ {saved()}" in shown
    assert saved().read_bytes() == ICS and stat.S_IMODE(saved().stat().st_mode) == 0o600
    assert "BEGIN:VCALENDAR" not in shown, "the path, not the file"


async def test_a_file_in_a_notice_to_the_live_person_is_saved_at_once(harness: Harness) -> None:
    await harness.say("bob", "help")
    screen = io.StringIO()
    ConsoleChat(harness.conversation, harness.app.outlets, "bob", stdin=io.StringIO(""), stdout=screen)
    await queue(harness, "console:bob")
    await harness.app.deliver_now()
    assert f"Add it to your calendar.\n→ {saved()}" in screen.getvalue()
    assert saved().read_bytes() == ICS
