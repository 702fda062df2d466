"""Lesson cards with their buttons, in the person's language."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.replies import Button, LessonCard, QuizCard, TextInput
from bot.i18n import register, t
from lessons import Lesson
from lessons.engine import MAX_QUESTION_CHARS

register(
    {
        "button.more": {"en": "Tell me more", "fr": "En savoir plus"},
        "button.quiz": {"en": "Quiz me", "fr": "Un petit quiz"},
        "button.useful": {"en": "Useful", "fr": "Utile"},
        "button.not_useful": {"en": "Not for me", "fr": "Pas pour moi"},
        "button.ask": {"en": "Ask a question", "fr": "Poser une question"},
        "button.ask_placeholder": {"en": "Your question", "fr": "Votre question"},
        "card.try_it": {"en": "Try it today", "fr": "À essayer aujourd’hui"},
        "card.verified": {"en": "Steps checked on {date}", "fr": "Étapes vérifiées le {date}"},
        "card.related": {"en": "Related: {lessons}", "fr": "Pour aller plus loin : {lessons}"},
    }
)


def labels(lang: str) -> dict[str, str]:
    return {name: t(f"card.{name}", lang) for name in ("try_it", "verified")}


def tip_buttons(lesson: Lesson) -> tuple[Button, ...]:
    lang = lesson.lang
    return (
        Button(t("button.more", lang), "lesson.more", lesson.id, "primary"),
        Button(t("button.quiz", lang), "quiz.start", lesson.id),
        Button(t("button.useful", lang), "feedback.useful", lesson.id),
        Button(t("button.not_useful", lang), "feedback.not_useful", lesson.id),
        Button(t("button.ask", lang), "ask.start", lesson.id, input=ask_box(lang)),
    )


def ask_box(lang: str) -> TextInput:
    """The box under *Ask a question*: the question is answered like one typed in the conversation."""
    return TextInput(MAX_QUESTION_CHARS, t("button.ask_placeholder", lang))


def tip_card(lesson: Lesson, intro: str = "") -> LessonCard:
    """The daily tip: title, summary, try-it, and the five actions."""
    return LessonCard(
        lesson, full=False, intro=intro, buttons=tip_buttons(lesson), labels=labels(lesson.lang)
    )


def full_card(lesson: Lesson, intro: str = "", related: Sequence[Lesson] = ()) -> LessonCard:
    """The whole lesson, with the quiz and feedback buttons, and under it the `related` lessons, each
    with the command that opens it."""
    buttons = tuple(b for b in tip_buttons(lesson) if b.action != "lesson.more")
    footer = related_line(related, lesson.lang) if related else ""
    return LessonCard(
        lesson, full=True, intro=intro, buttons=buttons, labels=labels(lesson.lang), footer=footer
    )


def related_line(related: Sequence[Lesson], lang: str) -> str:
    """`Related: *Two-factor authentication* (`lesson two-factor-authentication`), …` in Markdown."""
    listed = ", ".join(t("ask.lesson_ref", lang, title=other.title, id=other.id) for other in related)
    return t("card.related", lang, lessons=listed)


def quiz_card(lesson: Lesson) -> QuizCard:
    buttons = tuple(
        Button(choice, "quiz.answer", f"{lesson.id}:{index}")
        for index, choice in enumerate(lesson.quiz.choices)
    )
    return QuizCard(lesson, lesson.quiz.question, buttons)


def review_card(lesson: Lesson, variant: int, asked: int) -> QuizCard:
    """A review: quiz variant `variant` of the lesson, with the same buttons as its quiz. Each button
    says the lesson, the variant, the choice and how many reviews of the lesson the learner had answered
    when it was asked (`asked`), so that an answer counts once per question asked."""
    quiz = lesson.variant(variant)
    buttons = tuple(
        Button(choice, "review.answer", f"{lesson.id}:{variant}:{index}:{asked}")
        for index, choice in enumerate(quiz.choices)
    )
    return QuizCard(lesson, quiz.question, buttons)
