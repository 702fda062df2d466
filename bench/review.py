"""Spaced-retrieval benchmark: which review schedule keeps the most lessons in mind per question asked?

Run: `.venv/bin/python bench/review.py [--learners 1000] [--weeks 8] [--seed 16]`
One tick at scale: `.venv/bin/python bench/review.py --tick [--learners 100000] [--cards 60]
[--due-share 0.02,0.1] [--databases sqlite,postgresql]` (PostgreSQL: a scratch database on the server of
TANDEM_BENCH_DATABASE_URL or TANDEM_TEST_DATABASE_URL); see `tick_at_scale`.

Simulation: N learners, each followed for W weeks from a Monday, under every policy in turn.
- The drip: one new lesson per delivery day (Mon-Fri) from a track of 30 lessons, its first quiz the day
  it is sent. A learner skips a delivery day with probability 0.15: nothing happens that day, and the
  lesson waits for the next day they are there. The same learners skip the same days under every policy.
- At most ONE review question a day, on delivery days only (also after the track has ended), chosen among
  the due items, most overdue first (then the oldest lesson).
- Policies (scheduler/review_policy.py): FSRS at desired retention 0.9 and 0.85 (fsrs v6, day granularity,
  no learning steps); Leitner (boxes 1, 3, 7, 21, 60 days); no review (each lesson's first quiz only).
  A wrong answer is due the next day, so the next delivery day, under FSRS and Leitner alike.

Forgetting model, one that none of the schedulers is built on: half-life regression (Settles & Meeder
2016). After Δ days since the learner last practised a lesson (reading it, or any question about it),
    p(recall) = 2^(-Δ/h),   log2 h = θ·x = θ0 + θ_right·n_right + θ_wrong·n_wrong − d_item − d_learner
where n_right and n_wrong count the learner's past recalls and failures on that lesson. Parameters
(`MODELS`: "base" is the headline; the others check that the verdict holds when they move):
- θ0 = 1 (a lesson just read has a half-life of 2 days), θ_right = 1 (each recall doubles the half-life),
  θ_wrong = 0.25 (a failure, followed by the right answer, still teaches a little);
- d_item ~ Normal(0, 0.6) per lesson and d_learner ~ Normal(0, 0.4) per learner, in log2 days;
- the first quiz counts as a recall 0.5 day after the reading (84% right for an average learner and lesson);
- questions have 3 choices: a learner who does not recall guesses right 1 time in 3. The scheduler sees
  the answer; the memory counts the recall (a lucky guess teaches nothing).
- "slow forgetting": θ0 = 2.5 (5.7 days); "forgetful": θ0 = 0.5, θ_right = 0.7, θ_wrong = 0, d_item sd 0.8,
  d_learner sd 0.6; "no guessing": guess 0 (open questions).
Measures at the end of week W, per learner then averaged: questions asked (reviews; first quizzes are
the same 30 for every policy), mean p(recall) over the lessons received, the share of lessons retained
(a right answer to a review at least 21 days after the lesson was first sent; guesses included, as the
bot cannot tell them apart), and the efficiency: lessons recalled beyond the no-review baseline per
review question asked.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from common import database, pg_url, print_table, report, write_json
from sqlalchemy import Engine, bindparam, create_engine, delete, func, insert, select, text, update

from scheduler import ledger
from scheduler.review_policy import DAY, FsrsPolicy, LeitnerPolicy, ReviewPolicy, ReviewState
from storage.db import Database, sync_url
from storage.enums import DeliveryKind, DeliveryStatus, EnrollmentStatus
from storage.models import Cohort, Delivery, Enrollment, Person, ReviewCard
from storage.sql import table_of

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)  # a Monday, the delivery time
TRACK = 30
SKIP = 0.15
DELIVERY_WEEKDAYS = range(5)
RETAINED_AFTER = 21  # days after the lesson was first sent


@dataclass(frozen=True)
class Model:
    """Half-life regression parameters, in log2 days (see the module docstring)."""

    theta0: float = 1.0
    theta_right: float = 1.0
    theta_wrong: float = 0.25
    item_sd: float = 0.6
    learner_sd: float = 0.4
    first_lag: float = 0.5
    guess: float = 1 / 3


MODELS = {
    "base": Model(),
    "slow forgetting": Model(theta0=2.5),
    "forgetful": Model(theta0=0.5, theta_right=0.7, theta_wrong=0.0, item_sd=0.8, learner_sd=0.6),
    "no guessing": Model(guess=0.0),
}

Policies = dict[str, Callable[[], ReviewPolicy | None]]
POLICIES: Policies = {
    "no review": lambda: None,
    "FSRS 0.90": lambda: FsrsPolicy(0.9),
    "FSRS 0.85": lambda: FsrsPolicy(0.85),
    "Leitner": LeitnerPolicy,
}


@dataclass
class Item:
    """One lesson in one learner's memory, and its review state."""

    sent: int
    difficulty: float
    last: int
    state: ReviewState | None = None
    right: int = 0
    wrong: int = 0
    retained: bool = False

    def recall(self, model: Model, day: float) -> float:
        log2_h = model.theta0 + model.theta_right * self.right + model.theta_wrong * self.wrong
        return 2 ** (-(day - self.last) / 2 ** (log2_h - self.difficulty))


