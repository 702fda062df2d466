"""`tandem drip --at`: one tick at a chosen moment, and a readable account of who got what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import col, select

from bot.app import build_app
from bot.settings import Settings
from scheduler import ledger
from scheduler.service import run_tick
from storage.models import Delivery, Person


async def run_drip(
    settings: Settings, lessons: Sequence[Path], at: dt.datetime, *, dry_run: bool
) -> list[str]:
    app = await build_app(settings, lessons)
    try:
        runtime = app.drip(clock=lambda: at)
        if dry_run:
            plan = await ledger.plan_due(app.services.db, at, runtime.tracks(), dry_run=True)
            return await _describe_plan(app, plan, at)
        plan, sent = await run_tick(runtime, at)
        return await _describe_sent(app, [o.delivery_id for o in sent.outcomes], at, plan)
    finally:
        await app.close()


async def _names(app: object, person_ids: set[int]) -> dict[int, Person]:
    async with app.services.db.transaction() as session:  # type: ignore[attr-defined]
        rows = await session.exec(select(Person).where(col(Person.id).in_(sorted(person_ids))))
        return {p.id: p for p in rows}


def _who(person: Person | None) -> str:
    return f"{person.display_name} ({person.key})" if person else "(someone since forgotten)"


async def _describe_plan(app: object, plan: ledger.PlanReport, at: dt.datetime) -> list[str]:
    async with app.services.db.transaction() as session:  # type: ignore[attr-defined]
        waiting = list(
            await session.exec(
                select(Delivery)
                .where(Delivery.status == "pending", col(Delivery.due_at) <= at)
                .order_by(col(Delivery.id))
            )
        )
    people = await _names(app, {pid for pid, _, _ in plan.details} | {d.person_id for d in waiting})
    lines = [f"Dry run at {at.isoformat()}: nothing is sent."]
    lines += [f"would send {kind} {what} to {_who(people.get(pid))}" for pid, kind, what in plan.details]
    lines += [
        f"would send {d.kind} {d.lesson_id or d.dedupe_key} to {_who(people.get(d.person_id))}"
        for d in waiting
    ]
    if len(lines) == 1:
        lines.append("Nobody is due at that moment.")
    return lines


async def _describe_sent(
    app: object, delivery_ids: list[int], at: dt.datetime, plan: ledger.PlanReport
) -> list[str]:
    async with app.services.db.transaction() as session:  # type: ignore[attr-defined]
        rows = list(
            await session.exec(
                select(Delivery).where(col(Delivery.id).in_(delivery_ids)).order_by(col(Delivery.id))
            )
        )
    people = await _names(app, {d.person_id for d in rows})
    lines = [f"Drip at {at.isoformat()}: {plan.queued} lessons queued, {plan.completed} tracks completed."]
    for d in rows:
        lines.append(f"{d.status}: {d.kind} {d.lesson_id or d.dedupe_key} to {_who(people.get(d.person_id))}")
    if not rows:
        lines.append("Nothing was due.")
    return lines
