"""The review schedule's repository: each learner's cards (one per lesson), every answer, and what the
planner, the `review` command and `progress` read.

A card is made when a lesson reaches the learner (its first review then stands for the quiz they may
skip) or when its quiz is first answered, whichever comes first. `due_at` is when the policy wants the
question back (scheduler/reviews.py); `ask_at` is when the planner looks at the card next, so that a
tick reads only the cards whose moment has come, by an index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, bindparam, false, func, literal, null, or_, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import (
    deliveries,  # its ledger rows; deliveries imports this module too, used at call time only
    rollups,
)
from storage.enums import AnswerKind, DeliveryKind, DeliveryStatus, EnrollmentStatus, Priority
from storage.keys import review_key_sql
from storage.models import Cohort, Delivery, Enrollment, Person, ReviewAnswer, ReviewCard
from storage.sql import dialect_insert, is_sqlite, table_of, update_by_id
from storage.types import UTCDateTime

_CARD = table_of(ReviewCard)
_DELIVERY = table_of(Delivery)
_ENROLLMENT = table_of(Enrollment)
_PERSON = table_of(Person)

SKIPPED_QUIZ_DELAY = dt.timedelta(days=3)
"""A lesson sent and its quiz never answered: its first review is due this long after it was sent."""

LOOK_BEFORE = dt.timedelta(days=1)
"""The planner first looks at a card this long before it is due: by then the learner's local day of
`due_at` may have begun (zones run up to 14 hours ahead of UTC), and the planner sets the card's
`ask_at` to that day's delivery slot."""

STREAK_WINDOW = 500
"""The most recent answers read to count a streak."""

WORKSHOP_FIRST_REVIEW = dt.timedelta(days=1)
"""A workshop's lessons come back to each participant this long after it, as retrieval questions."""
FIRST_RIGHT_DAYS = "first_right_days"
"""The key of a card's state that sets the gap after its first right answer (scheduler/reviews.py reads
it by the same name)."""
WORKSHOP_STATE = {FIRST_RIGHT_DAYS: 7}
"""A new workshop card's state: after a right answer to its first question, the next comes a week later."""


# --- writing ------------------------------------------------------------------------------------------


async def add_sent(session: AsyncSession, *, sent: Sequence[tuple[int, str]], now: dt.datetime) -> None:
    """Cards for lessons that just reached their learners ((person id, lesson id) pairs): first sent now,
    first due a few days later. A card that exists (the lesson came before, or its quiz was answered
    from a `lesson` read on demand) is left alone."""
    if not sent:
        return
    due = now + SKIPPED_QUIZ_DELAY
    rows = [
        {
            "person_id": person_id,
            "lesson_id": lesson_id,
            "first_sent_at": now,
            "due_at": due,
            "ask_at": due - LOOK_BEFORE,
            "state": {},
            "reviews": 0,
            "lapses": 0,
            "updated_at": now,
        }
        for person_id, lesson_id in dict.fromkeys(sent)
    ]
    statement = (
        dialect_insert(session)(_CARD)
        .on_conflict_do_nothing(index_elements=["person_id", "lesson_id"])
        .returning(_CARD.c.person_id, _CARD.c.lesson_id)
    )
    for start in range(0, len(rows), 500):
        made = await session.exec(statement, params=rows[start : start + 500])
        await rollups.cards_created(session, cards=[(int(p), str(lesson), now) for p, lesson in made])


