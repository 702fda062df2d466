"""The console channel: scripted conversations through the real `tandem` command."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.cli import tandem


def chat(db: Path, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return tandem(db, *args, stdin=stdin)


def test_scripted_conversation_ends_at_end_of_input(tmp_path: Path) -> None:
    result = chat(
        tmp_path / "t.db", "chat", "--user", "alice", stdin="help\nhow do I spot a phishing email?\n2\n"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Here is what I can do for you" in out
    assert "[1] Tell me more" in out
    assert "?" in out and "[1]" in out  # the quiz opened with numbered choices
    assert "Traceback" not in result.stderr


def test_messages_wait_in_the_inbox_until_the_person_opens_chat(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    setup = "cohort create pilot track first-steps\nenroll pilot @bob\npair @mia @bob\n"
    result = chat(db, "chat", "--user", "root", stdin=setup)
    assert result.returncode == 0, result.stderr
    assert "pilot" in result.stdout
    result = chat(db, "chat", "--user", "bob", stdin="mentor how do I find my old posts on X from 2015?\n")
    assert "mia" in result.stdout.lower()
    result = chat(db, "chat", "--user", "mia", stdin="")
    assert "how do I find my old posts on X from 2015" in result.stdout
    assert "reply 1" in result.stdout
    result = chat(db, "chat", "--user", "mia", stdin="reply 1 Use advanced search with from:yourhandle\n")
    assert "On its way to bob" in result.stdout
    result = chat(db, "chat", "--user", "bob", stdin="")
    assert "from:yourhandle" in result.stdout


def test_run_without_platforms_starts_the_console_with_a_welcome(tmp_path: Path) -> None:
    result = chat(tmp_path / "t.db", "run", "--user", "sam", stdin="cohort create pilot track first-steps\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Welcome to Tandem")
    assert "cohort create" in lines[1] and "enroll" in lines[2] and "?" in lines[3]
    assert "pilot" in result.stdout.lower()
    assert "admins" not in result.stdout.lower() or "for programme admins" not in result.stdout


def test_bad_user_name_is_refused_politely(tmp_path: Path) -> None:
    result = chat(tmp_path / "t.db", "chat", "--user", "a b!", stdin="")
    assert result.returncode == 2
    assert "--user" in result.stderr and "Traceback" not in result.stderr


def test_a_full_lesson_ends_with_its_related_lessons(tmp_path: Path) -> None:
    result = chat(tmp_path / "t.db", "chat", "--user", "alice", stdin="lesson strong-passwords\n")
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())  # the console wraps long lines
    assert "Related: Two-step verification, your second lock (lesson two-factor-authentication), " in out
    assert out.index("Related:") < out.index("[1] Quiz me")


def test_a_button_with_a_text_box_takes_the_next_line_as_its_text(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    chat(
        db,
        "chat",
        "--user",
        "root",
        stdin="cohort create pilot track first-steps\nenroll pilot @bob\npair @mia @bob\n",
    )
    chat(db, "chat", "--user", "bob", stdin="mentor how do I find my old posts on X from 2015?\n")
    result = chat(db, "chat", "--user", "mia", stdin="1\nUse advanced search with from:yourhandle\n")
    assert result.returncode == 0, result.stderr
    assert "[1] Reply" in result.stdout and "Type your answer to question #1 now" in result.stdout
    assert "On its way to bob" in result.stdout
    result = chat(db, "chat", "--user", "bob", stdin="")
    assert "from:yourhandle" in result.stdout


def test_run_makes_nobody_admin_of_a_database_that_has_an_admin(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    assert chat(db, "run", "--user", "sam", stdin="").stdout.startswith(
        "Welcome to Tandem! You are sam, the first"
    )
    for _ in range(2):  # `tandem run --user` again, by someone else: a learner, each time
        result = chat(db, "run", "--user", "eve", stdin="cohort create spring track first-steps\n")
        assert result.returncode == 0, result.stderr
        assert "the first admin" not in result.stdout and "is for programme admins" in result.stdout
    steps = chat(db, "run", "--user", "sam", stdin="")  # no cohort yet: the admin's steps again
    assert "Three steps to begin" in steps.stdout and "the first admin" not in steps.stdout
    chat(db, "run", "--user", "sam", stdin="cohort create pilot track first-steps\n")
    assert "Three steps" not in chat(db, "run", "--user", "sam", stdin="").stdout


def test_a_learner_opening_chat_is_greeted_once(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    first = chat(db, "chat", "--user", "bob", stdin="today\n")
    assert first.stdout.startswith("Welcome to Tandem, bob! Three things to try:")
    assert "admins see questions without your name" in " ".join(first.stdout.split())
    again = chat(db, "chat", "--user", "bob", stdin="today\n")
    assert "Welcome" not in again.stdout and again.stdout.strip()
