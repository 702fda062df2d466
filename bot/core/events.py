"""The small event types every channel translates its platform's events into."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from storage import keys


@dataclass(frozen=True, slots=True)
class Actor:
    """A person as a channel knows them: a platform identity key and what the profile says."""

    key: str
    name: str
    platform: str
    lang: str | None = None
    tz: str | None = None
    reachable: bool = True
    """False when the platform does not let the bot write to this person yet (Teams before install)."""
    conversation: Mapping[str, Any] | None = field(default=None, compare=False)
    """Where the platform lets the bot write to this person later (a Teams conversation reference)."""
    named: bool = True
    """Whether `name` is the person's own display name from their profile. A name guessed from a mention
    or a handle only names someone new; it never replaces the name a profile gave."""
    email: str | None = field(default=None, compare=False)
    """Their email, when the platform says it (a Slack profile, a Teams member lookup at install): a person
    a people import knows by email only is recognised by it on first contact (storage.people_import)."""

    @property
    def local_id(self) -> str:
        """The id people know: the Slack user id, the Entra object id, the console name."""
        return keys.local_id(self.key)


@dataclass(frozen=True, slots=True)
class Group:
    """A channel (or a team) named in a command, as its platform shows it: `#leadership`.

    Looking up its members costs platform calls, so a channel does it only when the core says the
    command takes groups and the person may run it (`Conversation.expands_groups`); `members` is then
    its people, and otherwise None. `problem` says why the lookup failed (the bot cannot see the channel).
    """

    label: str
    members: tuple[Actor, ...] | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a person sent with their message, already read by the channel: its name as they gave it
    and its bytes (a channel reads at most `bot.core.intake.MAX_FILE_BYTES`). The core never sees how the
    platform carried it."""

    name: str
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Event:
    """A message, a command or a button press, from one person, in a DM or a channel (where the channel
    answers it matters to the channel only: the core answers the person the same way).

    `mentions` maps each mention token exactly as it appears in `text` (`<@U123>`, `@alice`) to the
    person it names, so the core never parses platform mention syntax.

    `groups` maps each group token in `text` (`<#C123|team>`) to the channel it names, in the same way.

    `event_id` is the platform's id for a delivery it may repeat (a Slack retry, a replayed request; key
    formats in storage/keys.py); the core records it in the event's own transaction and ignores a
    delivery it has already handled.
    """

    actor: Actor
    kind: Literal["message", "command", "action"]
    text: str = ""
    action: str | None = None
    value: str | None = None
    mentions: Mapping[str, Actor] = field(default_factory=dict)
    groups: Mapping[str, Group] = field(default_factory=dict)
    event_id: str | None = None
    room: str | None = None
    """The room it was typed in (a Slack channel or thread, a Teams group chat or channel: a room key,
    storage/keys.py), or None in a direct message and in the console. A workshop started there is
    posted there."""
    files: tuple[Attachment, ...] = ()
    """The files sent with the message, read by the channel (`bot.core.intake`): only for a command that
    takes files (`people import`), from someone allowed to run it; empty otherwise."""


def command(
    actor: Actor, text: str, *, mentions: Mapping[str, Actor] | None = None, event_id: str | None = None
) -> Event:
    """A typed command (a slash command, a CLI line): never read as a free-text question."""
    return Event(actor, "command", text, mentions=mentions or {}, event_id=event_id)


@dataclass(frozen=True, slots=True)
class Reach:
    """A platform says whether people can be written to: the app was installed for someone (with the
    conversation to write into), removed by someone, or uninstalled from a whole workspace.

    `workspace` is a person-key prefix from `storage.keys.workspace_prefix`: everyone whose key starts
    with it. `event_id` de-duplicates a platform's retries, like `Event.event_id`.
    """

    reachable: bool
    reason: str
    actor: Actor | None = None
    workspace: str | None = None
    event_id: str | None = None
