"""Replies to and from JSON, for messages that wait in the database: in the delivery ledger (a row's
`payload`) and in the console's inbox."""

from __future__ import annotations

import logging
from typing import Any

from bot.core.replies import Button, LessonCard, QuizCard, Reply, Text, TextInput
from lessons import Library

logger = logging.getLogger(__name__)


def _buttons(buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    return [_button(b) for b in buttons]


def _button(button: Button) -> dict[str, Any]:
    data: dict[str, Any] = {
        "label": button.label,
        "action": button.action,
        "value": button.value,
        "style": button.style,
    }
    if button.input is not None:
        data["input"] = {"max_length": button.input.max_length, "placeholder": button.input.placeholder}
    return data


def _unbuttons(data: list[dict[str, Any]]) -> tuple[Button, ...]:
    return tuple(_unbutton(d) for d in data)


def _unbutton(data: dict[str, Any]) -> Button:
    box = data.get("input")
    return Button(
        data["label"],
        data["action"],
        data.get("value", ""),
        data.get("style", "default"),
        TextInput(int(box["max_length"]), str(box["placeholder"])) if isinstance(box, dict) else None,
    )


def to_dict(reply: Reply) -> dict[str, Any] | None:
    """A JSON-ready form of a reply; None for replies that cannot wait (Notify, Later, File)."""
    if isinstance(reply, Text):
        return {"type": "text", "markdown": reply.markdown, "buttons": _buttons(reply.buttons)}
    if isinstance(reply, LessonCard):
        return {
            "type": "lesson",
            "id": reply.lesson.id,
            "lang": reply.lesson.lang,
            "full": reply.full,
            "intro": reply.intro,
            "buttons": _buttons(reply.buttons),
            "labels": reply.labels,
            "footer": reply.footer,
        }
    if isinstance(reply, QuizCard):
        # The question and buttons too: a review asks one of the lesson's variants, with its own buttons.
        return {
            "type": "quiz",
            "id": reply.lesson.id,
            "lang": reply.lesson.lang,
            "question": reply.question,
            "buttons": _buttons(reply.buttons),
        }
    return None


def from_dict(data: dict[str, Any], library: Library) -> Reply | None:
    """Rebuild a reply; a lesson that disappeared since is skipped with a log line."""
    kind = data.get("type")
    if kind == "text":
        return Text(data["markdown"], _unbuttons(data.get("buttons", [])))
    if kind in ("lesson", "quiz"):
        lesson = library.get(data["id"], data.get("lang", "en"))
        if lesson is None:
            logger.warning("Lesson %s no longer exists; skipping a waiting message", data.get("id"))
            return None
        if kind == "quiz":
            from bot.core.cards import quiz_card

            if data.get("buttons"):
                return QuizCard(lesson, str(data.get("question", "")), _unbuttons(data["buttons"]))
            return quiz_card(lesson)
        return LessonCard(
            lesson,
            data.get("full", False),
            data.get("intro", ""),
            _unbuttons(data.get("buttons", [])),
            data.get("labels", {}),
            data.get("footer", ""),
        )
    logger.warning("Unknown waiting message type %s", kind)
    return None
