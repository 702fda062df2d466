"""The dashboard's rollup (`DashboardDay`): counts per UTC day, cohort, lesson and measure, bumped in the
same transaction as the rows they count, so the whole programme's figures read a small table.

Measures (the cohort is the delivery's enrollment's for `sent.*`, 0 for every other measure; the lesson is
'' where a measure is not kept per lesson):
- `sent.lesson` (per lesson), `sent.review`, `sent.other`: SENT deliveries, by day sent;
- `pair.delivered`: the first SENT lesson delivery of a (person, lesson) pair, by day sent;
- `pair.opened`, `pair.quiz`, `pair.useful`, `pair.not_useful`: the first feedback row of that kind of a
  (person, lesson) pair, by its day; `quiz.right`: that first quiz answer was right;
- `person.quiz`: a person's first quiz answer at all (the people behind first-try correct);
- `card.first_sent`, `card.retained` (per lesson), `person.card` (a person's earliest card): review
  cards by the day they were first sent;
- `answer.b0`…`answer.b4` and `answer.bN.right`: review answers by the age of their card when answered
  (`BUCKET_STARTS` days), by day answered.

`backfill_statements` rebuilds the whole table from the rows (the migration and the bench run it); the
writers' bumps produce the same counts. Forgetting a person keeps the counts: they hold no person.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Date, String, and_, case, cast, delete, func, literal, select, true, tuple_
from sqlalchemy.sql import Executable
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import DeliveryKind, DeliveryStatus, FeedbackKind
from storage.models import DashboardDay, Delivery, Enrollment, Feedback, ReviewAnswer, ReviewCard
from storage.sql import dialect_name, insert_of, table_of

__all__ = [
    "BUCKET_STARTS",
    "Key",
    "answers_added",
    "backfill_statements",
    "bump",
    "card_retained",
    "cards_created",
    "deliveries_sent",
    "feedback_added",
    "rebuild",
]

SENT_LESSON = "sent.lesson"
SENT_REVIEW = "sent.review"
SENT_OTHER = "sent.other"
PAIR_DELIVERED = "pair.delivered"
PAIR = {
    FeedbackKind.OPENED: "pair.opened",
    FeedbackKind.QUIZ: "pair.quiz",
    FeedbackKind.USEFUL: "pair.useful",
    FeedbackKind.NOT_USEFUL: "pair.not_useful",
}
QUIZ_RIGHT = "quiz.right"
PERSON_QUIZ = "person.quiz"
CARD_FIRST_SENT = "card.first_sent"
CARD_RETAINED = "card.retained"
PERSON_CARD = "person.card"

BUCKET_STARTS: tuple[int, ...] = (0, 3, 7, 21, 60)
"""Review answers by days since their card was first sent: 0-2, 3-6, 7-20, 21-59, 60 and more."""


def answer_measure(bucket: int, *, right: bool = False) -> str:
    return f"answer.b{bucket}.right" if right else f"answer.b{bucket}"


Key = tuple[dt.date, int, str, str]
"""(UTC day, cohort id or 0, lesson id or '', measure)."""

_TABLE = table_of(DashboardDay)


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date() if moment.tzinfo else moment.date()


def bucket_of(age: dt.timedelta) -> int:
    """The bucket of an answer given `age` after its card's first sending (as the SQL below decides)."""
    days = age.total_seconds() / 86400.0
    return max(n for n, start in enumerate(BUCKET_STARTS) if n == 0 or days >= start)


# --- writing ----------------------------------------------------------------------------------------------


async def bump(session: AsyncSession, *, counts: Mapping[Key, int]) -> None:
    """Add `counts` to the rollup: one INSERT … ON CONFLICT DO UPDATE (executemany), in the caller's
    transaction. Zero counts are skipped."""
    rows = [
        {"day": day, "cohort_id": cohort, "lesson_id": lesson, "measure": measure, "count": n}
        for (day, cohort, lesson, measure), n in sorted(counts.items())
        if n
    ]
    if not rows:
        return
    insert = insert_of(dialect_name(session))(_TABLE)
    statement = insert.on_conflict_do_update(
        index_elements=["measure", "lesson_id", "day", "cohort_id"],
        set_={"count": _TABLE.c.count + insert.excluded.count},
    )
    await session.exec(statement, params=rows)


