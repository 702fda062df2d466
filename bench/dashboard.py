"""Dashboard benchmark: each page's figures over 10,000 learners, 200 cohorts and 1,000,000 deliveries.

Run: `.venv/bin/python bench/dashboard.py [--databases sqlite,postgresql] [--runs 30] [--deliveries 1000000]`
(PostgreSQL: a scratch database on the server of TANDEM_BENCH_DATABASE_URL or TANDEM_TEST_DATABASE_URL).

The programme, seeded with bulk inserts (sqlite3 executemany, PostgreSQL COPY), fixed random seed:
- 200 cohorts started 10 to 310 days ago (one in 40 paused), 10,000 learners (50 a cohort): 70% active,
  10% completed, 8% stopped, 6% paused, 6% not reachable (pending install); 400 mentors (two a cohort,
  25 mentees each); one admin.
- 100 ledger rows a learner (1,000,000): 60 lessons spread over the cohort's first 12 weeks, 25 review
  questions, 15 others (tips, digests, nudges); 98% sent, the rest expired or failed.
- Feedback on each lesson sent: opened 35%, quiz 55% (72% right), useful 20%, not for me 4%; a review
  card per quiz answered (half of those three weeks old retained); review answers (quiz, then one per
  review question sent, 70% answered, 75% right); 2 questions a learner (answered by a lesson, by the
  mentor, declined, forwarded, open); 5 tips a mentor.

Each page is the storage calls it makes (bot/core/dashboard.py), run one after the other in one
transaction (the overview's page itself runs its four side by side), `--runs` times after one warm-up (at least 5 times, fewer than `--runs` when a page takes more than
`--budget` seconds in all): p50 and p99 in milliseconds, for an admin (everyone) and for a
mentor (25 mentees), and the pages' view models (bot/core/dashboard.py) when they import. Phases in the
same run, on each database:
- `baseline`: the same pages with people, cohorts and pairs only (no deliveries, answers, questions);
- `1M`: after the bulk load, the rollup's backfill (what migration 0009 runs) and ANALYZE, on exactly
  the schema the migrations build;
and in both phases the same pages over real HTTP (`page …`): the whole HTML page, as a signed-in browser
gets it (queries, tables, charts' SVG, template).
Target: p99 < 300 ms for every page.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import json
import os
import random
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from common import database, percentile, pg_url, print_table, report
from sqlalchemy import create_engine, text

from storage import dashboard, rollups
from storage.dashboard import Scope
from storage.db import Database, sync_url
from storage.enums import (
    AnswerKind,
    DeliveryKind,
    DeliveryStatus,
    EnrollmentStatus,
    FeedbackKind,
    PauseReason,
    QuestionStatus,
)

NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
COHORTS = 200
LEARNERS = 10_000
MENTORS_PER_COHORT = 2
ROWS_PER_LEARNER = 100
LESSONS, REVIEWS = 60, 25
TARGET_MS = 300.0
ADMIN = LEARNERS + COHORTS * MENTORS_PER_COHORT + 1
MIN_RUNS = 5
"""A page slower than its time budget (`--budget`) is run this many times, not `--runs`."""
TRACK_DAYS = 84
OTHER_KINDS = (DeliveryKind.TIP, DeliveryKind.DIGEST, DeliveryKind.NUDGE, DeliveryKind.NOTICE)


# --- the programme ------------------------------------------------------------------------------------


@dataclass
class Rows:
    """Rows for each table, as column names and tuples (Python values), in dependency order."""

    tables: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = field(default_factory=dict)

    def add(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        self.tables[table] = (columns, rows)

    def count(self, table: str) -> int:
        return len(self.tables[table][1]) if table in self.tables else 0


def cohort_start(cohort: int) -> dt.datetime:
    return (NOW - dt.timedelta(days=10 + (cohort - 1) * 1.5)).replace(hour=8, minute=0)


def mentor_of(pid: int) -> int:
    """Two mentors a cohort, each with 25 of its learners."""
    cohort_index = (pid - 1) % COHORTS
    return LEARNERS + 1 + cohort_index * MENTORS_PER_COHORT + ((pid - 1) // COHORTS) % MENTORS_PER_COHORT


def people(rng: random.Random) -> Rows:
    """Cohorts, learners (one enrollment each, id = person id), mentors, pairs, the admin."""
    rows = Rows()
    cohorts = [
        (
            c,
            f"cohort-{c:03d}",
            "first-steps",
            cohort_start(c).date(),
            "09:00",
            "mon,tue,wed,thu,fri",
            "Europe/Paris",
            c % 40 == 0,
            NOW,
        )
        for c in range(1, COHORTS + 1)
    ]
    rows.add(
        "cohort",
        ("id", "name", "track_id", "start_date", "delivery_time", "days", "tz", "paused", "created_at"),
        cohorts,
    )
    person_columns = (
        "id", "key", "platform", "display_name", "lang", "is_admin", "lang_source", "reachable",
        "unreachable_reason", "paused_until", "pause_reason", "last_active_at", "nudges", "share_topics",
        "nudges_ignored", "created_at",
    )  # fmt: skip
    persons, enrollments = [], []
    for pid in range(1, LEARNERS + 1):
        cohort = (pid - 1) % COHORTS + 1
        draw = rng.random()
        status, stop_reason, reachable, reason, paused, pause_reason = "active", None, True, None, None, None
        if draw < 0.70:
            pass
        elif draw < 0.80:
            status = EnrollmentStatus.COMPLETED
        elif draw < 0.88:
            status, stop_reason = EnrollmentStatus.STOPPED, "left the company"
        elif draw < 0.94:
            paused = NOW + 7 * DAY
            pause_reason = PauseReason.INACTIVITY if rng.random() < 0.3 else None
        else:
            reachable, reason = False, "app not installed"
        active = NOW - dt.timedelta(hours=rng.uniform(1, 400))
        persons.append(
            (pid, f"console:learner{pid}", "console", f"Learner {pid:05d}", "en", False, "profile", reachable,
             reason, paused, pause_reason, active, True, True, 0, NOW)
        )  # fmt: skip
        enrollments.append((pid, pid, cohort, LESSONS, status, stop_reason, NOW))
    mentors = range(LEARNERS + 1, LEARNERS + 1 + COHORTS * MENTORS_PER_COHORT)
    for pid in mentors:
        persons.append(
            (pid, f"console:mentor{pid}", "console", f"Mentor {pid:05d}", "en", False, "profile", True, None,
             None, None, NOW, True, True, 0, NOW)
        )  # fmt: skip
    persons.append(
        (ADMIN, "console:root", "console", "Root", "en", True, "profile", True, None, None, None, NOW, True,
         True, 0, NOW)
    )  # fmt: skip
    rows.add("person", person_columns, persons)
    rows.add(
        "enrollment",
        ("id", "person_id", "cohort_id", "position", "status", "stop_reason", "created_at"),
        enrollments,
    )
    rows.add(
        "mentorship",
        ("id", "mentor_id", "mentee_id", "created_at"),
        [(pid, mentor_of(pid), pid, NOW) for pid in range(1, LEARNERS + 1)],
    )
    return rows


def activity(rng: random.Random, deliveries: int) -> Rows:
    """Ledger rows, feedback, review cards and answers, questions and tips (see the module docstring)."""
    rows = Rows()
    per_learner = max(1, deliveries // LEARNERS)
    lessons = round(per_learner * LESSONS / ROWS_PER_LEARNER)
    reviews = round(per_learner * REVIEWS / ROWS_PER_LEARNER)
    ledger: list[tuple[Any, ...]] = []
    feedback: list[tuple[Any, ...]] = []
    cards: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    next_id = {"delivery": 1, "feedback": 1, "card": 1, "answer": 1}

    def new_id(table: str) -> int:
        next_id[table] += 1
        return next_id[table] - 1

    for pid in range(1, LEARNERS + 1):
        start = cohort_start((pid - 1) % COHORTS + 1)
        span = NOW - start
        track = min(span, dt.timedelta(days=TRACK_DAYS))
        answered: list[tuple[str, dt.datetime]] = []
        for n in range(per_learner):
            if n < lessons:
                kind, lesson = DeliveryKind.LESSON, f"lesson-{n:02d}"
                when = start + track * (n / lessons) + dt.timedelta(minutes=rng.uniform(0, 5))
            elif n < lessons + reviews:
                kind, lesson = DeliveryKind.REVIEW, None
                when = start + 2 * DAY + (span - 2 * DAY) * ((n - lessons) / reviews)
            else:
                kind, lesson = rng.choice(OTHER_KINDS), None
                when = start + span * rng.random()
            draw = rng.random()
            status = DeliveryStatus.SENT if draw < 0.98 else rng.choice((DeliveryStatus.EXPIRED, "failed"))
            sent_at = when if status == DeliveryStatus.SENT else None
            if kind == DeliveryKind.REVIEW and status == DeliveryStatus.SENT and answered:
                lesson_id, first = rng.choice([a for a in answered if a[1] < when] or answered)
                if rng.random() < 0.7 and first < when:
                    answers.append(
                        (new_id("answer"), pid, lesson_id, 1, AnswerKind.REVIEW, rng.random() < 0.75,
                         when + dt.timedelta(hours=1))
                    )  # fmt: skip
                lesson = lesson_id
            ledger.append(
                (new_id("delivery"), f"{kind}:{pid}:{n}", pid, pid if kind == DeliveryKind.LESSON else None,
                 lesson, kind, 1, status, when, sent_at, 1, False, when)
            )  # fmt: skip
            if kind != DeliveryKind.LESSON or sent_at is None or lesson is None:
                continue
            later = sent_at + dt.timedelta(hours=rng.uniform(0.1, 30))
            if rng.random() < 0.35:
                feedback.append((new_id("feedback"), pid, lesson, FeedbackKind.OPENED, None, later))
            if rng.random() < 0.55:
                right = rng.random() < 0.72
                feedback.append((new_id("feedback"), pid, lesson, FeedbackKind.QUIZ, right, later))
                answers.append((new_id("answer"), pid, lesson, 0, AnswerKind.QUIZ, right, later))
                retained = None
                if sent_at <= NOW - 21 * DAY and rng.random() < 0.5:
                    retained = min(NOW, sent_at + dt.timedelta(days=rng.uniform(21, 40)))
                cards.append(
                    (new_id("card"), pid, lesson, sent_at, NOW + 3 * DAY, json.dumps({}), 1, 0, retained, NOW)
                )
                answered.append((lesson, sent_at))
            if rng.random() < 0.20:
                feedback.append((new_id("feedback"), pid, lesson, FeedbackKind.USEFUL, None, later))
            elif rng.random() < 0.04:
                feedback.append((new_id("feedback"), pid, lesson, FeedbackKind.NOT_USEFUL, None, later))
    rows.add(
        "delivery",
        ("id", "dedupe_key", "person_id", "enrollment_id", "lesson_id", "kind", "priority", "status", "due_at",
         "sent_at", "attempts", "uncertain", "created_at"),
        ledger,
    )  # fmt: skip
    rows.add("feedback", ("id", "person_id", "lesson_id", "kind", "correct", "created_at"), feedback)
    rows.add(
        "reviewcard",
        ("id", "person_id", "lesson_id", "first_sent_at", "due_at", "state", "reviews", "lapses",
         "retained_at", "updated_at"),
        cards,
    )  # fmt: skip
    rows.add(
        "reviewanswer", ("id", "person_id", "lesson_id", "variant", "kind", "correct", "answered_at"), answers
    )
    rows.add("question", *questions(rng))
    rows.add("customtip", *tips(rng))
    return rows


def questions(rng: random.Random) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    found = []
    for qid in range(1, 2 * LEARNERS + 1):
        pid = (qid - 1) % LEARNERS + 1
        start = cohort_start((pid - 1) % COHORTS + 1)
        created = start + (NOW - start) * rng.random()
        draw = rng.random()
        lesson, confident, status, mentor, answered, new_topic = (
            None,
            False,
            QuestionStatus.OPEN,
            None,
            None,
            None,
        )
        if draw < 0.35:
            lesson, confident, status = f"lesson-{rng.randrange(LESSONS):02d}", True, QuestionStatus.ANSWERED
        elif draw < 0.65:
            status, mentor = QuestionStatus.ANSWERED, mentor_of(pid)
            answered = min(NOW, created + dt.timedelta(hours=rng.expovariate(1 / 6)))
        elif draw < 0.75:
            status = QuestionStatus.DECLINED
        elif draw < 0.85:
            status, mentor = QuestionStatus.FORWARDED, mentor_of(pid)
        elif rng.random() < 0.1:
            new_topic = created + DAY
        found.append(
            (qid, pid, f"How do I handle case {qid % 977} at work?", "en", lesson, confident, status, mentor,
             answered, new_topic, created)
        )  # fmt: skip
    columns = ("id", "person_id", "text", "lang", "lesson_id", "confident", "status", "mentor_id",
               "answered_at", "new_topic_at", "created_at")  # fmt: skip
    return columns, found


def tips(rng: random.Random) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    found = []
    for n, mentor in enumerate(range(LEARNERS + 1, LEARNERS + 1 + COHORTS * MENTORS_PER_COHORT)):
        cohort = (mentor - LEARNERS - 1) // MENTORS_PER_COHORT + 1
        for k in range(5):
            target_person = cohort + COHORTS * rng.randrange(LEARNERS // COHORTS) if k % 2 else None
            target_cohort = None if k % 2 else cohort
            found.append((n * 5 + k + 1, mentor, target_person, target_cohort, "A tip.", NOW, NOW))
    return ("id", "author_id", "target_person_id", "target_cohort_id", "text", "send_at", "created_at"), found


# --- bulk loading ---------------------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    """As SQLAlchemy stores it on SQLite: naive UTC text with microseconds, ISO dates, 0/1."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
        return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def load(url: str, rows: Rows) -> float:
    """Insert every table's rows (sqlite3 executemany or PostgreSQL COPY); seconds taken."""
    started = time.perf_counter()
    engine = create_engine(sync_url(url))
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            if (
                engine.dialect.name == "sqlite"
            ):  # a scratch file: bulk-load settings, for this connection only
                cursor.execute("PRAGMA cache_size = -1000000")
                cursor.execute("PRAGMA synchronous = OFF")
            else:  # the rows are consistent by construction: no foreign-key trigger per row
                cursor.execute("SET session_replication_role = replica")
            for table, (columns, values) in rows.tables.items():
                names = ", ".join(columns)
                if engine.dialect.name == "sqlite":
                    marks = ", ".join("?" for _ in columns)
                    cursor.executemany(
                        f"INSERT INTO {table} ({names}) VALUES ({marks})",
                        [[_sqlite_value(v) for v in row] for row in values],
                    )
                else:
                    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in values:
                            copy.write_row(row)
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()
    return time.perf_counter() - started


