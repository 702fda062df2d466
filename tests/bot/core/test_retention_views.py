"""What admins and mentors see of retention: `report`'s aggregate figures, held back below five people,
and the mentor's weekly digest naming the topics a mentee keeps getting wrong (titles, never answers),
only when the mentee shares them, and a pause for inactivity. Rows are written directly."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from bot.console.channel import console_key
from scheduler import upkeep
from storage.defaults import DEFAULT_TZ
from storage.enums import AnswerKind, ConfidenceMoment, FeedbackKind, PauseReason
from storage.models import (
    ConfidenceRating,
    Enrollment,
    Feedback,
    InboxMessage,
    Person,
    ReviewAnswer,
    ReviewCard,
)
from tests.support.harness import Harness

DAY = dt.timedelta(days=1)
LEARNERS = ("ann", "ben", "cat", "dan", "eve", "fay")
PASSWORDS, TWO_STEP, LINKEDIN = "strong-passwords", "two-factor-authentication", "linkedin-profile"


async def ids_of(harness: Harness, *names: str) -> dict[str, int]:
    async with harness.services.db.transaction() as session:
        query = select(Person.key, Person.id).where(col(Person.key).in_([console_key(n) for n in names]))
        found = {key: pid for key, pid in await session.exec(query)}
    return {name: found[console_key(name)] or 0 for name in names}


async def add(harness: Harness, *rows: Any) -> None:
    async with harness.services.db.transaction() as session:
        for row in rows:
            session.add(row)
            await session.flush()


async def execute(harness: Harness, statement: Any) -> None:
    async with harness.services.db.transaction() as session:
        await session.exec(statement)


async def speak_french(harness: Harness, name: str) -> None:
    await execute(harness, update(Person).where(col(Person.key) == console_key(name)).values(lang="fr"))


async def cohort(harness: Harness, name: str, *learners: str) -> dict[str, int]:
    assert "ready" in await harness.text("root", f"cohort create {name} track first-steps")
    await harness.text("root", f"enroll {name} " + " ".join(f"@{n}" for n in learners))
    return await ids_of(harness, *learners)


def review(
    pid: int, lesson: str, correct: bool, at: dt.datetime, kind: AnswerKind = AnswerKind.REVIEW
) -> ReviewAnswer:
    return ReviewAnswer(person_id=pid, lesson_id=lesson, kind=kind, correct=correct, answered_at=at)


async def a_month_of_reviews(harness: Harness, ids: dict[str, int]) -> None:
    """First quizzes (all right but fay's), a lesson a month old for everyone (retained by ann, ben,
    cat), one due now for ann and dan; reviews wrong on two-step verification for three of five, on
    strong passwords for two of six, on LinkedIn for two people only; confidence from 2.4 to 3.8 for
    five; ann paused for inactivity."""
    now = harness.clock.now
    people = [ids[n] for n in LEARNERS]
    ann, ben, cat, dan, eve, fay = people
    await add(
        harness,
        *(
            Feedback(person_id=p, lesson_id=PASSWORDS, kind=FeedbackKind.QUIZ, correct=p != fay)
            for p in people
        ),
        *(
            ReviewCard(
                person_id=p,
                lesson_id=PASSWORDS,
                first_sent_at=now - 30 * DAY,
                due_at=now + 5 * DAY,
                retained_at=now - DAY if p in (ann, ben, cat) else None,
            )
            for p in people
        ),
        *(
            ReviewCard(person_id=p, lesson_id=LINKEDIN, first_sent_at=now - 2 * DAY, due_at=now - DAY)
            for p in (ann, dan)
        ),
        *(review(p, PASSWORDS, p not in (dan, eve), now - DAY) for p in people),
        *(review(p, TWO_STEP, p not in (ann, ben, cat), now - DAY) for p in people[:5]),
        *(review(p, LINKEDIN, False, now - DAY) for p in (ann, dan)),
    )
    async with harness.services.db.transaction() as session:
        enrollments = {e.person_id: e.id or 0 for e in await session.exec(select(Enrollment))}
    starts, ends = (2, 3, 2, 3, 2), (4, 4, 3, 5, 3)
    await add(
        harness,
        *(
            ConfidenceRating(person_id=p, enrollment_id=enrollments[p], moment=moment, rating=rating)
            for p, start, end in zip(people, starts, ends, strict=False)
            for moment, rating in ((ConfidenceMoment.START, start), (ConfidenceMoment.END, end))
        ),
        ConfidenceRating(
            person_id=fay, enrollment_id=enrollments[fay], moment=ConfidenceMoment.START, rating=1
        ),
    )
    await execute(
        harness,
        update(Person)
        .where(col(Person.id) == ann)
        .values(paused_until=now + 10 * DAY, pause_reason=PauseReason.INACTIVITY),
    )


def retention_lines(report: str) -> list[str]:
    start = next(
        i for i, line in enumerate(report.splitlines()) if "First-try" in line or "premier coup" in line
    )
    return report.splitlines()[start : start + 6]


# --- report ------------------------------------------------------------------------------------------------


async def test_report_shows_a_cohorts_retention_beside_its_self_rated_confidence(harness: Harness) -> None:
    ids = await cohort(harness, "spring", *LEARNERS)
    await a_month_of_reviews(harness, ids)

    report = await harness.text("root", "report spring")

    assert retention_lines(report) == [
        "- First-try correct: 83% of 6 first quiz answers",
        "- Retained at 3 weeks: 50% of 6 lessons received at least 3 weeks ago",
        "- Reviews due now: 2",
        "- Most often forgotten in reviews: *Two-step verification, your second lock* (60% wrong), "
        "*Strong passwords without the headache* (33% wrong)",
        "- Confidence, self-rated (not a measure of retention): +1.4 on a 1-to-5 scale from the start of "
        "the track to its end, over 5 learners",
        "- Paused for inactivity: 1",
    ]
    assert "LinkedIn" not in report, "a lesson only two people got wrong is not named"
    assert not any(f"**{name}**" in report or console_key(name) in report for name in LEARNERS)

    await speak_french(harness, "root")
    french = retention_lines(await harness.text("root", "rapport spring"))
    assert "83 % de 6 premières réponses aux quiz" in french[0]
    assert french[1].startswith("- Retenu à 3 semaines")
    assert "*Des mots de passe solides, sans prise de tête* (33 % d’erreurs)" in french[3]
    assert "+1,4 sur une échelle de 1 à 5" in french[4] and "auto-évaluée" in french[4]
    assert french[5].startswith("- En pause faute d’activité") and french[5].endswith("1")


async def test_report_holds_back_every_figure_over_fewer_than_five_people(harness: Harness) -> None:
    """Four learners, all of whom answered, reviewed and rated: their wrong answers stay private."""
    ids = await cohort(harness, "tiny", *LEARNERS[:4])
    now = harness.clock.now
    await execute(
        harness, update(Person).where(col(Person.key) == console_key("fay")).values(display_name="x")
    )
    people = list(ids.values())
    async with harness.services.db.transaction() as session:
        enrollments = {e.person_id: e.id or 0 for e in await session.exec(select(Enrollment))}
    await add(
        harness,
        *(Feedback(person_id=p, lesson_id=PASSWORDS, kind=FeedbackKind.QUIZ, correct=False) for p in people),
        *(
            ReviewCard(person_id=p, lesson_id=PASSWORDS, first_sent_at=now - 30 * DAY, due_at=now - DAY)
            for p in people
        ),
        *(review(p, PASSWORDS, False, now - DAY) for p in people),
        *(
            ConfidenceRating(person_id=p, enrollment_id=enrollments[p], moment=moment, rating=3)
            for p in people
            for moment in (ConfidenceMoment.START, ConfidenceMoment.END)
        ),
    )
    await execute(
        harness,
        update(Person)
        .where(col(Person.id) == ids["ann"])
        .values(paused_until=now + DAY, pause_reason=PauseReason.INACTIVITY),
    )

    lines = retention_lines(await harness.text("root", "report tiny"))

    too_few = "too few to report (fewer than 5 people)"
    assert lines[:5] == [
        f"- First-try correct: {too_few}",
        f"- Retained at 3 weeks: {too_few}",
        f"- Reviews due now: {too_few}",
        f"- Most often forgotten in reviews: {too_few}",
        f"- Confidence, self-rated (not a measure of retention): {too_few}",
    ]
    assert lines[5] == "- Paused for inactivity: 1", "a count of people, as the paused count above"
    await speak_french(harness, "root")
    french = retention_lines(await harness.text("root", "rapport tiny"))
    assert all("trop peu de personnes pour l’indiquer (moins de 5)" in line for line in french[:5])


# --- the mentor's digest -----------------------------------------------------------------------------------


async def digest_for(harness: Harness, mentor: str) -> str:
    """The mentor's weekly digest as the scheduler queues it on Monday morning and the carrier sends it."""
    assert harness.clock.now.weekday() == 0, "the digest goes out on Mondays"
    queued = await upkeep.plan_digests(harness.services.db, harness.clock.now, DEFAULT_TZ)
    assert queued >= 1
    await harness.app.deliver_now()
    [mentor_id] = (await ids_of(harness, mentor)).values()
    async with harness.services.db.transaction() as session:
        inbox = list(await session.exec(select(InboxMessage).where(InboxMessage.person_id == mentor_id)))
    titles = ("Your weekly mentoring digest", "Votre point hebdomadaire de mentorat")
    [digest] = [m.payload["markdown"] for m in inbox if m.payload["markdown"].startswith(titles)]
    return str(digest)


