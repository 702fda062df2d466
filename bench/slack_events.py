"""Slack benchmark: the reply latency a person feels, beside a bare bolt app in the same run.

Run: `.venv/bin/python bench/slack_events.py [--quick] [--rates 50,200] [--seconds 5] [--rounds 4]
[--databases sqlite,postgresql] [--postgres-url URL] [--enroll 5000] [--enroll-rounds 3]
[--messages fixed|questions] [--semantic use|off]`

- Reply latency: signed `message.im` events posted at a steady rate (open loop: each at its time,
  whether or not the earlier ones were answered) to POST /slack/events; an event's latency runs from
  its post to its answer reaching `chat.postMessage` on the fake Slack API. p50 and p99 for:
  - "bare": a bolt app that only acks and echoes the text back, behind the same HTTP handler;
  - "tandem": signature, shape and replay checks, the core answering from the lesson library in one
    transaction, Block Kit, `chat.postMessage`.
  The two apps alternate, `--rounds` times `--seconds` each per rate (the order flips each round), so
  that a busier moment of the shared machine weighs on both alike. Before that, each of the 500
  senders writes once (their first contact, shown apart: a `users.info` call and a new person).
  Target: Tandem's p99 <= the bare app's p99 + 25 ms, at every rate, on every database.
- What the messages say (`--messages`): "fixed" cycles four plain questions, which the lexical engine
  answers confidently on its own (the semantic model is never called); "questions" draws each event's
  text from the learner questions of tests/lessons/questions.yml and tests/lessons/eval/dev.yml (both
  languages, off-topic ones included; never the test split), shuffled with a fixed seed, so that the
  unsure answers go through the semantic ranker as in production. Target there: p99 <= bare + 40 ms.
  Tandem answers with the engine production uses (`--semantic`, default "use": lexical + USE, fused,
  whatever TANDEM_SEMANTIC says in the environment); the run prints that engine, and the time its
  answers took in the worker threads.
- The acknowledgement of `/tandem` while an admin enrolls a channel of `--enroll` people (on SQLite):
  slash commands from learners at `--command-rate` per second, from the enrollment's command until its
  summary reaches the admin; `--enroll-rounds` enrollments of new channels. Target: ack p99 < 300 ms.
The fake Slack Web API and the load driver run in their own process (bench/latency.py). Tandem gets a
fresh SQLite file, and a scratch database (dropped afterwards) on the PostgreSQL server that
`--postgres-url`, TANDEM_BENCH_DATABASE_URL or TANDEM_TEST_DATABASE_URL names, when one does.
`--quick` (one rate, 2 rounds of 3 s, no enrollment) answers in under a minute per database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import random
import time
import urllib.parse
import uuid
import zlib
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web
from common import ROOT, database, print_table, report
from latency import (
    ROW_HEADERS,
    Arrivals,
    Builder,
    Driver,
    Shot,
    add_arguments,
    checks,
    compare,
    databases,
    driver_process,
    quick,
    rows,
    summary,
    tandem_serving,
)
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings
from bot.slack.channel import SlackChannel
from bot.slack.http import slack_handler
from bot.slack.settings import SlackSettings
from tests.support.fake_slack import FakeSlack

SECRET = "bench-signing-secret"
RUN = uuid.uuid4().hex[:8]  # event ids never repeat across runs, whatever database is reused
SENDERS = 500
"""Learners writing in the measured runs; before them, each has written once (their first contact)."""
ADMIN = "UADMIN"
ADMIN_DM = "DADMIN"
"""Where the enrollment's summary reaches the admin: it ends an enrollment round."""
TARGET_MARGIN_MS = 25.0
"""With the fixed messages; with learner questions (which call the semantic model), QUESTIONS_MARGIN_MS."""
QUESTIONS_MARGIN_MS = 40.0
ACK_TARGET_MS = 300.0
QUESTIONS = [
    "how do I spot a phishing email?",
    "comment activer la validation en deux étapes ?",
    "what should my LinkedIn headline say?",
    "how many hashtags should I use?",
]
LEARNER_QUESTIONS = [
    ROOT / "tests" / "lessons" / "questions.yml",
    ROOT / "tests" / "lessons" / "eval" / "dev.yml",
]
"""Where `--messages questions` draws its texts: the old set and the dev split, never the test split."""
SHUFFLE_SEED = 15
COMMANDS = ["progress", "help"]


