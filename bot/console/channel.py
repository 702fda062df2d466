"""The console channel: translates terminal lines into core events and core replies into text."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from bot.core import intake
from bot.core.events import Actor, Event
from bot.core.replies import File
from bot.core.router import Router
from storage import keys

MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9][\w.\-]{0,79})")


def console_key(name: str) -> str:
    """The console person `name`'s key (storage/keys.py)."""
    return keys.console_person(name)


def console_actor(
    name: str, display: str | None = None, *, lang: str | None = None, tz: str | None = None
) -> Actor:
    """The console person `name`; `display` is the name shown to others; `lang` and `tz` are what a
    platform's profile would say."""
    clean = name.strip().lstrip("@")
    return Actor(key=console_key(clean), name=display or clean, platform="console", lang=lang, tz=tz)


def mentions_in(text: str) -> dict[str, Actor]:
    """In the console, `@name` names the console person `name`."""
    return {f"@{m.group(1)}": console_actor(m.group(1).rstrip(".")) for m in MENTION_RE.finditer(text)}


def save_file(file: File, directory: Path | None = None) -> Path:
    """Write a file the core hands the person (my-data) into `directory` (the current one by default),
    readable by its owner only (mode 0600, also when it replaces an older one), and return its path: the
    console prints that rather than the file."""
    path = (directory or Path.cwd()) / Path(file.name).name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, file.content)
    finally:
        os.close(descriptor)
    return path.resolve()


def local_files(router: Router, event: Event) -> list[intake.Offered]:
    """`people import <path>`: the file at that path on this machine (the console's person is whoever
    runs it here), offered to `intake.take` like a file sent in a chat; none without a path."""
    argument = intake.argument(router, event)
    if not argument:
        return []
    try:
        words = shlex.split(argument)
    except ValueError:  # an unclosed quote: the path as typed
        words = [argument]
    typed = " ".join(words).strip()
    path = Path(typed).expanduser()

    async def read(limit: int) -> bytes:
        try:
            with path.open("rb") as stream:
                return stream.read(limit + 1)
        except FileNotFoundError:
            raise intake.Unreadable(
                "intake.no_such_file", name=typed, reason="intake.reason.missing"
            ) from None
        except IsADirectoryError:
            raise intake.Unreadable(
                "intake.no_such_file", name=typed, reason="intake.reason.folder"
            ) from None
        except OSError:
            raise intake.Unreadable(
                "intake.no_such_file", name=typed, reason="intake.reason.denied"
            ) from None

    try:
        size: int | None = path.stat().st_size if path.is_file() else None
    except OSError:
        size = None
    return [intake.Offered(name=path.name or typed, read=read, size=size)]
