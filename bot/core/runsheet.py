"""The run-sheet of an express workshop: which step comes when, minute by minute.

A workshop opens with a welcome, then takes each lesson in four beats: the mentor's opening question to
the room, the five-minute talking outline (the real risk, how to master it, what you gain), hands-on
practice on the participants' own phones and laptops, and the quiz. A closing round (one commitment
each) ends it. Every step has a fixed length except hands-on practice, which takes whatever time the
planner gives beyond the minimum: practice is where the seniors gain confidence, so spare minutes go
there, never to more talking.

Pure: no database, no message lookups. The workshop stores `RunSheet.to_json()` as its plan and reads it
back with `RunSheet.from_json()`; the commands turn a `RunSheetError` into the planner's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import TandemError
from lessons.model import Lesson
from lessons.typography import french


class StepKind(StrEnum):
    """What happens during one step of a workshop."""

    WELCOME = "welcome"
    OPENER = "opener"
    """The lesson's opening question to the room (`Lesson.opener`, see `opening_question`)."""
    OUTLINE = "outline"
    """The mentor's talking outline: `lessons.outline.outline(lesson)`."""
    HANDS_ON = "hands_on"
    QUIZ = "quiz"
    CLOSING = "closing"


WELCOME_MINUTES = 2
CLOSING_MINUTES = 4
OPENER_MINUTES = 2
OUTLINE_MINUTES = 5
QUIZ_MINUTES = 2
HANDS_ON_MIN = 3
HANDS_ON_MAX = 15
MIN_LESSONS = 2
MAX_LESSONS = 4
DEFAULT_LESSONS = 3
"""How many lessons a workshop picked from a track takes when the planner does not say."""
LESSON_STEPS = (StepKind.OPENER, StepKind.OUTLINE, StepKind.HANDS_ON, StepKind.QUIZ)
"""Each lesson's steps, in order."""
_FIXED = {
    StepKind.WELCOME: WELCOME_MINUTES,
    StepKind.OPENER: OPENER_MINUTES,
    StepKind.OUTLINE: OUTLINE_MINUTES,
    StepKind.QUIZ: QUIZ_MINUTES,
    StepKind.CLOSING: CLOSING_MINUTES,
}
_SHARED = WELCOME_MINUTES + CLOSING_MINUTES
_PER_LESSON = OPENER_MINUTES + OUTLINE_MINUTES + QUIZ_MINUTES
_JSON_KEYS = ("kind", "lesson_id", "minutes", "offset")