async def test_the_digest_names_topics_to_go_over_only_for_mentees_who_share_them(harness: Harness) -> None:
    ids = await cohort(harness, "spring", *LEARNERS)
    for mentee in ("ann", "ben", "cat"):
        await harness.text("root", f"pair @mia @{mentee}")
    now = harness.clock.now
    ann, ben = ids["ann"], ids["ben"]
    await add(
        harness,
        # ann: two-step verification wrong twice in reviews, then right; LinkedIn wrong on her last answer;
        # strong passwords wrong once, then right: not a topic.
        review(ann, TWO_STEP, False, now - 9 * DAY),
        review(ann, TWO_STEP, False, now - 5 * DAY),
        review(ann, TWO_STEP, True, now - 2 * DAY),
        review(ann, LINKEDIN, False, now - DAY, kind=AnswerKind.QUIZ),
        review(ann, PASSWORDS, False, now - 3 * DAY),
        review(ann, PASSWORDS, True, now - DAY),
        # ben keeps getting strong passwords wrong, but keeps his topics to himself.
        *(review(ben, PASSWORDS, False, now - n * DAY) for n in (1, 2, 3)),
    )
    await execute(harness, update(Person).where(col(Person.id) == ben).values(share_topics=False))
    await execute(
        harness,
        update(Person)
        .where(col(Person.id) == ann)
        .values(paused_until=now + 14 * DAY, pause_reason=PauseReason.INACTIVITY),
    )

    digest = await digest_for(harness, "mia")

    lines = digest.splitlines()
    at = {
        name: next(i for i, line in enumerate(lines) if f"**{name}**" in line)
        for name in ("ann", "ben", "cat")
    }
    ann_part = lines[at["ann"] : at["ben"]]
    assert ann_part[1] == (
        "  To go over at your next meeting: *Two-step verification, your second lock*, "
        "*A LinkedIn profile that works*"
    )
    assert ann_part[2].startswith("  Paused for two weeks after three nudges went unanswered")
    assert len(ann_part) == 3
    assert lines[at["ben"] + 1] == lines[at["cat"]], "ben: his progress only"
    assert at["cat"] == len(lines) - 1, "cat: nothing to go over, not paused"
    assert "Strong passwords" not in digest
    assert "**dan**" not in digest, "not her mentee"


