"""A person's own data: the rows `my-data` hands over beyond the usual readers, and `forget-me`'s erasure.

Erasure goes further than deleting the person's row (and, by ON DELETE CASCADE, every row tied to it):

- what they sent that has not gone out is withdrawn, and the ledger keeps no text of what they sent;
- the console inbox copies of their messages, kept in other people's inboxes, are deleted;
- answers they wrote to other people's questions lose their text (the questions keep their status);
- the learned examples made of their questions' words (storage.examples: no link to them, found by text)
  are deleted;
- their audit entries keep action, outcome and time, but lose who did it and the free text they typed;
- the people a people import says they managed keep their own rows, without a manager (the foreign key's
  ON DELETE SET NULL);
- the workshops they host go, with their seats, answers, checks and commitments (ON DELETE CASCADE), and
  the invitations and reminders still waiting for them are withdrawn; the workshops they only planned
  stay, with no planner (ON DELETE SET NULL);
- the pairs they were in stay as the other side's history, without them (ON DELETE SET NULL): the
  meetings, and the notes and commitments the other side wrote, stay; their own notes, goals and
  commitments go (ON DELETE CASCADE), and so do the match proposals that name them;
- every JSON value of every table (audit arguments by others, messages waiting in the ledger, inbox
  messages, slow work's arguments) that names them by key, platform id or name names "forgotten" instead;
  a value that names them (a message about them, such as their mentor's brief) also loses what they wrote
  and it quotes (their questions, commitments, notes: `Identity.texts`);
- the files that wait in JSON (an .ics attached to a message in the ledger or an inbox, or kept with a
  download link: base64 that no text search sees) are decoded, rid of them the same way, and encoded
  again, by the caller's readers (`FileScrub`: storage cannot read a calendar).

It all runs in the caller's transaction, before the person's row goes (the links from their messages
to them go with it): nothing is erased unless all of it is.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import JSON, Column, Table, Text, cast, delete, or_, update
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import activity, deliveries, examples, keys, workshops
from storage.enums import UPCOMING_WORKSHOPS
from storage.models import (
    AuditLog,
    Cohort,
    Commitment,
    ConfidenceRating,
    CustomTip,
    Delivery,
    DeliveryBatch,
    Enrollment,
    InboxMessage,
    MatchProposal,
    Meeting,
    MeetingNote,
    Mentorship,
    Pairing,
    PendingAction,
    Person,
    PersonGoal,
    Question,
    ReviewAnswer,
    ReviewCard,
    Rhythm,
    Workshop,
    WorkshopAnswer,
    WorkshopCheck,
    WorkshopSeat,
)
from storage.sql import LIKE_ESCAPE, escape_like

MARKER = "forgotten"
"""What stands where a forgotten person was named."""
TYPED_TEXT = {AuditLog.__tablename__: activity.FREE_TEXT_ARGS}
"""Where JSON holds text people typed: table -> the keys of the top-level object that hold it."""
QUOTE_HEAD = 20
"""A quote of someone's text cut short (its beginning, then `…`) is recognised from this many of its
first characters on: messages cut quotes at 60 characters or more."""
ELLIPSIS = "…"

FileScrub = Callable[[bytes, Callable[[str], str]], bytes]
"""Rewrites one kind of file that waits in JSON (by MIME type): given its bytes and the function that
takes the person out of one text, the bytes with every text in the file passed through it."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Everything that names one person in stored data.

    `names` holds their display name in each form messages may carry it (as typed, and neutralised for
    Markdown by the caller: storage knows no Markdown). Their platform id (the key's last part) counts
    where it is an identifier: in a mention (`@alice`, `<@U123>`, `<@U123|alice>`). `texts` holds what
    they wrote (`texts_of`) in each form a message may quote it, whole (a quote cut short is recognised
    by its beginning and `…`).
    """

    person_id: int
    key: str
    names: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()

    @property
    def local_id(self) -> str:
        return keys.local_id(self.key)


# --- export: its shape, and the rows the usual readers leave out ------------------------------------------

_ROW_ID = "an internal row number that means nothing outside the database"
_LINK = "an internal number linking two records"
_SENDING = "bookkeeping of how Tandem sent a message (retries, duplicate checks, which process sent it)"
_RUNNING = "bookkeeping of how Tandem runs a live workshop (its next timer, its count of changes)"
_ROOM = "the technical address of the channel or chat it was posted in"
_WORKSHOP = "shown as the workshop's title"
_PAIR = "shown as the names of the pair"

LEFT_OUT: dict[str, dict[str, str]] = {
    "person": {
        "id": _ROW_ID,
        "conversation": "the technical address Teams gives to reach the person",
        "manager_id": "shown as the manager's name",
    },
    "enrollment": {"id": _ROW_ID, "person_id": _LINK, "cohort_id": "shown as the cohort's name and track"},
    "mentorship": {"id": _ROW_ID, "mentor_id": "shown as a name", "mentee_id": "shown as a name"},
    "delivery": {
        "id": _ROW_ID,
        "dedupe_key": _SENDING,
        "person_id": _LINK,
        "enrollment_id": _LINK,
        "step": _SENDING,
        "tip_id": _LINK,
        "batch_id": _LINK,
        "priority": _SENDING,
        "claimed_at": _SENDING,
        "claimed_by": _SENDING,
        "attempts": _SENDING,
        "uncertain": _SENDING,
        "payload": "shown as the message's text and button labels (buttons' internal values left out)",
        "room": _ROOM,
    },
    "deliverybatch": {"id": _ROW_ID, "sender_id": _LINK, "report": _SENDING},
    "job": {
        "id": _ROW_ID,
        "requester_id": _LINK,
        "claimed_by": _SENDING,
        "claimed_at": _SENDING,
        "attempts": _SENDING,
    },
    "customtip": {
        "id": _ROW_ID,
        "author_id": "shown as a name",
        "target_person_id": "shown as a name",
        "target_cohort_id": "shown as the cohort's name",
    },
    "question": {
        "person_id": "shown as a name",
        "mentor_id": "shown as a name",
        "grouped_in": _SENDING,
    },
    "feedback": {"id": _ROW_ID, "person_id": _LINK},
    "auditlog": {"id": _ROW_ID},
    "inboxmessage": {
        "id": _ROW_ID,
        "person_id": _LINK,
        "dedupe_key": _SENDING,
        "payload": "shown as the message's text and button labels (buttons' internal values left out)",
    },
    "pendingaction": {
        "id": _ROW_ID,
        "person_id": _LINK,
        "data": "what the confirmation or link needs to work (a download link keeps only a hash of itself)",
    },
    "usage": {"id": _ROW_ID, "person_id": _LINK},
    "learnedexample": {"id": _ROW_ID},
    "reviewcard": {"id": _ROW_ID, "person_id": _LINK},
    "reviewanswer": {"id": _ROW_ID, "person_id": _LINK},
    "confidencerating": {"id": _ROW_ID, "person_id": _LINK, "enrollment_id": "shown as the cohort's name"},
    "workshop": {
        "host_id": "shown as a name",
        "planned_by_id": "shown as a name",
        "cohort_id": "shown as the cohort's name",
        "timer_at": _RUNNING,
        "timer_kind": _RUNNING,
        "version": _RUNNING,
        "room": _ROOM,
    },
    "workshop_seat": {"id": _ROW_ID, "workshop_id": _WORKSHOP, "person_id": _LINK},
    "workshop_answer": {"id": _ROW_ID, "workshop_id": _WORKSHOP, "person_id": _LINK},
    "workshop_check": {"id": _ROW_ID, "workshop_id": _WORKSHOP, "person_id": _LINK},
    "commitment": {
        "id": _ROW_ID,
        "person_id": _LINK,
        "workshop_id": _WORKSHOP,
        "meeting_id": "shown as the meeting's date",
    },
    "pairing": {"id": _ROW_ID, "mentor_id": "shown as a name", "mentee_id": "shown as a name"},
    "match_proposal": {
        "id": _ROW_ID,
        "cohort_id": "shown as the cohort's name",
        "learner_id": "shown as a name",
        "mentor_id": "shown as a name",
        "proposed_by_id": "shown as a name",
    },
    "rhythm": {"id": _ROW_ID, "pairing_id": _PAIR, "set_by_id": "shown as a name"},
    "meeting": {"id": _ROW_ID, "pairing_id": _PAIR, "answered_by_id": "shown as a name"},
    "meeting_note": {
        "id": _ROW_ID,
        "meeting_id": "shown as the meeting's date",
        "author_id": "shown as a name",
    },
    "person_goal": {"id": _ROW_ID, "person_id": _LINK},
}
"""What `my-data` leaves out of each table's rows, and why: internal numbers, delivery bookkeeping and
technical addresses, which mean nothing to a person (names, cohorts and message texts stand in for the
ones that do). Every other column is exported as stored; tests/security checks it, table by table."""


def exported_fields(row: SQLModel) -> dict[str, Any]:
    """A row as `my-data` shows it: every column but the ones `LEFT_OUT` names for its table."""
    left_out = LEFT_OUT.get(str(getattr(row, "__tablename__", "")), {})
    return {name: value for name, value in row.model_dump().items() if name not in left_out}


async def mentorships_of(session: AsyncSession, *, person_id: int) -> list[Mentorship]:
    """The mentorships a person is in, as mentor or as mentee."""
    query = select(Mentorship).where(
        or_(col(Mentorship.mentor_id) == person_id, col(Mentorship.mentee_id) == person_id)
    )
    return list(await session.exec(query.order_by(col(Mentorship.id))))


async def questions_to(session: AsyncSession, *, mentor_id: int) -> list[Question]:
    """The questions forwarded to a mentor, with their answers."""
    query = select(Question).where(col(Question.mentor_id) == mentor_id).order_by(col(Question.id))
    return list(await session.exec(query))


async def tips_for(session: AsyncSession, *, person_id: int) -> list[CustomTip]:
    """The tips written for one person (not for a cohort)."""
    query = select(CustomTip).where(col(CustomTip.target_person_id) == person_id).order_by(col(CustomTip.id))
    return list(await session.exec(query))


async def pending_of(session: AsyncSession, *, person_id: int) -> list[PendingAction]:
    """The confirmations the bot waits for from a person."""
    query = select(PendingAction).where(col(PendingAction.person_id) == person_id)
    return list(await session.exec(query.order_by(col(PendingAction.id))))


async def review_cards_of(session: AsyncSession, *, person_id: int) -> list[ReviewCard]:
    """A person's review schedule: one card per lesson, with when it comes back and whether it stuck."""
    query = select(ReviewCard).where(col(ReviewCard.person_id) == person_id)
    return list(await session.exec(query.order_by(col(ReviewCard.id))))


async def review_answers_of(session: AsyncSession, *, person_id: int) -> list[ReviewAnswer]:
    """Every answer a person gave to a quiz or a review, oldest first."""
    query = select(ReviewAnswer).where(col(ReviewAnswer.person_id) == person_id)
    return list(await session.exec(query.order_by(col(ReviewAnswer.answered_at), col(ReviewAnswer.id))))


async def confidence_of(session: AsyncSession, *, person_id: int) -> list[tuple[ConfidenceRating, str]]:
    """A person's confidence ratings, each with the name of the cohort whose track it was about."""
    query = (
        select(ConfidenceRating, Cohort.name)
        .join(Enrollment, col(Enrollment.id) == col(ConfidenceRating.enrollment_id))
        .join(Cohort, col(Cohort.id) == col(Enrollment.cohort_id))
        .where(col(ConfidenceRating.person_id) == person_id)
        .order_by(col(ConfidenceRating.id))
    )
    return [(rating, name) for rating, name in await session.exec(query)]


async def reports_of(session: AsyncSession, *, manager_id: int) -> list[Person]:
    """The people whose manager (from a people import) this person is: `my-data` names them, and
    forget-me leaves them without a manager (the foreign key's ON DELETE SET NULL)."""
    query = select(Person).where(col(Person.manager_id) == manager_id).order_by(col(Person.id))
    return list(await session.exec(query))


async def pairings_of(session: AsyncSession, *, person_id: int) -> list[Pairing]:
    """Every pair a person has been in, as mentor or mentee, oldest first."""
    query = select(Pairing).where(
        or_(col(Pairing.mentor_id) == person_id, col(Pairing.mentee_id) == person_id)
    )
    return list(await session.exec(query.order_by(col(Pairing.started_at), col(Pairing.id))))


async def proposals_naming(session: AsyncSession, *, person_id: int) -> list[MatchProposal]:
    """The `match suggest` lines that name a person, as learner, mentor or the admin who asked."""
    query = select(MatchProposal).where(
        or_(
            col(MatchProposal.learner_id) == person_id,
            col(MatchProposal.mentor_id) == person_id,
            col(MatchProposal.proposed_by_id) == person_id,
        )
    )
    return list(await session.exec(query.order_by(col(MatchProposal.id))))


async def pair_history(
    session: AsyncSession, *, pairing_ids: Sequence[int]
) -> tuple[list[Rhythm], list[Meeting], list[MeetingNote]]:
    """The rhythms, meetings and notes (both sides') of these pairs: the pair's history, which is each
    side's own."""
    if not pairing_ids:
        return [], [], []
    rhythms = await session.exec(
        select(Rhythm).where(col(Rhythm.pairing_id).in_(pairing_ids)).order_by(col(Rhythm.id))
    )
    meetings = list(
        await session.exec(
            select(Meeting)
            .where(col(Meeting.pairing_id).in_(pairing_ids))
            .order_by(col(Meeting.planned_at), col(Meeting.id))
        )
    )
    notes = await session.exec(
        select(MeetingNote)
        .where(col(MeetingNote.meeting_id).in_([m.id for m in meetings]))
        .order_by(col(MeetingNote.id))
    )
    return list(rhythms), meetings, list(notes)


async def goals_of(session: AsyncSession, *, person_id: int) -> list[PersonGoal]:
    """The goals a learner chose."""
    query = select(PersonGoal).where(col(PersonGoal.person_id) == person_id).order_by(col(PersonGoal.id))
    return list(await session.exec(query))


async def workshops_led_by(session: AsyncSession, *, person_id: int) -> list[Workshop]:
    """The workshops a person hosts or planned, by start time."""
    query = select(Workshop).where(
        or_(col(Workshop.host_id) == person_id, col(Workshop.planned_by_id) == person_id)
    )
    return list(await session.exec(query.order_by(col(Workshop.starts_at), col(Workshop.id))))


_InWorkshop = TypeVar("_InWorkshop", WorkshopSeat, WorkshopAnswer, WorkshopCheck, Commitment)


async def workshop_rows_of(
    session: AsyncSession, *, model: type[_InWorkshop], person_id: int
) -> list[tuple[_InWorkshop, str | None]]:
    """A person's rows of a table tied to workshops (their seats, answers, checks or commitments), each
    with the title of its workshop (None for a commitment made outside one)."""
    query = (
        select(model, Workshop.title)
        .outerjoin(Workshop, col(Workshop.id) == col(model.workshop_id))
        .where(col(model.person_id) == person_id)
        .order_by(col(model.id))
    )
    return [(row, title) for row, title in await session.exec(query)]


async def texts_of(session: AsyncSession, *, person_id: int) -> list[str]:
    """What a person wrote that messages to other people may quote: their questions, the commitments
    they made and the notes they wrote about their meetings."""
    queries = (
        select(Question.text).where(col(Question.person_id) == person_id),
        select(Commitment.text).where(col(Commitment.person_id) == person_id),
        select(MeetingNote.text).where(col(MeetingNote.author_id) == person_id),
    )
    found: list[str] = []
    for query in queries:
        found += [text for text in await session.exec(query) if text]
    return found


async def audit_naming(session: AsyncSession, *, identity: Identity) -> list[AuditLog]:
    """Audit entries by other people whose arguments name this person (a pairing, a push to them)."""
    scrubber = _Scrubber(identity)
    query = select(AuditLog).where(
        col(AuditLog.actor_key) != identity.key,
        _may_name(col(AuditLog.args), identity),
    )
    rows = await session.exec(query.order_by(col(AuditLog.id)))
    typed = TYPED_TEXT[AuditLog.__tablename__]
    return [row for row in rows if scrubber.scrub(row.args, typed=typed) != row.args]


# --- erasure -----------------------------------------------------------------------------------------------


async def erase(
    session: AsyncSession, *, identity: Identity, files: Mapping[str, FileScrub] | None = None
) -> bool:
    """Forget a person: everything the module docstring lists, then their row and every row tied to it;
    `files` reads the files that wait in JSON, by MIME type (`scrub_json`). False when there was no such
    person (then only references to them were scrubbed)."""
    person_id = identity.person_id
    await deliveries.drop_unsent_from(session, sender_id=person_id)
    await drop_copies_sent_by(session, sender_id=person_id)
    await clear_texts_sent_by(session, sender_id=person_id)
    await clear_answers_by(session, mentor_id=person_id)
    await examples.forget_examples_from(session, person_id=person_id)  # found by their questions' words
    await withdraw_workshops_of(session, host_id=person_id)
    await activity.forget_actor(session, actor_key=identity.key, marker=MARKER)
    await scrub_json(session, identity=identity, files=files)
    return await activity.erase_person(session, person_id=person_id)


def _batches_of(sender_id: int) -> Any:
    return select(DeliveryBatch.id).where(col(DeliveryBatch.sender_id) == sender_id)


async def withdraw_workshops_of(session: AsyncSession, *, host_id: int) -> int:
    """The invitations and reminders still waiting for the workshops a person hosts, withdrawn: those
    workshops go with the person. Returns how many were."""
    query = select(Workshop.id).where(
        col(Workshop.host_id) == host_id, col(Workshop.status).in_(UPCOMING_WORKSHOPS)
    )
    withdrawn = 0
    for workshop_id in list(await session.exec(query)):
        if workshop_id is not None:
            withdrawn += await workshops.delete_waiting(session, workshop_id=workshop_id)
    return withdrawn


async def drop_copies_sent_by(session: AsyncSession, *, sender_id: int) -> int:
    """Delete the console inbox copies of the messages a person sent (each copy carries its ledger key);
    returns how many."""
    sent = select(Delivery.dedupe_key).where(col(Delivery.batch_id).in_(_batches_of(sender_id)))
    result = await session.exec(delete(InboxMessage).where(col(InboxMessage.dedupe_key).in_(sent)))
    return int(result.rowcount or 0)


async def clear_texts_sent_by(session: AsyncSession, *, sender_id: int) -> None:
    """Ledger rows of a person's messages keep that they were sent (or not), never what they said: the
    ones that expired, failed or are being sent lose their payload too, as sent ones already did."""
    await session.exec(
        update(Delivery)
        .where(col(Delivery.batch_id).in_(_batches_of(sender_id)), col(Delivery.payload).is_not(None))
        .values(payload=None)
        .execution_options(synchronize_session=False)
    )


async def clear_answers_by(session: AsyncSession, *, mentor_id: int) -> None:
    """A mentor's answers lose their text; the learner's question stays, with its status."""
    await session.exec(
        update(Question)
        .where(col(Question.mentor_id) == mentor_id, col(Question.answer).is_not(None))
        .values(answer=None)
        .execution_options(synchronize_session=False)
    )


async def scrub_json(
    session: AsyncSession, *, identity: Identity, files: Mapping[str, FileScrub] | None = None
) -> int:
    """Every JSON value of every table that names the person names "forgotten" instead (a dictionary
    entry keyed by them goes: a waiting enrollment no longer enrolls them), and loses the texts they
    wrote that it quotes. The files in JSON whose MIME type `files` knows (base64 under `content`, beside
    `mime`) are decoded, scrubbed by that reader and encoded again. Tables come from the metadata, so a
    table added later is scrubbed too. Returns how many rows changed."""
    scrubber = _Scrubber(identity, files)
    changed = 0
    for table, column in json_columns():
        changed += await _scrub_column(session, table, column, identity, scrubber)
    return changed


def json_columns() -> list[tuple[Table, Column[Any]]]:
    """Every JSON column of every table, with its table."""
    return [
        (table, column)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, JSON)
    ]


