"""What the channel renderers share about canonical Markdown: the parser and a few node rules.

Each channel turns the same parse tree into its own format (Block Kit mrkdwn, Adaptive Card text);
the reading of the Markdown itself stays one thing.
"""

from __future__ import annotations

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
