"""Slack rendering: canonical Markdown as mrkdwn, and the core's replies as Block Kit messages.

Everything shown to Slack passes through here, so this module owns two guarantees: nothing the bot
repeats can notify a whole channel (`<` is always escaped, so `<!channel>` cannot form, and `@here`
gets a word joiner), and no message breaks Slack's Block Kit limits (long content is split, short
fields are truncated with "…").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from markdown_it.tree import SyntaxTreeNode

from bot.core.replies import Button, File, LessonCard, QuizCard, Reply, Text, TextInput
from bot.core.text import WORD_JOINER, defuse_broadcasts, squash
from bot.markdown import ELLIPSIS, LINK_SCHEMES, Measure, intraword, parse, wrap
from lessons import Lesson

ACTION_PREFIX = "tandem|"
FORM_PREFIX = "tandem_input|"
"""The action_id prefix of buttons with a text box: pressing one opens a form (`form_view`)."""
FORM_CALLBACK = "tandem_reply"
"""The callback id of every form a button opens: the text typed there is the reply to that button."""
FORM_BLOCK = "answer"
FORM_ACTION = "answer_text"

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_BUTTON_CHARS = 75
MAX_VALUE_CHARS = 2000
MAX_FORM_VALUE_CHARS = 1000
"""A text box button's own value, within the value that also carries its form (`Form`)."""
MAX_TITLE_CHARS = 24
MAX_PLACEHOLDER_CHARS = 150
MAX_ACTIONS = 25
MAX_FALLBACK_CHARS = 3000
MAX_MESSAGE_CHARS = 12_000
"""Text per message: Slack folds long messages behind "Show more"; several readable messages are better."""
LESSON_CACHE_SIZE = 1024
"""Converted lessons kept (each lesson, language and tip or full form is one entry)."""

FENCE = "```"

Block = dict[str, Any]
Message = dict[str, Any]
Part = tuple[str, str]
"""One converted piece of Markdown: (mrkdwn, plain text for the notification fallback)."""

_FORMAT_CHAR = re.compile(r"[*_~`]")
_JOINERS = re.compile(f"{WORD_JOINER}{{2,}}")
_BARE_URL = re.compile(r"(https?://[^\s<>]+)")
_LINK_TARGET = re.compile(r"(<[^<>|]*[|>])")
_WORD = re.compile(r"(?:[^\s<]|<[^<>]*>?)+")
_UNIT = re.compile(r"&[a-z]+;|.", re.DOTALL)
_OPENED_LINK = re.compile(r"<[^>]*$")


# Escaping -------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's three control characters as entities: text can then never form `<!channel>` or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _literal(text: str) -> str:
    """Text shown as typed: escaped, with `*_~` and backticks kept from starting Slack formatting.

    A word joiner on both sides of each formatting character stops Slack from pairing them
    (`2*3*4`, `snake_case_name`); bare URLs are left alone so Slack still links them.
    """
    pieces = _BARE_URL.split(text)
    for i in range(0, len(pieces), 2):
        pieces[i] = _FORMAT_CHAR.sub(lambda m: f"{WORD_JOINER}{m.group()}{WORD_JOINER}", escape(pieces[i]))
    for i in range(1, len(pieces), 2):
        pieces[i] = escape(pieces[i])
    return _JOINERS.sub(WORD_JOINER, "".join(pieces))


def _defuse(text: str) -> str:
    """Broadcast words defused everywhere except inside link targets, which must stay valid URLs."""
    pieces = _LINK_TARGET.split(text)
    return "".join(p if i % 2 else defuse_broadcasts(p) for i, p in enumerate(pieces))


def _plain_field(text: str, limit: int) -> str:
    """A plain_text field (header, button): one line, escaped, defused, within `limit`."""
    return _truncate(defuse_broadcasts(escape(squash(text))), limit)


# Markdown to mrkdwn ---------------------------------------------------------------------------------


