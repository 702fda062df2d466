"""Taking in the files of a message (bot/core/intake.py): only for `people import`, only from an admin,
one CSV file of at most 1 MB; nothing is read otherwise. A platform's email lookups happen before the
command's transaction, and the command uses them instead of asking again."""

from __future__ import annotations

from bot.core import intake
from bot.core.commands import build_router
from bot.core.events import Actor, Attachment, Event
from bot.core.replies import Text
from storage import activity
from tests.support.harness import Harness, text_of

CSV = b"id,email,name\nann,,Ann\n"


class Reader:
    """A file's bytes, counting the reads (a file that should not be read is not)."""

    def __init__(self, content: bytes = CSV, problem: intake.Unreadable | None = None) -> None:
        self.content, self.problem, self.reads = content, problem, 0

    async def __call__(self, limit: int) -> bytes:
        self.reads += 1
        if self.problem is not None:
            raise self.problem
        return self.content[: limit + 1]


def offered(name: str = "team.csv", reader: Reader | None = None, **kw: object) -> intake.Offered:
    return intake.Offered(name=name, read=reader or Reader(), **kw)  # type: ignore[arg-type]


def event(harness: Harness, name: str, text: str, **kw: object) -> Event:
    return Event(harness.actor(name), "message", text, **kw)  # type: ignore[arg-type]


def test_only_people_import_reads_files() -> None:
    router = build_router()
    who = Actor("console:root", "root", "console")
    for text, wanted in [
        ("people import", ""),
        ("/tandem people import", ""),
        ("People Import ~/team list.csv", "~/team list.csv"),
        ("personnes importer équipe.csv", "équipe.csv"),
        ("people export", None),
        ("people", None),
        ("import people", None),
        ("what do people import?", None),
    ]:
        assert intake.argument(router, Event(who, "message", text)) == wanted, text
    assert not intake.reads_files(router, Event(who, "action", "people import", action="x"))


async def test_a_file_is_read_only_for_an_admins_import(harness: Harness) -> None:
    await harness.say("root", "help")
    reader = Reader()
    taken = await intake.take(
        harness.conversation, event(harness, "root", "people import"), [offered(reader=reader)]
    )
    assert isinstance(taken, Event) and taken.files == (Attachment("team.csv", CSV),) and reader.reads == 1

    for name, text in [("max", "people import"), ("root", "hello there"), ("root", "next")]:
        reader = Reader()
        same = event(harness, name, text)
        assert await intake.take(harness.conversation, same, [offered(reader=reader)]) is same
        assert reader.reads == 0, (name, text)

    lone = await intake.take(harness.conversation, event(harness, "root", " "), [offered()])
    assert isinstance(lone, list) and "send it again with the message `people import`" in text_of(lone)
    screenshot = await intake.take(harness.conversation, event(harness, "max", ""), [offered("shot.png")])
    assert isinstance(screenshot, list) and "I can’t read files here" in text_of(screenshot)

    async with harness.services.db.transaction() as session:
        await activity.first_sighting(session, event_id="ev-1")
    replay = event(harness, "root", "people import", event_id="ev-1")
    reader = Reader()
    assert await intake.take(harness.conversation, replay, [offered(reader=reader)]) is replay
    assert reader.reads == 0, "a retried delivery is not downloaded again"


async def test_what_is_refused_before_or_while_reading(harness: Harness) -> None:
    await harness.say("root", "help")

    async def said(*files: intake.Offered) -> str:
        replies = await intake.take(harness.conversation, event(harness, "root", "people import"), files)
        assert isinstance(replies, list) and all(isinstance(r, Text) and r.private for r in replies)
        return text_of(replies)

    unread = Reader()
    assert "one file at a time (I got 2)" in await said(offered(reader=unread), offered(reader=unread))
    assert "`big.csv` is 1001 KB" in await said(offered("big.csv", unread, size=1_000_001))
    assert "`t.xlsx` is a spreadsheet" in await said(offered("t.xlsx", unread))
    assert "`notes.pdf` is not a CSV file" in await said(offered("notes.pdf", unread, mime="application/pdf"))
    assert unread.reads == 0
    long = Reader(b"x" * (intake.MAX_FILE_BYTES + 5))
    assert "1001 KB, and a file sent here may be 1000 KB at most" in await said(offered(reader=long, size=10))
    failing = Reader(
        problem=intake.Unreadable("intake.download_failed", platform="Slack", reason="intake.reason.timeout")
    )
    assert "I could not download `team.csv` from Slack (it took too long)" in await said(
        offered(reader=failing)
    )
    named = offered("export", Reader(), mime="text/csv; charset=utf-8")
    taken = await intake.take(harness.conversation, event(harness, "root", "people import"), [named])
    assert isinstance(taken, Event), "a CSV type is enough, whatever the name"
    odd = offered("../`evil`*name.csv", Reader())
    taken = await intake.take(harness.conversation, event(harness, "root", "people import"), [odd])
    assert isinstance(taken, Event) and taken.files[0].name == "evilname.csv"


class Phonebook:
    """A platform directory that knows one email, and counts the lookups."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def lookup_email(self, email: str) -> Actor | None:
        self.asked.append(email)
        return Actor("slack:T1:U0ZOE", "Zoë", "slack") if email == "zoe@example.com" else None


async def test_emails_are_looked_up_before_the_command_and_used_by_it(harness: Harness) -> None:
    settings = harness.services.settings
    harness.services.settings = settings.model_copy(update={"admins": [*settings.admins, "U0ADMIN"]})
    book = Phonebook()
    harness.services.directories["slack"] = book
    admin = Actor("slack:T1:U0ADMIN", "Rita", "slack")
    data = b"id,email,name\n,zoe@example.com,\n,nobody@example.com,Nobody\nU0BOB,,Bob\n"
    first = Event(admin, "message", "people import")
    taken = await intake.take(harness.conversation, first, [offered(reader=Reader(data))])
    assert isinstance(taken, Event) and sorted(book.asked) == ["nobody@example.com", "zoe@example.com"]
    preview = text_of(await harness.handle(taken))
    assert len(book.asked) == 2, "the command asked nobody: the lookups were made before it"
    assert "New (3): **Zoë**, **Nobody**, **Bob**" in preview
    assert "**Nobody** (line 3: no Slack account has this email yet)" in preview

    unlooked = text_of(await harness.handle(Event(admin, "message", "people import", files=taken.files)))
    assert len(book.asked) == 2, "never a lookup inside the command's transaction"
    assert "(line 2: Slack could not be asked just now; import again later to resolve them)" in unlooked
