"""`workshop` (FR `atelier`): plan an express workshop, show its run-sheet, list and cancel workshops,
and the participants' answer to an invitation (`workshop.rsvp`).

Mentors plan workshops for their own mentees and admins for anyone; whoever planned it runs it (its
host). Participants see the workshops they are invited to with `workshop list`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core import runsheet
from bot.core.args import mention
from bot.core.commands import workshop_live
from bot.core.context import Context
from bot.core.dates import format_moment
from bot.core.errors import NotFound, PermissionDenied, UsageError, UserError
from bot.core.replies import FollowUp, Reply, Text
from bot.core.schedule import own_zone, zone_of
from bot.core.text import neutralize
from bot.core.workshop import invites, planning, sheet
from bot.i18n import register
from storage import activity, people, workshops
from storage.enums import AuditOutcome, Rsvp, WorkshopStatus
from storage.models import Person, Workshop

register(
    {
        "workshop.usage": {
            "en": "workshop plan <title> with <lesson ids | track> [for <cohort> | @people…] at <YYYY-MM-DD HH:MM> "
            "[minutes 60] · workshop show [number] · workshop list · workshop cancel <number> · "
            "workshop start [number] · workshop next|back|skip|more|end",
            "fr": "atelier planifier <titre> avec <leçons | parcours> [pour <cohorte> | @personnes…] le "
            "<AAAA-MM-JJ HH:MM> [minutes 60] · atelier voir [numéro] · atelier liste · atelier annuler <numéro> · "
            "atelier démarrer [numéro] · atelier suivant|retour|passer|plus|fin",
        },
        "workshop.help": {
            "en": "plan and run a live express workshop with your mentees (mentors and admins)",
            "fr": "planifier et animer un atelier express en direct avec vos mentorés (mentors et admins)",
        },
        "workshop.plan.mentors_only": {
            "en": "Mentors and admins plan workshops. Your mentor can invite you to one; `workshop list` shows "
            "those you are invited to.",
            "fr": "Les mentors et les admins planifient les ateliers. Votre mentor peut vous inviter à l’un "
            "d’eux ; `atelier liste` montre ceux auxquels vous êtes invité.",
        },
        "workshop.planned": {
            "en": "Planned: workshop #{id}. {count} invitations are on their way; each person answers with "
            "one button, and I remind them the day before and 15 minutes before.",
            "fr": "C’est prévu : atelier n° {id}. {count} invitations sont en route ; chacun répond d’un "
            "bouton, et je fais un rappel la veille et 15 minutes avant.",
        },
        "workshop.none": {
            "en": "No workshop to come. Mentors and admins plan one with `workshop plan`.",
            "fr": "Aucun atelier à venir. Les mentors et les admins en planifient un avec `atelier planifier`.",
        },
        "workshop.none_hosted": {
            "en": "You have no workshop to run. Plan one with `workshop plan`, or name its number.",
            "fr": "Vous n’avez pas d’atelier à animer. Planifiez-en un avec `atelier planifier`, ou donnez son "
            "numéro.",
        },
        "workshop.list.head": {"en": "Workshops to come:", "fr": "Ateliers à venir :"},
        "workshop.list.host": {
            "en": "- #{id} **{title}**, {when}: you run it ({coming} coming of {invited}).",
            "fr": "- n° {id} **{title}**, {when} : vous l’animez ({coming} sur {invited} viennent).",
        },
        "workshop.list.guest": {
            "en": "- #{id} **{title}**, {when}, with {host}: {answer}",
            "fr": "- n° {id} **{title}**, {when}, avec {host} : {answer}",
        },
        "workshop.your_answer": {"en": "Your answer: {answer}", "fr": "Votre réponse : {answer}"},
        "workshop.answer.invited": {"en": "no answer yet.", "fr": "pas encore de réponse."},
        "workshop.answer.coming": {"en": "you’re coming.", "fr": "vous venez."},
        "workshop.answer.declined": {"en": "not this time.", "fr": "pas cette fois."},
        "workshop.unknown": {
            "en": "There is no workshop #{id} for you. `workshop list` shows yours.",
            "fr": "Il n’y a pas d’atelier n° {id} pour vous. `atelier liste` montre les vôtres.",
        },
        "workshop.not_host": {
            "en": "Only its mentor, {host}, or an admin can do that with workshop #{id}.",
            "fr": "Seul son mentor, {host}, ou un admin peut faire cela avec l’atelier n° {id}.",
        },
        "workshop.cancel.done": {
            "en": "Workshop #{id} is cancelled. I’m telling the {count} people who were invited, with a calendar "
            "file that removes it.",
            "fr": "L’atelier n° {id} est annulé. Je préviens les {count} personnes invitées, avec un fichier "
            "qui le retire de leur agenda.",
        },
        "workshop.cancel.too_late": {
            "en": "Workshop #{id} is {status}: there is nothing to cancel.",
            "fr": "L’atelier n° {id} est {status} : il n’y a rien à annuler.",
        },
        "workshop.status.running": {"en": "running", "fr": "en cours"},
        "workshop.status.ended": {"en": "over", "fr": "terminé"},
        "workshop.status.cancelled": {"en": "already cancelled", "fr": "déjà annulé"},
        "workshop.rsvp.coming": {"en": "See you on {when}!", "fr": "À {when} !"},
        "workshop.rsvp.reminders": {
            "en": "I’ll remind you before it starts.",
            "fr": "Je vous le rappellerai avant le début.",
        },
        "workshop.rsvp.declined": {
            "en": "Noted, thank you for saying so. If you change your mind, press “I’m coming”.",
            "fr": "C’est noté, merci de l’avoir dit. Si vous changez d’avis, appuyez sur « Je viens ».",
        },
        "workshop.rsvp.gone": {
            "en": "That workshop is {status}, so there is nothing to answer.",
            "fr": "Cet atelier est {status} : il n’y a plus rien à répondre.",
        },
        "workshop.rsvp.not_invited": {
            "en": "This invitation is not yours. Ask the mentor who runs the workshop to invite you.",
            "fr": "Cette invitation n’est pas à vous. Demandez au mentor qui anime l’atelier de vous inviter.",
        },
    }
)

PLAN = ("plan", "planifier", "prevoir", "prévoir")
SHOW = ("show", "voir", "afficher")
LIST = ("list", "liste", "lister")
CANCEL = ("cancel", "annuler")
START = ("start", "demarrer", "démarrer", "lancer")
MOVES = {
    "next": "next", "suivant": "next", "back": "back", "retour": "back", "skip": "skip", "passer": "skip",
    "more": "more", "+5": "more", "plus": "more", "end": "end", "fin": "end", "terminer": "end",
}  # fmt: skip
"""Typed controls (what the mentor's buttons do), at the workshop's current step."""


async def handle_workshop(ctx: Context, args: str) -> list[Reply]:
    """`workshop <plan|show|list|cancel> …`; bare, the list."""
    word, _, rest = args.strip().partition(" ")
    word = word.lower()
    if word in PLAN:
        return await _plan(ctx, rest)
    if word in SHOW:
        return await _show(ctx, rest)
    if word in CANCEL:
        return await _cancel(ctx, rest)
    if word in START:
        return await workshop_live.start(ctx, await _pick(ctx, rest, hosting=True))
    if word in MOVES:
        workshop = await _pick(ctx, rest, hosting=True)
        return await workshop_live.control(ctx, workshop, workshop.step, MOVES[word])
    if word in LIST or not word:
        return await _list(ctx)
    raise UsageError("workshop")


async def _plan(ctx: Context, rest: str) -> list[Reply]:
    if not (ctx.is_mentor or ctx.person.is_admin):
        raise PermissionDenied("workshop", "workshop.plan.mentors_only")
    plan = await planning.plan(ctx, rest)
    now = ctx.now()
    workshop = await workshops.create_workshop(
        ctx.session,
        title=plan.title,
        host_id=ctx.person.id or 0,
        planned_by_id=ctx.person.id,
        cohort_id=plan.cohort.id if plan.cohort else None,
        starts_at=plan.starts_at,
        minutes=plan.minutes,
        lessons=plan.lessons,
        plan=plan.sheet.to_json(),
        lang=ctx.lang,
        now=now,
    )
    await workshops.add_seats(
        ctx.session, workshop_id=workshop.id or 0, person_ids=[r.id for r in plan.participants], at=now
    )
    found = await people.people_by_ids(ctx.session, ids=[r.id for r in plan.participants])
    default_tz = ctx.services.settings.default_tz
    notes: list[Reply] = []
    for person in found.values():
        zone = await zone_of(ctx.session, person, default_tz)
        notes += invites.invitation(workshop, ctx.person, person, zone, ctx.library, now=now)
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="workshop.plan",
        args={"workshop": workshop.id, "people": len(found), "lessons": list(plan.lessons)},
        outcome=AuditOutcome.OK,
    )
    done = Text(ctx.t("workshop.planned", id=workshop.id, count=len(found)), private=True)
    view = await _sheet_text(ctx, workshop, ctx.person)
    # The report names the cohort only when the whole cohort was invited (an admin's workshop).
    whole = plan.cohort is not None and ctx.person.is_admin
    return [
        done,
        Text(view, private=True),
        *notes,
        FollowUp(plan.cohort.name if whole and plan.cohort else None),
    ]


async def _show(ctx: Context, rest: str) -> list[Reply]:
    workshop = await _pick(ctx, rest)
    host = await people.get_person_by_id(ctx.session, person_id=workshop.host_id)
    if host is None:  # the host was forgotten: the workshop went with them
        raise NotFound("workshop.unknown", id=workshop.id)
    text = await _sheet_text(ctx, workshop, host)
    if _may_run(ctx, workshop) or workshop.status != WorkshopStatus.PLANNED:
        return [Text(text, private=True)]
    # A participant sees their own answer, and can give or change it here.
    seats = await workshops.seats_of(ctx.session, workshop_id=workshop.id or 0)
    mine = next((seat for seat, person in seats if person.id == ctx.person.id), None)
    answer = ctx.t(f"workshop.answer.{mine.rsvp if mine else Rsvp.INVITED}")
    line = ctx.t("workshop.your_answer", answer=answer)
    return [Text(f"{text}\n\n{line}", invites.rsvp_buttons(workshop, ctx.lang), private=True)]


async def _sheet_text(ctx: Context, workshop: Workshop, host: Person) -> str:
    """The run-sheet for its host and admins; the head and the lessons alone for a participant."""
    zone = await own_zone(ctx)
    lines = [sheet.head(workshop, host, zone, ctx.lang)]
    if _may_run(ctx, workshop):
        seats = [seat for seat, _ in await workshops.seats_of(ctx.session, workshop_id=workshop.id or 0)]
        lines.append(sheet.answers_line(seats, ctx.lang))
        lines += sheet.steps(runsheet.RunSheet.from_json(workshop.plan), ctx.library, ctx.lang)
    else:
        lines.append(invites.lesson_titles(ctx.library, workshop.lessons, ctx.lang))
    return "\n\n".join(lines)


async def _list(ctx: Context) -> list[Reply]:
    found = await workshops.workshops_of(ctx.session, person_id=ctx.person.id or 0, now=ctx.now())
    if not found:
        return [Text(ctx.t("workshop.none"), private=True)]
    zone = await own_zone(ctx)
    lines = [ctx.t("workshop.list.head")]
    for workshop in found:
        lines.append(await _list_line(ctx, workshop, zone))
    return [Text("\n".join(lines), private=True)]


async def _list_line(ctx: Context, workshop: Workshop, zone: ZoneInfo) -> str:
    when = format_moment(workshop.starts_at, zone, ctx.lang)
    title = neutralize(workshop.title, 120)
    seats = await workshops.seats_of(ctx.session, workshop_id=workshop.id or 0)
    if workshop.host_id == ctx.person.id:
        invited = [seat for seat, _ in seats if seat.invited]
        coming = sum(1 for seat in invited if seat.rsvp == Rsvp.COMING)
        return ctx.t(
            "workshop.list.host", id=workshop.id, title=title, when=when, coming=coming, invited=len(invited)
        )
    mine = next((seat for seat, person in seats if person.id == ctx.person.id), None)
    host = await people.get_person_by_id(ctx.session, person_id=workshop.host_id)
    answer = ctx.t(f"workshop.answer.{mine.rsvp if mine else Rsvp.INVITED}")
    return ctx.t(
        "workshop.list.guest",
        id=workshop.id,
        title=title,
        when=when,
        host=mention(host) if host else "?",
        answer=answer,
    )


async def _cancel(ctx: Context, rest: str) -> list[Reply]:
    workshop = await _pick(ctx, rest, require_number=True)
    host = await people.get_person_by_id(ctx.session, person_id=workshop.host_id)
    if host is None:
        raise NotFound("workshop.unknown", id=workshop.id)
    if not _may_run(ctx, workshop):
        raise PermissionDenied("workshop", "workshop.not_host", host=mention(host), id=workshop.id)
    if workshop.status != WorkshopStatus.PLANNED:
        raise UserError(
            "workshop.cancel.too_late", id=workshop.id, status=ctx.t(f"workshop.status.{workshop.status}")
        )
    if not await workshops.transition(
        ctx.session, workshop_id=workshop.id or 0, version=workshop.version, status=WorkshopStatus.CANCELLED
    ):
        raise UserError("workshop.cancel.too_late", id=workshop.id, status=ctx.t("workshop.status.running"))
    await workshops.delete_waiting(ctx.session, workshop_id=workshop.id or 0)
    now = ctx.now()
    default_tz = ctx.services.settings.default_tz
    notes: list[Reply] = []
    for seat, person in await workshops.seats_of(ctx.session, workshop_id=workshop.id or 0):
        if seat.rsvp == Rsvp.DECLINED:
            continue
        zone = await zone_of(ctx.session, person, default_tz)
        notes.append(invites.cancellation(workshop, host, person, zone, ctx.library, now=now))
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="workshop.cancel",
        args={"workshop": workshop.id},
        outcome=AuditOutcome.OK,
    )
    return [Text(ctx.t("workshop.cancel.done", id=workshop.id, count=len(notes)), private=True), *notes]


def _may_run(ctx: Context, workshop: Workshop) -> bool:
    """Its host and admins run a workshop and see its run-sheet and answers."""
    return ctx.person.is_admin or workshop.host_id == ctx.person.id


async def _pick(ctx: Context, rest: str, *, require_number: bool = False, hosting: bool = False) -> Workshop:
    """The workshop numbered in `rest` (`12` or `#12`) that the person may see, or else their next one
    (`hosting`: the running or next one they host; for a participant, who hosts none, the next one
    they are invited to, whose mentor the command then names as the one who runs it)."""
    word = rest.strip().lstrip("#n°").strip()
    if not word:
        if require_number:
            raise UsageError("workshop")
        if hosting:
            mine = await workshops.next_of_host(ctx.session, host_id=ctx.person.id or 0, now=ctx.now())
            if mine is not None:
                return mine
            if ctx.is_mentor or ctx.person.is_admin:
                raise UserError("workshop.none_hosted")
        found = await workshops.workshops_of(ctx.session, person_id=ctx.person.id or 0, now=ctx.now())
        if not found:
            raise UserError("workshop.none")
        return found[0]
    if not word.isdigit():
        raise UsageError("workshop")
    workshop = await workshops.get_workshop(ctx.session, workshop_id=int(word))
    if workshop is None or not (_may_run(ctx, workshop) or await _invited(ctx, workshop)):
        raise NotFound("workshop.unknown", id=neutralize(word, 12))
    return workshop


async def _invited(ctx: Context, workshop: Workshop) -> bool:
    seats = await workshops.seats_of(ctx.session, workshop_id=workshop.id or 0)
    return any(person.id == ctx.person.id for _, person in seats)


async def handle_rsvp(ctx: Context, value: str) -> list[Reply]:
    """A participant's answer to an invitation: coming, or not this time (reminders withdrawn, or back)."""
    number, _, answer = value.partition(":")
    if not number.isdigit() or answer not in (Rsvp.COMING, Rsvp.DECLINED):
        raise UserError("error.stale_button")
    workshop = await workshops.get_workshop(ctx.session, workshop_id=int(number))
    if workshop is None or workshop.status != WorkshopStatus.PLANNED:
        status = workshop.status if workshop is not None else WorkshopStatus.CANCELLED
        raise UserError("workshop.rsvp.gone", status=ctx.t(f"workshop.status.{status}"))
    seat = await workshops.set_rsvp(
        ctx.session, workshop_id=workshop.id or 0, person_id=ctx.person.id or 0, rsvp=answer, at=ctx.now()
    )
    if seat is None:
        raise UserError("workshop.rsvp.not_invited")
    zone = await own_zone(ctx)
    replies: list[Reply] = []
    await workshops.delete_reminders(ctx.session, workshop_id=workshop.id or 0, person_id=ctx.person.id or 0)
    if answer == Rsvp.COMING:
        host = await people.get_person_by_id(ctx.session, person_id=workshop.host_id)
        if host is not None:
            replies += invites.reminders(workshop, host, ctx.person, zone, ctx.library, now=ctx.now())
        text = ctx.t("workshop.rsvp.coming", when=format_moment(workshop.starts_at, zone, ctx.lang))
        if replies:  # the reminders still to come
            text += " " + ctx.t("workshop.rsvp.reminders")
        return [Text(text, replaces=True), *replies]
    buttons = invites.rsvp_buttons(workshop, ctx.lang)[:1]
    return [Text(ctx.t("workshop.rsvp.declined"), buttons, replaces=True)]


async def handle_control(ctx: Context, value: str) -> list[Reply]:
    """A press on the mentor's panel: `<workshop>:<step>:<next|back|skip|more|end>`."""
    number, step, move = [*value.split(":"), "", "", ""][:3]
    if not (number.isdigit() and step.lstrip("-").isdigit()) or move not in set(MOVES.values()):
        raise UserError("error.stale_button")
    workshop = await workshops.get_workshop(ctx.session, workshop_id=int(number))
    if workshop is None:
        raise UserError("error.stale_button")
    return await workshop_live.control(ctx, workshop, int(step), move)


async def handle_view(ctx: Context, value: str) -> list[Reply]:
    """The mentor's panel as the person looking at it sees it now (`<workshop>`); changes nothing."""
    if not value.isdigit():
        raise UserError("error.stale_button")
    workshop = await workshops.get_workshop(ctx.session, workshop_id=int(value))
    if workshop is None:
        raise UserError("error.stale_button")
    return await workshop_live.view(ctx, workshop)
