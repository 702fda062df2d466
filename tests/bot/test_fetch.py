"""Downloading a sent file (bot/fetch.py): HTTPS only (HTTP to 127.0.0.1 for the fakes), to the hosts
allowed; a sign-in page or a redirect is a refusal, a failure a clear reason, and never more than one
byte past the limit is kept."""

from __future__ import annotations

import aiohttp
import pytest

from bot import fetch
from bot.core.intake import Unreadable
from tests.support.fake_slack import FakeSlack


def test_only_https_and_the_hosts_allowed() -> None:
    slack = ("slack.com", "slack-gov.com")
    assert fetch.allowed("https://files.slack.com/files-pri/T1-F1/download/a.csv", hosts=slack)
    assert fetch.allowed("https://slack-gov.com/x.csv", hosts=slack)
    assert fetch.allowed("http://127.0.0.1:8080/files/1/a.csv")
    for url in (
        "http://files.slack.com/a.csv",
        "https://files.slack.com.evil.example/a.csv",
        "https://notslack.com/a.csv",
        "http://localhost:8080/a.csv",
        "http://10.0.0.1/a.csv",
        "ftp://files.slack.com/a.csv",
        "https://files.slack.com:bad/a.csv",
        "not a url",
    ):
        assert not fetch.allowed(url, hosts=slack), url
    assert fetch.allowed("https://contoso-my.sharepoint.com/personal/a.csv"), "no host list: any https"


async def test_downloads_stop_past_the_limit_and_say_why_they_fail() -> None:
    async with FakeSlack() as fake, aiohttp.ClientSession() as session:
        file = fake.add_file("team.csv", b"x" * 200_000)
        url = file["url_private_download"]
        token = {"Authorization": f"Bearer {fake.bot_token}"}
        got = await fetch.download(session, url, limit=1000, platform="Slack", headers=token, follow=False)
        assert len(got) == 1001, "one byte past the limit says it is too big"
        whole = await fetch.download(session, url, limit=500_000, platform="Slack", headers=token)
        assert len(whole) == 200_000

        for headers, follow in (({}, False), ({"Authorization": "Bearer xoxb-other"}, False), ({}, True)):
            with pytest.raises(Unreadable) as refused:
                await fetch.download(
                    session, url, limit=1000, platform="Slack", headers=headers, follow=follow
                )
            assert refused.value.key == "intake.download_refused", (headers, follow)
        fake.fail("download", status=503)
        with pytest.raises(Unreadable) as failed:
            await fetch.download(session, url, limit=1000, platform="Slack", headers=token)
        assert (failed.value.key, failed.value.values["reason"]) == ("intake.download_failed", "HTTP 503")
        await fake.stop()
        with pytest.raises(Unreadable) as gone:
            await fetch.download(session, url, limit=1000, platform="Slack", headers=token)
        assert gone.value.values["reason"] == "intake.reason.connection"
