"""A learner's own settings: `settings` (with its reminder and sharing switches), `time`, `days`, `tz`,
`lang`."""

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
        "settings.switch_usage": {
            "en": "To turn a switch: `settings nudges on|off` (reminders when you are quiet) or "
            "`settings topics on|off` (what your mentor may see).",
            "fr": "Pour changer un réglage : `réglages rappels oui|non` (les rappels quand vous êtes "
            "silencieux) ou `réglages sujets oui|non` (ce que votre mentor peut voir).",
        },
        "settings.help": {
            "en": "your language, time zone, delivery time and days, reminders, what your mentor sees",
            "fr": "votre langue, votre fuseau horaire, l’heure et les jours de vos conseils, les rappels, "
            "ce que voit votre mentor",
        },
        "settings.nudges_on": {
            "en": "Reminders: on. After three of your delivery days without a word from you, I ask if you "
            "have two minutes for one question. Turn them off with `settings nudges off`.",
            "fr": "Rappels : activés. Après trois de vos jours de conseil sans nouvelles de vous, je vous "
            "demande si vous avez deux minutes pour une question. Pour les couper : `réglages rappels non`.",
        },
        "settings.nudges_off": {
            "en": "Reminders: off. Turn them on with `settings nudges on`.",
            "fr": "Rappels : désactivés. Pour les remettre : `réglages rappels oui`.",
        },
        "settings.topics_on": {
            "en": "Topics for your mentor: on. Your mentor’s weekly digest names the lessons you keep "
            "getting wrong, to go over them together; never your answers. Turn it off with "
            "`settings topics off`.",
            "fr": "Sujets pour votre mentor : activé. Le point hebdomadaire de votre mentor cite les leçons "
            "sur lesquelles vous vous trompez souvent, pour les revoir ensemble ; jamais vos réponses. "
            "Pour le couper : `réglages sujets non`.",
        },
        "settings.topics_off": {
            "en": "Topics for your mentor: off. Your mentor sees only your progress. Turn it on with "
            "`settings topics on`.",
            "fr": "Sujets pour votre mentor : désactivé. Votre mentor ne voit que votre progression. "
            "Pour l’activer : `réglages sujets oui`.",
        },
        "settings.nudges_done_on": {
            "en": "Done: after three quiet delivery days, I’ll ask if you have two minutes for one question.",
            "fr": "C’est noté : après trois jours de conseil sans nouvelles, je vous proposerai une question "
            "de deux minutes.",
        },
        "settings.nudges_done_off": {
            "en": "Done: no more reminders when you are quiet for a while. Your tips still come as usual.",
            "fr": "C’est noté : plus de rappels quand vous êtes silencieux un moment. Vos conseils arrivent "
            "toujours comme d’habitude.",
        },
        "settings.topics_done_on": {
            "en": "Done: your mentor’s weekly digest will name the lessons worth going over together "
            "(never your answers).",
            "fr": "C’est noté : le point hebdomadaire de votre mentor citera les leçons à revoir ensemble "
            "(jamais vos réponses).",
        },
        "settings.topics_done_off": {
            "en": "Done: your mentor will see only your progress.",
            "fr": "C’est noté : votre mentor ne verra que votre progression.",
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


SWITCHES = {
    "nudges": "nudges", "nudge": "nudges", "reminders": "nudges", "rappels": "nudges", "rappel": "nudges",
    "topics": "topics", "topic": "topics", "sujets": "topics", "sujet": "topics",
}  # fmt: skip
"""What `settings <switch> on|off` understands, in both languages."""
ON_WORDS = frozenset({"on", "yes", "oui", "activer", "active", "activé"})
OFF_WORDS = frozenset({"off", "no", "non", "couper", "desactiver", "désactiver", "désactivé"})


async def handle_settings(ctx: Context, args: str) -> list[Reply]:
    """Everything the learner can change about their tips, where each value comes from, how to change it;
    `settings nudges on|off` and `settings topics on|off` turn a switch."""
    if args.strip():
        return await _switch(ctx, args)
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
        ctx.t("settings.nudges_on" if person.nudges else "settings.nudges_off"),
        ctx.t("settings.topics_on" if person.share_topics else "settings.topics_off"),
    ]
    body = "\n".join(f"- {line}" for line in lines)
    footer = await next_tip_line(ctx, await next_tip(ctx))
    return [Text(f"{ctx.t('settings.title')}\n{body}\n\n{footer}", private=True)]


async def _switch(ctx: Context, args: str) -> list[Reply]:
    """`settings nudges off`, `réglages sujets oui`: a reminder or sharing switch, confirmed in words.
    Turning nudges back on counts inactivity from now (the learner just wrote)."""
    words = args.strip().lower().split()
    switch = SWITCHES.get(words[0]) if len(words) == 2 else None
    value = words[1] in ON_WORDS if len(words) == 2 and words[1] in ON_WORDS | OFF_WORDS else None
    if switch is None or value is None:
        raise UserError("settings.switch_usage")
    if switch == "nudges":
        now = ctx.now()
        change = (
            PersonUpdate(nudges=value, idle_since=now, nudge_at=None) if value else PersonUpdate(nudges=False)
        )
    else:
        change = PersonUpdate(share_topics=value)
    await people.update_person(ctx.session, person=ctx.person, data=change)
    return [Text(ctx.t(f"settings.{switch}_done_{'on' if value else 'off'}"), private=True)]


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
