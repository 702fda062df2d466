"""Review questions: a lesson's quiz, in another variant, asked again at growing intervals.

The drip sends at most one a day (scheduler/ledger.py `plan_reviews`; the carrier composes it with
`review_message`); the learner's `review` command asks the next due one at once. An answer is recorded
with its time and outcome, moves the card along the review schedule (scheduler/reviews.py), and shows
the result in place of the question. A lesson's first quiz answer enters the schedule too
(`schedule_quiz`).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.cards import review_card
from bot.core.context import Context
from bot.core.dates import format_day
from bot.core.errors import UserError
from bot.core.replies import Button, Reply, Text
from bot.core.schedule import own_zone
from bot.i18n import register, t
from lessons import Lesson, Library
from scheduler import reviews as policy
from storage import people, reviews, usage
from storage.enums import AnswerKind
from storage.models import Person, ReviewCard

register(
    {
        "review.usage": {"en": "review", "fr": "révision"},
        "review.help": {
            "en": "a question from a lesson you have seen, now",
            "fr": "une question sur une leçon déjà vue, tout de suite",
        },
        "review.header": {
            "en": "A question from *{title}*, seen on {date}:",
            "fr": "Une question sur *{title}*, vue le {date}\u202f:",
        },
        "review.topics": {
            "en": "Good to know: your mentor’s weekly digest names the lessons you keep getting wrong, to go "
            "over them together; never your answers. `settings topics off` turns this off.",
            "fr": "Bon à savoir : le point hebdomadaire de votre mentor cite les leçons sur lesquelles vous "
            "vous trompez souvent, pour les revoir ensemble ; jamais vos réponses. Pour le couper : "
            "`réglages sujets non`.",
        },
        "review.none": {
            "en": "Nothing to review yet: questions come back here once you have received lessons.",
            "fr": "Rien à réviser pour l’instant\u202f: les questions reviennent ici une fois les leçons reçues.",
        },
        "review.not_due": {
            "en": "Nothing is due; the next question comes back on {day}. Want one now?",
            "fr": "Rien à réviser pour l’instant\u202f; la prochaine question revient le {day}. "
            "En voulez-vous une maintenant\u202f?",
        },
        "review.button_now": {"en": "One now", "fr": "Oui, maintenant"},
        "review.again_soon": {
            "en": "It comes back on your next delivery day, asked another way.",
            "fr": "Elle reviendra à votre prochain jour de conseil, posée autrement.",
        },
        "review.again_on": {
            "en": "It comes back around {day}.",
            "fr": "Elle reviendra vers le {day}.",
        },
        "review.retained": {
            "en": "Retained: you still know it three weeks after the lesson. It comes back around {day}.",
            "fr": "Acquis\u202f: vous la savez encore trois semaines après la leçon. Elle reviendra vers le {day}.",
        },
        "review.already": {
            "en": "*{question}*\nYou already answered this question: only the first answer counts.\n\n"
            "{explanation}",
            "fr": "*{question}*\nVous avez déjà répondu à cette question\u202f: seule la première réponse "
            "compte.\n\n{explanation}",
        },
    }
)


# --- asking -------------------------------------------------------------------------------------------


async def review_message(
    session: AsyncSession, person: Person, card: ReviewCard, lesson: Lesson, zone: ZoneInfo
) -> list[Reply]:
    """A review of `card` in the lesson's language: a short header (which lesson, seen when), then a
    variant never asked last time when the lesson has two or more. The variant is noted on the card.
    Until the learner's first review answer, the header also says what their mentor may see of them."""
    variant = policy.next_variant(card.last_variant, len(lesson.variants))
    await reviews.set_last_variant(session, card_id=card.id or 0, variant=variant)
    card.last_variant = variant
    seen = format_day(card.first_sent_at.astimezone(zone).date(), lesson.lang)
    header = t("review.header", lesson.lang, title=lesson.title, date=seen)
    if await _explain_topics(session, person):
        header = f"{header}\n\n{t('review.topics', lesson.lang)}"
    return [Text(header), review_card(lesson, variant, card.reviews)]


async def _explain_topics(session: AsyncSession, person: Person) -> bool:
    """Whether to say what the mentor may see: the learner has a mentor, shares topics (the default)
    and has not answered a review yet."""
    if not person.share_topics or await reviews.has_reviewed(session, person_id=person.id or 0):
        return False
    return await people.mentor_of(session, mentee_id=person.id or 0) is not None


def _available(library: Library) -> list[str]:
    return library.ids()


async def handle_review(ctx: Context, args: str) -> list[Reply]:
    """The next due question at once; with none due, when the next one comes, and a button for one now."""
    card = await reviews.next_card(
        ctx.session, person_id=ctx.person.id or 0, lesson_ids=_available(ctx.library)
    )
    if card is None or card.due_at is None:
        return [Text(ctx.t("review.none"), private=True)]
    zone = await own_zone(ctx)
    if card.due_at > ctx.now():
        day = format_day(card.due_at.astimezone(zone).date(), ctx.lang)
        button = Button(ctx.t("review.button_now"), "review.now", "", "primary")
        return [Text(ctx.t("review.not_due", day=day), (button,), private=True)]
    return await _ask(ctx, card, zone)


