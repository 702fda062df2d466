"""A workshop as it runs: `workshop start|next|back|skip|more|end` and the mentor's buttons (visible to
the mentor only), and the participants' buttons: I'm here, quiz answers, Done / Stuck, commitments.

Every change of step is a compare-and-set on the workshop's version (`storage.workshops.transition`), decided
on the step the button was pressed at: a second press of the same button, or a second replica handling
it, finds the workshop moved on and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.core import commitments, dialogue
from bot.core.args import mention
from bot.core.context import Context
from bot.core.errors import NotFound, PermissionDenied, UserError
from bot.core.replies import Button, Notify, PersonalView, Reply, Text
from bot.core.runsheet import StepKind
from bot.core.schedule import own_zone
from bot.core.text import neutralize
from bot.core.workshop import live, sheet
from bot.core.workshop.live import Live
from bot.i18n import register, t
from storage import commitments as stored_commitments
from storage import people, reviews, workshops
from storage.enums import CheckStatus, CommitmentSource, DeliveryKind, PendingKind, WorkshopStatus
from storage.models import Person, Workshop, WorkshopAnswer, WorkshopSeat

register(
    {
        "live.controls": {
            "en": "Workshop #{id}, step {number} of {total} ({clock}).\n\n{now}\n\nNext: {next}",
            "fr": "Atelier n° {id}, étape {number} sur {total} ({clock}).\n\n{now}\n\nEnsuite : {next}",
        },
        "live.button.next": {"en": "Next ▶", "fr": "Suivant ▶"},
        "live.button.back": {"en": "◀ Back", "fr": "◀ Retour"},
        "live.button.skip": {"en": "Skip next", "fr": "Passer la suivante"},
        "live.button.more": {"en": "+5 min", "fr": "+5 min"},
        "live.button.end": {"en": "End", "fr": "Terminer"},
        "live.not_host": {
            "en": "Only the workshop’s mentor, {host}, or an admin can run workshop #{id}.",
            "fr": "Seul le mentor de l’atelier, {host}, ou un admin peut animer l’atelier n° {id}.",
        },
        "live.not_running": {
            "en": "Workshop #{id} is not running. Its mentor starts it with `workshop start {id}`.",
            "fr": "L’atelier n° {id} n’est pas en cours. Son mentor le lance avec `atelier démarrer {id}`.",
        },
        "live.over": {"en": "Workshop #{id} is {status}.", "fr": "L’atelier n° {id} est {status}."},
        "live.moved_on": {
            "en": "The workshop had already moved on; here is where it stands.",
            "fr": "L’atelier était déjà passé à la suite ; voici où il en est.",
        },
        "live.more_done": {
            "en": "Five more minutes for this step: I’ll tell you when they are up.",
            "fr": "Cinq minutes de plus pour cette étape : je vous préviens quand elles sont écoulées.",
        },
        "live.time_up": {
            "en": "Time is up for step {number} ({what}) of workshop #{id}. Press **Next ▶** when the room is ready.",
            "fr": "Le temps de l’étape {number} ({what}) de l’atelier n° {id} est écoulé. Appuyez sur **Suivant ▶** "
            "quand la salle est prête.",
        },
        "live.joined": {
            "en": "Welcome! Your checklist and the quiz will come here.",
            "fr": "Bienvenue ! Votre pratique et le quiz arriveront ici.",
        },
        "live.joined_late": {
            "en": "Welcome! Here is what you missed so far:\n{sofar}",
            "fr": "Bienvenue ! Voici ce que vous avez manqué jusqu’ici :\n{sofar}",
        },
        "live.answer.taken": {
            "en": "Got it: “{choice}”. The results come when the quiz closes.",
            "fr": "C’est noté : « {choice} ». Les résultats arrivent à la fin du quiz.",
        },
        "live.answer.late": {
            "en": "Got it: “{choice}”, after the quiz closed: it counts for you, not in the room’s results.",
            "fr": "C’est noté : « {choice} », après la fin du quiz : elle compte pour vous, pas dans les "
            "résultats de la salle.",
        },
        "live.answer.again": {
            "en": "You had already answered this one; your first answer counts.",
            "fr": "Vous aviez déjà répondu ; votre première réponse compte.",
        },
        "live.check.done": {"en": "Well done!", "fr": "Bravo !"},
        "live.check.stuck": {
            "en": "No worries: {host} knows and will come to help.",
            "fr": "Pas de souci : {host} est prévenu et va venir vous aider.",
        },
        "live.stuck_to_host": {
            "en": "{name} is stuck on the hands-on of **{lesson}**. A quiet word may help.",
            "fr": "{name} bloque sur la pratique de **{lesson}**. Un mot discret peut aider.",
        },
        "live.own_prompt": {
            "en": "Write the one thing you will do this week, in a line (or `cancel`).",
            "fr": "Écrivez en une ligne la chose que vous ferez cette semaine (ou `annuler`).",
        },
        "live.committed": {
            "en": "Your commitment: “{text}”. I’ll ask you in a week how it went.",
            "fr": "Votre engagement : « {text} ». Je vous demanderai dans une semaine comment ça s’est passé.",
        },
        "live.recap": {
            "en": "Thank you for taking part in **{title}**!\nThe lessons: {lessons}.\nYour quiz answers: {answers}.\n{commitment}",
            "fr": "Merci d’avoir participé à **{title}** !\nLes leçons : {lessons}.\nVos réponses au quiz : "
            "{answers}.\n{commitment}",
        },
        "live.recap.right": {"en": "{lesson} right", "fr": "{lesson} juste"},
        "live.recap.wrong": {"en": "{lesson} to go over", "fr": "{lesson} à revoir"},
        "live.recap.none": {"en": "none", "fr": "aucune"},
        "live.recap.commitment": {"en": "Your commitment: “{text}”.", "fr": "Votre engagement : « {text} »."},
        "live.recap.no_commitment": {
            "en": "Pick one thing to do this week:",
            "fr": "Choisissez une chose à faire cette semaine :",
        },
        "live.summary": {
            "en": "Workshop #{id} is over. Attendance: {joined} of {invited} invited ({late} late{extra}).\n"
            "Quiz: {quizzes}\nStuck: {stuck}\nCommitments: {commitments}\n"
            "The lessons now come back in each participant’s reviews, a day and a week from now.",
            "fr": "L’atelier n° {id} est terminé. Présents : {joined} sur {invited} invités (dont {late} en "
            "retard{extra}).\nQuiz : {quizzes}\nBlocages : {stuck}\nEngagements : {commitments}\n"
            "Les leçons reviennent dans les révisions de chacun, dans un jour et dans une semaine.",
        },
        "live.summary.extra": {"en": ", {count} not invited", "fr": ", {count} non invités"},
        "live.summary.quiz": {
            "en": "{lesson} {right}/{answered} right",
            "fr": "{lesson} {right}/{answered} justes",
        },
        "live.summary.nobody": {"en": "nobody", "fr": "personne"},
        "live.panel.shared": {
            "en": "🎛 {host} runs workshop #{id} from here: the controls show to them alone.",
            "fr": "🎛 {host} anime l’atelier n° {id} d’ici : les commandes ne s’affichent que pour {host}.",
        },
        "live.panel.planned": {
            "en": "Workshop #{id} has not started yet: `workshop start {id}` starts it.",
            "fr": "L’atelier n° {id} n’a pas encore commencé : `atelier démarrer {id}` le lance.",
        },
    }
)

CONTROL_ACTION = "workshop.control"
VIEW_ACTION = "workshop.view"
"""What the person viewing the mentor's panel in a room sees of it now (read-only)."""
MORE = dt.timedelta(minutes=5)
TIMER_STEP = "step"
"""`Workshop.timer_kind` when the current step's time is up (the host is told)."""


