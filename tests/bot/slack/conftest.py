"""Slack fixtures: the real bolt app behind the real HTTP server, talking to a fake Slack Web API."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier
from sqlmodel import select

from bot.app import App, make_app
from bot.core.context import Services
from bot.server import build_web_app
from bot.slack.channel import SlackChannel
from bot.slack.settings import SlackSettings
from tests.support.fake_slack import FakeSlack
from tests.support.serve import serve_local

SECRET = "test-signing-secret"
TEAM = "T1"


class SlackTester:
    """Sends signed Slack requests to /slack/events and waits for what the bot does about them."""

    def __init__(self, url: str, fake: FakeSlack, channel: SlackChannel, app: App) -> None:
        self.url = url
        self.fake = fake
        self.channel = channel
        self.app = app
        self.session = aiohttp.ClientSession()
        self._events = 0
        self._triggers = 0
        self.by_hand = False
        """Nothing is sent in the background: `deliver()` sends what is due."""

    async def deliver(self) -> None:
        """Let what commands queued go out: at once when the dispatcher runs in the background, else now."""
        if self.by_hand:
            await self.app.deliver_now()

    async def close(self) -> None:
        await self.session.close()

    def headers(self, body: str, *, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        return {"x-slack-request-timestamp": ts, "x-slack-signature": signature}

    async def post(self, body: str, content_type: str, **headers: Any) -> aiohttp.ClientResponse:
        extra = headers.pop("extra", {})
        all_headers = {"content-type": content_type, **self.headers(body, **headers), **extra}
        response = await self.session.post(
            f"{self.url}/slack/events", data=body.encode(), headers=all_headers
        )
        await response.read()
        return response

    def trigger(self) -> str:
        """A fresh trigger id, as Slack gives each command, button press and form."""
        self._triggers += 1
        return f"{self._triggers}.{self._triggers * 7919}.trigger"

    def command_body(
        self,
        user: str,
        text: str,
        *,
        name: str = "resp",
        trigger: str | None = None,
        channel: str | None = None,
    ) -> str:
        """The signed form body of `/tandem <text>` from `user` (send it again to replay it), typed in
        their DM with the bot, or in `channel`."""
        form = {
            "token": "x",
            "team_id": TEAM,
            "team_domain": "test",
            "channel_id": channel or f"D{user[1:]}",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/tandem",
            "text": text,
            "api_app_id": "ABOT",
            "response_url": self.fake.response_url(name),
            "trigger_id": trigger or self.trigger(),
        }
        return urllib.parse.urlencode(form)

    async def command(
        self,
        user: str,
        text: str,
        *,
        name: str = "resp",
        trigger: str | None = None,
        channel: str | None = None,
    ) -> aiohttp.ClientResponse:
        body = self.command_body(user, text, name=name, trigger=trigger, channel=channel)
        return await self.post(body, "application/x-www-form-urlencoded")

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, **headers: Any
    ) -> aiohttp.ClientResponse:
        self._events += 1
        body = {
            "token": "x",
            "team_id": TEAM,
            "api_app_id": "ABOT",
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._events:06d}",
            "event_time": int(time.time()),
            "event": event,
        }
        return await self.post(json.dumps(body), "application/json", **headers)

    async def dm(self, user: str, text: str, **kw: Any) -> aiohttp.ClientResponse:
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": f"D{user[1:]}",
            "user": user,
            "text": text,
            "ts": "1.1",
        }
        return await self.event(event, **kw)

    async def interact(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")

    async def press(
        self, user: str, action_id: str, value: str, *, name: str = "act", trigger: str | None = None
    ) -> aiohttp.ClientResponse:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "test"},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "ABOT",
            "trigger_id": trigger or self.trigger(),
            "channel": {"id": f"D{user[1:]}"},
            "container": {"type": "message", "channel_id": f"D{user[1:]}", "is_ephemeral": False},
            "message": {"ts": "1.1", "text": "x"},
            "response_url": self.fake.response_url(name),
            "actions": [
                {"action_id": action_id, "block_id": "b1", "value": value, "type": "button", "action_ts": "1"}
            ],
        }
        return await self.interact(payload)

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.02)

    async def rows(self, model: Any, *conditions: Any) -> list[Any]:
        """The rows of one table, in the app's database, that meet the conditions."""
        async with self.app.services.db.transaction() as session:
            return list(await session.exec(select(model).where(*conditions)))

    async def ask(self, user: str, text: str, *, replies: int = 1) -> list[str]:
        """`/tandem <text>` from `user`, once `replies` ephemeral answers to it have arrived."""
        name = f"ask-{user}-{self.trigger()}"
        await self.command(user, text, name=name)
        await self.until(lambda: len(self.responses(name)) >= replies, timeout=30)
        return self.responses(name)

    def dm_texts(self, user: str) -> list[str]:
        """The fallback text of every message in the bot's DM with `user`, oldest first."""
        return [m["text"] for m in self.fake.messages_in(user)]

    def responses(self, name: str) -> list[str]:
        return [r.get("text", "") for r in self.fake.responses.get(name, [])]


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    fake.add_user("UADMIN", name="root", real_name="Rita Admin", locale="en-US", tz="Europe/Paris")
    fake.add_user("UBOB", name="bob", real_name="Bob Senior", locale="fr-FR", tz="Europe/Paris")
    fake.add_user("UMIA", name="mia", real_name="Mia Junior", locale="en-GB", tz="Europe/London")
    yield fake
    await fake.stop()


@contextlib.asynccontextmanager
async def _tester(services: Services, fake_slack: FakeSlack, *, deliver: bool) -> AsyncIterator[SlackTester]:
    services.settings = services.settings.model_copy(
        update={
            "slack": SlackSettings(
                bot_token=SecretStr(fake_slack.bot_token),
                signing_secret=SecretStr(SECRET),
                api_url=f"{fake_slack.url}/api/",
            ),
            "admins": ["UADMIN", "root"],
            "global_rate": 0.0,
            "conversation_interval": 0.0,
        }
    )
    app = make_app(services)
    channel = SlackChannel(app.conversation, services.settings.slack)
    app.outlets.register(channel.name, channel.outlet)
    runner, url = await serve_local(build_web_app(app.services.db, [channel]))
    tester = SlackTester(url, fake_slack, channel, app)
    tester.by_hand = not deliver
    try:
        if deliver:
            async with app.delivering():
                yield tester
        else:
            yield tester
    finally:
        await tester.close()
        await runner.cleanup()
        await channel.close()


@pytest.fixture
async def slack(services: Services, fake_slack: FakeSlack) -> AsyncIterator[SlackTester]:
    """The Slack channel on the real server, with the dispatcher and the job runner running."""
    async with _tester(services, fake_slack, deliver=True) as tester:
        yield tester


@pytest.fixture
async def slack_by_hand(services: Services, fake_slack: FakeSlack) -> AsyncIterator[SlackTester]:
    """The same, with nothing sent in the background: the test runs the dispatcher on its own clock."""
    async with _tester(services, fake_slack, deliver=False) as tester:
        yield tester
