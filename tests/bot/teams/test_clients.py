"""Bot Connector clients are kept across turns, replaced when the token changes, and closed at shutdown."""

from __future__ import annotations

from typing import Any

from microsoft_agents.hosting.core.authorization import ClaimsIdentity

from bot.settings import Settings
from bot.teams.channel import connections_for
from bot.teams.clients import PooledClientFactory


class RotatingTokens:
    """A token provider whose token can be changed, as Entra's are every hour."""

    def __init__(self) -> None:
        self.token = "token-1"

    async def get_access_token(self, *args: Any, **kwargs: Any) -> str:
        return self.token


def anonymous_factory() -> PooledClientFactory:
    connections, _ = connections_for(Settings(teams_allow_anonymous=True, _env_file=None))  # type: ignore[call-arg]
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
    monkeypatch.setattr(factory._connection_manager, "get_token_provider", lambda *args: tokens)
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
