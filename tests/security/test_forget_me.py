"""`forget-me` forgets: after it, no table holds the person's key, name or words, and no log ever did.

Each test drives a whole programme through the conversation core (cohort, enrollment, pairing, questions
to a mentor by `mentor …` and by free text, an answer, tips, a refused command, a weekly digest, my-data,
messages delivered to console inboxes and messages still waiting), then searches every text and JSON
column of every table the metadata knows, so a table added later is searched too, and inside the files
that wait in JSON (base64: an .ics attached to a message, or kept with a download link).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import JSON, String, Table, Text, cast, func, select, update
from sqlmodel import SQLModel, col
from sqlmodel import select as select_rows

from bot.cli import LIBRARY_FLOORS, TANDEM_LOGGERS, configure_logging
from bot.console.channel import console_key
from bot.core import meetings, outbox
from bot.core.replies import Button, File, Notify
from bot.core.replies import Text as Message
from bot.settings import load_settings
from scheduler import lifetimes
from scheduler.service import run_tick
from storage import activity, cohorts, deliveries, downloads, keys, people, privacy
from storage.enums import DeliveryKind, DeliveryStatus, Priority
from storage.models import ConfidenceRating, Delivery, Meeting, Question, ReviewAnswer, ReviewCard
from tests.bot.slack.conftest import SlackTester
from tests.support.harness import Harness, Said, notifications, text_of


@dataclass(frozen=True)
class Someone:
    """A person of the programme: console name, display name (non-ASCII, so JSON may escape it) and the
    words only they ever wrote."""

    user: str
    name: str
    words: tuple[str, ...]

    @property
    def key(self) -> str:
        return console_key(self.user)


ADMIN = Someone("root", "Ràdmila Vöstrikova", ("glimmerbrook",))
MENTOR = Someone("mikael", "Mïkael Thornquist", ("marmaladewind", "zephyrquill"))
LEARNER = Someone("zoe", "Zoë Quillfeather", ("quokkafiddle", "xylobrindle", "snorkelvane"))
EVERYONE = (ADMIN, MENTOR, LEARNER)
CROWD = 201
"""More people than `enroll` handles at once: the enrollment waits as a job whose arguments name them."""


# --- the programme ------------------------------------------------------------------------------------------


async def say(harness: Harness, who: Someone, text: str) -> list[Any]:
    return await harness.say(who.user, text, display=who.name)


async def press_forward(harness: Harness, who: Someone, replies: list[Any]) -> None:
    """Accept the offer to send a question to the mentor, when the library was unsure."""
    for reply in replies:
        buttons: tuple[Button, ...] = getattr(reply, "buttons", ())
        for button in buttons:
            if button.action == "question.forward":
                await harness.press(who.user, button.action, button.value or "")


async def question_with(harness: Harness, who: Someone, word: str) -> Question:
    """The person's question that holds `word`."""
    async with harness.services.db.transaction() as session:
        person = await people.get_person(session, key=who.key)
        assert person is not None
        asked = await activity.questions_of(session, person_id=person.id or 0)
    return next(q for q in asked if word in q.text)


async def queue_digest(harness: Harness, mentor: Someone) -> None:
    """The mentor's weekly digest (names each mentee), as the scheduler queues it on Monday morning."""
    now = harness.clock.now
    async with harness.services.db.transaction() as session:
        person = await people.get_person(session, key=mentor.key)
        assert person is not None
        year, week, _ = now.isocalendar()
        row = {
            "dedupe_key": keys.digest_key(person.id or 0, year, week),
            "person_id": person.id,
            "kind": DeliveryKind.DIGEST,
            "priority": Priority.BULK,
            "due_at": now,
            "expires_at": lifetimes.expires_at(DeliveryKind.DIGEST, now),
            "created_at": now,
        }
        await deliveries.enqueue(session, rows=[row])


