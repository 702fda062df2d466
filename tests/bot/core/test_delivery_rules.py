"""What reaches other people, and when it stops: the core's side of the delivery ledger."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.app import make_app
from bot.core.commands import enroll
from bot.core.context import Services
from scheduler import lifetimes
from scheduler.service import run_tick
from storage import reachability
from storage.db import Database
from storage.enums import DeliveryKind
from storage.models import Delivery, Enrollment, InboxMessage, Job, Person
from tests.support.harness import Harness, text_of

ROOT = Path(__file__).resolve().parents[3]
UTC = dt.UTC


async def rows(harness: Harness, model, *conditions):  # type: ignore[no-untyped-def]
    async with harness.services.db.transaction() as session:
        return list(await session.exec(select(model).where(*conditions)))


async def programme(harness: Harness, *learners: str) -> None:
    await harness.say("root", "cohort create pilot track first-steps start 2026-11-23")
    await harness.say("root", "enroll pilot " + " ".join(f"@{name}" for name in learners))


async def person(harness: Harness, name: str) -> Person:
    [found] = await rows(harness, Person, Person.key == f"console:{name}")
    return found


async def test_progress_counts_lessons_not_the_track_completion(harness: Harness) -> None:
    await programme(harness, "ann")
    async with harness.services.db.transaction() as session:
        [enrollment] = list(await session.exec(select(Enrollment)))
        enrollment.next_due_at = harness.clock.now
        session.add(enrollment)
    runtime = harness.app.drip(clock=harness.clock)
    for day in range(16):  # every weekday's tip, then the completion
        await run_tick(runtime, dt.datetime(2026, 11, 24, 8, 0, tzinfo=UTC) + dt.timedelta(days=day))
    [enrollment] = await rows(harness, Enrollment)
    assert enrollment.status == "completed"
    assert "Lessons received: 10 of 10" in await harness.text("ann", "progress")


async def test_someone_out_of_reach_who_writes_again_gets_their_tips_back(harness: Harness) -> None:
    await programme(harness, "ann", "ben")
    ann = await person(harness, "ann")
    async with harness.services.db.transaction() as session:
        await reachability.mark_unreachable(
            session, person_ids=[ann.id or 0], reason="account_inactive", now=harness.clock.now
        )
    [stopped] = await rows(harness, Enrollment, Enrollment.person_id == ann.id)
    assert (stopped.status, stopped.stopped_by) == ("stopped", "reachability")
    await harness.say("root", "pair @ben @ann")  # written while she is out of reach: it waits
    [held] = await rows(harness, Delivery, Delivery.person_id == ann.id)
    assert held.status == "held"

    await harness.say("ann", "help")  # she writes again

    [resumed] = await rows(harness, Enrollment, Enrollment.person_id == ann.id)
    assert (resumed.status, resumed.stopped_by, resumed.next_due_at) == ("active", None, harness.clock.now)
    [released] = await rows(harness, Delivery, Delivery.person_id == ann.id)
    assert released.status == "pending"
    await harness.app.deliver_now()
    [delivered] = await rows(harness, Delivery, Delivery.person_id == ann.id)
    assert delivered.status == "sent"
    [waiting] = await rows(harness, InboxMessage, InboxMessage.person_id == ann.id)
    assert "**ben** is now your mentor" in waiting.payload["markdown"]


async def test_an_admin_enrolling_again_resumes_someone_stopped_for_reachability(harness: Harness) -> None:
    await programme(harness, "ann")
    ann = await person(harness, "ann")
    async with harness.services.db.transaction() as session:
        await reachability.mark_unreachable(
            session, person_ids=[ann.id or 0], reason="account_inactive", now=harness.clock.now
        )
    reply = await harness.text("root", "enroll pilot @ann")
    assert "Back in `pilot` (1): **ann**." in reply and "Already" not in reply
    assert (await person(harness, "ann")).reachable, "the admin vouches for her: Tandem tries again"
    [enrollment] = await rows(harness, Enrollment)
    assert enrollment.status == "active"


async def test_a_message_to_someone_unreachable_is_given_up_after_its_lifetime_and_the_sender_told(
    harness: Harness,
) -> None:
    await programme(harness, "ann")
    await harness.say("root", "pair @mia @ann")
    await harness.app.deliver_now()
    ann = await person(harness, "ann")
    async with harness.services.db.transaction() as session:
        await reachability.mark_unreachable(
            session, person_ids=[ann.id or 0], reason="account_inactive", now=harness.clock.now
        )
    await harness.say("mia", "push @ann Look at who viewed your profile.")
    await harness.app.deliver_now()
    said = await harness.app.dispatcher.run_once()
    assert said.sent == 0
    inbox = await rows(harness, InboxMessage, InboxMessage.person_id == (await person(harness, "mia")).id)
    [report] = [m.payload["markdown"] for m in inbox if "could not reach" in m.payload["markdown"]]
    assert "Your tip could not reach **ann**" in report and "account deactivated" in report
    harness.clock.advance(days=8)
    await harness.app.dispatcher.run_once()
    [tip] = await rows(harness, Delivery, Delivery.kind == "tip")
    assert tip.status == "expired"
    outcomes = await rows(harness, Delivery, Delivery.kind == "outcome")
    assert len(outcomes) == 2, "the report, then the note that it was given up"


async def jobs_run_by_another_process(services: Services) -> int:
    """The jobs a newly started process (its own database connection and worker lease) runs."""
    other_db = Database(services.db.url)
    try:
        restarted = make_app(
            Services(db=other_db, settings=services.settings, lessons=services.lessons, clock=services.clock)
        )
        return await restarted.jobs.run_pending()
    finally:
        await other_db.dispose()


async def test_a_big_enrollment_cut_off_by_a_restart_is_finished_by_the_next_process(
    harness: Harness, services: Services
) -> None:
    await harness.say("root", "cohort create pilot track first-steps start 2026-11-23")
    await harness.say("root", "enroll pilot " + " ".join(f"@p{i}" for i in range(300)))
    [job] = await rows(harness, Job)
    assert job.status == "pending"
    async with harness.services.db.transaction() as session:  # a process claimed it, then died
        job.status, job.claimed_by, job.claimed_at = "running", "gone-host:1:dead", harness.clock.now
        session.add(job)
    assert await jobs_run_by_another_process(services) == 1
    assert len(await rows(harness, Enrollment)) == 300
    [job] = await rows(harness, Job)
    assert job.status == "done"
    [summary] = await rows(harness, Delivery, Delivery.person_id == (await person(harness, "root")).id)
    assert "Now in `pilot` (300)" in summary.payload[0]["markdown"]


def test_every_kind_has_a_lifetime_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### How long Tandem keeps trying", 1)[1]
    table = section[section.index("| Kind") :].split("\n\n", 1)[0]
    for kind in DeliveryKind:
        assert re.search(rf"`{kind.value}`", table), f"{kind.value} is missing from the lifetimes table"
    for kind, span in lifetimes.LIFETIMES.items():
        assert f"{span.days} days" in table.split(f"`{kind}`", 1)[1].split("\n", 1)[0]


async def six_hundred_enrolled_failing_at_step_three(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, failure: BaseException | type[BaseException]
) -> Any:
    """An admin enrolls 600 people (a background job of three steps of 200), and the job's third step
    will raise `failure`. Returns the real step, to put back."""
    await harness.say("root", "cohort create pilot track first-steps start 2026-11-23")
    await harness.say("root", "enroll pilot " + " ".join(f"@p{i}" for i in range(600)))
    apply = enroll._Batch.apply
    calls = 0

    async def fails_in_the_third_step(self: enroll._Batch, session: Any, keys: list[str]) -> enroll.Outcome:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise failure
        return await apply(self, session, keys)

    monkeypatch.setattr(enroll._Batch, "apply", fails_in_the_third_step)
    return apply


async def test_a_big_enrollment_goes_in_steps_and_resumes_after_the_last_one(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each step of 200 people commits on its own (SQLite's one writer is never held for the whole
    enrollment); a process that dies in the third step leaves two done, and the next one does the rest."""
    apply = await six_hundred_enrolled_failing_at_step_three(harness, monkeypatch, asyncio.CancelledError)
    with pytest.raises(asyncio.CancelledError):  # the process is gone
        await harness.app.jobs.run_pending()
    monkeypatch.setattr(enroll._Batch, "apply", apply)
    assert len(await rows(harness, Enrollment)) == 400
    [job] = await rows(harness, Job)
    assert (job.status, job.args["done"]) == ("running", 400)
    async with harness.services.db.transaction() as session:  # its lease lapses
        job.claimed_by = "gone-host:1:dead"
        session.add(job)
    assert await jobs_run_by_another_process(services) == 1
    assert len(await rows(harness, Enrollment)) == 600
    [summary] = await rows(harness, Delivery, Delivery.person_id == (await person(harness, "root")).id)
    assert "Now in `pilot` (600)" in summary.payload[0]["markdown"]


async def test_a_job_that_fails_after_some_steps_says_what_stays(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the third step: the first two stay done, and the admin is told so (not "nothing changed")."""
    await six_hundred_enrolled_failing_at_step_three(harness, monkeypatch, ValueError("a bug"))
    said = await harness.run_jobs()
    assert "stopped on my side before the end. What was done so far stays done" in text_of(said)
    assert len(await rows(harness, Enrollment)) == 400
