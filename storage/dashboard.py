"""The web dashboard's figures, each an aggregate computed by the database (GROUP BY): only the result
rows come back to Python, whatever the number of deliveries, answers or people.

Every figure is scoped (`Scope`): everyone, for an admin, or only a mentor's mentees. A *learner* is a
person with an enrollment. One word says where a learner stands in a cohort (`PeopleStatus`), decided in
SQL in this order: completed; pending install (Tandem cannot reach them: the app is not installed yet,
or was removed); stopped; paused (by themselves, for inactivity, or with their whole cohort); active.
Across cohorts a learner counts once, by their liveliest enrollment (active, paused, pending install,
completed, stopped).

Quiz results are aggregates only (`Share`), never one person's answers; content gaps carry no person.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Float, and_, bindparam, case, cast, distinct, func, literal, or_, text, true
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import rollups, usage
from storage.enums import (
    DeliveryKind,
    DeliveryStatus,
    EnrollmentStatus,
    FeedbackKind,
    PeopleStatus,
    QuestionStatus,
)
from storage.models import (
    Cohort,
    CustomTip,
    DashboardDay,
    Delivery,
    Enrollment,
    Feedback,
    Mentorship,
    Person,
    Question,
    ReviewAnswer,
    ReviewCard,
)
from storage.retention import RETAINED_AFTER, Share
from storage.sql import dialect_name
from storage.types import UTCDateTime

__all__ = [
    "RETENTION_BUCKETS",
    "CohortRow",
    "DayCount",
    "Funnel",
    "GapRow",
    "LessonRow",
    "MentorRow",
    "PeopleStatus",
    "PersonRow",
    "ProgrammeNumbers",
    "QuizRow",
    "Retention",
    "RetentionPoint",
    "Scope",
    "Share",
]


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose figures a viewer may see: everyone (None, an admin) or only these learners (a mentor's)."""

    person_ids: tuple[int, ...] | None = None

    @classmethod
    def everyone(cls) -> Scope:
        return cls(None)

    @classmethod
    def only(cls, ids: Iterable[int]) -> Scope:
        return cls(tuple(sorted({int(i) for i in ids})))

    @property
    def is_everyone(self) -> bool:
        return self.person_ids is None

    def where(self, column: Any) -> Any:
        """A condition keeping the rows of people in scope (`column` holds a person id)."""
        if self.person_ids is None:
            return true()
        return col(column).in_(list(self.person_ids))


@dataclass(frozen=True, slots=True)
class ProgrammeNumbers:
    """The programme in numbers; each learner counted once (see the module's docstring)."""

    cohorts: int
    learners_active: int
    learners_paused: int
    learners_completed: int
    learners_stopped: int
    pending_install: int
    mentors: int
    pairs: int


@dataclass(frozen=True, slots=True)
class DayCount:
    """Messages sent on one UTC day: lessons, review questions, and everything else."""

    day: dt.date
    lessons: int
    reviews: int
    other: int


@dataclass(frozen=True, slots=True)
class Funnel:
    """Distinct (learner, lesson) pairs at each step. Each step is counted on its own: a lesson read on
    demand (never delivered) can be opened, answered and found useful."""

    delivered: int
    opened: int
    quiz_answered: int
    useful: int


@dataclass(frozen=True, slots=True)
class RetentionPoint:
    """Answers (quiz and reviews) given `days_from` to `days_to` days (None: or more) after the lesson
    first reached the learner, and how many were right. `label_key` is an i18n key."""

    label_key: str
    days_from: int
    days_to: int | None
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class Retention:
    first_try_correct: Share
    retained_3w: Share
    points: list[RetentionPoint]


@dataclass(frozen=True, slots=True)
class CohortRow:
    id: int
    name: str
    track_id: str
    start_date: dt.date
    paused: bool
    learners: int
    active: int
    paused_people: int
    completed: int
    stopped: int
    pending_install: int = 0


@dataclass(frozen=True, slots=True)
class PersonRow:
    person_id: int
    key: str
    name: str
    status: PeopleStatus
    stop_reason: str | None
    """Why they stopped (the enrollment's reason), or why Tandem cannot reach them (pending install)."""
    lessons_received: int
    last_activity: dt.datetime | None
    mentor_name: str | None


@dataclass(frozen=True, slots=True)
class MentorRow:
    mentor_id: int
    name: str
    mentees: int
    tips_pushed: int
    questions_answered: int
    median_answer_seconds: float | None


@dataclass(frozen=True, slots=True)
class QuizRow:
    lesson_id: str
    people: int
    first_try_correct: Share


@dataclass(frozen=True, slots=True)
class LessonRow:
    """One lesson: messages sent, and distinct people who opened it, found it useful or not for them."""

    lesson_id: str
    sent: int
    opened: int
    useful: int
    not_useful: int
    first_try_correct: Share
    retained: Share


@dataclass(frozen=True, slots=True)
class GapRow:
    question_id: int
    text: str
    lang: str
    created_at: dt.datetime
    new_topic: bool


RETENTION_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("dashboard.retention.days_0_2", 0, 2),
    ("dashboard.retention.days_3_6", 3, 6),
    ("dashboard.retention.days_7_20", 7, 20),
    ("dashboard.retention.days_21_59", 21, 59),
    ("dashboard.retention.days_60", 60, None),
)
"""The retention curve's points: (i18n key, first day, last day or None), days since first sent."""

