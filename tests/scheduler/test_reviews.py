"""The review schedule with a controlled clock: questions come back after a wrong answer on the next
delivery day and at growing intervals after right ones, in another variant each time, at most one a
day, on the drip's own rules (delivery time and days, quiet hours, pauses), after a track ends too,
and never for a learner who asked to be forgotten."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select

from lessons import Library, Quiz, Track
from scheduler import ledger
from scheduler import reviews as policy
from scheduler.service import run_tick
from storage import reviews
from storage.db import Database
from storage.enums import AnswerKind, DeliveryKind, DeliveryStatus, EnrollmentStatus
from storage.models import (
    Cohort,
    Delivery,
    Enrollment,
    InboxMessage,
    Person,
    ReviewAnswer,
    ReviewCard,
)
from tests.support.harness import Harness

UTC = dt.UTC
DAY = dt.timedelta(days=1)
MONDAY = dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
"""09:00 in Paris, the cohort's delivery time, on its first day (a Monday)."""

ONE_LESSON = "review-one"
FOUR_LESSONS = "review-four"


@pytest.fixture(scope="module")
def bundled_library() -> Library:
    """The bundled lessons, each with three quiz variants of its own (a question asked another way, its
    choices in another order), and two small tracks."""
    from lessons import load_library

    library = load_library()
    lessons = {
        key: dataclasses.replace(lesson, quizzes=_variants(lesson.quiz))
        for key, lesson in library.lessons.items()
    }
    watch = library.tracks["information-watch"]
    tracks = {
        **library.tracks,
        ONE_LESSON: Track(ONE_LESSON, {"en": "One lesson", "fr": "Une leçon"}, watch.lessons[:1]),
        FOUR_LESSONS: Track(FOUR_LESSONS, {"en": "Four lessons", "fr": "Quatre leçons"}, watch.lessons),
    }
    return Library(lessons=lessons, tracks=tracks, problems=list(library.problems))


def _variants(quiz: Quiz) -> tuple[Quiz, ...]:
    second = Quiz(
        f"Asked another way: {quiz.question}", tuple(reversed(quiz.choices)), quiz.answer, quiz.explanation
    )
    third = Quiz(
        f"And a third way: {quiz.question}",
        quiz.choices[1:] + quiz.choices[:1],
        quiz.answer,
        quiz.explanation,
    )
    return (quiz, second, third)


# --- helpers ------------------------------------------------------------------------------------------


async def rows(harness: Harness, model: Any, *conditions: Any) -> list[Any]:
    async with harness.services.db.transaction() as session:
        return list(await session.exec(select(model).where(*conditions)))


async def programme(harness: Harness, track: str) -> None:
    await harness.say("root", f"cohort create pilot track {track} start 2026-11-23")
    await harness.say("root", "enroll pilot @ann")
    async with harness.services.db.transaction() as session:  # enrolled before Monday's first tip
        [enrollment] = list(await session.exec(select(Enrollment)))
        enrollment.next_due_at = MONDAY
        session.add(enrollment)


async def tick(harness: Harness, moment: dt.datetime) -> ledger.PlanReport:
    """One drip tick at `moment` (plan, then send), with the clock there."""
    harness.clock.now = moment
    plan, _ = await run_tick(harness.app.drip(clock=harness.clock), moment)
    return plan


async def review_rows(harness: Harness) -> list[Delivery]:
    found = await rows(harness, Delivery, Delivery.kind == DeliveryKind.REVIEW)
    return sorted(found, key=lambda d: d.id or 0)


async def asked(harness: Harness) -> list[dict[str, Any]]:
    """The review questions that reached ann (the console's mailbox), oldest first."""
    found = await rows(harness, InboxMessage)
    return [
        m.payload
        for m in sorted(found, key=lambda m: m.id or 0)
        if m.payload.get("type") == "quiz"
        and any(b["action"] == "review.answer" for b in m.payload.get("buttons", []))
    ]


def parse(button: dict[str, Any]) -> tuple[str, int, int, int]:
    lesson_id, variant, choice, count = button["value"].rsplit(":", 3)
    return lesson_id, int(variant), int(choice), int(count)


