"""Teams fixtures: the real Agents SDK app behind the real HTTP server, talking to a fake Bot Connector."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from microsoft_agents.authentication.msal import MsalAuth
from pydantic import SecretStr

from bot.app import App, make_app
from bot.core.context import Services
from bot.downloads import download_routes
from bot.server import build_web_app
from bot.teams.channel import TeamsChannel
from bot.teams.settings import TeamsSettings
from tests.support.fake_jwks import FakeJwks
from tests.support.fake_teams import FakeConnector
from tests.support.serve import serve_local

TENANT = "11111111-2222-3333-4444-555555555555"
BOT = "28:tandem-bot"
APP_ID = "0f0e0d0c-0b0a-0908-0706-050403020100"
"""The bot's Entra app id, when a test runs the channel with credentials."""
SECRET = "entra-client-secret-value"

# Teams id (29:…) -> (Entra object id, display name, locale, time zone)
PEOPLE = {
    "29:admin": ("aad-admin", "Rita Admin", "en-US", "Europe/Paris"),
    "29:bob": ("aad-bob", "Bob Senior", "fr-FR", "Europe/Paris"),
    "29:mia": ("aad-mia", "Mia Junior", "en-GB", "Europe/London"),
    "29:car": ("aad-car", "Car Senior", "en-GB", "Europe/London"),
    "29:dan": ("aad-dan", "Dan Senior", "en-GB", "Europe/London"),
    "29:eve": ("aad-eve", "Eve Senior", "en-GB", "Europe/London"),
}


class TeamsTester:
    """Posts Activity JSON to /api/messages and reads what the bot answered or sent."""

    def __init__(self, url: str, connector: FakeConnector, channel: TeamsChannel, app: App) -> None:
        self.url = url
        self.connector = connector
        self.channel = channel
        self.app = app
        self.session = aiohttp.ClientSession()
        self._ids = itertools.count(1)

    async def close(self) -> None:
        await self.session.close()

    def activity(self, user: str, kind: str = "message", **fields: Any) -> dict[str, Any]:
        aad, name, locale, zone = PEOPLE[user]
        activity: dict[str, Any] = {
            "type": kind,
            "id": f"in-{next(self._ids)}",
            "timestamp": "2026-11-27T09:00:00.000Z",
            "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "from": {"id": user, "name": name, "aadObjectId": aad},
            "conversation": {"id": conversation_of(user), "conversationType": "personal", "tenantId": TENANT},
            "recipient": {"id": BOT, "name": "Tandem"},
            "locale": locale,
            "localTimezone": zone,
            "channelData": {"tenant": {"id": TENANT}},
        }
        activity.update(fields)
        return activity

    async def post(self, body: Any, *, headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
        kwargs: dict[str, Any] = {"data": body} if isinstance(body, str | bytes) else {"json": body}
        response = await self.session.post(f"{self.url}/api/messages", headers=headers or {}, **kwargs)
        await response.read()
        return response

    async def turn(self, activity: dict[str, Any]) -> list[dict[str, Any]]:
        """One activity with `expectReplies`: the bot's replies, from the HTTP response body."""
        response = await self.post({**activity, "deliveryMode": "expectReplies"})
        assert response.status == 200, (response.status, await response.text())
        body = await response.json()
        return list((body or {}).get("activities") or [])

    async def say(self, user: str, text: str, **fields: Any) -> list[dict[str, Any]]:
        return await self.turn(self.activity(user, text=text, **fields))

    async def submit(self, user: str, data: dict[str, Any]) -> list[dict[str, Any]]:
        """A card's Action.Submit: Teams sends it as a message whose `value` is the action's data."""
        return await self.turn(self.activity(user, value=data, replyToId="card-1"))

    async def install(self, user: str) -> list[dict[str, Any]]:
        return await self.turn(self.activity(user, "installationUpdate", action="add"))

    async def uninstall(self, user: str) -> list[dict[str, Any]]:
        return await self.turn(self.activity(user, "installationUpdate", action="remove"))

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.02)


