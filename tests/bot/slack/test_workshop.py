"""A whole express workshop over Slack, with a controlled clock: an admin sets up a cohort, its mentor plans
a workshop by slash command, the invitations arrive in each participant's DM with their buttons and
calendar file, the mentor starts it in a channel and runs it from a panel only she sees, the steps are
posted in the channel once, checklists and commitments come in each participant's DM, the live quiz takes
answers privately and posts its totals when its window closes on the workshop's clock, the bot restarts
mid-workshop and carries on, and the follow-up a week later reaches a participant and, on "I need help",
the mentor. Over real HTTP: the real bolt app, the fake Slack Web API, the real dispatcher and database."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

from bot.core.context import Services
from storage.db import Database
from storage.enums import CommitmentStatus, WorkshopStatus
from storage.models import Commitment, Workshop, WorkshopAnswer
from tests.bot.slack.conftest import TEAM, SlackTester, _tester
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Clock

CHANNEL = "C42"
THREAD = "1700000000.000500"
MENTOR = "UMIA"
LEARNERS = {"UBOB": "bob", "UCAROL": "carol", "UDAN": "dan", "UERIN": "erin", "UFAY": "fay"}
START = dt.datetime(2026, 11, 26, 12, 30, tzinfo=dt.UTC)  # 12:30 in London, where mia is
PLAN = "workshop plan Safe and visible with linkedin-profile phishing-scams at 2026-11-26 12:30 minutes 30"
STEPS = 10
"""Welcome; opener, talking points, hands-on and quiz for each of the two lessons; the closing."""

Message = dict[str, Any]
_TRIGGERS = itertools.count(1)


def trigger() -> str:
    """A trigger id unique across restarts, as Slack gives each command, press and form: a process that
    starts again must not take a new press for a replay of an old one."""
    return f"{next(_TRIGGERS)}.4099.workshop"


# --- what Slack shows --------------------------------------------------------------------------------------


def elements(message: Message) -> list[dict[str, Any]]:
    """The buttons of a message (a post, an ephemeral message or a response)."""
    return [
        element
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block.get("elements") or []
    ]


def button(message: Message, action: str, value: Callable[[str], bool] = lambda _: True) -> dict[str, Any]:
    """The one button of `message` for the core action `action` whose value passes `value`."""
    [found] = [e for e in elements(message) if f"|{action}|" in e["action_id"] and value(e["value"])]
    return found


def in_channel(slack: SlackTester) -> list[Message]:
    """What the bot posted in the channel, for everyone there to see."""
    return [m for m in slack.fake.messages if m["channel"] == CHANNEL]


def channel_texts(slack: SlackTester) -> list[str]:
    return [m["text"] for m in in_channel(slack)]


def shown_to(slack: SlackTester, user: str) -> list[str]:
    """The ephemeral messages the bot showed `user` in the channel."""
    return [m["text"] for m in slack.fake.ephemerals if m["user"] == user and m["channel"] == CHANNEL]


def dm(slack: SlackTester, user: str, text: str) -> Message:
    """The latest message of the bot's DM with `user` that contains `text`."""
    found = [m for m in slack.fake.messages_in(user) if text in m["text"]]
    assert found, (text, slack.dm_texts(user))
    return found[-1]


# --- what people do ----------------------------------------------------------------------------------------


async def command(
    slack: SlackTester, user: str, text: str, *, channel: str | None = None, replies: int = 1
) -> list[Message]:
    """`/tandem <text>` from `user` in their DM (or in `channel`): its ephemeral answers, once `replies`
    of them arrived."""
    name = f"cmd-{trigger()}"
    await slack.command(user, text, name=name, channel=channel, trigger=trigger())
    await slack.until(lambda: len(slack.fake.responses.get(name, [])) >= replies, timeout=30)
    return slack.fake.responses[name]


def payload(
    slack: SlackTester, user: str, element: dict[str, Any], *, channel: str, name: str, **where: Any
) -> dict[str, Any]:
    """A block_actions payload for a press of `element` by `user` in `channel`; `where` gives the
    container's message (`ts`, `thread`) or marks it ephemeral."""
    container: dict[str, Any] = {"type": "message", "channel_id": channel, "is_ephemeral": False}
    body: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "ABOT",
        "trigger_id": trigger(),
        "channel": {"id": channel},
        "response_url": slack.fake.response_url(name),
        "actions": [{**element, "block_id": "b1", "action_ts": "1"}],
    }
    if where.get("ephemeral"):
        # Slack sends no `message` for an ephemeral one: the container only says where it was.
        container.update(is_ephemeral=True, message_ts=where.get("ts") or "1700000000.999999")
        if where.get("thread"):
            container["thread_ts"] = where["thread"]
    else:
        container["message_ts"] = where["ts"]
        message = {"ts": where["ts"], "text": "x"}
        if where.get("thread"):
            container["thread_ts"] = message["thread_ts"] = where["thread"]
        body["message"] = message
    return {**body, "container": container}