async def programme(harness: Harness) -> None:
    """A realistic few days of a programme, with messages delivered to console inboxes and some waiting."""
    for who in EVERYONE:
        await say(harness, who, "help")
    await say(harness, ADMIN, "cohort create pilot track first-steps")
    await say(harness, ADMIN, f"enroll pilot @{LEARNER.user} @{ADMIN.user}")
    await say(harness, ADMIN, f"pair @{MENTOR.user} @{LEARNER.user}")
    await harness.app.deliver_now()  # pairing notices, into both inboxes

    await say(harness, LEARNER, "next")
    await harness.press(LEARNER.user, "feedback.useful", "linkedin-profile")
    await say(harness, LEARNER, "mentor How do I hide my quokkafiddle profile from recruiters?")
    await press_forward(harness, LEARNER, await say(harness, LEARNER, "is xylobrindle a good password tool"))
    await say(harness, ADMIN, "mentor Where do I find the quarterly glimmerbrook report?")
    await harness.app.deliver_now()  # the forwarded questions, into the mentor's inbox

    question = await question_with(harness, LEARNER, "quokkafiddle")
    await say(harness, MENTOR, f"reply {question.id} Open the privacy page, the marmaladewind way.")
    await say(harness, MENTOR, f"push @{LEARNER.user} Try the zephyrquill trick on your feed today.")
    await say(harness, ADMIN, f"push @{LEARNER.user} Turn on the glimmerbrook setting.")
    await say(harness, LEARNER, "cohort create snorkelvane track first-steps")  # refused: admins only
    await say(harness, MENTOR, f"pair @{MENTOR.user} @{LEARNER.user}")  # refused: admins only
    await queue_digest(harness, MENTOR)
    await say(harness, LEARNER, "my-data")
    await harness.app.deliver_now()  # the answer, the tips and the digest, into inboxes

    # Still waiting when someone asks to be forgotten: a question, a new pairing's notices, a big enrollment.
    await say(harness, LEARNER, "mentor Can snorkelvane posts be hidden later?")
    await say(harness, ADMIN, f"unpair @{MENTOR.user} @{LEARNER.user}")
    await say(harness, ADMIN, f"pair @{MENTOR.user} @{LEARNER.user}")
    crowd = " ".join(f"@crowd{n}" for n in range(CROWD - 1))
    await say(harness, ADMIN, f"enroll pilot @{LEARNER.user} {crowd}")


async def forget(harness: Harness, who: Someone) -> None:
    assert "cannot be undone" in text_of(await say(harness, who, "forget-me"))
    assert "has been deleted" in text_of(await harness.press(who.user, "forget.confirm"))


# --- searching every table ------------------------------------------------------------------------------------


def holds_text(column: Any) -> bool:
    """A text column (SQLModel's AutoString decorates String) or a JSON one."""
    kind = column.type
    return isinstance(kind, String | JSON) or isinstance(getattr(kind, "impl", None), String | JSON)


def searched_columns() -> list[tuple[Table, list[Any]]]:
    """Every table, with its text and JSON columns, from the metadata."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.columns if holds_text(c)]
        if columns:
            found.append((table, columns))
    return found


def needles(who: Someone) -> list[str]:
    """What must not remain: the key, the name as typed and as JSON escapes it, the @mention, the words."""
    escaped = json.dumps(who.name)[1:-1]
    return [who.key, who.name, escaped, f"@{who.user}", *who.words]


def files_in(value: Any) -> list[str]:
    """The files a JSON value holds (an object with `mime` and base64 `content`), decoded."""
    if isinstance(value, list):
        return [text for item in value for text in files_in(item)]
    if not isinstance(value, dict):
        return []
    found = [text for item in value.values() for text in files_in(item)]
    if isinstance(value.get("mime"), str) and isinstance(value.get("content"), str):
        found.append(base64.b64decode(value["content"], validate=True).decode("utf-8", "replace"))
    return found


def readable(value: str | None, column: Any) -> str:
    """A column's value as text, with the files of a JSON value decoded after it (unfolded, for .ics)."""
    text = value or ""
    if value and isinstance(column.type, JSON):
        text += "".join("\n" + f.replace("\r\n ", "") for f in files_in(json.loads(value)))
    return text


async def traces(harness: Harness, who: Someone) -> list[str]:
    """Where the person can still be found: `table.column: needle in value`, for every row of every table
    (in the files a JSON value holds too)."""
    wanted = [needle.casefold() for needle in needles(who)]
    found: list[str] = []
    async with harness.services.db.transaction() as session:
        for table, columns in searched_columns():
            rows = (await session.exec(select(*(cast(c, Text) for c in columns)))).all()  # type: ignore[call-overload]
            for row in rows:
                for column, value in zip(columns, row, strict=True):
                    text = readable(value, column)
                    found += [
                        f"{table.name}.{column.name}: {n!r} in {text[:160]!r}"
                        for n in wanted
                        if n in text.casefold()
                    ]
    return found


async def audit_trail(harness: Harness) -> list[tuple[int | None, str, str, dt.datetime]]:
    async with harness.services.db.transaction() as session:
        return [(a.id, a.action, a.outcome, a.created_at) for a in await activity.audit_entries(session)]


