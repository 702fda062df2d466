"""Replies to and from JSON, for messages that wait in the database: in the delivery ledger (a row's
`payload`) and in the console's inbox.

A file waits whole, its bytes in base64, so it may be at most `MAX_FILE_BYTES`: the ledger stays small
(a row is read each time it is claimed), and a file that needs more is refused when it is written, in
the command's own transaction, never when it is sent.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

from bot.core.replies import Button, File, LessonCard, QuizCard, Reply, Text, TextInput
from lessons import Library

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 256 * 1024
"""The largest file that may wait in the database (256 KB; an invitation's .ics is about 1 KB)."""


class FileTooLarge(ValueError):
    """A file too large to wait in the delivery ledger: a mistake of the code that queued it."""

    def __init__(self, file: File) -> None:
        super().__init__(
            f"The file {file.name!r} is {len(file.content)} bytes: a file sent through the delivery ledger "
            f"may be at most {MAX_FILE_BYTES} bytes"
        )


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
    """A JSON-ready form of a reply; None for replies that cannot wait (Notify, Later, FollowUp).
    Raises FileTooLarge for a file over MAX_FILE_BYTES."""
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
    if isinstance(reply, File):
        if len(reply.content) > MAX_FILE_BYTES:
            raise FileTooLarge(reply)
        return {
            "type": "file",
            "name": reply.name,
            "mime": reply.mime,
            "caption": reply.caption,
            "download": reply.download,
            "content": base64.b64encode(reply.content).decode("ascii"),
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
    if kind == "file":
        return _unfile(data)
    logger.warning("Unknown waiting message type %s", kind)
    return None


def _unfile(data: dict[str, Any]) -> File | None:
    try:
        content = base64.b64decode(str(data["content"]), validate=True)
    except (KeyError, binascii.Error):
        logger.warning("A waiting file has no readable content; skipping it")
        return None
    return File(
        str(data.get("name") or "file"),
        content,
        str(data.get("mime") or "application/octet-stream"),
        str(data.get("caption", "")),
        str(data.get("download", "")),
    )