class _Renderer:
    """Walks markdown-it's syntax tree and writes mrkdwn, or plain text when `plain` is set."""

    def __init__(self, *, plain: bool = False, bold: bool = False) -> None:
        self.plain = plain
        self.bold = bold
        self._in_bold = False

    # Blocks

    def block(self, node: SyntaxTreeNode) -> str:
        """One block-level node as text lines (no trailing newline)."""
        kind = node.type
        if kind == "paragraph":
            return self._strong_line(node) if self.bold else self.inline(node)
        if kind == "heading":
            return self._strong_line(node)
        if kind in ("bullet_list", "ordered_list"):
            return self._list(node)
        if kind == "blockquote":
            return self._quote(node)
        if kind in ("fence", "code_block"):
            return self._code_block(node.content)
        if kind == "hr":
            return "──────────"
        if kind == "table":
            return self._table(node)
        return "\n".join(filter(None, (self.block(child) for child in node.children))) or self.inline(node)

    def _strong_line(self, node: SyntaxTreeNode) -> str:
        """A heading (or a bold question) as bold text: Slack has no headings in mrkdwn."""
        self._in_bold = True
        try:
            text = self.inline(node)
        finally:
            self._in_bold = False
        return text if self.plain else wrap(text, "*")

    def _list(self, node: SyntaxTreeNode) -> str:
        """`• item` or `1. item` lines; nested content is indented two spaces per level."""
        start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 1
        items = []
        for offset, item in enumerate(node.children):
            marker = f"{start + offset}." if node.type == "ordered_list" else "•"
            lines = "\n".join(filter(None, (self.block(child) for child in item.children))).split("\n")
            rest = [f"  {line}" if line else "" for line in lines[1:]]
            items.append("\n".join([f"{marker} {lines[0]}".rstrip(), *rest]))
        return "\n".join(items)

    def _quote(self, node: SyntaxTreeNode) -> str:
        """Every line prefixed with `>` (a bar in the plain fallback, where `>` is escaped)."""
        inner = "\n".join(filter(None, (self.block(child) for child in node.children)))
        prefix = "│ " if self.plain else "> "
        return "\n".join(f"{prefix}{line}" for line in inner.split("\n"))

    def _code_block(self, content: str) -> str:
        """Preformatted text; a run of backticks inside cannot close the block early."""
        body = escape(content.rstrip("\n"))
        return body if self.plain else f"{FENCE}\n{_break_fences(body)}\n{FENCE}"

    def _table(self, node: SyntaxTreeNode) -> str:
        """No tables in Slack: one line per row, cells separated by a bar."""
        rows = [row for part in node.children for row in part.children]
        return "\n".join(" | ".join(self.inline(cell) for cell in row.children) for row in rows)

    # Inline

    def inline(self, node: SyntaxTreeNode) -> str:
        """The inline content under `node`, concatenated."""
        return "".join(self._span(child) for child in node.children)

    def _span(self, node: SyntaxTreeNode) -> str:
        """One inline node. A line break stays a line break: chat text is written line by line."""
        kind = node.type
        if kind == "text":
            return _literal(node.content)
        if kind in ("softbreak", "hardbreak"):
            return "\n"
        if kind == "code_inline":
            return self._code_span(node.content)
        if kind in ("strong", "em") and intraword(node):
            return _literal(node.markup) + self.inline(node) + _literal(node.markup)
        if kind == "strong":
            return self._strong(node)
        if kind in ("em", "s"):
            text = self.inline(node)
            return text if self.plain else wrap(text, "_" if kind == "em" else "~")
        if kind in ("link", "image"):
            href = str(node.attrs.get("href") or node.attrs.get("src") or "")
            return self._link(href, self.inline(node) or _literal(str(node.attrs.get("alt") or "")))
        return self.inline(node) if node.children else _literal(node.content)

    def _strong(self, node: SyntaxTreeNode) -> str:
        """`*bold*`; inside a heading the whole line is already bold and Slack does not nest."""
        if self.plain or self._in_bold:
            return self.inline(node)
        self._in_bold = True
        try:
            return wrap(self.inline(node), "*")
        finally:
            self._in_bold = False

    def _code_span(self, content: str) -> str:
        """Inline code; a backtick inside becomes a lookalike, since Slack code spans cannot hold one."""
        body = escape(content)
        return body if self.plain else f"`{body.replace('`', 'ˋ')}`"

    def _link(self, href: str, label: str) -> str:
        """`<url|label>` for web and mail links; any other target keeps only its text."""
        if href.split(":", 1)[0].lower() not in LINK_SCHEMES or ":" not in href:
            return label
        url = escape(href).replace("|", "%7C")
        label = squash(label) or url
        if self.plain:
            return label if label in (url, url.removeprefix("mailto:")) else f"{label} ({url})"
        return f"<{url}|{label}>"