async def answer(harness: Harness, question: dict[str, Any], *, right: bool, at: dt.datetime) -> str:
    """ann presses the right (or a wrong) choice of a review question at `at`; returns the result."""
    lesson_id, variant, _, _ = parse(question["buttons"][0])
    quiz = harness.services.lessons.library.get(lesson_id, "en").variant(variant)  # type: ignore[union-attr]
    for button in question["buttons"]:
        if (parse(button)[2] == quiz.answer_index) == right:
            harness.clock.now = at
            said = await harness.press("ann", "review.answer", button["value"])
            return "\n".join(getattr(r, "markdown", "") for r in said)
    raise AssertionError("no such choice")


async def quiz(harness: Harness, lesson_id: str, *, right: bool, at: dt.datetime) -> None:
    """ann answers a lesson's own quiz (variant 0) at `at`."""
    lesson = harness.services.lessons.library.get(lesson_id, "en")
    assert lesson is not None
    index = lesson.quiz.answer_index if right else (lesson.quiz.answer_index + 1) % len(lesson.quiz.choices)
    harness.clock.now = at
    await harness.press("ann", "quiz.answer", f"{lesson_id}:{index}")


def paris(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone(dt.timedelta(hours=1))).strftime("%a %d %b %H:%M")


# --- the policy ---------------------------------------------------------------------------------------


def test_wrong_then_right_then_right_gives_growing_intervals() -> None:
    start = dt.datetime(2027, 1, 4, 9, 5, tzinfo=UTC)
    state, due = policy.first_review(start, correct=False)
    assert due - start == DAY  # a wrong answer comes back the next day
    gaps = []
    for _ in range(4):
        now = due
        state, due = policy.next_review(state, now, correct=True)
        gaps.append((due - now).days)
    assert gaps == [3, 7, 21, 60]  # 3 days, 1 week, 3 weeks, 2 months: the Leitner boxes
    state, again = policy.next_review(state, due, correct=False)
    assert again - due == DAY  # forgotten later: back the next day


def test_right_answers_push_the_question_out() -> None:
    now = dt.datetime(2027, 1, 4, 9, 5, tzinfo=UTC)
    state, due = policy.first_review(now, correct=True)
    gaps = [(due - now).days]
    for _ in range(2):
        now = due
        state, due = policy.next_review(state, now, correct=True)
        gaps.append((due - now).days)
    assert gaps == [3, 7, 21]


def test_an_unanswered_lesson_counts_its_first_review_as_the_quiz() -> None:
    now = dt.datetime(2027, 1, 4, 9, 5, tzinfo=UTC)
    assert policy.next_review({}, now, correct=True) == policy.first_review(now, correct=True)


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_a_variant_is_never_the_same_twice_in_a_row(count: int) -> None:
    asked = [0]  # the lesson's own quiz
    for _ in range(12):
        asked.append(policy.next_variant(asked[-1], count))
    assert all(0 <= v < count for v in asked)
    if count > 1:
        assert all(a != b for a, b in itertools.pairwise(asked))
        assert set(asked) == set(range(count))  # every variant comes in turn
    assert policy.next_variant(None, count) == (1 if count > 1 else 0)


def test_retained_needs_a_right_answer_three_weeks_after_the_lesson() -> None:
    sent = dt.datetime(2027, 1, 4, 8, tzinfo=UTC)
    assert policy.is_retained(sent, sent + 21 * DAY, True)
    assert not policy.is_retained(sent, sent + 21 * DAY, False)
    assert not policy.is_retained(sent, sent + 20 * DAY, True)


# --- the drip -----------------------------------------------------------------------------------------


