"""`progress`: where the learner is in each of their cohorts, in their language and time zone."""

from __future__ import annotations

from bot.core import goals
from bot.core.args import mention
from bot.core.commitments import shown
from bot.core.context import Context
from bot.core.dates import format_day, format_moment, format_until
from bot.core.replies import Button, Reply, Text
from bot.core.schedule import own_zone
from bot.core.text import neutralize
from bot.i18n import register
from scheduler import plan
from storage import cohorts, commitments, people, progress, reviews
from storage.enums import CommitmentStatus, EnrollmentStatus
from storage.models import Cohort, Commitment, Enrollment
from storage.progress import TrackSummary
from storage.reviews import ReviewSummary

register(
    {
        "progress.usage": {"en": "progress", "fr": "progrès"},
        "progress.help": {"en": "how far you have come", "fr": "où vous en êtes"},
        "progress.title": {"en": "Your progress:", "fr": "Votre progression :"},
        "progress.cohort": {"en": "**{cohort}**: *{track}*", "fr": "**{cohort}** : *{track}*"},
        "progress.lessons": {
            "en": "Lessons received: {sent} of {total}",
            "fr": "Leçons reçues : {sent} sur {total}",
        },
        "progress.quiz": {
            "en": "Quiz answers: {right} right out of {total}",
            "fr": "Réponses aux quiz : {right} justes sur {total}",
        },
        "progress.quiz_none": {
            "en": "Quiz answers: none yet",
            "fr": "Réponses aux quiz : aucune pour l’instant",
        },
        "progress.status": {"en": "Status: {status}", "fr": "Statut : {status}"},
        "progress.status.active": {"en": "active", "fr": "actif"},
        "progress.status.paused": {"en": "paused until {until}", "fr": "en pause jusqu’au {until}"},
        "progress.status.cohort_paused": {
            "en": "paused by the programme team",
            "fr": "en pause, à la demande de l’équipe du programme",
        },
        "progress.status.completed": {"en": "completed, bravo!", "fr": "terminé, bravo !"},
        "progress.status.stopped": {"en": "stopped", "fr": "arrêté"},
        "progress.next": {"en": "Next tip: {when}", "fr": "Prochain conseil : {when}"},
        "progress.mentor": {"en": "Your mentor: {mentor}", "fr": "Votre mentor : {mentor}"},
        "progress.reviews": {
            "en": "Reviews: {retained} retained, {due} due now, {scheduled} in your schedule; "
            "streak: {streak} right in a row",
            "fr": "Révisions : {retained} acquises, {due} à faire, {scheduled} au programme ; "
            "bonnes réponses d’affilée : {streak}",
        },
        "progress.reviews_hint": {
            "en": "Type `review` for a question now.",
            "fr": "Tapez `révision` pour une question maintenant.",
        },
        "progress.commitment": {
            "en": "Your commitment: “{text}” (follow-up on {day})",
            "fr": "Votre engagement : « {text} » (je vous en reparle le {day})",
        },
        "progress.commitment_open": {
            "en": "Your commitment: “{text}” (not done yet)",
            "fr": "Votre engagement : « {text} » (pas encore fait)",
        },
        "progress.commitments_done": {
            "en": "Commitments kept: {count}",
            "fr": "Engagements tenus : {count}",
        },
        "progress.none": {
            "en": "You are not in a cohort yet, so there is no progress to show. "
            "A programme admin can add you to one. Meanwhile, type `tracks` to browse the lessons, "
            "or just ask me a question.",
            "fr": "Vous n’êtes pas encore dans une cohorte : il n’y a donc pas de progression à afficher. "
            "Un administrateur du programme peut vous inscrire. En attendant, tapez `parcours` pour parcourir "
            "les leçons, ou posez-moi simplement une question.",
        },
    }
)


async def handle_progress(ctx: Context, args: str) -> list[Reply]:
    """Per enrollment: track, lessons received, quiz score, status and next tip; then the mentor."""
    person_id = ctx.person.id or 0
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=person_id)
    mentor = await people.mentor_of(ctx.session, mentee_id=person_id)
    if not enrolled:
        lines = [ctx.t("progress.none")]
    else:
        lines = [ctx.t("progress.title")]
        for enrollment, cohort in enrolled:
            track = ctx.library.tracks.get(cohort.track_id)
            summary = await progress.track_summary(
                ctx.session,
                enrollment_id=enrollment.id or 0,
                person_id=person_id,
                lesson_ids=track.lessons if track else (),
            )
            lines.append("")
            lines.extend(_enrollment_lines(ctx, enrollment, cohort, summary))
    goal_lines, buttons = await _goal_lines(ctx, enrolled, has_mentor=mentor is not None)
    if goal_lines:
        lines.extend(["", *goal_lines])
    schedule = await reviews.summary(ctx.session, person_id=person_id, now=ctx.now())
    if schedule.scheduled:
        lines.extend(["", _reviews_line(ctx, schedule)])
    made = await commitments.commitments_of(ctx.session, person_id=person_id)
    if made:
        lines.extend(["", await _commitments_line(ctx, made)])
    if mentor is not None:
        lines.extend(["", ctx.t("progress.mentor", mentor=mention(mentor))])
    return [Text("\n".join(lines), buttons, private=True)]


