"""How people are doing, many at once: their enrollments, quiz scores, lessons received, last activity and
open questions. For the mentor's `mentees`, the weekly digest and the end-of-track message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import rollups, usage
from storage.enums import DeliveryKind, DeliveryStatus, FeedbackKind, QuestionStatus
from storage.models import Cohort, Delivery, Enrollment, Feedback, Person, Question


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
    """person id -> (right answers, quizzes answered), each lesson's quiz counted once, by its first answer;
    people who never answered are left out."""
    if not person_ids:
        return {}
    query = (
        select(
            Feedback.person_id, func.sum(case((col(Feedback.correct).is_(True), 1), else_=0)), func.count()
        )
        .where(col(Feedback.id).in_(_first_answers(person_ids)))
        .group_by(col(Feedback.person_id))
    )
    return {pid: (int(right or 0), int(total)) for pid, right, total in await session.exec(query)}


async def last_activity(session: AsyncSession, *, person_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """person id -> when they last acted themselves: any message or button press (`last_active_at`), and
    for the time before that was kept, a question asked, a quiz answered, feedback given."""
    if not person_ids:
        return {}
    ids = list(person_ids)
    latest: dict[int, dt.datetime] = {}
    active = select(Person.id, Person.last_active_at).where(
        col(Person.id).in_(ids), col(Person.last_active_at).is_not(None)
    )
    for pid, when in await session.exec(active):
        if pid is not None and when is not None:
            latest[pid] = when
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


async def open_question_counts(
    session: AsyncSession, *, person_ids: Sequence[int], mentor_id: int | None = None
) -> dict[int, int]:
    """person id -> the questions they chose to send to a mentor (to `mentor_id`, when given) that still
    wait for an answer. Questions they kept or declined are not a mentor's to count."""
    if not person_ids:
        return {}
    query = select(Question.person_id, func.count()).where(
        col(Question.person_id).in_(list(person_ids)), Question.status == QuestionStatus.FORWARDED
    )
    if mentor_id is not None:
        query = query.where(col(Question.mentor_id) == mentor_id)
    query = query.group_by(col(Question.person_id))
    return {pid: int(n) for pid, n in await session.exec(query)}


# --- quizzes and tracks -------------------------------------------------------------------------------


def _first_answers(person_ids: Sequence[int], lesson_ids: Sequence[str] | None = None) -> Any:
    """The ids of these people's first answer to each lesson's quiz: the one that counts."""
    query = select(func.min(Feedback.id)).where(
        col(Feedback.person_id).in_(list(person_ids)), Feedback.kind == FeedbackKind.QUIZ
    )
    if lesson_ids is not None:
        query = query.where(col(Feedback.lesson_id).in_(list(lesson_ids)))
    return query.group_by(col(Feedback.person_id), col(Feedback.lesson_id))


async def quiz_answer(session: AsyncSession, *, person_id: int, lesson_id: str) -> Feedback | None:
    """The person's first answer to this lesson's quiz, the one that counts; None before they answer."""
    query = (
        select(Feedback)
        .where(
            Feedback.person_id == person_id,
            Feedback.lesson_id == lesson_id,
            Feedback.kind == FeedbackKind.QUIZ,
        )
        .order_by(col(Feedback.id))
        .limit(1)
    )
    return (await session.exec(query)).first()


async def answer_quiz(
    session: AsyncSession, *, person_id: int, lesson_id: str, correct: bool, now: dt.datetime
) -> tuple[Feedback, bool]:
    """Record the person's answer to a lesson's quiz unless they answered it before: (the answer that
    counts, whether it is this one). A quiz counts once, even for two presses at the same moment: the
    person's row is locked first on PostgreSQL (SQLite's writer lock already serialises), so the second
    press waits and then finds the first answer."""
    await usage.lock_person(session, person_id=person_id)
    earlier = await quiz_answer(session, person_id=person_id, lesson_id=lesson_id)
    if earlier is not None:
        return earlier, False
    answer = Feedback(
        person_id=person_id, lesson_id=lesson_id, kind=FeedbackKind.QUIZ, correct=correct, created_at=now
    )
    session.add(answer)
    await session.flush()
    await rollups.feedback_added(session, feedback=answer, first=True)
    return answer, True


HANDED_OUT = (DeliveryStatus.SENT, DeliveryStatus.SENDING, DeliveryStatus.PENDING)
"""A lesson row in one of these has reached the learner or is on its way (the last lesson of a track
goes out with its end-of-track message)."""


@dataclass(frozen=True, slots=True)
class TrackSummary:
    """How far one enrollment went in its track: lessons handed out of the track's, and its quizzes
    (each lesson's first answer)."""

    lessons: int
    total: int
    answered: int
    right: int


async def track_summary(
    session: AsyncSession, *, enrollment_id: int, person_id: int, lesson_ids: Sequence[str]
) -> TrackSummary:
    """The track's lessons this enrollment handed out (sent, or on their way), never more than the track
    holds, and the person's quiz score on those lessons: counts that add up, for `progress` and the
    end-of-track message alike."""
    track = list(dict.fromkeys(lesson_ids))
    handed = select(func.count(func.distinct(Delivery.lesson_id))).where(
        Delivery.enrollment_id == enrollment_id,
        Delivery.kind == DeliveryKind.LESSON,
        col(Delivery.status).in_(HANDED_OUT),
        col(Delivery.lesson_id).in_(track),
    )
    lessons = int((await session.exec(handed)).one() or 0) if track else 0
    scores = select(func.sum(case((col(Feedback.correct).is_(True), 1), else_=0)), func.count()).where(
        col(Feedback.id).in_(_first_answers([person_id], track))
    )
    right, answered = (await session.exec(scores)).one() if track else (0, 0)
    return TrackSummary(lessons=lessons, total=len(track), answered=int(answered or 0), right=int(right or 0))
