"""The confidence question: in the same message as a track's first lesson and as its end-of-track message,
once per enrollment and moment; the first press stands, a second one shows it."""

from __future__ import annotations

import datetime as dt

from sqlmodel import delete, select

from bot.app import App
from bot.core.commands.confidence import ACTION, follow_ups
from bot.core.events import Actor, Event
from bot.core.replies import Text
from scheduler.service import run_tick
from storage.deliveries import Claim
from storage.enums import DeliveryKind
from storage.models import ConfidenceRating, Delivery, Enrollment, Person
from tests.support.fake_chat import FakeChat
from tests.support.harness import Clock
from tests.support.seed import seed_cohort

UTC = dt.UTC
MONDAY_0900_PARIS = dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
QUESTION = "How confident do you feel about *First steps*?"


async def press(app: App, person_id: int, value: str) -> Text:
    async with app.services.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
    actor = Actor(key=person.key, name=person.display_name, platform=person.platform)
    (reply,) = await app.conversation.handle(Event(actor, "action", action=ACTION, value=value))
    assert isinstance(reply, Text)
    return reply


async def enrollment_of(app: App, person_id: int) -> Enrollment:
    async with app.services.db.transaction() as session:
        found = (await session.exec(select(Enrollment).where(Enrollment.person_id == person_id))).one()
        return found


async def test_the_first_lesson_comes_with_the_question_and_the_first_answer_stands(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    _, (person_id, other_id) = await seed_cohort(app.services.db, learners=2, due_at=MONDAY_0900_PARIS)
    clock.now = MONDAY_0900_PARIS + dt.timedelta(seconds=5)
    await run_tick(app.drip(clock=clock), clock.now)
    (mine,) = [m["text"] for m in fake_chat.messages if m["channel"] == "test:pilot-0"]
    assert mine.index("Your tip of the day") < mine.index(QUESTION), "one message: the tip, then the question"
    eid = (await enrollment_of(app, person_id)).id or 0

    first = await press(app, person_id, f"{eid}:start:2")
    assert "2 out of 5" in first.markdown and first.replaces
    again = await press(app, person_id, f"{eid}:start:5")
    assert "already" in again.markdown and "2 out of 5" in again.markdown
    stranger = await press(app, other_id, f"{eid}:start:4")
    assert "expired" in stranger.markdown
    async with app.services.db.transaction() as session:
        ratings = list(await session.exec(select(ConfidenceRating)))
    assert [(r.person_id, r.enrollment_id, r.moment, r.rating) for r in ratings] == [
        (person_id, eid, "start", 2)
    ]

    await run_tick(app.drip(clock=clock), clock.now + dt.timedelta(days=1))  # Tuesday: no question
    assert sum(QUESTION in m["text"] for m in fake_chat.messages if m["channel"] == "test:pilot-0") == 1


async def test_the_end_of_track_message_comes_with_the_question(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    track = app.services.lessons.library.tracks["first-steps"]
    _, (person_id,) = await seed_cohort(
        app.services.db, learners=1, due_at=MONDAY_0900_PARIS, position=len(track.lessons) - 1
    )
    clock.now = MONDAY_0900_PARIS + dt.timedelta(seconds=5)
    await run_tick(app.drip(clock=clock), clock.now)  # the last lesson; the end is due on Tuesday
    assert not any("confident" in m["text"] for m in fake_chat.messages)
    clock.now += dt.timedelta(days=1)
    await run_tick(app.drip(clock=clock), clock.now)
    (ending,) = [m["text"] for m in fake_chat.messages if "finished the track" in m["text"]]
    assert ending.index("finished the track") < ending.index("One last question") < ending.index(QUESTION)
    eid = (await enrollment_of(app, person_id)).id
    assert "4 out of 5" in (await press(app, person_id, f"{eid}:end:4")).markdown


async def test_a_track_row_sent_again_does_not_ask_twice(app: App, fake_chat: FakeChat, clock: Clock) -> None:
    _, (person_id,) = await seed_cohort(app.services.db, learners=1, due_at=MONDAY_0900_PARIS)
    clock.now = MONDAY_0900_PARIS + dt.timedelta(seconds=5)
    await run_tick(app.drip(clock=clock), clock.now)
    eid = (await enrollment_of(app, person_id)).id
    await press(app, person_id, f"{eid}:start:3")
    async with app.services.db.transaction() as session:
        (row,) = await session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.LESSON))
        claim = Claim(
            delivery_id=row.id or 0,
            dedupe_key=row.dedupe_key,
            kind=row.kind,
            person_id=person_id,
            platform="test",
            attempts=1,
            recovered=True,
            enrollment_id=row.enrollment_id,
            step=row.step,
        )
        person = await session.get(Person, person_id)
        assert person is not None
        library = app.services.lessons.library
        assert await follow_ups(session, {person_id: person}, [claim], library) == {}
        await session.exec(delete(ConfidenceRating))
        (question,) = (await follow_ups(session, {person_id: person}, [claim], library))[row.id or 0]
    assert isinstance(question, Text) and [b.label for b in question.buttons] == ["1", "2", "3", "4", "5"]


async def test_a_bad_press_is_a_stale_button(app: App, clock: Clock) -> None:
    _, (person_id,) = await seed_cohort(app.services.db, learners=1, due_at=None)
    eid = (await enrollment_of(app, person_id)).id
    for value in (f"{eid}:start:9", f"{eid}:middle:3", "x:start:3", f"{eid}:start"):
        assert "expired" in (await press(app, person_id, value)).markdown
