"""Terminal rendering: Markdown and the core's replies as readable plain text, safe to print (every
result passes `terminal_safe`, whatever the text held)."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from markdown_it.tree import SyntaxTreeNode

from bot.console.channel import save_file
from bot.core.cards import tip_card
from bot.core.replies import Button, File, LessonCard, QuizCard, Reply, Text
from bot.core.text import squash, terminal_safe
from bot.i18n import t
from bot.markdown import LINK_SCHEMES, intraword, parse
from lessons import Answer
from lessons.engine import MAX_QUESTION_CHARS

RULE = "──────────"
QUOTE = "  │ "
CODE_INDENT = "    "


_margin: ContextVar[int] = ContextVar("margin", default=0)


def width() -> int:
    """The columns text may take: the terminal's (40 to 100), less what a caller keeps for a margin."""
    return max(40, min(100, shutil.get_terminal_size((88, 24)).columns)) - _margin.get()


@contextmanager
def margin(columns: int) -> Iterator[None]:
    """Render narrower by `columns`, for text printed after a prefix such as the chat's `tandem> `."""
    token = _margin.set(_margin.get() + columns)
    try:
        yield
    finally:
        _margin.reset(token)


def markdown_to_text(markdown: str, lead: str = "") -> str:
    """Headings in capitals, bullets kept, quotes and code indented, links as 'text (url)', emphasis
    dropped; paragraphs wrapped to the terminal's width, line breaks kept. `lead` (a label such as
    "→ Try it today: ") starts the first paragraph and counts in its first line's width."""
    tree = parse(markdown or "")
    text = _Terminal(lead).blocks(tree, width()).strip("\n")
    if _Terminal.led(text, lead):
        return text
    return "\n".join(filter(None, (_wrap(lead.rstrip(), width()), text)))