def _break_fences(body: str) -> str:
    """A word joiner between consecutive backticks: "```" inside a code block would end it."""
    return re.sub("`(?=`)", f"`{WORD_JOINER}", body)


def _convert(markdown: str, *, bold: bool = False) -> list[Part]:
    """Each top-level Markdown block as (mrkdwn, plain) text, empty blocks dropped."""
    return list(_converted(markdown or "", bold))


@lru_cache(maxsize=4096)
def _converted(markdown: str, bold: bool) -> tuple[Part, ...]:
    """Parsing is most of a message's cost, and footers, intros and answers repeat all day."""
    tree = parse(markdown)
    rich, plain = _Renderer(bold=bold), _Renderer(plain=True)
    parts = [(_defuse(rich.block(node)), _defuse(plain.block(node))) for node in tree.children]
    return tuple((text, fallback) for text, fallback in parts if text.strip())


def markdown_to_mrkdwn(markdown: str) -> str:
    """Canonical Markdown (lessons, tips, bot messages) as Slack mrkdwn; blocks separated by a blank line."""
    return "\n\n".join(text for text, _ in _convert(markdown))


def _markdown_to_plain(markdown: str) -> str:
    """The same Markdown as plain text, for the notification fallback."""
    return "\n\n".join(plain for _, plain in _convert(markdown))


# Lengths and splitting ------------------------------------------------------------------------------


def _size(text: str) -> int:
    """Length as Slack counts it (UTF-16 code units), so emoji outside the BMP never overflow a limit."""
    return len(text.encode("utf-16-le")) // 2


MEASURE = Measure(cost=_size, word=_WORD, unit=_UNIT, unfinished=_OPENED_LINK)
"""Slack's limits count UTF-16 units; a cut never splits an entity like `&amp;`, a word keeps a `<link>`
whole, and a truncated text never ends inside one."""


def _truncate(text: str, limit: int) -> str:
    return MEASURE.truncate(text, limit)


def _split_code(block: str, limit: int) -> list[str]:
    """A preformatted block too long for one section: several blocks, each with its own fences."""
    room = limit - _size(f"{FENCE}\n\n{FENCE}")
    body = block.removeprefix(f"{FENCE}\n").removesuffix(f"\n{FENCE}")
    lines = [piece for line in body.split("\n") for piece in MEASURE.hard_split(line, room) or [""]]
    packed = MEASURE.pack(lines, "\n", room, keep_blank=True)
    return [f"{FENCE}\n{piece}\n{FENCE}" for piece in packed]


def _is_code(text: str) -> bool:
    return text.startswith(f"{FENCE}\n") and text.endswith(f"\n{FENCE}")


