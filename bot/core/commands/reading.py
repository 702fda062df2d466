"""Reading lessons: `today`, `next`, `lesson <id>`, `tracks`."""

from __future__ import annotations

import difflib

from bot.core import learning
from bot.core.cards import full_card, tip_card
from bot.core.context import Context
from bot.core.errors import NotFound, UsageError
from bot.core.replies import Reply, Text
from bot.i18n import register
from storage import deliveries

register(
    {
        "today.usage": {"en": "today", "fr": "today"},
        "today.help": {"en": "today’s tip again", "fr": "le conseil du jour, à nouveau"},
        "next.usage": {"en": "next", "fr": "next"},
        "next.help": {"en": "the next lesson, right now", "fr": "la leçon suivante, tout de suite"},
        "lesson.usage": {"en": "lesson <id>", "fr": "lesson <id>"},
        "lesson.help": {"en": "open a lesson", "fr": "ouvrir une leçon"},
        "tracks.usage": {"en": "tracks", "fr": "tracks"},
        "tracks.help": {"en": "the learning tracks", "fr": "les parcours"},
        "today.none": {
            "en": "You haven’t received a tip yet. Here is where everyone starts:",
            "fr": "Vous n’avez pas encore reçu de conseil. Voici par où tout le monde commence :",
        },
        "next.not_enrolled": {
            "en": "You are not in a cohort yet, so there is no *next* lesson. "
            "Type `tracks` to browse, or `lesson <id>` to open one.",
            "fr": "Vous n’êtes pas encore inscrit dans une cohorte : il n’y a donc pas de leçon *suivante*. "
            "Tapez `tracks` pour parcourir, ou `lesson <id>` pour en ouvrir une.",
        },
        "next.done": {
            "en": "You have finished the track *{track}*. Bravo! Type `tracks` to choose what comes next.",
            "fr": "Vous avez terminé le parcours *{track}*. Bravo ! Tapez `tracks` pour choisir la suite.",
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
    current = await learning.active_enrollment(ctx)
    if current is None:
        return [Text(ctx.t("next.not_enrolled"))]
    enrollment, cohort = current
    lesson = await learning.deliver_next(ctx, enrollment, cohort)
    if lesson is None:
        track = ctx.library.tracks.get(cohort.track_id)
        return [Text(ctx.t("next.done", track=track.title(ctx.lang) if track else cohort.track_id))]
    return [tip_card(lesson)]


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
    for track in ctx.library.tracks.values():
        lines.append(
            f"- {ctx.t('tracks.line', title=track.title(ctx.lang), id=track.id, count=len(track.lessons))}"
        )
        for lesson_id in track.lessons:
            lesson = ctx.library.get(lesson_id, ctx.lang)
            lines.append(f"  - `{lesson_id}`: {lesson.title if lesson else lesson_id}")
    return [Text("\n".join(lines), private=True)]
