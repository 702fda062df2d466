"""Abuse of cost: one person flooding others with notifications, or making the bot page through a huge
channel. Each test runs the real core (and, for Slack, the real server and bolt app) on a real database."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlmodel import select

from bot.core.events import Event
from storage import keys
from storage.enums import DeliveryKind, DeliveryStatus
from storage.models import CustomTip, Delivery, Enrollment, Person, Question, Usage
from tests.bot.slack.conftest import SlackTester
from tests.support.harness import Harness, text_of

BIG = 3000


async def rows(harness: Harness, model: Any, *conditions: Any) -> list[Any]:
    async with harness.services.db.transaction() as session:
        return list(await session.exec(select(model).where(*conditions)))


async def pilot(harness: Harness) -> None:
    """Cohort `pilot` with bob and carol; mia mentors both."""
    for line in (
        "cohort create pilot track first-steps",
        "enroll pilot @bob @carol",
        "pair @mia @bob",
        "pair @mia @carol",
    ):
        await harness.say("root", line)


# --- a learner floods their mentor ------------------------------------------------------------------------


async def test_a_hundred_questions_reach_the_mentor_as_ten_and_one_group(harness: Harness) -> None:
    """Attack: a learner sends 100 `mentor …` messages in two seconds to bury their mentor in pings."""
    await pilot(harness)
    said = [await harness.say("bob", f"mentor question number {n} about my profile") for n in range(100)]
    notes = [note for reply in said for note in reply.notes]
    assert len(notes) == 11, "ten questions one by one, then one message that gathers the rest"
    assert "Answer with `reply" in text_of(list(said[9].notes[0].replies))
    assert "in one message" in text_of(said[10]) and "(Europe/Paris)" in text_of(said[10])
    assert len(await rows(harness, Question)) == 100, "every question is kept"
    [grouped] = await rows(harness, Delivery, Delivery.dedupe_key.startswith("questions:"))  # type: ignore[union-attr]
    assert grouped.status == DeliveryStatus.PENDING
    assert grouped.due_at == harness.clock.now + dt.timedelta(minutes=10)
    text = grouped.payload[0]["markdown"]
    assert "90 more questions" in text and "#11:" in text and "#100:" not in text and "80 more" in text
    assert len(await rows(harness, Usage)) == 10, "uses past the limit are not counted"


async def test_the_window_slides_and_questions_flow_again(harness: Harness) -> None:
    """Past the window, a learner's questions go one by one again; the grouped message is sent on time."""
    await pilot(harness)
    for n in range(12):
        await harness.say("bob", f"mentor question {n}")
    harness.clock.advance(minutes=10, seconds=1)
    later = await harness.say("bob", "mentor one more question")
    assert len(later.notes) == 1 and "has a question" in text_of(list(later.notes[0].replies))
    await harness.app.deliver_now()
    [grouped] = await rows(harness, Delivery, Delivery.dedupe_key.startswith("questions:"))  # type: ignore[union-attr]
    assert grouped.status == DeliveryStatus.SENT


async def test_each_learner_has_their_own_budget(harness: Harness) -> None:
    """Carol is not silenced because Bob flooded their shared mentor."""
    await pilot(harness)
    for n in range(15):
        await harness.say("bob", f"mentor flood {n}")
    said = await harness.say("carol", "mentor how do I hide my birthday?")
    assert len(said.notes) == 1 and "has a question" in text_of(list(said.notes[0].replies))


async def test_concurrent_questions_are_counted_exactly(harness: Harness) -> None:
    """Attack: 30 questions at once, racing each other (on PostgreSQL, in parallel transactions)."""
    await pilot(harness)

    async def ask(n: int) -> None:
        await harness.conversation.handle(
            Event(harness.actor("bob"), "message", f"mentor parallel question {n}")
        )

    await asyncio.gather(*(ask(n) for n in range(30)))
    one_by_one = await rows(harness, Delivery, Delivery.kind == DeliveryKind.QUESTION)
    assert len(one_by_one) == 11
    assert len(await rows(harness, Question)) == 30


async def test_pushes_past_the_limit_are_refused_politely(harness: Harness) -> None:
    """Attack: a mentor pushes twelve tips in a minute to one mentee."""
    await pilot(harness)
    replies = [await harness.text("mia", f"push @bob Tip number {n}") for n in range(12)]
    assert all("On its way" in reply for reply in replies[:10])
    assert "You have sent 10 tips in 10 minutes" in replies[10]
    assert "from 11:10 (Europe/Paris)" in replies[10], "the clock is 10:00 UTC, 11:00 in Paris"
    assert len(await rows(harness, CustomTip)) == 10


async def test_the_limit_is_one_setting(harness: Harness) -> None:
    """TANDEM_PERSON_RATE sets the limit; `off` lifts it."""
    from bot.settings import PersonRate

    await pilot(harness)
    harness.services.settings = harness.services.settings.model_copy(
        update={"person_rate": PersonRate(2, dt.timedelta(minutes=1))}
    )
    said = [await harness.say("bob", f"mentor q{n}") for n in range(3)]
    assert [len(s.notes) for s in said] == [1, 1, 1]
    assert "more than 2 questions in 1 minute," in text_of(said[2])
    harness.services.settings = harness.services.settings.model_copy(
        update={"person_rate": PersonRate(0, dt.timedelta(minutes=1))}
    )
    said = [await harness.say("carol", f"mentor q{n}") for n in range(15)]
    assert all("has a question" in text_of(list(s.notes[0].replies)) for s in said)


