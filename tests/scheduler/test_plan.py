"""The one time-zone rule, the home cohort, and a rhythm's fallbacks to the delivery defaults."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from scheduler.plan import home_cohort, next_due, rhythm_for, zone_for
from storage.defaults import DELIVERY_DAYS, DELIVERY_TIME
from storage.enums import DeliveryKind, EnrollmentStatus
from storage.models import Cohort, Enrollment, Person
from tests.support.harness import Harness

START = dt.date(2026, 11, 23)  # a Monday


def person(tz: str | None = None, *, time_of_day: str | None = None, days: str | None = None) -> Person:
    return Person(
        key="console:ann", platform="console", display_name="Ann", tz=tz, time_of_day=time_of_day, days=days
    )


def cohort(
    tz: str = "America/New_York", name: str = "east", *, delivery_time: str = "09:00", days: str = "mon-fri"
) -> Cohort:
    return Cohort(
        name=name, track_id="first-steps", start_date=START, tz=tz, delivery_time=delivery_time, days=days
    )


@pytest.mark.parametrize(
    ("own", "cohorts_zone", "expected"),
    [
        ("Asia/Tokyo", "America/New_York", "Asia/Tokyo"),  # their own zone first
        (None, "America/New_York", "America/New_York"),  # else their cohort's
        ("Mars/Olympus_Mons", "America/New_York", "America/New_York"),  # a zone nobody knows is skipped
        (None, None, "America/Chicago"),  # else the programme's default
        ("Mars/Olympus_Mons", "Nowhere/At_All", "America/Chicago"),
    ],
)
def test_zone_for_is_the_persons_else_the_cohorts_else_the_default(
    own: str | None, cohorts_zone: str | None, expected: str
) -> None:
    home = cohort(cohorts_zone) if cohorts_zone else None
    assert zone_for(person(own), home, "America/Chicago").key == expected


def test_zone_for_falls_back_to_utc_only_when_even_the_default_is_unknown() -> None:
    assert zone_for(None, None, "Nowhere/At_All").key == "UTC"
    assert zone_for(None, None, "Europe/Paris").key == "Europe/Paris"


def test_the_rhythm_follows_the_same_zone_rule() -> None:
    assert rhythm_for(person(), cohort(), "Europe/Paris").zone.key == "America/New_York"
    assert rhythm_for(person("Asia/Tokyo"), cohort(), "Europe/Paris").zone.key == "Asia/Tokyo"
    assert rhythm_for(person(), cohort("Nowhere/At_All"), "Europe/Paris").zone.key == "Europe/Paris"


def test_a_broken_stored_rhythm_falls_back_to_the_cohort_then_to_the_defaults() -> None:
    own = person(time_of_day="25:99", days="someday")
    rhythm = rhythm_for(own, cohort(delivery_time="07:30", days="sat,sun"), "Europe/Paris")
    assert (rhythm.time_of_day, rhythm.days) == (dt.time(7, 30), frozenset({5, 6}))
    broken = cohort(delivery_time="late", days="never")
    rhythm = rhythm_for(own, broken, "Europe/Paris")
    assert (rhythm.time_of_day, rhythm.days) == (DELIVERY_TIME, DELIVERY_DAYS)


def test_next_due_is_at_the_time_of_day_in_the_zone_of_the_rule() -> None:
    after = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)  # 05:00 in New York
    due = next_due(person(), cohort(), "Europe/Paris", after=after)
    assert due == dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York


def test_the_home_cohort_is_the_first_active_one_else_the_first_one() -> None:
    first, second = cohort(name="first"), cohort(name="second")
    stopped = Enrollment(person_id=1, cohort_id=1, status=EnrollmentStatus.STOPPED)
    active = Enrollment(person_id=1, cohort_id=2, status=EnrollmentStatus.ACTIVE)
    assert home_cohort([(stopped, first), (active, second)]) is second
    assert home_cohort([(stopped, first)]) is first
    assert home_cohort([]) is None


async def test_a_mentors_digest_follows_the_same_rule(harness: Harness) -> None:
    """Mia mentors Bob and learns in a New York cohort without a zone of her own: her Monday digest waits
    for 09:00 in New York, not in TANDEM_DEFAULT_TZ (Europe/Paris)."""
    from scheduler import upkeep
    from storage.models import Delivery

    for line in (
        "cohort create east track first-steps tz America/New_York",
        "enroll east @mia",
        "pair @mia @bob",
    ):
        await harness.say("root", line)
    monday = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris, 04:00 in New York
    default_tz = harness.services.settings.default_tz
    assert await upkeep.plan_digests(harness.services.db, monday, default_tz) == 0
    later = monday + dt.timedelta(hours=5)  # 09:00 in New York
    assert await upkeep.plan_digests(harness.services.db, later, default_tz) == 1
    async with harness.services.db.transaction() as session:
        [digest] = (await session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.DIGEST))).all()
    assert digest.expires_at == dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC), "20:00 in New York"
