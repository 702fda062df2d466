"""The delivery defaults and the names of days, in one place for the database, the scheduler and the
messages: what a cohort gets when its admin chose nothing, what a learner's rhythm falls back to when a
stored value is unusable, and when Tandem never sends a tip.
"""

from __future__ import annotations

import datetime as dt

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Days as they are stored (`Cohort.days`, `Person.days`: `mon,tue,wed`) and as widgets send them; the
index is `date.weekday()`, Monday being 0."""

DELIVERY_TIME = dt.time(9, 0)
"""The local time of day of the tips of a cohort created without `time`."""
DELIVERY_DAYS: frozenset[int] = frozenset(range(5))
"""The days of a cohort created without `days`: Monday to Friday."""

QUIET_START = dt.time(20, 0)
QUIET_END = dt.time(8, 0)
QUIET_HOURS = (QUIET_START, QUIET_END)
"""Local hours when no tip is sent, from 20:00 to 08:00; a delivery day ends when they start."""

DEFAULT_TZ = "Europe/Paris"
"""The default of TANDEM_DEFAULT_TZ: the zone of new cohorts and of people who have none."""

MENTOR_GUIDE = "mentor-guide"
"""The track of the mentor's guide (bot/core/mentor_guide.py): tips for mentors, never a learner's
cohort. Its tips count in a person's one tip a day like any track's, but its enrollments say nothing
about how a learner engages, so they bring no inactivity nudge (storage/nudges.py)."""


def time_text(value: dt.time) -> str:
    """A time of day as it is stored and shown: `09:00`."""
    return value.strftime("%H:%M")


def days_text(days: frozenset[int]) -> str:
    """Weekday numbers as they are stored: `mon,tue,wed,thu,fri`."""
    return ",".join(WEEKDAY_NAMES[day] for day in sorted(days))


DELIVERY_TIME_TEXT = time_text(DELIVERY_TIME)
DELIVERY_DAYS_TEXT = days_text(DELIVERY_DAYS)