_STATUS_RANK = (
    PeopleStatus.ACTIVE,
    PeopleStatus.PAUSED,
    PeopleStatus.PENDING_INSTALL,
    PeopleStatus.COMPLETED,
    PeopleStatus.STOPPED,
)
"""Across cohorts, a learner counts by the first of these among their enrollments."""

_SENT_LESSON = (col(Delivery.kind) == DeliveryKind.LESSON, col(Delivery.status) == DeliveryStatus.SENT)


async def _run(session: AsyncSession, query: Any) -> Any:
    """Run a Core SELECT (more columns than sqlmodel's `select` is typed for) and return its result."""
    return await session.exec(query)


def _status_case(now: dt.datetime, *, ranked: bool = False) -> Any:
    """One enrollment's PeopleStatus (or its rank in `_STATUS_RANK`), from a row joining Enrollment,
    Person and Cohort."""

    def out(status: PeopleStatus) -> Any:
        return literal(_STATUS_RANK.index(status)) if ranked else literal(status.value)

    paused = or_(
        col(Person.paused_until) > now, col(Enrollment.paused_until) > now, col(Cohort.paused).is_(True)
    )
    return case(
        (col(Enrollment.status) == EnrollmentStatus.COMPLETED, out(PeopleStatus.COMPLETED)),
        (col(Person.reachable).is_(False), out(PeopleStatus.PENDING_INSTALL)),
        (col(Enrollment.status) == EnrollmentStatus.STOPPED, out(PeopleStatus.STOPPED)),
        (paused, out(PeopleStatus.PAUSED)),
        else_=out(PeopleStatus.ACTIVE),
    )


def _enrollments(*columns: Any) -> Any:
    """SELECT columns FROM enrollment JOIN person JOIN cohort."""
    return (
        sa_select(*columns)
        .select_from(Enrollment)
        .join(Person, col(Person.id) == col(Enrollment.person_id))
        .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
    )


# --- overview ---------------------------------------------------------------------------------------------


async def programme_numbers(session: AsyncSession, *, scope: Scope, now: dt.datetime) -> ProgrammeNumbers:
    """Cohorts, learners by status (each counted once), mentors and pairs: four small queries."""
    per_person = (
        _enrollments(col(Enrollment.person_id), func.min(_status_case(now, ranked=True)).label("rank"))
        .where(scope.where(col(Enrollment.person_id)))
        .group_by(col(Enrollment.person_id))
        .subquery()
    )
    counts = {
        int(rank): int(n)
        for rank, n in await _run(
            session, sa_select(per_person.c.rank, func.count()).group_by(per_person.c.rank)
        )
    }
    by_status = {status: counts.get(rank, 0) for rank, status in enumerate(_STATUS_RANK)}
    if scope.is_everyone:
        cohorts_query = sa_select(func.count()).select_from(Cohort)
    else:
        cohorts_query = sa_select(func.count(distinct(col(Enrollment.cohort_id)))).where(
            scope.where(col(Enrollment.person_id))
        )
    cohorts = int((await _run(session, cohorts_query)).one()[0])
    mentors, pairs = (
        await _run(
            session,
            sa_select(func.count(distinct(col(Mentorship.mentor_id))), func.count()).where(
                scope.where(col(Mentorship.mentee_id))
            ),
        )
    ).one()
    return ProgrammeNumbers(
        cohorts=cohorts,
        learners_active=by_status[PeopleStatus.ACTIVE],
        learners_paused=by_status[PeopleStatus.PAUSED],
        learners_completed=by_status[PeopleStatus.COMPLETED],
        learners_stopped=by_status[PeopleStatus.STOPPED],
        pending_install=by_status[PeopleStatus.PENDING_INSTALL],
        mentors=int(mentors or 0),
        pairs=int(pairs or 0),
    )


def _utc_day(session: AsyncSession, column: Any) -> Any:
    """The UTC calendar day of a stored datetime (SQLite stores naive UTC text)."""
    if dialect_name(session) == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


async def deliveries_per_day(
    session: AsyncSession, *, scope: Scope, first_day: dt.date, last_day: dt.date
) -> list[DayCount]:
    """Sent messages per UTC day from `first_day` to `last_day` (both included), every day present (zeros
    too): lessons, reviews and everything else (tips, digests, notes…).

    For everyone, the rollup's sums by day (`storage.rollups`); `_day_counts` counts the same from the
    rows, each day and kind one range count on the index (status, kind, sent_at). For a mentor's few
    mentees, their rows are grouped by day."""
    days = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    if scope.is_everyone:
        found = await _rolled_days(session, first_day, last_day)
    else:
        found = await _day_counts_of(session, scope, first_day, last_day)
    return [DayCount(day, *found.get(day, (0, 0, 0))) for day in days]


_OTHER_KINDS = tuple(kind for kind in DeliveryKind if kind not in (DeliveryKind.LESSON, DeliveryKind.REVIEW))


