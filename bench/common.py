"""Shared benchmark plumbing: a fake chat API in its own process, percentiles, tables, JSON output."""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"


def pg_url() -> str | None:
    """PostgreSQL for benchmarks: TANDEM_BENCH_DATABASE_URL, else the test server when it is set."""
    return os.environ.get("TANDEM_BENCH_DATABASE_URL") or os.environ.get("TANDEM_TEST_DATABASE_URL")


@contextmanager
def fake_chat_process(latency: float) -> Iterator[str]:
    """The fake chat API (tests/support/fake_chat.py) served by a separate process, so it does not share
    our CPU time slice with the code being measured."""
    from tests.support.fake_chat import serve_forever

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=serve_forever, args=(latency, queue), daemon=True)
    process.start()
    try:
        yield queue.get(timeout=30)
    finally:
        process.terminate()
        process.join(5)


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    return str(value)


def write_json(name: str, payload: object) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


def report(name: str, results: dict[str, Any], checks: dict[str, bool]) -> int:
    """Print each target as PASS or FAIL, write the results (checks included) as bench/results/<name>.json,
    and return the exit status: 0 when every target is met."""
    print()
    for check, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {check}")
    results["checks"] = checks
    print(f"\nwrote {write_json(name, results)}")
    return 0 if all(checks.values()) else 1


def settle() -> None:
    """Before a measured phase: the memory settings `tandem run` applies once started (collect, freeze
    what exists, collect less often), for every app in the process alike.

    Each app is then measured with the garbage collector walking only what its requests allocate,
    not whatever the benchmark process built before (the other app, the lesson index, the SDKs).
    """
    from bot.serve import settle_memory

    settle_memory()


async def interleaved(
    runs: dict[str, Callable[..., Awaitable[float]]], total: int, rounds: int, concurrency: int
) -> dict[str, list[float]]:
    """Rates of several apps measured in alternating rounds (the order flips each round), so that a
    slower or busier moment of a shared machine weighs on every app alike. Each run is called as
    `run(count, concurrency, label)` and returns a rate."""
    per_round = max(1, total // rounds)
    rates: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for number in range(rounds):
        for name in names if number % 2 == 0 else reversed(names):
            rates[name].append(await runs[name](per_round, concurrency, f"{name}-r{number}"))
    return rates


async def compare_apps(
    apps: dict[str, Callable[..., Awaitable[float]]],
    *,
    total: int,
    rounds: int,
    concurrency: int,
    senders: int,
    subject: str = "tandem",
    reference: str = "bare",
) -> dict[str, Any]:
    """Steady-state and first-contact rates of several apps, and the subject's ratios to the others.

    Each run is `run(count, concurrency, label, first_user=0)`. Every app first hears once from each of
    its `senders`; the measured rounds alternate (see `interleaved`); a last run comes from `senders`
    people never heard from. `ratio` is the median of the per-round ratios to `reference`; the ratio
    to any other app `<reference>_<name>` is `ratio_vs_<name>`.
    """
    for name, run in apps.items():
        await run(senders, concurrency, f"warm-{name}")
    measured = await interleaved(apps, total, rounds, concurrency)
    results: dict[str, Any] = {
        f"{name}_per_second": round(statistics.median(rates), 1) for name, rates in measured.items()
    }
    for name, rates in measured.items():
        if name == subject:
            continue
        ratios = [round(t / b, 2) for b, t in zip(rates, measured[subject], strict=True)]
        if name == reference:
            results["round_ratios"] = ratios
            results["ratio"] = round(statistics.median(ratios), 2)
        else:
            results[f"ratio_vs_{name.removeprefix(reference + '_')}"] = round(statistics.median(ratios), 2)
    for name, run in apps.items():
        rate = await run(senders, concurrency, f"new-{name}", first_user=senders)
        results[f"{name}_first_contact_per_second"] = round(rate, 1)
    first = results[f"{subject}_first_contact_per_second"] / results[f"{reference}_first_contact_per_second"]
    results["first_contact_ratio"] = round(first, 2)
    return results
