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


async def _slack_learners(url: str, due: dt.datetime) -> None:
    from storage.db import Database
    from tests.support.seed import seed_cohort

    db = Database(url)
    await seed_cohort(db, learners=2, due_at=due, platform="slack", key_format="slack:T1:U{i:04d}")
    await db.dispose()


async def test_without_slack_configured_the_tips_stay_pending_and_it_says_so(sqlite_url: str) -> None:
    from storage.db import Database
    from tests.support.cli import tandem_async

    monday = next_monday()
    due = dt.datetime.fromisoformat(at(monday, "09:00"))
    await _slack_learners(sqlite_url, due)
    result = await tandem_async(sqlite_url, "drip", "--at", at(monday, "09:00"))
    assert result.returncode == 0, result.stderr
    assert "2 lessons queued" in result.stdout
    assert (
        "2 messages for Slack people stay pending: Slack is not configured in this process" in result.stdout
    )
    assert "SLACK_BOT_TOKEN" in result.stdout
    db = Database(sqlite_url)
    async with db.transaction() as session:
        from sqlmodel import select

        from storage.models import Delivery

        statuses = [d.status for d in await session.exec(select(Delivery))]
    await db.dispose()
    assert statuses == ["pending", "pending"], "never failed: `tandem run` will send them"


async def test_with_slack_configured_drip_at_delivers_like_the_server(sqlite_url: str) -> None:
    from tests.support.cli import tandem_async
    from tests.support.fake_slack import FakeSlack

    monday = next_monday()
    await _slack_learners(sqlite_url, dt.datetime.fromisoformat(at(monday, "09:00")))
    async with FakeSlack() as fake:
        env = {
            "SLACK_BOT_TOKEN": fake.bot_token,
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_URL": fake.api_url,
        }
        result = await tandem_async(sqlite_url, "drip", "--at", at(monday, "09:00"), **env)
        assert result.returncode == 0, result.stderr
        assert "sent: lesson linkedin-profile to Learner 0" in result.stdout
        assert "sent: lesson linkedin-profile to Learner 1" in result.stdout
        # Each learner's first tip, then the track's 1-to-5 confidence question, in two Slack messages.
        assert sorted(m["channel"] for m in fake.messages) == ["D0000", "D0000", "D0001", "D0001"]
        again = await tandem_async(sqlite_url, "drip", "--at", at(monday, "09:01"), **env)
        assert "Nothing was due" in again.stdout and len(fake.messages) == 4
