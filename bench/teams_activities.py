"""Teams benchmark: the reply latency a person feels, beside a bare Agents SDK app in the same run.

Run: `.venv/bin/python bench/teams_activities.py [--quick] [--rates 50,200] [--seconds 5] [--rounds 4]
[--databases sqlite,postgresql] [--postgres-url URL]`

Message activities are posted at a steady rate (open loop: each at its time, whether or not the earlier
ones were answered) to POST /api/messages; an activity's latency runs from its post to its reply reaching
the fake Bot Connector at the activity's serviceUrl, as in production. p50 and p99 for:
- "bare": the SDK's echo sample (CloudAdapter, AgentApplication, the same route and JWT decorator, in
  anonymous mode) that only sends the text back;
- "tandem": the same hosting plus Tandem's checks of the request, the core answering from the lesson
  library in one transaction, the Adaptive Card, the reply through its pooled Bot Connector clients.
The two apps alternate, `--rounds` times `--seconds` each per rate (the order flips each round). Before
that, each of the 500 senders writes once (their first contact, shown apart: a new person with their
conversation reference). Target: Tandem's p99 <= the bare app's p99 + 25 ms, at every rate, on every
database. The fake Bot Connector and the load driver run in their own process (bench/latency.py).
Tandem gets a fresh SQLite file, and a scratch database (dropped afterwards) on the PostgreSQL server
that `--postgres-url`, TANDEM_BENCH_DATABASE_URL or TANDEM_TEST_DATABASE_URL names, when one does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from aiohttp import web
from common import print_table, report
from latency import (
    ROW_HEADERS,
    Arrivals,
    Builder,
    Driver,
    Shot,
    add_arguments,
    checks,
    compare,
    databases,
    driver_process,
    quick,
    rows,
    tandem_serving,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator, start_agent_process
from microsoft_agents.hosting.core import AgentApplication, MemoryStorage, TurnContext, TurnState
from slack_events import database

from bot.settings import Settings
from bot.teams.channel import TeamsChannel, connections_for
from bot.teams.settings import TeamsSettings
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
TARGET_MARGIN_MS = 25.0


async def setup_connector(arrivals: Arrivals, options: object) -> tuple[str, dict[str, Builder]]:
    """Starts the fake Bot Connector (a reply is recognised by the activity it answers); returns its URL
    and the activities the driver can post."""
    count = 0

    async def post(request: web.Request) -> web.Response:
        nonlocal count
        body = await request.read()
        arrivals.mark(request.match_info.get("r") or str(json.loads(body).get("replyToId") or ""))
        count += 1
        return web.json_response({"id": f"a{count}"}, status=201)

    app = web.Application()
    app.router.add_post("/v3/conversations/{c}/activities", post)
    app.router.add_post("/v3/conversations/{c}/activities/{r}", post)
    _, url = await serve_local(app)

    def message(index: int, label: str, first_user: int) -> Shot:
        user = f"{first_user + index % SENDERS:04d}"
        activity_id = f"{label}-{index}"
        body = {
            "type": "message",
            "id": activity_id,
            "serviceUrl": f"{url}/",
            "channelId": "msteams",
            "from": {"id": f"29:{user}", "name": f"User {user}", "aadObjectId": f"aad-{user}"},
            "conversation": {"id": f"a:{user}", "conversationType": "personal", "tenantId": TENANT},
            "recipient": {"id": "28:bot", "name": "Tandem"},
            "text": QUESTIONS[index % len(QUESTIONS)],
            "locale": "en-US",
        }
        return Shot(activity_id, "/api/messages", json.dumps(body), {"content-type": "application/json"})

    return url, {"message": message}


def bare_echo(settings: Settings) -> web.Application:
    """The SDK's echo sample, hosted exactly as Tandem hosts its Teams channel."""
    connections, auth = connections_for(settings.teams)
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


async def measure(
    db_url: str, database_name: str, driver: Driver, args: argparse.Namespace
) -> dict[str, Any]:
    """Both apps side by side, with Tandem on `db_url`."""
    settings = Settings(database_url=db_url, teams=TeamsSettings(allow_anonymous=True), _env_file=None)  # type: ignore[call-arg]

    def channel(conversation: Any) -> TeamsChannel:
        return TeamsChannel(conversation, settings.teams)

    async with tandem_serving(settings, channel, bare_echo(settings)) as apps:
        return dict(await compare(driver, apps, args, senders=SENDERS, prefix=database_name))


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    args = parser.parse_args()
    quick(args)
    names = databases(args)
    results: dict[str, Any] = {"rates": args.rates, "seconds_per_round": args.seconds, "rounds": args.rounds}
    async with driver_process(setup_connector, None) as driver:
        for name in names:
            with database(args.postgres_url if name == "postgresql" else None) as db_url:
                results[name] = await measure(db_url, name, driver, args)
    table: list[list[object]] = []
    found: dict[str, bool] = {}
    for name in names:
        table += rows(name, results[name], args.warm_rate)
        found.update(checks(name, results[name], margin_ms=TARGET_MARGIN_MS))
    print("\nReply latency: message activities through POST /api/messages to the fake Bot Connector")
    print_table(ROW_HEADERS, table)
    return report("teams_activities", results, found)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
