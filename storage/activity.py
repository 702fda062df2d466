"""Repository functions for what happens in conversations: tips, questions, feedback, audit, inbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import rollups
from storage.enums import WAITING_QUESTIONS, AuditOutcome, FeedbackKind, PendingKind, QuestionStatus
from storage.models import (
    AuditLog,
    CustomTip,
    CustomTipCreate,
    Feedback,
    InboxMessage,
    PendingAction,
    Person,
    Question,
    QuestionCreate,
    SeenEvent,
)
from storage.sql import dialect_name, insert_of, table_of
from storage.types import utcnow

# --- custom tips ------------------------------------------------------------------------------------------


async def create_tip(session: AsyncSession, *, data: CustomTipCreate) -> CustomTip:
    tip = CustomTip.model_validate(data)
    session.add(tip)
    await session.flush()
    return tip


async def tips_by_ids(session: AsyncSession, *, ids: Sequence[int]) -> dict[int, CustomTip]:
    """Custom tips by id, in one query (the dispatcher composes many at once)."""
    if not ids:
        return {}
    rows = await session.exec(select(CustomTip).where(col(CustomTip.id).in_(list(ids))))
    return {tip.id: tip for tip in rows if tip.id is not None}


# --- questions --------------------------------------------------------------------------------------------


async def create_question(
    session: AsyncSession, *, data: QuestionCreate, now: dt.datetime | None = None
) -> Question:
    question = Question.model_validate(data)
    if now is not None:
        question.created_at = now
    session.add(question)
    await session.flush()
    return question


async def add_question(session: AsyncSession, *, data: QuestionCreate, now: dt.datetime | None = None) -> int:
    """Record a question and return its id, for a caller that needs no Question object: one INSERT …
    RETURNING, without building and flushing an ORM instance (every free-text question comes here)."""
    values = {**data.model_dump(), "created_at": now or utcnow()}
    return int((await session.exec(_ADD_QUESTION, params=values)).one()[0])


_QUESTION = table_of(Question)
_ADD_QUESTION = insert(_QUESTION).returning(_QUESTION.c.id)
"""A Core insert, built once: the ORM's bulk-insert path for an entity costs more than the insert."""


async def get_question(session: AsyncSession, *, question_id: int) -> Question | None:
    return await session.get(Question, question_id)


async def open_questions(session: AsyncSession, *, person_ids: list[int] | None = None) -> list[Question]:
    """Questions still waiting for an answer (open or forwarded), oldest first: never declined ones."""
    query = select(Question).where(col(Question.status).in_(WAITING_QUESTIONS))
    if person_ids is not None:
        query = query.where(col(Question.person_id).in_(person_ids))
    return list(await session.exec(query.order_by(col(Question.created_at))))


async def questions_sent_to(
    session: AsyncSession, *, mentor_id: int, person_ids: list[int]
) -> list[Question]:
    """The questions these learners chose to send to this mentor that still wait for the mentor's answer,
    oldest first. Questions the learner kept (open) or declined never reach a mentor."""
    query = select(Question).where(
        Question.status == QuestionStatus.FORWARDED,
        col(Question.mentor_id) == mentor_id,
        col(Question.person_id).in_(person_ids),
    )
    return list(await session.exec(query.order_by(col(Question.created_at), col(Question.id))))


async def declined_topics(
    session: AsyncSession, *, members: Any | None = None
) -> list[tuple[str | None, int]]:
    """Questions learners declined to send to their mentor, as (closest lesson id, count), most frequent
    first: a declined question's text is never read out, only counted. `members`, a subquery of person
    ids, narrows it to them (a cohort)."""
    query = select(Question.lesson_id, func.count()).where(Question.status == QuestionStatus.DECLINED)
    if members is not None:
        query = query.where(col(Question.person_id).in_(members))
    query = query.group_by(col(Question.lesson_id)).order_by(
        func.count().desc(), col(Question.lesson_id).is_(None), col(Question.lesson_id)
    )
    return [(lesson_id, int(count)) for lesson_id, count in await session.exec(query)]


async def grouped_in(session: AsyncSession, *, key: str) -> list[Question]:
    """The questions one grouped message carries that still wait for an answer, oldest first."""
    query = select(Question).where(Question.grouped_in == key, Question.status == QuestionStatus.FORWARDED)
    return list(await session.exec(query.order_by(col(Question.id))))


async def questions_of(session: AsyncSession, *, person_id: int) -> list[Question]:
    query = select(Question).where(Question.person_id == person_id).order_by(col(Question.created_at))
    return list(await session.exec(query))


async def count_questions_of(session: AsyncSession, *, person_id: int) -> int:
    """How many questions the person has asked, whatever became of them."""
    query = select(func.count()).select_from(Question).where(Question.person_id == person_id)
    return int((await session.exec(query)).one())


