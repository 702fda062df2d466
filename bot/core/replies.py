"""What handlers return. Channels render these at the edge (terminal text, Block Kit, Adaptive Cards)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from lessons import Lesson
from storage.enums import DeliveryKind


@dataclass(frozen=True, slots=True)
class TextInput:
    """The text box of a button that takes typed text: what is typed reaches its action as the event's
    text. Each channel shows it its own way (a form, a box in the card, the next line typed)."""

    max_length: int
    """The most the action accepts: a box never lets someone write more."""
    placeholder: str
    """What the empty box says, in the person's language."""


@dataclass(frozen=True, slots=True)
class Button:
    """A button: the label in the person's language, and the core action it triggers; with `input`, a
    text box whose text goes with it."""

    label: str
    action: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"
    input: TextInput | None = None


@dataclass(frozen=True, slots=True)
class PersonalView:
    """How a private reply can live in a room, seen differently by each person: where a platform can show
    one message differently to each viewer (Teams' per-user card refresh), the room gets `shared`, and the
    person the reply answers sees what `action` (a read-only core action, with `value`) answers them each
    time the message is shown to them. Elsewhere the reply stays a private message."""

    action: str
    value: str
    shared: str
    """Markdown that everyone else in the room sees in its place."""


@dataclass(frozen=True, slots=True)
class Text:
    """Markdown text, with optional buttons. `private` replies are shown only to the person."""

    markdown: str
    buttons: tuple[Button, ...] = ()
    private: bool = False
    replaces: bool = False
    """Shown in place of the message whose button was pressed (a quiz becomes its result, without its
    buttons), where the platform can change a message it sent; elsewhere it comes as a new message."""
    view: PersonalView | None = None
    """A private reply that may be posted in the room as a per-person message (the mentor's panel);
    only for direct replies: the delivery ledger does not keep it."""


@dataclass(frozen=True, slots=True)
class LessonCard:
    """A lesson: the tip (title, summary, try-it) or the full lesson, with its action buttons."""

    lesson: Lesson
    full: bool = False
    intro: str = ""
    buttons: tuple[Button, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    footer: str = ""
    """Markdown shown under the card, in the same message: the related lessons under a full lesson, the
    other lessons that may help under an answer."""


@dataclass(frozen=True, slots=True)
class QuizCard:
    """The lesson's quiz question with one button per choice."""

    lesson: Lesson
    question: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class File:
    """A file: for the person being answered (my-data), or for someone else inside a `Notify` (an
    invitation carries its .ics). In a Notify it waits in the delivery ledger whole, so it may be at most
    256 KB (`serialize.MAX_FILE_BYTES`; a larger one fails the command that queues it).

    Each channel hands it over its own way: the console saves it and prints its path, Slack uploads it
    into the person's direct messages, Teams gives a one-time link on Tandem's web host (bot/downloads.py),
    or shows its content when there is no web host or the file is too large to be kept with a link."""

    name: str
    content: bytes
    mime: str
    caption: str = ""
    """One short Markdown line shown with the file, in the person's language."""
    download: str = ""
    """The export that builds this file again (bot/downloads.py), for a channel that gives a link
    rather than the bytes: the link then serves the data as it is when it is opened. Without one, the
    link serves these bytes, kept with it."""


@dataclass(frozen=True, slots=True)
class Notify:
    """Replies for someone else (a mentor, a mentee), identified by their person key.

    Channels never see these: the core writes them to the delivery ledger in the event's own
    transaction, and the dispatcher sends them (now, or `at` a later moment).
    """

    person_key: str
    replies: tuple[Reply, ...]
    kind: str = DeliveryKind.NOTICE
    tip_id: int | None = None
    """The mentor's tip this delivers: one per reader, and gone if its author asks to be forgotten."""
    at: dt.datetime | None = None
    person_id: int | None = None
    """The person's id when the handler has it: spares looking them up by key (a cohort push has 2,000)."""
    key: str | None = None
    """A ledger key of its own (storage/keys.py), for a message that later events find and rewrite while
    it waits (the grouped questions past the rate limit); otherwise each Notify is a new message."""
    room: str | None = None
    """Post it in this room (a room key, storage/keys.py: a channel, a thread, a group chat) rather than
    in the person's direct messages; the person (the workshop's host) is who answers for it and hears if
    it could not be delivered."""
    batch: str = ""
    """Notify replies of one event with the same label share a batch, and its sender's report (FollowUp
    applies to the unlabelled one): a workshop's reminders, due days later, have one of their own, so
    the report on its invitations does not wait for them."""
    expires_at: dt.datetime | None = None
    """When it is given up if still unsent, when its kind's lifetime (scheduler/lifetimes.py) does not fit:
    a workshop reminder is of no use once the workshop has started."""


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Tell the sender how this event's Notify went once they have all been sent (naming `audience`, a
    cohort's name, for a whole cohort). Without it the sender hears only when someone was not reached."""

    audience: str | None = None


@dataclass(frozen=True, slots=True)
class Later:
    """Slow work that finishes after the reply: a job of a registered kind with JSON arguments, kept in
    the database until it is done, so a restart finishes it rather than dropping it. What it returns
    reaches the person who asked as a message."""

    kind: str
    args: dict[str, Any]
    description: str = ""


Reply = Text | LessonCard | QuizCard | File | Notify | FollowUp | Later
