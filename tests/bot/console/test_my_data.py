"""`my-data` in the console: the JSON file is written (readable by its owner only) and its path printed,
instead of the whole file scrolling by."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from bot.console.chat import ConsoleChat
from bot.console.render import render_reply
from bot.core.replies import File
from tests.support.harness import Harness


async def console(harness: Harness, user: str, typed: str) -> str:
    screen = io.StringIO()
    chat = ConsoleChat(
        harness.conversation, harness.app.outlets, user, stdin=io.StringIO(typed), stdout=screen
    )
    await chat.run()
    return screen.getvalue()


async def test_my_data_writes_the_file_and_prints_its_path(harness: Harness) -> None:
    screen = await console(harness, "alice", "help\nmy-data\n")
    saved = Path.cwd() / "tandem-my-data-alice-2026-11-23.json"
    assert f"→ {saved.resolve()}" in screen
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["person"]["key"] == "console:alice"
    assert '"person"' not in screen and "display_name" not in screen, "the path, not the JSON"
    assert "forget-me" in screen and "Your data, as of 2026-11-23" in screen


async def test_asking_again_replaces_the_file_and_keeps_it_private(harness: Harness) -> None:
    saved = Path.cwd() / "tandem-my-data-alice-2026-11-23.json"
    saved.write_text("old", encoding="utf-8")
    saved.chmod(0o644)
    await console(harness, "alice", "my-data\n")
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text(encoding="utf-8"))["person"]["key"] == "console:alice"


def test_a_directory_it_cannot_write_to_shows_the_content_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    """A working directory the file cannot be written to: no traceback, and the person still gets their
    data."""

    def refuse(*args: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    text, buttons = render_reply(
        File("tandem-my-data-x.json", b'{"person": 1}', "application/json", "Your data")
    )
    assert text.startswith("Your data") and '{"person": 1}' in text and buttons == ()
    assert not (Path.cwd() / "tandem-my-data-x.json").exists()