async def _rolled_days(
    session: AsyncSession, first_day: dt.date, last_day: dt.date
) -> dict[dt.date, tuple[int, int, int]]:
    """(lessons, reviews, others) sent on each day, from the rollup (`storage.rollups`)."""
    names = (rollups.SENT_LESSON, rollups.SENT_REVIEW, rollups.SENT_OTHER)
    query = (
        sa_select(col(DashboardDay.day), col(DashboardDay.measure), func.sum(col(DashboardDay.count)))
        .where(
            col(DashboardDay.measure).in_(names),
            col(DashboardDay.day) >= first_day,
            col(DashboardDay.day) <= last_day,
        )
        .group_by(col(DashboardDay.day), col(DashboardDay.measure))
    )
    sums: dict[dt.date, list[int]] = {}
    for day, measure, n in await _run(session, query):
        key = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
        sums.setdefault(key, [0, 0, 0])[names.index(measure)] += int(n or 0)
    return {day: (counts[0], counts[1], counts[2]) for day, counts in sums.items()}


async def _day_counts(session: AsyncSession, days: Sequence[dt.date]) -> dict[dt.date, tuple[int, int, int]]:
    """(lessons, reviews, others) sent on each day: one statement of range counts per 100 days."""
    found: dict[dt.date, tuple[int, int, int]] = {}
    for start in range(0, len(days), _DAYS_PER_STATEMENT):
        chunk = days[start : start + _DAYS_PER_STATEMENT]
        params: dict[str, Any] = {f"k{n}": kind.value for n, kind in enumerate(DeliveryKind)}
        params["sent"] = DeliveryStatus.SENT.value
        params.update(
            {f"d{n}": _midnight(day) for n, day in enumerate([*chunk, chunk[-1] + dt.timedelta(days=1)])}
        )
        row = (await session.exec(_day_statement(len(chunk)), params=params)).one()
        for n, day in enumerate(chunk):
            found[day] = (int(row[3 * n]), int(row[3 * n + 1]), int(row[3 * n + 2]))
    return found


_DAYS_PER_STATEMENT = 100
"""Days counted by one statement (three counts each)."""


@functools.cache
def _day_statement(days: int) -> Any:
    """SELECT of 3 x `days` range counts on delivery (status, kind, sent_at), built once per length: its
    text is cached, so a page pays neither building nor compiling it again."""
    kinds = {kind: f":k{n}" for n, kind in enumerate(DeliveryKind)}
    groups = (
        f"= {kinds[DeliveryKind.LESSON]}",
        f"= {kinds[DeliveryKind.REVIEW]}",
        "IN ({})".format(", ".join(v for k, v in kinds.items() if k in _OTHER_KINDS)),
    )
    counts = [
        f"(SELECT count(*) FROM delivery WHERE status = :sent AND kind {group} "
        f"AND sent_at >= :d{n} AND sent_at < :d{n + 1})"
        for n in range(days)
        for group in groups
    ]
    dates = [bindparam(f"d{n}", type_=UTCDateTime) for n in range(days + 1)]
    return text("SELECT " + ", ".join(counts)).bindparams(*dates)


async def _day_counts_of(
    session: AsyncSession, scope: Scope, first_day: dt.date, last_day: dt.date
) -> dict[dt.date, tuple[int, int, int]]:
    """(lessons, reviews, others) sent on each day to the people in scope: their rows grouped by day."""
    day = _utc_day(session, col(Delivery.sent_at)).label("day")
    query = (
        sa_select(
            day,
            func.sum(case((col(Delivery.kind) == DeliveryKind.LESSON, 1), else_=0)),
            func.sum(case((col(Delivery.kind) == DeliveryKind.REVIEW, 1), else_=0)),
            func.count(),
        )
        .where(
            col(Delivery.status) == DeliveryStatus.SENT,
            col(Delivery.sent_at) >= _midnight(first_day),
            col(Delivery.sent_at) < _midnight(last_day + dt.timedelta(days=1)),
            scope.where(col(Delivery.person_id)),
        )
        .group_by(day)
    )
    found: dict[dt.date, tuple[int, int, int]] = {}
    for when, lessons, reviews, total in await _run(session, query):
        key = when if isinstance(when, dt.date) else dt.date.fromisoformat(str(when))
        lessons, reviews = int(lessons or 0), int(reviews or 0)
        found[key] = (lessons, reviews, int(total or 0) - lessons - reviews)
    return found


async def funnel(session: AsyncSession, *, scope: Scope) -> Funnel:
    """Distinct (learner, lesson) pairs delivered, opened ("more"), whose quiz was answered, and marked
    useful: one statement of four counts. Each counts the distinct (lesson, learner) pairs of one kind,
    in the order of the indexes delivery (kind, status, lesson_id, person_id) and feedback (kind,
    lesson_id, person_id): the duplicates are skipped as the index is read, nothing is hashed or sorted.
    For everyone, the rollup's sums (`storage.rollups`)."""
    if scope.is_everyone:
        totals = await _rolled(session, rollups.PAIR_DELIVERED, *rollups.PAIR.values())
        return Funnel(
            delivered=totals.get(rollups.PAIR_DELIVERED, 0),
            opened=totals.get(rollups.PAIR[FeedbackKind.OPENED], 0),
            quiz_answered=totals.get(rollups.PAIR[FeedbackKind.QUIZ], 0),
            useful=totals.get(rollups.PAIR[FeedbackKind.USEFUL], 0),
        )
    delivered = _pairs(
        sa_select(col(Delivery.lesson_id), col(Delivery.person_id)).where(
            *_SENT_LESSON, scope.where(col(Delivery.person_id))
        )
    )
    kinds = (FeedbackKind.OPENED, FeedbackKind.QUIZ, FeedbackKind.USEFUL)
    counts = [delivered, *(_pairs(_feedback_pairs(kind, scope)) for kind in kinds)]
    row = (await _run(session, sa_select(*counts))).one()
    return Funnel(delivered=int(row[0]), opened=int(row[1]), quiz_answered=int(row[2]), useful=int(row[3]))


