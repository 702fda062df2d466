"""What a handler gets: the event, the person, the open transaction, and the shared services."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.events import Event
from bot.i18n import t
from bot.settings import Settings
from lessons import Library, load_library
from storage.db import Database
from storage.models import Person
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.core.router import Router
    from lessons.engine import AnswerEngine

logger = logging.getLogger(__name__)


class LessonStore:
    """The current library and its answer index; `reload()` swaps both at once.

    The index (and the search libraries under it) is built when a question first needs it, so what
    answers none (`tandem drip`, a console session that only reads tips) never loads them; a server
    builds it ahead with `warm()`, off the event loop."""

    def __init__(self, extra_dirs: list[Any], *, library: Library | None = None) -> None:
        self.extra_dirs = extra_dirs
        self.library: Library = library if library is not None else load_library(extra_dirs)
        self._engine: AnswerEngine | None = None

    @property
    def engine(self) -> AnswerEngine:
        self.warm()
        assert self._engine is not None
        return self._engine

    def warm(self) -> None:
        """Build the answer index now, if it is not built yet (blocking: call it in a thread)."""
        if self._engine is None:
            self._engine = _engine_for(self.library)

    def reload(self) -> Library:
        library = load_library(self.extra_dirs)
        engine = _engine_for(library)
        self.library, self._engine = library, engine
        return library


def _engine_for(library: Library) -> AnswerEngine:
    from lessons.engine import AnswerEngine

    return AnswerEngine(library)


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
    """One event being handled inside one transaction, by the router's handler for it."""

    event: Event
    person: Person
    session: AsyncSession
    services: Services
    router: Router
    """The router that handles the event: `help` lists its commands."""
    is_mentor: bool = False
    speaking: str | None = None
    """The language of this one answer when the person asked for it by name (`aide` is French help),
    else None: their own language."""

    @property
    def lang(self) -> str:
        return self.speaking or self.person.lang

    @property
    def library(self) -> Library:
        return self.services.lessons.library

    def now(self) -> dt.datetime:
        return self.services.clock()

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)
