"""Reply latency at a steady offered rate: a load driver beside the fake chat API, in a process of its own.

The driver process serves the fake platform API (where answers arrive) and posts requests to the app
under test at a fixed rate, each at its appointed time whether or not the earlier ones were answered: an
open loop, so a slow app meets a queue, as it would in production, instead of being offered less work.
A request's latency runs from the moment it is posted to the moment its answer reaches the fake API,
both read on the driver's clock; the app under test has the other process (and core) to itself.

The benchmark asks the driver for a run over HTTP (`Driver.drive`) and gets back every latency and
acknowledgement time, to summarise with `summary`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from common import percentile, pg_url, settle

from tests.support.serve import serve_local


@dataclass(frozen=True, slots=True)
class Shot:
    """One request to post: its answer is recognised at the fake API by `key`."""

    key: str
    path: str
    body: str
    headers: dict[str, str]


Builder = Callable[[int, str, int], Shot]
"""Makes request `index` of a run labelled `label`, from senders numbered from `first_user`."""


class Arrivals:
    """When the answer for each key reached the fake API (the first one only), on the driver's clock."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[float]] = {}

    def expect(self, key: str) -> asyncio.Future[float]:
        """A future for the next answer under `key`, set to its arrival time."""
        future = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        return future

    def mark(self, key: str) -> None:
        """An answer arrived under `key` (answers nobody waits for are ignored)."""
        future = self._waiting.pop(key, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())


Setup = Callable[[Arrivals, Any], Awaitable[tuple[str, dict[str, Builder]]]]
"""Starts the fake platform API (which marks each answer in the arrivals); returns its base URL and the
request builders by kind."""


async def _drive(
    session: aiohttp.ClientSession,
    arrivals: Arrivals,
    builders: dict[str, Builder],
    target: str,
    spec: dict[str, Any],
) -> dict[str, Any]:
    """Post `count` requests of `kind` at `rate` per second (after the `opening` one, if any, and stopping
    early once an answer under `until` arrives), then wait for every answer; an answer later than
    `timeout` seconds counts as lost."""
    build = builders[str(spec.get("kind", "message"))]
    rate, count, label = float(spec["rate"]), int(spec["count"]), str(spec["label"])
    first_user, timeout = int(spec.get("first_user", 0)), float(spec.get("timeout", 30.0))
    until = arrivals.expect(spec["until"]) if spec.get("until") else None
    latencies: list[float] = []
    acks: list[float] = []
    problems = {"lost": 0, "failed": 0}
    opened: dict[str, float] = {}

    async def one(shot: Shot, *, first: bool = False) -> None:
        answered = arrivals.expect(shot.key)
        sent = time.perf_counter()
        try:
            async with session.post(target + shot.path, data=shot.body, headers=shot.headers) as response:
                await response.read()
                ok = 200 <= response.status < 300
        except aiohttp.ClientError:
            ok = False
        ack = (time.perf_counter() - sent) * 1000
        if first:
            opened["ack_ms"] = ack
        else:
            acks.append(ack)
        if not ok:
            problems["failed"] += 1
            answered.cancel()
            return
        try:
            arrived = await asyncio.wait_for(answered, timeout)
        except TimeoutError:
            problems["lost"] += 1
            return
        if first:
            opened["latency_ms"] = (arrived - sent) * 1000
        else:
            latencies.append((arrived - sent) * 1000)

    tasks: list[asyncio.Task[None]] = []
    opening = spec.get("opening")
    started = time.perf_counter()
    if opening:
        shot = builders[opening["kind"]](int(opening.get("index", 0)), f"{label}o", first_user)
        tasks.append(asyncio.create_task(one(shot, first=True)))
    for index in range(count):
        if until is not None and until.done():
            break
        await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(build(index, label, first_user))))
    sent_for = time.perf_counter() - started
    if until is not None:
        try:
            await asyncio.wait_for(asyncio.shield(until), timeout)
        except TimeoutError:
            problems["lost"] += 1
    await asyncio.gather(*tasks)
    return {
        "latency_ms": latencies,
        "ack_ms": acks,
        "sent": len(tasks),
        "sent_for_s": sent_for,
        "until_s": until.result() - started if until is not None and until.done() else None,
        "opening": opened,
        **problems,
    }


