"""forget-me's scrub of stored JSON (`storage.privacy.scrub_json`): in a message that names the person,
the texts they wrote go too, whole or cut short as messages quote them, but never a longer word, another
text that starts the same, or a text in a message that does not name them; a file waiting in JSON is
read by the reader its MIME type has, and written back."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from sqlmodel import col, select

from bot.core.context import Services
from storage import activity, downloads, people, privacy
from storage.models import InboxMessage, PendingAction, PersonCreate

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
QUESTION = "How do I hide my quokkafiddle profile from recruiters?"


async def someone(services: Services, name: str, shown: str) -> int:
    async with services.db.transaction() as session:
        data = PersonCreate(key=f"console:{name}", platform="console", display_name=shown)
        return (await people.get_or_create_person(session, data=data)).id or 0


def zoe(person_id: int) -> privacy.Identity:
    return privacy.Identity(person_id=person_id, key="console:zoe", names=("Zoë",), texts=(QUESTION, "ski"))


async def inbox(services: Services, person_id: int, *texts: str) -> None:
    async with services.db.transaction() as session:
        for text in texts:
            payload = {"type": "text", "markdown": text, "buttons": []}
            await activity.push_inbox(session, person_id=person_id, payload=payload)


async def scrub(
    services: Services, identity: privacy.Identity, files: dict[str, privacy.FileScrub] | None = None
) -> None:
    async with services.db.transaction() as session:
        await privacy.scrub_json(session, identity=identity, files=files)


async def texts_in(services: Services, person_id: int) -> list[str]:
    async with services.db.transaction() as session:
        query = (
            select(InboxMessage)
            .where(col(InboxMessage.person_id) == person_id)
            .order_by(col(InboxMessage.id))
        )
        return [str(m.payload["markdown"]) for m in await session.exec(query)]


async def test_a_message_that_names_them_loses_what_they_wrote_whole_or_cut_short(services: Services) -> None:
    """Failure: the name went from a mentor's brief, but the question and the commitment it quoted stayed
    (whole, or cut short with `…`)."""
    learner, mentor = await someone(services, "zoe", "Zoë"), await someone(services, "mia", "Mia")
    await inbox(
        services,
        mentor,
        "Before your meeting with **Zoë**:\n"
        "  - #3: How do I hide my quokkafiddle profile fr…\n"
        f"  - #4: {QUESTION}\n"
        "  - #5: How do I hide my quokkafiddle profile from my boss?\n"
        "- Last session they chose: “ski” (done)\n"
        "Tip: skiing, ski-lifts and après-ski are words of their own.",
        "Nobody named here: ski today, and “How do I hide my quokkafiddle profile from recruiters?”",
    )
    await scrub(services, zoe(learner))
    about, other = await texts_in(services, mentor)
    assert about == (
        "Before your meeting with **forgotten**:\n"
        "  - #3: forgotten\n"
        "  - #4: forgotten\n"
        "  - #5: How do I hide my quokkafiddle profile from my boss?\n"
        "- Last session they chose: “forgotten” (done)\n"
        "Tip: skiing, ski-lifts and après-ski are words of their own."
    ), "another text with the same beginning, and longer words, stay"
    assert other.startswith("Nobody named here: ski today"), "a message that does not name them is not theirs"
    assert QUESTION in other


def names_as_words(data: bytes, scrub: Any) -> bytes:
    """A reader of plain-text files, as `bot.core.calendar.rewrite_texts` reads calendars."""
    return str(scrub(data.decode("utf-8"))).encode("utf-8")


async def test_a_file_in_json_is_read_by_the_reader_of_its_type(services: Services) -> None:
    """Failure: a file kept with a download link (base64) still named the person after the scrub: no text
    search sees inside it. The reader of its MIME type gets its bytes and writes them back; a file of a
    type with no reader stays as it was."""
    learner, mentor = await someone(services, "zoe", "Zoë"), await someone(services, "mia", "Mia")
    for token, mime in (("plain", "text/plain; charset=utf-8"), ("other", "application/x-other")):
        async with services.db.transaction() as session:
            await downloads.issue_link(
                session,
                person_id=mentor,
                token=token,
                export="",
                now=NOW,
                expires_at=NOW + dt.timedelta(days=7),
                file=downloads.StoredFile("meetings.txt", mime, "Meetings: Mia & Zoë".encode()),
            )
    await scrub(services, zoe(learner), {"text/plain": names_as_words})
    async with services.db.transaction() as session:
        rows = list(await session.exec(select(PendingAction).order_by(col(PendingAction.id))))
    kept = [base64.b64decode(row.data["file"]["content"]).decode("utf-8") for row in rows]
    assert kept == ["Meetings: Mia & forgotten", "Meetings: Mia & Zoë"]
