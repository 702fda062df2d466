"""Commitments a week later: the follow-up (in the person's language, three buttons, written once, due a
week after), the answers (the owner's only, the last one counts, a warm word for each), "I need help"
reaching the mentor or else the workshop's host, and `progress` showing what is still to do."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.core import commitments, outbox
from bot.core.errors import UserError
from bot.core.replies import Button, Notify, Text
from storage import commitments as stored
from storage import keys, people, workshops
from storage.defaults import QUIET_HOURS
from storage.enums import CommitmentSource, CommitmentStatus, DeliveryKind, DeliveryStatus
from storage.models import Commitment, Delivery, InboxMessage, Person
from tests.support.harness import Harness, text_of

LONDON = ZoneInfo("Europe/London")

WEEK = dt.timedelta(days=7)
TWO_STEP = "Turn on two-step verification on my email"


async def setup(harness: Harness) -> None:
    """Cohort pilot: bob (mentored by mia), carol (reads French, mentored by mia), dan (no mentor); noah
    mentors erin."""
    for command in (
        "cohort create pilot track first-steps start 2026-11-23",
        "enroll pilot @bob @carol @dan",
        "pair @mia @bob",
        "pair @mia @carol",
        "pair @noah @erin",
    ):
        await harness.say("root", command)
    await harness.say("carol", "langue fr")


async def person(harness: Harness, name: str) -> Person:
    async with harness.services.db.transaction() as session:
        found = await people.get_person(session, key=f"console:{name}")
        assert found is not None
        return found


async def noahs_workshop(harness: Harness) -> int:
    noah = await person(harness, "noah")
    async with harness.services.db.transaction() as session:
        made = await workshops.create_workshop(
            session,
            title="Safer *passwords*",
            host_id=noah.id or 0,
            planned_by_id=noah.id,
            starts_at=harness.clock.now,
            minutes=45,
            lessons=["strong-passwords", "two-factor-authentication"],
            plan=[],
            lang="en",
            now=harness.clock.now,
        )
        return made.id or 0


async def commit(
    harness: Harness,
    name: str,
    text: str = TWO_STEP,
    *,
    workshop_id: int | None = None,
    source: str = CommitmentSource.WORKSHOP,
    zone: ZoneInfo = LONDON,
) -> tuple[Commitment, Notify]:
    """`name` commits to `text`, the way the workshop engine does it: the commitment kept and its
    follow-up queued in the same transaction."""
    who = await person(harness, name)
    now = harness.clock.now
    async with harness.services.db.transaction() as session:
        made, note = await commitments.commit(
            session, person=who, text=text, source=source, now=now, zone=zone, workshop_id=workshop_id
        )
        await outbox.post(session, sender=who, replies=[note], lang=who.lang, now=now)
    return made, note


async def follow_ups(harness: Harness, name: str) -> list[Text]:
    """The follow-ups that reached `name` (their console inbox)."""
    who = await person(harness, name)
    async with harness.services.db.transaction() as session:
        found = await session.exec(select(InboxMessage).where(InboxMessage.person_id == who.id))
        messages = sorted(found, key=lambda m: m.id or 0)
    return [
        Text(m.payload["markdown"], tuple(_button(b) for b in m.payload.get("buttons", [])))
        for m in messages
        if any(b["action"] == commitments.ANSWER_ACTION for b in m.payload.get("buttons", []))
    ]


def _button(raw: dict[str, str]) -> Button:
    return Button(raw["label"], raw["action"], raw["value"])


def plain(text: str) -> str:
    """French text with its no-break spaces as plain ones, to compare with what a test writes."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


async def status_of(harness: Harness, commitment_id: int) -> str:
    async with harness.services.db.transaction() as session:
        [found] = list(await session.exec(select(Commitment).where(Commitment.id == commitment_id)))
        return found.status


# --- the follow-up ------------------------------------------------------------------------------------------


