"""A learner's own settings: `settings`, `time`, `days`, `tz`, `lang`."""

from __future__ import annotations

from bot.core.args import parse_days, parse_time, parse_zone
from bot.core.context import Context
from bot.core.dates import describe_days, format_until, quiet_hours
from bot.core.errors import UsageError, UserError
from bot.core.replies import Reply, Text
from bot.core.schedule import home_cohort, live_pause, next_tip, next_tip_line, own_zone, reschedule
from bot.core.text import neutralize
from bot.i18n import register
from lessons import LANGS
from scheduler import plan
from storage import people
from storage.defaults import days_text, time_text
from storage.enums import LangSource
from storage.models import Cohort, PersonUpdate

register(
    {
        "settings.usage": {"en": "settings", "fr": "réglages"},
        "settings.help": {
            "en": "your language, time zone, delivery time and days",
            "fr": "votre langue, votre fuseau horaire, l’heure et les jours de vos conseils",
        },
        "time.usage": {"en": "time <HH:MM>", "fr": "heure <HH:MM>"},
        "time.help": {"en": "choose when your tip arrives", "fr": "choisir l’heure de votre conseil"},
        "days.usage": {"en": "days <days, like mon-fri>", "fr": "jours <jours, comme lun-ven>"},
        "days.help": {"en": "choose the days you get tips", "fr": "choisir les jours de vos conseils"},
        "tz.usage": {"en": "tz <Region/City | city>", "fr": "fuseau <Région/Ville | ville>"},
        "tz.help": {"en": "set your time zone", "fr": "choisir votre fuseau horaire"},
        "lang.usage": {"en": "lang fr|en", "fr": "langue fr|en"},
        "lang.help": {"en": "speak French or English with me", "fr": "me parler en français ou en anglais"},
        "lang.name.en": {"en": "English", "fr": "anglais"},
        "lang.name.fr": {"en": "French", "fr": "français"},
        "settings.title": {"en": "Your settings:", "fr": "Vos réglages :"},
        "settings.lang": {
            "en": "Language: {value}. Change it with `lang fr` or `lang en`.",
            "fr": "Langue : {value}. Pour la changer : `langue fr` ou `langue en`.",
        },
        "settings.tz": {
            "en": "Time zone: {value}. Change it with `tz Europe/Paris`.",
            "fr": "Fuseau horaire : {value}. Pour le changer : `fuseau Europe/Paris`.",
        },
        "settings.time": {
            "en": "Delivery time: {value}. Change it with `time 08:30`.",
            "fr": "Heure des conseils : {value}. Pour la changer : `heure 08:30`.",
        },
        "settings.days": {
            "en": "Days: {value}. Change them with `days mon-fri`.",
            "fr": "Jours : {value}. Pour les changer : `jours lun-ven`.",
        },
        "settings.quiet": {
            "en": "Quiet hours: {quiet_start}–{quiet_end}. I never send tips then.",
            "fr": "Heures calmes : {quiet_start}–{quiet_end}. Je n’envoie jamais de conseil pendant ces heures.",
        },
        "settings.not_paused": {
            "en": "Pause: none. Take a break with `pause`, `pause 2 weeks` or `pause until 2027-01-05`.",
            "fr": "Pause : aucune. Pour faire une pause : `pause`, `pause 2 semaines` ou "
            "`pause jusqu'au 2027-01-05`.",
        },
        "settings.paused": {
            "en": "Pause: until {until}. Type `resume` to start again now.",
            "fr": "Pause : jusqu’au {until}. Tapez `reprendre` pour reprendre dès maintenant.",
        },
        "settings.source.person": {"en": "your choice", "fr": "votre choix"},
        "settings.source.default": {
            "en": "the programme’s default",
            "fr": "le réglage par défaut du programme",
        },
        "settings.source.cohort": {"en": "set by your cohort {cohort}", "fr": "selon votre cohorte {cohort}"},
        "settings.unset": {
            "en": "not chosen yet; your cohort’s will apply",
            "fr": "pas encore choisi ; le réglage de votre cohorte s’appliquera",
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
    }
)

LANG_WORDS = {
    **{lang: lang for lang in LANGS},
    "english": "en", "anglais": "en",
    "french": "fr", "francais": "fr", "français": "fr",
}  # fmt: skip
"""What `lang` understands: the codes of the languages Tandem speaks, and their names."""


def _setting(ctx: Context, shown: str | None, own: str | None, cohort: Cohort | None) -> str:
    """A value and where it comes from: the person's own choice, or their cohort's."""
    if shown is None:
        return ctx.t("settings.unset")
    if own or cohort is None:
        return f"{shown} ({ctx.t('settings.source.person')})"
    return f"{shown} ({ctx.t('settings.source.cohort', cohort=f'*{neutralize(cohort.name, 60)}*')})"


def _zone_setting(ctx: Context, zone: str, cohort: Cohort | None) -> str:
    """The person's zone and where it comes from: theirs, their cohort's, else the programme's default
    (TANDEM_DEFAULT_TZ), which is the one their times are shown in."""
    if ctx.person.tz or cohort is not None:
        return _setting(ctx, zone, ctx.person.tz, cohort)
    return f"{zone} ({ctx.t('settings.source.default')})"


async def handle_settings(ctx: Context, args: str) -> list[Reply]:
    """Everything the learner can change about their tips, where each value comes from, how to change it."""
    person, default_tz = ctx.person, ctx.services.settings.default_tz
    cohort = await home_cohort(ctx)
    rhythm = plan.rhythm_for(person, cohort, default_tz) if cohort is not None else None
    zone = await own_zone(ctx)
    time_of_day = time_text(rhythm.time_of_day) if rhythm else person.time_of_day
    days = days_text(rhythm.days) if rhythm else person.days
    days_shown = describe_days(days, ctx.lang) if days else None
    until = live_pause(ctx)
    pause = (
        ctx.t("settings.paused", until=format_until(until, zone, ctx.lang))
        if until
        else ctx.t("settings.not_paused")
    )
    lines = [
        ctx.t("settings.lang", value=ctx.t(f"lang.name.{ctx.lang}")),
        ctx.t("settings.tz", value=_zone_setting(ctx, zone.key, cohort)),
        ctx.t("settings.time", value=_setting(ctx, time_of_day, person.time_of_day, cohort)),
        ctx.t("settings.days", value=_setting(ctx, days_shown, person.days, cohort)),
        ctx.t("settings.quiet", **quiet_hours()),
        pause,
    ]
    body = "\n".join(f"- {line}" for line in lines)
    footer = await next_tip_line(ctx, await next_tip(ctx))
    return [Text(f"{ctx.t('settings.title')}\n{body}\n\n{footer}", private=True)]


async def handle_time(ctx: Context, args: str) -> list[Reply]:
    """`time 08:30`: the learner's own delivery time, outside quiet hours."""
    if not args.strip():
        raise UsageError("time")
    value = time_text(parse_time(args))
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
    """`tz Europe/Paris` or `tz paris`: the learner's own time zone, stored as the canonical IANA key."""
    if not args.strip():
        raise UsageError("tz")
    value = parse_zone(args)
    await people.update_person(ctx.session, person=ctx.person, data=PersonUpdate(tz=value))
    return await _confirm(ctx, ctx.t("tz.done", zone=value))


async def handle_lang(ctx: Context, args: str) -> list[Reply]:
    """`lang fr` / `lang en`: every later message, and this confirmation, in that language. A language
    chosen this way is never switched again by what the person writes (bot/core/language.py)."""
    value = LANG_WORDS.get(args.strip().lower())
    if value is None:
        raise UsageError("lang")
    choice = PersonUpdate(lang=value, lang_source=LangSource.CHOSEN)
    await people.update_person(ctx.session, person=ctx.person, data=choice)
    line = await next_tip_line(ctx, await next_tip(ctx))
    return [Text(f"{ctx.t('lang.done')}\n{line}", private=True)]


async def handle_lang_button(ctx: Context, value: str) -> list[Reply]:
    """The button under the notice that Tandem switched language: back to `value`, as `lang` would."""
    if value not in LANGS:
        raise UserError("error.stale_button")
    return await handle_lang(ctx, value)


async def _confirm(ctx: Context, message: str) -> list[Reply]:
    line = await next_tip_line(ctx, await reschedule(ctx))
    return [Text(f"{message}\n{line}", private=True)]
