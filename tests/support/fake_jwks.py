"""A local stand-in for the Bot Framework's signing keys, over real HTTP on 127.0.0.1.

`FakeJwks` serves one RSA public key as a JWK set at `url` and signs RS256 tokens with the private half,
shaped like the tokens the Bot Connector sends with every activity: a `kid` header, the Bot Framework
issuer, the bot's app id as audience, the `serviceurl` claim, and a short validity. Pointing the Agents
SDK's Bot Framework issuer at `url` (`trust`) makes its JWT validator accept these tokens exactly as it
accepts Microsoft's, so a test can reach everything that happens after a real signature check.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core.authorization import _entra_issuers
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

from tests.support.serve import serve_local

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
LIFETIME = 600
"""Seconds a token stays valid, from the moment it is signed."""

_runs = itertools.count(1)


@dataclass
class FakeJwks:
    """One signing key, its JWK set served over HTTP, and tokens signed with it."""

    kid: str = "tandem-test-key"
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    url: str = ""
    fetches: int = 0
    """How many times the key set was downloaded."""
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Serve the key set; each start gets a path of its own, so no client cached elsewhere knows it."""
        app = web.Application()
        path = f"/keys/{next(_runs)}-{int(time.time() * 1000)}"
        app.router.add_get(path, self._keys)
        self._runner, base = await serve_local(app)
        self.url = f"{base}{path}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def jwk_set(self) -> dict[str, Any]:
        """The public key as Microsoft publishes its own: RSA, for signatures, named by `kid`."""
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def claims(self, audience: str, *, service_url: str | None, **extra: Any) -> dict[str, Any]:
        """The claims of a Bot Framework token for `audience`, valid from now for LIFETIME seconds;
        `service_url=None` leaves the `serviceurl` claim out, and `extra` adds to or replaces the rest."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": BOT_FRAMEWORK_ISSUER,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + LIFETIME,
        }
        if service_url is not None:
            claims["serviceurl"] = service_url
        return {**claims, **extra}

    def token(self, audience: str, *, service_url: str | None, **extra: Any) -> str:
        """Those claims, signed RS256 with this key and naming it by `kid`, as the Bot Connector signs."""
        claims = self.claims(audience, service_url=service_url, **extra)
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def trust(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make the Agents SDK fetch the Bot Framework issuer's keys from here, with no key client
        cached by an earlier test (the validator keeps one per URL in a class attribute)."""
        tables = {id(table): table for table in _jwks_tables()}
        for table in tables.values():
            monkeypatch.setitem(table, BOT_FRAMEWORK_ISSUER, self.url)
        manager = type(jwt_token_validator.JwtTokenValidator._jwk_client_manager)()
        monkeypatch.setattr(jwt_token_validator.JwtTokenValidator, "_jwk_client_manager", manager)

    async def _keys(self, _request: web.Request) -> web.Response:
        self.fetches += 1
        return web.json_response(self.jwk_set())


def _jwks_tables() -> list[dict[str, str]]:
    """The issuer-to-keys table, where it is defined and where the validator imported it by name."""
    return [_entra_issuers.BOTFRAMEWORK_JWKS_URIS, jwt_token_validator.BOTFRAMEWORK_JWKS_URIS]