def _sections(parts: Sequence[Part], limit: int = MAX_SECTION_CHARS) -> list[Part]:
    """Converted blocks packed into section texts within `limit`, split at paragraph boundaries.

    A block that is too long on its own is split at lines, then words; its plain text goes with
    its first piece only.
    """
    pieces: list[Part] = []
    for text, plain in parts:
        split = _split_code(text, limit) if _is_code(text) else MEASURE.split(text, limit)
        pieces.extend((piece, plain if i == 0 else "") for i, piece in enumerate(split))
    sections: list[Part] = []
    for text, plain in pieces:
        if sections and _size(f"{sections[-1][0]}\n\n{text}") <= limit:
            previous, previous_plain = sections[-1]
            sections[-1] = (f"{previous}\n\n{text}", "\n\n".join(filter(None, (previous_plain, plain))))
        else:
            sections.append((text, plain))
    return sections


# Blocks ---------------------------------------------------------------------------------------------


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _header(text: str) -> Block:
    """A header block for a title already made a plain field (`_plain_field`)."""
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _truncate(text, MAX_SECTION_CHARS)}]}


def _button(button: Button, index: int) -> dict[str, Any]:
    """A Block Kit button; the index makes its action_id unique within the message."""
    element: dict[str, Any] = {
        "type": "button",
        "text": {
            "type": "plain_text",
            "text": _plain_field(button.label, MAX_BUTTON_CHARS) or ELLIPSIS,
            "emoji": True,
        },
        "action_id": f"{ACTION_PREFIX}{button.action}|{index}",
        "value": (button.value or "-")[:MAX_VALUE_CHARS],
    }
    if button.input is not None:
        element["action_id"] = f"{FORM_PREFIX}{button.action}|{index}"
        element["value"] = Form.of(button, button.input).encode()
    if button.style != "default":
        element["style"] = button.style
    return element


def _actions(buttons: Sequence[Button]) -> list[Block]:
    """Actions blocks of at most 25 buttons each, numbered across all of them."""
    elements = [_button(button, index) for index, button in enumerate(buttons)]
    return [
        {"type": "actions", "elements": elements[start : start + MAX_ACTIONS]}
        for start in range(0, len(elements), MAX_ACTIONS)
    ]


def _section_blocks(parts: Sequence[Part], *, with_plain: bool = True) -> list[tuple[Block, str]]:
    return [(_section(text), plain if with_plain else "") for text, plain in _sections(parts)]


def parse_action_id(action_id: str) -> str | None:
    """The core action behind one of our buttons ("quiz.answer"), or None for any other action_id."""
    if not action_id.startswith(ACTION_PREFIX):
        return None
    action, separator, index = action_id.removeprefix(ACTION_PREFIX).rpartition("|")
    return action if separator and action and index.isdigit() else None


# Forms ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Form:
    """A button with a text box, as Slack shows it: a button that opens a form.

    Slack keeps no state between the press and the form's submission, so the button's value carries
    everything: the core action and value, and what the form shows. The form keeps the same text as its
    `private_metadata`, and its submission becomes the core action with the typed text.
    """

    action: str
    value: str
    title: str
    hint: str
    """What the form asks for (the text box's placeholder)."""
    limit: int

    @classmethod
    def of(cls, button: Button, spec: TextInput) -> Form:
        return cls(
            action=button.action,
            value=button.value[:MAX_FORM_VALUE_CHARS],
            title=squash(button.label)[:MAX_BUTTON_CHARS],
            hint=squash(spec.placeholder)[:MAX_PLACEHOLDER_CHARS],
            limit=spec.max_length,
        )

    def encode(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def decode(cls, text: object) -> Form | None:
        """The form a button value or a form's metadata describes; None for anything else."""
        try:
            data = json.loads(text) if isinstance(text, str) else None
            form = cls(**data) if isinstance(data, dict) else None
        except (ValueError, TypeError, RecursionError):
            return None
        if form is None or not all(isinstance(v, str) for v in (form.action, form.value, form.title)):
            return None
        if not isinstance(form.hint, str) or not isinstance(form.limit, int):
            return None
        return form


def form_view(metadata: str, form: Form, *, send: str, cancel: str) -> dict[str, Any]:
    """The form (a modal) a text box button opens; `metadata` is the button's value, kept as is."""
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": metadata,
        "title": _plain(form.title, MAX_TITLE_CHARS),
        "submit": _plain(send, MAX_TITLE_CHARS),
        "close": _plain(cancel, MAX_TITLE_CHARS),
        "blocks": [
            {
                "type": "input",
                "block_id": FORM_BLOCK,
                "label": _plain(form.hint, MAX_PLACEHOLDER_CHARS),
                "element": {
                    "type": "plain_text_input",
                    "action_id": FORM_ACTION,
                    "multiline": True,
                    "max_length": max(1, min(form.limit, 3000)),
                },
            }
        ],
    }


