"""The review schedule's repository on SQLite and PostgreSQL: cards made once, answers recorded with
their time and outcome, the planner's reads by `ask_at`, the `progress` summary, and a learner's rows
gone with them."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import BigInteger, literal
from sqlmodel import col, delete, select

from scheduler import reviews as policy
from storage import deliveries, keys, people, reviews, rollups
from storage.db import Database
from storage.enums import AnswerKind, DeliveryKind, DeliveryStatus, Priority, SendOutcome
from storage.models import DashboardDay, Person, PersonCreate, ReviewAnswer, ReviewCard

WHEN = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def add_person(db: Database, name: str = "ann") -> int:
    async with db.transaction() as session:
        person, _ = await people.create_person_unless_exists(
            session, data=PersonCreate(key=f"console:{name}", platform="console", display_name=name)
        )
        return person.id or 0


async def answer(db: Database, person_id: int, lesson_id: str, *, correct: bool, at: dt.datetime) -> None:
    async with db.transaction() as session:
        await reviews.record_answer(
            session,
            person_id=person_id,
            lesson_id=lesson_id,
            variant=1,
            kind=AnswerKind.REVIEW,
            correct=correct,
            now=at,
        )


async def save(
    db: Database,
    person_id: int,
    lesson_id: str,
    *,
    due: dt.datetime,
    correct: bool = True,
    retained: bool = False,
    at: dt.datetime = WHEN,
) -> ReviewCard:
    async with db.transaction() as session:
        return await reviews.save_card(
            session,
            person_id=person_id,
            lesson_id=lesson_id,
            first_sent_at=WHEN,
            state={"policy": "fsrs", "stability": 2.0},
            due_at=due,
            variant=1,
            correct=correct,
            counts_as_review=True,
            retained=retained,
            now=at,
        )


async def test_a_lesson_sent_enters_the_schedule_once(db: Database) -> None:
    ann = await add_person(db)
    async with db.transaction() as session:
        await reviews.add_sent(session, sent=[(ann, "x-lists"), (ann, "x-lists")], now=WHEN)
        await reviews.add_sent(session, sent=[(ann, "x-lists")], now=WHEN + DAY)  # again: left alone
        [card] = await reviews.cards_of(session, person_id=ann)
    assert (card.first_sent_at, card.due_at, card.state, card.reviews) == (WHEN, WHEN + 3 * DAY, {}, 0)
    assert card.ask_at is not None and card.due_at is not None and card.ask_at < card.due_at


async def rollup(db: Database) -> dict[tuple[object, ...], int]:
    async with db.transaction() as session:
        found = await session.exec(select(DashboardDay))
        return {(r.day, r.cohort_id, r.lesson_id, r.measure): r.count for r in found if r.count}


async def test_a_workshops_lessons_enter_each_participants_schedule_a_day_later(db: Database) -> None:
    ann, bob = await add_person(db), await add_person(db, "bob")
    ended = WHEN + dt.timedelta(hours=3)
    for _ in range(2):  # again (a second press of "end", a retry): the same cards
        async with db.transaction() as session:
            await reviews.add_workshop_cards(
                session, person_ids=[ann, bob, ann], lesson_ids=["x-lists", "news-alerts"], now=ended
            )
    async with db.transaction() as session:
        cards = [c for person_id in (ann, bob) for c in await reviews.cards_of(session, person_id=person_id)]
        due_soon = await reviews.people_to_plan(session, now=ended, limit=10)
    assert sorted((c.person_id, c.lesson_id) for c in cards) == sorted(
        (p, lesson) for p in (ann, bob) for lesson in ("x-lists", "news-alerts")
    )
    assert {(c.first_sent_at, c.due_at, c.ask_at, c.reviews) for c in cards} == {
        (ended, ended + DAY, ended, 0)
    }
    assert all(c.state == reviews.WORKSHOP_STATE == {policy.FIRST_RIGHT_DAYS: 7} for c in cards)
    assert sorted(due_soon) == sorted([ann, bob]), "the planner looks at them from now on"
    written = await rollup(db)
    async with db.transaction() as session:
        await rollups.rebuild(session)
    assert await rollup(db) == written, "the rollup counts each card once, as a rebuild does"
    assert sum(n for (*_, measure), n in written.items() if measure == rollups.CARD_FIRST_SENT) == 4


async def test_a_workshop_brings_a_card_forward_but_never_back(db: Database) -> None:
    ann = await add_person(db)
    ended = WHEN + 5 * DAY
    await save(db, ann, "x-lists", due=ended + 10 * DAY)  # answered in the drip: due later
    await save(db, ann, "news-alerts", due=ended + dt.timedelta(hours=12))  # due sooner than a day
    await save(db, ann, "social-listening", due=ended + 10 * DAY)  # not in the workshop
    async with db.transaction() as session:
        await reviews.add_sent(session, sent=[(ann, "hashtags")], now=WHEN)
        await reviews.retire(session, person_id=ann, lesson_id="hashtags")  # gone from the library
        await reviews.add_workshop_cards(
            session, person_ids=[ann], lesson_ids=["x-lists", "news-alerts", "hashtags"], now=ended
        )
    async with db.transaction() as session:
        cards = {c.lesson_id: c for c in await reviews.cards_of(session, person_id=ann)}
    forward = cards["x-lists"]
    assert (forward.due_at, forward.ask_at, forward.first_sent_at) == (ended + DAY, ended, WHEN)
    assert forward.state == {"policy": "fsrs", "stability": 2.0}, "its schedule's memory stays"
    assert cards["news-alerts"].due_at == ended + dt.timedelta(hours=12)
    assert cards["social-listening"].due_at == ended + 10 * DAY
    assert (cards["hashtags"].due_at, cards["hashtags"].ask_at) == (None, None)


async def test_a_lesson_recorded_sent_by_the_ledger_makes_its_card(db: Database) -> None:
    """Both ways a lesson reaches a learner: the dispatcher's outcome, and `next` in a reply."""
    ann = await add_person(db)
    async with db.transaction() as session:
        await deliveries.record_sent(
            session,
            dedupe_key=keys.lesson_key(1, "news-alerts"),
            person_id=ann,
            lesson_id="news-alerts",
            now=WHEN,
        )
        await deliveries.enqueue(
            session,
            rows=[
                {
                    "dedupe_key": keys.lesson_key(1, "x-lists"),
                    "person_id": ann,
                    "kind": DeliveryKind.LESSON,
                    "lesson_id": "x-lists",
                    "due_at": WHEN,
                }
            ],
        )
    async with db.transaction() as session:
        claims = await deliveries.claim(
            session, now=WHEN, worker="w", platforms=["console"], alive_since=WHEN, limit=10
        )
        await deliveries.record(
            session,
            outcomes=[deliveries.Outcome(c, SendOutcome.SENT) for c in claims],
            now=WHEN + dt.timedelta(minutes=1),
        )
        cards = {c.lesson_id: c for c in await reviews.cards_of(session, person_id=ann)}
        sent = await reviews.first_sent(session, person_id=ann, lesson_id="x-lists")
    assert set(cards) == {"news-alerts", "x-lists"}
    assert cards["x-lists"].first_sent_at == sent == WHEN + dt.timedelta(minutes=1)


