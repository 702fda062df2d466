"""Neutralise text written by people before the bot repeats it anywhere.

Mentor tips, questions and replies must not notify @channel, @here or @everyone, nor break the message
they are embedded in. Markdown metacharacters are escaped (Markdown is canonical; each channel's renderer
turns escapes into its own form), control characters are removed, and lengths are capped.

Control characters are those a terminal or a renderer acts on instead of showing: C0 (ESC starts an
escape sequence) and C1 (U+009B is CSI, U+009D is OSC, in terminals that take 8-bit controls), DEL, and
the bidirectional marks, embeddings, overrides and isolates that make a line read in another order than
it is stored. Line and paragraph separators (U+2028, U+2029) break lines in some renderers only, so a
line could look like two: they become spaces, never a line break where none was typed (a name stays on
its line). Newlines and tabs are kept.
"""

from __future__ import annotations

import re
import unicodedata

BROADCAST_RE = re.compile(r"([@!])(channel|here|everyone|all)\b", re.IGNORECASE)
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
CONTROL_RE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
"""Every control character removed from people's text: C0 but newline and tab, DEL, C1, bidi controls."""
UNSAFE_RE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
"""Everything `terminal_safe` would take out or change: the controls and the two separators."""
MARKDOWN_RE = re.compile(r"([\\`*_{}\[\]<>#|~])")
WORD_JOINER = "\u2060"
NAME_CHARS = 200


def clean(text: str, limit: int) -> str:
    """Plain cleaning: NFC, then `terminal_safe`, trimmed and capped at `limit` characters."""
    text = terminal_safe(unicodedata.normalize("NFC", text or "")).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def clean_name(name: str) -> str:
    """A display name as Tandem stores it: cleaned, on one line, at most 200 characters (the column)."""
    return " ".join(clean(name, NAME_CHARS).split())


def terminal_safe(text: str) -> str:
    """Text as it may reach a terminal: no control sequence, no bidi trick, no line break but newlines.

    The one filter for text anyone wrote: `clean` applies it to what people type and the console to
    everything it prints, whoever wrote it, so a name or a message cannot clear the screen, retitle the
    window or make one line look like another.
    """
    text = text.replace("\r\n", "\n").replace("\u2028", " ").replace("\u2029", " ")
    return CONTROL_RE.sub("", text)


def escape_unsafe(json_text: str) -> str:
    """JSON text with every character `terminal_safe` would touch written as a `\\uXXXX` escape: the
    same data once parsed, and safe to show. For `json.dumps(..., ensure_ascii=False)` output, which
    leaves C1, bidi controls and the separators as they are (those only occur inside strings)."""
    return UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


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


_BREAKING_SPACES_RE = re.compile(r"[^\S\u00a0\u2007\u202f]+")
"""Runs of whitespace a line may break at: not the no-break spaces, which French typography puts before
`: ; ! ?` and inside « »."""


def squash(text: str) -> str:
    """`text` on one line, each run of spaces and line breaks made one space, trimmed; no-break spaces
    stay as they are (`" ".join(text.split())` would turn them into plain spaces)."""
    return _BREAKING_SPACES_RE.sub(" ", text).strip()


def quoted_forms(text: str) -> set[str]:
    """The forms in which a message may quote what someone wrote: as typed, neutralised as typed or on
    one line, and as a block quote. A quote cut short is the beginning of one of these then `…`
    (`neutralize` or `quote` with a smaller limit), which forget-me's scrub recognises from the whole."""
    forms = {
        text.strip(),
        squash(text),
        neutralize(text),
        neutralize(squash(text)),
        neutralize(" ".join(text.split())),
        neutralize(text.replace("\n", " ")),
    }
    if "\n" in text.strip():
        forms.add(quote(text))
    return {form for form in forms if form}
