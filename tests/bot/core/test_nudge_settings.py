"""The learner's switches in `settings`: reminders when quiet (`nudges`) and the topics their mentor may
see (`topics`), both on by default, explained, in English and French; and `resume` after a pause for
inactivity."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.console.channel import console_key
from storage import people
from storage.enums import PauseReason
from storage.models import Person
from tests.support.harness import Harness


async def person(harness: Harness, name: str) -> Person:
    async with harness.services.db.transaction() as session:
        found = await people.get_person(session, key=console_key(name))
        assert found is not None
        return found


async def test_settings_shows_both_switches_on_by_default_and_explains_them(harness: Harness) -> None:
    text = await harness.text("alice", "settings")
    assert "Reminders: on" in text and "`settings nudges off`" in text
    assert "Topics for your mentor: on" in text and "never your answers" in text
    assert "`settings topics off`" in text


async def test_turning_nudges_and_topics_off_and_on(harness: Harness) -> None:
    assert "no more reminders" in await harness.text("alice", "settings nudges off")
    assert "only your progress" in await harness.text("alice", "settings topics off")
    alice = await person(harness, "alice")
    assert (alice.nudges, alice.share_topics) == (False, False)
    text = await harness.text("alice", "settings")
    assert "Reminders: off" in text and "Topics for your mentor: off" in text

    harness.clock.advance(days=3)
    assert "two minutes" in await harness.text("alice", "settings nudges on")
    await harness.say("alice", "settings topics on")
    alice = await person(harness, "alice")
    assert (alice.nudges, alice.share_topics) == (True, True)
    assert (alice.idle_since, alice.nudge_at) == (harness.clock.now, None), "counted again from now"


async def test_the_switches_in_french(harness: Harness) -> None:
    await harness.say("zoe", "langue fr")
    assert "plus de rappels" in await harness.text("zoe", "réglages rappels non")
    assert "ne verra que votre progression" in await harness.text("zoe", "réglages sujets non")
    text = (await harness.text("zoe", "réglages")).replace("\u202f", " ")  # French spacing before colons
    assert "Rappels : désactivés" in text and "Sujets pour votre mentor : désactivé" in text
    await harness.say("zoe", "réglages rappels oui")
    assert (await person(harness, "zoe")).nudges is True


@pytest.mark.parametrize("words", ["nudges", "nudges maybe", "colour off", "topics on please"])
async def test_a_switch_misspelt_shows_the_usage(harness: Harness, words: str) -> None:
    await harness.say("alice", "settings")
    text = await harness.text("alice", f"settings {words}")
    assert "`settings nudges on|off`" in text and "`settings topics on|off`" in text
    alice = await person(harness, "alice")
    assert (alice.nudges, alice.share_topics) == (True, True)


async def test_resume_ends_a_pause_for_inactivity(harness: Harness) -> None:
    await harness.say("alice", "settings")
    async with harness.services.db.transaction() as session:
        alice = await people.get_person(session, key=console_key("alice"))
        assert alice is not None
        alice.paused_until = harness.clock.now + dt.timedelta(days=14)
        alice.pause_reason = PauseReason.INACTIVITY
        session.add(alice)
    assert "Welcome back" in await harness.text("alice", "resume")
    alice = await person(harness, "alice")
    assert (alice.paused_until, alice.pause_reason, alice.nudges_ignored) == (None, None, 0)


async def test_the_learners_own_pause_is_not_one_for_inactivity(harness: Harness) -> None:
    await harness.say("alice", "settings")
    async with harness.services.db.transaction() as session:
        alice = await people.get_person(session, key=console_key("alice"))
        assert alice is not None
        alice.pause_reason = PauseReason.INACTIVITY  # an old pause for inactivity that has ended
        session.add(alice)
    await harness.say("alice", "pause 3 days")
    alice = await person(harness, "alice")
    assert alice.pause_reason is None
    assert alice.idle_since == alice.paused_until, "the paused days do not count as quiet ones"
