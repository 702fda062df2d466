"""The mentor's panel in a Teams room, as a card that Teams refreshes for the mentor alone (Universal
Actions): `workshop start` in a group chat of at most 60 members posts one card there, with a `refresh`
for the mentor's Teams id; the mentor's Teams asks Tandem what she sees of it (an `adaptiveCard/action`
invoke) and gets the controls, whose buttons are Action.Execute answered in the invoke's response;
everyone else sees one line saying who runs the workshop. In a larger room the panel goes to her
personal chat, as when the room's size cannot be read (tests/bot/teams/test_workshop.py).

Over real HTTP: signed activities and invokes to the real /api/messages (the Agents SDK app), the fake
Bot Connector with the room's roster, the real dispatcher and database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.core.context import Services
from bot.core.replies import Button, PersonalView, Text
from bot.teams.render import MAX_REFRESH_USERS, parse_execute, personal_view, shared_view
from storage.enums import WorkshopStatus
from storage.models import Workshop
from tests.bot.teams.conftest import APP_ID, PEOPLE, TENANT, cards, conversation_of, serving, texts
from tests.bot.teams.test_workshop import (
    GROUP,
    LEARNERS,
    LINE,
    MIA,
    START,
    STEPS,
    Scene,
    buttons,
    only,
    programme,
    rows,
)
from tests.bot.teams.test_workshop import (
    _ids as activity_ids,
)
from tests.support.fake_jwks import FakeJwks
from tests.support.fake_teams import FakeConnector
from tests.support.harness import Clock

pytestmark = pytest.mark.usefixtures("jwks", "fay")

BOB = LEARNERS[0]
CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"


def roster(size: int) -> list[dict[str, Any]]:
    """A room's members: Mia, the five learners, then as many colleagues as it takes."""
    known = [{"id": user, "name": PEOPLE[user][1]} for user in (MIA, *LEARNERS)]
    others = [{"id": f"29:colleague-{n}", "name": f"Colleague {n}"} for n in range(size - len(known))]
    return (known + others)[:size]