async def _scrub_column(
    session: AsyncSession, table: Table, column: Column[Any], identity: Identity, scrubber: _Scrubber
) -> int:
    key = _primary_key(table)
    query = select(key, column).where(_may_name(column, identity, also=scrubber.files))
    changed = 0
    for key_value, value in (await session.exec(query)).all():
        scrubbed = scrubber.scrub(value, typed=TYPED_TEXT.get(table.name, ()))
        if scrubbed == value:
            continue
        await session.exec(update(table).where(key == key_value).values({column.name: scrubbed}))
        changed += 1
    return changed


def _primary_key(table: Table) -> Column[Any]:
    """The table's one primary-key column (every table has one; a table with a composite key would need
    this scrub to learn about it)."""
    [key] = list(table.primary_key.columns)
    return key


def _may_name(column: Any, identity: Identity, *, also: Iterable[str] = ()) -> Any:
    """Rows whose JSON text may name the person: a cheap, generous filter (the scrubber decides). JSON
    keeps non-ASCII characters as they are or as `\\u` escapes, so both forms are looked for. `also`:
    more words that select a row (the MIME types of files, whose base64 no search can read)."""
    text = cast(column, Text)
    needles = {form for word in [*_words(identity), *also] for form in _json_forms(word)}
    return or_(*(text.ilike(f"%{escape_like(needle)}%", escape=LIKE_ESCAPE) for needle in sorted(needles)))


