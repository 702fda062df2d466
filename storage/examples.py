"""Repository functions for the bot that learns from its mentors: learned examples and new-topic marks.

A learned example is a question's words linked to the lesson that should have answered it, by the mentor
who answered it or by an admin. It keeps no link to the question or to its author, so that it survives
as lesson material; `my-data` and `forget-me` still find it, by the author's question texts.

Admins name questions by a short reference (`questions` lists them) rather than by number: a number is
the mentor's `reply` handle, and the list is meant to show gaps in the lessons, not who asked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import delete, func, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import QuestionStatus
from storage.models import Enrollment, LearnedExample, Question

REF_PREFIX = "q"
REF_HEX = 6


def question_ref(question_id: int) -> str:
    """A question's short reference for admins (`q3fa9c1`): stable, typed easily, and not its number."""
    digest = hashlib.blake2s(f"tandem-question:{question_id}".encode(), digest_size=REF_HEX // 2)
    return f"{REF_PREFIX}{digest.hexdigest()}"


async def question_by_ref(session: AsyncSession, *, ref: str) -> Question | None:
    """The question (never a declined one) whose reference is `ref`, or None; None too when two share it."""
    ref = ref.strip().lower().lstrip("#")
    if len(ref) != len(REF_PREFIX) + REF_HEX or not ref.startswith(REF_PREFIX):
        return None
    ids = await session.exec(select(Question.id).where(Question.status != QuestionStatus.DECLINED))
    found = [
        question_id for question_id in ids if question_id is not None and question_ref(question_id) == ref
    ]
    if len(found) != 1:
        return None
    return await session.get(Question, found[0])


async def add_example(
    session: AsyncSession, *, lesson_id: str, lang: str, text: str, now: dt.datetime
) -> LearnedExample:
    """Store a learned example (the same words for the same lesson only once) and return it."""
    query = select(LearnedExample).where(
        LearnedExample.lesson_id == lesson_id, LearnedExample.lang == lang, LearnedExample.text == text
    )
    existing = (await session.exec(query)).first()
    if existing is not None:
        return existing
    example = LearnedExample(lesson_id=lesson_id, lang=lang, text=text, created_at=now)
    session.add(example)
    await session.flush()
    return example


async def all_examples(session: AsyncSession) -> list[LearnedExample]:
    """Every learned example, oldest first: what the answer engine learns at start-up and on reload."""
    return list(await session.exec(select(LearnedExample).order_by(col(LearnedExample.id))))


async def link_question(
    session: AsyncSession, *, question: Question, lesson_id: str, now: dt.datetime
) -> LearnedExample:
    """The question's words become an example of `lesson_id`; the question now points at that lesson and
    no longer asks for a new topic. Declined questions are refused by the caller, never linked."""
    question.lesson_id = lesson_id
    question.new_topic_at = None
    session.add(question)
    return await add_example(session, lesson_id=lesson_id, lang=question.lang, text=question.text, now=now)


async def mark_new_topic(session: AsyncSession, *, question: Question, now: dt.datetime) -> None:
    """No lesson answers the question: `report` lists it among the new topics needed (without names)."""
    question.new_topic_at = now
    session.add(question)


async def new_topic_questions(session: AsyncSession, *, cohort_id: int | None = None) -> list[Question]:
    """Questions marked as needing a new topic, oldest first, never declined ones; from one cohort's
    learners when `cohort_id` is given."""
    query = select(Question).where(
        col(Question.new_topic_at).is_not(None), Question.status != QuestionStatus.DECLINED
    )
    if cohort_id is not None:
        members = select(Enrollment.person_id).where(Enrollment.cohort_id == cohort_id)
        query = query.where(col(Question.person_id).in_(members))
    return list(await session.exec(query.order_by(col(Question.created_at), col(Question.id))))


def _authored_by(person_id: int) -> Any:
    """The (lang, text) pairs of a person's questions: how their learned examples are found."""
    return select(Question.lang, Question.text).where(Question.person_id == person_id)


async def examples_from(session: AsyncSession, *, person_id: int) -> list[LearnedExample]:
    """The learned examples made of a person's questions' words (for `my-data`)."""
    query = select(LearnedExample).where(
        tuple_(col(LearnedExample.lang), col(LearnedExample.text)).in_(_authored_by(person_id))
    )
    return list(await session.exec(query.order_by(col(LearnedExample.id))))


async def forget_examples_from(session: AsyncSession, *, person_id: int) -> int:
    """Delete the learned examples made of a person's questions' words (for `forget-me`, before their
    questions go); returns how many."""
    statement = delete(LearnedExample).where(
        tuple_(col(LearnedExample.lang), col(LearnedExample.text)).in_(_authored_by(person_id))
    )
    result = await session.exec(statement)
    return int(result.rowcount or 0)


async def examples_mark(session: AsyncSession) -> tuple[int, int]:
    """(how many learned examples, the highest id): changes whenever one is added or deleted, so that a
    replica can tell cheaply that another one learned or forgot something."""
    statement = select(func.count(), func.coalesce(func.max(LearnedExample.id), 0))
    count, highest = (await session.exec(statement)).one()
    return int(count), int(highest or 0)


async def learned_triples(session: AsyncSession) -> tuple[tuple[str, str, str], ...]:
    """Every learned example as (lesson id, language, question), oldest first: what engines learn."""
    return tuple((x.lesson_id, x.lang, x.text) for x in await all_examples(session))
