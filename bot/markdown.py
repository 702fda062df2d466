"""What the channel renderers share about canonical Markdown: the parser, a few node rules, and the one
way long text is cut to fit a platform's limits.

Each channel turns the same parse tree into its own format (Block Kit mrkdwn, Adaptive Card text,
terminal text); the reading of the Markdown itself stays one thing. Each also has its own limits,
counted its own way (UTF-16 units for Slack, JSON bytes for Teams): a `Measure` holds that way of
counting, and splits, packs and truncates by it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
"""CommonMark with tables and strikethrough, raw HTML off: lessons and messages never carry HTML."""
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
"""The only links a renderer keeps; any other target is shown as its label."""
ELLIPSIS = "…"
SEPARATORS = ("\n\n", "\n", " ")
"""Where long text is cut, best first: between paragraphs, then lines, then words."""


def parse(markdown: str) -> SyntaxTreeNode:
    return SyntaxTreeNode(MARKDOWN.parse(markdown))


def intraword(node: SyntaxTreeNode) -> bool:
    """`2*3*4`: asterisks between letters or digits are meant literally, not as emphasis."""
    before, after = node.previous_sibling, node.next_sibling
    return (
        node.markup.startswith("*")
        and before is not None
        and before.type == "text"
        and before.content[-1:].isalnum()
        and after is not None
        and after.type == "text"
        and after.content[:1].isalnum()
    )


def wrap(text: str, marker: str) -> str:
    """Each line of `text` wrapped in a formatting marker, with its spaces kept outside the marker
    (neither Slack nor Markdown sees `** bold**` as bold)."""
    lines = []
    for line in text.split("\n"):
        core = line.strip()
        if not core:
            lines.append(line)
            continue
        lead, trail = line[: len(line) - len(line.lstrip())], line[len(line.rstrip()) :]
        lines.append(f"{lead}{marker}{core}{marker}{trail}")
    return "\n".join(lines)


ANY_CHAR = re.compile(r".", re.DOTALL)
NON_SPACE = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Measure:
    """How one platform counts text against its limits, and where text may be cut.

    `cost` must be additive (the cost of two strings joined is the sum of their costs), so that packing
    sums costs instead of measuring every candidate again. `word` matches a word, the smallest piece
    cut between words (a renderer's link syntax stays whole in it); `unit` matches the smallest piece a
    hard cut keeps whole (an entity, an escape); `unfinished` matches a construct a truncated text must
    not end inside (an opened link).
    """

    cost: Callable[[str], int] = len
    word: re.Pattern[str] = NON_SPACE
    unit: re.Pattern[str] = ANY_CHAR
    unfinished: re.Pattern[str] | None = None

    def split(self, text: str, limit: int, level: int = 0) -> list[str]:
        """Pieces within `limit`, cut between paragraphs, else lines, else words, else anywhere."""
        if self.cost(text) <= limit:
            return [text]
        if level == len(SEPARATORS):
            return self.hard_split(text, limit)
        separator = SEPARATORS[level]
        parts = self.word.findall(text) if separator == " " else text.split(separator)
        pieces = (piece for part in parts for piece in self.split(part, limit, level + 1))
        return self.pack(pieces, separator, limit)

    def pack(
        self, pieces: Iterable[str], separator: str, limit: int, *, keep_blank: bool = False
    ) -> list[str]:
        """Consecutive pieces joined with `separator` as long as the result fits in `limit`; blank
        results are dropped unless `keep_blank` (preformatted text). A piece beyond `limit` on its own
        stays whole."""
        groups: list[list[str]] = []
        used = 0
        step = self.cost(separator)
        for piece in pieces:
            size = self.cost(piece)
            if groups and used + step + size <= limit:
                groups[-1].append(piece)
                used += step + size
            else:
                groups.append([piece])
                used = size
        packed = [separator.join(group) for group in groups]
        return packed if keep_blank else [piece for piece in packed if piece.strip()]

    def hard_split(self, text: str, limit: int) -> list[str]:
        """Text with no place to cut (a huge word or address): cut where it must, units kept whole."""
        return self.pack(self.unit.findall(text), "", limit, keep_blank=True)

    def truncate(self, text: str, limit: int) -> str:
        """`text` within `limit`, cut at a word boundary when one is near, ending with "…"."""
        if self.cost(text) <= limit:
            return text
        head = self._head(text, limit - self.cost(ELLIPSIS))
        space = head.rfind(" ")
        if space > len(head) // 2:
            head = head[:space]
        if self.unfinished is not None and (opened := self.unfinished.search(head)):
            head = head[: opened.start()]
        return head.rstrip() + ELLIPSIS

    def _head(self, text: str, limit: int) -> str:
        """The longest run of whole units at the start of `text` that fits in `limit`."""
        used = 0
        for match in self.unit.finditer(text):
            used += self.cost(match.group())
            if used > limit:
                return text[: match.start()]
        return text