async def add_workshop_cards(
    session: AsyncSession, *, person_ids: Sequence[int], lesson_ids: Sequence[str], now: dt.datetime
) -> None:
    """The lessons of a workshop that just ended into each participant's review schedule, so that what
    was practised comes back as retrieval questions a day later and a week after that.

    A new card is first sent `now` (the workshop) and due `WORKSHOP_FIRST_REVIEW` later; its state,
    `WORKSHOP_STATE`, tells the schedule (scheduler/reviews.py `next_review`) to set the gap after a
    right answer to that first question to 7 days instead of the policy's first gap (3 days for
    Leitner's second box), then to follow the policy as usual; a wrong answer follows the policy at
    once. The policies keep no per-card first interval, so this is the card's own, read before the
    policy's memory exists. A card that exists (the lesson came in the drip) keeps its schedule, but
    its due moment is brought forward to a day from now when it was later; its `ask_at` follows, so
    the planner looks at it on its next tick."""
    people = sorted(set(person_ids))
    lessons = sorted(set(lesson_ids))
    if not people or not lessons:
        return
    due = now + WORKSHOP_FIRST_REVIEW
    rows = [
        {
            "person_id": person_id,
            "lesson_id": lesson_id,
            "first_sent_at": now,
            "due_at": due,
            "ask_at": due - LOOK_BEFORE,
            "state": dict(WORKSHOP_STATE),
            "reviews": 0,
            "lapses": 0,
            "updated_at": now,
        }
        for person_id in people
        for lesson_id in lessons
    ]
    statement = (
        dialect_insert(session)(_CARD)
        .on_conflict_do_nothing(index_elements=["person_id", "lesson_id"])
        .returning(_CARD.c.person_id, _CARD.c.lesson_id)
    )
    for start in range(0, len(rows), 500):
        made = await session.exec(statement, params=rows[start : start + 500])
        await rollups.cards_created(session, cards=[(int(p), str(lesson), now) for p, lesson in made])
    for start in range(0, len(people), 500):
        await session.exec(
            update(ReviewCard)
            .where(
                col(ReviewCard.person_id).in_(people[start : start + 500]),
                col(ReviewCard.lesson_id).in_(lessons),
                col(ReviewCard.due_at) > due,
            )
            .values(due_at=due, ask_at=due - LOOK_BEFORE, updated_at=now)
            .execution_options(synchronize_session=False)
        )


async def record_answer(
    session: AsyncSession,
    *,
    person_id: int,
    lesson_id: str,
    variant: int,
    kind: str,
    correct: bool,
    now: dt.datetime,
) -> ReviewAnswer:
    """One answer, with its time and outcome (an AnswerKind: the lesson's quiz, or a review)."""
    answer = ReviewAnswer(
        person_id=person_id,
        lesson_id=lesson_id,
        variant=variant,
        kind=kind,
        correct=correct,
        answered_at=now,
    )
    session.add(answer)
    await session.flush()
    card = await card_of(session, person_id=person_id, lesson_id=lesson_id)
    if card is not None:  # else counted when its card is made (the answers join their card)
        first_sent_at = _aware(card.first_sent_at) or now
        await rollups.answers_added(session, answers=[(now, correct, first_sent_at)])
    return answer


async def card_for_update(session: AsyncSession, *, person_id: int, lesson_id: str) -> ReviewCard | None:
    """The learner's card for a lesson, locked on PostgreSQL while an answer changes it."""
    query = select(ReviewCard).where(ReviewCard.person_id == person_id, ReviewCard.lesson_id == lesson_id)
    if not is_sqlite(session):
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def save_card(
    session: AsyncSession,
    *,
    person_id: int,
    lesson_id: str,
    first_sent_at: dt.datetime,
    state: dict[str, Any],
    due_at: dt.datetime,
    variant: int,
    correct: bool,
    counts_as_review: bool,
    retained: bool,
    now: dt.datetime,
) -> ReviewCard:
    """Write the card after an answer: its new schedule (asked again from `due_at`), the variant just
    asked, one more review (when `counts_as_review`) and lapse (when wrong), and `retained_at` the first
    time `retained`. Made if the learner had none for this lesson."""
    card = await card_for_update(session, person_id=person_id, lesson_id=lesson_id)
    made = card is None
    if card is None:
        card = ReviewCard(person_id=person_id, lesson_id=lesson_id, first_sent_at=first_sent_at)
    card.state = state
    card.due_at = due_at
    card.ask_at = due_at - LOOK_BEFORE
    card.last_variant = variant
    if counts_as_review:
        card.reviews += 1
    if not correct:
        card.lapses += 1
    newly_retained = retained and card.retained_at is None
    if newly_retained:
        card.retained_at = now
    card.updated_at = now
    session.add(card)
    await session.flush()
    first = _aware(card.first_sent_at) or first_sent_at
    if made:
        await rollups.cards_created(session, cards=[(person_id, lesson_id, first)])
    if newly_retained:
        await rollups.card_retained(session, lesson_id=lesson_id, first_sent_at=first)
    return card


async def set_asks(session: AsyncSession, *, changes: Sequence[dict[str, Any]]) -> None:
    """Many cards' changes from the planner (`ask_at`, and `last_variant` of the card asked), by id. On
    PostgreSQL, new `ask_at`s alone (what a tick writes) go in one UPDATE from arrays: an UPDATE per card,
    even pipelined, took half of a tick with thousands of learners due."""
    if changes and not is_sqlite(session) and all(change.keys() == {"id", "ask_at"} for change in changes):
        params = {
            "ids": [change["id"] for change in changes],
            "asks": [change["ask_at"] for change in changes],
        }
        await session.exec(_SET_ASKS, params=params)
        return
    await update_by_id(session, _CARD, changes)


