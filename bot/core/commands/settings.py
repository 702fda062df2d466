"""A learner's own settings: `settings`, `time`, `days`, `tz`, `lang`.

Also the small helpers `pause` and `progress` share: which cohort sets a learner's rhythm, how to say a
moment in their language and time zone, and rescheduling the next tip after a change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.core.args import parse_days, parse_time, parse_zone
from bot.core.context import Context
from bot.core.errors import UsageError
from bot.core.replies import Reply, Text
from bot.core.text import neutralize
from bot.i18n import register, t
from scheduler import plan, timing
from storage import cohorts, people
from storage.models import Cohort, EnrollmentUpdate, Person, PersonUpdate

register(
    {
        "settings.usage": {"en": "settings", "fr": "settings"},
        "settings.help": {
            "en": "your language, time zone, delivery time and days",
            "fr": "votre langue, votre fuseau horaire, l’heure et les jours de vos conseils",
        },
        "time.usage": {"en": "time <HH:MM>", "fr": "time <HH:MM>"},
        "time.help": {"en": "choose when your tip arrives", "fr": "choisir l’heure de votre conseil"},
        "days.usage": {"en": "days <days, like mon-fri>", "fr": "days <jours, comme lun-ven>"},
        "days.help": {"en": "choose the days you get tips", "fr": "choisir les jours de vos conseils"},
        "tz.usage": {"en": "tz <Region/City>", "fr": "tz <Région/Ville>"},
        "tz.help": {"en": "set your time zone", "fr": "choisir votre fuseau horaire"},
        "lang.usage": {"en": "lang fr|en", "fr": "lang fr|en"},
        "lang.help": {"en": "speak French or English with me", "fr": "me parler en français ou en anglais"},
        "lang.name.en": {"en": "English", "fr": "anglais"},
        "lang.name.fr": {"en": "French", "fr": "français"},
        "settings.title": {"en": "Your settings:", "fr": "Vos réglages :"},
        "settings.lang": {
            "en": "Language: {value}. Change it with `lang fr` or `lang en`.",
            "fr": "Langue : {value}. Pour la changer : `lang fr` ou `lang en`.",
        },
        "settings.tz": {
            "en": "Time zone: {value}. Change it with `tz Europe/Paris`.",
            "fr": "Fuseau horaire : {value}. Pour le changer : `tz Europe/Paris`.",
        },
        "settings.time": {
            "en": "Delivery time: {value}. Change it with `time 08:30`.",
            "fr": "Heure des conseils : {value}. Pour la changer : `time 08:30`.",
        },
        "settings.days": {
            "en": "Days: {value}. Change them with `days mon-fri`.",
            "fr": "Jours : {value}. Pour les changer : `days lun-ven`.",
        },
        "settings.quiet": {
            "en": "Quiet hours: 20:00–08:00. I never send tips then.",
            "fr": "Heures calmes : 20:00–08:00. Je n’envoie jamais de conseil pendant ces heures.",
        },
        "settings.not_paused": {
            "en": "Pause: none. Take a break with `pause`, `pause 2 weeks` or `pause until 2027-01-05`.",
            "fr": "Pause : aucune. Pour faire une pause : `pause`, `pause 2 semaines` ou "
            "`pause jusqu'au 2027-01-05`.",
        },
        "settings.paused": {
            "en": "Pause: until {until}. Type `resume` to start again now.",
            "fr": "Pause : jusqu’au {until}. Tapez `resume` pour reprendre dès maintenant.",
        },
        "settings.source.person": {"en": "your choice", "fr": "votre choix"},
        "settings.source.cohort": {"en": "set by your cohort {cohort}", "fr": "selon votre cohorte {cohort}"},
        "settings.unset": {
            "en": "not chosen yet; your cohort’s will apply",
            "fr": "pas encore choisi ; le réglage de votre cohorte s’appliquera",
        },
        "settings.next_tip": {"en": "Your next tip: {when}.", "fr": "Votre prochain conseil : {when}."},
        "settings.no_tip": {
            "en": "No tip is scheduled: you are not in an active cohort yet.",
            "fr": "Aucun conseil n’est prévu : vous n’êtes pas encore dans une cohorte active.",
        },
        "settings.no_tip_cohort_paused": {
            "en": "No tip is scheduled for now: the programme team has paused your cohort.",
            "fr": "Aucun conseil n’est prévu pour l’instant : l’équipe du programme a mis votre cohorte "
            "en pause.",
        },
        "time.done": {
            "en": "Done: your tip will now arrive at {time}.",
            "fr": "C’est noté : votre conseil arrivera désormais à {time}.",
        },
        "days.done": {
            "en": "Done: your tip days are now {days}.",
            "fr": "C’est noté : vos jours de conseil sont désormais {days}.",
        },
        "tz.done": {
            "en": "Done: your time zone is now {zone}.",
            "fr": "C’est noté : votre fuseau horaire est désormais {zone}.",
        },
        "lang.done": {
            "en": "Done: I’ll speak English with you from now on.",
            "fr": "C’est noté : je vous parlerai désormais en français.",
        },
        "date.moment": {"en": "{day} at {time} ({zone})", "fr": "{day} à {time} ({zone})"},
        "days.every_day": {"en": "every day", "fr": "tous les jours"},
        "days.range": {"en": "{first} to {last}", "fr": "du {first} au {last}"},
        "days.and": {"en": "and", "fr": "et"},
    }
)

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
}  # fmt: skip
LANG_WORDS = {
    "en": "en", "english": "en", "anglais": "en",
    "fr": "fr", "french": "fr", "francais": "fr", "français": "fr",
}  # fmt: skip
UTC_ZONE = ZoneInfo("UTC")


# --- shared helpers ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NextTip:
    """When the learner's next tip is due, and the zone to say it in."""

    when: dt.datetime
    zone: ZoneInfo