class RunSheetError(TandemError):
    """A workshop that cannot be planned as asked; `code` says why and `values` give the figures.

    - `lesson_count` (`count`, `min`, `max`): fewer than 2 or more than 4 lessons.
    - `duplicate_lesson` (`lesson_id`): the same lesson twice.
    - `too_few_minutes` (`minutes`, `minimum`): not enough time for these lessons.
    - `too_many_minutes` (`minutes`, `maximum`): more time than these lessons can fill.
    """

    def __init__(self, code: str, /, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values

    def __str__(self) -> str:
        details = ", ".join(f"{name}={value}" for name, value in self.values.items())
        return f"{self.code} ({details})" if details else self.code


@dataclass(frozen=True, slots=True)
class Step:
    """One step: what, for which lesson (None for the welcome and the closing), how long, and when it
    starts, in minutes from the start of the workshop."""

    kind: StepKind
    lesson_id: str | None
    minutes: int
    offset: int

    @property
    def ends(self) -> int:
        """When the step ends, in minutes from the start of the workshop."""
        return self.offset + self.minutes


@dataclass(frozen=True, slots=True)
class RunSheet:
    """The steps of a workshop, in order, each starting when the previous one ends."""

    steps: tuple[Step, ...]

    @property
    def minutes(self) -> int:
        """The whole workshop's length."""
        return sum(step.minutes for step in self.steps)

    @property
    def lessons(self) -> tuple[str, ...]:
        """The lesson ids, in the order they are taken."""
        return tuple(dict.fromkeys(step.lesson_id for step in self.steps if step.lesson_id is not None))

    def to_json(self) -> list[dict[str, object]]:
        """The steps as plain dicts (`kind`, `lesson_id`, `minutes`, `offset`), as the workshop stores
        its plan."""
        return [
            {
                "kind": str(step.kind),
                "lesson_id": step.lesson_id,
                "minutes": step.minutes,
                "offset": step.offset,
            }
            for step in self.steps
        ]

    @classmethod
    def from_json(cls, data: object) -> RunSheet:
        """The run-sheet `to_json` wrote. Raises ValueError, naming the step, for anything else: an
        unknown kind, a lesson step without its lesson (or a welcome with one), a length that is not a
        positive whole number, an offset that does not follow from the steps before it. Keys other than
        the four it writes are ignored."""
        if not isinstance(data, list) or not data:
            raise ValueError("a run-sheet is a non-empty list of steps")
        steps: list[Step] = []
        offset = 0
        for number, item in enumerate(data, start=1):
            step = _step_from_json(item, number)
            if step.offset != offset:
                raise ValueError(f"step {number}: starts at minute {step.offset}, not {offset}")
            steps.append(step)
            offset = step.ends
        return cls(tuple(steps))


def _step_from_json(item: object, number: int) -> Step:
    if not isinstance(item, Mapping):
        raise ValueError(f"step {number}: not a mapping of {', '.join(_JSON_KEYS)}")
    missing = [key for key in _JSON_KEYS if key not in item]
    if missing:
        raise ValueError(f"step {number}: missing {', '.join(missing)}")
    try:
        kind = StepKind(item["kind"])
    except ValueError:
        raise ValueError(f"step {number}: unknown kind {item['kind']!r}") from None
    lesson_id = item["lesson_id"]
    if kind in LESSON_STEPS and not (isinstance(lesson_id, str) and lesson_id):
        raise ValueError(f"step {number}: {kind} needs its lesson id, not {lesson_id!r}")
    if kind not in LESSON_STEPS and lesson_id is not None:
        raise ValueError(f"step {number}: {kind} has no lesson, not {lesson_id!r}")
    minutes, offset = item["minutes"], item["offset"]
    if not _whole(minutes) or minutes <= 0:
        raise ValueError(f"step {number}: minutes must be a positive whole number, not {minutes!r}")
    if not _whole(offset):
        raise ValueError(f"step {number}: offset must be a whole number, not {offset!r}")
    return Step(kind, lesson_id, minutes, offset)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def min_minutes(count: int) -> int:
    """The shortest workshop for `count` lessons: every hands-on step at its minimum."""
    return _SHARED + count * (_PER_LESSON + HANDS_ON_MIN)


def max_minutes(count: int) -> int:
    """The longest workshop for `count` lessons: every hands-on step at its maximum."""
    return _SHARED + count * (_PER_LESSON + HANDS_ON_MAX)


def fit_count(minutes: int, wanted: int = DEFAULT_LESSONS) -> int:
    """How many lessons a workshop of `minutes` takes when the planner wants `wanted` (kept between 2
    and 4): fewer when they would not fit (30 minutes take 2), more when `wanted` could not fill the
    time. When no count fits, the nearest one, for `build` to explain."""
    count = min(max(wanted, MIN_LESSONS), MAX_LESSONS)
    while count > MIN_LESSONS and minutes < min_minutes(count):
        count -= 1
    while count < MAX_LESSONS and minutes > max_minutes(count):
        count += 1
    return count


def build(lesson_ids: Sequence[str], minutes: int) -> RunSheet:
    """The run-sheet for these lessons, in this order, lasting exactly `minutes`.

    Welcome, then per lesson its opener, outline, hands-on practice and quiz, then the closing. The
    minutes beyond the minimum are shared evenly between the hands-on steps, the first ones taking one
    more each when they do not divide evenly."""
    if isinstance(lesson_ids, str):
        raise TypeError("lesson_ids must be a sequence of lesson ids, not one string")
    ids = list(lesson_ids)
    if not MIN_LESSONS <= len(ids) <= MAX_LESSONS:
        raise RunSheetError("lesson_count", count=len(ids), min=MIN_LESSONS, max=MAX_LESSONS)
    seen: set[str] = set()
    for lesson_id in ids:
        if lesson_id in seen:
            raise RunSheetError("duplicate_lesson", lesson_id=lesson_id)
        seen.add(lesson_id)
    if minutes < min_minutes(len(ids)):
        raise RunSheetError("too_few_minutes", minutes=minutes, minimum=min_minutes(len(ids)))
    if minutes > max_minutes(len(ids)):
        raise RunSheetError("too_many_minutes", minutes=minutes, maximum=max_minutes(len(ids)))
    extra, remainder = divmod(minutes - min_minutes(len(ids)), len(ids))
    steps: list[Step] = []

    def add(kind: StepKind, lesson_id: str | None, length: int) -> None:
        steps.append(Step(kind, lesson_id, length, steps[-1].ends if steps else 0))

    add(StepKind.WELCOME, None, WELCOME_MINUTES)
    for index, lesson_id in enumerate(ids):
        hands_on = HANDS_ON_MIN + extra + (1 if index < remainder else 0)
        for kind in LESSON_STEPS:
            add(kind, lesson_id, hands_on if kind is StepKind.HANDS_ON else _FIXED[kind])
    add(StepKind.CLOSING, None, CLOSING_MINUTES)
    return RunSheet(tuple(steps))


def pick_from_track(
    track_lessons: Sequence[str], received: Mapping[str, int], participants: int, count: int = DEFAULT_LESSONS
) -> list[str]:
    """The lessons of a workshop picked from a track: the first `count` that most participants have not
    received yet (`received[lesson]`, how many of them have, at most half of `participants`), in track
    order. When fewer remain, the least received of the others make up the number (the earlier one on
    a tie), and the whole keeps the track's order. Fewer than `count` only when the track is shorter."""
    if count < 0 or participants < 0:
        raise ValueError("count and participants cannot be negative")
    order = list(dict.fromkeys(track_lessons))
    fresh = [lesson for lesson in order if received.get(lesson, 0) <= participants / 2]
    if len(fresh) >= count:
        return fresh[:count]
    others = sorted(
        (lesson for lesson in order if lesson not in fresh),
        key=lambda lesson: (received.get(lesson, 0), order.index(lesson)),
    )
    chosen = set(fresh) | set(others[: count - len(fresh)])
    return [lesson for lesson in order if lesson in chosen]


def opening_question(lesson: Lesson) -> str:
    """The question that opens `lesson` in a workshop: its `opener`, or, for a lesson written without
    one, its title turned into an open question about where the room stands (no quotation marks, so
    that it sits inside the quoted question of a run-sheet line)."""
    if lesson.opener:
        return lesson.opener
    title = lesson.title.rstrip(" ?!.:;\u202f\u00a0")
    if lesson.lang == "fr":
        return french(f"{title} : où en êtes-vous aujourd’hui ?")
    return f"{title}: where do you stand today?"
