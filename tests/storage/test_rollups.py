"""The dashboard's rollup on SQLite and PostgreSQL: after a programme's events written through the real
writers (ledger outcomes, `next` replies, quiz answers, opens, feedback, review answers and cards), the
whole programme's figures read from the rollup equal the live queries over the rows; rebuilding the rollup
from the rows (the migration's backfill) gives the same counts as the writers' bumps; and a transaction
rolled back leaves no count behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import col, select

from storage import activity, dashboard, deliveries, progress, reviews, rollups
from storage.dashboard import Scope
from storage.db import Database
from storage.deliveries import Claim, Outcome
from storage.enums import AnswerKind, DeliveryKind, FeedbackKind, SendOutcome
from storage.models import Cohort, DashboardDay, Enrollment, Person

START = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
NOW = START + 40 * DAY + dt.timedelta(hours=3)
"""Cards first sent on START + 19 days count for retention only before 12:00 that day (the cut-off)."""


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def _people(db: Database) -> tuple[list[int], dict[int, int]]:
    """Six learners; the first four in one cohort, the next in another, the last in none."""
    async with db.transaction() as session:
        ids = []
        for n in range(6):
            person = Person(key=f"console:p{n}", platform="console", display_name=f"P{n}")
            session.add(person)
            await session.flush()
            ids.append(person.id or 0)
        enrollments: dict[int, int] = {}
        for name, members in (("a", ids[:4]), ("b", ids[4:5])):
            cohort = Cohort(name=name, track_id="first-steps", start_date=START.date())
            session.add(cohort)
            await session.flush()
            for pid in members:
                enrollment = Enrollment(person_id=pid, cohort_id=cohort.id or 0)
                session.add(enrollment)
                await session.flush()
                enrollments[pid] = enrollment.id or 0
    return ids, enrollments


async def _send(
    db: Database, rows: list[tuple[int, str, str | None, int | None]], when: dt.datetime, *, fail: int = 0
) -> None:
    """Ledger rows (person, kind, lesson, enrollment) enqueued, then recorded as sent by a dispatcher
    batch (the first `fail` of them failed)."""
    async with db.transaction() as session:
        values = [
            {
                "dedupe_key": f"k:{pid}:{kind}:{lesson}:{when.isoformat()}:{n}",
                "person_id": pid,
                "kind": kind,
                "lesson_id": lesson,
                "enrollment_id": enrollment,
                "due_at": when,
                "created_at": when,
            }
            for n, (pid, kind, lesson, enrollment) in enumerate(rows)
        ]
        await deliveries.enqueue(session, rows=values)
        found = await deliveries.rows_by_ids(
            session, ids=await _ids(session, [str(v["dedupe_key"]) for v in values])
        )
        outcomes = [
            Outcome(
                claim=Claim(
                    delivery_id=row.id or 0,
                    dedupe_key=row.dedupe_key,
                    kind=row.kind,
                    person_id=row.person_id,
                    platform="console",
                    attempts=1,
                    recovered=False,
                    lesson_id=row.lesson_id,
                    enrollment_id=row.enrollment_id,
                ),
                status=SendOutcome.FAILED if n < fail else SendOutcome.SENT,
            )
            for n, (row, _) in enumerate(found)
        ]
        await deliveries.record(session, outcomes=outcomes, now=when)


async def _ids(session: Any, keys: list[str]) -> list[int]:
    from storage.models import Delivery

    query = select(col(Delivery.id)).where(col(Delivery.dedupe_key).in_(keys)).order_by(col(Delivery.id))
    return [int(i) for i in await session.exec(query)]


async def _answer(
    db: Database, pid: int, lesson: str, when: dt.datetime, *, correct: bool, retained: bool
) -> None:
    """A review answer as the review flow writes it: the answer, then the card (made when missing)."""
    async with db.transaction() as session:
        await reviews.record_answer(
            session,
            person_id=pid,
            lesson_id=lesson,
            variant=0,
            kind=AnswerKind.REVIEW,
            correct=correct,
            now=when,
        )
        first = await reviews.first_sent(session, person_id=pid, lesson_id=lesson) or when
        await reviews.save_card(
            session,
            person_id=pid,
            lesson_id=lesson,
            first_sent_at=first,
            state={},
            due_at=when + 3 * DAY,
            variant=0,
            correct=correct,
            counts_as_review=True,
            retained=retained,
            now=when,
        )


async def _programme(db: Database) -> list[int]:
    ids, enr = await _people(db)
    p0, p1, p2, p3, p4, p5 = ids
    lesson = DeliveryKind.LESSON
    await _send(db, [(p, lesson, "l1", enr.get(p)) for p in (p0, p1, p2, p3, p4)], START, fail=1)
    await _send(db, [(p0, lesson, "l1", enr[p0]), (p0, DeliveryKind.REVIEW, "l1", enr[p0])], START + DAY)
    await _send(
        db,
        [(p, lesson, "l2", enr.get(p)) for p in (p0, p1, p2)] + [(p5, DeliveryKind.TIP, None, None)],
        START + 19 * DAY + dt.timedelta(hours=1),  # the cut-off day, before the cut-off
    )
    await _send(db, [(p3, lesson, "l2", enr[p3])], START + 19 * DAY + dt.timedelta(hours=5))  # after it
    async with db.transaction() as session:  # a `next` reply, then a lesson read on demand and answered
        await deliveries.record_sent(
            session,
            dedupe_key="next:p4:l2",
            person_id=p4,
            now=START + 25 * DAY,
            enrollment_id=enr[p4],
            lesson_id="l2",
            kind=lesson,
        )
        for pid, lid, right in ((p0, "l1", False), (p1, "l1", True), (p2, "l2", True), (p5, "l3", True)):
            await progress.answer_quiz(
                session, person_id=pid, lesson_id=lid, correct=right, now=START + 2 * DAY
            )
        await progress.answer_quiz(session, person_id=p0, lesson_id="l1", correct=True, now=START + 3 * DAY)
        for pid, lid in ((p0, "l1"), (p0, "l1"), (p1, "l2"), (p5, "l3")):
            await dashboard.mark_opened(session, person_id=pid, lesson_id=lid, now=START + 2 * DAY)
        for pid, lid, kind in (
            (p0, "l1", FeedbackKind.USEFUL),
            (p0, "l1", FeedbackKind.USEFUL),
            (p1, "l1", FeedbackKind.NOT_USEFUL),
            (p2, "l2", FeedbackKind.USEFUL),
            (p0, "l1", FeedbackKind.NOT_USEFUL),
        ):
            await activity.add_feedback(session, person_id=pid, lesson_id=lid, kind=kind)
    await _answer(db, p0, "l1", START + 2 * DAY, correct=True, retained=False)
    await _answer(db, p0, "l1", START + 10 * DAY, correct=True, retained=True)
    await _answer(db, p1, "l1", START + 30 * DAY, correct=False, retained=False)
    await _answer(
        db, p5, "l3", START + 19 * DAY + dt.timedelta(hours=2), correct=True, retained=True
    )  # new card
    await _answer(db, p2, "l2", START + 19 * DAY + dt.timedelta(hours=9), correct=True, retained=True)
    await _answer(db, p3, "l2", START + 80 * DAY, correct=True, retained=False)
    return ids


async def _figures(db: Database, scope: Scope) -> tuple[Any, ...]:
    async with db.transaction() as session:
        return (
            await dashboard.funnel(session, scope=scope),
            await dashboard.retention_curve(session, scope=scope, now=NOW),
            await dashboard.lesson_stats(session, scope=scope, now=NOW),
            await dashboard.deliveries_per_day(
                session, scope=scope, first_day=START.date() - DAY, last_day=NOW.date()
            ),
        )


async def _rollup(db: Database) -> dict[tuple[Any, ...], int]:
    async with db.transaction() as session:
        rows = await session.exec(select(DashboardDay))
        return {(r.day, r.cohort_id, r.lesson_id, r.measure): r.count for r in rows if r.count}


async def test_rollup_figures_equal_the_live_queries(db: Database) -> None:
    ids = await _programme(db)
    everyone = await _figures(db, Scope.everyone())
    live = await _figures(db, Scope.only(ids))  # the live queries, over every learner
    assert everyone == live
    funnel, retention, lessons, days = everyone
    assert sum(d.lessons for d in days) == 10 and sum(d.reviews + d.other for d in days) == 2
    assert funnel == dashboard.Funnel(delivered=10, opened=3, quiz_answered=4, useful=2)
    assert retention.first_try_correct == dashboard.Share(3, 4, 4)
    # cards first sent up to the cut-off: l1 (p0..p4), l2 (p0, p1, p2: the cut-off day, before it), l3 (p5)
    assert retention.retained_3w == dashboard.Share(3, 9, 6)
    assert sum(p.answered for p in retention.points) == 6
    assert [row.lesson_id for row in lessons] == ["l1", "l2", "l3"]


async def test_backfill_equals_the_writers(db: Database) -> None:
    await _programme(db)
    written = await _rollup(db)
    async with db.transaction() as session:
        await rollups.rebuild(session)
    assert await _rollup(db) == written
    assert {measure for *_, measure in written} >= {
        rollups.SENT_LESSON,
        rollups.SENT_REVIEW,
        rollups.SENT_OTHER,
        rollups.PAIR_DELIVERED,
        rollups.QUIZ_RIGHT,
        rollups.PERSON_QUIZ,
        rollups.CARD_FIRST_SENT,
        rollups.CARD_RETAINED,
        rollups.PERSON_CARD,
        *rollups.PAIR.values(),
    }
    cohorts = {cohort for _, cohort, _, measure in written if measure == rollups.SENT_LESSON}
    assert len(cohorts) == 2 and 0 not in cohorts  # each lesson counted in its enrollment's cohort
    assert {cohort for _, cohort, _, measure in written if measure == rollups.SENT_OTHER} == {0}


async def test_a_rolled_back_transaction_leaves_no_count(db: Database) -> None:
    ids = await _programme(db)
    before = await _rollup(db)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await progress.answer_quiz(session, person_id=ids[3], lesson_id="l1", correct=True, now=NOW)
            await dashboard.mark_opened(session, person_id=ids[3], lesson_id="l1", now=NOW)
            await deliveries.record_sent(
                session,
                dedupe_key="next:p3:l9",
                person_id=ids[3],
                now=NOW,
                lesson_id="l9",
                kind=DeliveryKind.LESSON,
            )
            raise RuntimeError("the handler failed")
    assert await _rollup(db) == before


def test_the_buckets_are_the_retention_curves() -> None:
    assert tuple(start for _, start, _ in dashboard.RETENTION_BUCKETS) == rollups.BUCKET_STARTS
