"""`tandem run` with a chat platform configured: its channels and the web dashboard on the web host (and
Slack's socket, over Socket Mode), plus the drip. In console mode (no chat platform), the dashboard alone
on this machine's loopback address (`serve_console_dashboard`)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.app import App, build_app
from bot.channel import LOCALHOST, Channel
from bot.channels import CHANNELS, open_channels
from bot.downloads import download_routes
from bot.server import build_web_app
from bot.settings import Settings
from bot.web.app import dashboard_routes

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
    await asyncio.to_thread(app.services.lessons.warm)  # the first question then waits for nothing
    channels = open_channels(app.conversation, app.outlets, settings)
    loopback = any(channel.settings.loopback_only for channel in channels)
    host = LOCALHOST if loopback else settings.host
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    web_app = build_web_app(
        app.services.db,
        list(channels),
        known=[kind.name for kind in CHANNELS],
        extra=[*download_routes(app.conversation), *dashboard_routes(app.conversation)],
    )
    runner = web.AppRunner(web_app, access_log=None)
    drip = app.scheduler()
    settle_memory()
    try:
        await runner.setup()
        await web.TCPSite(runner, host, settings.port).start()
        await channels.start()
        logger.info(
            "Tandem is serving (%s; dashboard: /dashboard; health: /healthz)",
            _described(channels, host, settings.port),
        )
        drip.start()
        await stop.wait()
    finally:
        await drip.stop()
        await runner.cleanup()
        await channels.close()
        await app.close()


def _described(channels: Iterable[Channel], host: str, port: int) -> str:
    """`Slack: http://…/slack/events; Microsoft Teams: off` for the start-up log."""
    served = {channel.name: channel for channel in channels}
    parts = []
    for kind in CHANNELS:
        channel = served.get(kind.name)
        urls = [f"http://{host}:{port}{route.path}" for route in channel.routes()] if channel else []
        parts.append(f"{kind.title}: {', '.join(urls) or (channel.mode if channel else 'off')}")
    return "; ".join(parts)


@dataclass(slots=True)
class ConsoleHost:
    """The web host of console mode (`tandem run` without a chat platform): the dashboard and /healthz
    on this machine only. `url` is the dashboard's address while it serves; `off` says why it does not."""

    runner: web.AppRunner | None
    url: str | None = None
    off: str | None = None

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def serve_console_dashboard(app: App, settings: Settings) -> ConsoleHost:
    """Serve the dashboard on 127.0.0.1:TANDEM_PORT beside the console. A busy port is no reason to
    stop the console: the host is then off, and `off` says why in one line."""
    web_app = build_web_app(
        app.services.db,
        [],
        known=[kind.name for kind in CHANNELS],
        extra=dashboard_routes(app.conversation),
    )
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, LOCALHOST, settings.port).start()
    except OSError as exc:
        await runner.cleanup()
        why = os.strerror(exc.errno) if exc.errno else type(exc).__name__
        return ConsoleHost(None, off=f"{LOCALHOST}:{settings.port}: {why.lower()} (TANDEM_PORT)")
    return ConsoleHost(runner, url=f"http://{LOCALHOST}:{settings.port}/dashboard")