def _feedback_pairs(kind: FeedbackKind, scope: Scope) -> Any:
    """SELECT lesson_id, person_id of one kind of feedback, in scope."""
    return sa_select(col(Feedback.lesson_id), col(Feedback.person_id)).where(
        col(Feedback.kind) == kind, scope.where(col(Feedback.person_id))
    )


def _pairs(query: Any) -> Any:
    """How many distinct rows `query` selects, as a scalar subquery."""
    return sa_select(func.count()).select_from(query.distinct().subquery()).scalar_subquery()


def _first_quiz_answers(scope: Scope, *extra: Any) -> Any:
    """The ids of each (learner, lesson)'s first quiz answer, the one that counts."""
    return (
        select(func.min(col(Feedback.id)))
        .where(col(Feedback.kind) == FeedbackKind.QUIZ, scope.where(col(Feedback.person_id)), *extra)
        .group_by(col(Feedback.person_id), col(Feedback.lesson_id))
    )


def _right() -> Any:
    return func.sum(case((col(Feedback.correct).is_(True), 1), else_=0))


def _share(row: Any) -> Share:
    hits, total, people = row
    return Share(int(hits or 0), int(total or 0), int(people or 0))


def _days_between(session: AsyncSession, later: Any, earlier: Any) -> Any:
    """`later - earlier` in days (fractional), in SQL."""
    if dialect_name(session) == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - earlier) / 86400.0


def _seconds_between(session: AsyncSession, later: Any, earlier: Any) -> Any:
    if dialect_name(session) == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


async def retention_curve(session: AsyncSession, *, scope: Scope, now: dt.datetime) -> Retention:
    """First-try correct (first quiz answers), retained at three weeks (review cards at least 21 days
    old), and the share of right answers by time since the lesson first reached the learner. For
    everyone, the rollup's sums (`storage.rollups`)."""
    if scope.is_everyone:
        return await _rolled_retention(session, now=now)
    first = (
        await _run(
            session,
            sa_select(_right(), func.count(), func.count(distinct(col(Feedback.person_id)))).where(
                col(Feedback.id).in_(_first_quiz_answers(scope))
            ),
        )
    ).one()
    retained = (
        await _run(
            session,
            sa_select(
                func.sum(case((col(ReviewCard.retained_at).is_not(None), 1), else_=0)),
                func.count(),
                func.count(distinct(col(ReviewCard.person_id))),
            ).where(
                col(ReviewCard.first_sent_at) <= now - RETAINED_AFTER, scope.where(col(ReviewCard.person_id))
            ),
        )
    ).one()
    age = _days_between(session, col(ReviewAnswer.answered_at), col(ReviewCard.first_sent_at))
    bucket = case(
        *((age < days_from, literal(n - 1)) for n, (_, days_from, _) in enumerate(RETENTION_BUCKETS) if n),
        else_=literal(len(RETENTION_BUCKETS) - 1),
    ).label("bucket")
    query = (
        sa_select(bucket, func.count(), func.sum(case((col(ReviewAnswer.correct).is_(True), 1), else_=0)))
        .select_from(ReviewAnswer)
        .join(
            ReviewCard,
            and_(
                col(ReviewCard.person_id) == col(ReviewAnswer.person_id),
                col(ReviewCard.lesson_id) == col(ReviewAnswer.lesson_id),
            ),
        )
        .where(scope.where(col(ReviewAnswer.person_id)))
        .group_by(bucket)
    )
    counts = {int(n): (int(total), int(right or 0)) for n, total, right in await _run(session, query)}
    points = [
        RetentionPoint(key, days_from, days_to, *counts.get(n, (0, 0)))
        for n, (key, days_from, days_to) in enumerate(RETENTION_BUCKETS)
    ]
    return Retention(first_try_correct=_share(first), retained_3w=_share(retained), points=points)


# --- cohorts ----------------------------------------------------------------------------------------------


