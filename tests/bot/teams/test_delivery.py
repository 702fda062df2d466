"""Teams: one recipient the bot can no longer write to (403 from the connector) never blocks the others;
the ledger tells the truth, the sender is told, and the message goes out once that person comes back."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from storage.models import Delivery, Person
from tests.bot.teams.conftest import TENANT, TeamsTester, conversation_of, texts
from tests.bot.teams.test_channel import ADMIN, BOB, MIA, mention

CAR, DAN, EVE = "29:car", "29:dan", "29:eve"
NAMES = {BOB: ("aad-bob", "Bob Senior"), CAR: ("aad-car", "Car Senior"), DAN: ("aad-dan", "Dan Senior"), EVE: ("aad-eve", "Eve Senior")}  # fmt: skip


async def rows(teams: TeamsTester, model, *conditions):  # type: ignore[no-untyped-def]
    async with teams.app.services.db.transaction() as session:
        return list(await session.exec(select(model).where(*conditions)))


async def sent_everywhere(teams: TeamsTester, timeout: float = 10.0) -> None:
    """Wait until every tip's row says `sent`; fail with the statuses seen last."""
    statuses: list[str] = []
    for _ in range(int(timeout / 0.05)):
        statuses = sorted(d.status for d in await rows(teams, Delivery, Delivery.kind == "tip"))
        if statuses == ["sent"] * 4:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"tips not all sent: {statuses}")


async def test_a_403_for_one_person_does_not_stop_a_cohort_push(teams: TeamsTester) -> None:
    for user in (ADMIN, MIA, *NAMES):
        await teams.install(user)
    await teams.say(ADMIN, "cohort create pilot track first-steps start 2026-01-05")
    tokens = " ".join(f"<at>{name}</at>" for _, name in NAMES.values())
    entities = [mention(user, name, aad=aad) for user, (aad, name) in NAMES.items()]
    assert "(4)" in texts(await teams.say(ADMIN, f"enroll pilot {tokens}", entities=entities))
    for user, (aad, name) in NAMES.items():  # a mentor's cohort push reaches their own mentees
        pair = [mention(MIA, "Mia Junior", aad="aad-mia"), mention(user, name, aad=aad)]
        await teams.say(ADMIN, f"pair <at>Mia Junior</at> <at>{name}</at>", entities=pair)
    teams.connector.refusing[conversation_of(CAR)] = 403  # car removed the bot, and Teams says so

    reply = texts(await teams.say(MIA, "push pilot Save the posts you want to read later."))

    assert "Sent to your 4 mentees in pilot" in reply
    await teams.until(lambda: any("reached 3 of 4" in t for t in teams.connector.texts(conversation_of(MIA))))
    for user in (BOB, DAN, EVE):
        assert sum("Save the posts" in t for t in teams.connector.texts(conversation_of(user))) == 1
    assert not any("Save the posts" in t for t in teams.connector.texts(conversation_of(CAR)))
    [report] = [t for t in teams.connector.texts(conversation_of(MIA)) if "reached 3 of 4" in t]
    assert "Car Senior" in report
    tips = await rows(teams, Delivery, Delivery.kind == "tip")
    assert sorted(d.status for d in tips) == ["held", "sent", "sent", "sent"]
    [car] = await rows(teams, Person, Person.key == f"teams:{TENANT}:aad-car")
    assert car.reachable is False

    del teams.connector.refusing[conversation_of(CAR)]
    await teams.install(CAR)  # car adds the app again: what waited for them goes out, once
    await teams.until(lambda: any("Save the posts" in t for t in teams.connector.texts(conversation_of(CAR))))
    await sent_everywhere(teams)  # the outcome is recorded just after Teams answers
