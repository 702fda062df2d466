"""The dispatcher: claims due ledger rows and sends them, each on its own, with rate limits and retries.

It knows nothing about platforms: a Carrier (from the bot layer) composes claimed rows into parcels,
sends them through the right channel, says whether one already arrived, and tells senders how their
messages went. Every row is tried once per claim and its outcome recorded at once:

- sent: done;
- rate limited: due again after `Retry-After` (or a backoff);
- a temporary failure: due again after a backoff that grows with each attempt, until the row's
  lifetime ends. When the failure leaves it unknown whether the message arrived (a timeout, a 5xx, a
  dropped connection) the row is marked uncertain and retried only after `settle` seconds, then the
  channel is asked first whether it arrived, so a slow or ambiguous success is never sent twice;
- a permanent failure: the person is unreachable; their waiting messages are held until they can be
  reached again. For a row posted in a room (a channel, a group chat) it is the room that cannot be
  posted in: that row fails, and its sender is told, while the person stays reachable.

One recipient's failure never delays another's: rows are sent concurrently and recorded together.
Each process heartbeats a lease; rows claimed by a process whose lease lapsed are claimed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from scheduler.errors import PermanentError, RateLimited, TemporaryError
from storage import deliveries, workers
from storage.db import Database
from storage.deliveries import Claim, Outcome
from storage.enums import SendOutcome

logger = logging.getLogger(__name__)

UNEXPECTED_ATTEMPTS = 5
"""A row whose sending keeps raising something unexpected (a bug) is failed after this many tries."""


class Parcel(Protocol):
    """What a carrier prepared for one claim; `conversation` keys the per-conversation rate limit, and
    `paced` says whether the rate limits apply (not to a local inbox)."""

    @property
    def claim(self) -> Claim: ...

    @property
    def conversation(self) -> str: ...

    @property
    def paced(self) -> bool: ...


class Carrier(Protocol):
    """The bot layer's side of delivery."""

    @property
    def platforms(self) -> Sequence[str]:
        """The platforms this process can send to; rows for others are left to other processes."""
        ...

    async def prepare(self, claims: Sequence[Claim]) -> dict[int, Parcel]: ...

    async def send(self, parcel: Parcel) -> None: ...

    async def arrived(self, parcel: Parcel) -> bool: ...

    async def settle(self, batch_ids: set[int], now: dt.datetime) -> None:
        """Tell the senders of these batches how their messages went, once they are settled."""
        ...


class RateLimiter:
    """A global token bucket plus a minimum interval between two messages to one conversation."""

    def __init__(self, per_second: float, conversation_interval: float = 1.0) -> None:
        self.per_second = per_second
        self.interval = conversation_interval
        self._tokens = per_second
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()
        self._last: dict[str, float] = {}

    async def acquire(self, conversation: str) -> None:
        last = self._last.get(conversation)
        if last is not None:
            wait = last + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last[conversation] = time.monotonic()
        if self.per_second <= 0:
            return
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.per_second, self._tokens + (now - self._updated) * self.per_second)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.per_second)

    def forget_idle(self, older_than: float = 60.0) -> None:
        cutoff = time.monotonic() - older_than
        self._last = {k: v for k, v in self._last.items() if v >= cutoff}


