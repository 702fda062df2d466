"""The lesson card's buttons: more, quiz, quiz answer, useful, not for me."""

from __future__ import annotations

from bot.core.cards import full_card, quiz_card
from bot.core.commands import review
from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.replies import Reply, Text
from bot.i18n import register
from lessons import Lesson
from storage import activity, dashboard, progress
from storage.enums import FeedbackKind

register(
    {
        "quiz.right": {"en": "Right! {explanation}", "fr": "Exact ! {explanation}"},
        "quiz.wrong": {
            "en": "Not quite: the answer is *{answer}*. {explanation}",
            "fr": "Pas tout à fait : la réponse est *{answer}*. {explanation}",
        },
        "quiz.result": {
            "en": "*{question}*\nYour answer: {choice}\n\n{verdict}",
            "fr": "*{question}*\nVotre réponse\u202f: {choice}\n\n{verdict}",
        },
        "quiz.already": {
            "en": "*{question}*\nYou already answered this quiz: {verdict} Only the first answer counts.\n\n"
            "{explanation}",
            "fr": "*{question}*\nVous avez déjà répondu à ce quiz\u202f: {verdict} Seule la première réponse "
            "compte.\n\n{explanation}",
        },
        "quiz.was_right": {"en": "it was right.", "fr": "votre réponse était juste."},
        "quiz.was_wrong": {
            "en": "it was not the right one; the answer is *{answer}*.",
            "fr": "ce n’était pas la bonne réponse, qui est *{answer}*.",
        },
        "feedback.useful": {
            "en": "Thank you! Glad it helps.",
            "fr": "Merci ! Ravi que cela vous serve.",
        },
        "feedback.not_useful": {
            "en": "Thanks for saying so. It helps us choose better tips.",
            "fr": "Merci de nous le dire. Cela nous aide à mieux choisir les conseils.",
        },
    }
)


def _lesson(ctx: Context, lesson_id: str) -> Lesson:
    lesson = ctx.library.get(lesson_id.strip(), ctx.lang)
    if lesson is None:
        raise UserError("error.stale_button")
    return lesson


async def handle_more(ctx: Context, value: str) -> list[Reply]:
    """The whole lesson; the first press per lesson is recorded as "opened" (the dashboard's funnel)."""
    lesson = _lesson(ctx, value)
    if ctx.person.id is not None:
        await dashboard.mark_opened(ctx.session, person_id=ctx.person.id, lesson_id=lesson.id, now=ctx.now())
    return [full_card(lesson, related=ctx.library.related(lesson))]


async def handle_quiz_start(ctx: Context, value: str) -> list[Reply]:
    return [quiz_card(_lesson(ctx, value))]


async def handle_quiz_answer(ctx: Context, value: str) -> list[Reply]:
    """The quiz's result, in place of the quiz. Only the first answer to a lesson's quiz counts: pressing
    again (the same choice or another) shows that first result and records nothing."""
    lesson_id, _, index = value.rpartition(":")
    lesson = _lesson(ctx, lesson_id)
    if not index.isdigit() or int(index) >= len(lesson.quiz.choices):
        raise UserError("error.stale_button")
    quiz = lesson.quiz
    answer, counted = await progress.answer_quiz(
        ctx.session,
        person_id=ctx.person.id or 0,
        lesson_id=lesson.id,
        correct=int(index) == quiz.answer_index,
        now=ctx.now(),
    )
    if counted:
        await review.schedule_quiz(ctx, lesson, answer.correct is True)
    else:
        verdict = ctx.t("quiz.was_right") if answer.correct else ctx.t("quiz.was_wrong", answer=quiz.answer)
        text = ctx.t("quiz.already", question=quiz.question, verdict=verdict, explanation=quiz.explanation)
        return [Text(text, replaces=True)]
    if answer.correct:
        verdict = ctx.t("quiz.right", explanation=quiz.explanation)
    else:
        verdict = ctx.t("quiz.wrong", answer=quiz.answer, explanation=quiz.explanation)
    choice = quiz.choices[int(index)]
    return [Text(ctx.t("quiz.result", question=quiz.question, choice=choice, verdict=verdict), replaces=True)]


async def handle_useful(ctx: Context, value: str) -> list[Reply]:
    lesson = _lesson(ctx, value)
    await activity.add_feedback(
        ctx.session, person_id=ctx.person.id or 0, lesson_id=lesson.id, kind=FeedbackKind.USEFUL
    )
    return [Text(ctx.t("feedback.useful"))]


async def handle_not_useful(ctx: Context, value: str) -> list[Reply]:
    lesson = _lesson(ctx, value)
    await activity.add_feedback(
        ctx.session, person_id=ctx.person.id or 0, lesson_id=lesson.id, kind=FeedbackKind.NOT_USEFUL
    )
    return [Text(ctx.t("feedback.not_useful"))]
