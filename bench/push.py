"""Push benchmark: an admin's `/tandem push <cohort>` to 2,000 people, through the whole HTTP path.

Run: `.venv/bin/python bench/push.py [--people 2000] [--latency 0.02] [--rate 20]
[--database-url postgresql+psycopg://user@host/db]`

- "tandem": a signed slash command to POST /slack/events; the reply is measured when it reaches the
  command's response_url, the delivery when the last of the cohort's tips reached the fake Slack API.
  Every tip goes through the delivery ledger and the dispatcher at the global rate (`--rate`, Tandem's
  default 20 messages/s), each recipient on their own.
- "inline loop" (the baseline): the same messages posted one after the other by the request handler,
  at the same rate, before it answers, the way a command that sends by itself would do it.
The fake Slack Web API (tests/support/fake_slack.py) runs in its own process on 127.0.0.1 and answers
after `--latency` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import tempfile
import time
import urllib.parse
from typing import Any

import aiohttp
from aiohttp import web
from common import print_table, report  # type: ignore[import-not-found]
from pydantic import SecretStr
from slack_events import SECRET  # type: ignore[import-not-found]
from slack_events import signed as signed_json  # type: ignore[import-not-found]
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_app
from bot.server import build_web_app
from bot.settings import Settings
from bot.slack.channel import SlackChannel
from bot.slack.settings import SlackSettings
from scheduler.dispatch import RateLimiter
from storage.db import Database, upgrade
from tests.support.db import PostgresTemplate
from tests.support.fake_slack import FakeSlack
from tests.support.seed import seed_cohort
from tests.support.serve import serve_local

TEXT = "Pin your best post to the top of your profile."


def serve_fake(latency: float, queue: Any) -> None:
    class CountingSlack(FakeSlack):
        def app(self) -> web.Application:
            application = super().app()

            async def stats(request: web.Request) -> web.Response:
                tips = [m for m in self.messages if TEXT[:20] in (m.get("text") or "")]
                last = max((m["at"] for m in tips), default=0.0)
                return web.json_response({"tips": len(tips), "last": last})

            application.router.add_get("/stats", stats)
            return application

        def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
            answer = super()._chat_post_message(args)
            self.messages[-1]["at"] = time.time()
            return answer

    async def run() -> None:
        fake = CountingSlack(latency=latency)
        fake.add_user("UMIA", name="mia")
        fake.add_user("UADMIN", name="admin")
        queue.put(await fake.start())
        await asyncio.Event().wait()

    asyncio.run(run())


def signed(body: str) -> dict[str, str]:
    """Slack's signature headers, for a slash command's form body."""
    return {**signed_json(body), "content-type": "application/x-www-form-urlencoded"}


async def stats(session: aiohttp.ClientSession, fake: str) -> dict[str, float]:
    async with session.get(f"{fake}/stats") as response:
        return dict(await response.json())


async def tandem_push(db_url: str, fake: str, people: int, rate: float) -> dict[str, float]:
    settings = Settings(
        database_url=db_url,
        admins=["UADMIN"],
        slack=SlackSettings(
            bot_token=SecretStr("xoxb-test-token"), signing_secret=SecretStr(SECRET), api_url=f"{fake}/api/"
        ),
        global_rate=rate,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = await build_app(settings, migrate=False)
    channel = SlackChannel(app.conversation, settings.slack)
    app.outlets.register(channel.name, channel.outlet)
    reply_at: list[float] = []

    async def response_url(request: web.Request) -> web.Response:
        reply_at.append(time.perf_counter())
        return web.json_response({"ok": True})

    responses = web.Application()
    responses.router.add_post("/r", response_url)
    reply_runner, reply_base = await serve_local(responses)
    runner, url = await serve_local(build_web_app(app.services.db, [channel]))
    scheduler = app.scheduler()
    scheduler.start()
    try:
        async with aiohttp.ClientSession() as session:
            form = {
                "team_id": "T1", "user_id": "UADMIN", "command": "/tandem", "text": f"push pilot {TEXT}",
                "response_url": f"{reply_base}/r", "trigger_id": "t1",
            }  # fmt: skip
            body = urllib.parse.urlencode(form)
            wall = time.time()
            started = time.perf_counter()
            async with session.post(f"{url}/slack/events", data=body, headers=signed(body)) as response:
                assert response.status == 200
            while not reply_at:
                await asyncio.sleep(0.001)
            reply = reply_at[0] - started
            while (current := await stats(session, fake))["tips"] < people:
                await asyncio.sleep(0.2)
            last = current["last"] - wall
    finally:
        await scheduler.stop()
        await runner.cleanup()
        await reply_runner.cleanup()
        await channel.close()
        await app.close()
    return {
        "reply_s": round(reply, 3),
        "last_delivery_s": round(last, 1),
        "after_reply_s": round(last - reply, 1),
    }


async def inline_loop(fake: str, people: int, rate: float) -> dict[str, float]:
    """The baseline: every message posted by the handler itself, at the same rate, before it replies."""
    limiter = RateLimiter(rate, 0)
    async with aiohttp.ClientSession() as session:
        client = AsyncWebClient(token="xoxb-test-token", base_url=f"{fake}/api/", session=session)
        started = time.perf_counter()
        for index in range(people):
            await limiter.acquire(f"U{index}")
            await client.chat_postMessage(channel=f"UBASE{index:05d}", text=f"baseline {index}")
        seconds = time.perf_counter() - started
    return {"reply_s": round(seconds, 3), "last_delivery_s": round(seconds, 1), "after_reply_s": 0.0}


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--database-url", help="PostgreSQL URL (a scratch database is made there)")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=serve_fake, args=(args.latency, queue), daemon=True)
    process.start()
    fake = queue.get(timeout=60)
    template = PostgresTemplate(args.database_url) if args.database_url else None
    try:
        if template is not None:
            db_url = template.new()
        else:
            db_url = f"sqlite:///{tempfile.mkdtemp()}/push.db"
            upgrade(db_url)
        db = Database(db_url)
        await seed_cohort(
            db,
            learners=args.people,
            due_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
            platform="slack",
            key_format="slack:T1:U{i:05d}",
        )
        await db.dispose()
        tandem = await tandem_push(db_url, fake, args.people, args.rate)
        baseline = await inline_loop(fake, args.people, args.rate)
    finally:
        process.terminate()
        process.join(5)
        if template is not None:
            template.close()
    database = "postgresql" if args.database_url else "sqlite"
    print(
        f"\n`/tandem push pilot …` to {args.people} people, fake Slack answering after {args.latency * 1000:.0f} ms,"
        f" {args.rate:g} messages/s, {database}"
    )
    print_table(
        ["sender", "reply", "last delivery", "last delivery after the reply"],
        [
            ["inline loop (baseline)", f"{baseline['reply_s']} s", f"{baseline['last_delivery_s']} s", "-"],
            ["tandem (ledger + dispatcher)", f"{tandem['reply_s'] * 1000:.0f} ms", f"{tandem['last_delivery_s']} s", f"{tandem['after_reply_s']} s"],
        ],
    )  # fmt: skip
    results = {"people": args.people, "latency": args.latency, "rate": args.rate, "database": database, "tandem": tandem, "baseline": baseline}  # fmt: skip
    checks = {
        "reply < 300 ms": tandem["reply_s"] < 0.3,
        "last delivery within 120 s of the reply": tandem["after_reply_s"] <= 120,
    }
    return report("push" if database == "sqlite" else "push_postgresql", results, checks)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
