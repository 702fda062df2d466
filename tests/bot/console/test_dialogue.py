"""The console as a conversation across messages: a mentor's Reply, a typed yes, small talk, and numbers
typed when the buttons are gone, through the real `tandem` command."""

from __future__ import annotations

import subprocess

from tests.support.cli import tandem

SETUP = "cohort create pilot track first-steps\nenroll pilot @bob\npair @mia @bob\n"


def chat(db: str, user: str, stdin: str) -> subprocess.CompletedProcess[str]:
    result = tandem(db, "chat", "--user", user, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def flat(result: subprocess.CompletedProcess[str]) -> str:
    """The output on one line: the console wraps long lines."""
    return " ".join(result.stdout.split())


def test_the_mentors_reply_reaches_the_learner_even_after_an_empty_line(db_url: str) -> None:
    db = db_url  # a migrated database of its own, SQLite or PostgreSQL
    chat(db, "root", SETUP)
    asked = chat(db, "bob", "What is the best recipe for chocolate cake?\noui\n")
    assert "passing it on to mia" in flat(asked)

    replied = chat(db, "mia", "1\n\nUse plenty of butter.\n")

    assert "Type your answer to question #1 now (or cancel)." in flat(replied)
    assert "On its way to bob" in flat(replied)
    assert "You don’t have a mentor yet" not in flat(replied)  # not taken as mia's own question
    assert "Use plenty of butter." in flat(chat(db, "bob", ""))


def test_the_reply_prompt_outlives_the_session(db_url: str) -> None:
    db = db_url
    chat(db, "root", SETUP)
    chat(db, "bob", "mentor how do I find my old posts on X from 2015?\n")

    chat(db, "mia", "1\n")
    replied = chat(db, "mia", "Use advanced search with from:yourhandle\n")

    assert "On its way to bob" in flat(replied)
    assert "from:yourhandle" in flat(chat(db, "bob", ""))


def test_cancel_gives_up_the_reply(db_url: str) -> None:
    db = db_url
    chat(db, "root", SETUP)
    chat(db, "bob", "mentor how do I find my old posts on X from 2015?\n")

    result = chat(db, "mia", "1\ncancel\n")

    assert "All right, cancelled." in flat(result)
    assert "from" not in flat(chat(db, "bob", "")).split("mentor")[-1]


def test_small_talk_and_stale_numbers_are_never_sent_to_the_mentor(db_url: str) -> None:
    db = db_url
    chat(db, "root", SETUP)

    result = chat(db, "bob", "0\nhello\nmerci !\n7\nyes\n")

    out = flat(result)
    assert "Hello bob!" in out and "You’re welcome, bob!" in out
    assert out.count("Those buttons have expired.") == 3
    assert "[1] Today’s tip [2] Ask a question" in out
    assert "passing it on" not in out and "mentor, mia?" not in out
    assert "has a question" not in flat(chat(db, "mia", ""))
