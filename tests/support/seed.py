"""Bulk set-up of cohorts and learners straight through the storage layer, for drip tests and benches."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert
from sqlmodel import col, select

from storage.db import Database
from storage.models import Cohort, Enrollment, Person


async def seed_cohort(
    db: Database,
    *,
    learners: int,
    due_at: dt.datetime | None,
    name: str = "pilot",
    track: str = "first-steps",
    start: dt.date = dt.date(2026, 1, 5),
    tz: str = "Europe/Paris",
    time_of_day: str = "09:00",
    days: str = "mon,tue,wed,thu,fri",
    platform: str = "test",
    person_tz: str | None = None,
    position: int = 0,
    key_format: str | None = None,
) -> tuple[int, list[int]]:
    """A cohort and `learners` people enrolled in it, all due at `due_at`; returns (cohort id, person ids).
    `key_format` makes their keys (`"slack:T1:U{i:04d}"`); by default `<platform>:<name>-<i>`."""
    async with db.transaction() as session:
        cohort = Cohort(
            name=name, track_id=track, start_date=start, delivery_time=time_of_day, days=days, tz=tz
        )
        session.add(cohort)
        await session.flush()
        rows = [
            {
                "key": key_format.format(i=i) if key_format else f"{platform}:{name}-{i}",
                "platform": platform,
                "display_name": f"Learner {i}",
                "lang": "en",
                "tz": person_tz,
            }
            for i in range(learners)
        ]
        for start_row in range(0, len(rows), 500):
            await session.exec(insert(Person).values(rows[start_row : start_row + 500]))
        keys = [row["key"] for row in rows]
        ids: list[int] = []
        for start_row in range(0, len(keys), 500):
            ids += list(
                await session.exec(
                    select(Person.id).where(col(Person.key).in_(keys[start_row : start_row + 500]))
                )
            )
        enrollments = [
            {"person_id": pid, "cohort_id": cohort.id, "next_due_at": due_at, "position": position}
            for pid in ids
        ]
        for start_row in range(0, len(enrollments), 500):
            await session.exec(insert(Enrollment).values(enrollments[start_row : start_row + 500]))
        return cohort.id or 0, sorted(ids)
