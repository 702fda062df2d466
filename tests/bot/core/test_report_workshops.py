"""`report`'s "Workshops" section: workshops held and to come, attendance, the live quiz, commitments
done at one week, and reviews on workshop lessons beside the others; every share over fewer than five
people held back as the retention figures are; no section for a cohort without workshops. Rows are
written through the storage functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import col, select

from bot.console.channel import console_key
from storage import commitments, reviews, workshops
from storage.enums import AnswerKind, CommitmentSource, CommitmentStatus, WorkshopStatus
from storage.models import Cohort, Person
from tests.support.harness import Harness

DAY = dt.timedelta(days=1)
SPRING = ("ann", "ben", "cat", "dan", "eve", "fay")
PASSWORDS, TWO_STEP, LINKEDIN = "strong-passwords", "two-factor-authentication", "linkedin-profile"


async def ids_of(harness: Harness, *names: str) -> list[int]:
    async with harness.services.db.transaction() as session:
        query = select(Person.key, Person.id).where(col(Person.key).in_([console_key(n) for n in names]))
        found = {key: pid for key, pid in await session.exec(query)}
    return [found[console_key(name)] or 0 for name in names]


async def cohort(harness: Harness, name: str, *learners: str) -> tuple[int, list[int]]:
    """A cohort of `learners`, mia mentoring the first: (cohort id, learner ids)."""
    assert "ready" in await harness.text("root", f"cohort create {name} track first-steps")
    await harness.text("root", f"enroll {name} " + " ".join(f"@{n}" for n in learners))
    await harness.text("root", f"pair @mia @{learners[0]}")
    async with harness.services.db.transaction() as session:
        [found] = list(await session.exec(select(Cohort).where(Cohort.name == name)))
    return found.id or 0, await ids_of(harness, *learners)


async def held_workshop(
    harness: Harness,
    cohort_id: int,
    *,
    invited: Sequence[int],
    joined: Sequence[int],
    answers: Sequence[tuple[int, bool]],
    status: str = WorkshopStatus.ENDED,
    starts_at: dt.datetime | None = None,
) -> int:
    """mia's workshop for the cohort on two lessons, eight days ago unless said, ended unless said."""
    [mia] = await ids_of(harness, "mia")
    start = starts_at or harness.clock.now - 8 * DAY
    async with harness.services.db.transaction() as session:
        made = await workshops.create_workshop(
            session,
            title="Safer accounts",
            host_id=mia,
            planned_by_id=mia,
            cohort_id=cohort_id,
            starts_at=start,
            minutes=45,
            lessons=[PASSWORDS, TWO_STEP],
            plan=[],
            lang="en",
            now=start - 7 * DAY,
        )
        workshop_id = made.id or 0
        await workshops.add_seats(session, workshop_id=workshop_id, person_ids=invited, at=start - 7 * DAY)
        for person_id in joined:
            await workshops.mark_joined(
                session, workshop_id=workshop_id, person_id=person_id, at=start, late=False
            )
        for person_id, right in answers:
            await workshops.record_answer(
                session,
                workshop_id=workshop_id,
                person_id=person_id,
                step=5,
                lesson_id=PASSWORDS,
                choice=0 if right else 1,
                correct=right,
                late=False,
                at=start + dt.timedelta(minutes=12),
            )
        if status == WorkshopStatus.ENDED:
            for version, step in enumerate((WorkshopStatus.RUNNING, WorkshopStatus.ENDED)):
                assert await workshops.transition(
                    session, workshop_id=workshop_id, version=version, status=step
                )
        return workshop_id


async def commit(
    harness: Harness, workshop_id: int, person_id: int, status: str, made_at: dt.datetime
) -> None:
    async with harness.services.db.transaction() as session:
        made = await commitments.add_commitment(
            session,
            person_id=person_id,
            source=CommitmentSource.WORKSHOP,
            text="Turn on two-step verification",
            made_at=made_at,
            workshop_id=workshop_id,
        )
        if status != CommitmentStatus.OPEN:
            await commitments.answer_commitment(
                session, commitment_id=made.id or 0, person_id=person_id, status=status, at=harness.clock.now
            )