@dataclass(frozen=True)
class Learner:
    """What does not depend on the policy: difficulties and the days they skip."""

    item_difficulty: tuple[float, ...]
    present: tuple[bool, ...]
    seed: int

    @classmethod
    def draw(cls, model: Model, days: int, seed: int) -> Learner:
        rng = random.Random(seed)
        learner = rng.gauss(0, model.learner_sd)
        return cls(
            item_difficulty=tuple(learner + rng.gauss(0, model.item_sd) for _ in range(TRACK)),
            present=tuple(_delivery_day(day) and rng.random() >= SKIP for day in range(days)),
            seed=seed,
        )


@dataclass
class Outcome:
    reviews: int = 0
    received: int = 0
    recall: float = 0.0  # mean p(recall) at the end
    retained: float = 0.0  # share of the lessons received
    late_days: list[int] = field(default_factory=list)


def _delivery_day(day: int) -> bool:
    return (START + day * DAY).weekday() in DELIVERY_WEEKDAYS


def _answer(model: Model, p: float, rng: random.Random) -> tuple[bool, bool]:
    """(recalled, answered right): a failed recall may still guess the right choice."""
    recalled = rng.random() < p
    return recalled, recalled or rng.random() < model.guess


def _practise(item: Item, recalled: bool, day: int) -> None:
    item.right += recalled
    item.wrong += not recalled
    item.last = day


def simulate(learner: Learner, model: Model, policy: ReviewPolicy | None, days: int) -> Outcome:
    """One learner over `days` days under one policy (None: no review)."""
    first_rng = random.Random(learner.seed * 2 + 1)  # the same first quizzes under every policy
    review_rng = random.Random(learner.seed * 2)
    items: list[Item] = []
    outcome = Outcome()
    for day in range(days):
        if not learner.present[day]:
            continue
        now = START + day * DAY
        if len(items) < TRACK:
            item = Item(sent=day, difficulty=learner.item_difficulty[len(items)], last=day)
            recalled, right = _answer(model, item.recall(model, day + model.first_lag), first_rng)
            _practise(item, recalled, day)
            item.state = policy.first(now, right) if policy else None
            items.append(item)
        if policy:
            _review_one(items, model, policy, day, now, review_rng, outcome)
    end = days
    outcome.received = len(items)
    outcome.recall = statistics.fmean(item.recall(model, end) for item in items) if items else 0.0
    outcome.retained = sum(item.retained for item in items) / len(items) if items else 0.0
    return outcome


