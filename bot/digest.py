"""The mentor's weekly digest, composed when it is sent, in the mentor's language: per mentee, their
progress, how far they are towards their goals, the topics to go over at the next meeting, and whether
Tandem paused them for inactivity.

The topics are lesson titles, never answers, and only for mentees who share them (`settings topics`, on
by default): with it off, the mentor sees their progress only. `scheduler.upkeep.plan_digests` queues
the digest on Monday morning; the ledger carrier (bot/delivery.py) asks this module for its text.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import goals
from bot.core.args import mention
from bot.core.replies import Reply, Text
from bot.core.text import neutralize
from bot.i18n import register, t
from lessons import Library
from storage import people, progress, retention
from storage.enums import PauseReason
from storage.models import Person

register(
    {
        "drip.digest_title": {
            "en": "Your weekly mentoring digest:",
            "fr": "Votre point hebdomadaire de mentorat :",
        },
        "drip.digest_line": {
            "en": "- {name}: {lessons} lessons, quiz {right}/{quizzes}, {open} open question(s)",
            "fr": "- {name} : {lessons} leçons, quiz {right}/{quizzes}, {open} question(s) en attente",
        },
        "drip.digest_none": {"en": "No mentees yet.", "fr": "Pas encore de mentorés."},
        "digest.goals": {"en": "  Goals: {goals}", "fr": "  Objectifs : {goals}"},
        "digest.topics": {
            "en": "  To go over at your next meeting: {topics}",
            "fr": "  À revoir ensemble à votre prochaine rencontre : {topics}",
        },
        "digest.paused": {
            "en": "  Paused for two weeks after three nudges went unanswered: a word from you may help.",
            "fr": "  En pause pour deux semaines après trois relances restées sans réponse : un mot de "
            "votre part peut aider.",
        },
    }
)


async def digest_message(
    session: AsyncSession, mentor: Person, library: Library | None = None, *, now: dt.datetime | None = None
) -> list[Reply]:
    """Each mentee's progress and open questions; their goals with how far they are towards each (from
    `library`); the lessons they keep getting wrong (by title) when they share them; and a word when
    Tandem paused them for inactivity (a live pause: at `now` when given, else one the housekeeping has
    not cleared yet)."""
    lang = mentor.lang
    mentees = await people.mentees_of(session, mentor_id=mentor.id or 0)
    ids = [m.id or 0 for m in mentees]
    received = await progress.lessons_received_by(session, person_ids=ids)
    scores = await progress.quiz_scores(session, person_ids=ids)
    waiting = await progress.open_question_counts(session, person_ids=ids, mentor_id=mentor.id or 0)
    topics = await retention.topics_to_go_over(session, person_ids=ids)
    towards = await goals.goal_progress(session, library=library, person_ids=ids) if library else {}
    lines = [t("drip.digest_title", lang)]
    if not mentees:
        lines.append(t("drip.digest_none", lang))
    for mentee in mentees:
        pid = mentee.id or 0
        right, quizzes = scores.get(pid, (0, 0))
        lines.append(
            t(
                "drip.digest_line",
                lang,
                name=mention(mentee),
                lessons=received.get(pid, 0),
                right=right,
                quizzes=quizzes,
                open=waiting.get(pid, 0),
            )
        )
        if towards.get(pid):
            lines.append(t("digest.goals", lang, goals=goals.short_progress(towards[pid], lang)))
        if mentee.share_topics and topics.get(pid):
            titles = ", ".join(_title(library, lesson_id, lang) for lesson_id in topics[pid])
            lines.append(t("digest.topics", lang, topics=titles))
        if paused_for_inactivity(mentee, now):
            lines.append(t("digest.paused", lang))
    return [Text("\n".join(lines))]


def paused_for_inactivity(person: Person, now: dt.datetime | None) -> bool:
    """Whether Tandem paused this person because three nudges went unanswered, and the pause still holds
    (housekeeping clears ended pauses, so without `now` a pause still stored counts)."""
    if person.pause_reason != PauseReason.INACTIVITY or person.paused_until is None:
        return False
    return now is None or person.paused_until > now


def _title(library: Library | None, lesson_id: str, lang: str) -> str:
    """A lesson's title in the mentor's language, or its id when the library does not have it."""
    lesson = library.get(lesson_id, lang) if library else None
    return f"*{lesson.title}*" if lesson else f"`{neutralize(lesson_id, 64)}`"
