"""Express workshop benchmark: 200 participants answer a live quiz within 5 seconds, as signed requests
through POST /slack/events, and the quiz's results follow the window's close.

Run: `.venv/bin/python bench/workshop.py [--databases sqlite,postgresql] [--postgres-url URL]
[--participants 200] [--seconds 5] [--api-latency 0.02]` (about 100 s per database).

Everything goes through the real endpoint: slack-bolt, signature verification, the Slack channel, the core,
the ledger, the dispatcher and the workshops' clock, on a real database (a fresh SQLite file; with
`--databases sqlite,postgresql`, also a scratch database, dropped afterwards, on the PostgreSQL server of
`--postgres-url`, TANDEM_BENCH_DATABASE_URL or TANDEM_TEST_DATABASE_URL). The fake Slack Web API (answering
after `--api-latency` seconds) and the load's sender run in a process of their own, and record the wall-clock
time each message, ephemeral message and response reaches them.

1. Seed, with signed slash commands: an admin creates a cohort and enrolls a channel of 200 people (their
   profiles from `users.list`), then plans a 30-minute workshop for the cohort (`workshop plan … for
   <cohort>`: 200 invitations with their calendar files, through the ledger, all delivered before anything
   is measured).
2. The admin types `/tandem workshop start` in the channel, so the workshop runs in that room; each
   participant presses "I'm here" on the welcome posted there (their first press: a first contact).
3. Baseline, before: each participant presses a lesson's "Useful" button in their DM (one feedback row, a
   reply posted in the DM), at the same moments as the quiz's presses below.
4. The admin presses the panel's Next ▶ (signed block_actions on the ephemeral panel, as Slack sends them)
   until the quiz's message arrives in the channel, each press once the previous step was posted there and
   the ledger is empty (the hands-on step sends each participant their checklist).
5. The quiz: each participant presses one answer button of that message (70 % the right one, a fixed seed).
   In every round, each participant presses at a moment drawn uniformly within `--seconds` seconds (the
   same moments each round), each request on its own (an open loop: posted at its time whether or not the
   earlier ones were acknowledged).
6. Baseline, after: the same presses of "Useful" again, while the quiz's window is still open.
7. The window closes (the workshop's `timer_at`, 60 s after the quiz began): the time until the results'
   message reaches `chat.postMessage` in the channel, split into the clock's firing (it polls every 0.5 s)
   and the ledger's delivery.

Measured per phase: each request's acknowledgement (p50, p99, max), the replies that reached Slack and the
last one's delay after the last press, the CPU time of Tandem's process per press, its RSS and its peak RSS
(the peak reset before each phase, from /proc/self/status); then the answer rows recorded (on time and late)
and the results' delay. Targets: every answer recorded, on time; the results posted within 2 s of the
window's close.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import functools
import json
import multiprocessing
import os
import random
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from common import database, pg_url, print_table, report, settle
from latency import summary
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier
from sqlmodel import col, func, select

from bot.core.workshop.live import ROOM_MINIMUM
from bot.settings import Settings
from bot.slack.channel import SlackChannel
from bot.slack.settings import SlackSettings
from storage.enums import DeliveryStatus
from storage.models import Delivery, Enrollment, Workshop, WorkshopAnswer
from tests.support.fake_slack import FakeSlack

SECRET = "bench-signing-secret"
TEAM = "T1"
RUN = uuid.uuid4().hex[:8]
"""Trigger ids never repeat across runs, whatever database is reused."""
ADMIN = "UADMIN"
ROOM = "CWORKSHOP"
"""The channel where the workshop runs, whose members are the participants."""
COHORT = "quizday"
LESSONS = "linkedin-profile phishing-scams"
MINUTES = 30
RIGHT_SHARE = 0.7
SEED = 18
RESULTS_TARGET_MS = 2000.0
POLL = 0.05
"""Seconds between two looks at what the fake Slack API received."""
BASELINE_MARGIN = 25.0
"""Seconds the window must still have left for the second baseline round to run before it closes."""
STEP_WAIT = 15.0


def participant(number: int) -> str:
    return f"UP{number:05d}"


def dm(user: str) -> str:
    """The bot's DM channel with a user, as the fake Slack API names it."""
    return "D" + user[1:]