async def test_the_digest_never_shows_answers_and_speaks_the_mentors_language(harness: Harness) -> None:
    ids = await cohort(harness, "spring", "ann")
    await harness.text("root", "pair @mia @ann")
    await speak_french(harness, "mia")
    now = harness.clock.now
    await add(harness, review(ids["ann"], PASSWORDS, False, now - DAY, kind=AnswerKind.QUIZ))
    lesson = harness.services.lessons.library.get(PASSWORDS, "fr")
    assert lesson is not None

    digest = await digest_for(harness, "mia")

    assert (
        "À revoir ensemble à votre prochaine rencontre\u202f: *Des mots de passe solides, sans prise de tête*"
        in digest
    )
    for variant in lesson.variants:
        assert variant.question not in digest
        assert not any(choice in digest for choice in variant.choices)
    assert "pause" not in digest


async def test_mentees_shows_what_stuck_and_the_shared_topics_only(harness: Harness) -> None:
    ids = await cohort(harness, "spring", "ann", "ben")
    for mentee in ("ann", "ben"):
        await harness.text("root", f"pair @mia @{mentee}")
    now = harness.clock.now
    ann, ben = ids["ann"], ids["ben"]
    await add(
        harness,
        ReviewCard(
            person_id=ann,
            lesson_id=PASSWORDS,
            first_sent_at=now - 30 * DAY,
            due_at=now - DAY,
            retained_at=now - 2 * DAY,
        ),
        ReviewCard(person_id=ann, lesson_id=TWO_STEP, first_sent_at=now - 9 * DAY, due_at=now + DAY),
        review(ann, TWO_STEP, False, now - DAY),
        review(ben, TWO_STEP, False, now - DAY),
    )
    await execute(harness, update(Person).where(col(Person.id) == ben).values(share_topics=False))

    text = await harness.text("mia", "mentees")

    ann_part, ben_part = text.split("ben")[0], text.split("ben")[1]
    assert "Reviews: 1 of 2 lessons retained, 1 due" in ann_part
    assert "To go over at your next meeting: *Two-step verification, your second lock*" in ann_part
    assert "To go over" not in ben_part and "Reviews:" not in ben_part
    assert "Quiz" in text and "False" not in text