async def _goal_lines(
    ctx: Context, enrolled: list[tuple[Enrollment, Cohort]], *, has_mentor: bool
) -> tuple[list[str], tuple[Button, ...]]:
    """How far the learner is towards each goal, the tracks of theirs they do not follow with a
    **Follow “…” too** button each (when they have a cohort whose rhythm it can keep); with no goal, a
    hint to pick some once they have a mentor."""
    person_id = ctx.person.id or 0
    found = (await goals.goal_progress(ctx.session, library=ctx.library, person_ids=[person_id])).get(
        person_id
    )
    if not found:
        return ([ctx.t("goals.hint")] if has_mentor and ctx.library.goals else []), ()
    missing = goals.not_followed([one.goal for one in found], goals.followed_tracks(enrolled))
    if goals.base_cohort(enrolled) is None:
        missing = []  # no cohort whose rhythm an extra track could keep: nothing to offer
    lines = [ctx.t("goals.title")]
    noted: set[str] = set()
    for one, line in zip(found, goals.progress_lines(found, ctx.lang), strict=True):
        lines.append(line)
        if one.goal.track in missing and one.goal.track not in noted:
            noted.add(one.goal.track)
            title = goals.track_title(ctx.library, one.goal.track, ctx.lang)
            lines.append(ctx.t("goals.not_followed", track=title))
    return lines, goals.follow_buttons(ctx.library, ctx.lang, missing)


def _enrollment_lines(
    ctx: Context, enrollment: Enrollment, cohort: Cohort, summary: TrackSummary
) -> list[str]:
    """Lessons received of the track's, the track's quiz score (each quiz counted once), status, next tip."""
    track = ctx.library.tracks.get(cohort.track_id)
    zone = plan.zone_for(ctx.person, cohort, ctx.services.settings.default_tz)
    header = ctx.t(
        "progress.cohort",
        cohort=neutralize(cohort.name, 60),
        track=track.title(ctx.lang) if track else neutralize(cohort.track_id, 64),
    )
    details = [
        ctx.t("progress.lessons", sent=summary.lessons, total=summary.total),
        _quiz_line(ctx, summary),
        ctx.t("progress.status", status=_status(ctx, enrollment, cohort)),
    ]
    if (
        enrollment.status == EnrollmentStatus.ACTIVE
        and not cohort.paused
        and enrollment.next_due_at is not None
    ):
        details.append(ctx.t("progress.next", when=format_moment(enrollment.next_due_at, zone, ctx.lang)))
    return [header, *(f"- {line}" for line in details)]


def _reviews_line(ctx: Context, schedule: ReviewSummary) -> str:
    """What is retained, what is due, what is in the schedule, and the streak (right answers in a row)."""
    line = ctx.t(
        "progress.reviews",
        retained=schedule.retained,
        due=schedule.due,
        scheduled=schedule.scheduled,
        streak=schedule.streak,
    )
    return f"{line}. {ctx.t('progress.reviews_hint')}" if schedule.due else f"{line}."


async def _commitments_line(ctx: Context, made: list[Commitment]) -> str:
    """The latest commitment not done yet and the day of its follow-up, and how many were kept."""
    waiting = [c for c in made if c.status != CommitmentStatus.DONE]
    done = len(made) - len(waiting)
    parts = [ctx.t("progress.commitments_done", count=done)] if done else []
    if waiting:
        latest = waiting[-1]
        if latest.follow_up_at > ctx.now():
            day = format_day(latest.follow_up_at.astimezone(await own_zone(ctx)).date(), ctx.lang)
            parts.insert(0, ctx.t("progress.commitment", text=shown(latest), day=day))
        else:  # asked already: no follow-up day to announce
            parts.insert(0, ctx.t("progress.commitment_open", text=shown(latest)))
    return ". ".join(parts) + "."


def _quiz_line(ctx: Context, summary: TrackSummary) -> str:
    if not summary.answered:
        return ctx.t("progress.quiz_none")
    return ctx.t("progress.quiz", right=summary.right, total=summary.answered)


def _status(ctx: Context, enrollment: Enrollment, cohort: Cohort) -> str:
    """active, paused until …, paused by the team, completed, or stopped, in the learner's words."""
    if enrollment.status == EnrollmentStatus.ACTIVE:
        if cohort.paused:
            return ctx.t("progress.status.cohort_paused")
        pauses = [p for p in (enrollment.paused_until, ctx.person.paused_until) if p and p > ctx.now()]
        if pauses:
            zone = plan.zone_for(ctx.person, cohort, ctx.services.settings.default_tz)
            return ctx.t("progress.status.paused", until=format_until(max(pauses), zone, ctx.lang))
        return ctx.t("progress.status.active")
    if enrollment.status in (EnrollmentStatus.COMPLETED, EnrollmentStatus.STOPPED):
        return ctx.t(f"progress.status.{enrollment.status}")
    return neutralize(enrollment.status, 20)
