"""`tandem drip --at`: time travel for admins and tests, through the real command."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import tandem


def test_dry_run_then_real_tick_then_inbox(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    setup = "cohort create pilot track first-steps start 2026-12-01 time 09:00 tz Europe/Paris\nenroll pilot @alice\n"
    assert tandem(db, "chat", "--user", "root", stdin=setup).returncode == 0
    early = tandem(db, "drip", "--at", "2026-12-01T07:59:00+00:00", "--dry-run")
    assert "Nobody is due" in early.stdout
    dry = tandem(db, "drip", "--at", "2026-12-01T09:00+01:00", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would send lesson linkedin-profile to alice (console:alice)" in dry.stdout
    real = tandem(db, "drip", "--at", "2026-12-01T09:00+01:00")
    assert "sent: lesson linkedin-profile to alice (console:alice)" in real.stdout
    again = tandem(db, "drip", "--at", "2026-12-01T09:05+01:00")
    assert "Nothing was due" in again.stdout
    inbox = tandem(db, "chat", "--user", "alice")
    assert "Your tip of the day" in inbox.stdout and "LinkedIn" in inbox.stdout


def test_bad_moment_is_refused_politely(tmp_path: Path) -> None:
    result = tandem(tmp_path / "t.db", "drip", "--at", "next tuesday")
    assert result.returncode == 2
    assert "--at" in result.stderr and "Traceback" not in result.stderr
