"""Every key format Tandem stores, with the functions that make and read them.

Person keys are platform-neutral strings: `slack:<team>:<user>`, `teams:<tenant>:<aad-id>`,
`console:<name>`. Ledger keys (`dedupe_key`) make each message unique: a lesson once per enrollment, a
mentor's tip once per reader, a digest once per mentor and week, any other message once. Room keys
(`slack-room:<team>:<channel>[:<thread>]`, `teams-room:<tenant>:<conversation>`, `console-room:<name>`)
name where a message is posted for several people at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any, NamedTuple

from sqlalchemy import String, cast, literal
from sqlalchemy.sql.elements import ColumnElement

# --- people (`Person.key`) --------------------------------------------------------------------------------


class PersonKey(NamedTuple):
    """A person key read back: its platform, the workspace it belongs to (a Slack team, a Teams tenant;
    empty for the console) and the id people know (the Slack user id, the Entra object id, the console
    name)."""

    platform: str
    workspace: str
    local_id: str


def person_key(platform: str, *parts: str) -> str:
    """`person_key("slack", "T1", "U2")` -> `slack:T1:U2`: the platform, then its own parts, the id
    people know last. A new channel makes its keys with this."""
    return ":".join((platform, *parts))


def slack_person(team_id: str, user_id: str) -> str:
    """`slack:<team>:<user>`: a Slack user id is unique within its workspace only."""
    return person_key("slack", team_id, user_id)


def teams_person(tenant_id: str, user_id: str) -> str:
    """`teams:<tenant>:<Entra object id>` (the `29:…` channel id when Teams sends no object id)."""
    return person_key("teams", tenant_id, user_id)


def console_person(name: str) -> str:
    """`console:<name>`: console names are case-insensitive."""
    return person_key("console", name.lower())


def parse_person_key(key: str) -> PersonKey:
    """`slack:T1:U2` -> ("slack", "T1", "U2"); `console:ann` -> ("console", "", "ann").

    The local id is the part after the last colon: a Teams `29:…` fallback id is known by what follows
    its own colon."""
    platform, _, rest = key.partition(":")
    workspace, _, local = rest.rpartition(":")
    return PersonKey(platform, workspace, local)


def workspace_prefix(platform: str, workspace: str) -> str:
    """The start every person key of one workspace shares: `slack:T1:`."""
    return f"{platform}:{workspace}:"


def local_id(key: str) -> str:
    """The id people know: the Slack user id, the Entra object id, the console name."""
    return parse_person_key(key).local_id


# --- platform deliveries already handled (the `seenevent` table) ------------------------------------------


def slack_event_key(event_id: str) -> str:
    """An Events API delivery: Slack's `event_id`, which a retry repeats (stored as it is)."""
    return event_id


def slack_trigger_key(trigger_id: str) -> str:
    """A slash command, a button press or a form submission: Slack's `trigger_id` is unique to each, so
    a replayed request carries one already seen."""
    return f"trigger:{trigger_id}"[:120]


def teams_activity_key(conversation_id: str, activity_id: str) -> str:
    """A Teams activity: its id is unique within its conversation. Hashed, since conversation ids run
    long and the column holds 120 characters."""
    digest = hashlib.sha256(f"{conversation_id}\n{activity_id}".encode()).hexdigest()[:48]
    return f"teams:{digest}"


def web_form_key(person_key: str, nonce: str) -> str:
    """A dashboard form sent by one person: the nonce its page put in it, so a double submit (or a
    replayed POST) runs its command once. Hashed with the person's key: one person's nonce never marks
    another's form, and the column holds 120 characters."""
    digest = hashlib.sha256(f"{person_key}\n{nonce}".encode()).hexdigest()[:48]
    return f"web:{digest}"


# --- the delivery ledger ------------------------------------------------------------------------------


def lesson_key(enrollment_id: int, lesson_id: str) -> str:
    return f"lesson:{enrollment_id}:{lesson_id}"


def complete_key(enrollment_id: int) -> str:
    return f"complete:{enrollment_id}"


def tip_key(tip_id: int, person_id: int) -> str:
    return f"tip:{tip_id}:{person_id}"


def digest_key(mentor_id: int, year: int, week: int) -> str:
    return f"digest:{mentor_id}:{year}-W{week:02d}"


def review_key(person_id: int, local_day: dt.date) -> str:
    """A learner's one review question of a day (their local day): at most one a day, by construction."""
    return f"review:{person_id}:{local_day.isoformat()}"


