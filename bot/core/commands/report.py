"""What admins watch: `report <cohort>` (how a cohort is doing) and `questions` (the gaps in the lessons)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.core import goals
from bot.core.args import mention, resolve_cohort
from bot.core.commands import ask
from bot.core.context import Context
from bot.core.dates import format_stamp
from bot.core.errors import NotFound, UsageError
from bot.core.replies import Reply, Text
from bot.core.schedule import own_zone
from bot.core.text import neutralize
from bot.i18n import register
from lessons import analyzer
from storage import activity, cohorts, examples, meetings, relationship_report, retention, workshop_report
from storage.enums import QuestionStatus
from storage.models import Cohort, Question

register(
    {
        "report.usage": {"en": "report <cohort>", "fr": "rapport <cohorte>"},
        "report.help": {"en": "how a cohort is doing", "fr": "où en est une cohorte"},
        "questions.usage": {
            "en": "questions [link <ref> <lesson-id> | new-topic <ref>]",
            "fr": "questions [lier <réf> <id-leçon> | nouveau-sujet <réf>]",
        },
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
        "report.first_try": {
            "en": "First-try correct: {value}",
            "fr": "Bonnes réponses du premier coup : {value}",
        },
        "report.first_try_value": {
            "en": "{percent}% of {count} first quiz answers",
            "fr": "{percent} % de {count} premières réponses aux quiz",
        },
        "report.retained": {"en": "Retained at 3 weeks: {value}", "fr": "Retenu à 3 semaines : {value}"},
        "report.retained_value": {
            "en": "{percent}% of {count} lessons received at least 3 weeks ago",
            "fr": "{percent} % des {count} leçons reçues il y a au moins 3 semaines",
        },
        "report.due": {"en": "Reviews due now: {value}", "fr": "Révisions à faire maintenant : {value}"},
        "report.forgotten": {
            "en": "Most often forgotten in reviews: {value}",
            "fr": "Les plus souvent oubliées aux révisions : {value}",
        },
        "report.forgotten_lesson": {
            "en": "{title} ({percent}% wrong)",
            "fr": "{title} ({percent} % d’erreurs)",
        },
        "report.confidence": {
            "en": "Confidence, self-rated (not a measure of retention): {value}",
            "fr": "Confiance, auto-évaluée (ce n’est pas une mesure de ce qui est retenu) : {value}",
        },
        "report.confidence_value": {
            "en": "{change} on a 1-to-5 scale from the start of the track to its end, over {count} learners",
            "fr": "{change} sur une échelle de 1 à 5 entre le début et la fin du parcours, sur {count} "
            "apprenants",
        },
        "report.inactive": {
            "en": "Paused for inactivity: {count}",
            "fr": "En pause faute d’activité : {count}",
        },
        "report.workshops": {"en": "**Workshops**", "fr": "**Ateliers**"},
        "report.workshops.count": {
            "en": "Held: {held}, to come: {to_come}",
            "fr": "Tenus : {held}, à venir : {to_come}",
        },
        "report.workshops.attendance": {"en": "Attendance: {value}", "fr": "Présence : {value}"},
        "report.workshops.attendance_value": {
            "en": "{percent}% of {count} invitations",
            "fr": "{percent} % des {count} invitations",
        },
        "report.workshops.walk_ins": {
            "en": " ({count} more joined without one)",
            "fr": " (plus {count} sans invitation)",
        },
        "report.workshops.quiz": {"en": "Live quiz: {value}", "fr": "Quiz en direct : {value}"},
        "report.workshops.quiz_value": {
            "en": "{percent}% of {count} answers right",
            "fr": "{percent} % de {count} réponses justes",
        },
        "report.workshops.commitments": {
            "en": "Commitments: {count} made; done at one week: {value}",
            "fr": "Engagements : {count} pris ; tenus à une semaine : {value}",
        },
        "report.workshops.done_value": {
            "en": "{percent}% of {count} followed up",
            "fr": "{percent} % des {count} relancés",
        },
        "report.workshops.retention": {
            "en": "Reviews right on workshop lessons: {workshop}; on the other lessons: {other}",
            "fr": "Révisions justes sur les leçons vues en atelier : {workshop} ; sur les autres leçons : {other}",
        },
        "report.workshops.retention_value": {
            "en": "{percent}% of {count}",
            "fr": "{percent} % de {count}",
        },
        "report.pairs": {"en": "**Pairs and meetings**", "fr": "**Binômes et rencontres**"},
        "report.pairs.count": {
            "en": "Pairs: {pairs} ({mentors} mentors)",
            "fr": "Binômes : {pairs} ({mentors} mentors)",
        },
        "report.pairs.meetings": {"en": "Meetings held: {value}", "fr": "Rencontres tenues : {value}"},
        "report.pairs.meetings_value": {
            "en": "{percent}% of {count} planned",
            "fr": "{percent} % des {count} prévues",
        },
        "report.pairs.at_risk": {
            "en": "At risk (3 planned meetings missed in a row or more): {pairs}",
            "fr": "À risque (3 rencontres prévues manquées d’affilée ou plus) : {pairs}",
        },
        "report.pairs.at_risk_pair": {
            "en": "{mentor} and {mentee} ({missed})",
            "fr": "{mentor} et {mentee} ({missed})",
        },
        "report.pairs.none": {"en": "none", "fr": "aucun"},
        "report.pairs.goals": {"en": "Goals chosen: {goals}", "fr": "Objectifs choisis : {goals}"},
        "report.pairs.goal": {
            "en": "{title}: {people} people, {percent}% of the way on average",
            "fr": "{title} : {people} personnes, {percent} % du chemin en moyenne",
        },
        "report.pairs.goal_few": {"en": "{title}: {value}", "fr": "{title} : {value}"},
        "report.pairs.commitments": {
            "en": "Commitments done (workshops and meetings): {value}",
            "fr": "Engagements tenus (ateliers et rencontres) : {value}",
        },
        "report.none_yet": {"en": "none yet", "fr": "rien pour l’instant"},
        "report.too_few": {
            "en": "too few to report (fewer than {min} people)",
            "fr": "trop peu de personnes pour l’indiquer (moins de {min})",
        },
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
        "questions.ref": {"en": "ref `{ref}`", "fr": "réf. `{ref}`"},
        "questions.how_link": {
            "en": "Link one to the lesson that answers it with `questions link <ref> <lesson-id>`, or mark "
            "it with `questions new-topic <ref>`.",
            "fr": "Associez-en une à la leçon qui y répond avec `questions lier <réf> <id-leçon>`, ou "
            "signalez-la avec `questions nouveau-sujet <réf>`.",
        },
        "questions.bad_ref": {
            "en": "There is no question `{ref}` (use a ref that `questions` lists).",
            "fr": "Il n’y a pas de question `{ref}` (utilisez une réf. que `questions` affiche).",
        },
        "questions.linked": {
            "en": "Linked to *{title}*: questions like this one get that lesson from now on.",
            "fr": "Associée à « {title} » : les questions de ce genre reçoivent désormais cette leçon.",
        },
        "questions.marked": {
            "en": "Marked: a new topic is needed. `report` lists it without names.",
            "fr": "C’est noté : il faut un nouveau sujet. `rapport` l’affiche sans nom.",
        },
        "questions.new_topics": {
            "en": "New topics needed ({count}), grouped by similarity, without who asked:",
            "fr": "Nouveaux sujets à créer ({count}), regroupés par ressemblance, sans le nom de qui a "
            "demandé :",
        },
        "questions.group": {"en": "- {count} × {texts}{closest}", "fr": "- {count} × {texts}{closest}"},
    }
)

RECENT_QUESTIONS = 5
QUESTIONS_SHOWN = 30
QUESTION_CHARS = 200
TOPICS_SHOWN = 5


async def handle_report(ctx: Context, args: str) -> list[Reply]:
    """One cohort's numbers, from a handful of aggregate queries whatever its size. With no name, the
    only cohort of learners there is (a programme usually starts with one; the mentor's guide's cohort
    does not count)."""
    name = args.strip()
    if not name:
        existing = [
            c for c in await cohorts.list_cohorts(ctx.session) if not ctx.library.for_mentors(c.track_id)
        ]
        if len(existing) != 1:
            raise UsageError("report")
        name = existing[0].name
    if len(name.split()) > 1:
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
    figures = await retention.cohort_retention(ctx.session, cohort_id=cohort_id, now=ctx.now())
    lines += [
        f"- {ctx.t('report.pending', count=counts['unreachable'])}",
        f"- {ctx.t('report.tips', count=sent)}",
        *(f"- {line}" for line in _retention_lines(ctx, figures)),
        f"- {ctx.t('report.feedback', useful=feedback['useful'], not_useful=feedback['not_useful'])}",
        f"- {ctx.t('report.questions', count=waiting)}",
    ]
    if declined:
        lines.append(f"- {_declined_line(ctx, declined)}")
    if recent:
        lines.append(ctx.t("report.recent"))
        lines.extend(_question_line(ctx, question, zone) for question in recent)
    lines.extend(_new_topic_lines(ctx, await examples.new_topic_questions(ctx.session, cohort_id=cohort_id)))
    workshops = await workshop_report.workshop_figures(ctx.session, cohort_id=cohort_id, now=ctx.now())
    lines.extend(_workshop_lines(ctx, workshops))
    lines.extend(await _pair_lines(ctx, cohort_id))
    return [Text("\n".join(lines), private=True)]


async def _pair_lines(ctx: Context, cohort_id: int) -> list[str]:
    """The "Pairs and meetings" section, once the cohort has a pair: how many, the meetings held against
    those planned, the pairs at risk (named: a status, not an answer), the goals chosen with how far
    their people are on average, and the commitments kept. Each aggregate over fewer than `MIN_PEOPLE`
    people is "too few to report"."""
    figures = await relationship_report.pair_figures(ctx.session, cohort_id=cohort_id, now=ctx.now())
    if not figures.pairs and not figures.meetings.total:
        return []
    risky = await meetings.pairs_at_risk(ctx.session, cohort_id=cohort_id)
    at_risk = ", ".join(
        ctx.t(
            "report.pairs.at_risk_pair",
            mentor=mention(r.mentor),
            mentee=mention(r.mentee),
            missed=r.missed_in_row,
        )
        for r in risky
    )
    lines = [
        ctx.t("report.pairs.count", pairs=figures.pairs, mentors=figures.mentors),
        ctx.t(
            "report.pairs.meetings",
            value=_share_value(ctx, figures.meetings, "report.pairs.meetings_value"),
        ),
        ctx.t("report.pairs.at_risk", pairs=at_risk or ctx.t("report.pairs.none")),
        ctx.t("report.pairs.goals", goals=await _goal_values(ctx, cohort_id)),
        ctx.t(
            "report.pairs.commitments",
            value=_share_value(ctx, figures.commitments, "report.workshops.done_value"),
        ),
    ]
    return ["", ctx.t("report.pairs"), *(f"- {line}" for line in lines)]


async def _goal_values(ctx: Context, cohort_id: int) -> str:
    """Each goal the cohort's people chose, most chosen first: how many chose it and how far they are
    on average, or "too few to report" under `MIN_PEOPLE` people."""
    enrolled = await cohorts.enrollments_in(ctx.session, cohort_id=cohort_id)
    progress = await goals.goal_progress(ctx.session, library=ctx.library, person_ids=sorted(enrolled))
    by_goal: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    for made in progress.values():
        for goal in made:
            by_goal.setdefault(goal.goal.id, []).append(goal.percent)
            titles[goal.goal.id] = goal.goal.title(ctx.lang)
    if not by_goal:
        return ctx.t("report.none_yet")
    values = []
    for goal_id, percents in sorted(by_goal.items(), key=lambda item: (-len(item[1]), item[0])):
        title = neutralize(titles[goal_id], 80)
        if len(percents) < retention.MIN_PEOPLE:
            values.append(
                ctx.t(
                    "report.pairs.goal_few",
                    title=title,
                    value=ctx.t("report.too_few", min=retention.MIN_PEOPLE),
                )
            )
        else:
            average = round(sum(percents) / len(percents))
            values.append(ctx.t("report.pairs.goal", title=title, people=len(percents), percent=average))
    return "; ".join(values)


def _title(ctx: Context, cohort: Cohort) -> str:
    track = ctx.library.tracks.get(cohort.track_id)
    paused = ctx.t("report.paused") if cohort.paused else ""
    title = track.title(ctx.lang) if track else cohort.track_id
    return ctx.t("report.title", cohort=cohort.name, track=title, track_id=cohort.track_id, paused=paused)


def _reason(ctx: Context, reason: str | None) -> str:
    return neutralize(reason, 100) if reason else ctx.t("report.no_reason")


def _retention_lines(ctx: Context, figures: retention.CohortRetention) -> list[str]:
    """What stuck, as aggregates only: each figure over fewer than `MIN_PEOPLE` people (the learners it
    counts, or a lesson's answerers) is "too few to report". Confidence comes beside retention, labelled
    as the self-rating it is, never instead of it."""
    first_try, retained = figures.first_try, figures.retained
    values = {
        "report.first_try": _share_value(ctx, first_try, "report.first_try_value"),
        "report.retained": _share_value(ctx, retained, "report.retained_value"),
        "report.due": _guarded(ctx, figures.due.people, lambda: str(figures.due.hits)),
        "report.forgotten": _forgotten_value(ctx, figures),
        "report.confidence": _confidence_value(ctx, figures.confidence),
    }
    lines = [ctx.t(key, value=value) for key, value in values.items()]
    return [*lines, ctx.t("report.inactive", count=figures.paused_for_inactivity)]


def _guarded(ctx: Context, people: int, value: Callable[[], str]) -> str:
    """`value()`, unless the figure rests on nobody yet or on fewer than `MIN_PEOPLE` people."""
    if not people:
        return ctx.t("report.none_yet")
    if people < retention.MIN_PEOPLE:
        return ctx.t("report.too_few", min=retention.MIN_PEOPLE)
    return value()


def _share_value(ctx: Context, share: retention.Share, key: str) -> str:
    return _guarded(ctx, share.people, lambda: ctx.t(key, percent=share.percent, count=share.total))


def _forgotten_value(ctx: Context, figures: retention.CohortRetention) -> str:
    """The lessons most often answered wrong in reviews, by title, each answered by enough people; "too
    few to report" when lessons were answered wrong but none by enough people."""
    if not figures.forgotten:
        return ctx.t(
            "report.too_few" if figures.forgotten_held_back else "report.none_yet", min=retention.MIN_PEOPLE
        )
    return ", ".join(
        ctx.t(
            "report.forgotten_lesson",
            title=_topic_title(ctx, row.lesson_id),
            percent=round(100 * row.wrong / row.answers),
        )
        for row in figures.forgotten
    )


def _workshop_lines(ctx: Context, figures: workshop_report.WorkshopFigures) -> list[str]:
    """The "Workshops" section, once the cohort has a workshop held or to come (or a commitment): how
    many, who came, the live quiz, the commitments kept, and how well the lessons met in a workshop are
    remembered beside the others. Each share over fewer than `MIN_PEOPLE` people is "too few to
    report", as the retention figures are."""
    if not figures.any:
        return []
    attendance = _share_value(ctx, figures.attendance, "report.workshops.attendance_value")
    if figures.walk_ins and figures.attendance.people >= retention.MIN_PEOPLE:
        attendance += ctx.t("report.workshops.walk_ins", count=figures.walk_ins)
    retained = "report.workshops.retention_value"
    lines = [
        ctx.t("report.workshops.count", held=figures.held, to_come=figures.to_come),
        ctx.t("report.workshops.attendance", value=attendance),
        ctx.t("report.workshops.quiz", value=_share_value(ctx, figures.quiz, "report.workshops.quiz_value")),
        ctx.t(
            "report.workshops.commitments",
            count=figures.commitments,
            value=_share_value(ctx, figures.done_at_week, "report.workshops.done_value"),
        ),
        ctx.t(
            "report.workshops.retention",
            workshop=_share_value(ctx, figures.workshop_lessons, retained),
            other=_share_value(ctx, figures.other_lessons, retained),
        ),
    ]
    return ["", ctx.t("report.workshops"), *(f"- {line}" for line in lines)]


def _confidence_value(ctx: Context, confidence: retention.ConfidenceChange) -> str:
    """`+1.4 on a 1-to-5 scale …` (`+1,4` in French), over the learners who rated both ends of the track."""

    def shown() -> str:
        change = f"{confidence.change or 0.0:+.1f}"
        if ctx.lang == "fr":
            change = change.replace(".", ",")
        return ctx.t("report.confidence_value", change=change, count=confidence.people)

    return _guarded(ctx, confidence.people, shown)


def _question_line(ctx: Context, question: Question, zone: ZoneInfo, *, ref: bool = False) -> str:
    """`- 2026-11-23 11:00 (Europe/Paris): the question (closest lesson `x`)`, in the reader's zone,
    neutralised. Nothing says who asked it,
    not even the question's number (a mentor's `reply` handle): admins read the gaps in the lessons.
    With `ref`, its short reference for `questions link|new-topic` (storage.examples.question_ref)."""
    details = [ctx.t("questions.ref", ref=examples.question_ref(question.id or 0))] if ref else []
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
    return f"{_topic_title(ctx, lesson_id)} ({count})"


def _topic_title(ctx: Context, lesson_id: str) -> str:
    """A lesson's title in the reader's language, or its id when the library no longer has it."""
    lesson = ctx.library.get(lesson_id, ctx.lang)
    return f"*{lesson.title}*" if lesson else f"`{neutralize(lesson_id, 64)}`"


async def handle_questions(ctx: Context, args: str) -> list[Reply]:
    """Unanswered questions (open or forwarded), oldest first and without names: what learners need that
    no lesson covers, each with a short ref for `questions link|new-topic`. Declined questions only
    count, by closest lesson. Then the questions marked as needing a new topic, grouped."""
    action, *rest = args.split() or [""]
    if action:
        return await _questions_action(ctx, action.lower(), rest)
    waiting = await activity.open_questions(ctx.session)
    declined = await activity.declined_topics(ctx.session)
    new_topics = await examples.new_topic_questions(ctx.session)
    if not waiting and not declined and not new_topics:
        return [Text(ctx.t("questions.none"), private=True)]
    lines = []
    if waiting:
        zone = await own_zone(ctx)
        lines.append(ctx.t("questions.title", count=len(waiting)))
        lines.extend(_question_line(ctx, question, zone, ref=True) for question in waiting[:QUESTIONS_SHOWN])
        if len(waiting) > QUESTIONS_SHOWN:
            lines.append(ctx.t("questions.more", count=len(waiting) - QUESTIONS_SHOWN))
        lines.append(ctx.t("questions.how_link"))
    if declined:
        lines.append(_declined_line(ctx, declined))
    lines.extend(_new_topic_lines(ctx, new_topics))
    return [Text("\n".join(lines), private=True)]


LINK_WORDS = frozenset({"link", "lier", "associer"})
NEW_TOPIC_WORDS = frozenset({"new-topic", "newtopic", "nouveau-sujet", "nouveausujet"})


async def _questions_action(ctx: Context, action: str, rest: list[str]) -> list[Reply]:
    """`questions link <ref> <lesson-id>` and `questions new-topic <ref>`: what the mentor's buttons do
    after an answer, for any question `questions` lists (never a declined one)."""
    wanted = 2 if action in LINK_WORDS else 1 if action in NEW_TOPIC_WORDS else 0
    if not wanted or len(rest) != wanted:
        raise UsageError("questions")
    question = await examples.question_by_ref(ctx.session, ref=rest[0])
    if question is None:
        raise NotFound("questions.bad_ref", ref=neutralize(rest[0], 20))
    if action in LINK_WORDS:
        lesson = await ask.link_to_lesson(ctx, question, rest[1])
        return [Text(ctx.t("questions.linked", title=lesson.title), private=True)]
    await ask.mark_new_topic(ctx, question)
    return [Text(ctx.t("questions.marked"), private=True)]


NEW_TOPICS_SHOWN = 10
GROUP_TEXTS = 3
GROUP_WORDS = 2
"""Two new-topic questions that share this many content words are one group."""


def _new_topic_lines(ctx: Context, questions: list[Question]) -> list[str]:
    """The questions needing a new topic, grouped by similarity (same closest lesson, or shared content
    words), biggest group first, without names: a few texts per group and its closest lesson."""
    if not questions:
        return []
    groups = group_similar(questions)
    lines = [ctx.t("questions.new_topics", count=len(questions))]
    for group in groups[:NEW_TOPICS_SHOWN]:
        texts = " · ".join(
            f"“{neutralize(q.text.replace(chr(10), ' '), QUESTION_CHARS)}”" for q in group[:GROUP_TEXTS]
        )
        if len(group) > GROUP_TEXTS:
            texts += " · …"
        lesson_id = next((q.lesson_id for q in group if q.lesson_id), None)
        closest = f" ({ctx.t('questions.closest', id=lesson_id)})" if lesson_id else ""
        lines.append(ctx.t("questions.group", count=len(group), texts=texts, closest=closest))
    if len(groups) > NEW_TOPICS_SHOWN:
        lines.append(ctx.t("questions.more", count=len(groups) - NEW_TOPICS_SHOWN))
    return lines


def group_similar(questions: list[Question]) -> list[list[Question]]:
    """Questions in groups: two are together when they have the same closest lesson or share
    `GROUP_WORDS` content words (stems, either language); biggest group first, then oldest."""
    parent = list(range(len(questions)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    stems = [_stems(q.text) for q in questions]
    for i, a in enumerate(questions):
        for j in range(i):
            b = questions[j]
            same_lesson = a.lesson_id is not None and a.lesson_id == b.lesson_id
            if same_lesson or len(stems[i] & stems[j]) >= GROUP_WORDS:
                parent[root(i)] = root(j)
    groups: dict[int, list[Question]] = {}
    for i, question in enumerate(questions):
        groups.setdefault(root(i), []).append(question)
    return sorted(groups.values(), key=lambda group: -len(group))


def _stems(text: str) -> frozenset[str]:
    """A question's content words as stems (English, with French for French-looking words)."""
    words, _ = analyzer.split_negated(text)
    content = [word for word in words if word not in analyzer.DROPPED]
    return frozenset(analyzer.stem(content, analyzer.guess_language(text) or "en"))