async def handle_review_now(ctx: Context, value: str) -> list[Reply]:
    """The soonest question, due or not (the learner asked for one)."""
    card = await reviews.next_card(
        ctx.session, person_id=ctx.person.id or 0, lesson_ids=_available(ctx.library)
    )
    if card is None:
        return [Text(ctx.t("review.none"), private=True)]
    return await _ask(ctx, card, await own_zone(ctx))


async def _ask(ctx: Context, card: ReviewCard, zone: ZoneInfo) -> list[Reply]:
    lesson = ctx.library.get(card.lesson_id, ctx.lang)
    if lesson is None:
        return [Text(ctx.t("review.none"), private=True)]
    return await review_message(ctx.session, ctx.person, card, lesson, zone)


# --- answering ----------------------------------------------------------------------------------------


async def handle_review_answer(ctx: Context, value: str) -> list[Reply]:
    """The answer to a review (`lesson:variant:choice:asked`): recorded once per question asked, the
    card moved along the schedule, and the result with its explanation in place of the question."""
    parts = value.rsplit(":", 3)
    if len(parts) != 4 or not all(p.isdigit() for p in parts[1:]):
        raise UserError("error.stale_button")
    lesson_id, variant, choice, asked = parts[0], int(parts[1]), int(parts[2]), int(parts[3])
    lesson = ctx.library.get(lesson_id.strip(), ctx.lang)
    if lesson is None:
        raise UserError("error.stale_button")
    quiz = lesson.variant(variant)
    if choice >= len(quiz.choices):
        raise UserError("error.stale_button")
    person_id, now = ctx.person.id or 0, ctx.now()
    await usage.lock_person(ctx.session, person_id=person_id)
    card = await reviews.card_for_update(ctx.session, person_id=person_id, lesson_id=lesson.id)
    if card is None or card.reviews != asked:
        text = ctx.t("review.already", question=quiz.question, explanation=quiz.explanation)
        return [Text(text, replaces=True)]
    correct = choice == quiz.answer_index
    await reviews.record_answer(
        ctx.session,
        person_id=person_id,
        lesson_id=lesson.id,
        variant=variant,
        kind=AnswerKind.REVIEW,
        correct=correct,
        now=now,
    )
    state, due = policy.next_review(card.state, now, correct)
    retained = policy.is_retained(card.first_sent_at, now, correct) and card.retained_at is None
    await reviews.save_card(
        ctx.session,
        person_id=person_id,
        lesson_id=lesson.id,
        first_sent_at=card.first_sent_at,
        state=state,
        due_at=due,
        variant=variant,
        correct=correct,
        counts_as_review=True,
        retained=retained,
        now=now,
    )
    if correct:
        verdict = ctx.t("quiz.right", explanation=quiz.explanation)
    else:
        verdict = ctx.t("quiz.wrong", answer=quiz.answer, explanation=quiz.explanation)
    result = ctx.t("quiz.result", question=quiz.question, choice=quiz.choices[choice], verdict=verdict)
    return [Text(f"{result}\n\n{await _when_next(ctx, due, correct, retained)}", replaces=True)]


async def _when_next(ctx: Context, due: dt.datetime, correct: bool, retained: bool) -> str:
    if not correct:
        return ctx.t("review.again_soon")
    day = format_day(due.astimezone(await own_zone(ctx)).date(), ctx.lang)
    return ctx.t("review.retained" if retained else "review.again_on", day=day)


async def schedule_quiz(ctx: Context, lesson: Lesson, correct: bool) -> None:
    """A lesson's quiz answered for the first time: the answer is recorded (variant 0) and the lesson
    enters the review schedule, counted from when it first reached the learner (or now, for a lesson
    read on demand). A lesson already reviewed (its quiz pressed late) keeps its schedule."""
    person_id, now = ctx.person.id or 0, ctx.now()
    await reviews.record_answer(
        ctx.session,
        person_id=person_id,
        lesson_id=lesson.id,
        variant=0,
        kind=AnswerKind.QUIZ,
        correct=correct,
        now=now,
    )
    card = await reviews.card_for_update(ctx.session, person_id=person_id, lesson_id=lesson.id)
    if card is not None and policy.is_scheduled(card.state):
        return
    if card is not None:
        first_sent = card.first_sent_at
    else:
        sent = await reviews.first_sent(ctx.session, person_id=person_id, lesson_id=lesson.id)
        first_sent = sent or now
    state, due = policy.first_review(now, correct)
    await reviews.save_card(
        ctx.session,
        person_id=person_id,
        lesson_id=lesson.id,
        first_sent_at=first_sent,
        state=state,
        due_at=due,
        variant=0,
        correct=correct,
        counts_as_review=False,
        retained=False,
        now=now,
    )
