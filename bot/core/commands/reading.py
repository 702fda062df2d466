"""Reading lessons: `today`, `next`, `lesson <id>`, `tracks`."""

from __future__ import annotations

import difflib

from bot.core import learning
from bot.core.cards import full_card, tip_card
from bot.core.context import Context
from bot.core.dates import format_moment
from bot.core.errors import NotFound, UsageError
from bot.core.replies import Reply, Text
from bot.core.text import neutralize
from bot.i18n import register
from scheduler import plan
from storage import deliveries
from storage.enums import EnrollmentStatus
from storage.models import Cohort, Enrollment

register(
    {
        "today.usage": {"en": "today", "fr": "aujourd’hui"},
        "today.help": {"en": "today’s tip again", "fr": "le conseil du jour, à nouveau"},
        "next.usage": {"en": "next", "fr": "suivant"},
        "next.help": {"en": "the next lesson, right now", "fr": "la leçon suivante, tout de suite"},
        "lesson.usage": {"en": "lesson <id>", "fr": "leçon <id>"},
        "lesson.help": {"en": "open a lesson", "fr": "ouvrir une leçon"},
        "tracks.usage": {"en": "tracks", "fr": "parcours"},
        "tracks.help": {"en": "the learning tracks", "fr": "les parcours"},
        "today.none": {
            "en": "You haven’t received a tip yet. Here is where everyone starts:",
            "fr": "Vous n’avez pas encore reçu de conseil. Voici par où tout le monde commence :",
        },
        "next.not_enrolled": {
            "en": "You are not in a cohort yet, so there is no *next* lesson. "
            "Type `tracks` to browse, or `lesson <id>` to open one.",
            "fr": "Vous n’êtes pas encore inscrit dans une cohorte : il n’y a donc pas de leçon *suivante*. "
            "Tapez `parcours` pour les parcourir, ou `leçon <id>` pour en ouvrir une.",
        },
        "next.done": {
            "en": "You have received every lesson of the track *{track}*. Type `tracks` to choose what "
            "comes next.",
            "fr": "Vous avez reçu toutes les leçons du parcours *{track}*. Tapez `parcours` pour choisir "
            "la suite.",
        },
        "next.last": {
            "en": "That was the last lesson of the track *{track}*.",
            "fr": "C’était la dernière leçon du parcours *{track}*.",
        },
        "next.summary": {
            "en": "A look back on the whole track comes on {when}.",
            "fr": "Le bilan de tout le parcours arrivera le {when}.",
        },
        "lesson.unknown": {
            "en": "There is no lesson `{id}`.{hint}",
            "fr": "Il n’y a pas de leçon `{id}`.{hint}",
        },
        "lesson.hint": {"en": " Did you mean `{id}`?", "fr": " Vouliez-vous dire `{id}` ?"},
        "tracks.title": {"en": "The tracks:", "fr": "Les parcours :"},
        "tracks.line": {
            "en": "**{title}** (`{id}`), {count} lessons",
            "fr": "**{title}** (`{id}`), {count} leçons",
        },
    }
)


async def handle_today(ctx: Context, args: str) -> list[Reply]:
    last = await deliveries.last_lesson_delivery(ctx.session, person_id=ctx.person.id or 0)
    if last and last.lesson_id and (lesson := ctx.library.get(last.lesson_id, ctx.lang)):
        return [tip_card(lesson)]
    current = await learning.active_enrollment(ctx)
    track = (
        ctx.library.tracks.get(current[1].track_id)
        if current
        else next(iter(ctx.library.tracks.values()), None)
    )
    lesson = learning.track_lesson(ctx.library, track, current[0].position if current else 0, ctx.lang)
    if lesson is None:
        return [Text(ctx.t("next.not_enrolled"))]
    return [tip_card(lesson, intro=ctx.t("today.none"))]


async def handle_next(ctx: Context, args: str) -> list[Reply]:
    """The next lesson of the learner's track now. The last one completes the track, as the drip does;
    past it, `next` says the track is done and when its look back comes, never a second congratulation."""
    current = await learning.active_enrollment(ctx)
    if current is None:
        finished = await learning.completed_enrollment(ctx)
        if finished is None:
            return [Text(ctx.t("next.not_enrolled"))]
        return [Text(await _done(ctx, *finished))]
    enrollment, cohort = current
    lesson = await learning.deliver_next(ctx, enrollment, cohort)
    if lesson is None:  # past the end without having been completed: complete it now
        await learning.finish_track(ctx, enrollment, cohort)
        return [Text(await _done(ctx, enrollment, cohort))]
    if enrollment.status != EnrollmentStatus.COMPLETED:
        return [tip_card(lesson)]
    last = ctx.t("next.last", track=_track_title(ctx, cohort))
    return [
        tip_card(lesson),
        Text(" ".join(filter(None, (last, await _summary_line(ctx, enrollment, cohort))))),
    ]


async def _done(ctx: Context, enrollment: Enrollment, cohort: Cohort) -> str:
    done = ctx.t("next.done", track=_track_title(ctx, cohort))
    return " ".join(filter(None, (done, await _summary_line(ctx, enrollment, cohort))))


async def _summary_line(ctx: Context, enrollment: Enrollment, cohort: Cohort) -> str:
    """When the track's look back comes, while it waits to be sent; "" once it has been."""
    due = await learning.summary_due(ctx, enrollment)
    if due is None:
        return ""
    zone = plan.zone_for(ctx.person, cohort, ctx.services.settings.default_tz)
    return ctx.t("next.summary", when=format_moment(due, zone, ctx.lang))


def _track_title(ctx: Context, cohort: Cohort) -> str:
    track = ctx.library.tracks.get(cohort.track_id)
    return track.title(ctx.lang) if track else neutralize(cohort.track_id, 64)


async def handle_lesson(ctx: Context, args: str) -> list[Reply]:
    lesson_id = args.strip().lower()
    if not lesson_id:
        raise UsageError("lesson")
    lesson = ctx.library.get(lesson_id, ctx.lang)
    if lesson is None:
        close = difflib.get_close_matches(lesson_id, ctx.library.ids(), n=1)
        hint = ctx.t("lesson.hint", id=close[0]) if close else ""
        raise NotFound("lesson.unknown", id=lesson_id[:64], hint=hint)
    return [full_card(lesson, related=ctx.library.related(lesson))]


async def handle_tracks(ctx: Context, args: str) -> list[Reply]:
    lines = [ctx.t("tracks.title")]
    mentoring = ctx.is_mentor or ctx.person.is_admin
    for track in ctx.library.tracks.values():
        if ctx.library.for_mentors(track.id) and not mentoring:
            continue  # the mentor's guide: for mentors and admins only
        lines.append(
            f"- {ctx.t('tracks.line', title=track.title(ctx.lang), id=track.id, count=len(track.lessons))}"
        )
        for lesson_id in track.lessons:
            lesson = ctx.library.get(lesson_id, ctx.lang)
            title = lesson.title if lesson else lesson_id
            lines.append(f"  - {ctx.t('list.labelled', label=lesson_id, text=title)}")
    return [Text("\n".join(lines), private=True)]
