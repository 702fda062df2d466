"""`push <@person | cohort> <text> [at YYYY-MM-DD HH:MM]`: a mentor's own tip, now or later."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.core import limits
from bot.core.args import (
    check_length,
    is_person_token,
    mention,
    parse_date,
    resolve_cohort,
    resolve_person,
    timing_error,
)
from bot.core.context import Context
from bot.core.errors import PermissionDenied, UsageError, UserError
from bot.core.replies import FollowUp, Notify, Reply, Text
from bot.core.schedule import own_zone
from bot.core.text import clean, defuse_broadcasts, neutralize, quote
from bot.i18n import register, t
from scheduler import timing
from storage import activity, cohorts, people
from storage.cohorts import Reader
from storage.enums import AuditOutcome, DeliveryKind, UsageKind
from storage.models import Cohort, CustomTip, CustomTipCreate, Person

logger = logging.getLogger(__name__)

register(
    {
        "push.usage": {
            "en": "push <@person | cohort> <text> [at YYYY-MM-DD HH:MM]",
            "fr": "push <@personne | cohorte> <texte> [at AAAA-MM-JJ HH:MM]",
        },
        "push.help": {
            "en": "send your own tip to a mentee or a cohort, now or later",
            "fr": "envoyer votre propre conseil à un mentoré ou à une cohorte, maintenant ou plus tard",
        },
        "push.empty": {
            "en": "What should the tip say? Write it after the person or the cohort.",
            "fr": "Que doit dire le conseil ? Écrivez-le après la personne ou la cohorte.",
        },
        "push.bad_when": {
            "en": "Give the date and the time, like `at 2027-01-05 09:30` (your time zone: {zone}).",
            "fr": "Indiquez la date et l’heure, par exemple `at 2027-01-05 09:30` (votre fuseau : {zone}).",
        },
        "push.past": {
            "en": "{when} ({zone}) has already passed. Choose a time in the future.",
            "fr": "{when} ({zone}) est déjà passé. Choisissez un moment à venir.",
        },
        "push.not_your_mentee": {
            "en": "{name} is not one of your mentees, so you can’t send them a tip. "
            "`mentees` shows the people you mentor.",
            "fr": "{name} ne fait pas partie de vos mentorés : vous ne pouvez pas lui envoyer de conseil. "
            "`mentees` affiche les personnes que vous accompagnez.",
        },
        "push.not_your_cohort": {
            "en": "You don’t mentor anyone in the cohort {cohort}, so you can’t send it a tip.",
            "fr": "Vous n’accompagnez personne dans la cohorte {cohort} : vous ne pouvez pas lui envoyer "
            "de conseil.",
        },
        "push.no_channel": {
            "en": "Tips go to a mentee or a cohort, not to a channel such as {channel}: "
            "`push @name <text>` or `push <cohort> <text>`.",
            "fr": "Les conseils vont à un mentoré ou à une cohorte, pas à un canal comme {channel} : "
            "`push @nom <texte>` ou `push <cohorte> <texte>`.",
        },
        "push.nobody": {
            "en": "Nobody is enrolled in the cohort {cohort} yet, so there is no one to send the tip to.",
            "fr": "Personne n’est encore inscrit dans la cohorte {cohort} : il n’y a personne à qui envoyer "
            "le conseil.",
        },
        "push.sent_person": {
            "en": "On its way to {name}. Thank you!",
            "fr": "C’est parti pour {name}. Merci !",
        },
        "push.sent_cohort": {
            "en": "Your tip is on its way to the {count} people of the cohort {cohort}. Thank you! "
            "I’ll tell you here when it has reached them.",
            "fr": "Votre conseil part vers les {count} personnes de la cohorte {cohort}. Merci ! "
            "Je vous dirai ici quand il leur sera parvenu.",
        },
        "push.scheduled_person": {
            "en": "Planned: {name} will get your tip on {when} ({zone}).",
            "fr": "C’est prévu : {name} recevra votre conseil le {when} ({zone}).",
        },
        "push.scheduled_cohort": {
            "en": "Planned: the {count} people of the cohort {cohort} will get your tip on {when} ({zone}).",
            "fr": "C’est prévu : les {count} personnes de la cohorte {cohort} recevront votre conseil "
            "le {when} ({zone}).",
        },
        "push.incoming": {
            "en": "A tip from {mentor}:\n{tip}",
            "fr": "Un conseil de {mentor} :\n{tip}",
        },
    }
)

MAX_TIP_CHARS = 1000
# A trailing `at <date> [<time>]`, recognised only when the date looks like one (digits and - / .),
# so a tip that merely ends with "at 10 am" or "at the office" stays text.
WHEN_RE = re.compile(
    r"^(?P<text>.*?)(?:^|\s+)(?:at|à)\s+(?P<date>\d+[-/.][\d\-/.]*)(?:\s+(?P<time>\S+))?\s*$", re.S
)


@dataclass(frozen=True, slots=True)
class Target:
    """Who a push reaches: one person, or everyone enrolled in a cohort (as readers: id, key, language)."""

    people: list[Reader]
    person: Person | None = None
    cohort: Cohort | None = None


def local_text(moment: dt.datetime, zone: ZoneInfo) -> str:
    """`2027-01-05 09:30` in `zone`: how times are shown to the person who typed them."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def tip_reply(author: Person, text: str, lang: str) -> Text:
    """The tip as its reader sees it, in their language; the drip dispatcher sends the same message."""
    return Text(t("push.incoming", lang, mentor=mention(author), tip=quote(text, MAX_TIP_CHARS)))


