"""`mentees`: how each of the mentor's mentees is doing, and which questions wait for an answer."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.core.args import mention
from bot.core.context import Context
from bot.core.replies import Reply, Text
from bot.core.schedule import own_zone
from bot.core.text import neutralize
from bot.i18n import register
from storage import activity, deliveries, people, progress, retention, reviews
from storage.enums import EnrollmentStatus
from storage.models import Cohort, Enrollment, Person, Question

register(
    {
        "mentees.usage": {"en": "mentees", "fr": "mentorés"},
        "mentees.help": {
            "en": "how your mentees are doing, and their questions",
            "fr": "où en sont vos mentorés, et leurs questions",
        },
        "mentees.none": {
            "en": "You don’t have any mentees yet. An admin can pair you with someone with `pair`.",
            "fr": "Vous n’avez pas encore de mentoré. Un administrateur peut vous associer à quelqu’un "
            "avec `associer`.",
        },
        "mentees.title": {"en": "Your mentees ({count}):", "fr": "Vos mentorés ({count}) :"},
        "mentees.cohort": {
            "en": "{cohort}: {received}/{total} lessons received",
            "fr": "{cohort} : {received}/{total} leçons reçues",
        },
        "mentees.cohorts": {"en": "Cohorts: {cohorts}", "fr": "Cohortes : {cohorts}"},
        "mentees.no_cohort": {"en": "Not in a cohort yet", "fr": "Pas encore dans une cohorte"},
        "mentees.quiz": {"en": "Quiz: {right}/{total} right", "fr": "Quiz : {right}/{total} bonnes réponses"},
        "mentees.no_quiz": {"en": "Quiz: none answered yet", "fr": "Quiz : aucune réponse pour l’instant"},
        "mentees.last": {"en": "Last active: {date}", "fr": "Dernière activité : {date}"},
        "mentees.never": {"en": "Last active: not yet", "fr": "Dernière activité : pas encore"},
        "mentees.receiving": {"en": "Tips: on", "fr": "Conseils : actifs"},
        "mentees.paused_until": {
            "en": "Tips: paused until {date}",
            "fr": "Conseils : en pause jusqu’au {date}",
        },
        "mentees.cohort_paused": {
            "en": "Tips: paused for the cohort",
            "fr": "Conseils : en pause pour la cohorte",
        },
        "mentees.stopped": {"en": "Tips: not receiving any", "fr": "Conseils : n’en reçoit pas"},
        "mentees.finished": {
            "en": "Tips: finished the track",
            "fr": "Conseils : a terminé son parcours",
        },
        "mentees.questions": {
            "en": "Open questions: {count} (answer with `reply <id> <your answer>`)",
            "fr": "Questions en attente : {count} (répondez avec `répondre <n°> <votre réponse>`)",
        },
        "mentees.no_questions": {"en": "Open questions: none", "fr": "Questions en attente : aucune"},
        "mentees.more_questions": {"en": "… and {count} more", "fr": "… et {count} autres"},
        "mentees.reviews": {
            "en": "Reviews: {retained} of {scheduled} lessons retained, {due} due",
            "fr": "Révisions : {retained} leçons retenues sur {scheduled}, {due} à revoir",
        },
        "mentees.topics": {
            "en": "To go over at your next meeting: {topics}",
            "fr": "À revoir à votre prochain rendez-vous : {topics}",
        },
    }
)

MAX_LISTED_QUESTIONS = 10
SNIPPET_CHARS = 80


async def handle_mentees(ctx: Context, args: str) -> list[Reply]:
    """One block per mentee: cohorts and lessons received, quiz, last activity, pause, and the questions
    the mentee chose to send to this mentor (never the ones they kept or declined)."""
    mentees = await people.mentees_of(ctx.session, mentor_id=ctx.person.id or 0)
    if not mentees:
        return [Text(ctx.t("mentees.none"), private=True)]
    ids = [m.id for m in mentees if m.id is not None]
    enrollments = await progress.enrollments_for(ctx.session, person_ids=ids)
    enrollment_ids = [e.id for rows in enrollments.values() for e, _ in rows if e.id is not None]
    received = await deliveries.lessons_received(ctx.session, enrollment_ids=enrollment_ids)
    scores = await progress.quiz_scores(ctx.session, person_ids=ids)
    last = await progress.last_activity(ctx.session, person_ids=ids)
    topics = await retention.topics_to_go_over(ctx.session, person_ids=ids)
    questions: dict[int, list[Question]] = {}
    sent = await activity.questions_sent_to(ctx.session, mentor_id=ctx.person.id or 0, person_ids=ids)
    for question in sent:
        questions.setdefault(question.person_id, []).append(question)
    zone = await own_zone(ctx)
    blocks = [ctx.t("mentees.title", count=len(mentees))]
    for mentee in mentees:
        pid = mentee.id or 0
        lines = [
            _cohorts_line(ctx, enrollments.get(pid, []), received),
            _quiz_line(ctx, scores.get(pid)),
            *await _review_lines(ctx, pid, topics.get(pid, [])),
            _last_line(ctx, last.get(pid), zone),
            _pause_line(ctx, mentee, enrollments.get(pid, []), zone),
            *_question_lines(ctx, questions.get(pid, [])),
        ]
        blocks.append("\n".join([mention(mentee), *lines]))
    return [Text("\n\n".join(blocks), private=True)]


async def _review_lines(ctx: Context, person_id: int, topics: list[str]) -> list[str]:
    """What stuck: the mentee's retained lessons and due questions, and the topics they keep getting
    wrong when they share them (`settings topics`); never their answers."""
    summary = await reviews.summary(ctx.session, person_id=person_id, now=ctx.now())
    lines = []
    if summary.scheduled:
        lines.append(
            f"- {ctx.t('mentees.reviews', retained=summary.retained, scheduled=summary.scheduled, due=summary.due)}"
        )
    titles = [lesson.title for lesson in (ctx.library.get(t, ctx.lang) for t in topics) if lesson]
    if titles:
        lines.append(f"- {ctx.t('mentees.topics', topics='; '.join(f'*{title}*' for title in titles))}")
    return lines


def _day(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d")


def _last_line(ctx: Context, moment: dt.datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return f"- {ctx.t('mentees.never')}"
    return f"- {ctx.t('mentees.last', date=_day(moment, zone))}"


def _cohorts_line(ctx: Context, rows: list[tuple[Enrollment, Cohort]], received: dict[int, int]) -> str:
    """`- Cohorts: pilot: 3/10 lessons received`, with the track length from the library."""
    if not rows:
        return f"- {ctx.t('mentees.no_cohort')}"
    parts = []
    for enrollment, cohort in rows:
        track = ctx.library.tracks.get(cohort.track_id)
        parts.append(
            ctx.t(
                "mentees.cohort",
                cohort=neutralize(cohort.name, 60),
                received=received.get(enrollment.id or 0, 0),
                total=len(track.lessons) if track else "?",
            )
        )
    return f"- {ctx.t('mentees.cohorts', cohorts='; '.join(parts))}"


def _quiz_line(ctx: Context, score: tuple[int, int] | None) -> str:
    if not score or not score[1]:
        return f"- {ctx.t('mentees.no_quiz')}"
    return f"- {ctx.t('mentees.quiz', right=score[0], total=score[1])}"


def _pause_line(ctx: Context, mentee: Person, rows: list[tuple[Enrollment, Cohort]], zone: ZoneInfo) -> str:
    """Whether tips reach the mentee: their own pause first, then an enrollment's, then the cohort's."""
    now = ctx.now()
    active = [(e, c) for e, c in rows if e.status == EnrollmentStatus.ACTIVE]
    pauses = [p for p in [mentee.paused_until, *(e.paused_until for e, _ in active)] if p and p > now]
    if pauses:
        return f"- {ctx.t('mentees.paused_until', date=_day(max(pauses), zone))}"
    if not active:
        finished = any(e.status == EnrollmentStatus.COMPLETED for e, _ in rows)
        return f"- {ctx.t('mentees.finished' if finished else 'mentees.stopped')}"
    if active and all(c.paused for _, c in active):
        return f"- {ctx.t('mentees.cohort_paused')}"
    return f"- {ctx.t('mentees.receiving')}"


def _question_lines(ctx: Context, questions: list[Question]) -> list[str]:
    """The questions sent to the mentor with their ids, so the mentor can `reply <id> ...` straight away."""
    if not questions:
        return [f"- {ctx.t('mentees.no_questions')}"]
    lines = [f"- {ctx.t('mentees.questions', count=len(questions))}"]
    for question in questions[:MAX_LISTED_QUESTIONS]:
        snippet = neutralize(" ".join(question.text.split()), SNIPPET_CHARS)
        lines.append(f"  - {ctx.t('list.numbered', id=question.id, text=snippet)}")
    if len(questions) > MAX_LISTED_QUESTIONS:
        lines.append(f"  - {ctx.t('mentees.more_questions', count=len(questions) - MAX_LISTED_QUESTIONS)}")
    return lines