class _Terminal:
    """Walks markdown-it's syntax tree and writes plain terminal text."""

    def __init__(self, lead: str = "") -> None:
        self.lead = lead
        """Text to start the first paragraph with, if the first block is one (then it is used up)."""

    @staticmethod
    def led(text: str, lead: str) -> bool:
        """Whether `text` begins with `lead` (always true of an empty lead)."""
        return text.startswith(lead.rstrip()) if lead else True

    def blocks(self, node: SyntaxTreeNode, room: int) -> str:
        """The block-level children of `node`, separated by a blank line."""
        return "\n\n".join(filter(None, (self.block(child, room) for child in node.children)))

    def block(self, node: SyntaxTreeNode, room: int) -> str:
        """One block-level node as lines of at most `room` characters (code and tables as they are)."""
        kind = node.type
        lead, self.lead = self.lead, ""  # only a first paragraph takes the lead
        if kind == "paragraph":
            return _wrap(lead + self.inline(node).lstrip(), room)
        if kind == "heading":
            return squash(self.inline(node)).upper()
        if kind in ("bullet_list", "ordered_list"):
            return "\n".join(self._list(node, room, "  "))
        if kind == "blockquote":
            inner = self.blocks(node, room - len(QUOTE))
            return "\n".join(f"{QUOTE}{line}".rstrip() for line in inner.split("\n"))
        if kind in ("fence", "code_block"):
            return "\n".join(
                f"{CODE_INDENT}{line}".rstrip() for line in node.content.rstrip("\n").split("\n")
            )
        if kind == "hr":
            return RULE
        if kind == "table":
            rows = [row for part in node.children for row in part.children]
            return "\n".join(" | ".join(self.inline(cell) for cell in row.children) for row in rows)
        return self.blocks(node, room) if node.children else _wrap(node.content, room)

    def _list(self, node: SyntaxTreeNode, room: int, indent: str) -> list[str]:
        """`• item` or `1. item` lines, wrapped under their text; nested lists two spaces deeper."""
        start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 1
        lines: list[str] = []
        for offset, item in enumerate(node.children):
            marker = f"{start + offset}." if node.type == "ordered_list" else "•"
            text: list[str] = []
            nested: list[str] = []
            for child in item.children:
                if child.type in ("bullet_list", "ordered_list"):
                    nested += self._list(child, room, indent + "  ")
                else:
                    text += self.block(child, room - len(indent) - 2).split("\n")
            first, *rest = text or [""]
            lines.append(f"{indent}{marker} {first}".rstrip())
            lines += [f"{indent}  {line}".rstrip() for line in rest]
            lines += nested
        return lines

    def inline(self, node: SyntaxTreeNode) -> str:
        """The inline content under `node` as plain text; line breaks kept as "\\n"."""
        return "".join(self._span(child) for child in node.children)

    def _span(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind in ("text", "code_inline"):
            return node.content
        if kind in ("softbreak", "hardbreak"):
            return "\n"
        if kind in ("strong", "em", "s") and intraword(node):
            return node.markup + self.inline(node) + node.markup
        if kind in ("link", "image"):
            return self._link(node)
        return self.inline(node) if node.children else node.content

    def _link(self, node: SyntaxTreeNode) -> str:
        """`label (url)` for web and mail links, the label alone for any other target or when it is
        the address itself."""
        href = str(node.attrs.get("href") or node.attrs.get("src") or "")
        label = self.inline(node) or str(node.attrs.get("alt") or "")
        scheme, colon, _ = href.partition(":")
        if not colon or scheme.lower() not in LINK_SCHEMES:
            return label
        label = squash(label)
        if not label or label in (href, href.removeprefix("mailto:")):
            return href.removeprefix("mailto:")
        return f"{label} ({href})"


def _wrap(text: str, room: int) -> str:
    """Each line of `text` wrapped to `room` characters at spaces only; empty lines kept. A word is never
    cut: lesson ids and addresses stay whole (at a hyphen too), even when one is wider than `room`."""
    return "\n".join(
        wrapped
        for line in text.split("\n")
        for wrapped in textwrap.wrap(line.strip(), room, break_long_words=False, break_on_hyphens=False)
        or [""]
    )


BUTTON_GAP = "  "


def render_buttons(buttons: tuple[Button, ...], start: int = 1, *, stacked: bool = False) -> str:
    """Numbered buttons: typing the number presses the button. A row wraps between two buttons, never
    inside a label; `stacked` puts each on its own line (a quiz's choices)."""
    labels = [f"[{start + i}] {squash(button.label)}" for i, button in enumerate(buttons)]
    if stacked:
        return "\n".join(labels)
    room, rows = width(), [""]
    for label in labels:
        if rows[-1] and len(rows[-1]) + len(BUTTON_GAP) + len(label) > room:
            rows.append("")
        rows[-1] += (BUTTON_GAP if rows[-1] else "") + label
    return "\n".join(rows)


def render_card(card: LessonCard) -> str:
    """A lesson card: title, the tip (or the whole lesson), and the try-it action."""
    lesson, labels = card.lesson, card.labels
    parts = [markdown_to_text(card.intro)] if card.intro else []
    parts.append(_wrap(f"== {lesson.title} ==", width()))
    if card.full:
        parts.append(markdown_to_text(lesson.body))
    else:
        parts.append(markdown_to_text(lesson.summary))
    colon = "\u202f: " if lesson.lang == "fr" else ": "
    parts.append("\n" + markdown_to_text(lesson.try_it, lead=f"→ {labels.get('try_it', 'Try it')}{colon}"))
    if card.full:
        verified = labels.get("verified", "Checked on {date}").format(date=lesson.verified.isoformat())
        parts.append(_wrap(f"({verified})", width()))
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
    elif isinstance(reply, File):
        body, buttons = _file_text(reply), ()
    else:
        return "", ()
    if buttons:
        body = f"{body}\n{render_buttons(buttons, start, stacked=isinstance(reply, QuizCard))}"
    return terminal_safe(body), buttons


def _file_text(file: File) -> str:
    """The caption and where the file was saved; its content itself when it cannot be saved here (a
    read-only directory), so that the person still gets it."""
    caption = markdown_to_text(file.caption)
    try:
        return f"{caption}\n→ {save_file(file)}"
    except OSError:
        return f"{caption}\n\n{file.content.decode('utf-8', errors='replace')}"


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
