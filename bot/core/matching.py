"""Match suggest: one mentor proposed per learner, hard rules first, then soft preferences.

Hard rules (a pair that breaks one is never proposed): the mentor is not the learner; neither manages the
other at any depth; the pair did not exist before and was not refused in this round; they share a
language; the mentor has a free place (capacity, 2 by default, minus their current mentees).
Soft preferences, as costs: a different department, and working hours (9-18 local) that overlap.

The choice is an assignment problem solved exactly (SciPy's `linear_sum_assignment`) over learners ×
mentor places: each mentor appears once per free place. A pair that breaks a hard rule costs more than
all soft costs together, so the solver first matches as many learners as possible, then prefers the
best pairs; such pairs are dropped after solving and their learners reported with the most specific
reason (`Unmet`). A greedy loop (each learner in turn takes their best mentor left) can strand a
learner whose only possible mentor was taken by someone who had other choices; the solver cannot.

Pure: no I/O, no clock (time zones are read on the day given as `on`), the same output for the same input.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

BoolMatrix = npt.NDArray[np.bool_]
FloatMatrix = npt.NDArray[np.float64]

SAME_DEPARTMENT_COST = 1.0
"""A mentor from the learner's own department: the pair learns less from each other."""
UNKNOWN_DEPARTMENT_COST = 0.5
"""Either department unknown: better than the same one, worse than a known different one."""
HOURS_COST = 1.0
"""No overlap at all costs this much, a full working day's overlap nothing; linear in between."""
FEW_HOURS = 2.0
"""Less overlap than this (hours) is hard to meet in: reported as `Reason.FEW_HOURS`, and costs more."""
FEW_HOURS_COST = 1.0
LOAD_COST = 0.01
"""Per mentee a mentor already has (current ones and earlier places in this round): between otherwise
equal pairs, the mentor with fewer mentees gets the learner."""
WORK_START, WORK_END = 9, 18


class Unmet(StrEnum):
    """Why a learner got no mentor (codes; the chat layer translates them). The argument of every code
    but NO_MENTORS is the learner's language (several comma-separated, their own `lang` first)."""

    NO_LANGUAGE = "no_language"
    """No mentor shares the learner's language."""
    NO_CAPACITY = "no_capacity"
    """Mentors exist that fit every rule, but all are full."""
    REPORTING_LINE = "reporting_line"
    """Every mentor with their language is in their reporting line, a past pair or refused."""
    NO_MENTORS = "no_mentors"
    """No mentor at all (other than the learner themselves)."""


class Reason(StrEnum):
    """Why this pair (shown with each proposal)."""

    LANGUAGE = "language"
    """The shared language (argument: its code, the learner's own `lang` when the mentor speaks it)."""
    OTHER_DEPARTMENT = "other_department"
    SAME_DEPARTMENT = "same_department"
    """A soft preference not met. Neither department reason is given when a department is unknown."""
    HOURS = "hours"
    """Working hours overlap (argument: whole hours, rounded down)."""
    FEW_HOURS = "few_hours"
    """Overlap under 2 h (argument: whole hours, rounded down): a soft preference not met."""


@dataclass(frozen=True, slots=True)
class Member:
    """A learner or a mentor."""

    id: int
    lang: str
    """"en" | "fr" (Person.lang)."""
    tz: str
    """IANA zone, e.g. "Europe/Paris"."""
    department: str | None = None
    langs: frozenset[str] = frozenset()
    """Extra languages (empty: just `lang`)."""

    @property
    def speaks(self) -> tuple[str, ...]:
        """Every language, `lang` first then the others in order."""
        return (self.lang, *sorted(self.langs - {self.lang}))


@dataclass(frozen=True, slots=True)
class Proposal:
    learner_id: int
    mentor_id: int
    reasons: tuple[tuple[Reason, str], ...]
    """(reason, argument or "")."""


@dataclass(frozen=True, slots=True)
class Unmatched:
    learner_id: int
    why: Unmet
    arg: str = ""


@dataclass(frozen=True, slots=True)
class Result:
    proposals: tuple[Proposal, ...]
    """In the learners' input order."""
    unmatched: tuple[Unmatched, ...]
    """In the learners' input order."""


