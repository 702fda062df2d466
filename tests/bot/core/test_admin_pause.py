"""An admin pauses and resumes a learner (`pause @person`, `resume @person`): audited, the learner told
through the ledger who did it; anyone else naming someone is refused."""

from __future__ import annotations

from sqlmodel import select

from storage import people
from storage.enums import AuditOutcome
from storage.models import AuditLog, Enrollment
from tests.support.harness import Harness, notifications, text_of


async def programme(harness: Harness) -> None:
    await harness.say("root", "help", display="Root Admin")
    await harness.say("root", "cohort create pilot track first-steps")
    await harness.say("root", "enroll pilot @zoe @max")


async def audit(harness: Harness) -> list[tuple[str, str, dict[str, object], str]]:
    async with harness.services.db.transaction() as session:
        rows = (await session.exec(select(AuditLog).order_by(AuditLog.id))).all()  # type: ignore[arg-type]
    return [(a.actor_key, a.action, a.args, a.outcome) for a in rows if a.action in ("pause", "resume")]


async def test_an_admin_pauses_and_resumes_a_learner_who_is_told(harness: Harness) -> None:
    await programme(harness)
    paused = await harness.say("root", "pause @zoe 2 weeks")
    assert "**zoe**’s tips are paused until Monday 7 December" in text_of(paused)
    [told] = notifications(paused, "console:zoe")
    assert "**Root Admin** paused your tips until" in told.markdown  # type: ignore[union-attr]
    async with harness.services.db.transaction() as session:
        zoe = await people.get_person(session, key="console:zoe")
        assert zoe is not None and zoe.paused_until is not None
        [enrollment] = (await session.exec(select(Enrollment).where(Enrollment.person_id == zoe.id))).all()
    assert enrollment.paused_until == zoe.paused_until
    assert (zoe.paused_until - harness.clock.now).days == 14

    resumed = await harness.say("root", "resume @zoe")
    assert "**zoe**’s tips start again" in text_of(resumed)
    [told] = notifications(resumed, "console:zoe")
    assert "**Root Admin** ended the pause of your tips" in told.markdown  # type: ignore[union-attr]
    async with harness.services.db.transaction() as session:
        zoe = await people.get_person(session, key="console:zoe")
    assert zoe is not None and zoe.paused_until is None
    assert [(a, action, args["person"], outcome) for a, action, args, outcome in await audit(harness)] == [
        ("console:root", "pause", "console:zoe", AuditOutcome.OK),
        ("console:root", "resume", "console:zoe", AuditOutcome.OK),
    ]
    again = await harness.say("root", "resume @zoe")
    assert "**zoe**’s tips are not paused" in text_of(again) and notifications(again) == []


async def test_a_learner_cannot_pause_someone_else_and_the_refusal_is_audited(harness: Harness) -> None:
    await programme(harness)
    before = await harness.snapshot()
    refused = await harness.say("max", "pause @zoe 2 weeks")
    assert "Only programme admins can pause or resume someone else’s tips" in text_of(refused)
    assert notifications(refused) == []
    after = await harness.snapshot()
    assert {k: v for k, v in after.items() if k != "auditlog"} == {
        k: v for k, v in before.items() if k != "auditlog"
    }
    async with harness.services.db.transaction() as session:
        refusals = (
            await session.exec(select(AuditLog).where(AuditLog.outcome == AuditOutcome.REFUSED))
        ).all()
    assert [(r.actor_key, r.action) for r in refusals] == [("console:max", "pause")]
    assert "Only programme admins" in text_of(await harness.say("max", "resume @zoe"))


async def test_a_learners_own_pause_still_works(harness: Harness) -> None:
    await programme(harness)
    assert "Enjoy your break" in text_of(await harness.say("zoe", "pause 3 days"))
    assert "Welcome back" in text_of(await harness.say("zoe", "resume"))