_ASKS = (
    func.unnest(bindparam("ids", type_=ARRAY(BigInteger)), bindparam("asks", type_=ARRAY(UTCDateTime)))
    .table_valued("id", "ask_at")
    .render_derived(name="asks")
)
_SET_ASKS = update(_CARD).where(_CARD.c.id == _ASKS.c.id).values(ask_at=_ASKS.c.ask_at)


async def retire(session: AsyncSession, *, person_id: int, lesson_id: str) -> None:
    """A card whose lesson left the library: no longer due, never looked at again (its answers stay)."""
    await session.exec(
        update(ReviewCard)
        .where(col(ReviewCard.person_id) == person_id, col(ReviewCard.lesson_id) == lesson_id)
        .values(due_at=None, ask_at=None)
    )


async def set_last_variant(session: AsyncSession, *, card_id: int, variant: int) -> None:
    await session.exec(update(ReviewCard).where(col(ReviewCard.id) == card_id).values(last_variant=variant))


# --- planning -----------------------------------------------------------------------------------------


async def people_to_plan(session: AsyncSession, *, now: dt.datetime, limit: int) -> list[int]:
    """Learners with a card whose `ask_at` has come (at most `limit` cards read, so as many learners or
    fewer), the longest waiting first: read through the `ask_at` index, so that the cost follows what
    is due, not the cards held. The planner moves each card it reads on, so the next call finds others."""
    query = (
        select(ReviewCard.person_id)
        .where(col(ReviewCard.ask_at) <= now)
        .order_by(col(ReviewCard.ask_at))
        .limit(limit)
    )
    return list(dict.fromkeys(await session.exec(query)))


@dataclass(frozen=True, slots=True)
class DueCard:
    """What the planner reads of a card (not the whole row: a tick reads thousands)."""

    id: int
    lesson_id: str
    due_at: dt.datetime | None


@dataclass(slots=True)
class Learner:
    """What the planner weighs for one learner: who they are, their cohorts, and their cards to look at."""

    person: Person
    enrolled: list[tuple[Enrollment, Cohort]]
    """Active and completed enrollments, oldest first: a stopped one brings no review."""
    cards: list[DueCard]


async def learners_to_plan(
    session: AsyncSession, *, person_ids: Sequence[int], now: dt.datetime
) -> list[Learner]:
    """The people of `person_ids` with their enrollments and their cards whose `ask_at` has come."""
    if not person_ids:
        return []
    ids = list(person_ids)
    persons = {p.id: p for p in await session.exec(select(Person).where(col(Person.id).in_(ids)))}
    enrolled: dict[int, list[tuple[Enrollment, Cohort]]] = {pid: [] for pid in ids}
    query = (
        select(Enrollment, Cohort)
        .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
        .where(
            col(Enrollment.person_id).in_(ids),
            col(Enrollment.status).in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)),
        )
        .order_by(col(Enrollment.created_at), col(Enrollment.id))
    )
    for enrollment, cohort in await session.exec(query):
        enrolled[enrollment.person_id].append((enrollment, cohort))
    cards: dict[int, list[DueCard]] = {pid: [] for pid in ids}
    due = select(ReviewCard.person_id, ReviewCard.id, ReviewCard.lesson_id, ReviewCard.due_at).where(
        col(ReviewCard.person_id).in_(ids), col(ReviewCard.ask_at) <= now
    )
    for person_id, card_id, lesson_id, due_at in await session.exec(
        due.order_by(col(ReviewCard.due_at), col(ReviewCard.id))
    ):
        cards[person_id].append(DueCard(card_id or 0, lesson_id, due_at))
    return [
        Learner(person, enrolled[pid], cards[pid]) for pid in ids if (person := persons.get(pid)) is not None
    ]


@dataclass(frozen=True, slots=True)
class CohortDay:
    """What the scheduler decided for one cohort at a tick (a delivery day whose slot has come, outside
    quiet hours), for the learners who follow its rhythm: `plan_cohort` applies it to all of them at once."""

    cohort_id: int
    now: dt.datetime
    day: dt.date
    """The cohort's local day: the rows' key."""
    day_ends: dt.datetime
    """The start of the next local day: a card due before it is due by today."""
    expires_at: dt.datetime
    """When today's review rows are given up."""
    next_ask: dt.datetime
    """The cohort's next delivery slot: when the cards looked at now are looked at again."""
    ask_until: dt.datetime
    """The start of the local day after `next_ask`'s: the cards due before it wait for `next_ask` (the
    first slot on or after their due day); the others are left to the learner-by-learner planner."""


