"""Bot Connector clients are kept across turns, replaced when the token changes, and closed at shutdown;
and the factory still matches the SDK's stock one (its signature, its telemetry spans)."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from microsoft_agents.hosting.core import RestChannelServiceClientFactory
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.telemetry.adapter import spans

from bot.teams.channel import connections_for
from bot.teams.clients import PooledClientFactory
from bot.teams.settings import TeamsSettings


class RotatingTokens:
    """A token provider whose token can be changed, as Entra's are every hour."""

    def __init__(self) -> None:
        self.token = "token-1"

    async def get_access_token(self, *args: Any, **kwargs: Any) -> str:
        return self.token


def anonymous_factory() -> PooledClientFactory:
    connections, _ = connections_for(TeamsSettings(allow_anonymous=True))
    return PooledClientFactory(connections)


async def test_one_connector_client_serves_many_turns() -> None:
    factory = anonymous_factory()
    identity = ClaimsIdentity()
    first = await factory.create_connector_client(
        None, identity, "http://127.0.0.1:9/", "aud", use_anonymous=True
    )
    await first.close()  # what the adapter does after each turn
    second = await factory.create_connector_client(
        None, identity, "http://127.0.0.1:9/", "aud", use_anonymous=True
    )
    assert second is first and not first.client.closed
    other = await factory.create_connector_client(
        None, identity, "http://127.0.0.1:8/", "aud", use_anonymous=True
    )
    assert other is not first
    await factory.close()
    assert first.client.closed and other.client.closed


async def test_a_new_token_gets_a_new_client_and_the_old_one_closes_later(monkeypatch: Any) -> None:
    factory = anonymous_factory()
    tokens = RotatingTokens()
    monkeypatch.setattr(factory.connections, "get_token_provider", lambda *args: tokens)
    identity = ClaimsIdentity({"aud": "app", "appid": "app"}, authentication_type="Bearer")
    old = await factory.create_connector_client(None, identity, "http://127.0.0.1:9/", "aud")
    assert old.client.headers["Authorization"] == "Bearer token-1"
    tokens.token = "token-2"
    new = await factory.create_connector_client(None, identity, "http://127.0.0.1:9/", "aud")
    assert new is not old and new.client.headers["Authorization"] == "Bearer token-2"
    assert not old.client.closed  # a turn may still be using it
    await factory.close()
    assert old.client.closed and new.client.closed


async def test_user_token_clients_are_kept_too() -> None:
    factory = anonymous_factory()

    class Turn:
        class activity:
            @staticmethod
            def is_agentic_request() -> bool:
                return False

    first = await factory.create_user_token_client(Turn(), ClaimsIdentity(), use_anonymous=True)  # type: ignore[arg-type]
    await first.close()
    assert await factory.create_user_token_client(Turn(), ClaimsIdentity(), use_anonymous=True) is first  # type: ignore[arg-type]
    await factory.close()
    assert first.client.closed


class Turn:
    class activity:
        recipient = None

        @staticmethod
        def is_agentic_request() -> bool:
            return False


@pytest.mark.parametrize("method", ["create_connector_client", "create_user_token_client"])
def test_the_factory_takes_what_the_sdk_passes_its_stock_factory(method: str) -> None:
    """The adapter calls the factory as it calls the SDK's own: a new parameter there must show here."""
    ours = inspect.signature(getattr(PooledClientFactory, method))
    stock = inspect.signature(getattr(RestChannelServiceClientFactory, method))
    assert list(ours.parameters) == list(stock.parameters)


@contextlib.contextmanager
def recorded_spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SDK's client-creation spans, replaced by recorders of their names and arguments."""
    opened: list[str] = []

    def recorder(name: str) -> type:
        class Span:
            def __init__(self, **kwargs: Any) -> None:
                opened.append(f"{name}:{sorted(kwargs)}")

            def __enter__(self) -> None:
                return None

            def __exit__(self, *exc: object) -> None:
                return None

        return Span

    for name in ("AdapterCreateConnectorClient", "AdapterCreateUserTokenClient"):
        assert hasattr(spans, name), f"the Agents SDK no longer has the span {name}"
        monkeypatch.setattr(spans, name, recorder(name))
    yield opened


async def test_clients_are_created_inside_the_sdks_own_telemetry_spans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connections, _ = connections_for(TeamsSettings(allow_anonymous=True))
    stock, ours = RestChannelServiceClientFactory(connections), PooledClientFactory(connections)
    identity = ClaimsIdentity()
    with recorded_spans(monkeypatch) as opened:
        client = await stock.create_connector_client(
            None, identity, "http://127.0.0.1:9/", "aud", use_anonymous=True
        )
        tokens = await stock.create_user_token_client(Turn(), identity, use_anonymous=True)  # type: ignore[arg-type]
        await client.close()
        await tokens.close()
        from_stock = list(opened)
        opened.clear()
        await ours.create_connector_client(None, identity, "http://127.0.0.1:9/", "aud", use_anonymous=True)
        await ours.create_user_token_client(Turn(), identity, use_anonymous=True)  # type: ignore[arg-type]
        await ours.close()
    assert len(from_stock) == 2, "the SDK's stock factory no longer opens these spans"
    assert opened == from_stock
