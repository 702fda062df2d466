"""A database Tandem cannot use stops every command with one clear line that names TANDEM_DATABASE_URL
and says what to do, exit code 2, and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import tandem

COMMANDS = (("db", "upgrade"), ("chat", "--user", "root"), ("drip", "--at", "2030-01-07T09:00+01:00"))


def refused(url: str, *args: str) -> str:
    result = tandem(url, *args, stdin="help\n")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("TANDEM_DATABASE_URL:")
    return lines[0]


@pytest.mark.parametrize("args", COMMANDS)
def test_a_parent_that_is_a_file(tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "plain").write_text("not a folder")
    line = refused(f"sqlite:///{tmp_path}/plain/t.db", *args)
    assert "is a file, not a folder" in line


@pytest.mark.parametrize("args", COMMANDS)
def test_a_file_that_is_not_a_database(tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "notes.db").write_text("my shopping list\n" * 10)
    line = refused(f"sqlite:///{tmp_path}/notes.db", *args)
    assert "is not a SQLite database" in line


def test_a_folder_that_cannot_be_created() -> None:
    line = refused("sqlite:////proc/tandem-cannot-live-here/t.db", "db", "upgrade")
    assert "cannot create the folder /proc/tandem-cannot-live-here" in line


@pytest.mark.parametrize("args", COMMANDS)
def test_postgresql_refusing_connections(args: tuple[str, ...]) -> None:
    line = refused("postgresql+psycopg://tandem:s3cret-pass@127.0.0.1:1/tandem", *args)
    assert "cannot connect to PostgreSQL at 127.0.0.1:1" in line and "Is the server running" in line
    assert "s3cret-pass" not in line


def test_a_missing_folder_is_created_and_said(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "t.db"
    result = tandem(f"sqlite:///{target}", "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert target.exists()
    assert f"Created the folder {target.parent}" in result.stderr
