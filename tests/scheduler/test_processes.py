"""Several processes, one database: no double sends, and a SIGKILL loses nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlmodel import func, select

from storage.db import Database
from storage.models import Delivery
from tests.support.db import PostgresTemplate, SqliteTemplate
from tests.support.fake_chat import FakeChat
from tests.support.seed import seed_cohort

ROOT = Path(__file__).resolve().parents[2]
DUE = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


async def worker(db_url: str, api: str, at: dt.datetime, **extra: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    options = [f"--{k}={v}" for k, v in extra.items()]
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.drip_worker", "--db", db_url, "--api", api, "--at", at.isoformat(), *options,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def sent_count(db_url: str) -> int:
    db = Database(db_url)
    try:
        async with db.transaction() as session:
            query = select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
            return int((await session.exec(query)).one())
    finally:
        await db.dispose()


async def finish(process: asyncio.subprocess.Process) -> None:
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=240)
    assert process.returncode == 0, stderr.decode()[-3000:]


@pytest.fixture
async def chat() -> FakeChat:
    fake = FakeChat(latency=0.005)
    await fake.start()
    yield fake  # type: ignore[misc]
    await fake.stop()


async def test_three_dispatchers_on_postgresql_send_each_tip_once(
    pg_template: PostgresTemplate | None, chat: FakeChat
) -> None:
    if pg_template is None:
        pytest.skip("needs TANDEM_TEST_DATABASE_URL (PostgreSQL); .ci/run sets it")
    url = pg_template.new()
    try:
        db = Database(url)
        await seed_cohort(db, learners=2000, due_at=DUE)
        await db.dispose()
        processes = [await worker(url, chat.url, DUE) for _ in range(3)]
        for process in processes:
            await finish(process)
        assert len(chat.keys) == 2000, "every learner gets a tip"
        assert max(chat.keys.values()) == 1, "nobody gets two"
        assert await sent_count(url) == 2000
    finally:
        pg_template.drop(url)


async def test_two_dispatchers_on_sqlite_send_each_tip_once(
    sqlite_template: SqliteTemplate, tmp_path: Path, chat: FakeChat
) -> None:
    url = sqlite_template.new(tmp_path)
    db = Database(url)
    await seed_cohort(db, learners=400, due_at=DUE)
    await db.dispose()
    processes = [await worker(url, chat.url, DUE) for _ in range(2)]
    for process in processes:
        await finish(process)
    assert len(chat.keys) == 400 and max(chat.keys.values()) == 1


async def test_sigkill_mid_dispatch_then_restart(db_url: str, chat: FakeChat) -> None:
    db = Database(db_url)
    await seed_cohort(db, learners=1000, due_at=DUE)
    await db.dispose()
    chat.latency = 0.02
    process = await worker(db_url, chat.url, DUE, concurrency="10")
    for _ in range(600):
        await asyncio.sleep(0.05)
        if len(chat.messages) >= 300:
            break
    assert 0 < len(chat.messages) < 1000, "the kill must land in the middle of the dispatch"
    process.send_signal(signal.SIGKILL)
    await process.wait()
    chat.latency = 0.0
    later = DUE + dt.timedelta(minutes=6)  # past the claim timeout: stale claims are recovered
    await finish(await worker(db_url, chat.url, later))
    assert len(chat.keys) == 1000, "nobody gets none"
    assert max(chat.keys.values()) == 1, "nobody gets two"
    assert await sent_count(db_url) == 1000
