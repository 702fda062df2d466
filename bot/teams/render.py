"""Teams rendering: canonical Markdown as Adaptive Card elements, and the core's replies as messages.

Everything shown in Teams passes through here, so this module owns three guarantees:

- text from lessons and people never forms markup it did not mean: Markdown characters are escaped,
  line-start markers get a word joiner, and every `<` is followed by one, so no `<at>` mention, HTML
  tag or autolink can form;
- no message comes near Teams' 28 KB limit: long content is split across several messages, the first
  carrying the title and the last the buttons;
- every button comes back through `parse_submit` as the core action, its value and any typed text.

Every reply is an Adaptive Card 1.5, so that one renderer and one escaping rule serve all of them.
TextBlocks only honour a small Markdown subset in Teams (bold, italic, lists, links); a single line
break shows as a space outside lists, so lines are separated by a blank line.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from markdown_it.tree import SyntaxTreeNode

from bot.core.commands import TEXT_ACTIONS
from bot.core.replies import Button, File, LessonCard, PersonalView, QuizCard, Reply, Text, TextInput
from bot.core.text import WORD_JOINER, squash
from bot.markdown import ELLIPSIS, LINK_SCHEMES, Measure, intraword, parse, wrap

logger = logging.getLogger(__name__)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"

SUBMIT_KEY = "tandem"
"""The key in an Action.Submit's data that marks it as ours; its value is the core action."""
INPUT_ID = "text"
"""The id of the text box; Teams merges what was typed into `activity.value` under this key."""

MAX_MESSAGE_BYTES = 24_000
"""A whole message as JSON (ASCII-escaped, so never smaller than on the wire); Teams rejects > 28 KB."""
MAX_TEXT_BYTES = 7_500
"""One TextBlock's text as JSON: long text is cut into several blocks, which messages are packed from."""
MAX_ACTIONS = 6
MAX_BUTTON_CHARS = 60
MAX_PLACEHOLDER_CHARS = 100
MAX_VALUE_CHARS = 2000
MAX_SUMMARY_CHARS = 300

NBSP = "\u00a0"
RULE = "──────────"
BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}

Element = dict[str, Any]
Message = dict[str, Any]