def execute(url: str, *statements: str) -> float:
    started = time.perf_counter()
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def analyze(url: str) -> float:
    """ANALYZE; on PostgreSQL VACUUM ANALYZE, as autovacuum does after a bulk insert: it sets the
    visibility map, without which an index-only scan still reads every row it counts."""
    if not url.startswith("postgresql"):
        return execute(url, "ANALYZE")
    started = time.perf_counter()
    engine = create_engine(sync_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def build_rollup(url: str) -> float:
    """Fill the dashboard's rollup from the bulk-loaded rows, with the migration's own backfill (the
    writers keep it up to date in production; the bulk load bypasses them); seconds taken."""
    started = time.perf_counter()
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            for statement in rollups.backfill_statements(engine.dialect.name):
                connection.execute(statement)
    finally:
        engine.dispose()
    return time.perf_counter() - started


# --- the pages ------------------------------------------------------------------------------------------

Page = Callable[[Any], Awaitable[object]]


def pages(mentor_scope: Scope, cohort_id: int) -> dict[str, Page]:
    """Each page's storage calls (bot/core/dashboard.py), for an admin and for a mentor."""
    everyone = Scope.everyone()
    last = NOW.date()
    first = last - dt.timedelta(days=55)

    def overview(scope: Scope) -> Page:
        async def run(session: Any) -> object:
            return (
                await dashboard.programme_numbers(session, scope=scope, now=NOW),
                await dashboard.deliveries_per_day(session, scope=scope, first_day=first, last_day=last),
                await dashboard.funnel(session, scope=scope),
                await dashboard.retention_curve(session, scope=scope, now=NOW),
            )

        return run

    def cohorts(scope: Scope) -> Page:
        async def run(session: Any) -> object:
            return await dashboard.cohort_list(session, scope=scope, now=NOW)

        return run

    def cohort(scope: Scope) -> Page:
        async def run(session: Any) -> object:
            return (
                await dashboard.cohort_list(session, scope=scope, now=NOW),
                await dashboard.cohort_progress(session, cohort_id=cohort_id, scope=scope),
                await dashboard.cohort_people(session, cohort_id=cohort_id, scope=scope, now=NOW),
                await dashboard.mentor_activity(session, cohort_id=cohort_id, scope=scope),
                await dashboard.quiz_results(session, cohort_id=cohort_id, scope=scope),
            )

        return run

    def lessons(scope: Scope) -> Page:
        async def run(session: Any) -> object:
            return await dashboard.lesson_stats(session, scope=scope, now=NOW)

        return run

    async def gaps(session: Any) -> object:
        return await dashboard.content_gaps(session)

    return {
        "overview (admin)": overview(everyone),
        "overview (mentor)": overview(mentor_scope),
        "cohorts (admin)": cohorts(everyone),
        "cohorts (mentor)": cohorts(mentor_scope),
        "cohort (admin)": cohort(everyone),
        "cohort (mentor)": cohort(mentor_scope),
        "lessons (admin)": lessons(everyone),
        "lessons (mentor)": lessons(mentor_scope),
        "gaps (admin)": gaps,
    }


def views(
    url: str, admin: int, mentor: int, cohort_id: int
) -> tuple[dict[str, Callable[[], Awaitable[object]]], Any]:
    """The pages' view models (bot/core/dashboard.py: the storage calls, the scoping, the tables and the
    charts' data), each building its own transactions as a request does; and the Services to dispose."""
    from bot.core import dashboard as view
    from bot.core.context import LessonStore, Services
    from bot.settings import Settings
    from lessons import load_library

    settings = Settings(database_url=url, admins=["root"], semantic="off", _env_file=None)
    services = Services(
        db=Database(url),
        settings=settings,
        lessons=LessonStore([], library=load_library(), semantic=settings.semantic),
        clock=lambda: NOW,
    )
    found: dict[str, Callable[[], Awaitable[object]]] = {}
    for who, pid in (("admin", admin), ("mentor", mentor)):
        found[f"view overview ({who})"] = functools.partial(view.overview, services, pid)
        found[f"view cohorts ({who})"] = functools.partial(view.cohorts, services, pid)
        found[f"view cohort ({who})"] = functools.partial(view.cohort, services, pid, cohort_id)
        found[f"view lessons ({who})"] = functools.partial(view.lessons, services, pid)
    found["view gaps (admin)"] = functools.partial(view.gaps, services, admin)
    return found, services


async def http_pages(
    services: Any, admin: int, mentor: int, cohort_id: int
) -> tuple[dict[str, Callable[[], Awaitable[object]]], Callable[[], Awaitable[None]]]:
    """The pages themselves over real HTTP, as a browser gets them: the web host with the dashboard's
    routes on a free 127.0.0.1 port, each viewer signed in through a one-time link (GET its page, POST
    its button); each call is one GET of the whole HTML page (queries, tables, charts' SVG, template).
    Returns the calls and what stops the server."""
    import aiohttp
    from aiohttp import web

    from bot.app import make_app
    from bot.core.commands.dashboard import issue_sign_in
    from bot.server import build_web_app
    from bot.web.app import dashboard_routes
    from storage import people as people_repo

    app = make_app(services)
    runner = web.AppRunner(build_web_app(services.db, [], extra=dashboard_routes(app.conversation)))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    clients: list[aiohttp.ClientSession] = []
    found: dict[str, Callable[[], Awaitable[object]]] = {}
    for who, pid in (("admin", admin), ("mentor", mentor)):
        async with services.db.transaction() as session:
            person = await people_repo.get_person_by_id(session, person_id=pid)
            assert person is not None
            link = await issue_sign_in(session, services, person, via="cli")
        client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        clients.append(client)
        path = link.url.split("/dashboard/", 1)[1]
        async with client.post(f"{base}/dashboard/{path}", allow_redirects=False) as response:
            assert response.status == 303, f"sign-in as {who}: {response.status}"
        addresses = {
            "overview": "/dashboard",
            "cohorts": "/dashboard/cohorts",
            "lessons": "/dashboard/lessons",
        }
        addresses["cohort"] = f"/dashboard/cohorts/{cohort_id}"
        if who == "admin":
            addresses["gaps"] = "/dashboard/gaps"
        for name, address in addresses.items():
            found[f"page {name} ({who})"] = functools.partial(_get, client, f"{base}{address}")

    async def stop() -> None:
        for client in clients:
            await client.close()
        await runner.cleanup()

    return found, stop


async def _get(client: Any, url: str) -> object:
    async with client.get(url) as response:
        body = await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
        return body


@dataclass
class Timing:
    database: str
    phase: str
    page: str
    p50: float
    p99: float
    runs: int
    load: float = 0.0
    """The machine's one-minute load average when the page was measured (other work skews the times)."""


async def time_pages(
    backend: str, phase: str, url: str, runs: int, budget: float, *, views_too: bool
) -> list[Timing]:
    from bot.serve import settle_memory

    # As `tandem run` does once it is built: what is long-lived (here also the millions of generated rows
    # this process holds for the load) is frozen out of the collector's way, so that a full collection
    # over them does not land in one request's time.
    settle_memory()
    db = Database(url)
    mentor = mentor_of(1)
    async with db.transaction() as session:
        scope = Scope.only(await dashboard.mentee_ids(session, mentor_id=mentor))

    def in_transaction(page: Page) -> Callable[[], Awaitable[object]]:
        async def run() -> object:
            async with db.transaction() as session:
                return await page(session)

        return run

    measured = {name: in_transaction(page) for name, page in pages(scope, cohort_id=1).items()}
    services = None
    stop_http: Callable[[], Awaitable[None]] | None = None
    if views_too:
        try:
            more, services = views(url, admin=ADMIN, mentor=mentor, cohort_id=1)
            measured.update(more)
            served, stop_http = await http_pages(services, ADMIN, mentor, 1)
            measured.update(served)
        except Exception as error:  # the views and pages are optional: say why, go on
            print(f"  views skipped: {error!r}")
    try:
        found = []
        for name, call in measured.items():
            try:
                samples = await _samples(call, runs, budget)
            except Exception as error:  # one failing page must not hide the others
                print(f"  {backend:10} {phase:11} {name:24} failed: {error!r}")
                continue
            found.append(
                Timing(
                    backend,
                    phase,
                    name,
                    statistics.median(samples),
                    percentile(samples, 99),
                    len(samples),
                    os.getloadavg()[0],
                )
            )
            print(
                f"  {backend:10} {phase:11} {name:24} p50 {found[-1].p50:8.1f} ms  p99 {found[-1].p99:8.1f} ms"
            )
        return found
    finally:
        if stop_http is not None:
            await stop_http()
        await db.dispose()
        if services is not None:
            await services.db.dispose()


async def _samples(call: Callable[[], Awaitable[object]], runs: int, budget: float) -> list[float]:
    """Milliseconds per call, after one warm-up (connection, statement caches): `runs` of them, or at
    least MIN_RUNS once `budget` seconds are spent."""
    samples: list[float] = []
    spent = 0.0
    for n in range(runs + 1):
        started = time.perf_counter()
        await call()
        elapsed = time.perf_counter() - started
        if n:
            samples.append(elapsed * 1000)
        spent += elapsed
        if len(samples) >= MIN_RUNS and spent > budget:
            break
    return samples


def each_database(databases: Sequence[str]) -> Iterator[tuple[str, Any]]:
    for backend in databases:
        if backend == "postgresql":
            base = pg_url()
            if base is None:
                raise SystemExit("postgresql: set TANDEM_BENCH_DATABASE_URL or TANDEM_TEST_DATABASE_URL")
            yield backend, database(base)
        else:
            yield backend, database(None, name="dashboard")


async def run(databases: Sequence[str], runs: int, deliveries: int, budget: float) -> dict[str, Any]:
    rng = random.Random(17)
    started = time.perf_counter()
    cast = people(rng)
    bulk = activity(rng, deliveries)
    generated = time.perf_counter() - started
    counts = {table: rows.count(table) for rows in (cast, bulk) for table in rows.tables}
    print(f"generated in {generated:.1f} s: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    bulk_phase = "1M" if deliveries == 1_000_000 else f"{deliveries // 1000}k"
    timings: list[Timing] = []
    setup: dict[str, dict[str, float]] = {}
    for backend, scratch in each_database(databases):
        with scratch as url:
            seconds: dict[str, float] = {}
            seconds["people"] = load(url, cast)
            seconds["analyze_people"] = analyze(url)
            timings += await time_pages(backend, "baseline", url, runs, budget, views_too=True)
            seconds["bulk"] = load(url, bulk)
            seconds["rollup"] = build_rollup(url)
            print(f"  {backend}: rollup built in {seconds['rollup']:.1f} s")
            seconds["analyze"] = analyze(url)
            print(f"  {backend}: loaded in {seconds['people'] + seconds['bulk']:.1f} s")
            timings += await time_pages(backend, bulk_phase, url, runs, budget, views_too=True)
            setup[backend] = seconds
    return {"counts": counts, "generated_s": generated, "setup_s": setup, "timings": timings}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per page before stopping early")
    parser.add_argument("--output", default="dashboard", help="bench/results/<output>.json")
    parser.add_argument("--deliveries", type=int, default=LEARNERS * ROWS_PER_LEARNER)
    args = parser.parse_args()
    results = asyncio.run(
        run(
            args.databases.split(","),
            args.runs,
            args.deliveries,
            args.budget,
        )
    )
    timings: list[Timing] = results["timings"]
    print()
    print_table(
        ["database", "phase", "page", "p50 ms", "p99 ms", "runs", "load"],
        [(t.database, t.phase, t.page, t.p50, t.p99, t.runs, t.load) for t in timings],
    )
    checks = {
        f"{t.database} {t.page}: p99 {t.p99:.0f} ms < {TARGET_MS:.0f} ms ({t.phase})": t.p99 < TARGET_MS
        for t in timings
        if t.phase != "baseline"
    }
    results["timings"] = [t.__dict__ for t in timings]
    results["sqlite_version"] = sqlite3.sqlite_version
    return report(args.output, results, checks)


if __name__ == "__main__":
    raise SystemExit(main())