# --- the fake Slack API and the load's sender, in their own process ---------------------------------------


class BenchSlack(FakeSlack):
    """The fake Slack API, which also keeps a log of what reached it (each message, ephemeral message and
    response, with its wall-clock arrival) and posts loads to the app under test: `GET /bench/log?since=N`
    and `POST /bench/post`."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.log: list[dict[str, Any]] = []
        self.sender: aiohttp.ClientSession | None = None

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/bench/log", self._read_log)
        app.router.add_post("/bench/post", self._post_load)
        return app

    def _note(self, kind: str, key: str, message: dict[str, Any]) -> None:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        self.log.append(
            {
                "at": time.time(),
                "kind": kind,
                "key": key,
                "channel": message.get("channel"),
                "ts": message.get("ts"),
                "text": str(message.get("text") or "")[:300],
                "blocks": message.get("blocks"),
                "ledger": payload.get("key"),
            }
        )

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._chat_post_message(args)
        message = self.messages[-1]
        self._note("message", message["channel"], message)
        return answer

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._chat_post_ephemeral(args)
        message = self.ephemerals[-1]
        self._note("ephemeral", message["user"], message)
        return answer

    async def _response(self, request: web.Request) -> web.Response:
        answer = await super()._response(request)
        name = request.match_info["name"]
        self._note("response", name, self.responses[name][-1])
        return answer

    async def _read_log(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response(self.log[since:])

    async def _post_load(self, request: web.Request) -> web.Response:
        """Post each shot (`body`, `headers`) to `target` at its offset `at` (seconds from now), each on
        its own; answers each one's wall-clock send time, acknowledgement time and HTTP status."""
        spec = await request.json()
        target: str = spec["target"]
        shots: list[dict[str, Any]] = spec["shots"]
        if self.sender is None:
            self.sender = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        sender = self.sender
        start = time.perf_counter()
        found: list[dict[str, Any]] = [{} for _ in shots]

        async def one(index: int, shot: dict[str, Any]) -> None:
            await asyncio.sleep(max(0.0, start + float(shot["at"]) - time.perf_counter()))
            sent_wall, sent = time.time(), time.perf_counter()
            try:
                async with sender.post(target, data=shot["body"], headers=shot["headers"]) as response:
                    await response.read()
                    status = response.status
            except aiohttp.ClientError:
                status = 0
            found[index] = {
                "sent": sent_wall,
                "ack_ms": (time.perf_counter() - sent) * 1000,
                "status": status,
            }

        await asyncio.gather(*(one(index, shot) for index, shot in enumerate(shots)))
        return web.json_response(found)


def serve_fake(participants: list[str], latency: float, queue: Any) -> None:
    """The fake Slack workspace: the admin, the participants (English profiles) and the workshop's
    channel with the participants as its members."""

    async def main() -> None:
        fake = BenchSlack(latency=latency, page_size=200)
        fake.add_user(ADMIN, name="admin", real_name="Ada Admin", locale="en-GB")
        for number, user in enumerate(participants):
            fake.add_user(user, name=f"learner{number}", locale="en-GB")
        fake.channel_members[ROOM] = list(participants)
        queue.put(await fake.start())
        await asyncio.Event().wait()

    asyncio.run(main())