# --- forget-me ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE, ids=lambda who: who.user)
async def test_forget_me_leaves_no_trace_in_any_table(harness: Harness, who: Someone) -> None:
    """Failure: after `forget-me`, the person's key, name and words stayed in audit entries by others
    (`pair`, `push`, a refused command's text), in other people's console inboxes (a forwarded question, an
    answer, a tip, a pairing notice, a digest), in messages still waiting, in a waiting job's arguments and
    in a mentor's answers. The audit trail itself stays: every entry, with its action, outcome and time."""
    await programme(harness)
    assert await traces(harness, who), "the programme should mention them everywhere before"
    trail = await audit_trail(harness)

    await forget(harness, who)
    await harness.app.deliver_now()  # what still waits goes out, and the waiting enrollment runs

    assert await traces(harness, who) == []
    kept = await audit_trail(harness)
    assert kept[: len(trail)] == trail  # then the waiting enrollment's own entry, when it ran
    async with harness.services.db.transaction() as session:
        theirs = [a for a in await activity.audit_entries(session) if a.actor_key == "forgotten"]
    assert theirs and all("text" not in a.args for a in theirs)


async def test_forget_me_keeps_the_learners_question_and_drops_the_mentors_answer(harness: Harness) -> None:
    """Failure: a forgotten mentor's answer stayed word for word in the learner's question. The question is
    the learner's: it stays, answered, with no text of the mentor's and no link to them."""
    await programme(harness)
    question = await question_with(harness, LEARNER, "quokkafiddle")
    assert (question.status, question.answer) == ("answered", "Open the privacy page, the marmaladewind way.")
    await forget(harness, MENTOR)
    async with harness.services.db.transaction() as session:
        kept = await session.get(Question, question.id)
    assert kept is not None
    assert (kept.status, kept.answer, kept.mentor_id) == ("answered", None, None)
    assert "quokkafiddle" in kept.text