def conversation_of(user: str) -> str:
    return f"a:personal-{user.removeprefix('29:')}"


def texts(activities: list[dict[str, Any]]) -> str:
    """Everything readable in some activities: text and every TextBlock of their cards."""
    from tests.support.fake_teams import Sent

    return "\n".join(Sent("", activity).text for activity in activities)


def cards(activities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from tests.support.fake_teams import Sent

    return [card for activity in activities for card in Sent("", activity).cards]


def submits(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Submit in a card (top-level actions and ActionSets), in order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


@contextlib.asynccontextmanager
async def fake_connector() -> AsyncIterator[FakeConnector]:
    """A fake Bot Connector that knows everyone in PEOPLE as a conversation member."""
    fake = FakeConnector()
    await fake.start()
    for user, (aad, name, _locale, _zone) in PEOPLE.items():
        fake.add_member(user, name=name, aad=aad)
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with fake_connector() as fake:
        yield fake


@contextlib.asynccontextmanager
async def serving(
    services: Services,
    connector: FakeConnector,
    *,
    deliver: bool,
    credentials: bool = False,
    public_url: str | None = None,
) -> AsyncIterator[TeamsTester]:
    """The Teams channel on the real server: anonymous (local testing), or with Entra credentials, when
    every request needs a valid Bot Framework JWT for APP_ID. With `public_url` (TANDEM_PUBLIC_URL), the
    one-time download routes are mounted beside it, as `tandem run` does."""
    teams = (
        TeamsSettings(client_id=APP_ID, client_secret=SecretStr(SECRET))
        if credentials
        else TeamsSettings(allow_anonymous=True)
    )
    services.settings = services.settings.model_copy(
        update={
            "teams": teams,
            "admins": ["aad-admin"],
            "global_rate": 0.0,
            "conversation_interval": 0.0,
            "public_url": public_url,
        }
    )
    app = make_app(services)
    channel = TeamsChannel(app.conversation, services.settings.teams)
    app.outlets.register(channel.name, channel.outlet)
    web_app = build_web_app(app.services.db, [channel], extra=download_routes(app.conversation))
    runner, url = await serve_local(web_app)
    tester = TeamsTester(url, connector, channel, app)
    try:
        if deliver:
            async with app.delivering():
                yield tester
        else:
            yield tester
    finally:
        await channel.close()
        await tester.close()
        await runner.cleanup()


@pytest.fixture
async def teams(services: Services, connector: FakeConnector) -> AsyncIterator[TeamsTester]:
    """The Teams channel on the real server, with the dispatcher and the job runner running."""
    async with serving(services, connector, deliver=True) as tester:
        yield tester


@pytest.fixture
async def teams_by_hand(services: Services, connector: FakeConnector) -> AsyncIterator[TeamsTester]:
    """The same, with nothing sent in the background: the test runs the dispatcher itself."""
    async with serving(services, connector, deliver=False) as tester:
        yield tester


OUTBOUND_TOKEN = "outbound-token-for-the-connector"
FAY = "29:fay"


@pytest.fixture
def fay(monkeypatch: pytest.MonkeyPatch, connector: FakeConnector) -> None:
    """A fifth learner, known to the fake Bot Connector as the others are."""
    monkeypatch.setitem(PEOPLE, FAY, ("aad-fay", "Fay Senior", "en-GB", "Europe/London"))
    connector.add_member(FAY, name="Fay Senior", aad="aad-fay")


@pytest.fixture
async def jwks(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeJwks]:
    """Bot Framework signing keys served locally and trusted by the Agents SDK; Tandem's own tokens for
    the Bot Connector come from a stub, not from Entra."""
    keys = FakeJwks()
    await keys.start()
    keys.trust(monkeypatch)
    monkeypatch.setattr(MsalAuth, "get_access_token", _outbound_token)
    yield keys
    await keys.stop()


async def _outbound_token(_self: MsalAuth, _resource: str, _scopes: list[str], _force: bool = False) -> str:
    return OUTBOUND_TOKEN
