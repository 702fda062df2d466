"""Wiring: settings -> database, lessons, conversation and outlets. Channels and the CLI start here."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.console.chat import ConsoleOutlet
from bot.core.commands import build_router
from bot.core.context import LessonStore, Services
from bot.core.conversation import Conversation
from bot.drip import OutletCarrier
from bot.outlets import Outlets
from bot.settings import Settings
from scheduler.dispatch import Dispatcher, DispatchSettings
from scheduler.service import DripRuntime
from storage.db import Database

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class App:
    """Everything a running Tandem shares: services, the conversation core and the outlets."""

    services: Services
    conversation: Conversation
    outlets: Outlets

    def drip(self, *, clock: Callable[[], dt.datetime] | None = None) -> DripRuntime:
        """The drip runtime: plan and dispatch through this app's outlets."""
        settings = self.services.settings
        lessons = self.services.lessons
        carrier = OutletCarrier(self.services.db, lessons, self.outlets)
        dispatch_settings = DispatchSettings(
            concurrency=settings.send_concurrency,
            global_rate=settings.global_rate,
            conversation_interval=settings.conversation_interval,
        )
        clock = clock or self.services.clock
        dispatcher = Dispatcher(
            self.services.db,
            carrier,
            dispatch_settings,
            worker=f"{socket.gethostname()}:{os.getpid()}",
            clock=clock,
        )
        return DripRuntime(
            db=self.services.db,
            dispatcher=dispatcher,
            tracks=lambda: {t.id: t.lessons for t in lessons.library.tracks.values()},
            clock=clock,
            default_tz=settings.default_tz,
        )

    async def close(self) -> None:
        await self.services.db.dispose()


async def build_app(settings: Settings, extra_lessons: Sequence[Path] = (), *, migrate: bool = True) -> App:
    """Apply migrations, load the lessons, and build the core. Blocking steps run off the event loop."""
    if migrate:
        await asyncio.to_thread(Database.upgrade_url, settings.database_url)
    lessons = await asyncio.to_thread(LessonStore, [*settings.lessons, *extra_lessons])
    for problem in lessons.library.errors[:20]:
        logger.warning("Lesson problem: %s", problem)
    services = Services(db=Database(settings.database_url), settings=settings, lessons=lessons)
    conversation = Conversation(services, build_router())
    outlets = Outlets(services)
    outlets.register("console", ConsoleOutlet(None, conversation))
    return App(services, conversation, outlets)