async def review(harness: Harness, person_id: int, lesson_id: str, right: bool) -> None:
    async with harness.services.db.transaction() as session:
        await reviews.record_answer(
            session,
            person_id=person_id,
            lesson_id=lesson_id,
            variant=1,
            kind=AnswerKind.REVIEW,
            correct=right,
            now=harness.clock.now - DAY,
        )


def workshop_lines(report: str) -> list[str]:
    """The report's "Workshops" section, up to the blank line before the next one."""
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line in ("**Workshops**", "**Ateliers**"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i]), len(lines))
    return lines[start:end]


async def test_report_shows_a_cohorts_workshops(harness: Harness) -> None:
    cohort_id, (ann, ben, cat, dan, eve, fay) = await cohort(harness, "spring", *SPRING)
    first = await held_workshop(
        harness,
        cohort_id,
        invited=[ann, ben, cat, dan, eve],
        joined=[ann, ben, cat, dan, fay],  # eve did not come; fay came without an invitation
        answers=[(ann, True), (ben, True), (cat, True), (dan, True), (fay, False)],
    )
    await held_workshop(
        harness, cohort_id, invited=[ann], joined=[], answers=[], status=WorkshopStatus.PLANNED,
        starts_at=harness.clock.now + 3 * DAY,
    )  # fmt: skip
    made = harness.clock.now - 8 * DAY
    statuses = ("done", "done", "done", "not_yet", "open", "need_help")
    for person_id, status in zip((ann, ben, cat, dan, eve, fay), statuses, strict=True):
        await commit(harness, first, person_id, status, made)
    await commit(harness, first, ann, "open", harness.clock.now - DAY)  # its follow-up is to come
    for person_id in (ann, ben, cat, dan, fay):
        await review(harness, person_id, PASSWORDS, True)
    await review(harness, fay, TWO_STEP, False)
    for person_id in (ann, ben, cat, dan, eve, fay):
        await review(harness, person_id, LINKEDIN, person_id in (ann, ben))

    report = await harness.text("root", "report spring")

    assert workshop_lines(report) == [
        "**Workshops**",
        "- Held: 1, to come: 1",
        "- Attendance: 80% of 5 invitations (1 more joined without one)",
        "- Live quiz: 80% of 5 answers right",
        "- Commitments: 7 made; done at one week: 50% of 6 followed up",
        "- Reviews right on workshop lessons: 83% of 6; on the other lessons: 33% of 6",
    ]
    assert not any(f"**{name}**" in report or console_key(name) in report for name in SPRING)

    await harness.say("root", "lang fr")
    french = [
        line.replace("\u202f", " ") for line in workshop_lines(await harness.text("root", "rapport spring"))
    ]
    assert french == [
        "**Ateliers**",
        "- Tenus : 1, à venir : 1",
        "- Présence : 80 % des 5 invitations (plus 1 sans invitation)",
        "- Quiz en direct : 80 % de 5 réponses justes",
        "- Engagements : 7 pris ; tenus à une semaine : 50 % des 6 relancés",
        "- Révisions justes sur les leçons vues en atelier : 83 % de 6 ; sur les autres leçons : 33 % de 6",
    ]


async def test_report_holds_back_workshop_figures_over_fewer_than_five_people(harness: Harness) -> None:
    cohort_id, (gus, hal) = await cohort(harness, "tiny", "gus", "hal")
    first = await held_workshop(
        harness, cohort_id, invited=[gus, hal], joined=[gus, hal], answers=[(gus, True), (hal, False)]
    )
    for person_id in (gus, hal):
        await commit(harness, first, person_id, "done", harness.clock.now - 8 * DAY)
        await review(harness, person_id, PASSWORDS, True)

    lines = workshop_lines(await harness.text("root", "report tiny"))

    too_few = "too few to report (fewer than 5 people)"
    assert lines == [
        "**Workshops**",
        "- Held: 1, to come: 0",
        f"- Attendance: {too_few}",
        f"- Live quiz: {too_few}",
        f"- Commitments: 2 made; done at one week: {too_few}",
        f"- Reviews right on workshop lessons: {too_few}; on the other lessons: none yet",
    ]


async def test_a_cohort_without_workshops_has_no_workshop_section(harness: Harness) -> None:
    await cohort(harness, "spring", *SPRING)
    report = await harness.text("root", "report spring")
    assert "Workshops" not in report and "Attendance" not in report