def review_key_sql(person_id: ColumnElement[Any], local_day: dt.date) -> ColumnElement[str]:
    """`review_key` as an SQL expression over a column of person ids, for the review rows a statement
    plans for a whole cohort: the same text, so that either way of planning meets the other's rows."""
    return literal("review:", String) + cast(person_id, String) + literal(f":{local_day.isoformat()}", String)


def nudge_key(person_id: int, local_day: dt.date) -> str:
    """A kind nudge to an inactive learner, at most one a day."""
    return f"nudge:{person_id}:{local_day.isoformat()}"


def message_key() -> str:
    """A message written once by a command (a pairing notice, an answer): unique by construction."""
    return f"msg:{uuid.uuid4().hex}"


def outcome_key(batch_id: int) -> str:
    """The sender's one report on how a batch went."""
    return f"outcome:{batch_id}"


def given_up_key(batch_id: int, first_delivery_id: int) -> str:
    """The sender's later note that some held messages of a batch were given up."""
    return f"gaveup:{batch_id}:{first_delivery_id}"


def question_group_prefix(learner_id: int, mentor_id: int) -> str:
    """The start of the key of the one message that gathers a learner's questions to their mentor past
    the per-person rate limit."""
    return f"questions:{learner_id}:{mentor_id}:"


def question_group_key(learner_id: int, mentor_id: int, first_question_id: int) -> str:
    """That message's key, unique by the first question it gathers (`Question.grouped_in` names it)."""
    return f"{question_group_prefix(learner_id, mentor_id)}{first_question_id}"


def workshop_key_prefix(workshop_id: int) -> str:
    """The start of the key of every message about one workshop that its cancellation withdraws (its
    invitations and reminders): `ws:<workshop>:`."""
    return f"ws:{workshop_id}:"


def workshop_invite_key(workshop_id: int, person_id: int, revision: int = 0) -> str:
    """A workshop's invitation to one person. A change of time or content that invites again counts
    `revision` up (the calendar file's SEQUENCE), so the new invitation is a new message."""
    suffix = f":{revision}" if revision else ""
    return f"{workshop_key_prefix(workshop_id)}invite:{person_id}{suffix}"


WORKSHOP_REMINDERS = ("day", "soon")
"""A workshop's reminders: the day before, and 15 minutes before."""


def workshop_reminder_key(workshop_id: int, person_id: int, which: str) -> str:
    """A workshop's reminder to one person: `which` is one of `WORKSHOP_REMINDERS`, each sent once."""
    if which not in WORKSHOP_REMINDERS:
        raise ValueError(f"unknown workshop reminder {which!r}")
    return f"{workshop_key_prefix(workshop_id)}{which}:{person_id}"


def workshop_cancel_key(workshop_id: int, person_id: int) -> str:
    """The notice that a workshop was cancelled, to one person. Outside `workshop_key_prefix`, so that
    withdrawing the workshop's waiting messages never withdraws it."""
    return f"ws-cancel:{workshop_id}:{person_id}"


def commitment_follow_up_key(commitment_id: int) -> str:
    """The one follow-up of a commitment, a week after it was made."""
    return f"commit:{commitment_id}"


# --- invitations to join a cohort (`Delivery.dedupe_key`) ----------------------------------------------------


def cohort_invite_prefix(cohort_id: int, person_id: int | None = None) -> str:
    """The start of the key of every invitation to join one cohort (sent to one person, when given):
    `invite` finds who was invited already, and a **Join** button that its presser was invited."""
    return f"cohort-invite:{cohort_id}:" + (f"{person_id}:" if person_id is not None else "")


def cohort_invite_key(cohort_id: int, person_id: int, revision: int = 0) -> str:
    """One invitation to join a cohort, to one person. Inviting them again after an invitation that
    never arrived (given up, failed) counts `revision` up, so the new one is a new message."""
    return f"{cohort_invite_prefix(cohort_id, person_id)}{revision}"


# --- the relationship: pairs made by matching, meetings (`Delivery.dedupe_key`) -----------------------------

MEETING_MESSAGES = ("ask", "brief", "nudge")
"""What Tandem sends about one planned meeting: "Did you meet?" to each side, the mentor's brief before it,
and the kind nudge when it is the second missed in a row."""


def match_notice_key(proposal_id: int, person_id: int) -> str:
    """The word to one side of a pair made by `match accept`, sent once per proposal."""
    return f"match:{proposal_id}:{person_id}"