# --- feedback ---------------------------------------------------------------------------------------------


async def add_feedback(
    session: AsyncSession, *, person_id: int, lesson_id: str, kind: FeedbackKind, correct: bool | None = None
) -> Feedback:
    """Record a lesson's feedback; the dashboard's rollup counts the pair's first of each kind."""
    feedback = Feedback(person_id=person_id, lesson_id=lesson_id, kind=kind, correct=correct)
    session.add(feedback)
    await session.flush()
    await rollups.feedback_added(session, feedback=feedback)
    return feedback


async def feedback_of(session: AsyncSession, *, person_id: int) -> list[Feedback]:
    query = select(Feedback).where(Feedback.person_id == person_id).order_by(col(Feedback.created_at))
    return list(await session.exec(query))


# --- audit ------------------------------------------------------------------------------------------------


FREE_TEXT_ARGS = ("text",)
"""The audit arguments that hold what a person typed; all others are identifiers, names of things
(cohorts, tracks), counts and times."""


async def audit(
    session: AsyncSession, *, actor_key: str, action: str, args: dict[str, Any], outcome: AuditOutcome
) -> None:
    """Record an admin or mentor action, or a refusal. `args` names people by key only (never by display
    name), and keeps free text under `text` (FREE_TEXT_ARGS), so that forgetting someone can find both."""
    session.add(AuditLog(actor_key=actor_key, action=action, args=args, outcome=outcome))
    await session.flush()


async def audit_entries(session: AsyncSession, *, actor_key: str | None = None) -> list[AuditLog]:
    query = select(AuditLog)
    if actor_key is not None:
        query = query.where(AuditLog.actor_key == actor_key)
    return list(await session.exec(query.order_by(col(AuditLog.id))))


async def forget_actor(session: AsyncSession, *, actor_key: str, marker: str = "forgotten") -> None:
    """Keep the audit trail of a person who asked to be forgotten (action, outcome, time) but drop who did
    it and the free text they typed. Other people's entries that name them: `storage.privacy`."""
    query = select(AuditLog.id, AuditLog.args).where(
        AuditLog.actor_key == actor_key, _has_free_text(AuditLog.args)
    )
    for entry_id, args in (await session.exec(query)).all():
        kept = {name: value for name, value in args.items() if name not in FREE_TEXT_ARGS}
        await session.exec(update(AuditLog).where(col(AuditLog.id) == entry_id).values(args=kept))
    await session.exec(update(AuditLog).where(col(AuditLog.actor_key) == actor_key).values(actor_key=marker))


def _has_free_text(args: Any) -> Any:
    """Entries whose arguments may hold free text: a generous filter on the JSON text."""
    text = cast(args, Text)
    return or_(*(text.like(f'%"{name}"%') for name in FREE_TEXT_ARGS))


# --- console inbox and pending confirmations --------------------------------------------------------------


async def push_inbox(
    session: AsyncSession,
    *,
    person_id: int,
    payload: dict[str, Any],
    dedupe_key: str | None = None,
    shown_at: dt.datetime | None = None,
) -> None:
    session.add(InboxMessage(person_id=person_id, payload=payload, dedupe_key=dedupe_key, shown_at=shown_at))
    await session.flush()


async def inbox_has(session: AsyncSession, *, person_id: int, dedupe_key: str) -> bool:
    query = select(InboxMessage.id).where(
        InboxMessage.person_id == person_id, InboxMessage.dedupe_key == dedupe_key
    )
    return (await session.exec(query)).first() is not None


async def take_inbox(session: AsyncSession, *, person_id: int, now: dt.datetime) -> list[InboxMessage]:
    query = (
        select(InboxMessage)
        .where(InboxMessage.person_id == person_id, col(InboxMessage.shown_at).is_(None))
        .order_by(col(InboxMessage.id))
    )
    messages = list(await session.exec(query))
    for message in messages:
        message.shown_at = now
        session.add(message)
    await session.flush()
    return messages


async def set_pending(
    session: AsyncSession, *, person_id: int, kind: PendingKind, data: dict[str, Any], expires_at: dt.datetime
) -> PendingAction:
    await session.exec(
        delete(PendingAction).where(
            col(PendingAction.person_id) == person_id, col(PendingAction.kind) == kind
        )
    )
    pending = PendingAction(person_id=person_id, kind=kind, data=data, expires_at=expires_at)
    session.add(pending)
    await session.flush()
    return pending


async def take_pending(
    session: AsyncSession, *, person_id: int, kind: PendingKind, now: dt.datetime
) -> PendingAction | None:
    """The person's live pending action of that kind, removed; None when missing or expired."""
    query = select(PendingAction).where(PendingAction.person_id == person_id, PendingAction.kind == kind)
    pending = (await session.exec(query)).first()
    if pending is None:
        return None
    await session.delete(pending)
    await session.flush()
    return pending if pending.expires_at > now else None


