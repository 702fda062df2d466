"""Repository functions for cohorts and enrollments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import case, delete, func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Cohort, CohortCreate, CohortUpdate, Enrollment, EnrollmentUpdate, Person


async def get_cohort(session: AsyncSession, *, name: str) -> Cohort | None:
    query = select(Cohort).where(func.lower(Cohort.name) == name.strip().lower())
    return (await session.exec(query)).first()


async def create_cohort(session: AsyncSession, *, data: CohortCreate) -> Cohort:
    cohort = Cohort.model_validate(data)
    session.add(cohort)
    await session.flush()
    return cohort


async def update_cohort(session: AsyncSession, *, cohort: Cohort, data: CohortUpdate) -> Cohort:
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(cohort, name, value)
    session.add(cohort)
    await session.flush()
    return cohort


async def list_cohorts(session: AsyncSession) -> list[Cohort]:
    return list(await session.exec(select(Cohort).order_by(col(Cohort.name))))


async def cohort_counts(session: AsyncSession) -> dict[int, tuple[int, int]]:
    """cohort id -> (enrolled, active)."""
    query = select(
        Enrollment.cohort_id,
        func.count(),
        func.sum(case((col(Enrollment.status) == "active", 1), else_=0)),
    ).group_by(col(Enrollment.cohort_id))
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in await session.exec(query)}


async def get_enrollment(session: AsyncSession, *, person_id: int, cohort_id: int) -> Enrollment | None:
    query = select(Enrollment).where(Enrollment.person_id == person_id, Enrollment.cohort_id == cohort_id)
    return (await session.exec(query)).first()


async def enrollments_of(session: AsyncSession, *, person_id: int) -> list[tuple[Enrollment, Cohort]]:
    query = (
        select(Enrollment, Cohort)
        .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
        .where(Enrollment.person_id == person_id)
        .order_by(col(Enrollment.created_at))
    )
    return [(e, c) for e, c in await session.exec(query)]


async def enrolled_person_ids(session: AsyncSession, *, cohort_id: int) -> set[int]:
    query = select(Enrollment.person_id).where(Enrollment.cohort_id == cohort_id)
    return set(await session.exec(query))


async def cohort_members(session: AsyncSession, *, cohort_id: int) -> list[tuple[Enrollment, Person]]:
    query = (
        select(Enrollment, Person)
        .join(Person, col(Person.id) == col(Enrollment.person_id))
        .where(Enrollment.cohort_id == cohort_id)
        .order_by(col(Person.display_name))
    )
    return [(e, p) for e, p in await session.exec(query)]


async def add_enrollments(
    session: AsyncSession, *, cohort_id: int, due: Sequence[tuple[int, dt.datetime | None]]
) -> int:
    """Bulk-insert enrollments (person id, first due time); returns how many were added."""
    rows = [{"person_id": pid, "cohort_id": cohort_id, "next_due_at": when} for pid, when in due]
    for start in range(0, len(rows), 500):
        await session.exec(insert(Enrollment).values(rows[start : start + 500]))
    return len(rows)


async def update_enrollment(session: AsyncSession, *, enrollment: Enrollment, data: EnrollmentUpdate) -> None:
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(enrollment, name, value)
    session.add(enrollment)
    await session.flush()


async def remove_enrollment(session: AsyncSession, *, person_id: int, cohort_id: int) -> bool:
    result = await session.exec(
        delete(Enrollment).where(col(Enrollment.person_id) == person_id, col(Enrollment.cohort_id) == cohort_id)
    )
    return bool(result.rowcount)


async def set_cohort_paused(session: AsyncSession, *, cohort_id: int, paused: bool) -> None:
    await session.exec(update(Cohort).where(col(Cohort.id) == cohort_id).values(paused=paused))
