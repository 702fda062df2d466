"""`push <@person | cohort> <text> [at <when>]`: a mentor's own tip, now or later.

`<when>` is a date and a time (`at 2027-01-05 09:30`), or a day word with or without a time (`at tomorrow`,
`at demain 9h`, `at friday 10:00`). A time typed by the mentor is in the mentor's zone; a day word alone
means the reader's own tip time on that day, in the reader's zone (for a cohort, the cohort's).
"""

from __future__ import annotations

import datetime as dt
import difflib
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
from bot.core.dates import DAY_WORDS, WEEKDAY_WORDS, day_after, day_word
from bot.core.errors import PermissionDenied, UsageError, UserError
from bot.core.replies import FollowUp, Notify, Reply, Text
from bot.core.schedule import own_zone
from bot.core.text import clean, defuse_broadcasts, neutralize, quote
from bot.i18n import register, t
from scheduler import plan, timing
from storage import activity, cohorts, people
from storage.cohorts import Reader
from storage.defaults import DELIVERY_TIME
from storage.enums import AuditOutcome, DeliveryKind, UsageKind
from storage.models import Cohort, CustomTip, CustomTipCreate, Person

logger = logging.getLogger(__name__)

register(
    {
        "push.usage": {
            "en": "push <@person | cohort> <text> [at YYYY-MM-DD HH:MM | at tomorrow | at friday 10:00]",
            "fr": "push <@personne | cohorte> <texte> [at AAAA-MM-JJ HH:MM | at demain | at vendredi 10:00]",
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
            "en": "Say when after `at`: a date and a time, like `at 2027-01-05 09:30` (your time zone: "
            "{zone}), or a day, like `at tomorrow` or `at friday` (their usual tip time) or "
            "`at friday 10:00`. Without `at`, the tip goes now.",
            "fr": "Indiquez le moment après `at` : une date et une heure, par exemple "
            "`at 2027-01-05 09:30` (votre fuseau : {zone}), ou un jour, par exemple `at demain` ou "
            "`at vendredi` (à l’heure habituelle de ses conseils) ou `at vendredi 10:00`. Sans `at`, "
            "le conseil part tout de suite.",
        },
        "push.past": {
            "en": "{when} ({zone}) has already passed. Choose a time in the future.",
            "fr": "{when} ({zone}) est déjà passé. Choisissez un moment à venir.",
        },
        "push.not_your_mentee": {
            "en": "{name} is not one of your mentees, so you can’t send them a tip. "
            "`mentees` shows the people you mentor.",
            "fr": "{name} ne fait pas partie de vos mentorés : vous ne pouvez pas lui envoyer de conseil. "
            "`mentorés` affiche les personnes que vous accompagnez.",
        },
        "push.no_mentees": {
            "en": "You don’t have a mentee yet, so there is nobody to send your tip to: a mentor’s tips go "
            "to their own mentees. An admin can pair you with someone with `pair`; nothing was sent.",
            "fr": "Vous n’avez pas encore de mentoré : votre conseil ne trouverait personne, car les "
            "conseils d’un mentor vont à ses propres mentorés. Un administrateur peut vous associer à "
            "quelqu’un avec `associer` ; rien n’a été envoyé.",
        },
        "push.not_your_cohort": {
            "en": "None of your mentees is in the cohort {cohort}, so there is nobody there for your tip: "
            "a mentor’s tip to a cohort reaches only their own mentees in it. `mentees` shows your "
            "mentees and their cohorts.",
            "fr": "Aucun de vos mentorés n’est dans la cohorte {cohort}\u202f: votre conseil n’y trouverait "
            "personne, car le conseil d’un mentor à une cohorte ne va qu’à ses propres mentorés. "
            "`mentorés` affiche vos mentorés et leurs cohortes.",
        },
        "push.sent_mentees": {
            "en": "Sent to your {count} mentees in {cohort}. Thank you! I’ll tell you here when it has "
            "reached them.",
            "fr": "Envoyé à vos {count} mentorés de la cohorte {cohort}. Merci\u202f! Je vous dirai ici "
            "quand il leur sera parvenu.",
        },
        "push.sent_mentee": {
            "en": "Sent to your mentee in {cohort}. Thank you!",
            "fr": "Envoyé à votre mentoré de la cohorte {cohort}. Merci\u202f!",
        },
        "push.scheduled_mentees": {
            "en": "Planned: your {count} mentees in {cohort} will get your tip on {when} ({zone}).",
            "fr": "C’est prévu\u202f: vos {count} mentorés de la cohorte {cohort} recevront votre conseil "
            "le {when} ({zone}).",
        },
        "push.scheduled_mentee": {
            "en": "Planned: your mentee in {cohort} will get your tip on {when} ({zone}).",
            "fr": "C’est prévu\u202f: votre mentoré de la cohorte {cohort} recevra votre conseil le {when} "
            "({zone}).",
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
            "fr": "Un conseil {mentor:de} :\n{tip}",
        },
    }
)

