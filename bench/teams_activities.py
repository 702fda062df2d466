"""Teams benchmark: message activities per second through POST /api/messages, beside a bare Agents SDK app.

Run: `.venv/bin/python bench/teams_activities.py [--activities 2000] [--concurrency 20] [--database-url URL]`

- "tandem": POST /api/messages (the SDK's JWT check in anonymous mode, activity parsing, the turn, the
  core answering the question from the lesson library in one database transaction, Adaptive Card
  rendering) until the reply reached the fake Bot Connector for every activity.
- The 500 senders have each written once before the measured run (steady state, the target's
  measure); a last run of 500 activities from people never met before shows the one-off cost of a
  first contact (a new person with their conversation reference) beside the same run of the bare app.
- "bare Agents SDK with pooled connector clients": the same echo with Tandem's PooledClientFactory,
  to show how much of Tandem's rate comes from reusing Bot Connector connections.
- "bare Agents SDK": the same hosting (CloudAdapter, AgentApplication, the same route and JWT decorator)
  with a message handler that only echoes the text back.
Replies go to the activity's serviceUrl, as in production: the fake connector runs in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from common import (  # type: ignore[import-not-found]
    compare_apps,
    print_table,
    report,
    settle,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator, start_agent_process
from microsoft_agents.hosting.core import AgentApplication, MemoryStorage, TurnContext, TurnState

from bot.app import build_app
from bot.server import build_web_app
from bot.settings import Settings
from bot.teams.channel import TeamsChannel, connections_for
from bot.teams.clients import PooledClientFactory
from storage.db import upgrade
from tests.support.serve import serve_local

QUESTIONS = [
    "how do I spot a phishing email?",
    "comment activer la validation en deux étapes ?",
    "what should my LinkedIn headline say?",
    "how many hashtags should I use?",
]
TENANT = "bench-tenant"
SENDERS = 500
"""Learners writing in the measured runs; before them, each has written once (their first contact)."""


def serve_connector(queue: Any) -> None:
    """The fake Bot Connector: counts the activities the bots send."""

    async def run() -> None:
        count = itertools.count(1)
        received = {"n": 0}

        async def post(request: web.Request) -> web.Response:
            await request.read()
            received["n"] += 1
            return web.json_response({"id": f"a{next(count)}"}, status=201)

        async def stats(request: web.Request) -> web.Response:
            return web.json_response({"posts": received["n"]})

        app = web.Application()
        app.router.add_post("/v3/conversations/{c}/activities", post)
        app.router.add_post("/v3/conversations/{c}/activities/{r}", post)
        app.router.add_get("/stats", stats)
        _, url = await serve_local(app)
        queue.put(f"{url}/")
        await asyncio.Event().wait()

    asyncio.run(run())


def activity(index: int, label: str, service_url: str, first_user: int = 0) -> dict[str, Any]:
    user = f"{first_user + index % SENDERS:04d}"
    return {
        "type": "message",
        "id": f"{label}-{index}",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{user}", "name": f"User {user}", "aadObjectId": f"aad-{user}"},
        "conversation": {"id": f"a:{user}", "conversationType": "personal", "tenantId": TENANT},
        "recipient": {"id": "28:bot", "name": "Tandem"},
        "text": QUESTIONS[index % len(QUESTIONS)],
        "locale": "en-US",
    }


async def posts(session: aiohttp.ClientSession, connector: str) -> int:
    async with session.get(f"{connector}stats") as response:
        return int((await response.json())["posts"])


async def rate(
    url: str, connector: str, count: int, concurrency: int, label: str, *, first_user: int = 0
) -> float:
    async with aiohttp.ClientSession() as session:
        before = await posts(session, connector)
        limit = asyncio.Semaphore(concurrency)

        async def one(index: int) -> None:
            async with (
                limit,
                session.post(f"{url}/api/messages", json=activity(index, label, connector, first_user)) as r,
            ):
                assert r.status in (200, 202), r.status

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        while await posts(session, connector) - before < count:
            await asyncio.sleep(0.01)
        return count / (time.perf_counter() - started)


def bare_echo(settings: Settings, *, pooled: bool = False) -> web.Application:
    """The SDK's echo sample, hosted exactly as Tandem hosts its Teams channel; `pooled` gives it
    Tandem's Bot Connector clients kept across turns instead of the SDK's new ones per turn."""
    connections, auth = connections_for(settings)
    if pooled:
        adapter = CloudAdapter(channel_service_client_factory=PooledClientFactory(connections))
    else:
        adapter = CloudAdapter(connection_manager=connections)
    agent: AgentApplication[TurnState] = AgentApplication[TurnState](
        storage=MemoryStorage(), connection_manager=connections, start_typing_timer=False
    )

    @agent.activity("message")
    async def echo(context: TurnContext, _state: TurnState) -> None:
        await context.send_activity(context.activity.text or "")

    async def handle(request: web.Request) -> web.StreamResponse:
        response = await start_agent_process(request, agent, adapter)
        return response if response is not None else web.Response(status=202)

    web_app = web.Application()
    web_app["agent_configuration"] = auth
    web_app.router.add_post("/api/messages", jwt_authorization_decorator(handle))
    return web_app


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds of each app")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=serve_connector, args=(queue,), daemon=True)
    process.start()
    connector = queue.get(timeout=60)
    results: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            db_url = args.database_url or f"sqlite:///{Path(folder) / 'teams.db'}"
            upgrade(db_url)
            settings = Settings(database_url=db_url, teams_allow_anonymous=True, _env_file=None)  # type: ignore[call-arg]

            bare_runner, bare_url = await serve_local(bare_echo(settings))
            pooled_runner, pooled_url = await serve_local(bare_echo(settings, pooled=True))
            app = await build_app(settings, migrate=False)
            channel = TeamsChannel(app, settings)
            runner, url = await serve_local(build_web_app(app, teams=channel))
            settle()
            apps = {"bare": bare_url, "bare_pooled": pooled_url, "tandem": url}
            results.update(
                await compare_apps(
                    {name: partial(rate, target, connector) for name, target in apps.items()},
                    total=args.activities,
                    rounds=args.rounds,
                    concurrency=args.concurrency,
                    senders=SENDERS,
                )
            )
            await runner.cleanup()
            await bare_runner.cleanup()
            await pooled_runner.cleanup()
            await channel.close()
            await app.close()
    finally:
        process.terminate()
        process.join(5)

    ratio = results["ratio"]
    first = results["first_contact_ratio"]
    database = "PostgreSQL" if args.database_url and args.database_url.startswith("postgres") else "SQLite"
    print(
        f"\nMessage activities through POST /api/messages ({args.activities} activities, "
        f"{args.concurrency} in flight, {database})"
    )
    print_table(
        ["app", "activities/s", "vs bare"],
        [
            ["bare Agents SDK (echo)", results["bare_per_second"], 1.0],
            [
                "bare Agents SDK (echo) with pooled connector clients",
                results["bare_pooled_per_second"],
                round(results["bare_pooled_per_second"] / results["bare_per_second"], 2),
            ],
            ["tandem (core + answer + Adaptive Card)", results["tandem_per_second"], round(ratio, 2)],
            ["bare Agents SDK, first contacts", results["bare_first_contact_per_second"], 1.0],
            [
                "tandem, first contacts (new person)",
                results["tandem_first_contact_per_second"],
                round(first, 2),
            ],
        ],
    )
    checks = {">= 0.6 of the bare app's rate": ratio >= 0.6}
    print(
        f"\nvs the bare echo with the same pooled clients: {results['ratio_vs_pooled']} "
        "(the application's own cost, with the connection reuse taken out)"
    )
    results["database"] = database
    return report("teams_activities", results, checks)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
