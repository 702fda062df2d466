"""Burst benchmark: signed DMs faster than the database can take them, on PostgreSQL (or SQLite).

Run: `.venv/bin/python bench/burst.py [--events 5000] [--senders 500] [--concurrency 20]
[--steady-rate 200] [--steady-seconds 15] [--database-url postgresql+psycopg://user@host/db]`

- "burst": `--events` signed message.im events from `--senders` people, `--concurrency` in flight, as
  fast as the server acknowledges them. Slack is answered at once and the work queues behind the
  database pool (`TANDEM_DATABASE_POOL_SIZE`, default 10): every event must be answered, none with an
  apology ("Sorry, something went wrong", "I could not save that").
- "steady": the same at a fixed `--steady-rate` events per second.
- "bare bolt": the same burst to a bolt app that only acks and echoes (the baseline for the rate).
The fake Slack Web API runs in its own process; without --database-url, TANDEM_BENCH_DATABASE_URL or
TANDEM_TEST_DATABASE_URL names the PostgreSQL server, else a SQLite file is used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
import uuid
from typing import Any

import aiohttp
from aiohttp import web
from common import pg_url, print_table, report  # type: ignore[import-not-found]
from pydantic import SecretStr
from slack_events import SECRET, bare_echo, database, signed  # type: ignore[import-not-found]

from bot.app import build_app
from bot.server import build_web_app
from bot.settings import Settings
from bot.slack.channel import SlackChannel
from bot.slack.settings import SlackSettings
from tests.support.fake_slack import FakeSlack
from tests.support.serve import serve_local

RUN = uuid.uuid4().hex[:8]
APOLOGIES = ("went wrong", "could not save", "problème est survenu", "pas pu l’enregistrer")
QUESTIONS = ["how do I spot a phishing email?", "help", "what should my LinkedIn headline say?", "progress"]


def serve_fake(senders: int, queue: Any) -> None:
    class CountingSlack(FakeSlack):
        def app(self) -> web.Application:
            application = super().app()

            async def stats(request: web.Request) -> web.Response:
                posts = self.calls_to("chat.postMessage")
                texts = [str(call.args.get("text") or "") for call in posts]
                apologies = sum(any(a in text for a in APOLOGIES) for text in texts)
                return web.json_response({"posts": len(posts), "apologies": apologies})

            application.router.add_get("/stats", stats)
            return application

    async def run() -> None:
        fake = CountingSlack()
        for index in range(senders):
            fake.add_user(f"U{index:06d}", name=f"user{index}", locale="en-GB")
        queue.put(await fake.start())
        await asyncio.Event().wait()

    asyncio.run(run())


async def stats(session: aiohttp.ClientSession, fake: str) -> dict[str, int]:
    async with session.get(f"{fake}/stats") as response:
        return dict(await response.json())


async def send(
    url: str, fake: str, events: int, senders: int, concurrency: int, label: str, rate: float | None = None
) -> dict[str, float]:
    """Post the events; wait until each got its answer. Returns rate, apologies and the worst wait."""
    async with aiohttp.ClientSession() as session:
        before = await stats(session, fake)
        limit = asyncio.Semaphore(concurrency)
        started = time.perf_counter()

        async def one(index: int) -> None:
            if rate:
                await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
            user = f"U{index % senders:06d}"
            body = json.dumps(
                {
                    "type": "event_callback", "team_id": "T1", "api_app_id": "ABOT",
                    "event_id": f"Ev{RUN}{label}{index}",
                    "event": {"type": "message", "channel_type": "im", "channel": f"D{index % senders:06d}",
                              "user": user, "text": QUESTIONS[index % len(QUESTIONS)], "ts": f"{index}.1"},
                }
            )  # fmt: skip
            async with (
                limit,
                session.post(f"{url}/slack/events", data=body, headers=signed(body)) as response,
            ):
                assert response.status == 200, response.status

        await asyncio.gather(*(one(i) for i in range(events)))
        acked = time.perf_counter() - started
        while (now := await stats(session, fake))["posts"] - before["posts"] < events:
            await asyncio.sleep(0.02)
        seconds = time.perf_counter() - started
    return {
        "events": events,
        "per_second": round(events / seconds, 1),
        "acked_in_s": round(acked, 2),
        "answered_in_s": round(seconds, 2),
        "apologies": now["apologies"] - before["apologies"],
    }


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--senders", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--steady-rate", type=float, default=200.0)
    parser.add_argument("--steady-seconds", type=float, default=15.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url_arg = args.database_url or pg_url()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=serve_fake, args=(args.senders, queue), daemon=True)
    process.start()
    fake = queue.get(timeout=60)
    try:
        with database(url_arg) as db_url:
            settings = Settings(
                database_url=db_url,
                slack=SlackSettings(
                    bot_token=SecretStr("xoxb-test-token"),
                    signing_secret=SecretStr(SECRET),
                    api_url=f"{fake}/api/",
                ),
                _env_file=None,  # type: ignore[call-arg]
            )
            app = await build_app(settings, migrate=False)
            channel = SlackChannel(app.conversation, settings.slack)
            app.outlets.register(channel.name, channel.outlet)
            runner, url = await serve_local(build_web_app(app.services.db, [channel]))
            bare_runner, bare_url = await serve_local(bare_echo(fake))
            try:
                await send(url, fake, args.senders, args.senders, args.concurrency, "warm")  # first contacts
                bare = await send(bare_url, fake, args.events, args.senders, args.concurrency, "bare")
                burst = await send(url, fake, args.events, args.senders, args.concurrency, "burst")
                steady_events = int(args.steady_rate * args.steady_seconds)
                steady = await send(
                    url, fake, steady_events, args.senders, 200, "steady", rate=args.steady_rate
                )
            finally:
                await bare_runner.cleanup()
                await runner.cleanup()
                await channel.close()
                await app.close()
    finally:
        process.terminate()
        process.join(5)
    backend = "postgresql" if url_arg and url_arg.startswith("postgresql") else "sqlite"
    print(f"\nSigned DMs from {args.senders} people, {backend}, default pool ({settings.database_pool_size})")
    print_table(
        ["run", "events", "in flight", "acked in", "all answered in", "events/s", "apologies"],
        [
            ["bare bolt echo (baseline)", bare["events"], args.concurrency, f"{bare['acked_in_s']} s", f"{bare['answered_in_s']} s", bare["per_second"], bare["apologies"]],
            ["tandem, burst", burst["events"], args.concurrency, f"{burst['acked_in_s']} s", f"{burst['answered_in_s']} s", burst["per_second"], burst["apologies"]],
            [f"tandem, steady {args.steady_rate:g}/s", steady["events"], "paced", f"{steady['acked_in_s']} s", f"{steady['answered_in_s']} s", steady["per_second"], steady["apologies"]],
        ],
    )  # fmt: skip
    results = {"database": backend, "bare": bare, "burst": burst, "steady": steady}
    checks = {
        "no apology in the burst": burst["apologies"] == 0,
        f"no apology at a steady {args.steady_rate:g} events/s": steady["apologies"] == 0,
    }
    return report(f"burst_{backend}", results, checks)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