@dataclass(frozen=True, slots=True)
class Pairs:
    """Every learner × mentor pair at once (rows: learners, columns: mentors, in input order)."""

    shared: BoolMatrix
    """They share a language (and are not the same person)."""
    allowed: BoolMatrix
    """Every hard rule but capacity holds: `shared`, not in a reporting line, not past, not refused."""
    hours: FloatMatrix
    """Working hours overlap, in hours."""
    soft: FloatMatrix
    """The soft preferences' cost (0 is the best pair), load aside."""
    free: npt.NDArray[np.int64]
    """Free places per mentor: capacity minus current mentees, never below 0."""
    load: npt.NDArray[np.int64]
    """Current mentees per mentor."""


def suggest(
    learners: Sequence[Member],
    mentors: Sequence[Member],
    *,
    managers: Mapping[int, int | None],
    past: Collection[tuple[int, int]] = (),
    refused: Collection[tuple[int, int]] = (),
    capacity: Mapping[int, int] = {},
    load: Mapping[int, int] = {},
    default_capacity: int = 2,
    on: dt.date,
) -> Result:
    """One mentor per learner where the hard rules allow it, as many learners as possible, the best soft
    pairs among those; every other learner with the most specific reason.

    `managers`: person id -> their manager's id (anyone's, not only these people's; cycles are safe).
    `past`, `refused`: (mentor_id, learner_id) pairs never proposed. `capacity`: per-mentor overrides of
    `default_capacity`; `load`: current mentees per mentor, counted against it. `on`: the day whose
    time-zone offsets (summer time) the working hours are compared on."""
    pairs = pair_table(
        learners,
        mentors,
        managers=managers,
        past=past,
        refused=refused,
        capacity=capacity,
        load=load,
        default_capacity=default_capacity,
        on=on,
    )
    chosen = assign(pairs)
    proposals = tuple(
        Proposal(learner.id, mentors[m].id, explain(learner, mentors[m], float(pairs.hours[i, m])))
        for i, learner in enumerate(learners)
        if (m := chosen.get(i)) is not None
    )
    mentor_ids = {mentor.id for mentor in mentors}
    unmatched = tuple(
        _unmet(i, learner, pairs, len(mentor_ids) - (learner.id in mentor_ids))
        for i, learner in enumerate(learners)
        if i not in chosen
    )
    return Result(proposals, unmatched)


def pair_table(
    learners: Sequence[Member],
    mentors: Sequence[Member],
    *,
    managers: Mapping[int, int | None],
    past: Collection[tuple[int, int]] = (),
    refused: Collection[tuple[int, int]] = (),
    capacity: Mapping[int, int] = {},
    load: Mapping[int, int] = {},
    default_capacity: int = 2,
    on: dt.date,
) -> Pairs:
    """The rules and costs of every pair, as matrices (what `suggest` solves; a baseline may reuse it).
    Raises ValueError when an id appears twice in one list, ZoneInfoNotFoundError for an unknown zone."""
    _unique(learners, "learner")
    _unique(mentors, "mentor")
    shared = _shared_language(learners, mentors)
    column = {mentor.id: j for j, mentor in enumerate(mentors)}
    for i, learner in enumerate(learners):
        if learner.id in column:  # someone in both lists never mentors themselves
            shared[i, column[learner.id]] = False
    allowed = shared.copy()
    for i, j in _blocked(learners, mentors, managers, [*past, *refused]):
        allowed[i, j] = False
    hours = _hours(learners, mentors, on)
    soft = _department_cost(learners, mentors) + _hours_cost(hours)
    current = np.array([max(0, load.get(m.id, 0)) for m in mentors], dtype=np.int64)
    limit = np.array([capacity.get(m.id, default_capacity) for m in mentors], dtype=np.int64)
    return Pairs(shared, allowed, hours, soft, np.maximum(limit - current, 0), current)