async def set_prompt(
    session: AsyncSession,
    *,
    person_id: int,
    kind: PendingKind,
    data: dict[str, Any],
    expires_at: dt.datetime,
    replaces: Sequence[PendingKind],
) -> PendingAction:
    """Store the person's one live prompt: their rows of the `replaces` kinds go first."""
    await session.exec(
        delete(PendingAction).where(
            col(PendingAction.person_id) == person_id, col(PendingAction.kind).in_(list(replaces))
        )
    )
    pending = PendingAction(person_id=person_id, kind=kind, data=data, expires_at=expires_at)
    session.add(pending)
    await session.flush()
    return pending


async def live_prompts(
    session: AsyncSession, *, person_id: int, kinds: Sequence[PendingKind], now: dt.datetime
) -> list[PendingAction]:
    """The person's unexpired rows of these kinds, newest first; their expired ones are deleted (only
    then is anything written)."""
    query = select(PendingAction).where(
        col(PendingAction.person_id) == person_id, col(PendingAction.kind).in_(list(kinds))
    )
    rows = list(await session.exec(query.order_by(col(PendingAction.id).desc())))
    await drop_pending(session, ids=[row.id for row in rows if row.expires_at <= now and row.id is not None])
    return [row for row in rows if row.expires_at > now]


async def drop_pending(session: AsyncSession, *, ids: Sequence[int]) -> None:
    """Delete these pending rows (those already gone are skipped)."""
    if ids:
        await session.exec(delete(PendingAction).where(col(PendingAction.id).in_(list(ids))))
        await session.flush()


async def drop_expired_pending(
    session: AsyncSession, *, kinds: Sequence[PendingKind], now: dt.datetime
) -> None:
    """Delete everyone's expired pending rows of these kinds."""
    await session.exec(
        delete(PendingAction).where(
            col(PendingAction.kind).in_(list(kinds)), col(PendingAction.expires_at) <= now
        )
    )


# --- a person's own data: export and erasure --------------------------------------------------------------


async def tips_by_author(session: AsyncSession, *, author_id: int) -> list[CustomTip]:
    """The custom tips a person wrote, oldest first."""
    query = select(CustomTip).where(CustomTip.author_id == author_id).order_by(col(CustomTip.created_at))
    return list(await session.exec(query))


async def erase_person(session: AsyncSession, *, person_id: int) -> bool:
    """Delete a person's row; the schema's ON DELETE CASCADE removes every row tied to them.

    Questions they answered as a mentor and the batches of messages they sent lose the link to them
    (ON DELETE SET NULL). `storage.privacy.erase` runs first, for what the schema cannot reach.
    """
    result = await session.exec(delete(Person).where(col(Person.id) == person_id))
    return bool(result.rowcount)


async def inbox_of(session: AsyncSession, *, person_id: int) -> list[InboxMessage]:
    """Every console inbox message of a person, shown or not, without marking anything as shown."""
    query = select(InboxMessage).where(InboxMessage.person_id == person_id).order_by(col(InboxMessage.id))
    return list(await session.exec(query))


# --- platform event de-duplication -------------------------------------------------------------------------


async def first_sighting(session: AsyncSession, *, event_id: str) -> bool:
    """True the first time an event id is seen; False for a retry. The primary key decides, so it holds
    across replicas: `INSERT … ON CONFLICT DO NOTHING` writes nothing for a known id (on PostgreSQL it
    waits for a transaction inserting the same id to end) and leaves the transaction usable."""
    statement = _SEEN[dialect_name(session)]
    return (
        await session.exec(statement, params={"event_id": event_id, "received_at": utcnow()})
    ).first() is not None


_SEEN_EVENT = table_of(SeenEvent)
_SEEN = {
    dialect: insert_of(dialect)(_SEEN_EVENT)
    .on_conflict_do_nothing(index_elements=["event_id"])
    .returning(_SEEN_EVENT.c.event_id)
    for dialect in ("sqlite", "postgresql")
}
"""Built once per dialect (their ON CONFLICT is spelled alike, but each dialect has its own insert)."""


async def seen(session: AsyncSession, *, event_id: str) -> bool:
    """Whether a delivery with this id was handled already (nothing is recorded)."""
    return (
        await session.exec(select(SeenEvent.event_id).where(SeenEvent.event_id == event_id))
    ).first() is not None


async def forget_seen_events(session: AsyncSession, *, before: dt.datetime) -> None:
    await session.exec(delete(SeenEvent).where(col(SeenEvent.received_at) < before))