@contextlib.contextmanager
def fake_process(participants: list[str], latency: float) -> Iterator[str]:
    """The fake Slack API (and the load's sender) served by a process of its own; yields its base URL."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=serve_fake, args=(participants, latency, queue), daemon=True)
    process.start()
    try:
        yield queue.get(timeout=60)
    finally:
        process.terminate()
        process.join(5)


class Slack:
    """The benchmark's handle on the fake process: signed requests to post, and the log of what reached
    the fake Slack API (fetched as it grows)."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session
        self.entries: list[dict[str, Any]] = []

    async def post(self, target: str, shots: list[dict[str, Any]]) -> list[dict[str, Any]]:
        async with self.session.post(f"{self.url}/bench/post", json={"target": target, "shots": shots}) as r:
            r.raise_for_status()
            return list(await r.json())

    async def refresh(self) -> list[dict[str, Any]]:
        async with self.session.get(f"{self.url}/bench/log", params={"since": len(self.entries)}) as r:
            r.raise_for_status()
            self.entries += await r.json()
        return self.entries

    async def until(
        self,
        found: Callable[[dict[str, Any]], bool],
        *,
        since: int = 0,
        timeout: float = 30.0,
        what: str = "",
    ) -> dict[str, Any]:
        """The first log entry from `since` that `found` accepts, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for entry in (await self.refresh())[since:]:
                if found(entry):
                    return entry
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what or 'the fake Slack API'}")
            await asyncio.sleep(POLL)

    async def response(self, name: str, *, since: int, what: str) -> dict[str, Any]:
        """The first reply to the response URL `name` from `since`."""

        def answered(entry: dict[str, Any]) -> bool:
            return entry["kind"] == "response" and entry["key"] == name

        return await self.until(answered, since=since, what=what)

    async def count(
        self, found: Callable[[dict[str, Any]], bool], wanted: int, *, since: int, timeout: float
    ) -> list[dict[str, Any]]:
        """The entries from `since` that `found` accepts, once there are `wanted` of them (or at the
        timeout, however many there are)."""
        deadline = time.monotonic() + timeout
        while True:
            matched = [entry for entry in (await self.refresh())[since:] if found(entry)]
            if len(matched) >= wanted or time.monotonic() > deadline:
                return matched
            await asyncio.sleep(POLL)


# --- signed requests ------------------------------------------------------------------------------------


def signed(body: str) -> dict[str, str]:
    """Slack's signature headers for a form body, signed now."""
    ts = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body) or ""
    return {
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
        "content-type": "application/x-www-form-urlencoded",
    }


def command(fake: str, user: str, text: str, name: str, *, channel: str | None = None) -> dict[str, Any]:
    """`/tandem <text>` typed by `user` in `channel` (else in their DM); its reply goes to the response
    URL `name`."""
    form = {
        "team_id": TEAM,
        "user_id": user,
        "user_name": user.lower(),
        "command": "/tandem",
        "text": text,
        "channel_id": channel or dm(user),
        "channel_name": "workshop" if channel else "directmessage",
        "response_url": f"{fake}/response/{name}",
        "trigger_id": f"t{RUN}{name}",
    }
    body = urllib.parse.urlencode(form)
    return {"body": body, "headers": signed(body), "at": 0.0}


