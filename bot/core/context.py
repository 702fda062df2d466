"""What a handler gets: the event, the person, the open transaction, and the shared services."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.events import Event
from bot.i18n import t
from bot.settings import Settings
from lessons import AnswerEngine, Library, load_library
from storage.db import Database
from storage.models import Person
from storage.types import utcnow

logger = logging.getLogger(__name__)


class LessonStore:
    """The current library and its answer index; `reload()` swaps both at once."""

    def __init__(self, extra_dirs: list[Any], *, library: Library | None = None) -> None:
        self.extra_dirs = extra_dirs
        self.library: Library = library if library is not None else load_library(extra_dirs)
        self.engine = AnswerEngine(self.library)

    def reload(self) -> Library:
        library = load_library(self.extra_dirs)
        engine = AnswerEngine(library)
        self.library, self.engine = library, engine
        return library


def _nobody_to_wake() -> None:
    """Without a running dispatcher, queued messages wait for the next process that runs one."""


@dataclass(slots=True)
class Services:
    """Long-lived things every handler may use. Channels and the scheduler share one instance."""

    db: Database
    settings: Settings
    lessons: LessonStore
    clock: Callable[[], dt.datetime] = utcnow
    wake: Callable[[], None] = _nobody_to_wake
    """Called after a transaction queued messages or jobs, so they go out at once."""


@dataclass(slots=True)
class Context:
    """One event being handled inside one transaction."""

    event: Event
    person: Person
    session: AsyncSession
    services: Services
    is_mentor: bool = False

    @property
    def lang(self) -> str:
        return self.person.lang

    @property
    def library(self) -> Library:
        return self.services.lessons.library

    def now(self) -> dt.datetime:
        return self.services.clock()

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)
