"""Running a workshop live: the bot posts each step when the mentor presses Next, runs the live quiz,
sends each participant their checklist and commitment choices, and ends with recaps.

The workshop's run state is in the database (`storage.workshops.transition`, a compare-and-set on its
version): a restart resumes at the same step, and two replicas, or two presses of one button, never post
the same step twice. What goes to the participants is `Notify`, written to the ledger in the same
transaction as the step change.

Where it runs: started in a room (a Slack channel or thread, a Teams group chat or channel: `Event.room`),
the steps are posted there once; started in a direct message or the console, each participant gets them
in their own messages. Checklists, quiz confirmations and commitments are always private.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.replies import Button, Notify, Reply, Text, TextInput
from bot.core.runsheet import RunSheet, Step, StepKind, opening_question
from bot.core.text import neutralize
from bot.core.workshop import sheet
from bot.i18n import register, t
from lessons import Lesson, Library
from storage import workshops
from storage.enums import DeliveryKind, Rsvp, WorkshopStatus
from storage.models import Person, Workshop, WorkshopSeat

register(
    {
        "live.welcome": {
            "en": "Welcome to the express workshop **{title}** with {host}! Today: {lessons}. "
            "Keep your phone or laptop at hand: you will try each thing yourself. Press **I’m here** "
            "so that I can send you your checklist and the quiz.",
            "fr": "Bienvenue à l’atelier express **{title}** avec {host} ! Au programme : {lessons}. "
            "Gardez votre téléphone ou votre ordinateur à portée de main : vous essaierez chaque chose "
            "vous-même. Appuyez sur **Je suis là** pour recevoir votre liste de pratique et le quiz.",
        },
        "live.button.here": {"en": "I’m here", "fr": "Je suis là"},
        "live.opener": {"en": "**{lesson}**\n💬 {question}", "fr": "**{lesson}**\n💬 {question}"},
        "live.outline": {"en": "**{lesson}**\n{summary}", "fr": "**{lesson}**\n{summary}"},
        "live.hands_on": {
            "en": "Your turn ({minutes} min), on your own phone or laptop: {try_it}",
            "fr": "À vous ({minutes} min), sur votre téléphone ou votre ordinateur : {try_it}",
        },
        "live.checklist": {
            "en": "Your checklist for **{lesson}**: {try_it}\nPress **Done** when it’s done, or **Stuck** and "
            "{host} will come and help, discreetly.",
            "fr": "Votre pratique pour **{lesson}** : {try_it}\nAppuyez sur **C’est fait** une fois fini, ou "
            "sur **Je bloque** et {host} viendra vous aider, discrètement.",
        },
        "live.button.done": {"en": "Done", "fr": "C’est fait"},
        "live.button.stuck": {"en": "Stuck", "fr": "Je bloque"},
        "live.quiz": {
            "en": "Live quiz ({seconds} seconds): {question}\nYour answer stays private; the room sees only the totals.",
            "fr": "Quiz en direct ({seconds} secondes) : {question}\nVotre réponse reste privée ; la salle ne voit "
            "que les totaux.",
        },
        "live.closing": {
            "en": "To close: pick one thing you will do this week. I’ll ask you in a week how it went.",
            "fr": "Pour finir : choisissez une chose que vous ferez cette semaine. Je vous demanderai dans une "
            "semaine comment ça s’est passé.",
        },
        "live.button.own": {"en": "Write my own", "fr": "J’écris la mienne"},
        "live.own.placeholder": {"en": "This week I will…", "fr": "Cette semaine, je vais…"},
        "live.results": {
            "en": "Results ({answered} answers):\n{bars}\nThe answer: **{answer}**. {explanation}",
            "fr": "Résultats ({answered} réponses) :\n{bars}\nLa réponse : **{answer}**. {explanation}",
        },
        "live.results.few": {
            "en": "The answer: **{answer}**. {explanation}",
            "fr": "La réponse : **{answer}**. {explanation}",
        },
        "live.controls.last": {
            "en": "the end: recaps for everyone.",
            "fr": "la fin : un récapitulatif pour chacun.",
        },
        "live.step.welcome": {"en": "Welcome", "fr": "Accueil"},
        "live.step.opener": {"en": "{lesson}: question to the room", "fr": "{lesson} : question à la salle"},
        "live.step.outline": {"en": "{lesson}: your talking points", "fr": "{lesson} : vos points à dire"},
        "live.step.hands_on": {"en": "{lesson}: hands-on", "fr": "{lesson} : pratique"},
        "live.step.quiz": {"en": "{lesson}: live quiz", "fr": "{lesson} : quiz en direct"},
        "live.step.closing": {"en": "Closing: commitments", "fr": "Clôture : engagements"},
        "live.results.host_only": {
            "en": "Only {answered} answered, so the totals stay with you:\n{bars}",
            "fr": "Seulement {answered} réponses : les totaux restent entre vous et moi :\n{bars}",
        },
    }
)

QUIZ_WINDOW = dt.timedelta(seconds=60)
ROOM_MINIMUM = 3
"""The room sees a quiz's totals only when at least this many answered; otherwise only the host."""
TIMER_QUIZ = "quiz"
"""`Workshop.timer_kind` while a live quiz collects answers; its `timer_at` closes it."""
STEP_POSTS_LAST = dt.timedelta(hours=3)
"""A step's posts are given up if they could not go out this long after the step (the room moved on)."""
SUGGESTIONS = 3
LABEL_CHARS = 70
COMMITMENT_CHARS = 300
"""Commitment suggestions offered at the closing, besides writing one's own."""
JOIN_ACTION = "workshop.join"
ANSWER_ACTION = "workshop.answer"
CHECK_ACTION = "workshop.check"
COMMIT_ACTION = "workshop.commit"
COMMIT_OWN_ACTION = "workshop.commit_own"