def press(
    fake: str,
    user: str,
    button: dict[str, Any],
    name: str,
    *,
    channel: str,
    ts: str,
    ephemeral: bool = False,
    at: float = 0.0,
) -> dict[str, Any]:
    """A block_actions request for a press of `button` (a Block Kit element) on the message `ts` of
    `channel`, as Slack sends it (an ephemeral message has no `message` field)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "bench"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "ABOT",
        "trigger_id": f"t{RUN}{name}",
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "message_ts": ts, "is_ephemeral": ephemeral},
        "response_url": f"{fake}/response/{name}",
        "actions": [
            {
                "action_id": button["action_id"],
                "block_id": "b1",
                "value": button.get("value", ""),
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }
    if not ephemeral:
        payload["message"] = {"ts": ts, "text": "…"}
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    return {"body": body, "headers": signed(body), "at": at}


def buttons(blocks: list[dict[str, Any]] | None, action: str) -> list[dict[str, Any]]:
    """The buttons of a core action (`workshop.answer`) in rendered blocks, in order."""
    return [
        element
        for block in blocks or []
        if block.get("type") == "actions"
        for element in block.get("elements", [])
        if str(element.get("action_id", "")).startswith(f"tandem|{action}|")
    ]


# --- Tandem ---------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def tandem(db_url: str, fake: str) -> AsyncIterator[tuple[Any, str]]:
    """Tandem with its Slack channel on the web host, served as `tandem run` serves (the dispatcher, the
    job runner and the workshops' clock running); yields the app and the URL of POST /slack/events."""
    from bot.app import build_app
    from bot.server import build_web_app
    from tests.support.serve import serve_local

    settings = Settings(
        database_url=db_url,
        admins=[ADMIN],
        semantic="off",  # no question is asked here: the answer engine stays out of the way
        slack=SlackSettings(
            bot_token=SecretStr("xoxb-test-token"),
            signing_secret=SecretStr(SECRET),
            api_url=f"{fake}/api/",
        ),
        _env_file=None,
    )
    app = await build_app(settings, migrate=False)
    channel = SlackChannel(app.conversation, settings.slack)
    app.outlets.register(channel.name, channel.outlet)
    runner, url = await serve_local(build_web_app(app.services.db, [channel]))
    try:
        async with app.delivering():
            settle()
            yield app, f"{url}/slack/events"
    finally:
        await runner.cleanup()
        await channel.close()
        await app.close()


async def scalar(app: Any, query: Any) -> Any:
    async with app.services.db.transaction() as session:
        return (await session.exec(query)).one()


async def wait_for(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60.0) -> None:
    """Wait until the coroutine `check()` answers true."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def drained(app: Any) -> bool:
    """Nothing due is left in the ledger (reminders due later may wait)."""
    now = app.services.clock()
    waiting = select(func.count()).where(
        col(Delivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        col(Delivery.due_at) <= now,
    )
    return int(await scalar(app, waiting)) == 0


async def seed(app: Any, target: str, slack: Slack, people: list[str]) -> dict[str, float]:
    """The cohort, its enrollment from the channel and the workshop's plan, through signed commands;
    returns how long each took (the ledger delivered each time)."""
    fake = slack.url
    took: dict[str, float] = {}
    paris = dt.datetime.now(ZoneInfo("Europe/Paris")).date() + dt.timedelta(days=2)
    steps = [
        ("cohort", f"cohort create {COHORT} track first-steps start {paris.isoformat()}"),
        ("enroll", f"enroll {COHORT} <#{ROOM}|workshop>"),
        ("plan", f"workshop plan Quiz day with {LESSONS} for {COHORT} at {paris.isoformat()} 12:30 minutes {MINUTES}"),
    ]  # fmt: skip
    enrolled = select(func.count()).select_from(Enrollment)

    async def everyone_enrolled() -> bool:
        return int(await scalar(app, enrolled)) >= len(people)

    for name, text in steps:
        started = time.perf_counter()
        since = len(await slack.refresh())
        [ack] = await slack.post(target, [command(fake, ADMIN, text, f"{RUN}{name}")])
        if ack["status"] != 200:
            raise RuntimeError(f"`{text}`: HTTP {ack['status']}")
        if name == "enroll":
            await wait_for(everyone_enrolled, "the enrollment", 120)
        else:
            reply = await slack.response(f"{RUN}{name}", since=since, what=name)
            if name == "plan" and "Planned: workshop #" not in reply["text"]:
                raise RuntimeError(f"the plan was refused: {reply['text']}")
        await wait_for(functools.partial(drained, app), f"the ledger after `{name}`", 120)
        took[name] = time.perf_counter() - started
        print(f"  seeded {name} in {took[name]:.1f} s")
    return took


# --- phases ---------------------------------------------------------------------------------------------


def memory() -> dict[str, float]:
    """This process's resident memory now and its peak since the last `reset_peak`, in MB (Linux)."""
    found: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found["rss_mb" if key == "VmRSS" else "peak_mb"] = round(int(value.split()[0]) / 1024, 1)
    return found


def reset_peak() -> None:
    """Start the peak RSS again from the current RSS (Linux ≥ 4.0; without it, the process's peak)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


async def burst(
    slack: Slack,
    target: str,
    shots: list[dict[str, Any]],
    replied: Callable[[dict[str, Any]], bool],
    key_of: Callable[[int], str],
) -> dict[str, Any]:
    """Post the shots, then wait for a reply to each (the log entries `replied` accepts); the figures of
    the phase. A reply whose log key is `key_of(index)` is timed against that press."""
    since = len(await slack.refresh())
    reset_peak()
    before, cpu = memory(), time.process_time()
    acks = await slack.post(target, shots)
    replies = await slack.count(replied, len(shots), since=since, timeout=60)
    cpu_s = time.process_time() - cpu
    after = memory()
    sent = {key_of(index): ack["sent"] for index, ack in enumerate(acks)}
    timed = [(entry["at"] - sent[entry["key"]]) * 1000 for entry in replies if entry["key"] in sent]
    last_press = max(ack["sent"] for ack in acks)
    last_reply = max((entry["at"] for entry in replies), default=last_press)
    return {
        "presses": len(shots),
        "ack": summary([ack["ack_ms"] for ack in acks]),
        "failed": sum(1 for ack in acks if ack["status"] != 200),
        "replies": len(replies),
        "reply": summary(timed),
        "first_press": min(ack["sent"] for ack in acks),
        "last_press": last_press,
        "last_reply_after_last_press_ms": round((last_reply - last_press) * 1000, 1),
        "cpu_ms_per_press": round(cpu_s * 1000 / len(shots), 2),
        "rss_before_mb": before.get("rss_mb"),
        "rss_after_mb": after.get("rss_mb"),
        "peak_rss_mb": after.get("peak_mb"),
    }


async def baseline(
    slack: Slack, target: str, people: list[str], offsets: list[float], label: str
) -> dict[str, Any]:
    """Each participant presses a lesson's "Useful" button in their DM, at their offset."""
    useful = {"action_id": "tandem|feedback.useful|0", "value": LESSONS.split()[1]}
    shots = [
        press(slack.url, user, useful, f"{RUN}{label}{n}", channel=dm(user), ts="1700000000.000001", at=at)
        for n, (user, at) in enumerate(zip(people, offsets, strict=True))
    ]
    dms = {dm(user) for user in people}
    return await burst(
        slack,
        target,
        shots,
        lambda e: e["kind"] == "message" and not e["ledger"] and e["channel"] in dms,
        lambda n: dm(people[n]),
    )


async def start(target: str, slack: Slack) -> tuple[dict[str, Any], dict[str, Any]]:
    """`/tandem workshop start` typed by the admin in the channel: the admin's panel (ephemeral) and the
    welcome posted in the channel."""
    since = len(await slack.refresh())
    name = f"{RUN}start"
    await slack.post(target, [command(slack.url, ADMIN, "workshop start", name, channel=ROOM)])
    panel = await slack.response(name, since=since, what="the panel")
    welcome = await slack.until(_in_room, since=since, what="the welcome in the channel")
    return panel, welcome


def _in_room(entry: dict[str, Any]) -> bool:
    """A step the ledger posted in the workshop's channel."""
    return entry["kind"] == "message" and entry["channel"] == ROOM and bool(entry["ledger"])


def _private(names: set[str]) -> Callable[[dict[str, Any]], bool]:
    """A reply private to the person who pressed a button in the channel: an ephemeral message (or one
    through the press's response URL, `names`); a reply in the channel itself counts too (not a ledger
    post), so that a reply shown to everyone is counted, and seen, rather than waited for."""

    def replied(entry: dict[str, Any]) -> bool:
        if entry["kind"] == "message":
            return entry["channel"] == ROOM and not entry["ledger"]
        return entry["kind"] == "ephemeral" or entry["key"] in names

    return replied


async def joins(
    slack: Slack, target: str, people: list[str], offsets: list[float], welcome: dict[str, Any]
) -> dict[str, Any]:
    """Each participant presses "I'm here" on the welcome in the channel, at their offset: the first
    press of each (their first contact)."""
    [here] = buttons(welcome["blocks"], "workshop.join")
    shots = [
        press(slack.url, user, here, f"{RUN}here{n}", channel=ROOM, ts=welcome["ts"], at=at)
        for n, (user, at) in enumerate(zip(people, offsets, strict=True))
    ]
    names = {f"{RUN}here{n}" for n in range(len(people))}
    return await burst(slack, target, shots, _private(names), lambda n: people[n])


async def to_quiz(app: Any, target: str, slack: Slack, panel: dict[str, Any]) -> dict[str, Any]:
    """Next ▶ on the admin's panel until the quiz is posted in the channel, each press once the previous
    step was posted and the ledger is empty (the hands-on step sends each participant their checklist);
    returns the quiz's message."""
    for number in range(1, 12):
        [next_button] = [
            b for b in buttons(panel["blocks"], "workshop.control") if b["value"].endswith(":next")
        ]
        await wait_for(functools.partial(drained, app), "the ledger between two steps", 120)
        name = f"{RUN}next{number}"
        since = len(await slack.refresh())
        shot = press(
            slack.url, ADMIN, next_button, name, channel=ROOM, ts="1700000000.000002", ephemeral=True
        )
        await slack.post(target, [shot])
        panel = await slack.response(name, since=since, what="the panel")
        posted = await slack.until(_in_room, since=since, timeout=STEP_WAIT, what=f"step {number + 1}")
        if "Live quiz" in posted["text"]:
            return posted
    raise RuntimeError("no quiz in the workshop's first steps")


async def quiz(
    app: Any, target: str, slack: Slack, people: list[str], offsets: list[float], message: dict[str, Any]
) -> dict[str, Any]:
    """Each participant presses one of the quiz's answers in the channel, at their offset."""
    choices = buttons(message["blocks"], "workshop.answer")
    async with app.services.db.transaction() as session:
        workshop = (await session.exec(select(Workshop))).one()
    right = _right_answer(app, workshop)
    rng = random.Random(SEED)
    picks = [
        right if rng.random() < RIGHT_SHARE else rng.choice([c for c in range(len(choices)) if c != right])
        for _ in people
    ]
    shots = [
        press(slack.url, user, choices[pick], f"{RUN}quiz{n}", channel=ROOM, ts=message["ts"], at=at)
        for n, (user, pick, at) in enumerate(zip(people, picks, offsets, strict=True))
    ]
    replied = _private({f"{RUN}quiz{n}" for n in range(len(people))})
    since = len(await slack.refresh())
    found = await burst(slack, target, shots, replied, lambda n: people[n])
    came = slack.entries[since:]
    found["replies_in_channel"] = sum(
        1 for e in came if e["kind"] == "message" and e["channel"] == ROOM and not e["ledger"]
    )
    found["replies_private"] = sum(1 for e in came if replied(e) and e["kind"] != "message")
    found["choices"] = len(choices)
    found["right_picks"] = sum(1 for pick in picks if pick == right)
    return found


def _right_answer(app: Any, workshop: Workshop) -> int:
    from bot.core.runsheet import RunSheet
    from bot.core.workshop import sheet

    step = RunSheet.from_json(workshop.plan).steps[workshop.step]
    lesson = sheet.lesson_in(app.services.lessons.library, step.lesson_id or "", workshop.lang)
    if lesson is None:
        raise RuntimeError(f"the quiz's lesson {step.lesson_id} is not in the library")
    return lesson.quiz.answer_index


async def answers(app: Any, step: int) -> dict[str, Any]:
    async with app.services.db.transaction() as session:
        rows = list(await session.exec(select(WorkshopAnswer).where(col(WorkshopAnswer.step) == step)))
    return {
        "recorded": len(rows),
        "on_time": sum(1 for row in rows if not row.late),
        "right": sum(1 for row in rows if row.correct),
        "last_recorded": max((row.answered_at.timestamp() for row in rows), default=0.0),
    }


async def results(app: Any, slack: Slack, closes: dt.datetime, *, since: int) -> dict[str, Any]:
    """Wait for the quiz's results in the channel; when they arrived and when the clock wrote them, after
    the window's close."""
    wait = max(0.0, closes.timestamp() - time.time()) + 30
    posted = await slack.until(
        lambda e: e["kind"] == "message" and e["channel"] == ROOM and "Results (" in e["text"],
        since=since,
        timeout=wait,
        what="the quiz's results in the channel",
    )
    async with app.services.db.transaction() as session:
        row = (await session.exec(select(Delivery).where(col(Delivery.dedupe_key) == posted["ledger"]))).one()
    close = closes.timestamp()
    return {
        "window_closed_at": closes.isoformat(),
        "clock_fired_after_ms": round((row.due_at.timestamp() - close) * 1000, 1),
        "sent_after_ms": round(((row.sent_at or row.due_at).timestamp() - close) * 1000, 1),
        "posted_after_ms": round((posted["at"] - close) * 1000, 1),
        "text": posted["text"].splitlines()[0],
    }


async def measure(db_url: str, fake_url: str, args: argparse.Namespace) -> dict[str, Any]:
    """One database: the seed, the start and the participants' arrival, the first baseline, the steps up
    to the quiz, the answers, the second baseline, the results."""
    people = [participant(n) for n in range(args.participants)]
    rng = random.Random(SEED)
    offsets = [rng.uniform(0, args.seconds) for _ in people]
    found: dict[str, Any] = {}
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session,
        tandem(db_url, fake_url) as (app, target),
    ):
        slack = Slack(fake_url, session)
        await slack.refresh()  # what an earlier database's run left in the log is not looked at again
        found["seed_s"] = await seed(app, target, slack, people)
        panel, welcome = await start(target, slack)
        found["joins"] = await joins(slack, target, people, offsets, welcome)
        found["baseline_before"] = await baseline(slack, target, people, offsets, "useful1")
        message = await to_quiz(app, target, slack, panel)
        async with app.services.db.transaction() as session_:
            workshop = (await session_.exec(select(Workshop))).one()
        closes, step = workshop.timer_at, workshop.step
        assert closes is not None
        since = len(slack.entries)
        found["quiz"] = await quiz(app, target, slack, people, offsets, message)
        found["answers"] = await answers(app, step)
        found["answers"]["last_after_last_press_ms"] = round(
            (found["answers"].pop("last_recorded") - found["quiz"]["last_press"]) * 1000, 1
        )
        if closes.timestamp() - time.time() > BASELINE_MARGIN:
            await asyncio.sleep(2)
            found["baseline_after"] = await baseline(slack, target, people, offsets, "useful2")
        reset_peak()
        found["results"] = await results(app, slack, closes, since=since)
        found["results"]["peak_rss_mb"] = memory().get("peak_mb")
        found["answers_after_close"] = await answers(app, step)
    return found


