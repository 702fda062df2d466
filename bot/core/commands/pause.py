"""A break from tips: `pause`, `pause 2 weeks`, `pause until 2027-01-05`, and `resume`.

An admin may pause or resume a learner: `pause @person [2 weeks | until …]`, `resume @person` (the web
dashboard's buttons run these). It is audited, and the learner is told through the ledger who paused
or resumed their tips. A learner's own `stop` stays theirs: an admin's `resume` ends pauses only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from bot.core import mentor_guide
from bot.core.args import is_person_token, mention, parse_date, resolve_person
from bot.core.context import Context
from bot.core.dates import format_day, format_until
from bot.core.errors import PermissionDenied, UsageError, UserError
from bot.core.replies import Notify, Reply, Text
from bot.core.schedule import live_pause, next_tip_line, own_zone, reschedule
from bot.i18n import register, t
from scheduler import timing
from storage import activity, cohorts, people
from storage.enums import AuditOutcome, EnrollmentStatus, StopCause
from storage.models import Cohort, Enrollment, EnrollmentUpdate, Person, PersonUpdate

register(
    {
        "pause.usage": {
            "en": "pause [3 days | 2 weeks | until 2027-01-05]",
            "fr": "pause [3 jours | 2 semaines | jusqu'au 2027-01-05]",
        },
        "pause.help": {"en": "take a break from tips", "fr": "faire une pause dans les conseils"},
        "resume.usage": {"en": "resume [track]", "fr": "reprendre [parcours]"},
        "resume.help": {
            "en": "get tips again after a pause or `stop`; `resume <track>` brings back a track you stopped",
            "fr": "reprendre les conseils après une pause ou `arrêter` ; `reprendre <parcours>` fait revenir "
            "un parcours que vous avez arrêté",
        },
        "pause.done": {
            "en": "Enjoy your break! Your tips are paused until {until}. "
            "Type `resume` to start again sooner.",
            "fr": "Bonne pause ! Vos conseils sont suspendus jusqu’au {until}. Tapez `reprendre` pour reprendre "
            "plus tôt.",
        },
        "pause.past": {
            "en": "{date} is not in the future. Choose a later date, like `pause until {example}`.",
            "fr": "Le {date} n’est pas dans le futur. Choisissez une date plus lointaine, par exemple "
            "`pause jusqu'au {example}`.",
        },
        "pause.too_long": {
            "en": "A pause can last up to {limit} days. For a longer break, ask a programme admin.",
            "fr": "Une pause peut durer jusqu’à {limit} jours. Pour une pause plus longue, "
            "adressez-vous à un administrateur du programme.",
        },
        "resume.done": {
            "en": "Welcome back! Your tips start again.",
            "fr": "Bon retour parmi nous ! Vos conseils reprennent.",
        },
        "resume.not_paused": {
            "en": "Your tips are not paused, so there is nothing to resume.",
            "fr": "Vos conseils ne sont pas en pause : il n’y a rien à reprendre.",
        },
        "stop.usage": {"en": "stop [track]", "fr": "arrêter [parcours]"},
        "stop.help": {
            "en": "stop your tips (`resume` brings them back), or one track alone (`resume <track>` "
            "brings it back)",
            "fr": "arrêter vos conseils (`reprendre` les fait revenir), ou un seul parcours "
            "(`reprendre <parcours>` le fait revenir)",
        },
        "stop.done": {
            "en": "Done: no more tips from now on. Nothing is lost: type `resume` whenever you want them "
            "back, and they will pick up where you stopped.",
            "fr": "C’est fait : plus de conseils à partir de maintenant. Rien n’est perdu : tapez `reprendre` "
            "quand vous voudrez les retrouver, ils reprendront là où vous vous êtes arrêté.",
        },
        "stop.already": {
            "en": "Your tips are already stopped. Type `resume` to get them back.",
            "fr": "Vos conseils sont déjà arrêtés. Tapez `reprendre` pour les retrouver.",
        },
        "stop.none": {
            "en": "You are not receiving tips, so there is nothing to stop.",
            "fr": "Vous ne recevez pas de conseils : il n’y a rien à arrêter.",
        },
        "stop.reason": {"en": "stopped by the learner", "fr": "arrêté par l’apprenant"},
        "pause.others_admin_only": {
            "en": "Only programme admins can pause or resume someone else’s tips. To pause your own, "
            "type `pause`.",
            "fr": "Seuls les administrateurs du programme peuvent suspendre ou reprendre les conseils de "
            "quelqu’un d’autre. Pour suspendre les vôtres, tapez `pause`.",
        },
        "pause.admin_done": {
            "en": "{person}’s tips are paused until {until}. I told them.",
            "fr": "Les conseils {person:de} sont suspendus jusqu’au {until}. La personne en est informée.",
        },
        "pause.by_admin": {
            "en": "{admin} paused your tips until {until}. Type `resume` to start again sooner.",
            "fr": "{admin} a suspendu vos conseils jusqu’au {until}. Tapez `reprendre` pour reprendre "
            "plus tôt.",
        },
        "resume.admin_done": {
            "en": "{person}’s tips start again. I told them.",
            "fr": "Les conseils {person:de} reprennent. La personne en est informée.",
        },
        "resume.by_admin": {
            "en": "{admin} ended the pause of your tips: they start again.",
            "fr": "{admin} a mis fin à la pause de vos conseils : ils reprennent.",
        },
        "resume.other_not_paused": {
            "en": "{person}’s tips are not paused, so there is nothing to resume.",
            "fr": "Les conseils {person:de} ne sont pas en pause : il n’y a rien à reprendre.",
        },
    }
)

DEFAULT_PAUSE = dt.timedelta(days=7)
MAX_PAUSE_DAYS = 90
ADMIN_MAX_PAUSE_DAYS = 365
"""An admin may grant a longer break than a learner can take alone."""
DURATION_RE = re.compile(r"(\d{1,4})\s*(d|days?|j|jours?|w|weeks?|sem|semaines?)", re.IGNORECASE)
UNTIL_RE = re.compile(r"(?:until|till|jusqu\s*['’]?\s*(?:au|à|a))\s+(\S+)", re.IGNORECASE)
DATE_RE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


async def handle_pause(ctx: Context, args: str) -> list[Reply]:
    """Pause every active enrollment until a moment; the next tip comes on the first slot after it.
    `pause @person …` is an admin pausing a learner."""
    words = args.split()
    if words and is_person_token(ctx, words[0]):
        return await _pause_learner(ctx, words[0], " ".join(words[1:]))
    now = ctx.now()
    zone = await own_zone(ctx)
    until = _pause_end(args.strip(), now, zone, ctx.lang)
    if until - now > dt.timedelta(days=MAX_PAUSE_DAYS):
        raise UserError("pause.too_long", limit=MAX_PAUSE_DAYS)
    # The learner's own pause: not one for inactivity, and its days are not inactive ones.
    change = PersonUpdate(paused_until=until, pause_reason=None, idle_since=until)
    await people.update_person(ctx.session, person=ctx.person, data=change)
    await _set_enrollment_pause(ctx, until)
    line = await next_tip_line(ctx, await reschedule(ctx))
    shown = format_until(until, zone, ctx.lang)
    return [Text(f"{ctx.t('pause.done', until=shown)}\n{line}", private=True)]


async def handle_resume(ctx: Context, args: str) -> list[Reply]:
    """End the learner's pause (theirs, or the two weeks after three unanswered nudges), or bring back
    the tips they stopped with a bare `stop`; the next tip comes on the next slot. A track they stopped
    alone (`stop <track or cohort>`) stays stopped, and the reply says how to bring it back:
    `resume <track or cohort>` (`mentor_guide.resume_one`). `resume @person` is an admin ending a
    learner's pause."""
    words = args.split()
    if words and is_person_token(ctx, words[0]):
        if len(words) > 1:
            raise UsageError("resume")
        return await _resume_learner(ctx, words[0])
    now = ctx.now()
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0)
    paused = _is_paused(ctx, enrolled)
    if words:
        one = await mentor_guide.resume_one(ctx, args, paused=paused)
        if one is not None:
            return one
    stopped = [e for e, _ in enrolled if cohorts.stopped_with_all(e)]
    alone = mentor_guide.still_stopped(ctx, enrolled)
    if not paused and not stopped:
        return [Text("\n".join([ctx.t("resume.not_paused"), *alone]), private=True)]
    for enrollment in stopped:
        await cohorts.resume_enrollment(ctx.session, enrollment=enrollment, next_due_at=now)
    # A pause for inactivity ends here too; inactivity counts again from now.
    change = PersonUpdate(paused_until=None, pause_reason=None, idle_since=now, nudge_at=None)
    await people.update_person(ctx.session, person=ctx.person, data=change)
    await _set_enrollment_pause(ctx, None)
    line = await next_tip_line(ctx, await reschedule(ctx))
    return [Text("\n".join([ctx.t("resume.done"), line, *alone]), private=True)]


