"""The `tandem` command line, run as a real subprocess where the output format matters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.lessons.helpers import lesson_text, write_lesson

TANDEM = [sys.executable, "-m", "bot.cli"]
ROOT = Path(__file__).resolve().parents[2]


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TANDEM, *args], input=stdin, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env
    )


def test_lessons_check_bundled_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lessons", "check"]) == 0
    out = capsys.readouterr().out
    assert "80 lessons, 5 tracks, 0 errors" in out


def test_lessons_check_reports_errors_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write_lesson(tmp_path, lesson_text("broken-one", lang="no"), lesson_id="broken-one")
    write_lesson(tmp_path, lesson_text("good-one"), lesson_id="good-one")
    assert main(["lessons", "check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:4: lang must be one of en, fr" in out
    assert "82 lessons" not in out and "81 lessons" in out


def test_lessons_dirs_from_setting_and_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "a", tmp_path / "b"
    write_lesson(first, lesson_text("from-env"), lesson_id="from-env")
    write_lesson(second, lesson_text("from-flag"), lesson_id="from-flag")
    monkeypatch.setenv("TANDEM_LESSONS", str(first))
    assert main(["--lessons", str(second), "lessons", "list"]) == 0
    out = capsys.readouterr().out
    assert "from-env" in out and "from-flag" in out
    assert "42 lessons in 5 tracks" in out


def test_lessons_list_shows_tracks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lessons", "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("first-steps: First steps / Premiers pas")
    assert "[en,fr]" in out


def test_ask_json() -> None:
    result = run("ask", "--json", "comment activer la validation en deux étapes ?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"question", "lesson_id", "lang", "score", "confident", "alternatives"}
    assert data["lesson_id"] == "two-factor-authentication"
    assert data["lang"] == "fr" and data["confident"] is True
    assert isinstance(data["alternatives"], list)


def test_ask_reads_stdin_one_result_per_line() -> None:
    questions = "how do I spot a phishing email?\n\n😀😀\na recipe for crêpes?\n" + "x" * 20000 + "\n"
    result = run("ask", "--json", stdin=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 5
    assert lines[0]["lesson_id"] == "phishing-scams" and lines[0]["confident"]
    assert lines[1]["lesson_id"] is None and not lines[1]["confident"]
    assert not lines[2]["confident"]
    assert not lines[3]["confident"]
    assert len(lines[4]["question"]) <= 500
    assert "Traceback" not in result.stderr


def test_ask_text_as_a_learner_sees_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "How do I make a strong password?"]) == 0
    out = capsys.readouterr().out
    assert "== Strong passwords" in out
    assert "Try it today" in out
    assert main(["ask", ""]) == 0
    assert "Ask me anything" in capsys.readouterr().out


def test_bad_setting_is_named_without_traceback(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TANDEM_DEFAULT_LANG", "de")
    assert main(["lessons", "list"]) == 2
    err = capsys.readouterr().err
    assert "TANDEM_DEFAULT_LANG" in err
    assert "Traceback" not in err


def test_bad_database_url_is_named(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TANDEM_DATABASE_URL", "mysql://x@y/z")
    assert main(["db", "upgrade"]) == 2
    assert "TANDEM_DATABASE_URL" in capsys.readouterr().err


def imported(url: str, *args: str) -> set[str]:
    """The top-level packages `tandem <args>` imported (as `python -X importtime` lists them), on the
    database `url`, with empty input."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_", "CONNECTIONS__"))}
    env["TANDEM_DATABASE_URL"] = url
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *TANDEM[1:], *args],
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in lines}


SERVING = {"slack_bolt", "slack_sdk", "microsoft_agents", "msal"}


def test_commands_import_only_what_they_use(tmp_path: Path) -> None:
    """Failure: every command took seconds to start, because checking the database URL imported Alembic
    and listing lessons built the answer engine's imports. Alembic loads only to migrate, the search
    libraries only to answer, the chat platforms' SDKs only to serve them."""
    url = f"sqlite:///{tmp_path / 'tandem.db'}"
    assert not imported(url, "lessons", "list") & {"alembic", "bm25s", "rapidfuzz", *SERVING}
    asking = imported(url, "ask", "x")
    assert "bm25s" in asking
    assert not asking & {"alembic", *SERVING}
    assert "alembic" in imported(url, "chat", "--user", "bob")  # a new database is migrated
    assert not imported(url, "chat", "--user", "bob") & {"alembic", *SERVING}  # then it is up to date