async def invoke(scene: Scene, user: str, data: dict[str, Any], *, trigger: str = "manual") -> dict[str, Any]:
    """An Action.Execute from the group chat (or Teams refreshing a card, `trigger="automatic"`), signed
    as the Bot Connector signs it: the invoke response's body."""
    activity = scene.teams.activity(
        user,
        "invoke",
        name="adaptiveCard/action",
        value={
            "action": {"type": "Action.Execute", "verb": data["tandem"], "data": data},
            "trigger": trigger,
        },
        conversation={"id": GROUP, "conversationType": "groupChat", "tenantId": TENANT},
        replyToId="panel-card",
    )
    activity["id"] = f"x-{next(activity_ids)}"
    token = scene.jwks.token(APP_ID, service_url=scene.connector.url)
    response = await scene.teams.post(activity, headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200, (response.status, await response.text())
    body = await response.json()
    assert body["statusCode"] == 200
    return dict(body)


def card_text(body: dict[str, Any]) -> str:
    assert body["type"] == CARD, body
    return texts([{"attachments": [{"contentType": CARD, "content": body["value"]}]}])


def executes(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action of a card (its own and those in action sets), in order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            for key, value in node.items():
                if key != "refresh":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def move(card: dict[str, Any], name: str) -> dict[str, Any]:
    [data] = [a["data"] for a in executes(card) if a["data"]["value"].endswith(f":{name}")]
    return dict(data)


async def started(scene: Scene, clock: Clock) -> list[dict[str, Any]]:
    """The programme, the workshop planned by Mia, and `workshop start` in the group chat: the turn's
    replies there."""
    await programme(scene)
    assert "Planned: workshop #1" in texts(await scene.say(MIA, LINE))
    await scene.deliver()
    scene.skip(MIA, *LEARNERS)
    clock.now = START - dt.timedelta(minutes=1)
    return await scene.say_in_group(MIA, "workshop start")


async def test_in_a_small_group_chat_the_panel_is_a_card_refreshed_for_the_mentor_alone(
    services: Services, connector: FakeConnector, jwks: FakeJwks, clock: Clock
) -> None:
    connector.rosters[GROUP] = roster(7)
    async with serving(services, connector, deliver=False, credentials=True) as teams:
        scene = Scene(teams, jwks, connector, clock)
        [shared] = cards(await started(scene, clock))
        assert "🎛 **Mia Junior** runs workshop #1 from here: the controls show to them alone." in texts(
            [{"attachments": [{"contentType": CARD, "content": shared}]}]
        )
        assert executes(shared) == [], "nobody else gets a button"
        refresh = shared["refresh"]
        assert refresh["userIds"] == [MIA]
        assert refresh["action"] == {
            "type": "Action.Execute",
            "verb": "workshop.view",
            "data": {"tandem": "workshop.view", "value": "1"},
        }
        assert scene.new(MIA) == [], "the panel is in the room, not in her personal chat"
        await scene.deliver()
        assert "Welcome to the express workshop" in only(scene.new(GROUP)).text

        # Mia's Teams shows her the card: it asks what she sees of it.
        mine = await invoke(scene, MIA, refresh["action"]["data"], trigger="automatic")
        assert f"Workshop #1, step 1 of {STEPS}" in card_text(mine)
        panel = mine["value"]
        assert panel["refresh"] == refresh, "her view stays hers, and refreshes again"
        assert [(a["type"], a["verb"], a["data"]["value"]) for a in executes(panel)] == [
            ("Action.Execute", "workshop.control", f"1:0:{name}")
            for name in ("next", "back", "skip", "more", "end")
        ]

        # Bob's Teams shows him the room's line, in his own language, without a button.
        his = await invoke(scene, BOB, refresh["action"]["data"], trigger="manual")
        assert "**Mia Junior** anime l’atelier n° 1 d’ici" in card_text(his) and executes(his["value"]) == []

        # Next: her card moves on in the invoke's response; the step is posted in the room once.
        after = await invoke(scene, MIA, move(panel, "next"))
        assert f"Workshop #1, step 2 of {STEPS}" in card_text(after)
        await scene.deliver()
        assert "💬" in only(scene.new(GROUP)).text
        assert scene.new(MIA) == []

        # The same old Next pressed again changes nothing: her card shows where the workshop stands.
        again = await invoke(scene, MIA, move(panel, "next"))
        assert f"step 2 of {STEPS}" in card_text(again)
        [workshop] = await rows(scene, Workshop)
        assert workshop.step == 1
        await scene.deliver()
        assert scene.new(GROUP) == []

        # Bob cannot run it, even by forging the button: the core refuses, in a message, and nothing moves.
        forged = await invoke(scene, BOB, move(after["value"], "next"))
        assert forged["type"] == MESSAGE and "Seul le mentor de l’atelier" in forged["value"]
        [workshop] = await rows(scene, Workshop)
        assert workshop.step == 1

        # +5 min answers in a message and leaves her card as it is.
        more = await invoke(scene, MIA, move(after["value"], "more"))
        assert more["type"] == MESSAGE and "Five more minutes" in more["value"]

        # End: her card becomes the summary, and stays so when Teams refreshes it later.
        ended = await invoke(scene, MIA, move(after["value"], "end"))
        assert "Workshop #1 is over" in card_text(ended) and executes(ended["value"]) == []
        assert ended["value"]["refresh"] == refresh
        later = await invoke(scene, MIA, refresh["action"]["data"], trigger="automatic")
        assert "Workshop #1 is over" in card_text(later)
        [workshop] = await rows(scene, Workshop)
        assert workshop.status == WorkshopStatus.ENDED

        await scene.deliver()
        room = "\n".join(connector.texts(GROUP))
        assert "Workshop #1, step" not in room and "is over" not in room, "the panel never shows to the room"
        assert connector.roster_reads == 1


async def test_in_a_room_of_more_than_sixty_the_panel_goes_to_the_mentors_personal_chat(
    services: Services, connector: FakeConnector, jwks: FakeJwks, clock: Clock
) -> None:
    connector.rosters[GROUP] = roster(MAX_REFRESH_USERS + 1)
    async with serving(services, connector, deliver=False, credentials=True) as teams:
        scene = Scene(teams, jwks, connector, clock)
        assert await started(scene, clock) == [], "nothing in the room"
        panel = only(scene.new(MIA))
        assert f"Workshop #1, step 1 of {STEPS}" in panel.text
        assert len(buttons([panel], "workshop.control")) == 5
        assert all("refresh" not in card for card in panel.cards)
        assert connector.to(conversation_of(MIA))[-1].activity["attachments"][0]["content"]["actions"][0][
            "type"
        ] == ("Action.Submit")


async def test_an_invoke_without_a_valid_token_is_refused(
    services: Services, connector: FakeConnector, jwks: FakeJwks, clock: Clock
) -> None:
    async with serving(services, connector, deliver=False, credentials=True) as teams:
        activity = teams.activity(
            MIA,
            "invoke",
            name="adaptiveCard/action",
            value={
                "action": {
                    "type": "Action.Execute",
                    "verb": "workshop.view",
                    "data": {"tandem": "workshop.view", "value": "1"},
                }
            },
        )
        response = await teams.post(activity)
        assert response.status == 401


def test_execute_values_that_are_not_ours_are_ignored() -> None:
    good = {
        "type": "Action.Execute",
        "verb": "workshop.view",
        "data": {"tandem": "workshop.view", "value": "3"},
    }
    assert parse_execute({"action": good}) == ("workshop.view", "3", "")
    for bad in (
        None,
        "text",
        {},
        {"action": {**good, "type": "Action.Submit"}},
        {"action": {**good, "verb": "workshop.control"}},  # the verb must be the action the data names
        {"action": {**good, "data": "workshop.view"}},
        {"action": {**good, "verb": "Bad Verb", "data": {"tandem": "Bad Verb"}}},
        {"action": {**good, "data": {"tandem": "workshop.view", "value": 3}}},
    ):
        assert parse_execute(bad) is None, bad


def test_a_personal_view_keeps_its_refresh_and_turns_buttons_into_executes() -> None:
    view = PersonalView("workshop.view", "4", "Shared *line*")
    users = [f"29:u{n}" for n in range(MAX_REFRESH_USERS + 5)]
    room = shared_view(view, users)["attachments"][0]["content"]
    assert len(room["refresh"]["userIds"]) == MAX_REFRESH_USERS
    reply = Text(
        "Mine", (Button("Next", "workshop.control", "4:0:next", "primary"),), private=True, view=view
    )
    message = personal_view(reply, view, ["29:mia"])
    assert message is not None
    card = message["attachments"][0]["content"]
    [action] = card["actions"]
    assert (action["type"], action["verb"], action["style"]) == (
        "Action.Execute",
        "workshop.control",
        "positive",
    )
    assert action["data"] == {"tandem": "workshop.control", "value": "4:0:next"}
    assert card["refresh"]["userIds"] == ["29:mia"]
    assert personal_view(Text("x" * 200_000, view=view), view, ["29:mia"]) is None, "beyond one message"