# --- report ---------------------------------------------------------------------------------------------


PHASES = {
    "joins": "I'm here (first press)",
    "baseline_before": "Useful, before",
    "quiz": "quiz answers",
    "baseline_after": "Useful, after",
}


def summarise(results: dict[str, Any], names: list[str], args: argparse.Namespace) -> int:
    """Print the tables, check the targets, write bench/results/workshop.json; the exit status."""
    rows: list[list[object]] = []
    checks: dict[str, bool] = {}
    for name in names:
        found = results[name]
        for phase, label in PHASES.items():
            if phase not in found:
                continue
            f = found[phase]
            timed = f["reply"]["samples"]
            rows.append(
                [name, label, f["presses"], f["ack"]["p50_ms"], f["ack"]["p99_ms"], f["ack"]["max_ms"], f["failed"],
                 f["replies"], f["reply"]["p50_ms"] if timed else "-", f["reply"]["p99_ms"] if timed else "-",
                 f["last_reply_after_last_press_ms"], f["cpu_ms_per_press"], f["rss_before_mb"], f["peak_rss_mb"]]
            )  # fmt: skip
    print(
        f"\n{args.participants} presses within {args.seconds:g} s through POST /slack/events"
        f" (fake Slack API answering after {args.api_latency * 1000:g} ms)"
    )
    print_table(
        ["database", "presses of", "n", "ack p50 ms", "ack p99 ms", "ack max ms", "failed", "replies",
         "reply p50 ms", "reply p99 ms", "last reply after last press ms", "cpu ms/press", "RSS MB", "peak RSS MB"],
        rows,
    )  # fmt: skip
    print("\nThe quiz's answers and results")
    table = []
    for name in names:
        found = results[name]
        a, r = found["answers"], found["results"]
        table.append(
            [name, a["recorded"], a["on_time"], a["right"], a["last_after_last_press_ms"],
             r["clock_fired_after_ms"], r["sent_after_ms"], r["posted_after_ms"], r["peak_rss_mb"]]
        )  # fmt: skip
        wanted = args.participants
        checks[f"{name}: all {wanted} answers recorded, on time ({a['recorded']} recorded, {a['on_time']} on time)"] = (
            a["recorded"] == wanted == a["on_time"] and found["answers_after_close"]["recorded"] == wanted
        )  # fmt: skip
        checks[
            f"{name}: results posted {r['posted_after_ms']:.0f} ms after the window closed"
            f" (target {RESULTS_TARGET_MS:.0f} ms)"
        ] = r["posted_after_ms"] <= RESULTS_TARGET_MS and f"({wanted} answers)" in r["text"]
        failed = sum(found[phase]["failed"] for phase in PHASES if phase in found)
        checks[f"{name}: every press acknowledged with HTTP 200"] = failed == 0
    print_table(
        ["database", "answers recorded", "on time", "right", "last recorded after last press ms",
         "clock fired after close ms", "sent after close ms", "posted after close ms", "peak RSS MB"],
        table,
    )  # fmt: skip
    for name in names:
        load = results[name]["load_average"]
        quiz = results[name]["quiz"]
        print(
            f"{name}: load average (1, 5, 15 min) {_load(load['before'])} before, {_load(load['after'])} after,"
            f" on {os.cpu_count()} cores; {quiz['replies_in_channel']} answer confirmations were posted in the"
            f" channel, {quiz['replies_private']} privately to their author"
        )
    return report("workshop", results, checks)


