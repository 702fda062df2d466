"""The statuses and kinds stored in the database, as string enums: one name for each value."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class DeliveryStatus(StrEnum):
    """Where one ledger row stands."""

    PENDING = "pending"
    """Waiting for its due time, or for a retry."""
    SENDING = "sending"
    """Claimed by a dispatcher, which is sending it now."""
    SENT = "sent"
    HELD = "held"
    """The person cannot be reached: it waits until they can be again, or until its lifetime ends."""
    EXPIRED = "expired"
    """Its lifetime ended before it could be sent. A daily tip comes back on the next delivery day."""
    FAILED = "failed"
    """It can never be sent (its content is gone); the sender was told."""


UNSETTLED = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
"""Rows a dispatcher may still send without anyone's help."""


class DeliveryKind(StrEnum):
    """What a ledger row carries; each kind has its lifetime (scheduler/lifetimes.py)."""

    LESSON = "lesson"
    COMPLETE = "complete"
    TIP = "tip"
    DIGEST = "digest"
    PAIRING = "pairing"
    QUESTION = "question"
    ANSWER = "answer"
    NOTICE = "notice"
    OUTCOME = "outcome"
    REVIEW = "review"
    """A review question: a lesson's quiz variant asked again (spaced retrieval), at most one a day."""
    NUDGE = "nudge"
    """A kind word to a learner inactive for a few delivery days."""
    WORKSHOP = "workshop"
    """About an express workshop: an invitation, a reminder, a recap (or, with `Delivery.room`, what the
    host's workshop posts in its room)."""
    COMMITMENT = "commitment"
    """The follow-up of a commitment made in a workshop or a meeting, a week later."""
    MEETING = "meeting"
    """About a pair's meetings: "Did you meet?", the mentor's brief before one, a kind nudge after two
    missed in a row."""
    MATCH = "match"
    """A pair made by `match accept`: each side is told who the other is, and the learner picks goals."""


TRACK_KINDS = (DeliveryKind.LESSON, DeliveryKind.COMPLETE)
"""Rows planned from an enrollment: when one is not delivered, the enrollment steps back to it."""


class Priority(IntEnum):
    """Which rows a dispatcher sends first when many are due."""

    NOW = 0
    """Someone is waiting for it (a pairing, an answer, a question, a note)."""
    BULK = 1
    """Daily tips, digests and cohort pushes."""


class EnrollmentStatus(StrEnum):
    """Where a learner stands in one cohort. A pause is not a status: it is a date (`paused_until`)."""

    ACTIVE = "active"
    COMPLETED = "completed"
    STOPPED = "stopped"


class StopCause(StrEnum):
    """Who stopped an enrollment, which decides who may resume it."""

    REACHABILITY = "reachability"
    """The person could not be reached: writing again (or an admin) resumes it."""
    ADMIN = "admin"
    """An admin took them out (`unenroll`): enrolling them again resumes it."""
    LEARNER = "learner"
    """The learner stopped their own tips (`stop`): only they can resume (`resume`)."""
    LEARNER_ONE = "learner_one"
    """The learner stopped this one alone (`stop <track or cohort>`): only they can resume it, by naming
    it (`resume <track or cohort>`); a bare `resume` leaves it stopped."""


class ReportRule(StrEnum):
    """When the sender of a batch of messages hears how it went."""

    ALWAYS = "always"
    FAILURES = "failures"


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobKind(StrEnum):
    """The slow work a command can leave for after its reply (`Later`); each kind has one handler."""

    ENROLL = "enroll"
    """A big enrollment (bot/core/commands/enroll.py)."""


class SendOutcome(StrEnum):
    """How one attempt to send a ledger row ended, which decides the row's next status."""

    SENT = "sent"
    RETRY = "retry"
    """A passing failure: pending again, due at its retry time."""
    UNREACHABLE = "unreachable"
    """The person cannot be reached: their rows are held and their enrollments stop."""
    FAILED = "failed"
    """It can never be sent."""


