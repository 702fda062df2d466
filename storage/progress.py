"""How people are doing, many at once: their enrollments, quiz scores, lessons received, last activity and
open questions. For the mentor's `mentees`, the weekly digest and the end-of-track message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import WAITING_QUESTIONS, DeliveryKind, DeliveryStatus, FeedbackKind
from storage.models import Cohort, Delivery, Enrollment, Feedback, Question


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
        .where(col(Feedback.person_id).in_(list(person_ids)), Feedback.kind == FeedbackKind.QUIZ)
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
    return {pid: int(n) for pid, n in await session.exec(query)}


async def open_question_counts(session: AsyncSession, *, person_ids: Sequence[int]) -> dict[int, int]:
    """person id -> their questions still waiting for an answer."""
    if not person_ids:
        return {}
    query = (
        select(Question.person_id, func.count())
        .where(col(Question.person_id).in_(list(person_ids)), col(Question.status).in_(WAITING_QUESTIONS))
        .group_by(col(Question.person_id))
    )
    return {pid: int(n) for pid, n in await session.exec(query)}