@dataclass(slots=True)
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    recovered: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass(slots=True)
class DispatchSettings:
    concurrency: int = 50
    global_rate: float = 50.0
    conversation_interval: float = 1.0
    send_timeout: float = 10.0
    batch: int = 500
    lanes: int = 2
    backoff_base: float = 0.5
    backoff_cap: float = 120.0
    lease: float = 60.0
    """Seconds after its last heartbeat when a process's claims may be taken over."""
    idle_wait: float = 20.0
    """Longest sleep of the serving loop when nothing is due and nobody wakes it."""

    @property
    def settle(self) -> float:
        """How long an uncertain send is left before asking whether it arrived: longer than a slow
        answer can take, so a message still on its way is seen."""
        return 3 * self.send_timeout

    @property
    def claim_size(self) -> int:
        """Rows claimed at once: about ten seconds of sending at the global rate, so urgent messages
        written meanwhile do not wait behind a long claim."""
        if self.global_rate <= 0:
            return self.batch
        return max(20, min(self.batch, int(self.global_rate * 10)))


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """Claims due ledger rows and sends them through the carrier until none are left."""

    def __init__(
        self,
        db: Database,
        carrier: Carrier,
        settings: DispatchSettings,
        *,
        clock: Callable[[], dt.datetime],
        worker: str | None = None,
    ) -> None:
        self.db = db
        self.carrier = carrier
        self.settings = settings
        self.worker = worker or worker_name()
        self.clock = clock
        self.limiter = RateLimiter(settings.global_rate, settings.conversation_interval)
        self._semaphore = asyncio.Semaphore(settings.concurrency)
        self._wake = asyncio.Event()
        self._beating = 0
        self._beat_task: asyncio.Task[None] | None = None
        self._registered = False
        self._halt: asyncio.Event | None = None

    # --- the lease ------------------------------------------------------------------------------------

    async def heartbeat(self) -> None:
        async with self.db.transaction() as session:
            host, pid = socket.gethostname()[:64], os.getpid()
            if not self._registered:
                dead = await workers.forget_dead_on_host(session, host=host, me=self.worker)
                if dead:
                    logger.info("Taking over the work of %s stopped process(es) on this host", dead)
            await workers.heartbeat(session, worker=self.worker, host=host, pid=pid, now=self.clock())
        self._registered = True

    async def retire(self) -> None:
        """Give up the lease on a clean stop, so nothing waits for it to lapse."""
        with contextlib.suppress(Exception):
            async with self.db.transaction() as session:
                await workers.forget(session, worker=self.worker)

    @contextlib.asynccontextmanager
    async def alive(self) -> AsyncIterator[None]:
        """Heartbeat for as long as the block runs (nested blocks share one heartbeat)."""
        self._beating += 1
        if self._beat_task is None:
            await self.heartbeat()
            self._beat_task = asyncio.create_task(self._beat())
        try:
            yield
        finally:
            self._beating -= 1
            if not self._beating and self._beat_task is not None:
                self._beat_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._beat_task
                self._beat_task = None

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.settings.lease / 6)
            try:
                await self.heartbeat()
            except Exception as exc:
                logger.warning("Heartbeat failed: %s", exc)

    # --- serving --------------------------------------------------------------------------------------

    def wake(self) -> None:
        """Something new is due now: send it without waiting for the next tick."""
        self._wake.set()

    async def serve(self, stop: asyncio.Event) -> None:
        """Send what is due, then sleep until woken, until the next row falls due, or `idle_wait`.
        Once `stop` is set, the claim being sent finishes and nothing more is claimed."""
        self._halt = stop
        async with self.alive():
            while not stop.is_set():
                self._wake.clear()
                try:
                    await self.run_once()
                    wait = await self._until_next_due()
                except Exception:
                    logger.exception("Dispatch failed; trying again shortly")
                    wait = min(5.0, self.settings.idle_wait)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(first_of(self._wake, stop), wait)
        await self.retire()

    async def _until_next_due(self) -> float:
        async with self.db.transaction() as session:
            due = await deliveries.next_due_at(session, platforms=self.carrier.platforms)
        if due is None:
            return self.settings.idle_wait
        return max(0.05, min(self.settings.idle_wait, (due - self.clock()).total_seconds()))

    async def run_once(self, now: dt.datetime | None = None) -> DispatchReport:
        """Give up what outlived its lifetime, then send everything due. Two lanes overlap one claim's
        database work with another's sending. `now` freezes the moment (`tandem drip --at`, tests)."""
        report = DispatchReport()
        async with self.alive():
            moment = now or self.clock()
            await self._sweep(moment)
            await asyncio.gather(
                *(self._lane(moment, now is not None, report) for _ in range(self.settings.lanes))
            )
        self.limiter.forget_idle()
        return report

    async def _sweep(self, now: dt.datetime) -> None:
        async with self.db.transaction() as session:
            touched = await deliveries.expire(session, now=now)
            touched |= await deliveries.hold_strays(session, now=now)
            touched |= await deliveries.unreported(session)
        if touched:
            await self.carrier.settle(touched, now)

    async def _lane(self, moment: dt.datetime, frozen: bool, report: DispatchReport) -> None:
        size = self.settings.claim_size
        while self._halt is None or not self._halt.is_set():
            now = moment if frozen else self.clock()
            async with self.db.transaction() as session:
                claims = await deliveries.claim(
                    session,
                    now=now,
                    worker=self.worker,
                    platforms=self.carrier.platforms,
                    alive_since=now - dt.timedelta(seconds=self.settings.lease),
                    limit=size,
                )
            if not claims:
                return
            try:
                parcels = await self.carrier.prepare(claims)
            except Exception:
                logger.exception(
                    "Could not prepare %s claimed messages; they will be tried again", len(claims)
                )
                outcomes = [
                    Outcome(c, SendOutcome.RETRY, "could not be prepared", now, c.recovered) for c in claims
                ]
            else:
                outcomes = await asyncio.gather(
                    *(
                        self._deliver(claim, parcels.get(claim.delivery_id), frozen, moment)
                        for claim in claims
                    )
                )
            done = moment if frozen else self.clock()
            touched = await self._record(outcomes, done)
            if touched:
                await self.carrier.settle(touched, done)
            _count(report, claims, outcomes)
            if len(claims) < size:
                return

    async def _record(self, outcomes: Sequence[Outcome], now: dt.datetime) -> set[int]:
        """Write what happened. What was sent is a fact the ledger must learn, so a database that fails
        (a full disk, a lost server) is tried again until it takes the outcomes, or until this process
        stops (its claims then lapse, and the next process asks the channel before resending)."""
        delay = 0.2
        while True:
            try:
                async with self.db.transaction() as session:
                    return await deliveries.record(session, outcomes=outcomes, now=now)
            except Exception as exc:
                if self._halt is not None and self._halt.is_set():
                    raise
                logger.error(
                    "Could not record %s outcomes (%s); trying again", len(outcomes), type(exc).__name__
                )
                await asyncio.sleep(delay)
                delay = min(5.0, delay * 2)

    async def _deliver(
        self, claim: Claim, parcel: Parcel | None, frozen: bool, moment: dt.datetime
    ) -> Outcome:
        if parcel is None:
            return Outcome(claim, SendOutcome.FAILED, "nothing to send: the person or the content is gone")
        async with self._semaphore:
            return await self._attempt(claim, parcel, lambda: moment if frozen else self.clock())

    async def _attempt(self, claim: Claim, parcel: Parcel, now: Callable[[], dt.datetime]) -> Outcome:
        """One try: ask first when it may have arrived already, then send once."""
        asked = False
        try:
            if claim.recovered:
                asked = True
                if await asyncio.wait_for(self.carrier.arrived(parcel), self.settings.send_timeout):
                    return Outcome(claim, SendOutcome.SENT)
            asked = False
            if parcel.paced:
                await self.limiter.acquire(parcel.conversation)
            await asyncio.wait_for(self.carrier.send(parcel), self.settings.send_timeout)
            return Outcome(claim, SendOutcome.SENT)
        except RateLimited as exc:
            wait = exc.retry_after if exc.retry_after is not None else self._backoff(claim.attempts)
            return self._retry(claim, now(), f"rate limited: {exc}", wait, uncertain=asked)
        except TemporaryError as exc:
            uncertain = exc.ambiguous or asked
            return self._retry(claim, now(), f"temporary: {exc}", self._backoff(claim.attempts), uncertain)
        except TimeoutError:
            return self._retry(claim, now(), "no answer in time", self._backoff(claim.attempts), True)
        except PermanentError as exc:
            if claim.room:  # the room cannot be posted in; the person who answers for it still can be
                logger.info("Delivery %s: the room cannot be posted in: %s", claim.delivery_id, exc)
                return Outcome(claim, SendOutcome.FAILED, str(exc))
            logger.info("Delivery %s: the person cannot be reached: %s", claim.delivery_id, exc)
            return Outcome(claim, SendOutcome.UNREACHABLE, str(exc))
        except Exception:
            logger.exception("Delivery %s failed unexpectedly", claim.delivery_id)
            if claim.attempts >= UNEXPECTED_ATTEMPTS:
                return Outcome(claim, SendOutcome.FAILED, "could not be sent (an error on Tandem's side)")
            return self._retry(claim, now(), "unexpected error", self._backoff(claim.attempts), True)

    def _retry(self, claim: Claim, now: dt.datetime, error: str, wait: float, uncertain: bool) -> Outcome:
        if uncertain:
            wait = max(wait, self.settings.settle)
        return Outcome(claim, SendOutcome.RETRY, error, now + dt.timedelta(seconds=wait), uncertain)

    def _backoff(self, attempt: int) -> float:
        base = min(self.settings.backoff_cap, self.settings.backoff_base * (2 ** max(0, attempt - 1)))
        return base * (0.5 + random.random() / 2)


def _count(report: DispatchReport, claims: Sequence[Claim], outcomes: Sequence[Outcome]) -> None:
    for outcome in outcomes:
        report.outcomes.append(outcome)
        if outcome.status == SendOutcome.SENT:
            report.sent += 1
        elif outcome.status == SendOutcome.RETRY:
            report.retried += 1
        elif outcome.status == SendOutcome.UNREACHABLE:
            report.held += 1
        else:
            report.failed += 1
    report.recovered += sum(c.recovered for c in claims)


async def first_of(*events: asyncio.Event) -> None:
    """Return as soon as one of the events is set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
