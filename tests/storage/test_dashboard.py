"""The dashboard's figures on a small programme written row by row, with answers worked out by hand, on
SQLite and PostgreSQL: each figure, each scope (a mentor's scope never counts another mentor's mentees),
every day present with its zeros, declined questions never among the gaps.

The programme (NOW is Monday 23 November 2026, 10:00 UTC):
- cohort alpha (started 1 Nov): Ann active, Bea paused by herself, Cy completed, Dee stopped, Eve pending
  install (not reachable);
- cohort beta (started 15 Nov, paused as a whole): Bob, and Ann again;
- cohort gamma (started 20 Nov): nobody yet;
- Mona mentors Ann and Bea; Max mentors Bob.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from storage import dashboard, rollups
from storage.dashboard import DayCount, Funnel, PeopleStatus, ProgrammeNumbers, Scope, Share
from storage.db import Database
from storage.enums import (
    AnswerKind,
    DeliveryKind,
    DeliveryStatus,
    EnrollmentStatus,
    FeedbackKind,
    QuestionStatus,
)
from storage.models import (
    Cohort,
    CustomTip,
    Delivery,
    Enrollment,
    Feedback,
    Mentorship,
    Person,
    Question,
    ReviewAnswer,
    ReviewCard,
)

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def at(day: int, hour: int = 9, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=dt.UTC)


@dataclass
class Programme:
    ann: int
    bea: int
    cy: int
    dee: int
    eve: int
    bob: int
    mona: int
    max: int
    alpha: int
    beta: int
    gamma: int

    @property
    def monas(self) -> Scope:
        return Scope.only([self.ann, self.bea])

    @property
    def maxs(self) -> Scope:
        return Scope.only([self.bob])


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def build(db: Database) -> Programme:
    async with db.transaction() as session:

        async def person(name: str, **fields: Any) -> int:
            row = Person(key=f"console:{name.lower()}", platform="console", display_name=name, **fields)
            session.add(row)
            await session.flush()
            return row.id or 0

        async def cohort(name: str, start: dt.date, **fields: Any) -> int:
            row = Cohort(name=name, track_id="first-steps", start_date=start, **fields)
            session.add(row)
            await session.flush()
            return row.id or 0

        ann = await person("Ann", last_active_at=NOW - 2 * HOUR)
        bea = await person("Bea", paused_until=NOW + DAY)
        cy, dee = await person("Cy"), await person("Dee")
        eve = await person("Eve", reachable=False, unreachable_reason="app not installed")
        bob = await person("Bob")
        mona, max_ = await person("Mona"), await person("Max")
        alpha = await cohort("alpha", dt.date(2026, 11, 1))
        beta = await cohort("beta", dt.date(2026, 11, 15), paused=True)
        gamma = await cohort("gamma", dt.date(2026, 11, 20))

        enrollments: dict[tuple[int, int], int] = {}
        for pid, cid, fields in (
            (ann, alpha, {}),
            (bea, alpha, {}),
            (cy, alpha, {"status": EnrollmentStatus.COMPLETED}),
            (dee, alpha, {"status": EnrollmentStatus.STOPPED, "stop_reason": "left the company"}),
            (eve, alpha, {}),
            (bob, beta, {}),
            (ann, beta, {}),
        ):
            row = Enrollment(person_id=pid, cohort_id=cid, **fields)
            session.add(row)
            await session.flush()
            enrollments[pid, cid] = row.id or 0
        session.add_all(
            [
                Mentorship(mentor_id=mona, mentee_id=ann),
                Mentorship(mentor_id=mona, mentee_id=bea),
                Mentorship(mentor_id=max_, mentee_id=bob),
            ]
        )

        sent = 0

        def delivery(
            pid: int, kind: DeliveryKind, when: dt.datetime, lesson: str | None = None, cid: int | None = None
        ) -> Delivery:
            nonlocal sent
            sent += 1
            status = DeliveryStatus.SENT if when <= NOW else DeliveryStatus.PENDING
            return Delivery(
                dedupe_key=f"test:{sent}",
                person_id=pid,
                enrollment_id=None if cid is None else enrollments[pid, cid],
                lesson_id=lesson,
                kind=kind,
                status=status,
                due_at=when,
                sent_at=when if status == DeliveryStatus.SENT else None,
            )

        L = DeliveryKind.LESSON
        session.add_all(
            [
                delivery(ann, L, at(19), "l1", beta),
                delivery(ann, L, at(20), "l1", alpha),
                delivery(bea, L, at(20), "l1", alpha),
                delivery(ann, L, at(21), "l2", alpha),
                delivery(bob, L, at(21), "l1", beta),
                delivery(ann, DeliveryKind.REVIEW, at(21, 12), "l1"),
                delivery(bob, L, at(22, 23, 59, 59), "l1", beta),  # the same lesson again: one pair
                delivery(ann, DeliveryKind.TIP, at(22, 23, 59, 59)),
                delivery(bea, DeliveryKind.DIGEST, at(23, 0)),
                delivery(ann, L, NOW + DAY, "l3", alpha),  # not sent yet
            ]
        )
        failed = delivery(bob, L, at(22), "l2", beta)
        failed.status, failed.sent_at = DeliveryStatus.FAILED, None
        session.add(failed)

        def feedback(
            pid: int, kind: FeedbackKind, lesson: str = "l1", correct: bool | None = None
        ) -> Feedback:
            return Feedback(
                person_id=pid, lesson_id=lesson, kind=kind, correct=correct, created_at=NOW - 3 * DAY
            )

        for given in (
            feedback(ann, FeedbackKind.OPENED),
            feedback(ann, FeedbackKind.OPENED),
            feedback(ann, FeedbackKind.QUIZ, correct=False),
            feedback(ann, FeedbackKind.QUIZ, correct=True),  # a second answer never counts
            feedback(ann, FeedbackKind.USEFUL),
            feedback(bea, FeedbackKind.OPENED),
            feedback(bea, FeedbackKind.QUIZ, correct=True),
            feedback(bea, FeedbackKind.NOT_USEFUL),
            feedback(bob, FeedbackKind.QUIZ, correct=True),
            feedback(bob, FeedbackKind.USEFUL),
            feedback(bob, FeedbackKind.USEFUL),
        ):
            session.add(given)
            await session.flush()  # in order: the first answer is the one with the smallest id

        for pid, first_sent, retained in (
            (ann, NOW - 80 * DAY, True),
            (bea, NOW - 25 * DAY, False),
            (bob, NOW - 5 * DAY, False),
        ):
            session.add(
                ReviewCard(
                    person_id=pid,
                    lesson_id="l1",
                    first_sent_at=first_sent,
                    retained_at=first_sent + 25 * DAY if retained else None,
                    updated_at=NOW,
                )
            )
            by_person: dict[int, list[tuple[float, bool]]] = {
                ann: [(1, False), (4, True), (10, True), (25, True), (65, True)],
                bea: [(2.9, True), (3, False)],
                bob: [(1, True)],
            }
            for days, correct in by_person[pid]:
                session.add(
                    ReviewAnswer(
                        person_id=pid,
                        lesson_id="l1",
                        kind=AnswerKind.REVIEW,
                        correct=correct,
                        answered_at=first_sent + dt.timedelta(days=days),
                    )
                )
        # An answer to a lesson read on demand, with no card: not on the curve.
        session.add(
            ReviewAnswer(person_id=bob, lesson_id="l9", kind=AnswerKind.QUIZ, correct=True, answered_at=NOW)
        )

        def question(pid: int, created: dt.datetime, **fields: Any) -> Question:
            return Question(person_id=pid, text=f"question {created:%d %H:%M}", created_at=created, **fields)

        answered = {"status": QuestionStatus.ANSWERED}
        session.add_all(
            [
                question(ann, NOW - 10 * HOUR, mentor_id=mona, answered_at=NOW - 9 * HOUR, **answered),
                question(bea, NOW - 5 * HOUR, mentor_id=mona, answered_at=NOW - 2 * HOUR, **answered),
                question(ann, NOW - 20 * HOUR, mentor_id=mona, answered_at=NOW - 19.5 * HOUR, **answered),
                question(ann, NOW - 30 * HOUR, mentor_id=mona, status=QuestionStatus.FORWARDED),
                question(
                    bob,
                    NOW - 40 * HOUR,
                    mentor_id=max_,
                    answered_at=NOW - 40 * HOUR + dt.timedelta(seconds=60),
                    **answered,
                ),
                question(
                    bob,
                    NOW - 41 * HOUR,
                    mentor_id=max_,
                    answered_at=NOW - 41 * HOUR + dt.timedelta(seconds=120),
                    **answered,
                ),
                question(
                    bob, NOW - 50 * HOUR, lesson_id="l1", confident=True, **answered
                ),  # a lesson answered it
                question(bea, NOW - HOUR, status=QuestionStatus.DECLINED),  # never shown
                question(eve, NOW - 60 * HOUR, new_topic_at=NOW - 59 * HOUR),  # open, a new topic needed
            ]
        )
        session.add_all(
            [
                CustomTip(author_id=mona, target_person_id=ann, text="a", send_at=NOW),
                CustomTip(author_id=mona, target_cohort_id=alpha, text="b", send_at=NOW),
                CustomTip(author_id=mona, target_cohort_id=gamma, text="c", send_at=NOW),
                CustomTip(author_id=max_, target_person_id=bob, text="d", send_at=NOW),
            ]
        )
        await rollups.rebuild(
            session
        )  # rows written directly: the daily counts as migration 0009 builds them
    return Programme(ann, bea, cy, dee, eve, bob, mona, max_, alpha, beta, gamma)


@pytest.fixture
async def programme(db: Database) -> Programme:
    return await build(db)


async def test_programme_numbers_count_each_learner_once_by_their_liveliest_enrollment(
    db: Database, programme: Programme
) -> None:
    async with db.transaction() as session:
        everyone = await dashboard.programme_numbers(session, scope=Scope.everyone(), now=NOW)
        monas = await dashboard.programme_numbers(session, scope=programme.monas, now=NOW)
        maxs = await dashboard.programme_numbers(session, scope=programme.maxs, now=NOW)
        nobody = await dashboard.programme_numbers(session, scope=Scope.only([]), now=NOW)
        later = await dashboard.programme_numbers(session, scope=Scope.everyone(), now=NOW + 2 * DAY)
    # Ann is active in alpha and paused with beta: active. Bea and Bob are paused.
    assert everyone == ProgrammeNumbers(3, 1, 2, 1, 1, 1, 2, 3)
    assert monas == ProgrammeNumbers(2, 1, 1, 0, 0, 0, 1, 2)
    assert maxs == ProgrammeNumbers(1, 0, 1, 0, 0, 0, 1, 1)
    assert nobody == ProgrammeNumbers(0, 0, 0, 0, 0, 0, 0, 0)
    assert (later.learners_active, later.learners_paused) == (2, 1)  # Bea's pause ended


async def test_deliveries_per_day_every_day_with_its_zeros(db: Database, programme: Programme) -> None:
    first, last = dt.date(2026, 11, 18), dt.date(2026, 11, 24)
    async with db.transaction() as session:
        everyone = await dashboard.deliveries_per_day(
            session, scope=Scope.everyone(), first_day=first, last_day=last
        )
        monas = await dashboard.deliveries_per_day(
            session, scope=programme.monas, first_day=first, last_day=last
        )
        maxs = await dashboard.deliveries_per_day(
            session, scope=programme.maxs, first_day=first, last_day=last
        )
        one = await dashboard.deliveries_per_day(
            session, scope=Scope.everyone(), first_day=dt.date(2026, 11, 22), last_day=dt.date(2026, 11, 22)
        )

    def days(*counts: tuple[int, int, int]) -> list[DayCount]:
        return [DayCount(first + n * DAY, *c) for n, c in enumerate(counts)]

    zero = (0, 0, 0)
    assert everyone == days(zero, (1, 0, 0), (2, 0, 0), (2, 1, 0), (1, 0, 1), (0, 0, 1), zero)
    assert monas == days(zero, (1, 0, 0), (2, 0, 0), (1, 1, 0), (0, 0, 1), (0, 0, 1), zero)
    assert maxs == days(zero, zero, zero, (1, 0, 0), (1, 0, 0), zero, zero)
    assert one == [DayCount(dt.date(2026, 11, 22), 1, 0, 1)]


async def test_deliveries_per_day_on_an_empty_programme(db: Database) -> None:
    async with db.transaction() as session:
        found = await dashboard.deliveries_per_day(
            session, scope=Scope.everyone(), first_day=dt.date(2026, 2, 27), last_day=dt.date(2026, 3, 2)
        )
    assert [d.day.isoformat() for d in found] == ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]
    assert {(d.lessons, d.reviews, d.other) for d in found} == {(0, 0, 0)}


async def test_the_funnel_counts_distinct_learner_and_lesson_pairs(
    db: Database, programme: Programme
) -> None:
    async with db.transaction() as session:
        everyone = await dashboard.funnel(session, scope=Scope.everyone())
        monas = await dashboard.funnel(session, scope=programme.monas)
        maxs = await dashboard.funnel(session, scope=programme.maxs)
    assert everyone == Funnel(delivered=4, opened=2, quiz_answered=3, useful=2)
    assert monas == Funnel(delivered=3, opened=2, quiz_answered=2, useful=1)
    assert maxs == Funnel(delivered=1, opened=0, quiz_answered=1, useful=1)


async def test_the_retention_curve(db: Database, programme: Programme) -> None:
    async with db.transaction() as session:
        everyone = await dashboard.retention_curve(session, scope=Scope.everyone(), now=NOW)
        monas = await dashboard.retention_curve(session, scope=programme.monas, now=NOW)
        maxs = await dashboard.retention_curve(session, scope=programme.maxs, now=NOW)
    assert everyone.first_try_correct == Share(2, 3, 3)  # Ann's first answer was wrong
    assert everyone.retained_3w == Share(1, 2, 2)  # Bob's lesson is five days old: not counted yet
    assert [(p.days_from, p.days_to, p.answered, p.correct) for p in everyone.points] == [
        (0, 2, 3, 2),
        (3, 6, 2, 1),
        (7, 20, 1, 1),
        (21, 59, 1, 1),
        (60, None, 1, 1),
    ]
    assert [p.label_key for p in everyone.points] == [key for key, _, _ in dashboard.RETENTION_BUCKETS]
    assert monas.first_try_correct == Share(1, 2, 2)
    assert [p.answered for p in monas.points] == [2, 2, 1, 1, 1]
    assert maxs.first_try_correct == Share(1, 1, 1)
    assert maxs.retained_3w == Share(0, 0, 0)
    assert [p.answered for p in maxs.points] == [1, 0, 0, 0, 0]


async def test_the_cohort_list(db: Database, programme: Programme) -> None:
    async with db.transaction() as session:
        everyone = await dashboard.cohort_list(session, scope=Scope.everyone(), now=NOW)
        maxs = await dashboard.cohort_list(session, scope=programme.maxs, now=NOW)
        monas = await dashboard.cohort_list(session, scope=programme.monas, now=NOW)

    def figures(rows: list[dashboard.CohortRow]) -> list[tuple[object, ...]]:
        return [
            (
                r.name,
                r.paused,
                r.learners,
                r.active,
                r.paused_people,
                r.completed,
                r.stopped,
                r.pending_install,
            )
            for r in rows
        ]

    assert figures(everyone) == [
        ("gamma", False, 0, 0, 0, 0, 0, 0),
        ("beta", True, 2, 0, 2, 0, 0, 0),
        ("alpha", False, 5, 1, 1, 1, 1, 1),
    ]
    assert everyone[2].id == programme.alpha and everyone[2].start_date == dt.date(2026, 11, 1)
    assert everyone[2].track_id == "first-steps"
    assert figures(maxs) == [("beta", True, 1, 0, 1, 0, 0, 0)]
    assert figures(monas) == [("beta", True, 1, 0, 1, 0, 0, 0), ("alpha", False, 2, 1, 1, 0, 0, 0)]


async def test_cohort_progress_along_the_track(db: Database, programme: Programme) -> None:
    async with db.transaction() as session:
        alpha = await dashboard.cohort_progress(session, cohort_id=programme.alpha, scope=Scope.everyone())
        monas = await dashboard.cohort_progress(session, cohort_id=programme.alpha, scope=programme.monas)
        beta = await dashboard.cohort_progress(session, cohort_id=programme.beta, scope=Scope.everyone())
        maxs_alpha = await dashboard.cohort_progress(session, cohort_id=programme.alpha, scope=programme.maxs)
        gamma = await dashboard.cohort_progress(session, cohort_id=programme.gamma, scope=Scope.everyone())
    assert alpha == [(0, 3), (1, 1), (2, 1)]
    assert monas == [(1, 1), (2, 1)]
    assert beta == [(1, 1), (2, 1)]  # Bob's failed row is not received
    assert maxs_alpha == [] and gamma == []


async def test_cohort_people(db: Database, programme: Programme) -> None:
    async with db.transaction() as session:
        alpha = await dashboard.cohort_people(
            session, cohort_id=programme.alpha, scope=Scope.everyone(), now=NOW
        )
        beta = await dashboard.cohort_people(session, cohort_id=programme.beta, scope=programme.maxs, now=NOW)
        none = await dashboard.cohort_people(
            session, cohort_id=programme.alpha, scope=programme.maxs, now=NOW
        )
    assert [(r.name, r.status, r.stop_reason, r.lessons_received, r.mentor_name) for r in alpha] == [
        ("Ann", PeopleStatus.ACTIVE, None, 2, "Mona"),
        ("Bea", PeopleStatus.PAUSED, None, 1, "Mona"),
        ("Cy", PeopleStatus.COMPLETED, None, 0, None),
        ("Dee", PeopleStatus.STOPPED, "left the company", 0, None),
        ("Eve", PeopleStatus.PENDING_INSTALL, "app not installed", 0, None),
    ]
    ann, bea, cy, _, eve = alpha
    assert (ann.person_id, ann.key) == (programme.ann, "console:ann")
    assert ann.last_activity == NOW - 2 * HOUR  # her last button press, after her feedback
    assert bea.last_activity == NOW - HOUR  # her (declined) question: she acted then
    assert cy.last_activity is None
    assert eve.last_activity == NOW - 60 * HOUR
    assert [(r.name, r.status, r.lessons_received) for r in beta] == [("Bob", PeopleStatus.PAUSED, 2)]
    assert none == []


async def test_mentor_activity(db: Database, programme: Programme) -> None:
    async with db.transaction() as session:
        alpha = await dashboard.mentor_activity(session, cohort_id=programme.alpha, scope=Scope.everyone())
        beta = await dashboard.mentor_activity(session, cohort_id=programme.beta, scope=Scope.everyone())
        maxs = await dashboard.mentor_activity(session, cohort_id=programme.beta, scope=programme.maxs)
        gamma = await dashboard.mentor_activity(session, cohort_id=programme.gamma, scope=Scope.everyone())
    rows = [(r.name, r.mentees, r.tips_pushed, r.questions_answered, r.median_answer_seconds) for r in alpha]
    assert rows == [("Mona", 2, 2, 3, pytest.approx(3600, abs=1))]  # median of 30 min, 1 h, 3 h
    rows = [(r.name, r.mentees, r.tips_pushed, r.questions_answered, r.median_answer_seconds) for r in beta]
    assert rows == [
        ("Max", 1, 1, 2, pytest.approx(90, abs=1)),  # median of 60 s and 120 s
        ("Mona", 1, 1, 2, pytest.approx(2700, abs=1)),  # Ann's questions: 30 min and 1 h
    ]
    assert [r.mentor_id for r in maxs] == [programme.max]  # Mona's mentee in beta is not Max's to see
    assert gamma == []


async def test_quiz_results_are_first_answers_in_aggregate(db: Database, programme: Programme) -> None:
    async with db.transaction() as session:
        alpha = await dashboard.quiz_results(session, cohort_id=programme.alpha, scope=Scope.everyone())
        beta = await dashboard.quiz_results(session, cohort_id=programme.beta, scope=Scope.everyone())
        maxs = await dashboard.quiz_results(session, cohort_id=programme.beta, scope=programme.maxs)
    assert [(r.lesson_id, r.people, r.first_try_correct) for r in alpha] == [("l1", 2, Share(1, 2, 2))]
    assert [(r.lesson_id, r.people, r.first_try_correct) for r in beta] == [("l1", 2, Share(1, 2, 2))]
    assert [(r.lesson_id, r.people, r.first_try_correct) for r in maxs] == [("l1", 1, Share(1, 1, 1))]


async def test_lesson_stats(db: Database, programme: Programme) -> None:
    async with db.transaction() as session:
        everyone = await dashboard.lesson_stats(session, scope=Scope.everyone(), now=NOW)
        maxs = await dashboard.lesson_stats(session, scope=programme.maxs, now=NOW)
    l1, l2 = everyone
    assert (l1.lesson_id, l1.sent, l1.opened, l1.useful, l1.not_useful) == ("l1", 5, 2, 2, 1)
    assert (l1.first_try_correct, l1.retained) == (Share(2, 3, 3), Share(1, 2, 2))
    assert (l2.lesson_id, l2.sent, l2.opened, l2.useful) == ("l2", 1, 0, 0)
    assert (l2.first_try_correct, l2.retained) == (Share(0, 0, 0), Share(0, 0, 0))
    [bobs] = maxs
    assert (bobs.lesson_id, bobs.sent, bobs.opened, bobs.useful, bobs.not_useful) == ("l1", 2, 0, 1, 0)
    assert bobs.first_try_correct == Share(1, 1, 1)


async def test_content_gaps_never_show_declined_questions_nor_people(
    db: Database, programme: Programme
) -> None:
    async with db.transaction() as session:
        gaps = await dashboard.content_gaps(session)
        newest = await dashboard.content_gaps(session, limit=2)
    texts = [g.text for g in gaps]
    assert len(gaps) == 7  # nine questions: one answered by a lesson, one declined
    assert f"question {NOW - HOUR:%d %H:%M}" not in texts  # declined
    assert f"question {NOW - 50 * HOUR:%d %H:%M}" not in texts  # a lesson answered it
    assert [g.created_at for g in gaps] == sorted((g.created_at for g in gaps), reverse=True)
    assert [g.new_topic for g in gaps].count(True) == 1 and gaps[-1].new_topic
    assert [g.question_id for g in newest] == [g.question_id for g in gaps[:2]]
    fields = {f.name for f in dataclasses.fields(dashboard.GapRow)}
    assert fields == {"question_id", "text", "lang", "created_at", "new_topic"}  # nobody's name or id


async def test_mentee_ids_and_opened_once(db: Database, programme: Programme) -> None:
    async with db.transaction() as session:
        assert await dashboard.mentee_ids(session, mentor_id=programme.mona) == tuple(
            sorted((programme.ann, programme.bea))
        )
        assert await dashboard.mentee_ids(session, mentor_id=programme.ann) == ()
        await dashboard.mark_opened(session, person_id=programme.bob, lesson_id="l1", now=NOW)
        await dashboard.mark_opened(session, person_id=programme.bob, lesson_id="l1", now=NOW + HOUR)
        await dashboard.mark_opened(session, person_id=programme.ann, lesson_id="l1", now=NOW)  # had one
    async with db.transaction() as session:
        assert (await dashboard.funnel(session, scope=Scope.everyone())).opened == 3
        stats = await dashboard.lesson_stats(session, scope=Scope.everyone(), now=NOW)
        assert stats[0].opened == 3
