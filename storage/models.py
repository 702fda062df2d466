"""Tables, and the separate create and update models that feed them.

Statuses and kinds are the StrEnums of storage/enums.py, stored as plain strings.

Identity keys are platform-neutral strings: `slack:<team>:<user>`, `teams:<tenant>:<aad-id>`,
`console:<name>`. Nothing here knows what Slack or Teams is beyond that string.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.defaults import DEFAULT_TZ, DELIVERY_DAYS_TEXT, DELIVERY_TIME_TEXT
from storage.enums import (
    CommitmentStatus,
    DeliveryKind,
    DeliveryStatus,
    EnrollmentStatus,
    JobStatus,
    LangSource,
    MeetingStatus,
    PairingSource,
    Priority,
    ProposalStatus,
    QuestionStatus,
    ReportRule,
    Rsvp,
    UsageKind,
    WorkshopStatus,
)
from storage.types import UTCDateTime, utcnow


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _when(index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)


# --- person -----------------------------------------------------------------------------------------------


class PersonBase(SQLModel):
    key: str = Field(max_length=200, unique=True, index=True)
    platform: str = Field(max_length=20)
    display_name: str = Field(max_length=200)
    lang: str = Field(default="en", max_length=5)
    tz: str | None = Field(default=None, max_length=64)


class Person(PersonBase, table=True):
    """Someone who talks to the bot on one platform. Mentors are people with mentees."""

    id: int | None = Field(default=None, primary_key=True)
    is_admin: bool = Field(default=False)
    lang_source: str = Field(default=LangSource.PROFILE, max_length=10)
    """Where `lang` came from (`LangSource`): Tandem switches it by itself only while it is the profile's."""
    time_of_day: str | None = Field(default=None, max_length=5)
    days: str | None = Field(default=None, max_length=40)
    paused_until: dt.datetime | None = _when()
    reachable: bool = Field(default=True)
    unreachable_reason: str | None = Field(default=None, max_length=200)
    conversation: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    pause_reason: str | None = Field(default=None, max_length=20)
    """Why `paused_until` was set when Tandem set it (a PauseReason); None when the learner paused."""
    nudges: bool = Field(default=True)
    """Whether a learner inactive for a few delivery days gets a kind nudge (`settings`)."""
    share_topics: bool = Field(default=True)
    """Whether the mentor's digest may name the topics this learner keeps getting wrong (`settings`)."""
    last_active_at: dt.datetime | None = _when()
    """The learner's last message or button press: chat platforms have no read receipts."""
    nudged_at: dt.datetime | None = _when()
    """When the learner was last nudged."""
    nudges_ignored: int = Field(default=0)
    """Nudges sent since the learner was last active; three in a row pause them for two weeks."""
    idle_since: dt.datetime | None = _when()
    """What the learner's inactivity counts from: their last message or button press, their last nudge,
    or the end of a pause (delivery days spent paused are not inactive ones); None: not looked at yet."""
    nudge_at: dt.datetime | None = _when(index=True)
    """When the nudge planner looks at this learner next (scheduler/nudges.py): a tick reads only the
    learners whose moment has come. None: as soon as they have an active enrollment."""
    email: str | None = Field(default=None, max_length=320, index=True)
    """From a people import (or the platform's profile): how Slack resolves the person, how Teams matches
    them when they install the app. Lower-case."""
    department: str | None = Field(default=None, max_length=120)
    manager_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    """Their manager, from a people import: matching keeps mentors outside a reporting line."""
    role: str | None = Field(default=None, max_length=10)
    """A PersonRole from a people import (learner or mentor); None when never imported."""
    mentor_capacity: int | None = Field(default=None)
    """How many mentees `match suggest` may give this mentor (`match capacity`); None: the default, 2."""
    created_at: dt.datetime = _created()


class PersonCreate(PersonBase):
    is_admin: bool = False
    reachable: bool = True
    unreachable_reason: str | None = None
    conversation: dict[str, Any] | None = None


