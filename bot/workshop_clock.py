"""The workshops' clock: closes live quizzes when their window ends and tells a mentor when a step's
time is up, on its own schedule (not the drip's tick), from the timers kept in the database.

Each process runs one. A timer is taken by a compare-and-set on the workshop's version, in the same
transaction as what it sends, so two replicas never close the same quiz twice and a restart loses none:
a timer that came due while no process ran fires as soon as one does.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from bot.core import outbox
from bot.core.context import Services
from bot.core.replies import Notify, Reply, Text
from bot.core.workshop import live
from bot.i18n import t
from storage import people, workshops
from storage.enums import DeliveryKind

logger = logging.getLogger(__name__)

POLL = 0.5
"""Seconds between two looks at the timers: a quiz's results follow its window within about this."""
BATCH = 50


class WorkshopClock:
    """Fires due workshop timers, every `POLL` seconds while `serve` runs, or once with `fire_due`."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def serve(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.fire_due()
            except Exception:  # a database hiccup: the timers stay due and fire on the next round
                logger.exception("Workshop timers could not be read")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL)

    async def fire_due(self, now: dt.datetime | None = None) -> int:
        """Fire every timer due at `now` (the clock's time by default); returns how many fired."""
        moment = now or self.services.clock()
        async with self.services.db.transaction() as session:
            due = [w.id or 0 for w in await workshops.due_timers(session, now=moment, limit=BATCH)]
        fired = 0
        for workshop_id in due:
            fired += await self._fire(workshop_id, moment)
        if fired:
            self.services.wake()
        return fired

    async def _fire(self, workshop_id: int, now: dt.datetime) -> int:
        async with self.services.db.transaction() as session:
            workshop = await workshops.get_workshop(session, workshop_id=workshop_id)
            if workshop is None or workshop.timer_at is None or workshop.timer_at > now:
                return 0  # another replica took it, or the mentor moved on
            host = await people.get_person_by_id(session, person_id=workshop.host_id)
            if host is None:
                return 0
            state = live.live_of(workshop, host, self.services.lessons.library)
            notes: list[Reply] = []
            if workshop.timer_kind == live.TIMER_QUIZ:
                notes += await live.close_quiz(session, state, workshop.step, now=now)
                step = state.step(workshop.step)
                ends = (workshop.step_started_at or now) + dt.timedelta(minutes=step.minutes if step else 0)
                changes: dict[str, object] = {"timer_at": ends if ends > now else None, "timer_kind": "step"}
            else:
                notes.append(_time_up(state, host.lang, now=now))
                changes = {"timer_at": None, "timer_kind": None}
            if not await workshops.transition(
                session, workshop_id=workshop_id, version=workshop.version, **changes
            ):
                return 0
            await outbox.post(session, sender=host, replies=notes, lang=host.lang, now=now)
        return 1


def _time_up(state: live.Live, lang: str, *, now: dt.datetime) -> Notify:
    index = state.workshop.step
    text = t("live.time_up", lang, number=index + 1, what=live.step_name(state, index, lang), id=state.id)
    return Notify(
        state.host.key,
        (Text(text),),
        kind=DeliveryKind.WORKSHOP,
        person_id=state.host.id,
        expires_at=now + live.STEP_POSTS_LAST,
    )
