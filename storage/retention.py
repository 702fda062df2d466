"""What stuck, in aggregate: a cohort's retention figures for `report`, and the topics a mentee keeps
getting wrong for their mentor's weekly digest.

A figure is computed over people, and says how many (`people`), so that the caller can hold back one that
rests on too few of them: executives' wrong answers are private by design (see `MIN_PEOPLE`). Lessons are
counted from the review schedule (`ReviewCard`: one per learner and lesson, made when the lesson first
reached them), answers from `ReviewAnswer`, first quiz answers from `Feedback` (which holds them since
before the review schedule existed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, literal
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import AnswerKind, ConfidenceMoment, FeedbackKind, PauseReason
from storage.models import ConfidenceRating, Enrollment, Feedback, Person, ReviewAnswer, ReviewCard

MIN_PEOPLE = 5
"""A figure computed over fewer people than this is "too few to report"."""
RETAINED_AFTER = dt.timedelta(days=21)
"""A lesson counts for "retained at 3 weeks" once it is this old for its learner."""
FORGOTTEN_SHOWN = 3
TOPICS_PER_MENTEE = 5
WRONG_REVIEWS = 2
"""A mentee's topic to go over: a lesson they got wrong in this many reviews (or on their last answer)."""


@dataclass(frozen=True, slots=True)
class Share:
    """`hits` out of `total`, counted over `people` distinct people."""

    hits: int
    total: int
    people: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.hits / self.total) if self.total else None


@dataclass(frozen=True, slots=True)
class Forgotten:
    """A lesson's review answers across a cohort: how many were wrong, out of how many, by how many people."""

    lesson_id: str
    wrong: int
    answers: int
    people: int


@dataclass(frozen=True, slots=True)
class ConfidenceChange:
    """Mean END rating minus mean START rating (1 to 5), over the `people` who gave both."""

    start: float | None
    end: float | None
    people: int

    @property
    def change(self) -> float | None:
        return None if self.start is None or self.end is None else self.end - self.start


@dataclass(frozen=True, slots=True)
class CohortRetention:
    """Every retention figure `report` shows for one cohort."""

    first_try: Share
    """First answers to each lesson's quiz that were right."""
    retained: Share
    """Lessons at least three weeks old for their learner that are retained."""
    due: Share
    """Reviews due now (`hits`) among the lessons in the schedule (`total`)."""
    forgotten: list[Forgotten]
    """The lessons most often answered wrong in reviews, answered by at least `MIN_PEOPLE` people."""
    forgotten_held_back: int
    """Lessons answered wrong in reviews by fewer than `MIN_PEOPLE` people: not named."""
    confidence: ConfidenceChange
    paused_for_inactivity: int


def _members(cohort_id: int) -> Any:
    """The people enrolled in the cohort, as a subquery."""
    return select(Enrollment.person_id).where(Enrollment.cohort_id == cohort_id)


async def cohort_retention(session: AsyncSession, *, cohort_id: int, now: dt.datetime) -> CohortRetention:
    """A cohort's retention figures at `now`, one aggregate query each, whatever the cohort's size."""
    forgotten, held_back = await most_forgotten(session, cohort_id=cohort_id)
    return CohortRetention(
        first_try=await first_try_correct(session, cohort_id=cohort_id),
        retained=await retained_share(session, cohort_id=cohort_id, now=now),
        due=await reviews_due(session, cohort_id=cohort_id, now=now),
        forgotten=forgotten,
        forgotten_held_back=held_back,
        confidence=await confidence_change(session, cohort_id=cohort_id),
        paused_for_inactivity=await paused_for_inactivity(session, cohort_id=cohort_id, now=now),
    )


async def first_try_correct(session: AsyncSession, *, cohort_id: int) -> Share:
    """The cohort's first answers to each lesson's quiz (one per learner and lesson): how many were right."""
    first = (
        select(func.min(Feedback.id))
        .where(col(Feedback.person_id).in_(_members(cohort_id)), Feedback.kind == FeedbackKind.QUIZ)
        .group_by(col(Feedback.person_id), col(Feedback.lesson_id))
    )
    query = select(
        func.sum(case((col(Feedback.correct).is_(True), 1), else_=0)),
        func.count(),
        func.count(func.distinct(Feedback.person_id)),
    ).where(col(Feedback.id).in_(first))
    return _share((await session.exec(query)).one())


async def retained_share(session: AsyncSession, *, cohort_id: int, now: dt.datetime) -> Share:
    """Of the cohort's lessons first sent at least three weeks before `now`, how many are retained (a right
    review answer at least 21 days after the lesson first reached the learner)."""
    query = select(
        func.sum(case((col(ReviewCard.retained_at).is_not(None), 1), else_=0)),
        func.count(),
        func.count(func.distinct(ReviewCard.person_id)),
    ).where(
        col(ReviewCard.person_id).in_(_members(cohort_id)),
        col(ReviewCard.first_sent_at) <= now - RETAINED_AFTER,
    )
    return _share((await session.exec(query)).one())


async def reviews_due(session: AsyncSession, *, cohort_id: int, now: dt.datetime) -> Share:
    """How many of the cohort's lessons in the review schedule are due at `now`, out of all of them, over
    the people who have lessons in the schedule."""
    query = select(
        func.sum(case((col(ReviewCard.due_at) <= now, 1), else_=0)),
        func.count(),
        func.count(func.distinct(ReviewCard.person_id)),
    ).where(col(ReviewCard.person_id).in_(_members(cohort_id)))
    return _share((await session.exec(query)).one())