def form_text(view: dict[str, Any]) -> str:
    """What was typed in a submitted form, stripped ("" when nothing was)."""
    values = (view.get("state") or {}).get("values") or {}
    return str(((values.get(FORM_BLOCK) or {}).get(FORM_ACTION) or {}).get("value") or "").strip()


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _plain_field(text, limit) or ELLIPSIS, "emoji": True}


# Replies --------------------------------------------------------------------------------------------


def render(reply: Reply) -> list[Message]:
    """Slack messages (`text` fallback and `blocks`) for one reply; [] for Notify and Later.

    Usually one message; several when the content is beyond one message's limits.
    """
    if isinstance(reply, Text):
        blocks, fallback = _text_blocks(reply)
    elif isinstance(reply, LessonCard):
        blocks, fallback = _card_blocks(reply)
    elif isinstance(reply, QuizCard):
        blocks, fallback = _quiz_blocks(reply)
    elif isinstance(reply, File):
        blocks, fallback = _file_blocks(reply)
    else:
        return []
    return _messages(blocks, fallback)


def _text_blocks(reply: Text) -> tuple[list[tuple[Block, str]], str]:
    parts = _convert(reply.markdown)
    blocks = _section_blocks(parts)
    blocks += [(block, "") for block in _actions(reply.buttons)]
    labels = " / ".join(_plain_field(button.label, MAX_BUTTON_CHARS) for button in reply.buttons)
    return blocks, "\n\n".join(plain for _, plain in parts) or labels


@dataclass(frozen=True, slots=True)
class _LessonText:
    """A lesson's Markdown converted for a card: what every card of that lesson shows alike."""

    fallback: str
    header: str
    sections: tuple[str, ...]
    try_it: str


@lru_cache(maxsize=LESSON_CACHE_SIZE)
def _lesson_text(lesson: Lesson, full: bool) -> _LessonText:
    """The lesson's conversion, done once per lesson: parsing its Markdown is most of a card's cost.

    Lessons are immutable, and the cache is keyed by the whole lesson value, so a reloaded or edited
    lesson is converted anew. Only the lesson's own text is kept here; each card adds its intro, labels,
    footer and buttons.
    """
    fallback = "\n".join(
        filter(None, (_plain_field(lesson.title, MAX_FALLBACK_CHARS), _markdown_to_plain(lesson.summary)))
    )
    return _LessonText(
        fallback=fallback,
        header=_plain_field(lesson.title, MAX_HEADER_CHARS) if lesson.title.strip() else "",
        sections=tuple(text for text, _ in _sections(_convert(lesson.body if full else lesson.summary))),
        try_it=markdown_to_mrkdwn(lesson.try_it),
    )


@lru_cache(maxsize=64)
def _intro_sections(intro: str) -> tuple[str, ...]:
    """A card's intro as section texts. Intros are a few fixed sentences of the bot's catalogue (one per
    purpose and language), so each is converted once."""
    return tuple(text for text, _ in _sections(_convert(intro)))