async def test_the_follow_up_comes_a_week_later_in_the_persons_language(harness: Harness) -> None:
    await setup(harness)
    made, note = await commit(harness, "bob")
    bob = await person(harness, "bob")
    assert (note.kind, note.key, note.at, note.person_id, note.batch) == (
        DeliveryKind.COMMITMENT,
        keys.commitment_follow_up_key(made.id or 0),
        harness.clock.now + WEEK,
        bob.id,
        commitments.FOLLOW_UPS,
    )
    [text] = note.replies
    assert isinstance(text, Text)
    assert text.markdown == f"A week ago you chose: “{TWO_STEP}”. How did it go?"
    assert [(b.label, b.action, b.value) for b in text.buttons] == [
        ("Done", "commitment.answer", f"{made.id}:done"),
        ("Not yet", "commitment.answer", f"{made.id}:not_yet"),
        ("I need help", "commitment.answer", f"{made.id}:need_help"),
    ]

    harness.clock.advance(days=6)
    await harness.app.deliver_now()
    assert await follow_ups(harness, "bob") == [], "not before the week is out"
    harness.clock.advance(days=1)
    await harness.app.deliver_now()
    [delivered] = await follow_ups(harness, "bob")
    assert delivered.markdown == text.markdown and len(delivered.buttons) == 3

    _, french = await commit(harness, "carol", "Vérifier mes *réglages* @channel")
    [texte] = french.replies
    assert isinstance(texte, Text)
    assert texte.markdown.startswith("Il y a une semaine, vous avez choisi")
    assert "Vérifier mes \\*réglages\\* @\u2060channel" in texte.markdown, "neutralised, notifies nobody"
    assert [b.label for b in texte.buttons] == ["C’est fait", "Pas encore", "J’ai besoin d’aide"]


async def test_a_follow_up_is_written_once(harness: Harness) -> None:
    await setup(harness)
    made, note = await commit(harness, "bob")
    bob = await person(harness, "bob")
    async with harness.services.db.transaction() as session:  # the same follow-up queued again
        await outbox.post(session, sender=bob, replies=[note], lang="en", now=harness.clock.now)
    async with harness.services.db.transaction() as session:
        found = list(await session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.COMMITMENT)))
    assert [(d.dedupe_key, d.status) for d in found] == [
        (keys.commitment_follow_up_key(made.id or 0), DeliveryStatus.PENDING)
    ]


async def test_what_a_commitment_may_say(harness: Harness) -> None:
    await setup(harness)
    made, _ = await commit(harness, "bob", "  Post once\n a week\x1b[2J  ")
    assert made.text == "Post once a week[2J", "cleaned: no control characters, on one line"
    with pytest.raises(UserError) as too_long:
        await commit(harness, "bob", "x" * (stored.TEXT_CHARS + 1))
    assert (too_long.value.key, too_long.value.values) == (
        "commitment.too_long",
        {"length": stored.TEXT_CHARS + 1, "limit": stored.TEXT_CHARS},
    )
    with pytest.raises(UserError) as empty:
        await commit(harness, "bob", " \n ")
    assert empty.value.key == "commitment.empty"
    assert (await commit(harness, "bob", "y" * stored.TEXT_CHARS))[0].text == "y" * stored.TEXT_CHARS


# --- the answers --------------------------------------------------------------------------------------------


async def test_each_answer_gets_a_warm_word_and_the_last_one_counts(harness: Harness) -> None:
    await setup(harness)
    made, _ = await commit(harness, "bob")
    harness.clock.advance(days=7)

    not_yet = await harness.press("bob", "commitment.answer", f"{made.id}:not_yet")
    [reply] = not_yet
    assert isinstance(reply, Text) and reply.replaces
    assert f"“{TWO_STEP}”: not yet, and that’s fine" in reply.markdown
    assert [(b.label, b.value) for b in reply.buttons] == [("Done", f"{made.id}:done")]
    assert await status_of(harness, made.id or 0) == CommitmentStatus.NOT_YET
    assert not_yet.notes == []

    done = await harness.press("bob", "commitment.answer", f"{made.id}:done")
    [reply] = done
    assert isinstance(reply, Text) and reply.replaces and not reply.buttons
    assert f"“{TWO_STEP}”: done. Well done" in reply.markdown
    assert await status_of(harness, made.id or 0) == CommitmentStatus.DONE

    made_fr, _ = await commit(harness, "carol", "Activer la double authentification")
    reponse = plain(text_of(await harness.press("carol", "commitment.answer", f"{made_fr.id}:done")))
    assert reponse.startswith("« Activer la double authentification »") and "Bravo" in reponse


