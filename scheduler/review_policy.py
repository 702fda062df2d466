"""When does a lesson's question come back? Review schedules for spaced retrieval, one interface.

Two policies, compared on simulated learners by bench/review.py, so the bot can keep the better one:

- `FsrsPolicy`: the Free Spaced Repetition Scheduler (`fsrs` v6) at day granularity (no learning or
  relearning steps), aiming at a desired retention (0.9 by default). Right answers push the question out
  by about 2 days, 1 week, 3 weeks, 2 months; the next interval depends on the item's whole history.
- `LeitnerPolicy`: five boxes of 1, 3, 7, 21 and 60 days. A right answer moves the item one box up,
  a wrong one back to the first box.

Both are pure: the caller passes the moment of the answer (`now`, an aware datetime: the app clock), and
gets a `ReviewState` back: `due`, an aware UTC datetime, and `data`, whatever the policy needs as a
JSON-able dict, to store as is beside the due time. A wrong answer is always due one day later, so the
caller asks it again on the learner's next delivery day. `due` keeps the time of day of the answer: an
item is due on the learner's local day that contains `due`, and on every later day until it is asked.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from fsrs import Card

DAY = dt.timedelta(days=1)
LEITNER_DAYS = (1, 3, 7, 21, 60)


@dataclass(frozen=True, slots=True)
class ReviewState:
    """Where one learner stands on one lesson: when it is next due, and the policy's own memory."""

    due: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """One JSON object: `due` in ISO 8601 beside the policy's data."""
        return json.dumps({"due": self.due.isoformat(), "data": self.data}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ReviewState:
        raw = json.loads(text)
        return cls(due=_utc(dt.datetime.fromisoformat(raw["due"])), data=dict(raw["data"]))


class ReviewPolicy(Protocol):
    """A review schedule: the state after a lesson's first quiz, and after each review answer."""

    name: ClassVar[str]

    def first(self, now: dt.datetime, correct: bool) -> ReviewState: ...

    def next(self, state: ReviewState, now: dt.datetime, correct: bool) -> ReviewState: ...


class FsrsPolicy:
    """FSRS with whole days between reviews; a wrong answer comes back the next day.

    `fuzz` spreads intervals by a few percent at random (fsrs's own fuzz); it is off by default so the
    schedule is reproducible, since with one review a day at most there are no piles of cards to spread.
    """

    name: ClassVar[str] = "fsrs"

    def __init__(self, desired_retention: float = 0.9, *, fuzz: bool = False) -> None:
        import fsrs  # here, so that the Leitner policy alone does not need the package

        self._fsrs = fsrs
        self.desired_retention = desired_retention
        self.scheduler = fsrs.Scheduler(
            desired_retention=desired_retention,
            learning_steps=(),
            relearning_steps=(),
            enable_fuzzing=fuzz,
        )

    def first(self, now: dt.datetime, correct: bool) -> ReviewState:
        now = _utc(now)
        return self._review(self._fsrs.Card(card_id=0, due=now), now, correct)

    def next(self, state: ReviewState, now: dt.datetime, correct: bool) -> ReviewState:
        now = _utc(now)
        _check_policy(self.name, state)
        last = dt.datetime.fromisoformat(state.data["last_review"])
        card = self._fsrs.Card(
            card_id=0,
            state=self._fsrs.State.Review,
            stability=float(state.data["stability"]),
            difficulty=float(state.data["difficulty"]),
            due=state.due,
            # fsrs counts whole days (floor): an answer at 08:00 after one at 17:00 the day before would
            # count as the same day. Rounding to the nearest whole day keeps the time of day out of memory.
            last_review=now - _whole_days(now - last) * DAY,
        )
        return self._review(card, now, correct)

    def _review(self, card: Card, now: dt.datetime, correct: bool) -> ReviewState:
        rating = self._fsrs.Rating.Good if correct else self._fsrs.Rating.Again
        card, _ = self.scheduler.review_card(card, rating, now)
        due = card.due if correct else min(card.due, now + DAY)
        assert card.stability is not None and card.difficulty is not None
        data = {
            "policy": self.name,
            "stability": card.stability,
            "difficulty": card.difficulty,
            "last_review": now.isoformat(),
        }
        return ReviewState(due=due, data=data)


class LeitnerPolicy:
    """Leitner boxes: right moves the item one box up (the last box keeps it), wrong back to box 1.

    A first quiz answered right starts in box 2, so the question comes back after 3 days, then 7, 21, 60.
    """

    name: ClassVar[str] = "leitner"

    def __init__(self, days: tuple[int, ...] = LEITNER_DAYS) -> None:
        self.days = days

    def first(self, now: dt.datetime, correct: bool) -> ReviewState:
        return self._place(_utc(now), 2 if correct else 1)

    def next(self, state: ReviewState, now: dt.datetime, correct: bool) -> ReviewState:
        _check_policy(self.name, state)
        box = min(int(state.data["box"]) + 1, len(self.days)) if correct else 1
        return self._place(_utc(now), box)

    def _place(self, now: dt.datetime, box: int) -> ReviewState:
        return ReviewState(due=now + self.days[box - 1] * DAY, data={"policy": self.name, "box": box})


def _utc(moment: dt.datetime) -> dt.datetime:
    """The same moment in UTC (`datetime.UTC`, which fsrs requires); a naive datetime is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is needed, got {moment!r}")
    return moment.astimezone(dt.UTC)


def _whole_days(span: dt.timedelta) -> int:
    return max(0, round(span / DAY))


def _check_policy(name: str, state: ReviewState) -> None:
    """A state written by another policy cannot be read: say so rather than schedule from nonsense."""
    if state.data.get("policy") != name:
        raise ValueError(f"review state of policy {state.data.get('policy')!r}, not {name!r}")