def learner_questions(paths: list[Path] = LEARNER_QUESTIONS, *, seed: int = SHUFFLE_SEED) -> list[str]:
    """Every question of the `paths` evaluation sets, shuffled with `seed` (the same order each run), so
    that consecutive events mix languages and lessons."""
    texts: list[str] = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [str(item["q"]).strip() for item in data["questions"] if str(item.get("q", "")).strip()]
    random.Random(seed).shuffle(texts)
    return texts


def message_texts(kind: str) -> list[str]:
    """The texts the `message.im` events carry, cycled: "fixed" or "questions" (see the module's doc)."""
    if kind == "questions":
        return learner_questions()
    return list(QUESTIONS)


def signed(body: str) -> dict[str, str]:
    """Slack's signature headers for a JSON body, signed now."""
    ts = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body) or ""
    return {
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
        "content-type": "application/json",
    }


def sender(number: int) -> str:
    return f"U{number:06d}"


def member(channel: int, number: int) -> str:
    """The members of the enrollment rounds' channels: new people each round."""
    return f"UE{channel:02d}{number:05d}"


class _DrivenSlack(FakeSlack):
    """The fake Slack API in the driver process: marks each answer's arrival (a message by its channel,
    a slash command's reply by its response_url) and keeps no record, so long runs stay small."""

    def __init__(self, arrivals: Arrivals) -> None:
        super().__init__(page_size=200)
        self.arrivals = arrivals

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._chat_post_message(args)
        self.arrivals.mark(str(answer["channel"]))
        self.messages.clear()
        self.calls.clear()
        return answer

    async def _response(self, request: web.Request) -> web.Response:
        answer = await super()._response(request)
        self.arrivals.mark(f"response:{request.match_info['name']}")
        self.responses.clear()
        self.calls.clear()
        return answer


def _command(fake: str, user: str, text: str, name: str) -> Shot:
    form = {
        "team_id": "T1",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/tandem",
        "text": text,
        "response_url": f"{fake}/response/{name}",
        "trigger_id": f"t{RUN}{name}",
    }
    body = urllib.parse.urlencode(form)
    headers = {**signed(body), "content-type": "application/x-www-form-urlencoded"}
    return Shot(f"response:{name}", "/slack/events", body, headers)


async def setup_fake(arrivals: Arrivals, options: dict[str, Any]) -> tuple[str, dict[str, Builder]]:
    """Starts the fake Slack workspace (the senders, the admin, one channel of new people per enrollment
    round); returns its URL and the requests the driver can post (messages cycle `options["texts"]`)."""
    texts: list[str] = options["texts"]
    fake = _DrivenSlack(arrivals)
    for number in range(2 * SENDERS):
        fake.add_user(sender(number), name=f"user{number}", locale="en-GB")
    fake.add_user(ADMIN, name="admin")
    for channel in range(options["enroll_rounds"]):
        people = [member(channel, number) for number in range(options["enroll"])]
        for user in people:
            fake.add_user(user)
        fake.channel_members[f"CBIG{channel}"] = people
    url = await fake.start()

    def message(index: int, label: str, first_user: int) -> Shot:
        channel = f"D{RUN}{label}x{index}"  # one conversation per event: its answer is found by channel
        start = zlib.crc32(label.encode()) % len(texts)  # each run its own stretch of the texts
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "ABOT",
                "event_id": f"Ev{RUN}{label}x{index}",
                "event": {
                    "type": "message",
                    "channel_type": "im",
                    "channel": channel,
                    "user": sender(first_user + index % SENDERS),
                    "text": texts[(start + index) % len(texts)],
                    "ts": f"{index}.1",
                },
            }
        )
        return Shot(channel, "/slack/events", body, signed(body))

    def command(index: int, label: str, first_user: int) -> Shot:
        user = sender(first_user + index % SENDERS)
        return _command(url, user, COMMANDS[index % len(COMMANDS)], f"{label}x{index}")

    def cohort(index: int, label: str, first_user: int) -> Shot:
        number = first_user + index
        return _command(url, ADMIN, f"cohort create big{number} track first-steps", f"{label}x{index}")

    def enroll(index: int, label: str, first_user: int) -> Shot:
        number = first_user + index
        text = f"enroll big{number} <#CBIG{number}|everyone-{number}>"
        return _command(url, ADMIN, text, f"{label}x{index}")

    builders: dict[str, Builder] = {
        "message": message,
        "command": command,
        "cohort": cohort,
        "enroll": enroll,
    }
    return url, builders