# --- the host --------------------------------------------------------------------------------------------


async def load(ctx: Context, workshop: Workshop) -> Live:
    host = await people.get_person_by_id(ctx.session, person_id=workshop.host_id)
    if host is None:
        raise NotFound("workshop.unknown", id=workshop.id)
    return live.live_of(workshop, host, ctx.library)


def check_host(ctx: Context, state: Live) -> None:
    if not (ctx.person.is_admin or state.host.id == ctx.person.id):
        raise PermissionDenied("workshop", "live.not_host", host=mention(state.host), id=state.id)


async def start(ctx: Context, workshop: Workshop) -> list[Reply]:
    """Start the workshop where the command was typed (a room, or everyone's direct messages); started
    already, show the controls again."""
    state = await load(ctx, workshop)
    check_host(ctx, state)
    if workshop.status == WorkshopStatus.RUNNING:
        return [controls(ctx, state)]
    if workshop.status != WorkshopStatus.PLANNED:
        raise UserError("live.over", id=workshop.id, status=ctx.t(f"workshop.status.{workshop.status}"))
    now = ctx.now()
    changed = await workshops.transition(
        ctx.session,
        workshop_id=state.id,
        version=workshop.version,
        status=WorkshopStatus.RUNNING,
        step=0,
        started_at=now,
        step_started_at=now,
        room=ctx.event.room,
        **_timer(state, 0, now),
    )
    if not changed:
        raise UserError("live.moved_on")
    await workshops.delete_waiting(ctx.session, workshop_id=state.id)  # reminders no longer needed
    return [controls(ctx, state), *await live.post_step(ctx.session, state, 0, now=now)]


