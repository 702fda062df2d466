"""The per-person rate limit (TANDEM_PERSON_RATE, 10 in 10 minutes by default).

What one person can make Tandem do to others is counted by kind: questions to their mentor, pushes, and
channels looked up to enroll their members. Past the limit a push or a channel is refused with the time
it will be allowed again; a question is kept and reaches the mentor in one grouped message (ask.py).
The count lives in the database, so it holds across replicas, and a use is counted in the transaction of
the command that makes it: a command that fails counts for nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.schedule import own_zone
from bot.i18n import register, t
from bot.settings import Settings
from storage import usage
from storage.enums import UsageKind

register(
    {
        "limit.push": {
            "en": "You have sent {count} tips in {window}, the most I send for one person in that time, so "
            "that nobody is flooded. This one was not sent: you can send it from {time} ({zone}).",
            "fr": "Vous avez envoyé {count} conseils en {window}, le maximum que j’envoie pour une même "
            "personne sur cette durée, pour que personne ne soit submergé. Celui-ci n’est pas parti : "
            "vous pourrez l’envoyer à partir de {time} ({zone}).",
        },
        "limit.channel": {
            "en": "You have enrolled {count} channels in {window}. Reading a channel’s members "
            "takes many requests to the chat platform, so I do it at most {count} times in that time. "
            "Nobody was enrolled: you can enroll the channel from {time} ({zone}), and people named one "
            "by one right now.",
            "fr": "Vous avez inscrit {count} canaux en {window}. Lire les membres d’un canal "
            "demande de nombreuses requêtes à la plateforme de discussion : je le fais au plus {count} "
            "fois sur cette durée. Personne n’a été inscrit : vous pourrez inscrire ce canal à partir de "
            "{time} ({zone}), et des personnes nommées une à une dès maintenant.",
        },
        "limit.minutes": {"en": "{n} minutes", "fr": "{n} minutes"},
        "limit.minute": {"en": "1 minute", "fr": "1 minute"},
        "limit.hours": {"en": "{n} hours", "fr": "{n} heures"},
        "limit.hour": {"en": "1 hour", "fr": "1 heure"},
    }
)


@dataclass(frozen=True, slots=True)
class Budget:
    """Whether one more use was allowed (and counted); if not, from when it will be."""

    allowed: bool
    free_at: dt.datetime | None = None


async def spend(ctx: Context, kind: UsageKind, count: int = 1) -> Budget:
    """Count `count` uses of `kind` by the person talking, if they fit in the window; nothing otherwise."""
    return await take(
        ctx.session,
        ctx.services.settings,
        person_id=ctx.person.id or 0,
        kind=kind,
        count=count,
        now=ctx.now(),
    )


async def take(
    session: AsyncSession,
    settings: Settings,
    *,
    person_id: int,
    kind: UsageKind,
    count: int,
    now: dt.datetime,
) -> Budget:
    """`spend` for a caller with a session of its own: the uses are counted in that transaction."""
    rate = settings.person_rate
    if rate.limit == 0:
        return Budget(True)
    await usage.lock_person(session, person_id=person_id)
    budget = await peek(session, settings, person_id=person_id, kind=kind, count=count, now=now)
    if budget.allowed:
        for _ in range(count):
            await usage.record_use(
                session,
                person_id=person_id,
                kind=kind,
                at=now,
                keep_after=now - rate.window,
            )
    return budget


async def peek(
    session: AsyncSession,
    settings: Settings,
    *,
    person_id: int,
    kind: UsageKind,
    count: int,
    now: dt.datetime,
) -> Budget:
    """Whether `count` more uses would fit, without counting them."""
    rate = settings.person_rate
    if rate.limit == 0:
        return Budget(True)
    used, oldest = await usage.uses_since(session, person_id=person_id, kind=kind, since=now - rate.window)
    if used + count > rate.limit:
        return Budget(False, (oldest or now) + rate.window)
    return Budget(True)


def window_words(window: dt.timedelta, lang: str) -> str:
    """`10 minutes`, `1 hour`: the window as a sentence says it ("… in 10 minutes")."""
    minutes = max(1, int(window.total_seconds() // 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return t("limit.hour", lang) if hours == 1 else t("limit.hours", lang, n=hours)
    return t("limit.minute", lang) if minutes == 1 else t("limit.minutes", lang, n=minutes)


async def refusal(ctx: Context, key: str, budget: Budget) -> UserError:
    """The polite refusal of a use past the limit: how many, in what window, and from when it is allowed."""
    rate = ctx.services.settings.person_rate
    zone = await own_zone(ctx)
    free_at = (budget.free_at or ctx.now()).astimezone(zone)
    return UserError(
        key,
        count=rate.limit,
        window=window_words(rate.window, ctx.lang),
        time=free_at.strftime("%H:%M"),
        zone=zone.key,
    )