async def test_a_wrong_quiz_comes_back_the_next_delivery_day_then_at_growing_intervals(
    harness: Harness,
) -> None:
    await programme(harness, ONE_LESSON)
    await tick(harness, MONDAY)
    await quiz(harness, "x-lists", right=False, at=MONDAY + dt.timedelta(minutes=5))
    [card] = await rows(harness, ReviewCard)
    assert (card.lesson_id, card.first_sent_at, card.last_variant) == ("x-lists", MONDAY, 0)

    days: list[dt.datetime] = []
    results: list[str] = []
    for day in range(1, 8 * 7):
        moment = MONDAY + day * DAY
        plan = await tick(harness, moment)
        questions = await asked(harness)
        if len(questions) > len(days):
            assert plan.reviews == 1
            days.append(moment)
            results.append(
                await answer(harness, questions[-1], right=True, at=moment + dt.timedelta(minutes=10))
            )
    # Tuesday, the next delivery day after the wrong answer; then growing gaps, on delivery days only
    assert days[0] == MONDAY + DAY, [paris(d) for d in days]
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    assert len(gaps) >= 3 and all(b > a for a, b in itertools.pairwise(gaps)), gaps
    assert all(d.astimezone(dt.timezone(dt.timedelta(hours=1))).weekday() < 5 for d in days)
    assert all(d.time() == dt.time(8, 0) for d in days)  # at the learner's delivery time
    assert "Right!" in results[0] and "It comes back around" in results[0]

    # a variant, never the same twice in a row, the lesson's quiz (variant 0) never straight after it
    variants = [0] + [parse(q["buttons"][0])[1] for q in await asked(harness)]
    assert all(a != b for a, b in itertools.pairwise(variants)), variants
    [card] = await rows(harness, ReviewCard)
    assert card.reviews == len(days) and card.lapses == 1
    # retained: the first right answer three weeks or more after the lesson came
    first_late = next(d for d in days if d - MONDAY >= 21 * DAY)
    assert card.retained_at == first_late + dt.timedelta(minutes=10)
    assert any("Retained" in r for r in results)
    kinds = [(a.kind, a.correct) for a in sorted(await rows(harness, ReviewAnswer), key=lambda a: a.id or 0)]
    assert kinds == [(AnswerKind.QUIZ, False)] + [(AnswerKind.REVIEW, True)] * len(days)


async def test_a_track_that_ends_keeps_its_reviews(harness: Harness) -> None:
    await programme(harness, ONE_LESSON)  # its one lesson ends the track on Monday
    await tick(harness, MONDAY)
    await quiz(harness, "x-lists", right=False, at=MONDAY + dt.timedelta(minutes=5))
    [enrollment] = await rows(harness, Enrollment)
    assert enrollment.status == EnrollmentStatus.COMPLETED
    plan = await tick(harness, MONDAY + DAY)
    assert plan.reviews == 1  # alone with the end-of-track message, no tip
    kinds = {d.kind for d in await rows(harness, Delivery, Delivery.status == DeliveryStatus.SENT)}
    assert DeliveryKind.REVIEW in kinds and DeliveryKind.COMPLETE in kinds


async def test_a_lesson_whose_quiz_is_skipped_comes_back_a_few_days_later(harness: Harness) -> None:
    await programme(harness, ONE_LESSON)
    await tick(harness, MONDAY)
    [card] = await rows(harness, ReviewCard)
    assert (card.first_sent_at, card.due_at, card.state, card.last_variant) == (
        MONDAY,
        MONDAY + 3 * DAY,
        {},
        None,
    )
    for day in (1, 2):
        assert (await tick(harness, MONDAY + day * DAY)).reviews == 0
    assert (await tick(harness, MONDAY + 3 * DAY)).reviews == 1  # Thursday
    [question] = await asked(harness)
    assert parse(question["buttons"][0])[1] == 1  # another variant than the quiz it skipped
    await answer(harness, question, right=True, at=MONDAY + 3 * DAY + dt.timedelta(minutes=1))
    [card] = await rows(harness, ReviewCard)
    assert card.reviews == 1 and card.state and card.due_at is not None and card.due_at > MONDAY + 4 * DAY


async def test_at_most_one_review_a_day_the_most_overdue_first(harness: Harness) -> None:
    await programme(harness, FOUR_LESSONS)
    lessons = harness.services.lessons.library.tracks[FOUR_LESSONS].lessons
    for day, lesson_id in enumerate(lessons):  # every quiz wrong, no review answered
        await tick(harness, MONDAY + day * DAY)
        await quiz(harness, lesson_id, right=False, at=MONDAY + day * DAY + dt.timedelta(minutes=5))
    for day in range(4, 12):
        for later in (0, 20, 6 * 60):  # three ticks in the day
            await tick(harness, MONDAY + day * DAY + dt.timedelta(minutes=later))
    per_day: dict[str, int] = {}
    for row in await review_rows(harness):
        day_key = row.dedupe_key.rsplit(":", 1)[1]
        per_day[day_key] = per_day.get(day_key, 0) + 1
    assert per_day and max(per_day.values()) == 1
    sent_days = sorted(per_day)
    assert sent_days[0] == "2026-11-24"  # Tuesday: x-lists, wrong on Monday
    assert "2026-11-28" not in sent_days and "2026-11-29" not in sent_days  # not at the weekend
    first = (await review_rows(harness))[:2]
    assert [r.lesson_id for r in first] == [lessons[0], lessons[0]]  # the most overdue, until answered
    questions = await asked(harness)
    variants = [parse(q["buttons"][0])[1] for q in questions if parse(q["buttons"][0])[0] == lessons[0]]
    assert all(a != b for a, b in itertools.pairwise(variants)), variants