def _words(identity: Identity) -> list[str]:
    return [word for word in (identity.key, identity.local_id, *identity.names) if word]


def _json_forms(word: str) -> set[str]:
    return {json.dumps(word)[1:-1], json.dumps(word, ensure_ascii=False)[1:-1]}


class _Scrubber:
    """Replaces whatever names one person in a JSON value.

    Anywhere: their key, mentions of their platform id (`@alice`, `<@U123>`, `<@U123|alice>`) and their
    name where Tandem writes it (in bold, as `mention` does); an object's entry keyed by their key goes.
    In text people typed (`TYPED_TEXT`), also their name wherever it stands as words. Bare words elsewhere
    are left alone, so that someone called "Me" or "Lesson" does not rewrite every message.

    In a value that names them (a message about them), the texts they wrote (`Identity.texts`) go too,
    whole or cut short, wherever they stand. A file (an object with `mime` and base64 `content`) whose
    type `files` knows is read by it: names there stand as words (a calendar's title, its organizer).
    """

    def __init__(self, identity: Identity, files: Mapping[str, FileScrub] | None = None) -> None:
        local = re.escape(identity.local_id)
        names = sorted(set(identity.names) - {""}, key=len, reverse=True)
        self.key = identity.key.casefold()
        anywhere = [
            rf"(?<![\w.:-]){re.escape(identity.key)}(?![\w-]|\.\w)",
            rf"<@{local}(?:\|[^>]*)?>",
            rf"(?<![\w@])@{local}(?![\w-]|\.\w)",
            *(rf"\*\*{re.escape(name)}\*\*" for name in names),
        ]
        typed = [rf"(?<![\w.-]){re.escape(name)}(?![\w-]|\.\w)" for name in names]
        self.anywhere = re.compile("|".join(anywhere), re.IGNORECASE)
        self.typed = re.compile("|".join(typed), re.IGNORECASE) if typed else None
        self.texts = sorted({text for text in identity.texts if text.strip()}, key=len, reverse=True)
        self.files = {mime.casefold(): scrub for mime, scrub in (files or {}).items()}

    def scrub(self, value: Any, *, typed: Iterable[str] = ()) -> Any:
        """`value` (one stored JSON value) with the person replaced; `typed` names the object keys whose
        values people typed. Their texts go too when the value names them."""
        quotes = bool(self.texts) and self._names_them(value)
        return self._walk(value, typed=frozenset(typed), in_typed=False, quotes=quotes)

    def _walk(self, value: Any, *, typed: frozenset[str], in_typed: bool, quotes: bool) -> Any:
        if isinstance(value, str):
            return self.text(value, typed=in_typed, quotes=quotes)
        if isinstance(value, list):
            return [self._walk(item, typed=frozenset(), in_typed=in_typed, quotes=quotes) for item in value]
        if isinstance(value, dict):
            file = _is_file(value)  # its base64 is for `_file` to read, never a text to scrub
            walked = {
                self.text(k): self._walk(v, typed=frozenset(), in_typed=in_typed or k in typed, quotes=quotes)
                for k, v in value.items()
                if k.casefold() != self.key and not (file and k == "content")
            }
            return self._file(walked, str(value["content"]), quotes=quotes) if file else walked
        return value

    def text(self, text: str, *, typed: bool = False, quotes: bool = False) -> str:
        if quotes:
            text = self._unquote(text)
        text = self.anywhere.sub(lambda m: f"**{MARKER}**" if m.group().startswith("**") else MARKER, text)
        return self.typed.sub(MARKER, text) if typed and self.typed else text

    def _names_them(self, value: Any) -> bool:
        """Whether the value names the person anywhere (their key, a mention, their name in bold)."""
        if isinstance(value, str):
            return self.anywhere.search(value) is not None
        if isinstance(value, list):
            return any(self._names_them(item) for item in value)
        if isinstance(value, dict):
            return any(
                k.casefold() == self.key or self._names_them(k) or self._names_them(v)
                for k, v in value.items()
            )
        return False

    def _unquote(self, text: str) -> str:
        """`text` without the person's texts: each whole (not inside a longer word), or its beginning (at
        least QUOTE_HEAD characters) followed by `…`, as a message quotes a long one."""
        for quoted in self.texts:
            text = _without(text, quoted)
        return text

    def _file(self, value: dict[str, Any], content: str, *, quotes: bool) -> dict[str, Any]:
        """A file waiting in JSON (`value` without its `content`), read by the scrub its MIME type has;
        its content as it was when none has one, or it is no base64."""
        scrub = self.files.get(str(value["mime"]).split(";", 1)[0].strip().casefold())
        if scrub is None:
            return {**value, "content": content}
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            return {**value, "content": content}
        scrubbed = scrub(data, lambda text: self.text(text, typed=True, quotes=quotes))
        if scrubbed != data:
            content = base64.b64encode(scrubbed).decode("ascii")
        return {**value, "content": content}