@dataclass(frozen=True, slots=True)
class Live:
    """One workshop as it runs: the row, its host, its run-sheet and the library to read lessons from."""

    workshop: Workshop
    host: Person
    sheet: RunSheet
    library: Library

    @property
    def id(self) -> int:
        return self.workshop.id or 0

    def step(self, index: int) -> Step | None:
        steps = self.sheet.steps
        return steps[index] if 0 <= index < len(steps) else None

    def lesson(self, step: Step, lang: str) -> Lesson | None:
        return sheet.lesson_in(self.library, step.lesson_id, lang) if step.lesson_id else None


def live_of(workshop: Workshop, host: Person, library: Library) -> Live:
    return Live(workshop, host, RunSheet.from_json(workshop.plan), library)


async def audience(session: AsyncSession, live: Live) -> list[tuple[WorkshopSeat, Person]]:
    """Who the steps are for: everyone seated who did not say "not this time"."""
    return [
        (seat, person)
        for seat, person in await workshops.seats_of(session, workshop_id=live.id)
        if seat.rsvp != Rsvp.DECLINED and person.id != live.host.id
    ]


async def post_step(session: AsyncSession, live: Live, index: int, *, now: dt.datetime) -> list[Reply]:
    """What entering step `index` sends: to the room (or to each participant), and privately."""
    step = live.step(index)
    if step is None:
        return []
    people = await audience(session, live)
    private_step = step.kind in (StepKind.HANDS_ON, StepKind.CLOSING)
    notes: list[Reply] = []
    if live.workshop.room:
        notes += _to_room(live, _public(live, step, index, live.workshop.lang), now=now)
        if private_step:  # the checklist and the commitment choices, to those who said they are here
            for seat, person in people:
                if seat.joined_at is not None:
                    notes += _private_note(live, step, index, person, now=now)
        return notes
    for _, person in people:  # no room: each participant gets the step in their own messages
        if private_step:
            notes += _private_note(live, step, index, person, now=now)
        else:
            lang = quiz_lang(live, person) if step.kind == StepKind.QUIZ else person.lang
            public = _public(live, step, index, lang)
            notes += [_to_person(live, person, public, now=now)] if public else []
    return notes


def _private_note(live: Live, step: Step, index: int, person: Person, *, now: dt.datetime) -> list[Reply]:
    private = _private(live, step, index, person)
    return [_to_person(live, person, private, now=now)] if private else []