def _timer(state: Live, index: int, now: dt.datetime) -> dict[str, object]:
    """The timer a step starts with: a quiz's window, or the step's own end."""
    step = state.step(index)
    if step is None:
        return {"timer_at": None, "timer_kind": None}
    if step.kind == StepKind.QUIZ:
        return {"timer_at": now + live.QUIZ_WINDOW, "timer_kind": live.TIMER_QUIZ}
    return {"timer_at": now + dt.timedelta(minutes=step.minutes), "timer_kind": TIMER_STEP}


def controls(ctx: Context, state: Live) -> Text:
    """The mentor's panel, for the mentor only: where the workshop stands, what to say now, what comes
    next, and the buttons."""
    workshop = state.workshop
    index = workshop.step
    step = state.step(index)
    now_text = sheet.step_text(step, ctx.library, ctx.lang) if step else ""
    text = ctx.t(
        "live.controls",
        id=state.id,
        number=index + 1,
        total=len(state.sheet.steps),
        clock=sheet.clock(step.offset) if step else "",
        now=now_text,
        next=live.step_name(state, index + 1, ctx.lang),
    )
    value = f"{state.id}:{index}"
    buttons = (
        Button(ctx.t("live.button.next"), CONTROL_ACTION, f"{value}:next", "primary"),
        Button(ctx.t("live.button.back"), CONTROL_ACTION, f"{value}:back"),
        Button(ctx.t("live.button.skip"), CONTROL_ACTION, f"{value}:skip"),
        Button(ctx.t("live.button.more"), CONTROL_ACTION, f"{value}:more"),
        Button(ctx.t("live.button.end"), CONTROL_ACTION, f"{value}:end", "danger"),
    )
    return Text(text, buttons, private=True, replaces=True, view=panel_view(ctx, state))


def panel_view(ctx: Context, state: Live) -> PersonalView:
    """The panel as a per-person message in the room: the one running it sees the controls (`view`),
    everyone else a line saying who runs the workshop from there."""
    shared = ctx.t("live.panel.shared", host=mention(ctx.person), id=state.id)
    return PersonalView(VIEW_ACTION, str(state.id), shared)


