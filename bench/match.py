"""Match suggest at scale: the assignment solver against a greedy loop, on one synthetic organisation.

Run: `.venv/bin/python bench/match.py [--learners 2000] [--mentors 1000] [--runs 5] [--seed 19]`
(about 20 s on 2 cores).

The organisation (seeded, the same for both methods):
- A reporting tree five levels deep under a chief executive: 12 department heads, then senior managers
  (5 % of the learners), then the other learners; mentors below them, one in five a team lead that other
  mentors report to, the others reporting to a lead, a learner, or a middle manager who is in neither
  list. So every mentor has learners above them, and a learner's own mentors-to-be sit in their line.
- 12 departments: each head's, inherited down the tree 85 % of the time, otherwise any.
- Languages: 70 % en, 30 % fr, for learners and mentors alike; a quarter of the mentors also speak the
  other one. Places are tight on purpose: English-only mentors have fewer places than English learners,
  so the bilingual mentors' places must go to whoever needs them.
- Time zones: learners mostly in Paris, London and New York; mentors also in Singapore, Bangalore and
  São Paulo.
- Capacity 2 for every mentor, nobody's current load; past pairs: `--past` of all learner × mentor pairs
  (5 %: about 50 per learner, far more than a real programme holds, to weigh on the rule), and 1 % of
  the learners with one pair refused in this round.

Methods, each from the same inputs to a `Result` (proposals with their reasons, the others unmatched):
- solver: `bot.core.matching.suggest`, SciPy's linear_sum_assignment over learners × mentor places;
- greedy (baseline): the same table of rules and costs (`pair_table`), then each learner in input order
  takes the mentor with a place left and the best soft cost (the first one on ties).

Measured: the median wall time of `--runs` runs each, the pairs made, hard-rule violations counted again
from the raw inputs by code of this file (language, reporting line at any depth, past or refused pair,
capacity, one mentor per learner, nobody their own mentor), the soft preferences met (pairs across
departments, mean working-hours overlap, pairs under 2 h) and the soft cost per pair as the solver
counts it; peak memory traced by tracemalloc in one extra run of each (numpy's arrays included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from common import print_table, report

from bot.core.matching import (
    FEW_HOURS,
    FEW_HOURS_COST,
    HOURS_COST,
    LOAD_COST,
    SAME_DEPARTMENT_COST,
    WORK_END,
    WORK_START,
    Member,
    Proposal,
    Result,
    Unmatched,
    Unmet,
    explain,
    hours_overlap,
    pair_table,
    suggest,
)

ON = dt.date(2026, 1, 15)
CAPACITY = 2
DEPARTMENTS = (
    "finance", "sales", "marketing", "legal", "hr", "it", "operations", "procurement", "research",
    "communications", "customer care", "strategy",
)  # fmt: skip
LEARNER_ZONES = {"Europe/Paris": 45, "Europe/London": 25, "America/New_York": 20, "Asia/Singapore": 10}
MENTOR_ZONES = {
    "Europe/Paris": 30,
    "Europe/London": 20,
    "America/New_York": 20,
    "Asia/Singapore": 12,
    "Asia/Kolkata": 10,
    "America/Sao_Paulo": 8,
}
CEO = 0


@dataclass
class Org:
    learners: list[Member]
    mentors: list[Member]
    managers: dict[int, int | None]
    past: set[tuple[int, int]]
    refused: set[tuple[int, int]]
    capacity: dict[int, int] = field(default_factory=dict)
    load: dict[int, int] = field(default_factory=dict)


def build_org(learners: int, mentors: int, past_share: float, seed: int) -> Org:
    """The synthetic organisation described in the module's docstring."""
    rng = random.Random(seed)
    managers: dict[int, int | None] = {CEO: None}
    department: dict[int, str] = {}

    def place(person: int, boss: int) -> None:
        managers[person] = boss
        inherited = department.get(boss)
        department[person] = inherited if inherited and rng.random() < 0.85 else rng.choice(DEPARTMENTS)

    learner_ids = list(range(1, learners + 1))
    heads = learner_ids[: len(DEPARTMENTS)]
    for head, name in zip(heads, DEPARTMENTS, strict=False):
        managers[head], department[head] = CEO, name
    seniors = learner_ids[len(heads) : len(heads) + max(1, learners // 20)]
    for person in seniors:
        place(person, rng.choice(heads))
    others = learner_ids[len(heads) + len(seniors) :]
    for person in others:
        place(person, rng.choice(seniors))
    middle = [learners + mentors + 1 + n for n in range(max(1, mentors // 5))]
    for person in middle:
        place(person, rng.choice(seniors))
    mentor_ids = list(range(learners + 1, learners + mentors + 1))
    leads = mentor_ids[: max(1, mentors // 5)]
    for person in leads:
        place(person, rng.choice(others or seniors))
    for person in mentor_ids[len(leads) :]:
        roll = rng.random()
        boss = rng.choice(leads if roll < 0.5 else (others or seniors) if roll < 0.8 else middle)
        place(person, boss)
    learner_list = [_member(rng, n, department[n], LEARNER_ZONES, bilingual=0.0) for n in learner_ids]
    mentor_list = [_member(rng, n, department[n], MENTOR_ZONES, bilingual=0.25) for n in mentor_ids]
    pairs = learners * mentors
    past = {(rng.choice(mentor_ids), rng.choice(learner_ids)) for _ in range(round(pairs * past_share))}
    refused = {(rng.choice(mentor_ids), n) for n in rng.sample(learner_ids, learners // 100)}
    return Org(learner_list, mentor_list, managers, past, refused)


def _member(
    rng: random.Random, person: int, department: str, zones: Mapping[str, int], bilingual: float
) -> Member:
    lang = "en" if rng.random() < 0.7 else "fr"
    extra = frozenset({"fr" if lang == "en" else "en"}) if rng.random() < bilingual else frozenset()
    [zone] = rng.choices(list(zones), weights=list(zones.values()))
    return Member(person, lang, zone, department, extra)


# --- the two methods ------------------------------------------------------------------------------------


def solver(org: Org) -> Result:
    return suggest(
        org.learners,
        org.mentors,
        managers=org.managers,
        past=org.past,
        refused=org.refused,
        capacity=org.capacity,
        load=org.load,
        default_capacity=CAPACITY,
        on=ON,
    )


def greedy(org: Org) -> Result:
    """The baseline: the same rules and costs, then each learner in input order takes their best mentor
    with a place left (the first in the mentors' order on ties), as a hand-written loop would."""
    pairs = pair_table(
        org.learners,
        org.mentors,
        managers=org.managers,
        past=org.past,
        refused=org.refused,
        capacity=org.capacity,
        load=org.load,
        default_capacity=CAPACITY,
        on=ON,
    )
    free = pairs.free.copy()
    held = pairs.load.copy()
    proposals: list[Proposal] = []
    unmatched: list[Unmatched] = []
    for i, learner in enumerate(org.learners):
        open_ = pairs.allowed[i] & (free > 0)
        if not open_.any():
            unmatched.append(_unmet(learner, bool(pairs.shared[i].any()), bool(pairs.allowed[i].any())))
            continue
        j = int(np.argmin(np.where(open_, pairs.soft[i] + LOAD_COST * held, np.inf)))
        free[j] -= 1
        held[j] += 1
        mentor = org.mentors[j]
        proposals.append(Proposal(learner.id, mentor.id, explain(learner, mentor, float(pairs.hours[i, j]))))
    return Result(tuple(proposals), tuple(unmatched))


def _unmet(learner: Member, shared: bool, allowed: bool) -> Unmatched:
    code = Unmet.NO_CAPACITY if allowed else Unmet.REPORTING_LINE if shared else Unmet.NO_LANGUAGE
    return Unmatched(learner.id, code, learner.lang)


METHODS: dict[str, Callable[[Org], Result]] = {"solver (linear_sum_assignment)": solver, "greedy": greedy}


# --- checking and scoring, from the raw inputs -----------------------------------------------------------


def violations(org: Org, result: Result) -> Counter[str]:
    """Every hard rule checked again on each proposal, without the engine's tables."""
    learners = {m.id: m for m in org.learners}
    mentors = {m.id: m for m in org.mentors}
    found: Counter[str] = Counter()
    per_learner = Counter(p.learner_id for p in result.proposals)
    per_mentor = Counter(p.mentor_id for p in result.proposals)
    found["learner twice"] = sum(n - 1 for n in per_learner.values())
    found["over capacity"] = sum(
        max(0, n + org.load.get(m, 0) - org.capacity.get(m, CAPACITY)) for m, n in per_mentor.items()
    )
    for proposal in result.proposals:
        learner, mentor = learners.get(proposal.learner_id), mentors.get(proposal.mentor_id)
        if learner is None or mentor is None:
            found["unknown person"] += 1
            continue
        found["own mentor"] += learner.id == mentor.id
        found["no shared language"] += not ({learner.lang, *learner.langs} & {mentor.lang, *mentor.langs})
        found["reporting line"] += _manages(mentor.id, learner.id, org.managers) or _manages(
            learner.id, mentor.id, org.managers
        )
        found["past or refused"] += (mentor.id, learner.id) in org.past or (
            mentor.id,
            learner.id,
        ) in org.refused
    return +found


def _manages(boss: int, person: int, managers: Mapping[int, int | None]) -> bool:
    seen: set[int] = set()
    current = managers.get(person)
    while current is not None and current not in seen:
        if current == boss:
            return True
        seen.add(current)
        current = managers.get(current)
    return False


@dataclass
class Quality:
    matched: int
    unmatched: Counter[str]
    violations: Counter[str]
    other_department: float  # share of pairs across departments
    overlap: float  # mean hours
    few_hours: float  # share of pairs under FEW_HOURS
    soft_cost: float  # per pair, the solver's cost model


def quality(org: Org, result: Result) -> Quality:
    learners = {m.id: m for m in org.learners}
    mentors = {m.id: m for m in org.mentors}
    zones: dict[tuple[str, str], float] = {}
    overlaps, across, costs = [], 0, []
    for p in result.proposals:
        learner, mentor = learners[p.learner_id], mentors[p.mentor_id]
        key = (learner.tz, mentor.tz)
        if key not in zones:
            zones[key] = hours_overlap(*key, on=ON)
        overlaps.append(zones[key])
        across += learner.department != mentor.department
        costs.append(_soft_cost(learner.department == mentor.department, zones[key]))
    n = len(result.proposals) or 1
    return Quality(
        matched=len(result.proposals),
        unmatched=Counter(u.why.value for u in result.unmatched),
        violations=violations(org, result),
        other_department=across / n,
        overlap=statistics.fmean(overlaps) if overlaps else 0.0,
        few_hours=sum(o < FEW_HOURS for o in overlaps) / n,
        soft_cost=sum(costs) / n,
    )


def _soft_cost(same_department: bool, hours: float) -> float:
    full = WORK_END - WORK_START
    return (
        SAME_DEPARTMENT_COST * same_department
        + HOURS_COST * (1 - min(hours, full) / full)
        + FEW_HOURS_COST * (hours < FEW_HOURS)
    )


# --- measuring ---------------------------------------------------------------------------------------------


def timed(method: Callable[[Org], Result], org: Org, runs: int) -> tuple[list[float], Result]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = method(org)
        times.append((time.perf_counter() - started) * 1000)
    assert result is not None
    return times, result


def peak_mb(method: Callable[[Org], Result], org: Org) -> float:
    tracemalloc.start()
    try:
        method(org)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--mentors", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per method (the median is shown)")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument(
        "--past", type=float, default=0.05, help="share of learner × mentor pairs in the past"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    org = build_org(args.learners, args.mentors, args.past, args.seed)
    print(
        f"{len(org.learners):,} learners, {len(org.mentors):,} mentors (capacity {CAPACITY}: "
        f"{CAPACITY * len(org.mentors):,} places), {len(org.past):,} past pairs, {len(org.refused)} refused, "
        f"seed {args.seed}; built in {time.perf_counter() - started:.1f} s"
    )
    table_times, _ = timed(_table_only, org, args.runs)
    measured: dict[str, tuple[list[float], Quality, float]] = {}
    for name, method in METHODS.items():
        times, result = timed(method, org, args.runs)
        measured[name] = (times, quality(org, result), peak_mb(method, org))
    print()
    print_rows(measured)
    print(
        f"\n{args.runs} runs per method; both times include the table of rules and costs (`pair_table`, "
        f"median {statistics.median(table_times):,.0f} ms) and the reasons of every pair. violations: hard "
        "rules counted again from the raw inputs; other dept: pairs across departments; overlap: mean "
        "working-hours overlap (9-18 local, on 2026-01-15); soft cost: the solver's cost model, lower is "
        "better; peak MB: tracemalloc, one more run."
    )
    for name, (_, found, _) in measured.items():
        if found.violations:
            print(f"{name}: {dict(found.violations)}")
    (_, solved, _), (_, baseline, _) = measured.values()
    checks = {
        f"solver: no hard rule broken ({solved.violations.total()})": not solved.violations,
        f"greedy: no hard rule broken ({baseline.violations.total()})": not baseline.violations,
        f"solver matches at least as many as greedy ({solved.matched:,} vs {baseline.matched:,})": (
            solved.matched >= baseline.matched
        ),
    }
    results = {
        name: {"ms": times, "peak_mb": peak, **vars(found)} for name, (times, found, peak) in measured.items()
    }
    return report("match", {"args": vars(args), "results": results}, checks)


def print_rows(measured: Mapping[str, tuple[list[float], Quality, float]]) -> None:
    print_table(
        (
            "method",
            "ms (median)",
            "matched",
            "unmatched",
            "violations",
            "other dept",
            "overlap h",
            "under 2 h",
            "soft cost/pair",
            "peak MB",
        ),
        [
            (
                name,
                f"{statistics.median(times):,.0f}",
                f"{found.matched:,}",
                ", ".join(f"{k} {v}" for k, v in sorted(found.unmatched.items())) or "0",
                found.violations.total(),
                f"{found.other_department:.1%}",
                f"{found.overlap:.2f}",
                f"{found.few_hours:.1%}",
                f"{found.soft_cost:.3f}",
                f"{peak:,.0f}",
            )
            for name, (times, found, peak) in measured.items()
        ],
    )


def _table_only(org: Org) -> Result:
    pair_table(
        org.learners,
        org.mentors,
        managers=org.managers,
        past=org.past,
        refused=org.refused,
        default_capacity=CAPACITY,
        on=ON,
    )
    return Result((), ())


if __name__ == "__main__":
    raise SystemExit(main())
