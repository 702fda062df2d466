"""A drip worker process for multi-process tests: `python -m tests.support.drip_worker --db URL --api URL --at ISO`.

It is `tandem run`'s drip without a console: plan and dispatch until nothing is left, sending 'test'
people's messages to the fake chat API.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt

from bot.app import build_app
from bot.settings import Settings
from scheduler.service import run_tick
from tests.support.http_outlet import HttpTestOutlet


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--at", required=True)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    at = dt.datetime.fromisoformat(args.at)
    settings = Settings(
        database_url=args.db,
        global_rate=0,
        conversation_interval=0,
        send_concurrency=args.concurrency,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = await build_app(settings, migrate=False, warm=False)  # drips only: no answer index
    outlet = HttpTestOutlet(args.api)
    app.outlets.register("test", outlet)
    runtime = app.drip(clock=lambda: at)
    runtime.dispatcher.settings.batch = 100
    try:
        for _ in range(args.rounds):
            plan, sent = await run_tick(runtime, at)
            if not plan.queued and not sent.outcomes:
                break
    finally:
        await outlet.close()
        await app.close()


if __name__ == "__main__":
    asyncio.run(main())
