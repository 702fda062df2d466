"""`tandem drip --at`: time travel for admins and tests, through the real command.

The dates are computed from a Monday a few weeks ahead of the real date, and the commands' clock is set
with TANDEM_NOW, so the test reads the same whatever day it runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.support.cli import tandem


def next_monday(weeks: int = 3) -> dt.date:
    today = dt.datetime.now(dt.UTC).date()
    return today + dt.timedelta(days=7 * weeks - today.weekday())


def at(day: dt.date, hhmm: str, offset: str = "+01:00") -> str:
    return f"{day.isoformat()}T{hhmm}{offset}"


def test_dry_run_then_real_tick_then_inbox(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    monday = next_monday()
    now = {"TANDEM_NOW": at(monday - dt.timedelta(days=3), "10:00")}  # the Friday before
    setup = f"cohort create pilot track first-steps start {monday} time 09:00 tz Europe/Paris\nenroll pilot @alice\n"
    assert tandem(db, "chat", "--user", "root", stdin=setup, **now).returncode == 0
    early = tandem(db, "drip", "--at", at(monday, "07:59", "+00:00"), "--dry-run")
    assert "Nobody is due" in early.stdout
    dry = tandem(db, "drip", "--at", at(monday, "09:00"), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would send lesson linkedin-profile to alice" in dry.stdout
    real = tandem(db, "drip", "--at", at(monday, "09:00"))
    assert "1 lesson queued, 0 tracks completed" in real.stdout
    assert "sent: lesson linkedin-profile to alice" in real.stdout
    assert "console:" not in real.stdout, "people are named, not keyed"
    again = tandem(db, "drip", "--at", at(monday, "09:05"))
    assert "Nothing was due" in again.stdout
    inbox = tandem(db, "chat", "--user", "alice", **now)
    assert "Your tip of the day" in inbox.stdout and "LinkedIn" in inbox.stdout


def test_bad_moment_is_refused_politely(tmp_path: Path) -> None:
    result = tandem(tmp_path / "t.db", "drip", "--at", "next tuesday")
    assert result.returncode == 2
    assert "--at" in result.stderr and "Traceback" not in result.stderr
