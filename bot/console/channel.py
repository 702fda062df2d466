"""The console channel: translates terminal lines into core events and core replies into text."""

from __future__ import annotations

import re

from bot.core.events import Actor

MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9][\w.\-]{0,79})")


def console_key(name: str) -> str:
    return f"console:{name.lower()}"


def console_actor(name: str, display: str | None = None, **hints: str | None) -> Actor:
    """The console person `name`; `display` is the name shown to others."""
    clean = name.strip().lstrip("@")
    return Actor(key=console_key(clean), name=display or clean, platform="console", **hints)  # type: ignore[arg-type]


def mentions_in(text: str) -> dict[str, Actor]:
    """In the console, `@name` names the console person `name`."""
    return {f"@{m.group(1)}": console_actor(m.group(1).rstrip(".")) for m in MENTION_RE.finditer(text)}
