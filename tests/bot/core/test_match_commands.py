"""Matching from the chat: `mentors`, `match suggest | accept | redo | show | capacity`, and the pairing
history `pair` and `unpair` keep (admins only)."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import col, select

from bot.console.channel import console_key
from storage import activity, keys
from storage.enums import AuditOutcome, DeliveryKind, PairingSource, PersonRole, ProposalStatus
from storage.models import AuditLog, Delivery, MatchProposal, Mentorship, Pairing, Person
from tests.support.harness import Harness, notifications, text_of

PAIR_LINE = re.compile(r"^#(\d+): \*\*(\w+)\*\* mentors \*\*(\w+)\*\*", re.MULTILINE)


# --- helpers ----------------------------------------------------------------------------------------------


async def person(harness: Harness, name: str) -> Person:
    async with harness.services.db.transaction() as session:
        found = (await session.exec(select(Person).where(Person.key == console_key(name)))).first()
    assert found is not None, f"{name} is not in the database"
    return found


async def setup(harness: Harness, learners: str = "@bob @carol", mentors: str = "@mia @noah") -> None:
    """Cohort `pilot` with these learners, and these people named as mentors."""
    for command in (
        "cohort create pilot track first-steps start 2026-11-23",
        f"enroll pilot {learners}",
        f"mentors {mentors}",
    ):
        text = await harness.text("root", command)
        assert "Usage" not in text and "Sorry" not in text, text


async def update(harness: Harness, name: str, **values: Any) -> None:
    """Set what a people import or a profile would (manager, department, language, zone)."""
    if "manager" in values:
        values["manager_id"] = (await person(harness, values.pop("manager"))).id
    async with harness.services.db.transaction() as session:
        found = (await session.exec(select(Person).where(Person.key == console_key(name)))).first()
        assert found is not None
        for field, value in values.items():
            setattr(found, field, value)
        session.add(found)


def pairs_of(text: str) -> dict[str, str]:
    """learner -> mentor, from the lines of a proposed round."""
    return {learner: mentor for _, mentor, learner in PAIR_LINE.findall(text)}


def numbers_of(text: str) -> dict[str, int]:
    """learner -> the number of their proposed pair."""
    return {learner: int(number) for number, _, learner in PAIR_LINE.findall(text)}


async def mentor_of(harness: Harness, name: str) -> str | None:
    mentee = await person(harness, name)
    async with harness.services.db.transaction() as session:
        query = (
            select(Person.display_name)
            .join(Mentorship, col(Mentorship.mentor_id) == col(Person.id))
            .where(Mentorship.mentee_id == mentee.id)
        )
        return (await session.exec(query)).first()


async def proposals(harness: Harness) -> list[MatchProposal]:
    async with harness.services.db.transaction() as session:
        query = select(MatchProposal).order_by(col(MatchProposal.round), col(MatchProposal.number))
        return list(await session.exec(query))


async def match_deliveries(harness: Harness) -> list[tuple[str, str]]:
    """(person key, ledger key) of every matching message queued."""
    async with harness.services.db.transaction() as session:
        query = (
            select(Person.key, Delivery.dedupe_key)
            .join(Person, col(Person.id) == col(Delivery.person_id))
            .where(Delivery.kind == DeliveryKind.MATCH)
            .order_by(col(Delivery.id))
        )
        return [(str(key), str(dedupe)) for key, dedupe in await session.exec(query)]


async def without_audit(harness: Harness) -> dict[str, list[tuple[Any, ...]]]:
    return {name: rows for name, rows in (await harness.snapshot()).items() if name != "auditlog"}


# --- a round, accepted whole ------------------------------------------------------------------------------


async def test_suggest_then_accept_all_pairs_everyone_and_tells_both_sides(harness: Harness) -> None:
    await setup(harness)
    await update(harness, "bob", department="Sales")
    await update(harness, "mia", department="Sales")
    await update(harness, "noah", department="IT")
    await update(harness, "carol", department="IT")
    text = await harness.text("root", "match suggest pilot")
    assert "Proposed for `pilot` (learners without a mentor: 2):" in text
    assert pairs_of(text) == {"bob": "noah", "carol": "mia"}, "a different department is preferred"
    assert "both speak English, different departments, 9 h of working hours in common" in text
    assert "`match accept pilot all`" in text and "`match redo pilot 1`" in text
    assert [p.status for p in await proposals(harness)] == [ProposalStatus.PROPOSED] * 2

    said = await harness.say("root", "match accept all")
    summary = text_of(said)
    assert "Paired in `pilot` (2); each side has been told:" in summary
    assert "**noah** mentors **bob**" in summary and "**mia** mentors **carol**" in summary
    assert (await mentor_of(harness, "bob"), await mentor_of(harness, "carol")) == ("noah", "mia")
    assert [p.status for p in await proposals(harness)] == [ProposalStatus.ACCEPTED] * 2
    to_bob = text_of(notifications(said, console_key("bob")))
    to_noah = text_of(notifications(said, console_key("noah")))
    assert "**noah** is now your mentor in the programme `pilot`" in to_bob
    assert "you are now **bob**’s mentor in the programme `pilot`" in to_noah
    assert "Pick 1 to 3 goals" in to_bob and "Protect my accounts" in to_bob, "the learner picks goals"
    assert "the mentor’s guide" in to_noah, "a first mentee enrolls the mentor in the guide"
    rows = await proposals(harness)
    ids = {p.learner_id: p.id or 0 for p in rows}
    bob, noah = await person(harness, "bob"), await person(harness, "noah")
    assert (
        console_key("bob"),
        keys.match_notice_key(ids[bob.id or 0], bob.id or 0),
    ) in await match_deliveries(harness)
    assert (
        console_key("noah"),
        keys.match_notice_key(ids[bob.id or 0], noah.id or 0),
    ) in await match_deliveries(harness)
    assert len(await match_deliveries(harness)) == 4
    async with harness.services.db.transaction() as session:
        history = list(await session.exec(select(Pairing).order_by(col(Pairing.id))))
    assert [(p.source, p.started_at, p.ended_at) for p in history] == [
        (PairingSource.MATCH, harness.clock.now, None)
    ] * 2
    entries = [e for e in await audits(harness) if e.action == "match.accept"]
    assert entries and entries[0].args["pairs"] == [
        [console_key("noah"), console_key("bob")],
        [console_key("mia"), console_key("carol")],
    ]


async def audits(harness: Harness, actor: str = "root") -> list[AuditLog]:
    async with harness.services.db.transaction() as session:
        return await activity.audit_entries(session, actor_key=console_key(actor))


# --- the hard rules -----------------------------------------------------------------------------------------


async def test_no_mentor_in_the_reporting_line_even_three_levels_away(harness: Harness) -> None:
    """mia manages ann, who manages ben, who manages bob: mia is three levels above bob. carol manages
    noah's manager's manager: carol is above noah, three levels up."""
    await setup(harness, learners="@bob @carol")
    for name, manager in (("ann", "mia"), ("ben", "ann"), ("bob", "ben")):
        await harness.say(name, "settings")
        await update(harness, name, manager=manager)
    for name, manager in (("kim", "carol"), ("lou", "kim"), ("noah", "lou")):
        await harness.say(name, "settings")
        await update(harness, name, manager=manager)
    text = await harness.text("root", "match suggest pilot")
    assert pairs_of(text) == {"bob": "noah", "carol": "mia"}
    await harness.say("root", "match redo")  # refuses both: nobody is left outside their lines
    rows = await proposals(harness)
    assert [p.status for p in rows[:2]] == [ProposalStatus.REFUSED] * 2
    latest = await harness.text("root", "match show pilot")
    assert pairs_of(latest) == {}
    assert (
        "- **bob**: every English-speaking mentor is in their reporting line, has mentored them before"
        in latest
    )
    assert "`mentors @people…` names more mentors." in latest
    assert "No pair could be proposed this time." in latest


async def test_capacity_counts_current_mentees_and_says_who_is_left(harness: Harness) -> None:
    await setup(harness, learners="@bob @carol @dave @erin", mentors="@mia")
    await harness.say("root", "pair @mia @erin")  # one place of two taken
    text = await harness.text("root", "match suggest pilot")
    assert len(pairs_of(text)) == 1 and set(pairs_of(text).values()) == {"mia"}
    assert text.count("no English-speaking mentor left: those who fit are full") == 2
    assert "`match capacity <@mentor> 3` lets a mentor take more mentees." in text

    assert "**mia**’s capacity is now 3 (mentees now: 1)." in await harness.text(
        "root", "match capacity @mia 3"
    )
    assert len(pairs_of(await harness.text("root", "match suggest pilot"))) == 2
    assert "**mia** gets no new mentee from matching" in await harness.text("root", "match capacity @mia 0")
    zero = await harness.text("root", "match suggest pilot")
    assert pairs_of(zero) == {} and zero.count("those who fit are full") == 3
    listing = await harness.text("root", "mentors")
    assert "- **mia**: 1 of 0 mentees (full)" in listing


async def test_capacity_is_checked(harness: Harness) -> None:
    await setup(harness)
    for value in ("11", "-1", "two", "2.5"):
        text = await harness.text("root", f"match capacity @mia {value}")
        assert "is not a capacity: give a whole number of mentees from 0 to 10" in text, text
    usage = await harness.text("root", "match capacity @mia")
    assert "Name one mentor and a number" in usage and "Usage: `match suggest <cohort>" in usage
    assert "not a mentor yet" in await harness.text("root", "match capacity @zoe 2")
    assert (await person(harness, "mia")).mentor_capacity is None


async def test_a_shared_language_is_required(harness: Harness) -> None:
    await setup(harness, learners="@bob @carol", mentors="@mia @lea")
    await update(harness, "carol", lang="fr")
    await update(harness, "lea", lang="fr")
    text = await harness.text("root", "match suggest pilot")
    assert pairs_of(text) == {"bob": "mia", "carol": "lea"}
    assert "both speak French" in text
    await harness.say("root", "match accept pilot 1")  # bob and mia; carol's proposal stays open
    await harness.say("root", "unpair @mia @bob")
    await update(harness, "lea", role=PersonRole.LEARNER)  # lea is no mentor any more
    await harness.say("root", "lang fr")
    french = await harness.text("root", "jumelage proposer pilot")
    assert "aucun mentor francophone" in french, french
    assert "- **bob**\u202f: chaque mentor anglophone est dans sa ligne hiérarchique" in french, (
        "mia mentored bob"
    )
    assert "`mentors @personnes…` désigne d’autres mentors." in french


async def test_a_pair_that_existed_before_is_never_proposed_again(harness: Harness) -> None:
    await setup(harness, learners="@bob", mentors="@mia @noah")
    await harness.say("root", "pair @mia @bob")
    await harness.say("root", "unpair @mia @bob")
    for _ in range(3):
        text = await harness.text("root", "match suggest pilot")
        assert pairs_of(text) == {"bob": "noah"}
    await harness.say("root", "match redo")
    again = await harness.text("root", "match show")
    assert "every English-speaking mentor is in their reporting line, has mentored them before" in again
    async with harness.services.db.transaction() as session:
        history = list(await session.exec(select(Pairing)))
    assert len(history) == 1 and history[0].ended_at == harness.clock.now and history[0].source == "manual"


# --- accepting some, redoing ----------------------------------------------------------------------------------


async def test_accept_some_leaves_the_others_proposed_and_redo_refuses_them(harness: Harness) -> None:
    await setup(harness, learners="@bob @carol @dave", mentors="@mia @noah @lea")
    first = await harness.text("root", "match suggest pilot")
    numbers = numbers_of(first)
    proposed = pairs_of(first)
    assert set(numbers) == {"bob", "carol", "dave"}
    said = await harness.say("root", f"match accept {numbers['carol']}")
    summary = text_of(said)
    rest = sorted(n for who, n in numbers.items() if who != "carol")
    assert (
        f"Still proposed: {rest[0]} {rest[1]}. Accept them with `match accept pilot {rest[0]} {rest[1]}`"
        in summary
    )
    assert {note.person_key for note in said.notes} == {console_key("carol"), console_key(proposed["carol"])}
    assert await mentor_of(harness, "carol") == proposed["carol"]
    assert f"Pair #{numbers['carol']} is decided already (accepted)" in await harness.text(
        "root", f"match accept {numbers['carol']}"
    )

    redo = await harness.text("root", f"match redo {numbers['bob']}")
    assert "learners without a mentor: 2" in redo
    assert pairs_of(redo).get("bob") != proposed["bob"], "a refused pair is not proposed again"
    assert set(pairs_of(redo)) == {"bob", "dave"}
    statuses = {(p.round, p.number): p.status for p in await proposals(harness)}
    assert statuses[(1, numbers["bob"])] == ProposalStatus.REFUSED
    assert statuses[(1, numbers["dave"])] == ProposalStatus.REPLACED
    assert statuses[(1, numbers["carol"])] == ProposalStatus.ACCEPTED
    # refused pairs stay out of every later round of the cohort
    for _ in range(2):
        later = await harness.text("root", "match suggest pilot")
        assert pairs_of(later).get("bob") != proposed["bob"]

    await harness.say("root", "match accept all")
    assert await mentor_of(harness, "bob") is not None and await mentor_of(harness, "dave") is not None
    assert "No proposal is waiting for a decision." in await harness.text("root", "match accept all")
    for command in ("match accept pilot all", "match accept pilot 1"):
        assert "The last proposals for `pilot` are all decided." in await harness.text("root", command)
    assert "Every active learner of `pilot` has a mentor already" in await harness.text(
        "root", "match redo pilot"
    )


async def test_a_learner_paired_meanwhile_is_left_out(harness: Harness) -> None:
    await setup(harness)
    first = await harness.text("root", "match suggest pilot")
    numbers, proposed = numbers_of(first), pairs_of(first)
    await harness.say("root", "pair @zoe @bob")
    said = await harness.say("root", "match accept all")
    text = text_of(said)
    assert f"#{numbers['bob']}: **bob** has a mentor already (**zoe**): left out." in text
    assert "Paired in `pilot` (1)" in text
    assert await mentor_of(harness, "bob") == "zoe"
    matched = {note.person_key for note in said.notes if note.kind == DeliveryKind.MATCH}
    assert matched == {console_key("carol"), console_key(proposed["carol"])}
    statuses = {p.number: p.status for p in await proposals(harness)}
    assert statuses[numbers["bob"]] == ProposalStatus.REPLACED


async def test_a_new_suggest_replaces_the_undecided_round(harness: Harness) -> None:
    await setup(harness)
    await harness.say("root", "match suggest pilot")
    await harness.say("root", "match suggest pilot")
    assert [(p.round, p.status) for p in await proposals(harness)] == [
        (1, ProposalStatus.REPLACED),
        (1, ProposalStatus.REPLACED),
        (2, ProposalStatus.PROPOSED),
        (2, ProposalStatus.PROPOSED),
    ]
    shown = await harness.text("root", "match show")
    assert len(pairs_of(shown)) == 2 and "· replaced" not in shown


async def test_mentors_given_with_the_suggestion(harness: Harness) -> None:
    """`mentors <cohort | @people…>` after the cohort draws this round's mentors from them only."""
    await setup(harness, learners="@bob @carol")
    await harness.say("root", "cohort create juniors track first-steps start 2026-11-23")
    await harness.say("root", "enroll juniors @lea @tom")
    by_cohort = await harness.text("root", "match suggest pilot mentors juniors")
    assert set(pairs_of(by_cohort).values()) <= {"lea", "tom"} and len(pairs_of(by_cohort)) == 2
    assert "name them again in `match redo`" in by_cohort
    by_people = await harness.text("root", "match suggest pilot mentors @tom")
    assert set(pairs_of(by_people).values()) == {"tom"} and len(pairs_of(by_people)) == 2
    assert "After `mentors`, name one cohort or some people" in await harness.text(
        "root", "match suggest pilot mentors"
    )
    assert "There is no cohort called `nowhere`" in await harness.text(
        "root", "match suggest pilot mentors nowhere"
    )