def format_day(day: dt.date, lang: str) -> str:
    """'Tuesday 5 January 2027' / 'mardi 5 janvier 2027' (French says '1er' for the first)."""
    names = WEEKDAYS.get(lang, WEEKDAYS["en"])
    months = MONTHS.get(lang, MONTHS["en"])
    number = "1er" if lang == "fr" and day.day == 1 else str(day.day)
    return f"{names[day.weekday()]} {number} {months[day.month - 1]} {day.year}"


def format_moment(when: dt.datetime, zone: ZoneInfo, lang: str) -> str:
    """An aware moment in the learner's zone and language, naming the zone so nobody has to guess."""
    local = when.astimezone(zone)
    return t(
        "date.moment", lang, day=format_day(local.date(), lang), time=local.strftime("%H:%M"), zone=zone.key
    )


def format_until(when: dt.datetime, zone: ZoneInfo, lang: str) -> str:
    """The end of a pause: just the day when it ends at local midnight, else day and time."""
    local = when.astimezone(zone)
    if local.time() == dt.time(0, 0):
        return format_day(local.date(), lang)
    return format_moment(when, zone, lang)


def describe_days(spec: str, lang: str) -> str:
    """'mon,tue,wed,thu,fri' -> 'Monday to Friday'; 'mon,wed,fri' -> 'Monday, Wednesday and Friday'."""
    days = sorted(timing.parse_days(spec))
    names = WEEKDAYS.get(lang, WEEKDAYS["en"])
    if len(days) == 7:
        return t("days.every_day", lang)
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return t("days.range", lang, first=names[days[0]], last=names[days[-1]])
    words = [names[d] for d in days]
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {t('days.and', lang)} {words[-1]}"


def zone_for(person: Person, cohort: Cohort | None) -> ZoneInfo:
    """The zone the learner's tips follow: theirs, else their cohort's, else UTC."""
    if cohort is not None:
        return plan.rhythm_for(person, cohort).zone
    try:
        return timing.parse_zone(person.tz) if person.tz else UTC_ZONE
    except timing.TimingError:
        return UTC_ZONE


async def home_cohort(ctx: Context) -> Cohort | None:
    """The cohort whose settings apply when the learner has none of their own: the first active one."""
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0)
    active = [cohort for enrollment, cohort in enrolled if enrollment.status == "active"]
    return (active or [cohort for _, cohort in enrolled] or [None])[0]


async def reschedule(ctx: Context) -> NextTip | None:
    """Recompute next_due_at of every active enrollment after a change; the earliest next tip, if any."""
    now = ctx.now()
    best: NextTip | None = None
    for enrollment, cohort in await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0):
        if enrollment.status != "active":
            continue
        due = plan.next_due(ctx.person, cohort, after=now, paused_until=enrollment.paused_until)
        await cohorts.update_enrollment(
            ctx.session, enrollment=enrollment, data=EnrollmentUpdate(next_due_at=due)
        )
        if not cohort.paused and (best is None or due < best.when):
            best = NextTip(due, plan.rhythm_for(ctx.person, cohort).zone)
    return best


async def next_tip(ctx: Context) -> NextTip | None:
    """The earliest scheduled tip of the learner's active enrollments, without changing anything."""
    best: NextTip | None = None
    for enrollment, cohort in await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0):
        due = enrollment.next_due_at
        if enrollment.status != "active" or cohort.paused or due is None:
            continue
        if best is None or due < best.when:
            best = NextTip(due, plan.rhythm_for(ctx.person, cohort).zone)
    return best