def _card_blocks(card: LessonCard) -> tuple[list[tuple[Block, str]], str]:
    """Intro, title, the tip or the whole lesson, try-it, the verification date (full), buttons."""
    lesson, labels = card.lesson, card.labels
    converted = _lesson_text(lesson, card.full)
    fallback = converted.fallback
    blocks = [(_section(text), "") for text in _intro_sections(card.intro)]
    if converted.header:
        blocks.append((_header(converted.header), fallback))
    blocks += [(_section(text), "") for text in converted.sections]
    colon = "\u202f:" if lesson.lang == "fr" else ":"  # French typography
    try_it = f"*{_literal(labels.get('try_it', 'Try it'))}*{colon} {converted.try_it}"
    blocks.append((_context(_defuse(try_it)), ""))
    if card.full:
        verified = labels.get("verified", "Checked on {date}").format(date=lesson.verified.isoformat())
        if verified.strip():
            blocks.append((_context(markdown_to_mrkdwn(verified)), ""))
    if card.footer.strip():
        blocks.append((_context(_defuse(markdown_to_mrkdwn(card.footer))), ""))
    blocks += [(block, "") for block in _actions(card.buttons)]
    return blocks, fallback


def _quiz_blocks(card: QuizCard) -> tuple[list[tuple[Block, str]], str]:
    """The question in bold, then one button per choice.

    A choice too long for a button label is cut there, so the full choices are then listed under
    the question: the learner must be able to read what they answer.
    """
    parts = _convert(card.question, bold=True)
    blocks = _section_blocks(parts)
    if any(_size(_plain_field(b.label, MAX_SECTION_CHARS)) > MAX_BUTTON_CHARS for b in card.buttons):
        choices = "\n".join(f"• {_defuse(_literal(squash(b.label)))}" for b in card.buttons)
        blocks += _section_blocks([(choices, "")])
    blocks += [(block, "") for block in _actions(card.buttons)]
    return blocks, "\n\n".join(plain for _, plain in parts)


def _file_blocks(file: File) -> tuple[list[tuple[Block, str]], str]:
    """The caption, then the file's content as preformatted text, split so no section overflows: what
    the person gets when the file could not be uploaded (the channel uploads it otherwise)."""
    parts = _convert(file.caption)
    blocks = _section_blocks(parts, with_plain=False)
    content = file.content.decode("utf-8", errors="replace")
    if content.strip():
        code = f"{FENCE}\n{_defuse(_break_fences(escape(content.rstrip())))}\n{FENCE}"
        blocks += [(_section(piece), "") for piece in _split_code(code, MAX_SECTION_CHARS)]
    note = "\n\n".join(plain for _, plain in parts)
    return blocks, "\n".join(filter(None, (note, _plain_field(file.name, MAX_HEADER_CHARS))))


def _text_size(value: Any) -> int:
    """The characters of text in a block, wherever they are nested."""
    if isinstance(value, dict):
        return sum(
            _size(v) if k == "text" and isinstance(v, str) else _text_size(v) for k, v in value.items()
        )
    if isinstance(value, list):
        return sum(_text_size(item) for item in value)
    return 0


def _messages(blocks: Sequence[tuple[Block, str]], fallback: str) -> list[Message]:
    """Blocks grouped into messages within the block count and text budget, each with its fallback.

    Buttons do not count towards the text budget, so they stay with the text they act on.
    """
    groups: list[list[tuple[Block, str]]] = []
    used = 0
    for block, plain in blocks:
        size = 0 if block["type"] == "actions" else _text_size(block)
        if not groups or len(groups[-1]) >= MAX_BLOCKS or used + size > MAX_MESSAGE_CHARS:
            groups.append([])
            used = 0
        groups[-1].append((block, plain))
        used += size
    return [_message(group, fallback) for group in groups]


def _message(group: Sequence[tuple[Block, str]], fallback: str) -> Message:
    """One message: its blocks, and as fallback the plain text of what it shows (or the reply's)."""
    text = "\n\n".join(plain for _, plain in group if plain) or fallback or ELLIPSIS
    return {"text": _truncate(text, MAX_FALLBACK_CHARS), "blocks": [block for block, _ in group]}