# --- long rounds stay one line per pair ---------------------------------------------------------------------


async def test_a_long_round_keeps_one_line_per_pair(harness: Harness) -> None:
    learners = " ".join(f"@l{n:02d}" for n in range(30))
    mentors = " ".join(f"@m{n:02d}" for n in range(12))
    await setup(harness, learners=learners, mentors=mentors)
    text = await harness.text("root", "match suggest pilot")
    lines = [line for line in text.splitlines() if line.startswith("#")]
    assert len(lines) == 24 and [int(PAIR_LINE.match(line).group(1)) for line in lines] == list(range(1, 25))  # type: ignore[union-attr]
    assert text.count("no English-speaking mentor left") == 6
    assert "learners without a mentor: 30" in text


# --- mistakes ------------------------------------------------------------------------------------------------


async def test_mistakes_are_explained_and_change_nothing(harness: Harness) -> None:
    await setup(harness)
    before = await without_audit(harness)
    cases = {
        "match suggest nowhere": "There is no cohort called `nowhere`",
        "match suggest": "Usage: `match suggest <cohort>",
        "match frobnicate": "Usage: `match suggest <cohort>",
        "match accept all": "No proposal is waiting for a decision. Start with `match suggest <cohort>`.",
        "match accept pilot all": "`pilot` has had no proposals yet.",
        "match redo pilot": "`pilot` has had no proposals yet.",
        "mentors bob": "Usage: `mentors [@people…]`",
    }
    for command, expected in cases.items():
        text = await harness.text("root", command)
        assert expected in text, (command, text)
    assert await without_audit(harness) == before

    await harness.say("root", "match suggest pilot")
    before = await without_audit(harness)
    for command, expected in {
        "match accept": "Say which pairs: `all`, or their numbers",
        "match accept 7": "`7` is not the number of a proposed pair: this round’s pairs go from 1 to 2.",
        "match accept 1 x": "`x` is not the number of a proposed pair",
        "match accept 0": "`0` is not the number of a proposed pair",
        "match accept 2-1": "`2-1` is not the number of a proposed pair",
        "match redo 5": "`5` is not the number of a proposed pair",
    }.items():
        text = await harness.text("root", command)
        assert expected in text, (command, text)
    assert await without_audit(harness) == before