async def next_tip_line(ctx: Context, tip: NextTip | None) -> str:
    """'Your next tip: …', or why there is none: no active cohort, or the programme paused it."""
    if tip is not None:
        return ctx.t("settings.next_tip", when=format_moment(tip.when, tip.zone, ctx.lang))
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0)
    if any(enrollment.status == "active" for enrollment, _ in enrolled):
        return ctx.t("settings.no_tip_cohort_paused")
    return ctx.t("settings.no_tip")


def live_pause(ctx: Context) -> dt.datetime | None:
    """The end of the learner's own pause, when it is still running."""
    until = ctx.person.paused_until
    return until if until is not None and until > ctx.now() else None


# --- settings ---------------------------------------------------------------------------------------------


def _setting(ctx: Context, shown: str | None, own: str | None, cohort: Cohort | None) -> str:
    """A value and where it comes from: the person's own choice, or their cohort's."""
    if shown is None:
        return ctx.t("settings.unset")
    if own or cohort is None:
        return f"{shown} ({ctx.t('settings.source.person')})"
    return f"{shown} ({ctx.t('settings.source.cohort', cohort=f'*{neutralize(cohort.name, 60)}*')})"


async def handle_settings(ctx: Context, args: str) -> list[Reply]:
    """Everything the learner can change about their tips, where each value comes from, how to change it."""
    person = ctx.person
    cohort = await home_cohort(ctx)
    rhythm = plan.rhythm_for(person, cohort) if cohort is not None else None
    zone = rhythm.zone.key if rhythm else (person.tz or None)
    time_of_day = rhythm.time_of_day.strftime("%H:%M") if rhythm else person.time_of_day
    days = timing.format_days(rhythm.days) if rhythm else person.days
    days_shown = describe_days(days, ctx.lang) if days else None
    until = live_pause(ctx)
    pause = (
        ctx.t("settings.paused", until=format_until(until, zone_for(person, cohort), ctx.lang))
        if until
        else ctx.t("settings.not_paused")
    )
    lines = [
        ctx.t("settings.lang", value=ctx.t(f"lang.name.{ctx.lang}")),
        ctx.t("settings.tz", value=_setting(ctx, zone, person.tz, cohort)),
        ctx.t("settings.time", value=_setting(ctx, time_of_day, person.time_of_day, cohort)),
        ctx.t("settings.days", value=_setting(ctx, days_shown, person.days, cohort)),
        ctx.t("settings.quiet"),
        pause,
    ]
    body = "\n".join(f"- {line}" for line in lines)
    footer = await next_tip_line(ctx, await next_tip(ctx))
    return [Text(f"{ctx.t('settings.title')}\n{body}\n\n{footer}", private=True)]


async def handle_time(ctx: Context, args: str) -> list[Reply]:
    """`time 08:30`: the learner's own delivery time, outside quiet hours."""
    if not args.strip():
        raise UsageError("time")
    value = parse_time(args).strftime("%H:%M")
    await people.update_person(ctx.session, person=ctx.person, data=PersonUpdate(time_of_day=value))
    return await _confirm(ctx, ctx.t("time.done", time=value))


async def handle_days(ctx: Context, args: str) -> list[Reply]:
    """`days mon-fri`: the learner's own tip days, stored in canonical form."""
    if not args.strip():
        raise UsageError("days")
    value = parse_days(args)
    await people.update_person(ctx.session, person=ctx.person, data=PersonUpdate(days=value))
    return await _confirm(ctx, ctx.t("days.done", days=describe_days(value, ctx.lang)))


async def handle_tz(ctx: Context, args: str) -> list[Reply]:
    """`tz Europe/Paris`: the learner's own time zone, stored as the canonical IANA key."""
    if not args.strip():
        raise UsageError("tz")
    value = parse_zone(args)
    await people.update_person(ctx.session, person=ctx.person, data=PersonUpdate(tz=value))
    return await _confirm(ctx, ctx.t("tz.done", zone=value))


async def handle_lang(ctx: Context, args: str) -> list[Reply]:
    """`lang fr` / `lang en`: every later message, and this confirmation, in that language."""
    value = LANG_WORDS.get(args.strip().lower())
    if value is None:
        raise UsageError("lang")
    await people.update_person(ctx.session, person=ctx.person, data=PersonUpdate(lang=value))
    line = await next_tip_line(ctx, await next_tip(ctx))
    return [Text(f"{ctx.t('lang.done')}\n{line}", private=True)]


async def _confirm(ctx: Context, message: str) -> list[Reply]:
    line = await next_tip_line(ctx, await reschedule(ctx))
    return [Text(f"{message}\n{line}", private=True)]
