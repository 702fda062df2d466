"""The HTTP server: Slack's Events API at /slack/events, Teams at /api/messages, and /healthz, on one
aiohttp application. Each channel's authentication sits on its own route only."""

from __future__ import annotations

import json
import logging
import warnings
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.signature import SignatureVerifier

from bot.app import App

logger = logging.getLogger(__name__)

MAX_BODY = 1_000_000


def _malformed(body: str, content_type: str) -> bool:
    """True when a signed body still cannot be what Slack sends: bad JSON or form, or missing the fields
    every payload of its type has. Such requests get 400 instead of reaching any listener."""
    try:
        if content_type.startswith("application/json"):
            return not _valid_event(json.loads(body))
        form = parse_qs(body, strict_parsing=bool(body))
        if "payload" in form:
            return not _valid_payload(json.loads(form["payload"][0]))
        return not (form.get("command") and form.get("user_id") and form.get("team_id"))
    except (ValueError, UnicodeDecodeError):
        return True


def _valid_event(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return False
    if data["type"] == "event_callback":
        return isinstance(data.get("event"), dict) and isinstance(data["event"].get("type"), str)
    return True


def _valid_payload(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return False
    user = data.get("user")
    if not isinstance(user, dict) or not user.get("id"):
        return False
    if data["type"] == "block_actions":
        return isinstance(data.get("actions"), list) and all(isinstance(a, dict) for a in data["actions"])
    if data["type"] in ("view_submission", "view_closed"):
        return isinstance(data.get("view"), dict) and isinstance(data["view"].get("type"), str)
    return True


def slack_handler(bolt: Any, signing_secret: str | None) -> Any:
    """The aiohttp handler for Slack's requests: signature, then shape, then bolt.

    With a signing secret, no request reaches bolt unless its signature is valid; SlackChannel's bolt app
    relies on that and does not check again.
    """
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def handle(request: web.Request) -> web.Response:
        raw = await request.read()
        body = raw.decode("utf-8", errors="replace")
        if verifier is not None and not verifier.is_valid_request(body, dict(request.headers)):
            return web.json_response({"error": "invalid signature"}, status=401)
        if _malformed(body, request.content_type or ""):
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