async def press(slack: SlackTester, user: str, message: Message, element: dict[str, Any]) -> None:
    """`user` presses a button of a message the bot posted (in a DM or in the channel)."""
    channel = message["channel"]
    name = f"press-{trigger()}"
    thread = message.get("thread_ts")
    await slack.interact(
        payload(slack, user, element, channel=channel, name=name, ts=message["ts"], thread=thread)
    )


async def press_panel(
    slack: SlackTester, panel: Message, move: str = "next", *, thread: str | None = None, replies: int = 1
) -> list[Message]:
    """The mentor presses a button of her panel, an ephemeral message in the channel: what comes back to
    her (through the press's response_url), once `replies` answers arrived."""
    element = button(panel, "workshop.control", lambda v: v.endswith(f":{move}"))
    name = f"panel-{trigger()}"
    body = payload(slack, MENTOR, element, channel=CHANNEL, name=name, ephemeral=True, thread=thread)
    await slack.interact(body)
    await slack.until(lambda: len(slack.fake.responses.get(name, [])) >= replies)
    return slack.fake.responses[name]


async def until_shown(slack: SlackTester, user: str, text: str) -> str:
    """Wait for an ephemeral message containing `text` shown to `user` in the channel; returns it."""
    await slack.until(lambda: any(text in shown for shown in shown_to(slack, user)))
    return next(shown for shown in reversed(shown_to(slack, user)) if text in shown)


async def until_dm(slack: SlackTester, user: str, text: str, count: int = 1) -> Message:
    await slack.until(lambda: sum(text in t for t in slack.dm_texts(user)) >= count)
    return dm(slack, user, text)


async def step(slack: SlackTester, panel: Message, number: int) -> tuple[Message, list[str]]:
    """Next ▶ on the panel: the panel of step `number` (1-based) in its place, and what the step posted
    in the channel once delivered."""
    before = len(in_channel(slack))
    [shown] = await press_panel(slack, panel)
    assert shown["replace_original"] is True, "the panel is replaced, not repeated"
    assert f"step {number} of {STEPS}" in shown["text"], shown["text"]
    await slack.deliver()
    return shown, [m["text"] for m in in_channel(slack)[before:]]


# --- the programme -----------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def process(services: Services, fake: FakeSlack) -> AsyncIterator[SlackTester]:
    """One run of Tandem: the bolt app on its own server, nothing sent in the background (`deliver()`
    sends what is due on the test's clock)."""
    async with _tester(services, fake, deliver=False) as slack:
        yield slack


async def planned(slack: SlackTester, clock: Clock) -> None:
    """An admin makes a cohort of five learners, each paired with mia; mia plans the workshop in her DM
    and every invitation goes out; then it is a minute before the start."""
    for user, name in LEARNERS.items():
        if user != "UBOB":  # bob is there already, in French
            slack.fake.add_user(user, name=name, locale="en-GB", tz="Europe/London")
    await command(slack, "UADMIN", "cohort create pilot track first-steps start 2026-11-23")
    mentions = " ".join(f"<@{user}|{name}>" for user, name in LEARNERS.items())
    await command(slack, "UADMIN", f"enroll pilot {mentions}")
    for user, name in LEARNERS.items():
        await command(slack, "UADMIN", f"pair <@{MENTOR}|mia> <@{user}|{name}>")
    done, view = await command(slack, MENTOR, PLAN, replies=2)
    assert "workshop #1" in done["text"] and "5 invitations" in done["text"], done["text"]
    assert "Safe and visible" in view["text"] and "step" not in done["text"]
    await slack.deliver()
    clock.now = START - dt.timedelta(minutes=1)