async def test_only_the_owner_answers_and_a_stale_button_says_so(harness: Harness) -> None:
    await setup(harness)
    made, _ = await commit(harness, "bob")
    stale = "That button has expired."
    for name, value in (
        ("dan", f"{made.id}:done"),  # someone else's follow-up (forwarded, or a guessed id)
        ("bob", f"{(made.id or 0) + 50}:done"),  # no such commitment
        ("bob", f"{made.id}:open"),  # not an answer the buttons give
        ("bob", "nonsense"),
    ):
        said = await harness.press(name, "commitment.answer", value)
        assert stale in text_of(said), (name, value)
        assert said.notes == []
    assert await status_of(harness, made.id or 0) == CommitmentStatus.OPEN


async def test_need_help_tells_the_mentor_once(harness: Harness) -> None:
    await setup(harness)
    workshop_id = await noahs_workshop(harness)
    made, _ = await commit(harness, "bob", workshop_id=workshop_id)
    harness.clock.advance(days=7)

    said = await harness.press("bob", "commitment.answer", f"{made.id}:need_help")
    [reply] = said
    assert isinstance(reply, Text) and reply.replaces
    assert "I’ve told your mentor, **mia**, who will get in touch" in reply.markdown
    assert "`mentor <your question>`" in reply.markdown
    [note] = said.notes
    assert note.person_key == "console:mia" and note.kind == DeliveryKind.NOTICE
    [told] = note.replies
    assert isinstance(told, Text)
    assert told.markdown.startswith("**bob** would like a hand with what they chose to do a week ago in the")
    assert "workshop **Safer \\*passwords\\***" in told.markdown and f"“{TWO_STEP}”" in told.markdown
    assert "write to them directly" in told.markdown
    assert await status_of(harness, made.id or 0) == CommitmentStatus.NEED_HELP

    again = await harness.press("bob", "commitment.answer", f"{made.id}:need_help")
    assert "I’ve told your mentor" in text_of(again) and again.notes == [], "mia is told once"

    made_fr, _ = await commit(harness, "carol", "Activer la double authentification")
    said = await harness.press("carol", "commitment.answer", f"{made_fr.id}:need_help")
    assert "J’ai prévenu votre mentor, **mia**" in plain(text_of(said))
    [note] = said.notes
    [told] = note.replies
    assert isinstance(told, Text) and told.markdown.startswith(
        "**carol** would like a hand"
    )  # mia reads English


async def test_need_help_without_a_mentor_tells_the_workshops_host(harness: Harness) -> None:
    await setup(harness)
    workshop_id = await noahs_workshop(harness)
    made, _ = await commit(harness, "dan", workshop_id=workshop_id)
    said = await harness.press("dan", "commitment.answer", f"{made.id}:need_help")
    assert "I’ve told **noah**, who ran the workshop" in text_of(said)
    [note] = said.notes
    assert note.person_key == "console:noah"
    [told] = note.replies
    assert isinstance(told, Text)
    assert "**dan**, who took part in your workshop **Safer \\*passwords\\***" in told.markdown
    assert "They have no mentor yet" in told.markdown and "write to them directly" in told.markdown


