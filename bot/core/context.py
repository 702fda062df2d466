"""What a handler gets: the event, the person, the open transaction, and the shared services."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.events import Event
from bot.i18n import t
from bot.settings import Settings
from lessons import Library, load_library
from storage.db import Database
from storage.models import Person
from storage.types import utcnow

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

    from bot.core.directory import Directory
    from bot.core.router import Router
    from lessons.engine import Answer
    from lessons.semantic import Embedder

logger = logging.getLogger(__name__)

Learned = tuple[tuple[str, str, str], ...]
"""What mentors taught: (lesson id, language, question) triples."""


class Engine(Protocol):
    """What the core asks of an answer engine: the lexical AnswerEngine, or it fused with a semantic
    ranker (lessons.semantic.FusedEngine). `answer` blocks for milliseconds: call it in a thread."""

    @property
    def library(self) -> Library: ...

    @property
    def learned(self) -> Learned: ...

    def answer(self, question: str, lang: str | None = None) -> Answer: ...

    def learn(self, lesson_id: str, lang: str, question: str) -> bool: ...

    def relearn(self, examples: Learned) -> None: ...


class LessonStore:
    """The current library and its answer index; `reload()` swaps both at once.

    The index (and the search libraries under it) is built when a question first needs it, so what
    answers none (`tandem drip`) never loads them; `build_app` builds it ahead with `warm()`, in a
    thread. With `semantic="use"` the engine is lexical + USE (the model is loaded once per process)."""

    def __init__(
        self, extra_dirs: list[Any], *, library: Library | None = None, semantic: str = "off"
    ) -> None:
        self.extra_dirs = extra_dirs
        self.semantic = semantic
        """The TANDEM_SEMANTIC setting: "use" fuses the lexical engine with the USE ranker, "off" does not."""
        self.library: Library = library if library is not None else load_library(extra_dirs)
        self._engine: Engine | None = None
        self._building = threading.Lock()  # two first questions in two threads build one engine
        self.learned: tuple[tuple[str, str, str], ...] = ()
        """What mentors taught (lesson id, language, question), stored in the database: every engine
        this store builds learns them (the process loads them at start-up and on `reload`)."""

    @property
    def engine(self) -> Engine:
        self.warm()
        assert self._engine is not None
        return self._engine

    def warm(self) -> None:
        """Build the answer index now, if it is not built yet (blocking: call it in a thread)."""
        if self._engine is None:
            with self._building:
                if self._engine is None:
                    self._engine = engine_for(self.library, self.learned, semantic=self.semantic)

    def answer(self, question: str, lang: str | None = None) -> Answer:
        """The current engine's answer (blocking, building the engine first if needed): the core runs it
        with `await asyncio.to_thread(store.answer, ...)` so the event loop never waits for a model."""
        return self.engine.answer(question, lang)

    def reload(self, learned: tuple[tuple[str, str, str], ...] | None = None) -> Library:
        """Read the lesson files again; the new engine learns `learned` (when given, else what it knew)."""
        if learned is not None:
            self.learned = learned
        library = load_library(self.extra_dirs)
        engine = engine_for(library, self.learned, semantic=self.semantic)
        self.library, self._engine = library, engine
        return library

    def learn(self, lesson_id: str, lang: str, question: str) -> None:
        """A mentor linked `question` to `lesson_id`: remembered for later engines, taught to this one.
        Blocking (the semantic engine embeds it), so called in a thread; the build lock keeps two links,
        or a link and the first build, from losing one another."""
        with self._building:
            self.learned = (*self.learned, (lesson_id, lang, question))
            if self._engine is not None:
                self._engine.learn(lesson_id, lang, question)

    def set_learned(self, learned: tuple[tuple[str, str, str], ...]) -> None:
        """Replace what mentors taught (start-up, forget-me), in the engine too if it is built."""
        with self._building:
            self.learned = learned
            if self._engine is not None:
                self._engine.relearn(learned)


def engine_for(library: Library, learned: Learned = (), *, semantic: str = "off") -> Engine:
    """The answer engine for `library`, having learned `learned`: lexical, or fused with the semantic
    ranker when `semantic` is "use" (its vectors cached on disk by content, in memory only when the
    cache directory cannot be written)."""
    from lessons.engine import AnswerEngine

    engine = AnswerEngine(library)
    for lesson_id, lang, question in learned:
        engine.learn(lesson_id, lang, question)
    if semantic == "off":
        return engine
    from lessons.semantic import FusedEngine, SemanticRanker, default_cache_dir

    return FusedEngine(engine, SemanticRanker(library, shared_embedder(semantic), default_cache_dir()))


_embedders: dict[str, Embedder] = {}
_embedders_lock = threading.Lock()


def shared_embedder(name: str) -> Embedder:
    """The model called `name`, loaded once per process (it takes a second and tens of MB): every
    engine, after each reload and in every app a process builds, shares it."""
    with _embedders_lock:
        if name not in _embedders:
            from lessons.semantic import load_embedder

            _embedders[name] = _OneAtATime(load_embedder(name))
        return _embedders[name]


class _OneAtATime:
    """A shared model that serves one call at a time: a reload builds a new index while answers still
    run on the old one, and the model's scratch buffers are not known to be thread-safe."""

    def __init__(self, model: Embedder) -> None:
        self._model = model
        self._lock = threading.Lock()
        self.name = model.name
        self.min_cosine = model.min_cosine
        self.learned_cosine = model.learned_cosine
        self.learned_margin = model.learned_margin

    def embed(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        with self._lock:
            return self._model.embed(texts, query=query)


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
    directories: dict[str, Directory] = field(default_factory=dict)
    """Each platform's directory (bot/core/directory.py), registered by its channel next to its outlet:
    how a people import finds people by email."""


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
