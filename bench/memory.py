"""Memory benchmark: the resident memory of a real `tandem run` serving Slack, before and after 20,000 events.

Run: `.venv/bin/python bench/memory.py [--events 20000] [--rate 400] [--database-url URL] [--semantic use|off]`

`tandem run` starts in its own process with Slack over HTTP, its Web API pointed at the fake Slack API
(in the load driver's process, bench/latency.py), on a fresh SQLite file (or `--database-url`). Its
RSS (VmRSS in /proc, so Linux only) is read once it answers /healthz and has settled, after each of
the 500 senders has written once (their profiles cached, their people created), and after `--events`
signed DMs at `--rate` per second, each answered. Target: growth after start-up < 30 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from common import print_table, report
from latency import Driver, driver_process
from slack_events import ADMIN, SECRET, SENDERS, message_texts, setup_fake

TARGET_MB = 30.0
SETTLE_S = 2.0


def rss_mb(pid: int) -> float:
    """The process's resident set size in MB (to 0.1 MB), from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS: this benchmark reads /proc (Linux)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_tandem(
    fake: str, database_url: str, port: int, folder: Path, semantic: str = "use"
) -> subprocess.Popen[bytes]:
    """`tandem run` with Slack configured against the fake, as a person would start it (`semantic`: the
    answer engine, TANDEM_SEMANTIC)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_", "CONNECTIONS__"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"{fake}/api/",
            "TANDEM_DATABASE_URL": database_url,
            "TANDEM_ADMINS": ADMIN,
            "TANDEM_HOST": "127.0.0.1",
            "TANDEM_PORT": str(port),
            "TANDEM_LOG_LEVEL": "WARNING",
            "TANDEM_SEMANTIC": semantic,
        }
    )
    script = Path(sys.executable).with_name("tandem")
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    return subprocess.Popen([*argv, "run"], cwd=folder, env=env, stdout=subprocess.DEVNULL)


async def healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"tandem run exited with {process.returncode}")
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("tandem run did not answer /healthz in time")


async def send(driver: Driver, url: str, *, count: int, rate: float, label: str) -> int:
    """Post `count` DMs at `rate`; returns how many went unanswered."""
    run = await driver.drive(url, rate=rate, count=count, label=label, timeout=60)
    return int(run["lost"] + run["failed"])


async def measure(args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        database_url = args.database_url or f"sqlite:///{folder / 'tandem.db'}"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        options = {"enroll": 0, "enroll_rounds": 0, "texts": message_texts("fixed")}
        async with driver_process(setup_fake, options) as driver:
            process = start_tandem(driver.fake, database_url, port, folder, args.semantic)
            try:
                await healthy(url, process)
                await asyncio.sleep(SETTLE_S)
                started = rss_mb(process.pid)
                lost = await send(driver, url, count=SENDERS, rate=args.rate, label="first")
                await asyncio.sleep(SETTLE_S)
                met = rss_mb(process.pid)
                half = args.events // 2
                lost += await send(driver, url, count=half, rate=args.rate, label="a")
                await asyncio.sleep(SETTLE_S)
                middle = rss_mb(process.pid)
                lost += await send(driver, url, count=args.events - half, rate=args.rate, label="b")
                await asyncio.sleep(SETTLE_S)
                ended = rss_mb(process.pid)
            finally:
                process.terminate()
                process.wait(30)
    return {
        "events": args.events,
        "rate": args.rate,
        "rss_started_mb": started,
        "rss_after_first_contacts_mb": met,
        "rss_after_half_mb": middle,
        "rss_after_all_mb": ended,
        "growth_mb": round(ended - started, 1),
        "unanswered": lost,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=400.0, help="events per second")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--semantic", choices=("use", "off"), default="use", help="the answer engine")
    args = parser.parse_args()
    results = asyncio.run(measure(args))
    start = results["rss_started_mb"]
    stages = [
        ("start-up (healthy, settled)", 0, start),
        (f"{SENDERS} first contacts", SENDERS, results["rss_after_first_contacts_mb"]),
        (f"{args.events // 2:,} more events", SENDERS + args.events // 2, results["rss_after_half_mb"]),
        (
            f"{args.events - args.events // 2:,} more events",
            SENDERS + args.events,
            results["rss_after_all_mb"],
        ),
    ]
    print(
        f"\nRSS of `tandem run` (Slack over HTTP): {args.events:,} signed DMs at {args.rate:g}/s from {SENDERS} people"
    )
    print_table(
        ["after", "events so far", "RSS", "since start-up"],
        [[stage, events, f"{rss:.1f} MB", f"{rss - start:+.1f} MB"] for stage, events, rss in stages],
    )
    growth = results["growth_mb"]
    checks = {
        f"RSS growth after {args.events:,} events < {TARGET_MB:g} MB ({growth:+.1f} MB)": growth < TARGET_MB,
        "every event answered": results["unanswered"] == 0,
    }
    return report("memory", dict(results), checks)


if __name__ == "__main__":
    raise SystemExit(main())