async def view(ctx: Context, workshop: Workshop) -> list[Reply]:
    """What the person sees of the mentor's panel now, changing nothing: for the workshop's mentor or an
    admin, the controls while it runs and the summary once it is over; for anyone else, the room's line.
    Asked each time a platform shows the panel to someone (Teams' per-user refresh)."""
    state = await load(ctx, workshop)
    if not (ctx.person.is_admin or state.host.id == ctx.person.id):
        shared = ctx.t("live.panel.shared", host=mention(state.host), id=state.id)
        return [Text(shared, replaces=True)]
    if workshop.status == WorkshopStatus.RUNNING:
        return [controls(ctx, state)]
    if workshop.status == WorkshopStatus.ENDED:
        return [Text(await summary_of(ctx, state), private=True, replaces=True, view=panel_view(ctx, state))]
    if workshop.status == WorkshopStatus.PLANNED:
        return [Text(ctx.t("live.panel.planned", id=state.id), private=True, replaces=True)]
    status = ctx.t(f"workshop.status.{workshop.status}")
    return [Text(ctx.t("live.over", id=state.id, status=status), private=True, replaces=True)]


async def control(ctx: Context, workshop: Workshop, at_step: int, move: str) -> list[Reply]:
    """A press of the mentor's panel (or a typed `workshop next` at the current step)."""
    state = await load(ctx, workshop)
    check_host(ctx, state)
    if workshop.status != WorkshopStatus.RUNNING:
        raise UserError("live.not_running", id=state.id)
    if workshop.step != at_step:
        return [Text(ctx.t("live.moved_on"), private=True), controls(ctx, state)]
    now = ctx.now()
    if move == "more":
        changed = await workshops.transition(
            ctx.session,
            workshop_id=state.id,
            version=workshop.version,
            timer_at=max(workshop.timer_at or now, now) + MORE,
            timer_kind=workshop.timer_kind or TIMER_STEP,
        )
        return [Text(ctx.t("live.more_done" if changed else "live.moved_on"), private=True)]
    if move == "end" or (
        move in ("next", "skip") and at_step + (2 if move == "skip" else 1) >= len(state.sheet.steps)
    ):
        return await end(ctx, state)
    target = {"next": at_step + 1, "skip": at_step + 2, "back": max(0, at_step - 1)}[move]
    return await go(ctx, state, target)


async def _leave_step(ctx: Context, state: Live, now: dt.datetime, **changes: object) -> list[Reply] | None:
    """Leave the current step: a quiz still open closes first (its results), then the compare-and-set
    of `changes`. None when the workshop had already moved on (nothing is sent then)."""
    workshop = state.workshop
    notes: list[Reply] = []
    if workshop.timer_kind == live.TIMER_QUIZ:
        notes += await live.close_quiz(ctx.session, state, workshop.step, now=now)
    changed = await workshops.transition(
        ctx.session, workshop_id=state.id, version=workshop.version, **changes
    )
    return notes if changed else None


async def go(ctx: Context, state: Live, target: int) -> list[Reply]:
    """Move to step `target`: close a quiz still open (its results first), then post the new step."""
    now = ctx.now()
    notes = await _leave_step(ctx, state, now, step=target, step_started_at=now, **_timer(state, target, now))
    if notes is None:
        return [Text(ctx.t("live.moved_on"), private=True)]
    notes += await live.post_step(ctx.session, state, target, now=now)
    return [controls(ctx, state), *notes]


async def end(ctx: Context, state: Live) -> list[Reply]:
    """The end: a recap for each participant who was there, the summary for the mentor, and the
    workshop's lessons into each participant's reviews."""
    workshop = state.workshop
    now = ctx.now()
    notes = await _leave_step(
        ctx, state, now, status=WorkshopStatus.ENDED, ended_at=now, timer_at=None, timer_kind=None
    )
    if notes is None:
        return [Text(ctx.t("live.moved_on"), private=True)]
    seats, answers, made, joined = await _attendance(ctx, state)
    for _, person in joined:
        notes.append(recap(state, person, answers, made.get(person.id or 0), now=now))
    await reviews.add_workshop_cards(
        ctx.session, person_ids=[p.id or 0 for _, p in joined], lesson_ids=list(workshop.lessons), now=now
    )
    summary = await summary_text(ctx, state, seats, joined, made)
    return [Text(summary, private=True, replaces=True, view=panel_view(ctx, state)), *notes]


