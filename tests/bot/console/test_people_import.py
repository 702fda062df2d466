"""`people import <path>` in the console: the operator's local file, read by the console channel and
previewed by the core; the buttons are numbered; the invitation waits in the invited person's inbox, and
its Join (`1`) enrolls them."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console.chat import ConsoleChat
from storage.models import Enrollment, Person
from tests.support.harness import Harness

HEADER = "id,email,name,language,time zone,department,manager,role\n"
GOOD = (
    HEADER
    + "ann,ann@example.com,Ann Lee,en,Europe/Paris,Sales,,mentor\n"
    + "bob,bob@example.com,Bob Ray,en,Europe/London,Sales,ann,learner\n"
)
LOOP = HEADER + "ann,,Ann,,,,bob,\nbob,,Bob,,,,ann,\ncat,,Cat,zz,,,,\n"


async def session(harness: Harness, user: str, lines: list[str]) -> str:
    """What `user` sees in a scripted console session (what each line sends is delivered before the next)."""
    screen = io.StringIO()
    chat = ConsoleChat(
        harness.conversation,
        harness.app.outlets,
        user,
        stdin=io.StringIO("".join(line + "\n" for line in lines)),
        stdout=screen,
        deliver=harness.app.deliver_now,
    )
    await chat.run()
    return " ".join(screen.getvalue().split())


async def test_a_local_file_is_previewed_imported_invited_and_joined(
    harness: Harness, tmp_path: Path
) -> None:
    (tmp_path / "team.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "loop.csv").write_text(LOOP, encoding="utf-8")
    (tmp_path / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "big.csv").write_bytes(b"x" * 1_000_001)
    out = await session(
        harness,
        "root",
        [
            "cohort create pilot track first-steps",
            "people import",
            f"people import {tmp_path / 'missing.csv'}",
            f"people import {tmp_path}/",
            f"people import {tmp_path / 'sheet.xlsx'}",
            f"people import {tmp_path / 'big.csv'}",
            f"people import {tmp_path / 'loop.csv'}",
            f'people import "{tmp_path / "team.csv"}"',
            "1",
            "invite pilot imported",
        ],
    )
    assert "Give the path of the CSV file: people import people.csv" in out
    assert f"I cannot read {tmp_path / 'missing.csv'}: there is no such file." in out
    assert "is not a CSV file" in out  # a folder has no CSV name
    assert "sheet.xlsx is a spreadsheet, not a CSV file" in out
    assert "big.csv is 1001 KB, and a file sent here may be 1000 KB at most" in out
    assert "Line 2: the reporting line loops back here: Ann → Bob → Ann." in out
    assert "Line 3: the reporting line loops back here" in out and "Line 4: zz is not a language" in out
    assert "Preview of team.csv (2 people)" in out and "[1] Import [2] Cancel" in out
    assert "Imported: 2 new, 0 changed, 0 unchanged. Nobody was enrolled." in out
    assert "Invited to pilot (1): Bob Ray." in out and "Mentors of the import, left out (1): Ann Lee." in out
    assert await harness.count(Enrollment) == 0 and await harness.count(Person) == 3

    bob = await session(harness, "bob", ["1"])
    assert "root invites you to join pilot" in bob and "[1] Join [2] Not now" in bob
    assert "Welcome to pilot! Your first tip:" in bob
    assert await harness.count(Enrollment) == 1
