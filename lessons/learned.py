"""Learned examples back into lesson files: `tandem lessons examples --export DIR`.

What mentors taught the bot (questions linked to the lesson that should have answered them) lives in the
database. Exported, each lesson that has some is copied into DIR (same relative path as in its library)
with the examples appended to its `asks:` list, so that they can be reviewed in git and merged by hand.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lessons.loader import ASK_MAX
from lessons.model import Lesson, Library

TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


@dataclass(slots=True)
class ExportReport:
    """What an export wrote, and the examples it left out with why."""

    written: list[Path] = field(default_factory=list)
    added: int = 0
    skipped: list[str] = field(default_factory=list)


def export_examples(library: Library, examples: Iterable[tuple[str, str, str]], out: Path) -> ExportReport:
    """Write each lesson that has new learned examples (lesson id, language, question) into `out`, its
    `asks:` list extended; examples it already has, over `ASK_MAX` characters, or for a lesson/language
    the library lacks are skipped (and said)."""
    report = ExportReport()
    wanted: dict[tuple[str, str], list[str]] = defaultdict(list)
    for lesson_id, lang, text in examples:
        text = " ".join(text.split())
        lesson = library.lessons.get((lesson_id, lang))
        if lesson is None or lesson.path is None:
            report.skipped.append(f"{lesson_id} ({lang}): no such lesson file: {text[:60]}")
        elif len(text) > ASK_MAX:
            report.skipped.append(f"{lesson_id} ({lang}): longer than {ASK_MAX} characters: {text[:60]}…")
        else:
            known = {ask.casefold() for ask in (*lesson.asks, *wanted[(lesson_id, lang)])}
            if text and text.casefold() not in known:
                wanted[(lesson_id, lang)].append(text)
    for key, added in sorted(wanted.items()):
        if not added:
            continue
        lesson = library.lessons[key]
        assert lesson.path is not None
        target = out / lesson.path.parent.name / lesson.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(with_asks(lesson.path.read_text(encoding="utf-8"), lesson, added), encoding="utf-8")
        report.written.append(target)
        report.added += len(added)
    return report


def with_asks(source: str, lesson: Lesson, added: list[str]) -> str:
    """The lesson file's text with its `asks:` block (whatever its style) rewritten as one block list of
    its examples then `added`, in place, or after `tags:` when it had none."""
    lines = source.splitlines(keepends=True)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if not lines or lines[0].rstrip() != "---" or end is None:
        raise ValueError(f"{lesson.path}: no front matter")
    block = ["asks:\n", *(f"  - {json.dumps(ask, ensure_ascii=False)}\n" for ask in (*lesson.asks, *added))]
    start = next((i for i in range(1, end) if lines[i].startswith("asks:")), None)
    if start is None:
        tags = next((i for i in range(1, end) if lines[i].startswith("tags:")), None)
        at = _block_end(lines, tags, end) if tags is not None else end
        return "".join([*lines[:at], *block, *lines[at:]])
    stop = _block_end(lines, start, end)
    return "".join([*lines[:start], *block, *lines[stop:]])


def _block_end(lines: list[str], start: int, end: int) -> int:
    """The first line after the front-matter key at `start` that starts another key (or the end)."""
    for index in range(start + 1, end):
        if TOP_LEVEL_KEY.match(lines[index]):
            return index
    return end
