"""Slack benchmark: signed message.im events per second through the whole HTTP path, beside a bare bolt app.

Run: `.venv/bin/python bench/slack_events.py [--events 6000] [--concurrency 20] [--members 2000]
[--database-url postgresql+psycopg://user@host/db]`

- "tandem": POST /slack/events (signature check, de-duplication, the core answering from the library,
  Block Kit rendering) until chat.postMessage reached the fake Slack API for every event. The 500
  senders have each written once before (steady state, the target's measure); a last run of 500
  events from people never met before shows the one-off cost of a first contact (a users.info call
  and a new person) beside the same run of the bare app.
- "bare bolt, one shared HTTP session": the same echo with its Web API client on one aiohttp session,
  as Tandem's is, to show how much of Tandem's rate comes from reusing connections.
- "bare bolt": the same HTTP server stack with a bolt app that only acks and echoes the text back.
- "enroll ack": the acknowledgement time of `/tandem enroll <cohort> #channel` for a channel of N
  members (the members are collected and enrolled after the acknowledgement).
The fake Slack Web API (tests/support/fake_slack.py) runs in its own process on 127.0.0.1.
Tandem uses a fresh SQLite file by default; with a PostgreSQL --database-url, a scratch database is
created on that server for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from common import (  # type: ignore[import-not-found]
    compare_apps,
    percentile,
    print_table,
    report,
    settle,
)
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_app
from bot.server import build_web_app, slack_handler
from bot.settings import Settings
from bot.slack.channel import SlackChannel
from storage.db import parse_url, upgrade
from tests.support.db import PostgresTemplate
from tests.support.fake_slack import FakeSlack
from tests.support.serve import serve_local

SECRET = "bench-signing-secret"
RUN = uuid.uuid4().hex[:8]  # event ids never repeat across runs, whatever database is reused
SENDERS = 500
"""Learners writing in the measured runs; before them, each has written once (their first contact)."""
QUESTIONS = [
    "how do I spot a phishing email?",
    "comment activer la validation en deux étapes ?",
    "what should my LinkedIn headline say?",
    "how many hashtags should I use?",
]


def serve_fake(members: int, queue: Any) -> None:
    class CountingSlack(FakeSlack):
        def app(self) -> web.Application:
            application = super().app()

            async def stats(request: web.Request) -> web.Response:
                return web.json_response({"posts": len(self.calls_to("chat.postMessage"))})

            application.router.add_get("/stats", stats)
            return application

    async def run() -> None:
        fake = CountingSlack()
        for index in range(members):
            fake.add_user(f"U{index:06d}", name=f"user{index}")
        fake.channel_members["CBIG"] = [f"U{index:06d}" for index in range(members)]
        fake.add_user("UADMIN", name="admin")
        queue.put(await fake.start())
        await asyncio.Event().wait()

    asyncio.run(run())


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "x-slack-request-timestamp": ts,
        "x-slack-signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
        "content-type": "application/json",
    }


async def posts(session: aiohttp.ClientSession, fake: str) -> int:
    async with session.get(f"{fake}/stats") as response:
        return int((await response.json())["posts"])


async def event_rate(
    url: str, fake: str, events: int, concurrency: int, label: str, *, first_user: int = 0
) -> float:
    async with aiohttp.ClientSession() as session:
        start_posts = await posts(session, fake)
        limit = asyncio.Semaphore(concurrency)

        async def one(index: int) -> None:
            user = f"U{first_user + index % SENDERS:06d}"
            body = json.dumps(
                {
                    "type": "event_callback",
                    "team_id": "T1",
                    "api_app_id": "ABOT",
                    "event_id": f"Ev{RUN}{label}{index}",
                    "event": {
                        "type": "message",
                        "channel_type": "im",
                        "channel": f"D{index}",
                        "user": user,
                        "text": QUESTIONS[index % len(QUESTIONS)],
                        "ts": f"{index}.1",
                    },
                }
            )
            async with (
                limit,
                session.post(f"{url}/slack/events", data=body, headers=signed(body)) as response,
            ):
                assert response.status == 200, response.status

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(events)))
        while await posts(session, fake) - start_posts < events:
            await asyncio.sleep(0.01)
        return events / (time.perf_counter() - started)


async def enroll_acks(url: str, fake: str, rounds: int) -> list[float]:
    timings = []
    async with aiohttp.ClientSession() as session:
        for index in range(rounds):
            form = {
                "team_id": "T1",
                "user_id": "UADMIN",
                "user_name": "admin",
                "command": "/tandem",
                "text": "enroll big <#CBIG|everyone-big>",
                "response_url": f"{fake}/response/r{index}",
                "trigger_id": f"t{index}",
            }
            body = urllib.parse.urlencode(form)
            headers = {**signed(body), "content-type": "application/x-www-form-urlencoded"}
            started = time.perf_counter()
            async with session.post(f"{url}/slack/events", data=body, headers=headers) as response:
                assert response.status == 200
                await response.read()
            timings.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)
    return timings


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A migrated database for the run: a temporary SQLite file, the given SQLite database, or a scratch
    database on the given PostgreSQL server (dropped afterwards)."""
    if url and parse_url(url).get_backend_name() == "postgresql":
        template = PostgresTemplate(url)
        scratch = template.new()
        try:
            yield scratch
        finally:
            template.drop(scratch)
            template.close()
        return
    with tempfile.TemporaryDirectory() as folder:
        target = url or f"sqlite:///{Path(folder) / 'slack.db'}"
        upgrade(target)
        yield target