MAX_TIP_CHARS = 1000
# A trailing `at <date> [<time>]`, recognised only when the date looks like one (digits and - / .),
# so a tip that merely ends with "at 10 am" or "at the office" stays text.
WHEN_RE = re.compile(
    r"^(?P<text>.*?)(?:^|\s+)(?:at|à)\s+(?P<date>\d+[-/.][\d\-/.]*)(?:\s+(?P<time>\S+))?\s*$",
    re.S | re.I,
)
# A trailing `at <word> [[at] <time>]`: a moment when the word is a day word (`dates.day_after`), a
# mistake explained when it is a mistyped one, text otherwise ("at the office").
DAY_WHEN_RE = re.compile(
    r"^(?P<text>.*?)(?:^|\s+)(?P<at>at|à)\s+(?P<day>[^\W\d][\w'’-]*)"
    r"(?:\s+(?:(?:at|à)\s+)?(?P<time>\S+))?\s*$",
    re.S | re.I,
)


@dataclass(frozen=True, slots=True)
class Target:
    """Who a push reaches: one person, or a cohort (as readers: id, key, language): everyone enrolled for
    an admin, only the mentor's own mentees enrolled in it for a mentor (`mentees_only`)."""

    people: list[Reader]
    person: Person | None = None
    cohort: Cohort | None = None
    mentees_only: bool = False


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
    text, when = await _split_when(ctx, rest, target)
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
    """A mentioned person (own mentee) or a cohort: for a mentor, their own mentees enrolled in it (they
    must have one); admins: anyone, and everyone enrolled in a cohort. A mentor without a mentee yet is
    told so, whoever they name."""
    if not ctx.person.is_admin and not await people.mentees_of(ctx.session, mentor_id=ctx.person.id or 0):
        raise UserError("push.no_mentees")
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
        mine = await cohorts.mentee_readers(
            ctx.session, mentor_id=ctx.person.id or 0, cohort_id=cohort.id or 0
        )
        if not mine:
            raise PermissionDenied("push", "push.not_your_cohort", cohort=name)
        return Target(mine, cohort=cohort, mentees_only=True)
    members = await cohorts.cohort_readers(ctx.session, cohort_id=cohort.id or 0)
    targets = [reader for reader in members if reader.id != ctx.person.id]
    if not targets:
        raise UserError("push.nobody", cohort=name)
    return Target(targets, cohort=cohort)


async def _split_when(ctx: Context, rest: str, target: Target) -> tuple[str, dt.datetime | None]:
    """The tip text and, when it ends with `at <when>`, that moment in UTC; None: send it now."""
    rest = rest.strip()
    match = WHEN_RE.match(rest)
    if match is not None:
        zone = await own_zone(ctx)
        if not match["time"]:
            raise UsageError("push", "push.bad_when", zone=zone.key)
        return match["text"], _future(ctx, parse_date(match["date"]), _time_of(match["time"]), zone)
    match = DAY_WHEN_RE.match(rest)
    if match is None:
        return rest, None
    word, french = day_word(match["day"]), match["at"].lower() == "à"
    if word in DAY_WORDS:
        if french and not match["time"]:
            return rest, None  # "à demain": a French goodbye, not a moment
        return match["text"], await _day_moment(ctx, target, word, match["time"])
    if not french and _mistyped_day(word):
        raise UsageError("push", "push.bad_when", zone=(await own_zone(ctx)).key)
    return rest, None


