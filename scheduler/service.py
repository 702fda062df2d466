"""The thin APScheduler layer: a short periodic tick, a weekly mentor digest, and pause expiry.

APScheduler holds no job per learner; the database says who is due. Jobs are module-level functions that
carry only the id of a registered runtime, so they stay plain and testable.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from scheduler import ledger, timing
from scheduler.dispatch import Dispatcher, DispatchReport
from scheduler.plan import zone_of
from storage import activity
from storage.db import Database
from storage.models import Delivery, Enrollment, Mentorship, Person

logger = logging.getLogger(__name__)

DIGEST_WEEKDAY = 0  # Monday
SEEN_EVENTS_KEPT = dt.timedelta(days=1)
DIGEST_HOUR = 9


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
    """Plan what is due, then send it. Used by the periodic job and by `tandem drip --at`."""
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
            plan, sent = await run_tick(runtime)
    except Exception:
        logger.exception("Drip tick failed; the next tick will try again")
        return
    if plan.queued or sent.sent or sent.failed:
        logger.info(
            "Drip tick: %s queued, %s completed, %s sent, %s to retry, %s failed",
            plan.queued,
            plan.completed,
            sent.sent,
            sent.retried,
            sent.failed,
        )


async def expire_pauses(runtime_id: str) -> None:
    """Clear pauses that have ended, so `settings` and reports stop showing them, and forget platform
    event ids older than a day (Slack only retries within minutes), so that table stays small."""
    runtime = _RUNTIMES.get(runtime_id)
    if runtime is None:
        return
    now = runtime.clock()
    async with runtime.working(), runtime.db.transaction() as session:
        await session.exec(
            update(Enrollment).where(col(Enrollment.paused_until) <= now).values(paused_until=None)
        )
        await session.exec(update(Person).where(col(Person.paused_until) <= now).values(paused_until=None))
        await activity.forget_seen_events(session, before=now - SEEN_EVENTS_KEPT)


async def plan_digests(runtime_id: str) -> int:
    """Queue each mentor's weekly digest on Monday morning, mentor's local time; once per ISO week."""
    runtime = _RUNTIMES.get(runtime_id)
    if runtime is None:
        return 0
    now = runtime.clock()
    async with runtime.working(), runtime.db.transaction() as session:
        mentor_ids = set(await session.exec(select(Mentorship.mentor_id)))
        mentors = (
            list(await session.exec(select(Person).where(col(Person.id).in_(mentor_ids))))
            if mentor_ids
            else []
        )
        rows = []
        for mentor in mentors:
            zone = zone_of(mentor.tz, runtime.default_tz)
            local = now.astimezone(zone)
            if local.weekday() != DIGEST_WEEKDAY or not DIGEST_HOUR <= local.hour < timing.QUIET_START.hour:
                continue
            year, week, _ = local.isocalendar()
            rows.append(
                {
                    "dedupe_key": f"digest:{mentor.id}:{year}-W{week:02d}",
                    "person_id": mentor.id,
                    "kind": "digest",
                    "status": "pending",
                    "due_at": now,
                }
            )
        if rows:
            dialect_insert = sqlite_insert if runtime.db.is_sqlite else pg_insert
            await session.exec(
                dialect_insert(Delivery).values(rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
            )
    return len(rows)


async def digest_job(runtime_id: str) -> None:
    try:
        await plan_digests(runtime_id)
    except Exception:
        logger.exception("Planning mentor digests failed")


class DripScheduler:
    """Owns the AsyncIOScheduler; start it inside a running event loop."""

    def __init__(self, runtime: DripRuntime, *, tick_seconds: float = 20.0) -> None:
        self.runtime = runtime
        self.tick_seconds = tick_seconds
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)

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
        logger.info("Drip scheduler started: a tick every %s s", self.tick_seconds)

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop starting jobs, let a running tick finish its transaction, then shut down."""
        if self.scheduler.running:
            self.scheduler.pause()
            await self.runtime.wait_idle(timeout)
            self.scheduler.shutdown(wait=False)
        unregister(self.runtime.id)
