"""`tandem run` with Slack (or Teams) configured: the HTTP server or Socket Mode, plus the drip."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from bot.app import build_app
from bot.channels import LOCALHOST, open_channels
from bot.server import build_web_app
from bot.settings import Settings

logger = logging.getLogger(__name__)

GC_THRESHOLDS = (50_000, 20, 20)
"""The collector's thresholds while serving. Each event allocates thousands of short-lived objects (a
session, rows, replies, JSON) that reference counting frees; the default (700, 10, 10) starts a
collection every few events to look for cycles among them, which costs about 4% of the event rate."""


def settle_memory() -> None:
    """Once everything long-lived is built (lessons, the search index, the SDKs): collect, freeze it out of
    the collector's way so collections only walk what requests allocate, and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def serve(
    settings: Settings, lessons: Sequence[Path] = (), *, stop: asyncio.Event | None = None
) -> None:
    """Serve until SIGINT/SIGTERM (or `stop` is set), then finish the running work and close cleanly."""
    app = await build_app(settings, lessons)
    channels = open_channels(app, settings)
    slack, teams = channels.slack, channels.teams
    host = LOCALHOST if settings.teams_anonymous else settings.host
    socket_handler = None
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(
        build_web_app(app, slack=None if settings.slack_socket_mode else slack, teams=teams), access_log=None
    )
    drip = app.scheduler()
    settle_memory()
    try:
        if slack is not None and settings.slack_socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            assert settings.slack_app_token is not None
            socket_handler = AsyncSocketModeHandler(slack.bolt, settings.slack_app_token.get_secret_value())
            await socket_handler.connect_async()
            logger.info("Slack: connected over Socket Mode")
        await runner.setup()
        await web.TCPSite(runner, host, settings.port).start()
        mode = "Socket Mode" if settings.slack_socket_mode else f"http://{host}:{settings.port}/slack/events"
        logger.info(
            "Tandem is serving (Slack: %s; Teams: %s; health: /healthz)",
            mode if slack else "off",
            f"http://{host}:{settings.port}/api/messages" if teams else "off",
        )
        drip.start()
        await stop.wait()
    finally:
        await drip.stop()
        if socket_handler is not None:
            await socket_handler.close_async()
        await runner.cleanup()
        await channels.close()
        await app.close()
