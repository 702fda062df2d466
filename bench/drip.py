"""Drip benchmark: deliveries per second end to end, beside a naive synchronous loop, and the idle tick.

Run: `.venv/bin/python bench/drip.py [--learners 20000] [--latency 0.02] [--idle-enrolled 100000]`

- N learners are all due in the same minute. They are served by the fake chat API (tests/support/fake_chat.py)
  in its own process on 127.0.0.1, answering after `--latency` seconds like a real chat API.
- "tandem" is the real drip: planning into the ledger, claiming, composing tip cards, sending concurrently
  through the test channel, recording outcomes. SQLite always; PostgreSQL when TANDEM_BENCH_DATABASE_URL or
  TANDEM_TEST_DATABASE_URL is set.
- "naive loop" is one synchronous slack_sdk WebClient.chat_postMessage per learner against the same fake API,
  the way a quick script would do it (timed on a sample, since it is slow).
- "idle tick" is one full tick (plan + claim) when nobody is due, at two enrollment sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from common import fake_chat_process, pg_url, print_table, report  # type: ignore[import-not-found]

from bot.app import build_app
from bot.settings import Settings
from scheduler.service import run_tick
from storage.db import Database, upgrade
from tests.support.db import PostgresTemplate
from tests.support.http_outlet import HttpTestOutlet
from tests.support.seed import seed_cohort

DUE = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)  # Monday 09:00 Paris


async def _stats(api: str) -> dict[str, int]:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        await asyncio.sleep(0)
        async with session.get(f"{api}/stats") as response:
            return dict(await response.json())


async def _reset(api: str) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.post(f"{api}/reset") as response:
        await response.read()


async def drip_rate(db_url: str, api: str, learners: int, concurrency: int) -> dict[str, object]:
    db = Database(db_url)
    await seed_cohort(db, learners=learners, due_at=DUE)
    await db.dispose()
    await _reset(api)
    settings = Settings(
        database_url=db_url,
        global_rate=0,
        conversation_interval=1.0,
        send_concurrency=concurrency,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = await build_app(settings, migrate=False)
    outlet = HttpTestOutlet(api, timeout=10)
    app.outlets.register("test", outlet)
    runtime = app.drip(clock=lambda: DUE)
    runtime.dispatcher.settings.batch = 1000
    started = time.perf_counter()
    delivered = 0
    while delivered < learners:
        _, sent = await run_tick(runtime, DUE)
        if not sent.outcomes:
            break
        delivered += sent.sent
    seconds = time.perf_counter() - started
    await outlet.close()
    await app.close()
    stats = await _stats(api)
    assert stats["unique_keys"] == learners and stats["max_per_key"] == 1, stats
    return {"learners": learners, "seconds": round(seconds, 3), "per_second": round(learners / seconds, 1)}


def naive_rate(api: str, sample: int) -> dict[str, object]:
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-bench", base_url=f"{api}/api/")
    started = time.perf_counter()
    for index in range(sample):
        client.chat_postMessage(channel=f"U{index:06d}", text="Your tip of the day")
    seconds = time.perf_counter() - started
    return {"learners": sample, "seconds": round(seconds, 3), "per_second": round(sample / seconds, 1)}


async def idle_tick(db_url: str, enrolled: int, api: str) -> float:
    """Median milliseconds of a tick with `enrolled` learners and nobody due."""
    db = Database(db_url)
    await seed_cohort(db, learners=enrolled, due_at=DUE + dt.timedelta(days=1), name=f"idle{enrolled}")
    await db.dispose()
    settings = Settings(database_url=db_url, _env_file=None)  # type: ignore[call-arg]
    app = await build_app(settings, migrate=False)
    app.outlets.register("test", HttpTestOutlet(api))
    runtime = app.drip(clock=lambda: DUE + dt.timedelta(hours=1))
    timings = []
    for _ in range(30):
        started = time.perf_counter()
        plan, sent = await run_tick(runtime, DUE + dt.timedelta(hours=1))
        timings.append((time.perf_counter() - started) * 1000)
        assert plan.queued == 0 and not sent.outcomes
    await app.close()
    return round(statistics.median(timings), 2)


class Backend:
    def __init__(self, name: str, base_pg: str | None = None) -> None:
        self.name = name
        self.base_pg = base_pg
        self._tmp = tempfile.TemporaryDirectory()
        self._pg: PostgresTemplate | None = PostgresTemplate(base_pg) if base_pg else None
        self._urls: list[str] = []

    def new(self) -> str:
        if self._pg is not None:
            url = self._pg.new()
        else:
            url = f"sqlite:///{Path(self._tmp.name) / f'bench{len(self._urls)}.db'}"
            upgrade(url)
        self._urls.append(url)
        return url

    def close(self) -> None:
        if self._pg is not None:
            for url in self._urls:
                self._pg.drop(url)
            self._pg.close()
        self._tmp.cleanup()


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.02, help="fake API latency in seconds")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--idle-enrolled", type=int, default=100_000)
    args = parser.parse_args()

    backends = [Backend("sqlite")]
    if pg_url():
        backends.append(Backend("postgresql", pg_url()))
    rows: list[list[object]] = []
    results: dict[str, object] = {"learners": args.learners, "latency_s": args.latency}
    with fake_chat_process(args.latency) as api:
        naive = await asyncio.to_thread(naive_rate, api, args.naive_sample)
        rows.append(
            ["naive loop (slack_sdk WebClient, sync)", "-", naive["learners"], naive["per_second"], 1.0]
        )
        results["naive"] = naive
        for backend in backends:
            rate = await drip_rate(backend.new(), api, args.learners, args.concurrency)
            speedup = round(float(rate["per_second"]) / float(naive["per_second"]), 1)  # type: ignore[arg-type]
            rows.append(
                [f"tandem drip ({backend.name})", backend.name, rate["learners"], rate["per_second"], speedup]
            )
            results[f"tandem_{backend.name}"] = {**rate, "speedup": speedup}
        idle_rows = []
        for backend in backends:
            for enrolled in (args.idle_enrolled // 10, args.idle_enrolled):
                ms = await idle_tick(backend.new(), enrolled, api)
                idle_rows.append([backend.name, enrolled, ms])
                results[f"idle_{backend.name}_{enrolled}"] = ms
        for backend in backends:
            backend.close()

    print(
        f"\nDeliveries, {args.learners} learners due at once, fake API latency {args.latency * 1000:.0f} ms"
    )
    print_table(["sender", "database", "deliveries", "per second", "x naive"], rows)
    print("\nIdle tick (nobody due)")
    print_table(["database", "enrolled", "median ms"], idle_rows)
    tandem_rows = [r for r in rows if str(r[0]).startswith("tandem")]
    checks = {
        ">= 20x the naive loop": all(float(r[4]) >= 20 for r in tandem_rows),  # type: ignore[arg-type]
        ">= 1,000 deliveries/s": all(float(r[3]) >= 1000 for r in tandem_rows),  # type: ignore[arg-type]
        "idle tick < 50 ms": all(float(r[2]) < 50 for r in idle_rows),  # type: ignore[arg-type]
    }
    return report("drip", results, checks)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
