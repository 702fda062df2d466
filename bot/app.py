"""Wiring: settings -> database, lessons, the conversation core, and delivery (outlets, carrier,
dispatcher, job runner). Channels and the CLI start here."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.clock import clock_for
from bot.console.chat import ConsoleOutlet
from bot.core.commands import build_router
from bot.core.context import LessonStore, Services
from bot.core.conversation import Conversation
from bot.delivery import LedgerCarrier
from bot.jobs import JobRunner
from bot.outlets import Outlets
from bot.settings import Settings
from bot.workshop_clock import WorkshopClock
from scheduler.dispatch import Dispatcher, DispatchSettings
from scheduler.service import DripRuntime, DripScheduler
from storage import examples
from storage.db import Database

logger = logging.getLogger(__name__)

DRAIN_ROUNDS = 50
LEARNED_SYNC_SECONDS = 30.0
"""How often a running process checks whether another replica learned (or forgot) an example."""


@dataclass(slots=True)
class App:
    """Everything a running Tandem shares: services, the conversation core, and delivery."""

    services: Services
    conversation: Conversation
    outlets: Outlets
    carrier: LedgerCarrier
    dispatcher: Dispatcher
    jobs: JobRunner
    timers: WorkshopClock
    """The workshops' timers (live quizzes' windows, steps' ends), on their own schedule."""

    def dispatch_settings(self) -> DispatchSettings:
        return dispatch_settings(self.services.settings)

    def drip(self, *, clock: Callable[[], dt.datetime] | None = None) -> DripRuntime:
        """The drip runtime. With a `clock` of its own (`tandem drip --at`, tests) it gets a dispatcher
        on that clock; otherwise it shares this process's dispatcher, which the core wakes."""
        if clock is None:
            dispatcher, clock = self.dispatcher, self.services.clock
        else:
            dispatcher = Dispatcher(self.services.db, self.carrier, self.dispatch_settings(), clock=clock)
        lessons = self.services.lessons
        return DripRuntime(
            db=self.services.db,
            dispatcher=dispatcher,
            tracks=lambda: {t.id: t.lessons for t in lessons.library.tracks.values()},
            clock=clock,
            default_tz=self.services.settings.default_tz,
        )

    def scheduler(self) -> DripScheduler:
        """The periodic jobs, the dispatcher's loop, the job runner's loop, the workshops' timers and the
        learned examples' follower, for a running process."""
        return DripScheduler(
            self.drip(),
            tick_seconds=self.services.settings.tick_seconds,
            loops=[self.jobs.serve, self.timers.serve, self.follow_learned],
        )

    async def follow_learned(self, stop: asyncio.Event, *, every: float = LEARNED_SYNC_SECONDS) -> None:
        """Keep this process's answer engine in step with the learned examples in the database: a mentor's
        link made on another replica (or a forget-me there) reaches this one within `every` seconds."""
        seen: tuple[int, int] | None = None
        while not stop.is_set():
            try:
                seen = await self.sync_learned(seen)
            except Exception:  # a database hiccup: try again next round, answers keep working meanwhile
                logger.exception("Could not read the learned examples")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    async def sync_learned(self, seen: tuple[int, int] | None = None) -> tuple[int, int]:
        """Relearn the stored examples when they changed since `seen` (their count and highest id) and
        differ from what this process knows; returns the mark now."""
        async with self.services.db.transaction() as session:
            mark = await examples.examples_mark(session)
            if mark == seen:
                return mark
            learned = await examples.learned_triples(session)
        store = self.services.lessons
        if set(learned) != set(store.learned):
            await asyncio.to_thread(store.set_learned, learned)
            logger.info("Answer engine follows %d learned examples", len(learned))
        return mark

    @contextlib.asynccontextmanager
    async def delivering(self) -> AsyncIterator[None]:
        """The dispatcher's, the job runner's and the workshop timers' loops, without the drip's periodic
        planning: what commands queue goes out while the block runs."""
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(self.dispatcher.serve(stop)),
            asyncio.create_task(self.jobs.serve(stop)),
            asyncio.create_task(self.timers.serve(stop)),
        ]
        try:
            yield
        finally:
            stop.set()
            self.services.wake()
            await asyncio.wait(tasks, timeout=30)

    async def deliver_now(self) -> None:
        """Run waiting jobs and send everything due now, until nothing is left (the console does this
        after each scripted line, so a script's output is always the same)."""
        for _ in range(DRAIN_ROUNDS):
            ran = await self.jobs.run_pending() + await self.timers.fire_due()
            report = await self.dispatcher.run_once()
            if not ran and not report.outcomes:
                return

    async def close(self) -> None:
        await self.services.db.dispose()


def dispatch_settings(settings: Settings) -> DispatchSettings:
    """The dispatcher's knobs, from the settings."""
    return DispatchSettings(
        concurrency=settings.send_concurrency,
        global_rate=settings.global_rate,
        conversation_interval=settings.conversation_interval,
        send_timeout=settings.send_timeout,
        idle_wait=settings.tick_seconds,
    )


def make_app(services: Services, outlets: Outlets | None = None) -> App:
    """The core and delivery around `services`; the console outlet is always there (it writes to the
    database), channels add theirs."""
    outlets = outlets or Outlets()
    conversation = Conversation(services, build_router())
    if outlets.for_platform("console") is None:
        outlets.register("console", ConsoleOutlet(services))
    carrier = LedgerCarrier(services.db, services.lessons, outlets, default_tz=services.settings.default_tz)
    dispatcher = Dispatcher(services.db, carrier, dispatch_settings(services.settings), clock=services.clock)
    jobs = JobRunner(conversation, dispatcher)
    app = App(services, conversation, outlets, carrier, dispatcher, jobs, WorkshopClock(services))

    def wake() -> None:
        app.dispatcher.wake()
        app.jobs.wake()

    services.wake = wake
    return app


async def build_app(
    settings: Settings, extra_lessons: Sequence[Path] = (), *, migrate: bool = True, warm: bool = True
) -> App:
    """Check the database and apply migrations, load the lessons, and build the core. Blocking steps run
    off the event loop; so does the answer engine's build (the semantic model's load with it) unless
    `warm` is False, for a process that answers no question. Raises storage.db.DatabaseError with a
    clear message when the database cannot be used."""
    if migrate:
        await asyncio.to_thread(Database.upgrade_url, settings.database_url)
    lessons = await asyncio.to_thread(
        functools.partial(LessonStore, [*settings.lessons, *extra_lessons], semantic=settings.semantic)
    )
    for problem in lessons.library.errors[:20]:
        logger.warning("Lesson problem: %s", problem)
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    async with db.transaction() as session:
        lessons.set_learned(await examples.learned_triples(session))  # what mentors taught
    if warm:  # the index and the model now, in a thread, so the first question waits for neither
        await asyncio.to_thread(lessons.warm)
    services = Services(db=db, settings=settings, lessons=lessons, clock=clock_for(settings.now))
    return make_app(services)