def _is_file(value: dict[str, Any]) -> bool:
    """A file waiting in JSON: its `mime`, and its bytes in base64 under `content` (a message's
    attachment, bot/core/serialize.py; a file kept with a download link, storage/downloads.py)."""
    return isinstance(value.get("mime"), str) and isinstance(value.get("content"), str)


def _without(text: str, quoted: str) -> str:
    """`text` with every quote of `quoted` (whole, or cut short with `…`) replaced by the marker."""
    head = quoted[:QUOTE_HEAD]
    parts: list[str] = []
    start = 0
    at = text.find(head)
    while at != -1:
        end = _quote_end(text, at, quoted)
        if end is None:
            at = text.find(head, at + 1)
            continue
        parts += [text[start:at], MARKER]
        start = end
        at = text.find(head, end)
    return "".join([*parts, text[start:]])


def _quote_end(text: str, at: int, quoted: str) -> int | None:
    """Where the quote of `quoted` that starts at `at` ends (after its `…` when cut short); None when
    what stands there is not one (part of a longer word, or another text with the same beginning)."""
    if _in_word(quoted[0]) and at > 0 and _in_word(text[at - 1]):
        return None
    same = 0
    limit = min(len(quoted), len(text) - at)
    while same < limit and text[at + same] == quoted[same]:
        same += 1
    end = at + same
    if same == len(quoted):
        if _in_word(quoted[-1]) and end < len(text) and _in_word(text[end]):
            return None
        return end
    if same >= min(QUOTE_HEAD, len(quoted)) and text[end : end + 1] == ELLIPSIS:
        return end + 1
    return None


def _in_word(char: str) -> bool:
    """A character that makes a word go on (as the name patterns see it: letters, digits, `_`, `-`)."""
    return char.isalnum() or char in "_-"