async def started(
    slack: SlackTester, *, mention: bool = False, thread: str | None = None
) -> tuple[Message, Message]:
    """mia starts the workshop in the channel with `/tandem workshop start`, or by mentioning the bot
    (at the top of the channel, or in a thread of it: slash commands do not come from threads): her
    panel, and the welcome posted where she typed."""
    if not (mention or thread):
        [panel] = await command(slack, MENTOR, "workshop start", channel=CHANNEL)
        assert panel["response_type"] == "ephemeral", "the panel is for mia alone"
    else:
        event = {"type": "app_mention", "user": MENTOR, "text": "<@UBOT> workshop start", "channel": CHANNEL}
        await slack.event({**event, "ts": "1700000000.000900", **({"thread_ts": thread} if thread else {})})
        await slack.until(lambda: any(e["user"] == MENTOR for e in slack.fake.ephemerals))
        [panel] = slack.fake.ephemerals
    assert f"step 1 of {STEPS}" in panel["text"], panel["text"]
    await slack.deliver()
    [welcome] = in_channel(slack)
    assert "Welcome to the express workshop" in welcome["text"]
    return panel, welcome


async def join(slack: SlackTester, welcome: Message, *users: str) -> None:
    """Each of `users` presses "I'm here" on the welcome and is told, privately."""
    for user in users:
        await press(slack, user, welcome, button(welcome, "workshop.join"))
        await until_shown(slack, user, "Bienvenue" if user == "UBOB" else "Welcome")


# --- the scenario -------------------------------------------------------------------------------------------