def _mistyped_day(word: str) -> bool:
    """`tomorow`, `fridy`: close to a day word, so the mentor meant a moment ("friday's" is not one)."""
    if word.endswith(("'s", "’s")):
        return False
    return bool(difflib.get_close_matches(word, DAY_WORDS, n=1, cutoff=0.8))


def _time_of(text: str) -> dt.time:
    try:
        return timing.parse_time(text)
    except timing.TimingError as exc:
        raise timing_error(exc) from None


async def _day_moment(ctx: Context, target: Target, word: str, time_text: str | None) -> dt.datetime:
    """`at tomorrow 10:00` in the mentor's zone; `at tomorrow` at the reader's own tip time in the reader's
    zone. A weekday whose moment has passed today is next week's."""
    if time_text:
        time_of_day, zone = _time_of(time_text), await own_zone(ctx)
    else:
        time_of_day, zone = await _tip_clock(ctx, target)
    today = ctx.now().astimezone(zone).date()
    day = day_after(word, today) or today
    if word in WEEKDAY_WORDS and timing.local_moment(day, time_of_day, zone) <= ctx.now():
        day += dt.timedelta(days=7)
    return _future(ctx, day, time_of_day, zone)


def _future(ctx: Context, day: dt.date, time_of_day: dt.time, zone: ZoneInfo) -> dt.datetime:
    """`time_of_day` on `day` in `zone`, in UTC; a moment already past is refused, named in that zone."""
    when = timing.local_moment(day, time_of_day, zone).astimezone(dt.UTC)
    if when <= ctx.now():
        raise UserError("push.past", when=local_text(when, zone), zone=zone.key)
    return when


async def _tip_clock(ctx: Context, target: Target) -> tuple[dt.time, ZoneInfo]:
    """When the target usually gets a tip: a person's own rhythm (`plan.rhythm_for`), a cohort's time."""
    default_tz = ctx.services.settings.default_tz
    if target.person is not None:
        enrolled = await cohorts.enrollments_of(ctx.session, person_id=target.person.id or 0)
        home = plan.home_cohort(enrolled)
        if home is not None:
            rhythm = plan.rhythm_for(target.person, home, default_tz)
            return rhythm.time_of_day, rhythm.zone
        return _stored_time(target.person.time_of_day), plan.zone_for(target.person, None, default_tz)
    cohort = target.cohort
    return _stored_time(cohort.delivery_time if cohort else None), plan.zone_for(None, cohort, default_tz)


def _stored_time(value: str | None) -> dt.time:
    """A stored `HH:MM`, or the default tip time when there is none or it is unusable."""
    try:
        return timing.parse_time(value) if value else DELIVERY_TIME
    except timing.TimingError:
        return DELIVERY_TIME


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
    if target.mentees_only:
        if len(target.people) > 1:  # "reached everyone (2 people)", not the whole cohort
            notes.append(FollowUp())
    elif target.cohort is not None:
        notes.append(FollowUp(audience=target.cohort.name))
    return notes


async def _send_now(ctx: Context, tip: CustomTip, target: Target, text: str) -> list[Reply]:
    """The tip goes out at once, through the delivery ledger."""
    if target.mentees_only and target.cohort is not None:
        key = "push.sent_mentees" if len(target.people) > 1 else "push.sent_mentee"
        done = ctx.t(key, count=len(target.people), cohort=neutralize(target.cohort.name, 60))
    elif target.cohort is not None:
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
        key = "push.scheduled_cohort"
        if target.mentees_only:
            key = "push.scheduled_mentees" if len(target.people) > 1 else "push.scheduled_mentee"
        done = ctx.t(key, count=len(target.people), cohort=cohort, **values)
    else:
        assert target.person is not None  # a target is a cohort or one person
        done = ctx.t("push.scheduled_person", name=mention(target.person), **values)
    return [Text(done, private=True), *_readers(ctx, tip, target, tip.text, when)]