_LIVE = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


def _followers(person_id: Any, cohort_id: int) -> Select[Any]:
    """The person's enrollment in the cohort, when it is their only active or completed one and they have
    no rhythm of their own (time zone, time of day, days): the cohort's rhythm paces their reviews. A
    correlated query on `person_id`, so that the cards due lead (O(due), not O(cohort))."""
    other = _ENROLLMENT.alias("other")
    return (
        select(literal(1))
        .select_from(_ENROLLMENT.join(_PERSON, _PERSON.c.id == _ENROLLMENT.c.person_id))
        .where(
            _ENROLLMENT.c.person_id == person_id,
            _ENROLLMENT.c.cohort_id == cohort_id,
            _ENROLLMENT.c.status.in_(_LIVE),
            _PERSON.c.tz.is_(None),
            _PERSON.c.time_of_day.is_(None),
            _PERSON.c.days.is_(None),
            ~select(literal(1))
            .where(
                other.c.person_id == _ENROLLMENT.c.person_id,
                other.c.status.in_(_LIVE),
                other.c.id != _ENROLLMENT.c.id,
            )
            .exists(),
        )
    )


def _not_paused(moment: Any, now: dt.datetime) -> Any:
    return or_(moment.is_(None), moment <= now)


async def plan_cohort(session: AsyncSession, *, plan: CohortDay) -> list[tuple[int, str]]:
    """Today's review rows of every learner who follows the cohort's rhythm, may be asked (reachable, not
    paused, nor is their enrollment) and has a card due by today (the most overdue one is asked), in one
    INSERT … SELECT; then one UPDATE moves on every follower's cards looked at now and due before
    `ask_until` (paused and out-of-reach followers' too: with a row or without, `review_decision` gives
    them all `next_ask`). A row already there for the day is left as it is, unless it expired
    undelivered (it is planned again, as `deliveries.plan_rows` does). Returns the (person id, lesson
    id) of the rows written."""
    card = _CARD.alias("card")
    cards = (
        select(card.c.person_id, card.c.id, card.c.lesson_id, card.c.due_at)
        .where(card.c.ask_at <= plan.now, card.c.due_at < plan.day_ends)
        .cte("cards")
        .prefix_with("MATERIALIZED")  # read by `ask_at`, not every card in learner order for the ranking
    )
    rank = func.row_number().over(partition_by=cards.c.person_id, order_by=(cards.c.due_at, cards.c.id))
    due = select(cards.c.person_id, cards.c.lesson_id, rank.label("rank")).subquery("due")
    askable = (
        _followers(due.c.person_id, plan.cohort_id)
        .where(
            _PERSON.c.reachable == true(),
            _not_paused(_PERSON.c.paused_until, plan.now),
            _not_paused(_ENROLLMENT.c.paused_until, plan.now),
        )
        .exists()
    )
    values = {
        "person_id": due.c.person_id,
        "enrollment_id": null(),
        "dedupe_key": review_key_sql(due.c.person_id, plan.day),
        "kind": literal(DeliveryKind.REVIEW.value),
        "lesson_id": due.c.lesson_id,
        "due_at": literal(plan.now, UTCDateTime),
        "expires_at": literal(plan.expires_at, UTCDateTime),
        "status": literal(DeliveryStatus.PENDING.value),
        "priority": literal(int(Priority.BULK)),
        "step": null(),
        "attempts": literal(0),
        "uncertain": false(),
        "error": null(),
        "created_at": literal(plan.now, UTCDateTime),
    }
    insert = dialect_insert(session)(_DELIVERY).from_select(
        list(values), select(*values.values()).where(due.c.rank == 1, askable), include_defaults=False
    )
    statement = deliveries.reviving_expired(insert).returning(_DELIVERY.c.person_id, _DELIVERY.c.lesson_id)
    written = [(int(pid), str(lesson)) for pid, lesson in await session.exec(statement)]
    await session.exec(
        update(_CARD)
        .where(
            _CARD.c.ask_at <= plan.now,
            _CARD.c.due_at < plan.ask_until,
            _followers(_CARD.c.person_id, plan.cohort_id).exists(),
        )
        .values(ask_at=plan.next_ask)
    )
    return written


