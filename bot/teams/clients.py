"""Bot Connector clients kept across turns, so replies reuse connections instead of opening new ones.

The SDK's stock factory builds a new connector client and a new user-token client, each with its own
aiohttp session, for every turn, and closes them when the turn ends: every reply then pays a new TCP
(and, in production, TLS) connection and the clients' set-up. This factory keeps one client per service
URL and token. The adapter still "closes" them after each turn; that close is a no-op here, and the
real one happens when the channel shuts down or when a refreshed token replaces the client.

It is built from the SDK's public classes only: it holds the connection manager it is given, asks it
for tokens as the stock factory does, and hands the requests Tandem does not serve (agentic and Copilot
Studio ones) to a stock factory of its own. The one thing it takes from the SDK's insides is the
telemetry span the stock factory opens around each client it creates, so that traces look the same;
`_connector_span` and `_user_token_span` are that adapter, and tests/bot/teams/test_clients.py fails
loudly if the stock factory stops opening those spans or changes its signature.
"""

from __future__ import annotations

import logging
import time
from contextlib import AbstractContextManager
from typing import Any

from microsoft_agents.activity import RoleTypes
from microsoft_agents.hosting.core import (
    ChannelServiceClientFactoryBase,
    RestChannelServiceClientFactory,
    TurnContext,
)
from microsoft_agents.hosting.core.authorization import (
    AnonymousTokenProvider,
    AuthenticationConstants,
    ClaimsIdentity,
    Connections,
)
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.core.telemetry.adapter import spans

logger = logging.getLogger(__name__)

RETIRED_GRACE = 600.0
"""Seconds a replaced client stays open, for the turns that were still using it."""


def _connector_span(service_url: str, scopes: list[str] | None) -> AbstractContextManager[Any]:
    """The span the SDK's stock factory opens while it creates a connector client."""
    return spans.AdapterCreateConnectorClient(
        service_url=service_url, scopes=scopes, is_agentic_request=False
    )


def _user_token_span(endpoint: str, scopes: list[str] | None) -> AbstractContextManager[Any]:
    """The span the SDK's stock factory opens while it creates a user-token client."""
    return spans.AdapterCreateUserTokenClient(token_service_endpoint=endpoint, scopes=scopes)


class _SharedConnector(TeamsConnectorClient):
    async def close(self) -> None:
        """Called by the adapter after each turn: the client outlives the turn."""

    async def dispose(self) -> None:
        await super().close()


class _SharedUserTokens(UserTokenClient):
    async def close(self) -> None:
        """Called by the adapter after each turn: the client outlives the turn."""

    async def dispose(self) -> None:
        await super().close()


Shared = _SharedConnector | _SharedUserTokens


class PooledClientFactory(ChannelServiceClientFactoryBase):
    """A channel service client factory whose clients are reused across turns (agentic and Copilot
    Studio requests, which Tandem does not serve, get the stock factory's)."""

    def __init__(
        self,
        connections: Connections,
        *,
        token_endpoint: str = AuthenticationConstants.AGENTS_SDK_OAUTH_URL,
        token_audience: str = AuthenticationConstants.AGENTS_SDK_SCOPE,
    ) -> None:
        self.connections = connections
        self.token_endpoint = token_endpoint
        self.token_audience = token_audience
        self.stock = RestChannelServiceClientFactory(connections, token_endpoint, token_audience)
        self.anonymous = AnonymousTokenProvider()
        self._connectors: dict[tuple[str, str], _SharedConnector] = {}
        self._token_clients: dict[tuple[str, str], _SharedUserTokens] = {}
        self._retired: list[tuple[float, Shared]] = []

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        special = context is not None and (
            context.activity.is_agentic_request()
            or (context.activity.recipient and context.activity.recipient.role == RoleTypes.connector_user)
        )
        if special or not service_url or not audience:
            return await self.stock.create_connector_client(
                context, claims_identity, service_url, audience, scopes, use_anonymous
            )
        with _connector_span(service_url, scopes):
            provider = (
                self.anonymous
                if use_anonymous
                else self.connections.get_token_provider(claims_identity, service_url)
            )
            token = await provider.get_access_token(audience, scopes or claims_identity.get_token_scope())
            key = (service_url, token or "")
            client = self._connectors.get(key)
            if client is None or client.client.closed:
                await self._retire(self._connectors, service_url)
                client = _SharedConnector(endpoint=service_url, token=token or "")
                self._connectors[key] = client
            return client

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClient:
        if not use_anonymous and context.activity.is_agentic_request():
            return await self.stock.create_user_token_client(context, claims_identity, use_anonymous)
        scopes = claims_identity.get_token_scope()
        with _user_token_span(self.token_endpoint, scopes):
            app_id = claims_identity.get_app_id() or ""
            token = ""
            if not use_anonymous:
                provider = self.connections.get_token_provider(claims_identity, self.token_endpoint)
                token = await provider.get_access_token(self.token_audience, scopes) or ""
                if not token:
                    raise ValueError("Failed to obtain token for user token client")
            key = (app_id, token)
            client = self._token_clients.get(key)
            if client is None or client.client.closed:
                await self._retire(self._token_clients, app_id)
                client = _SharedUserTokens(app_id=app_id or None, endpoint=self.token_endpoint, token=token)
                self._token_clients[key] = client
            return client

    async def _retire(self, clients: dict[tuple[str, str], Any], first: str) -> None:
        """Clients for the same target with an older token stop being handed out; they close a while
        later, once the turns that took them are over."""
        now = time.monotonic()
        for key in [k for k in clients if k[0] == first]:
            self._retired.append((now, clients.pop(key)))
        keep = []
        for since, client in self._retired:
            if now - since > RETIRED_GRACE:
                await client.dispose()
            else:
                keep.append((since, client))
        self._retired = keep

    async def close(self) -> None:
        """Close every client: at shutdown."""
        clients: list[Shared] = [*self._connectors.values(), *self._token_clients.values()]
        clients += [client for _, client in self._retired]
        self._connectors, self._token_clients, self._retired = {}, {}, []
        for client in clients:
            await client.dispose()