async def _attendance(
    ctx: Context, state: Live
) -> tuple[Seated, Sequence[WorkshopAnswer], dict[int, str], Seated]:
    """The seats, the quiz answers, the commitments, and who was there (said so, or answered a quiz)."""
    seats = await workshops.seats_of(ctx.session, workshop_id=state.id)
    answers = await workshops.answers_of(ctx.session, workshop_id=state.id)
    made = await commitments_of(ctx, state)
    joined = [
        (seat, person)
        for seat, person in seats
        if seat.joined_at is not None or _answered(answers, person.id)
    ]
    return seats, answers, made, joined


async def summary_of(ctx: Context, state: Live) -> str:
    """The mentor's summary of a workshop that is over, read again (the panel shown after the end)."""
    seats, _, made, joined = await _attendance(ctx, state)
    return await summary_text(ctx, state, seats, joined, made)


def _answered(answers: Sequence[WorkshopAnswer], person_id: int | None) -> bool:
    return any(a.person_id == person_id for a in answers)


async def commitments_of(ctx: Context, state: Live) -> dict[int, str]:
    """Each participant's commitment in this workshop (the latest, when they made several)."""
    return {
        c.person_id: c.text
        for c in await stored_commitments.commitments_of_workshop(ctx.session, workshop_id=state.id)
    }


def recap(
    state: Live,
    person: Person,
    answers: Sequence[WorkshopAnswer],
    commitment: str | None,
    *,
    now: dt.datetime,
) -> Notify:
    """A participant's recap: the lessons, their own quiz answers, and their commitment (or the choices)."""
    lang = person.lang
    mine = []
    for answer in answers:
        if answer.person_id != person.id:
            continue
        lesson = sheet.lesson_in(state.library, answer.lesson_id, lang)
        title = lesson.title if lesson else answer.lesson_id
        mine.append(t("live.recap.right" if answer.correct else "live.recap.wrong", lang, lesson=title))
    if commitment:
        closing = t("live.recap.commitment", lang, text=neutralize(commitment, 300))
        buttons: tuple[Button, ...] = ()
    else:
        closing = t("live.recap.no_commitment", lang)
        buttons = live.commitment_buttons(state, lang)
    text = t(
        "live.recap",
        lang,
        title=neutralize(state.workshop.title, 120),
        lessons=live._titles(state, lang),
        answers=", ".join(mine) or t("live.recap.none", lang),
        commitment=closing,
    )
    return Notify(person.key, (Text(text, buttons),), kind=DeliveryKind.WORKSHOP, person_id=person.id)


Seated = Sequence[tuple[WorkshopSeat, Person]]