async def handle_push(ctx: Context, args: str) -> list[Reply]:
    """Send a tip now (Notify + ledger rows) or queue it for the dispatcher (CustomTip + pending rows)."""
    words = args.split(maxsplit=1)
    if not words:
        raise UsageError("push")
    token, rest = words[0], words[1] if len(words) > 1 else ""
    if token in ctx.event.groups:
        raise UserError("push.no_channel", channel=neutralize(ctx.event.groups[token].label, 80))
    target = await _resolve_target(ctx, token)
    text, when = await _split_when(ctx, rest)
    text = clean(check_length(text, MAX_TIP_CHARS), MAX_TIP_CHARS)
    if not text:
        raise UsageError("push", "push.empty")
    budget = await limits.spend(ctx, UsageKind.PUSH)
    if not budget.allowed:
        raise await limits.refusal(ctx, "limit.push", budget)
    tip = await activity.create_tip(
        ctx.session,
        data=CustomTipCreate(
            author_id=ctx.person.id or 0,
            target_person_id=target.person.id if target.person else None,
            target_cohort_id=target.cohort.id if target.cohort else None,
            text=defuse_broadcasts(text),
            send_at=when or ctx.now(),
        ),
    )
    if when is None:
        replies = await _send_now(ctx, tip, target, text)
    else:
        replies = await _schedule(ctx, tip, target, when)
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="push",
        args={
            "target": _label(target),
            "tip": tip.id,
            "people": len(target.people),
            "send_at": when.isoformat() if when else None,
        },
        outcome=AuditOutcome.OK,
    )
    return replies


def _label(target: Target) -> str:
    """How the audit log names the target: a person key or `cohort:<name>`."""
    if target.person is not None:
        return target.person.key
    return f"cohort:{target.cohort.name if target.cohort else ''}"


async def _resolve_target(ctx: Context, token: str) -> Target:
    """A mentioned person (own mentee) or a cohort (where the mentor has a mentee); admins: anyone."""
    if is_person_token(ctx, token):
        person = await resolve_person(ctx, token, command="push")
        if not ctx.person.is_admin:
            mentor = await people.mentor_of(ctx.session, mentee_id=person.id or 0)
            if mentor is None or mentor.id != ctx.person.id:
                raise PermissionDenied("push", "push.not_your_mentee", name=mention(person))
        return Target([Reader(person.id or 0, person.key, person.lang)], person=person)
    cohort = await resolve_cohort(ctx, token, command="push")
    name = neutralize(cohort.name, 60)
    if not ctx.person.is_admin:
        mine = await cohorts.mentees_enrolled_in(
            ctx.session, mentor_id=ctx.person.id or 0, cohort_id=cohort.id or 0
        )
        if not mine:
            raise PermissionDenied("push", "push.not_your_cohort", cohort=name)
    members = await cohorts.cohort_readers(ctx.session, cohort_id=cohort.id or 0)
    targets = [reader for reader in members if reader.id != ctx.person.id]
    if not targets:
        raise UserError("push.nobody", cohort=name)
    return Target(targets, cohort=cohort)


async def _split_when(ctx: Context, rest: str) -> tuple[str, dt.datetime | None]:
    """The tip text and, when it ends with `at <date> <time>` (mentor's zone), that moment in UTC."""
    match = WHEN_RE.match(rest.strip())
    if match is None:
        return rest, None
    zone = await own_zone(ctx)
    if not match["time"]:
        raise UsageError("push", "push.bad_when", zone=zone.key)
    day = parse_date(match["date"])
    try:
        time_of_day = timing.parse_time(match["time"])
    except timing.TimingError as exc:
        raise timing_error(exc) from None
    when = timing.local_moment(day, time_of_day, zone).astimezone(dt.UTC)
    if when <= ctx.now():
        raise UserError("push.past", when=local_text(when, zone), zone=zone.key)
    return match["text"], when


def _readers(ctx: Context, tip: CustomTip, target: Target, text: str, at: dt.datetime | None) -> list[Reply]:
    """One Notify per reader, in their language, keyed by the tip and the reader; for a cohort, the mentor
    hears when it has reached everyone."""
    replies = {lang: (tip_reply(ctx.person, text, lang),) for lang in {r.lang for r in target.people}}
    notes: list[Reply] = [
        Notify(
            reader.key, replies[reader.lang], kind=DeliveryKind.TIP, tip_id=tip.id, at=at, person_id=reader.id
        )
        for reader in target.people
    ]
    if target.cohort is not None:
        notes.append(FollowUp(audience=target.cohort.name))
    return notes


async def _send_now(ctx: Context, tip: CustomTip, target: Target, text: str) -> list[Reply]:
    """The tip goes out at once, through the delivery ledger."""
    if target.cohort is not None:
        done = ctx.t("push.sent_cohort", count=len(target.people), cohort=neutralize(target.cohort.name, 60))
    else:
        assert target.person is not None  # a target is a cohort or one person
        done = ctx.t("push.sent_person", name=mention(target.person))
    return [Text(done, private=True), *_readers(ctx, tip, target, text, None)]


async def _schedule(ctx: Context, tip: CustomTip, target: Target, when: dt.datetime) -> list[Reply]:
    """The tip waits in the ledger; the dispatcher sends it at `when`."""
    zone = await own_zone(ctx)
    values = {"when": local_text(when, zone), "zone": zone.key}
    if target.cohort is not None:
        cohort = neutralize(target.cohort.name, 60)
        done = ctx.t("push.scheduled_cohort", count=len(target.people), cohort=cohort, **values)
    else:
        assert target.person is not None  # a target is a cohort or one person
        done = ctx.t("push.scheduled_person", name=mention(target.person), **values)
    return [Text(done, private=True), *_readers(ctx, tip, target, tip.text, when)]