async def cohort_list(session: AsyncSession, *, scope: Scope, now: dt.datetime) -> list[CohortRow]:
    """Every cohort (an admin's), or the cohorts of the mentor's mentees, with their learners by status
    (only those in scope counted): one grouped query."""
    status = _status_case(now)

    def counting(value: PeopleStatus) -> Any:
        return func.sum(case((status == value.value, 1), else_=0))

    counts = (
        _enrollments(
            col(Enrollment.cohort_id).label("cohort_id"),
            func.count().label("learners"),
            counting(PeopleStatus.ACTIVE).label("active"),
            counting(PeopleStatus.PAUSED).label("paused"),
            counting(PeopleStatus.COMPLETED).label("completed"),
            counting(PeopleStatus.STOPPED).label("stopped"),
            counting(PeopleStatus.PENDING_INSTALL).label("pending"),
        )
        .where(scope.where(col(Enrollment.person_id)))
        .group_by(col(Enrollment.cohort_id))
        .subquery()
    )
    query = sa_select(
        col(Cohort.id),
        col(Cohort.name),
        col(Cohort.track_id),
        col(Cohort.start_date),
        col(Cohort.paused),
        counts.c.learners,
        counts.c.active,
        counts.c.paused,
        counts.c.completed,
        counts.c.stopped,
        counts.c.pending,
    )
    if scope.is_everyone:
        query = query.select_from(Cohort).outerjoin(counts, counts.c.cohort_id == col(Cohort.id))
    else:
        query = query.select_from(Cohort).join(counts, counts.c.cohort_id == col(Cohort.id))
    query = query.order_by(col(Cohort.start_date).desc(), col(Cohort.name))
    return [
        CohortRow(
            id=int(cid),
            name=name,
            track_id=track,
            start_date=start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start)),
            paused=bool(paused),
            learners=int(learners or 0),
            active=int(active or 0),
            paused_people=int(paused_people or 0),
            completed=int(completed or 0),
            stopped=int(stopped or 0),
            pending_install=int(pending or 0),
        )
        for cid, name, track, start, paused, learners, active, paused_people, completed, stopped, pending in (
            await _run(session, query)
        )
    ]


def _lessons_of_enrollment() -> Any:
    """Correlated: the lessons sent for the outer query's enrollment (read through the person's index)."""
    return (
        sa_select(func.count())
        .where(
            col(Delivery.person_id) == col(Enrollment.person_id),
            col(Delivery.enrollment_id) == col(Enrollment.id),
            *_SENT_LESSON,
        )
        .scalar_subquery()
    )


async def cohort_progress(session: AsyncSession, *, cohort_id: int, scope: Scope) -> list[tuple[int, int]]:
    """(lessons received so far, learners with that many), fewest lessons first, learners in scope."""
    per_learner = (
        sa_select(_lessons_of_enrollment().label("lessons"))
        .select_from(Enrollment)
        .where(col(Enrollment.cohort_id) == cohort_id, scope.where(col(Enrollment.person_id)))
        .subquery()
    )
    query = (
        sa_select(per_learner.c.lessons, func.count())
        .group_by(per_learner.c.lessons)
        .order_by(per_learner.c.lessons)
    )
    return [(int(lessons), int(n)) for lessons, n in await _run(session, query)]


async def cohort_people(
    session: AsyncSession, *, cohort_id: int, scope: Scope, now: dt.datetime
) -> list[PersonRow]:
    """The cohort's learners in scope, by name: status and why, lessons received, last activity (their
    last message or button press, or failing that their last feedback or question), mentor's name."""
    mentor = aliased(Person)
    last_feedback = (
        sa_select(func.max(col(Feedback.created_at))).where(col(Feedback.person_id) == col(Person.id))
    ).scalar_subquery()
    last_question = (
        sa_select(func.max(col(Question.created_at))).where(col(Question.person_id) == col(Person.id))
    ).scalar_subquery()
    query = (
        _enrollments(
            col(Person.id),
            col(Person.key),
            col(Person.display_name),
            _status_case(now),
            col(Enrollment.stop_reason),
            col(Person.unreachable_reason),
            _lessons_of_enrollment(),
            col(Person.last_active_at),
            last_feedback,
            last_question,
            col(mentor.display_name),
        )
        .outerjoin(Mentorship, col(Mentorship.mentee_id) == col(Person.id))
        .outerjoin(mentor, col(mentor.id) == col(Mentorship.mentor_id))
        .where(col(Enrollment.cohort_id) == cohort_id, scope.where(col(Enrollment.person_id)))
        .order_by(col(Person.display_name), col(Person.id))
    )
    rows = []
    for (
        pid,
        key,
        name,
        status,
        stop,
        unreachable,
        lessons,
        active,
        feedback,
        asked,
        mentor_name,
    ) in await _run(session, query):
        people_status = PeopleStatus(status)
        reason = unreachable if people_status is PeopleStatus.PENDING_INSTALL else stop
        if people_status not in (PeopleStatus.STOPPED, PeopleStatus.PENDING_INSTALL):
            reason = None
        rows.append(
            PersonRow(
                person_id=int(pid),
                key=key,
                name=name,
                status=people_status,
                stop_reason=reason,
                lessons_received=int(lessons or 0),
                last_activity=_latest(active, feedback, asked),
                mentor_name=mentor_name,
            )
        )
    return rows


