"""Conversation core benchmark: per-event latency for a realistic mix, and a 5,000-person enrollment.

Run: `.venv/bin/python bench/core.py [--events 10000] [--enroll 5000]`

The core runs over a real database (SQLite always; PostgreSQL when TANDEM_BENCH_DATABASE_URL or
TANDEM_TEST_DATABASE_URL is set), exactly as a channel calls it: one event in, replies out, one
transaction per event. The mix is 200 learners, 10 mentors and an admin sending questions (from
tests/lessons/questions.yml), today/next/progress/settings/lesson, quiz and feedback buttons, and mentor
and admin commands. "enroll, first reply" is what a channel must wait for before it can acknowledge;
the rest of a large enrollment runs after the reply.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from common import ROOT, percentile, pg_url, print_table, report  # type: ignore[import-not-found]

from bot.app import App, make_app
from bot.console.channel import console_actor, mentions_in
from bot.core.context import LessonStore, Services
from bot.core.events import Event
from bot.settings import Settings
from storage.db import Database, upgrade
from tests.support.db import PostgresTemplate

LEARNERS = 200
MENTORS = 10


def event_mix(count: int, seed: int = 3) -> list[Event]:
    rng = random.Random(seed)
    questions = [
        q["q"] for q in yaml.safe_load((ROOT / "tests/lessons/questions.yml").read_text())["questions"]
    ]
    lessons = ["strong-passwords", "linkedin-profile", "x-lists", "phishing-scams", "hashtags"]
    events: list[Event] = []
    for _ in range(count):
        roll = rng.random()
        learner = console_actor(f"learner{rng.randrange(LEARNERS)}")
        mentor = console_actor(f"mentor{rng.randrange(MENTORS)}")
        if roll < 0.40:
            events.append(Event(learner, "message", rng.choice(questions)))
        elif roll < 0.70:
            text = rng.choice(
                ["today", "next", "progress", "settings", f"lesson {rng.choice(lessons)}", "help"]
            )
            events.append(Event(learner, "message", text))
        elif roll < 0.85:
            action, value = rng.choice(
                [
                    ("quiz.answer", f"{rng.choice(lessons)}:{rng.randrange(2)}"),
                    ("feedback.useful", rng.choice(lessons)),
                ]
            )
            events.append(Event(learner, "action", action=action, value=value))
        elif roll < 0.95:
            events.append(Event(mentor, "message", rng.choice(["mentees", "help"])))
        else:
            events.append(
                Event(
                    console_actor("root"), "message", rng.choice(["report pilot", "cohort list", "questions"])
                )
            )
    return events


async def setup(app: App) -> None:
    conversation = app.conversation

    async def say(who: str, text: str) -> None:
        await conversation.handle(Event(console_actor(who), "message", text, mentions=mentions_in(text)))
        await app.jobs.run_pending()

    await say("root", "cohort create pilot track first-steps start 2026-01-05")
    await say("root", "enroll pilot " + " ".join(f"@learner{i}" for i in range(LEARNERS)))
    for i in range(LEARNERS):
        if i % 20 == 0:
            await say("root", f"pair @mentor{i // 20} @learner{i}")


async def measure(db_url: str, events: int, enroll: int) -> dict[str, float]:
    settings = Settings(database_url=db_url, admins=["root"], _env_file=None)  # type: ignore[call-arg]
    db = Database(db_url)
    services = Services(db=db, settings=settings, lessons=LessonStore([]))
    services.lessons.warm()  # as `tandem run` does before serving
    app = make_app(services)
    conversation = app.conversation
    await setup(app)
    timings: list[float] = []
    for event in event_mix(events):
        started = time.perf_counter()
        await conversation.handle(event)
        timings.append((time.perf_counter() - started) * 1000)
    text = "cohort create big track first-steps start 2026-01-05"
    await conversation.handle(Event(console_actor("root"), "message", text))
    text = "enroll big " + " ".join(f"@person{i}" for i in range(enroll))
    event = Event(console_actor("root"), "message", text, mentions=mentions_in(text))
    started = time.perf_counter()
    await conversation.handle(event)
    first_reply = (time.perf_counter() - started) * 1000
    await app.jobs.run_pending()  # the enrollment's durable job, as the runner does it after the reply
    total = (time.perf_counter() - started) * 1000
    await db.dispose()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(percentile(timings, 99), 2),
        "events": len(timings),
        "enroll_first_reply_ms": round(first_reply, 1),
        "enroll_total_ms": round(total, 1),
    }


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--enroll", type=int, default=5_000)
    args = parser.parse_args()
    results: dict[str, object] = {}
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'core.db'}"
        upgrade(url)
        results["sqlite"] = await measure(url, args.events, args.enroll)
    if pg_url():
        template = PostgresTemplate(pg_url())  # type: ignore[arg-type]
        url = template.new()
        try:
            results["postgresql"] = await measure(url, args.events, args.enroll)
        finally:
            template.drop(url)
            template.close()
    for name, r in results.items():
        rows.append(
            [name, r["events"], r["p50_ms"], r["p99_ms"], r["enroll_first_reply_ms"], r["enroll_total_ms"]]
        )  # type: ignore[index]
    print(f"\nConversation core: {args.events} mixed events, then one enrollment of {args.enroll} people")
    print_table(["database", "events", "p50 ms", "p99 ms", "enroll: first reply ms", "enroll: done ms"], rows)
    checks = {"enrollment replies within Slack's 3 s": all(float(r[4]) < 3000 for r in rows)}
    return report("core", results, checks)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