class QuestionStatus(StrEnum):
    """Who has answered a learner's question."""

    OPEN = "open"
    """Nobody yet: the library was not sure, and the learner has not sent it to their mentor."""
    FORWARDED = "forwarded"
    """Sent to the learner's mentor, who has not answered yet."""
    ANSWERED = "answered"
    """By a lesson (a confident answer) or by the mentor."""
    DECLINED = "declined"
    """The learner chose not to send it to their mentor ("No thanks"). Its text is never shown to anyone
    but its author: admins see it only as a count and its closest lesson."""


WAITING_QUESTIONS = (QuestionStatus.OPEN, QuestionStatus.FORWARDED)
"""Questions that still wait for an answer, shown to admins without names: the gaps in the lessons."""


class FeedbackKind(StrEnum):
    """What a learner said about a lesson with its buttons."""

    USEFUL = "useful"
    NOT_USEFUL = "not_useful"
    QUIZ = "quiz"
    """An answer to the lesson's quiz; `Feedback.correct` says whether it was right."""
    OPENED = "opened"
    """The learner opened the whole lesson ("more") at least once: the engagement funnel's second step."""


class AuditOutcome(StrEnum):
    """How an audited admin or mentor action ended."""

    OK = "ok"
    REFUSED = "refused"
    """The person's role did not allow it."""


class PendingKind(StrEnum):
    """What the bot waits for from a person (`PendingAction`). The prompts (`PROMPT_KINDS`) are answered
    by the person's next message or button (bot/core/dialogue.py); a person has at most one live prompt."""

    FORGET = "forget"
    """`forget-me`: erase everything about the person once they confirm (yes/no)."""
    FORWARD = "forward"
    """Send the learner's question to their mentor? (yes/no)"""
    REPLY = "reply"
    """The mentor types the answer to a question (text)."""
    QUESTION = "question"
    """The person types their question (text)."""
    COMMITMENT = "commitment"
    """A workshop's participant types their own commitment (text)."""
    DOWNLOAD = "download"
    """A one-time link to the person's own data, not opened yet (bot/downloads.py): `data` holds only a
    hash of its token. Not a prompt: it waits for no message."""
    DOWNLOADED = "downloaded"
    """That link, once opened: kept until it expires, so that opening it again is told it was used."""
    DASHBOARD_LINK = "dashboard_link"
    """A one-time sign-in link to the web dashboard, not opened yet (bot/web/auth.py): `data` holds only
    a hash of its token. Not a prompt."""
    DASHBOARD_LINK_USED = "dashboard_link_used"
    """A sign-in link that was opened: kept until it expires, so a second use says "already used"."""
    WEB_SESSION = "web_session"
    """A signed-in dashboard session (8 hours): `data` holds a hash of the cookie's token and the
    session's CSRF token. Sign-out deletes it. Not a prompt."""
    MEETING_NOTE = "meeting_note"
    """After "we met": the person types what the pair covered, in a line (text, optional)."""
    MEETING_COMMIT = "meeting_commit"
    """Then the learner types what they will try this week (text, optional): a commitment."""
    RESCHEDULE = "reschedule"
    """After "rescheduled": the person types the new date and time (text)."""
    IMPORT_PREVIEW = "import_preview"
    """A people import previewed and waiting for its author's confirmation: `data` holds the parsed rows.
    Not a prompt."""
    IMPORTED = "imported"
    """The people of an admin's last import from the chat (`data["person_ids"]`), for a week: what
    `invite <cohort> imported` invites. Not a prompt."""


PROMPT_KINDS = (
    PendingKind.FORGET,
    PendingKind.FORWARD,
    PendingKind.REPLY,
    PendingKind.QUESTION,
    PendingKind.COMMITMENT,
    PendingKind.MEETING_NOTE,
    PendingKind.MEETING_COMMIT,
    PendingKind.RESCHEDULE,
)
"""The kinds that are prompts: a new prompt replaces the person's previous one."""


class UsageKind(StrEnum):
    """What the per-person rate limit counts (TANDEM_PERSON_RATE): each makes Tandem write to other people
    or call a platform on someone's behalf."""

    QUESTION = "question"
    """A question sent to a mentor."""
    PUSH = "push"
    """A mentor's or an admin's tip."""
    CHANNEL = "channel"
    """A channel whose members were looked up to enroll them."""