async def test_a_whole_workshop_in_a_slack_channel(
    services: Services, fake_slack: FakeSlack, clock: Clock, db_url: str
) -> None:
    """The whole workshop, as each person sees it: the programme, the invitations, the start in the
    channel, every step, the stuck participant, the live quiz with a late joiner, a restart, the
    commitments, the end and the follow-up a week later."""
    async with process(services, fake_slack) as slack:
        await planned(slack, clock)

        # Each invitation in its DM, in its reader's language, with its two buttons and its calendar file.
        for user in LEARNERS:
            invitation = dm(slack, user, "Safe and visible")
            labels = [e["text"]["text"] for e in elements(invitation)]
            assert labels == (
                ["Je viens", "Pas cette fois"] if user == "UBOB" else ["I’m coming", "Not this time"]
            )
        assert "vous invite à un atelier express" in dm(slack, "UBOB", "Safe and visible")["text"]
        files = {f["channel"]: f for f in slack.fake.files}
        assert set(files) == {f"D{user[1:]}" for user in LEARNERS}, "one calendar file in each DM"
        for shared in files.values():
            assert shared["filename"] == "workshop-1.ics"
            assert (
                b"BEGIN:VCALENDAR" in shared["content"] and b"DTSTART:20261126T123000Z" in shared["content"]
            )
        uploads = Counter(c.method for c in slack.fake.calls if c.method.startswith("files."))
        assert uploads == {"files.getUploadURLExternal": 5, "files.completeUploadExternal": 5}

        # carol is coming: her invitation becomes the answer, in place.
        invitation = dm(slack, "UCAROL", "Safe and visible")
        coming = button(invitation, "workshop.rsvp", lambda v: v.endswith(":coming"))
        await press(slack, "UCAROL", invitation, coming)
        await slack.until(lambda: bool(slack.fake.calls_to("chat.update")))
        assert "See you on" in invitation["text"] and not elements(invitation)

        # The start, typed in the channel: the welcome is posted there; the panel is mia's alone.
        panel, welcome = await started(slack)
        assert [e["text"]["text"] for e in elements(panel)] == [
            "Next ▶",
            "◀ Back",
            "Skip next",
            "+5 min",
            "End",
        ]
        assert welcome["thread_ts"] is None and "with mia!" in welcome["text"]
        [row] = await slack.rows(Workshop)
        assert (row.status, row.room) == (WorkshopStatus.RUNNING, f"slack-room:{TEAM}:{CHANNEL}")
        await join(slack, welcome, "UBOB", "UCAROL", "UDAN", "UERIN")
        assert "Your checklist and the quiz will come here" in shown_to(slack, "UCAROL")[-1]

        # The opener and the talking points: one post each in the channel; the points on mia's panel.
        panel, posted = await step(slack, panel, 2)
        assert len(posted) == 1 and "💬" in posted[0]
        panel, posted = await step(slack, panel, 3)
        assert len(posted) == 1 and "Your talking points" in panel["text"]

        # The hands-on: the room gets the instruction, each joined participant a checklist in their DM.
        seen = {user: len(slack.fake.messages_in(user)) for user in LEARNERS}
        panel, posted = await step(slack, panel, 4)
        assert len(posted) == 1 and "Your turn" in posted[0]
        for user in ("UBOB", "UCAROL", "UDAN", "UERIN"):
            [checklist] = slack.fake.messages_in(user)[seen[user] :]
            assert [e["value"] for e in elements(checklist)] == ["1:3:done", "1:3:stuck"]
        assert "Votre pratique pour" in slack.dm_texts("UBOB")[-1]
        assert len(slack.fake.messages_in("UFAY")) == seen["UFAY"], "fay is not here yet"

        # dan is stuck: mia hears it in her DM, and the channel does not.
        checklist = dm(slack, "UDAN", "Your checklist for")
        await press(
            slack, "UDAN", checklist, button(checklist, "workshop.check", lambda v: v.endswith("stuck"))
        )
        await until_dm(slack, "UDAN", "will come to help")
        await slack.deliver()
        stuck = await until_dm(slack, MENTOR, "is stuck on")
        assert stuck["text"].startswith("dan is stuck on the hands-on of")
        assert not any("stuck" in text.lower() for text in channel_texts(slack))

        # The live quiz, posted once in the channel; four answer on it, each told privately; bob reads
        # French, but his choice is read in the quiz he pressed, the room's (English).
        panel, posted = await step(slack, panel, 5)
        assert len(posted) == 1 and posted[0].startswith("Live quiz (60 seconds)")
        [quiz] = in_channel(slack)[-1:]
        choices = [e for e in elements(quiz) if "workshop.answer" in e["action_id"]]
        assert len(choices) >= 2
        picks = {"UBOB": 0, "UCAROL": 0, "UDAN": 1, "UERIN": 0}
        await asyncio.gather(*(press(slack, user, quiz, choices[pick]) for user, pick in picks.items()))
        for user in picks:  # all at once, as a room answers
            await until_shown(slack, user, "noté" if user == "UBOB" else "Got it")
        assert choices[0]["text"]["text"][:30] in shown_to(slack, "UBOB")[-1]

        # fay arrives late: the run so far, and the quiz still open, for her eyes only.
        await press(slack, "UFAY", welcome, button(welcome, "workshop.join"))
        missed = await until_shown(slack, "UFAY", "what you missed")
        assert "Live quiz" in missed and "Hands-on" in missed
        await slack.until(lambda: len(shown_to(slack, "UFAY")) == 2)
        assert shown_to(slack, "UFAY")[-1] == quiz["text"], "the open quiz, with its buttons, for her"
        await press(slack, "UFAY", quiz, choices[1])
        await until_shown(slack, "UFAY", "Got it")
        assert in_channel(slack)[-1] == quiz, "nothing of the answers, nor the quiz again, in the channel"

        # The window closes on the workshop's clock: the totals, with the bars, in the channel.
        clock.advance(seconds=61)
        assert await slack.app.timers.fire_due() == 1
        await slack.deliver()
        [results] = [t for t in channel_texts(slack) if "Results" in t]
        assert "Results (5 answers)" in results and "▇" in results and "The answer:" in results
        assert await slack.app.timers.fire_due() == 0, "a timer fires once"
        answer = services.lessons.library.get("linkedin-profile", "en")
        assert answer is not None
        answers = {a.person_id: a for a in await slack.rows(WorkshopAnswer)}
        assert len(answers) == 5 and not any(a.late for a in answers.values())
        assert sum(a.correct for a in answers.values()) == (
            3 * (answer.quiz.answer_index == 0) + 2 * (answer.quiz.answer_index == 1)
        )
        quiz_panel = panel

    # A restart: a new process, on a new connection to the same database, carries on at the same step.
    restarted = Services(
        db=Database(db_url), settings=services.settings, lessons=services.lessons, clock=services.clock
    )
    try:
        async with process(restarted, fake_slack) as slack:
            panel, posted = await step(slack, quiz_panel, 6)
            assert len(posted) == 1 and "💬" in posted[0]
            # The same button pressed again moves nothing and posts nothing.
            before = len(in_channel(slack))
            moved, again = await press_panel(slack, quiz_panel, replies=2)
            assert "already moved on" in moved["text"] and f"step 6 of {STEPS}" in again["text"]
            await slack.deliver()
            assert len(in_channel(slack)) == before

            for number in range(7, STEPS + 1):
                panel, posted = await step(slack, panel, number)
                # Leaving the second quiz, nobody having answered: its answer, without totals.
                assert len(posted) == (2 if number == STEPS else 1), posted
            assert "The answer:" in posted[0] and "Results" not in posted[0]
            assert "To close: pick one thing" in posted[1]

            # Commitments, in each participant's DM: erin picks one, carol writes her own.
            choice = await until_dm(slack, "UERIN", "To close: pick one thing")
            await press(slack, "UERIN", choice, elements(choice)[0])
            await slack.until(lambda: "Your commitment" in choice["text"])
            assert "I’ll ask you in a week" in choice["text"] and not elements(choice)
            await write_own(slack, "UCAROL", "Turn on two-step verification on my bank app")

            # The end: mia's summary in place of her panel, a recap in each participant's DM.
            [summary] = await press_panel(slack, panel)
            assert "Workshop #1 is over" in summary["text"] and summary["replace_original"] is True
            for expected in ("5 of 5 invited", "1 late", "Stuck: dan (", "two-step verification"):
                assert expected in summary["text"], (expected, summary["text"])
            await slack.deliver()
            assert "Your commitment" in (await until_dm(slack, "UERIN", "Thank you for taking part"))["text"]
            recap = dm(slack, "UDAN", "Thank you for taking part")
            assert "Pick one thing to do this week" in recap["text"] and elements(recap)
            assert "Merci d’avoir participé" in slack.dm_texts("UBOB")[-1]
            [ended] = await slack.rows(Workshop)
            assert ended.status == WorkshopStatus.ENDED
            assert_private(slack)

            # A week later: the follow-up in carol's DM; "I need help" reaches mia.
            clock.advance(days=7)
            await slack.deliver()
            follow_up = await until_dm(slack, "UCAROL", "A week ago you chose")
            assert "two-step verification on my bank app" in follow_up["text"]
            assert "A week ago you chose" in dm(slack, "UERIN", "A week ago")["text"]
            help_button = button(follow_up, "commitment.answer", lambda v: v.endswith("need_help"))
            await press(slack, "UCAROL", follow_up, help_button)
            await slack.until(lambda: "asking for help is a good move" in follow_up["text"])
            await slack.deliver()
            asked = await until_dm(slack, MENTOR, "would like a hand")
            assert asked["text"].startswith("carol would like a hand") and "bank app" in asked["text"]
            [made] = [c for c in await slack.rows(Commitment) if c.text.startswith("Turn on")]
            assert made.status == CommitmentStatus.NEED_HELP
    finally:
        await restarted.db.dispose()