def _public(live: Live, step: Step, index: int, lang: str) -> tuple[Reply, ...]:
    """What the room sees when a step begins."""
    workshop = live.workshop
    if step.kind == StepKind.WELCOME:
        text = t(
            "live.welcome",
            lang,
            title=neutralize(workshop.title, 120),
            host=f"**{neutralize(live.host.display_name, 80)}**",
            lessons=_titles(live, lang),
        )
        return (Text(text, (Button(t("live.button.here", lang), JOIN_ACTION, str(live.id), "primary"),)),)
    if step.kind == StepKind.CLOSING:
        return (Text(t("live.closing", lang)),)
    lesson = live.lesson(step, lang)
    if lesson is None:
        return ()
    if step.kind == StepKind.OPENER:
        return (Text(t("live.opener", lang, lesson=lesson.title, question=opening_question(lesson))),)
    if step.kind == StepKind.OUTLINE:
        return (Text(t("live.outline", lang, lesson=lesson.title, summary=lesson.summary)),)
    if step.kind == StepKind.HANDS_ON:
        return (Text(t("live.hands_on", lang, minutes=step.minutes, try_it=lesson.try_it)),)
    quiz = lesson.quiz
    buttons = tuple(
        Button(choice, ANSWER_ACTION, f"{live.id}:{index}:{number}")
        for number, choice in enumerate(quiz.choices)
    )
    seconds = int(QUIZ_WINDOW.total_seconds())
    return (Text(t("live.quiz", lang, seconds=seconds, question=quiz.question), buttons),)


def _private(live: Live, step: Step, index: int, person: Person) -> tuple[Reply, ...]:
    """What each participant gets for themselves: the checklist, the commitment choices."""
    lang = person.lang
    host = f"**{neutralize(live.host.display_name, 80)}**"
    if step.kind == StepKind.HANDS_ON:
        lesson = live.lesson(step, lang)
        if lesson is None:
            return ()
        buttons = (
            Button(t("live.button.done", lang), CHECK_ACTION, f"{live.id}:{index}:done", "primary"),
            Button(t("live.button.stuck", lang), CHECK_ACTION, f"{live.id}:{index}:stuck"),
        )
        return (
            Text(t("live.checklist", lang, lesson=lesson.title, try_it=lesson.try_it, host=host), buttons),
        )
    return (Text(t("live.closing", lang), commitment_buttons(live, lang)),)


def commitment_buttons(live: Live, lang: str) -> tuple[Button, ...]:
    """One suggestion per lesson (its try-it), and a box to write one's own."""
    buttons = []
    for number, lesson_id in enumerate(live.workshop.lessons[:SUGGESTIONS]):
        lesson = sheet.lesson_in(live.library, lesson_id, lang)
        if lesson is not None:
            buttons.append(Button(label(suggestion(lesson)), COMMIT_ACTION, f"{live.id}:{number}"))
    box = TextInput(300, t("live.own.placeholder", lang))
    buttons.append(Button(t("live.button.own", lang), COMMIT_OWN_ACTION, str(live.id), input=box))
    return tuple(buttons)


def suggestion(lesson: Lesson) -> str:
    """A commitment drawn from a lesson: its try-it's first sentence (what is kept as the commitment)."""
    return lesson.try_it.split(". ")[0].rstrip(".")[:COMMITMENT_CHARS]


def label(text: str) -> str:
    """A suggestion on a button: platforms cut button labels short (Slack at 75 characters)."""
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _titles(live: Live, lang: str) -> str:
    titles = []
    for lesson_id in live.workshop.lessons:
        lesson = sheet.lesson_in(live.library, lesson_id, lang)
        titles.append(lesson.title if lesson else lesson_id)
    return ", ".join(titles)


def _to_room(live: Live, replies: tuple[Reply, ...], *, now: dt.datetime) -> list[Reply]:
    if not replies:
        return []
    return [
        Notify(
            live.host.key,
            replies,
            kind=DeliveryKind.WORKSHOP,
            person_id=live.host.id,
            room=live.workshop.room,
            expires_at=now + STEP_POSTS_LAST,
        )
    ]


def _to_person(live: Live, person: Person, replies: Sequence[Reply], *, now: dt.datetime) -> Notify:
    return Notify(
        person.key,
        tuple(replies),
        kind=DeliveryKind.WORKSHOP,
        person_id=person.id,
        expires_at=now + STEP_POSTS_LAST,
    )


