"""The thin APScheduler layer: a short periodic tick, a weekly mentor digest and housekeeping, beside the
dispatcher's own loop.

APScheduler holds no job per learner; the database says who is due. Jobs are module-level functions that
carry only the id of a registered runtime, so they stay plain and testable. The tick plans what is due
into the ledger and wakes the dispatcher, which sends whatever is due (tips, and every message a command
queued) as soon as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler import ledger, lifetimes, timing
from scheduler.dispatch import Dispatcher, DispatchReport
from scheduler.plan import zone_of
from storage import activity, deliveries, keys, people
from storage.db import Database
from storage.enums import DeliveryKind, Priority

logger = logging.getLogger(__name__)

DIGEST_WEEKDAY = 0  # Monday
SEEN_EVENTS_KEPT = dt.timedelta(days=1)
DIGEST_HOUR = 9

Loop = Callable[[asyncio.Event], Awaitable[None]]
"""A long-running loop that ends when its event is set (the dispatcher's, the job runner's)."""


@dataclass(slots=True)
class DripRuntime:
    """What the jobs need: the database, the dispatcher, the current tracks and a clock."""

    db: Database
    dispatcher: Dispatcher
    tracks: Callable[[], dict[str, tuple[str, ...]]]
    clock: Callable[[], dt.datetime]
    default_tz: str = "Europe/Paris"
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    _busy: int = 0
    _idle: asyncio.Event = field(default_factory=asyncio.Event)

    @contextlib.asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        """Marks a job as running, so shutting down can wait for it instead of cutting a transaction."""
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()

    async def wait_idle(self, timeout: float) -> None:
        if self._busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), timeout)


_RUNTIMES: dict[str, DripRuntime] = {}


def register(runtime: DripRuntime) -> str:
    _RUNTIMES[runtime.id] = runtime
    return runtime.id


def unregister(runtime_id: str) -> None:
    _RUNTIMES.pop(runtime_id, None)


async def run_tick(
    runtime: DripRuntime, now: dt.datetime | None = None
) -> tuple[ledger.PlanReport, DispatchReport]:
    """Plan what is due, then send everything due. Used by `tandem drip --at` and tests; a running
    Tandem plans on its tick and lets the dispatcher's loop send."""
    moment = now or runtime.clock()
    plan = await ledger.plan_due(runtime.db, moment, runtime.tracks())
    sent = await runtime.dispatcher.run_once(moment if now is not None else None)
    return plan, sent


async def tick(runtime_id: str) -> None:
    runtime = _RUNTIMES.get(runtime_id)
    if runtime is None:
        return
    try:
        async with runtime.working():
            plan = await ledger.plan_due(runtime.db, runtime.clock(), runtime.tracks())
    except Exception:
        logger.exception("Drip tick failed; the next tick will try again")
        return
    runtime.dispatcher.wake()
    if plan.queued or plan.completed:
        logger.info("Drip tick: %s lessons queued, %s tracks completed", plan.queued, plan.completed)


async def expire_pauses(runtime_id: str) -> None:
    """Clear pauses that have ended, and forget platform event ids older than a day (Slack only retries
    within minutes), so that table stays small."""
    runtime = _RUNTIMES.get(runtime_id)
    if runtime is None:
        return
    now = runtime.clock()
    async with runtime.working(), runtime.db.transaction() as session:
        await people.end_pauses(session, now=now)
        await activity.forget_seen_events(session, before=now - SEEN_EVENTS_KEPT)


async def plan_digests(runtime_id: str) -> int:
    """Queue each mentor's weekly digest on Monday morning, mentor's local time; once per ISO week."""
    runtime = _RUNTIMES.get(runtime_id)
    if runtime is None:
        return 0
    now = runtime.clock()
    async with runtime.working(), runtime.db.transaction() as session:
        rows = []
        for mentor in await people.mentors(session):
            zone = zone_of(mentor.tz, runtime.default_tz)
            local = now.astimezone(zone)
            if local.weekday() != DIGEST_WEEKDAY or not DIGEST_HOUR <= local.hour < timing.QUIET_START.hour:
                continue
            year, week, _ = local.isocalendar()
            rows.append(
                {
                    "dedupe_key": keys.digest_key(mentor.id or 0, year, week),
                    "person_id": mentor.id,
                    "kind": DeliveryKind.DIGEST,
                    "priority": Priority.BULK,
                    "due_at": now,
                    "expires_at": lifetimes.end_of_day(now, zone),
                    "created_at": now,
                }
            )
        await deliveries.enqueue(session, rows=rows)
    if rows:
        runtime.dispatcher.wake()
    return len(rows)


async def digest_job(runtime_id: str) -> None:
    try:
        await plan_digests(runtime_id)
    except Exception:
        logger.exception("Planning mentor digests failed")


class DripScheduler:
    """Owns the AsyncIOScheduler and the long-running loops; start it inside a running event loop."""

    def __init__(
        self, runtime: DripRuntime, *, tick_seconds: float = 20.0, loops: Sequence[Loop] = ()
    ) -> None:
        self.runtime = runtime
        self.tick_seconds = tick_seconds
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self.loops: list[Loop] = [runtime.dispatcher.serve, *loops]
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        runtime_id = register(self.runtime)
        common = {"args": [runtime_id], "coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        self.scheduler.add_job(
            tick,
            "interval",
            seconds=self.tick_seconds,
            next_run_time=dt.datetime.now(dt.UTC),
            id="tick",
            **common,
        )
        self.scheduler.add_job(digest_job, "interval", minutes=30, id="digest", **common)
        self.scheduler.add_job(expire_pauses, "interval", minutes=15, id="pauses", **common)
        self.scheduler.start()
        self._tasks = [asyncio.create_task(loop(self._stop)) for loop in self.loops]
        logger.info("Drip scheduler started: a tick every %s s", self.tick_seconds)

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop starting jobs, let running work finish its transaction, then shut down."""
        self._stop.set()
        if self.scheduler.running:
            self.scheduler.pause()
            await self.runtime.wait_idle(timeout)
            self.scheduler.shutdown(wait=False)
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    logger.error("A delivery loop ended with an error: %s", task.exception())
            self._tasks = []
        unregister(self.runtime.id)