async def handle_stop(ctx: Context, args: str) -> list[Reply]:
    """The learner stops their own tips, in every cohort, until they `resume`; an admin cannot undo it.
    `stop <track or cohort>` stops that one alone (`stop mentor-guide`, `mentor_guide.stop_one`), until
    `resume <track or cohort>`; `stop` followed by other words is a question ("stop notifications on
    LinkedIn"), not the command."""
    if args.strip():
        one = await mentor_guide.stop_one(ctx, args)
        if one is not None:
            return one
        from bot.core.commands.ask import handle_ask

        text = ctx.event.text.strip()
        return await handle_ask(
            ctx, text[len("/tandem") :].strip() if text.lower().startswith("/tandem") else text
        )
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0)
    active = [e for e, _ in enrolled if e.status == EnrollmentStatus.ACTIVE]
    if not active:
        already = any(cohorts.stopped_with_all(e) for e, _ in enrolled)
        said = ctx.t("stop.already" if already else "stop.none")
        return [Text("\n".join([said, *mentor_guide.still_stopped(ctx, enrolled)]), private=True)]
    for enrollment in active:
        await cohorts.stop_enrollment(
            ctx.session,
            enrollment=enrollment,
            cause=StopCause.LEARNER,
            reason=ctx.t("stop.reason"),
            now=ctx.now(),
        )
    return [Text(ctx.t("stop.done"), private=True)]


