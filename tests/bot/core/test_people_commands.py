"""`people import` and `invite` from the chat, through the conversation core: a file with bad lines or a
loop in its reporting line writes nothing and says where; a good one is previewed, then imported whole
with **Import** (or not at all with **Cancel**); importing enrolls nobody; an invitation's **Join**
enrolls the person who pressed it, with their consent audited."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.core.events import Attachment, Event
from bot.core.replies import Button, Text
from storage import people, reachability
from storage.enums import AuditOutcome, DeliveryStatus, EnrollmentStatus, PendingKind
from storage.models import AuditLog, Delivery, Enrollment, PendingAction, Person
from tests.support.harness import Harness, Said, text_of

HEADER = "id,email,name,language,time zone,department,manager,role\n"
GOOD = (
    HEADER
    + "ann,ann@example.com,Ann Lee,fr,Europe/Paris,Sales,,mentor\n"
    + "bob,bob@example.com,Bob Ray,en,Europe/London,Sales,ann,learner\n"
    + "cat,,Cat Poe,,,Legal,bob,\n"
)


def csv(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


async def send(harness: Harness, name: str, text: str, *files: tuple[str, bytes]) -> Said:
    """A message with files attached, as a channel hands it to the core once it has read them."""
    attached = tuple(Attachment(file_name, content) for file_name, content in files)
    actor = harness.actor(name)
    return await harness.handle(Event(actor, "message", text, files=attached))


def buttons(said: list[Any]) -> list[Button]:
    return [button for reply in said if isinstance(reply, Text) for button in reply.buttons]


def button(said: list[Any], action: str) -> Button:
    [found] = [b for b in buttons(said) if b.action == action]
    return found


async def setup(harness: Harness) -> None:
    await harness.say("root", "cohort create pilot track first-steps")


async def test_a_file_with_bad_lines_says_where_and_writes_nothing(harness: Harness) -> None:
    await setup(harness)
    before = await harness.snapshot()
    said = await send(
        harness,
        "root",
        "people import",
        ("team.csv", csv("ann,ann@example,Ann,,,,,", "bob,,Bob,de,,,,", "cat,,Cat,,Europe/Pari,,zed,")),
    )
    text = text_of(said)
    assert "Nothing was imported from `team.csv`" in text
    assert "Line 2: `ann@example` is not an email address." in text
    assert "Line 3: `de` is not a language Tandem speaks" in text
    assert "Line 4: `Europe/Pari` is not a time zone. Did you mean `Europe/Paris`" in text
    assert buttons(said) == [] and await harness.snapshot() == before


async def test_a_loop_in_the_reporting_line_is_a_problem_on_each_of_its_lines(harness: Harness) -> None:
    await setup(harness)
    before = await harness.snapshot()
    looping = csv("ann,,Ann,,,,cat,", "bob,,Bob,,,,ann,", "cat,,Cat,,,,bob,", "dan,,Dan,,,,ann,")
    text = text_of(await send(harness, "root", "people import", ("org.csv", looping)))
    for line in (2, 3, 4):
        assert f"Line {line}: the reporting line loops back here: " in text
    assert "Ann → Cat → Bob → Ann" in text and "Line 5" not in text, "Dan reports into the loop, not in it"
    assert await harness.snapshot() == before


async def test_a_loop_and_a_bad_line_are_said_together(harness: Harness) -> None:
    await setup(harness)
    text = text_of(
        await send(
            harness,
            "root",
            "people import",
            ("o.csv", csv("ann,,Ann,,,,bob,", "bob,,Bob,,,,ann,", "x y,,X,,,,,")),
        )
    )
    assert "Line 4: `x y` is not a console id" in text
    assert "Line 2: the reporting line loops back here" in text and "Line 3: the reporting line" in text


async def test_the_preview_then_import_writes_everyone_and_enrolls_nobody(harness: Harness) -> None:
    await setup(harness)
    await harness.say("root", "help")
    await send(harness, "root", "people import", ("first.csv", csv("ann,,Ann Lee,,,,,")))  # previewed only
    await harness.say("cat", "hello")  # Cat is known already: the file changes her department
    persons = await harness.count(Person)
    said = await send(harness, "root", "people import", ("team.csv", GOOD.encode()))
    preview = text_of(said)
    assert "**Preview of `team.csv`** (3 people)" in preview
    assert "New (2): **Ann Lee**, **Bob Ray**" in preview
    assert "Changed (1): **Cat Poe** (line 4: name, department, manager)" in preview
    assert "`invite <cohort> imported`" in preview
    assert [(b.label, b.action) for b in buttons(said)] == [
        ("Import", "people.import"),
        ("Cancel", "people.cancel"),
    ]
    assert await harness.count(Person) == persons, "a preview writes nobody"
    async with harness.services.db.transaction() as session:
        previews = (
            await session.exec(select(PendingAction).where(PendingAction.kind == PendingKind.IMPORT_PREVIEW))
        ).all()
    assert len(previews) == 1, "a new preview replaces the admin's earlier one"

    done = await harness.press("root", "people.import", button(said, "people.import").value)
    text = text_of(done)
    assert "Imported: 2 new, 1 changed, 0 unchanged. Nobody was enrolled." in text
    assert "Nobody was enrolled." in text and "`invite <cohort> imported` (cohorts: `pilot`)" in text
    assert isinstance(done[0], Text) and done[0].replaces, "the preview's buttons go"
    async with harness.services.db.transaction() as session:
        found = await people.people_by_keys(session, keys=["console:ann", "console:bob", "console:cat"])
    ann, bob, cat = found["console:ann"], found["console:bob"], found["console:cat"]
    assert (ann.lang, ann.tz, ann.department, ann.role) == ("fr", "Europe/Paris", "Sales", "mentor")
    assert bob.manager_id == ann.id and cat.manager_id == bob.id and cat.department == "Legal"
    assert await harness.count(Enrollment) == 0, "importing is an invitation, not an enrollment"

    again = await harness.press("root", "people.import", button(said, "people.import").value)
    assert "This preview was used or has expired" in text_of(again)


async def test_cancel_imports_nothing(harness: Harness) -> None:
    await setup(harness)
    persons = await harness.count(Person)
    said = await send(harness, "root", "people import", ("team.csv", GOOD.encode()))
    cancel = await harness.press("root", "people.cancel", button(said, "people.cancel").value)
    assert text_of(cancel) == "Cancelled: nothing was imported."
    late = await harness.press("root", "people.import", button(said, "people.import").value)
    assert "used or has expired" in text_of(late) and await harness.count(Person) == persons


async def test_a_preview_expires_after_thirty_minutes(harness: Harness) -> None:
    await setup(harness)
    said = await send(harness, "root", "people import", ("team.csv", GOOD.encode()))
    harness.clock.advance(minutes=31)
    late = await harness.press("root", "people.import", button(said, "people.import").value)
    assert "used or has expired" in text_of(late)


async def test_what_can_go_wrong_before_the_file_is_read(harness: Harness) -> None:
    await setup(harness)
    assert "Give the path of the CSV file: `people import people.csv`" in await harness.text(
        "root", "people import"
    )
    big = await send(harness, "root", "people import", ("big.csv", GOOD.encode() + b"x" * 1_000_000))
    assert "`big.csv` is 1001 KB, and a file sent here may be 1000 KB at most" in text_of(big)
    two = await send(harness, "root", "people import", ("a.csv", GOOD.encode()), ("b.csv", GOOD.encode()))
    assert "one file at a time" in text_of(two)
    latin = GOOD.replace("Ray", "Réa").encode("latin-1")
    assert "Line 3: This file is not UTF-8 text" in text_of(
        await send(harness, "root", "people import", ("l.csv", latin))
    )
    wrong = b"name,colour\nAnn,red\n"
    text = text_of(await send(harness, "root", "people import", ("w.csv", wrong)))
    assert "Line 1: unknown column `colour`" in text and "the column `id` is missing" in text
    assert "Usage: `people import + a CSV file`" in await harness.text("root", "people export")
    assert "Give the path of the CSV file" in await harness.text("root", "personnes importer")


async def test_only_admins_import_and_press_its_buttons(harness: Harness) -> None:
    await setup(harness)
    said = await send(harness, "root", "people import", ("team.csv", GOOD.encode()))
    before = await harness.count(Person)
    refused = await send(harness, "max", "people import", ("team.csv", GOOD.encode()))
    assert "Importing people is for programme admins" in text_of(refused)
    pressed = await harness.press("max", "people.import", button(said, "people.import").value)
    assert "Importing people is for programme admins" in text_of(pressed)
    assert await harness.count(Person) == before + 0, "max is not created by a refusal"
    async with harness.services.db.transaction() as session:
        refusals = (
            await session.exec(select(AuditLog).where(AuditLog.outcome == AuditOutcome.REFUSED))
        ).all()
    assert {entry.action for entry in refusals} == {"people"}
    await harness.say("root", "admin add @max")
    other = await harness.press("max", "people.import", button(said, "people.import").value)
    assert "used or has expired" in text_of(other), "another admin's preview is not theirs"


# --- invitations ----------------------------------------------------------------------------------------------


async def imported(harness: Harness) -> None:
    await setup(harness)
    said = await send(harness, "root", "people import", ("team.csv", GOOD.encode()))
    await harness.press("root", "people.import", button(said, "people.import").value)


def invitation(said: Said, key: str) -> Text:
    [note] = [n for n in said.notes if n.person_key == key]
    [reply] = note.replies
    assert isinstance(reply, Text)
    return reply


async def test_invite_imported_asks_each_learner_and_join_enrolls_them(harness: Harness) -> None:
    await imported(harness)
    said = await harness.say("root", "invite pilot imported")
    text = text_of(said)
    assert "Invited to **pilot** (2): **Bob Ray**, **Cat Poe**." in text
    assert "nobody is enrolled until they do" in text
    assert "Mentors of the import, left out (1): **Ann Lee**." in text
    assert sorted(n.person_key for n in said.notes) == ["console:bob", "console:cat"]
    bob = invitation(said, "console:bob")
    assert bob.markdown.startswith("**root** invites you to join **pilot**, a reverse-mentoring programme")
    assert [(b.label, b.action) for b in bob.buttons] == [
        ("Join", "cohort.join"),
        ("Not now", "cohort.not_now"),
    ]
    assert await harness.count(Enrollment) == 0

    joined = await harness.press("bob", "cohort.join", bob.buttons[0].value)
    assert "Welcome to **pilot**! Your first tip:" in text_of(joined)
    async with harness.services.db.transaction() as session:
        [enrollment] = (await session.exec(select(Enrollment))).all()
        consent = (await session.exec(select(AuditLog).where(AuditLog.action == "join"))).all()
        bob_person = await people.get_person(session, key="console:bob")
    assert bob_person is not None and enrollment.person_id == bob_person.id
    assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.next_due_at is not None
    assert [(a.actor_key, a.args) for a in consent] == [
        ("console:bob", {"cohort": "pilot", "consent": "invitation"})
    ]
    assert "already in **pilot**" in text_of(await harness.press("bob", "cohort.join", bob.buttons[0].value))

    cat = invitation(said, "console:cat")
    later = await harness.press("cat", "cohort.not_now", cat.buttons[1].value)
    assert "The **Join** button stays here" in text_of(later)
    assert [b.action for b in buttons(later)] == ["cohort.join"]
    assert await harness.count(Enrollment) == 1, "not now enrolls nobody"

    again = await harness.say("root", "invite pilot imported")
    text = text_of(again)
    assert "Nobody to invite." in text and "Already in **pilot** (1): **Bob Ray**." in text
    assert "Invited already, not again (1): **Cat Poe**." in text and again.notes == []


async def test_join_is_only_for_people_the_cohort_invited(harness: Harness) -> None:
    await imported(harness)
    said = await harness.say("root", "invite pilot @bob")
    value = invitation(said, "console:bob").buttons[0].value
    forged = await harness.press("mallory", "cohort.join", value)
    assert "That button has expired" in text_of(forged)
    assert "That button has expired" in text_of(await harness.press("bob", "cohort.join", "999"))
    assert await harness.count(Enrollment) == 0


async def test_a_mentor_named_is_invited_and_french_words_work(harness: Harness) -> None:
    await imported(harness)
    said = await harness.say("root", "inviter pilot importés @ann")
    assert "Invited to **pilot** (3)" in text_of(said) and "Mentors of the import" not in text_of(said)
    ann = invitation(said, "console:ann")  # Ann's language is French
    assert "vous invite à rejoindre **pilot**" in ann.markdown
    assert [b.label for b in ann.buttons] == ["Rejoindre", "Pas maintenant"]


async def test_imported_needs_an_import(harness: Harness) -> None:
    await setup(harness)
    assert "You have no import of the last 7 days to invite" in await harness.text(
        "root", "invite pilot imported"
    )
    assert "Usage: `invite <cohort> <@people… | imported>`" in await harness.text("root", "invite pilot")
    assert "is for programme admins" in await harness.text("bob", "invite pilot @bob")


async def test_someone_out_of_reach_gets_the_invitation_when_reachable(harness: Harness) -> None:
    await imported(harness)
    async with harness.services.db.transaction() as session:
        bob = await people.get_person(session, key="console:bob")
        assert bob is not None
        await reachability.mark_unreachable(
            session, person_ids=[bob.id or 0], reason="gone", now=harness.clock()
        )
    said = await harness.say("root", "invite pilot @bob")
    assert (
        "Not reachable yet (1): **Bob Ray**. Their invitation waits until Tandem can reach them, for 30 days."
        in text_of(said)
    )
    async with harness.services.db.transaction() as session:
        query = select(Delivery).where(col(Delivery.dedupe_key).startswith("cohort-invite:"))
        [row] = (await session.exec(query)).all()
    assert row.status == DeliveryStatus.HELD
    assert row.expires_at is not None and (row.expires_at - harness.clock()).days == 30
    await harness.say("bob", "hello")  # Bob writes: reachable again
    async with harness.services.db.transaction() as session:
        row = (await session.exec(select(Delivery).where(Delivery.id == row.id))).one()
    assert row.status == DeliveryStatus.PENDING, "the held invitation goes out"