def bare_echo(fake: str, *, session: aiohttp.ClientSession | None = None) -> web.Application:
    """A bolt app that only acks and echoes, behind the same HTTP handler as Tandem; with `session`,
    its Web API client reuses one aiohttp session (as Tandem's does) instead of one per call."""
    client = AsyncWebClient(token="xoxb-test-token", base_url=f"{fake}/api/", session=session)
    bare = AsyncApp(client=client, signing_secret=SECRET)

    @bare.event("message")
    async def echo(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.chat_postMessage(channel=event["channel"], text=event.get("text", ""))

    application = web.Application()
    application.router.add_post("/slack/events", slack_handler(bare, SECRET))
    return application


async def enrollment_acks(driver: Driver, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The ack of `/tandem` commands, first alone, then while each round's enrollment runs."""
    rate = args.command_rate
    idle = await driver.drive(url, kind="command", rate=rate, count=round(rate * 3), label="idle")
    acks: list[float] = []
    replies: list[float] = []
    rounds: list[dict[str, Any]] = []
    for number in range(args.enroll_rounds):
        await driver.drive(url, kind="cohort", rate=1, count=1, label=f"cohort{number}", first_user=number)
        run = await driver.drive(
            url,
            kind="command",
            rate=rate,
            count=round(rate * 300),
            label=f"enroll{number}",
            opening={"kind": "enroll", "index": number},
            until=ADMIN_DM,
            timeout=120,
        )
        acks += run["ack_ms"]
        replies += run["latency_ms"]
        rounds.append(
            {
                "enroll_ack_ms": round(run["opening"].get("ack_ms", -1.0), 1),
                "done_in_s": round(run["until_s"], 2) if run["until_s"] is not None else None,
                "commands": len(run["ack_ms"]),
                "lost": run["lost"] + run["failed"],
            }
        )
    return {
        "people": args.enroll,
        "command_rate": rate,
        "idle_ack": summary(idle["ack_ms"]),
        "idle_reply": summary(idle["latency_ms"]),
        "ack": summary(acks),
        "reply": summary(replies),
        "rounds": rounds,
    }


class AnswerProbe:
    """Tandem's answers as its worker threads see them: which engine answers, and for each answer the
    time it took (wall, and CPU of its own thread: the gap is time spent waiting for the GIL or a core)
    and whether it was confident. Wraps the lesson store's `answer`, which the core runs in a thread."""

    def __init__(self) -> None:
        self.engine = "not built"
        self.wall_ms: list[float] = []
        self.cpu_ms: list[float] = []
        self.confident = 0
        self.errors = 0
        """Answers that raised (the bot then says it could not answer): they are not timed."""

    def attach(self, app: Any) -> None:
        """Wrap `app`'s lesson store (its engine is built: `tandem_serving` warms it first)."""
        store = app.services.lessons
        engine = store.engine
        ranker = getattr(engine, "ranker", None)
        self.engine = type(engine).__name__ + (f" ({ranker.embedder.name})" if ranker is not None else "")
        answer = store.answer

        @functools.wraps(answer)
        def timed(question: str, lang: str | None = None) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                found = answer(question, lang)
            except Exception:
                self.errors += 1
                raise
            self.cpu_ms.append((time.thread_time() - cpu) * 1000)
            self.wall_ms.append((time.perf_counter() - wall) * 1000)
            self.confident += bool(found.confident)
            return found

        store.answer = timed

    def figures(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "answers": len(self.wall_ms),
            "confident": self.confident,
            "errors": self.errors,
            "wall": summary(self.wall_ms),
            "cpu": summary(self.cpu_ms),
        }


class LoopLag:
    """How late the event loop wakes a 5 ms sleep: the time a ready callback (an ack, an answer's next
    step) waits behind work running on the loop, or behind threads holding the GIL."""

    TICK = 0.005

    def __init__(self) -> None:
        self.lags_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.TICK)
            self.lags_ms.append((time.perf_counter() - before - self.TICK) * 1000)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def stop(self) -> dict[str, float]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return summary(self.lags_ms)


async def measure(
    driver: Driver, db_url: str, database_name: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Both apps side by side, with Tandem on `db_url` answering with the `args.semantic` engine."""
    settings = Settings(
        database_url=db_url,
        admins=[ADMIN],
        semantic=args.semantic,
        slack=SlackSettings(
            bot_token=SecretStr("xoxb-test-token"),
            signing_secret=SecretStr(SECRET),
            api_url=f"{driver.fake}/api/",
        ),
        _env_file=None,  # type: ignore[call-arg]
    )

    def channel(conversation: Any) -> SlackChannel:
        return SlackChannel(conversation, settings.slack)

    probe = AnswerProbe()
    async with tandem_serving(settings, channel, bare_echo(driver.fake), prepare=probe.attach) as apps:
        lag = LoopLag()
        lag.start()
        results = await compare(driver, apps, args, senders=SENDERS, prefix=database_name)
        results["loop_lag"] = await lag.stop()
        results["answers"] = probe.figures()
        if args.enroll_rounds and database_name == "sqlite":
            results["enrollment"] = await enrollment_acks(driver, apps["tandem"], args)
    return results


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    parser.add_argument("--enroll", type=int, default=5000, help="people in each enrolled channel")
    parser.add_argument("--enroll-rounds", type=int, default=3, help="enrollments to run (0: none)")
    parser.add_argument("--command-rate", type=float, default=50.0, help="/tandem commands/s meanwhile")
    parser.add_argument(
        "--messages",
        choices=["fixed", "questions"],
        default="fixed",
        help="the messages' texts: four fixed questions, or learner questions (old set + dev split)",
    )
    parser.add_argument(
        "--semantic",
        choices=["use", "off"],
        default="use",
        help="Tandem's answer engine: lexical + USE, fused (production's default), or lexical only",
    )
    args = parser.parse_args()
    quick(args)
    if args.quick:
        args.enroll_rounds = 0
    return args


async def main() -> int:
    args = arguments()
    names = databases(args)
    results: dict[str, Any] = {
        "rates": args.rates,
        "seconds_per_round": args.seconds,
        "rounds": args.rounds,
        "messages": args.messages,
        "semantic": args.semantic,
    }
    texts = message_texts(args.messages)
    if args.messages == "questions":
        from lessons import semantic

        semantic.RECENT_QUESTIONS = 0  # each question pays for the model, repeated or not
    options = {"enroll": args.enroll, "enroll_rounds": args.enroll_rounds, "texts": texts}
    print(f"messages: {args.messages} ({len(texts)} texts); Tandem's engine: semantic={args.semantic}")
    async with driver_process(setup_fake, options) as driver:
        for name in names:
            with database(args.postgres_url if name == "postgresql" else None, name="slack") as db_url:
                before = os.getloadavg()
                results[name] = await measure(driver, db_url, name, args)
                results[name]["load_average"] = {"before": before, "after": os.getloadavg()}
    return summarise(results, names, args)


def summarise(results: dict[str, Any], names: list[str], args: argparse.Namespace) -> int:
    """Print the tables, check the targets, write bench/results/slack_events.json."""
    table: list[list[object]] = []
    found: dict[str, bool] = {}
    margin = QUESTIONS_MARGIN_MS if args.messages == "questions" else TARGET_MARGIN_MS
    for name in names:
        table += rows(name, results[name], args.warm_rate)
        found.update(checks(name, results[name], margin_ms=margin))
        answers = results[name]["answers"]
        wanted = "FusedEngine" if args.semantic == "use" else "AnswerEngine"
        found[f"{name}: Tandem answered with {answers['engine']}, and no answer failed"] = (
            answers["engine"].startswith(wanted) and answers["answers"] > 0 and not answers["errors"]
        )
    print(
        "\nReply latency: signed message.im events through POST /slack/events to chat.postMessage"
        f" (messages: {args.messages})"
    )
    print_table(ROW_HEADERS, table)
    print("\nTandem's answers, timed in the worker threads (wall: the thread's own time and its waits)")
    print_table(
        ["database", "engine", "answers", "confident", "errors", "wall p50", "wall p99", "cpu p50", "cpu p99", "loop lag p99", "loop lag max"],
        [
            [name, a["engine"], a["answers"], a["confident"], a["errors"], a["wall"]["p50_ms"], a["wall"]["p99_ms"],
             a["cpu"]["p50_ms"], a["cpu"]["p99_ms"], results[name]["loop_lag"]["p99_ms"], results[name]["loop_lag"]["max_ms"]]
            for name in names
            for a in [results[name]["answers"]]
        ],
    )  # fmt: skip
    for name in names:
        load = results[name]["load_average"]
        print(
            f"{name}: the machine's load average (1, 5, 15 min) was {_load(load['before'])} before the run"
            f" and {_load(load['after'])} after it, on {os.cpu_count()} cores"
        )
    enrollment = results.get("sqlite", {}).get("enrollment")
    if enrollment:
        print(
            f"\n/tandem commands at {enrollment['command_rate']:g}/s, alone and while an admin enrolls a channel"
            f" of {enrollment['people']:,} people (sqlite)"
        )
        print_table(
            ["while", "ack p50 ms", "ack p99 ms", "ack max ms", "reply p99 ms", "commands"],
            [
                ["nothing else", *_acks(enrollment["idle_ack"]), enrollment["idle_reply"]["p99_ms"], enrollment["idle_ack"]["samples"]],
                ["an enrollment runs", *_acks(enrollment["ack"]), enrollment["reply"]["p99_ms"], enrollment["ack"]["samples"]],
            ],
        )  # fmt: skip
        for number, round_ in enumerate(enrollment["rounds"], 1):
            print(
                f"  enrollment {number}: acknowledged in {round_['enroll_ack_ms']} ms, summary after"
                f" {round_['done_in_s']} s, {round_['commands']} commands meanwhile"
            )
        p99 = enrollment["ack"]["p99_ms"]
        found[
            f"/tandem ack p99 < {ACK_TARGET_MS:g} ms while a {enrollment['people']:,}-person enrollment runs"
        ] = p99 < ACK_TARGET_MS and all(r["done_in_s"] is not None for r in enrollment["rounds"])
    return report("slack_events", results, found)


def _load(figures: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.1f}" for value in figures)


def _acks(figures: dict[str, Any]) -> list[object]:
    return [figures["p50_ms"], figures["p99_ms"], figures["max_ms"]]


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