async def summary_text(ctx: Context, state: Live, seats: Seated, joined: Seated, made: dict[int, str]) -> str:
    """The mentor's summary: attendance, the quiz results, who was stuck where, the commitments."""
    invited = [seat for seat, _ in seats if seat.invited]
    late = sum(1 for seat, _ in joined if seat.late)
    uninvited = sum(1 for seat, _ in joined if not seat.invited)
    extra = ctx.t("live.summary.extra", count=uninvited) if uninvited else ""
    quizzes = []
    for index, step in enumerate(state.sheet.steps):
        if step.kind != StepKind.QUIZ:
            continue
        totals = await workshops.quiz_totals(ctx.session, workshop_id=state.id, step=index)
        if not totals.answered:  # skipped, or nobody answered
            continue
        lesson = state.lesson(step, ctx.lang)
        quizzes.append(
            ctx.t(
                "live.summary.quiz",
                lesson=lesson.title if lesson else step.lesson_id,
                right=totals.right,
                answered=totals.answered,
            )
        )
    names = {person.id: person for _, person in seats}
    stuck = []
    for check in await workshops.checks_of(ctx.session, workshop_id=state.id):
        if check.status == CheckStatus.STUCK and check.person_id in names:
            where = live.step_name(state, check.step, ctx.lang)
            stuck.append(f"{mention(names[check.person_id])} ({where})")
    promised = [
        f"{mention(names[pid])}: “{neutralize(text, 300)}”" for pid, text in made.items() if pid in names
    ]
    return ctx.t(
        "live.summary",
        id=state.id,
        joined=len(joined),
        invited=len(invited),
        late=late,
        extra=extra,
        quizzes=", ".join(quizzes) or ctx.t("live.recap.none"),
        stuck=", ".join(stuck) or ctx.t("live.summary.nobody"),
        commitments="; ".join(promised) or ctx.t("live.summary.nobody"),
    )


# --- the participants ------------------------------------------------------------------------------------


async def _running(ctx: Context, number: str) -> Live:
    if not number.isdigit():
        raise UserError("error.stale_button")
    workshop = await workshops.get_workshop(ctx.session, workshop_id=int(number))
    if workshop is None:
        raise UserError("error.stale_button")
    return await load(ctx, workshop)


async def handle_join(ctx: Context, value: str) -> list[Reply]:
    """ "I'm here": a seat (added for someone not invited); someone arriving after the start gets the run
    so far."""
    state = await _running(ctx, value)
    workshop = state.workshop
    if workshop.status != WorkshopStatus.RUNNING:
        raise UserError("live.over", id=state.id, status=ctx.t(f"workshop.status.{workshop.status}"))
    late = workshop.step > 0
    _, first = await workshops.mark_joined(
        ctx.session, workshop_id=state.id, person_id=ctx.person.id or 0, at=ctx.now(), late=late
    )
    if not late or not first:
        return [Text(ctx.t("live.joined"), private=True)]
    sofar = "\n".join(
        f"- {sheet.step_text(step, ctx.library, ctx.lang)}"
        for step in state.sheet.steps[1 : workshop.step + 1]
        if step.kind in (StepKind.OPENER, StepKind.HANDS_ON, StepKind.QUIZ)
    )
    replies: list[Reply] = [Text(ctx.t("live.joined_late", sofar=sofar), private=True)]
    step = state.step(workshop.step)
    if step is not None and step.kind in (StepKind.HANDS_ON, StepKind.CLOSING, StepKind.QUIZ):
        replies += [r for r in live.private_now(state, workshop.step, ctx.person)]
    return replies


async def handle_answer(ctx: Context, value: str) -> list[Reply]:
    """A live quiz answer: private; the first one counts; after the window it is recorded as late."""
    number, _, rest = value.partition(":")
    step_text, _, choice_text = rest.partition(":")
    state = await _running(ctx, number)
    if not (step_text.isdigit() and choice_text.isdigit()):
        raise UserError("error.stale_button")
    index, choice = int(step_text), int(choice_text)
    step = state.step(index)
    lesson = state.lesson(step, live.quiz_lang(state, ctx.person)) if step else None
    if step is None or step.kind != StepKind.QUIZ or lesson is None or choice >= len(lesson.quiz.choices):
        raise UserError("error.stale_button")
    workshop = state.workshop
    if workshop.status not in (WorkshopStatus.RUNNING, WorkshopStatus.ENDED):
        raise UserError("live.not_running", id=state.id)
    now = ctx.now()
    open_now = (
        workshop.status == WorkshopStatus.RUNNING
        and workshop.step == index
        and workshop.timer_kind == live.TIMER_QUIZ
    )
    await workshops.mark_joined(
        ctx.session, workshop_id=state.id, person_id=ctx.person.id or 0, at=now, late=workshop.step > 0
    )
    kept = await workshops.record_answer(
        ctx.session,
        workshop_id=state.id,
        person_id=ctx.person.id or 0,
        step=index,
        lesson_id=lesson.id,
        choice=choice,
        correct=choice == lesson.quiz.answer_index,
        late=not open_now,
        at=now,
    )
    if not kept:
        return [Text(ctx.t("live.answer.again"), private=True)]
    key = "live.answer.taken" if open_now else "live.answer.late"
    return [Text(ctx.t(key, choice=neutralize(lesson.quiz.choices[choice], 120)), private=True)]