async def deliveries_sent(
    session: AsyncSession, *, sent: Sequence[tuple[int, int, str, str | None, int | None]], now: dt.datetime
) -> None:
    """Deliveries that just became SENT at `now`: (delivery id, person id, kind, lesson id, enrollment
    id). Counts them by kind, and the lessons that reached their learner for the first time. Two small
    indexed queries per batch, then one upsert."""
    if not sent:
        return
    day = _day(now)
    enrollments = {e for *_, e in sent if e is not None}
    cohorts: dict[int, int] = {}
    if enrollments:
        query = select(col(Enrollment.id), col(Enrollment.cohort_id)).where(
            col(Enrollment.id).in_(sorted(enrollments))
        )
        cohorts = {int(i): int(c) for i, c in await _run(session, query)}
    counts: Counter[Key] = Counter()
    pairs: set[tuple[int, str]] = set()
    for _, person_id, kind, lesson_id, enrollment_id in sent:
        cohort = cohorts.get(enrollment_id, 0) if enrollment_id is not None else 0
        if kind == DeliveryKind.LESSON:
            counts[(day, cohort, lesson_id or "", SENT_LESSON)] += 1
            if lesson_id:
                pairs.add((person_id, lesson_id))
        elif kind == DeliveryKind.REVIEW:
            counts[(day, cohort, "", SENT_REVIEW)] += 1
        else:
            counts[(day, cohort, "", SENT_OTHER)] += 1
    if pairs:
        earlier = select(col(Delivery.person_id), col(Delivery.lesson_id)).where(
            col(Delivery.person_id).in_(sorted({p for p, _ in pairs})),
            col(Delivery.kind) == DeliveryKind.LESSON,
            col(Delivery.status) == DeliveryStatus.SENT,
            col(Delivery.id).not_in([d for d, *_ in sent]),
            tuple_(col(Delivery.person_id), col(Delivery.lesson_id)).in_(sorted(pairs)),
        )
        seen = {(int(p), str(lesson)) for p, lesson in await _run(session, earlier)}
        for _, lesson_id in pairs - seen:
            counts[(day, 0, lesson_id, PAIR_DELIVERED)] += 1
    await bump(session, counts=counts)


async def feedback_added(session: AsyncSession, *, feedback: Feedback, first: bool | None = None) -> None:
    """A feedback row just written (flushed, so it has its id): counted when it is the pair's first of its
    kind (`first`, when the caller knows it; else looked up), and a first quiz answer also counts whether
    it was right and whether it is the person's first quiz answer at all."""
    kind = FeedbackKind(feedback.kind)
    measure = PAIR.get(kind)
    if measure is None or feedback.id is None:
        return
    if first is None:
        others = select(col(Feedback.id)).where(
            col(Feedback.person_id) == feedback.person_id,
            col(Feedback.lesson_id) == feedback.lesson_id,
            col(Feedback.kind) == kind,
            col(Feedback.id) < feedback.id,
        )
        first = (await _run(session, others.limit(1))).first() is None
    if not first:
        return
    day = _day(feedback.created_at)
    counts: Counter[Key] = Counter({(day, 0, feedback.lesson_id, measure): 1})
    if kind is FeedbackKind.QUIZ:
        if feedback.correct:
            counts[(day, 0, feedback.lesson_id, QUIZ_RIGHT)] += 1
        before = select(col(Feedback.id)).where(
            col(Feedback.person_id) == feedback.person_id,
            col(Feedback.kind) == FeedbackKind.QUIZ,
            col(Feedback.id) < feedback.id,
        )
        if (await _run(session, before.limit(1))).first() is None:
            counts[(day, 0, "", PERSON_QUIZ)] += 1
    await bump(session, counts=counts)


async def answers_added(
    session: AsyncSession, *, answers: Iterable[tuple[dt.datetime, bool, dt.datetime]]
) -> None:
    """Review answers to count: (answered at, right, their card's first_sent_at)."""
    counts: Counter[Key] = Counter()
    for answered_at, correct, first_sent_at in answers:
        bucket = bucket_of(answered_at - first_sent_at)
        counts[(_day(answered_at), 0, "", answer_measure(bucket))] += 1
        if correct:
            counts[(_day(answered_at), 0, "", answer_measure(bucket, right=True))] += 1
    await bump(session, counts=counts)


