"""Shared benchmark plumbing: a fake chat API in its own process, percentiles, tables, JSON output."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
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
def database(url: str | None, *, name: str = "bench") -> Iterator[str]:
    """A migrated database for the run: a temporary SQLite file, the given SQLite database, or a scratch
    database on the given PostgreSQL server (dropped afterwards)."""
    from storage.db import parse_url, upgrade
    from tests.support.db import PostgresTemplate

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
        target = url or f"sqlite:///{Path(folder) / f'{name}.db'}"
        upgrade(target)
        yield target


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