def _aware(value: Any) -> dt.datetime | None:
    """A datetime read through a raw aggregate (SQLite gives text, naive UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _latest(*values: Any) -> dt.datetime | None:
    found = [when for when in map(_aware, values) if when is not None]
    return max(found) if found else None


async def mentor_activity(session: AsyncSession, *, cohort_id: int, scope: Scope) -> list[MentorRow]:
    """The mentors of the cohort's learners in scope: how many of them they mentor, the tips they pushed
    to the cohort or to those mentees, the mentees' questions they answered and the median time they
    took (computed in SQL with window functions, on both databases)."""
    members = select(col(Enrollment.person_id)).where(
        col(Enrollment.cohort_id) == cohort_id, scope.where(col(Enrollment.person_id))
    )
    mentors_query = (
        sa_select(col(Mentorship.mentor_id), col(Person.display_name), func.count())
        .join(Person, col(Person.id) == col(Mentorship.mentor_id))
        .where(col(Mentorship.mentee_id).in_(members))
        .group_by(col(Mentorship.mentor_id), col(Person.display_name))
        .order_by(col(Person.display_name), col(Mentorship.mentor_id))
    )
    mentors = [(int(mid), name, int(n)) for mid, name, n in await _run(session, mentors_query)]
    if not mentors:
        return []
    ids = [mid for mid, _, _ in mentors]
    tips_query = (
        sa_select(col(CustomTip.author_id), func.count())
        .where(
            col(CustomTip.author_id).in_(ids),
            or_(col(CustomTip.target_cohort_id) == cohort_id, col(CustomTip.target_person_id).in_(members)),
        )
        .group_by(col(CustomTip.author_id))
    )
    tips = {int(mid): int(n) for mid, n in await _run(session, tips_query)}
    seconds = _seconds_between(session, col(Question.answered_at), col(Question.created_at))
    answered = (
        sa_select(
            col(Question.mentor_id).label("mentor_id"),
            seconds.label("seconds"),
            func.row_number().over(partition_by=col(Question.mentor_id), order_by=seconds).label("n"),
            func.count().over(partition_by=col(Question.mentor_id)).label("total"),
        )
        .where(
            col(Question.mentor_id).in_(ids),
            col(Question.status) == QuestionStatus.ANSWERED,
            col(Question.answered_at).is_not(None),
            col(Question.person_id).in_(members),
        )
        .subquery()
    )
    middle = or_(
        answered.c.n == (answered.c.total + 1) // 2,
        answered.c.n == (answered.c.total + 2) // 2,
    )
    median_query = sa_select(
        answered.c.mentor_id,
        func.max(answered.c.total),
        func.avg(case((middle, cast(answered.c.seconds, Float)))),
    ).group_by(answered.c.mentor_id)
    medians = {
        int(mid): (int(total), None if median is None else float(median))
        for mid, total, median in await _run(session, median_query)
    }
    return [
        MentorRow(
            mentor_id=mid,
            name=name,
            mentees=mentees,
            tips_pushed=tips.get(mid, 0),
            questions_answered=medians.get(mid, (0, None))[0],
            median_answer_seconds=medians.get(mid, (0, None))[1],
        )
        for mid, name, mentees in mentors
    ]


async def quiz_results(session: AsyncSession, *, cohort_id: int, scope: Scope) -> list[QuizRow]:
    """Per lesson, the first quiz answers of the cohort's learners in scope: how many people answered and
    how many were right first time. Aggregates only; the caller holds back groups under five."""
    members = select(col(Enrollment.person_id)).where(
        col(Enrollment.cohort_id) == cohort_id, scope.where(col(Enrollment.person_id))
    )
    query = (
        sa_select(
            col(Feedback.lesson_id), _right(), func.count(), func.count(distinct(col(Feedback.person_id)))
        )
        .where(col(Feedback.id).in_(_first_quiz_answers(scope, col(Feedback.person_id).in_(members))))
        .group_by(col(Feedback.lesson_id))
        .order_by(col(Feedback.lesson_id))
    )
    return [
        QuizRow(lesson_id=lesson, people=int(people), first_try_correct=_share((right, total, people)))
        for lesson, right, total, people in await _run(session, query)
    ]


# --- lessons ----------------------------------------------------------------------------------------------


async def lesson_stats(session: AsyncSession, *, scope: Scope, now: dt.datetime) -> list[LessonRow]:
    """Every lesson sent or answered (in scope): messages sent; distinct people who opened it, found it
    useful, not for them; first-try correct; retained at three weeks. Four grouped queries by lesson; for
    everyone, the rollup's sums by lesson (`storage.rollups`)."""
    if scope.is_everyone:
        return await _rolled_lessons(session, now=now)
    sent = {
        lesson: int(n)
        for lesson, n in await _run(
            session,
            sa_select(col(Delivery.lesson_id), func.count())
            .where(*_SENT_LESSON, scope.where(col(Delivery.person_id)))
            .group_by(col(Delivery.lesson_id)),
        )
        if lesson is not None
    }
    reactions: dict[str, dict[str, int]] = {}
    for kind in (FeedbackKind.OPENED, FeedbackKind.USEFUL, FeedbackKind.NOT_USEFUL):
        pairs = _feedback_pairs(kind, scope).distinct().subquery()
        query = sa_select(pairs.c.lesson_id, func.count()).group_by(pairs.c.lesson_id)
        for lesson, n in await _run(session, query):
            reactions.setdefault(lesson, {})[kind] = int(n)
    first_query = (
        sa_select(
            col(Feedback.lesson_id), _right(), func.count(), func.count(distinct(col(Feedback.person_id)))
        )
        .where(col(Feedback.id).in_(_first_quiz_answers(scope)))
        .group_by(col(Feedback.lesson_id))
    )
    first = {lesson: _share((r, t, p)) for lesson, r, t, p in await _run(session, first_query)}
    retained_query = (
        sa_select(
            col(ReviewCard.lesson_id),
            func.sum(case((col(ReviewCard.retained_at).is_not(None), 1), else_=0)),
            func.count(),
            func.count(distinct(col(ReviewCard.person_id))),
        )
        .where(col(ReviewCard.first_sent_at) <= now - RETAINED_AFTER, scope.where(col(ReviewCard.person_id)))
        .group_by(col(ReviewCard.lesson_id))
    )
    retained = {lesson: _share((r, t, p)) for lesson, r, t, p in await _run(session, retained_query)}
    empty = Share(0, 0, 0)
    return [
        LessonRow(
            lesson_id=lesson,
            sent=sent.get(lesson, 0),
            opened=reactions.get(lesson, {}).get(FeedbackKind.OPENED, 0),
            useful=reactions.get(lesson, {}).get(FeedbackKind.USEFUL, 0),
            not_useful=reactions.get(lesson, {}).get(FeedbackKind.NOT_USEFUL, 0),
            first_try_correct=first.get(lesson, empty),
            retained=retained.get(lesson, empty),
        )
        for lesson in sorted(set(sent) | set(reactions) | set(first) | set(retained))
    ]


