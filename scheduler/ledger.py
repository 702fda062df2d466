"""Planning the drip into the delivery ledger.

The database is the source of truth. Planning turns each enrollment whose tip is due into one `pending`
ledger row and moves the enrollment on, in one transaction; the row's unique `dedupe_key` means a lesson
is queued for an enrollment only once. A row that expired undelivered (see storage/deliveries.py) has
already stepped its enrollment back, and planning it again revives the same row.

A person gets at most one lesson a local day, however many tracks they follow (a goal's companion
cohort, the mentor's guide, a second enrollment): their tracks take turns, the one whose last lesson is
the oldest first (never sent counts as oldest), the oldest enrollment (the cohort's own track) on a tie.
A track whose turn it is not rolls to its next delivery day, where it is nearer the front.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scheduler import lifetimes, timing
from scheduler.plan import next_due, rhythm_for
from storage import cohorts, deliveries, keys, reviews
from storage.db import Database
from storage.defaults import DEFAULT_TZ
from storage.enums import DeliveryKind, DeliveryStatus, EnrollmentStatus, Priority
from storage.models import Cohort, Enrollment, Person

logger = logging.getLogger(__name__)

PLAN_BATCH = 2000


@dataclass(slots=True)
class PlanReport:
    queued: int = 0
    completed: int = 0
    rolled: int = 0
    reviews: int = 0
    """Review questions queued (at most one per learner and local day)."""
    details: list[tuple[int, str, str]] = field(default_factory=list)


def decide(
    enrollment: Enrollment,
    person: Person,
    cohort: Cohort,
    now: dt.datetime,
    default_tz: str,
    *,
    last_lesson_at: dt.datetime | None = None,
    rivals: Sequence[tuple[Enrollment, Cohort]] = (),
) -> tuple[bool, dt.datetime]:
    """(send now?, next due time). Missed days are not replayed: only today's tip, if the day is not over.

    One lesson a day for the person: nothing when their last lesson from any track (`last_lesson_at`,
    else this enrollment's own) went out on this local day, and nothing when one of `rivals` (their
    other active enrollments with a lesson left) delivers today and goes first (`goes_first`); then this
    one rolls to its next delivery day."""
    last = max(filter(None, (enrollment.last_sent_at, last_lesson_at)), default=None)
    send, upcoming = _own_decision(enrollment, person, cohort, now, default_tz, last_sent_at=last)
    if not send:
        return False, upcoming
    if any(
        goes_first(other, enrollment) and delivers_today(other, person, other_cohort, now, default_tz)
        for other, other_cohort in rivals
    ):
        return False, next_due(
            person, cohort, default_tz, after=now, paused_until=enrollment.paused_until, last_sent_at=now
        )
    return True, upcoming


def _own_decision(
    enrollment: Enrollment,
    person: Person,
    cohort: Cohort,
    now: dt.datetime,
    default_tz: str,
    *,
    last_sent_at: dt.datetime | None,
) -> tuple[bool, dt.datetime]:
    """`decide` for this enrollment alone: its rhythm, pauses and cohort, and no second tip on the local
    day of `last_sent_at`."""
    rhythm = rhythm_for(person, cohort, default_tz)
    pause = max(filter(None, (enrollment.paused_until, person.paused_until)), default=None)
    upcoming = timing.next_slot(rhythm, now, paused_until=pause if pause and pause > now else None)
    if cohort.paused or (pause and pause > now) or not person.reachable:
        return False, upcoming
    due = enrollment.next_due_at or now
    local_now = now.astimezone(rhythm.zone)
    if last_sent_at is not None and last_sent_at.astimezone(rhythm.zone).date() == local_now.date():
        return False, next_due(person, cohort, default_tz, after=now, last_sent_at=last_sent_at)
    off_day = local_now.weekday() not in rhythm.days or local_now.date() < rhythm.start
    if off_day or timing.in_quiet_hours(local_now.time(), rhythm.quiet):
        return False, upcoming
    if due.astimezone(rhythm.zone).date() == local_now.date():
        return True, upcoming
    today_slot = timing.local_moment(local_now.date(), rhythm.time_of_day, rhythm.zone)
    return today_slot <= now, upcoming


def goes_first(one: Enrollment, other: Enrollment) -> bool:
    """Whether `one` takes the day's turn before `other`, two enrollments of one person: the one whose
    last lesson is the oldest (never sent is oldest of all), else the older enrollment (the cohort's own
    track before a track followed too)."""
    return _turn(one) < _turn(other)


def _turn(enrollment: Enrollment) -> tuple[dt.datetime, dt.datetime, int]:
    return (enrollment.last_sent_at or _DISTANT_PAST, enrollment.created_at, enrollment.id or 0)


_DISTANT_PAST = dt.datetime.min.replace(tzinfo=dt.UTC)


def delivers_today(
    enrollment: Enrollment, person: Person, cohort: Cohort, now: dt.datetime, default_tz: str
) -> bool:
    """Whether this active enrollment brings a lesson on the local day of `now`, now or at its delivery
    time later that day, by its own rules (it is due by then, and its rhythm, pauses and cohort allow
    it)."""
    if enrollment.status != EnrollmentStatus.ACTIVE or enrollment.next_due_at is None:
        return False
    rhythm = rhythm_for(person, cohort, default_tz)
    today = now.astimezone(rhythm.zone).date()
    at = max(now, timing.local_moment(today, rhythm.time_of_day, rhythm.zone).astimezone(dt.UTC))
    if enrollment.next_due_at > at:
        return False
    send, _ = _own_decision(enrollment, person, cohort, at, default_tz, last_sent_at=enrollment.last_sent_at)
    return send


def first_turn(
    person: Person,
    cohort: Cohort,
    enrolled: Sequence[tuple[Enrollment, Cohort]],
    now: dt.datetime,
    default_tz: str,
) -> dt.datetime:
    """When a track the person starts following at `now` (a new enrollment in `cohort`, newer than all of
    `enrolled`, their others) brings its first lesson by `decide`'s rules: its first delivery slot, never
    on the local day of their last lesson, and the next one when that day belongs to one of their tracks
    that has sent nothing yet (enrolled before, it goes first)."""
    last = max(filter(None, (enrollment.last_sent_at for enrollment, _ in enrolled)), default=None)
    due = next_due(person, cohort, default_tz, after=now, last_sent_at=last)
    waiting = [(e, c) for e, c in enrolled if e.status == EnrollmentStatus.ACTIVE and e.last_sent_at is None]
    if any(delivers_today(other, person, other_cohort, due, default_tz) for other, other_cohort in waiting):
        return next_due(person, cohort, default_tz, after=due, last_sent_at=due)
    return due


async def plan_due(
    db: Database,
    now: dt.datetime,
    tracks: dict[str, tuple[str, ...]],
    *,
    default_tz: str = DEFAULT_TZ,
    dry_run: bool = False,
) -> PlanReport:
    """Queue a ledger row for every enrollment whose tip is due at `now`, then the day's review questions
    (`plan_reviews`, after the tips so that a review goes out with its learner's tip); returns what
    happened. `default_tz` (TANDEM_DEFAULT_TZ) is the zone of a learner whose own and cohort's zones are
    unknown."""
    report = PlanReport()
    await _plan_lessons(db, now, tracks, report, default_tz=default_tz, dry_run=dry_run)
    await plan_reviews(db, now, report, default_tz=default_tz, dry_run=dry_run)
    return report


async def _plan_lessons(
    db: Database,
    now: dt.datetime,
    tracks: dict[str, tuple[str, ...]],
    report: PlanReport,
    *,
    default_tz: str,
    dry_run: bool,
) -> None:
    while True:
        async with db.transaction() as session:
            rows = await cohorts.due_enrollments(session, now=now, limit=PLAN_BATCH)
            if not rows:
                return
            enrolled = await cohorts.enrollments_of_people(
                session, person_ids=sorted({person.id or 0 for _, person, _ in rows})
            )
            updates, ledger = _plan_rows(rows, now, tracks, report, default_tz, enrolled=enrolled)
            if dry_run:
                await session.rollback()
                return
            await deliveries.plan_rows(session, rows=ledger)
            await cohorts.update_enrollments(session, updates=updates)
        if len(rows) < PLAN_BATCH:
            return


async def plan_reviews(
    db: Database,
    now: dt.datetime,
    report: PlanReport | None = None,
    *,
    default_tz: str = DEFAULT_TZ,
    dry_run: bool = False,
) -> PlanReport:
    """Queue at most one review question per learner and local day (its key says so), at the learner's
    delivery time on their delivery days, when one of their cards is due by that day: the drip's own
    rules (time zone, days, quiet hours, pauses of the person, the enrollment and the cohort, people out
    of reach) decide, as `decide` does for tips. Learners are read through the cards whose `ask_at` has
    come, in batches; each card looked at gets the moment to look again (O(due) per tick). The learners
    who follow their cohort's rhythm go first, a cohort at a time in a few statements
    (`_plan_cohort_reviews`); a dry run weighs everyone one by one, since it writes nothing."""
    report = report if report is not None else PlanReport()
    if not dry_run:
        await _plan_cohort_reviews(db, now, report, default_tz=default_tz)
    done: set[int] = set()
    while True:
        async with db.transaction() as session:
            person_ids = await reviews.people_to_plan(session, now=now, limit=PLAN_BATCH)
            fresh = [pid for pid in person_ids if pid not in done]
            if not fresh:
                return report  # nothing left, or only cards that could not be moved on (logged below)
            learners = await reviews.learners_to_plan(session, person_ids=fresh, now=now)
            rows, changes = _plan_review_rows(learners, now, report, default_tz)
            if dry_run:
                await session.rollback()
                return report
            await deliveries.plan_rows(session, rows=rows)
            await reviews.set_asks(session, changes=changes)
        if len(learners) < len(fresh):
            logger.warning("Review cards of %s unknown people were left", len(fresh) - len(learners))
        done.update(fresh)


async def _plan_cohort_reviews(
    db: Database, now: dt.datetime, report: PlanReport, *, default_tz: str
) -> None:
    """The learners who follow their cohort's rhythm, a cohort at a time, in a few statements each: the
    day's rules are decided once per cohort, and `reviews.plan_cohort` applies them to all its followers
    as `review_decision` would one by one. The others (own settings, several cohorts) and the cards this
    leaves (due after the cohort's next delivery day) go through the learner-by-learner planner."""
    async with db.transaction() as session:
        found = await reviews.cohorts_to_plan(session)
    for cohort in found:
        plan = cohort_day(cohort, now, default_tz)
        if plan is None:
            continue
        async with db.transaction() as session:
            written = await reviews.plan_cohort(session, plan=plan)
        report.reviews += len(written)
        report.details.extend((person_id, DeliveryKind.REVIEW, lesson) for person_id, lesson in written)


def cohort_day(cohort: Cohort, now: dt.datetime, default_tz: str) -> reviews.CohortDay | None:
    """The day's rules of a cohort at `now` for the learners who follow its rhythm, or None when no
    review goes out for it now (paused, not a delivery day, quiet hours, before its delivery time)."""
    rhythm = rhythm_for(_FOLLOWER, cohort, default_tz)
    if cohort.paused or cohort.id is None or not _slot_has_come(rhythm, now):
        return None
    today = now.astimezone(rhythm.zone).date()
    next_ask = timing.next_slot(rhythm, _day_end(today, rhythm.zone))
    return reviews.CohortDay(
        cohort_id=cohort.id,
        now=now,
        day=today,
        day_ends=_day_end(today, rhythm.zone).astimezone(dt.UTC) + dt.timedelta(microseconds=1),
        expires_at=lifetimes.end_of_day(now, rhythm.zone),
        next_ask=next_ask,
        ask_until=_day_end(_local_day(next_ask, rhythm.zone), rhythm.zone).astimezone(dt.UTC)
        + dt.timedelta(microseconds=1),
    )


_FOLLOWER = Person(key="", platform="", display_name="")
"""A learner without settings of their own: the cohort's rhythm is theirs."""


REVIEW_IDLE = dt.timedelta(days=7)
"""A learner with cards but no active or completed enrollment (stopped, or reading lessons on demand)
gets no review from the drip; their cards are looked at again after this long."""


def _plan_review_rows(
    learners: Sequence[reviews.Learner], now: dt.datetime, report: PlanReport, default_tz: str
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    rows: list[dict[str, object]] = []
    changes: list[dict[str, object]] = []
    for learner in learners:
        row, looked = review_decision(learner, now, default_tz)
        changes.extend(looked)
        if row is not None:
            rows.append(row)
            report.reviews += 1
            report.details.append((learner.person.id or 0, DeliveryKind.REVIEW, str(row["lesson_id"])))
    return rows, changes


def review_decision(
    learner: reviews.Learner, now: dt.datetime, default_tz: str
) -> tuple[dict[str, object] | None, list[dict[str, object]]]:
    """(today's review row or None, each card's next `ask_at`) for one learner at `now`.

    The row asks the most overdue card due by the learner's local day; the variant is chosen when it is
    sent. Cards looked at without a row are looked at again at the first delivery slot on or after the
    local day they are due (a pause is checked again on every delivery day, so that resuming early
    brings reviews back at once); after a row, the others wait for the next delivery day."""
    cards = [card for card in learner.cards if card.due_at is not None]
    idle: list[dict[str, object]] = [{"id": c.id, "ask_at": None} for c in learner.cards if c.due_at is None]
    home = _review_home(learner.enrolled)
    if home is None:
        return None, idle + [{"id": card.id, "ask_at": now + REVIEW_IDLE} for card in cards]
    enrollment, cohort = home
    person = learner.person
    rhythm = rhythm_for(person, cohort, default_tz)
    local_now = now.astimezone(rhythm.zone)
    today = local_now.date()
    due = [card for card in cards if _local_day(card.due_at, rhythm.zone) <= today]
    row: dict[str, object] | None = None
    if due and _may_ask(enrollment, person, cohort, rhythm, now):
        card = min(due, key=lambda c: (c.due_at or now, c.id or 0))
        row = {
            "person_id": person.id,
            "enrollment_id": None,
            "dedupe_key": keys.review_key(person.id or 0, today),
            "kind": DeliveryKind.REVIEW,
            "lesson_id": card.lesson_id,
            "due_at": now,
            "expires_at": lifetimes.end_of_day(now, rhythm.zone),
            "status": DeliveryStatus.PENDING,
            "priority": Priority.BULK,
            "step": None,
            "attempts": 0,
            "uncertain": False,
            "error": None,
            "created_at": now,
        }
        tomorrow = timing.next_slot(rhythm, _day_end(today, rhythm.zone))
        return row, idle + [{"id": c.id, "ask_at": max(tomorrow, _first_slot(c, rhythm, now))} for c in cards]
    return None, idle + [{"id": c.id, "ask_at": _first_slot(c, rhythm, now)} for c in cards]


def _review_home(enrolled: Sequence[tuple[Enrollment, Cohort]]) -> tuple[Enrollment, Cohort] | None:
    """The enrollment whose rhythm and pauses pace a learner's reviews: the first active one, else the
    first completed one (reviews go on after a track ends)."""
    for status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED):
        for enrollment, cohort in enrolled:
            if enrollment.status == status:
                return enrollment, cohort
    return None


def _may_ask(
    enrollment: Enrollment, person: Person, cohort: Cohort, rhythm: timing.Rhythm, now: dt.datetime
) -> bool:
    """Whether a review may go out at `now`: reachable, not paused, a delivery day that has begun for
    the cohort, outside quiet hours, at or after the learner's delivery time."""
    pauses = (enrollment.paused_until, person.paused_until)
    if cohort.paused or not person.reachable or any(p is not None and p > now for p in pauses):
        return False
    return _slot_has_come(rhythm, now)


def _slot_has_come(rhythm: timing.Rhythm, now: dt.datetime) -> bool:
    """Whether `now` is on a delivery day that has begun for the cohort, outside quiet hours, at or after
    the delivery time."""
    local_now = now.astimezone(rhythm.zone)
    day = local_now.date()
    if day.weekday() not in rhythm.days or day < rhythm.start:
        return False
    if timing.in_quiet_hours(local_now.time(), rhythm.quiet):
        return False
    return timing.local_moment(day, rhythm.time_of_day, rhythm.zone) <= now


def _first_slot(card: reviews.DueCard, rhythm: timing.Rhythm, now: dt.datetime) -> dt.datetime:
    """The first delivery slot after `now` and on or after the local day the card is due."""
    assert card.due_at is not None
    day_start = timing.local_moment(_local_day(card.due_at, rhythm.zone), dt.time(0), rhythm.zone)
    return timing.next_slot(rhythm, max(now, day_start - dt.timedelta(microseconds=1)))


def _local_day(moment: dt.datetime | None, zone: ZoneInfo) -> dt.date:
    assert moment is not None
    return moment.astimezone(zone).date()


def _day_end(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The last instant of a local day."""
    return timing.local_moment(day + dt.timedelta(days=1), dt.time(0), zone) - dt.timedelta(microseconds=1)


def _plan_rows(
    rows: Sequence[tuple[Enrollment, Person, Cohort]],
    now: dt.datetime,
    tracks: dict[str, tuple[str, ...]],
    report: PlanReport,
    default_tz: str,
    *,
    enrolled: Mapping[int, Sequence[tuple[Enrollment, Cohort]]] | None = None,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Each due enrollment's change and ledger rows. `enrolled` (person id -> all their enrollments, as
    read with `rows`) keeps each person to one lesson a day: a lesson planned here for one of their
    tracks counts at once for the others."""
    updates: list[dict[str, object]] = []
    ledger: list[dict[str, object]] = []
    planned: dict[int, dt.datetime] = {}
    for enrollment, person, cohort in rows:
        theirs = (enrolled or {}).get(person.id or 0, ())
        send, upcoming = decide(
            enrollment,
            person,
            cohort,
            now,
            default_tz,
            last_lesson_at=max(
                filter(None, (planned.get(person.id or 0), *(e.last_sent_at for e, _ in theirs))),
                default=None,
            ),
            rivals=_rivals(enrollment, theirs, tracks),
        )
        change: dict[str, object] = {"id": enrollment.id, "next_due_at": upcoming}
        if not send:
            report.rolled += 1
            updates.append(change)
            continue
        lessons = tracks.get(cohort.track_id, ())
        base = track_row(enrollment, due=now, zone=rhythm_for(person, cohort, default_tz).zone, now=now)
        if enrollment.position >= len(lessons):
            # Past the end without having been completed: its last lesson was handed out before tracks
            # completed with it, or its track was shortened.
            ending, row = completion(enrollment, person, cohort, due=now, default_tz=default_tz, now=now)
            change.update(ending)
            ledger.append(row)
            report.completed += 1
            report.details.append((person.id or 0, DeliveryKind.COMPLETE, cohort.track_id))
        else:
            lesson_id = lessons[enrollment.position]
            change.update(position=enrollment.position + 1, last_sent_at=now)
            planned[person.id or 0] = now
            ledger.append(
                {
                    **base,
                    "dedupe_key": keys.lesson_key(enrollment.id or 0, lesson_id),
                    "kind": DeliveryKind.LESSON,
                    "lesson_id": lesson_id,
                }
            )
            report.queued += 1
            report.details.append((person.id or 0, DeliveryKind.LESSON, lesson_id))
            if enrollment.position + 1 == len(lessons):
                due = next_due(
                    person,
                    cohort,
                    default_tz,
                    after=now,
                    paused_until=enrollment.paused_until,
                    last_sent_at=now,
                )
                ending, row = completion(enrollment, person, cohort, due=due, default_tz=default_tz, now=now)
                change.update(ending)
                ledger.append(row)  # due later: not one of this moment's details
                report.completed += 1
        updates.append(change)
    return updates, ledger


def _rivals(
    enrollment: Enrollment,
    enrolled: Sequence[tuple[Enrollment, Cohort]],
    tracks: dict[str, tuple[str, ...]],
) -> list[tuple[Enrollment, Cohort]]:
    """The person's other active enrollments that still have a lesson to give (an end-of-track message
    is no lesson, and takes no turn)."""
    return [
        (other, cohort)
        for other, cohort in enrolled
        if other.id != enrollment.id
        and other.status == EnrollmentStatus.ACTIVE
        and other.position < len(tracks.get(cohort.track_id, ()))
    ]


def completion(
    enrollment: Enrollment,
    person: Person,
    cohort: Cohort,
    *,
    due: dt.datetime,
    default_tz: str,
    now: dt.datetime,
) -> tuple[dict[str, object], dict[str, object]]:
    """How a track ends, whether the drip or the learner's `next` handed out its last lesson: the
    enrollment's change (completed, nothing more due) and its one end-of-track message, a ledger row due
    at `due` (the learner's next delivery time, so that it counts the last lesson's quiz too) and
    composed when it is sent. Its key is unique per enrollment: a track ends once."""
    row = track_row(enrollment, due=due, zone=rhythm_for(person, cohort, default_tz).zone, now=now)
    row.update(dedupe_key=keys.complete_key(enrollment.id or 0), kind=DeliveryKind.COMPLETE)
    return {"status": EnrollmentStatus.COMPLETED, "next_due_at": None}, row


def track_row(
    enrollment: Enrollment, *, due: dt.datetime, zone: ZoneInfo, now: dt.datetime
) -> dict[str, object]:
    """The columns every ledger row of a learner's track shares (a lesson, the end-of-track message):
    due at `due` and for the rest of that day in the learner's zone, fresh, not yet tried."""
    return {
        "person_id": enrollment.person_id,
        "enrollment_id": enrollment.id,
        "due_at": due,
        "expires_at": lifetimes.end_of_day(due, zone),
        "status": DeliveryStatus.PENDING,
        "priority": Priority.BULK,
        "step": enrollment.position,
        "attempts": 0,
        "uncertain": False,
        "error": None,
        "lesson_id": None,
        "created_at": now,
    }