class LangSource(StrEnum):
    """Where a person's language (`Person.lang`) came from, so Tandem knows whether it may change it."""

    PROFILE = "profile"
    """Their platform profile's locale, or the programme's default (TANDEM_DEFAULT_LANG)."""
    GUESSED = "guessed"
    """Switched once because their first messages were clearly in the other language."""
    CHOSEN = "chosen"
    """They chose it themselves (`lang`); Tandem never changes it on its own again."""


class AnswerKind(StrEnum):
    """Which question a recorded answer (`ReviewAnswer`) was given to."""

    QUIZ = "quiz"
    """The lesson's own quiz, on the day it came (its first answer counts)."""
    REVIEW = "review"
    """A variant asked again later by the review schedule, or by the `review` command."""


class ConfidenceMoment(StrEnum):
    """When a learner rated their confidence on a track's topic."""

    START = "start"
    END = "end"


class PauseReason(StrEnum):
    """Why a learner's tips are paused (`Person.pause_reason`); None: they paused themselves."""

    INACTIVITY = "inactivity"
    """Three nudges went unanswered: two weeks' rest, said to the learner and their mentor."""


class PersonRole(StrEnum):
    """What a people import says a person is (`Person.role`)."""

    LEARNER = "learner"
    MENTOR = "mentor"


class PeopleStatus(StrEnum):
    """Where a person stands on a cohort's dashboard page: one word for their enrollment, their pause and
    whether Tandem can reach them (computed, never stored)."""

    ACTIVE = "active"
    PAUSED = "paused"
    """Paused by themselves, for inactivity, or with their whole cohort."""
    PENDING_INSTALL = "pending_install"
    """Enrolled but not reachable yet: the app is not installed for them, or it was removed."""
    STOPPED = "stopped"
    """Their enrollment was stopped (`stop_reason` says why)."""
    COMPLETED = "completed"


class WorkshopStatus(StrEnum):
    """Where an express workshop stands. Only `storage.workshops.transition` changes it."""

    PLANNED = "planned"
    RUNNING = "running"
    ENDED = "ended"
    CANCELLED = "cancelled"


UPCOMING_WORKSHOPS = (WorkshopStatus.PLANNED, WorkshopStatus.RUNNING)
"""Workshops that are not over: still to come, or under way."""


class Rsvp(StrEnum):
    """A workshop seat's answer to its invitation."""

    INVITED = "invited"
    """Invited, no answer yet."""
    COMING = "coming"
    DECLINED = "declined"


class CheckStatus(StrEnum):
    """A participant's press on a hands-on step's checklist (the last press counts)."""

    DONE = "done"
    STUCK = "stuck"
    """They need a hand: the host hears of it."""


class CommitmentSource(StrEnum):
    """Where a commitment was made."""

    WORKSHOP = "workshop"
    MEETING = "meeting"


class CommitmentStatus(StrEnum):
    """A commitment, and the answer to its follow-up a week later."""

    OPEN = "open"
    """Not followed up, or not answered yet."""
    DONE = "done"
    NOT_YET = "not_yet"
    NEED_HELP = "need_help"


class PairingSource(StrEnum):
    """How a pair was made."""

    MANUAL = "manual"
    """By an admin's `pair`."""
    MATCH = "match"
    """By `match accept`, from a proposal."""


class ProposalStatus(StrEnum):
    """One line of a `match suggest` round."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    """Not accepted when the admin accepted others, or asked again with `match redo`: never proposed
    again in this cohort."""
    REPLACED = "replaced"
    """A later round replaced it before anyone decided (a new `match suggest`)."""


class MeetingStatus(StrEnum):
    """A pair's planned meeting, and what became of it (the first answer of either side counts)."""

    PLANNED = "planned"
    HELD = "held"
    MISSED = "missed"
    RESCHEDULED = "rescheduled"
    """Moved to another moment (`Meeting.moved_to`), where a new planned meeting waits."""
