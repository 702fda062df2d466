"""How long each kind of message stays worth sending: Tandem retries a temporary failure, and holds a
message for someone out of reach, until then; after that the message is given up and its sender told.

| kind | lifetime |
|---|---|
| lesson, complete | until the end of the learner's delivery day (when quiet hours start, 20:00 local);
  the enrollment then steps back, so the same tip comes on the next delivery day |
| review | until the end of the learner's delivery day; its card stays due, so the drip asks it again
  on the next delivery day |
| nudge | until the end of the learner's delivery day; the notice of a pause for inactivity, until it ends |
| digest | until the end of the mentor's Monday (when quiet hours start) |
| tip | 7 days after its time |
| pairing, question, notice | 7 days |
| workshop | 7 days; an invitation or a reminder, until the workshop starts (`before_workshop`) |
| answer | 14 days |
| outcome, commitment | 3 days |
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from scheduler import timing
from storage.defaults import QUIET_START
from storage.enums import DeliveryKind

LIFETIMES: dict[str, dt.timedelta] = {
    DeliveryKind.TIP: dt.timedelta(days=7),
    DeliveryKind.PAIRING: dt.timedelta(days=7),
    DeliveryKind.QUESTION: dt.timedelta(days=7),
    DeliveryKind.NOTICE: dt.timedelta(days=7),
    DeliveryKind.ANSWER: dt.timedelta(days=14),
    DeliveryKind.OUTCOME: dt.timedelta(days=3),
    DeliveryKind.WORKSHOP: dt.timedelta(days=7),
    DeliveryKind.COMMITMENT: dt.timedelta(days=3),
    DeliveryKind.MEETING: dt.timedelta(days=3),
    DeliveryKind.MATCH: dt.timedelta(days=7),
}
"""Kinds whose lifetime is a fixed span from their due time; the others (lesson, complete, review,
digest) end with the local day."""


def expires_at(kind: str, due: dt.datetime) -> dt.datetime | None:
    """When a message of `kind` due at `due` is given up, for the kinds with a fixed lifetime."""
    span = LIFETIMES.get(kind)
    return due + span if span is not None else None


def before_workshop(due: dt.datetime, starts_at: dt.datetime) -> dt.datetime:
    """When a message about a workshop still to come (an invitation, a reminder) due at `due` is given
    up: its kind's lifetime, but never after the workshop has started, when it would be of no use (one
    due once it has started is given up at once). A recap, after the workshop, takes `expires_at`."""
    return min(due + LIFETIMES[DeliveryKind.WORKSHOP], starts_at)


def end_of_day(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The end of the delivery day that `moment` falls on in `zone`: when quiet hours start, in UTC."""
    local = moment.astimezone(zone)
    end = timing.local_moment(local.date(), QUIET_START, zone)
    if end <= moment:  # already in the evening's quiet hours: the day ends at midnight
        end = timing.local_moment(local.date() + dt.timedelta(days=1), dt.time(0, 0), zone)
    return end.astimezone(dt.UTC)
