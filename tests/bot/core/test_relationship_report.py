"""`report`'s "Pairs and meetings" section: the cohort's pairs, the meetings held against those planned,
the pairs at risk (named), the goals chosen with how far their people are, the commitments kept; every
aggregate over fewer than 5 people held back as "too few to report", and nothing about another cohort.

The rows are written directly, as the matching, meeting and goal commands write them, with a controlled
clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

from storage.enums import CommitmentSource, CommitmentStatus, MeetingStatus
from storage.models import Commitment, Meeting, Pairing, PersonGoal, Rhythm
from tests.bot.core.test_goals import add, person
from tests.support.harness import Harness

LEARNERS = ("ana", "ben", "cy", "dee", "eli", "fay")
PROTECT, MARKET = "protect-my-accounts", "follow-my-market"


async def cohort_with_pairs(harness: Harness) -> dict[str, int]:
    """Two cohorts: six learners in `pilot`, paired with mia (three) and max (three); `other` holds one
    learner paired with mia, whose figures must never reach `pilot`'s report. Person ids by name."""
    await harness.say("root", "cohort create pilot track first-steps")
    await harness.say("root", "cohort create other track first-steps")
    await harness.say("root", "enroll pilot " + " ".join(f"@{name}" for name in LEARNERS))
    await harness.say("root", "enroll other @zed")
    for n, name in enumerate(LEARNERS):
        await harness.say("root", f"pair @{'mia' if n < 3 else 'max'} @{name}")
    await harness.say("root", "pair @mia @zed")
    return {name: (await person(harness, name)).id or 0 for name in (*LEARNERS, "zed", "mia", "max")}


async def pairing_of(harness: Harness, mentee_id: int) -> Pairing:
    from sqlmodel import col, select

    async with harness.services.db.transaction() as session:
        found = await session.exec(
            select(Pairing).where(col(Pairing.mentee_id) == mentee_id, col(Pairing.ended_at).is_(None))
        )
        return found.one()


async def meetings(harness: Harness, ids: dict[str, int], plan: dict[str, list[str]]) -> None:
    """Past meetings for each learner's pair, oldest first (`held` or `missed`), and a rhythm counting
    the misses in a row at the end."""
    now = harness.clock.now
    for name, outcomes in plan.items():
        pairing = await pairing_of(harness, ids[name])
        rows: list[Any] = []
        for n, outcome in enumerate(outcomes):
            rows.append(
                Meeting(
                    pairing_id=pairing.id or 0,
                    planned_at=now - dt.timedelta(weeks=2 * (len(outcomes) - n)),
                    status=outcome,
                    asked_at=now - dt.timedelta(weeks=2 * (len(outcomes) - n)),
                )
            )
        in_row = 0
        for outcome in reversed(outcomes):
            if outcome != MeetingStatus.MISSED:
                break
            in_row += 1
        rows.append(
            Rhythm(
                pairing_id=pairing.id or 0,
                every_weeks=2,
                weekday=3,
                time="12:30",
                tz="Europe/Paris",
                missed_in_row=in_row,
                created_at=now,
                updated_at=now,
            )
        )
        await add(harness, *rows)


async def report(harness: Harness, cohort: str = "pilot") -> str:
    text = await harness.text("root", f"report {cohort}")
    return text.split("**Pairs and meetings**", 1)[1] if "**Pairs and meetings**" in text else ""


async def test_a_cohort_without_pairs_has_no_pairs_section(harness: Harness) -> None:
    await harness.say("root", "cohort create pilot track first-steps")
    await harness.say("root", "enroll pilot @ana")
    assert "Pairs and meetings" not in await harness.text("root", "report pilot")


async def test_the_pairs_section_counts_meetings_risk_goals_and_commitments(harness: Harness) -> None:
    ids = await cohort_with_pairs(harness)
    held, missed = MeetingStatus.HELD, MeetingStatus.MISSED
    await meetings(
        harness,
        ids,
        {
            "ana": [held, held],
            "ben": [held, missed],
            "cy": [missed, missed, missed],
            "dee": [held],
            "eli": [held, held],
            "zed": [missed, missed, missed, missed],  # another cohort: never in pilot's figures
        },
    )
    now = harness.clock.now
    goals: list[Any] = [
        PersonGoal(person_id=ids[name], goal_id=PROTECT, chosen_at=now) for name in LEARNERS[:5]
    ]
    goals += [PersonGoal(person_id=ids["fay"], goal_id=MARKET, chosen_at=now)]
    commitments = [
        Commitment(
            person_id=ids[name],
            source=CommitmentSource.MEETING,
            text="Turn on two-step verification",
            made_at=now - dt.timedelta(days=10),
            follow_up_at=now - dt.timedelta(days=3),
            status=CommitmentStatus.DONE if name in ("ana", "ben", "cy") else CommitmentStatus.NOT_YET,
        )
        for name in LEARNERS[:5]
    ]
    await add(harness, *goals, *commitments)

    section = await report(harness)
    assert "- Pairs: 6 (2 mentors)" in section
    assert "- Meetings held: 60% of 10 planned" in section, "6 held of 10 passed, over 5 learners"
    assert "- At risk (3 planned meetings missed in a row or more): **mia** and **cy** (3)" in section
    assert "zed" not in section, "another cohort's pair stays out"
    assert "Protect my accounts: 5 people, " in section
    assert "Follow my market in real time: too few to report (fewer than 5 people)" in section
    assert "- Commitments done (workshops and meetings): 60% of 5 followed up" in section

    other = await report(harness, "other")
    assert "Meetings held: too few to report" in other, "one pair: no percentage that names them"
    assert "**mia** and **zed** (4)" in other, "an at-risk pair is a status, named even alone"


async def test_the_pairs_section_in_french(harness: Harness) -> None:
    await cohort_with_pairs(harness)
    await harness.say("root", "lang fr")
    text = await harness.text("root", "rapport pilot")
    assert "**Binômes et rencontres**" in text and "- Binômes : 6 (2 mentors)" in text.replace("\u202f", " ")


async def test_the_cohort_page_shows_the_pairs_to_admins_only(harness: Harness) -> None:
    """The dashboard's cohort page carries the same figures as `report` for an admin (with its CSV
    export); a mentor's page has no such table."""
    from sqlmodel import select

    from bot.core import dashboard as views
    from storage.models import Cohort

    ids = await cohort_with_pairs(harness)
    await meetings(harness, ids, {"cy": [MeetingStatus.MISSED] * 3})
    root = await person(harness, "root")
    async with harness.services.db.transaction() as session:
        pilot = (await session.exec(select(Cohort).where(Cohort.name == "pilot"))).one()
    page = await views.cohort(harness.services, root.id or 0, pilot.id or 0)
    assert page.pairs is not None and page.pairs in page.tables
    shown = {row.cells[0].text: row.cells[1].text for row in page.pairs.rows}
    assert shown["Pairs"] == "6" and shown["Mentors"] == "2"
    assert shown["Pairs at risk (3 missed in a row)"] == "1 (mia / cy)"
    assert shown["Meetings held, of those planned"].startswith("too few"), "one learner's meetings"
    mentor = await views.cohort(harness.services, ids["mia"], pilot.id or 0)
    assert mentor.pairs is None
