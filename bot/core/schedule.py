"""A person's schedule as the commands tell it: their time zone, the cohort whose rhythm they follow, their
next tip, and rescheduling it after a change (`settings`, `pause`, `progress` and others share these).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import Context
from bot.core.dates import format_moment
from bot.i18n import register
from scheduler import plan
from storage import cohorts
from storage.enums import EnrollmentStatus
from storage.models import Cohort, Enrollment, EnrollmentUpdate, Person

register(
    {
        "schedule.next_tip": {"en": "Your next tip: {when}.", "fr": "Votre prochain conseil : {when}."},
        "schedule.no_tip": {
            "en": "No tip is scheduled: you are not in an active cohort yet.",
            "fr": "Aucun conseil n’est prévu : vous n’êtes pas encore dans une cohorte active.",
        },
        "schedule.no_tip_finished": {
            "en": "No tip is scheduled: you have finished your track. Your programme admin can enroll you "
            "in another one.",
            "fr": "Aucun conseil n’est prévu : vous avez terminé votre parcours. L’administrateur du "
            "programme peut vous inscrire à un autre.",
        },
        "schedule.no_tip_cohort_paused": {
            "en": "No tip is scheduled for now: the programme team has paused your cohort.",
            "fr": "Aucun conseil n’est prévu pour l’instant : l’équipe du programme a mis votre cohorte "
            "en pause.",
        },
    }
)


@dataclass(frozen=True, slots=True)
class NextTip:
    """When the learner's next tip is due, and the zone to say it in."""

    when: dt.datetime
    zone: ZoneInfo


async def zone_of(session: AsyncSession, person: Person, default_tz: str) -> ZoneInfo:
    """The person's time zone by the one rule (`scheduler.plan.zone_for`), their home cohort looked up:
    the zone every moment shown to them is said in. `default_tz` is TANDEM_DEFAULT_TZ."""
    enrolled = await cohorts.enrollments_of(session, person_id=person.id) if person.id else []
    return plan.zone_for(person, plan.home_cohort(enrolled), default_tz)


async def own_zone(ctx: Context) -> ZoneInfo:
    """The time zone of the person talking."""
    return await zone_of(ctx.session, ctx.person, ctx.services.settings.default_tz)


async def home_cohort(ctx: Context) -> Cohort | None:
    """The cohort whose settings apply when the learner has none of their own (`plan.home_cohort`)."""
    return plan.home_cohort(await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0))


def next_delivery(
    ctx: Context, enrollment: Enrollment, cohort: Cohort, *, last_lesson_at: dt.datetime | None = None
) -> dt.datetime:
    """When the drip next delivers to this enrollment from now, by its own rule (`plan.next_due`): never
    on the local day of the person's last lesson (`last_lesson_at`, from any of their tracks; else this
    enrollment's own)."""
    return plan.next_due(
        ctx.person,
        cohort,
        ctx.services.settings.default_tz,
        after=ctx.now(),
        paused_until=enrollment.paused_until,
        last_sent_at=max(filter(None, (enrollment.last_sent_at, last_lesson_at)), default=None),
    )


async def reschedule(ctx: Context) -> NextTip | None:
    """Recompute next_due_at of every active enrollment after a change, by the drip's own rule (a day
    whose tip went out already, from any track, has no second one); the earliest next tip, if any."""
    default_tz = ctx.services.settings.default_tz
    best: NextTip | None = None
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0)
    last = max(filter(None, (enrollment.last_sent_at for enrollment, _ in enrolled)), default=None)
    for enrollment, cohort in enrolled:
        if enrollment.status != EnrollmentStatus.ACTIVE:
            continue
        due = next_delivery(ctx, enrollment, cohort, last_lesson_at=last)
        await cohorts.update_enrollment(
            ctx.session, enrollment=enrollment, data=EnrollmentUpdate(next_due_at=due)
        )
        if not cohort.paused and (best is None or due < best.when):
            best = NextTip(due, plan.zone_for(ctx.person, cohort, default_tz))
    return best


async def next_tip(ctx: Context) -> NextTip | None:
    """The earliest scheduled tip of the learner's active enrollments, without changing anything."""
    best: NextTip | None = None
    for enrollment, cohort in await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0):
        due = enrollment.next_due_at
        if enrollment.status != EnrollmentStatus.ACTIVE or cohort.paused or due is None:
            continue
        if best is None or due < best.when:
            best = NextTip(due, plan.zone_for(ctx.person, cohort, ctx.services.settings.default_tz))
    return best


async def next_tip_line(ctx: Context, tip: NextTip | None) -> str:
    """'Your next tip: …' in the person's zone (`own_zone`, like every moment shown to them), or why there
    is none: the programme paused the cohort, the track is finished, or there is no cohort yet."""
    if tip is not None:
        return ctx.t("schedule.next_tip", when=format_moment(tip.when, await own_zone(ctx), ctx.lang))
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0)
    if any(enrollment.status == EnrollmentStatus.ACTIVE for enrollment, _ in enrolled):
        return ctx.t("schedule.no_tip_cohort_paused")
    if any(enrollment.status == EnrollmentStatus.COMPLETED for enrollment, _ in enrolled):
        return ctx.t("schedule.no_tip_finished")
    return ctx.t("schedule.no_tip")


def live_pause(ctx: Context) -> dt.datetime | None:
    """The end of the learner's own pause, when it is still running."""
    until = ctx.person.paused_until
    return until if until is not None and until > ctx.now() else None