def meeting_key(meeting_id: int, person_id: int, which: str) -> str:
    """One message about a planned meeting to one person (`which` is one of `MEETING_MESSAGES`), sent once."""
    if which not in MEETING_MESSAGES:
        raise ValueError(f"unknown meeting message {which!r}")
    return f"meeting:{meeting_id}:{which}:{person_id}"


class MeetingKey(NamedTuple):
    """What a `meeting_key` names: the meeting, which message, and for whom."""

    meeting_id: int
    which: str
    person_id: int


def parse_meeting_key(key: str) -> MeetingKey | None:
    """`meeting:12:ask:7` -> (12, "ask", 7); None for any other key."""
    head, _, rest = key.partition(":")
    meeting, _, rest = rest.partition(":")
    which, _, person = rest.partition(":")
    if head != "meeting" or which not in MEETING_MESSAGES or not meeting.isdigit() or not person.isdigit():
        return None
    return MeetingKey(int(meeting), which, int(person))


# --- rooms (`Delivery.room`, `Workshop.room`) ---------------------------------------------------------------

ROOM_CHARS = 300
"""The most a room key may hold (the columns' length)."""
_ROOM = "-room"


class RoomKey(NamedTuple):
    """A room key read back: its platform, its workspace (a Slack team, a Teams tenant; empty for the
    console), the conversation (a Slack channel, a Teams conversation id, a console room's name) and the
    thread within it (a Slack thread's timestamp; empty when none)."""

    platform: str
    workspace: str
    conversation: str
    thread: str = ""


def _room_part(part: str) -> str:
    """A part of a room key with its `%` and `:` escaped, so that parts holding colons (Teams
    conversation ids) read back whole."""
    return part.replace("%", "%25").replace(":", "%3A")


def _room_unpart(part: str) -> str:
    return part.replace("%3A", ":").replace("%25", "%")


def room_key(platform: str, *parts: str) -> str:
    """A room where messages are posted for several people at once, instead of direct messages:
    `room_key("slack", "T1", "C1")` -> `slack-room:T1:C1`, a thread `slack-room:T1:C1:1700000000.0001`,
    `room_key("console", "lab")` -> `console-room:lab`. The parts are the workspace, the conversation
    and the thread (one part: a conversation with no workspace). A colon inside a part is kept as `%3A`.
    ValueError when the key would not fit its column."""
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise ValueError(f"a room key needs 1 to 3 non-empty parts, not {parts!r}")
    key = ":".join((f"{platform}{_ROOM}", *(_room_part(part) for part in parts)))
    if len(key) > ROOM_CHARS:
        raise ValueError(f"room key longer than {ROOM_CHARS} characters")
    return key


def slack_room(team_id: str, channel_id: str, thread_ts: str | None = None) -> str:
    """`slack-room:<team>:<channel>[:<thread ts>]`: a channel, or a thread in it."""
    return room_key("slack", team_id, channel_id, *((thread_ts,) if thread_ts else ()))


def teams_room(tenant_id: str, conversation_id: str) -> str:
    """`teams-room:<tenant>:<conversation id>`: a group chat or a channel conversation (a channel's
    thread is its own conversation id, `…;messageid=…`)."""
    return room_key("teams", tenant_id, conversation_id)


def console_room(name: str) -> str:
    """`console-room:<name>`: console names are case-insensitive."""
    return room_key("console", name.lower())


def is_room(key: str) -> bool:
    """Whether `key` is a room key (and not a person key)."""
    return key.partition(":")[0].endswith(_ROOM)


def parse_room(key: str) -> RoomKey:
    """`slack-room:T1:C1:1700000000.0001` -> ("slack", "T1", "C1", "1700000000.0001");
    `console-room:lab` -> ("console", "", "lab", ""). ValueError for anything that is not a room key."""
    head, _, rest = key.partition(":")
    parts = [_room_unpart(part) for part in rest.split(":")] if rest else []
    if not head.endswith(_ROOM) or not 1 <= len(parts) <= 3 or not all(parts):
        raise ValueError(f"not a room key: {key!r}")
    platform = head.removesuffix(_ROOM)
    if len(parts) == 1:
        return RoomKey(platform, "", parts[0])
    return RoomKey(platform, *parts)


# --- the console inbox (`InboxMessage.dedupe_key`) -----------------------------------------------------


def console_welcome_key(person_id: int) -> str:
    """The welcome the console showed a person once, on their first visit: kept in their inbox as shown,
    so it is not shown again (and it goes with them if they ask to be forgotten)."""
    return f"welcome:{person_id}"