async def test_no_learner_or_no_mentor_is_a_clear_message(harness: Harness) -> None:
    await harness.say("root", "cohort create pilot track first-steps start 2026-11-23")
    await harness.say("root", "enroll pilot @bob")
    assert "There are no mentors to draw from." in await harness.text("root", "match suggest pilot")
    await harness.say("root", "pair @mia @bob")
    assert "Every active learner of `pilot` has a mentor already" in await harness.text(
        "root", "match suggest pilot"
    )
    assert await proposals(harness) == []


async def test_several_open_cohorts_must_be_named(harness: Harness) -> None:
    await setup(harness)
    await harness.say("root", "cohort create other track first-steps start 2026-11-23")
    await harness.say("root", "enroll other @dave")
    await harness.say("root", "match suggest pilot")
    await harness.say("root", "match suggest other")
    text = await harness.text("root", "match accept all")
    assert "Several cohorts have proposals waiting (`other`, `pilot`)" in text
    assert "Paired in `other` (1)" in await harness.text("root", "match accept other all")
    assert "Paired in `pilot` (2)" in await harness.text("root", "match accept all")


# --- roles ------------------------------------------------------------------------------------------------------


async def test_only_admins_match(harness: Harness) -> None:
    await setup(harness)
    await harness.say("root", "pair @mia @dave")  # mia is a mentor: still not an admin
    for name, command in (
        ("bob", "match suggest pilot"),
        ("mia", "mentors"),
        ("mia", "match capacity @mia 5"),
    ):
        before = await without_audit(harness)
        text = await harness.text(name, command)
        assert "is for programme admins" in text, text
        assert await without_audit(harness) == before
        refusals = [e for e in await audits(harness, name) if e.outcome == AuditOutcome.REFUSED]
        assert refusals and refusals[-1].action == command.split()[0]


