"""Control characters one person writes never reach another person's terminal.

A learner's display name and question carry terminal controls: ESC [2J (clear the screen), the 8-bit CSI
(U+009B) and OSC (U+009D, which retitles the window, ended by BEL), a right-to-left override (U+202E) and
a line separator (U+2028, which some renderers break lines on). Her mentor reads them in the console;
`mentees`, the admin's `questions` and her own `my-data` show them too.
"""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

import pytest

from bot.console.chat import ConsoleChat
from bot.core.replies import File, Text
from bot.core.text import clean, clean_name, escape_unsafe, neutralize, terminal_safe
from tests.support.harness import Harness, text_of

CLEAR, CSI, OSC, OVERRIDE, SEPARATOR = "\x1b[2J", "\x9b2J", "\x9d0;owned\x07", "\u202e", "\u2028"
NAME = f"Zoë{CLEAR}{CSI} Quill{OSC}{OVERRIDE}feather{SEPARATOR}root"
QUESTION = f"How do I hide{CLEAR} my posts{CSI} from{OSC} recruiters{OVERRIDE} now{SEPARATOR}please?"
FORBIDDEN = ("\x1b", "\x9b", "\x9d", "\x07", OVERRIDE, SEPARATOR)
C1 = "".join(chr(c) for c in range(0x80, 0xA0))
SPOOFING = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def controls_in(text: str) -> list[str]:
    """The forbidden characters `text` holds, by name, for a readable failure."""
    return [unicodedata.name(ch, repr(ch)) for ch in FORBIDDEN if ch in text]


async def programme(harness: Harness) -> None:
    """Mikael mentors Zoë, whose name and question carry the controls."""
    await harness.say("mikael", "help")
    await harness.say("zoe", "help", display=NAME)
    await harness.say("root", "cohort create pilot track first-steps")
    await harness.say("root", "enroll pilot @zoe")
    await harness.say("root", "pair @mikael @zoe")
    await harness.say("zoe", f"mentor {QUESTION}", display=NAME)


async def console(harness: Harness, user: str, typed: str) -> str:
    """What `tandem chat --user <user>` prints for these lines: waiting messages first, then the answers."""
    screen = io.StringIO()
    chat = ConsoleChat(
        harness.conversation,
        harness.app.outlets,
        user,
        stdin=io.StringIO(typed),
        stdout=screen,
        deliver=harness.app.deliver_now,
    )
    await chat.run()
    return screen.getvalue()


async def test_the_mentors_console_shows_the_question_without_its_controls(harness: Harness) -> None:
    """Attack: a learner's name and question, forwarded to her mentor's console inbox, clear his screen
    (ESC [2J, CSI 2J), retitle his terminal (OSC … BEL) and reverse or split what he reads."""
    await programme(harness)
    screen = await console(harness, "mikael", "mentees\n")
    assert "recruiters" in screen and "Zoë" in screen and "reply 1" in screen
    assert controls_in(screen) == []


async def test_mentees_and_questions_show_names_and_questions_without_controls(harness: Harness) -> None:
    """Attack: the same name and question through `mentees` (the mentor) and `questions` (an admin, who
    reads questions without names), rendered by any channel, Slack and Teams included."""
    await programme(harness)
    mentees = await harness.text("mikael", "mentees")
    questions = await harness.text("root", "questions")
    assert "Zoë" in mentees and "Zoë" not in questions
    for shown in (mentees, questions):
        assert "recruiters" in shown
        assert controls_in(shown) == []


async def test_my_data_escapes_controls_and_keeps_the_data(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: `my-data` wrote the stored name as it was into a JSON file (json.dumps with
    ensure_ascii=False escapes C0 but not C1, bidi controls or U+2028), which a terminal may show. Names
    are now cleaned when stored, and the file escapes whatever else would act on a terminal."""
    await programme(harness)
    replies = await harness.say("zoe", "my-data")
    [file] = [r for r in replies if isinstance(r, File)]
    content = file.content.decode("utf-8")
    assert controls_in(content) == [] and controls_in(text_of(replies)) == []
    assert json.loads(content)["person"]["display_name"] == clean_name(NAME)
    assert "Zoë" in clean_name(NAME) and controls_in(clean_name(NAME)) == []
    monkeypatch.chdir(tmp_path)
    screen = await console(harness, "zoe", "my-data\n")
    [saved] = tmp_path.glob("tandem-my-data-zoe-*.json")
    assert str(saved) in screen and controls_in(screen) == []
    assert controls_in(saved.read_text(encoding="utf-8")) == []


async def test_the_console_filters_everything_it_prints(harness: Harness) -> None:
    """Attack: a message that reached the console with controls in it anyway (a lesson file, a reply
    built from stored text) is printed through the one terminal filter, buttons included."""
    screen = io.StringIO()
    chat = ConsoleChat(
        harness.conversation, harness.app.outlets, "mikael", stdin=io.StringIO(""), stdout=screen
    )
    chat.show([Text(f"Hello {CLEAR}{CSI}{OSC}", ())])
    chat.write(f"{OVERRIDE}plain{SEPARATOR}line")
    assert controls_in(screen.getvalue()) == []
    assert "Hello [2J2J0;owned" in screen.getvalue() and "plain line" in screen.getvalue()


@pytest.mark.parametrize("filtered", [clean, neutralize, terminal_safe], ids=lambda f: f.__name__)
def test_every_c1_and_bidi_control_is_removed(filtered: object) -> None:
    """Attack: any C1 control (U+0080–U+009F), DEL, the Arabic letter mark, the directional marks,
    embeddings, overrides and isolates, and the line and paragraph separators, in text someone wrote."""
    text = f"a{C1}b\x7f{SPOOFING}c\u2028d\u2029e\nf\tg\rh"
    result = filtered(text, 500) if filtered is not terminal_safe else terminal_safe(text)  # type: ignore[operator]
    assert not any(ch in result for ch in C1 + SPOOFING + "\x7f\u2028\u2029\r")
    assert "c d e\nf\tgh" in result


def test_escaped_json_reads_back_the_same() -> None:
    """Failure: escaping controls in a JSON file must not change what it says."""
    data = {"name": f"{NAME}{C1}{SPOOFING}\u2029", "n": 1}
    content = escape_unsafe(json.dumps(data, ensure_ascii=False, indent=2))
    assert terminal_safe(content) == content
    assert json.loads(content) == data
