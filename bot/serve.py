"""`tandem run` with Slack (or Teams) configured: the HTTP server or Socket Mode, plus the drip."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from bot.app import App, build_app
from bot.server import build_web_app
from bot.settings import Settings
from scheduler.service import DripScheduler

if TYPE_CHECKING:
    from bot.teams.channel import TeamsChannel

logger = logging.getLogger(__name__)

LOCALHOST = "127.0.0.1"


def _teams(app: App, settings: Settings) -> TeamsChannel | None:
    """The Teams channel when configured. Anonymous mode is for local tests: loopback only, and said so."""
    if not settings.teams_enabled:
        return None
    from bot.teams.channel import TeamsChannel

    # The SDK stores its claims under a plain string key on each request, which aiohttp warns about.
    warnings.filterwarnings("ignore", message="It is recommended to use web.RequestKey", category=UserWarning)
    if settings.teams_anonymous:
        # Without an app id the SDK warns on every turn; in this local mode that says nothing new.
        logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(
            logging.ERROR
        )
        logger.warning(
            "Teams: TANDEM_TEAMS_ALLOW_ANONYMOUS is on: /api/messages accepts requests without a token "
            "and listens on %s only. Never use this in production.",
            LOCALHOST,
        )
    return TeamsChannel(app, settings)


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
    """Serve until SIGINT/SIGTERM (or `stop` is set), then finish the running tick and close cleanly."""
    from bot.slack.channel import SlackChannel

    app = await build_app(settings, lessons)
    slack = SlackChannel(app, settings) if settings.slack_enabled else None
    teams = _teams(app, settings)
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
    drip = DripScheduler(app.drip(), tick_seconds=settings.tick_seconds)
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
        if teams is not None:
            await teams.close()
        if slack is not None:
            await slack.close()
        await app.close()