async def cohorts_to_plan(session: AsyncSession) -> list[Cohort]:
    """The cohorts that are not paused, for the cohort-wide review planning."""
    return list(
        await session.exec(select(Cohort).where(col(Cohort.paused) == false()).order_by(col(Cohort.id)))
    )


# --- reading ------------------------------------------------------------------------------------------


async def card_of(session: AsyncSession, *, person_id: int, lesson_id: str) -> ReviewCard | None:
    query = select(ReviewCard).where(ReviewCard.person_id == person_id, ReviewCard.lesson_id == lesson_id)
    return (await session.exec(query)).first()


async def next_card(
    session: AsyncSession, *, person_id: int, lesson_ids: Sequence[str] | None = None
) -> ReviewCard | None:
    """The learner's card due soonest (the most overdue first), among `lesson_ids` when given (the
    lessons the library still has); None when nothing is scheduled."""
    query = select(ReviewCard).where(ReviewCard.person_id == person_id, col(ReviewCard.due_at).is_not(None))
    if lesson_ids is not None:
        query = query.where(col(ReviewCard.lesson_id).in_(list(lesson_ids)))
    query = query.order_by(col(ReviewCard.due_at), col(ReviewCard.id)).limit(1)
    return (await session.exec(query)).first()


async def first_sent(session: AsyncSession, *, person_id: int, lesson_id: str) -> dt.datetime | None:
    """When the lesson first reached the learner through the ledger (the drip, or `next`); None if it
    never did (read on demand with `lesson`)."""
    query = select(func.min(Delivery.sent_at)).where(
        Delivery.person_id == person_id,
        Delivery.lesson_id == lesson_id,
        Delivery.kind == DeliveryKind.LESSON,
        Delivery.status == DeliveryStatus.SENT,
    )
    return _aware((await session.exec(query)).first())


async def has_reviewed(session: AsyncSession, *, person_id: int) -> bool:
    """Whether the person ever answered a review question."""
    query = select(ReviewAnswer.id).where(
        ReviewAnswer.person_id == person_id, ReviewAnswer.kind == AnswerKind.REVIEW
    )
    return (await session.exec(query.limit(1))).first() is not None


async def answers_of(session: AsyncSession, *, person_id: int) -> list[ReviewAnswer]:
    """Every answer the person gave, oldest first."""
    query = (
        select(ReviewAnswer)
        .where(ReviewAnswer.person_id == person_id)
        .order_by(col(ReviewAnswer.answered_at), col(ReviewAnswer.id))
    )
    return list(await session.exec(query))


async def cards_of(session: AsyncSession, *, person_id: int) -> list[ReviewCard]:
    query = select(ReviewCard).where(ReviewCard.person_id == person_id).order_by(col(ReviewCard.id))
    return list(await session.exec(query))


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """A learner's review schedule at a glance, for `progress`."""

    retained: int
    """Lessons retained: a right answer to a review at least 21 days after the lesson was sent."""
    due: int
    """Questions due now (their moment has come and they have not been answered since)."""
    scheduled: int
    """Lessons in the schedule (every lesson received or whose quiz was answered)."""
    streak: int
    """Right answers in a row: the learner's latest answers to quizzes and reviews that were right,
    counted back to the last wrong one (0 after a wrong answer, or before any answer)."""
    next_due: dt.datetime | None
    """When the next question not yet due is due."""


async def summary(session: AsyncSession, *, person_id: int, now: dt.datetime) -> ReviewSummary:
    """Retained, due now, in the schedule and the streak of one learner."""
    scheduled = col(ReviewCard.due_at).is_not(None)
    query = select(
        func.count(col(ReviewCard.retained_at)),
        func.count().filter(scheduled, col(ReviewCard.due_at) <= now),
        func.count().filter(scheduled),
        func.min(ReviewCard.due_at).filter(col(ReviewCard.due_at) > now),
    ).where(ReviewCard.person_id == person_id)
    retained, due, in_schedule, later = (await session.exec(query)).one()
    recent = (
        select(ReviewAnswer.correct)
        .where(ReviewAnswer.person_id == person_id)
        .order_by(col(ReviewAnswer.answered_at).desc(), col(ReviewAnswer.id).desc())
        .limit(STREAK_WINDOW)
    )
    streak = 0
    for correct in await session.exec(recent):
        if not correct:
            break
        streak += 1
    return ReviewSummary(int(retained), int(due), int(in_schedule), streak, _aware(later))


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
