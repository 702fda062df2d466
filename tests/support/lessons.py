"""Lessons built in a test, and a look inside rendered JSON: shared by the channel renderer tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from lessons import Lesson, Quiz


def lesson(**overrides: Any) -> Lesson:
    """A small valid lesson; any field can be replaced."""
    fields: dict[str, Any] = {
        "id": "sample",
        "lang": "en",
        "title": "A sample lesson",
        "tags": ("sample",),
        "summary": "A **short** summary.",
        "try_it": "Open the *settings*.",
        "quiz": Quiz("Which one?", ("This one", "That one"), "This one", "Because."),
        "verified": dt.date(2025, 3, 1),
        "body": "First paragraph.\n\n## Steps\n\n- one\n- two",
    }
    fields.update(overrides)
    return Lesson(**fields)


def strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
