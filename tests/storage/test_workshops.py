"""Express workshops in the database, on SQLite and PostgreSQL: seats given once, the run state changed
only by compare-and-set (a stale version loses, even when two replicas race), the first quiz answer
counts and the last check press, what planning reads from the ledger, what a cancellation withdraws, and
what forget-me erases. Room keys read back whole."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Sequence

import pytest
from sqlmodel import SQLModel, col, select

from scheduler import lifetimes
from storage import commitments, deliveries, keys, privacy, workshops
from storage.db import Database
from storage.enums import (
    CheckStatus,
    CommitmentSource,
    DeliveryKind,
    DeliveryStatus,
    Rsvp,
    WorkshopStatus,
)
from storage.keys import RoomKey
from storage.models import (
    Commitment,
    Delivery,
    Person,
    Workshop,
    WorkshopAnswer,
    WorkshopCheck,
    WorkshopSeat,
)
from storage.sql import table_of

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
START = NOW + dt.timedelta(days=2)
MINUTE = dt.timedelta(minutes=1)
PLAN = [{"kind": "welcome", "lesson_id": None, "minutes": 2, "starts_after": 0}]


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def some_people(db: Database, *names: str) -> list[int]:
    """A person per name (console keys); their ids, in order."""
    async with db.transaction() as session:
        rows = [
            Person(key=f"console:{name}", platform="console", display_name=name.title()) for name in names
        ]
        session.add_all(rows)
        await session.flush()
        return [row.id or 0 for row in rows]


async def a_workshop(
    db: Database,
    host_id: int,
    *,
    starts_at: dt.datetime = START,
    minutes: int = 45,
    planned_by_id: int | None = None,
    title: str = "Safer passwords",
) -> int:
    async with db.transaction() as session:
        workshop = await workshops.create_workshop(
            session,
            title=title,
            host_id=host_id,
            planned_by_id=planned_by_id,
            starts_at=starts_at,
            minutes=minutes,
            lessons=["strong-passwords", "two-factor-authentication"],
            plan=PLAN,
            lang="fr",
            now=NOW,
        )
        return workshop.id or 0


async def test_a_workshop_is_stored_as_planned(db: Database) -> None:
    [host, planner] = await some_people(db, "mia", "root")
    workshop_id = await a_workshop(db, host, planned_by_id=planner)
    async with db.transaction() as session:
        workshop = await workshops.get_workshop(session, workshop_id=workshop_id)
        assert workshop is not None
        assert (workshop.title, workshop.host_id, workshop.planned_by_id, workshop.lang) == (
            "Safer passwords",
            host,
            planner,
            "fr",
        )
        assert (workshop.starts_at, workshop.minutes, workshop.created_at) == (START, 45, NOW)
        assert workshop.lessons == ["strong-passwords", "two-factor-authentication"]
        assert workshop.plan == PLAN
        assert (workshop.status, workshop.step, workshop.version, workshop.timer_at) == (
            WorkshopStatus.PLANNED,
            -1,
            0,
            None,
        )
        assert workshops.ends_at(workshop) == START + dt.timedelta(minutes=45)
        assert await workshops.get_workshop(session, workshop_id=workshop_id + 100) is None


async def test_seats_are_given_once_and_keep_their_answers(db: Database) -> None:
    """Failure: inviting the same people again made a second seat, or put back an answer they gave."""
    host, ann, bob, cid = await some_people(db, "mia", "ann", "bob", "cid")
    workshop_id = await a_workshop(db, host)
    async with db.transaction() as session:
        seats = await workshops.add_seats(session, workshop_id=workshop_id, person_ids=[bob, ann], at=NOW)
        assert [(s.person_id, s.rsvp, s.invited, s.rsvp_at) for s in seats] == [
            (bob, Rsvp.INVITED, True, None),
            (ann, Rsvp.INVITED, True, None),
        ]
        seat = await workshops.set_rsvp(
            session, workshop_id=workshop_id, person_id=ann, rsvp=Rsvp.COMING, at=NOW + MINUTE
        )
        assert seat is not None and (seat.rsvp, seat.rsvp_at) == (Rsvp.COMING, NOW + MINUTE)
        assert (
            await workshops.set_rsvp(
                session, workshop_id=workshop_id, person_id=cid, rsvp=Rsvp.COMING, at=NOW
            )
            is None
        ), "no seat, no answer"
    async with db.transaction() as session:
        again = await workshops.add_seats(
            session, workshop_id=workshop_id, person_ids=[ann, bob, cid, cid], at=NOW + 2 * MINUTE
        )
        assert [s.person_id for s in again] == [ann, bob, cid]
        assert again[0].rsvp == Rsvp.COMING, "an answer given stays"
        assert await workshops.add_seats(session, workshop_id=workshop_id, person_ids=[], at=NOW) == []
        seated = await workshops.seats_of(session, workshop_id=workshop_id)
        assert [(seat.person_id, person.display_name) for seat, person in seated] == [
            (bob, "Bob"),
            (ann, "Ann"),
            (cid, "Cid"),
        ]


async def test_someone_who_joins_without_an_invitation_gets_a_seat(db: Database) -> None:
    """Failure: a late joiner without an invitation had no seat, so their answers counted for nobody; or
    joining twice caught them up twice."""
    host, ann, zed = await some_people(db, "mia", "ann", "zed")
    workshop_id = await a_workshop(db, host)
    async with db.transaction() as session:
        await workshops.add_seats(session, workshop_id=workshop_id, person_ids=[ann], at=NOW)
        seat, first = await workshops.mark_joined(
            session, workshop_id=workshop_id, person_id=ann, at=START, late=False
        )
        assert first and (seat.invited, seat.joined_at, seat.late) == (True, START, False)
        seat, first = await workshops.mark_joined(
            session, workshop_id=workshop_id, person_id=zed, at=START + 5 * MINUTE, late=True
        )
        assert first
        assert (seat.invited, seat.rsvp, seat.joined_at, seat.late) == (
            False,
            Rsvp.COMING,
            START + 5 * MINUTE,
            True,
        )
    async with db.transaction() as session:
        seat, first = await workshops.mark_joined(
            session, workshop_id=workshop_id, person_id=zed, at=START + 9 * MINUTE, late=True
        )
        assert not first and seat.joined_at == START + 5 * MINUTE, "the first join counts"
        seated = await workshops.seats_of(session, workshop_id=workshop_id)
        assert [s.person_id for s, _ in seated] == [ann, zed]
        seats = await workshops.add_seats(
            session, workshop_id=workshop_id, person_ids=[host], invited=False, at=NOW
        )
        assert [(s.invited, s.rsvp, s.rsvp_at) for s in seats] == [(False, Rsvp.COMING, NOW)]


async def test_a_transition_applies_only_to_the_version_it_was_decided_on(db: Database) -> None:
    """Failure: a replica acting on a workshop it read before another replica moved it on changed it
    again (a step posted twice). The second change of the same version does nothing and says so."""
    [host] = await some_people(db, "mia")
    workshop_id = await a_workshop(db, host)
    async with db.transaction() as session:
        workshop = await workshops.get_workshop(session, workshop_id=workshop_id)
        assert workshop is not None
        assert await workshops.transition(
            session,
            workshop_id=workshop_id,
            version=workshop.version,
            status=WorkshopStatus.RUNNING,
            step=0,
            started_at=START,
            step_started_at=START,
            timer_at=START + 2 * MINUTE,
            timer_kind="step",
        )
        assert (workshop.version, workshop.step, workshop.status) == (1, 0, WorkshopStatus.RUNNING), (
            "the object the session holds is brought up to date"
        )
        assert not await workshops.transition(session, workshop_id=workshop_id, version=0, step=1)
        assert not await workshops.transition(session, workshop_id=workshop_id + 100, version=0, step=1)
        with pytest.raises(ValueError, match="title"):
            await workshops.transition(session, workshop_id=workshop_id, version=1, title="Other")
    async with db.transaction() as session:
        workshop = await workshops.get_workshop(session, workshop_id=workshop_id)
        assert workshop is not None
        assert (workshop.version, workshop.step, workshop.timer_kind, workshop.started_at) == (
            1,
            0,
            "step",
            START,
        )
        assert await workshops.transition(session, workshop_id=workshop_id, version=1, step=1, timer_at=None)
        assert (workshop.version, workshop.step, workshop.timer_at) == (2, 1, None)


async def test_of_two_replicas_racing_on_one_version_one_wins(db: Database) -> None:
    """Failure: two transactions that both read version 0 both moved the workshop on. On PostgreSQL the
    second UPDATE waits for the first to commit, then finds the version gone; on SQLite the write lock
    serialises them."""
    [host] = await some_people(db, "mia")
    workshop_id = await a_workshop(db, host)
    others = [await a_workshop(db, host) for _ in range(3)]

    async def next_step(step: int) -> bool:
        async with db.transaction() as session:
            return await workshops.transition(session, workshop_id=workshop_id, version=0, step=step)

    results = await asyncio.gather(*(next_step(step) for step in range(4)))
    assert sorted(results) == [False, False, False, True]
    async with db.transaction() as session:
        workshop = await workshops.get_workshop(session, workshop_id=workshop_id)
        assert workshop is not None and workshop.version == 1
        assert workshop.step == results.index(True)
        untouched = [await workshops.get_workshop(session, workshop_id=other) for other in others]
        assert [w.version for w in untouched if w is not None] == [0, 0, 0]


async def test_due_timers_are_the_running_workshops_whose_time_has_come(db: Database) -> None:
    [host] = await some_people(db, "mia")
    ids = [await a_workshop(db, host) for _ in range(5)]
    due_late, due_early, later, planned, none = ids
    async with db.transaction() as session:
        for workshop_id, timer in ((due_late, NOW), (due_early, NOW - MINUTE), (later, NOW + MINUTE)):
            assert await workshops.transition(
                session, workshop_id=workshop_id, version=0, status=WorkshopStatus.RUNNING, timer_at=timer
            )
        assert await workshops.transition(session, workshop_id=planned, version=0, timer_at=NOW - MINUTE)
        assert await workshops.transition(session, workshop_id=none, version=0, status=WorkshopStatus.RUNNING)
    async with db.transaction() as session:
        found = await workshops.due_timers(session, now=NOW, limit=10)
        assert [w.id for w in found] == [due_early, due_late]
        assert [w.id for w in await workshops.due_timers(session, now=NOW, limit=1)] == [due_early]


async def test_a_persons_workshops_and_the_hosts_next_one(db: Database) -> None:
    """A person's workshops are the ones they host or have a seat in, by start; those over (ended,
    cancelled, or planned and past their planned end) only when asked. A host's next workshop is the one
    under way, else the next planned one, even a little late."""
    host, ann, other_host = await some_people(db, "mia", "ann", "lea")
    tomorrow = await a_workshop(db, host, starts_at=NOW + dt.timedelta(days=1))
    late = await a_workshop(db, host, starts_at=NOW - 10 * MINUTE, minutes=30)
    past = await a_workshop(db, host, starts_at=NOW - dt.timedelta(days=1))
    cancelled = await a_workshop(db, host, starts_at=NOW + dt.timedelta(days=3))
    seated = await a_workshop(db, other_host, starts_at=NOW + dt.timedelta(days=2))
    async with db.transaction() as session:
        assert await workshops.transition(
            session, workshop_id=cancelled, version=0, status=WorkshopStatus.CANCELLED
        )
        await workshops.add_seats(session, workshop_id=seated, person_ids=[host, ann], at=NOW)
        await workshops.add_seats(session, workshop_id=tomorrow, person_ids=[ann], at=NOW)
    async with db.transaction() as session:
        mine = await workshops.workshops_of(session, person_id=host, now=NOW)
        assert [w.id for w in mine] == [late, tomorrow, seated]
        everything = await workshops.workshops_of(session, person_id=host, now=NOW, include_past=True)
        assert [w.id for w in everything] == [past, late, tomorrow, seated, cancelled]
        assert [w.id for w in await workshops.workshops_of(session, person_id=ann, now=NOW)] == [
            tomorrow,
            seated,
        ]
        upcoming = await workshops.next_of_host(session, host_id=host, now=NOW)
        assert upcoming is not None and upcoming.id == late
        after = await workshops.next_of_host(session, host_id=host, now=NOW + 30 * MINUTE)
        assert after is not None and after.id == tomorrow
        assert await workshops.next_of_host(session, host_id=ann, now=NOW) is None
        assert await workshops.transition(
            session, workshop_id=tomorrow, version=0, status=WorkshopStatus.RUNNING
        )
    async with db.transaction() as session:
        running = await workshops.next_of_host(session, host_id=host, now=NOW)
        assert running is not None and running.id == tomorrow, "the one under way comes first"


async def test_the_first_quiz_answer_counts(db: Database) -> None:
    """Failure: a participant who pressed a second option changed their answer, or the totals counted
    both presses."""
    host, ann, bob, cid = await some_people(db, "mia", "ann", "bob", "cid")
    workshop_id = await a_workshop(db, host)

    async def answer(person_id: int, step: int, choice: int, *, late: bool = False) -> bool:
        async with db.transaction() as session:
            return await workshops.record_answer(
                session,
                workshop_id=workshop_id,
                person_id=person_id,
                step=step,
                lesson_id="strong-passwords",
                choice=choice,
                correct=choice == 2,
                late=late,
                at=START + choice * MINUTE,
            )

    assert await answer(ann, 4, 2)
    assert not await answer(ann, 4, 0), "a second press on the same step is not kept"
    assert await answer(bob, 4, 0)
    assert await answer(cid, 4, 2, late=True)
    assert await answer(ann, 9, 1), "another step is another question"
    async with db.transaction() as session:
        totals = await workshops.quiz_totals(session, workshop_id=workshop_id, step=4)
        assert totals == workshops.QuizTotals({0: 1, 2: 2}, 3, 2)
        assert (totals.counts, totals.answered, totals.right) == ({0: 1, 2: 2}, 3, 2)
        assert await workshops.quiz_totals(session, workshop_id=workshop_id, step=5) == ({}, 0, 0)
        step_four = await workshops.answers_of(session, workshop_id=workshop_id, step=4)
        assert [(a.person_id, a.choice, a.correct, a.late) for a in step_four] == [
            (bob, 0, False, False),
            (ann, 2, True, False),
            (cid, 2, True, True),
        ]
        assert len(await workshops.answers_of(session, workshop_id=workshop_id)) == 4


async def test_two_presses_at_once_keep_one_answer(db: Database) -> None:
    """Failure: two presses racing (two replicas, a double click) both inserted, or one failed the
    transaction with a unique violation on PostgreSQL instead of saying "already answered"."""
    host, ann = await some_people(db, "mia", "ann")
    workshop_id = await a_workshop(db, host)

    async def press(choice: int) -> bool:
        async with db.transaction() as session:
            return await workshops.record_answer(
                session,
                workshop_id=workshop_id,
                person_id=ann,
                step=3,
                lesson_id="strong-passwords",
                choice=choice,
                correct=False,
                late=False,
                at=START,
            )

    pressed = await asyncio.gather(*(press(choice) for choice in range(4)))
    assert sorted(pressed) == [False, False, False, True]
    async with db.transaction() as session:
        assert (await workshops.quiz_totals(session, workshop_id=workshop_id, step=3)).answered == 1


async def test_the_last_check_press_counts(db: Database) -> None:
    host, ann, bob = await some_people(db, "mia", "ann", "bob")
    workshop_id = await a_workshop(db, host)
    async with db.transaction() as session:
        assert (
            await workshops.set_check(
                session, workshop_id=workshop_id, person_id=ann, step=3, status=CheckStatus.STUCK, at=START
            )
            is None
        )
        assert (
            await workshops.set_check(
                session, workshop_id=workshop_id, person_id=bob, step=3, status=CheckStatus.DONE, at=START
            )
            is None
        )
    async with db.transaction() as session:
        before = await workshops.set_check(
            session,
            workshop_id=workshop_id,
            person_id=ann,
            step=3,
            status=CheckStatus.DONE,
            at=START + MINUTE,
        )
        assert before == CheckStatus.STUCK
        await workshops.set_check(
            session, workshop_id=workshop_id, person_id=ann, step=1, status=CheckStatus.DONE, at=START
        )
        checks = await workshops.checks_of(session, workshop_id=workshop_id)
        assert [(c.step, c.person_id, c.status, c.at) for c in checks] == [
            (1, ann, CheckStatus.DONE, START),
            (3, ann, CheckStatus.DONE, START + MINUTE),
            (3, bob, CheckStatus.DONE, START),
        ]


def ledger_row(
    person_id: int, key: str, *, status: str = DeliveryStatus.PENDING, lesson_id: str | None = None
) -> dict[str, object]:
    kind = DeliveryKind.LESSON if lesson_id else DeliveryKind.WORKSHOP
    sent = NOW if status == DeliveryStatus.SENT else None
    return {
        "dedupe_key": key,
        "person_id": person_id,
        "kind": kind,
        "lesson_id": lesson_id,
        "due_at": NOW,
        "sent_at": sent,
        "created_at": NOW,
        "status": status,
    }


async def write_rows(db: Database, rows: Sequence[dict[str, object]]) -> None:
    async with db.transaction() as session:
        await deliveries.enqueue(session, rows=rows)


async def test_received_counts_are_people_with_the_tip_sent(db: Database) -> None:
    """What a planner picks lessons by: how many of the participants were sent each lesson as a daily
    tip (a lesson waiting, a review, or someone outside the workshop does not count)."""
    ann, bob, cid, out = await some_people(db, "ann", "bob", "cid", "out")
    await write_rows(
        db,
        [
            ledger_row(ann, "lesson:1:a", status=DeliveryStatus.SENT, lesson_id="a"),
            ledger_row(ann, "lesson:9:a", status=DeliveryStatus.SENT, lesson_id="a"),  # a second cohort
            ledger_row(bob, "lesson:2:a", status=DeliveryStatus.SENT, lesson_id="a"),
            ledger_row(bob, "lesson:2:b", status=DeliveryStatus.PENDING, lesson_id="b"),
            ledger_row(cid, "lesson:3:b", status=DeliveryStatus.SENT, lesson_id="b"),
            ledger_row(out, "lesson:4:c", status=DeliveryStatus.SENT, lesson_id="c"),
            {**ledger_row(cid, "review:3:x", status=DeliveryStatus.SENT, lesson_id="c"), "kind": "review"},
        ],
    )
    async with db.transaction() as session:
        counts = await workshops.received_counts(
            session, person_ids=[ann, bob, cid], lesson_ids=["a", "b", "c", "d"]
        )
        assert counts == {"a": 2, "b": 1, "c": 0, "d": 0}
        assert await workshops.received_counts(session, person_ids=[], lesson_ids=["a"]) == {"a": 0}


async def test_cancelling_withdraws_only_what_waits(db: Database) -> None:
    """Failure: a cancelled workshop's invitations and reminders still went out, or cancelling deleted
    what had been sent (the ledger's record), another workshop's messages or the cancellation notice."""
    host, ann, bob = await some_people(db, "mia", "ann", "bob")
    workshop_id = await a_workshop(db, host)
    other = await a_workshop(db, host)
    async with db.transaction() as session:
        await workshops.add_seats(session, workshop_id=workshop_id, person_ids=[ann, bob], at=NOW)
        await workshops.add_seats(session, workshop_id=other, person_ids=[ann], at=NOW)
    kept = [
        ledger_row(ann, keys.workshop_invite_key(workshop_id, ann), status=DeliveryStatus.SENT),
        ledger_row(ann, keys.workshop_invite_key(other, ann)),
        ledger_row(ann, keys.workshop_cancel_key(workshop_id, ann)),
        ledger_row(ann, keys.workshop_invite_key(workshop_id * 10 + 1, ann)),  # a prefix alike, not its own
    ]
    withdrawn = [
        ledger_row(bob, keys.workshop_invite_key(workshop_id, bob)),
        ledger_row(bob, keys.workshop_invite_key(workshop_id, bob, revision=1), status=DeliveryStatus.HELD),
        ledger_row(ann, keys.workshop_reminder_key(workshop_id, ann, "day")),
        ledger_row(host, keys.workshop_reminder_key(workshop_id, host, "soon")),
    ]
    await write_rows(db, [*kept, *withdrawn])
    async with db.transaction() as session:
        assert await workshops.delete_waiting(session, workshop_id=workshop_id) == len(withdrawn)
        left = set(await session.exec(select(Delivery.dedupe_key)))
        assert left == {row["dedupe_key"] for row in kept}
        assert await workshops.delete_waiting(session, workshop_id=workshop_id) == 0


async def test_declining_withdraws_only_that_persons_waiting_reminders(db: Database) -> None:
    host, ann, bob = await some_people(db, "mia", "ann", "bob")
    workshop_id = await a_workshop(db, host)
    day, soon = (keys.workshop_reminder_key(workshop_id, ann, which) for which in keys.WORKSHOP_REMINDERS)
    kept = [
        ledger_row(ann, day, status=DeliveryStatus.SENT),
        ledger_row(ann, keys.workshop_invite_key(workshop_id, ann)),
        ledger_row(bob, keys.workshop_reminder_key(workshop_id, bob, "soon")),
    ]
    await write_rows(db, [*kept, ledger_row(ann, soon, status=DeliveryStatus.HELD)])
    async with db.transaction() as session:
        assert await workshops.delete_reminders(session, workshop_id=workshop_id, person_id=ann) == 1
        left = set(await session.exec(select(Delivery.dedupe_key)))
        assert left == {row["dedupe_key"] for row in kept}


async def test_forget_me_erases_a_persons_workshop_rows(db: Database) -> None:
    """Failure: a forgotten participant's seat, answers, checks or commitments stayed; a forgotten host's
    workshop stayed, or its invitations still went out; a forgotten planner's workshop went with them
    (it is the host's: it stays, with no planner)."""
    host, ann, bob, planner = await some_people(db, "mia", "ann", "bob", "root")
    hosted = await a_workshop(db, host, planned_by_id=planner)
    by_ann = await a_workshop(db, ann, planned_by_id=planner)
    async with db.transaction() as session:
        for workshop_id in (hosted, by_ann):
            await workshops.add_seats(session, workshop_id=workshop_id, person_ids=[ann, bob, host], at=NOW)
            for person_id in (ann, bob):
                await workshops.record_answer(
                    session,
                    workshop_id=workshop_id,
                    person_id=person_id,
                    step=4,
                    lesson_id="a",
                    choice=1,
                    correct=True,
                    late=False,
                    at=START,
                )
                await workshops.set_check(
                    session,
                    workshop_id=workshop_id,
                    person_id=person_id,
                    step=3,
                    status=CheckStatus.DONE,
                    at=START,
                )
                await commitments.add_commitment(
                    session,
                    person_id=person_id,
                    source=CommitmentSource.WORKSHOP,
                    text="Turn on two-factor authentication",
                    made_at=START,
                    workshop_id=workshop_id,
                )
    await write_rows(
        db,
        [
            ledger_row(bob, keys.workshop_invite_key(by_ann, bob)),
            ledger_row(bob, keys.workshop_invite_key(hosted, bob)),
        ],
    )

    async def forget(person_id: int, key: str) -> None:
        async with db.transaction() as session:
            identity = privacy.Identity(person_id=person_id, key=key, names=(key,))
            assert await privacy.erase(session, identity=identity)

    async def rows_of(model: type[SQLModel]) -> set[tuple[int | None, int]]:
        """(workshop, person) of each row of a table tied to workshops."""
        table = table_of(model)
        async with db.transaction() as session:
            query = select(table.c.workshop_id, table.c.person_id)
            return {(workshop_id, person_id) for workshop_id, person_id in await session.exec(query)}

    await forget(ann, "console:ann")
    everyone_left = {(hosted, bob), (hosted, host)}
    assert await rows_of(WorkshopSeat) == everyone_left
    for model in (WorkshopAnswer, WorkshopCheck):
        assert await rows_of(model) == {(hosted, bob)}, model.__name__
    # Bob keeps the commitment he made in the workshop Ann ran: it is his.
    assert await rows_of(Commitment) == {(hosted, bob), (None, bob)}
    async with db.transaction() as session:
        left = list(await session.exec(select(Workshop)))
        assert [w.id for w in left] == [hosted], "the workshop Ann hosted went with her"
        keys_left = set(await session.exec(select(Delivery.dedupe_key)))
        assert keys_left == {keys.workshop_invite_key(hosted, bob)}, "its invitations were withdrawn"

    await forget(planner, "console:root")
    async with db.transaction() as session:
        workshop = await workshops.get_workshop(session, workshop_id=hosted)
        assert workshop is not None and workshop.planned_by_id is None


async def test_my_data_reads_a_persons_workshop_rows_with_their_titles(db: Database) -> None:
    host, ann, planner = await some_people(db, "mia", "ann", "root")
    hosted = await a_workshop(db, host, planned_by_id=planner, title="Safer passwords")
    async with db.transaction() as session:
        await workshops.add_seats(session, workshop_id=hosted, person_ids=[ann], at=NOW)
        await commitments.add_commitment(
            session, person_id=ann, source=CommitmentSource.MEETING, text="Post once a week", made_at=NOW
        )
        await commitments.add_commitment(
            session,
            person_id=ann,
            source=CommitmentSource.WORKSHOP,
            text="Use a password manager",
            made_at=START,
            workshop_id=hosted,
        )
    async with db.transaction() as session:
        assert [w.id for w in await privacy.workshops_led_by(session, person_id=planner)] == [hosted]
        assert [w.id for w in await privacy.workshops_led_by(session, person_id=host)] == [hosted]
        assert await privacy.workshops_led_by(session, person_id=ann) == []
        seats = await privacy.workshop_rows_of(session, model=WorkshopSeat, person_id=ann)
        assert [(seat.person_id, title) for seat, title in seats] == [(ann, "Safer passwords")]
        made = await privacy.workshop_rows_of(session, model=Commitment, person_id=ann)
        assert [(c.text, title) for c, title in made] == [
            ("Post once a week", None),
            ("Use a password manager", "Safer passwords"),
        ]


async def test_a_hosts_delivery_can_name_its_room(db: Database) -> None:
    [host] = await some_people(db, "mia")
    room = keys.slack_room("T1", "C1", "1700000000.0001")
    await write_rows(db, [{**ledger_row(host, "ws:1:step:0"), "room": room}])
    async with db.transaction() as session:
        [row] = await session.exec(select(Delivery).where(col(Delivery.person_id) == host))
        assert row.room == room


# --- keys and lifetimes ------------------------------------------------------------------------------------


def test_room_keys_read_back_whole() -> None:
    assert keys.slack_room("T1", "C1") == "slack-room:T1:C1"
    assert keys.slack_room("T1", "C1", "1700000000.0001") == "slack-room:T1:C1:1700000000.0001"
    assert keys.console_room("Lab") == "console-room:lab"
    assert keys.room_key("mattermost", "team", "town-square") == "mattermost-room:team:town-square"
    assert keys.parse_room("slack-room:T1:C1") == RoomKey("slack", "T1", "C1", "")
    assert keys.parse_room("slack-room:T1:C1:1700000000.0001") == RoomKey(
        "slack", "T1", "C1", "1700000000.0001"
    )
    assert keys.parse_room("console-room:lab") == RoomKey("console", "", "lab", "")
    conversation = "19:meeting_Zm9v@thread.v2;messageid=1700000000001%"
    teams = keys.teams_room("tenant-guid", conversation)
    assert teams.startswith("teams-room:tenant-guid:")
    assert keys.parse_room(teams) == RoomKey("teams", "tenant-guid", conversation, "")
    assert keys.is_room(teams) and not keys.is_room("teams:tenant-guid:aad")
    for bad in ("slack:T1:U1", "slack-room:", "slack-room:T1::x", "console-room:a:b:c:d"):
        with pytest.raises(ValueError):
            keys.parse_room(bad)
    with pytest.raises(ValueError):
        keys.room_key("teams", "tenant", "x" * 300)
    with pytest.raises(ValueError):
        keys.room_key("slack", "T1", "")


def test_workshop_ledger_keys_are_short_and_found_by_their_prefix() -> None:
    prefix = keys.workshop_key_prefix(12)
    made = [
        keys.workshop_invite_key(12, 34),
        keys.workshop_invite_key(12, 34, revision=2),
        keys.workshop_reminder_key(12, 34, "day"),
        keys.workshop_reminder_key(12, 34, "soon"),
    ]
    assert len(set(made)) == len(made) and all(key.startswith(prefix) for key in made)
    assert not keys.workshop_invite_key(123, 4).startswith(prefix)
    assert not keys.workshop_cancel_key(12, 34).startswith(prefix)
    assert keys.commitment_follow_up_key(7) == "commit:7"
    big = 2**63
    longest = [keys.workshop_invite_key(big, big, revision=big), keys.workshop_cancel_key(big, big)]
    assert max(map(len, longest)) <= 120, "the ledger's key holds 120 characters"
    with pytest.raises(ValueError):
        keys.workshop_reminder_key(12, 34, "invite")


def test_a_message_about_a_workshop_to_come_is_given_up_when_it_starts() -> None:
    assert lifetimes.before_workshop(NOW, START) == START
    week_before = START - dt.timedelta(days=10)
    assert lifetimes.before_workshop(week_before, START) == week_before + dt.timedelta(days=7)
    assert lifetimes.expires_at(DeliveryKind.WORKSHOP, NOW) == NOW + dt.timedelta(days=7)
    assert lifetimes.expires_at(DeliveryKind.COMMITMENT, NOW) == NOW + dt.timedelta(days=3)
