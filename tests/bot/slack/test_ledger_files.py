"""A file sent to someone else (an invitation's .ics) through the delivery ledger: uploaded into the
person's DM with Slack's upload API over the fake, after the notice's text, by the real dispatcher. A
failed upload takes the ledger's path (tried again without doubling the text, or the sender is told);
an app without `files:write` sends the file as messages."""

from __future__ import annotations

from collections import Counter

from sqlmodel import select

from bot.core import outbox
from bot.core.replies import File, Notify, Text
from storage import people
from storage.models import Delivery
from tests.bot.slack.conftest import SlackTester
from tests.support.harness import Clock

BOB, MIA = "slack:T1:UBOB", "slack:T1:UMIA"
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n"
INVITATION = (
    Text("Mia invites you to the workshop *Passkeys*, Tuesday at 12:30."),
    File("tandem-workshop-12.ics", ICS, "text/calendar", "Add it to your **calendar**."),
)


async def invite_bob(slack: SlackTester) -> None:
    """Bob and Mia have used Tandem; Mia's command queues the invitation for Bob in the ledger."""
    await slack.ask("UBOB", "help")
    await slack.ask("UMIA", "help")
    async with slack.app.services.db.transaction() as session:
        mia = await people.get_person(session, key=MIA)
        now = slack.app.services.clock()
        await outbox.post(session, sender=mia, replies=[Notify(BOB, INVITATION)], lang="en", now=now)


async def rows(slack: SlackTester) -> list[Delivery]:
    """The ledger's rows for notices (the sender's reports are notices too, to Mia)."""
    async with slack.app.services.db.transaction() as session:
        bob = await people.get_person(session, key=BOB)
        query = select(Delivery).where(
            Delivery.kind == "notice", Delivery.person_id == (bob.id if bob else 0)
        )
        return list(await session.exec(query))


async def statuses(slack: SlackTester) -> list[str]:
    return [row.status for row in await rows(slack)]


def invitations(slack: SlackTester) -> int:
    return sum("invites you to the workshop" in text for text in slack.dm_texts("UBOB"))


def delivery_parts(slack: SlackTester) -> Counter[int]:
    """How many times each part of a ledger item was posted to Bob (messages carry their part)."""
    return Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("part")
        for m in slack.fake.messages_in("UBOB")
        if (m.get("metadata") or {}).get("event_type") == "tandem_delivery"
    )


async def test_the_file_is_uploaded_into_the_dm_after_the_text(slack_by_hand: SlackTester) -> None:
    slack = slack_by_hand
    await invite_bob(slack)
    await slack.deliver()

    assert invitations(slack) == 1
    [shared] = slack.fake.files
    assert (shared["filename"], shared["title"], shared["channel"]) == ("tandem-workshop-12.ics",) * 2 + (
        "DBOB",
    )
    assert shared["content"] == ICS, "the bytes arrived over HTTP at the upload URL"
    assert shared["initial_comment"] == "Add it to your *calendar*.", "the caption in Slack's mrkdwn"
    uploads = [c.method for c in slack.fake.calls if c.method.startswith("files.")]
    assert uploads == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    assert await statuses(slack) == ["sent"]


async def test_a_failed_upload_is_tried_again_without_doubling_the_text(
    slack_by_hand: SlackTester, clock: Clock
) -> None:
    slack = slack_by_hand
    await invite_bob(slack)
    slack.fake.fail("upload", status=500)  # the bytes' upload fails once: nothing is shared
    await slack.deliver()
    assert invitations(slack) == 1 and slack.fake.files == []
    [row] = await rows(slack)
    assert (row.status, row.uncertain) == ("pending", True), "tried again, asking the DM first"

    clock.advance(minutes=2)  # past the wait before the next try, which first reads the DM
    await slack.deliver()

    assert invitations(slack) == 1 and delivery_parts(slack) == Counter({0: 1}), "the text once"
    [shared] = slack.fake.files
    assert shared["content"] == ICS
    assert await statuses(slack) == ["sent"]


async def test_an_upload_slack_refuses_for_good_tells_the_sender(slack_by_hand: SlackTester) -> None:
    slack = slack_by_hand
    await invite_bob(slack)
    slack.fake.fail("files.completeUploadExternal", error="account_inactive")
    await slack.deliver()

    assert slack.fake.files == []
    assert await statuses(slack) == ["held"], "kept until Bob can be reached again"
    [report] = [t for t in slack.dm_texts("UMIA") if "could not reach" in t]
    assert "bob" in report and "account deactivated" in report


async def test_without_files_write_the_file_comes_as_messages(slack_by_hand: SlackTester) -> None:
    slack = slack_by_hand
    await invite_bob(slack)
    slack.fake.fail("files.getUploadURLExternal", error="missing_scope")
    await slack.deliver()

    assert slack.fake.files == []
    texts = slack.dm_texts("UBOB")
    assert invitations(slack) == 1 and any("tandem-workshop-12.ics" in t for t in texts)
    assert any("BEGIN:VCALENDAR" in str(m["blocks"]) for m in slack.fake.messages_in("UBOB"))
    assert await statuses(slack) == ["sent"]


async def test_a_file_before_a_part_found_in_the_dm_is_not_uploaded_again(
    slack_by_hand: SlackTester, clock: Clock
) -> None:
    """A notice whose file comes first, then its text, whose post got a 500 after Slack took it: the
    next try finds the text in the DM, so the file before it arrived too."""
    slack = slack_by_hand
    await slack.ask("UBOB", "help")
    file_first = (INVITATION[1], INVITATION[0])
    async with slack.app.services.db.transaction() as session:
        now = slack.app.services.clock()
        await outbox.post(session, sender=None, replies=[Notify(BOB, file_first)], lang="en", now=now)
    slack.fake.fail("chat.postMessage", status=500, after="after")
    await slack.deliver()
    assert len(slack.fake.files) == 1 and invitations(slack) == 1
    [row] = await rows(slack)
    assert (row.status, row.uncertain) == ("pending", True)

    clock.advance(minutes=2)
    await slack.deliver()

    assert len(slack.fake.files) == 1 and invitations(slack) == 1, "neither is sent twice"
    assert await statuses(slack) == ["sent"]
