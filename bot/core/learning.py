"""Where a learner is in their track: shared by `today`, `next`, `progress` and the drip."""

from __future__ import annotations

import datetime as dt

from bot.core import schedule
from bot.core.context import Context
from lessons import Lesson, Library, Track
from scheduler import ledger
from storage import cohorts, deliveries, keys
from storage.enums import EnrollmentStatus
from storage.models import Cohort, Enrollment, EnrollmentUpdate


async def active_enrollment(ctx: Context) -> tuple[Enrollment, Cohort] | None:
    """The learner's first active enrollment, or None."""
    for enrollment, cohort in await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0):
        if enrollment.status == EnrollmentStatus.ACTIVE:
            return enrollment, cohort
    return None


async def completed_enrollment(ctx: Context) -> tuple[Enrollment, Cohort] | None:
    """The learner's most recently completed enrollment, or None."""
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0)
    done = [(e, c) for e, c in enrolled if e.status == EnrollmentStatus.COMPLETED]
    return done[-1] if done else None


def track_lesson(library: Library, track: Track | None, position: int, lang: str) -> Lesson | None:
    if track is None or not 0 <= position < len(track.lessons):
        return None
    return library.get(track.lessons[position], lang)


async def deliver_next(ctx: Context, enrollment: Enrollment, cohort: Cohort) -> Lesson | None:
    """Hand the next lesson of the track to the learner now, and move them along; None at the end. The
    last lesson completes the track, as when the drip hands it out (`finish_track`)."""
    track = ctx.library.tracks.get(cohort.track_id)
    lesson = track_lesson(ctx.library, track, enrollment.position, ctx.lang)
    if track is None or lesson is None:
        return None
    await deliveries.record_sent(
        ctx.session,
        dedupe_key=keys.lesson_key(enrollment.id or 0, lesson.id),
        person_id=ctx.person.id or 0,
        enrollment_id=enrollment.id,
        lesson_id=lesson.id,
        now=ctx.now(),
    )
    enrollment.position += 1
    ctx.session.add(enrollment)
    if enrollment.position >= len(track.lessons):
        await finish_track(ctx, enrollment, cohort)
    return lesson


async def finish_track(ctx: Context, enrollment: Enrollment, cohort: Cohort) -> dt.datetime:
    """The learner's `next` handed out the track's last lesson: the enrollment completes and its one
    end-of-track message is queued, by the drip's own rule (`scheduler.ledger.completion`), for the
    learner's next delivery time. Returns that time."""
    now, default_tz = ctx.now(), ctx.services.settings.default_tz
    due = schedule.next_delivery(ctx, enrollment, cohort)
    change, row = ledger.completion(enrollment, ctx.person, cohort, due=due, default_tz=default_tz, now=now)
    await deliveries.plan_rows(ctx.session, rows=[row])
    await cohorts.update_enrollment(
        ctx.session, enrollment=enrollment, data=EnrollmentUpdate.model_validate(change)
    )
    return due


async def summary_due(ctx: Context, enrollment: Enrollment) -> dt.datetime | None:
    """When the end-of-track message of this enrollment is due, while it waits to be sent."""
    return await deliveries.pending_due(ctx.session, dedupe_key=keys.complete_key(enrollment.id or 0))