async def test_quiet_hours_and_the_delivery_time(harness: Harness) -> None:
    await programme(harness, ONE_LESSON)
    await tick(harness, MONDAY)
    await quiz(harness, "x-lists", right=False, at=MONDAY + dt.timedelta(minutes=5))
    tuesday = MONDAY + DAY
    assert (await tick(harness, tuesday - dt.timedelta(hours=1))).reviews == 0  # 08:00, before her time
    assert (await tick(harness, tuesday + dt.timedelta(hours=12, minutes=30))).reviews == 0  # 21:30, quiet
    wednesday = tuesday + DAY
    assert (await tick(harness, wednesday - dt.timedelta(minutes=1))).reviews == 0
    assert (await tick(harness, wednesday)).reviews == 1  # the next delivery time
    [row] = await review_rows(harness)
    assert row.due_at == wednesday and row.status == DeliveryStatus.SENT


async def test_pauses_of_the_person_and_the_cohort(harness: Harness) -> None:
    await programme(harness, ONE_LESSON)
    await tick(harness, MONDAY)
    await quiz(harness, "x-lists", right=False, at=MONDAY + dt.timedelta(minutes=5))
    async with harness.services.db.transaction() as session:
        [person] = list(await session.exec(select(Person).where(Person.key == "console:ann")))
        person.paused_until = MONDAY + 2 * DAY + dt.timedelta(hours=2)  # until Wednesday 11:00
        session.add(person)
    assert (await tick(harness, MONDAY + DAY)).reviews == 0
    assert (await tick(harness, MONDAY + 2 * DAY)).reviews == 0
    async with harness.services.db.transaction() as session:
        [cohort] = list(await session.exec(select(Cohort)))
        cohort.paused = True
        session.add(cohort)
    assert (await tick(harness, MONDAY + 3 * DAY)).reviews == 0  # the cohort is paused by its admins
    async with harness.services.db.transaction() as session:
        [cohort] = list(await session.exec(select(Cohort)))
        cohort.paused = False
        session.add(cohort)
    assert (await tick(harness, MONDAY + 4 * DAY)).reviews == 1  # Friday, all pauses over
    await harness.say("ann", "pause 1 week")
    [question] = await asked(harness)
    await answer(harness, question, right=False, at=MONDAY + 4 * DAY + dt.timedelta(minutes=1))
    for day in range(7, 11):
        assert (await tick(harness, MONDAY + day * DAY)).reviews == 0, day
    await harness.say("ann", "resume")
    assert (await tick(harness, MONDAY + 11 * DAY)).reviews == 1  # resumed early: back at once


async def test_a_learner_forgotten_mid_schedule(harness: Harness) -> None:
    await programme(harness, FOUR_LESSONS)
    await tick(harness, MONDAY)
    await quiz(harness, "x-lists", right=False, at=MONDAY + dt.timedelta(minutes=5))
    # Tuesday's review planned, not sent yet
    await ledger.plan_due(harness.services.db, MONDAY + DAY, harness.app.drip().tracks())
    assert len(await review_rows(harness)) == 1
    await harness.say("ann", "forget-me")
    await harness.press("ann", "forget.confirm")
    assert await rows(harness, ReviewCard) == [] and await rows(harness, ReviewAnswer) == []
    for day in range(1, 15):
        plan = await tick(harness, MONDAY + day * DAY)
        assert plan.reviews == 0
    assert [r for r in await review_rows(harness) if r.status == DeliveryStatus.SENT] == []


