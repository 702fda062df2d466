"""Slack's HTTP endpoint: each request to POST /slack/events goes to the bolt app, whose own middleware
verifies its signature; `ShapeCheck`, right after that verification, refuses a signed body of an odd
shape before anything else runs.

Tandem checks the signature itself only where bolt cannot: bolt turns the timestamp header into an int
and fails with a 500 when it is not a number, and it cannot verify a body it cannot read (not JSON nor
a form, or a JSON value that is not an object).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.channel import Handler
from bot.slack import shapes

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000
TIMESTAMP = "x-slack-request-timestamp"
SIGNATURE = "x-slack-signature"
VERIFICATION_LOGGER = "slack_bolt.RequestVerification"
"""bolt's verification logs a refused request's whole body at INFO: it is kept to warnings, since a
delayed genuine request carries someone's message."""


class ShapeCheck(AsyncMiddleware):
    """A signed HTTP request whose body is not what Slack sends gets 400 and one log line, before
    authorization and every listener (listeners read its fields without defending every access).
    Socket Mode payloads come over the app's own authenticated socket and are not checked."""

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        problem = shapes.problem(req.raw_body, req.content_type or "") if req.mode == "http" else None
        if problem is None:
            return await next()
        logger.warning("Slack: refused a signed request of an unexpected shape (%s)", problem[:200])
        return _malformed()


def slack_handler(bolt: AsyncApp, signing_secret: str) -> Handler:
    """The aiohttp handler for Slack's requests: the size, then bolt (signature, shape, listeners)."""
    verifier = SignatureVerifier(signing_secret)

    async def handle(request: web.Request) -> web.StreamResponse:
        if (request.content_length or 0) > MAX_BODY or len(raw := await request.read()) > MAX_BODY:
            return web.json_response({"error": "body too large"}, status=413)
        timestamp, signature = request.headers.get(TIMESTAMP), request.headers.get(SIGNATURE, "")
        if timestamp is not None and not _integer(timestamp):
            return _unsigned()
        body = raw.decode("utf-8", errors="replace")
        headers: dict[str, str | Sequence[str]] = dict(request.headers)
        try:
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=headers)
        except Exception:  # bolt cannot read it, so it would not verify it either: do it here
            if not verifier.is_valid(body, timestamp or "0", signature):
                return _unsigned()
            logger.warning("Slack: refused a signed request that is not a JSON object or a form")
            return web.json_response({"error": "malformed body"}, status=400)
        response = await bolt.async_dispatch(bolt_request)
        if response.status == 401:
            logger.warning("Slack: refused a request without a valid signature")
        return await to_aiohttp_response(response)

    return handle


def quiet_verification() -> None:
    """Keep bolt's verification from logging refused bodies (call once its app is built)."""
    logging.getLogger(VERIFICATION_LOGGER).setLevel(logging.WARNING)


def _integer(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _unsigned() -> web.Response:
    logger.warning("Slack: refused a request without a valid signature")
    return web.json_response({"error": "invalid signature"}, status=401)


def _malformed() -> BoltResponse:
    return BoltResponse(status=400, body={"error": "malformed body"})