def _review_one(
    items: list[Item],
    model: Model,
    policy: ReviewPolicy,
    day: int,
    now: dt.datetime,
    rng: random.Random,
    outcome: Outcome,
) -> None:
    """Ask the most overdue question of the day, if any is due."""
    due = [item for item in items if item.state is not None and item.state.due <= now]
    if not due:
        return
    item = min(due, key=lambda it: (it.state.due if it.state else now, it.sent))
    assert item.state is not None
    recalled, right = _answer(model, item.recall(model, day), rng)
    outcome.late_days.append((now - item.state.due) // DAY)
    _practise(item, recalled, day)
    if right and day - item.sent >= RETAINED_AFTER:
        item.retained = True
    item.state = policy.next(item.state, now, right)
    outcome.reviews += 1


@dataclass
class Row:
    policy: str
    reviews: float
    recall: float
    retained: float
    recalled: float  # lessons expected to be recalled at the end, per learner
    late: float
    seconds: float
    versus: str = ""  # the reference policy of the paired differences below
    recall_diff: float = 0.0  # mean recall minus the reference's, same learners
    recall_diff_se: float = 0.0
    retained_diff: float = 0.0
    retained_diff_se: float = 0.0


REFERENCE = "FSRS 0.90"


def run(model: Model, learners: int, weeks: int, seed: int, policies: Policies) -> list[Row]:
    """Every policy over the same learners; differences are paired with the reference policy's."""
    days = weeks * 7
    people = [Learner.draw(model, days, seed * 1_000_003 + index) for index in range(learners)]
    rows = []
    by_policy: dict[str, list[Outcome]] = {}
    for name, make in policies.items():
        random.seed(seed)  # fsrs draws its fuzz from the global generator (off by default)
        started = time.perf_counter()
        outcomes = [simulate(person, model, make(), days) for person in people]
        late = [d for outcome in outcomes for d in outcome.late_days]
        by_policy[name] = outcomes
        rows.append(
            Row(
                policy=name,
                reviews=statistics.fmean(o.reviews for o in outcomes),
                recall=statistics.fmean(o.recall for o in outcomes),
                retained=statistics.fmean(o.retained for o in outcomes),
                recalled=statistics.fmean(o.recall * o.received for o in outcomes),
                late=statistics.fmean(late) if late else 0.0,
                seconds=time.perf_counter() - started,
            )
        )
    if REFERENCE in by_policy:
        for row in rows:
            _pair(row, by_policy[row.policy], by_policy[REFERENCE])
    return rows


def _pair(row: Row, outcomes: Sequence[Outcome], reference: Sequence[Outcome]) -> None:
    """Mean paired difference with the reference policy, and its standard error."""
    row.versus = REFERENCE
    for measure in ("recall", "retained"):
        diffs = [getattr(a, measure) - getattr(b, measure) for a, b in zip(outcomes, reference, strict=True)]
        setattr(row, f"{measure}_diff", statistics.fmean(diffs))
        setattr(
            row, f"{measure}_diff_se", statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else 0.0
        )


def print_rows(rows: Sequence[Row]) -> None:
    baseline = rows[0]
    print_table(
        (
            "policy",
            "reviews/learner",
            "mean recall",
            "retained",
            "lessons recalled",
            "gain/review",
            "days late",
            f"Δrecall vs {REFERENCE}",
            "Δretained",
        ),
        [
            (
                row.policy,
                f"{row.reviews:.1f}",
                f"{row.recall:.3f}",
                f"{row.retained:.3f}",
                f"{row.recalled:.2f}",
                f"{(row.recalled - baseline.recalled) / row.reviews:.3f}" if row.reviews else "-",
                f"{row.late:.1f}" if row.reviews else "-",
                f"{row.recall_diff:+.4f} ± {row.recall_diff_se:.4f}" if row.versus else "-",
                f"{row.retained_diff:+.4f} ± {row.retained_diff_se:.4f}" if row.versus else "-",
            )
            for row in rows
        ],
    )


# --- one tick at scale --------------------------------------------------------------------------------

TICK_AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
"""A Tuesday, 09:00 in Paris: the cohort's delivery time on a delivery day."""
TICK_TRACK = "tick-track"
TICK_LESSONS = tuple(f"lesson-{n:02d}" for n in range(TRACK))
TICK_TARGET = 2.0
"""Seconds for one tick over 100,000 learners holding 60 cards each (issue 16)."""
DUE_CARDS = 3
"""A due learner has 1 to this many cards due (the tick still queues one question for them)."""
INSERT_BATCH = 10_000


@dataclass
class TickRow:
    database: str
    learners: int
    cards: int
    due_learners: int
    tick: float
    next_tick: float
    baseline: float
    queued: int
    next_queued: int
    setup_learners: float
    setup_cards: float


async def tick_at_scale(
    databases: Sequence[str], learners: int, cards: int, due_shares: Sequence[float]
) -> list[TickRow]:
    """One planning tick (`ledger.plan_due` at the delivery time, lessons and reviews) over `learners`
    learners holding `cards` review cards each, for each share of learners with a question due; then the
    next tick at the same moment (nothing new to do), and the same tick before any card existed."""
    rows: list[TickRow] = []
    for backend in databases:
        with _tick_database(backend) as url:
            rows.extend(await _tick_rows(backend, url, learners, cards, due_shares))
    return rows


def _tick_database(backend: str) -> contextlib.AbstractContextManager[str]:
    """A database migrated to head: a temporary SQLite file, or a scratch database on the PostgreSQL
    server of TANDEM_BENCH_DATABASE_URL / TANDEM_TEST_DATABASE_URL (dropped afterwards)."""
    if backend != "postgresql":
        return database(None, name="tick")
    base = pg_url()
    if base is None:
        raise SystemExit("postgresql: set TANDEM_BENCH_DATABASE_URL or TANDEM_TEST_DATABASE_URL")
    return database(base)


async def _tick_rows(
    backend: str, url: str, learners: int, cards: int, due_shares: Sequence[float]
) -> list[TickRow]:
    engine = create_engine(sync_url(url))
    db = Database(url)
    try:
        started = time.perf_counter()
        _add_learners(engine, learners)
        setup_learners = time.perf_counter() - started
        await _tick(db)  # the first transaction opens the connection and compiles the statements
        baseline, _ = await _tick(db)
        started = time.perf_counter()
        _add_cards(engine, learners, cards)
        setup_cards = time.perf_counter() - started
        _set_due(engine, [1])  # a warm service: the statements of a tick with a question are compiled
        await _tick(db)
        _set_due(engine, [1], undo=True)
        rows = []
        for share in due_shares:
            due = _due_people(learners, share)
            _set_due(engine, due)
            tick, first = await _tick(db)
            queued = _reviews_queued(engine)
            next_tick, second = await _tick(db)
            if first.queued or first.completed or second.reviews:
                print(f"unexpected: {first} then {second}")
            rows.append(
                TickRow(
                    database=backend,
                    learners=learners,
                    cards=learners * cards,
                    due_learners=len(due),
                    tick=tick,
                    next_tick=next_tick,
                    baseline=baseline,
                    queued=queued,
                    next_queued=_reviews_queued(engine) - queued,
                    setup_learners=setup_learners,
                    setup_cards=setup_cards,
                )
            )
            _set_due(engine, due, undo=True)
        return rows
    finally:
        await db.dispose()
        engine.dispose()


async def _tick(db: Database) -> tuple[float, ledger.PlanReport]:
    started = time.perf_counter()
    result = await ledger.plan_due(db, TICK_AT, {TICK_TRACK: TICK_LESSONS}, default_tz="Europe/Paris")
    return time.perf_counter() - started, result


def _add_learners(engine: Engine, learners: int) -> None:
    """One cohort (09:00 Paris, Monday to Friday) and its learners: half past the end of the track
    (completed), half mid-track having had today's tip already (active, next due tomorrow)."""
    tomorrow = TICK_AT + DAY
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(Cohort)).values(
                id=1, name="tick", track_id=TICK_TRACK, start_date=dt.date(2026, 6, 1), created_at=TICK_AT
            )
        )
        for start in range(1, learners + 1, INSERT_BATCH):
            ids = range(start, min(learners, start + INSERT_BATCH - 1) + 1)
            connection.execute(insert(table_of(Person)), [_person(pid) for pid in ids])
            connection.execute(
                insert(table_of(Enrollment)),
                [
                    {
                        "id": pid,
                        "person_id": pid,
                        "cohort_id": 1,
                        "status": EnrollmentStatus.COMPLETED if pid % 2 else EnrollmentStatus.ACTIVE,
                        "position": TRACK if pid % 2 else TRACK // 2,
                        "next_due_at": None if pid % 2 else tomorrow,
                        "last_sent_at": TICK_AT - dt.timedelta(seconds=20) if pid % 2 == 0 else None,
                        "created_at": TICK_AT - 60 * DAY,
                    }
                    for pid in ids
                ],
            )
    _analyze(engine)


