"""The one clock Tandem reads: real time in UTC, or a moment chosen with TANDEM_NOW that then runs on.

Every part of a running Tandem (the core, the drip, the dispatcher, the CLI) takes the time from the
clock built here, so a test or a demo sets the date in one place and everything agrees on it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from storage.types import utcnow

Clock = Callable[[], dt.datetime]


def running_from(start: dt.datetime) -> Clock:
    """A clock that reads `start` now and advances with real time from there."""
    origin = time.monotonic()
    start = start.astimezone(dt.UTC)

    def now() -> dt.datetime:
        return start + dt.timedelta(seconds=time.monotonic() - origin)

    return now


def clock_for(start: dt.datetime | None) -> Clock:
    """Real UTC time, or a clock running from `start` (the TANDEM_NOW setting)."""
    return utcnow if start is None else running_from(start)