# --- focused ------------------------------------------------------------------------------------------------


async def test_started_in_a_thread_everything_stays_in_the_thread(
    slack_by_hand: SlackTester, clock: Clock
) -> None:
    """Started by a mention in a thread: the panel is an ephemeral message in that thread, for the mentor;
    each step is posted in the thread, and a participant's "I'm here" is answered there, to them alone."""
    slack = slack_by_hand
    await planned(slack, clock)
    panel, welcome = await started(slack, thread=THREAD)
    [shown] = slack.fake.calls_to("chat.postEphemeral")
    assert (shown.args["channel"], shown.args["user"], shown.args["thread_ts"]) == (CHANNEL, MENTOR, THREAD)
    assert welcome["thread_ts"] == THREAD
    [row] = await slack.rows(Workshop)
    assert row.room == f"slack-room:{TEAM}:{CHANNEL}:{THREAD}"

    await join(slack, welcome, "UCAROL")
    [_, hello] = slack.fake.calls_to("chat.postEphemeral")
    assert (hello.args["user"], hello.args["thread_ts"]) == ("UCAROL", THREAD)

    before = len(in_channel(slack))
    [moved] = await press_panel(slack, panel, thread=THREAD)
    assert f"step 2 of {STEPS}" in moved["text"] and moved["replace_original"] is True
    await slack.deliver()
    [opener] = in_channel(slack)[before:]
    assert "💬" in opener["text"] and opener["thread_ts"] == THREAD


