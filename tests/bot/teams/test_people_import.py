"""people import in Teams, over the real /api/messages endpoint: an admin sends a CSV in the personal
chat (an activity with a `file.download.info` attachment); the channel downloads it from its
pre-authenticated URL on the fake, the preview card's Import imports it, and `invite … imported` holds each
invitation until that person installs the app, when it arrives and its Join enrolls them."""

from __future__ import annotations

from typing import Any

from bot.core import intake
from storage import people
from storage.models import AuditLog, Enrollment, Person
from tests.bot.teams.conftest import TENANT, TeamsTester, cards, conversation_of, submits, texts

ADMIN = "29:admin"
BOB_ENTRA = "8f2c1a9e-1b2c-4d5e-8f90-123456789abc"
CAT_ENTRA = "1c0ffee0-1b2c-4d5e-8f90-123456789abc"
HEADER = "id,email,name,language,time zone,department,manager,role\n"
TEAM_CSV = (
    HEADER
    + f"{BOB_ENTRA},bob@example.com,Bob Imported,en,,Sales,{CAT_ENTRA},learner\n"
    + f"{CAT_ENTRA},cat@example.com,Cat Boss,en,,Sales,,mentor\n"
    + ",dee@example.com,Dee Byemail,,,,,\n"
)


def sent_file(teams: TeamsTester, user: str, text: str, *attachments: dict[str, Any]) -> dict[str, Any]:
    return teams.activity(user, text=text, attachments=list(attachments))


def submit_of(activities: list[dict[str, Any]], action: str) -> dict[str, Any]:
    [found] = [
        s["data"] for card in cards(activities) for s in submits(card) if s["data"].get("tandem") == action
    ]
    return found


async def test_a_csv_sent_in_the_personal_chat_is_imported_and_invitations_wait_for_the_install(
    teams: TeamsTester,
) -> None:
    await teams.install(ADMIN)
    await teams.say(ADMIN, "cohort create pilot track first-steps")
    attachment = teams.connector.add_file("team.csv", TEAM_CSV.encode())
    preview = await teams.turn(sent_file(teams, ADMIN, "people import", attachment))
    text = texts(preview)
    assert "Preview of team.csv" in text and "New (3)" in text
    assert (
        "Not reachable yet (3), kept as pending" in text and "waits until they open Tandem in Teams" in text
    )
    assert teams.connector.downloads == [("file-1", None)], "fetched once, with no token"

    done = await teams.submit(ADMIN, submit_of(preview, "people.import"))
    assert "Imported: 3 new, 0 changed, 0 unchanged. 3 cannot be reached yet" in texts(done)
    invited = await teams.say(ADMIN, "invite pilot imported")
    assert "Invited to **pilot** (2)" in texts(invited) and "Not reachable yet (2)" in texts(invited)
    assert not await rows(teams, Enrollment)

    installed = teams.activity("29:bob", "installationUpdate", action="add")
    installed["from"] = {"id": "29:bob", "name": "Bob Senior", "aadObjectId": BOB_ENTRA}
    await teams.turn(installed)
    bob_chat = conversation_of("29:bob")
    await teams.until(lambda: any("invites you to join" in t for t in teams.connector.texts(bob_chat)))
    [invitation] = [s.activity for s in teams.connector.to(bob_chat) if "invites you to join" in s.text]
    join = submit_of([invitation], "cohort.join")
    pressed = teams.activity("29:bob", value=join, replyToId="card-1")
    pressed["from"] = {"id": "29:bob", "name": "Bob Senior", "aadObjectId": BOB_ENTRA}
    reply = await teams.turn(pressed)
    assert "Welcome to **pilot**" in texts(reply) or any(
        "Welcome to **pilot**" in u.text for u in teams.connector.updates
    )
    async with teams.app.services.db.transaction() as session:
        bob = await people.get_person(session, key=f"teams:{TENANT}:{BOB_ENTRA}")
    [enrollment] = await rows(teams, Enrollment)
    assert bob is not None and enrollment.person_id == bob.id and bob.reachable
    consent = [entry for entry in await rows(teams, AuditLog) if entry.action == "join"]
    assert [entry.actor_key for entry in consent] == [f"teams:{TENANT}:{BOB_ENTRA}"]


async def test_bad_lines_a_loop_and_bad_uploads_get_clear_messages(teams: TeamsTester) -> None:
    await teams.install(ADMIN)
    before = len(await rows(teams, Person))
    loop = (
        HEADER + f"{BOB_ENTRA},,Bob,,,,{CAT_ENTRA},\n{CAT_ENTRA},,Cat,,,,{BOB_ENTRA},\nnot-a-guid,,X,,,,,\n"
    )
    said = texts(
        await teams.turn(
            sent_file(teams, ADMIN, "people import", teams.connector.add_file("o.csv", loop.encode()))
        )
    )
    assert "Nothing was imported from o.csv" in said
    assert "Line 2: the reporting line loops back here: Bob → Cat → Bob." in said
    assert "Line 3: the reporting line loops back here" in said
    assert "Line 4: not-a-guid is not a Microsoft Teams id" in said
    assert len(await rows(teams, Person)) == before

    teams.connector.file_faults.append(503)
    down = await teams.turn(
        sent_file(teams, ADMIN, "people import", teams.connector.add_file("d.csv", TEAM_CSV.encode()))
    )
    assert "I could not download d.csv from Microsoft Teams (HTTP 503)" in texts(down)
    big = teams.connector.add_file("big.csv", b"id,name\n" + b"x" * intake.MAX_FILE_BYTES)
    assert "a file sent here may be 1000 KB at most" in texts(
        await teams.turn(sent_file(teams, ADMIN, "people import", big))
    )
    two = [teams.connector.add_file("a.csv", b"id\n"), teams.connector.add_file("b.csv", b"id\n")]
    assert "one file at a time (I got 2)" in texts(
        await teams.turn(sent_file(teams, ADMIN, "people import", *two))
    )
    xlsx = teams.connector.add_file("t.xlsx", b"PK", file_type="xlsx")
    assert "is a spreadsheet, not a CSV file" in texts(
        await teams.turn(sent_file(teams, ADMIN, "people import", xlsx))
    )
    lone = teams.connector.add_file("lone.csv", TEAM_CSV.encode())
    assert "send it again with the message people import" in texts(
        await teams.turn(sent_file(teams, ADMIN, "", lone))
    )
    assert "Send the CSV file in your personal chat with me" in texts(await teams.say(ADMIN, "people import"))
    downloads = len(teams.connector.downloads)

    await teams.install("29:mia")
    refused = await teams.turn(
        sent_file(teams, "29:mia", "people import", teams.connector.add_file("m.csv", TEAM_CSV.encode()))
    )
    assert "Importing people is for programme admins" in texts(refused)
    assert len(teams.connector.downloads) == downloads, "a learner's file is never downloaded"


async def rows(teams: TeamsTester, model: Any) -> list[Any]:
    from sqlmodel import select

    async with teams.app.services.db.transaction() as session:
        return list(await session.exec(select(model)))
