"""Serving an aiohttp application on a free port of 127.0.0.1: the app under test and every fake API."""

from __future__ import annotations

from aiohttp import web


async def serve_local(app: web.Application) -> tuple[web.AppRunner, str]:
    """Start serving `app`; returns the runner (clean it up to stop) and the base URL, without a
    trailing slash."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"
