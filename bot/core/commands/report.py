"""What admins watch: `report <cohort>` (how a cohort is doing) and `questions` (the gaps in the lessons)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.args import resolve_cohort
from bot.core.context import Context
from bot.core.dates import format_stamp
from bot.core.errors import UsageError
from bot.core.replies import Reply, Text
from bot.core.schedule import own_zone
from bot.core.text import neutralize
from bot.i18n import register
from storage import activity, cohorts
from storage.enums import QuestionStatus
from storage.models import Cohort, Question

register(
    {
        "report.usage": {"en": "report <cohort>", "fr": "rapport <cohorte>"},
        "report.help": {"en": "how a cohort is doing", "fr": "où en est une cohorte"},
        "questions.usage": {"en": "questions", "fr": "questions"},
        "questions.help": {
            "en": "questions nobody has answered yet",
            "fr": "les questions restées sans réponse",
        },
        "report.title": {
            "en": "**Report for `{cohort}`**, track *{track}* (`{track_id}`){paused}",
            "fr": "**Rapport pour `{cohort}`**, parcours *{track}* (`{track_id}`){paused}",
        },
        "report.paused": {"en": ", paused", "fr": ", en pause"},
        "report.people": {
            "en": "Learners: {enrolled} enrolled, {active} active, {paused} paused, {completed} completed, "
            "{stopped} stopped",
            "fr": "Apprenants : {enrolled} inscrits, {active} actifs, {paused} en pause, "
            "{completed} ayant terminé, {stopped} arrêtés",
        },
        "report.reasons": {"en": "Why they stopped: {reasons}", "fr": "Raisons de l’arrêt : {reasons}"},
        "report.no_reason": {"en": "no reason given", "fr": "sans raison indiquée"},
        "report.pending": {
            "en": "Not reachable yet: {count}",
            "fr": "Pas encore joignables : {count}",
        },
        "report.tips": {"en": "Tips delivered: {count}", "fr": "Conseils envoyés : {count}"},
        "report.quiz": {
            "en": "Quiz: {count} answers, {percent}% correct",
            "fr": "Quiz : {count} réponses, {percent} % de bonnes réponses",
        },
        "report.quiz_one": {
            "en": "Quiz: 1 answer, {percent}% correct",
            "fr": "Quiz : 1 réponse, {percent} % de bonnes réponses",
        },
        "report.no_quiz": {"en": "Quiz: no answers yet", "fr": "Quiz : aucune réponse pour l’instant"},
        "report.feedback": {
            "en": "Feedback: {useful} useful, {not_useful} not for me",
            "fr": "Avis : {useful} utiles, {not_useful} pas pour moi",
        },
        "report.questions": {
            "en": "Questions waiting for an answer: {count}",
            "fr": "Questions en attente de réponse : {count}",
        },
        "report.recent": {
            "en": "The most recent, without who asked them:",
            "fr": "Les plus récentes, sans le nom de qui les a posées\u202f:",
        },
        "questions.declined": {
            "en": "Questions the learners kept to themselves, never shown: {count} (closest topics: {topics})",
            "fr": "Questions que les apprenants ont gardées pour eux, jamais affichées\u202f: {count} "
            "(sujets les plus proches\u202f: {topics})",
        },
        "questions.no_topic": {"en": "no close lesson", "fr": "aucune leçon proche"},
        "questions.none": {
            "en": "Every question has an answer. Nothing is missing from the lessons for now.",
            "fr": "Toutes les questions ont une réponse. Rien ne manque aux leçons pour l’instant.",
        },
        "questions.title": {
            "en": "Questions nobody has answered yet ({count}), oldest first, without who asked them. "
            "They show what the lessons miss:",
            "fr": "Questions restées sans réponse ({count}), les plus anciennes d’abord, sans le nom de "
            "qui les a posées. Elles montrent ce qui manque aux leçons\u202f:",
        },
        "questions.line": {"en": "- {when}: {text}{details}", "fr": "- {when} : {text}{details}"},
        "questions.closest": {"en": "closest lesson `{id}`", "fr": "leçon la plus proche `{id}`"},
        "questions.forwarded": {"en": "sent to their mentor", "fr": "transmise à son mentor"},
        "questions.more": {"en": "…and {count} more.", "fr": "…et {count} autres."},
    }
)

RECENT_QUESTIONS = 5
QUESTIONS_SHOWN = 30
QUESTION_CHARS = 200
TOPICS_SHOWN = 5


async def handle_report(ctx: Context, args: str) -> list[Reply]:
    """One cohort's numbers, from a handful of aggregate queries whatever its size."""
    name = args.strip()
    if not name or len(name.split()) > 1:
        raise UsageError("report")
    cohort = await resolve_cohort(ctx, name, command="report")
    cohort_id = cohort.id or 0
    counts = await cohorts.enrollment_breakdown(ctx.session, cohort_id=cohort_id, now=ctx.now())
    feedback = await cohorts.cohort_feedback(ctx.session, cohort_id=cohort_id)
    waiting, recent = await cohorts.cohort_open_questions(
        ctx.session, cohort_id=cohort_id, limit=RECENT_QUESTIONS
    )
    declined = await cohorts.cohort_declined_topics(ctx.session, cohort_id=cohort_id)
    zone = await own_zone(ctx)
    lines = [_title(ctx, cohort), f"- {ctx.t('report.people', **counts)}"]
    if counts["stopped"]:
        reasons = await cohorts.stop_reasons(ctx.session, cohort_id=cohort_id)
        listed = ", ".join(f"{_reason(ctx, reason)} ({count})" for reason, count in reasons)
        lines.append(f"- {ctx.t('report.reasons', reasons=listed)}")
    sent = await cohorts.sent_tips_count(ctx.session, cohort_id=cohort_id)
    lines += [
        f"- {ctx.t('report.pending', count=counts['unreachable'])}",
        f"- {ctx.t('report.tips', count=sent)}",
        f"- {_quiz_line(ctx, feedback)}",
        f"- {ctx.t('report.feedback', useful=feedback['useful'], not_useful=feedback['not_useful'])}",
        f"- {ctx.t('report.questions', count=waiting)}",
    ]
    if declined:
        lines.append(f"- {_declined_line(ctx, declined)}")
    if recent:
        lines.append(ctx.t("report.recent"))
        lines.extend(_question_line(ctx, question, zone) for question in recent)
    return [Text("\n".join(lines), private=True)]


