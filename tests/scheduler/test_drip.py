"""The drip end to end on a real database: planning, catching up, exactly once, faults, completion."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select

from bot.app import App
from bot.console.channel import console_actor
from bot.core.events import Actor, command
from scheduler import ledger
from scheduler.service import run_tick
from storage import deliveries
from storage.enums import DeliveryKind
from storage.models import Cohort, Delivery, Enrollment, InboxMessage, Person
from tests.support.fake_chat import FakeChat, Faults
from tests.support.harness import Clock
from tests.support.seed import seed_cohort

UTC = dt.UTC
MONDAY_0900_PARIS = dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


async def enrollments(app: App) -> list[Enrollment]:
    async with app.services.db.transaction() as session:
        return list(await session.exec(select(Enrollment).order_by(col(Enrollment.id))))


async def count(app: App, status: str) -> int:
    async with app.services.db.transaction() as session:
        query = select(func.count()).select_from(Delivery).where(Delivery.status == status)
        return int((await session.exec(query)).one())


async def test_due_learners_get_one_tip_each_and_move_on(app: App, fake_chat: FakeChat, clock: Clock) -> None:
    await seed_cohort(app.services.db, learners=25, due_at=MONDAY_0900_PARIS)
    clock.now = MONDAY_0900_PARIS + dt.timedelta(seconds=5)
    plan, sent = await run_tick(app.drip(clock=clock), clock.now)
    assert (plan.queued, sent.sent) == (25, 25)
    assert len(fake_chat.messages) == 25 and set(fake_chat.keys.values()) == {1}
    assert "Your tip of the day" in fake_chat.messages[0]["text"]
    assert "LinkedIn" in fake_chat.messages[0]["text"]
    rows = await enrollments(app)
    assert {e.position for e in rows} == {1}
    tuesday = dt.datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert {e.next_due_at for e in rows} == {tuesday}
    plan, sent = await run_tick(app.drip(clock=clock), clock.now + dt.timedelta(minutes=1))
    assert (plan.queued, sent.sent) == (0, 0)
    assert len(fake_chat.messages) == 25


async def test_after_downtime_only_todays_tip_is_sent(app: App, fake_chat: FakeChat, clock: Clock) -> None:
    three_days_ago = MONDAY_0900_PARIS - dt.timedelta(days=4)  # Thursday before
    await seed_cohort(app.services.db, learners=3, due_at=three_days_ago)
    clock.now = MONDAY_0900_PARIS + dt.timedelta(hours=5)  # Monday 14:00 Paris, the day is not over
    plan, sent = await run_tick(app.drip(clock=clock), clock.now)
    assert (plan.queued, sent.sent) == (3, 3)
    assert {e.position for e in await enrollments(app)} == {1}


async def test_after_downtime_past_the_end_of_day_nothing_bursts(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    await seed_cohort(app.services.db, learners=3, due_at=MONDAY_0900_PARIS)
    clock.now = MONDAY_0900_PARIS + dt.timedelta(hours=12)  # Monday 21:00 Paris: quiet hours
    plan, sent = await run_tick(app.drip(clock=clock), clock.now)
    assert (plan.queued, plan.rolled, sent.sent) == (0, 3, 0)
    assert {e.next_due_at for e in await enrollments(app)} == {dt.datetime(2026, 11, 24, 8, 0, tzinfo=UTC)}


async def test_weekend_and_future_start_and_pause(app: App, fake_chat: FakeChat, clock: Clock) -> None:
    saturday = dt.datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    await seed_cohort(app.services.db, learners=1, due_at=saturday, name="weekend")
    await seed_cohort(
        app.services.db, learners=1, due_at=MONDAY_0900_PARIS, name="later", start=dt.date(2027, 1, 4)
    )
    cohort_id, (paused_id,) = await seed_cohort(
        app.services.db, learners=1, due_at=MONDAY_0900_PARIS, name="paused"
    )
    async with app.services.db.transaction() as session:
        person = await session.get(Person, paused_id)
        assert person is not None
        person.paused_until = dt.datetime(2026, 11, 25, 23, 0, tzinfo=UTC)  # until Thursday 00:00 Paris
        session.add(person)
    await run_tick(app.drip(clock=clock), saturday + dt.timedelta(seconds=1))
    assert fake_chat.messages == []  # a weekend day is not a delivery day
    await run_tick(app.drip(clock=clock), MONDAY_0900_PARIS + dt.timedelta(seconds=1))
    assert [m["channel"] for m in fake_chat.messages] == ["test:weekend-0"]  # not the paused, not the later
    due = {e.cohort_id: e.next_due_at for e in await enrollments(app)}
    assert due[cohort_id] == dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert dt.datetime(2027, 1, 4, 8, 0, tzinfo=UTC) in due.values()


async def test_faults_are_retried_until_everything_arrives_once(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    fake_chat.faults = Faults(
        rate_limited=0.2, server_error=0.05, timeout=0.03, retry_after=0.01, hang_seconds=3
    )
    fake_chat.__post_init__()
    app.services.settings = app.services.settings.model_copy(update={"send_concurrency": 40})
    _, people = await seed_cohort(app.services.db, learners=200, due_at=MONDAY_0900_PARIS)
    runtime = app.drip(clock=clock)
    runtime.dispatcher.settings.send_timeout = 0.5
    runtime.dispatcher.settings.backoff_base = 0.01
    clock.now = MONDAY_0900_PARIS + dt.timedelta(seconds=1)
    for _ in range(20):
        await run_tick(runtime, clock.now)
        if await count(app, "sent") == len(people):
            break
        clock.advance(seconds=60)
    assert await count(app, "sent") == 200
    assert len(fake_chat.keys) == 200
    assert max(fake_chat.keys.values()) == 1, "someone got a tip twice"
    assert fake_chat.calls["chat.postMessage"] > 200  # faults really happened


async def test_permanent_error_stops_that_learner_only(app: App, fake_chat: FakeChat, clock: Clock) -> None:
    _, _people = await seed_cohort(app.services.db, learners=3, due_at=MONDAY_0900_PARIS)
    fake_chat.permanent["test:pilot-1"] = "account_inactive"
    _, sent = await run_tick(app.drip(clock=clock), MONDAY_0900_PARIS)
    assert (sent.sent, sent.held) == (2, 1)
    stopped = [e for e in await enrollments(app) if e.status == "stopped"]
    assert len(stopped) == 1 and stopped[0].stop_reason == "account_inactive"
    assert (stopped[0].stopped_by, stopped[0].position) == ("reachability", 0), "today's tip steps back"
    assert await count(app, "expired") == 1
    report = await app.conversation.handle(command(console_actor("root"), "report pilot"))
    assert "account_inactive" in report[0].markdown.replace("\\", "")


async def test_stale_claim_is_recovered_without_resending(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    await seed_cohort(app.services.db, learners=2, due_at=MONDAY_0900_PARIS)
    runtime = app.drip(clock=clock)
    await ledger.plan_due(app.services.db, MONDAY_0900_PARIS, runtime.tracks())
    async with app.services.db.transaction() as session:  # a worker with no lease: it died
        claims = await deliveries.claim(
            session,
            now=MONDAY_0900_PARIS,
            worker="dead-worker",
            platforms=["test"],
            alive_since=MONDAY_0900_PARIS,
            limit=10,
        )
    parcels = await runtime.dispatcher.carrier.prepare(claims)
    await runtime.dispatcher.carrier.send(parcels[claims[0].delivery_id])  # sent, then the worker "died"
    later = MONDAY_0900_PARIS + dt.timedelta(seconds=1)  # no timeout to wait for: its lease is gone
    report = await runtime.dispatcher.run_once(later)
    assert report.sent == 2 and report.recovered == 2
    assert sorted(fake_chat.keys.values()) == [1, 1]


async def test_track_end_sends_a_congratulation_and_completes(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    await seed_cohort(
        app.services.db, learners=1, due_at=MONDAY_0900_PARIS, track="information-watch", position=4
    )
    plan, sent = await run_tick(app.drip(clock=clock), MONDAY_0900_PARIS)
    assert (plan.completed, sent.sent) == (1, 1)
    text = fake_chat.messages[0]["text"]
    assert "Bravo" in text and "safe-and-serene" in text
    assert [e.status for e in await enrollments(app)] == ["completed"]


async def test_dry_run_sends_nothing(app: App, fake_chat: FakeChat) -> None:
    await seed_cohort(app.services.db, learners=4, due_at=MONDAY_0900_PARIS)
    report = await ledger.plan_due(app.services.db, MONDAY_0900_PARIS, app.drip().tracks(), dry_run=True)
    assert report.queued == 4
    assert await count(app, "pending") == 0
    assert {e.position for e in await enrollments(app)} == {0}


async def test_moving_the_time_later_does_not_send_twice_in_a_day(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    _, (_person_id,) = await seed_cohort(app.services.db, learners=1, due_at=MONDAY_0900_PARIS)
    await run_tick(app.drip(clock=clock), MONDAY_0900_PARIS)
    async with app.services.db.transaction() as session:
        (enrollment,) = list(await session.exec(select(Enrollment)))
        enrollment.next_due_at = MONDAY_0900_PARIS + dt.timedelta(hours=6)  # the learner chose 15:00
        session.add(enrollment)
    await run_tick(app.drip(clock=clock), MONDAY_0900_PARIS + dt.timedelta(hours=6, seconds=1))
    assert len(fake_chat.messages) == 1
    assert (await enrollments(app))[0].next_due_at == dt.datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


async def test_scheduled_mentor_tip_goes_out_once_at_its_time(app: App, clock: Clock) -> None:
    async def say(who: str, text: str) -> None:
        from bot.console.channel import mentions_in

        await app.conversation.handle(command(console_actor(who), text, mentions=mentions_in(text)))

    await say("root", "cohort create pilot track first-steps start 2026-11-23")
    await say("root", "enroll pilot @bob")
    await say("root", "pair @mia @bob")
    await say("mia", "push @bob Try the LinkedIn app's QR code at 2026-11-24 10:30")
    runtime = app.drip(clock=clock)
    before = dt.datetime(2026, 11, 24, 9, 29, tzinfo=UTC)  # 10:29 Paris
    await run_tick(runtime, before)
    async with app.services.db.transaction() as session:
        early = list(await session.exec(select(Delivery).where(Delivery.kind == "tip")))
    assert [t.status for t in early] == ["pending"]
    at = dt.datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    for moment in (at, at + dt.timedelta(minutes=1)):
        await run_tick(runtime, moment)
    async with app.services.db.transaction() as session:
        tips = list(await session.exec(select(Delivery).where(Delivery.kind == "tip")))
        inbox = list(await session.exec(select(InboxMessage)))
    assert [(t.status, t.sent_at) for t in tips] == [("sent", at)]
    shown = [m.payload["markdown"] for m in inbox if "QR code" in m.payload.get("markdown", "")]
    assert len(shown) == 1 and "mia" in shown[0]


async def test_housekeeping_ends_pauses_and_forgets_old_event_ids(app: App, clock: Clock) -> None:
    from scheduler.service import expire_pauses
    from storage.models import SeenEvent

    _, (person_id,) = await seed_cohort(app.services.db, learners=1, due_at=MONDAY_0900_PARIS)
    async with app.services.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.paused_until = clock.now - dt.timedelta(hours=1)
        session.add(person)
        session.add(SeenEvent(event_id="Ev-old", received_at=clock.now - dt.timedelta(days=2)))
        session.add(SeenEvent(event_id="Ev-new", received_at=clock.now - dt.timedelta(minutes=5)))
    await expire_pauses(app.drip(clock=clock))
    async with app.services.db.transaction() as session:
        person = await session.get(Person, person_id)
        kept = [e.event_id for e in await session.exec(select(SeenEvent))]
    assert person is not None and person.paused_until is None
    assert kept == ["Ev-new"]


async def test_the_digest_job_queues_each_mentors_digest_once_a_week(app: App, clock: Clock) -> None:
    """The weekly job gets the runtime it works with (no registry): on Monday morning in the mentor's
    zone it queues one digest, and running it again that week queues nothing more."""
    from scheduler.service import digest_job

    root = console_actor("root")
    admins = app.services.settings.model_copy(update={"admins": ["root"]})
    app.services.settings = admins
    for text in ("cohort create pilot track first-steps", "enroll pilot @bob", "pair @mia @bob"):
        await app.conversation.handle(
            command(root, text, mentions={"@bob": console_actor("bob"), "@mia": console_actor("mia")})
        )

    async def digests() -> list[Delivery]:
        async with app.services.db.transaction() as session:
            return list(await session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.DIGEST)))

    sunday = app.drip(clock=lambda: MONDAY_0900_PARIS - dt.timedelta(days=1))
    await digest_job(sunday)
    assert await digests() == []
    monday = app.drip(clock=lambda: MONDAY_0900_PARIS + dt.timedelta(minutes=30))
    await digest_job(monday)
    await digest_job(monday)
    [digest] = await digests()
    assert digest.dedupe_key.startswith("digest:")


# --- one tip a day, whatever the number of tracks --------------------------------------------------------


async def follow_too(
    app: App,
    person_id: int,
    *,
    name: str,
    track: str,
    due_at: dt.datetime,
    time_of_day: str = "09:00",
    days: str = "mon,tue,wed,thu,fri",
) -> int:
    """A second cohort (a companion, the mentor's guide) with `person_id` enrolled in it after their first
    one; returns the new enrollment's id."""
    async with app.services.db.transaction() as session:
        cohort = Cohort(
            name=name,
            track_id=track,
            start_date=dt.date(2026, 1, 5),
            delivery_time=time_of_day,
            days=days,
            tz="Europe/Paris",
        )
        session.add(cohort)
        await session.flush()
        enrollment = Enrollment(person_id=person_id, cohort_id=cohort.id or 0, next_due_at=due_at)
        session.add(enrollment)
        await session.flush()
        return enrollment.id or 0


async def lessons_by_day(app: App) -> list[tuple[dt.date, int | None]]:
    """(local day in Paris, enrollment) of every lesson sent, in order."""
    async with app.services.db.transaction() as session:
        query = (
            select(Delivery)
            .where(Delivery.kind == DeliveryKind.LESSON, Delivery.status == "sent")
            .order_by(col(Delivery.sent_at), col(Delivery.id))
        )
        rows = list(await session.exec(query))
    paris = ZoneInfo("Europe/Paris")
    return [(row.sent_at.astimezone(paris).date(), row.enrollment_id) for row in rows if row.sent_at]


async def test_a_second_track_brings_no_second_tip_the_tracks_take_turns(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    """Following a goal's track too (a companion cohort, same rhythm) still means one tip a day: the
    cohort's own track first, then the one whose last tip is the oldest. A later time the same day (a
    tick at 15:00) brings nothing more."""
    _, (person_id,) = await seed_cohort(app.services.db, learners=1, due_at=MONDAY_0900_PARIS)
    companion = await follow_too(
        app, person_id, name="pilot-information-watch", track="information-watch", due_at=MONDAY_0900_PARIS
    )
    [own] = [e.id for e in await enrollments(app) if e.id != companion]
    runtime = app.drip(clock=clock)
    for offset in range(5):
        morning = MONDAY_0900_PARIS + dt.timedelta(days=offset)
        for at in (morning, morning + dt.timedelta(hours=6)):
            clock.now = at
            await run_tick(runtime, at)
    week = [MONDAY_0900_PARIS.date() + dt.timedelta(days=offset) for offset in range(5)]
    assert await lessons_by_day(app) == list(zip(week, [own, companion, own, companion, own], strict=True))
    tips = [m for m in fake_chat.messages if "Your tip of the day" in m["text"]]
    assert len(tips) == 5, "one tip a day"


async def test_the_mentors_guide_takes_its_turn_in_the_one_tip_a_day(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    """A learner who is also a mentor: the guide (Tuesdays at 09:00) counts in the one tip a day. Its
    weekly tip is the oldest on a Tuesday, so the learner's own tip (08:30) waits for Wednesday instead
    of coming the same morning, and is never lost for good."""
    monday_0830 = MONDAY_0900_PARIS - dt.timedelta(minutes=30)
    _, (person_id,) = await seed_cohort(app.services.db, learners=1, due_at=monday_0830, time_of_day="08:30")
    tuesday_0900 = MONDAY_0900_PARIS + dt.timedelta(days=1)
    guide = await follow_too(
        app, person_id, name="mentor-guide", track="mentor-guide", due_at=tuesday_0900, days="tue"
    )
    [own] = [e.id for e in await enrollments(app) if e.id != guide]
    runtime = app.drip(clock=clock)
    for offset in range(9):  # Monday to the next Tuesday, at 08:30, 09:00 and 15:00
        morning = monday_0830 + dt.timedelta(days=offset)
        for at in (morning, morning + dt.timedelta(minutes=30), morning + dt.timedelta(hours=6)):
            clock.now = at
            await run_tick(runtime, at)
    days = [MONDAY_0900_PARIS.date() + dt.timedelta(days=offset) for offset in (0, 1, 2, 3, 4, 7, 8)]
    expected = [own, guide, own, own, own, own, guide]
    assert await lessons_by_day(app) == list(zip(days, expected, strict=True))
    [mine] = [e for e in await enrollments(app) if e.id == own]
    assert mine.position == 5, "the Tuesdays' tips were not skipped, only moved on"


async def test_a_later_time_promised_after_todays_tip_is_the_next_day_whatever_the_track(
    app: App, fake_chat: FakeChat, clock: Clock
) -> None:
    """`time 15:00` after the morning's tip promises tomorrow for every track, as the drip does."""
    _, (person_id,) = await seed_cohort(app.services.db, learners=1, due_at=MONDAY_0900_PARIS)
    await follow_too(
        app, person_id, name="pilot-information-watch", track="information-watch", due_at=MONDAY_0900_PARIS
    )
    runtime = app.drip(clock=clock)
    await run_tick(runtime, MONDAY_0900_PARIS)
    clock.now = MONDAY_0900_PARIS + dt.timedelta(hours=1)
    async with app.services.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
    actor = Actor(key=person.key, name=person.display_name, platform=person.platform)
    [reply] = await app.conversation.handle(command(actor, "time 15:00"))
    assert "Your next tip: Tuesday 24 November 2026 at 15:00 (Europe/Paris)" in reply.markdown  # type: ignore[union-attr]
    later = MONDAY_0900_PARIS + dt.timedelta(hours=6)
    await run_tick(runtime, later)
    assert [day for day, _ in await lessons_by_day(app)] == [MONDAY_0900_PARIS.date()]
    assert {e.next_due_at for e in await enrollments(app)} == {later + dt.timedelta(days=1)}
