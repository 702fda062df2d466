"""`my-data` in Slack: the summary where it was asked, the JSON file uploaded into the person's DM with
Slack's upload API (files.getUploadURLExternal, the upload, files.completeUploadExternal), over the fake's
real HTTP."""

from __future__ import annotations

import json

from tests.bot.slack.conftest import SlackTester
from tests.support.fake_slack import FakeSlack

UPLOAD_METHODS = ["files.getUploadURLExternal", "files.completeUploadExternal"]


async def test_my_data_in_a_dm_uploads_the_file_into_the_dm(
    slack: SlackTester, fake_slack: FakeSlack
) -> None:
    await slack.dm("UMIA", "help")
    await slack.until(lambda: len(slack.dm_texts("UMIA")) >= 1)
    await slack.dm("UMIA", "my-data")
    await slack.until(lambda: bool(fake_slack.files))
    [shared] = fake_slack.files
    assert shared["channel"] == "DMIA"
    assert shared["filename"].startswith("tandem-my-data-UMIA-") and shared["filename"].endswith(".json")
    data = json.loads(shared["content"])
    assert data["person"]["key"] == "slack:T1:UMIA" and data["person"]["display_name"] == "mia"
    assert "Your data" in shared["initial_comment"]
    assert [c.method for c in fake_slack.calls if c.method.startswith("files.")] == UPLOAD_METHODS
    await slack.until(lambda: any("forget-me" in text for text in slack.dm_texts("UMIA")))
    assert not any('"person"' in text for text in slack.dm_texts("UMIA")), "the JSON is not posted as text"


async def test_my_data_from_a_slash_command_answers_there_and_uploads_to_the_dm(
    slack: SlackTester, fake_slack: FakeSlack
) -> None:
    [note] = await slack.ask("UBOB", "my-data")
    assert "tandem-my-data-UBOB-" in note
    await slack.until(lambda: bool(fake_slack.files))
    [shared] = fake_slack.files
    assert shared["channel"] == "DBOB"
    assert json.loads(shared["content"])["person"]["key"] == "slack:T1:UBOB"
    [opened] = [c for c in fake_slack.calls_to("conversations.open")]
    assert opened.args["users"] == "UBOB"


async def test_a_refused_upload_sends_the_file_as_messages(slack: SlackTester, fake_slack: FakeSlack) -> None:
    """An app installed before it had `files:write`: Slack answers missing_scope. The person still gets
    their data, as messages in the DM."""
    fake_slack.fail("files.getUploadURLExternal", error="missing_scope")
    await slack.dm("UMIA", "my-data")
    await slack.until(
        lambda: any('"person"' in text or "tandem-my-data" in text for text in slack.dm_texts("UMIA"))
    )
    await slack.until(lambda: len(fake_slack.messages_in("UMIA")) >= 2)
    shown = "\n".join(str(m["blocks"]) for m in fake_slack.messages_in("UMIA"))
    assert "slack:T1:UMIA" in shown
    assert fake_slack.files == []


async def test_a_failed_upload_post_is_not_shared(slack: SlackTester, fake_slack: FakeSlack) -> None:
    """The upload URL answers 500: nothing is shared half-uploaded, and the data comes as messages."""
    fake_slack.fail("upload", status=500)
    await slack.dm("UMIA", "my-data")
    await slack.until(lambda: len(fake_slack.messages_in("UMIA")) >= 2)
    assert fake_slack.files == []
    assert "files.completeUploadExternal" not in fake_slack.methods_called()