async def cards_created(session: AsyncSession, *, cards: Sequence[tuple[int, str, dt.datetime]]) -> None:
    """Review cards just written: (person id, lesson id, first_sent_at). Counts the cards, moves each
    person's earliest card when these come first, and counts the answers given before the card existed
    (they join the card from now on)."""
    if not cards:
        return
    counts: Counter[Key] = Counter()
    for _, lesson_id, first_sent_at in cards:
        counts[(_day(first_sent_at), 0, lesson_id, CARD_FIRST_SENT)] += 1
    new_pairs = sorted({(p, lesson) for p, lesson, _ in cards})
    people = sorted({p for p, _ in new_pairs})
    older = (
        select(col(ReviewCard.person_id), func.min(col(ReviewCard.first_sent_at)))
        .where(
            col(ReviewCard.person_id).in_(people),
            tuple_(col(ReviewCard.person_id), col(ReviewCard.lesson_id)).not_in(new_pairs),
        )
        .group_by(col(ReviewCard.person_id))
    )
    earliest = {int(p): _aware(m) for p, m in await _run(session, older)}
    for person in people:
        new = min(when for p, _, when in cards if p == person)
        old = earliest.get(person)
        if old is None:
            counts[(_day(new), 0, "", PERSON_CARD)] += 1
        elif new < old:
            counts[(_day(old), 0, "", PERSON_CARD)] -= 1
            counts[(_day(new), 0, "", PERSON_CARD)] += 1
    await bump(session, counts=counts)
    first_sent = {(p, lesson): when for p, lesson, when in cards}
    answered = select(
        col(ReviewAnswer.person_id),
        col(ReviewAnswer.lesson_id),
        col(ReviewAnswer.answered_at),
        col(ReviewAnswer.correct),
    ).where(
        col(ReviewAnswer.person_id).in_(people),
        tuple_(col(ReviewAnswer.person_id), col(ReviewAnswer.lesson_id)).in_(new_pairs),
    )
    await answers_added(
        session,
        answers=[
            (_aware(at) or at, bool(right), first_sent[(int(p), lesson)])
            for p, lesson, at, right in await _run(session, answered)
        ],
    )


async def card_retained(session: AsyncSession, *, lesson_id: str, first_sent_at: dt.datetime) -> None:
    """A card retained for the first time."""
    await bump(session, counts={(_day(first_sent_at), 0, lesson_id, CARD_RETAINED): 1})


async def _run(session: AsyncSession, query: Any) -> Any:
    """Run a Core statement (more columns than sqlmodel's `select` is typed for)."""
    return await session.exec(query)


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


# --- rebuilding from the rows ---------------------------------------------------------------------------


def _utc_day(dialect: str, column: Any) -> Any:
    if dialect == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)


def _days_between(dialect: str, later: Any, earlier: Any) -> Any:
    if dialect == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - earlier) / 86400.0


def _grouped(day: Any, cohort: Any, lesson: Any, measure: Any, source: Any = None, *where: Any) -> Any:
    """INSERT INTO dashboard_day SELECT day, cohort, lesson, measure, count(*) … GROUP BY the four."""
    keys = [day.label("day"), cohort.label("cohort_id"), lesson.label("lesson_id"), measure.label("measure")]
    query = select(*keys, func.count().label("count"))
    if source is not None:
        query = query.select_from(source)
    query = query.where(*where).group_by(day, cohort, lesson, measure)
    return _TABLE.insert().from_select(["day", "cohort_id", "lesson_id", "measure", "count"], query)


