"""Does the inline SQLite session matter? The transaction every message runs, two ways, on one database.

Each message runs one transaction: mark its event id as seen, load the person with their mentor flag, and
record a question. On SQLite Tandem runs it with `InlineSession` (the synchronous session, straight in
the event loop). The baseline is SQLAlchemy's own asyncio session over aiosqlite, where each statement
is handed to aiosqlite's thread and back. Both run the same repository functions on copies of one
migrated database, in alternating rounds; the table gives the time of one such transaction, and of 20
messages arriving at once (they take turns on SQLite's one writer, so the last waits for the others).

    .venv/bin/python bench/sqlite_sessions.py [--events 3000] [--rounds 4]

aiosqlite is needed for the baseline only (`pip install aiosqlite`); Tandem does not use it.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from common import percentile, print_table, report  # type: ignore[import-not-found]
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import activity, people
from storage.db import Database, upgrade
from storage.models import PersonCreate, QuestionCreate

PEOPLE = 200
Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def seed(folder: Path) -> Path:
    """A migrated database with PEOPLE people, copied for each way so both start alike."""
    path = folder / "seed.db"
    upgrade(f"sqlite:///{path}")

    async def fill() -> None:
        db = Database(f"sqlite:///{path}")
        async with db.transaction() as session:
            for n in range(PEOPLE):
                data = PersonCreate(key=f"slack:T1:U{n:04d}", platform="slack", display_name=f"P{n}")
                await people.create_person_unless_exists(session, data=data)
        await db.dispose()

    asyncio.run(fill())
    return path


def aiosqlite_transactions(path: Path) -> tuple[Transaction, Callable[[], AbstractAsyncContextManager[None]]]:
    """SQLAlchemy's asyncio session over aiosqlite, BEGIN IMMEDIATE like Tandem's, one connection."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", pool_size=1, max_overflow=0)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: object) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]

    @asynccontextmanager
    async def transaction() -> AsyncIterator[AsyncSession]:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            yield session

    @asynccontextmanager
    async def closing() -> AsyncIterator[None]:
        async with engine.connect() as connection:
            await connection.execute(text("PRAGMA journal_mode=WAL"))
        yield
        await engine.dispose()

    return transaction, closing


async def one_message(transaction: Transaction, n: int, arrived: float | None = None) -> float:
    """The time from the message's arrival to its commit, in ms."""
    started = arrived if arrived is not None else time.perf_counter()
    async with transaction() as session:
        await activity.first_sighting(session, event_id=f"Ev{n}-{time.perf_counter_ns()}")
        found = await people.get_person_with_role(session, key=f"slack:T1:U{n % PEOPLE:04d}")
        assert found is not None
        data = QuestionCreate(person_id=found[0].id or 0, text="how do I spot a phishing email?")
        await activity.add_question(session, data=data)
    return (time.perf_counter() - started) * 1000


async def measure(transaction: Transaction, events: int) -> tuple[list[float], list[float]]:
    """One message at a time, then bursts of 20 at once (the time until each one's commit)."""
    alone = [await one_message(transaction, n) for n in range(events)]
    burst: list[float] = []
    for start in range(0, events, 20):
        arrived = time.perf_counter()
        burst += await asyncio.gather(
            *(one_message(transaction, n, arrived) for n in range(start, start + 20))
        )
    return alone, burst


async def run(path: Path, way: str, events: int) -> tuple[list[float], list[float]]:
    if way == "inline":
        db = Database(f"sqlite:///{path}")
        try:
            return await measure(db.transaction, events)
        finally:
            await db.dispose()
    transaction, closing = aiosqlite_transactions(path)
    async with closing():
        return await measure(transaction, events)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tandem-sessions-"))
    try:
        source = seed(folder)
        results: dict[str, tuple[list[float], list[float]]] = {"aiosqlite": ([], []), "inline": ([], [])}
        for round_ in range(args.rounds):
            ways = ["aiosqlite", "inline"] if round_ % 2 == 0 else ["inline", "aiosqlite"]
            for way in ways:
                copy = folder / f"{way}-{round_}.db"
                shutil.copy(source, copy)
                alone, burst = asyncio.run(run(copy, way, args.events))
                results[way][0].extend(alone)
                results[way][1].extend(burst)
        rows = []
        for way, (alone, burst) in results.items():
            rows.append(
                [
                    "AsyncSession over aiosqlite (baseline)"
                    if way == "aiosqlite"
                    else "InlineSession (Tandem)",
                    percentile(alone, 50),
                    percentile(alone, 99),
                    percentile(burst, 50),
                    percentile(burst, 99),
                ]
            )
        print(f"\nOne message's transaction on SQLite ({args.events} messages x {args.rounds} rounds, ms)")
        print_table(["session", "alone p50", "alone p99", "20 at once p50", "20 at once p99"], rows)
        saved = percentile(results["aiosqlite"][1], 99) - percentile(results["inline"][1], 99)
        checks = {
            f"the inline session saves {saved:.2f} ms at p99 when 20 messages arrive at once": saved > 0
        }
        raise SystemExit(report("sqlite_sessions", {"rows": rows}, checks))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