def _person(pid: int) -> dict[str, object]:
    return {
        "id": pid,
        "key": f"console:tick-{pid}",
        "platform": "console",
        "display_name": f"learner {pid}",
        "lang": "en",
        "is_admin": False,
        "lang_source": "profile",
        "reachable": True,
        "nudges": True,
        "share_topics": True,
        "nudges_ignored": 0,
        "created_at": TICK_AT - 60 * DAY,
    }


def _add_cards(engine: Engine, learners: int, cards: int) -> None:
    """`cards` cards per learner, none due: each due 2 to 59 days after the tick (spread by learner and
    lesson), looked at a day before. Made by the server from the learners and a series of lessons, in
    chunks of learners: one multi-row INSERT … SELECT each."""
    sqlite = engine.dialect.name == "sqlite"
    offset = "(2 + (p.id * 7 + k.n * 13) % 58)"
    if sqlite:
        base = "'2026-12-01 08:00:00'"
        due = f"datetime({base}, '+' || {offset} || ' days') || '.000000'"
        ask = f"datetime({base}, '+' || ({offset} - 1) || ' days') || '.000000'"
        sent = f"datetime({base}, '-' || (70 - k.n) || ' days') || '.000000'"
        now = f"{base} || '.000000'"
    else:
        base = "TIMESTAMPTZ '2026-12-01 08:00:00+00'"
        due = f"{base} + make_interval(days => {offset})"
        ask = f"{base} + make_interval(days => {offset} - 1)"
        sent = f"{base} - make_interval(days => 70 - k.n)"
        now = base
    statement = text(
        "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n + 1 < :cards) "
        "INSERT INTO reviewcard (person_id, lesson_id, first_sent_at, due_at, ask_at, state, reviews, "
        "lapses, updated_at) "
        f"SELECT p.id, 'lesson-' || k.n, {sent}, {due}, {ask}, '{{}}', 1, 0, {now} "
        "FROM person p CROSS JOIN k WHERE p.id BETWEEN :low AND :high ORDER BY p.id, k.n"
    )
    chunk = max(1, 600_000 // cards)
    with engine.begin() as connection:
        for low in range(1, learners + 1, chunk):
            connection.execute(statement, {"cards": cards, "low": low, "high": low + chunk - 1})
    _analyze(engine)


def _analyze(engine: Engine) -> None:
    """PostgreSQL's statistics, as autovacuum would have them on a table this size (SQLite: none, as
    Tandem keeps none)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def _due_people(learners: int, share: float) -> list[int]:
    """`share` of the learners, spread evenly over them."""
    return [pid for pid in range(1, learners + 1) if int(pid * share) != int((pid - 1) * share)]


def _set_due(engine: Engine, people: Sequence[int], *, undo: bool = False) -> None:
    """Give each of `people` 1 to DUE_CARDS cards due by the tick (the most overdue a few days ago), their
    `ask_at` at the tick's moment, and clear the ledger; `undo` puts those cards weeks ahead again."""
    card = table_of(ReviewCard)
    statement = (
        update(card)
        .where(card.c.person_id == bindparam("b_person"), card.c.lesson_id == bindparam("b_lesson"))
        .values(due_at=bindparam("b_due"), ask_at=bindparam("b_ask"))
    )
    changes = [
        {
            "b_person": pid,
            "b_lesson": f"lesson-{n}",
            "b_due": TICK_AT + 30 * DAY if undo else TICK_AT - (n + 1) * DAY,
            "b_ask": TICK_AT + 29 * DAY if undo else TICK_AT,
        }
        for pid in people
        for n in range(1 + pid % DUE_CARDS)
    ]
    with engine.begin() as connection:
        connection.execute(delete(table_of(Delivery)))
        for start in range(0, len(changes), INSERT_BATCH):
            connection.execute(statement, changes[start : start + INSERT_BATCH])


def _reviews_queued(engine: Engine) -> int:
    delivery = table_of(Delivery)
    query = select(func.count()).where(
        delivery.c.kind == DeliveryKind.REVIEW, delivery.c.status == DeliveryStatus.PENDING
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def print_tick(rows: Sequence[TickRow]) -> None:
    print_table(
        (
            "database",
            "learners",
            "cards",
            "due learners",
            "tick s",
            "next tick s",
            "baseline s",
            "rows queued",
            "ms per 1,000 due",
            "set-up s (learners + cards)",
        ),
        [
            (
                row.database,
                f"{row.learners:,}",
                f"{row.cards:,}",
                f"{row.due_learners:,}",
                f"{row.tick:.3f}",
                f"{row.next_tick:.3f}",
                f"{row.baseline:.3f}",
                f"{row.queued:,}",
                f"{1000 * (row.tick - row.baseline) / row.due_learners * 1000:.0f}"
                if row.due_learners
                else "-",
                f"{row.setup_learners:.1f} + {row.setup_cards:.1f}",
            )
            for row in rows
        ],
    )


def tick_checks(rows: Sequence[TickRow]) -> dict[str, bool]:
    """The target, one question per due learner, nothing more at the next tick, and O(due): between two
    due shares, the tick's time beyond the baseline grows like the due learners (within a factor 2)."""
    checks: dict[str, bool] = {}
    for row in rows:
        label = f"{row.database}, {row.due_learners:,} due of {row.learners:,}"
        checks[f"{label}: tick < {TICK_TARGET:g} s ({row.tick:.2f} s)"] = row.tick < TICK_TARGET
        checks[f"{label}: rows queued == due learners ({row.queued:,})"] = row.queued == row.due_learners
        checks[f"{label}: next tick queues nothing ({row.next_queued})"] = row.next_queued == 0
    for backend in dict.fromkeys(row.database for row in rows):
        mine = sorted(
            (r for r in rows if r.database == backend and r.due_learners), key=lambda r: r.due_learners
        )
        if len(mine) < 2:
            continue
        low, high = mine[0], mine[-1]
        growth = (high.tick - high.baseline) / max(low.tick - low.baseline, 1e-9)
        expected = high.due_learners / low.due_learners
        checks[f"{backend}: O(due): time x{growth:.1f} for due learners x{expected:.1f}"] = (
            expected / 2 <= growth <= expected * 2
        )
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, help="1,000 for the simulation, 100,000 with --tick")
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--tick", action="store_true", help="time one planning tick at scale instead")
    parser.add_argument("--cards", type=int, default=60, help="--tick: review cards per learner")
    parser.add_argument("--due-share", default="0.02,0.1", help="--tick: shares of learners with one due")
    parser.add_argument("--databases", default="sqlite,postgresql", help="--tick: sqlite, postgresql")
    args = parser.parse_args()
    if args.tick:
        return run_tick_at_scale(args)
    learners = args.learners or 1000
    results: dict[str, object] = {"learners": learners, "weeks": args.weeks, "seed": args.seed}
    for label, model in MODELS.items():
        print(f"\nmodel {label!r}: {model}")
        rows = run(model, learners, args.weeks, args.seed, POLICIES)
        print_rows(rows)
        results[label] = {"model": vars(model), "rows": [vars(row) for row in rows]}
    print(
        f"\n{learners} learners, {args.weeks} weeks, seed {args.seed}, track of {TRACK} lessons, "
        f"skip {SKIP}. reviews/learner: review questions asked; mean recall: mean p(recall) at the end over "
        "the lessons received; retained: share of lessons answered right in a review at least "
        f"{RETAINED_AFTER} days after they were sent; lessons recalled: expected per learner; gain/review: "
        "lessons recalled beyond no review, per review question; days late: mean days past due when asked; "
        f"Δ: paired difference with {REFERENCE} over the same learners, ± one standard error."
    )
    print(f"wrote {write_json('review', results)}")
    return 0


def run_tick_at_scale(args: argparse.Namespace) -> int:
    """`--tick`: the table, the checks, bench/results/review_tick.json; 0 when every check passes."""
    learners = args.learners or 100_000
    shares = [float(share) for share in args.due_share.split(",")]
    databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    rows = asyncio.run(tick_at_scale(databases, learners, args.cards, shares))
    print()
    print_tick(rows)
    print(
        f"\ntick: ledger.plan_due at {TICK_AT:%Y-%m-%d %H:%M} UTC (09:00 in Paris, a Tuesday), lessons and "
        "reviews; next tick: again at the same moment; baseline: the same tick before any card existed; "
        f"rows queued: pending review rows after the tick; ms per 1,000 due: (tick - baseline) per 1,000 "
        f"due learners; each due learner has 1 to {DUE_CARDS} cards due. Set-up (not timed in the tick): "
        "migrations, then multi-row inserts."
    )
    results = {"learners": learners, "cards": args.cards, "rows": [vars(row) for row in rows]}
    return report("review_tick", results, tick_checks(rows))


if __name__ == "__main__":
    raise SystemExit(main())
