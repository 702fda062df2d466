"""Parsing command arguments into people, cohorts and times, with friendly errors."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from functools import cache
from zoneinfo import available_timezones

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
            "fr": "Il n’y a pas de cohorte `{name}`. `cohorte liste` les affiche toutes.",
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
            "en": "`{value}` is not a time zone I know. Use a name like `Europe/Paris` or `America/New_York`, "
            "or a big city in your time zone, like `paris` or `new york`.",
            "fr": "`{value}` n’est pas un fuseau horaire connu. Utilisez un nom comme `Europe/Paris` "
            "ou `America/New_York`, ou une grande ville de votre fuseau, comme `paris` ou `new york`.",
        },
        "error.bad_tz_hint": {
            "en": "`{value}` is not a time zone I know. Did you mean {zones}?",
            "fr": "`{value}` n’est pas un fuseau horaire connu. Vouliez-vous dire {zones} ?",
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
    """An IANA zone name (`Europe/Paris`, case forgiven), or a city a zone is named after (`paris`,
    `new york`, `São Paulo`); a near miss suggests the closest zones."""
    try:
        return timing.parse_zone(text).key
    except timing.TimingError as exc:
        key = city_key(text)
        found = _cities().get(key)
        if found:
            return found[0]
        close = similar_zones(key)
        if close:
            zones = " / ".join(f"`{zone}`" for zone in close)
            raise UserError("error.bad_tz_hint", value=text.strip()[:60], zones=zones) from None
        raise timing_error(exc) from None


ZONE_AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
              "Indian", "Pacific")  # fmt: skip
"""The areas whose zones are named after a city (`Europe/Paris`); `US/Pacific` and `Etc/GMT+1` are not."""


def city_key(text: str) -> str:
    """A typed place as zone names spell cities: accents dropped, lower case, words joined by `_`
    (`São Paulo` -> `sao_paulo`, `Port-au-Prince` -> `port_au_prince`)."""
    plain = unicodedata.normalize("NFKD", text.strip())
    plain = "".join(char for char in plain if not unicodedata.combining(char)).lower()
    return re.sub(r"[\s_\-]+", "_", plain).strip("_")


@cache
def _cities() -> dict[str, tuple[str, ...]]:
    """Each city key to the zones named after it, in sorted order (`istanbul`: Asia/… and Europe/…,
    which keep the same time)."""
    found: dict[str, list[str]] = {}
    for zone in sorted(available_timezones()):
        if zone.split("/", 1)[0] in ZONE_AREAS and "/" in zone:
            found.setdefault(city_key(zone.rsplit("/", 1)[1]), []).append(zone)
    return {city: tuple(zones) for city, zones in found.items()}


def similar_zones(key: str, limit: int = 3) -> list[str]:
    """Zones whose city is spelt like `key`, or starts with it: `pari` -> Europe/Paris."""
    if len(key) < 3:
        return []
    cities = _cities()
    names = difflib.get_close_matches(key, list(cities), n=limit, cutoff=0.75)
    names += [city for city in cities if city.startswith(key) and city not in names]
    return [cities[city][0] for city in names[:limit]]


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