def bars(counts: dict[int, int], choices: Sequence[str], answer: int) -> str:
    """A text bar chart of a quiz's totals, the right answer marked: every channel shows it as is."""
    total = max(1, sum(counts.values()))
    lines = []
    for number, choice in enumerate(choices):
        n = counts.get(number, 0)
        bar = "▇" * round(10 * n / total) or "▏"
        mark = "✓ " if number == answer else ""
        lines.append(f"{mark}{neutralize(choice, 80)}: {bar} {n}")
    return "\n".join(lines)


async def close_quiz(session: AsyncSession, live: Live, index: int, *, now: dt.datetime) -> list[Reply]:
    """The quiz's results: the totals to the room when at least 3 answered, else to the host only; the
    answer and its explanation to the room either way. Without a room, each participant gets the room's
    message in their own, and so does the host when the totals are shown (a host in a room sees them
    there)."""
    step = live.step(index)
    if step is None or step.kind != StepKind.QUIZ:
        return []
    totals = await workshops.quiz_totals(session, workshop_id=live.id, step=index)
    notes: list[Reply] = []
    targets: list[tuple[str, Person | None]] = [(live.workshop.lang, None)]
    if not live.workshop.room:
        readers = [p for _, p in await audience(session, live)]
        readers += [live.host] if totals.answered >= ROOM_MINIMUM else []
        targets = [(quiz_lang(live, p), p) for p in readers]
    for lang, person in targets:
        lesson = live.lesson(step, lang)
        if lesson is None:
            continue
        quiz = lesson.quiz
        answer = quiz.choices[quiz.answer_index]
        drawn = bars(totals.counts, quiz.choices, quiz.answer_index)
        if totals.answered >= ROOM_MINIMUM:
            text = t(
                "live.results",
                lang,
                answered=totals.answered,
                bars=drawn,
                answer=answer,
                explanation=quiz.explanation,
            )
        else:
            text = t("live.results.few", lang, answer=answer, explanation=quiz.explanation)
        replies = (Text(text),)
        notes += (
            _to_room(live, replies, now=now)
            if person is None
            else [_to_person(live, person, replies, now=now)]
        )
    if totals.answered < ROOM_MINIMUM:
        lesson = live.lesson(step, live.workshop.lang)  # the quiz's own language: its choices' order
        if lesson is not None:
            drawn = bars(totals.counts, lesson.quiz.choices, lesson.quiz.answer_index)
            text = t("live.results.host_only", live.host.lang, answered=totals.answered, bars=drawn)
            notes.append(_to_person(live, live.host, (Text(text),), now=now))
    return notes


def is_running(workshop: Workshop) -> bool:
    return workshop.status == WorkshopStatus.RUNNING


def private_now(live: Live, index: int, person: Person) -> list[Reply]:
    """What someone arriving during step `index` needs of it for themselves: the checklist, the
    commitment choices, or the quiz still open (in the room's language when there is a room, as its
    answer is read: `quiz_lang`). All of it private: pressed in a room, none of it is posted there."""
    step = live.step(index)
    if step is None:
        return []
    found: tuple[Reply, ...] = ()
    if step.kind in (StepKind.HANDS_ON, StepKind.CLOSING):
        found = _private(live, step, index, person)
    elif step.kind == StepKind.QUIZ and live.workshop.timer_kind == TIMER_QUIZ:
        found = _public(live, step, index, quiz_lang(live, person))
    return [replace(r, private=True) if isinstance(r, Text) else r for r in found]


def quiz_lang(live: Live, person: Person) -> str:
    """The language of the live quiz, for everyone: the workshop's. A lesson's translations may order the
    choices differently, so one list is what makes a choice's number, and the room's totals, mean the
    same for everyone (the mentor runs the workshop in one language anyway)."""
    del person  # the same for every participant, in a room or in their own messages
    return live.workshop.lang


def step_name(live: Live, index: int, lang: str) -> str:
    """A step in a few words (`Strong passwords: hands-on`), or the end after the last one."""
    step = live.step(index)
    if step is None:
        return t("live.controls.last", lang)
    lesson = live.lesson(step, lang)
    return t(f"live.step.{step.kind.value}", lang, lesson=lesson.title if lesson else "")
