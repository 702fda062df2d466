"""Bot Connector clients kept across turns, so replies reuse connections instead of opening new ones.

The SDK's stock factory builds a new connector client and a new user-token client, each with its own
aiohttp session, for every turn, and closes them when the turn ends: every reply then pays a new TCP
(and, in production, TLS) connection and the clients' set-up. This factory keeps one client per service
URL and token. The adapter still "closes" them after each turn; that close is a no-op here, and the
real one happens when the channel shuts down or when a refreshed token replaces the client.
"""

from __future__ import annotations

import logging
import time

from microsoft_agents.activity import RoleTypes
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.core.rest_channel_service_client_factory import RestChannelServiceClientFactory

logger = logging.getLogger(__name__)

RETIRED_GRACE = 600.0
"""Seconds a replaced client stays open, for the turns that were still using it."""


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


class PooledClientFactory(RestChannelServiceClientFactory):
    """The SDK's REST client factory, with clients reused across turns (agentic and Copilot Studio
    requests, which Tandem does not serve, keep the stock behaviour)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._connectors: dict[tuple[str, str], _SharedConnector] = {}
        self._token_clients: dict[tuple[str, str], _SharedUserTokens] = {}
        self._retired: list[tuple[float, _SharedConnector | _SharedUserTokens]] = []

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
            return await super().create_connector_client(
                context, claims_identity, service_url, audience, scopes, use_anonymous
            )
        provider = (
            self._ANONYMOUS_TOKEN_PROVIDER
            if use_anonymous
            else self._connection_manager.get_token_provider(claims_identity, service_url)
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
            return await super().create_user_token_client(context, claims_identity, use_anonymous)
        app_id = claims_identity.get_app_id() or ""
        token = ""
        if not use_anonymous:
            provider = self._connection_manager.get_token_provider(
                claims_identity, self._token_service_endpoint
            )
            token = await provider.get_access_token(
                self._token_service_audience, claims_identity.get_token_scope()
            )
            if not token:
                raise ValueError("Failed to obtain token for user token client")
        key = (app_id, token)
        client = self._token_clients.get(key)
        if client is None or client.client.closed:
            await self._retire(self._token_clients, app_id)
            client = _SharedUserTokens(
                app_id=app_id or None, endpoint=self._token_service_endpoint, token=token
            )
            self._token_clients[key] = client
        return client

    async def _retire(self, clients: dict, first: str) -> None:  # type: ignore[type-arg]
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
        clients = [*self._connectors.values(), *self._token_clients.values()]
        clients += [client for _, client in self._retired]
        self._connectors, self._token_clients, self._retired = {}, {}, []
        for client in clients:
            await client.dispose()