async def handle_check(ctx: Context, value: str) -> list[Reply]:
    """Done or Stuck on a hands-on step; the first "Stuck" tells the host, discreetly."""
    number, _, rest = value.partition(":")
    step_text, _, status = rest.partition(":")
    state = await _running(ctx, number)
    if not step_text.isdigit() or status not in (CheckStatus.DONE, CheckStatus.STUCK):
        raise UserError("error.stale_button")
    index = int(step_text)
    step = state.step(index)
    if step is None or step.kind != StepKind.HANDS_ON:
        raise UserError("error.stale_button")
    now = ctx.now()
    await workshops.mark_joined(
        ctx.session, workshop_id=state.id, person_id=ctx.person.id or 0, at=now, late=index > 0
    )
    before = await workshops.set_check(
        ctx.session, workshop_id=state.id, person_id=ctx.person.id or 0, step=index, status=status, at=now
    )
    if status == CheckStatus.DONE:
        return [Text(ctx.t("live.check.done"), private=True)]
    replies: list[Reply] = [Text(ctx.t("live.check.stuck", host=mention(state.host)), private=True)]
    if before != CheckStatus.STUCK:
        lesson = state.lesson(step, state.host.lang)
        text = t(
            "live.stuck_to_host",
            state.host.lang,
            name=mention(ctx.person),
            lesson=lesson.title if lesson else step.lesson_id,
        )
        replies.append(
            Notify(state.host.key, (Text(text),), kind=DeliveryKind.WORKSHOP, person_id=state.host.id)
        )
    return replies


async def handle_commit(ctx: Context, value: str) -> list[Reply]:
    """A commitment picked from the suggestions."""
    number, _, pick = value.partition(":")
    state = await _running(ctx, number)
    if not pick.isdigit() or int(pick) >= len(state.workshop.lessons):
        raise UserError("error.stale_button")
    lesson_id = state.workshop.lessons[int(pick)]
    lesson = sheet.lesson_in(state.library, lesson_id, ctx.lang)
    if lesson is None:
        raise UserError("error.stale_button")
    return await _commit(ctx, state, live.suggestion(lesson), lesson_id)


async def handle_commit_own(ctx: Context, value: str) -> list[Reply]:
    """A commitment the participant wrote."""
    state = await _running(ctx, value)
    typed = ctx.event.text.strip()
    if not typed:  # pressed where buttons have no box (the console): the next message is the text
        await dialogue.expect_text(
            ctx, kind=PendingKind.COMMITMENT, action=live.COMMIT_OWN_ACTION, value=value
        )
        return [Text(ctx.t("live.own_prompt"), private=True)]
    return await _commit(ctx, state, typed, None)


async def _commit(ctx: Context, state: Live, text: str, lesson_id: str | None) -> list[Reply]:
    await workshops.mark_joined(
        ctx.session,
        workshop_id=state.id,
        person_id=ctx.person.id or 0,
        at=ctx.now(),
        late=state.workshop.step > 0,
    )
    made, follow_up = await commitments.commit(
        ctx.session,
        person=ctx.person,
        text=text,
        source=CommitmentSource.WORKSHOP,
        now=ctx.now(),
        zone=await own_zone(ctx),
        workshop_id=state.id,
        lesson_id=lesson_id,
    )
    return [
        Text(ctx.t("live.committed", text=neutralize(made.text, 300)), private=True, replaces=True),
        follow_up,
    ]
