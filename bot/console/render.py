"""Terminal rendering: Markdown and lesson cards as readable plain text."""

from __future__ import annotations

import re
import shutil
import textwrap

from bot.i18n import t
from lessons import Answer, Lesson
from lessons.engine import MAX_QUESTION_CHARS

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)")
_CODE = re.compile(r"`([^`]+)`")


def width() -> int:
    return max(40, min(100, shutil.get_terminal_size((88, 24)).columns))


def markdown_to_text(markdown: str) -> str:
    """Headings in capitals, bullets kept, links as 'text (url)', emphasis markers dropped."""
    out: list[str] = []
    for line in markdown.strip().splitlines():
        stripped = line.strip()
        heading = re.match(r"^#{1,6}\s+(.*)$", stripped)
        if heading:
            out.extend(["", _inline(heading.group(1)).upper()])
            continue
        bullet = re.match(r"^([-*+]|\d+[.)])\s+(.*)$", stripped)
        if bullet:
            marker = "•" if bullet.group(1) in "-*+" else bullet.group(1)
            wrapped = textwrap.wrap(_inline(bullet.group(2)), width() - 4) or [""]
            out.append(f"  {marker} {wrapped[0]}")
            out.extend(f"    {rest}" for rest in wrapped[1:])
            continue
        out.extend(textwrap.wrap(_inline(stripped), width()) or [""])
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def _inline(text: str) -> str:
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3), text)
    return _CODE.sub(r"\1", text)


def render_card(lesson: Lesson) -> str:
    """A lesson card: title, the tip, the try-it action, and how to open the full lesson."""
    return "\n".join(
        [
            f"== {lesson.title} ==",
            markdown_to_text(lesson.summary),
            "",
            f"{t('card.try_it', lesson.lang)}: {markdown_to_text(lesson.try_it)}",
            t("card.more", lesson.lang, id=lesson.id).replace("`", ""),
        ]
    )


def render_answer(answer: Answer) -> str:
    """What a learner sees for one question, as terminal text."""
    lang = answer.lang
    lines: list[str] = []
    if answer.truncated:
        lines.append(t("ask.truncated", lang, limit=MAX_QUESTION_CHARS))
    if answer.lesson is None:
        lines.append(markdown_to_text(t("ask.empty", lang) if not answer.question else t("ask.unsure", lang)))
        return "\n".join(lines)
    if not answer.confident:
        lines.append(t("ask.unsure", lang))
        lines.append(markdown_to_text(t("ask.closest", lang, title=answer.lesson.title)))
        return "\n".join(lines)
    lines.append(render_card(answer.lesson))
    if answer.alternatives:
        titles = ", ".join(lesson.title for lesson in answer.alternatives)
        lines.append(markdown_to_text(t("ask.see_also", lang, titles=titles)))
    return "\n".join(lines)
