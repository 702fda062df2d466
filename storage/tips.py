"""Repository functions for the mentor commands: mentee summaries and custom tips."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import DeliveryKind, DeliveryStatus
from storage.models import Cohort, CustomTip, Delivery, Enrollment, Feedback, Mentorship, Question


async def enrollments_for(
    session: AsyncSession, *, person_ids: Sequence[int]
) -> dict[int, list[tuple[Enrollment, Cohort]]]:
    """person id -> their enrollments with cohorts, oldest first; one query for all of them."""
    if not person_ids:
        return {}
    query = (
        select(Enrollment, Cohort)
        .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
        .where(col(Enrollment.person_id).in_(list(person_ids)))
        .order_by(col(Enrollment.created_at), col(Enrollment.id))
    )
    found: dict[int, list[tuple[Enrollment, Cohort]]] = {}
    for enrollment, cohort in await session.exec(query):
        found.setdefault(enrollment.person_id, []).append((enrollment, cohort))
    return found


async def quiz_scores(session: AsyncSession, *, person_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """person id -> (right answers, quiz answers); people who never answered are left out."""
    if not person_ids:
        return {}
    query = (
        select(
            Feedback.person_id, func.sum(case((col(Feedback.correct).is_(True), 1), else_=0)), func.count()
        )
        .where(col(Feedback.person_id).in_(list(person_ids)), Feedback.kind == "quiz")
        .group_by(col(Feedback.person_id))
    )
    return {pid: (int(right or 0), int(total)) for pid, right, total in await session.exec(query)}


async def last_activity(session: AsyncSession, *, person_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """person id -> when they last acted themselves: asked a question, answered a quiz, gave feedback."""
    if not person_ids:
        return {}
    ids = list(person_ids)
    latest: dict[int, dt.datetime] = {}
    for model in (Question, Feedback):
        query = (
            select(model.person_id, func.max(model.created_at))
            .where(col(model.person_id).in_(ids))
            .group_by(col(model.person_id))
        )
        for pid, when in await session.exec(query):
            if when is not None and (pid not in latest or when > latest[pid]):
                latest[pid] = when
    return latest


async def mentees_enrolled_in(session: AsyncSession, *, mentor_id: int, cohort_id: int) -> int:
    """How many of this mentor's mentees are enrolled in the cohort."""
    query = (
        select(func.count())
        .select_from(Enrollment)
        .join(Mentorship, col(Mentorship.mentee_id) == col(Enrollment.person_id))
        .where(Mentorship.mentor_id == mentor_id, Enrollment.cohort_id == cohort_id)
    )
    return int((await session.exec(query)).one())


async def tips_by_ids(session: AsyncSession, *, ids: Sequence[int]) -> dict[int, CustomTip]:
    if not ids:
        return {}
    rows = await session.exec(select(CustomTip).where(col(CustomTip.id).in_(list(ids))))
    return {tip.id: tip for tip in rows if tip.id is not None}


async def lessons_received_by(session: AsyncSession, *, person_ids: Sequence[int]) -> dict[int, int]:
    """person id -> lessons delivered to them, across their cohorts."""
    if not person_ids:
        return {}
    query = (
        select(Delivery.person_id, func.count())
        .where(
            col(Delivery.person_id).in_(list(person_ids)),
            Delivery.kind == DeliveryKind.LESSON,
            Delivery.status == DeliveryStatus.SENT,
        )
        .group_by(col(Delivery.person_id))
    )
    return {pid: int(n) for pid, n in await session.exec(query)}  # type: ignore[call-overload]


async def open_question_counts(session: AsyncSession, *, person_ids: Sequence[int]) -> dict[int, int]:
    """person id -> their questions still waiting for an answer."""
    if not person_ids:
        return {}
    query = (
        select(Question.person_id, func.count())
        .where(col(Question.person_id).in_(list(person_ids)), col(Question.status).in_(("open", "forwarded")))
        .group_by(col(Question.person_id))
    )
    return {pid: int(n) for pid, n in await session.exec(query)}  # type: ignore[call-overload]
