"""Enrolling learners: `enroll <cohort> <@people…>` and `unenroll <cohort> <@person>` (admins).

Whole teams are enrolled at once, so the work is done with bulk queries; past a couple of hundred people
it moves to a `Later` that runs in its own transaction after the channel has acknowledged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import limits
from bot.core.args import mention, person_data, resolve_cohort, resolve_person
from bot.core.context import Context, Services
from bot.core.dates import format_day
from bot.core.errors import NotFound, UsageError, UserError
from bot.core.events import Actor, Group
from bot.core.jobs import JobContext, Progress, job
from bot.core.replies import Later, Reply, Text
from bot.core.schedule import zone_of
from bot.core.text import neutralize
from bot.i18n import register, t
from scheduler import plan
from storage import activity, cohorts, people, reachability
from storage.enums import AuditOutcome, EnrollmentStatus, JobKind, StopCause, UsageKind
from storage.models import Cohort, Enrollment, Person

logger = logging.getLogger(__name__)

register(
    {
        "enroll.usage": {"en": "enroll <cohort> <@people…>", "fr": "inscrire <cohorte> <@personnes…>"},
        "enroll.help": {"en": "add learners to a cohort", "fr": "inscrire des apprenants dans une cohorte"},
        "unenroll.usage": {"en": "unenroll <cohort> <@person>", "fr": "désinscrire <cohorte> <@personne>"},
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
        "enroll.resumed": {
            "en": "Back in `{cohort}` ({count}): {names}. Their tips start again from where they stopped.",
            "fr": "De retour dans `{cohort}` ({count}) : {names}. Leurs conseils reprennent là où ils "
            "s’étaient arrêtés.",
        },
        "enroll.self_stopped": {
            "en": "{name} stopped their own tips on {date}, so I left them as they are; they can resume "
            "with `resume`.",
            "fr": "{name} a arrêté ses conseils le {date} : je n’y ai pas touché. Cette personne peut "
            "reprendre avec `reprendre`.",
        },
        "enroll.self_stopped_one": {
            "en": "{name} stopped `{cohort}` on their own on {date}, so I left it as it is; they can "
            "bring it back with `resume {cohort}`.",
            "fr": "{name} a arrêté `{cohort}` le {date} : je n’y ai pas touché. Cette personne peut le "
            "reprendre avec `reprendre {cohort}`.",
        },
        "enroll.nothing": {"en": "{details}", "fr": "{details}"},
        "enroll.channel_hidden": {
            "en": "I can’t see who is in {channel}, so nobody was enrolled. Invite me to the channel "
            "(`/invite @Tandem` in it) and try again, or name the people one by one.",
            "fr": "Je ne vois pas qui fait partie de {channel} : personne n’a été inscrit. Invitez-moi "
            "dans le canal (`/invite @Tandem`) puis réessayez, ou nommez les personnes une à une.",
        },
        "enroll.channel_unread": {
            "en": "I could not read who is in {channel}, so nobody was enrolled. Please try again in a "
            "moment, or name the people one by one.",
            "fr": "Je n’ai pas pu lire qui fait partie de {channel} : personne n’a été inscrit. Réessayez "
            "dans un instant, ou nommez les personnes une à une.",
        },
        "unenroll.done": {
            "en": "{person} has left `{cohort}` and will get no more tips from it. "
            "Enrolling them again resumes where they were.",
            "fr": "{person} a quitté `{cohort}` et n’en recevra plus de conseils. "
            "Une nouvelle inscription reprendra là où la personne en était.",
        },
        "unenroll.reason": {"en": "removed by an admin", "fr": "retiré par un administrateur"},
        "unenroll.not_enrolled": {
            "en": "{person} is not enrolled in `{cohort}`.",
            "fr": "{person} n’est pas inscrit dans `{cohort}`.",
        },
    }
)

BACKGROUND_OVER = 200
"""More people than this are enrolled in a `Later`, so the channel can acknowledge at once."""
STEP = 200
"""People enrolled per transaction in the background."""
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
    if len(wanted) <= BACKGROUND_OVER:
        batch = _Batch(
            services=ctx.services,
            cohort_id=cohort.id or 0,
            wanted=wanted,
            actor_key=ctx.person.key,
            lang=ctx.lang,
            now=ctx.now(),
        )
        return [Text(await batch.run(ctx.session))]
    started = Text(ctx.t("enroll.started", count=len(wanted), cohort=cohort.name))
    job_args = {
        "cohort_id": cohort.id,
        "wanted": {key: _actor_json(actor) for key, actor in wanted.items()},
        "actor_key": ctx.person.key,
    }
    return [started, Later(JobKind.ENROLL, job_args, f"enroll {len(wanted)} people in {cohort.name}")]


def _actor_json(actor: Actor | None) -> dict[str, Any] | None:
    if actor is None:
        return None
    values = {k: getattr(actor, k) for k in ("key", "name", "platform", "lang", "tz", "reachable")}
    values["conversation"] = dict(actor.conversation) if actor.conversation else None
    return values


def _actor_from(data: dict[str, Any] | None) -> Actor | None:
    return Actor(**data) if data else None


@job(JobKind.ENROLL)
async def run_enroll_job(context: JobContext) -> list[Reply] | Progress:
    """A big enrollment, after the reply, a step of STEP people per transaction (so other events take
    their turn on the database in between); the summary of the whole reaches the admin who asked."""
    args = context.args
    wanted = {key: _actor_from(value) for key, value in args["wanted"].items()}
    batch = _Batch(
        services=context.services,
        cohort_id=int(args["cohort_id"]),
        wanted=wanted,
        actor_key=str(args["actor_key"]),
        lang=context.lang,
        now=context.now,
    )
    done = int(args.get("done", 0))
    outcome = Outcome.from_json(args["outcome"]) if "outcome" in args else Outcome()
    outcome.add(await batch.apply(context.session, list(wanted)[done : done + STEP]))
    if done + STEP < len(wanted):
        return Progress({**args, "done": done + STEP, "outcome": outcome.to_json()})
    summary = await batch.finish(context.session, outcome)
    logger.info("Enrolled %s people in cohort %s in the background", len(wanted), batch.cohort_id)
    return [Text(summary)]


async def _collect(ctx: Context, tokens: Sequence[str]) -> Wanted:
    """The people the tokens name, in order and without repeats: channel groups, mentions, known names."""
    wanted: Wanted = {}
    for raw in tokens:
        token = raw.strip(SEPARATORS)
        if not token:
            continue
        if token in ctx.event.groups:
            for actor in await _members(ctx, ctx.event.groups[token]):
                wanted.setdefault(actor.key, actor)
        elif token in ctx.event.mentions:
            actor = ctx.event.mentions[token]
            wanted.setdefault(actor.key, actor)
        else:
            person = await resolve_person(ctx, token, command="enroll")
            wanted.setdefault(person.key, None)
    return wanted


async def _members(ctx: Context, group: Group) -> tuple[Actor, ...]:
    """A channel's people, or why they were not read: the bot cannot see the channel, or the admin has
    looked up as many channels as the rate limit allows (counted when the channel looked them up)."""
    if group.members is not None:
        return group.members
    label = neutralize(group.label, 80)
    if group.problem:
        raise UserError("enroll.channel_hidden", channel=label)
    settings = ctx.services.settings
    budget = await limits.peek(
        ctx.session, settings, person_id=ctx.person.id or 0, kind=UsageKind.CHANNEL, count=1, now=ctx.now()
    )
    if not budget.allowed:
        raise await limits.refusal(ctx, "limit.channel", budget)
    raise UserError("enroll.channel_unread", channel=label)


@dataclass(slots=True)
class Outcome:
    """What one or more enrollment steps did, by person id: kept as JSON between a job's steps."""

    fresh: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    self_stopped: list[int] = field(default_factory=list)
    first_due: dt.datetime | None = None

    def add(self, other: Outcome) -> None:
        self.fresh += other.fresh
        self.resumed += other.resumed
        self.already += other.already
        self.self_stopped += other.self_stopped
        if other.first_due is not None and (self.first_due is None or other.first_due < self.first_due):
            self.first_due = other.first_due

    def to_json(self) -> dict[str, Any]:
        lists = {name: getattr(self, name) for name in ("fresh", "resumed", "already", "self_stopped")}
        return {**lists, "first_due": self.first_due.isoformat() if self.first_due else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        first = data.get("first_due")
        return cls(
            list(data["fresh"]),
            list(data["resumed"]),
            list(data["already"]),
            list(data["self_stopped"]),
            dt.datetime.fromisoformat(first) if first else None,
        )


class _Batch:
    """An enrollment; it holds plain values only, so it can run in a job after the reply. `apply` does
    the work for some of the people (a job's step), `finish` audits and words the whole outcome."""

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

    async def run(self, session: AsyncSession) -> str:
        """Everyone at once, in the caller's transaction; returns the summary."""
        return await self.finish(session, await self.apply(session, list(self.wanted)))

    async def apply(self, session: AsyncSession, keys: list[str]) -> Outcome:
        """Create unknown people, resume those an admin or unreachability had stopped, leave the others as
        they are, and bulk-insert the new ones, for the people of `keys`."""
        cohort = await self._cohort(session)
        wanted = {key: self.wanted[key] for key in keys}
        found = await people.people_by_keys(session, keys=list(wanted))
        missing = [actor for key, actor in wanted.items() if key not in found and actor is not None]
        found.update(await self._create_people(session, missing))
        chosen = [found[key] for key in wanted if key in found]
        existing = await cohorts.enrollments_in(
            session, cohort_id=self.cohort_id, person_ids=[p.id or 0 for p in chosen]
        )
        fresh = [person for person in chosen if person.id not in existing]
        resumable = [p for p in chosen if p.id in existing and _resumable(existing[p.id or 0])]
        self_stopped = [
            p for p in chosen if p.id in existing and cohorts.stopped_by_learner(existing[p.id or 0])
        ]
        resumable_ids = {p.id for p in resumable} | {p.id for p in self_stopped}
        already = [p for p in chosen if p.id in existing and p.id not in resumable_ids]
        await self._resume(session, cohort, resumable, existing)
        default_tz = self.services.settings.default_tz
        due = [
            (person.id or 0, plan.next_due(person, cohort, default_tz, after=self.now)) for person in fresh
        ]
        await cohorts.add_enrollments(session, cohort_id=self.cohort_id, due=due)
        first = min((when for _, when in due if when is not None), default=None)
        return Outcome(_ids(fresh), _ids(resumable), _ids(already), _ids(self_stopped), first)

    async def finish(self, session: AsyncSession, outcome: Outcome) -> str:
        """The audit entry and the summary for the whole enrollment; nothing new is a friendly error."""
        cohort = await self._cohort(session)
        shown = [
            *outcome.fresh[:NAMES_SHOWN],
            *outcome.resumed[:NAMES_SHOWN],
            *outcome.already[:NAMES_SHOWN],
            *outcome.self_stopped[:NAMES_SHOWN],
        ]
        named = await people.people_by_ids(session, ids=shown)
        stopped = await cohorts.enrollments_in(
            session, cohort_id=self.cohort_id, person_ids=outcome.self_stopped[:NAMES_SHOWN]
        )
        words = _Words(self.lang, cohort, named, stopped, self.now, await self._reader_zone(session))
        if not outcome.fresh and not outcome.resumed:
            details = [words.group("enroll.all_already", outcome.already), *words.self_stopped(outcome)]
            raise UserError("enroll.nothing", details="\n".join(line for line in details if line))
        await activity.audit(
            session,
            actor_key=self.actor_key,
            action="enroll",
            args={
                "cohort": cohort.name,
                "added": len(outcome.fresh),
                "resumed": len(outcome.resumed),
                "already": len(outcome.already) + len(outcome.self_stopped),
            },
            outcome=AuditOutcome.OK,
        )
        return words.summary(outcome)

    async def _reader_zone(self, session: AsyncSession) -> ZoneInfo:
        """The zone of the admin who reads the summary: its dates and times are said in it."""
        reader = await people.get_person(session, key=self.actor_key)
        if reader is None:
            return plan.zone_for(None, None, self.services.settings.default_tz)
        return await zone_of(session, reader, self.services.settings.default_tz)

    async def _cohort(self, session: AsyncSession) -> Cohort:
        cohort = await cohorts.get_cohort_by_id(session, cohort_id=self.cohort_id)
        if cohort is None:
            raise NotFound("error.unknown_cohort", name=str(self.cohort_id))
        return cohort

    async def _resume(
        self, session: AsyncSession, cohort: Cohort, chosen: list[Person], existing: dict[int, Enrollment]
    ) -> None:
        """Stopped by an admin: back on their rhythm. Stopped because they could not be reached: the
        admin vouches for them, so Tandem tries again (their held messages go out too)."""
        for person in chosen:
            enrollment = existing[person.id or 0]
            unreachable = enrollment.stopped_by == StopCause.REACHABILITY
            next_due = plan.next_due(
                person,
                cohort,
                self.services.settings.default_tz,
                after=self.now,
                paused_until=enrollment.paused_until,
            )
            await cohorts.resume_enrollment(session, enrollment=enrollment, next_due_at=next_due)
            if unreachable or not person.reachable:
                await reachability.mark_reachable(session, person=person, now=self.now)

    async def _create_people(self, session: AsyncSession, actors: list[Actor]) -> dict[str, Person]:
        """Everyone not met yet, added in one flush (not one round trip per person)."""
        data = [person_data(actor, self.services.settings) for actor in actors]
        return {person.key: person for person in await people.create_people(session, data=data)}


def _ids(chosen: list[Person]) -> list[int]:
    return [person.id or 0 for person in chosen]


@dataclass(slots=True)
class _Words:
    """How an enrollment's outcome reads: the people shown by name (the first few of each group)."""

    lang: str
    cohort: Cohort
    named: dict[int, Person]
    stopped: dict[int, Enrollment]
    now: dt.datetime
    zone: ZoneInfo
    """The reader's zone."""

    def names(self, ids: list[int]) -> str:
        names = ", ".join(mention(self.named[i]) for i in ids[:NAMES_SHOWN] if i in self.named)
        if len(ids) > NAMES_SHOWN:
            names += " " + t("enroll.more", self.lang, count=len(ids) - NAMES_SHOWN)
        return names

    def group(self, key: str, ids: list[int], **values: object) -> str:
        if not ids:
            return ""
        return t(key, self.lang, cohort=self.cohort.name, count=len(ids), names=self.names(ids), **values)

    def self_stopped(self, outcome: Outcome) -> list[str]:
        lines = []
        for person_id in outcome.self_stopped[:NAMES_SHOWN]:
            enrollment, person = self.stopped.get(person_id), self.named.get(person_id)
            if enrollment is None or person is None:
                continue
            stopped = enrollment.stopped_at or self.now
            date = format_day(stopped.astimezone(self.zone).date(), self.lang)
            key = "enroll.self_stopped_one" if cohorts.stopped_alone(enrollment) else "enroll.self_stopped"
            lines.append(t(key, self.lang, name=mention(person), date=date, cohort=self.cohort.name))
        return lines

    def summary(self, outcome: Outcome) -> str:
        first = ""
        if outcome.first_due is not None:
            local = outcome.first_due.astimezone(self.zone)
            first = f"{local:%Y-%m-%d %H:%M} ({self.zone.key})"
        lines = [
            self.group("enroll.done", outcome.fresh, first=first),
            self.group("enroll.resumed", outcome.resumed),
            self.group("enroll.some_already", outcome.already),
            *self.self_stopped(outcome),
        ]
        return "\n".join(line for line in lines if line)


def _resumable(enrollment: Enrollment) -> bool:
    """Stopped by an admin or because the person could not be reached: enrolling them again resumes it."""
    return enrollment.status == EnrollmentStatus.STOPPED and enrollment.stopped_by in (
        StopCause.ADMIN,
        StopCause.REACHABILITY,
        None,
    )


async def handle_unenroll(ctx: Context, args: str) -> list[Reply]:
    """Take one learner out of a cohort: their enrollment stops (with its history kept), and enrolling them
    again resumes it where it was."""
    words = [word.strip(SEPARATORS) for word in args.split()]
    if len(words) != 2:
        raise UsageError("unenroll")
    cohort = await resolve_cohort(ctx, words[0], command="unenroll")
    person = await resolve_person(ctx, words[1], command="unenroll")
    enrollment = await cohorts.get_enrollment(ctx.session, person_id=person.id or 0, cohort_id=cohort.id or 0)
    if enrollment is None or (
        enrollment.status == EnrollmentStatus.STOPPED and enrollment.stopped_by == StopCause.ADMIN
    ):
        raise UserError("unenroll.not_enrolled", person=mention(person), cohort=cohort.name)
    await cohorts.stop_enrollment(
        ctx.session,
        enrollment=enrollment,
        cause=StopCause.ADMIN,
        reason=ctx.t("unenroll.reason"),
        now=ctx.now(),
    )
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="unenroll",
        args={"cohort": cohort.name, "person": person.key},
        outcome=AuditOutcome.OK,
    )
    return [Text(ctx.t("unenroll.done", person=mention(person), cohort=cohort.name))]
