"""The thin APScheduler layer: a short periodic tick, a weekly mentor digest and housekeeping, beside the
dispatcher's own loop.

APScheduler holds no job per learner; the database says who is due. Jobs are module-level functions that
receive the runtime they work with (APScheduler keeps its jobs in memory, so it holds that object as
is), and what they decide lives elsewhere: `scheduler.ledger` plans the drip, `scheduler.upkeep` the
digests and the housekeeping. The tick plans what is due into the ledger and wakes the dispatcher, which
sends whatever is due (tips, and every message a command queued) as soon as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler import ledger, meetings, nudges, upkeep
from scheduler.dispatch import Dispatcher, DispatchReport
from storage.db import Database
from storage.defaults import DEFAULT_TZ

logger = logging.getLogger(__name__)

Loop = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""A long-running loop that ends when its event is set (the dispatcher's, the job runner's)."""


@dataclass(slots=True)
class DripRuntime:
    """What the jobs need: the database, the dispatcher, the current tracks and a clock."""

    db: Database
    dispatcher: Dispatcher
    tracks: Callable[[], dict[str, tuple[str, ...]]]
    clock: Callable[[], dt.datetime]
    default_tz: str = DEFAULT_TZ
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


async def run_tick(
    runtime: DripRuntime, now: dt.datetime | None = None
) -> tuple[ledger.PlanReport, DispatchReport]:
    """Plan what is due, then send everything due. Used by `tandem drip --at` and tests; a running
    Tandem plans on its tick and lets the dispatcher's loop send."""
    moment = now or runtime.clock()
    plan = await ledger.plan_due(runtime.db, moment, runtime.tracks(), default_tz=runtime.default_tz)
    await nudges.plan_nudges(runtime.db, moment, default_tz=runtime.default_tz)
    await meetings.plan_meetings(runtime.db, moment, default_tz=runtime.default_tz)
    sent = await runtime.dispatcher.run_once(moment if now is not None else None)
    return plan, sent


async def tick(runtime: DripRuntime) -> None:
    """Plan what is due into the ledger (tips, then review questions) and wake the dispatcher, which
    sends it."""
    try:
        async with runtime.working():
            plan = await ledger.plan_due(
                runtime.db, runtime.clock(), runtime.tracks(), default_tz=runtime.default_tz
            )
            await nudges.plan_nudges(runtime.db, runtime.clock(), default_tz=runtime.default_tz)
            await meetings.plan_meetings(runtime.db, runtime.clock(), default_tz=runtime.default_tz)
    except Exception:
        logger.exception("Drip tick failed; the next tick will try again")
        return
    runtime.dispatcher.wake()
    if plan.queued or plan.completed or plan.reviews:
        logger.info(
            "Drip tick: %s lessons queued, %s tracks completed, %s reviews queued",
            plan.queued,
            plan.completed,
            plan.reviews,
        )


async def expire_pauses(runtime: DripRuntime) -> None:
    """Housekeeping (`upkeep.tidy`): ended pauses cleared, old platform event ids forgotten."""
    async with runtime.working():
        await upkeep.tidy(runtime.db, runtime.clock())


async def digest_job(runtime: DripRuntime) -> None:
    """Queue the mentors' weekly digests that are due (`upkeep.plan_digests`) and wake the dispatcher."""
    try:
        async with runtime.working():
            queued = await upkeep.plan_digests(runtime.db, runtime.clock(), runtime.default_tz)
    except Exception:
        logger.exception("Planning mentor digests failed")
        return
    if queued:
        runtime.dispatcher.wake()


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
        common = {"args": [self.runtime], "coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
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