async def test_need_help_with_nobody_to_tell_says_where_to_ask(harness: Harness) -> None:
    await setup(harness)
    made, _ = await commit(harness, "dan", source=CommitmentSource.MEETING)
    said = await harness.press("dan", "commitment.answer", f"{made.id}:need_help")
    shown = text_of(said)
    assert "`ask <your question>`" in shown and "`mentor <your question>`" in shown
    assert said.notes == []
    # A workshop whose host is the person themselves (or gone) is no one to tell either.
    noah = await person(harness, "noah")
    workshop_id = await noahs_workshop(harness)
    async with harness.services.db.transaction() as session:
        own, _ = await commitments.commit(
            session,
            person=noah,
            text="Run a second workshop",
            source=CommitmentSource.WORKSHOP,
            now=harness.clock.now,
            zone=LONDON,
            workshop_id=workshop_id,
        )
    said = await harness.press("noah", "commitment.answer", f"{own.id}:need_help")
    assert "`ask <your question>`" in text_of(said) and said.notes == []


# --- progress -----------------------------------------------------------------------------------------------


async def test_progress_shows_the_commitment_still_to_do_and_those_kept(harness: Harness) -> None:
    await setup(harness)
    assert "commitment" not in (await harness.text("bob", "progress")).lower()
    first, _ = await commit(harness, "bob", "Check my privacy settings")
    harness.clock.advance(days=1)
    await commit(harness, "bob")
    shown = await harness.text("bob", "progress")
    assert f"Your commitment: “{TWO_STEP}” (follow-up on Tuesday 1 December 2026)." in shown
    await harness.press("bob", "commitment.answer", f"{first.id}:done")
    shown = await harness.text("bob", "progress")
    assert (
        f"Your commitment: “{TWO_STEP}” (follow-up on Tuesday 1 December 2026). Commitments kept: 1." in shown
    )
    bob = await person(harness, "bob")
    async with harness.services.db.transaction() as session:
        for made in await stored.commitments_of(session, person_id=bob.id or 0):
            await stored.answer_commitment(
                session,
                commitment_id=made.id or 0,
                person_id=made.person_id,
                status=CommitmentStatus.DONE,
                at=harness.clock.now,
            )
    assert "Commitments kept: 2." in await harness.text("bob", "progress")
    assert "Your commitment" not in await harness.text("bob", "progress")
    await commit(harness, "carol", "Activer la double authentification")
    assert (
        "Votre engagement : « Activer la double authentification » (je vous en reparle le mardi 1er "
        "décembre 2026)" in plain(await harness.text("carol", "progrès"))
    )
    # Once the follow-up day has passed, there is no day to announce: the commitment is still to do.
    await commit(harness, "bob", "Follow three people in my sector")
    harness.clock.advance(days=8)
    shown = await harness.text("bob", "progress")
    assert "Your commitment: “Follow three people in my sector” (not done yet). Commitments kept: 2." in shown


async def test_a_follow_up_never_comes_in_the_persons_quiet_hours(harness: Harness) -> None:
    """A commitment made late in the evening is followed up a week later when the quiet hours end, in
    the person's own time zone, not in the middle of their night."""
    await setup(harness)
    paris = ZoneInfo("Europe/Paris")
    evening = dt.datetime(2026, 3, 10, 21, 30, tzinfo=dt.UTC)  # 22:30 in Paris: quiet hours
    harness.clock.now = evening
    made, note = await commit(harness, "dan", zone=paris)
    end = QUIET_HOURS[1]
    expected = dt.datetime.combine(dt.date(2026, 3, 18), end, paris).astimezone(dt.UTC)
    assert note.at == made.follow_up_at
    assert made.follow_up_at == expected
    daytime = dt.datetime(2026, 3, 10, 11, 0, tzinfo=dt.UTC)
    harness.clock.now = daytime
    made, _ = await commit(harness, "dan", "Follow three people in my sector", zone=paris)
    assert made.follow_up_at is not None
    assert made.follow_up_at.replace(tzinfo=dt.UTC) == daytime + dt.timedelta(days=7), (
        "a week later, to the minute"
    )
