"""The dashboard on the real `tandem run` serving Slack: `/tandem dashboard` answers with an ephemeral
link (never a message in the channel), and that link signs in on the same web host as /slack/events."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from tests.support.fake_slack import FakeSlack
from tests.support.server import TandemServer

LINK = re.compile(r"https?://[^\s>|)]+/dashboard/signin/[A-Za-z0-9_-]+")


async def test_a_slack_admin_signs_in_on_the_served_dashboard(sqlite_url: str) -> None:
    async with FakeSlack() as fake:
        fake.add_user("UADMIN", name="root", locale="en-US")
        server = TandemServer(
            sqlite_url, fake.api_url, fake.bot_token, TANDEM_ADMINS="UADMIN", TANDEM_SEMANTIC="off"
        )
        try:
            await server.start()
            assert await server.command("UADMIN", "dashboard", fake.response_url("d")) == 200
            for _ in range(100):
                if fake.responses.get("d"):
                    break
                await asyncio.sleep(0.05)
            [answer] = fake.responses["d"]
            assert answer.get("response_type") == "ephemeral"
            found = LINK.search(str(answer))
            assert found, answer
            link = found.group(0)
            assert link.startswith(f"http://127.0.0.1:{server.port}/dashboard/signin/")
            assert not fake.messages, "nothing was posted where others could read it"
            async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
                async with http.get(link) as shown:
                    assert shown.status == 200
                async with http.post(link, allow_redirects=False) as signed:
                    assert signed.status == 303 and "tandem_session=" in signed.headers["Set-Cookie"]
                async with http.get(f"{server.url}/dashboard/signin/unknown") as unknown:
                    assert unknown.status == 404
        finally:
            await server.close()
