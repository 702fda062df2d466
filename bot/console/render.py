"""Terminal rendering: Markdown and the core's replies as readable plain text, safe to print (every
result passes `terminal_safe`, whatever the text held)."""

from __future__ import annotations

import re
import shutil
import textwrap

from bot.core.cards import tip_card
from bot.core.replies import Attachment, Button, LessonCard, QuizCard, Reply, Text
from bot.core.text import terminal_safe
from bot.i18n import t
from lessons import Answer
from lessons.engine import MAX_QUESTION_CHARS

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*\\])\*(?=\S)(.+?)(?<=[^\s\\])\*(?!\w)")
_CODE = re.compile(r"`([^`]+)`")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]<>#|~+\-.!()])")


def width() -> int:
    return max(40, min(100, shutil.get_terminal_size((88, 24)).columns))


def markdown_to_text(markdown: str) -> str:
    """Headings in capitals, bullets kept, quotes indented, links as 'text (url)', emphasis dropped."""
    out: list[str] = []
    for line in markdown.strip().splitlines():
        stripped = line.strip()
        heading = re.match(r"^#{1,6}\s+(.*)$", stripped)
        bullet = re.match(r"^([-*+]|\d+[.)])\s+(.*)$", stripped)
        if heading:
            out.extend(["", _inline(heading.group(1)).upper()])
        elif stripped.startswith(">"):
            out.extend(
                "  │ " + part for part in textwrap.wrap(_inline(stripped[1:].strip()), width() - 4) or [""]
            )
        elif bullet:
            marker = "•" if bullet.group(1) in "-*+" else bullet.group(1)
            indent = "    " if line.startswith("  ") else "  "
            wrapped = textwrap.wrap(_inline(bullet.group(2)), width() - len(indent) - 2) or [""]
            out.append(f"{indent}{marker} {wrapped[0]}")
            out.extend(f"{indent}  {rest}" for rest in wrapped[1:])
        else:
            out.extend(textwrap.wrap(_inline(stripped), width()) or [""])
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def _inline(text: str) -> str:
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _STRONG.sub(lambda m: m.group(2), text)
    text = _EMPHASIS.sub(lambda m: m.group(1), text)
    text = _CODE.sub(r"\1", text)
    return _ESCAPE.sub(r"\1", text)


def render_buttons(buttons: tuple[Button, ...], start: int = 1, *, stacked: bool = False) -> str:
    """Numbered buttons: typing the number presses the button."""
    separator = "\n" if stacked else "  "
    return separator.join(f"[{start + i}] {button.label}" for i, button in enumerate(buttons))


def render_card(card: LessonCard) -> str:
    """A lesson card: title, the tip (or the whole lesson), and the try-it action."""
    lesson, labels = card.lesson, card.labels
    parts = [markdown_to_text(card.intro)] if card.intro else []
    parts.append(f"== {lesson.title} ==")
    if card.full:
        parts.append(markdown_to_text(lesson.body))
    else:
        parts.append(markdown_to_text(lesson.summary))
    parts.append(f"\n→ {labels.get('try_it', 'Try it')}: {markdown_to_text(lesson.try_it)}")
    if card.full:
        parts.append(
            f"({labels.get('verified', 'Checked on {date}').format(date=lesson.verified.isoformat())})"
        )
    if card.footer:
        parts.append(markdown_to_text(card.footer))
    return "\n".join(parts)


def render_reply(reply: Reply, start: int = 1) -> tuple[str, tuple[Button, ...]]:
    """Text for one reply, and the buttons it offers (numbered from `start`)."""
    if isinstance(reply, Text):
        body, buttons = markdown_to_text(reply.markdown), reply.buttons
    elif isinstance(reply, LessonCard):
        body, buttons = render_card(reply), reply.buttons
    elif isinstance(reply, QuizCard):
        body, buttons = f"? {markdown_to_text(reply.question)}", reply.buttons
    elif isinstance(reply, Attachment):
        body, buttons = f"{markdown_to_text(reply.markdown)}\n\n{reply.content}", ()
    else:
        return "", ()
    if buttons:
        body = f"{body}\n{render_buttons(buttons, start, stacked=isinstance(reply, QuizCard))}"
    return terminal_safe(body), buttons


def render_answer(answer: Answer) -> str:
    """What a learner sees for one question (used by `tandem ask`), as terminal text."""
    return terminal_safe(_answer_text(answer))


def _answer_text(answer: Answer) -> str:
    lang = answer.lang
    lines: list[str] = []
    if answer.truncated:
        lines.append(t("ask.truncated", lang, limit=MAX_QUESTION_CHARS))
    if answer.lesson is None:
        has_words = any(ch.isalnum() for ch in answer.question)
        lines.append(markdown_to_text(t("ask.unsure" if has_words else "ask.empty", lang)))
        return "\n".join(lines)
    if not answer.confident:
        lines.append(t("ask.unsure", lang))
        lines.append(markdown_to_text(t("ask.closest", lang, title=answer.lesson.title, id=answer.lesson.id)))
        return "\n".join(lines)
    card = tip_card(answer.lesson)
    lines.append(render_card(card))
    lines.append(markdown_to_text(t("card.more", lang, id=answer.lesson.id)))
    if answer.alternatives:
        titles = ", ".join(f"{a.title} (lesson {a.id})" for a in answer.alternatives)
        lines.append(markdown_to_text(t("ask.see_also", lang, titles=titles)))
    return "\n".join(lines)
