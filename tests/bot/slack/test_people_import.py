"""`people import` in Slack, over the real HTTP endpoint: an admin shares a CSV in the DM with the message
`people import` (a signed `file_share` event); the channel downloads it from the fake Slack with the bot
token (`files:read`), the emails are looked up before the command runs, the preview comes with Import /
Cancel, then `invite … imported` sends invitations whose Join enrolls. Every bad input gets a clear
message and writes nothing."""

from __future__ import annotations

from typing import Any

from bot.core import intake
from storage import people
from storage.models import AuditLog, Enrollment, Person
from tests.bot.slack.conftest import SlackTester
from tests.bot.slack.test_channel import buttons_in

HEADER = "id,email,name,language,time zone,department,manager,role\n"
TEAM_CSV = (
    HEADER
    + "UMIA,,Mia Junior,en,,IT,,mentor\n"
    + "UBOB,,Bob Senior,fr,,Sales,UMIA,learner\n"
    + ",zoe@example.com,,en,,Sales,bob@example.com,\n"
    + ",nobody@example.com,Nobody Yet,,,,,\n"
).replace("bob@example.com", "UBOB")


async def share(slack: SlackTester, user: str, text: str, *files: dict[str, Any]) -> None:
    """A signed `file_share` message in `user`'s DM with the bot, as Slack sends an upload."""
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": f"D{user[1:]}",
        "user": user,
        "text": text,
        "ts": "2.1",
        "files": list(files),
    }
    response = await slack.event(event)
    assert response.status == 200


async def said_to(slack: SlackTester, user: str, words: str) -> dict[str, Any]:
    """The bot's message to `user` that contains `words`, once it is there."""

    def found() -> list[dict[str, Any]]:
        return [m for m in slack.fake.messages_in(user) if words in m["text"]]

    await slack.until(lambda: bool(found()), timeout=20)
    return found()[-1]


def button(message: dict[str, Any], action: str) -> dict[str, Any]:
    [found] = [b for b in buttons_in([message]) if b["action_id"].startswith(f"tandem|{action}|")]
    return found


async def admin(slack: SlackTester) -> None:
    await slack.ask("UADMIN", "cohort create pilot track first-steps")


async def test_a_csv_shared_in_the_dm_is_previewed_imported_and_its_people_invited(
    slack: SlackTester,
) -> None:
    slack.app.services.directories["slack"] = slack.channel.directory
    slack.fake.add_user(
        "UZOE", name="zoe", real_name="Zoë Quill", display_name="Zoë", email="zoe@example.com"
    )
    await admin(slack)
    file = slack.fake.add_file("team.csv", TEAM_CSV.encode())
    await share(slack, "UADMIN", "people import", file)
    preview = await said_to(slack, "UADMIN", "Preview of")
    assert slack.fake.downloads == [(file["id"], slack.fake.bot_token)], "downloaded once, with the bot token"
    assert sorted(c.args["email"] for c in slack.fake.calls_to("users.lookupByEmail")) == [
        "nobody@example.com",
        "zoe@example.com",
    ]
    text = preview["text"]
    assert "New (4)" in text and "Zoë" in text
    assert (
        "Not reachable yet (1), kept as pending: Nobody Yet (line 5: no Slack account has this email yet)"
        in text
    )
    assert [b["text"]["text"] for b in buttons_in([preview])] == ["Import", "Cancel"]
    async with slack.app.services.db.transaction() as session:
        assert await people.get_person(session, key="slack:T1:UZOE") is None, "a preview writes nobody"

    imported = button(preview, "people.import")
    await slack.press("UADMIN", imported["action_id"], imported["value"])
    await said_to(
        slack,
        "UADMIN",
        "Imported: 4 new, 0 changed, 0 unchanged. 1 cannot be reached yet: they are kept as pending",
    )
    async with slack.app.services.db.transaction() as session:
        found = await people.people_by_keys(session, keys=["slack:T1:UZOE", "slack:T1:UBOB", "slack:T1:UMIA"])
    zoe, bob, mia = found["slack:T1:UZOE"], found["slack:T1:UBOB"], found["slack:T1:UMIA"]
    assert zoe.manager_id == bob.id and bob.manager_id == mia.id and zoe.department == "Sales"
    assert not await slack.rows(Enrollment), "importing enrolls nobody"

    answer = await slack.ask("UADMIN", "invite pilot imported")
    assert "Invited to pilot (3)" in answer[0] and "Not reachable yet (1): Nobody Yet" in answer[0]
    assert "Mentors of the import, left out (1): Mia Junior" in answer[0]
    invitation = await said_to(slack, "UBOB", "vous invite à rejoindre pilot")
    assert [b["text"]["text"] for b in buttons_in([invitation])] == ["Rejoindre", "Pas maintenant"]
    await said_to(slack, "UZOE", "invites you to join pilot")
    join = button(invitation, "cohort.join")
    await slack.press("UBOB", join["action_id"], join["value"])
    await said_to(slack, "UBOB", "Bienvenue dans pilot")
    [enrollment] = await slack.rows(Enrollment)
    assert enrollment.person_id == bob.id
    consent = await slack.rows(AuditLog, AuditLog.action == "join")
    assert [entry.actor_key for entry in consent] == ["slack:T1:UBOB"]