async def test_answers_and_the_card_after_them(db: Database) -> None:
    ann = await add_person(db)
    await answer(db, ann, "x-lists", correct=False, at=WHEN)
    card = await save(db, ann, "x-lists", due=WHEN + DAY, correct=False, at=WHEN)
    assert (card.reviews, card.lapses, card.retained_at, card.last_variant) == (1, 1, None, 1)
    card = await save(db, ann, "x-lists", due=WHEN + 30 * DAY, retained=True, at=WHEN + 22 * DAY)
    card = await save(db, ann, "x-lists", due=WHEN + 90 * DAY, retained=True, at=WHEN + 52 * DAY)
    assert (card.reviews, card.lapses, card.retained_at) == (3, 1, WHEN + 22 * DAY)  # the first time
    assert card.ask_at == WHEN + 89 * DAY
    async with db.transaction() as session:
        [stored] = await reviews.answers_of(session, person_id=ann)
        [card] = await reviews.cards_of(session, person_id=ann)
    assert (stored.lesson_id, stored.variant, stored.kind, stored.correct) == ("x-lists", 1, "review", False)
    assert stored.answered_at == WHEN
    assert card.state == {"policy": "fsrs", "stability": 2.0}


async def test_the_planner_reads_only_the_cards_whose_moment_has_come(db: Database) -> None:
    ids = [await add_person(db, f"p{i}") for i in range(5)]
    for index, person_id in enumerate(reversed(ids)):  # the last person's card is the oldest
        await save(db, person_id, "x-lists", due=WHEN + index * DAY)  # ask_at one day earlier
        await save(db, person_id, "news-alerts", due=WHEN + 10 * DAY)
    tuesday = WHEN + DAY
    async with db.transaction() as session:
        first = await reviews.people_to_plan(session, now=tuesday, limit=2)
        learners = await reviews.learners_to_plan(session, person_ids=first, now=tuesday)
        await reviews.set_asks(
            session, changes=[{"id": c.id, "ask_at": WHEN + 5 * DAY} for lr in learners for c in lr.cards]
        )
    assert first == [ids[4], ids[3]]  # the longest waiting first
    assert [[c.lesson_id for c in learner.cards] for learner in learners] == [["x-lists"]] * 2
    assert all(learner.enrolled == [] for learner in learners)
    async with db.transaction() as session:
        rest = await reviews.people_to_plan(session, now=tuesday, limit=2)
        assert rest == [ids[2]]  # due by Wednesday: looked at from Tuesday; the others later
        learners = await reviews.learners_to_plan(session, person_ids=rest, now=tuesday)
        await reviews.set_asks(session, changes=[{"id": learners[0].cards[0].id, "ask_at": None}])
        assert await reviews.people_to_plan(session, now=tuesday, limit=10) == []