async def most_forgotten(
    session: AsyncSession, *, cohort_id: int, limit: int = FORGOTTEN_SHOWN, min_people: int = MIN_PEOPLE
) -> tuple[list[Forgotten], int]:
    """The cohort's lessons most often answered wrong in reviews (wrong answers / review answers, then the
    most wrong answers), each answered by at least `min_people` people; and how many lessons with a wrong
    review answer were held back because fewer people answered them."""
    wrong = func.sum(case((col(ReviewAnswer.correct).is_(False), 1), else_=0))
    answers, people = func.count(), func.count(func.distinct(ReviewAnswer.person_id))
    query = (
        select(ReviewAnswer.lesson_id, wrong, answers, people)
        .where(col(ReviewAnswer.person_id).in_(_members(cohort_id)), ReviewAnswer.kind == AnswerKind.REVIEW)
        .group_by(col(ReviewAnswer.lesson_id))
        .having(wrong > 0)
    )
    rows = [Forgotten(lesson, int(w), int(n), int(p)) for lesson, w, n, p in await session.exec(query)]
    shown = [row for row in rows if row.people >= min_people]
    shown.sort(key=lambda row: (-row.wrong / row.answers, -row.wrong, row.lesson_id))
    return shown[:limit], len(rows) - len(shown)


async def confidence_change(session: AsyncSession, *, cohort_id: int) -> ConfidenceChange:
    """Mean end-of-track rating minus mean start-of-track rating, over the cohort's learners who gave both
    (one pair per enrollment in this cohort): self-ratings, never a measure of what stuck."""
    start = func.max(case((col(ConfidenceRating.moment) == ConfidenceMoment.START, ConfidenceRating.rating)))
    end = func.max(case((col(ConfidenceRating.moment) == ConfidenceMoment.END, ConfidenceRating.rating)))
    pairs = (
        select(start.label("start"), end.label("end"))
        .join(Enrollment, col(Enrollment.id) == col(ConfidenceRating.enrollment_id))
        .where(Enrollment.cohort_id == cohort_id)
        .group_by(col(ConfidenceRating.enrollment_id))
        .having(start.is_not(None), end.is_not(None))
        .subquery()
    )
    query = select(func.avg(pairs.c.start), func.avg(pairs.c.end), func.count())
    mean_start, mean_end, count = (await session.exec(query)).one()
    return ConfidenceChange(
        None if mean_start is None else float(mean_start),
        None if mean_end is None else float(mean_end),
        int(count),
    )


async def paused_for_inactivity(session: AsyncSession, *, cohort_id: int, now: dt.datetime) -> int:
    """How many of the cohort's learners are paused at `now` because three nudges went unanswered."""
    query = (
        select(func.count())
        .select_from(Person)
        .where(
            col(Person.id).in_(_members(cohort_id)),
            Person.pause_reason == PauseReason.INACTIVITY,
            col(Person.paused_until) > now,
        )
    )
    return int((await session.exec(query)).one())


async def topics_to_go_over(
    session: AsyncSession, *, person_ids: Sequence[int], limit: int = TOPICS_PER_MENTEE
) -> dict[int, list[str]]:
    """person id -> the lessons they keep getting wrong (wrong in at least `WRONG_REVIEWS` reviews, or wrong
    on their last answer, quiz or review), most wrong first, at most `limit` each: lesson ids only, never
    the answers. Only for people who share them with their mentor (`Person.share_topics`); the others are
    left out."""
    if not person_ids:
        return {}
    last = (
        func.row_number()
        .over(
            partition_by=(col(ReviewAnswer.person_id), col(ReviewAnswer.lesson_id)),
            order_by=(col(ReviewAnswer.answered_at).desc(), col(ReviewAnswer.id).desc()),
        )
        .label("last")
    )
    sharing = select(Person.id).where(
        col(Person.id).in_(list(person_ids)), col(Person.share_topics).is_(True)
    )
    ranked = (
        sa_select(  # five columns: more than sqlmodel's select is typed for
            col(ReviewAnswer.person_id),
            col(ReviewAnswer.lesson_id),
            col(ReviewAnswer.kind),
            col(ReviewAnswer.correct),
            last,
        )
        .where(col(ReviewAnswer.person_id).in_(sharing))
        .subquery()
    )
    wrong = (ranked.c.kind == AnswerKind.REVIEW) & ranked.c.correct.is_(False)
    wrong_reviews = func.sum(case((wrong, 1), else_=0))
    last_wrong = func.max(case(((ranked.c.last == literal(1)) & ranked.c.correct.is_(False), 1), else_=0))
    query = (
        select(ranked.c.person_id, ranked.c.lesson_id)
        .group_by(ranked.c.person_id, ranked.c.lesson_id)
        .having((wrong_reviews >= WRONG_REVIEWS) | (last_wrong == 1))
        .order_by(ranked.c.person_id, wrong_reviews.desc(), ranked.c.lesson_id)
    )
    topics: dict[int, list[str]] = {}
    for person_id, lesson_id in await session.exec(query):
        listed = topics.setdefault(int(person_id), [])
        if len(listed) < limit:
            listed.append(lesson_id)
    return topics


async def sharing_topics(session: AsyncSession, *, person_ids: Sequence[int]) -> set[int]:
    """Which of these people let their mentor see the topics they should go over (`settings topics`)."""
    if not person_ids:
        return set()
    query = select(Person.id).where(col(Person.id).in_(list(person_ids)), col(Person.share_topics).is_(True))
    return {int(found) for found in await session.exec(query) if found is not None}


def _share(row: Any) -> Share:
    hits, total, people = row
    return Share(int(hits or 0), int(total or 0), int(people or 0))
