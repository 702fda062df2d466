"""Enrolling learners: `enroll <cohort> <@people…>` and `unenroll <cohort> <@person>` (admins).

Whole teams are enrolled at once, so the work is done with bulk queries; past a couple of hundred people
it moves to a `Later` that runs in its own transaction after the channel has acknowledged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.args import mention, person_data, resolve_cohort, resolve_person
from bot.core.context import Context, Services
from bot.core.errors import NotFound, UsageError, UserError
from bot.core.events import Actor
from bot.core.replies import Later, Reply, Text
from bot.i18n import register, t
from scheduler import plan
from storage import activity, cohorts, people
from storage.models import Cohort, Person

logger = logging.getLogger(__name__)

register(
    {
        "enroll.usage": {"en": "enroll <cohort> <@people…>", "fr": "enroll <cohorte> <@personnes…>"},
        "enroll.help": {"en": "add learners to a cohort", "fr": "inscrire des apprenants dans une cohorte"},
        "unenroll.usage": {"en": "unenroll <cohort> <@person>", "fr": "unenroll <cohorte> <@personne>"},
        "unenroll.help": {"en": "take a learner out of a cohort", "fr": "retirer un apprenant d’une cohorte"},
        "enroll.done": {
            "en": "Now in `{cohort}` ({count}): {names}. The first tip goes out {first}.",
            "fr": "Inscrits dans `{cohort}` ({count}) : {names}. Le premier conseil part le {first}.",
        },
        "enroll.some_already": {
            "en": "Already in `{cohort}`, left as they were ({count}): {names}.",
            "fr": "Déjà dans `{cohort}`, rien n’a changé pour eux ({count}) : {names}.",
        },
        "enroll.all_already": {
            "en": "Already in `{cohort}` ({count}): {names}. Nobody new to add.",
            "fr": "Déjà dans `{cohort}` ({count}) : {names}. Personne de nouveau à inscrire.",
        },
        "enroll.started": {
            "en": "Enrolling {count} people in `{cohort}`… I’ll tell you when it’s done.",
            "fr": "J’inscris {count} personnes dans `{cohort}`… Je vous préviens dès que c’est fait.",
        },
        "enroll.more": {"en": "and {count} more", "fr": "et {count} autres"},
        "unenroll.done": {
            "en": "{person} has left `{cohort}` and will get no more tips from it.",
            "fr": "{person} a quitté `{cohort}` et n’en recevra plus de conseils.",
        },
        "unenroll.not_enrolled": {
            "en": "{person} is not enrolled in `{cohort}`.",
            "fr": "{person} n’est pas inscrit dans `{cohort}`.",
        },
    }
)

BACKGROUND_OVER = 200
"""More people than this are enrolled in a `Later`, so the channel can acknowledge at once."""
NAMES_SHOWN = 10
SEPARATORS = ",;"

# person key -> the channel's Actor (to create the person if needed), or None when already known.
Wanted = dict[str, Actor | None]


async def handle_enroll(ctx: Context, args: str) -> list[Reply]:
    """Resolve the cohort and the people now; enroll them now, or in the background when there are many."""
    words = args.split()
    if len(words) < 2:
        raise UsageError("enroll")
    cohort = await resolve_cohort(ctx, words[0], command="enroll")
    wanted = await _collect(ctx, words[1:])
    if not wanted:
        raise UsageError("enroll")
    job = _Job(
        services=ctx.services,
        cohort_id=cohort.id or 0,
        wanted=wanted,
        actor_key=ctx.person.key,
        lang=ctx.lang,
        now=ctx.now(),
    )
    if len(wanted) <= BACKGROUND_OVER:
        return [Text(await job.run(ctx.session))]
    started = Text(ctx.t("enroll.started", count=len(wanted), cohort=cohort.name))
    return [started, Later(job.run_alone, f"enroll {len(wanted)} people in {cohort.name}")]


async def _collect(ctx: Context, tokens: Sequence[str]) -> Wanted:
    """The people the tokens name, in order and without repeats: channel groups, mentions, known names."""
    wanted: Wanted = {}
    for raw in tokens:
        token = raw.strip(SEPARATORS)
        if not token:
            continue
        if token in ctx.event.groups:
            for actor in ctx.event.groups[token]:
                wanted.setdefault(actor.key, actor)
        elif token in ctx.event.mentions:
            actor = ctx.event.mentions[token]
            wanted.setdefault(actor.key, actor)
        else:
            person = await resolve_person(ctx, token, command="enroll")
            wanted.setdefault(person.key, None)
    return wanted


class _Job:
    """One enrollment batch; it holds plain values only, so it can run after the request's session is gone."""

    def __init__(
        self,
        *,
        services: Services,
        cohort_id: int,
        wanted: Wanted,
        actor_key: str,
        lang: str,
        now: dt.datetime,
    ) -> None:
        self.services = services
        self.cohort_id = cohort_id
        self.wanted = wanted
        self.actor_key = actor_key
        self.lang = lang
        self.now = now

    async def run_alone(self) -> list[Reply]:
        """The `Later` work: its own transaction, since the request's one is closed by now."""
        async with self.services.db.transaction() as session:
            summary = await self.run(session)
        logger.info("Enrolled %s people in cohort %s in the background", len(self.wanted), self.cohort_id)
        return [Text(summary)]

    async def run(self, session: AsyncSession) -> str:
        """Create unknown people, skip those already enrolled, bulk-insert the rest; returns the summary."""
        cohort = await session.get(Cohort, self.cohort_id)
        if cohort is None:
            raise NotFound("error.unknown_cohort", name=str(self.cohort_id))
        found = await people.people_by_keys(session, keys=list(self.wanted))
        missing = [actor for key, actor in self.wanted.items() if key not in found and actor is not None]
        found.update(await self._create_people(session, missing))
        chosen = [found[key] for key in self.wanted if key in found]
        already_ids = await cohorts.enrolled_person_ids(session, cohort_id=self.cohort_id)
        fresh = [person for person in chosen if person.id not in already_ids]
        already = [person for person in chosen if person.id in already_ids]
        if not fresh:
            raise UserError(
                "enroll.all_already", cohort=cohort.name, count=len(already), names=self._names(already)
            )
        due = []
        for start in range(0, len(fresh), people.BATCH):
            batch = fresh[start : start + people.BATCH]
            due += [(person.id or 0, plan.next_due(person, cohort, after=self.now)) for person in batch]
            await asyncio.sleep(0)  # a big enrollment must not hold up other requests
        await cohorts.add_enrollments(session, cohort_id=self.cohort_id, due=due)
        await activity.audit(
            session,
            actor_key=self.actor_key,
            action="enroll",
            args={"cohort": cohort.name, "added": len(fresh), "already": len(already)},
            outcome="ok",
        )
        return self._summary(cohort, fresh, already, min(when for _, when in due))

    async def _create_people(self, session: AsyncSession, actors: list[Actor]) -> dict[str, Person]:
        """Everyone not met yet, added in one flush (not one round trip per person)."""
        data = [person_data(actor, self.services.settings) for actor in actors]
        return {person.key: person for person in await people.create_people(session, data=data)}

    def _names(self, chosen: list[Person]) -> str:
        names = ", ".join(mention(person) for person in chosen[:NAMES_SHOWN])
        if len(chosen) > NAMES_SHOWN:
            names += " " + t("enroll.more", self.lang, count=len(chosen) - NAMES_SHOWN)
        return names

    def _summary(self, cohort: Cohort, fresh: list[Person], already: list[Person], first: dt.datetime) -> str:
        local = first.astimezone(ZoneInfo(cohort.tz))
        when = f"{local:%Y-%m-%d %H:%M} ({cohort.tz})"
        lines = [
            t(
                "enroll.done",
                self.lang,
                cohort=cohort.name,
                count=len(fresh),
                names=self._names(fresh),
                first=when,
            )
        ]
        if already:
            names = self._names(already)
            lines.append(
                t("enroll.some_already", self.lang, cohort=cohort.name, count=len(already), names=names)
            )
        return "\n".join(lines)


async def handle_unenroll(ctx: Context, args: str) -> list[Reply]:
    """Take one learner out of a cohort; their enrollment (and its delivery ledger) goes with it."""
    words = [word.strip(SEPARATORS) for word in args.split()]
    if len(words) != 2:
        raise UsageError("unenroll")
    cohort = await resolve_cohort(ctx, words[0], command="unenroll")
    person = await resolve_person(ctx, words[1], command="unenroll")
    removed = await cohorts.remove_enrollment(ctx.session, person_id=person.id or 0, cohort_id=cohort.id or 0)
    if not removed:
        raise UserError("unenroll.not_enrolled", person=mention(person), cohort=cohort.name)
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="unenroll",
        args={"cohort": cohort.name, "person": person.key},
        outcome="ok",
    )
    return [Text(ctx.t("unenroll.done", person=mention(person), cohort=cohort.name))]