async def test_the_next_card_and_the_summary(db: Database) -> None:
    ann = await add_person(db)
    now = WHEN + 30 * DAY
    await save(db, ann, "x-lists", due=now - 2 * DAY)
    await save(db, ann, "news-alerts", due=now - DAY)
    await save(db, ann, "social-listening", due=now + 3 * DAY, retained=True, at=WHEN + 25 * DAY)
    for correct in (True, False, True, True):
        await answer(db, ann, "x-lists", correct=correct, at=now - DAY)
    async with db.transaction() as session:
        soonest = await reviews.next_card(session, person_id=ann)
        known = await reviews.next_card(
            session, person_id=ann, lesson_ids=["news-alerts", "social-listening"]
        )
        summary = await reviews.summary(session, person_id=ann, now=now)
    assert soonest is not None and soonest.lesson_id == "x-lists"  # the most overdue
    assert known is not None and known.lesson_id == "news-alerts"  # among lessons the library has
    assert summary == reviews.ReviewSummary(retained=1, due=2, scheduled=3, streak=2, next_due=now + 3 * DAY)


async def test_the_summary_of_a_new_learner(db: Database) -> None:
    ann = await add_person(db)
    async with db.transaction() as session:
        assert await reviews.summary(session, person_id=ann, now=WHEN) == reviews.ReviewSummary(
            0, 0, 0, 0, None
        )
        assert await reviews.next_card(session, person_id=ann) is None
        assert await reviews.first_sent(session, person_id=ann, lesson_id="x-lists") is None


async def test_a_person_deleted_takes_their_cards_and_answers(db: Database) -> None:
    ann, bob = await add_person(db), await add_person(db, "bob")
    for person_id in (ann, bob):
        await save(db, person_id, "x-lists", due=WHEN)
        await answer(db, person_id, "x-lists", correct=True, at=WHEN)
    async with db.transaction() as session:
        await session.exec(delete(Person).where(col(Person.id) == ann))
    async with db.transaction() as session:
        cards = list(await session.exec(select(ReviewCard.person_id)))
        answers = list(await session.exec(select(ReviewAnswer.person_id)))
    assert cards == [bob] and answers == [bob]


async def test_the_delivery_kind_and_status_words(db: Database) -> None:
    """A review row is a ledger row like any other: its words fit the columns on both databases."""
    ann = await add_person(db)
    async with db.transaction() as session:
        await deliveries.plan_rows(
            session,
            rows=[
                {
                    "person_id": ann,
                    "dedupe_key": keys.review_key(ann, WHEN.date()),
                    "kind": DeliveryKind.REVIEW,
                    "lesson_id": "x-lists",
                    "due_at": WHEN,
                    "expires_at": WHEN + DAY,
                    "status": DeliveryStatus.PENDING,
                    "priority": Priority.BULK,
                    "attempts": 0,
                    "uncertain": False,
                    "created_at": WHEN,
                }
            ],
        )
        [row] = await deliveries.deliveries_of(session, person_id=ann)
    assert (row.kind, row.lesson_id, row.dedupe_key) == ("review", "x-lists", f"review:{ann}:2026-11-23")


async def test_the_review_key_in_sql_is_the_review_key(db: Database) -> None:
    """The key a cohort-wide statement gives a review row is the one `review_key` gives it: either way of
    planning meets the other's row for the day."""
    ids = [1, 42, 9_876_543_210]
    day = dt.date(2026, 3, 9)
    async with db.transaction() as session:
        found = [
            (await session.exec(select(keys.review_key_sql(literal(pid, BigInteger), day)))).one()
            for pid in ids
        ]
    assert (
        found
        == [keys.review_key(pid, day) for pid in ids]
        == [
            "review:1:2026-03-09",
            "review:42:2026-03-09",
            "review:9876543210:2026-03-09",
        ]
    )