def run_driver(setup: Setup, options: Any, queue: Any) -> None:
    """The driver process: the fake API, and `POST /drive` to run a load (see `Driver.drive`)."""

    async def main() -> None:
        arrivals = Arrivals()
        fake, builders = await setup(arrivals, options)
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))

        async def drive(request: web.Request) -> web.Response:
            spec = await request.json()
            return web.json_response(await _drive(session, arrivals, builders, spec["target"], spec))

        control = web.Application()
        control.router.add_post("/drive", drive)
        _, url = await serve_local(control)
        queue.put((url, fake))
        await asyncio.Event().wait()

    asyncio.run(main())


class Driver:
    """The benchmark's handle on the driver process; `fake` is the fake API's base URL."""

    def __init__(self, url: str, fake: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.fake = fake
        self.session = session

    async def drive(self, target: str, **spec: Any) -> dict[str, Any]:
        """Run a load against `target` (the app's base URL). `spec`: kind, rate, count, label, and
        optionally first_user, until (stop sending once an answer under that key arrived), opening (a
        first request, `{"kind": ..., "index": ...}`, posted at once) and timeout."""
        body = {"target": target, **spec}
        async with self.session.post(f"{self.url}/drive", json=body) as response:
            response.raise_for_status()
            return dict(await response.json())


@asynccontextmanager
async def driver_process(setup: Setup, options: Any) -> AsyncIterator[Driver]:
    """Start the driver process, with the fake API that `setup(arrivals, options)` starts there."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=run_driver, args=(setup, options, queue), daemon=True)
    process.start()
    try:
        url, fake = queue.get(timeout=120)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
            yield Driver(url, fake, session)
    finally:
        process.terminate()
        process.join(5)


def summary(latencies: Sequence[float]) -> dict[str, float]:
    """p50, p99 and the worst, in milliseconds (zeros for no sample)."""
    if not latencies:
        return {"p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0, "samples": 0}
    return {
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
        "samples": len(latencies),
    }


async def compare(
    driver: Driver, apps: dict[str, str], args: argparse.Namespace, *, senders: int, prefix: str
) -> dict[str, Any]:
    """Latencies of several apps: first each of `senders` people writes once to each app (their first
    contact, measured apart), then each rate in `args.rounds` alternating rounds of `args.seconds` per
    app (the order flips each round, so a busier moment of the shared machine weighs on all alike).
    With each rate's figures, the CPU time this process (every app in it, all its threads) spent per
    request while that app was driven."""
    results: dict[str, Any] = {"first_contact": {}, "rates": {}}
    for name, url in apps.items():
        run = await driver.drive(url, rate=args.warm_rate, count=senders, label=f"{prefix}w{name}")
        results["first_contact"][name] = {**summary(run["latency_ms"]), "lost": run["lost"] + run["failed"]}
    names = list(apps)
    for rate in args.rates:
        gathered: dict[str, list[float]] = {name: [] for name in names}
        lost = dict.fromkeys(names, 0)
        cpu = dict.fromkeys(names, 0.0)
        for number in range(args.rounds):
            for name in names if number % 2 == 0 else reversed(names):
                label = f"{prefix}{name}{rate:g}r{number}"
                before = time.process_time()
                run = await driver.drive(apps[name], rate=rate, count=round(rate * args.seconds), label=label)
                cpu[name] += time.process_time() - before
                gathered[name] += run["latency_ms"]
                lost[name] += run["lost"] + run["failed"]
        results["rates"][f"{rate:g}"] = {
            name: {
                **summary(values),
                "lost": lost[name],
                "cpu_ms_per_request": round(cpu[name] * 1000 / max(1, len(values) + lost[name]), 2),
            }
            for name, values in gathered.items()
        }
    return results


def rows(database: str, measured: dict[str, Any], warm_rate: float) -> list[list[object]]:
    """Table rows of `compare`'s results: database, offered rate, app, p50, p99, max, samples, lost, and
    the process's CPU time per request."""
    table: list[list[object]] = []
    runs = [(f"first contacts, {warm_rate:g}/s", measured["first_contact"])]
    runs += [(f"{rate}/s", apps) for rate, apps in measured["rates"].items()]
    for offered, apps in runs:
        for app, f in apps.items():
            table.append(
                [
                    database,
                    offered,
                    app,
                    f["p50_ms"],
                    f["p99_ms"],
                    f["max_ms"],
                    f["samples"],
                    f["lost"],
                    f.get("cpu_ms_per_request", "-"),
                ]
            )
    return table


ROW_HEADERS = ["database", "offered", "app", "p50 ms", "p99 ms", "max ms", "answers", "lost", "cpu ms/req"]


def checks(database: str, measured: dict[str, Any], *, margin_ms: float) -> dict[str, bool]:
    """At every rate, the subject's p99 within `margin_ms` of the bare app's; and nothing lost."""
    found: dict[str, bool] = {}
    for rate, apps in measured["rates"].items():
        limit = apps["bare"]["p99_ms"] + margin_ms
        name = f"{database}, {rate}/s: Tandem p99 {apps['tandem']['p99_ms']:.1f} ms <= bare p99 + {margin_ms:g} ms"
        measured_both = apps["tandem"]["samples"] and apps["bare"]["samples"]
        found[f"{name} ({limit:.1f} ms)"] = bool(measured_both) and apps["tandem"]["p99_ms"] <= limit
    lost = sum(f["lost"] for apps in measured["rates"].values() for f in apps.values())
    found[f"{database}: every request answered"] = lost == 0
    return found


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every latency benchmark takes."""
    parser.add_argument("--rates", type=_rates, default=[50.0, 200.0], help="requests/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one round of one app")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds of each app, per rate")
    parser.add_argument("--warm-rate", type=float, default=200.0, help="requests/s of the first contacts")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--postgres-url", default=pg_url(), help="default: TANDEM_BENCH_DATABASE_URL")
    parser.add_argument("--quick", action="store_true", help="200/s only, 2 rounds of 3 s")


def quick(args: argparse.Namespace) -> None:
    """`--quick`: 200/s only, 2 rounds of 3 s each."""
    if args.quick:
        args.rates, args.seconds, args.rounds = [200.0], 3.0, 2


def databases(args: argparse.Namespace) -> list[str]:
    """The databases asked for; PostgreSQL only when a server is named."""
    names = [name.strip() for name in args.databases.split(",") if name.strip()]
    if "postgresql" in names and not args.postgres_url:
        print("PostgreSQL skipped: set TANDEM_BENCH_DATABASE_URL (or TANDEM_TEST_DATABASE_URL)")
        names.remove("postgresql")
    return names


def _rates(value: str) -> list[float]:
    return [float(part) for part in value.split(",") if part.strip()]


@asynccontextmanager
async def tandem_serving(
    settings: Any,
    make_channel: Callable[[Any], Any],
    bare: web.Application,
    *,
    prepare: Callable[[Any], None] | None = None,
) -> AsyncIterator[dict[str, str]]:
    """The bare app and Tandem with one channel on the web host, served side by side as `tandem run`
    serves (the answer index built first, the dispatcher and the job runner running); yields their URLs
    as `compare` takes them. `prepare(app)`, when given, sees Tandem's app once its index is built."""

    from bot.app import build_app
    from bot.server import build_web_app

    bare_runner, bare_url = await serve_local(bare)
    app = await build_app(settings, migrate=False)
    channel = make_channel(app.conversation)
    app.outlets.register(channel.name, channel.outlet)
    runner, url = await serve_local(build_web_app(app.services.db, [channel]))
    try:
        await asyncio.to_thread(app.services.lessons.warm)
        if prepare is not None:
            prepare(app)
        async with app.delivering():
            settle()
            yield {"bare": bare_url, "tandem": url}
    finally:
        await bare_runner.cleanup()
        await runner.cleanup()
        await channel.close()
        await app.close()