async def test_a_tick_reads_only_the_cards_whose_moment_has_come(harness: Harness) -> None:
    await programme(harness, FOUR_LESSONS)
    lessons = harness.services.lessons.library.tracks[FOUR_LESSONS].lessons
    for day, lesson_id in enumerate(lessons):
        await tick(harness, MONDAY + day * DAY)
        await quiz(harness, lesson_id, right=True, at=MONDAY + day * DAY + dt.timedelta(minutes=5))
    await tick(harness, MONDAY + 3 * DAY + dt.timedelta(minutes=30))
    async with harness.services.db.transaction() as session:
        # after a tick, nothing is looked at again before a card's next moment
        after = MONDAY + 3 * DAY + dt.timedelta(minutes=31)
        assert await reviews.people_to_plan(session, now=after, limit=10) == []
        cards = list(await session.exec(select(ReviewCard)))
    assert len(cards) == 4
    assert all(c.ask_at is not None and c.due_at is not None and c.ask_at > after for c in cards)


async def test_a_lesson_gone_from_the_library_stops_coming_back(harness: Harness) -> None:
    await programme(harness, ONE_LESSON)
    await tick(harness, MONDAY)
    await quiz(harness, "x-lists", right=False, at=MONDAY + dt.timedelta(minutes=5))
    library = harness.services.lessons.library
    harness.services.lessons.library = Library(
        lessons={key: lesson for key, lesson in library.lessons.items() if key[0] != "x-lists"},
        tracks=library.tracks,
    )
    assert (await tick(harness, MONDAY + DAY)).reviews == 1  # planned, then nothing to send
    [row] = await review_rows(harness)
    assert row.status == DeliveryStatus.FAILED
    [card] = await rows(harness, ReviewCard)
    assert card.due_at is None and card.ask_at is None  # its answers stay; it never comes back
    for day in range(2, 8):
        assert (await tick(harness, MONDAY + day * DAY)).reviews == 0


# --- the cohort-wide planning and the learner-by-learner one ---------------------------------------------

EQUAL_AT = dt.datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
"""A Tuesday, 09:00 in Paris (the pilot cohort's delivery time), 03:00 in New York (the other's)."""


@pytest.fixture
async def twin_dbs(
    db_url: str, sqlite_template: Any, pg_template: Any, tmp_path: Any
) -> AsyncIterator[tuple[Database, Database]]:
    """Two migrated databases of the same kind, for the same population planned two ways."""
    other = sqlite_template.new(tmp_path) if db_url.startswith("sqlite") else pg_template.new()
    first, second = Database(db_url), Database(other)
    yield first, second
    await first.dispose()
    await second.dispose()
    if not db_url.startswith("sqlite"):
        pg_template.drop(other)


async def _population(db: Database) -> None:
    """Learners who follow their cohort's rhythm and learners who do not, with cards due today, due
    tomorrow, due later, never due, and rows already there for today."""
    now = EQUAL_AT
    far = now + 30 * DAY
    async with db.transaction() as session:
        pilot = Cohort(name="pilot", track_id="t", start_date=dt.date(2026, 11, 2), tz="Europe/Paris")
        other = Cohort(name="other", track_id="t", start_date=dt.date(2026, 11, 2), tz="America/New_York")
        stopped = Cohort(name="stopped", track_id="t", start_date=dt.date(2026, 11, 2), paused=True)
        session.add_all([pilot, other, stopped])
        await session.flush()
        specs: list[tuple[str, dict[str, Any], list[tuple[Cohort, dict[str, Any]]]]] = [
            ("ann", {}, [(pilot, {})]),
            ("bob", {}, [(pilot, {"status": EnrollmentStatus.COMPLETED})]),
            ("cat", {"paused_until": far}, [(pilot, {})]),
            ("dan", {}, [(pilot, {"paused_until": far})]),
            ("eve", {"reachable": False}, [(pilot, {})]),
            ("fay", {"tz": "Asia/Tokyo"}, [(pilot, {})]),
            ("gus", {"time_of_day": "10:00"}, [(pilot, {})]),
            ("hal", {}, [(other, {}), (pilot, {})]),
            ("ivy", {}, [(pilot, {})]),
            ("jon", {}, [(pilot, {})]),
            ("kim", {}, [(pilot, {"status": EnrollmentStatus.STOPPED})]),
            ("leo", {}, [(stopped, {})]),
            ("max", {}, [(other, {})]),
            ("ned", {}, [(pilot, {})]),
            ("oli", {"paused_until": now - DAY}, [(pilot, {"paused_until": now})]),
            ("pat", {"days": "sat,sun"}, [(pilot, {})]),
        ]
        for index, (name, settings, enrollments) in enumerate(specs):
            person = Person(key=f"console:{name}", platform="console", display_name=name, **settings)
            session.add(person)
            await session.flush()
            for offset, (cohort, extra) in enumerate(enrollments):
                created = now - (60 - offset) * DAY
                session.add(
                    Enrollment(
                        person_id=person.id or 0, cohort_id=cohort.id or 0, created_at=created, **extra
                    )
                )
            dues = [now - 2 * DAY, now - 2 * DAY, now - dt.timedelta(hours=3), now + dt.timedelta(hours=12)]
            if name == "ned":
                dues = [now + dt.timedelta(hours=20), now + dt.timedelta(hours=23)]  # Wednesday in Paris
            if name == "bob":
                dues.append(now + 3 * DAY)  # looked at early: past the cohort's next delivery day
            cards: list[tuple[dt.datetime | None, dt.datetime]] = [
                (due, now - dt.timedelta(minutes=index + n)) for n, due in enumerate(dues)
            ]
            cards += [(None, now - DAY), (now + 9 * DAY, now + 8 * DAY)]  # retired; not looked at yet
            for n, (due, ask) in enumerate(cards):
                session.add(
                    ReviewCard(
                        person_id=person.id or 0,
                        lesson_id=f"lesson-{(n * 7 + index) % 10}",
                        first_sent_at=now - 40 * DAY,
                        due_at=due,
                        ask_at=ask,
                        state={},
                        updated_at=now - DAY,
                    )
                )
            if name in ("ivy", "jon"):
                session.add(
                    Delivery(
                        dedupe_key=f"review:{person.id}:{now.date().isoformat()}",
                        person_id=person.id or 0,
                        kind=DeliveryKind.REVIEW,
                        lesson_id="lesson-earlier",
                        status=DeliveryStatus.PENDING if name == "ivy" else DeliveryStatus.EXPIRED,
                        due_at=now - dt.timedelta(hours=1),
                        expires_at=now - dt.timedelta(minutes=1),
                        attempts=2,
                        created_at=now - dt.timedelta(hours=1),
                    )
                )


