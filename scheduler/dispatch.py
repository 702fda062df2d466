"""Concurrent sending of claimed deliveries, with rate limits, retries and exactly-once recovery.

The dispatcher knows nothing about platforms: a Carrier (provided by the bot layer) turns claims into
parcels and sends them. One failure never blocks the others.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from scheduler import ledger
from scheduler.errors import PermanentError, RateLimited, TemporaryError
from scheduler.ledger import Claim, Outcome
from storage.db import Database

logger = logging.getLogger(__name__)


class Parcel(Protocol):
    """What a carrier prepared for one claim; `conversation` keys the per-conversation rate limit."""

    claim: Claim
    conversation: str


class Carrier(Protocol):
    """Turns claims into parcels (loading people and composing messages in bulk), and sends them."""

    async def prepare(self, claims: Sequence[Claim]) -> dict[int, Parcel]: ...

    async def send(self, parcel: Parcel) -> None: ...

    async def delivered(self, parcel: Parcel) -> bool: ...


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
    recovered: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass(slots=True)
class DispatchSettings:
    concurrency: int = 50
    global_rate: float = 50.0
    conversation_interval: float = 1.0
    attempts_per_tick: int = 4
    send_timeout: float = 10.0
    batch: int = 500
    lanes: int = 2
    backoff_base: float = 0.5
    backoff_cap: float = 30.0


class Dispatcher:
    """Claims due ledger rows and sends them through the carrier until none are left."""

    def __init__(
        self,
        db: Database,
        carrier: Carrier,
        settings: DispatchSettings,
        *,
        worker: str,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.db = db
        self.carrier = carrier
        self.settings = settings
        self.worker = worker
        self.clock = clock
        self.limiter = RateLimiter(settings.global_rate, settings.conversation_interval)
        self._semaphore = asyncio.Semaphore(settings.concurrency)

    async def run_once(self, now: dt.datetime | None = None) -> DispatchReport:
        """Send everything due. Two lanes overlap one batch's database work with another's sending."""
        report = DispatchReport()
        moment = now or self.clock()
        await asyncio.gather(
            *(self._lane(moment, now is not None, report) for _ in range(self.settings.lanes))
        )
        self.limiter.forget_idle()
        return report

    async def _lane(self, moment: dt.datetime, frozen: bool, report: DispatchReport) -> None:
        while True:
            claims = await ledger.claim(self.db, moment, self.worker, limit=self.settings.batch)
            if not claims:
                return
            parcels = await self.carrier.prepare(claims)
            outcomes = await asyncio.gather(
                *(self._deliver(claim, parcels.get(claim.delivery_id)) for claim in claims)
            )
            await ledger.record(self.db, outcomes, moment if frozen else self.clock())
            for outcome in outcomes:
                report.outcomes.append(outcome)
                if outcome.status == "sent":
                    report.sent += 1
                elif outcome.status == "retry":
                    report.retried += 1
                else:
                    report.failed += 1
            report.recovered += sum(c.recovered for c in claims)
            if len(claims) < self.settings.batch:
                return

    async def _deliver(self, claim: Claim, parcel: Parcel | None) -> Outcome:
        if parcel is None:
            return Outcome(claim.delivery_id, "failed", "nothing to send (person or content gone)")
        async with self._semaphore:
            return await self._attempt(claim, parcel)

    async def _attempt(self, claim: Claim, parcel: Parcel) -> Outcome:
        check_first = claim.recovered or claim.attempts > 1  # tried before: it may have arrived
        error = "unknown"
        for attempt in range(self.settings.attempts_per_tick):
            try:
                if check_first and await self.carrier.delivered(parcel):
                    return Outcome(claim.delivery_id, "sent")
                check_first = False
                await self.limiter.acquire(parcel.conversation)
                await asyncio.wait_for(self.carrier.send(parcel), self.settings.send_timeout)
                return Outcome(claim.delivery_id, "sent")
            except RateLimited as exc:
                error = f"rate limited: {exc}"
                await asyncio.sleep(
                    exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
                )
            except TemporaryError as exc:
                error = f"temporary: {exc}"
                check_first = exc.ambiguous
                await asyncio.sleep(self._backoff(attempt))
            except TimeoutError:
                error = "timed out"
                check_first = True
                await asyncio.sleep(self._backoff(attempt))
            except PermanentError as exc:
                logger.info("Delivery %s failed for good: %s", claim.delivery_id, exc)
                return Outcome(
                    claim.delivery_id, "failed", str(exc), None, claim.person_id, claim.enrollment_id
                )
            except Exception:
                logger.exception("Delivery %s failed unexpectedly", claim.delivery_id)
                error = "unexpected error"
                check_first = True
                break
        if claim.attempts >= ledger.MAX_ATTEMPTS:
            return Outcome(claim.delivery_id, "failed", f"gave up after {claim.attempts} ticks: {error}")
        retry_at = self.clock() + dt.timedelta(seconds=self._backoff(claim.attempts + 2))
        return Outcome(claim.delivery_id, "retry", error, retry_at)

    def _backoff(self, attempt: int) -> float:
        base = min(self.settings.backoff_cap, self.settings.backoff_base * (2**attempt))
        return base * (0.5 + random.random() / 2)
