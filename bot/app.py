"""Wiring: settings -> database, lessons, conversation and outlets. Channels and the CLI start here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.commands import build_router
from bot.core.context import LessonStore, Services
from bot.core.conversation import Conversation
from bot.outlets import Outlets
from bot.settings import Settings
from storage.db import Database

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class App:
    """Everything a running Tandem shares: services, the conversation core and the outlets."""

    services: Services
    conversation: Conversation
    outlets: Outlets

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
    return App(services, conversation, Outlets(services))
