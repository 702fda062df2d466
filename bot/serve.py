"""`tandem run` with Slack (or Teams) configured: the HTTP server or Socket Mode, plus the drip."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from bot.app import build_app
from bot.server import build_web_app
from bot.settings import Settings
from scheduler.service import DripScheduler

logger = logging.getLogger(__name__)


async def serve(
    settings: Settings, lessons: Sequence[Path] = (), *, stop: asyncio.Event | None = None
) -> None:
    """Serve until SIGINT/SIGTERM (or `stop` is set), then finish the running tick and close cleanly."""
    from bot.slack.channel import SlackChannel

    app = await build_app(settings, lessons)
    slack = SlackChannel(app, settings) if settings.slack_enabled else None
    socket_handler = None
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(
        build_web_app(app, slack=None if settings.slack_socket_mode else slack), access_log=None
    )
    drip = DripScheduler(app.drip(), tick_seconds=settings.tick_seconds)
    try:
        if slack is not None and settings.slack_socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            assert settings.slack_app_token is not None
            socket_handler = AsyncSocketModeHandler(slack.bolt, settings.slack_app_token.get_secret_value())
            await socket_handler.connect_async()
            logger.info("Slack: connected over Socket Mode")
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        mode = (
            "Socket Mode"
            if settings.slack_socket_mode
            else f"http://{settings.host}:{settings.port}/slack/events"
        )
        logger.info("Tandem is serving (Slack: %s; health: /healthz)", mode if slack else "off")
        drip.start()
        await stop.wait()
    finally:
        await drip.stop()
        if socket_handler is not None:
            await socket_handler.close_async()
        await runner.cleanup()
        if slack is not None:
            await slack.close()
        await app.close()
