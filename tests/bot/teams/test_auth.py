"""With Entra credentials configured, /api/messages takes only requests with a valid Bot Framework JWT;
other routes (Slack, health) are not behind that check."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from sqlmodel import select

from bot.app import make_app
from bot.core.context import Services
from bot.settings import SettingsError, load_settings
from bot.teams.channel import TeamsChannel
from bot.teams.settings import TeamsSettings
from storage.models import Person
from tests.bot.teams.conftest import APP_ID, SECRET, TeamsTester, serving
from tests.support.fake_teams import FakeConnector


@pytest.fixture
async def secured(services: Services, connector: FakeConnector) -> AsyncIterator[TeamsTester]:
    """The channel with Entra credentials: every request needs a Bot Framework JWT for APP_ID."""
    async with serving(services, connector, deliver=False, credentials=True) as tester:
        yield tester


def forged_token() -> str:
    """A well-formed RS256 token signed by a key nobody trusts."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"aud": APP_ID, "iss": "https://api.botframework.com", "iat": now, "nbf": now, "exp": now + 600}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "not-a-microsoft-key"})


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer a.b.c"],
)
async def test_missing_or_invalid_token_gets_401_and_nothing_happens(
    secured: TeamsTester, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await secured.post(secured.activity("29:bob", text="help"), headers=headers)
    assert response.status == 401
    async with secured.app.services.db.transaction() as session:
        assert list(await session.exec(select(Person))) == []
    assert secured.connector.sent == []


async def test_token_signed_by_an_unknown_key_gets_401(
    secured: TeamsTester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SDK fetches Microsoft's signing keys; there is no internet here, so make that fail fast.
    monkeypatch.setattr("urllib.request.urlopen", _offline)
    response = await secured.post(
        secured.activity("29:bob", text="help"), headers={"Authorization": f"Bearer {forged_token()}"}
    )
    assert response.status == 401
    assert secured.connector.sent == []


def _offline(*args: object, **kwargs: object) -> None:
    raise OSError("offline")


async def test_the_jwt_check_guards_api_messages_only(secured: TeamsTester) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{secured.url}/healthz") as response:
        assert response.status == 200
        assert (await response.json())["teams"] == "on"


async def test_malformed_body_with_no_token_is_401_not_400(secured: TeamsTester) -> None:
    response = await secured.post(b"{broken", headers={"content-type": "application/json"})
    assert response.status == 401


def test_credentials_are_checked_and_named_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
    monkeypatch.setenv(f"{prefix}CLIENTSECRET", "s3cret-value")
    with pytest.raises(SettingsError, match=f"{prefix}CLIENTID is missing"):
        load_settings(_env_file=None)
    monkeypatch.setenv(f"{prefix}CLIENTID", "my-bot")
    with pytest.raises(SettingsError, match="GUID") as caught:
        load_settings(_env_file=None)
    assert "s3cret-value" not in str(caught.value)
    monkeypatch.setenv(f"{prefix}CLIENTID", APP_ID)
    settings = load_settings(_env_file=None)
    assert settings.teams.enabled and not settings.teams.anonymous
    assert "s3cret-value" not in repr(settings)


def test_anonymous_mode_needs_to_be_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not load_settings(_env_file=None).teams.enabled
    monkeypatch.setenv("TANDEM_TEAMS_ALLOW_ANONYMOUS", "true")
    settings = load_settings(_env_file=None)
    assert settings.teams.enabled and settings.teams.anonymous


async def test_secret_never_reaches_the_logs(services: Services, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    services.settings = services.settings.model_copy(
        update={"teams": TeamsSettings(client_id=APP_ID, client_secret=SecretStr(SECRET))}
    )
    app = make_app(services)
    TeamsChannel(app.conversation, services.settings.teams)
    assert SECRET not in caplog.text