async def test_started_by_a_mention_at_the_top_of_the_channel_the_panel_is_shown_there(
    slack_by_hand: SlackTester, clock: Clock
) -> None:
    """Answers to a mention go in a thread under it, but Slack shows no ephemeral message in a thread
    nobody started: the panel is shown in the channel itself, where the steps are posted."""
    slack = slack_by_hand
    await planned(slack, clock)
    panel, welcome = await started(slack, mention=True)
    [shown] = slack.fake.calls_to("chat.postEphemeral")
    assert (shown.args["channel"], shown.args["user"]) == (CHANNEL, MENTOR)
    assert "thread_ts" not in shown.args, "not in a thread that does not exist"
    assert welcome["thread_ts"] is None
    [row] = await slack.rows(Workshop)
    assert row.room == f"slack-room:{TEAM}:{CHANNEL}"
    [moved] = await press_panel(slack, panel)
    assert f"step 2 of {STEPS}" in moved["text"]


async def test_a_late_joiner_gets_the_checklist_for_themselves(
    slack_by_hand: SlackTester, clock: Clock
) -> None:
    """Someone who says "I'm here" during the hands-on gets the checklist shown to them alone in the
    channel, and its "Done" answers them there: nothing of it is posted for the room."""
    slack = slack_by_hand
    await planned(slack, clock)
    panel, welcome = await started(slack)
    for number in (2, 3, 4):
        panel, _ = await step(slack, panel, number)
    posted = len(in_channel(slack))

    await press(slack, "UFAY", welcome, button(welcome, "workshop.join"))
    await slack.until(lambda: len(shown_to(slack, "UFAY")) == 2)
    missed, checklist = [m for m in slack.fake.ephemerals if m["user"] == "UFAY"]
    assert "what you missed" in missed["text"] and "Your checklist for" in checklist["text"]
    done = button(checklist, "workshop.check", lambda v: v.endswith(":done"))
    name = f"done-{trigger()}"
    await slack.interact(payload(slack, "UFAY", done, channel=CHANNEL, name=name, ephemeral=True))
    await slack.until(lambda: bool(slack.fake.responses.get(name)))
    assert "Well done" in slack.fake.responses[name][-1]["text"]
    await slack.deliver()
    assert len(in_channel(slack)) == posted, "nothing for the room"


async def test_a_quiz_few_answered_shows_its_totals_to_the_mentor_only(
    slack_by_hand: SlackTester, clock: Clock
) -> None:
    """Two answers are too few to show: the channel gets the answer alone, mia the totals in her DM."""
    slack = slack_by_hand
    await planned(slack, clock)
    panel, _ = await started(slack)
    for number in (2, 3, 4, 5):
        panel, _ = await step(slack, panel, number)
    quiz = in_channel(slack)[-1]
    choices = [e for e in elements(quiz) if "workshop.answer" in e["action_id"]]
    for user, pick in {"UCAROL": 0, "UDAN": 1}.items():
        await press(slack, user, quiz, choices[pick])
        await until_shown(slack, user, "Got it")

    clock.advance(seconds=61)
    await slack.deliver()  # the timers fire with the dispatcher's round, as in `tandem run`
    closed = in_channel(slack)[-1]
    assert "The answer:" in closed["text"] and "Results" not in closed["text"]
    assert "Only 2 answered" in (await until_dm(slack, MENTOR, "Only 2 answered"))["text"]
    assert_private(slack)


async def write_own(slack: SlackTester, user: str, text: str) -> None:
    """`user` presses "Write my own" in their DM, and types `text` in the form it opens."""
    choice = await until_dm(slack, user, "To close: pick one thing")
    own = next(e for e in elements(choice) if "workshop.commit_own" in e["action_id"])
    opened = len(slack.fake.calls_to("views.open"))
    await press(slack, user, choice, own)
    await slack.until(lambda: len(slack.fake.calls_to("views.open")) > opened)
    form = slack.fake.calls_to("views.open")[-1].args["view"]
    values = {"answer": {"answer_text": {"type": "plain_text_input", "value": text}}}
    submission = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": trigger(),
        "view": {**form, "id": "V9", "state": {"values": values}},
    }
    assert (await slack.interact(submission)).status == 200
    await until_dm(slack, user, f"Your commitment: “{text}”")


def assert_private(slack: SlackTester) -> None:
    """Nothing in the channel says who answered what, who was stuck, or shows the mentor's panel."""
    posted = json.dumps(in_channel(slack), ensure_ascii=False)
    for secret in ("Got it", "noté", "stuck on", "Workshop #1, step", "workshop.control", "Your commitment"):
        assert secret not in posted, secret
    for name in LEARNERS.values():
        assert not re.search(rf"\b{name}\b", posted, re.I), name
    assert not [
        m for m in slack.fake.ephemerals if m["user"] != MENTOR and "workshop.control" in json.dumps(m)
    ]