class PersonUpdate(SQLModel):
    display_name: str | None = None
    lang: str | None = None
    lang_source: str | None = None
    tz: str | None = None
    time_of_day: str | None = None
    days: str | None = None
    paused_until: dt.datetime | None = None
    is_admin: bool | None = None
    reachable: bool | None = None
    unreachable_reason: str | None = None
    conversation: dict[str, Any] | None = None
    pause_reason: str | None = None
    nudges: bool | None = None
    share_topics: bool | None = None
    idle_since: dt.datetime | None = None
    nudge_at: dt.datetime | None = None


# --- cohort -----------------------------------------------------------------------------------------------


class CohortBase(SQLModel):
    name: str = Field(max_length=60, unique=True, index=True)
    track_id: str = Field(max_length=64)
    start_date: dt.date
    delivery_time: str = Field(default=DELIVERY_TIME_TEXT, max_length=5)
    days: str = Field(default=DELIVERY_DAYS_TEXT, max_length=40)
    tz: str = Field(default=DEFAULT_TZ, max_length=64)


class Cohort(CohortBase, table=True):
    """A group of learners following one track from one start date."""

    id: int | None = Field(default=None, primary_key=True)
    paused: bool = Field(default=False)
    created_at: dt.datetime = _created()


class CohortCreate(CohortBase):
    pass


# --- enrollment -------------------------------------------------------------------------------------------


