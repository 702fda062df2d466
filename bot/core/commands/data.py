"""A person's own data: `my-data` hands over everything stored about them, `forget-me` erases it."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from sqlmodel import SQLModel

from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.replies import Attachment, Button, Reply, Text
from bot.i18n import register
from storage import activity, cohorts, deliveries, jobs, people

logger = logging.getLogger(__name__)

register(
    {
        "mydata.usage": {"en": "my-data", "fr": "my-data"},
        "mydata.help": {
            "en": "download everything I store about you",
            "fr": "télécharger tout ce que je conserve sur vous",
        },
        "forget.usage": {"en": "forget-me", "fr": "forget-me"},
        "forget.help": {
            "en": "delete everything I store about you",
            "fr": "effacer tout ce que je conserve sur vous",
        },
        "mydata.note": {
            "en": "Here is everything Tandem stores about you, in the attached file `{filename}`:\n"
            "- your profile and settings\n- cohorts: {enrollments}\n- tips and messages received: {deliveries}\n"
            "- questions: {questions}\n- feedback and quiz answers: {feedback}\n- tips you wrote: {tips}\n"
            "- your actions in the audit log: {audit}\n- messages kept for you: {inbox}\n"
            "- messages you sent to others: {sent}\n- slow work you started: {jobs}\n\n"
            "To delete all of it, type `forget-me`.",
            "fr": "Voici tout ce que Tandem conserve sur vous, dans le fichier joint `{filename}` :\n"
            "- votre profil et vos réglages\n- cohortes : {enrollments}\n- conseils et messages reçus : {deliveries}\n"
            "- questions : {questions}\n- avis et réponses aux quiz : {feedback}\n"
            "- conseils que vous avez écrits : {tips}\n- vos actions dans le journal d’audit : {audit}\n"
            "- messages conservés pour vous : {inbox}\n"
            "- messages que vous avez envoyés à d’autres : {sent}\n- travaux longs que vous avez lancés : {jobs}\n\n"
            "Pour tout effacer, tapez `forget-me`.",
        },
        "forget.ask": {
            "en": "This deletes everything Tandem stores about you: your settings, cohorts, tips received, "
            "questions, feedback, the tips you wrote and your mentor pairings. It cannot be undone. "
            "Are you sure?",
            "fr": "Cela efface tout ce que Tandem conserve sur vous : vos réglages, vos cohortes, "
            "les conseils reçus, vos questions, vos avis, les conseils que vous avez écrits "
            "et vos binômes de mentorat. "
            "C’est définitif. Voulez-vous vraiment continuer ?",
        },
        "forget.button.confirm": {"en": "Yes, delete everything", "fr": "Oui, tout effacer"},
        "forget.button.cancel": {"en": "No, keep my data", "fr": "Non, garder mes données"},
        "forget.expired": {
            "en": "This confirmation has expired, so nothing was deleted. Type `forget-me` again "
            "if you still want me to forget you.",
            "fr": "Cette confirmation a expiré : rien n’a été effacé. Tapez à nouveau `forget-me` si vous "
            "souhaitez toujours que je vous oublie.",
        },
        "forget.done": {
            "en": "Done: everything Tandem stored about you has been deleted. Thank you for taking part, "
            "and goodbye! If you write to me again, we will start afresh.",
            "fr": "C’est fait : tout ce que Tandem conservait sur vous a été effacé. "
            "Merci d’avoir participé, et au revoir ! Si vous m’écrivez à nouveau, nous repartirons de zéro.",
        },
        "forget.cancelled": {
            "en": "Nothing was deleted. Your data stays as it was.",
            "fr": "Rien n’a été effacé. Vos données restent telles quelles.",
        },
    }
)

FILENAME = "tandem-my-data.json"
CONFIRM_FOR = dt.timedelta(minutes=10)


def _row(model: SQLModel, **extra: Any) -> dict[str, Any]:
    return {**model.model_dump(), **extra}


def _json_value(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


async def collect(ctx: Context) -> dict[str, Any]:
    """Every row about the person, as plain data: the same scope `forget-me` erases."""
    session, person = ctx.session, ctx.person
    person_id = person.id or 0
    enrolled = await cohorts.enrollments_of(session, person_id=person_id)
    mentor = await people.mentor_of(session, mentee_id=person_id)
    mentees = await people.mentees_of(session, mentor_id=person_id)
    questions = await activity.questions_of(session, person_id=person_id)
    answerers = await people.people_by_ids(session, ids=[q.mentor_id for q in questions if q.mentor_id])
    return {
        "exported_at": ctx.now(),
        "person": _row(person),
        "enrollments": [_row(e, cohort=c.name, track=c.track_id) for e, c in enrolled],
        "mentorships": {
            "mentor": mentor.display_name if mentor else None,
            "mentees": [p.display_name for p in mentees],
        },
        "deliveries": [_row(d) for d in await deliveries.deliveries_of(session, person_id=person_id)],
        "questions": [
            _row(q, answered_by=answerers[q.mentor_id].display_name if q.mentor_id in answerers else None)
            for q in questions
        ],
        "feedback": [_row(f) for f in await activity.feedback_of(session, person_id=person_id)],
        "custom_tips": [_row(tip) for tip in await activity.tips_by_author(session, author_id=person_id)],
        "audit": [_row(a) for a in await activity.audit_entries(session, actor_key=person.key)],
        "inbox": [_row(m) for m in await activity.inbox_of(session, person_id=person_id)],
        "messages_sent": [_row(b) for b in await deliveries.batches_sent_by(session, person_id=person_id)],
        "jobs": [_row(j) for j in await jobs.jobs_of(session, person_id=person_id)],
    }


async def handle_my_data(ctx: Context, args: str) -> list[Reply]:
    """Everything stored about the person, as a JSON file they can keep, with a short summary."""
    data = await collect(ctx)
    content = json.dumps(data, indent=2, ensure_ascii=False, default=_json_value)
    note = ctx.t(
        "mydata.note",
        filename=FILENAME,
        enrollments=len(data["enrollments"]),
        deliveries=len(data["deliveries"]),
        questions=len(data["questions"]),
        feedback=len(data["feedback"]),
        tips=len(data["custom_tips"]),
        audit=len(data["audit"]),
        inbox=len(data["inbox"]),
        sent=len(data["messages_sent"]),
        jobs=len(data["jobs"]),
    )
    return [Attachment(FILENAME, content, note)]


async def handle_forget_me(ctx: Context, args: str) -> list[Reply]:
    """Ask before erasing anything: two buttons, and a confirmation that lives ten minutes."""
    await activity.set_pending(
        ctx.session, person_id=ctx.person.id or 0, kind="forget", data={}, expires_at=ctx.now() + CONFIRM_FOR
    )
    buttons = (
        Button(ctx.t("forget.button.confirm"), "forget.confirm", style="danger"),
        Button(ctx.t("forget.button.cancel"), "forget.cancel"),
    )
    return [Text(ctx.t("forget.ask"), buttons, private=True)]


async def handle_forget_confirm(ctx: Context, value: str) -> list[Reply]:
    """Erase the person (the database cascades to every row tied to them) and anonymise their audit trail."""
    pending = await activity.take_pending(
        ctx.session, person_id=ctx.person.id or 0, kind="forget", now=ctx.now()
    )
    if pending is None:
        raise UserError("forget.expired")
    goodbye = ctx.t("forget.done")
    await deliveries.drop_unsent_from(ctx.session, sender_id=ctx.person.id or 0)
    await activity.forget_actor(ctx.session, actor_key=ctx.person.key)
    await activity.erase_person(ctx.session, person_id=ctx.person.id or 0)
    logger.info("Person %s asked to be forgotten; their data was deleted", ctx.person.id)
    return [Text(goodbye, private=True)]


async def handle_forget_cancel(ctx: Context, value: str) -> list[Reply]:
    """Drop the pending confirmation; nothing is deleted."""
    await activity.take_pending(ctx.session, person_id=ctx.person.id or 0, kind="forget", now=ctx.now())
    return [Text(ctx.t("forget.cancelled"), private=True)]
