"""The mentor's guide: a mentor is enrolled in the `mentor-guide` track (short lessons on mentoring a senior
colleague, `audience: mentors`) with their first mentee, once, and can stop it with `stop mentor-guide`.

The guide is a track like any other, so it travels the drip's own road (time, days, zone, quiet hours,
pauses, reviews) through an ordinary enrollment in one cohort, `mentor-guide`, made on demand the first
time a mentor needs it: one tip a week, on Tuesdays at 09:00 in the mentor's zone, unless the mentor set
their own days and time. `stop <track or cohort>` (see `stop_one`) stops one enrollment alone, this one
or any other, and only `resume <track or cohort>` (`resume_one`) brings it back: a bare `resume` undoes a
bare `stop` or a pause, never a stop the person chose for one track.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import Context
from bot.core.dates import format_moment
from bot.core.goals import MENTOR_GUIDE, track_title
from bot.core.replies import Reply, Text
from bot.core.schedule import next_tip_line, reschedule, zone_of
from bot.i18n import register, t
from scheduler import ledger, plan
from storage import cohorts
from storage.defaults import DEFAULT_TZ, DELIVERY_TIME_TEXT
from storage.enums import EnrollmentStatus, StopCause
from storage.models import Cohort, CohortCreate, Enrollment, Person

TRACK = MENTOR_GUIDE
COHORT = MENTOR_GUIDE
"""The name of the cohort made for the guide (`mentor-guide-2`… when an admin took that name for
another track)."""
DAYS = "tue"
"""The guide's rhythm: one short tip a week, away from Monday's digest."""
NAME_TRIES = 9

register(
    {
        "mentor_guide.enrolled": {
            "en": "With your first mentee comes *the mentor’s guide*: short tips on mentoring a senior "
            "colleague (never lecture, start from their goals, let them do it on their own phone…), "
            "{rhythm}the first {when}. Type `stop mentor-guide` to stop them.",
            "fr": "Avec votre premier mentoré vient *le guide du mentor* : de courts conseils pour "
            "accompagner un collègue senior (ne jamais faire la leçon, partir de ses objectifs, le laisser "
            "faire sur son propre téléphone…), {rhythm}le premier {when}. Tapez "
            "`arrêter mentor-guide` pour les arrêter.",
        },
        "mentor_guide.weekly": {"en": "one a week, ", "fr": "un par semaine, "},
        "stop.one.done": {
            "en": "Done: no more tips from *{track}*; anything else you receive goes on. Type "
            "`resume {name}` to bring them back.",
            "fr": "C’est fait : plus de conseils de *{track}* ; le reste continue. Tapez "
            "`reprendre {name}` pour les retrouver.",
        },
        "stop.one.none": {
            "en": "You are not receiving *{track}*, so there is nothing to stop.",
            "fr": "Vous ne recevez pas *{track}* : il n’y a rien à arrêter.",
        },
        "resume.one.done": {
            "en": "Welcome back! Tips from *{track}* start again.",
            "fr": "Bon retour ! Les conseils de *{track}* reprennent.",
        },
        "resume.one.none": {
            "en": "You have not stopped *{track}*, so there is nothing to resume.",
            "fr": "Vous n’avez pas arrêté *{track}* : il n’y a rien à reprendre.",
        },
        "resume.one.still_stopped": {
            "en": "Tips from *{track}* stay stopped: type `resume {name}` to bring them back.",
            "fr": "Les conseils de *{track}* restent arrêtés : tapez `reprendre {name}` pour les retrouver.",
        },
    }
)


async def guide_cohort(session: AsyncSession, *, now: dt.datetime, default_tz: str) -> Cohort | None:
    """The cohort of the guide: the oldest cohort whose track it is, else a new one named `mentor-guide`
    (starting today in `default_tz`, Tuesdays at 09:00 in that zone); None when every name tried is taken
    by a cohort of another track."""
    found = [cohort for cohort in await cohorts.list_cohorts(session) if cohort.track_id == TRACK]
    if found:
        return min(found, key=lambda cohort: (cohort.created_at, cohort.id or 0))
    zone = plan.zone_for(None, None, default_tz)
    for attempt in range(1, NAME_TRIES + 1):
        name = COHORT if attempt == 1 else f"{COHORT}-{attempt}"
        if await cohorts.get_cohort(session, name=name) is not None:
            continue
        data = CohortCreate(
            name=name,
            track_id=TRACK,
            start_date=now.astimezone(zone).date(),
            delivery_time=DELIVERY_TIME_TEXT,
            days=DAYS,
            tz=zone.key,
        )
        return await cohorts.create_cohort(session, data=data)
    return None


async def enrol_in_mentor_guide(
    session: AsyncSession, *, mentor: Person, now: dt.datetime, default_tz: str = DEFAULT_TZ
) -> list[Reply]:
    """Enroll `mentor` in the guide, once ever: the first call enrolls them and returns a short note for
    them, in their language (for the caller to put in the mentor's `Notify`); every later call, and a
    call for a mentor who stopped the guide, changes nothing and returns nothing. Safe to call at every
    pairing. `default_tz` is TANDEM_DEFAULT_TZ (the zone of the guide's cohort when it is made)."""
    if mentor.id is None:
        return []
    cohort = await guide_cohort(session, now=now, default_tz=default_tz)
    if cohort is None or cohort.id is None:
        return []
    if await cohorts.get_enrollment(session, person_id=mentor.id, cohort_id=cohort.id) is not None:
        return []
    enrolled = await cohorts.enrollments_of(session, person_id=mentor.id)
    if any(c.track_id == TRACK for _, c in enrolled):
        return []  # in the guide through another cohort an admin made
    due = ledger.first_turn(mentor, cohort, enrolled, now, default_tz)
    await cohorts.add_enrollments(session, cohort_id=cohort.id, due=[(mentor.id, due)])
    zone = await zone_of(session, mentor, default_tz)
    weekly = len(plan.rhythm_for(mentor, cohort, default_tz).days) == 1
    rhythm = t("mentor_guide.weekly", mentor.lang) if weekly else ""
    when = format_moment(due, zone, mentor.lang)
    return [Text(t("mentor_guide.enrolled", mentor.lang, rhythm=rhythm, when=when))]


def _named(enrolled: list[tuple[Enrollment, Cohort]], name: str) -> list[tuple[Enrollment, Cohort]]:
    """The enrollments whose track or cohort is called `name` (one word, any case); none for anything
    else (several words, nothing)."""
    word = name.strip().lower()
    if not word or len(word.split()) > 1:
        return []
    return [(e, c) for e, c in enrolled if word in (c.track_id.lower(), c.name.lower())]


def _said(named: list[tuple[Enrollment, Cohort]], name: str) -> str:
    """The name to type to reach these enrollments again, as Tandem spells it: the track's id when
    `name` was the track, else the cohort's name."""
    word = name.strip().lower()
    cohort = named[0][1]
    return cohort.track_id if word == cohort.track_id.lower() else cohort.name


async def stop_one(ctx: Context, name: str) -> list[Reply] | None:
    """`stop <track or cohort>`: stop only the enrollments of the person's that follow that track or are
    in that cohort (`stop mentor-guide`), as their own `stop` does but on their own (only
    `resume <track or cohort>` brings them back). None when the word names none of their enrollments:
    then `stop …` is a question, as before."""
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0)
    named = _named(enrolled, name)
    if not named:
        return None
    title = track_title(ctx.library, named[0][1].track_id, ctx.lang)
    active = [e for e, _ in named if e.status == EnrollmentStatus.ACTIVE]
    if not active:
        return [Text(ctx.t("stop.one.none", track=title), private=True)]
    for enrollment in active:
        await cohorts.stop_enrollment(
            ctx.session,
            enrollment=enrollment,
            cause=StopCause.LEARNER_ONE,
            reason=ctx.t("stop.reason"),
            now=ctx.now(),
        )
    return [Text(ctx.t("stop.one.done", track=title, name=_said(named, name)), private=True)]


async def resume_one(ctx: Context, name: str, *, paused: bool) -> list[Reply] | None:
    """`resume <track or cohort>`: bring back the person's enrollments in that track or cohort that they
    stopped themselves (alone, or with everything else), and only those; a pause stays as it is. None
    when the word names none of their enrollments, or none they stopped while they are `paused`: then it
    is a bare `resume`, which ends the pause."""
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0)
    named = _named(enrolled, name)
    if not named:
        return None
    title = track_title(ctx.library, named[0][1].track_id, ctx.lang)
    stopped = [e for e, _ in named if cohorts.stopped_by_learner(e)]
    if not stopped:
        return None if paused else [Text(ctx.t("resume.one.none", track=title), private=True)]
    for enrollment in stopped:
        await cohorts.resume_enrollment(ctx.session, enrollment=enrollment, next_due_at=ctx.now())
    line = await next_tip_line(ctx, await reschedule(ctx))
    return [Text(f"{ctx.t('resume.one.done', track=title)}\n{line}", private=True)]


def still_stopped(ctx: Context, enrolled: list[tuple[Enrollment, Cohort]]) -> list[str]:
    """One line for each track the person stopped on its own, saying how to bring it back: what a bare
    `resume` or `stop` leaves as it is."""
    tracks = dict.fromkeys(c.track_id for e, c in enrolled if cohorts.stopped_alone(e))
    return [
        ctx.t("resume.one.still_stopped", track=track_title(ctx.library, track, ctx.lang), name=track)
        for track in tracks
    ]
