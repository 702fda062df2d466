"""A whole express workshop over Teams, with a controlled clock: the mentor plans it in her personal chat,
the invitations come as cards with their two buttons and the calendar file as a one-time link, and she
runs it from a group chat. Every step is posted in the group chat once; what is for one person (the
mentor's panel, a checklist, a quiz answer's confirmation, a commitment) goes to their personal chat and
never into the group chat. The quiz closes on the workshop's own clock, a restart (a new app over the same
database) carries on from the same step, and a week later the follow-up comes and "I need help" reaches
the mentor.

Over real HTTP: signed activities to the real /api/messages (the Agents SDK app), the fake Bot Connector
recording what each conversation received, the download routes, the real dispatcher and database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from bot.core.context import Services
from storage import keys
from storage.enums import CheckStatus, Rsvp, WorkshopStatus
from storage.models import Commitment, Person, Workshop, WorkshopAnswer, WorkshopCheck, WorkshopSeat
from tests.bot.teams.conftest import (
    APP_ID,
    OUTBOUND_TOKEN,
    PEOPLE,
    TENANT,
    TeamsTester,
    cards,
    conversation_of,
    serving,
    submits,
    texts,
)
from tests.bot.teams.test_channel import mention
from tests.bot.teams.test_rooms import in_group
from tests.support.fake_jwks import FakeJwks
from tests.support.fake_teams import FakeConnector, Sent
from tests.support.harness import Clock

PUBLIC = "https://tandem.example.org"
LINK = re.compile(r"https://tandem\.example\.org(/download/[A-Za-z0-9_-]+)")
ADMIN, MIA = "29:admin", "29:mia"
BOB, CAR, DAN, EVE, FAY = "29:bob", "29:car", "29:dan", "29:eve", "29:fay"
LEARNERS = (BOB, CAR, DAN, EVE, FAY)
"""Bob reads French; the others, and the workshop (planned by Mia), English."""
GROUP = "19:workshop-group@thread.v2"
ROOM = keys.teams_room(TENANT, GROUP)
START = dt.datetime(2026, 11, 26, 12, 30, tzinfo=dt.UTC)  # 12:30 in London, 13:30 in Paris
LINE = "workshop plan Safe and visible with linkedin-profile phishing-scams at 2026-11-26 12:30 minutes 30"
STEPS = 10
"""Welcome, then opener, talking points, hands-on and quiz for each of the two lessons, then the closing."""
HEADLINE_RIGHT = "What you do and for whom, in one clear line"
HEADLINE_JOB = "Your job title and company name"
CEO_CALL = "Call the CEO back on the number you already have"
OWN = "Turn on two-step verification on my bank app"
_ids = itertools.count(1)
"""Activity ids, unique across both apps: a repeated id in a conversation is ignored as a replay."""


@dataclass
class Scene:
    """The running app (a new one after the restart) and what each conversation has received, read
    message by message: `new` gives what came since the last look. Every activity is signed, as the
    Bot Connector signs it, and checked by the SDK against the local key set."""

    teams: TeamsTester
    jwks: FakeJwks
    connector: FakeConnector
    clock: Clock
    read: dict[str, int] = field(default_factory=dict)

    def new(self, user_or_conversation: str) -> list[Sent]:
        conversation = _conversation(user_or_conversation)
        sent = self.connector.to(conversation)
        start = self.read.get(conversation, 0)
        self.read[conversation] = len(sent)
        return sent[start:]

    def saw(self, user_or_conversation: str) -> str:
        """Everything readable that reached a person's personal chat (or the group chat) since last time."""
        return "\n".join(s.text for s in self.new(user_or_conversation))

    def skip(self, *users: str) -> None:
        for user in users:
            self.new(user)

    async def turn(self, activity: dict[str, Any]) -> list[dict[str, Any]]:
        """One signed activity with `expectReplies`: the bot's replies in the turn, from the response."""
        token = self.jwks.token(APP_ID, service_url=self.connector.url)
        response = await self.teams.post(
            {**activity, "id": f"w-{next(_ids)}", "deliveryMode": "expectReplies"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status == 200, (response.status, await response.text())
        return list((await response.json() or {}).get("activities") or [])

    async def install(self, user: str) -> None:
        await self.turn(self.teams.activity(user, "installationUpdate", action="add"))

    async def say(self, user: str, text: str, **fields: Any) -> list[dict[str, Any]]:
        """A message in the person's personal chat."""
        return await self.turn(self.teams.activity(user, text=text, **fields))

    async def say_in_group(self, user: str, text: str) -> list[dict[str, Any]]:
        """A message in the group chat that mentions Tandem."""
        return await self.turn(in_group(self.teams, user, text))

    async def press(self, user: str, data: dict[str, Any], *, in_group: bool = False) -> list[dict[str, Any]]:
        """A card's Action.Submit, from the person's personal chat or from the group chat."""
        fields: dict[str, Any] = {"value": data, "replyToId": "card-1"}
        if in_group:
            fields["conversation"] = {"id": GROUP, "conversationType": "groupChat", "tenantId": TENANT}
        return await self.turn(self.teams.activity(user, **fields))

    async def deliver(self) -> None:
        await self.teams.app.deliver_now()


def _conversation(user_or_conversation: str) -> str:
    return user_or_conversation if user_or_conversation == GROUP else conversation_of(user_or_conversation)


def buttons(sent: Iterable[Sent] | list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """The data of every Action.Submit for `action` in these messages (sent ones, or a turn's replies)."""
    activities = [s.activity if isinstance(s, Sent) else s for s in sent]
    return [a["data"] for card in cards(activities) for a in submits(card) if a["data"]["tandem"] == action]


def panel_next(sent: Iterable[Sent] | list[dict[str, Any]]) -> dict[str, Any]:
    """The Next button of the mentor's panel among these messages."""
    [found] = [data for data in buttons(sent, "workshop.control") if data["value"].endswith(":next")]
    return found


def only(sent: list[Sent]) -> Sent:
    assert len(sent) == 1, [s.text for s in sent]
    return sent[0]


async def rows(scene: Scene, model: Any, *conditions: Any) -> list[Any]:
    async with scene.teams.app.services.db.transaction() as session:
        return list(await session.exec(select(model).where(*conditions)))


async def person_id(scene: Scene, user: str) -> int:
    [found] = await rows(scene, Person, Person.key == f"teams:{TENANT}:{PEOPLE[user][0]}")
    return int(found.id)


# --- the programme and the invitations -------------------------------------------------------------------


async def programme(scene: Scene) -> None:
    """Everyone installed the app (so Tandem can write to them); the admin creates the cohort, enrolls
    the five learners and pairs each with Mia, by mentions, as in Teams."""
    for user in (ADMIN, MIA, *LEARNERS):
        await scene.install(user)
    await scene.say(ADMIN, "cohort create pilot track first-steps start 2026-11-23")
    names = {user: PEOPLE[user] for user in LEARNERS}
    tokens = " ".join(f"<at>{name}</at>" for _, name, _, _ in names.values())
    entities = [mention(user, name, aad=aad) for user, (aad, name, _, _) in names.items()]
    assert "(5)" in texts(await scene.say(ADMIN, f"enroll pilot {tokens}", entities=entities))
    for user, (aad, name, _, _) in names.items():
        pair = [mention(MIA, "Mia Junior", aad="aad-mia"), mention(user, name, aad=aad)]
        await scene.say(ADMIN, f"pair <at>Mia Junior</at> <at>{name}</at>", entities=pair)
    await scene.deliver()
    scene.skip(ADMIN, MIA, *LEARNERS)


async def plan_and_invite(scene: Scene) -> None:
    """Mia plans the workshop in her personal chat; each learner gets the invitation card with its two
    buttons, in their language and time zone, and the .ics as a link of their own that serves its bytes
    once; Bob answers "I'm coming" on the card."""
    planned = texts(await scene.say(MIA, LINE))
    assert "Planned: workshop #1. 5 invitations are on their way" in planned
    await scene.deliver()
    assert "Your message reached everyone (5 people)" in scene.saw(MIA)

    invitations, links = {}, {}
    for user in LEARNERS:
        invitation, calendar = scene.new(user)
        invitations[user] = invitation
        assert "**Safe and visible**" in invitation.text
        rsvp = [a for card in invitation.cards for a in submits(card)]
        assert [a["type"] for a in rsvp] == ["Action.Submit"] * 2
        assert [a["data"] for a in rsvp] == [
            {"tandem": "workshop.rsvp", "value": "1:coming"},
            {"tandem": "workshop.rsvp", "value": "1:declined"},
        ]
        [links[user]] = LINK.findall(calendar.text)
        assert "workshop-1.ics" in calendar.text and "BEGIN:VCALENDAR" not in calendar.text
    assert len(set(links.values())) == len(LEARNERS), "a link for each person"
    assert "invites you to an express workshop" in invitations[CAR].text
    assert "Thursday 26 November 2026 at 12:30 (Europe/London)" in invitations[CAR].text
    bobs = invitations[BOB]
    assert "vous invite à un atelier express" in bobs.text and "13:30 (Europe/Paris)" in bobs.text
    assert [a["title"] for card in bobs.cards for a in submits(card)] == ["Je viens", "Pas cette fois"]

    session = scene.teams.session
    async with session.get(f"{scene.teams.url}{links[CAR]}") as page:
        assert page.status == 200 and "workshop-1.ics" in await page.text()
    async with session.post(f"{scene.teams.url}{links[CAR]}") as download:
        ics = await download.read()
        assert download.status == 200 and download.content_type == "text/calendar"
    assert ics.startswith(b"BEGIN:VCALENDAR") and b"UID:tandem-workshop-1" in ics
    assert b"DTSTART:20261126T123000Z" in ics
    async with session.post(f"{scene.teams.url}{links[CAR]}") as again:
        assert again.status == 410, "the link works once"

    [coming, _] = buttons([bobs], "workshop.rsvp")
    answered = texts(await scene.press(BOB, coming))
    assert "À jeudi 26 novembre 2026 à 13:30 (Europe/Paris)" in answered
    [seat] = await rows(scene, WorkshopSeat, WorkshopSeat.person_id == await person_id(scene, BOB))
    assert seat.rsvp == Rsvp.COMING


# --- the workshop in the group chat ---------------------------------------------------------------------


async def start_in_group(scene: Scene) -> dict[str, Any]:
    """`workshop start` in the group chat: the welcome is posted there, the panel goes to Mia's personal
    chat. Four learners press "I'm here" on the welcome; each hears back in their personal chat."""
    assert await scene.say_in_group(MIA, "workshop start") == [], "nothing answers in the group chat"
    panel = only(scene.new(MIA))
    assert f"Workshop #1, step 1 of {STEPS}" in panel.text
    assert [d["value"] for d in buttons([panel], "workshop.control")] == [
        f"1:0:{move}" for move in ("next", "back", "skip", "more", "end")
    ]
    await scene.deliver()
    welcome = only(scene.new(GROUP))
    assert "Welcome to the express workshop **Safe and visible** with **Mia Junior**!" in welcome.text
    [here] = buttons([welcome], "workshop.join")
    [workshop] = await rows(scene, Workshop)
    assert (workshop.status, workshop.room, workshop.step) == (WorkshopStatus.RUNNING, ROOM, 0)

    for user in (BOB, CAR, DAN, EVE):  # Fay comes late
        assert await scene.press(user, here, in_group=True) == []
    assert "Votre pratique et le quiz arriveront ici." in scene.saw(BOB)
    for user in (CAR, DAN, EVE):
        assert "Welcome! Your checklist and the quiz will come here." in scene.saw(user)
    return panel_next([panel])


async def next_step(scene: Scene, panel: dict[str, Any], number: int) -> tuple[dict[str, Any], str]:
    """Mia presses Next on her panel, in her personal chat: the new panel answers her there, and the
    step is posted in the group chat exactly once. Returns the new panel's Next and the group's post."""
    replies = await scene.press(MIA, panel)
    assert f"Workshop #1, step {number} of {STEPS}" in texts(replies)
    await scene.deliver()
    return panel_next(replies), only(scene.new(GROUP)).text


async def first_lesson(scene: Scene, panel: dict[str, Any]) -> dict[str, Any]:
    """The opener and the talking points in the group chat; the hands-on there too, with a checklist in
    the personal chat of each who said they are here; Dan's "Stuck" reaches Mia alone."""
    panel, posted = await next_step(scene, panel, 2)
    assert "**A LinkedIn profile that works**" in posted and "💬 When someone looks you up" in posted
    panel, posted = await next_step(scene, panel, 3)
    assert "Your LinkedIn profile is your handshake" in posted, "the room sees the lesson's summary"
    assert "_The real risk_" not in posted, "the talking points are the mentor's"
    panel, posted = await next_step(scene, panel, 4)
    assert posted.startswith("Your turn (3 min)")
    assert "Votre pratique pour **Un profil LinkedIn qui donne envie**" in scene.saw(BOB)
    checklists = {user: scene.new(user) for user in (CAR, DAN, EVE)}
    for user in (CAR, DAN, EVE):
        assert "Your checklist for **A LinkedIn profile that works**" in only(checklists[user]).text
    assert scene.new(FAY) == [], "no checklist for someone who is not here"

    done, stuck = buttons(checklists[DAN], "workshop.check")
    assert (done["value"], stuck["value"]) == ("1:3:done", "1:3:stuck")
    assert "Well done!" in texts(await scene.press(CAR, done))
    assert "**Mia Junior** knows and will come to help" in texts(await scene.press(DAN, stuck))
    await scene.deliver()
    assert "**Dan Senior** is stuck on the hands-on of **A LinkedIn profile that works**" in scene.saw(MIA)
    assert scene.new(GROUP) == []
    return panel


async def live_quiz(scene: Scene, panel: dict[str, Any]) -> dict[str, Any]:
    """The quiz card in the group chat: five answer on it, each confirmation in the answerer's personal
    chat; Fay, late, gets the run so far; the window closes on the workshop clock and the totals are
    posted in the group chat."""
    quiz_panel, posted = await next_step(scene, panel, 5)
    assert "Live quiz (60 seconds): What makes a LinkedIn headline useful?" in posted
    quiz = scene.connector.to(GROUP)[-1]
    choices = {data["value"]: data for data in buttons([quiz], "workshop.answer")}
    labels = [a["title"] for card in quiz.cards for a in submits(card)]
    job, right, quote = (choices[f"1:4:{n}"] for n in range(3))
    assert labels[1] == HEADLINE_RIGHT and labels[0].startswith(HEADLINE_JOB)

    late = await scene.press(FAY, {"tandem": "workshop.join", "value": "1"}, in_group=True)
    assert late == [], "the late joiner's catch-up is hers alone"
    caught_up = scene.new(FAY)
    assert "Here is what you missed so far" in caught_up[0].text and "Hands-on (3 min)" in caught_up[0].text
    assert buttons(caught_up, "workshop.answer") == list(choices.values()), "the quiz still open, in her chat"

    # Bob reads French but answers the room's English card: his choice is read in the room's language.
    for user, choice in ((BOB, right), (CAR, right), (DAN, job), (EVE, right), (FAY, quote)):
        assert await scene.press(user, choice, in_group=True) == [], "an answer never shows in the group"
    assert f"C’est noté\u202f: «\u202f{HEADLINE_RIGHT}\u202f»" in scene.saw(BOB)
    assert f"Got it: “{HEADLINE_RIGHT}”. The results come when the quiz closes." in scene.saw(CAR)
    assert f"Got it: “{HEADLINE_JOB}" in scene.saw(DAN)
    assert "Got it:" in scene.saw(EVE) and "Got it: “An inspiring quote" in scene.saw(FAY)
    assert scene.new(GROUP) == []

    scene.clock.advance(seconds=61)
    assert await scene.teams.app.timers.fire_due() == 1
    await scene.deliver()
    results = only(scene.new(GROUP)).text
    assert "Results (5 answers):" in results
    assert f"✓ {HEADLINE_RIGHT}: ▇▇▇▇▇▇ 3" in results and "The answer: **What you do and for whom" in results
    assert await scene.teams.app.timers.fire_due() == 0, "the window closes once"
    answers = await rows(scene, WorkshopAnswer)
    assert sorted((a.choice, a.correct, a.late) for a in answers) == [
        (0, False, False),
        (1, True, False),
        (1, True, False),
        (1, True, False),
        (2, False, False),
    ]
    return quiz_panel


async def second_lesson(scene: Scene, panel: dict[str, Any]) -> dict[str, Any]:
    """After the restart: the phishing lesson, its hands-on checklists (Fay's too now), and a quiz that
    only two answer before Mia moves on: the room gets the answer, the totals stay with her."""
    again = await scene.say_in_group(MIA, "workshop start")
    assert again == []
    assert f"Workshop #1, step 5 of {STEPS}" in only(scene.new(MIA)).text, "the new app knows the step"
    panel, posted = await next_step(scene, panel, 6)
    assert "**Spot phishing, fake profiles and CEO fraud**" in posted and "💬 Has a message" in posted
    panel, posted = await next_step(scene, panel, 7)
    panel, posted = await next_step(scene, panel, 8)
    assert posted.startswith("Your turn (3 min)")
    for user in LEARNERS:
        assert len(buttons(scene.new(user), "workshop.check")) == 2, user
    panel, posted = await next_step(scene, panel, 9)
    assert "Live quiz (60 seconds): Your CEO emails you" in posted
    choices = {data["value"]: data for data in buttons(scene.connector.to(GROUP)[-1:], "workshop.answer")}
    for user in (BOB, CAR):
        assert await scene.press(user, choices["1:8:1"], in_group=True) == []
    scene.skip(BOB, CAR)

    replies = await scene.press(MIA, panel)  # on to the closing before the window ends: it closes now
    assert f"Workshop #1, step 10 of {STEPS}" in texts(replies)
    await scene.deliver()
    answer, closing = scene.new(GROUP)
    assert f"The answer: **{CEO_CALL}**" in answer.text and "Results" not in answer.text
    assert "To close: pick one thing you will do this week" in closing.text
    assert "Only 2 answered, so the totals stay with you" in scene.saw(MIA)
    return panel_next(replies)


async def commitments_and_end(scene: Scene, panel: dict[str, Any]) -> None:
    """Commitment choices in each personal chat; Bob picks one, Car writes her own. Mia ends: her
    summary answers her, each participant gets a recap."""
    picks = {user: scene.new(user) for user in LEARNERS}
    for user in LEARNERS:
        assert buttons(picks[user], "workshop.commit") and buttons(picks[user], "workshop.commit_own")
    assert "choisissez une chose que vous ferez cette semaine" in only(picks[BOB]).text
    for user in (CAR, DAN, EVE, FAY):
        assert "To close: pick one thing you will do this week" in only(picks[user]).text
    bobs = texts(await scene.press(BOB, buttons(picks[BOB], "workshop.commit")[0]))
    assert "Votre engagement" in bobs and "Ouvrez votre profil, cliquez sur le crayon" in bobs
    [own] = buttons(picks[CAR], "workshop.commit_own")
    cars = texts(await scene.press(CAR, {**own, "text": OWN}))
    assert f"Your commitment: “{OWN}”. I’ll ask you in a week how it went." in cars

    summary = texts(await scene.press(MIA, panel))
    assert "Workshop #1 is over. Attendance: 5 of 5 invited (1 late)." in summary
    assert "**Dan Senior** (A LinkedIn profile that works: hands-on)" in summary
    assert f"**Car Senior**: “{OWN}”" in summary
    await scene.deliver()
    assert "Merci d’avoir participé à **Safe and visible**" in scene.saw(BOB)
    assert f"Your commitment: “{OWN}”." in scene.saw(CAR)
    for user in (DAN, EVE, FAY):
        recap = scene.new(user)
        assert "Thank you for taking part in **Safe and visible**!" in only(recap).text
        assert "Pick one thing to do this week" in recap[0].text and buttons(recap, "workshop.commit")
    assert scene.new(GROUP) == [], "the end posts nothing in the group chat"
    [workshop] = await rows(scene, Workshop)
    assert workshop.status == WorkshopStatus.ENDED


async def a_week_later(scene: Scene) -> None:
    """The follow-up comes to each who committed; Car's "I need help" reaches Mia, her mentor."""
    scene.clock.advance(days=7)
    await scene.deliver()
    assert "Il y a une semaine, vous avez choisi" in scene.saw(BOB)
    follow_up = only(scene.new(CAR))
    assert f"A week ago you chose: “{OWN}”. How did it go?" in follow_up.text
    answers = buttons([follow_up], "commitment.answer")
    assert [data["value"].split(":")[1] for data in answers] == ["done", "not_yet", "need_help"]
    need_help = answers[2]
    assert "I’ve told your mentor, **Mia Junior**" in texts(await scene.press(CAR, need_help))
    await scene.deliver()
    helping = scene.saw(MIA)
    assert "**Car Senior** would like a hand with what they chose to do a week ago" in helping
    assert f"in the workshop **Safe and visible**: “{OWN}”" in helping
    [made] = await rows(scene, Commitment, Commitment.person_id == await person_id(scene, CAR))
    assert made.status == "need_help"


def group_chat_kept_private(connector: FakeConnector) -> None:
    """What the group chat received in the whole workshop: the steps and the totals, never anyone's
    answer, name, checklist or commitment, and never the mentor's panel."""
    posted = connector.to(GROUP)
    assert len(posted) == 1 + 4 + 1 + 4 + 1 + 1  # welcome, lesson 1, results, lesson 2, answer, closing
    everything = "\n".join(s.text for s in posted)
    mine = ("Got it", "C’est noté", "Your checklist", "is stuck", "Your commitment", "Votre engagement")
    for private in (*mine, "Workshop #1, step", "is over", "Only 2 answered", OWN):
        assert private not in everything, private
    for _, name, _, _ in (PEOPLE[user] for user in LEARNERS):
        assert name not in everything, name
    assert not buttons(posted, "workshop.control") and not buttons(posted, "workshop.check")
    assert not buttons(posted, "workshop.commit")
    assert {s.authorization for s in posted} == {f"Bearer {OUTBOUND_TOKEN}"}, "as Tandem, with its token"


def steps_only_in_the_group_chat(scene: Scene) -> None:
    """The steps were posted in the group chat alone: no one got them again in their personal chat (the
    mentor, who answers for the room's posts, neither); the admin saw nothing of the workshop."""
    for user in (MIA, *LEARNERS):
        chat = "\n".join(scene.connector.texts(conversation_of(user)))
        assert "💬" not in chat and "Your turn (3 min)" not in chat and "Results (" not in chat, user
    assert scene.new(ADMIN) == []


async def test_a_whole_workshop_in_a_teams_group_chat(
    services: Services, connector: FakeConnector, jwks: FakeJwks, clock: Clock, fay: None
) -> None:
    async with serving(services, connector, deliver=False, credentials=True, public_url=PUBLIC) as teams:
        scene = Scene(teams, jwks, connector, clock)
        await programme(scene)
        await plan_and_invite(scene)
        clock.now = START - dt.timedelta(minutes=1)
        panel = await start_in_group(scene)
        panel = await first_lesson(scene, panel)
        panel = await live_quiz(scene, panel)
        [checked] = await rows(scene, WorkshopCheck, WorkshopCheck.status == CheckStatus.STUCK)
        assert checked.person_id == await person_id(scene, DAN)

    # A restart: a new app over the same database (and the same Teams), from the panel Mia had.
    async with serving(services, connector, deliver=False, credentials=True, public_url=PUBLIC) as teams:
        scene.teams = teams
        panel = await second_lesson(scene, panel)
        await commitments_and_end(scene, panel)
        await a_week_later(scene)
    group_chat_kept_private(connector)
    steps_only_in_the_group_chat(scene)
    assert jwks.fetches >= 1, "the activities' signatures were checked against the local key set"
