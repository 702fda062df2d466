"""The lesson library (Markdown files with YAML front matter) and the answer engine over it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lessons.loader import BUNDLED_DIR, load_library
from lessons.model import LANGS, Lesson, Library, Problem, Quiz, Track, lang_of_locale

__all__ = [
    "BUNDLED_DIR",
    "LANGS",
    "Answer",
    "AnswerEngine",
    "Lesson",
    "Library",
    "Problem",
    "Quiz",
    "Track",
    "answer",
    "lang_of_locale",
    "load_library",
]

if TYPE_CHECKING:
    from lessons.engine import Answer, AnswerEngine

_ENGINE_NAMES = ("Answer", "AnswerEngine")


def __getattr__(name: str) -> Any:
    """The answer engine and its search libraries are imported on first use, by what answers questions:
    reading, checking or listing lessons never pays for them."""
    if name in _ENGINE_NAMES:
        from lessons import engine

        value = getattr(engine, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lessons' has no attribute {name!r}")


_default_engine: AnswerEngine | None = None


def answer(question: str, lang: str | None = None) -> Answer:
    """Answer from the bundled library (built once, on first use)."""
    from lessons.engine import AnswerEngine

    global _default_engine
    if _default_engine is None:
        _default_engine = AnswerEngine(load_library())
    return _default_engine.answer(question, lang)
