"""Teams: one recipient the bot can no longer write to (403 from the connector) never blocks the others;
the ledger tells the truth, the sender is told, and the message goes out once that person comes back."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Delivery, Person
from tests.bot.teams.conftest import TENANT, TeamsTester, conversation_of, texts
from tests.bot.teams.test_channel import ADMIN, BOB, MIA, mention

CAR, DAN, EVE = "29:car", "29:dan", "29:eve"
NAMES = {BOB: ("aad-bob", "Bob Senior"), CAR: ("aad-car", "Car Senior"), DAN: ("aad-dan", "Dan Senior"), EVE: ("aad-eve", "Eve Senior")}  # fmt: skip


async def rows(teams: TeamsTester, model, *conditions):  # type: ignore[no-untyped-def]
    async with teams.app.services.db.transaction() as session:
        return list(await session.exec(select(model).where(*conditions)))


async def test_a_403_for_one_person_does_not_stop_a_cohort_push(teams: TeamsTester) -> None:
    for user in (ADMIN, MIA, *NAMES):
        await teams.install(user)
    await teams.say(ADMIN, "cohort create pilot track first-steps start 2026-01-05")
    tokens = " ".join(f"<at>{name}</at>" for _, name in NAMES.values())
    entities = [mention(user, name, aad=aad) for user, (aad, name) in NAMES.items()]
    assert "(4)" in texts(await teams.say(ADMIN, f"enroll pilot {tokens}", entities=entities))
    pair = [mention(MIA, "Mia Junior", aad="aad-mia"), mention(BOB, "Bob Senior", aad="aad-bob")]
    await teams.say(ADMIN, "pair <at>Mia Junior</at> <at>Bob Senior</at>", entities=pair)
    teams.connector.refusing[conversation_of(CAR)] = 403  # car removed the bot, and Teams says so

    reply = texts(await teams.say(MIA, "push pilot Save the posts you want to read later."))

    assert "on its way to the 4 people" in reply
    await teams.until(
        lambda: any("reached 3 of the 4" in t for t in teams.connector.texts(conversation_of(MIA)))
    )
    for user in (BOB, DAN, EVE):
        assert sum("Save the posts" in t for t in teams.connector.texts(conversation_of(user))) == 1
    assert not any("Save the posts" in t for t in teams.connector.texts(conversation_of(CAR)))
    [report] = [t for t in teams.connector.texts(conversation_of(MIA)) if "reached 3 of the 4" in t]
    assert "Car Senior" in report
    tips = await rows(teams, Delivery, Delivery.kind == "tip")
    assert sorted(d.status for d in tips) == ["held", "sent", "sent", "sent"]
    [car] = await rows(teams, Person, Person.key == f"teams:{TENANT}:aad-car")
    assert car.reachable is False

    del teams.connector.refusing[conversation_of(CAR)]
    await teams.install(CAR)  # car adds the app again: what waited for them goes out, once
    await teams.until(lambda: any("Save the posts" in t for t in teams.connector.texts(conversation_of(CAR))))
    assert sorted(d.status for d in await rows(teams, Delivery, Delivery.kind == "tip")) == ["sent"] * 4