async def _learner(ctx: Context, token: str, command: str) -> Context:
    """The context of the learner an admin named: the same event and transaction, their person. Anyone
    else naming someone is refused (and audited)."""
    if not ctx.person.is_admin:
        raise PermissionDenied(command, "pause.others_admin_only")
    learner = await resolve_person(ctx, token, command=command)
    return replace(ctx, person=learner, speaking=None)


def _is_paused(ctx: Context, enrolled: list[tuple[Enrollment, Cohort]]) -> bool:
    """Whether the context's person is in a pause (theirs, an admin's, or one for inactivity)."""
    now = ctx.now()
    return live_pause(ctx) is not None or any(
        e.status == EnrollmentStatus.ACTIVE and e.paused_until is not None and e.paused_until > now
        for e, _ in enrolled
    )


async def _pause_learner(ctx: Context, token: str, rest: str) -> list[Reply]:
    """An admin pauses a learner: the same pause as their own, audited; the learner is told by whom."""
    theirs = await _learner(ctx, token, "pause")
    learner = theirs.person
    now = ctx.now()
    zone = await own_zone(theirs)
    until = _pause_end(rest.strip(), now, zone, ctx.lang)
    if until - now > dt.timedelta(days=ADMIN_MAX_PAUSE_DAYS):
        raise UserError("pause.too_long", limit=ADMIN_MAX_PAUSE_DAYS)
    change = PersonUpdate(paused_until=until, pause_reason=None, idle_since=until)
    await people.update_person(ctx.session, person=learner, data=change)
    await _set_enrollment_pause(theirs, until)
    line = await next_tip_line(theirs, await reschedule(theirs))
    await _audit(ctx, "pause", learner, until=until.isoformat())
    told = t(
        "pause.by_admin",
        learner.lang,
        admin=mention(ctx.person),
        until=format_until(until, zone, learner.lang),
    )
    shown = format_until(until, zone, ctx.lang)
    return [
        Text(ctx.t("pause.admin_done", person=mention(learner), until=shown)),
        Notify(learner.key, (Text(f"{told}\n{line}"),)),
    ]


async def _resume_learner(ctx: Context, token: str) -> list[Reply]:
    """An admin ends a learner's pause (their own, or one for inactivity); tips the learner stopped
    themselves stay stopped: only they can bring them back."""
    theirs = await _learner(ctx, token, "resume")
    learner = theirs.person
    now = ctx.now()
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=learner.id or 0)
    if not _is_paused(theirs, enrolled):
        return [Text(ctx.t("resume.other_not_paused", person=mention(learner)))]
    change = PersonUpdate(paused_until=None, pause_reason=None, idle_since=now, nudge_at=None)
    await people.update_person(ctx.session, person=learner, data=change)
    await _set_enrollment_pause(theirs, None)
    line = await next_tip_line(theirs, await reschedule(theirs))
    await _audit(ctx, "resume", learner)
    told = t("resume.by_admin", learner.lang, admin=mention(ctx.person))
    return [
        Text(ctx.t("resume.admin_done", person=mention(learner))),
        Notify(learner.key, (Text(f"{told}\n{line}"),)),
    ]


async def _audit(ctx: Context, action: str, learner: Person, **extra: str) -> None:
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action=action,
        args={"person": learner.key, **extra},
        outcome=AuditOutcome.OK,
    )


async def _set_enrollment_pause(ctx: Context, until: dt.datetime | None) -> None:
    """Pausing touches active enrollments; resuming clears every enrollment's pause."""
    for enrollment, _ in await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0):
        if until is None and enrollment.paused_until is None:
            continue
        if until is not None and enrollment.status != EnrollmentStatus.ACTIVE:
            continue
        await cohorts.update_enrollment(
            ctx.session, enrollment=enrollment, data=EnrollmentUpdate(paused_until=until)
        )


def _pause_end(text: str, now: dt.datetime, zone: timing.ZoneInfo, lang: str) -> dt.datetime:
    """The moment the pause ends: now + a duration, or the start of a local day. Nonsense -> usage."""
    if not text:
        return now + DEFAULT_PAUSE
    if match := DURATION_RE.fullmatch(text):
        amount, unit = int(match.group(1)), match.group(2).lower()
        if amount == 0:
            raise UsageError("pause")
        weeks = unit.startswith(("w", "sem"))
        return now + dt.timedelta(days=amount * 7 if weeks else amount)
    match = UNTIL_RE.fullmatch(text)
    token = match.group(1) if match else text if DATE_RE.fullmatch(text) else None
    if token is None:
        raise UsageError("pause")
    day = parse_date(token)
    until = timing.local_moment(day, dt.time(0, 0), zone).astimezone(dt.UTC)
    if until <= now:
        example = (now.astimezone(zone).date() + dt.timedelta(days=7)).isoformat()
        raise UserError("pause.past", date=format_day(day, lang), example=example)
    return until