def backfill_statements(dialect: str) -> list[Executable]:
    """The statements that rebuild the rollup from the rows (empty it, then one GROUP BY per family of
    measures), for `dialect` ("sqlite" or "postgresql"): the same counts as the writers' bumps."""
    zero, empty = literal(0), cast(literal(""), String)
    day = _utc_day
    sent_kind = case(
        (col(Delivery.kind) == DeliveryKind.LESSON, literal(SENT_LESSON)),
        (col(Delivery.kind) == DeliveryKind.REVIEW, literal(SENT_REVIEW)),
        else_=literal(SENT_OTHER),
    )
    sent = _grouped(
        day(dialect, col(Delivery.sent_at)),
        func.coalesce(col(Enrollment.cohort_id), zero),
        case(
            (col(Delivery.kind) == DeliveryKind.LESSON, func.coalesce(col(Delivery.lesson_id), empty)),
            else_=empty,
        ),
        sent_kind,
        table_of(Delivery).outerjoin(table_of(Enrollment), col(Enrollment.id) == col(Delivery.enrollment_id)),
        col(Delivery.status) == DeliveryStatus.SENT,
    )
    first_lessons = (
        select(
            col(Delivery.lesson_id).label("lesson_id"),
            func.min(col(Delivery.sent_at)).label("first"),
        )
        .where(
            col(Delivery.kind) == DeliveryKind.LESSON,
            col(Delivery.status) == DeliveryStatus.SENT,
            col(Delivery.lesson_id).is_not(None),
        )
        .group_by(col(Delivery.person_id), col(Delivery.lesson_id))
        .subquery()
    )
    delivered = _grouped(
        day(dialect, first_lessons.c.first),
        zero,
        first_lessons.c.lesson_id,
        literal(PAIR_DELIVERED),
        first_lessons,
    )
    firsts = (
        select(func.min(col(Feedback.id)))
        .where(col(Feedback.kind).in_(list(PAIR)))
        .group_by(col(Feedback.person_id), col(Feedback.lesson_id), col(Feedback.kind))
    )
    pair_measure = case(*((col(Feedback.kind) == kind.value, literal(m)) for kind, m in PAIR.items()))
    pairs = _grouped(
        day(dialect, col(Feedback.created_at)),
        zero,
        col(Feedback.lesson_id),
        pair_measure,
        None,
        col(Feedback.id).in_(firsts),
    )
    right = _grouped(
        day(dialect, col(Feedback.created_at)),
        zero,
        col(Feedback.lesson_id),
        literal(QUIZ_RIGHT),
        None,
        col(Feedback.id).in_(firsts),
        col(Feedback.kind) == FeedbackKind.QUIZ,
        col(Feedback.correct).is_(True),
    )
    person_quiz = _grouped(
        day(dialect, col(Feedback.created_at)),
        zero,
        empty,
        literal(PERSON_QUIZ),
        None,
        col(Feedback.id).in_(
            select(func.min(col(Feedback.id)))
            .where(col(Feedback.kind) == FeedbackKind.QUIZ)
            .group_by(col(Feedback.person_id))
        ),
    )
    card_day = day(dialect, col(ReviewCard.first_sent_at))
    cards = _grouped(
        card_day, zero, col(ReviewCard.lesson_id), literal(CARD_FIRST_SENT), table_of(ReviewCard)
    )
    retained = _grouped(
        card_day,
        zero,
        col(ReviewCard.lesson_id),
        literal(CARD_RETAINED),
        table_of(ReviewCard),
        col(ReviewCard.retained_at).is_not(None),
    )
    earliest = (
        select(func.min(col(ReviewCard.first_sent_at)).label("first"))
        .group_by(col(ReviewCard.person_id))
        .subquery()
    )
    person_card = _grouped(day(dialect, earliest.c.first), zero, empty, literal(PERSON_CARD), earliest)
    age = _days_between(dialect, col(ReviewAnswer.answered_at), col(ReviewCard.first_sent_at))
    joined = table_of(ReviewAnswer).join(
        table_of(ReviewCard),
        and_(
            col(ReviewCard.person_id) == col(ReviewAnswer.person_id),
            col(ReviewCard.lesson_id) == col(ReviewAnswer.lesson_id),
        ),
    )

    def bucket(right: bool) -> Any:
        return case(
            *(
                (age < BUCKET_STARTS[n], literal(answer_measure(n - 1, right=right)))
                for n in range(1, len(BUCKET_STARTS))
            ),
            else_=literal(answer_measure(len(BUCKET_STARTS) - 1, right=right)),
        )

    answer_day = day(dialect, col(ReviewAnswer.answered_at))
    answers = _grouped(answer_day, zero, empty, bucket(False), joined)
    answers_right = _grouped(
        answer_day, zero, empty, bucket(True), joined, col(ReviewAnswer.correct).is_(True)
    )
    return [
        delete(_TABLE).where(true()),
        sent,
        delivered,
        pairs,
        right,
        person_quiz,
        cards,
        retained,
        person_card,
        answers,
        answers_right,
    ]


async def rebuild(session: AsyncSession) -> None:
    """Rebuild the rollup from the rows, in the caller's transaction (after a bulk load)."""
    for statement in backfill_statements(dialect_name(session)):
        await _run(session, statement)
