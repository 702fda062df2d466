"""Nothing lost, nothing doubled: messages to other people through the ledger, against a fake Slack that
fails the way Slack does (a deactivated account, a 500 after posting, a dropped connection, a slow answer,
an outage), with the real bolt app, the real dispatcher and the real database."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import pytest
from sqlmodel import select

from scheduler.service import run_tick
from storage.models import Delivery, Enrollment, Person
from tests.bot.slack.conftest import SlackTester
from tests.support.harness import Clock

LEARNERS = {"UBOB": "bob", "UCAR": "car", "UDAN": "dan", "UEVE": "eve"}


async def rows(slack: SlackTester, model, *conditions):  # type: ignore[no-untyped-def]
    async with slack.app.services.db.transaction() as session:
        return list(await session.exec(select(model).where(*conditions)))


async def command(slack: SlackTester, user: str, text: str) -> str:
    name = f"cmd-{user}-{len(slack.fake.responses)}-{text[:8]}"
    await slack.command(user, text, name=name)
    await slack.until(lambda: bool(slack.responses(name)))
    return slack.responses(name)[-1]


async def programme(slack: SlackTester) -> None:
    """A cohort of four learners; mia mentors bob."""
    for user, name in LEARNERS.items():
        if user not in slack.fake.users:
            slack.fake.add_user(user, name=name, locale="en-GB")
    await command(slack, "UADMIN", "cohort create pilot track first-steps start 2026-01-05")
    mentions = " ".join(f"<@{user}|{name}>" for user, name in LEARNERS.items())
    await command(slack, "UADMIN", f"enroll pilot {mentions}")
    await command(slack, "UADMIN", "pair <@UMIA|mia> <@UBOB|bob>")
    await slack.deliver()
    await slack.until(lambda: bool(slack.dm_texts("UMIA")) and bool(slack.dm_texts("UBOB")))


async def mentor_of_all(slack: SlackTester) -> None:
    """mia mentors every learner, so her cohort push reaches the whole cohort."""
    for user, name in LEARNERS.items():
        await command(slack, "UADMIN", f"pair <@UMIA|mia> <@{user}|{name}>")


def keys_sent(slack: SlackTester) -> Counter[str]:
    return Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("key")
        for m in slack.fake.messages
        if (m.get("metadata") or {}).get("event_type") == "tandem_delivery"
    )


async def test_one_inactive_account_does_not_stop_a_cohort_push(slack: SlackTester) -> None:
    await programme(slack)
    await mentor_of_all(slack)
    slack.fake.permanent_errors["UCAR"] = "account_inactive"

    reply = await command(slack, "UMIA", "push pilot Pin your best post to the top of your profile.")

    assert "Sent to your 4 mentees in pilot" in reply
    await slack.until(lambda: any("reached 3 of 4 people" in t for t in slack.dm_texts("UMIA")))
    for user in ("UBOB", "UDAN", "UEVE"):
        assert sum("Pin your best post" in t for t in slack.dm_texts(user)) == 1, user
    assert not any("Pin your best post" in t for t in slack.dm_texts("UCAR"))
    [report] = [t for t in slack.dm_texts("UMIA") if "reached 3 of 4" in t]
    assert "car" in report and "account deactivated" in report
    tips = await rows(slack, Delivery, Delivery.kind == "tip")
    assert sorted(d.status for d in tips) == ["held", "sent", "sent", "sent"], "the ledger tells the truth"
    [car] = await rows(slack, Person, Person.key == "slack:T1:UCAR")
    assert (car.reachable, car.unreachable_reason) == (False, "account_inactive")
    [stopped] = await rows(slack, Enrollment, Enrollment.person_id == car.id)
    assert (stopped.status, stopped.stopped_by) == ("stopped", "reachability")


@pytest.mark.parametrize("after", ["after", "drop", "slow"])
async def test_an_ambiguous_failure_never_doubles_a_message(
    slack: SlackTester, clock: Clock, after: str
) -> None:
    """The post went through but the answer was a 500, or nothing (the connection dropped), or came too
    late: the dispatcher asks Slack before trying again, for a tip pushed to a mentee, for an answer to
    a question, and for the daily tip."""
    await programme(slack)
    dispatcher = slack.app.dispatcher
    dispatcher.settings.send_timeout = 0.4  # the fake's slow answer comes after 0.8 s
    slack.fake.fail("chat.postMessage", status=500, after=after, delay=0.8, times=2)

    async def time_passes() -> None:
        """A few seconds, on the app's clock and the fake's alike: uncertain rows are asked about,
        then settled."""
        for _ in range(8):
            await dispatcher.run_once()
            await asyncio.sleep(0.4)
            clock.advance(seconds=0.4)

    await command(slack, "UMIA", "push <@UBOB|bob> Turn on login alerts.")
    await command(slack, "UBOB", "mentor How do I see who viewed my profile?")
    await time_passes()
    question = next(t for t in slack.dm_texts("UMIA") if "viewed my profile" in t)
    number = question.split("(#")[1].split(")")[0]
    slack.fake.fail("chat.postMessage", status=500, after=after, delay=0.8, times=1)
    await command(slack, "UMIA", f"reply {number} Open Who viewed your profile, in the menu.")
    await time_passes()

    counts = keys_sent(slack)
    assert counts and max(counts.values()) == 1, counts
    assert sum("Turn on login alerts" in t for t in slack.dm_texts("UBOB")) == 1
    assert sum("Who viewed your profile" in t for t in slack.dm_texts("UBOB")) == 1
    assert sum("viewed my profile" in t for t in slack.dm_texts("UMIA")) == 1
    assert {d.status for d in await rows(slack, Delivery)} == {"sent"}


async def test_an_ambiguous_failure_never_doubles_the_daily_tip(slack_by_hand: SlackTester) -> None:
    slack = slack_by_hand
    await programme(slack)
    monday = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    async with slack.app.services.db.transaction() as session:
        for enrollment in await session.exec(select(Enrollment)):
            enrollment.next_due_at = monday
            session.add(enrollment)
    slack.fake.fail("chat.postMessage", status=500, after="after", times=4)
    runtime = slack.app.drip(clock=lambda: monday)
    _, first = await run_tick(runtime, monday)
    assert first.retried == 4
    for minutes in (1, 2):
        await runtime.dispatcher.run_once(monday + dt.timedelta(minutes=minutes))
    lessons = [k for k in keys_sent(slack) if k.startswith("lesson:")]
    # Each first tip goes in two parts (the tip, then the confidence question), each exactly once.
    assert len(lessons) == 4 and all(keys_sent(slack)[k] == 2 for k in lessons)
    assert {d.status for d in await rows(slack, Delivery, Delivery.kind == "lesson")} == {"sent"}


async def test_a_ten_minute_outage_in_the_morning_loses_no_tip(slack_by_hand: SlackTester) -> None:
    slack = slack_by_hand
    await programme(slack)
    monday = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)  # 09:00 in Paris
    async with slack.app.services.db.transaction() as session:
        for enrollment in await session.exec(select(Enrollment)):
            enrollment.next_due_at = monday
            session.add(enrollment)
    slack.fake.fail("chat.postMessage", status=503, times=10_000)  # Slack is down
    runtime = slack.app.drip(clock=lambda: monday)
    await run_tick(runtime, monday)
    moment = monday
    for _ in range(20):  # ten minutes, a dispatch every 30 s
        moment += dt.timedelta(seconds=30)
        await runtime.dispatcher.run_once(moment)
    assert not [k for k in keys_sent(slack) if k.startswith("lesson:")]
    slack.fake.reset()  # Slack is back
    for _ in range(12):  # within minutes, not days
        moment += dt.timedelta(seconds=30)
        await runtime.dispatcher.run_once(moment)
    lessons = [k for k in keys_sent(slack) if k.startswith("lesson:")]
    assert len(lessons) == 4, "every tip arrives the same day once Slack is back"
    assert moment < monday + dt.timedelta(minutes=17)
    assert {d.status for d in await rows(slack, Delivery, Delivery.kind == "lesson")} == {"sent"}


async def test_uninstall_then_write_again_resumes_tips_the_next_delivery_day(
    slack_by_hand: SlackTester,
) -> None:
    slack = slack_by_hand
    await programme(slack)
    monday = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    await slack.event({"type": "app_uninstalled"})
    for _ in range(200):
        if {e.status for e in await rows(slack, Enrollment)} == {"stopped"}:
            break
        await asyncio.sleep(0.02)
    async with slack.app.services.db.transaction() as session:
        for enrollment in await session.exec(select(Enrollment)):
            enrollment.next_due_at = monday
            session.add(enrollment)
    runtime = slack.app.drip(clock=lambda: monday)
    plan, _ = await run_tick(runtime, monday)
    assert plan.queued == 0, "nobody is written to while the app is uninstalled"

    await slack.dm("UBOB", "help")  # the app is back, and bob writes
    await slack.until(
        lambda: any("ce que je peux faire" in t for t in slack.dm_texts("UBOB"))
    )  # bob reads French
    [bob] = await rows(slack, Person, Person.key == "slack:T1:UBOB")
    assert bob.reachable
    [enrollment] = await rows(slack, Enrollment, Enrollment.person_id == bob.id)
    assert enrollment.status == "active", "stopped for reachability: resumed when he writes"
    tuesday = monday + dt.timedelta(days=1)
    plan, sent = await run_tick(runtime, tuesday)
    assert (plan.queued, sent.sent) == (1, 1)
    [car] = await rows(slack, Person, Person.key == "slack:T1:UCAR")
    assert not car.reachable, "the others stay out of reach until they write"


@pytest.mark.parametrize("after", ["before", "after"])
async def test_a_reply_is_neither_lost_nor_doubled_by_a_500(slack: SlackTester, after: str) -> None:
    """A 500 before posting: the reply is posted again; a 500 after posting: it is found in the DM."""
    slack.fake.add_user("UZOE", name="zoe", locale="en-GB")
    slack.fake.fail("chat.postMessage", status=500, after=after)
    await slack.dm("UZOE", "help")
    await slack.until(lambda: bool(slack.dm_texts("UZOE")))
    await asyncio.sleep(1.0)  # time for a wrong second post to show
    assert sum("what I can do" in t for t in slack.dm_texts("UZOE")) == 1