def assign(pairs: Pairs) -> dict[int, int]:
    """Learner row -> mentor column: the most learners matched under the hard rules, then the lowest soft
    cost. Learners × free places, solved exactly; rows and columns that cannot match are left out first."""
    rows = np.flatnonzero((pairs.allowed & (pairs.free > 0)).any(axis=1))
    columns = np.flatnonzero((pairs.free > 0) & pairs.allowed[rows].any(axis=0))
    if rows.size == 0 or columns.size == 0:
        return {}
    free = pairs.free[columns]
    slot_mentor = np.repeat(columns, free)
    # The k-th place of a mentor holding `load` mentees costs LOAD_COST * (load + k) more.
    slot_rank = np.arange(slot_mentor.size) - np.repeat(np.cumsum(free) - free, free)
    slot_extra = LOAD_COST * (pairs.load[slot_mentor] + slot_rank)
    cost = pairs.soft[np.ix_(rows, slot_mentor)]  # a copy, made the cost matrix in place
    cost += slot_extra
    allowed = pairs.allowed[np.ix_(rows, slot_mentor)]
    # Any assignment's soft costs sum to less than this: one more pair matched always wins.
    cost[~allowed] = float(cost.max(initial=0.0)) * min(rows.size, slot_mentor.size) + 1.0
    picked_rows, picked_slots = linear_sum_assignment(cost)
    return {
        int(rows[r]): int(slot_mentor[s])
        for r, s in zip(picked_rows, picked_slots, strict=True)
        if allowed[r, s]
    }


def explain(learner: Member, mentor: Member, hours: float) -> tuple[tuple[Reason, str], ...]:
    """The reasons shown with a pair: its language, its departments (when both are known), its hours."""
    reasons: list[tuple[Reason, str]] = []
    spoken = set(mentor.speaks)
    lang = next((code for code in learner.speaks if code in spoken), "")
    reasons.append((Reason.LANGUAGE, lang))
    if learner.department is not None and mentor.department is not None:
        same = learner.department == mentor.department
        reasons.append((Reason.SAME_DEPARTMENT if same else Reason.OTHER_DEPARTMENT, ""))
    whole = str(math.floor(hours + 1e-9))
    reasons.append((Reason.FEW_HOURS if hours < FEW_HOURS else Reason.HOURS, whole))
    return tuple(reasons)


def in_reporting_line(a: int, b: int, managers: Mapping[int, int | None]) -> bool:
    """Whether one of them manages the other, directly or through any number of levels (a person is in
    their own line). Manager chains are walked once each way; a cycle in `managers` ends the walk."""
    return a == b or b in _chain(a, managers) or a in _chain(b, managers)


def hours_overlap(tz_a: str, tz_b: str, *, on: dt.date, start: int = 9, end: int = 18) -> float:
    """Hours during which both are at work (`start` to `end` local time) on day `on` in zone `tz_a`:
    offsets are those of that day (summer time), and the other's previous and next working days count
    too (Auckland's morning is Honolulu's afternoon of the day before)."""
    if not 0 <= start < end <= 24:
        raise ValueError(f"working hours {start}-{end}: need 0 <= start < end <= 24")
    first = _working_day(ZoneInfo(tz_a), on, start, end)
    other = ZoneInfo(tz_b)
    seconds = 0.0
    for shift in (-1, 0, 1):
        second = _working_day(other, on + dt.timedelta(days=shift), start, end)
        seconds += max(0.0, (min(first[1], second[1]) - max(first[0], second[0])).total_seconds())
    return seconds / 3600


# --- helpers ----------------------------------------------------------------------------------------------


def _working_day(zone: ZoneInfo, day: dt.date, start: int, end: int) -> tuple[dt.datetime, dt.datetime]:
    """A local working day as an interval in UTC (wall-clock hours; `end` may be 24, the next midnight)."""
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    return (
        (midnight + dt.timedelta(hours=start)).astimezone(dt.UTC),
        (midnight + dt.timedelta(hours=end)).astimezone(dt.UTC),
    )


def _chain(person: int, managers: Mapping[int, int | None]) -> set[int]:
    """Everyone above `person`: their manager, that manager's, and so on; each visited once."""
    above: set[int] = set()
    boss = managers.get(person)
    while boss is not None and boss not in above:
        above.add(boss)
        boss = managers.get(boss)
    return above


def _unique(people: Sequence[Member], role: str) -> None:
    seen: set[int] = set()
    for person in people:
        if person.id in seen:
            raise ValueError(f"{role} {person.id} appears twice")
        seen.add(person.id)


