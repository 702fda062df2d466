"""The run-sheet as the mentor reads it (`workshop show`): each step at its minute, with what to say,
what the room does and the quiz to ask, in the mentor's language."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.core.dates import format_moment
from bot.core.runsheet import RunSheet, Step, StepKind, opening_question
from bot.core.text import neutralize
from bot.i18n import register, t
from lessons import Lesson, Library
from lessons.outline import outline
from storage.enums import Rsvp, WorkshopStatus
from storage.models import Person, Workshop, WorkshopSeat

register(
    {
        "workshop.sheet.head": {
            "en": "**{title}** (workshop #{id}), {when}, {minutes} minutes, run by {host}. {status}",
            "fr": "**{title}** (atelier n° {id}), {when}, {minutes} minutes, animé par {host}. {status}",
        },
        "workshop.sheet.status.planned": {"en": "", "fr": ""},
        "workshop.sheet.status.running": {"en": "Running now.", "fr": "En cours."},
        "workshop.sheet.status.ended": {"en": "Held.", "fr": "Tenu."},
        "workshop.sheet.status.cancelled": {"en": "Cancelled.", "fr": "Annulé."},
        "workshop.sheet.invited": {
            "en": "Invited: {invited}. Coming: {coming}. Not this time: {declined}. No answer yet: {waiting}.",
            "fr": "Invités : {invited}. Viennent : {coming}. Pas cette fois : {declined}. Sans réponse : "
            "{waiting}.",
        },
        "workshop.sheet.step.welcome": {
            "en": "**{at}** Welcome ({minutes} min): who is here, what we will try today, phones at the ready.",
            "fr": "**{at}** Accueil ({minutes} min) : qui est là, ce que l’on va essayer aujourd’hui, "
            "téléphones en main.",
        },
        "workshop.sheet.step.opener": {
            "en": "**{at}** {lesson}: ask the room ({minutes} min): “{question}”",
            "fr": "**{at}** {lesson} : question à la salle ({minutes} min) : « {question} »",
        },
        "workshop.sheet.step.outline": {
            "en": "**{at}** Your talking points ({minutes} min):",
            "fr": "**{at}** Vos points à dire ({minutes} min) :",
        },
        "workshop.sheet.step.hands_on": {
            "en": "**{at}** Hands-on ({minutes} min), each on their own phone or laptop: {try_it}",
            "fr": "**{at}** Pratique ({minutes} min), chacun sur son téléphone ou son ordinateur : {try_it}",
        },
        "workshop.sheet.step.quiz": {
            "en": "**{at}** Live quiz ({minutes} min): {question}",
            "fr": "**{at}** Quiz en direct ({minutes} min) : {question}",
        },
        "workshop.sheet.step.closing": {
            "en": "**{at}** Closing ({minutes} min): each participant picks one thing to do this week.",
            "fr": "**{at}** Clôture ({minutes} min) : chaque participant choisit une chose à faire cette "
            "semaine.",
        },
        "workshop.sheet.part": {"en": "- *{label}*: {points}", "fr": "- *{label}* : {points}"},
        "workshop.sheet.risk": {"en": "The real risk", "fr": "Le vrai risque"},
        "workshop.sheet.master": {"en": "How to master it", "fr": "Comment le maîtriser"},
        "workshop.sheet.gain": {"en": "What you gain", "fr": "Ce que l’on y gagne"},
        "workshop.sheet.gone": {
            "en": "(lesson `{id}` is no longer in the library)",
            "fr": "(la leçon `{id}` n’est plus dans la bibliothèque)",
        },
    }
)

POINTS_PER_PART = 2
"""Talking points shown per part of the outline: five minutes is enough for two each."""


def clock(minutes: int) -> str:
    """`0:05`, `1:02`: a step's start from the start of the workshop."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def head(workshop: Workshop, host: Person, zone: ZoneInfo, lang: str) -> str:
    return t(
        "workshop.sheet.head",
        lang,
        title=neutralize(workshop.title, 120),
        id=workshop.id,
        when=format_moment(workshop.starts_at, zone, lang),
        minutes=workshop.minutes,
        host=f"**{neutralize(host.display_name, 80)}**",
        status=t(f"workshop.sheet.status.{WorkshopStatus(workshop.status).value}", lang),
    ).rstrip()


def answers_line(seats: Sequence[WorkshopSeat], lang: str) -> str:
    """How many were invited and how they answered."""
    invited = [seat for seat in seats if seat.invited]
    count = {rsvp: sum(1 for seat in invited if seat.rsvp == rsvp) for rsvp in Rsvp}
    return t(
        "workshop.sheet.invited",
        lang,
        invited=len(invited),
        coming=count[Rsvp.COMING],
        declined=count[Rsvp.DECLINED],
        waiting=count[Rsvp.INVITED],
    )


def steps(sheet: RunSheet, library: Library, lang: str) -> list[str]:
    """One paragraph per step, in `lang` (a lesson only in the other language is shown in it)."""
    return [step_text(step, library, lang) for step in sheet.steps]


def step_text(step: Step, library: Library, lang: str) -> str:
    at = clock(step.offset)
    values: dict[str, object] = {"at": at, "minutes": step.minutes}
    if step.lesson_id is None:
        return t(f"workshop.sheet.step.{step.kind.value}", lang, **values)
    lesson = lesson_in(library, step.lesson_id, lang)
    if lesson is None:
        return f"**{at}** " + t("workshop.sheet.gone", lang, id=step.lesson_id)
    if step.kind == StepKind.OPENER:
        return t(
            "workshop.sheet.step.opener",
            lang,
            lesson=f"**{lesson.title}**",
            question=opening_question(lesson),
            **values,
        )
    if step.kind == StepKind.OUTLINE:
        return t("workshop.sheet.step.outline", lang, **values) + "\n" + talking_points(lesson, lang)
    if step.kind == StepKind.HANDS_ON:
        return t("workshop.sheet.step.hands_on", lang, try_it=lesson.try_it, **values)
    return t("workshop.sheet.step.quiz", lang, question=lesson.quiz.question, **values)


def talking_points(lesson: Lesson, lang: str) -> str:
    """The outline's three parts, two points each, as a Markdown list; the summary when the lesson has
    no such sections."""
    parts = outline(lesson)
    lines = []
    for name, points in (("risk", parts.risk), ("master", parts.master), ("gain", parts.gain)):
        if points:
            label = t(f"workshop.sheet.{name}", lang)
            lines.append(
                t("workshop.sheet.part", lang, label=label, points=" ".join(points[:POINTS_PER_PART]))
            )
    return "\n".join(lines) or f"- {lesson.summary}"


def lesson_in(library: Library, lesson_id: str, lang: str) -> Lesson | None:
    """The lesson in `lang`, or in any language it exists in."""
    found = library.get(lesson_id, lang)
    if found is not None:
        return found
    return next((lesson for (key, _), lesson in library.lessons.items() if key == lesson_id), None)
