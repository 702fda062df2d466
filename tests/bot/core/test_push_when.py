"""`push … at <when>`: day words (`tomorrow`, `demain`, weekdays) at the reader's tip time, or at a time
in the mentor's zone; a mistyped or incomplete `at` says what it expects and never sends the tip now."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.dates import day_after
from storage import people
from storage.models import CustomTip, Delivery, PersonUpdate
from tests.bot.core.test_mentor_commands import rows, setup_programme
from tests.support.harness import Harness, notifications, text_of

UTC = dt.UTC
# The harness clock: Monday 2026-11-23 10:00 UTC, 11:00 in Paris. Cohort `pilot` sends at 09:00 Paris.


@pytest.fixture
async def ids(harness: Harness) -> dict[str, int]:
    return await setup_programme(harness)


async def set_tz(harness: Harness, person_id: int, tz: str) -> None:
    async with harness.services.db.transaction() as session:
        person = await people.get_person_by_id(session, person_id=person_id)
        assert person is not None
        await people.update_person(session, person=person, data=PersonUpdate(tz=tz))


@pytest.mark.parametrize(
    ("when", "due", "shown"),
    [
        ("at tomorrow", dt.datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "2026-11-24 09:00 (Europe/Paris)"),
        ("AT Tomorrow", dt.datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "2026-11-24 09:00 (Europe/Paris)"),
        ("at demain 14h", dt.datetime(2026, 11, 24, 13, 0, tzinfo=UTC), "2026-11-24 14:00 (Europe/Paris)"),
        ("à demain 9h30", dt.datetime(2026, 11, 24, 8, 30, tzinfo=UTC), "2026-11-24 09:30 (Europe/Paris)"),
        (
            "at tomorrow at 10:00",
            dt.datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
            "2026-11-24 10:00 (Europe/Paris)",
        ),
        ("at friday", dt.datetime(2026, 11, 27, 8, 0, tzinfo=UTC), "2026-11-27 09:00 (Europe/Paris)"),
        ("at vendredi", dt.datetime(2026, 11, 27, 8, 0, tzinfo=UTC), "2026-11-27 09:00 (Europe/Paris)"),
        ("at monday", dt.datetime(2026, 11, 30, 8, 0, tzinfo=UTC), "2026-11-30 09:00 (Europe/Paris)"),
        ("at monday 15:00", dt.datetime(2026, 11, 23, 14, 0, tzinfo=UTC), "2026-11-23 15:00 (Europe/Paris)"),
        ("at today 18:00", dt.datetime(2026, 11, 23, 17, 0, tzinfo=UTC), "2026-11-23 18:00 (Europe/Paris)"),
        ("at après-demain", dt.datetime(2026, 11, 25, 8, 0, tzinfo=UTC), "2026-11-25 09:00 (Europe/Paris)"),
    ],
)
async def test_push_at_a_day_word_is_scheduled(
    harness: Harness, ids: dict[str, int], when: str, due: dt.datetime, shown: str
) -> None:
    replies = await harness.say("mia", f"push @bob Check your privacy settings {when}")

    assert f"**bob** will get your tip on {shown}" in text_of(replies)
    [tip] = await rows(harness, CustomTip)
    assert tip.text == "Check your privacy settings"
    assert tip.send_at == due
    [delivery] = await rows(harness, Delivery, kind="tip")
    assert (delivery.person_id, delivery.status, delivery.due_at) == (ids["bob"], "pending", due)


async def test_tomorrow_is_the_readers_tip_time_in_their_zone_told_in_the_mentors(
    harness: Harness, ids: dict[str, int]
) -> None:
    await set_tz(harness, ids["bob"], "America/New_York")

    replies = await harness.say("mia", "push @bob Hi at tomorrow")

    due = dt.datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 09:00 in New York
    assert "**bob** will get your tip on 2026-11-24 15:00 (Europe/Paris)" in text_of(replies)
    [delivery] = await rows(harness, Delivery, kind="tip")
    assert delivery.due_at == due


async def test_a_french_mentor_is_told_in_french(harness: Harness, ids: dict[str, int]) -> None:
    async with harness.services.db.transaction() as session:
        mia = await people.get_person_by_id(session, person_id=ids["mia"])
        assert mia is not None
        await people.update_person(session, person=mia, data=PersonUpdate(lang="fr"))

    text = await harness.text("mia", "push @bob Bonjour at demain")

    assert "**bob** recevra votre conseil le 2026-11-24 09:00 (Europe/Paris)" in text


async def test_a_cohort_tomorrow_is_the_cohorts_tip_time(harness: Harness, ids: dict[str, int]) -> None:
    replies = await harness.say("root", "push pilot Hello at tomorrow")

    due = dt.datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert "will get your tip on 2026-11-24 09:00 (Europe/Paris)" in text_of(replies)
    assert sorted(d.due_at for d in await rows(harness, Delivery, kind="tip")) == [due, due]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("push @bob Hi at tomorow", "Say when after `at`"),
        ("push @bob Hi at fridy 10:00", "Say when after `at`"),
        ("push @bob Hi at tomorrow morning", "`morning` is not a time"),
        ("push @bob Hi at demain 25h", "`25h` is not a time"),
        ("push @bob Hi at today", "2026-11-23 09:00 (Europe/Paris) has already passed"),
        ("push @bob Hi at today 08:00", "2026-11-23 08:00 (Europe/Paris) has already passed"),
        ("push @bob at tomorrow", "What should the tip say?"),
    ],
)
async def test_an_unclear_at_says_what_it_expects_and_sends_nothing(
    harness: Harness, ids: dict[str, int], command: str, expected: str
) -> None:
    before = await harness.snapshot()

    replies = await harness.say("mia", command)

    assert expected in text_of(replies)
    assert notifications(replies) == []
    assert await harness.snapshot() == before


@pytest.mark.parametrize(
    "tip",
    [
        "Bonne journée, à demain",
        "See you at the office",
        "Meet me at Friday's session",
        "Let's talk about it at 10 am",
    ],
)
async def test_words_after_at_that_name_no_day_stay_text_and_go_now(
    harness: Harness, ids: dict[str, int], tip: str
) -> None:
    replies = await harness.say("mia", f"push @bob {tip}")

    [note] = notifications(replies, "console:bob")
    assert text_of([note]).endswith(tip.replace("'", "'"))
    [delivery] = await rows(harness, Delivery, kind="tip")
    assert delivery.due_at == harness.clock.now


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("tomorrow", dt.date(2026, 11, 24)),
        ("Demain", dt.date(2026, 11, 24)),
        ("aujourd’hui", dt.date(2026, 11, 23)),
        ("monday", dt.date(2026, 11, 23)),
        ("sunday", dt.date(2026, 11, 29)),
        ("mercredi", dt.date(2026, 11, 25)),
        ("office", None),
    ],
)
def test_day_after_names_days_from_today(word: str, expected: dt.date | None) -> None:
    assert day_after(word, dt.date(2026, 11, 23)) == expected