class Enrollment(SQLModel, table=True):
    """One learner in one cohort: where they are in the track and when the next tip is due."""

    __table_args__ = (
        UniqueConstraint("person_id", "cohort_id", name="uq_enrollment_person_cohort"),
        Index("ix_enrollment_due", "status", "next_due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    cohort_id: int = Field(foreign_key="cohort.id", ondelete="CASCADE", index=True)
    position: int = Field(default=0)
    paused_until: dt.datetime | None = _when()
    next_due_at: dt.datetime | None = _when()
    last_sent_at: dt.datetime | None = _when()
    status: str = Field(default=EnrollmentStatus.ACTIVE, max_length=20)
    stop_reason: str | None = Field(default=None, max_length=200)
    stopped_by: str | None = Field(default=None, max_length=20)
    """Who stopped it (a StopCause), which decides who may resume it."""
    stopped_at: dt.datetime | None = _when()
    created_at: dt.datetime = _created()


class EnrollmentUpdate(SQLModel):
    position: int | None = None
    paused_until: dt.datetime | None = None
    next_due_at: dt.datetime | None = None
    status: str | None = None
    stop_reason: str | None = None
    stopped_by: str | None = None
    stopped_at: dt.datetime | None = None


# --- mentorship -------------------------------------------------------------------------------------------


class Mentorship(SQLModel, table=True):
    """A mentor and one mentee. A mentee has one mentor at a time."""

    id: int | None = Field(default=None, primary_key=True)
    mentor_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    mentee_id: int = Field(foreign_key="person.id", ondelete="CASCADE", unique=True)
    created_at: dt.datetime = _created()


# --- delivery ledger --------------------------------------------------------------------------------------


class DeliveryBatch(SQLModel, table=True):
    """The messages one command sent to other people, so that its sender hears how it went."""

    id: int | None = Field(default=None, primary_key=True)
    sender_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL", index=True)
    kind: str = Field(default=DeliveryKind.NOTICE, max_length=20)
    audience: str | None = Field(default=None, max_length=200)
    """How the sender named the recipients (a cohort's name), for the report; None names them."""
    report: str = Field(default=ReportRule.FAILURES, max_length=20)
    created_at: dt.datetime = _created()
    reported_at: dt.datetime | None = _when(index=True)


class Delivery(SQLModel, table=True):
    """One message to one person: what, when, and how sending went. `dedupe_key` makes it unique.

    Every message Tandem sends outside the reply to the person talking is a row here: daily tips and
    track completions (planned from enrollments), mentors' tips, digests, and the messages commands send
    to other people (`payload`: the replies, as JSON). A dispatcher claims due rows and sends them.
    """

    __table_args__ = (
        Index("ix_delivery_claim", "status", "due_at"),
        Index("ix_delivery_batch", "batch_id", "status"),
        Index("ix_delivery_sent_day", "status", "kind", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=120, unique=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    enrollment_id: int | None = Field(default=None, foreign_key="enrollment.id", ondelete="CASCADE")
    lesson_id: str | None = Field(default=None, max_length=64)
    step: int | None = Field(default=None)
    """For track rows: the enrollment's position before this row was planned, to step back to."""
    tip_id: int | None = Field(default=None, foreign_key="customtip.id", ondelete="CASCADE")
    batch_id: int | None = Field(default=None, foreign_key="deliverybatch.id", ondelete="SET NULL")
    kind: str = Field(default=DeliveryKind.LESSON, max_length=20)
    priority: int = Field(default=Priority.BULK)
    payload: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """The replies to send, as JSON, for rows whose content is not composed when sent; cleared once sent."""
    status: str = Field(default=DeliveryStatus.PENDING, max_length=20)
    due_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    expires_at: dt.datetime | None = _when()
    """When Tandem stops retrying and gives it up (the kind's lifetime); None: never."""
    claimed_at: dt.datetime | None = _when()
    claimed_by: str | None = Field(default=None, max_length=80)
    sent_at: dt.datetime | None = _when()
    attempts: int = Field(default=0)
    uncertain: bool = Field(default=False)
    """A send may have arrived without an answer (timeout, 5xx, dropped connection): ask before resending."""
    error: str | None = Field(default=None, max_length=300)
    created_at: dt.datetime = _created()
    room: str | None = Field(default=None, max_length=300)
    """The room this message is posted in (a channel, a thread, a group chat; storage/keys.py room keys)
    instead of the person's direct messages; the person is who answers for it (the workshop's host)."""


class Worker(SQLModel, table=True):
    """A running dispatcher (one per process). Its claims are taken over once its lease lapses."""

    id: str = Field(primary_key=True, max_length=80)
    host: str = Field(max_length=64)
    pid: int
    started_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    seen_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class Job(SQLModel, table=True):
    """Slow work a command started after its reply (a big enrollment): kept until done, across restarts."""

    __table_args__ = (Index("ix_job_claim", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    args: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    requester_id: int | None = Field(default=None, foreign_key="person.id", ondelete="CASCADE", index=True)
    lang: str = Field(default="en", max_length=5)
    description: str = Field(default="", max_length=200)
    status: str = Field(default=JobStatus.PENDING, max_length=20)
    attempts: int = Field(default=0)
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: dt.datetime | None = _when()
    error: str | None = Field(default=None, max_length=300)
    created_at: dt.datetime = _created()
    finished_at: dt.datetime | None = _when()


# --- custom tips ------------------------------------------------------------------------------------------


class CustomTipBase(SQLModel):
    author_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    target_person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="CASCADE")
    target_cohort_id: int | None = Field(default=None, foreign_key="cohort.id", ondelete="CASCADE")
    text: str = Field(max_length=2000)
    send_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class CustomTip(CustomTipBase, table=True):
    """A mentor's own tip, for one mentee or a cohort, now or later."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = _created()


class CustomTipCreate(CustomTipBase):
    pass


# --- questions, feedback, audit ---------------------------------------------------------------------------


class Question(SQLModel, table=True):
    """A learner's question and who answered it: a lesson, a mentor, or nobody yet."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    text: str = Field(max_length=2000)
    lang: str = Field(default="en", max_length=5)
    lesson_id: str | None = Field(default=None, max_length=64)
    confident: bool = Field(default=False)
    status: str = Field(default=QuestionStatus.OPEN, max_length=20, index=True)
    mentor_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    answer: str | None = Field(default=None, max_length=4000)
    answered_at: dt.datetime | None = _when()
    grouped_in: str | None = Field(default=None, max_length=120, index=True)
    """The ledger key of the one message that carries it to the mentor with others, when the learner sent
    it past the rate limit (storage.keys.question_group_key); None when it went on its own."""
    new_topic_at: dt.datetime | None = _when()
    """When a mentor or an admin said no lesson answers it ("a new topic is needed"); `report` lists these
    without names. A declined question is never marked. It goes with the question (forget-me)."""
    created_at: dt.datetime = _created()


class QuestionCreate(SQLModel):
    person_id: int
    text: str
    lang: str = "en"
    lesson_id: str | None = None
    confident: bool = False
    status: str = QuestionStatus.OPEN


class LearnedExample(SQLModel, table=True):
    """A question's words that a mentor or an admin linked to the lesson that should have answered it: the
    answer engine learns it as an example of that lesson. Deliberately no link to the question or to its
    author; forget-me finds it by the author's question texts (storage.examples)."""

    id: int | None = Field(default=None, primary_key=True)
    lesson_id: str = Field(max_length=64, index=True)
    lang: str = Field(default="en", max_length=5)
    text: str = Field(max_length=2000)
    created_at: dt.datetime = _created()


class Feedback(SQLModel, table=True):
    """'Useful' / 'not for me' on a lesson, and quiz answers (a FeedbackKind; `correct` set for quizzes)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    lesson_id: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=20)
    correct: bool | None = Field(default=None)
    created_at: dt.datetime = _created()


class AuditLog(SQLModel, table=True):
    """Who did which admin or mentor action, when, with what arguments, and how it ended (an AuditOutcome)."""

    id: int | None = Field(default=None, primary_key=True)
    actor_key: str = Field(max_length=200, index=True)
    action: str = Field(max_length=60)
    args: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    outcome: str = Field(max_length=20)
    created_at: dt.datetime = _created()


class Secret(SQLModel, table=True):
    """A secret Tandem makes for itself once and every replica shares (the dashboard's cookie-signing
    key), so that nobody has to configure one. Never exported, never logged."""

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
    created_at: dt.datetime = _created()


class InboxMessage(SQLModel, table=True):
    """The console's mailbox: every message delivered to a console person, with its ledger key.

    The console outlet writes each message here: already shown (`shown_at`) when its reader is the person
    in the live `tandem chat`, otherwise waiting until they next open it. The ledger key lets the outlet
    tell that a message arrived (exactly once) and lets forget-me find the copies of someone's words.
    """

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    dedupe_key: str | None = Field(default=None, max_length=120, index=True)
    created_at: dt.datetime = _created()
    shown_at: dt.datetime | None = _when()


class PendingAction(SQLModel, table=True):
    """A confirmation the bot is waiting for (a PendingKind: forget-me), valid for a while."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=30)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class Usage(SQLModel, table=True):
    """One use of something the per-person rate limit counts (a question to a mentor, a push, a channel
    looked up), kept only while it is inside the limit's window."""

    __table_args__ = (Index("ix_usage_person_kind_at", "person_id", "kind", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    kind: str = Field(default=UsageKind.QUESTION, max_length=20)
    at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class SeenEvent(SQLModel, table=True):
    """A platform delivery already handled, so a retry or a replay is ignored on every replica: Slack's
    event ids and trigger ids, Teams activity ids (formats in storage/keys.py)."""

    event_id: str = Field(primary_key=True, max_length=120)
    received_at: dt.datetime = _created()


# --- retention --------------------------------------------------------------------------------------------


class ReviewCard(SQLModel, table=True):
    """One learner and one lesson in the review schedule: when its quiz comes back, and how it went.

    Made when the lesson reaches the learner, or when its quiz is first answered (a lesson read on
    demand). `state` is the review policy's own (JSON, see scheduler/reviews.py); `due_at` is when the
    question is due again; `ask_at` is what the planner reads, so a tick reads only due cards.
    """

    __table_args__ = (
        UniqueConstraint("person_id", "lesson_id", name="uq_reviewcard_person_lesson"),
        Index("ix_reviewcard_due", "due_at"),
        Index("ix_reviewcard_ask", "ask_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    lesson_id: str = Field(max_length=64)
    first_sent_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    """When the lesson first reached the learner: "retained" counts from here."""
    due_at: dt.datetime | None = _when()
    """When the next review is due; None once the lesson left the library."""
    ask_at: dt.datetime | None = _when()
    """When the planner looks at this card next: its learner's delivery slot on or after `due_at`, or
    after a review queued for today. A tick reads only the cards whose `ask_at` has come (O(due))."""
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    last_variant: int | None = Field(default=None)
    """The variant asked last, so that the next one differs."""
    reviews: int = Field(default=0)
    lapses: int = Field(default=0)
    retained_at: dt.datetime | None = _when()
    """The first right answer to a review at least 21 days after `first_sent_at`."""
    updated_at: dt.datetime = _created()


class ReviewAnswer(SQLModel, table=True):
    """Each answer a learner gave to a quiz or a review: when, which variant, right or wrong."""

    __table_args__ = (Index("ix_reviewanswer_person_time", "person_id", "answered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    lesson_id: str = Field(max_length=64, index=True)
    variant: int = Field(default=0)
    kind: str = Field(max_length=10)
    """An AnswerKind: the lesson's quiz on its day, or a review."""
    correct: bool
    answered_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class ConfidenceRating(SQLModel, table=True):
    """A learner's 1-to-5 answer to "how confident do you feel about …?" at a track's start or end."""

    __table_args__ = (UniqueConstraint("enrollment_id", "moment", name="uq_confidence_enrollment_moment"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    enrollment_id: int = Field(foreign_key="enrollment.id", ondelete="CASCADE")
    moment: str = Field(max_length=10)
    """A ConfidenceMoment."""
    rating: int
    created_at: dt.datetime = _created()


# --- express workshops and commitments -----------------------------------------------------------------


class Workshop(SQLModel, table=True):
    """An express workshop: a mentor (the host) takes a few people through a few lessons, live, in a set
    number of minutes, step by step along a run-sheet (`plan`, bot/core/runsheet.py).

    Its run state (status, step, timer, room, start and end) changes only through
    `storage.workshops.transition`, a compare-and-set on `version`: two replicas acting on the same step
    or timer at once, one wins and the other does nothing, so no step is posted twice.
    """

    __table_args__ = (
        Index("ix_workshop_timer", "status", "timer_at"),
        Index("ix_workshop_start", "status", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    host_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    """The mentor who runs it."""
    planned_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL", index=True)
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id", ondelete="SET NULL")
    lang: str = Field(default="en", max_length=5)
    """The run-sheet's language: its planner's."""
    starts_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    minutes: int
    lessons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """The lesson ids it covers, in order."""
    plan: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """The run-sheet's steps, as `RunSheet.to_json()` writes them."""
    status: str = Field(default=WorkshopStatus.PLANNED, max_length=20)
    step: int = Field(default=-1)
    """The index of the step under way in `plan`; -1 before the first."""
    step_started_at: dt.datetime | None = _when()
    timer_at: dt.datetime | None = _when()
    """When its next durable timer fires (the end of a quiz, of a step); any replica fires it."""
    timer_kind: str | None = Field(default=None, max_length=20)
    room: str | None = Field(default=None, max_length=300)
    """Where it runs (a room key, storage/keys.py); None: in each participant's direct messages."""
    version: int = Field(default=0)
    """Bumped by every transition: a change applies only to the version it was decided on."""
    created_at: dt.datetime = _created()
    started_at: dt.datetime | None = _when()
    ended_at: dt.datetime | None = _when()


class WorkshopSeat(SQLModel, table=True):
    """One person's place in a workshop: invited (and their answer), or joined without an invitation."""

    __tablename__ = "workshop_seat"
    __table_args__ = (UniqueConstraint("workshop_id", "person_id", name="uq_workshop_seat_person"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    rsvp: str = Field(default=Rsvp.INVITED, max_length=20)
    invited: bool = Field(default=True)
    """False: they joined without an invitation."""
    rsvp_at: dt.datetime | None = _when()
    joined_at: dt.datetime | None = _when()
    """When they first joined it live."""
    late: bool = Field(default=False)
    """They joined after it started."""


class WorkshopAnswer(SQLModel, table=True):
    """A participant's answer to a workshop's live quiz step: the first answer counts."""

    __tablename__ = "workshop_answer"
    __table_args__ = (
        UniqueConstraint("workshop_id", "person_id", "step", name="uq_workshop_answer_person_step"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    step: int
    lesson_id: str = Field(max_length=64)
    choice: int
    """The index of the option chosen."""
    correct: bool
    late: bool = Field(default=False)
    """Answered after the quiz's time was up."""
    answered_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class WorkshopCheck(SQLModel, table=True):
    """A participant's press on a hands-on step (a CheckStatus: done, or stuck): the last press counts."""

    __tablename__ = "workshop_check"
    __table_args__ = (
        UniqueConstraint("workshop_id", "person_id", "step", name="uq_workshop_check_person_step"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    step: int
    status: str = Field(max_length=10)
    at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class Commitment(SQLModel, table=True):
    """Something a person said they would do (in a workshop, or a meeting with their mentor), followed up
    a week later: did they?"""

    __table_args__ = (Index("ix_commitment_follow_up", "status", "follow_up_at"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    source: str = Field(max_length=10)
    """A CommitmentSource."""
    workshop_id: int | None = Field(default=None, foreign_key="workshop.id", ondelete="SET NULL", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", ondelete="SET NULL", index=True)
    lesson_id: str | None = Field(default=None, max_length=64)
    text: str = Field(max_length=300)
    made_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    follow_up_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(default=CommitmentStatus.OPEN, max_length=20)
    answered_at: dt.datetime | None = _when()


# --- the relationship: pairs over time, matching, meetings, goals -------------------------------------


class Pairing(SQLModel, table=True):
    """Every pair there has been, with when it started and ended: `match suggest` never proposes a pair
    twice, and a pair's meetings and notes stay with it after it ends. The pairs in force are the rows
    without `ended_at`, the same pairs as `mentorship` (which the rest of Tandem reads)."""

    __table_args__ = (Index("ix_pairing_pair", "mentor_id", "mentee_id"),)

    id: int | None = Field(default=None, primary_key=True)
    mentor_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL", index=True)
    mentee_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL", index=True)
    """Either side may be None once that person asked to be forgotten: the pair's history (meetings, the
    other side's notes and commitments) stays with the other."""
    source: str = Field(default=PairingSource.MANUAL, max_length=10)
    started_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    ended_at: dt.datetime | None = _when()


class MatchProposal(SQLModel, table=True):
    """One line of a `match suggest` round for a cohort: a learner and the mentor proposed (or none, with
    the rule that could not be met), numbered as the admin sees them."""

    __tablename__ = "match_proposal"
    __table_args__ = (UniqueConstraint("cohort_id", "round", "number", name="uq_match_proposal_number"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", ondelete="CASCADE", index=True)
    round: int
    number: int
    learner_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    mentor_id: int | None = Field(default=None, foreign_key="person.id", ondelete="CASCADE", index=True)
    reasons: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """[reason, argument] pairs (`bot.core.matching.Reason`)."""
    unmet: str | None = Field(default=None, max_length=20)
    """Why no mentor (`bot.core.matching.Unmet`), with `unmet_arg` (the learner's language)."""
    unmet_arg: str | None = Field(default=None, max_length=40)
    status: str = Field(default=ProposalStatus.PROPOSED, max_length=12)
    proposed_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    decided_at: dt.datetime | None = _when()


class Rhythm(SQLModel, table=True):
    """How often a pair means to meet (`meet every 2 weeks on thu at 12:30`): every `every_weeks` weeks,
    on `weekday` (0 is Monday), at `time` in `tz`. Its meetings are `Meeting` rows, one planned ahead."""

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", ondelete="CASCADE", unique=True)
    every_weeks: int
    weekday: int
    time: str = Field(max_length=5)
    tz: str = Field(max_length=64)
    missed_in_row: int = Field(default=0)
    """Planned meetings missed one after the other (a held one sets it back to 0): two bring a kind
    nudge to both, three put the pair "at risk" in the report."""
    set_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class Meeting(SQLModel, table=True):
    """One planned meeting of a pair and what became of it: after its moment both are asked "Did you
    meet?", and before it the mentor gets a brief."""

    __table_args__ = (
        UniqueConstraint("pairing_id", "planned_at", name="uq_meeting_moment"),
        Index("ix_meeting_due", "status", "planned_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", ondelete="CASCADE", index=True)
    planned_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(default=MeetingStatus.PLANNED, max_length=12)
    moved_to: dt.datetime | None = _when()
    """Where a rescheduled meeting went (a new planned row at that moment)."""
    brief_sent_at: dt.datetime | None = _when()
    asked_at: dt.datetime | None = _when()
    """When "Did you meet?" was queued for both."""
    answered_at: dt.datetime | None = _when()
    answered_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class MeetingNote(SQLModel, table=True):
    """What one side of a pair wrote about a meeting ("what did you cover?"), private to the pair:
    `forget-me` erases the author's notes and leaves the other's."""

    __tablename__ = "meeting_note"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", ondelete="CASCADE", index=True)
    author_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    text: str = Field(max_length=300)
    created_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class PersonGoal(SQLModel, table=True):
    """A goal a learner chose (1 to 3, from `lessons/library/goals.yml`, by its id)."""

    __tablename__ = "person_goal"
    __table_args__ = (UniqueConstraint("person_id", "goal_id", name="uq_person_goal"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    goal_id: str = Field(max_length=64)
    chosen_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class ChatRoom(SQLModel, table=True):
    """A room Tandem posts in for several people at once (a Teams group chat or channel), with what the
    platform needs to write there later: Teams lets a bot post only into a conversation it was given a
    reference to, so the reference is kept from the last event that came from the room.

    It names no person: the stored reference is the conversation's and the bot's, never the sender's.
    """

    __tablename__ = "chat_room"

    key: str = Field(primary_key=True, max_length=300)
    """The room key (storage/keys.py: `teams-room:<tenant>:<conversation>`)."""
    platform: str = Field(max_length=20)
    conversation: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """The conversation reference to continue (a Teams ConversationReference as JSON)."""
    seen_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    """When an event last came from it (or the bot was added to it)."""


class DashboardDay(SQLModel, table=True):
    """The dashboard's rollup: one count per UTC day, cohort (0: none), lesson ('' : none) and measure (a
    `storage.rollups` name), kept up to date in the transactions that write deliveries, feedback, review
    cards and answers, so the whole programme's figures read a few thousand rows instead of millions.
    Anonymous: no person id, so forgetting a person keeps the counts."""

    __tablename__ = "dashboard_day"
    __table_args__ = {"sqlite_with_rowid": False}  # SQLite: rows stored in key order, sums read in place

    measure: str = Field(max_length=24, primary_key=True)
    lesson_id: str = Field(default="", max_length=64, primary_key=True)
    day: dt.date = Field(primary_key=True)
    cohort_id: int = Field(default=0, primary_key=True)
    count: int = Field(default=0, sa_type=BigInteger, nullable=False)


Index("ix_reviewcard_first_sent", ReviewCard.__table__.c.first_sent_at)  # type: ignore[attr-defined]
"""The retention figures' cut-off day (cards first sent up to three weeks ago) read by range."""