# --- channels: looked up only when allowed ----------------------------------------------------------------


def big_channel(slack: SlackTester) -> None:
    slack.fake.page_size = 200
    members = [f"UM{i:05d}" for i in range(BIG)]
    for index, user in enumerate(members):
        slack.fake.add_user(user, name=f"member{index}", locale="en-GB")
    slack.fake.channel_members["CBIG"] = members


async def command(slack: SlackTester, user: str, text: str, *, replies: int = 1) -> list[str]:
    return await slack.ask(user, text, replies=replies)


async def test_a_learner_naming_a_big_channel_costs_no_lookup(slack: SlackTester) -> None:
    """Attack: a learner types `/tandem help <#C…>` naming a channel of 3,000, three times, to make the
    bot page through its members and the workspace's profiles."""
    big_channel(slack)
    for _ in range(3):
        await command(slack, "UBOB", "help <#CBIG|everyone>")
    await command(slack, "UBOB", "enroll pilot <#CBIG|everyone>")
    assert slack.fake.calls_to("conversations.members") == []
    assert slack.fake.calls_to("users.list") == []
    assert len(slack.fake.calls_to("users.info")) <= 1, "only the learner's own profile"


async def test_a_mentor_pushing_to_a_channel_is_told_how(slack: SlackTester) -> None:
    """Failure: a mentor's push to a channel was dropped without a word."""
    big_channel(slack)
    await command(slack, "UADMIN", "cohort create pilot track first-steps")
    await command(slack, "UADMIN", "enroll pilot <@UBOB|bob>")
    await command(slack, "UADMIN", "pair <@UMIA|mia> <@UBOB|bob>")
    [reply] = await command(slack, "UMIA", "push <#CBIG|everyone> Check your privacy settings.")
    assert "not to a channel such as #everyone" in reply
    assert slack.fake.calls_to("conversations.members") == []


async def test_a_channel_the_bot_cannot_read_gets_a_clear_message(slack: SlackTester) -> None:
    """Failure: enrolling a private channel the bot is not in failed silently after "Collecting…"."""
    await command(slack, "UADMIN", "cohort create pilot track first-steps")
    collecting, reply = await command(slack, "UADMIN", "enroll pilot <#CSECRET|board>", replies=2)
    assert "Collecting" in collecting
    assert "I can’t see who is in #board" in reply and "/invite" in reply
    assert await slack.rows(Enrollment) == []


async def test_an_admin_enrolling_channels_is_limited_too(slack: SlackTester) -> None:
    """Attack: an admin (or a stolen admin account) enrolling channels in a loop to burn the quota."""
    slack.fake.channel_members["CSMALL"] = ["UBOB"]
    slack.app.services.settings = slack.app.services.settings.model_copy(
        update={"person_rate": slack.app.services.settings.person_rate._replace(limit=2)}
    )
    await command(slack, "UADMIN", "cohort create pilot track first-steps")
    for _ in range(2):
        await command(slack, "UADMIN", "enroll pilot <#CSMALL|small>", replies=2)
    [reply] = await command(slack, "UADMIN", "enroll pilot <#CSMALL|small>")
    assert "You have enrolled 2 channels" in reply
    assert len(slack.fake.calls_to("conversations.members")) == 2


async def test_a_flood_of_dms_gives_the_mentor_eleven_messages(slack: SlackTester) -> None:
    """Attack: 100 `mentor …` DMs in about two seconds, over Slack, to flood the mentor's notifications."""
    await command(slack, "UADMIN", "cohort create pilot track first-steps")
    await command(slack, "UADMIN", "enroll pilot <@UBOB|bob>")
    await command(slack, "UADMIN", "pair <@UMIA|mia> <@UBOB|bob>")
    await slack.until(lambda: bool(slack.dm_texts("UMIA")))
    before = len(slack.dm_texts("UMIA"))
    for start in range(0, 100, 20):
        await asyncio.gather(
            *(slack.dm("UBOB", f"mentor flood question {n}") for n in range(start, start + 20))
        )
    await slack.until(lambda: len(slack.dm_texts("UBOB")) >= 101, timeout=30)  # pairing + 100 replies
    await asyncio.sleep(0.5)
    assert len(slack.dm_texts("UMIA")) - before == 10
    slack.app.services.clock.advance(minutes=11)  # type: ignore[attr-defined]
    slack.app.services.wake()
    await slack.until(lambda: len(slack.dm_texts("UMIA")) - before == 11)
    assert "90 more questions" in slack.dm_texts("UMIA")[-1]
    bob = (await slack.rows(Person, Person.key == keys.person_key("slack", "T1", "UBOB")))[0]
    assert len(await slack.rows(Question, Question.person_id == bob.id)) == 100