# --- the rollup, for everyone -------------------------------------------------------------------------------


async def _rolled(session: AsyncSession, *measures: str) -> dict[str, int]:
    """The rollup's totals of these measures, all days, cohorts and lessons."""
    query = (
        sa_select(col(DashboardDay.measure), func.sum(col(DashboardDay.count)))
        .where(col(DashboardDay.measure).in_(measures))
        .group_by(col(DashboardDay.measure))
    )
    return {measure: int(n or 0) for measure, n in await _run(session, query)}


async def _rolled_by_lesson(
    session: AsyncSession, measures: Sequence[str], *, before: dt.date | None = None
) -> dict[str, dict[str, int]]:
    """{measure: {lesson: total}} from the rollup (days before `before` only, when given)."""
    query = (
        sa_select(col(DashboardDay.measure), col(DashboardDay.lesson_id), func.sum(col(DashboardDay.count)))
        .where(col(DashboardDay.measure).in_(measures))
        .group_by(col(DashboardDay.measure), col(DashboardDay.lesson_id))
    )
    if before is not None:
        query = query.where(col(DashboardDay.day) < before)
    found: dict[str, dict[str, int]] = {}
    for measure, lesson, n in await _run(session, query):
        if n:
            found.setdefault(measure, {})[lesson] = int(n)
    return found


def _cutoff(now: dt.datetime) -> tuple[dt.datetime, dt.date]:
    """Cards first sent up to `now - RETAINED_AFTER` count for retention: whole days before the cut-off's
    day come from the rollup, the cut-off's own day from the cards (a range on their index)."""
    cutoff = (now - RETAINED_AFTER).astimezone(dt.UTC)
    return cutoff, cutoff.date()


def _cards_of_cutoff_day(cutoff: dt.datetime, day: dt.date) -> Any:
    return and_(col(ReviewCard.first_sent_at) >= _midnight(day), col(ReviewCard.first_sent_at) <= cutoff)


async def _rolled_retention(session: AsyncSession, *, now: dt.datetime) -> Retention:
    """`retention_curve` for everyone, from the rollup, plus the cut-off day's few cards."""
    buckets = range(len(RETENTION_BUCKETS))
    answer_measures = [rollups.answer_measure(n, right=r) for n in buckets for r in (False, True)]
    totals = await _rolled(
        session, rollups.QUIZ_RIGHT, rollups.PAIR[FeedbackKind.QUIZ], rollups.PERSON_QUIZ, *answer_measures
    )
    cutoff, day = _cutoff(now)
    before = (
        sa_select(col(DashboardDay.measure), func.sum(col(DashboardDay.count)))
        .where(
            col(DashboardDay.measure).in_(
                [rollups.CARD_RETAINED, rollups.CARD_FIRST_SENT, rollups.PERSON_CARD]
            ),
            col(DashboardDay.day) < day,
        )
        .group_by(col(DashboardDay.measure))
    )
    cards = {measure: int(n or 0) for measure, n in await _run(session, before)}
    earlier = aliased(ReviewCard)
    newcomer = ~(
        sa_select(col(earlier.id))
        .where(
            col(earlier.person_id) == col(ReviewCard.person_id), col(earlier.first_sent_at) < _midnight(day)
        )
        .exists()
    )
    retained_now, total_now, people_now = (
        await _run(
            session,
            sa_select(
                func.sum(case((col(ReviewCard.retained_at).is_not(None), 1), else_=0)),
                func.count(),
                func.count(distinct(case((newcomer, col(ReviewCard.person_id))))),
            ).where(_cards_of_cutoff_day(cutoff, day)),
        )
    ).one()
    points = [
        RetentionPoint(
            key,
            days_from,
            days_to,
            totals.get(rollups.answer_measure(n), 0),
            totals.get(rollups.answer_measure(n, right=True), 0),
        )
        for n, (key, days_from, days_to) in enumerate(RETENTION_BUCKETS)
    ]
    return Retention(
        first_try_correct=Share(
            totals.get(rollups.QUIZ_RIGHT, 0),
            totals.get(rollups.PAIR[FeedbackKind.QUIZ], 0),
            totals.get(rollups.PERSON_QUIZ, 0),
        ),
        retained_3w=Share(
            cards.get(rollups.CARD_RETAINED, 0) + int(retained_now or 0),
            cards.get(rollups.CARD_FIRST_SENT, 0) + int(total_now or 0),
            cards.get(rollups.PERSON_CARD, 0) + int(people_now or 0),
        ),
        points=points,
    )