_MARKDOWN_CHAR = re.compile(r"([\\`*_\[\]~])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_LINE_MARKER = re.compile(r"^(?=[ \t]*(?:[-+>#=|]|\d+[.)]))", re.MULTILINE)
_BARE_URL = re.compile(r"(https?://[^\s<>\"]+)")
_URL_TRAILERS = frozenset(".,;:!?'\"")
_URL_UNSAFE = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\\": "%5C", '"': "%22"}
_WORD = re.compile(r"(?:\[(?:\\.|[^\\\]])*\]\([^()\s]*\)|\S)+")
_UNIT = re.compile(r"\\.|.", re.DOTALL)
_SPACE_RUN = re.compile(r" {2,}")
_ACTION = re.compile(r"[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)*")


# Escaping -------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text shown as written: Markdown characters backslash-escaped, `<` unable to open a tag.

    A word joiner after `<` keeps `<at>`, HTML and autolinks from forming on every Teams client,
    whatever its Markdown processor; an `&` that would start an entity is escaped too.
    """
    text = _MARKDOWN_CHAR.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    return text.replace("<", f"<{WORD_JOINER}")


def _guard(text: str) -> str:
    """A word joiner before a line-start marker (`- `, `1. `, `#`, `>`): the line stays a plain line."""
    return _LINE_MARKER.sub(WORD_JOINER, text)


def _plain_field(text: str, limit: int) -> str:
    """A field Teams shows as typed (button title, placeholder, summary): one line, within `limit`
    characters, with no `<` able to open a tag nor `&` an entity."""
    text = CHARACTERS.truncate(squash(text), limit)
    return _ENTITY.sub(f"&{WORD_JOINER}", text).replace("<", f"<{WORD_JOINER}")


def _url(href: str) -> str:
    """A link target that cannot end the Markdown link early: spaces, brackets and quotes encoded."""
    return "".join(_URL_UNSAFE.get(char, char) for char in href)


def _markdown_link(href: str, label: str) -> str:
    """`[label](url)` for web and mail links; any other target keeps only its label."""
    scheme, colon, _ = href.partition(":")
    if not colon or scheme.lower() not in LINK_SCHEMES:
        return label
    label = squash(label) or escape(href.removeprefix("mailto:"))
    return f"[{label}]({_url(href)})"


def _literal(text: str) -> str:
    """Plain text from the Markdown tree: escaped, with bare web addresses made into explicit links."""
    pieces = _BARE_URL.split(text)
    for i in range(0, len(pieces), 2):
        pieces[i] = escape(pieces[i])
    for i in range(1, len(pieces), 2):
        pieces[i] = _bare_link(pieces[i])
    return "".join(pieces)


def _unbalanced(url: str) -> bool:
    """An address ending with a `)` it never opened: the bracket belongs to the sentence."""
    return url.endswith(")") and url.count(")") > url.count("(")


def _bare_link(url: str) -> str:
    """A bare address as a link, trailing punctuation (and an unbalanced `)`) left outside it."""
    end = len(url)
    while end and (url[end - 1] in _URL_TRAILERS or _unbalanced(url[:end])):
        end -= 1
    head, tail = url[:end], url[end:]
    if "://" not in head or head.endswith("://"):
        return escape(url)
    return _markdown_link(head, escape(head)) + escape(tail)


# Sizes and splitting --------------------------------------------------------------------------------


def _cost(text: str) -> int:
    """Bytes of `text` inside a JSON string, ASCII-escaped: additive, so pieces can be summed."""
    return len(json.dumps(text)) - 2


MEASURE = Measure(cost=_cost, word=_WORD, unit=_UNIT)
"""Text in a card counts as JSON bytes; a word keeps a `[label](url)` link whole, and a hard cut never
splits a backslash escape."""
CHARACTERS = Measure()
"""Short fields (titles, placeholders, summaries) count characters, before they are escaped."""


def _json_size(value: Any) -> int:
    return len(json.dumps(value))


def _text_blocks(text: str, *, guard: bool = True, **props: Any) -> list[Element]:
    """TextBlocks showing `text`, each within MAX_TEXT_BYTES; pieces guarded when they start a line."""
    pieces = MEASURE.split(text.strip("\n"), MAX_TEXT_BYTES)
    return [_text_block(_guard(piece) if guard else piece, **props) for piece in pieces if piece.strip()]


def _text_block(text: str, **props: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **props}


# Markdown to Adaptive Card elements -----------------------------------------------------------------


class _Renderer:
    """Walks markdown-it's syntax tree and writes Adaptive Card elements."""

    def __init__(self) -> None:
        self._in_bold = False
        self._in_link = False

    # Blocks

    def elements(self, node: SyntaxTreeNode) -> list[Element]:
        """One block-level node as elements."""
        kind = node.type
        if kind == "paragraph":
            return _text_blocks(self._lines(self.inline(node)))
        if kind == "heading":
            return self._heading(node)
        if kind in ("bullet_list", "ordered_list"):
            return _text_blocks("\n".join(self._list(node, "")), guard=False)
        if kind == "blockquote":
            return _container(self.children(node), style="emphasis")
        if kind in ("fence", "code_block"):
            return _code_blocks(node.content)
        if kind == "hr":
            return [_text_block(RULE, isSubtle=True)]
        if kind == "table":
            return self._table(node)
        if node.children:
            return self.children(node)
        return _text_blocks(escape(node.content))

    def children(self, node: SyntaxTreeNode) -> list[Element]:
        return [element for child in node.children for element in self.elements(child)]

    @staticmethod
    def _lines(text: str) -> str:
        """Line breaks as blank lines: a single one shows as a space in a Teams TextBlock."""
        return "\n\n".join(_guard(line.strip()) for line in text.split("\n") if line.strip())

    def _heading(self, node: SyntaxTreeNode) -> list[Element]:
        """Bold text, medium size for the two top levels: cards have no headings."""
        self._in_bold = True
        try:
            text = " ".join(self.inline(node).split("\n"))
        finally:
            self._in_bold = False
        size: dict[str, Any] = {"size": "Medium"} if node.tag in ("h1", "h2") else {}
        return _text_blocks(text, weight="Bolder", **size)

    def _list(self, node: SyntaxTreeNode, indent: str) -> list[str]:
        """`- item` or `1. item` lines; nested lists indented under their item's text."""
        ordered = node.type == "ordered_list"
        start = int(node.attrs.get("start", 1)) if ordered else 1
        lines: list[str] = []
        for offset, item in enumerate(node.children):
            marker = f"{start + offset}." if ordered else "-"
            texts: list[str] = []
            nested: list[str] = []
            for child in item.children:
                if child.type in ("bullet_list", "ordered_list"):
                    nested += self._list(child, indent + " " * (len(marker) + 1))
                else:
                    texts.append(self._flat(child))
            text = _guard(" ".join(filter(None, texts)))
            lines.append(f"{indent}{marker} {text}".rstrip())
            lines += nested
        return lines

    def _flat(self, node: SyntaxTreeNode) -> str:
        """A block inside a list item as one line of text."""
        if node.type in ("paragraph", "heading"):
            return squash(self.inline(node))
        return squash(escape(_plain_text(node)))

    def _table(self, node: SyntaxTreeNode) -> list[Element]:
        """Two columns as a FactSet; wider tables as one line per row, cells separated by a bar."""
        rows = [
            [self.inline(cell) for cell in row.children] for part in node.children for row in part.children
        ]
        if rows and all(len(row) == 2 for row in rows):
            facts = [{"title": _guard(title), "value": _guard(value)} for title, value in rows]
            return [{"type": "FactSet", "facts": facts}]
        return _text_blocks("\n\n".join(_guard(" | ".join(row)) for row in rows))

    # Inline

    def inline(self, node: SyntaxTreeNode) -> str:
        """The inline content under `node` as TextBlock Markdown; line breaks kept as "\\n"."""
        return "".join(self._span(child) for child in node.children)

    def _span(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "text":
            return escape(node.content) if self._in_link else _literal(node.content)
        if kind in ("softbreak", "hardbreak"):
            return "\n"
        if kind == "code_inline":
            return escape(node.content)
        if kind in ("strong", "em") and intraword(node):
            return escape(node.markup) + self.inline(node) + escape(node.markup)
        if kind == "strong":
            return self._strong(node)
        if kind == "em":
            return wrap(self.inline(node), "_")
        if kind in ("link", "image"):
            return self._link(node)
        return self.inline(node) if node.children else escape(node.content)

    def _link(self, node: SyntaxTreeNode) -> str:
        """A link or image as a Markdown link (web and mail only); its label never links again."""
        href = str(node.attrs.get("href") or node.attrs.get("src") or "")
        self._in_link = True
        try:
            label = self.inline(node) or escape(str(node.attrs.get("alt") or ""))
        finally:
            self._in_link = False
        return _markdown_link(href, label)

    def _strong(self, node: SyntaxTreeNode) -> str:
        """`**bold**`; inside a heading the whole line is already bold."""
        if self._in_bold:
            return self.inline(node)
        self._in_bold = True
        try:
            return wrap(self.inline(node), "**")
        finally:
            self._in_bold = False


def _plain_text(node: SyntaxTreeNode) -> str:
    """The words under `node`, without formatting: for summaries and blocks flattened into a line."""
    if node.type in ("softbreak", "hardbreak"):
        return " "
    if not node.children:
        return "" if node.type == "root" else node.content
    separator = " " if any(_is_block(child) for child in node.children) else ""
    return separator.join(_plain_text(child) for child in node.children)


def _is_block(node: SyntaxTreeNode) -> bool:
    token = node.token or (node.nester_tokens.opening if node.nester_tokens else None)
    return bool(token and token.block)


def _container(items: list[Element], **props: Any) -> list[Element]:
    return [{"type": "Container", "items": items, **props}] if items else []


def markdown_to_elements(markdown: str) -> list[Element]:
    """Canonical Markdown (lessons, tips, bot messages) as Adaptive Card elements Teams can show.

    Headings become bold TextBlocks, lists `- `/`1. ` lines, quotes an emphasis Container, code
    monospace text and two-column tables a FactSet; links are kept for web and mail addresses only.
    The elements are a fresh copy: callers may style them.
    """
    return _clone(_parsed(markdown or ""))


@functools.lru_cache(maxsize=4096)
def _parsed(markdown: str) -> tuple[Element, ...]:
    """Parsing is most of a card's cost and lessons repeat all day: keep recent results (never mutated)."""
    tree = parse(markdown)
    return tuple(_Renderer().children(tree))


def _clone(node: Any) -> Any:
    """A deep copy of JSON-shaped data, several times faster than copy.deepcopy."""
    if isinstance(node, dict):
        return {key: _clone(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_clone(item) for item in node]
    return node


def _code_blocks(content: str) -> list[Element]:
    """Preformatted text in monospace TextBlocks: every line kept, with its indentation."""
    lines = content.rstrip("\n").split("\n")
    if not any(line.strip() for line in lines):
        return []
    text = "\n\n".join(_code_line(line) for line in lines)
    return _text_blocks(text, guard=False, fontType="Monospace")


def _code_line(line: str) -> str:
    """One line of code: escaped, its indentation and runs of spaces as no-break spaces, guarded."""
    line = escape(line.expandtabs(4).rstrip())
    body = line.lstrip(" ")
    line = NBSP * (len(line) - len(body)) + body
    line = _SPACE_RUN.sub(lambda m: NBSP * (len(m.group()) - 1) + " ", line)
    return _guard(line) or NBSP


@functools.lru_cache(maxsize=4096)
def _summary(markdown: str) -> str:
    """Markdown as one line of plain text, for the message summary Teams may show in notifications."""
    tree = parse(markdown or "")
    return squash(_plain_text(tree))


# Buttons and submits --------------------------------------------------------------------------------


def _submit(button: Button, input_id: str = INPUT_ID) -> Element:
    """An Action.Submit carrying the core action and value; a second text box names its input."""
    data: dict[str, str] = {SUBMIT_KEY: button.action, "value": button.value[:MAX_VALUE_CHARS]}
    if input_id != INPUT_ID:
        data["input"] = input_id
    action: Element = {
        "type": "Action.Submit",
        "title": _plain_field(button.label, MAX_BUTTON_CHARS) or ELLIPSIS,
        "data": data,
    }
    if button.style in BUTTON_STYLES:
        action["style"] = BUTTON_STYLES[button.style]
    return action


def _action_set(actions: Sequence[Element]) -> Element:
    return {"type": "ActionSet", "actions": list(actions)}


def _text_input(button: Button, spec: TextInput, input_id: str) -> list[Element]:
    """A text box and its send button: what is typed reaches the core with the button's action."""
    box = {
        "type": "Input.Text",
        "id": input_id,
        "isMultiline": True,
        "maxLength": spec.max_length,
        "placeholder": _plain_field(spec.placeholder, MAX_PLACEHOLDER_CHARS),
    }
    return [box, _action_set([_submit(button, input_id)])]


def _buttons(buttons: Sequence[Button]) -> tuple[list[Element], list[Element]]:
    """(body elements, card actions): text boxes go in the body, other buttons are the card's actions.

    Beyond six buttons Teams hides the rest, so they are then laid out in rows of six in the body,
    in their order.
    """
    body: list[Element] = []
    plain: list[Element] = []
    for button in buttons:
        if button.input is not None:
            count = sum(element["type"] == "Input.Text" for element in body)
            body += _text_input(button, button.input, INPUT_ID if not count else f"{INPUT_ID}-{count + 1}")
        else:
            plain.append(_submit(button))
    if len(plain) <= MAX_ACTIONS:
        return body, plain
    rows = [_action_set(plain[start : start + MAX_ACTIONS]) for start in range(0, len(plain), MAX_ACTIONS)]
    return body + rows, []


def parse_submit(value: Any) -> tuple[str, str, str] | None:
    """(core action, value, typed text) from an Action.Submit's `activity.value`; None when not ours.

    The typed text is only read for the actions that take it (`TEXT_ACTIONS`: Teams merges every box of
    a card into each submit) and is "" when nothing was typed. Never raises, whatever JSON it is given.
    """
    if not isinstance(value, dict):
        return None
    action = value.get(SUBMIT_KEY)
    if not isinstance(action, str) or len(action) > 64 or not _ACTION.fullmatch(action):
        return None
    argument = value.get("value")
    if argument is None:
        argument = ""
    if not isinstance(argument, str):
        return None
    typed = ""
    if action in TEXT_ACTIONS:
        input_id = value.get("input")
        text = value.get(input_id if isinstance(input_id, str) else INPUT_ID)
        typed = text if isinstance(text, str) else ""
    return action, argument, typed


# Replies --------------------------------------------------------------------------------------------


def render(reply: Reply) -> list[Message]:
    """Bot Framework message activities, each with one Adaptive Card, for one reply; [] for Notify
    and Later.

    Usually one message; several when the content is beyond one message's size. `Text.private` has
    no meaning in a personal chat and is ignored.
    """
    if isinstance(reply, Text):
        body, buttons, summary = _text_card(reply)
    elif isinstance(reply, LessonCard):
        body, buttons, summary = _lesson_card(reply)
    elif isinstance(reply, QuizCard):
        body, buttons, summary = _quiz_card(reply)
    elif isinstance(reply, File):
        body, buttons, summary = _file_card(reply)
    else:
        return []
    return _messages(body, buttons, summary)


Parts = tuple[list[Element], Sequence[Button], str]


def _text_card(reply: Text) -> Parts:
    summary = _summary(reply.markdown) or " / ".join(button.label for button in reply.buttons)
    return markdown_to_elements(reply.markdown), reply.buttons, summary


def _lesson_card(card: LessonCard) -> Parts:
    """Intro, title, the tip or the whole lesson, try-it, the verification date (full), footer."""
    lesson, labels = card.lesson, card.labels
    body = markdown_to_elements(card.intro)
    title = squash(lesson.title)
    if title:
        body += _text_blocks(escape(title), size="Large", weight="Bolder")
    body += markdown_to_elements(lesson.body if card.full else lesson.summary)
    body += _try_it(lesson.try_it, labels.get("try_it", "Try it"))
    if card.full:
        verified = labels.get("verified", "Checked on {date}").format(date=lesson.verified.isoformat())
        body += _subtle(markdown_to_elements(verified), size="Small")
    body += _subtle(markdown_to_elements(card.footer))
    summary = " ".join(filter(None, (title, _summary(lesson.summary))))
    return body, card.buttons, summary


def _try_it(markdown: str, label: str) -> list[Element]:
    """The try-it action in an accent box, under its label in bold."""
    elements = markdown_to_elements(markdown)
    if not elements:
        return []
    heading = _text_blocks(escape(squash(label)), weight="Bolder")
    return _container([*heading, *elements], style="accent")


def _subtle(elements: list[Element], **props: Any) -> list[Element]:
    """The same elements with their text subtle (footers, dates), nested elements included."""
    for element in elements:
        if element["type"] == "TextBlock":
            element.update(isSubtle=True, **props)
        _subtle(element.get("items", []), **props)
    return elements


def _quiz_card(card: QuizCard) -> Parts:
    """The question in bold, then the choices, one per row so that each can be read whole.

    A choice too long for a button title is cut there, so the full choices are then listed under
    the question: the learner must be able to read what they answer.
    """
    body = markdown_to_elements(card.question)
    for element in body:
        if element["type"] == "TextBlock":
            element["weight"] = "Bolder"
    if any(len(squash(button.label)) > MAX_BUTTON_CHARS for button in card.buttons):
        choices = "\n".join(f"- {_guard(escape(squash(b.label)))}" for b in card.buttons)
        body += _text_blocks(choices, guard=False)
    body += [_action_set([_submit(button)]) for button in card.buttons]
    return body, (), _summary(card.question)


def _file_card(file: File) -> Parts:
    """The caption, the file's name, then its content as monospace text, split so no message overflows.

    A bot cannot send a file into a personal chat without the file-consent flow: the channel gives a
    one-time link instead (bot/downloads.py), and shows the content this way only when links are off
    (no TANDEM_PUBLIC_URL).
    """
    body = markdown_to_elements(file.caption)
    name = squash(file.name)
    if name:
        body += _text_blocks(escape(name), isSubtle=True)
    body += _code_blocks(file.content.decode("utf-8", errors="replace"))
    summary = " ".join(filter(None, (_summary(file.caption), name)))
    return body, (), summary


# Messages -------------------------------------------------------------------------------------------


def _messages(body: list[Element], buttons: Sequence[Button], summary: str) -> list[Message]:
    """Body elements packed into messages within MAX_MESSAGE_BYTES; the buttons go with the last one."""
    inputs, actions = _buttons(buttons)
    body = body + inputs
    summary = _plain_field(summary, MAX_SUMMARY_CHARS) or ELLIPSIS
    if not body and not actions:
        body = [_text_block(ELLIPSIS)]
    whole = _message(body, actions, summary)
    if _json_size(whole) <= MAX_MESSAGE_BYTES:
        return [whole]  # the usual case: one message, sized once
    budget = MAX_MESSAGE_BYTES - _json_size(_message([], [], summary))
    groups: list[list[Element]] = [[]]
    used = 0
    for element in _fitting(body, budget):
        size = _json_size(element) + 2
        if groups[-1] and used + size > budget:
            groups.append([])
            used = 0
        groups[-1].append(element)
        used += size
    if groups[-1] and used + _json_size(actions) > budget:
        groups.append([])
    last = len(groups) - 1
    return [_message(group, actions if i == last else [], summary) for i, group in enumerate(groups)]


def _fitting(elements: Iterable[Element], budget: int) -> Iterator[Element]:
    """The elements, a Container or FactSet too big for one message split into several of its kind."""
    for element in elements:
        key = {"Container": "items", "FactSet": "facts"}.get(element["type"], "")
        if _json_size(element) + 2 <= budget or not key:
            if _json_size(element) + 2 > budget:
                logger.warning("A %s element is beyond one Teams message", element["type"])
            yield element
            continue
        inner = budget - _json_size({**element, key: []}) - 2
        parts = list(_fitting(element[key], inner)) if key == "items" else element[key]
        group: list[Element] = []
        used = 0
        for part in parts:
            size = _json_size(part) + 2
            if group and used + size > inner:
                yield {**element, key: group}
                group, used = [], 0
            group.append(part)
            used += size
        if group:
            yield {**element, key: group}


class Card(dict[str, Any]):
    """A rendered Adaptive Card. Nothing changes a card once it is built, so a copy may share it:
    the SDK deep-copies every activity it sends, and copying a whole card each time is wasted work."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Card:
        return self


def _message(body: list[Element], actions: list[Element], summary: str) -> Message:
    card = Card(
        {
            "type": "AdaptiveCard",
            "$schema": CARD_SCHEMA,
            "version": CARD_VERSION,
            "msteams": {"width": "Full"},
            "fallbackText": summary,
            "body": body,
            "actions": actions,
        }
    )
    return {
        "type": "message",
        "summary": summary,
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
    }


# Per-user cards (Universal Actions) ------------------------------------------------------------------

MAX_REFRESH_USERS = 60
"""Teams refreshes a card per user for at most this many people in a conversation."""
INVOKE_CARD = CARD_CONTENT_TYPE
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"


def shared_view(view: PersonalView, user_ids: Sequence[str]) -> Message:
    """The message posted in a room for a per-person reply: `view.shared` for everyone, and a `refresh`
    that makes Teams ask Tandem, for each of `user_ids` (Teams ids, `29:…`), what that person sees of it
    (an `adaptiveCard/action` invoke with the view's action as its verb)."""
    [message] = _messages(markdown_to_elements(view.shared), (), _summary(view.shared))
    return _universal(message, view, user_ids)


def personal_view(reply: Text, view: PersonalView, user_ids: Sequence[str]) -> Message | None:
    """A person's own view of such a message (the answer to an invoke): the reply with its buttons as
    Action.Execute, keeping the same `refresh` so that it stays theirs. None when it would not fit in one
    message (the channel then answers in the person's personal chat)."""
    messages = render(reply)
    if len(messages) != 1:
        return None
    return _universal(messages[0], view, user_ids)


def _universal(message: Message, view: PersonalView, user_ids: Sequence[str]) -> Message:
    """The message with every Action.Submit turned into an Action.Execute (its verb the core action,
    the same data) and the card's `refresh` set to the view's action for `user_ids`."""
    [attachment] = message["attachments"]
    card = _executing(dict(attachment["content"]))
    refresh_data = {SUBMIT_KEY: view.action, "value": view.value[:MAX_VALUE_CHARS]}
    card["refresh"] = {
        "action": {"type": "Action.Execute", "verb": view.action, "data": refresh_data},
        "userIds": list(user_ids)[:MAX_REFRESH_USERS],
    }
    return {**message, "attachments": [{**attachment, "content": Card(card)}]}


def _executing(node: Any) -> Any:
    """A copy of a card's elements with each of our Action.Submit as an Action.Execute."""
    if isinstance(node, list):
        return [_executing(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {key: _executing(value) for key, value in node.items()}
    data = copy.get("data")
    if copy.get("type") == "Action.Submit" and isinstance(data, dict) and SUBMIT_KEY in data:
        copy["type"] = "Action.Execute"
        copy["verb"] = data[SUBMIT_KEY]
    return copy


def parse_execute(value: Any) -> tuple[str, str, str] | None:
    """(core action, value, typed text) from an `adaptiveCard/action` invoke's `value`; None when it is
    not an Action.Execute of ours. The verb must be the action the data names."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return None
    verb, data = action.get("verb"), action.get("data")
    if not isinstance(data, dict) or not isinstance(verb, str) or data.get(SUBMIT_KEY) != verb:
        return None
    return parse_submit(data)


def invoke_card(message: Message) -> dict[str, Any]:
    """The body of an invoke response that shows the invoking person this message's card."""
    [attachment] = message["attachments"]
    return {"statusCode": 200, "type": INVOKE_CARD, "value": attachment["content"]}


def invoke_message(markdown: str) -> dict[str, Any]:
    """The body of an invoke response that leaves the card as it is and shows a short message."""
    return {"statusCode": 200, "type": INVOKE_MESSAGE, "value": _summary(markdown) or ELLIPSIS}