async def test_forget_me_erases_nothing_when_it_fails_half_way(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Failure: an erasure that stops half way (the database fails as the person's row is deleted) must
    leave everything as it was, scrubbed names and withdrawn messages included: one transaction."""
    await programme(harness)
    await say(harness, LEARNER, "forget-me")
    before = await harness.snapshot()

    async def broken(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(activity, "erase_person", broken)
    assert "something went wrong" in text_of(await harness.press(LEARNER.user, "forget.confirm"))
    assert await harness.snapshot() == before


async def review_and_rate(harness: Harness, who: Someone) -> int:
    """A lesson in the person's review schedule, a quiz answer and a review answer to it, and their
    confidence at the start of their first track, written directly; their person id."""
    now = harness.clock.now
    async with harness.services.db.transaction() as session:
        person = await people.get_person(session, key=who.key)
        assert person is not None
        pid = person.id or 0
        [(enrollment, _), *_] = await cohorts.enrollments_of(session, person_id=pid)
        session.add(
            ReviewCard(
                person_id=pid,
                lesson_id=REVIEWED,
                first_sent_at=now - dt.timedelta(days=30),
                due_at=now + dt.timedelta(days=20),
                state={"stability": 12.5},
                last_variant=1,
                reviews=1,
                retained_at=now,
            )
        )
        session.add(
            ReviewAnswer(person_id=pid, lesson_id=REVIEWED, kind="quiz", correct=False, answered_at=now)
        )
        session.add(
            ReviewAnswer(
                person_id=pid, lesson_id=REVIEWED, variant=1, kind="review", correct=True, answered_at=now
            )
        )
        session.add(
            ConfidenceRating(person_id=pid, enrollment_id=enrollment.id or 0, moment="start", rating=2)
        )
    return pid


async def workshop_rows(harness: Harness, who: Someone) -> None:
    """A workshop the person planned for the mentor, with a seat, a quiz answer, a hands-on check and a
    commitment of theirs in it, and one they host: written directly, as the workshop commands would."""
    from storage import commitments, workshops
    from storage.enums import CheckStatus, CommitmentSource, Rsvp

    now = harness.clock.now
    async with harness.services.db.transaction() as session:
        person = await people.get_person(session, key=who.key)
        mentor = await people.get_person(session, key=MENTOR.key)
        assert person is not None and mentor is not None
        pid = person.id or 0
        wid = 0
        for title, host in (("Safer passwords", mentor.id or 0), ("Posting well", pid)):
            made = await workshops.create_workshop(
                session,
                title=title,
                host_id=host,
                planned_by_id=pid,
                starts_at=now + dt.timedelta(days=2),
                minutes=45,
                lessons=[REVIEWED],
                plan=[{"kind": "welcome", "lesson_id": None, "minutes": 2, "starts_after": 0}],
                lang="en",
                now=now,
            )
            wid = wid or made.id or 0
        await workshops.add_seats(session, workshop_id=wid, person_ids=[pid], at=now)
        await workshops.set_rsvp(session, workshop_id=wid, person_id=pid, rsvp=Rsvp.COMING, at=now)
        await workshops.record_answer(
            session,
            workshop_id=wid,
            person_id=pid,
            step=4,
            lesson_id=REVIEWED,
            choice=1,
            correct=True,
            late=False,
            at=now,
        )
        await workshops.set_check(
            session, workshop_id=wid, person_id=pid, step=3, status=CheckStatus.DONE, at=now
        )
        await commitments.add_commitment(
            session,
            person_id=pid,
            source=CommitmentSource.WORKSHOP,
            text="Turn on two-factor authentication",
            made_at=now,
            workshop_id=wid,
            lesson_id=REVIEWED,
        )


async def relationship_rows(harness: Harness, who: Someone) -> int:
    """The relationship, as the matching, meeting and goal commands write it: a pair with the mentor (the
    person as mentee) and one with the learner (as mentor), a match proposal the person asked for and is
    named in, the pair's rhythm set by them, a meeting they answered with a note from each side and a
    commitment of theirs made in it, and a goal they chose. Written directly; the person's pairing id."""
    from storage.enums import CommitmentSource, MeetingStatus, PairingSource
    from storage.models import MatchProposal, Meeting, MeetingNote, Pairing, PersonGoal, Rhythm

    now = harness.clock.now
    async with harness.services.db.transaction() as session:
        person = await people.get_person(session, key=who.key)
        mentor = await people.get_person(session, key=MENTOR.key)
        learner = await people.get_person(session, key=LEARNER.key)
        cohort = await cohorts.get_cohort(session, name="pilot")
        assert person is not None and mentor is not None and learner is not None and cohort is not None
        pid, mid, lid = person.id or 0, mentor.id or 0, learner.id or 0
        mine = Pairing(mentor_id=mid, mentee_id=pid, source=PairingSource.MATCH, started_at=now)
        theirs = Pairing(mentor_id=pid, mentee_id=lid, started_at=now, ended_at=now)
        session.add_all([mine, theirs])
        await session.flush()
        session.add(
            MatchProposal(
                cohort_id=cohort.id or 0,
                round=1,
                number=1,
                learner_id=pid,
                mentor_id=mid,
                reasons=[["language", "en"], ["hours", "8"]],
                status="accepted",
                proposed_by_id=pid,
                created_at=now,
                decided_at=now,
            )
        )
        session.add(
            MatchProposal(
                cohort_id=cohort.id or 0,
                round=1,
                number=2,
                learner_id=lid,
                mentor_id=pid,
                reasons=[["language", "en"], ["other_department", ""]],
                created_at=now,
            )
        )
        session.add(
            Rhythm(
                pairing_id=mine.id or 0,
                every_weeks=2,
                weekday=3,
                time="12:30",
                tz="Europe/Paris",
                set_by_id=pid,
                created_at=now,
                updated_at=now,
            )
        )
        meeting = Meeting(
            pairing_id=mine.id or 0,
            planned_at=now - dt.timedelta(days=1),
            status=MeetingStatus.HELD,
            answered_at=now,
            answered_by_id=pid,
        )
        session.add(meeting)
        await session.flush()
        session.add_all(
            [
                MeetingNote(
                    meeting_id=meeting.id or 0, author_id=pid, text="We set up the vault", created_at=now
                ),
                MeetingNote(
                    meeting_id=meeting.id or 0, author_id=mid, text="Went through passkeys", created_at=now
                ),
                PersonGoal(person_id=pid, goal_id="protect-my-accounts", chosen_at=now),
            ]
        )
        from storage import commitments

        made = await commitments.add_commitment(
            session, person_id=pid, source=CommitmentSource.MEETING, text="Try passkeys", made_at=now
        )
        made.meeting_id = meeting.id
        session.add(made)
        return mine.id or 0


REVIEWED = "two-factor-authentication"
RETENTION_TABLES = ("reviewcard", "reviewanswer", "confidencerating")


async def test_forget_me_deletes_the_review_schedule_answers_and_confidence(harness: Harness) -> None:
    """Failure: a forgotten learner's review cards, quiz and review answers or confidence ratings stayed
    (ON DELETE CASCADE from the person's row, on SQLite and PostgreSQL); another learner's stay."""
    await say(harness, ADMIN, "cohort create pilot track first-steps")
    await say(harness, ADMIN, f"enroll pilot @{LEARNER.user} @{MENTOR.user}")
    learner = await review_and_rate(harness, LEARNER)
    mentor = await review_and_rate(harness, MENTOR)

    async def kept(person_id: int) -> list[int]:
        """How many rows of each retention table the person still has."""
        async with harness.services.db.transaction() as session:
            counts = []
            for name in RETENTION_TABLES:
                table = SQLModel.metadata.tables[name]
                query = select(func.count()).select_from(table).where(table.c.person_id == person_id)
                counts.append(int((await session.exec(query)).scalar_one()))  # type: ignore[call-overload]
            return counts

    assert await kept(learner) == [1, 2, 1]
    await forget(harness, LEARNER)
    assert await kept(learner) == [0, 0, 0]
    assert await kept(mentor) == [1, 2, 1]


# --- my-data covers every table tied to a person -----------------------------------------------------------

NOT_EXPORTED: dict[tuple[str, str], str] = {
    ("person", "manager_id"): "the rows of the people this person manages are theirs, not this person's: "
    "`my-data` names them only (`people_you_manage`)",
}
"""(table, column) pairs tied to person.id that `my-data` leaves out, each with why."""


def ties_to_person() -> list[tuple[Table, Any]]:
    """Every (table, column) with a foreign key to person.id, from the metadata."""
    return [
        (table, fk.parent)
        for table in SQLModel.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "person" and fk.column.name == "id"
    ]


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def exported_rows(data: Any) -> list[dict[str, Any]]:
    """Every object in the exported JSON, wherever it sits."""
    if isinstance(data, dict):
        return [data, *(row for value in data.values() for row in exported_rows(value))]
    if isinstance(data, list):
        return [row for value in data for row in exported_rows(value)]
    return []


async def test_my_data_exports_every_row_of_every_table_tied_to_the_person(harness: Harness) -> None:
    """Failure: a table with a foreign key to person.id (mentorships, questions they answered as a mentor,
    tips written for them, confirmations waiting, rate-limit uses…) was left out of `my-data`. Every such
    row must appear in the export with every column but the internal ones `privacy.LEFT_OUT` names (each
    with why); the tables come from the metadata, so a new table or column fails here until `collect`
    exports it (or NOT_EXPORTED, LEFT_OUT say why not)."""
    await programme(harness)
    # The admin is tied to every table: a mentor to the learner, mentored, and written to by name.
    await say(harness, ADMIN, f"pair @{ADMIN.user} @{LEARNER.user}")
    await say(harness, ADMIN, f"pair @{MENTOR.user} @{ADMIN.user}")
    await say(harness, LEARNER, "mentor Should I share my glimmerbrook badge?")
    await say(harness, MENTOR, f"push @{ADMIN.user} Try the zephyrquill trick too.")
    await say(harness, ADMIN, "next")
    await harness.press(ADMIN.user, "feedback.useful", "linkedin-profile")
    await harness.app.deliver_now()
    await say(harness, ADMIN, f"enroll pilot {' '.join(f'@crowd{n}' for n in range(CROWD))}")
    await say(harness, ADMIN, "forget-me")
    await review_and_rate(harness, ADMIN)
    await workshop_rows(harness, ADMIN)
    await relationship_rows(harness, ADMIN)
    [file] = [r for r in await say(harness, ADMIN, "my-data") if isinstance(r, File)]
    exported = [as_json(row) for row in exported_rows(json.loads(file.content))]

    missing: list[str] = []
    async with harness.services.db.transaction() as session:
        admin = await people.get_person(session, key=ADMIN.key)
        assert admin is not None
        for table, column in ties_to_person():
            tie = f"{table.name}.{column.name}"
            if (table.name, column.name) in NOT_EXPORTED:
                continue
            rows = (await session.exec(select(table).where(column == admin.id))).all()  # type: ignore[call-overload]
            assert rows, f"the programme should give the admin a row in {tie}"
            left_out = privacy.LEFT_OUT.get(table.name, {})
            for row in rows:
                stored = {k: v for k, v in as_json(dict(row._mapping)).items() if k not in left_out}
                if not any(stored.items() <= shown.items() for shown in exported):
                    missing.append(f"{tie} #{stored.get('id')}")
    assert missing == []


async def test_forget_me_of_someone_with_sessions_keeps_the_pair_history_for_the_other(
    harness: Harness,
) -> None:
    """Failure: forgetting a mentee with meetings erased the mentor's side of the pair's history (the
    meetings, the mentor's notes), or kept the mentee's notes, goals, commitments or match proposals."""
    from sqlmodel import col
    from sqlmodel import select as select_rows

    from storage.models import Commitment, MatchProposal, Meeting, MeetingNote, Pairing, PersonGoal, Rhythm

    await programme(harness)
    pairing_id = await relationship_rows(harness, ADMIN)
    await forget(harness, ADMIN)
    async with harness.services.db.transaction() as session:
        [pair] = await session.exec(select_rows(Pairing).where(col(Pairing.id) == pairing_id))
        mentor = await people.get_person(session, key=MENTOR.key)
        assert mentor is not None
        assert (pair.mentor_id, pair.mentee_id) == (mentor.id, None), (
            "the mentor keeps the pair, without them"
        )
        [meeting] = await session.exec(select_rows(Meeting).where(col(Meeting.pairing_id) == pairing_id))
        assert meeting.answered_by_id is None
        notes = list(await session.exec(select_rows(MeetingNote)))
        assert [n.text for n in notes] == ["Went through passkeys"], "only the mentor's note stays"
        assert len(list(await session.exec(select_rows(Rhythm)))) == 1
        for model in (PersonGoal, MatchProposal):
            assert list(await session.exec(select_rows(model))) == [], model.__name__
        made = await session.exec(select_rows(Commitment).where(col(Commitment.text) == "Try passkeys"))
        assert list(made) == []


# --- what they wrote, quoted in messages to others, and the files that name them ----------------------------

PARIS = ZoneInfo("Europe/Paris")
FIRST_MEETING = dt.datetime(2026, 11, 24, 12, 30, tzinfo=PARIS)
"""The pair meets every week on Tuesday at 12:30 (Paris): the first, the day after the harness's start."""
WEEK = dt.timedelta(weeks=1)


async def tick(harness: Harness, at: dt.datetime) -> None:
    """The drip's tick at `at`, as `tandem drip --at` runs it: what is due is planned and delivered."""
    harness.clock.now = at.astimezone(dt.UTC)
    await run_tick(harness.app.drip(clock=harness.clock), harness.clock.now)


async def inbox(harness: Harness, who: Someone) -> list[tuple[str, dict[str, Any]]]:
    """(ledger key, message) of each message in the person's console inbox, shown or not."""
    async with harness.services.db.transaction() as session:
        person = await people.get_person(session, key=who.key)
        assert person is not None
        return [
            (m.dedupe_key or "", m.payload)
            for m in await activity.inbox_of(session, person_id=person.id or 0)
        ]


async def a_pair_that_meets(harness: Harness) -> Said:
    """The mentor and the learner paired, the learner setting their weekly meetings: what that queued (the
    mentor's notice with the calendar file that names both)."""
    for who in EVERYONE:
        await say(harness, who, "help")
    await say(harness, ADMIN, "cohort create pilot track first-steps start 2026-11-23")
    await say(harness, ADMIN, f"enroll pilot @{LEARNER.user}")
    await say(harness, ADMIN, f"pair @{MENTOR.user} @{LEARNER.user}")
    return await say(harness, LEARNER, "meet every week on tue at 12:30")


async def the_brief(harness: Harness) -> str:
    """The pair meets; the learner notes what they covered, commits to something, then sends the mentor
    a question; the mentor's brief before the next meeting (in the mentor's console inbox) quotes the
    question and the commitment. Returns the brief's text."""
    await a_pair_that_meets(harness)
    await tick(harness, FIRST_MEETING + dt.timedelta(hours=1))  # "Did you meet?"
    async with harness.services.db.transaction() as session:
        query = select(Meeting.id).where(Meeting.planned_at == FIRST_MEETING.astimezone(dt.UTC))
        meeting_id = (await session.exec(query)).scalar_one()  # type: ignore[call-overload]
    await harness.press(LEARNER.user, meetings.ANSWER_ACTION, f"{meeting_id}:held")
    await say(harness, LEARNER, "We set up the snorkelvane vault together")
    assert "I’ll ask you in a week" in text_of(
        await say(harness, LEARNER, "Turn on xylobrindle passkeys for my bank account")
    )
    await say(harness, LEARNER, "mentor How do I hide my quokkafiddle profile from recruiters, for good?")
    await tick(harness, FIRST_MEETING + WEEK - dt.timedelta(hours=2))  # the next meeting's brief
    [brief] = await briefs(harness)
    return brief


async def briefs(harness: Harness) -> list[str]:
    """The briefs in the mentor's console inbox."""
    return [
        str(message.get("markdown"))
        for key, message in await inbox(harness, MENTOR)
        if (parsed := keys.parse_meeting_key(key)) is not None and parsed.which == "brief"
    ]


async def test_forget_me_takes_their_words_out_of_the_mentors_brief(harness: Harness) -> None:
    """Failure: forgetting a learner put "forgotten" for their name in the brief their mentor had received
    (console inbox), but the brief still quoted their open question and their last commitment word for
    word; so did messages about them still waiting in the ledger, or kept there after failing. In every
    message that names them, what they wrote goes too; the mentor keeps the rest of the brief."""
    brief = await the_brief(harness)
    assert brief.startswith(f"Before your meeting with **{LEARNER.name}**")
    assert "quokkafiddle profile from recruiters" in brief, "the brief quotes their question"
    assert "“Turn on xylobrindle passkeys for my bank account”" in brief, "and their commitment"
    now = harness.clock.now
    async with harness.services.db.transaction() as session:
        admin = await people.get_person(session, key=ADMIN.key)
        assert admin is not None
        rows = [
            {
                "dedupe_key": f"test:about-them:{status}",
                "person_id": admin.id,
                "kind": DeliveryKind.NOTICE,
                "payload": [{"type": "text", "markdown": brief, "buttons": []}],
                "due_at": now + dt.timedelta(days=1),
                "expires_at": now + dt.timedelta(days=7),
                "created_at": now,
            }
            for status in ("pending", "failed")
        ]
        await deliveries.enqueue(session, rows=rows)
        await session.exec(
            update(Delivery)
            .where(col(Delivery.dedupe_key) == "test:about-them:failed")
            .values(status=DeliveryStatus.FAILED)
        )

    await forget(harness, LEARNER)

    assert await traces(harness, LEARNER) == []
    [kept] = await briefs(harness)
    assert kept.startswith("Before your meeting with **forgotten**")
    assert "\n- Last session they chose: “forgotten” (" in kept
    assert "\n  - #" in kept and "quokkafiddle" not in kept, "their question's line stays, without its text"
    assert "Tip for this meeting" in kept, "the rest of the brief stays"
    async with harness.services.db.transaction() as session:
        query = select_rows(Delivery).where(col(Delivery.dedupe_key).startswith("test:about-them:"))
        waiting = list(await session.exec(query))
    assert sorted(row.status for row in waiting) == [DeliveryStatus.FAILED, DeliveryStatus.PENDING]
    for row in waiting:
        assert row.payload is not None and "“forgotten”" in row.payload[0]["markdown"]


async def test_forget_me_takes_them_out_of_calendar_files_waiting_in_json(harness: Harness) -> None:
    """Failure: the calendar file of a pair's meetings names both sides in its title and description, in
    base64 where no text search sees it. After the learner was forgotten, a message to the mentor that
    carried it (sent by someone else, still waiting in the ledger) and the copy kept with the mentor's
    download link (Teams) still named them. Such files are decoded, the names replaced as elsewhere, and
    encoded again: still the same event for the calendar (uid, times, rule), so it still updates it."""
    said = await a_pair_that_meets(harness)
    [ics] = [r for r in notifications(said, MENTOR.key) if isinstance(r, File)]
    assert LEARNER.name in ics.content.decode()
    now = harness.clock.now
    async with harness.services.db.transaction() as session:
        admin = await people.get_person(session, key=ADMIN.key)
        mentor = await people.get_person(session, key=MENTOR.key)
        assert admin is not None and mentor is not None
        later = Notify(MENTOR.key, (Message("Your meetings, for your calendar"), ics), at=now + WEEK)
        await outbox.post(session, sender=admin, replies=[later], lang="en", now=now)
        await downloads.issue_link(
            session,
            person_id=mentor.id or 0,
            token="a-token",
            export="",
            now=now,
            expires_at=now + WEEK,
            file=downloads.StoredFile(ics.name, ics.mime, ics.content),
        )

    await forget(harness, LEARNER)

    assert await traces(harness, LEARNER) == []
    files: list[bytes] = []
    async with harness.services.db.transaction() as session:
        for row in await session.exec(
            select_rows(Delivery).where(col(Delivery.status) == DeliveryStatus.PENDING)
        ):
            files += [base64.b64decode(p["content"]) for p in row.payload or [] if p.get("type") == "file"]
        link = await downloads.find_link(session, token="a-token", now=now)
    assert link.file is not None
    files.append(link.file.content)
    assert len(files) == 2
    before = Calendar.from_ical(ics.content)
    for content in files:
        after = Calendar.from_ical(content)
        [old], [new] = before.walk("VEVENT"), after.walk("VEVENT")
        assert str(new["SUMMARY"]) == f"Tandem: {MENTOR.name} & forgotten"
        for name in ("UID", "DTSTART", "DTEND", "DTSTAMP", "SEQUENCE", "RRULE"):
            assert new[name].to_ical() == old[name].to_ical(), name


# --- logs -----------------------------------------------------------------------------------------------------


@pytest.fixture
def debug_logs(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Logging exactly as `tandem` sets it up with TANDEM_LOG_LEVEL=DEBUG, and caplog's handler on the
    root logger catching every record at DEBUG; the test session's logging is put back afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    levels = {name: logging.getLogger(name).level for name in (*TANDEM_LOGGERS, *LIBRARY_FLOORS)}
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("TANDEM_LOG_LEVEL", "DEBUG")
    root.handlers.clear()  # configure_logging replaces (and closes) the root's handlers: not pytest's
    configure_logging(load_settings(), quiet=True)
    added = root.handlers[:]
    root.handlers[:] = handlers
    try:
        yield
    finally:
        for handler in added:
            handler.close()
        root.setLevel(level)
        for name, saved in levels.items():
            logging.getLogger(name).setLevel(saved)


def test_debug_logging_keeps_libraries_that_log_bodies_at_info(debug_logs: None) -> None:
    """Failure: TANDEM_LOG_LEVEL=DEBUG turned on the Slack, Teams, HTTP and database libraries' DEBUG
    logs, which hold whole request and response bodies (names, messages); SQLAlchemy's INFO holds every
    statement's parameters. Only Tandem's own loggers go to DEBUG."""
    for package in TANDEM_LOGGERS:
        assert logging.getLogger(f"{package}.module").isEnabledFor(logging.DEBUG), package
    for library in ("slack_bolt", "slack_sdk", "microsoft_agents", "aiohttp", "urllib3", "msal", "asyncio"):
        assert not logging.getLogger(f"{library}.client").isEnabledFor(logging.DEBUG), library
    assert not logging.getLogger("some_other_library").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)


async def command(slack: SlackTester, user: str, text: str) -> str:
    name = f"cmd-{user}-{slack.trigger()}"
    await slack.command(user, text, name=name)
    await slack.until(lambda: bool(slack.responses(name)))
    return slack.responses(name)[-1]


async def dm(slack: SlackTester, user: str, text: str, expected: str) -> None:
    """A direct message to the bot, and its answer."""
    await slack.dm(user, text)
    await slack.until(lambda: any(expected in said for said in slack.dm_texts(user)))


async def test_debug_logs_name_nobody_and_quote_nothing(
    debug_logs: None, slack_by_hand: SlackTester, caplog: pytest.LogCaptureFixture
) -> None:
    """Failure: with TANDEM_LOG_LEVEL=DEBUG, a Slack conversation (a learner's profile looked up, her
    question forwarded to her mentor) wrote her name and her question's words to the logs, through the
    request and response bodies slack_sdk and slack_bolt log at DEBUG. Tandem's own DEBUG records name
    people by id only."""
    slack = slack_by_hand
    slack.fake.add_user("UZOE", name="zoe", real_name=LEARNER.name, display_name=LEARNER.name, locale="en-GB")
    await dm(slack, "UZOE", "help", "help")
    await command(slack, "UADMIN", "cohort create pilot track first-steps start 2026-01-05")
    await command(slack, "UADMIN", "enroll pilot <@UZOE|zoe>")
    await command(slack, "UADMIN", "pair <@UMIA|mia> <@UZOE|zoe>")
    await slack.deliver()
    await dm(slack, "UZOE", "mentor How do I hide my quokkafiddle profile?", "passing it on")
    await slack.deliver()
    await slack.until(lambda: any("quokkafiddle" in text for text in slack.dm_texts("UMIA")))
    assert any(LEARNER.name in text for text in slack.dm_texts("UMIA")), "her name went through Slack"
    logging.getLogger("bot.probe").debug("Person %s is here", 1)
    assert [r.getMessage() for r in caplog.records if r.name == "bot.probe"] == ["Person 1 is here"]

    forbidden = [LEARNER.name, json.dumps(LEARNER.name)[1:-1], "Quillfeather", "quokkafiddle"]
    leaks = [
        f"{r.name}: {r.getMessage()[:200]}"
        for r in caplog.records
        if any(w in r.getMessage() for w in forbidden)
    ]
    assert leaks == []


# --- what a people import stored ------------------------------------------------------------------------------


async def import_people(harness: Harness, csv: str) -> None:
    """A people import by the admin, applied at once (bot/core/people_import.py)."""
    from bot.core import people_import

    async with harness.services.db.transaction() as session:
        admin = await people.get_person(session, key=ADMIN.key)
    assert admin is not None
    staged = await people_import.stage(harness.services, importer=admin, data=csv.encode())
    assert staged.problems == [] and staged.pending_id is not None
    done = await people_import.confirm(harness.services, importer=admin, pending_id=staged.pending_id)
    assert done.applied is not None


async def test_forget_me_erases_what_an_import_said_and_leaves_reports_without_a_manager(
    harness: Harness,
) -> None:
    """Failure: forgetting a manager deleted the people who report to them, or left them pointing at a
    row that is gone. Their rows stay, with no manager (ON DELETE SET NULL); the manager's email,
    department and role go with their row."""
    await say(harness, ADMIN, "help")
    await say(harness, MENTOR, "help")
    await import_people(
        harness,
        "id,email,name,department,manager,role\n"
        f"{MENTOR.user},mikael@example.com,{MENTOR.name},Marmaladewind Unit,,mentor\n"
        f"{LEARNER.user},zoe@example.com,{LEARNER.name},Sales,{MENTOR.user},learner\n",
    )
    async with harness.services.db.transaction() as session:
        zoe = await people.get_person(session, key=LEARNER.key)
        mikael = await people.get_person(session, key=MENTOR.key)
    assert zoe is not None and mikael is not None and zoe.manager_id == mikael.id
    await forget(harness, MENTOR)
    async with harness.services.db.transaction() as session:
        zoe = await people.get_person(session, key=LEARNER.key)
        assert await people.get_person(session, key=MENTOR.key) is None
        from storage.people_import import people_by_emails

        assert await people_by_emails(session, emails=["mikael@example.com"], prefix="console:") == {}
    assert zoe is not None and zoe.manager_id is None and zoe.department == "Sales"
    assert await traces(harness, MENTOR) == []
