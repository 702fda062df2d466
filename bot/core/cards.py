"""Lesson cards with their buttons, in the person's language."""

from __future__ import annotations

from bot.core.replies import Button, LessonCard, QuizCard
from bot.i18n import register, t
from lessons import Lesson

register(
    {
        "button.more": {"en": "Tell me more", "fr": "En savoir plus"},
        "button.quiz": {"en": "Quiz me", "fr": "Un petit quiz"},
        "button.useful": {"en": "Useful", "fr": "Utile"},
        "button.not_useful": {"en": "Not for me", "fr": "Pas pour moi"},
        "button.ask": {"en": "Ask a question", "fr": "Poser une question"},
        "card.try_it": {"en": "Try it today", "fr": "À essayer aujourd’hui"},
        "card.verified": {"en": "Steps checked on {date}", "fr": "Étapes vérifiées le {date}"},
        "card.related": {"en": "Related", "fr": "Pour aller plus loin"},
    }
)


def labels(lang: str) -> dict[str, str]:
    return {name: t(f"card.{name}", lang) for name in ("try_it", "verified", "related")}


def tip_buttons(lesson: Lesson) -> tuple[Button, ...]:
    lang = lesson.lang
    return (
        Button(t("button.more", lang), "lesson.more", lesson.id, "primary"),
        Button(t("button.quiz", lang), "quiz.start", lesson.id),
        Button(t("button.useful", lang), "feedback.useful", lesson.id),
        Button(t("button.not_useful", lang), "feedback.not_useful", lesson.id),
        Button(t("button.ask", lang), "ask.start", lesson.id),
    )


def tip_card(lesson: Lesson, intro: str = "") -> LessonCard:
    """The daily tip: title, summary, try-it, and the five actions."""
    return LessonCard(
        lesson, full=False, intro=intro, buttons=tip_buttons(lesson), labels=labels(lesson.lang)
    )


def full_card(lesson: Lesson, intro: str = "") -> LessonCard:
    """The whole lesson, with the quiz and feedback buttons."""
    buttons = tuple(b for b in tip_buttons(lesson) if b.action != "lesson.more")
    return LessonCard(lesson, full=True, intro=intro, buttons=buttons, labels=labels(lesson.lang))


def quiz_card(lesson: Lesson) -> QuizCard:
    buttons = tuple(
        Button(choice, "quiz.answer", f"{lesson.id}:{index}")
        for index, choice in enumerate(lesson.quiz.choices)
    )
    return QuizCard(lesson, lesson.quiz.question, buttons)
