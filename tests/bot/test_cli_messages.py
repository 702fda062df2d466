"""What the `tandem` command line says: unknown settings named at start-up, `lessons check` counts,
every subcommand's `--help`, and a server log that shows Tandem's own lines."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import _parser, main, plural
from tests.lessons.helpers import lesson_text, write_lesson
from tests.support.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
SDK = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"

# --- unknown settings ---------------------------------------------------------------------------------


def test_an_unknown_setting_is_named_with_the_closest_real_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TANDEM_PROT", "hidden-value-1")
    monkeypatch.setenv("SLACK_BOT_TOKN", "xoxb-hidden-value-2")
    monkeypatch.setenv("TANDEM_WHATEVER", "hidden-value-3")

    assert main(["lessons", "list"]) == 0

    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "is not a Tandem setting" in line]
    assert len(warnings) == 3, err
    assert (
        "TANDEM_PROT (in the environment) is not a Tandem setting and is ignored; did you mean TANDEM_PORT?"
        in err
    )
    assert (
        "SLACK_BOT_TOKN (in the environment) is not a Tandem setting and is ignored; did you mean SLACK_BOT_TOKEN?"
        in err
    )
    assert (
        "TANDEM_WHATEVER (in the environment) is not a Tandem setting and is ignored; the README lists" in err
    )
    assert "hidden-value" not in err


def test_an_unknown_setting_in_dotenv_is_named_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(".env").write_text("TANDEM_LOGLEVEL=DEBUG\nTANDEM_DEFAULT_LANG=fr\nOTHER_TOOL=1\n", encoding="utf-8")
    monkeypatch.setenv("TANDEM_LOGLEVEL", "DEBUG")  # in both: one line, for the environment

    assert main(["lessons", "list"]) == 0

    err = capsys.readouterr().err
    assert err.count("TANDEM_LOGLEVEL") == 1
    assert "TANDEM_LOGLEVEL (in the environment) is not a Tandem setting" in err
    assert "did you mean TANDEM_LOG_LEVEL?" in err
    assert "DEFAULT_LANG" not in err and "OTHER_TOOL" not in err and "DEBUG" not in err


def test_dotenv_only_variable_names_the_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(".env").write_text("SLACK_SIGNING_SECRT=very-secret\n", encoding="utf-8")

    assert main(["lessons", "list"]) == 0

    err = capsys.readouterr().err
    assert "SLACK_SIGNING_SECRT (in .env) is not a Tandem setting" in err
    assert "did you mean SLACK_SIGNING_SECRET?" in err and "very-secret" not in err


def test_real_settings_raise_no_warning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("TANDEM_PORT", "TANDEM_DEFAULT_TZ", "TANDEM_TEAMS_ALLOW_ANONYMOUS"):
        monkeypatch.setenv(name, {"TANDEM_PORT": "3001", "TANDEM_DEFAULT_TZ": "UTC"}.get(name, "false"))
    monkeypatch.setenv("SLACK_API_URL", "https://slack.example/api/")

    assert main(["lessons", "list"]) == 0

    assert "not a Tandem setting" not in capsys.readouterr().err


# --- lessons check ------------------------------------------------------------------------------------


def test_lessons_check_counts_in_the_singular_and_the_plural(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The example-question warnings depend on the bundled lessons' content (tests/lessons covers them).
    monkeypatch.setattr("lessons.engine.check_examples", lambda library: [])
    broken, untranslated = tmp_path / "broken", tmp_path / "untranslated"
    write_lesson(broken, lesson_text("broken-one", lang="no"), lesson_id="broken-one")
    write_lesson(untranslated, lesson_text("good-one"), lesson_id="good-one")

    assert main(["lessons", "check", str(broken)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "80 lessons, 5 tracks, 1 error, 0 warnings"
    assert main(["lessons", "check", str(untranslated)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "81 lessons, 5 tracks, 0 errors, 1 warning"


def test_lessons_check_of_a_missing_directory_has_no_line_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"

    assert main(["lessons", "check", str(missing)]) == 1

    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{missing}: lesson directory not found"
    assert ":0:" not in out


@pytest.mark.parametrize(("count", "expected"), [(0, "0 errors"), (1, "1 error"), (2, "2 errors")])
def test_plural(count: int, expected: str) -> None:
    assert plural(count, "error") == expected


# --- --help -------------------------------------------------------------------------------------------


def subcommands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str | None]]:
    """Every subcommand, as (words after `tandem`, its parser, its entry in its parent's help)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                yield (*path, name), child, helps.get(name)
                yield from subcommands(child, (*path, name))


def test_every_subcommand_has_a_one_line_description(capsys: pytest.CaptureFixture[str]) -> None:
    found = list(subcommands(_parser()))
    assert {" ".join(path) for path, _, _ in found} >= {"lessons check", "run", "chat", "db upgrade", "drip"}
    for path, parser, entry in found:
        assert entry, f"`tandem {' '.join(path)}` has no entry in its parent's --help"
        with pytest.raises(SystemExit) as done:
            main([*path, "--help"])
        assert done.value.code == 0
        out = capsys.readouterr().out
        description = out.split("\n\n")[1]
        assert description == parser.description, path
        assert "\n" not in description and description.endswith("."), path
        assert description.lower().startswith(entry.lower()), path


def test_the_top_level_help_lists_every_command_with_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for path, _, entry in subcommands(_parser()):
        if len(path) == 1:
            assert path[0] in out and entry and entry in out.replace("\n" + " " * 17, " ")


# --- logging ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve_log(tmp_path: Path, **extra: str) -> str:
    """The log of a real `tandem run` serving Slack and Teams, over about three drip ticks."""
    async with FakeSlack() as fake:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_", "CONNECTIONS__"))
        }
        env.update(
            TANDEM_DATABASE_URL=f"sqlite:///{tmp_path / 't.db'}",
            TANDEM_HOST="127.0.0.1",
            TANDEM_PORT=str(free_port()),
            TANDEM_TICK_SECONDS="1",
            SLACK_BOT_TOKEN=fake.bot_token,
            SLACK_SIGNING_SECRET="signing-secret",
            SLACK_API_URL=f"{fake.url}/api/",
            **{
                f"{SDK}CLIENTID": "00000000-0000-0000-0000-000000000001",
                f"{SDK}CLIENTSECRET": "client-secret",
                f"{SDK}TENANTID": "00000000-0000-0000-0000-000000000002",
            },
            **extra,
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run",
            cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stderr is not None
        lines: list[str] = []
        try:
            while not any("Drip scheduler started" in line for line in lines):
                line = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()
                assert line, "".join(lines)
                lines.append(line)
            await asyncio.sleep(2.5)
        finally:
            process.send_signal(signal.SIGTERM)
            rest, _ = await asyncio.wait_for(asyncio.gather(process.stderr.read(), process.wait()), 30)
        return "".join(lines) + rest.decode()


async def test_the_server_log_at_info_shows_tandems_own_lines(tmp_path: Path) -> None:
    log = await serve_log(tmp_path)

    assert "INFO bot.serve: Tandem is serving" in log
    assert "INFO scheduler.service: Drip scheduler started" in log
    assert "apscheduler" not in log
    assert "will be unused" not in log
    assert "Connections" not in log and "connection_manager" not in log
    assert "client-secret" not in log and "signing-secret" not in log


async def test_the_server_log_at_debug_shows_the_libraries_too(tmp_path: Path) -> None:
    log = await serve_log(tmp_path, TANDEM_LOG_LEVEL="DEBUG")

    assert "INFO bot.serve: Tandem is serving" in log
    assert 'apscheduler.executors.default: Running job "tick' in log
    assert "`token` will be unused" in log
    assert "Connections:" in log
    assert "client-secret" not in log and "signing-secret" not in log
