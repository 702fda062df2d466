"""The real web host with the dashboard's routes, served on a free 127.0.0.1 port from a thread of its own
(its own event loop), over a real database, with a clock the tests move; and sign-in links got the way
people get them: the `dashboard` command through the core, or `tandem dashboard --user NAME`."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from aiohttp import web

from bot.app import App, make_app
from bot.console.channel import console_actor
from bot.core.context import LessonStore, Services
from bot.core.events import Event
from bot.server import build_web_app
from bot.settings import Settings
from lessons import Library
from storage.db import Database
from tests.support.harness import Clock
from tests.support.server import ROOT, free_port
from tests.web.programme import ADMIN, NOW, Programme, seed_programme

T = TypeVar("T")

LINK_RE = re.compile(r"https?://[^\s'\"<>()|*`\\]+/dashboard/signin/[A-Za-z0-9_\-.~%]+")
"""A sign-in link inside a reply, however the channel would show it (text, a button's address)."""


class DashboardHost:
    """One seeded database and one web host serving `bot.web.app.dashboard_routes` on it.

    The host runs its own event loop in a thread, so the tests' loop (Playwright's) never waits on it
    and the other way round. `clock` is the core's clock: move it with `clock.advance(minutes=11)`.
    """

    def __init__(self, db_url: str, library: Library) -> None:
        self.db_url = db_url
        self.library = library
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.clock = Clock(NOW)
        self.programme = Programme()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="dashboard-host", daemon=True)
        self._runner: web.AppRunner | None = None
        self.app: App | None = None

    def settings(self) -> Settings:
        return Settings(
            database_url=self.db_url, admins=[ADMIN], port=self.port, host="127.0.0.1", semantic="off",
            _env_file=None,
        )  # fmt: skip

    def start(self) -> None:
        self._thread.start()
        self.run(self._start)

    async def _start(self) -> None:
        from bot.web.app import dashboard_routes  # the assembly of every dashboard route (bot/web/app.py)

        settings = self.settings()
        db = Database(self.db_url)
        lessons = LessonStore([], library=self.library, semantic=settings.semantic)
        self.app = make_app(Services(db=db, settings=settings, lessons=lessons, clock=self.clock))
        self.programme = await seed_programme(db)
        web_app = build_web_app(db, [], extra=dashboard_routes(self.app.conversation))
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def run(self, coroutine: Callable[[], Coroutine[Any, Any, T]], timeout: float = 60) -> T:
        """Run `coroutine()` on the host's loop and wait for its result (from a test's thread)."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine(), self._loop)
        return future.result(timeout)

    async def arun(self, coroutine: Callable[[], Awaitable[T]], timeout: float = 60) -> T:
        """The same, from an async test: the test's loop goes on meanwhile."""

        async def wrapped() -> T:
            return await coroutine()

        future = asyncio.run_coroutine_threadsafe(wrapped(), self._loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)

    async def say(self, name: str, text: str) -> str:
        """What the console person `name` is answered when typing the command `text` (every reply, as
        its repr: links may sit in text or in buttons)."""
        assert self.app is not None
        conversation = self.app.conversation

        async def handle() -> str:
            replies = await conversation.handle(Event(console_actor(name), "command", text))
            return repr(replies)

        return await self.arun(handle)

    async def link(self, name: str) -> str:
        """A sign-in link for `name`, asked for with the `dashboard` command."""
        answer = await self.say(name, "dashboard")
        found = LINK_RE.search(answer)
        assert found, f"no sign-in link in the answer to `dashboard` for {name}: {answer}"
        return found.group(0)

    def cli_link(self, name: str, *, at: dt.datetime | None = None) -> subprocess.CompletedProcess[str]:
        """`tandem dashboard --user NAME` in a subprocess on the same database, its clock at `at` (the
        host's present by default)."""
        env = {
            "TANDEM_DATABASE_URL": self.db_url,
            "TANDEM_ADMINS": ADMIN,
            "TANDEM_PORT": str(self.port),
            "TANDEM_HOST": "127.0.0.1",
            "TANDEM_SEMANTIC": "off",
            "TANDEM_NOW": (at or self.clock()).isoformat(),
        }
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_"))}
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "dashboard", "--user", name],
            capture_output=True, text=True, timeout=120, cwd=ROOT, env={**clean, **env},
        )  # fmt: skip

    def stop(self) -> None:
        async def close() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            if self.app is not None:
                await self.app.services.db.dispose()

        try:
            if self._thread.is_alive():
                self.run(close)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()


def path_of(link: str) -> str:
    """The link's path, for a host reached under another address."""
    return "/" + link.split("/", 3)[3]
