"""What handlers return. Channels render these at the edge (terminal text, Block Kit, Adaptive Cards)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from lessons import Lesson


@dataclass(frozen=True, slots=True)
class Button:
    """A button: the label in the person's language, and the core action it triggers."""

    label: str
    action: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True, slots=True)
class Text:
    """Markdown text, with optional buttons. `private` replies are shown only to the person."""

    markdown: str
    buttons: tuple[Button, ...] = ()
    private: bool = False


@dataclass(frozen=True, slots=True)
class LessonCard:
    """A lesson: the tip (title, summary, try-it) or the full lesson, with its action buttons."""

    lesson: Lesson
    full: bool = False
    intro: str = ""
    buttons: tuple[Button, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    footer: str = ""  # Markdown shown under the card (related lessons), in the same message


@dataclass(frozen=True, slots=True)
class QuizCard:
    """The lesson's quiz question with one button per choice."""

    lesson: Lesson
    question: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file for the person (my-data), with a short Markdown note."""

    filename: str
    content: str
    markdown: str


@dataclass(frozen=True, slots=True)
class Notify:
    """Replies for someone else (a mentor, a mentee), identified by their person key."""

    person_key: str
    replies: tuple[Reply, ...]


@dataclass(frozen=True, slots=True)
class Later:
    """Slow work the channel runs after it has acknowledged; its replies are sent when it ends."""

    work: Callable[[], Awaitable[Sequence[Reply]]]
    description: str = ""


Reply = Text | LessonCard | QuizCard | Attachment | Notify | Later
