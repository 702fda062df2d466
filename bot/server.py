"""The HTTP server: Slack's Events API at /slack/events, Teams at /api/messages, and /healthz, on one
aiohttp application. Each channel's authentication sits on its own route only."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.signature import SignatureVerifier

from bot.app import App
from bot.slack import shapes

logger = logging.getLogger(__name__)

MAX_BODY = 1_000_000


def _signed(verifier: SignatureVerifier, body: str, headers: dict[str, str]) -> bool:
    """A valid signature within Slack's five minutes; a timestamp that is not a number is simply invalid."""
    try:
        return verifier.is_valid_request(body, headers)
    except (ValueError, TypeError, OverflowError):
        return False


def slack_handler(bolt: Any, signing_secret: str | None) -> Any:
    """The aiohttp handler for Slack's requests: signature, then shape, then bolt.

    With a signing secret, no request reaches bolt unless its signature is valid; SlackChannel's bolt app
    relies on that and does not check again.
    """
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def handle(request: web.Request) -> web.Response:
        raw = await request.read()
        body = raw.decode("utf-8", errors="replace")
        if verifier is not None and not _signed(verifier, body, dict(request.headers)):
            logger.warning("Slack: refused a request without a valid signature")
            return web.json_response({"error": "invalid signature"}, status=401)
        problem = shapes.problem(body, request.content_type or "")
        if problem is not None:
            logger.warning("Slack: refused a signed request of an unexpected shape (%s)", problem[:200])
            return web.json_response({"error": "malformed body"}, status=400)
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, KeyError):
            return web.json_response({"error": "malformed body"}, status=400)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    return handle


def build_web_app(app: App, *, slack: Any | None = None, teams: Any | None = None) -> web.Application:
    """One aiohttp application for every HTTP channel, plus a health check."""
    web_app = web.Application(client_max_size=MAX_BODY)
    channels = {
        "slack": "http" if slack is not None else "off",
        "teams": "on" if teams is not None else "off",
    }

    async def healthz(request: web.Request) -> web.Response:
        """200 while the database answers and takes writes; 503 (with why) while it does not."""
        db = app.services.db
        try:
            await db.probe()
        except Exception as exc:
            logger.warning("Health check: the database does not answer: %s", type(exc).__name__)
            reason = db.failing or type(exc).__name__
            return web.json_response({"status": "degraded", "database": "down", "reason": reason}, status=503)
        if db.failing:
            return web.json_response(
                {"status": "degraded", "database": "failing", "reason": db.failing}, status=503
            )
        return web.json_response({"status": "ok", **channels})

    web_app.router.add_get("/healthz", healthz)
    if slack is not None:
        settings = app.services.settings
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
        web_app.router.add_post("/slack/events", slack_handler(slack.bolt, secret))
    if teams is not None:
        # The SDK's JWT decorator reads its settings under this plain string key; it guards /api/messages only.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            web_app["agent_configuration"] = teams.auth_config
        web_app.router.add_post("/api/messages", teams.handler())
    return web_app