async def _outcome(db: Database) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every ledger row (all but its id) and every card's `ask_at`, comparable across databases."""
    async with db.transaction() as session:
        names = {p.id: p.display_name for p in await session.exec(select(Person))}
        found = list(await session.exec(select(Delivery)))
        cards = list(await session.exec(select(ReviewCard)))
    ledger_rows = sorted(
        (names[d.person_id], *(v for k, v in sorted(d.model_dump().items()) if k not in ("id", "person_id")))
        for d in found
    )
    asks = sorted((names[c.person_id], c.lesson_id, c.due_at, c.ask_at) for c in cards)
    return ledger_rows, asks


async def test_the_cohort_wide_planning_plans_what_the_learner_by_learner_one_does(
    twin_dbs: tuple[Database, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same population planned with the cohort-wide statements (and the learner-by-learner planner
    for the rest) and with the learner-by-learner planner alone: the same rows, the same `ask_at`s, on
    both ticks of the day."""
    by_cohort, one_by_one = twin_dbs
    await _population(by_cohort)
    await _population(one_by_one)
    planned: list[int] = []
    plan_cohort = reviews.plan_cohort

    async def counted(session: Any, *, plan: reviews.CohortDay) -> list[tuple[int, str]]:
        written = await plan_cohort(session, plan=plan)
        planned.extend(pid for pid, _ in written)
        return written

    for moment in (EQUAL_AT, EQUAL_AT + dt.timedelta(hours=1), EQUAL_AT + DAY):
        with monkeypatch.context() as patch:
            patch.setattr(reviews, "plan_cohort", counted)
            first = await ledger.plan_reviews(by_cohort, moment, default_tz="Europe/Paris")
        with monkeypatch.context() as patch:
            patch.setattr(ledger, "cohort_day", lambda *_: None)
            second = await ledger.plan_reviews(one_by_one, moment, default_tz="Europe/Paris")
        assert await _outcome(by_cohort) == await _outcome(one_by_one)
        # The report counts the rows written; the learner-by-learner one also counts a row already there.
        assert {pid for pid, _, _ in first.details} <= {pid for pid, _, _ in second.details}
    names = await _names(by_cohort)
    assert {"ann", "bob", "jon", "oli"} <= {names[pid] for pid in planned}  # the cohort-wide way did it


async def _names(db: Database) -> dict[int, str]:
    async with db.transaction() as session:
        return {p.id or 0: p.display_name for p in await session.exec(select(Person))}