def _load(figures: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in figures)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--databases", default="sqlite", help="sqlite, postgresql or both, comma-separated")
    parser.add_argument("--postgres-url", default=pg_url(), help="default: TANDEM_BENCH_DATABASE_URL")
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0, help="the presses are spread over this long")
    parser.add_argument(
        "--api-latency", type=float, default=0.02, help="the fake Slack API's answer time (s)"
    )
    args = parser.parse_args()
    if args.participants < ROOM_MINIMUM:
        parser.error(f"--participants: at least {ROOM_MINIMUM}, or the room sees no results")
    return args


async def main() -> int:
    args = arguments()
    names = [name.strip() for name in args.databases.split(",") if name.strip()]
    if "postgresql" in names and not args.postgres_url:
        raise SystemExit("postgresql: set TANDEM_BENCH_DATABASE_URL or TANDEM_TEST_DATABASE_URL")
    results: dict[str, Any] = {
        "participants": args.participants,
        "seconds": args.seconds,
        "api_latency_s": args.api_latency,
    }
    people = [participant(n) for n in range(args.participants)]
    with fake_process(people, args.api_latency) as fake_url:
        for name in names:
            print(f"{name}:")
            with database(args.postgres_url if name == "postgresql" else None, name="workshop") as db_url:
                before = os.getloadavg()
                results[name] = await measure(db_url, fake_url, args)
                results[name]["load_average"] = {"before": before, "after": os.getloadavg()}
    return summarise(results, names, args)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
