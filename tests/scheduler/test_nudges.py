"""Nudges with a controlled clock: three quiet delivery days bring one nudge in the delivery window, never
in quiet hours or on an off day, never when turned off; activity starts the count again; three ignored
nudges pause the learner for two weeks, said to them, and `resume` ends it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.app import App
from bot.core.commands.nudge import REVIEW_ACTION, nudge_message
from bot.core.events import Actor, command
from scheduler import nudges
from scheduler.service import run_tick
from scheduler.timing import Rhythm
from storage import people
from storage.enums import DeliveryKind, EnrollmentStatus, PauseReason
from storage.models import Cohort, Delivery, Enrollment, Person
from tests.support.fake_chat import FakeChat
from tests.support.harness import Clock
from tests.support.seed import seed_cohort

UTC = dt.UTC
PARIS_OFFSET = dt.timedelta(hours=1)  # November and December: UTC+1
MONDAY = dt.date(2026, 11, 23)
NUDGE = "Two minutes for one question?"
PAUSED = "paused your tips for two weeks"


def paris(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time in Paris as aware UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC) - PARIS_OFFSET


def day(offset: int) -> dt.date:
    return MONDAY + dt.timedelta(days=offset)


async def tick(app: App, clock: Clock, at: dt.datetime) -> None:
    clock.now = at
    await run_tick(app.drip(clock=clock), at)


def said(chat: FakeChat, words: str) -> list[dict[str, Any]]:
    return [m for m in chat.messages if words in m["text"]]


async def learner(app: App, person_id: int) -> Person:
    async with app.services.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        return person


async def change(app: App, person_id: int, **values: Any) -> None:
    async with app.services.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        for name, value in values.items():
            setattr(person, name, value)
        session.add(person)


async def nudge_rows(app: App) -> list[Delivery]:
    async with app.services.db.transaction() as session:
        query = select(Delivery).where(Delivery.kind == DeliveryKind.NUDGE).order_by(col(Delivery.id))
        return list(await session.exec(query))


async def one_learner(app: App) -> int:
    """A learner in a Paris cohort (09:00, Monday to Friday) who gets no tips, so only nudges show."""
    _, (person_id,) = await seed_cohort(app.services.db, learners=1, due_at=None)
    return person_id


def actor_of(person: Person) -> Actor:
    return Actor(key=person.key, name=person.display_name, platform=person.platform)


async def test_three_quiet_delivery_days_bring_one_nudge_in_the_window(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    person_id = await one_learner(app)
    await tick(app, clock, paris(day(0), 9, 0))  # Monday: first look, inactivity counts from here
    for offset in (1, 2, 3):  # Tuesday, Wednesday, Thursday go by without a word
        await tick(app, clock, paris(day(offset), 9, 0))
        await tick(app, clock, paris(day(offset), 15, 0))
    await tick(app, clock, paris(day(4), 8, 30))  # Friday, before the learner's delivery time
    assert said(fake_chat, NUDGE) == []
    await tick(
        app,
        clock,
        paris(
            day(4),
            9,
            0,
        ),
    )
    await tick(app, clock, paris(day(4), 16, 0))
    assert len(said(fake_chat, NUDGE)) == 1
    (row,) = await nudge_rows(app)
    assert row.sent_at == paris(day(4), 9, 0)
    assert row.expires_at == paris(day(4), 20, 0), "a nudge lasts until the end of the delivery day"
    person = await learner(app, person_id)
    assert (person.nudges_ignored, person.nudged_at) == (1, paris(day(4), 9, 0))
    assert "settings nudges off" in said(fake_chat, NUDGE)[0]["text"]


async def test_no_nudge_in_quiet_hours_or_on_off_days(app: App, fake_chat: FakeChat, clock: Clock) -> None:
    person_id = await one_learner(app)
    thursday = paris(day(3), 10, 0)
    await change(app, person_id, last_active_at=thursday, idle_since=thursday)
    # Quiet: Friday, Monday, Tuesday. Due: Wednesday at 09:00.
    for at in (
        paris(day(5), 10, 0),  # Saturday
        paris(day(6), 10, 0),  # Sunday
        paris(day(9), 7, 30),  # Wednesday, morning quiet hours
        paris(day(9), 20, 30),  # Wednesday, evening quiet hours
    ):
        await tick(app, clock, at)
        assert said(fake_chat, NUDGE) == [], at
    await tick(app, clock, paris(day(10), 9, 5))  # Thursday, within the window
    assert len(said(fake_chat, NUDGE)) == 1


async def test_no_nudge_when_turned_off(app: App, fake_chat: FakeChat, clock: Clock) -> None:
    person_id = await one_learner(app)
    await change(app, person_id, nudges=False)
    for offset in range(12):
        await tick(app, clock, paris(day(offset), 9, 30))
    assert said(fake_chat, NUDGE) == [] and await nudge_rows(app) == []


async def test_activity_starts_the_count_again(app: App, fake_chat: FakeChat, clock: Clock) -> None:
    person_id = await one_learner(app)
    await tick(app, clock, paris(day(0), 9, 0))
    await change(app, person_id, nudges_ignored=2)
    clock.now = paris(day(3), 12, 0)  # Thursday: the learner writes
    person = await learner(app, person_id)
    await app.conversation.handle(command(actor_of(person), "progress"))
    person = await learner(app, person_id)
    assert (person.last_active_at, person.nudges_ignored) == (clock.now, 0)
    assert person.idle_since == clock.now
    await tick(app, clock, paris(day(4), 9, 0))  # Friday: only one quiet day since
    await tick(app, clock, paris(day(7), 9, 0))  # Monday
    await tick(app, clock, paris(day(8), 9, 0))  # Tuesday
    assert said(fake_chat, NUDGE) == []
    await tick(app, clock, paris(day(9), 9, 0))  # Wednesday: Friday, Monday, Tuesday were quiet
    assert len(said(fake_chat, NUDGE)) == 1


async def test_activity_is_written_at_most_once_a_minute(app: App, clock: Clock) -> None:
    person_id = await one_learner(app)
    person = await learner(app, person_id)
    clock.now = paris(day(0), 10, 0)
    await app.conversation.handle(command(actor_of(person), "progress"))
    clock.now = paris(
        day(0),
        10,
        0,
    ) + dt.timedelta(seconds=30)
    await app.conversation.handle(command(actor_of(person), "progress"))
    assert (await learner(app, person_id)).last_active_at == paris(day(0), 10, 0)
    clock.now = paris(day(0), 10, 2)
    await app.conversation.handle(command(actor_of(person), "progress"))
    assert (await learner(app, person_id)).last_active_at == paris(day(0), 10, 2)


async def test_three_ignored_nudges_pause_for_two_weeks_and_say_so(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    person_id = await one_learner(app)
    _, (mentor_id,) = await seed_cohort(app.services.db, learners=1, due_at=None, name="mentors")
    async with app.services.db.transaction() as session:
        await people.pair(session, mentor_id=mentor_id, mentee_id=person_id, now=clock.now)
    weekdays = [day(offset) for offset in range(28) if day(offset).weekday() < 5]
    for when in weekdays:
        await tick(app, clock, paris(when, 9, 0))
    sent = [m["text"] for m in fake_chat.messages if m["channel"] == "test:pilot-0"]
    nudged = [text for text in sent if NUDGE in text]
    assert len(nudged) == 3, sent
    assert all("Learner 0" in text for text in nudged), "the nudge names the mentor"
    notice = [text for text in sent if PAUSED in text]
    assert len(notice) == 1 and "`resume`" in notice[0]
    assert sent.index(notice[0]) == len(sent) - 1, "nothing after the pause notice"
    rows = [row for row in await nudge_rows(app) if row.person_id == person_id]
    assert [nudges.is_pause_notice(r.dedupe_key) for r in rows] == [False, False, False, True]
    paused_at = rows[-1].due_at
    person = await learner(app, person_id)
    assert person.paused_until == paused_at + dt.timedelta(days=14)
    assert (person.pause_reason, person.nudges_ignored) == (PauseReason.INACTIVITY, 0)

    clock.now = paused_at + dt.timedelta(days=2)
    replies = await app.conversation.handle(command(actor_of(person), "resume"))
    assert "Welcome back" in replies[0].markdown  # type: ignore[union-attr]
    person = await learner(app, person_id)
    assert (person.paused_until, person.pause_reason) == (None, None)


async def test_no_nudge_while_paused_nor_for_the_paused_days(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    person_id = await one_learner(app)
    await tick(app, clock, paris(day(0), 9, 0))
    clock.now = paris(day(0), 12, 0)
    person = await learner(app, person_id)
    await app.conversation.handle(command(actor_of(person), "pause until 2026-12-07"))
    for offset in range(1, 14):  # the pause, then the week it ends
        await tick(app, clock, paris(day(offset), 9, 0))
    assert said(fake_chat, NUDGE) == []
    # Paused until Monday 7 December: Monday, Tuesday, Wednesday quiet, so Thursday 10 December.
    await tick(app, clock, paris(day(17), 9, 0))
    assert len(said(fake_chat, NUDGE)) == 1


def test_the_nudge_is_due_after_three_whole_delivery_days() -> None:
    rhythm = Rhythm(
        zone=ZoneInfo("UTC"),
        time_of_day=dt.time(9, 0),
        days=frozenset({0, 1, 2, 3, 4}),
        start=dt.date(2026, 1, 5),
    )
    active = dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # a Thursday, before the tip
    assert nudges.nudge_due(rhythm, active) == dt.datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wednesday


def test_the_nudge_offers_one_question_and_names_the_mentor() -> None:
    mentor = Person(key="test:mia", platform="test", display_name="Mia", lang="en")
    message = nudge_message("fr", mentor)
    assert "Deux minutes pour une question" in message.markdown and "Mia" in message.markdown
    assert [b.action for b in message.buttons] == [REVIEW_ACTION]
    assert "Mia" not in nudge_message("en", None).markdown


async def test_a_learner_past_the_end_of_the_track_is_nudged_but_not_one_who_stopped(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    """Review questions go on after a track ends, so a quiet learner there is nudged too; someone who
    stopped their tips hears nothing."""
    person_id = await one_learner(app)
    async with app.services.db.transaction() as session:
        enrollment = (await session.exec(select(Enrollment).where(Enrollment.person_id == person_id))).one()
        enrollment.status = EnrollmentStatus.COMPLETED
        session.add(enrollment)
    for offset in range(5):
        await tick(app, clock, paris(day(offset), 9, 0))
    assert len(said(fake_chat, NUDGE)) == 1
    async with app.services.db.transaction() as session:
        enrollment = (await session.exec(select(Enrollment).where(Enrollment.person_id == person_id))).one()
        enrollment.status = EnrollmentStatus.STOPPED
        session.add(enrollment)
    for offset in range(7, 14):
        await tick(app, clock, paris(day(offset), 9, 0))
    assert len(said(fake_chat, NUDGE)) == 1


async def test_the_mentors_guide_alone_brings_no_nudge_nor_paces_a_learners(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    """A mentor enrolled only in the mentor's guide is no learner gone quiet: no nudge, no inactivity
    pause, however long they stay silent. A mentor who also learns in a cohort is nudged as a learner
    there, on that cohort's days (Monday to Friday), not on the guide's Tuesdays."""
    _, (mentor_id, both_id) = await seed_cohort(
        app.services.db, learners=2, due_at=None, name="mentor-guide", track="mentor-guide", days="tue"
    )
    async with app.services.db.transaction() as session:
        cohort = Cohort(
            name="pilot", track_id="first-steps", start_date=dt.date(2026, 1, 5), tz="Europe/Paris"
        )
        session.add(cohort)
        await session.flush()
        session.add(Enrollment(person_id=both_id, cohort_id=cohort.id or 0, next_due_at=None))
    for offset in range(42):  # six weeks without a word from either
        await tick(app, clock, paris(day(offset), 9, 0))
    mentor = await learner(app, mentor_id)
    assert [row for row in await nudge_rows(app) if row.person_id == mentor_id] == []
    assert (mentor.paused_until, mentor.nudges_ignored) == (None, 0)
    both = [row for row in await nudge_rows(app) if row.person_id == both_id]
    assert both and both[0].due_at == paris(day(4), 9, 0), "Friday, after three quiet weekdays"