def _title(ctx: Context, cohort: Cohort) -> str:
    track = ctx.library.tracks.get(cohort.track_id)
    paused = ctx.t("report.paused") if cohort.paused else ""
    title = track.title(ctx.lang) if track else cohort.track_id
    return ctx.t("report.title", cohort=cohort.name, track=title, track_id=cohort.track_id, paused=paused)


def _reason(ctx: Context, reason: str | None) -> str:
    return neutralize(reason, 100) if reason else ctx.t("report.no_reason")


def _quiz_line(ctx: Context, feedback: dict[str, int]) -> str:
    if not feedback["quiz"]:
        return ctx.t("report.no_quiz")
    percent = round(100 * feedback["correct"] / feedback["quiz"])
    key = "report.quiz_one" if feedback["quiz"] == 1 else "report.quiz"
    return ctx.t(key, count=feedback["quiz"], percent=percent)


def _question_line(ctx: Context, question: Question, zone: ZoneInfo) -> str:
    """`- 2026-11-23 11:00 (Europe/Paris): the question (closest lesson `x`)`, in the reader's zone,
    neutralised. Nothing says who asked it,
    not even the question's number (a mentor's `reply` handle): admins read the gaps in the lessons."""
    details = []
    if question.lesson_id:
        details.append(ctx.t("questions.closest", id=question.lesson_id))
    if question.status == QuestionStatus.FORWARDED:
        details.append(ctx.t("questions.forwarded"))
    suffix = f" ({', '.join(details)})" if details else ""
    text = neutralize(question.text.replace("\n", " "), QUESTION_CHARS)
    return ctx.t("questions.line", when=format_stamp(question.created_at, zone), text=text, details=suffix)


def _declined_line(ctx: Context, declined: list[tuple[str | None, int]]) -> str:
    """The declined questions as a count and their closest lessons' titles, never their text."""
    topics = [_topic(ctx, lesson_id, count) for lesson_id, count in declined[:TOPICS_SHOWN]]
    if len(declined) > TOPICS_SHOWN:
        topics.append("…")
    total = sum(count for _, count in declined)
    return ctx.t("questions.declined", count=total, topics=", ".join(topics))


def _topic(ctx: Context, lesson_id: str | None, count: int) -> str:
    """`*Tame your notifications* (2)`: a lesson's title in the reader's language, or its id when the
    library no longer has it."""
    if lesson_id is None:
        return f"{ctx.t('questions.no_topic')} ({count})"
    lesson = ctx.library.get(lesson_id, ctx.lang)
    title = f"*{lesson.title}*" if lesson else f"`{neutralize(lesson_id, 64)}`"
    return f"{title} ({count})"


async def handle_questions(ctx: Context, args: str) -> list[Reply]:
    """Unanswered questions (open or forwarded), oldest first and without names: what learners need that
    no lesson covers. Declined questions only count, by closest lesson."""
    waiting = await activity.open_questions(ctx.session)
    declined = await activity.declined_topics(ctx.session)
    if not waiting and not declined:
        return [Text(ctx.t("questions.none"), private=True)]
    lines = []
    if waiting:
        zone = await own_zone(ctx)
        lines.append(ctx.t("questions.title", count=len(waiting)))
        lines.extend(_question_line(ctx, question, zone) for question in waiting[:QUESTIONS_SHOWN])
        if len(waiting) > QUESTIONS_SHOWN:
            lines.append(ctx.t("questions.more", count=len(waiting) - QUESTIONS_SHOWN))
    if declined:
        lines.append(_declined_line(ctx, declined))
    return [Text("\n".join(lines), private=True)]