async def test_bad_lines_and_a_loop_come_back_line_by_line_and_nothing_is_written(slack: SlackTester) -> None:
    await admin(slack)
    before = len(await slack.rows(Person))
    bad = HEADER + "UANN,,Ann,xx,,,UCAT,\nUCAT,,Cat,,,,UDAN,\nUDAN,,Dan,,,,UCAT,\nUEVE,,Eve,,,,UNOBODY,\n"
    await share(slack, "UADMIN", "people import", slack.fake.add_file("org.csv", bad.encode()))
    message = await said_to(slack, "UADMIN", "Nothing was imported from org.csv")
    text = message["text"]
    assert "Line 2: xx is not a language Tandem speaks" in text
    assert "Line 3: the reporting line loops back here: Cat → Dan → Cat." in text
    assert "Line 4: the reporting line loops back here" in text
    assert "Line 5: the manager UNOBODY is neither in this file nor known to Tandem." in text
    assert buttons_in([message]) == [] and len(await slack.rows(Person)) == before


async def test_every_bad_upload_gets_a_clear_message(slack: SlackTester) -> None:
    await admin(slack)
    fake = slack.fake
    good = TEAM_CSV.encode()

    await share(slack, "UMIA", "people import", fake.add_file("team.csv", good))
    await said_to(slack, "UMIA", "Importing people is for programme admins")
    await share(slack, "UADMIN", "people import", fake.add_file("a.csv", good), fake.add_file("b.csv", good))
    await said_to(slack, "UADMIN", "Please send one file at a time (I got 2)")
    big = fake.add_file("big.csv", good, size=intake.MAX_FILE_BYTES + 1)
    await share(slack, "UADMIN", "people import", big)
    await said_to(slack, "UADMIN", "big.csv is 1001 KB, and a file sent here may be 1000 KB at most")
    await share(
        slack,
        "UADMIN",
        "people import",
        fake.add_file(
            "team.xlsx",
            b"PK\x03\x04",
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filetype="xlsx",
        ),
    )
    await said_to(slack, "UADMIN", "team.xlsx is a spreadsheet, not a CSV file")
    await share(slack, "UADMIN", "", fake.add_file("lonely.csv", good))
    await said_to(slack, "UADMIN", "I only read files sent to import people")
    assert fake.downloads == [], "nothing was downloaded for any of these"

    lying = fake.add_file("lying.csv", b"x" * (intake.MAX_FILE_BYTES + 10), size=10)
    await share(slack, "UADMIN", "people import", lying)
    await said_to(slack, "UADMIN", "lying.csv is 1001 KB, and a file sent here may be 1000 KB at most")
    fake.fail("download", status=500)
    await share(slack, "UADMIN", "people import", fake.add_file("down.csv", good))
    await said_to(slack, "UADMIN", "I could not download down.csv from Slack (HTTP 500)")
    await share(
        slack,
        "UADMIN",
        "people import",
        fake.add_file("latin.csv", "id,name,email\nUANN,Zoé,\n".encode("latin-1")),
    )
    await said_to(slack, "UADMIN", "Line 2: This file is not UTF-8 text")
    await share(slack, "UADMIN", "people import", fake.add_file("cols.csv", b"name,colour\nAnn,red\n"))
    await said_to(slack, "UADMIN", "Line 1: unknown column colour")
    fake.files_read = False
    await share(slack, "UADMIN", "people import", fake.add_file("scope.csv", good))
    await said_to(slack, "UADMIN", "Slack did not let me download scope.csv")
    answers = await slack.ask("UADMIN", "people import")
    assert "Send the CSV file here, in your direct messages with me" in answers[0]
    assert not await slack.rows(Enrollment) and await slack.rows(Person, Person.key == "slack:T1:UZOE") == []


async def test_a_file_shared_from_elsewhere_is_found_with_files_info(slack: SlackTester) -> None:
    await admin(slack)
    file = slack.fake.add_file("team.csv", TEAM_CSV.encode(), with_url=False)
    await share(slack, "UADMIN", "people import", file)
    await said_to(slack, "UADMIN", "Preview of team.csv")
    assert [call.args["file"] for call in slack.fake.calls_to("files.info")] == [file["id"]]
