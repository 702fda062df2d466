"""Clear answers through the real console: `push … at tomorrow`, `tz <city>`, a cohort name with spaces."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import tandem

NOW = "2026-11-23T10:00:00+00:00"  # a Monday, 11:00 in Paris


def test_push_at_tomorrow_tz_by_city_and_one_word_cohort_names(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    setup = (
        "cohort create spring pilot track first-steps\n"
        "cohort create pilot track first-steps start 2026-11-23\n"
        "enroll pilot @bob\n"
        "pair @mia @bob\n"
    )
    result = tandem(db, "chat", "--user", "root", stdin=setup, TANDEM_NOW=NOW)
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "A cohort name is one word" in out and "cohort create spring-pilot track first-steps" in out

    result = tandem(
        db,
        "chat",
        "--user",
        "mia",
        stdin="push @bob Hi at tomorow\npush @bob Hi at tomorrow\n",
        TANDEM_NOW=NOW,
    )
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Say when after" in out
    assert "will get your tip on 2026-11-24 09:00 (Europe/Paris)" in out

    result = tandem(db, "chat", "--user", "bob", stdin="tz new york\n", TANDEM_NOW=NOW)
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "your time zone is now America/New_York" in out
    assert "Hi at tom" not in out, "the tip waits for tomorrow, it was not sent now"
