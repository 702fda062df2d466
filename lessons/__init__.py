"""The lesson library (Markdown files with YAML front matter) and the answer engine over it."""

from __future__ import annotations

from lessons.engine import Answer, AnswerEngine
from lessons.loader import BUNDLED_DIR, load_library
from lessons.model import LANGS, Lesson, Library, Problem, Quiz, Track

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
    "load_library",
]

_default_engine: AnswerEngine | None = None


def answer(question: str, lang: str | None = None) -> Answer:
    """Answer from the bundled library (built once, on first use)."""
    global _default_engine
    if _default_engine is None:
        _default_engine = AnswerEngine(load_library())
    return _default_engine.answer(question, lang)