# --- mentors ----------------------------------------------------------------------------------------------------


async def test_mentors_lists_and_names_mentors(harness: Harness) -> None:
    assert "There are no mentors yet." in await harness.text("root", "mentors")
    added = await harness.text("root", "mentors @mia @noah")
    assert "Now mentors: **mia**, **noah**." in added
    again = await harness.text("root", "mentors @mia @lea")
    assert "Now mentors: **lea**." in again and "Already mentors: **mia**." in again
    await harness.say("root", "pair @zoe @bob")  # zoe mentors someone: she is a mentor too
    await harness.say("root", "match capacity @noah 1")
    listing = await harness.text("root", "mentors")
    assert listing.splitlines() == [
        "Mentors (4):",
        "- **lea**: 0 of 2 mentees",
        "- **mia**: 0 of 2 mentees",
        "- **noah**: 0 of 1 mentees",
        "- **zoe**: 1 of 2 mentees",
    ]
    assert (await person(harness, "mia")).role == PersonRole.MENTOR
    assert next(e.args for e in await audits(harness) if e.action == "mentors") == {
        "people": [console_key("mia"), console_key("noah")]
    }


# --- pair and unpair keep the history -----------------------------------------------------------------------------


async def test_pair_and_unpair_keep_the_history(harness: Harness) -> None:
    await setup(harness, learners="@bob", mentors="@mia")
    start = harness.clock.now
    await harness.say("root", "pair @mia @bob")
    harness.clock.advance(days=7)
    await harness.say("root", "pair @noah @bob")  # noah in mia's place
    harness.clock.advance(days=7)
    await harness.say("root", "unpair @noah @bob")
    async with harness.services.db.transaction() as session:
        history = [
            (p.mentor_id, p.source, p.started_at, p.ended_at)
            for p in await session.exec(select(Pairing).order_by(col(Pairing.id)))
        ]
    mia, noah = (await person(harness, "mia")).id, (await person(harness, "noah")).id
    middle = start + (harness.clock.now - start) / 2
    assert history == [(mia, "manual", start, middle), (noah, "manual", middle, harness.clock.now)]
    text = await harness.text("root", "match suggest pilot")
    assert pairs_of(text) == {}, "both pairs existed before"


