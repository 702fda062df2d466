"""The dashboard's view models (bot/core/dashboard.py): an admin sees every person and aggregates of
results, a mentor only their own mentees and no content gaps, a learner nothing; a result over fewer
than five people is "too few to report"; content gaps come grouped by similarity, without names and
never a declined question; the gap actions run the admins' own command through the core."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.console.channel import console_key
from bot.core import dashboard as views
from storage import rollups
from storage.dashboard import GapRow
from storage.enums import AuditOutcome, DeliveryKind, DeliveryStatus, FeedbackKind, QuestionStatus
from storage.models import AuditLog, Delivery, Feedback, Person, Question, ReviewAnswer, ReviewCard
from tests.support.harness import Harness

DAY = dt.timedelta(days=1)
LEARNERS = ("ann", "ben", "cat", "dan", "eve", "fay", "gus")
NAMES = {name: f"{name.capitalize()} Quillfeather" for name in (*LEARNERS, "mona", "max")}
"""Display names that occur nowhere else, so that a name on a page is found by searching for it."""
PASSWORDS, LINKEDIN = "strong-passwords", "linkedin-profile"
GAP_TEXTS = (
    "How do I change my LinkedIn headline?",
    "change the headline on linkedin how",
    "What should my LinkedIn headline say",
    "How can I block spam calls on my phone?",
)
DECLINED = "Zanzibar private worry about my manager"


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


async def programme(harness: Harness) -> dict[str, int]:
    """Cohort `spring` (first-steps) with seven learners; mona mentors ann and ben, max mentors cat.
    Six first quizzes on strong passwords (all right but fay's), lessons sent, feedback that makes the
    LinkedIn lesson stand out, reviews, four open questions and a declined one."""
    assert "ready" in await harness.text("root", "cohort create spring track first-steps")
    await harness.text("root", "enroll spring " + " ".join(f"@{n}" for n in LEARNERS))
    await harness.text("root", "pair @mona @ann")
    await harness.text("root", "pair @mona @ben")
    await harness.text("root", "pair @max @cat")
    ids = await ids_of(harness, *LEARNERS, "mona", "max")
    async with harness.services.db.transaction() as session:
        for name, pid in ids.items():
            await session.exec(update(Person).where(col(Person.id) == pid).values(display_name=NAMES[name]))
    now = harness.clock.now
    learners = [ids[n] for n in LEARNERS]
    await add(
        harness,
        *(
            Delivery(
                dedupe_key=f"test:{pid}:{lesson}",
                person_id=pid,
                lesson_id=lesson,
                kind=DeliveryKind.LESSON,
                status=DeliveryStatus.SENT,
                due_at=now - days * DAY,
                sent_at=now - days * DAY,
            )
            for pid in learners
            for lesson, days in ((PASSWORDS, 30), (LINKEDIN, 2))
        ),
        *(
            Feedback(person_id=pid, lesson_id=PASSWORDS, kind=FeedbackKind.QUIZ, correct=pid != ids["fay"])
            for pid in learners[:6]
        ),
        *(Feedback(person_id=pid, lesson_id=LINKEDIN, kind=FeedbackKind.NOT_USEFUL) for pid in learners[:3]),
        *(Feedback(person_id=pid, lesson_id=LINKEDIN, kind=FeedbackKind.USEFUL) for pid in learners[3:6]),
        *(
            ReviewCard(person_id=pid, lesson_id=PASSWORDS, first_sent_at=now - 30 * DAY, due_at=now + DAY)
            for pid in learners
        ),
        *(
            ReviewAnswer(
                person_id=pid, lesson_id=PASSWORDS, kind="review", correct=i % 2 == 0, answered_at=now - DAY
            )
            for i, pid in enumerate(learners)
        ),
        *(
            Question(person_id=learners[i], text=text, lang="en", created_at=now - (10 - i) * DAY)
            for i, text in enumerate(GAP_TEXTS)
        ),
        Question(person_id=ids["ann"], text=DECLINED, lang="en", status=QuestionStatus.DECLINED),
    )
    async with harness.services.db.transaction() as session:
        await rollups.rebuild(
            session
        )  # rows written directly: the daily counts as migration 0009 builds them
    return ids


def every_text(*tables: views.Table) -> str:
    return "\n".join(
        " | ".join(cell.text for cell in row.cells) for table in tables for row in table.rows
    ) + "\n".join(c.label for table in tables for c in table.columns)


async def spring_id(harness: Harness) -> int:
    admin = await ids_of(harness, "root")
    listing = await views.cohorts(harness.services, admin["root"])
    [row] = [row for row in listing.cohorts.rows if row.cells[0].value == "spring"]  # and the mentor's guide
    return int(row.source.id)  # type: ignore[attr-defined]


async def test_an_admin_sees_everyone_a_mentor_only_their_own_mentees(harness: Harness) -> None:
    ids = await programme(harness)
    root = (await ids_of(harness, "root"))["root"]
    cohort_id = await spring_id(harness)

    admin = await views.cohort(harness.services, root, cohort_id)
    mona = await views.cohort(harness.services, ids["mona"], cohort_id)
    maxi = await views.cohort(harness.services, ids["max"], cohort_id)

    assert admin.access.role == "admin" and mona.access.role == "mentor"
    assert {row.cells[0].text for row in admin.people.rows} == {NAMES[n] for n in LEARNERS}
    assert {row.cells[0].text for row in mona.people.rows} == {NAMES["ann"], NAMES["ben"]}
    assert {row.cells[0].text for row in maxi.people.rows} == {NAMES["cat"]}
    mona_everything = every_text(*mona.tables)
    for other in ("cat", "dan", "eve", "fay", "gus", "max"):
        assert NAMES[other] not in mona_everything
    assert [row.cells[0].text for row in mona.mentors.rows] == [NAMES["mona"]]
    assert sum(int(row.cells[1].value or 0) for row in mona.progress.table.rows) == 2

    listing = await views.cohorts(harness.services, ids["mona"])
    [row] = listing.cohorts.rows
    assert row.cells[3].value == 2 and listing.tracks == ()
    overview = await views.overview(harness.services, ids["mona"])
    assert {r.cells[0].text: r.cells[1].value for r in overview.funnel.table.rows}["Delivered"] == 4

    with pytest.raises(views.Refused):
        await views.overview(harness.services, ids["ann"])  # a learner sees nothing
    with pytest.raises(views.Refused):
        await views.gaps(harness.services, ids["mona"])  # mentors see no content gaps
    await harness.text("root", "unpair @max @cat")
    with pytest.raises(views.Refused):  # recomputed at each request: max mentors nobody now
        await views.cohort(harness.services, ids["max"], cohort_id)


async def test_a_mentor_gets_no_cohort_without_their_mentees(harness: Harness) -> None:
    ids = await programme(harness)
    assert "ready" in await harness.text("root", "cohort create autumn track first-steps")
    await harness.text("root", "enroll autumn @zed")
    root = (await ids_of(harness, "root"))["root"]
    listing = await views.cohorts(harness.services, root)
    autumn = next(int(row.source.id) for row in listing.cohorts.rows if row.cells[0].value == "autumn")  # type: ignore[attr-defined]
    with pytest.raises(views.Missing):
        await views.cohort(harness.services, ids["mona"], autumn)
    assert [
        row.cells[0].value for row in (await views.cohorts(harness.services, ids["mona"])).cohorts.rows
    ] == ["spring"]
    with pytest.raises(views.Missing):
        await views.cohort(harness.services, root, 999_999)


async def test_results_over_fewer_than_five_people_are_too_few_to_report(harness: Harness) -> None:
    ids = await programme(harness)
    root = (await ids_of(harness, "root"))["root"]
    cohort_id = await spring_id(harness)

    admin = await views.cohort(harness.services, root, cohort_id)
    mona = await views.cohort(harness.services, ids["mona"], cohort_id)

    [quiz] = admin.quiz.rows
    assert quiz.cells[1].value == 6 and quiz.cells[2].text == "83% of 6" and quiz.cells[2].value == 83
    [quiz] = mona.quiz.rows
    too_few = "too few to report"
    assert quiz.cells[1].text == too_few and quiz.cells[2].text == too_few and quiz.cells[2].value is None
    overview = await views.overview(harness.services, ids["mona"])
    assert overview.first_try.text == too_few
    assert all(point.value is None for point in overview.retention.series[0].points)

    await _speak_french(harness, "root")
    french = await views.cohort(harness.services, root, cohort_id)
    assert french.quiz.rows[0].cells[2].text == "83\u202f% sur 6"
    lessons = await views.lessons(harness.services, ids["mona"])
    assert all(too_few in row.cells[5].text or row.cells[5].value is None for row in lessons.lessons.rows)


async def _speak_french(harness: Harness, name: str) -> None:
    async with harness.services.db.transaction() as session:
        await session.exec(update(Person).where(col(Person.key) == console_key(name)).values(lang="fr"))


async def test_no_table_puts_a_name_next_to_an_answer(harness: Harness) -> None:
    """Names appear only in the people and mentors tables, whose columns are status and counts; quiz
    results, lessons and gaps name nobody."""
    await programme(harness)
    root = (await ids_of(harness, "root"))["root"]
    cohort_id = await spring_id(harness)
    page = await views.cohort(harness.services, root, cohort_id)
    overview = await views.overview(harness.services, root)
    lessons = await views.lessons(harness.services, root)
    gaps = await views.gaps(harness.services, root)

    assert [c.key for c in page.people.columns] == ["name", "status", "received", "last", "mentor"]
    assert [c.key for c in page.mentors.columns] == ["mentor", "mentees", "tips", "answered", "median"]
    nameless = every_text(page.quiz, page.progress.table, *overview.tables, lessons.lessons, gaps.table)
    assert not any(name in nameless for name in NAMES.values())
    assert not any(
        name in " ".join(q.text for g in gaps.groups for q in g.questions) for name in NAMES.values()
    )


async def test_gaps_are_grouped_by_similarity_without_declined_questions(harness: Harness) -> None:
    await programme(harness)
    root = (await ids_of(harness, "root"))["root"]

    gaps = await views.gaps(harness.services, root)

    assert [[q.text for q in group.questions] for group in gaps.groups] == [
        list(GAP_TEXTS[:3]),
        [GAP_TEXTS[3]],
    ]
    assert DECLINED not in every_text(gaps.table)
    assert all(q.ref.startswith("q") and len(q.ref) == 7 for g in gaps.groups for q in g.questions)
    assert len(gaps.lessons) == len(harness.services.lessons.library.ids())


def test_grouping_is_deterministic_and_keeps_wordless_questions_apart() -> None:
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    rows = [
        GapRow(1, "reset my password please", "en", at, False),
        GapRow(2, "how?", "en", at + DAY, False),
        GapRow(3, "password reset", "en", at + 2 * DAY, False),
        GapRow(4, "what?", "en", at + 3 * DAY, False),
        GapRow(5, "mot de passe oublié", "fr", at + 4 * DAY, False),
    ]
    groups = views.group_gaps(rows)
    assert [[g.question_id for g in group] for group in groups] == [[1, 3], [2], [4], [5]]
    assert views.group_gaps(list(reversed(rows))) == groups


async def test_gap_actions_run_the_admins_own_command_with_its_role_check_and_audit(harness: Harness) -> None:
    ids = await programme(harness)
    root = (await ids_of(harness, "root"))["root"]
    gaps = await views.gaps(harness.services, root)
    group = gaps.groups[0]

    said = await views.gap_action(
        harness.conversation, root, action="link", refs=[group.refs], lesson_id=LINKEDIN
    )
    refused = await views.gap_action(
        harness.conversation, ids["mona"], action="new_topic", refs=[gaps.groups[1].refs]
    )

    assert said and all("Linked to" in text for text in said)
    assert refused and "for programme admins" in refused[0]
    async with harness.services.db.transaction() as session:
        linked = list(await session.exec(select(Question).where(Question.lesson_id == LINKEDIN)))
        audit = list(await session.exec(select(AuditLog.action, AuditLog.outcome)))
        marked = list(await session.exec(select(Question).where(col(Question.new_topic_at).is_not(None))))
    assert sorted(q.text for q in linked) == sorted(GAP_TEXTS[:3]) and marked == []
    assert audit.count(("questions.link", AuditOutcome.OK)) == 3
    assert ("questions", AuditOutcome.REFUSED) in audit
    after = await views.gaps(harness.services, root)
    assert [[q.text for q in g.questions] for g in after.groups] == [[GAP_TEXTS[3]]]


async def test_lessons_sort_by_column_and_lessons_many_find_not_for_me_stand_out(harness: Harness) -> None:
    await programme(harness)
    root = (await ids_of(harness, "root"))["root"]

    by_title = await views.lessons(harness.services, root)
    by_sent = await views.lessons(harness.services, root, "-sent")
    by_useful = await views.lessons(harness.services, root, "useful")
    bogus = await views.lessons(harness.services, root, "'; drop table")

    titles = [row.cells[0].text for row in by_title.lessons.rows]
    assert titles == sorted(titles, key=str.casefold) and bogus.sort == "lesson"
    sent = [row.cells[1].value for row in by_sent.lessons.rows]
    assert sent == sorted(sent, reverse=True)  # type: ignore[type-var]
    useful = [row.cells[3].value for row in by_useful.lessons.rows]
    assert useful == sorted(useful)  # type: ignore[type-var]
    highlighted = [row.source.lesson_id for row in by_title.lessons.rows if row.highlight]  # type: ignore[attr-defined]
    assert highlighted == [LINKEDIN] and by_title.stands_out == 1
    sent_column = next(c for c in by_sent.lessons.columns if c.key == "sent")
    assert sent_column.sorted == "descending" and sent_column.sort_href == "/dashboard/lessons?sort=sent"


async def test_exports_are_the_pages_own_tables(harness: Harness) -> None:
    ids = await programme(harness)
    cohort_id = await spring_id(harness)
    page = await views.cohort(harness.services, ids["mona"], cohort_id)
    exported = await views.export(harness.services, ids["mona"], "people", cohort_id=cohort_id)
    assert exported.table == page.people
    assert exported.table.csv_rows()[0] == [c.label for c in page.people.columns]
    with pytest.raises(views.Missing):
        await views.export(harness.services, ids["mona"], "people")
    with pytest.raises(views.Refused):
        await views.export(harness.services, ids["mona"], "gaps")


async def test_a_mentor_sees_the_topics_a_mentee_shares_and_an_admin_never_does(harness: Harness) -> None:
    ids = await programme(harness)  # ben got his last review wrong; ann got hers right
    root = (await ids_of(harness, "root"))["root"]
    cohort_id = await spring_id(harness)
    mona = await views.cohort(harness.services, ids["mona"], cohort_id)
    topics = {row.cells[0].text: row.cells[-1].text for row in mona.people.rows}
    assert mona.people.columns[-1].key == "topics"
    assert "password" in topics[NAMES["ben"]].lower() and topics[NAMES["ann"]] == "nothing to go over"

    await harness.text("ben", "settings topics off")
    mona = await views.cohort(harness.services, ids["mona"], cohort_id)
    topics = {row.cells[0].text: row.cells[-1].text for row in mona.people.rows}
    assert topics[NAMES["ben"]] == "not shared"

    admin = await views.cohort(harness.services, root, cohort_id)
    assert "topics" not in [column.key for column in admin.people.columns]
    assert "password" not in every_text(admin.people).lower()
