"""Neutralise text written by people before the bot repeats it anywhere.

Mentor tips, questions and replies must not notify @channel, @here or @everyone, nor break the message
they are embedded in. Markdown metacharacters are escaped (Markdown is canonical; each channel's renderer
turns escapes into its own form), control characters are removed, and lengths are capped.
"""

from __future__ import annotations

import re
import unicodedata

BROADCAST_RE = re.compile(r"([@!])(channel|here|everyone|all)\b", re.IGNORECASE)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
MARKDOWN_RE = re.compile(r"([\\`*_{}\[\]<>#|~])")
WORD_JOINER = "\u2060"


def clean(text: str, limit: int) -> str:
    """Plain cleaning: NFC, no control or bidi-override characters, at most `limit` characters."""
    text = unicodedata.normalize("NFC", text or "")
    text = CONTROL_RE.sub("", text.replace("\r\n", "\n")).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def defuse_broadcasts(text: str) -> str:
    """'@channel' -> '@\u2060channel': it reads the same and notifies nobody."""
    return BROADCAST_RE.sub(lambda m: f"{m.group(1)}{WORD_JOINER}{m.group(2)}", text)


def neutralize(text: str, limit: int = 2000) -> str:
    """User text made safe to embed in a Markdown message."""
    text = clean(text, limit)
    text = MARKDOWN_RE.sub(r"\\\1", text)
    text = re.sub(r"^(\s*)([-+])(\s)", r"\1\\\2\3", text, flags=re.MULTILINE)  # "- x" is not a list
    text = re.sub(r"^(\s*\d+)([.)])(\s)", r"\1\\\2\3", text, flags=re.MULTILINE)  # nor "1. x"
    return defuse_broadcasts(text)


def quote(text: str, limit: int = 2000) -> str:
    """Neutralised user text as a Markdown block quote."""
    return "\n".join(f"> {line}" if line else ">" for line in neutralize(text, limit).split("\n"))
