"""The mentor's brief before a planned meeting, in the mentor's language: the mentee's goals and how far
they are towards each, the lessons they keep getting wrong, the questions they sent this mentor that wait
for an answer, the last commitment and whether it was done, and one tip from the mentor's guide.

It shows nothing a mentor does not see already (`mentees`, the weekly digest, `sessions`):

- the lessons they keep getting wrong are titles, never answers, and only while the mentee shares them
  (`settings topics`);
- their questions are those they chose to send to this mentor, never the ones they kept or declined;
- the commitment is one made in a meeting of this pair, or else in a workshop this mentor ran (whose
  summary showed it); never one made with another mentor, nor in another mentor's workshop;
- no brief at all when the two are not paired any more.

The tip turns through the guide's lessons: the brief's number is how many of the mentor's meetings, with
any mentee, come before this one, so two briefs in a row never give the same tip. A mentor who stopped the
guide (`stop mentor-guide`) gets no tip.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import goals
from bot.core.args import mention
from bot.core.commitments import shown
from bot.core.dates import format_day, format_moment
from bot.core.replies import Reply, Text
from bot.core.schedule import zone_of
from bot.core.text import neutralize
from bot.i18n import register, t
from lessons import Lesson, Library
from storage import activity, cohorts, people, retention
from storage import goals as stored
from storage.defaults import DEFAULT_TZ
from storage.enums import CommitmentSource, CommitmentStatus
from storage.models import Commitment, Person

QUESTIONS_SHOWN = 3
SNIPPET_CHARS = 80

register(
    {
        "brief.title": {
            "en": "Before your meeting with {mentee}, {when}:",
            "fr": "Avant votre rendez-vous avec {mentee}, {when} :",
        },
        "brief.goals": {"en": "- Their goals: {goals}", "fr": "- Ses objectifs : {goals}"},
        "brief.no_goals": {
            "en": "- No goals picked yet: ask what they want from the programme; `goals` lets them pick.",
            "fr": "- Pas encore d’objectifs : demandez-lui ce qu’il attend du programme ; `objectifs` "
            "permet de les choisir.",
        },
        "brief.topics": {
            "en": "- They keep getting these wrong: {topics}",
            "fr": "- Ce qui lui échappe encore : {topics}",
        },
        "brief.questions": {
            "en": "- Their questions waiting for you ({count}), answer with `reply <id> <your answer>`:",
            "fr": "- Ses questions en attente de votre réponse ({count}), répondez avec "
            "`répondre <n°> <votre réponse>` :",
        },
        "brief.more_questions": {"en": "  - … and {count} more", "fr": "  - … et {count} autres"},
        "brief.commitment.meeting": {
            "en": "- Last session they chose: “{text}” ({status})",
            "fr": "- À la dernière séance, son engagement : « {text} » ({status})",
        },
        "brief.commitment.workshop": {
            "en": "- In your workshop they chose: “{text}” ({status})",
            "fr": "- Lors de votre atelier, son engagement : « {text} » ({status})",
        },
        "brief.no_commitment": {
            "en": "- No commitment yet: end the meeting with one thing they will try this week.",
            "fr": "- Pas encore d’engagement : terminez le rendez-vous par une chose à essayer cette semaine.",
        },
        "brief.status.done": {"en": "done", "fr": "fait"},
        "brief.status.not_yet": {"en": "not done yet", "fr": "pas encore fait"},
        "brief.status.need_help": {"en": "they asked for help", "fr": "a demandé de l’aide"},
        "brief.status.waiting": {"en": "follow-up on {day}", "fr": "je lui en reparle le {day}"},
        "brief.status.unanswered": {"en": "no answer yet", "fr": "pas encore de réponse"},
        "brief.tip": {
            "en": "Tip for this meeting, *{title}*: {text} (`lesson {id}`)",
            "fr": "Conseil pour ce rendez-vous, *{title}* : {text} (`leçon {id}`)",
        },
    }
)


async def brief(
    session: AsyncSession,
    *,
    library: Library,
    mentor: Person,
    mentee: Person,
    meeting_at: dt.datetime,
    now: dt.datetime,
    default_tz: str = DEFAULT_TZ,
) -> list[Reply]:
    """The brief for `mentor` before meeting `mentee` at `meeting_at`, composed at `now` (when it is sent);
    nothing when `mentor` is not the mentee's mentor any more. Dates are in the mentor's zone
    (`default_tz` is TANDEM_DEFAULT_TZ)."""
    mentor_id, mentee_id = mentor.id or 0, mentee.id or 0
    current = await people.mentor_of(session, mentee_id=mentee_id)
    if current is None or current.id != mentor_id:
        return []
    lang = mentor.lang
    zone = await zone_of(session, mentor, default_tz)
    lines = [t("brief.title", lang, mentee=mention(mentee), when=format_moment(meeting_at, zone, lang))]
    towards = (await goals.goal_progress(session, library=library, person_ids=[mentee_id])).get(mentee_id)
    if towards:
        lines.append(t("brief.goals", lang, goals=goals.short_progress(towards, lang)))
    else:
        lines.append(t("brief.no_goals", lang))
    topics = (await retention.topics_to_go_over(session, person_ids=[mentee_id])).get(mentee_id, [])
    titles = [
        f"*{lesson.title}*" for lesson in (library.get(lesson_id, lang) for lesson_id in topics) if lesson
    ]
    if titles:
        lines.append(t("brief.topics", lang, topics=", ".join(titles)))
    lines.extend(await _questions(session, mentor_id, mentee_id, lang))
    lines.append(await _commitment(session, mentor_id, mentee_id, now, lang, zone))
    tip = await _tip(session, library, mentor, mentee_id, meeting_at)
    if tip is not None:
        lines.extend(["", t("brief.tip", lang, title=tip.title, text=tip.try_it, id=tip.id)])
    return [Text("\n".join(lines))]


async def _questions(session: AsyncSession, mentor_id: int, mentee_id: int, lang: str) -> list[str]:
    """The questions the mentee sent this mentor that wait for an answer, the oldest few with their ids."""
    waiting = await activity.questions_sent_to(session, mentor_id=mentor_id, person_ids=[mentee_id])
    if not waiting:
        return []
    lines = [t("brief.questions", lang, count=len(waiting))]
    for question in waiting[:QUESTIONS_SHOWN]:
        snippet = neutralize(" ".join(question.text.split()), SNIPPET_CHARS)
        lines.append(f"  - {t('list.numbered', lang, id=question.id, text=snippet)}")
    if len(waiting) > QUESTIONS_SHOWN:
        lines.append(t("brief.more_questions", lang, count=len(waiting) - QUESTIONS_SHOWN))
    return lines


async def _commitment(
    session: AsyncSession,
    mentor_id: int,
    mentee_id: int,
    now: dt.datetime,
    lang: str,
    zone: ZoneInfo,
) -> str:
    """The pair's last commitment from a meeting, else from this mentor's workshop, and how it went."""
    made = await stored.pair_commitment(session, mentor_id=mentor_id, mentee_id=mentee_id)
    if made is None:
        made = await stored.hosted_commitment(session, host_id=mentor_id, person_id=mentee_id)
    if made is None:
        return t("brief.no_commitment", lang)
    key = (
        "brief.commitment.meeting" if made.source == CommitmentSource.MEETING else "brief.commitment.workshop"
    )
    return t(key, lang, text=shown(made), status=_status(made, now, lang, zone))


def _status(made: Commitment, now: dt.datetime, lang: str, zone: ZoneInfo) -> str:
    """How the commitment went: its follow-up's answer, or when the follow-up comes, or that it waits."""
    if made.status != CommitmentStatus.OPEN:
        return t(f"brief.status.{made.status}", lang)
    if made.follow_up_at > now:
        day = made.follow_up_at.astimezone(zone).date()
        return t("brief.status.waiting", lang, day=format_day(day, lang))
    return t("brief.status.unanswered", lang)


async def _tip(
    session: AsyncSession, library: Library, mentor: Person, mentee_id: int, meeting_at: dt.datetime
) -> Lesson | None:
    """This brief's lesson of the mentor's guide, in the mentor's language; None when the library has no
    guide or the mentor stopped it."""
    track = library.tracks.get(goals.MENTOR_GUIDE)
    if track is None or not track.lessons:
        return None
    enrolled = await cohorts.enrollments_of(session, person_id=mentor.id or 0)
    if any(c.track_id == track.id and cohorts.stopped_by_learner(e) for e, c in enrolled):
        return None
    number = await stored.meetings_before(
        session, mentor_id=mentor.id or 0, mentee_id=mentee_id, at=meeting_at
    )
    return library.get(track.lessons[number % len(track.lessons)], mentor.lang)
