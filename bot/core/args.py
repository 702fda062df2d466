"""Parsing command arguments into people, cohorts and times, with friendly errors."""

from __future__ import annotations

import datetime as dt
import re

from bot.core.context import Context
from bot.core.dates import quiet_hours
from bot.core.errors import NotFound, UsageError, UserError
from bot.core.events import Actor
from bot.core.text import NAME_CHARS, clean_name, neutralize
from bot.i18n import register
from bot.settings import Settings
from lessons import LANGS
from scheduler import timing
from storage import cohorts, people
from storage.defaults import days_text
from storage.models import Cohort, Person, PersonCreate

register(
    {
        "error.unknown_person": {
            "en": "I don’t know who `{name}` is. Mention them with @, like `@alice`.",
            "fr": "Je ne sais pas qui est `{name}`. Mentionnez la personne avec @, par exemple `@alice`.",
        },
        "error.unknown_cohort": {
            "en": "There is no cohort called `{name}`. `cohort list` shows them all.",
            "fr": "Il n’y a pas de cohorte `{name}`. `cohort list` les affiche toutes.",
        },
        "error.bad_time": {
            "en": "`{value}` is not a time. Write it like `08:30`.",
            "fr": "`{value}` n’est pas une heure. Écrivez-la comme `08:30`.",
        },
        "error.quiet_time": {
            "en": "{value} falls in quiet hours ({quiet_start}–{quiet_end}). Choose a time between "
            "{quiet_end} and {quiet_start}.",
            "fr": "{value} tombe pendant les heures calmes ({quiet_start}–{quiet_end}). Choisissez une heure "
            "entre {quiet_end} et {quiet_start}.",
        },
        "error.bad_days": {
            "en": "`{value}` is not a list of days. Try `mon-fri` or `mon,wed,fri`.",
            "fr": "`{value}` n’est pas une liste de jours. Essayez `lun-ven` ou `lun,mer,ven`.",
        },
        "error.bad_tz": {
            "en": "`{value}` is not a time zone I know. Use a name like `Europe/Paris` or `America/New_York`.",
            "fr": "`{value}` n’est pas un fuseau horaire connu. Utilisez un nom comme `Europe/Paris` "
            "ou `America/New_York`.",
        },
        "error.bad_date": {
            "en": "`{value}` is not a date. Write it like `2027-01-05`.",
            "fr": "`{value}` n’est pas une date. Écrivez-la comme `2027-01-05`.",
        },
        "error.too_long": {
            "en": "That text is too long ({length} characters). Keep it under {limit}.",
            "fr": "Ce texte est trop long ({length} caractères). Restez sous {limit}.",
        },
    }
)

MENTION_RE = re.compile(r"^@[\w.\-]{1,80}$")


def timing_error(exc: timing.TimingError) -> UserError:
    """A time, day list, date or zone that cannot be used, explained (quiet hours named by their values)."""
    return UserError(f"error.{exc.code}", value=exc.value[:60], **quiet_hours())


def parse_time(text: str) -> dt.time:
    try:
        value = timing.parse_time(text)
        timing.check_delivery_time(value)
    except timing.TimingError as exc:
        raise timing_error(exc) from None
    return value


def parse_days(text: str) -> str:
    try:
        return days_text(timing.parse_days(text))
    except timing.TimingError as exc:
        raise timing_error(exc) from None


def parse_zone(text: str) -> str:
    try:
        return timing.parse_zone(text).key
    except timing.TimingError as exc:
        raise timing_error(exc) from None


def parse_date(text: str) -> dt.date:
    try:
        return timing.parse_date(text)
    except timing.TimingError as exc:
        raise timing_error(exc) from None


def check_length(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) > limit:
        raise UserError("error.too_long", length=len(text), limit=limit)
    return text


def is_person_token(ctx: Context, token: str) -> bool:
    return token in ctx.event.mentions or bool(MENTION_RE.match(token))


async def resolve_person(ctx: Context, token: str, *, command: str) -> Person:
    """The person a mention names; known people can also be named by display name."""
    actor = ctx.event.mentions.get(token)
    if actor is not None:
        return await ensure(ctx, actor)
    if not token:
        raise UsageError(command)
    name = token.lstrip("@")
    found = await people.find_by_name(ctx.session, name=name, platform=ctx.person.platform)
    if len(found) == 1:
        return found[0]
    raise NotFound("error.unknown_person", name=token[:60])


async def ensure(ctx: Context, actor: Actor) -> Person:
    return await people.get_or_create_person(ctx.session, data=person_data(actor, ctx.services.settings))


PENDING_REASON = "waiting for them to open Tandem"
"""Why a person enrolled before the platform lets the bot write to them gets nothing yet."""


def person_data(actor: Actor, settings: Settings) -> PersonCreate:
    """A new person from what their platform says; admins named in TANDEM_ADMINS start as admins."""
    return PersonCreate(
        key=actor.key,
        platform=actor.platform,
        display_name=clean_name(actor.name) or actor.local_id[:NAME_CHARS],
        lang=actor.lang if actor.lang in LANGS else settings.default_lang,
        tz=actor.tz,
        is_admin=actor.local_id in settings.admins,
        reachable=actor.reachable or actor.conversation is not None,
        unreachable_reason=None if actor.reachable or actor.conversation else PENDING_REASON,
        conversation=dict(actor.conversation) if actor.conversation else None,
    )


async def resolve_cohort(ctx: Context, name: str, *, command: str) -> Cohort:
    if not name:
        raise UsageError(command)
    cohort = await cohorts.get_cohort(ctx.session, name=name)
    if cohort is None:
        raise NotFound("error.unknown_cohort", name=name[:60])
    return cohort


def mention(person: Person) -> str:
    """How the core names a person in Markdown; channels may turn it into a real mention."""
    return f"**{neutralize(person.display_name, 80)}**"