def _shared_language(learners: Sequence[Member], mentors: Sequence[Member]) -> BoolMatrix:
    """Whether each learner and mentor have a language in common: (learner × language) @ (language ×
    mentor) counts the languages they share."""
    codes = sorted({code for person in (*learners, *mentors) for code in person.speaks})
    index = {code: n for n, code in enumerate(codes)}
    shared: BoolMatrix = _speaks(learners, index) @ _speaks(mentors, index).T > 0
    return shared


def _speaks(people: Sequence[Member], index: Mapping[str, int]) -> npt.NDArray[np.int32]:
    table = np.zeros((len(people), len(index)), dtype=np.int32)
    for row, person in enumerate(people):
        table[row, [index[code] for code in person.speaks]] = 1
    return table


def _blocked(
    learners: Sequence[Member],
    mentors: Sequence[Member],
    managers: Mapping[int, int | None],
    pairs: Iterable[tuple[int, int]],
) -> Iterable[tuple[int, int]]:
    """(row, column) of every pair in a reporting line or listed in `pairs` as (mentor_id, learner_id).
    Each person's chain is walked once: a mentor above a learner, then a learner above a mentor."""
    row = {learner.id: i for i, learner in enumerate(learners)}
    column = {mentor.id: j for j, mentor in enumerate(mentors)}
    for i, learner in enumerate(learners):
        yield from ((i, column[boss]) for boss in _chain(learner.id, managers) if boss in column)
    for j, mentor in enumerate(mentors):
        yield from ((row[boss], j) for boss in _chain(mentor.id, managers) if boss in row)
    for mentor_id, learner_id in pairs:
        if learner_id in row and mentor_id in column:
            yield row[learner_id], column[mentor_id]


def _hours(learners: Sequence[Member], mentors: Sequence[Member], on: dt.date) -> FloatMatrix:
    """Overlap of every pair, computed once per pair of distinct zones."""
    zones = sorted({person.tz for person in (*learners, *mentors)})
    index = {zone: n for n, zone in enumerate(zones)}
    table = np.array([hours_overlap(a, b, on=on) for a in zones for b in zones], dtype=np.float64)
    table = table.reshape(len(zones), len(zones))
    learner_zone = np.array([index[p.tz] for p in learners], dtype=np.int64)
    mentor_zone = np.array([index[p.tz] for p in mentors], dtype=np.int64)
    hours: FloatMatrix = table[np.ix_(learner_zone, mentor_zone)]
    return hours


def _hours_cost(hours: FloatMatrix) -> FloatMatrix:
    full = WORK_END - WORK_START
    cost: FloatMatrix = HOURS_COST * (1 - np.minimum(hours, full) / full) + FEW_HOURS_COST * (
        hours < FEW_HOURS
    )
    return cost


def _department_cost(learners: Sequence[Member], mentors: Sequence[Member]) -> FloatMatrix:
    names = sorted({p.department for p in (*learners, *mentors) if p.department is not None})
    index = {name: n for n, name in enumerate(names)}
    ours = np.array([-1 if p.department is None else index[p.department] for p in learners], dtype=np.int64)
    theirs = np.array([-1 if p.department is None else index[p.department] for p in mentors], dtype=np.int64)
    unknown = (ours[:, None] < 0) | (theirs[None, :] < 0)
    same = (ours[:, None] == theirs[None, :]) & ~unknown
    cost: FloatMatrix = SAME_DEPARTMENT_COST * same + UNKNOWN_DEPARTMENT_COST * unknown
    return cost


def _unmet(row: int, learner: Member, pairs: Pairs, others: int) -> Unmatched:
    """The most specific reason a learner has no mentor: no mentor but themselves (`others` == 0), none
    with their language, none outside their line and past pairs, or else all of those are full (a mentor
    allowed for this learner with a place left would have taken them: the matching is the largest)."""
    language = ",".join(learner.speaks)
    if others == 0:
        return Unmatched(learner.id, Unmet.NO_MENTORS)
    if not pairs.shared[row].any():
        return Unmatched(learner.id, Unmet.NO_LANGUAGE, language)
    if not pairs.allowed[row].any():
        return Unmatched(learner.id, Unmet.REPORTING_LINE, language)
    return Unmatched(learner.id, Unmet.NO_CAPACITY, language)
