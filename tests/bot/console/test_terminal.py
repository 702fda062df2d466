"""The console in a real pseudo-terminal: line editing, history, leaving with Ctrl-C or Ctrl-D, and a
message that arrives while a line is half typed."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator

import pexpect
import pytest

from tests.support.cli import ROOT, tandem

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r")
"""Escape sequences (colours, cursor moves, modes) and carriage returns: what is left is the text."""
LEFT, UP = "\x1b[D", "\x1b[A"
CTRL_C, CTRL_D = "\x03", "\x04"
START = 30.0
"""Seconds for the process to start (it loads the lesson library); every later step takes at most STEP."""
STEP = 10.0


class Terminal:
    """A `tandem` process on a pseudo-terminal 100 columns wide, read as text without escape sequences."""

    def __init__(self, db_url: str, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_"))}
        env.update(
            TANDEM_DATABASE_URL=db_url,
            TANDEM_ADMINS="root",
            TERM="xterm",
            PROMPT_TOOLKIT_NO_CPR="1",  # no cursor position request left unanswered
        )
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "bot.cli", *args],
            env=env,
            cwd=str(ROOT),
            dimensions=(40, 100),
            encoding="utf-8",
        )
        self.text = ""
        self.seen = 0

    def expect(self, pattern: str, timeout: float = STEP) -> re.Match[str]:
        """Wait for `pattern` in what the terminal showed since the last match."""
        wanted, deadline = re.compile(pattern), time.monotonic() + timeout
        while (found := wanted.search(self.text, self.seen)) is None:
            if time.monotonic() > deadline or not self.child.isalive():
                raise AssertionError(f"{pattern!r} not shown; the terminal shows {self.text[self.seen :]!r}")
            try:
                self.text += ANSI.sub("", self.child.read_nonblocking(65536, timeout=0.1))
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                break
        if found is None:
            raise AssertionError(f"{pattern!r} not shown before the end: {self.text[self.seen :]!r}")
        self.seen = found.end()
        return found

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def exit_code(self) -> int:
        """Wait for the process to end; its exit code (a signal fails the test)."""
        self.child.expect(pexpect.EOF, timeout=STEP)
        self.text += ANSI.sub("", self.child.before or "")
        self.child.close()
        assert self.child.signalstatus is None, self.child.signalstatus
        return int(self.child.exitstatus)


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.child.close(force=True)


def open_chat(terminals: list[Terminal], db_url: str, user: str) -> Terminal:
    terminal = Terminal(db_url, "chat", "--user", user)
    terminals.append(terminal)
    terminal.expect(r"you>", timeout=START)
    return terminal


def test_a_line_is_edited_with_the_arrow_keys_and_recalled_from_history(
    db_url: str, terminals: list[Terminal]
) -> None:
    chat = open_chat(terminals, db_url, "alice")
    chat.send(f"hlp{LEFT}{LEFT}e\r")  # back two characters, insert the missing letter
    chat.expect(r"you>\s*help\n")
    chat.expect(r"tandem> Here is what I can do for you")
    chat.expect(r"you>")
    chat.send(UP)
    chat.expect(r"help")
    chat.send("\r")
    chat.expect(r"tandem> Here is what I can do for you")
    chat.expect(r"you>")
    chat.send(CTRL_D)
    assert chat.exit_code() == 0
    assert chat.text.count("Here is what I can do for you") == 2


def test_a_message_arriving_mid_line_prints_above_the_prompt_and_the_typed_text_stays(
    db_url: str, terminals: list[Terminal]
) -> None:
    chat = open_chat(terminals, db_url, "alice")
    chat.send("how do I")
    chat.expect(r"how do I")
    elsewhere = tandem(db_url, "chat", "--user", "root", stdin="admin add @alice\n")  # another process
    assert elsewhere.returncode == 0, elsewhere.stderr
    chat.expect(r"tandem> root made you a Tandem admin")
    chat.expect(r"you>\s*how do I")  # the prompt again, below the message, with the half-typed line
    chat.send(" spot a phishing email?\r")
    chat.expect(r"you>\s*how do I spot a phishing email\?\n")
    chat.expect(r"Spot phishing, fake profiles and CEO fraud")
    chat.expect(r"you>")
    chat.send(CTRL_D)
    assert chat.exit_code() == 0


@pytest.mark.parametrize(("key", "typed"), [(CTRL_C, "half a li"), (CTRL_D, "")], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_and_ctrl_d_leave_cleanly(
    db_url: str, terminals: list[Terminal], key: str, typed: str
) -> None:
    chat = open_chat(terminals, db_url, "alice")
    chat.send(typed)
    if typed:
        chat.expect(typed)
    chat.send(key)
    assert chat.exit_code() == 0
    assert "Traceback" not in chat.text and "KeyboardInterrupt" not in chat.text
