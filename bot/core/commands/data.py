"""A person's own data: `my-data` hands over everything stored about them, `forget-me` erases it."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from sqlmodel import SQLModel

from bot.core import calendar, dialogue
from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.replies import Button, File, Reply, Text
from bot.core.text import clean, escape_unsafe, neutralize, quoted_forms
from bot.i18n import register
from storage import activity, cohorts, deliveries, examples, jobs, keys, people, privacy, usage
from storage.enums import PendingKind
from storage.models import Commitment, CustomTip, Person, WorkshopAnswer, WorkshopCheck, WorkshopSeat

logger = logging.getLogger(__name__)

register(
    {
        "mydata.usage": {"en": "my-data", "fr": "mes-données"},
        "mydata.help": {
            "en": "download everything I store about you",
            "fr": "télécharger tout ce que je conserve sur vous",
        },
        "forget.usage": {"en": "forget-me", "fr": "oubliez-moi"},
        "forget.help": {
            "en": "delete everything I store about you",
            "fr": "effacer tout ce que je conserve sur vous",
        },
        "mydata.note": {
            "en": "Here is everything Tandem stores about you, in the file `{filename}`:\n"
            "- your profile and settings (with what a people import said: email, department, manager, "
            "role)\n- cohorts: {enrollments}\n- mentorships: {mentorships}\n"
            "- tips and messages received: {deliveries}\n"
            "- questions: {questions}\n- questions from your mentees: {mentee_questions}\n"
            "- feedback and quiz answers: {feedback}\n- tips you wrote: {custom_tips}\n"
            "- tips written for you: {tips_for_you}\n"
            "- your actions in the audit log: {audit}\n- audit entries that name you: {audit_about_you}\n"
            "- messages kept for you: {inbox}\n"
            "- messages you sent to others: {messages_sent}\n- slow work you started: {jobs}\n"
            "- confirmations I am waiting for: {pending}\n"
            "- recent questions and tips counted for the rate limit: {usage}\n"
            "- lessons in your review schedule: {review_schedule}\n"
            "- your answers to quizzes and reviews: {answers}\n"
            "- how confident you felt, at the start and end of a track: {confidence}\n"
            "- people a people import says report to you: {people_you_manage}\n"
            "- workshops you host or planned: {workshops}\n"
            "- workshops you were invited to or joined: {workshop_seats}\n"
            "- your answers to workshops' quizzes: {workshop_answers}\n"
            "- your presses on workshops' hands-on checklists: {workshop_checks}\n"
            "- your commitments and how they went: {commitments}\n"
            "- the mentor pairs you have been in: {pairings}\n"
            "- your pairs' meeting rhythm: {meeting_rhythms}\n- your pairs' meetings: {meetings}\n"
            "- the notes about those meetings (yours and your partner's): {meeting_notes}\n"
            "- the goals you chose: {goals}\n- matching proposals that name you: {match_proposals}\n\n"
            "To delete all of it, type `forget-me`.",
            "fr": "Voici tout ce que Tandem conserve sur vous, dans le fichier `{filename}`\u202f:\n"
            "- votre profil et vos réglages (avec ce qu’un import de personnes a indiqué : e-mail, "
            "service, manager, rôle)\n- cohortes : {enrollments}\n- binômes de mentorat : {mentorships}\n"
            "- conseils et messages reçus : {deliveries}\n"
            "- questions : {questions}\n- questions de vos mentorés : {mentee_questions}\n"
            "- avis et réponses aux quiz : {feedback}\n"
            "- conseils que vous avez écrits : {custom_tips}\n- conseils écrits pour vous : {tips_for_you}\n"
            "- vos actions dans le journal d’audit : {audit}\n"
            "- entrées du journal d’audit qui vous nomment : {audit_about_you}\n"
            "- messages conservés pour vous : {inbox}\n"
            "- messages que vous avez envoyés à d’autres : {messages_sent}\n- travaux longs que vous avez lancés : {jobs}\n"
            "- confirmations que j’attends de vous : {pending}\n"
            "- questions et conseils récents comptés pour la limite de débit : {usage}\n"
            "- leçons dans votre programme de révision : {review_schedule}\n"
            "- vos réponses aux quiz et aux révisions : {answers}\n"
            "- votre confiance, au début et à la fin d’un parcours : {confidence}\n"
            "- personnes qui, selon un import, sont sous votre responsabilité : {people_you_manage}\n"
            "- ateliers que vous animez ou avez planifiés : {workshops}\n"
            "- vos invitations aux ateliers et les ateliers que vous avez rejoints : {workshop_seats}\n"
            "- vos réponses aux quiz des ateliers : {workshop_answers}\n"
            "- vos coches sur les exercices pratiques des ateliers : {workshop_checks}\n"
            "- vos engagements et leurs suites : {commitments}\n"
            "- les binômes de mentorat dont vous avez fait partie : {pairings}\n"
            "- le rythme de rencontre de vos binômes : {meeting_rhythms}\n"
            "- les rencontres de vos binômes : {meetings}\n"
            "- les notes sur ces rencontres (les vôtres et celles de votre binôme) : {meeting_notes}\n"
            "- les objectifs que vous avez choisis : {goals}\n"
            "- les propositions d’appariement qui vous nomment : {match_proposals}\n\n"
            "Pour tout effacer, tapez `oubliez-moi`.",
        },
        "mydata.caption": {
            "en": "Your data, as of {date} (JSON, readable in any text editor).",
            "fr": "Vos données au {date} (JSON, lisible dans tout éditeur de texte).",
        },
        "mydata.about": {
            "en": "Everything Tandem stores about you. Left out: internal numbers that link records "
            "together (names and cohorts are shown instead), the bookkeeping of how messages were sent "
            "(retries, duplicate checks, which server sent them), the technical address Teams uses to "
            "reach you, the timers of a live workshop, and the internal values behind buttons (their "
            "labels are shown).",
            "fr": "Tout ce que Tandem conserve sur vous. Sont omis\u202f: les numéros internes qui relient "
            "les données entre elles (les noms et les cohortes sont indiqués à la place), le suivi de "
            "l’envoi des messages (nouvelles tentatives, contrôle des doublons, serveur qui les a envoyés), "
            "l’adresse technique que Teams utilise pour vous joindre, les minuteurs d’un atelier en direct "
            "et les valeurs internes des boutons (leurs libellés sont indiqués).",
        },
        "forget.ask": {
            "en": "This deletes everything Tandem stores about you: your settings, cohorts, tips received, "
            "questions, feedback, quiz and review answers, the tips you wrote, your mentor pairings, "
            "the workshops you host and your commitments. "
            "It cannot be undone. Are you sure?",
            "fr": "Cela efface tout ce que Tandem conserve sur vous : vos réglages, vos cohortes, "
            "les conseils reçus, vos questions, vos avis, vos réponses aux quiz et aux révisions, "
            "les conseils que vous avez écrits, vos binômes de mentorat, les ateliers que vous animez "
            "et vos engagements. "
            "C’est définitif. Voulez-vous vraiment continuer ?",
        },
        "forget.button.confirm": {"en": "Yes, delete everything", "fr": "Oui, tout effacer"},
        "forget.button.cancel": {"en": "No, keep my data", "fr": "Non, garder mes données"},
        "forget.expired": {
            "en": "This confirmation has expired, so nothing was deleted. Type `forget-me` again "
            "if you still want me to forget you.",
            "fr": "Cette confirmation a expiré : rien n’a été effacé. Tapez à nouveau `oubliez-moi` si vous "
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

FILE_PREFIX = "tandem-my-data"
MIME = "application/json"
EXPORT = "my-data"
"""The name under which the export is registered for download links (bot/downloads.py)."""
CONFIRM_FOR = dt.timedelta(minutes=10)
COUNTED = (
    "enrollments",
    "mentorships",
    "deliveries",
    "questions",
    "mentee_questions",
    "feedback",
    "custom_tips",
    "tips_for_you",
    "audit",
    "audit_about_you",
    "inbox",
    "messages_sent",
    "jobs",
    "pending",
    "usage",
    "review_schedule",
    "answers",
    "confidence",
    "people_you_manage",
    "workshops",
    "workshop_seats",
    "workshop_answers",
    "workshop_checks",
    "commitments",
    "pairings",
    "meeting_rhythms",
    "meetings",
    "meeting_notes",
    "goals",
    "match_proposals",
)
"""The sections of the export that are lists of rows, counted in the note."""
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _row(model: SQLModel, **extra: Any) -> dict[str, Any]:
    """A row as the person reads it: its columns but the internal ones (`privacy.LEFT_OUT`), plus names."""
    return {**privacy.exported_fields(model), **extra}


def _json_value(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def _message(payload: Any) -> dict[str, Any]:
    """A stored message (a reply as JSON, bot/core/serialize.py) as its reader saw it: its text, the
    lesson it carried, its buttons' labels; never the buttons' internal actions and values."""
    if not isinstance(payload, dict):
        return {}
    shown: dict[str, Any] = {
        "text": payload.get("markdown") or payload.get("intro") or "",
        "lesson": payload.get("id") if payload.get("type") in ("lesson", "quiz") else None,
        "buttons": [b.get("label") for b in payload.get("buttons") or [] if isinstance(b, dict)],
    }
    return {key: value for key, value in shown.items() if value}


def _identity(person: Person) -> privacy.Identity:
    """How stored data may name this person: their key, and their name as typed and as messages show it
    (`mention` neutralises it, truncated to 80 characters)."""
    name = person.display_name or ""
    forms = {name, name.strip(), clean(name, 200), neutralize(name, 80), neutralize(name, 200)}
    return privacy.Identity(
        person_id=person.id or 0, key=person.key, names=tuple(sorted(f for f in forms if f))
    )


FILES: dict[str, privacy.FileScrub] = {calendar.MIME: calendar.rewrite_texts}
"""The files forget-me reads where they wait (attached to messages, kept with download links): the
.ics invitations and meetings, which name people."""


async def _forgotten(ctx: Context) -> privacy.Identity:
    """The person as forget-me looks for them: as `_identity`, and what they wrote (questions,
    commitments, notes) in each form messages to others quote it (a mentor's brief quotes them)."""
    written = await privacy.texts_of(ctx.session, person_id=ctx.person.id or 0)
    forms = {form for text in written for form in quoted_forms(text)}
    return dataclasses.replace(_identity(ctx.person), texts=tuple(sorted(forms)))


async def _namer(ctx: Context, ids: set[int]) -> Callable[[int | None], str | None]:
    """The display names of the people the export mentions, looked up once."""
    found = await people.people_by_ids(ctx.session, ids=sorted(ids - {0}))
    return lambda pid: found[pid].display_name if pid in found else None


async def _cohort_names(ctx: Context, ids: set[int]) -> dict[int, str]:
    """The names of the cohorts tips were written for."""
    names: dict[int, str] = {}
    for cohort_id in sorted(ids - {0}):
        cohort = await cohorts.get_cohort_by_id(ctx.session, cohort_id=cohort_id)
        if cohort is not None:
            names[cohort_id] = cohort.name
    return names


async def collect(ctx: Context) -> dict[str, Any]:
    """Every row about the person, as they can read it: each row of every table tied to them (by a
    foreign key to their person row) and the audit entries that name them, the same scope `forget-me`
    erases. Internal fields are left out (`privacy.LEFT_OUT` says which and why; `about` says so in the
    person's language), and the people, cohorts and messages they point to are shown by name and text."""
    session, person = ctx.session, ctx.person
    person_id = person.id or 0
    manager = (
        await people.get_person_by_id(session, person_id=person.manager_id) if person.manager_id else None
    )
    enrolled = await cohorts.enrollments_of(session, person_id=person_id)
    mentorships = await privacy.mentorships_of(session, person_id=person_id)
    questions = await activity.questions_of(session, person_id=person_id)
    mentee_questions = await privacy.questions_to(session, mentor_id=person_id)
    tips_for_you = await privacy.tips_for(session, person_id=person_id)
    custom_tips = await activity.tips_by_author(session, author_id=person_id)
    name = await _namer(
        ctx,
        {m.mentor_id for m in mentorships}
        | {m.mentee_id for m in mentorships}
        | {q.mentor_id or 0 for q in questions}
        | {q.person_id for q in mentee_questions}
        | {tip.author_id for tip in tips_for_you}
        | {tip.target_person_id or 0 for tip in custom_tips},
    )
    cohort = await _cohort_names(ctx, {tip.target_cohort_id or 0 for tip in [*custom_tips, *tips_for_you]})

    def tip(row: CustomTip) -> dict[str, Any]:
        return _row(
            row,
            author=name(row.author_id),
            for_person=name(row.target_person_id),
            for_cohort=cohort.get(row.target_cohort_id or 0),
        )

    return {
        "about": ctx.t("mydata.about"),
        "exported_at": ctx.now(),
        "person": _row(person, manager=manager.display_name if manager else None),
        "enrollments": [_row(e, cohort=c.name, track=c.track_id) for e, c in enrolled],
        "mentorships": [_row(m, mentor=name(m.mentor_id), mentee=name(m.mentee_id)) for m in mentorships],
        "deliveries": [
            _row(d, message=[_message(p) for p in d.payload or []])
            for d in await deliveries.deliveries_of(session, person_id=person_id)
        ],
        "questions": [_row(q, answered_by=name(q.mentor_id)) for q in questions],
        "mentee_questions": [_row(q, asked_by=name(q.person_id)) for q in mentee_questions],
        "feedback": [_row(f) for f in await activity.feedback_of(session, person_id=person_id)],
        "custom_tips": [tip(row) for row in custom_tips],
        "tips_for_you": [tip(row) for row in tips_for_you],
        "audit": [_row(a) for a in await activity.audit_entries(session, actor_key=person.key)],
        "audit_about_you": [_row(a) for a in await privacy.audit_naming(session, identity=_identity(person))],
        "inbox": [
            _row(m, message=_message(m.payload))
            for m in await activity.inbox_of(session, person_id=person_id)
        ],
        "messages_sent": [_row(b) for b in await deliveries.batches_sent_by(session, person_id=person_id)],
        "jobs": [_row(j) for j in await jobs.jobs_of(session, person_id=person_id)],
        "pending": [
            _row(p, waiting_for=dialogue.describe(p, ctx.lang))
            for p in await privacy.pending_of(session, person_id=person_id)
        ],
        "usage": [_row(u) for u in await usage.uses_of(session, person_id=person_id)],
        "learned_examples": [_row(x) for x in await examples.examples_from(session, person_id=person_id)],
        "review_schedule": [_row(c) for c in await privacy.review_cards_of(session, person_id=person_id)],
        "answers": [_row(a) for a in await privacy.review_answers_of(session, person_id=person_id)],
        "confidence": [
            _row(r, cohort=name) for r, name in await privacy.confidence_of(session, person_id=person_id)
        ],
        "people_you_manage": [
            {"name": report.display_name}
            for report in await privacy.reports_of(session, manager_id=person_id)
        ],
        **await _workshop_sections(ctx),
        **await _relationship_sections(ctx),
    }


async def _workshop_sections(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """The workshops the person hosts or planned (with the host's, the planner's and the cohort's
    names), their seats, quiz answers and hands-on checks in workshops, and their commitments, each with
    its workshop's title."""
    session, person_id = ctx.session, ctx.person.id or 0
    led = await privacy.workshops_led_by(session, person_id=person_id)
    name = await _namer(ctx, {w.host_id for w in led} | {w.planned_by_id or 0 for w in led})
    cohort = await _cohort_names(ctx, {w.cohort_id or 0 for w in led})

    async def titled(model: type[Any]) -> list[dict[str, Any]]:
        rows = await privacy.workshop_rows_of(session, model=model, person_id=person_id)
        return [_row(row, workshop=title) for row, title in rows]

    return {
        "workshops": [
            _row(
                w, host=name(w.host_id), planned_by=name(w.planned_by_id), cohort=cohort.get(w.cohort_id or 0)
            )
            for w in led
        ],
        "workshop_seats": await titled(WorkshopSeat),
        "workshop_answers": await titled(WorkshopAnswer),
        "workshop_checks": await titled(WorkshopCheck),
    }


async def _relationship_sections(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """The pairs the person has been in, with their rhythm, meetings and both sides' notes (the pair's
    history is each side's own), their goals, their commitments (with their workshop's title or their
    meeting's date), and the matching proposals that name them."""
    session, person_id = ctx.session, ctx.person.id or 0
    pairings = await privacy.pairings_of(session, person_id=person_id)
    rhythms, meetings, notes = await privacy.pair_history(session, pairing_ids=[p.id or 0 for p in pairings])
    proposals = await privacy.proposals_naming(session, person_id=person_id)
    name = await _namer(
        ctx,
        {p.mentor_id or 0 for p in pairings}
        | {p.mentee_id or 0 for p in pairings}
        | {r.set_by_id or 0 for r in rhythms}
        | {m.answered_by_id or 0 for m in meetings}
        | {n.author_id for n in notes}
        | {x.learner_id for x in proposals}
        | {x.mentor_id or 0 for x in proposals}
        | {x.proposed_by_id or 0 for x in proposals},
    )
    cohort = await _cohort_names(ctx, {x.cohort_id for x in proposals})
    pairs = {p.id: f"{name(p.mentor_id) or '-'} / {name(p.mentee_id) or '-'}" for p in pairings}
    dates = {m.id: m.planned_at for m in meetings}
    commitments = await privacy.workshop_rows_of(session, model=Commitment, person_id=person_id)
    return {
        "commitments": [
            _row(row, workshop=title, meeting=dates.get(row.meeting_id)) for row, title in commitments
        ],
        "pairings": [_row(p, mentor=name(p.mentor_id), mentee=name(p.mentee_id)) for p in pairings],
        "meeting_rhythms": [_row(r, pair=pairs.get(r.pairing_id), set_by=name(r.set_by_id)) for r in rhythms],
        "meetings": [
            _row(m, pair=pairs.get(m.pairing_id), answered_by=name(m.answered_by_id)) for m in meetings
        ],
        "meeting_notes": [_row(n, meeting=dates.get(n.meeting_id), author=name(n.author_id)) for n in notes],
        "goals": [_row(g) for g in await privacy.goals_of(session, person_id=person_id)],
        "match_proposals": [
            _row(
                x,
                cohort=cohort.get(x.cohort_id),
                learner=name(x.learner_id),
                mentor=name(x.mentor_id),
                proposed_by=name(x.proposed_by_id),
            )
            for x in proposals
        ],
    }


def file_name(person: Person, day: dt.date) -> str:
    """`tandem-my-data-<user>-<date>.json`: the id the person is known by, kept to safe characters."""
    user = _SAFE_NAME.sub("-", keys.local_id(person.key)).strip(".-")[:60] or "me"
    return f"{FILE_PREFIX}-{user}-{day.isoformat()}.json"


async def export_file(ctx: Context) -> File:
    """Everything stored about the person, as a JSON file they can keep (what a download link serves)."""
    file, _ = await _export(ctx)
    return file


async def _export(ctx: Context) -> tuple[File, dict[str, Any]]:
    """The file and the data in it. Control characters anyone stored (a name, a message) are written as
    JSON escapes, so the file is safe to show in a terminal and reads back the same."""
    data = await collect(ctx)
    content = escape_unsafe(json.dumps(data, indent=2, ensure_ascii=False, default=_json_value))
    today = ctx.now().date()
    caption = ctx.t("mydata.caption", date=today.isoformat())
    return File(file_name(ctx.person, today), content.encode("utf-8"), MIME, caption, download=EXPORT), data


async def handle_my_data(ctx: Context, args: str) -> list[Reply]:
    """A short summary of what is stored, then the file itself (each channel hands it over its own way)."""
    file, data = await _export(ctx)
    counts = {section: len(data[section]) for section in COUNTED}
    return [Text(ctx.t("mydata.note", filename=file.name, **counts), private=True), file]


async def handle_forget_me(ctx: Context, args: str) -> list[Reply]:
    """Ask before erasing anything: two buttons, or a typed yes or no, within ten minutes (a prompt:
    bot/core/dialogue.py). `forget.confirm` takes the prompt's row, so it acts once either way."""
    await dialogue.expect_yes_no(
        ctx,
        kind=PendingKind.FORGET,
        yes=("forget.confirm", ""),
        no=("forget.cancel", ""),
        lasts=CONFIRM_FOR,
    )
    buttons = (
        Button(ctx.t("forget.button.confirm"), "forget.confirm", style="danger"),
        Button(ctx.t("forget.button.cancel"), "forget.cancel"),
    )
    return [Text(ctx.t("forget.ask"), buttons, private=True)]


async def handle_forget_confirm(ctx: Context, value: str) -> list[Reply]:
    """Erase the person, in this one transaction: their row and every row tied to them, what they wrote
    that other people's rows hold or that messages about them quote, and their name and key wherever
    stored data names them (calendar files waiting in it too); their audit entries stay, anonymised (see
    `storage.privacy`)."""
    pending = await activity.take_pending(
        ctx.session, person_id=ctx.person.id or 0, kind=PendingKind.FORGET, now=ctx.now()
    )
    if pending is None:
        raise UserError("forget.expired")
    goodbye = ctx.t("forget.done")
    await privacy.erase(ctx.session, identity=await _forgotten(ctx), files=FILES)
    learned = await examples.learned_triples(ctx.session)
    await asyncio.to_thread(ctx.services.lessons.set_learned, learned)  # theirs forgotten, off the loop
    logger.info("Person %s asked to be forgotten; their data was deleted", ctx.person.id)
    return [Text(goodbye, private=True)]


async def handle_forget_cancel(ctx: Context, value: str) -> list[Reply]:
    """Drop the pending confirmation; nothing is deleted."""
    await activity.take_pending(
        ctx.session, person_id=ctx.person.id or 0, kind=PendingKind.FORGET, now=ctx.now()
    )
    return [Text(ctx.t("forget.cancelled"), private=True)]