async def _rolled_lessons(session: AsyncSession, *, now: dt.datetime) -> list[LessonRow]:
    """`lesson_stats` for everyone, from the rollup by lesson, plus the cut-off day's few cards."""
    opened, quiz, useful, not_useful = (
        rollups.PAIR[kind]
        for kind in (FeedbackKind.OPENED, FeedbackKind.QUIZ, FeedbackKind.USEFUL, FeedbackKind.NOT_USEFUL)
    )
    by = await _rolled_by_lesson(
        session, [rollups.SENT_LESSON, opened, quiz, useful, not_useful, rollups.QUIZ_RIGHT]
    )
    cutoff, day = _cutoff(now)
    cards = await _rolled_by_lesson(session, [rollups.CARD_FIRST_SENT, rollups.CARD_RETAINED], before=day)
    total, kept = cards.get(rollups.CARD_FIRST_SENT, {}), cards.get(rollups.CARD_RETAINED, {})
    today = (
        sa_select(
            col(ReviewCard.lesson_id),
            func.sum(case((col(ReviewCard.retained_at).is_not(None), 1), else_=0)),
            func.count(),
        )
        .where(_cards_of_cutoff_day(cutoff, day))
        .group_by(col(ReviewCard.lesson_id))
    )
    for lesson, r, n in await _run(session, today):
        total[lesson] = total.get(lesson, 0) + int(n)
        kept[lesson] = kept.get(lesson, 0) + int(r or 0)
    sent = {lesson: n for lesson, n in by.get(rollups.SENT_LESSON, {}).items() if lesson}
    reactions = {m: by.get(m, {}) for m in (opened, useful, not_useful)}
    answered, right = by.get(quiz, {}), by.get(rollups.QUIZ_RIGHT, {})
    lessons = set(sent) | set(answered) | set(total)
    for counts in reactions.values():
        lessons |= set(counts)
    return [
        LessonRow(
            lesson_id=lesson,
            sent=sent.get(lesson, 0),
            opened=reactions[opened].get(lesson, 0),
            useful=reactions[useful].get(lesson, 0),
            not_useful=reactions[not_useful].get(lesson, 0),
            first_try_correct=Share(right.get(lesson, 0), answered.get(lesson, 0), answered.get(lesson, 0)),
            retained=Share(kept.get(lesson, 0), total.get(lesson, 0), total.get(lesson, 0)),
        )
        for lesson in sorted(lessons)
    ]


# --- content gaps -----------------------------------------------------------------------------------------


async def content_gaps(session: AsyncSession, *, limit: int = 500) -> list[GapRow]:
    """The newest questions no lesson answered confidently, never the declined ones (their text is only
    their author's), without any person field: text, language, date, and whether someone said a new
    topic is needed."""
    query = (
        sa_select(
            col(Question.id),
            col(Question.text),
            col(Question.lang),
            col(Question.created_at),
            col(Question.new_topic_at),
        )
        .where(col(Question.confident).is_(False), col(Question.status) != QuestionStatus.DECLINED)
        .order_by(col(Question.created_at).desc(), col(Question.id).desc())
        .limit(limit)
    )
    return [
        GapRow(
            question_id=int(qid), text=text, lang=lang, created_at=created, new_topic=new_topic is not None
        )
        for qid, text, lang, created, new_topic in await _run(session, query)
    ]


# --- scope and "opened" -----------------------------------------------------------------------------------


async def mentee_ids(session: AsyncSession, *, mentor_id: int) -> tuple[int, ...]:
    """The mentor's mentees' person ids, sorted: a mentor's dashboard scope."""
    query = select(col(Mentorship.mentee_id)).where(col(Mentorship.mentor_id) == mentor_id)
    return tuple(sorted(int(i) for i in await _run(session, query)))


async def mark_opened(session: AsyncSession, *, person_id: int, lesson_id: str, now: dt.datetime) -> None:
    """Record that the person opened the whole lesson ("more"), once per (person, lesson): the engagement
    funnel's second step. Two presses at once record one row (the person's row is locked first on
    PostgreSQL; SQLite's writer lock already serialises)."""
    await usage.lock_person(session, person_id=person_id)
    earlier = await _run(
        session,
        select(col(Feedback.id))
        .where(
            col(Feedback.person_id) == person_id,
            col(Feedback.lesson_id) == lesson_id,
            col(Feedback.kind) == FeedbackKind.OPENED,
        )
        .limit(1),
    )
    if earlier.first() is not None:
        return
    opened = Feedback(person_id=person_id, lesson_id=lesson_id, kind=FeedbackKind.OPENED, created_at=now)
    session.add(opened)
    await session.flush()
    await rollups.feedback_added(session, feedback=opened, first=True)