# --- the goals prompt and the mentor's guide at pairing ----------------------------------------------------


async def test_goals_prompt_and_mentor_guide_come_once(harness: Harness) -> None:
    """The learner is asked for goals while they have none; the mentor's guide comes with the first
    mentee only, whether the pair is made by `pair` or by `match accept`."""
    await setup(harness, learners="@bob @carol @dave", mentors="@mia")
    said = await harness.say("root", "pair @mia @bob")
    assert "the mentor’s guide" in text_of(notifications(said, console_key("mia")))
    to_bob = notifications(said, console_key("bob"))
    assert "Pick 1 to 3 goals" in text_of(to_bob)
    assert any(button.action == "goals.pick" for reply in to_bob for button in getattr(reply, "buttons", ()))
    await harness.press("carol", "goals.pick", "protect-my-accounts")  # carol has a goal already

    await harness.say("root", "match capacity @mia 3")
    numbers = numbers_of(await harness.text("root", "match suggest pilot"))
    accepted = await harness.say("root", "match accept all")
    assert set(numbers) == {"carol", "dave"}
    assert "the mentor’s guide" not in text_of(notifications(accepted, console_key("mia")))
    assert "Pick 1 to 3 goals" not in text_of(notifications(accepted, console_key("carol")))
    assert "Pick 1 to 3 goals" in text_of(notifications(accepted, console_key("dave")))


async def test_a_french_learner_is_told_in_french(harness: Harness) -> None:
    await setup(harness, learners="@lea", mentors="@mia")
    await update(harness, "lea", lang="fr")
    await update(harness, "mia", lang="fr")
    await harness.say("root", "match suggest pilot")
    said = await harness.say("root", "match accept all")
    to_lea = text_of(notifications(said, console_key("lea")))
    assert "**mia** est maintenant votre mentor dans le programme `pilot`" in to_lea
    assert "Choisissez 1 à 3 objectifs" in to_lea
