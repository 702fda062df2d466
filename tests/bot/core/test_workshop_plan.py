"""Planning an express workshop: `workshop plan`, its audience and run-sheet, the invitations with their
calendar file, the answers, the reminders (quiet hours included), `workshop show|list|cancel`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlmodel import select

from bot.core.replies import File, Notify, Text
from bot.core.workshop.invites import RSVP_ACTION, reminder_moment
from storage import keys, people
from storage.enums import DeliveryStatus, Rsvp, WorkshopStatus
from storage.models import Delivery, Workshop, WorkshopSeat
from tests.support.harness import Harness, text_of

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
LINE = "workshop plan LinkedIn without fear with linkedin-profile linkedin-connections phishing-scams"
WHEN = "at 2026-11-26 12:30"  # Thursday, Paris time (11:30 UTC); the clock says Monday 23rd, 10:00 UTC


async def setup(harness: Harness) -> None:
    """Cohort pilot: bob, carol (reads French), dan; mia mentors bob and carol. Cohort other: erin,
    mentored by noah."""
    for command in (
        "cohort create pilot track first-steps start 2026-11-23",
        "enroll pilot @bob @carol @dan",
        "pair @mia @bob",
        "pair @mia @carol",
        "cohort create other track first-steps start 2026-11-23",
        "enroll other @erin",
        "pair @noah @erin",
    ):
        await harness.say("root", command)
    await harness.say("carol", "langue fr")


def notes_for(said: list[object], name: str) -> list[Notify]:
    return [note for note in getattr(said, "notes", []) if note.person_key == f"console:{name}"]


async def rows(harness: Harness) -> list[Delivery]:
    async with harness.services.db.transaction() as session:
        return list((await session.exec(select(Delivery).order_by(Delivery.id))).all())  # type: ignore[arg-type]


async def seats(harness: Harness) -> dict[int, str]:
    async with harness.services.db.transaction() as session:
        return {s.person_id: s.rsvp for s in (await session.exec(select(WorkshopSeat))).all()}


async def test_a_mentor_plans_for_their_mentees_in_a_cohort(harness: Harness) -> None:
    await setup(harness)
    said = await harness.say("mia", f"{LINE} for pilot {WHEN}")
    shown = text_of(said)
    assert "workshop #1" in shown and "2 invitations" in shown
    # The run-sheet: timed steps, the lesson's own opener, talking points, hands-on and quiz.
    assert "**0:00** Welcome (2 min)" in shown
    assert "ask the room" in shown and "The real risk" in shown and "Live quiz" in shown
    assert "**0:56** Closing (4 min)" in shown
    # Only mia's own mentees are invited; dan (no mentor) and erin (another cohort) are not.
    assert notes_for(said, "bob") and notes_for(said, "carol")
    assert not notes_for(said, "dan") and not notes_for(said, "erin")
    invite = notes_for(said, "bob")[0]
    text, ics = invite.replies
    assert isinstance(text, Text) and isinstance(ics, File)
    assert "mia" in text.markdown and "LinkedIn without fear" in text.markdown
    assert "Thursday 26 November 2026 at 12:30 (Europe/Paris)" in text.markdown
    assert [b.action for b in text.buttons] == [RSVP_ACTION, RSVP_ACTION]
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.datetime(2026, 11, 26, 11, 30, tzinfo=UTC)
    assert event.decoded("dtend") == dt.datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
    # Carol reads it in French.
    (carol_text, _) = notes_for(said, "carol")[0].replies
    assert isinstance(carol_text, Text) and "vous invite à un atelier express" in carol_text.markdown
    assert "jeudi 26 novembre 2026 à 12:30" in carol_text.markdown
    # Reminders wait in the ledger: the day before and 15 minutes before, given up once it starts.
    ledger = {row.dedupe_key: row for row in await rows(harness)}
    async with harness.services.db.transaction() as session:
        bob = await people.get_person(session, key="console:bob")
    assert bob is not None and bob.id is not None
    bob_id = bob.id
    day = ledger[keys.workshop_reminder_key(1, bob_id, "day")]
    soon = ledger[keys.workshop_reminder_key(1, bob_id, "soon")]
    assert day.due_at == dt.datetime(2026, 11, 25, 11, 30, tzinfo=UTC)
    assert soon.due_at == dt.datetime(2026, 11, 26, 11, 15, tzinfo=UTC)
    assert soon.expires_at == dt.datetime(2026, 11, 26, 11, 30, tzinfo=UTC)


async def test_an_admin_invites_the_whole_cohort_and_people_named(harness: Harness) -> None:
    await setup(harness)
    said = await harness.say("root", f"{LINE} for pilot @erin {WHEN} minutes 45")
    assert "4 invitations" in text_of(said)
    for name in ("bob", "carol", "dan", "erin"):
        assert notes_for(said, name), name


async def test_a_mentor_reaches_only_their_own_mentees_and_nothing_is_written(harness: Harness) -> None:
    await setup(harness)
    before = await harness.snapshot()
    refused = await harness.text("mia", f"{LINE} @bob @erin {WHEN}")
    assert "erin" in refused and "not one of your mentees" in refused
    refused = await harness.text("mia", f"{LINE} for other {WHEN}")
    assert "None of your mentees is in the cohort other" in refused
    after = await harness.snapshot()
    assert len(after.pop("auditlog")) == len(before.pop("auditlog")) + 2  # the refusals are audited
    assert after == before


async def test_a_mentor_without_a_mentee_yet_is_told_so_and_nothing_is_written(harness: Harness) -> None:
    """A mentor by role (`mentors @lea`) may plan, and is told there is nobody to invite yet, whoever she
    names; an admin who mentors nobody, mentor by role or not, still names whom to invite."""
    await setup(harness)
    await harness.say("root", "mentors @lea @root")
    before = await harness.snapshot()
    for audience in ("", "for pilot", "@bob"):
        said = await harness.say("lea", f"{LINE} {audience} {WHEN}")
        assert "You have no mentee to invite yet" in text_of(said) and not getattr(said, "notes", [])
    assert "Say whom to invite" in await harness.text("root", f"{LINE} {WHEN}")
    assert await harness.snapshot() == before


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f"{LINE} linkdin-profil {WHEN}",
            "I don’t know the lesson `linkdin-profil`. Did you mean `linkedin-profile`?",
        ),
        (f"{LINE} at 2026-11-20 12:30", "2026-11-20 12:30 (Europe/Paris) is already past"),
        (f"{LINE} {WHEN} minutes 200", "3 lessons can fill 78 minutes at most"),
        (f"{LINE} {WHEN} minutes 20", "3 lessons need at least 42 minutes"),
        (f"{LINE}", "Say when it starts"),
        (f"workshop plan with linkedin-profile x-basics {WHEN}", "Give the workshop a title"),
        (f"workshop plan Solo with linkedin-profile {WHEN}", "A workshop covers 2 to 4 lessons; you gave 1"),
    ],
)
async def test_bad_plans_get_their_reason_and_the_usage_line(
    harness: Harness, line: str, expected: str
) -> None:
    await setup(harness)
    before = await harness.snapshot()
    said = await harness.text("mia", line)
    assert expected in said
    assert "workshop plan <title> with" in said
    assert await harness.snapshot() == before


async def test_a_learner_cannot_plan_but_lists_their_invitations(harness: Harness) -> None:
    await setup(harness)
    assert "Mentors and admins plan workshops" in await harness.text("bob", f"{LINE} {WHEN}")
    await harness.say("mia", f"{LINE} {WHEN}")
    listed = await harness.text("bob", "workshop list")
    assert "#1 **LinkedIn without fear**" in listed and "with **mia**: no answer yet" in listed
    shown = await harness.text("bob", "workshop show 1")
    assert "LinkedIn without fear" in shown and "ask the room" not in shown  # the run-sheet is the mentor's
    assert "There is no workshop #1 for you" in await harness.text("dan", "workshop show 1")


async def test_a_track_takes_the_first_lessons_most_have_not_had(harness: Harness) -> None:
    await setup(harness)
    said = await harness.text("mia", f"workshop plan Start with first-steps {WHEN} minutes 60")
    # first-steps begins linkedin-profile, linkedin-visibility, strong-passwords: nobody has had them yet.
    async with harness.services.db.transaction() as session:
        workshop = (await session.exec(select(Workshop))).one()
    assert workshop.lessons == ["linkedin-profile", "linkedin-visibility", "strong-passwords"]
    assert "workshop #1" in said


async def test_answers_withdraw_and_restore_reminders(harness: Harness) -> None:
    await setup(harness)
    await harness.say("mia", f"{LINE} {WHEN}")
    pending = [
        r.dedupe_key for r in await rows(harness) if ":day:" in r.dedupe_key or ":soon:" in r.dedupe_key
    ]
    assert len(pending) == 4  # bob and carol, two each
    said = await harness.press("bob", RSVP_ACTION, f"1:{Rsvp.DECLINED}")
    assert "Noted" in text_of(said)
    keys_now = {r.dedupe_key for r in await rows(harness)}
    assert sum(1 for k in pending if k in keys_now) == 2
    said = await harness.press("bob", RSVP_ACTION, f"1:{Rsvp.COMING}")
    assert "See you on Thursday 26 November 2026 at 12:30" in text_of(said)
    keys_now = {r.dedupe_key for r in await rows(harness)}
    assert all(k in keys_now for k in pending)
    assert sorted((await seats(harness)).values()) == sorted([Rsvp.COMING, Rsvp.INVITED])
    # Someone not invited cannot answer for a seat.
    assert "not yours" in text_of(await harness.press("dan", RSVP_ACTION, f"1:{Rsvp.COMING}"))


async def test_cancel_tells_those_still_invited_and_withdraws_reminders(harness: Harness) -> None:
    await setup(harness)
    await harness.say("mia", f"{LINE} {WHEN}")
    await harness.press("carol", RSVP_ACTION, f"1:{Rsvp.DECLINED}")
    assert "Only its mentor" in await harness.text("bob", "workshop cancel 1")
    said = await harness.say("mia", "workshop cancel 1")
    assert "Workshop #1 is cancelled" in text_of(said) and "1 people" in text_of(said)
    told = [r for r in await rows(harness) if r.dedupe_key.startswith("ws-cancel:1:")]
    assert len(told) == 1 and told[0].status == DeliveryStatus.PENDING
    async with harness.services.db.transaction() as session:
        bob = await people.get_person(session, key="console:bob")
    assert bob is not None and told[0].person_id == bob.id
    (ics,) = [part for part in told[0].payload or [] if part.get("type") == "file"]
    assert "cancelled" in str(told[0].payload) and ics["name"].endswith(".ics")
    waiting = [r for r in await rows(harness) if r.dedupe_key.startswith(keys.workshop_key_prefix(1))]
    assert not [r for r in waiting if r.status == DeliveryStatus.PENDING]
    async with harness.services.db.transaction() as session:
        assert (await session.exec(select(Workshop))).one().status == WorkshopStatus.CANCELLED
    assert "cancelled" in text_of(await harness.press("bob", RSVP_ACTION, f"1:{Rsvp.COMING}"))


def test_a_reminder_in_quiet_hours_moves_to_their_end() -> None:
    starts = dt.datetime(2026, 11, 26, 8, 10, tzinfo=PARIS).astimezone(UTC)
    soon = starts - dt.timedelta(minutes=15)  # 07:55 Paris: quiet
    assert reminder_moment(soon, starts, PARIS) == dt.datetime(2026, 11, 26, 8, 0, tzinfo=PARIS)
    # Starting at 08:00 sharp there is no moment left before it: no reminder.
    starts = dt.datetime(2026, 11, 26, 8, 0, tzinfo=PARIS).astimezone(UTC)
    assert reminder_moment(starts - dt.timedelta(minutes=15), starts, PARIS) is None
    # A workshop that itself starts in quiet hours keeps its reminders' moments.
    starts = dt.datetime(2026, 11, 26, 21, 0, tzinfo=PARIS).astimezone(UTC)
    assert reminder_moment(starts - dt.timedelta(minutes=15), starts, PARIS) == starts - dt.timedelta(
        minutes=15
    )
