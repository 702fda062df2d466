"""Where a learner is in their track: shared by `today`, `next`, `progress` and the drip."""

from __future__ import annotations

from bot.core.context import Context
from lessons import Lesson, Library, Track
from storage import cohorts, deliveries, keys
from storage.enums import EnrollmentStatus
from storage.models import Cohort, Enrollment


async def active_enrollment(ctx: Context) -> tuple[Enrollment, Cohort] | None:
    """The learner's first active enrollment, or None."""
    for enrollment, cohort in await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0):
        if enrollment.status == EnrollmentStatus.ACTIVE:
            return enrollment, cohort
    return None


def track_lesson(library: Library, track: Track | None, position: int, lang: str) -> Lesson | None:
    if track is None or not 0 <= position < len(track.lessons):
        return None
    return library.get(track.lessons[position], lang)


async def deliver_next(ctx: Context, enrollment: Enrollment, cohort: Cohort) -> Lesson | None:
    """Hand the next lesson of the track to the learner now, and move them along; None at the end."""
    track = ctx.library.tracks.get(cohort.track_id)
    lesson = track_lesson(ctx.library, track, enrollment.position, ctx.lang)
    if lesson is None:
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
    return lesson
