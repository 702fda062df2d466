"""Attacks on POST /api/messages: tokens the SDK's validator chokes on, genuine tokens replayed towards
another service URL, and signed activities of odd shapes. Each test reproduces one attack over real HTTP,
against the real Agents SDK, with Microsoft's signing keys replaced by a local JWK set."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from microsoft_agents.authentication.msal import MsalAuth
from sqlalchemy import func
from sqlmodel import SQLModel, select

from bot.core.context import Services
from bot.teams.channel import MAX_BODY
from storage.models import Person
from tests.bot.teams.conftest import APP_ID, TeamsTester, conversation_of, fake_connector, serving
from tests.support.fake_jwks import FakeJwks
from tests.support.fake_teams import FakeConnector

BOB = "29:bob"
OUTBOUND_TOKEN = "outbound-token-for-the-connector"
GUESSED_SECRET = "a-shared-secret-the-attacker-made-up"
ELSEWHERE = "https://smba.trafficmanager.net/amer/"
"""The real Bot Connector's service URL: what a token captured from genuine Teams traffic names."""


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with fake_connector() as fake:
        yield fake


@pytest.fixture
async def jwks(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeJwks]:
    """Bot Framework signing keys served locally, trusted by the SDK for this test only."""
    keys = FakeJwks()
    await keys.start()
    keys.trust(monkeypatch)
    yield keys
    await keys.stop()


@pytest.fixture
async def signed(
    services: Services, connector: FakeConnector, jwks: FakeJwks, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TeamsTester]:
    """The channel with Entra credentials; its own tokens for the Bot Connector come from a stub, not
    from Entra."""
    monkeypatch.setattr(MsalAuth, "get_access_token", _outbound_token)
    async with serving(services, connector, deliver=False, credentials=True) as tester:
        yield tester


@pytest.fixture
async def anonymous(services: Services, connector: FakeConnector) -> AsyncIterator[TeamsTester]:
    """The channel in anonymous mode (local testing): every request counts as signed."""
    async with serving(services, connector, deliver=False) as tester:
        yield tester


async def _outbound_token(_self: MsalAuth, _resource: str, _scopes: list[str], _force: bool = False) -> str:
    return OUTBOUND_TOKEN


# --- helpers ------------------------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unsigned_token(claims: dict[str, Any]) -> str:
    """A JWT whose header says `alg: none`: no signature at all."""
    header = {"alg": "none", "typ": "JWT"}
    return f"{_b64(header)}.{_b64(claims)}."


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


async def row_counts(tester: TeamsTester) -> dict[str, int]:
    """How many rows every table holds: "nothing was stored" means these do not change."""
    counts: dict[str, int] = {}
    async with tester.app.services.db.transaction() as session:
        for table in SQLModel.metadata.sorted_tables:
            counts[table.name] = (await session.exec(select(func.count()).select_from(table))).one()
    return counts


async def people(tester: TeamsTester) -> list[Person]:
    async with tester.app.services.db.transaction() as session:
        return list(await session.exec(select(Person)))


