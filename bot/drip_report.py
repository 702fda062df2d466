"""`tandem drip --at`: one tick at a chosen moment, through the channels the settings configure, and a
readable account of who got what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from bot.app import App, build_app
from bot.channels import open_channels, switch, title
from bot.settings import Settings
from scheduler import ledger
from scheduler.service import run_tick
from storage import deliveries, people
from storage.enums import DeliveryKind, DeliveryStatus
from storage.models import Delivery, Person


async def run_drip(
    settings: Settings, lessons: Sequence[Path], at: dt.datetime, *, dry_run: bool
) -> list[str]:
    app = await build_app(settings, lessons, warm=False)  # a drip run answers no question
    channels = open_channels(app.conversation, app.outlets, settings)
    try:
        runtime = app.drip(clock=lambda: at)
        if dry_run:
            plan = await ledger.plan_due(
                app.services.db, at, runtime.tracks(), default_tz=settings.default_tz, dry_run=True
            )
            return await _describe_plan(app, plan, at)
        await app.timers.fire_due(at)  # workshop timers due by then (a quiz to close), through the ledger
        plan, sent = await run_tick(runtime, at)
        return await _describe_sent(app, [o.claim.delivery_id for o in sent.outcomes], at, plan, settings)
    finally:
        await channels.close()
        await app.close()


STATUS_WORDS: dict[str, str] = {
    DeliveryStatus.PENDING: "to retry",
    DeliveryStatus.HELD: "held",
    DeliveryStatus.EXPIRED: "not delivered",
}


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


WHAT: dict[str, str] = {DeliveryKind.COMPLETE: "end-of-track summary", DeliveryKind.TIP: "mentor's tip"}
"""How the operator's drip report names a delivery kind whose stored word reads badly in a sentence."""


def _what(delivery: Delivery) -> str:
    if delivery.lesson_id:
        return f"{delivery.kind} {delivery.lesson_id}"
    return WHAT.get(delivery.kind, delivery.kind)


async def _describe_plan(app: App, plan: ledger.PlanReport, at: dt.datetime) -> list[str]:
    async with app.services.db.transaction() as session:
        waiting = await deliveries.due_rows(session, now=at)
        names = await people.people_by_ids(session, ids=sorted({pid for pid, _, _ in plan.details}))
    lines = [f"Dry run at {at.isoformat()}: nothing is sent."]
    lines += [f"would send {kind} {what} to {_who(names.get(pid))}" for pid, kind, what in plan.details]
    lines += [f"would send {_what(d)} to {_who(p)}" for d, p in waiting]
    if len(lines) == 1:
        lines.append("Nobody is due at that moment.")
    return lines


async def _describe_sent(
    app: App, delivery_ids: list[int], at: dt.datetime, plan: ledger.PlanReport, settings: Settings
) -> list[str]:
    async with app.services.db.transaction() as session:
        rows = await deliveries.rows_by_ids(session, ids=delivery_ids)
        left = await deliveries.due_by_platform(session, now=at)
    queued = plural(plan.queued, "lesson", "lessons")
    completed = plural(plan.completed, "track", "tracks")
    asked = f", {plural(plan.reviews, 'review', 'reviews')} queued" if plan.reviews else ""
    lines = [f"Drip at {at.isoformat()}: {queued} queued, {completed} completed{asked}."]
    lines += [f"{_status(d)}: {_what(d)} to {_who(p)}{_why(d)}" for d, p in rows]
    for platform, count in sorted(left.items()):
        if platform in app.outlets.platforms:
            lines.append(f"{plural(count, 'message', 'messages')} for {_platform(platform)} to retry later.")
            continue
        setting = switch(settings, platform)
        how = f" (set {setting})" if setting else ""
        lines.append(
            f"{plural(count, 'message', 'messages')} for {_platform(platform)} people stay pending: "
            f"{_platform(platform)} is not configured in this process{how}; `tandem run` sends them."
        )
    if not rows and not left:
        lines.append("Nothing was due.")
    return lines


def _status(delivery: Delivery) -> str:
    return STATUS_WORDS.get(delivery.status, delivery.status)


def _why(delivery: Delivery) -> str:
    return f" ({delivery.error})" if delivery.status != DeliveryStatus.SENT and delivery.error else ""


def _platform(platform: str) -> str:
    return title(platform)


def _who(person: Person | None) -> str:
    return person.display_name if person else "(someone since forgotten)"
