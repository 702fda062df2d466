"""The mentor's brief before a meeting, with a controlled clock and seeded rows: the mentee's goals, the
lessons they keep getting wrong (titles, only while they share them, never answers), the questions they
sent this mentor (never those kept, declined or sent to another mentor), the pair's last commitment and
how it went (never one made with another mentor), and a tip from the mentor's guide that turns from one
brief to the next, in the mentor's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from bot.console.channel import console_key
from bot.core import goals, mentor_guide
from bot.core.brief import brief
from bot.core.replies import Reply
from storage import goals as stored
from storage import people, workshops
from storage.enums import AnswerKind, CommitmentSource, CommitmentStatus, QuestionStatus
from storage.models import Commitment, Meeting, Pairing, Person, Question, ReviewAnswer
from tests.support.harness import Harness, text_of

DAY = dt.timedelta(days=1)
GUIDE = "mentor-guide"


async def person(harness: Harness, name: str) -> Person:
    async with harness.services.db.transaction() as session:
        found = await people.get_person(session, key=console_key(name))
        assert found is not None
        return found


async def add(harness: Harness, *rows: Any) -> list[Any]:
    async with harness.services.db.transaction() as session:
        for row in rows:
            session.add(row)
            await session.flush()
            await session.refresh(row)
        return list(rows)


async def pairing(harness: Harness, mentor: str, mentee: str) -> int:
    mentor_id, mentee_id = (await person(harness, mentor)).id, (await person(harness, mentee)).id
    async with harness.services.db.transaction() as session:
        query = select(Pairing.id).where(Pairing.mentor_id == mentor_id, Pairing.mentee_id == mentee_id)
        return int((await session.exec(query.order_by(col(Pairing.id).desc()))).first() or 0)


async def workshop(harness: Harness, host: str) -> int:
    host_id = (await person(harness, host)).id or 0
    async with harness.services.db.transaction() as session:
        made = await workshops.create_workshop(
            session,
            title="Safer passwords",
            host_id=host_id,
            planned_by_id=host_id,
            starts_at=harness.clock.now - 3 * DAY,
            minutes=45,
            lessons=["strong-passwords"],
            plan=[],
            lang="en",
            now=harness.clock.now - 4 * DAY,
        )
        return made.id or 0


async def brief_for(harness: Harness, mentor: str, mentee: str, at: dt.datetime) -> list[Reply]:
    mentor_row, mentee_row = await person(harness, mentor), await person(harness, mentee)
    async with harness.services.db.transaction() as session:
        return await brief(
            session,
            library=harness.services.lessons.library,
            mentor=mentor_row,
            mentee=mentee_row,
            meeting_at=at,
            now=harness.clock.now,
        )


async def programme(harness: Harness) -> dict[str, Any]:
    """ann (mentored by noah, then by mia) and ben (mia's, keeps his topics to himself) in pilot; mia's
    meetings: with ann a week ago and tomorrow, with ben the day after; questions, commitments and wrong
    answers of every kind."""
    now = harness.clock.now
    for command in (
        "cohort create pilot track first-steps start 2026-11-23",
        "enroll pilot @ann @ben",
        "pair @noah @ann",
    ):
        await harness.say("root", command)
    ann, ben = (await person(harness, "ann")).id or 0, (await person(harness, "ben")).id or 0
    noah_meeting = await add(
        harness, Meeting(pairing_id=await pairing(harness, "noah", "ann"), planned_at=now - 30 * DAY)
    )
    await add(harness, Commitment(person_id=ann, source=CommitmentSource.MEETING, meeting_id=noah_meeting[0].id, text="Noah's idea", made_at=now - 20 * DAY, follow_up_at=now - 13 * DAY))  # fmt: skip
    for command in ("pair @mia @ann", "pair @mia @ben"):
        await harness.say("root", command)
    mia_ann, mia_ben = await pairing(harness, "mia", "ann"), await pairing(harness, "mia", "ben")
    last, soon, later = await add(
        harness,
        Meeting(pairing_id=mia_ann, planned_at=now - 7 * DAY),
        Meeting(pairing_id=mia_ann, planned_at=now + DAY),
        Meeting(pairing_id=mia_ben, planned_at=now + 2 * DAY),
    )
    noah, mia = (await person(harness, "noah")).id, (await person(harness, "mia")).id
    in_noahs, in_mias = await workshop(harness, "noah"), await workshop(harness, "mia")
    made: dict[str, Any] = {"made_at": now - 7 * DAY, "follow_up_at": now + DAY}
    pledge, *_ = await add(
        harness,
        Commitment(person_id=ann, source=CommitmentSource.MEETING, meeting_id=last.id, text="Turn on two-step verification", **made),
        Commitment(person_id=ann, source=CommitmentSource.WORKSHOP, workshop_id=in_noahs, text="Noah's workshop idea", made_at=now - DAY, follow_up_at=now + 6 * DAY),
        Commitment(person_id=ben, source=CommitmentSource.WORKSHOP, workshop_id=in_mias, text="Change my bank password", status=CommitmentStatus.NEED_HELP, made_at=now - 3 * DAY, follow_up_at=now - DAY),
        Commitment(person_id=ben, source=CommitmentSource.WORKSHOP, workshop_id=in_noahs, text="Ben in noah's", made_at=now - DAY, follow_up_at=now + 6 * DAY),
        Question(person_id=ann, text="How do I hide my phone number on LinkedIn?", status=QuestionStatus.FORWARDED, mentor_id=mia),
        Question(person_id=ann, text="A question she kept", status=QuestionStatus.OPEN),
        Question(person_id=ann, text="A question she declined", status=QuestionStatus.DECLINED),
        Question(person_id=ann, text="A question for noah", status=QuestionStatus.FORWARDED, mentor_id=noah),
        *(ReviewAnswer(person_id=who, lesson_id="two-factor-authentication", kind=AnswerKind.REVIEW, correct=False, answered_at=now - n * DAY) for who in (ann, ben) for n in (2, 5)),
    )  # fmt: skip
    async with harness.services.db.transaction() as session:
        await session.exec(update(Person).where(col(Person.id) == ben).values(share_topics=False))
    await harness.press("ann", goals.PICK_ACTION, "protect-my-accounts")
    return {"soon": soon.planned_at, "later": later.planned_at, "last": last.planned_at, "pledge": pledge}


async def test_the_brief_before_a_meeting(harness: Harness) -> None:
    seeded = await programme(harness)
    library = harness.services.lessons.library

    lines = text_of(await brief_for(harness, "mia", "ann", seeded["soon"])).splitlines()

    assert lines[:6] == [
        "Before your meeting with **ann**, Tuesday 24 November 2026 at 11:00 (Europe/Paris):",
        "- Their goals: *Protect my accounts* 0%",
        "- They keep getting these wrong: *Two-step verification, your second lock*",
        "- Their questions waiting for you (1), answer with `reply <id> <your answer>`:",
        f"  - #{await question_id(harness, 'How do I hide')}: How do I hide my phone number on LinkedIn?",
        "- Last session they chose: “Turn on two-step verification” (follow-up on Tuesday 24 November 2026)",
    ]
    tip = library.get(library.tracks[GUIDE].lessons[1], "en")  # one meeting of mia's before this one
    assert tip is not None
    assert lines[6:] == ["", f"Tip for this meeting, *{tip.title}*: {tip.try_it} (`lesson {tip.id}`)"]

    async with harness.services.db.transaction() as session:
        await session.exec(
            update(Commitment)
            .where(col(Commitment.id) == seeded["pledge"].id)
            .values(status=CommitmentStatus.DONE)
        )
    assert "“Turn on two-step verification” (done)" in text_of(
        await brief_for(harness, "mia", "ann", seeded["soon"])
    )
    harness.clock.advance(days=2)
    async with harness.services.db.transaction() as session:
        await session.exec(
            update(Commitment)
            .where(col(Commitment.id) == seeded["pledge"].id)
            .values(status=CommitmentStatus.OPEN)
        )
    assert "(no answer yet)" in text_of(await brief_for(harness, "mia", "ann", seeded["soon"]))


async def question_id(harness: Harness, start: str) -> int:
    async with harness.services.db.transaction() as session:
        found = (await session.exec(select(Question).where(col(Question.text).startswith(start)))).first()
        assert found is not None
        return found.id or 0


async def test_the_brief_shows_only_what_the_mentor_may_see(harness: Harness) -> None:
    seeded = await programme(harness)
    ann_brief = text_of(await brief_for(harness, "mia", "ann", seeded["soon"]))
    for hidden in ("kept", "declined", "for noah", "Noah's idea", "Noah's workshop idea"):
        assert hidden not in ann_brief, hidden
    lesson = harness.services.lessons.library.get("two-factor-authentication", "en")
    assert lesson is not None
    for variant in lesson.variants:
        assert variant.question not in ann_brief
        assert not any(choice in ann_brief for choice in variant.choices)

    ben_brief = text_of(await brief_for(harness, "mia", "ben", seeded["later"]))
    assert "They keep getting" not in ben_brief, "ben keeps his topics to himself"
    assert "No goals picked yet" in ben_brief
    assert "Their questions" not in ben_brief
    assert "- In your workshop they chose: “Change my bank password” (they asked for help)" in ben_brief
    assert "Ben in noah's" not in ben_brief, "not from another mentor's workshop"

    assert await brief_for(harness, "noah", "ann", seeded["soon"]) == [], "no longer her mentor"


async def test_the_tip_turns_from_one_brief_to_the_next_and_speaks_the_mentors_language(
    harness: Harness,
) -> None:
    seeded = await programme(harness)
    guide = harness.services.lessons.library.tracks[GUIDE].lessons

    def tip_of(replies: list[Reply]) -> str:
        return text_of(replies).splitlines()[-1]

    tips = [
        tip_of(await brief_for(harness, "mia", who, seeded[at]))
        for who, at in (("ann", "last"), ("ann", "soon"), ("ben", "later"))
    ]
    assert [f"`lesson {lesson}`" in tip for tip, lesson in zip(tips, guide, strict=False)] == [True] * 3
    assert len(set(tips)) == 3

    mia, ann, ben = [await person(harness, name) for name in ("mia", "ann", "ben")]
    async with harness.services.db.transaction() as session:
        same_moment = [
            await stored.meetings_before(
                session, mentor_id=mia.id or 0, mentee_id=who.id or 0, at=seeded["soon"]
            )
            for who in (ann, ben)
        ]
    assert len(set(same_moment)) == 2, "two briefs for the same moment still get two numbers"

    await harness.say("mia", "lang fr")
    french = text_of(await brief_for(harness, "mia", "ann", seeded["soon"]))
    tip = harness.services.lessons.library.get(guide[1], "fr")
    assert tip is not None
    assert french.startswith(
        "Avant votre rendez-vous avec **ann**, mardi 24 novembre 2026 à 11:00 (Europe/Paris)\u202f:"
    )
    assert f"Conseil pour ce rendez-vous, *{tip.title}*\u202f: {tip.try_it} (`leçon {tip.id}`)" in french


async def test_a_mentor_who_stopped_the_guide_gets_no_tip(harness: Harness) -> None:
    seeded = await programme(harness)
    mia = await person(harness, "mia")
    async with harness.services.db.transaction() as session:  # as pairing does (once: maybe done already)
        await mentor_guide.enrol_in_mentor_guide(session, mentor=mia, now=harness.clock.now)
    assert "Tip for this meeting" in text_of(await brief_for(harness, "mia", "ann", seeded["soon"]))
    await harness.say("mia", "stop mentor-guide")
    shown = text_of(await brief_for(harness, "mia", "ann", seeded["soon"]))
    assert "Tip for this meeting" not in shown and "Their goals" in shown