def loud(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Log records above WARNING, or carrying a traceback."""
    return [r for r in caplog.records if r.levelno > logging.WARNING or r.exc_info]


# --- tokens the validator cannot read -----------------------------------------------------------------


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda claims, keys: unsigned_token(claims), id="alg-none"),
        pytest.param(
            lambda claims, keys: jwt.encode(claims, GUESSED_SECRET, algorithm="HS256"), id="hs256-no-kid"
        ),
        pytest.param(
            lambda claims, keys: jwt.encode(
                claims, GUESSED_SECRET, algorithm="HS256", headers={"kid": keys.kid}
            ),
            id="hs256-with-the-real-kid",
        ),
    ],
)
async def test_tokens_the_validator_cannot_read_get_401_quietly(
    signed: TeamsTester, jwks: FakeJwks, caplog: pytest.LogCaptureFixture, forge: Any
) -> None:
    """Attack: a token with alg=none, or HS256 without a `kid` (or naming the real key's kid), claiming
    every right claim. The SDK's validator raises KeyError('kid') on the first two, which it does not
    catch: the request must still be a plain 401, logged as one warning without the token or a traceback,
    and change nothing."""
    caplog.set_level(logging.DEBUG)
    token = forge(jwks.claims(APP_ID, service_url=signed.connector.url), jwks)
    response = await signed.post(signed.activity(BOB, text="help"), headers=bearer(token))
    assert response.status == 401
    assert loud(caplog) == []
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) <= 1
    assert token not in caplog.text
    assert await people(signed) == []
    assert signed.connector.sent == []


async def test_a_failure_after_the_token_was_accepted_is_not_a_401(
    signed: TeamsTester, jwks: FakeJwks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control for the unreadable-token attack above: its 401 covers the token check only. When the
    token is fine and Tandem itself fails (Entra refuses Tandem its own outbound token), the answer is a
    server error that Teams retries, not a 401 that blames the caller."""

    async def entra_down(*_args: object, **_kwargs: object) -> str:
        raise RuntimeError("Entra is unavailable")

    monkeypatch.setattr(MsalAuth, "get_access_token", entra_down)
    token = jwks.token(APP_ID, service_url=signed.connector.url)
    response = await signed.post(signed.activity(BOB, text="help"), headers=bearer(token))
    assert response.status == 500


# --- the token's serviceurl claim ---------------------------------------------------------------------


async def test_a_genuine_token_for_this_service_url_is_processed(signed: TeamsTester, jwks: FakeJwks) -> None:
    """Control for the attacks below: a token signed by the trusted key, naming the activity's own service
    URL (in another spelling: upper-case scheme, no trailing slash), is processed and answered through
    the Bot Connector with Tandem's own outbound token."""
    claimed = signed.connector.url.rstrip("/").replace("http://", "HTTP://")
    token = jwks.token(APP_ID, service_url=claimed)
    response = await signed.post(signed.activity(BOB, text="help"), headers=bearer(token))
    assert response.status in (200, 202), await response.text()
    [reply, *_] = signed.connector.to(conversation_of(BOB))
    assert reply.authorization == f"Bearer {OUTBOUND_TOKEN}"
    assert jwks.fetches == 1


async def test_a_genuine_token_for_another_service_url_gets_401(
    signed: TeamsTester, jwks: FakeJwks, caplog: pytest.LogCaptureFixture
) -> None:
    """Attack: a genuine token, captured from Teams traffic to the real Bot Connector, replayed with an
    activity whose serviceUrl points to the attacker's server, so that Tandem sends its replies (and its
    own bearer token) there. The SDK accepts it (it compares hosts only with its optional host validator
    on); Tandem refuses it and stores nothing."""
    caplog.set_level(logging.INFO)
    token = jwks.token(APP_ID, service_url=ELSEWHERE)
    response = await signed.post(signed.activity(BOB, text="help"), headers=bearer(token))
    assert response.status == 401
    assert await people(signed) == []
    assert signed.connector.sent == []
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    assert token not in caplog.text


async def test_a_genuine_token_without_a_serviceurl_claim_gets_401(
    signed: TeamsTester, jwks: FakeJwks
) -> None:
    """Attack: a validly signed token that names no service URL at all (the SDK then skips its own
    comparison), sent with an activity pointing anywhere."""
    token = jwks.token(APP_ID, service_url=None)
    response = await signed.post(signed.activity(BOB, text="help"), headers=bearer(token))
    assert response.status == 401
    assert await people(signed) == []
    assert signed.connector.sent == []


async def test_a_genuine_token_with_a_lookalike_service_url_gets_401(
    signed: TeamsTester, jwks: FakeJwks
) -> None:
    """Attack: the activity's serviceUrl keeps the token's host but adds a path of the attacker's choosing,
    or keeps the host and drops TLS (the token names https, the activity http): hosts alone are not
    enough."""
    url = signed.connector.url
    for claimed, sent in ((url, f"{url}evil/"), (url.replace("http://", "https://"), url)):
        token = jwks.token(APP_ID, service_url=claimed)
        activity = signed.activity(BOB, text="help", serviceUrl=sent)
        response = await signed.post(activity, headers=bearer(token))
        assert response.status == 401, (claimed, sent)
    assert await people(signed) == []
    assert signed.connector.sent == []


# --- bodies -----------------------------------------------------------------------------------------


async def test_an_oversized_body_without_a_content_length_gets_413(anonymous: TeamsTester) -> None:
    """Attack: a body larger than the channel takes, sent in chunks so that no Content-Length header
    announces its size."""
    activity = anonymous.activity(BOB, text="x" * (MAX_BODY + 1))

    async def chunks() -> AsyncIterator[bytes]:
        yield json.dumps(activity).encode()

    url = f"{anonymous.url}/api/messages"
    async with anonymous.session.post(
        url, data=chunks(), headers={"content-type": "application/json"}
    ) as response:
        assert response.status == 413
    assert await people(anonymous) == []


# --- signed activities of odd shapes ------------------------------------------------------------------

ODD_SHAPES: dict[str, dict[str, Any]] = {
    "from-is-a-string": {"from": BOB},
    "from-is-a-list": {"from": [BOB]},
    "from-without-id": {"from": {"name": "Nobody"}},
    "text-is-a-number": {"text": 42},
    "text-is-an-object": {"text": {"$": "help"}},
    "value-is-a-list": {"value": ["quiz.answer", "strong-passwords:0"]},
    "value-is-a-string": {"value": "quiz.answer"},
    "value-is-a-number": {"value": 7},
    "entities-is-an-object": {"entities": {"type": "mention"}},
    "entities-is-a-string": {"entities": "mention"},
    "entities-holds-numbers": {"entities": [1, 2]},
    "mention-of-a-string": {"entities": [{"type": "mention", "text": "<at>x</at>", "mentioned": "29:mia"}]},
    "conversation-without-id": {"conversation": {"conversationType": "personal"}},
    "conversation-is-a-string": {"conversation": "a:personal-bob"},
    "recipient-is-a-string": {"recipient": "28:tandem-bot"},
    "channel-data-is-a-string": {"channelData": "tenant"},
    "channel-data-is-a-list": {"channelData": [1]},
    "service-url-missing": {"serviceUrl": None},
    "service-url-is-a-number": {"serviceUrl": 443},
    "id-is-a-number": {"id": 12},
    "locale-is-a-list": {"locale": ["fr-FR"]},
    "timestamp-not-a-date": {"timestamp": "yesterday"},
    "product-info-contradicts-channel": {
        "channelId": "msteams:copilot",
        "entities": [{"type": "ProductInfo", "id": "something-else"}],
    },
    "members-added-is-a-string": {"type": "conversationUpdate", "membersAdded": "28:tandem-bot"},
    "installation-action-is-a-number": {"type": "installationUpdate", "action": 1},
}


@pytest.mark.parametrize("odd", list(ODD_SHAPES.values()), ids=list(ODD_SHAPES))
async def test_signed_activities_of_odd_shapes_are_refused_or_ignored_quietly(
    anonymous: TeamsTester, caplog: pytest.LogCaptureFixture, odd: dict[str, Any]
) -> None:
    """Attack: an activity that passes authentication (anonymous mode stands in for a signed one) but
    whose fields have types Teams never sends, to find a crash: each gets a 400, or is acknowledged and
    ignored, with no reply, at most one log line, nothing logged as an error, and nothing stored."""
    caplog.set_level(logging.INFO)
    before = await row_counts(anonymous)
    activity = {**anonymous.activity(BOB, text="help"), **odd}
    activity = {key: value for key, value in activity.items() if value is not None}
    response = await anonymous.post(activity)
    assert response.status == 400 or 200 <= response.status < 300, (response.status, await response.text())
    assert loud(caplog) == []
    assert len([r for r in caplog.records if r.name.startswith(("bot.", "microsoft_agents"))]) <= 1
    assert anonymous.connector.sent == []
    assert await row_counts(anonymous) == before
