"""Clear answers to near misses: a time zone typed as a city, a cohort name typed as several words."""

from __future__ import annotations

import pytest

from bot.core.args import city_key, parse_zone
from bot.core.errors import UserError
from storage import cohorts, people
from storage.models import PersonUpdate
from tests.support.harness import Harness

NNBSP = "\u202f"


async def tz_of(harness: Harness, name: str) -> str | None:
    async with harness.services.db.transaction() as session:
        person = await people.get_person(session, key=f"console:{name}")
        assert person is not None
        return person.tz


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("paris", "Europe/Paris"),
        ("PARIS", "Europe/Paris"),
        ("new york", "America/New_York"),
        ("New-York", "America/New_York"),
        ("São Paulo", "America/Sao_Paulo"),
        ("montréal", "America/Montreal"),
        ("los_angeles", "America/Los_Angeles"),
        ("europe/london", "Europe/London"),
    ],
)
async def test_tz_understands_a_city(harness: Harness, typed: str, zone: str) -> None:
    text = await harness.text("alice", f"tz {typed}")

    assert f"Done: your time zone is now {zone}." in text
    assert await tz_of(harness, "alice") == zone


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("pari", "`pari` is not a time zone I know. Did you mean `Europe/Paris`?"),
        ("new yrok", "Did you mean `America/New_York`?"),
        ("lyon", "or a big city in your time zone, like `paris` or `new york`."),
        ("Mars/Olympus", "`Mars/Olympus` is not a time zone I know."),
    ],
)
async def test_tz_near_misses_suggest_and_change_nothing(harness: Harness, typed: str, expected: str) -> None:
    await harness.text("alice", "help")  # alice exists before the snapshot
    before = await harness.snapshot()

    text = await harness.text("alice", f"tz {typed}")

    assert expected in text
    assert await harness.snapshot() == before


async def test_tz_suggestion_in_french(harness: Harness) -> None:
    await harness.text("alice", "help")
    async with harness.services.db.transaction() as session:
        alice = await people.get_person(session, key="console:alice")
        assert alice is not None
        await people.update_person(session, person=alice, data=PersonUpdate(lang="fr"))

    text = await harness.text("alice", "tz pari")

    assert f"`pari` n’est pas un fuseau horaire connu. Vouliez-vous dire `Europe/Paris`{NNBSP}?" in text


async def test_a_cohort_time_zone_may_be_a_city(harness: Harness) -> None:
    text = await harness.text("root", "cohort create east track first-steps tz new_york")

    assert "(America/New_York)" in text
    async with harness.services.db.transaction() as session:
        cohort = await cohorts.get_cohort(session, name="east")
        assert cohort is not None and cohort.tz == "America/New_York"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            "cohort create spring pilot track first-steps",
            "A cohort name is one word, without spaces: `spring pilot` is 2 words. Join them with `-`, "
            "like this: `cohort create spring-pilot track first-steps`",
        ),
        ("cohort create spring pilot 2027", "`cohort create spring-pilot-2027`"),
        (
            "cohort create spring pilot parcours first-steps",
            "`cohort create spring-pilot parcours first-steps`",
        ),
        ("cohort pause spring pilot", "`cohort pause spring-pilot`"),
        ("cohort resume Spring Pilot", "`cohort resume Spring-Pilot`"),
    ],
)
async def test_a_cohort_name_with_spaces_is_explained(harness: Harness, command: str, expected: str) -> None:
    await harness.text("root", "help")  # root exists before the snapshot
    before = await harness.snapshot()

    text = await harness.text("root", command)

    assert expected in text
    assert await harness.snapshot() == before


async def test_a_cohort_name_with_spaces_in_french(harness: Harness) -> None:
    await harness.text("root", "help")
    async with harness.services.db.transaction() as session:
        root = await people.get_person(session, key="console:root")
        assert root is not None
        await people.update_person(session, person=root, data=PersonUpdate(lang="fr"))

    text = await harness.text("root", "cohort create spring pilot track first-steps")

    assert f"Un nom de cohorte tient en un seul mot, sans espace{NNBSP}: `spring pilot` en fait 2." in text
    assert "`cohort create spring-pilot track first-steps`" in text


@pytest.mark.parametrize(
    ("typed", "key"),
    [("São Paulo", "sao_paulo"), ("Port-au-Prince", "port_au_prince"), ("  new   york ", "new_york")],
)
def test_city_key_spells_places_as_zone_names_do(typed: str, key: str) -> None:
    assert city_key(typed) == key


def test_parse_zone_keeps_refusing_what_names_no_zone() -> None:
    with pytest.raises(UserError):
        parse_zone("nowhere-at-all")