def bare_echo(fake: str, *, session: aiohttp.ClientSession | None = None) -> web.Application:
    """A bolt app that only acks and echoes, behind the same HTTP handler as Tandem; with `session`,
    its Web API client reuses one aiohttp session (as Tandem's does) instead of one per call."""
    client = AsyncWebClient(token="xoxb-test-token", base_url=f"{fake}/api/", session=session)
    bare = AsyncApp(client=client, signing_secret=SECRET)

    @bare.event("message")
    async def echo(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.chat_postMessage(channel=event["channel"], text=event.get("text", ""))

    application = web.Application()
    application.router.add_post("/slack/events", slack_handler(bare, SECRET))
    return application


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=40, help="enroll acknowledgements to time")
    parser.add_argument("--event-rounds", type=int, default=6, help="alternating rounds of each app")
    parser.add_argument("--database-url", default=None, help="Tandem's database (default: a new SQLite file)")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=serve_fake, args=(args.members, queue), daemon=True)
    process.start()
    fake = queue.get(timeout=60)
    results: dict[str, Any] = {}
    try:
        bare_runner, bare_url = await serve_local(bare_echo(fake))
        shared = aiohttp.ClientSession()
        shared_runner, shared_url = await serve_local(bare_echo(fake, session=shared))

        with database(args.database_url) as db_url:
            settings = Settings(
                database_url=db_url,
                admins=["UADMIN"],
                slack_bot_token=SecretStr("xoxb-test-token"),
                slack_signing_secret=SecretStr(SECRET),
                slack_api_url=f"{fake}/api/",
                _env_file=None,  # type: ignore[call-arg]
            )
            app = await build_app(settings, migrate=False)
            channel = SlackChannel(app, settings)
            runner, url = await serve_local(build_web_app(app, slack=channel))
            settle()
            apps = {"bare": bare_url, "bare_shared": shared_url, "tandem": url}
            results.update(
                await compare_apps(
                    {name: partial(event_rate, target, fake) for name, target in apps.items()},
                    total=args.events,
                    rounds=args.event_rounds,
                    concurrency=args.concurrency,
                    senders=SENDERS,
                )
            )
            await bare_runner.cleanup()
            await shared_runner.cleanup()
            await shared.close()
            async with aiohttp.ClientSession() as session:
                form = {
                    "team_id": "T1",
                    "user_id": "UADMIN",
                    "command": "/tandem",
                    "text": "cohort create big track first-steps",
                    "response_url": f"{fake}/response/c",
                }
                body = urllib.parse.urlencode(form)
                await session.post(
                    f"{url}/slack/events",
                    data=body,
                    headers={**signed(body), "content-type": "application/x-www-form-urlencoded"},
                )
            acks = await enroll_acks(url, fake, args.rounds)
            results["enroll_ack_p50_ms"] = round(percentile(acks, 50), 1)
            results["enroll_ack_p99_ms"] = round(percentile(acks, 99), 1)
            await asyncio.sleep(2)
            await runner.cleanup()
            await channel.close()
            await app.close()
    finally:
        process.terminate()
        process.join(5)

    ratio = results["ratio"]
    first = results["first_contact_ratio"]
    results["database"] = parse_url(args.database_url).get_backend_name() if args.database_url else "sqlite"
    print(
        f"\nSigned message.im events through POST /slack/events ({args.events} events, {args.concurrency} in flight,"
        f" {results['database']})"
    )
    print_table(
        ["app", "events/s", "vs bare"],
        [
            ["bare bolt (ack + echo)", results["bare_per_second"], 1.0],
            [
                "bare bolt (ack + echo), one shared HTTP session",
                results["bare_shared_per_second"],
                round(results["bare_shared_per_second"] / results["bare_per_second"], 2),
            ],
            ["tandem (core + answer + Block Kit)", results["tandem_per_second"], round(ratio, 2)],
            ["bare bolt, first contacts", results["bare_first_contact_per_second"], 1.0],
            [
                "tandem, first contacts (users.info + new person)",
                results["tandem_first_contact_per_second"],
                round(first, 2),
            ],
        ],
    )
    print(
        f"\n/tandem enroll for a channel of {args.members} members: ack p50 {results['enroll_ack_p50_ms']} ms, p99 {results['enroll_ack_p99_ms']} ms"
    )
    print(
        f"\nvs the bare app with the same shared session: {results['ratio_vs_shared']} "
        "(the application's own cost, with the connection reuse taken out)"
    )
    checks = {
        ">= 0.6 of the bare app's rate": ratio >= 0.6,
        "enroll ack p99 < 500 ms": results["enroll_ack_p99_ms"] < 500,
    }
    name = "slack_events" if results["database"] == "sqlite" else f"slack_events_{results['database']}"
    return report(name, results, checks)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
