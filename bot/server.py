"""The web host: one aiohttp application for every channel's HTTP routes (`bot.channel.Route`), plus
/healthz. It knows no platform: each channel brings its routes, with their own authentication and
their own body limit."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Sequence

from aiohttp import web

from bot.channel import Channel, Route
from storage.db import Database

logger = logging.getLogger(__name__)

MAX_BODY = 64_000
"""The largest body any route takes when no channel allows more (/healthz takes none)."""


def build_web_app(
    db: Database, channels: Sequence[Channel], *, known: Iterable[str] = (), extra: Sequence[Route] = ()
) -> web.Application:
    """One aiohttp application for the channels' routes, the `extra` routes of no channel (one-time
    download links, bot/downloads.py) and the health check. /healthz says how each channel is served,
    and "off" for the `known` channels this process does not serve."""
    routes = [route for channel in channels for route in channel.routes()] + list(extra)
    web_app = web.Application(client_max_size=max((route.max_body for route in routes), default=MAX_BODY))
    status = {name: "off" for name in known} | {channel.name: channel.mode for channel in channels}

    async def healthz(request: web.Request) -> web.Response:
        """200 while the database answers and takes writes; 503 (with why) while it does not."""
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
        return web.json_response({"status": "ok", **status})

    web_app.router.add_get("/healthz", healthz)
    for route in routes:
        # Libraries read their state under plain string keys (the Agents SDK's JWT check does).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            for key, value in route.app_state.items():
                web_app[key] = value
        web_app.router.add_route(route.method, route.path, route.handler)
    return web_app
