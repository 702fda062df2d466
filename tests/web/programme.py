"""A small, realistic programme for the dashboard's browser tests: two cohorts, twelve learners with
lessons, answers and reviews over several weeks, questions (one declined), two mentors and an admin.

Everything is written straight through the storage models, at fixed dates around `NOW` (never today's
date), so every figure the pages show is known in advance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import keys, rollups
from storage.db import Database
from storage.enums import (
    AnswerKind,
    DeliveryKind,
    DeliveryStatus,
    EnrollmentStatus,
    FeedbackKind,
    PersonRole,
    QuestionStatus,
    StopCause,
)
from storage.models import (
    Cohort,
    CustomTip,
    Delivery,
    Enrollment,
    Feedback,
    Mentorship,
    Person,
    Question,
    ReviewAnswer,
    ReviewCard,
)

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
"""The programme's present: a Monday, mid-morning."""

ADMIN = "root"
MENTORS = {"maya": "Maya Lindqvist", "noah": "Noah Okafor"}
"""Maya reads the dashboard in English, Noah in French."""

FIRST_STEPS = [
    "linkedin-profile",
    "linkedin-visibility",
    "strong-passwords",
    "two-factor-authentication",
    "phishing-scams",
    "linkedin-connections",
    "x-basics",
]
NETWORK = ["linkedin-first-post", "linkedin-follow", "share-articles", "hashtags", "facebook-profile-vs-page"]

DISLIKED = "linkedin-visibility"
"""The lesson the autumn cohort marks "not for me" (five votes of five): the lessons page makes it stand
out."""

DECLINED_TEXT = "Private worry: may I complain about my manager on Facebook?"
"""A question its author declined to forward: no dashboard page or export may ever show it."""

GAP_TEXTS = (
    "How do I hide my LinkedIn activity from my manager?",
    "Can I schedule LinkedIn posts for next week?",
    "Should our team open a TikTok account?",
)
"""Questions no lesson answered: the content gaps an admin sees (without names)."""


@dataclass(frozen=True, slots=True)
class Learner:
    name: str
    display: str
    cohort: str
    lessons: int
    """How many of the cohort's lessons reached them so far."""
    mentor: str | None = None
    status: str = "active"
    """active, paused, stopped or pending_install."""


LEARNERS = (
    Learner("alice", "Alice Martin", "Autumn", 7, mentor="maya"),
    Learner("bruno", "Bruno Petit", "Autumn", 7, mentor="maya"),
    Learner("chloe", "Chloé Durand", "Autumn", 6, mentor="maya"),
    Learner("david", "David Leroy", "Autumn", 7, mentor="maya"),
    Learner("emma", "Emma Moreau", "Autumn", 5, status="paused"),
    Learner("farid", "Farid Haddad", "Autumn", 3, mentor="noah", status="stopped"),
    Learner("gabrielle", "Gabrielle Roux", "Autumn", 0, status="pending_install"),
    Learner("hugo", "Hugo Lambert", "Winter", 5, mentor="noah"),
    Learner("ines", "Inès Fontaine", "Winter", 5, mentor="noah"),
    Learner("jules", "Jules Mercier", "Winter", 5),
    Learner("karima", "Karima Benali", "Winter", 4),
    Learner("leo", "Léo Girard", "Winter", 3),
)

COHORTS = {
    # name: (track, start, delivery days, the delivery dates of its lessons so far)
    "Autumn": ("first-steps", dt.date(2026, 10, 6), "tue"),
    "Winter": ("network-and-voice", dt.date(2026, 11, 9), "mon,wed"),
}


def lesson_days(cohort: str) -> list[dt.date]:
    """The cohort's delivery days from its start up to NOW, oldest first."""
    _, start, days = COHORTS[cohort]
    weekdays = {("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(d) for d in days.split(",")}
    found: list[dt.date] = []
    day = start
    while day <= NOW.date():
        if day.weekday() in weekdays:
            found.append(day)
        day += dt.timedelta(days=1)
    return found


def track_of(cohort: str) -> list[str]:
    return FIRST_STEPS if cohort == "Autumn" else NETWORK


@dataclass
class Programme:
    """The ids of what was seeded, for the tests' assertions."""

    people: dict[str, int] = field(default_factory=dict)
    cohorts: dict[str, int] = field(default_factory=dict)

    def mentees(self, mentor: str) -> list[Learner]:
        return [learner for learner in LEARNERS if learner.mentor == mentor]

    def others(self, mentor: str) -> list[Learner]:
        """Learners a mentor does not mentor."""
        return [learner for learner in LEARNERS if learner.mentor != mentor]


async def seed_programme(db: Database) -> Programme:
    """Write the whole programme into an empty, migrated database."""
    programme = Programme()
    async with db.transaction() as session:
        await _people(session, programme)
        await _cohorts(session, programme)
        for index, learner in enumerate(LEARNERS):
            await _learner_history(session, programme, index, learner)
        await _questions(session, programme)
        await _tips(session, programme)
        await rollups.rebuild(
            session
        )  # rows written directly: the daily counts as migration 0009 builds them
    return programme


def _at(day: dt.date, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


async def _people(session: AsyncSession, programme: Programme) -> None:
    created = NOW - dt.timedelta(days=60)
    rows = [
        Person(
            key=keys.console_person(ADMIN),
            platform="console",
            display_name="Rosa Admin",
            is_admin=True,
            created_at=created,
            email="rosa@example.org",
        )
    ]
    for name, display in MENTORS.items():
        rows.append(
            Person(
                key=keys.console_person(name),
                platform="console",
                display_name=display,
                lang="fr" if name == "noah" else "en",
                role=PersonRole.MENTOR,
                email=f"{name}@example.org",
                department="Communication",
                created_at=created,
            )
        )
    for learner in LEARNERS:
        rows.append(
            Person(
                key=keys.console_person(learner.name),
                platform="console",
                display_name=learner.display,
                lang="fr" if learner.name in ("chloe", "ines") else "en",
                tz="Europe/Paris",
                role=PersonRole.LEARNER,
                email=f"{learner.name}@example.org",
                department="Sales" if learner.cohort == "Autumn" else "Support",
                reachable=learner.status != "pending_install",
                unreachable_reason="the app is not installed"
                if learner.status == "pending_install"
                else None,
                paused_until=NOW + dt.timedelta(days=10) if learner.status == "paused" else None,
                pause_reason="self" if learner.status == "paused" else None,
                created_at=created,
            )
        )
    session.add_all(rows)
    await session.flush()
    for person in rows:
        programme.people[keys.local_id(person.key)] = person.id or 0
    for learner in LEARNERS:
        if learner.mentor:
            session.add(
                Mentorship(
                    mentor_id=programme.people[learner.mentor],
                    mentee_id=programme.people[learner.name],
                    created_at=created,
                )
            )


async def _cohorts(session: AsyncSession, programme: Programme) -> None:
    for name, (track, start, days) in COHORTS.items():
        cohort = Cohort(
            name=name,
            track_id=track,
            start_date=start,
            delivery_time="09:00",
            days=days,
            tz="Europe/Paris",
            created_at=_at(start - dt.timedelta(days=7)),
        )
        session.add(cohort)
        await session.flush()
        programme.cohorts[name] = cohort.id or 0


async def _learner_history(session: AsyncSession, programme: Programme, index: int, learner: Learner) -> None:
    """The learner's enrollment, the lessons that reached them, and what they did with each."""
    person_id = programme.people[learner.name]
    days = lesson_days(learner.cohort)
    # A learner with fewer lessons joined later: their lessons are the cohort's last delivery days.
    sent_days = (
        days[: learner.lessons] if learner.status == "stopped" else days[len(days) - learner.lessons :]
    )
    track = track_of(learner.cohort)
    stopped = learner.status == "stopped"
    enrollment = Enrollment(
        person_id=person_id,
        cohort_id=programme.cohorts[learner.cohort],
        position=learner.lessons,
        status=EnrollmentStatus.STOPPED if stopped else EnrollmentStatus.ACTIVE,
        stop_reason="left the company" if stopped else None,
        stopped_by=StopCause.ADMIN if stopped else None,
        stopped_at=_at(sent_days[-1] + dt.timedelta(days=2)) if stopped and sent_days else None,
        last_sent_at=_at(sent_days[-1]) if sent_days else None,
        next_due_at=None if stopped else _at(NOW.date() + dt.timedelta(days=1)),
        created_at=_at(sent_days[0] - dt.timedelta(days=1)) if sent_days else NOW - dt.timedelta(days=3),
    )
    session.add(enrollment)
    await session.flush()
    last_active: dt.datetime | None = None
    for step, (day, lesson) in enumerate(zip(sent_days, track, strict=False)):
        sent = _at(day)
        session.add(
            Delivery(
                dedupe_key=keys.lesson_key(enrollment.id or 0, lesson),
                person_id=person_id,
                enrollment_id=enrollment.id,
                lesson_id=lesson,
                step=step,
                kind=DeliveryKind.LESSON,
                status=DeliveryStatus.SENT,
                due_at=sent,
                sent_at=sent,
                attempts=1,
                created_at=sent - dt.timedelta(hours=12),
            )
        )
        seen = (index + step) % 5 != 4  # most lessons get a reaction; some are left unread
        if not seen:
            continue
        answered = sent + dt.timedelta(hours=1 + (index % 3), minutes=7 * step)
        if (index + step) % 6 != 5:
            session.add(
                Feedback(person_id=person_id, lesson_id=lesson, kind=FeedbackKind.OPENED, created_at=answered)
            )
        correct = (index * 3 + step) % 4 != 0
        session.add(
            Feedback(
                person_id=person_id,
                lesson_id=lesson,
                kind=FeedbackKind.QUIZ,
                correct=correct,
                created_at=answered,
            )
        )
        session.add(
            ReviewAnswer(
                person_id=person_id,
                lesson_id=lesson,
                kind=AnswerKind.QUIZ,
                correct=correct,
                answered_at=answered,
            )
        )
        verdict: FeedbackKind | None
        if lesson == DISLIKED and index % 4 != 3:
            verdict = FeedbackKind.NOT_USEFUL
        else:
            verdict = FeedbackKind.USEFUL if (index + step) % 2 == 0 else None
        if verdict:
            session.add(Feedback(person_id=person_id, lesson_id=lesson, kind=verdict, created_at=answered))
        reviewed = await _reviews(session, person_id, index, step, lesson, sent)
        last_active = max(last_active or answered, answered, reviewed or answered)
    person = await session.get(Person, person_id)
    if person is not None and last_active is not None:
        person.last_active_at = last_active
        session.add(person)


async def _reviews(
    session: AsyncSession, person_id: int, index: int, step: int, lesson: str, sent: dt.datetime
) -> dt.datetime | None:
    """The review schedule's card for one lesson, and the review answers given so far (3, 8 and 22 days
    after the lesson), each asked by a review delivery."""
    answers = 0
    retained: dt.datetime | None = None
    last: dt.datetime | None = None
    for gap in (3, 8, 22):
        asked = sent + dt.timedelta(days=gap)
        if asked >= NOW - dt.timedelta(hours=2):
            break
        correct = (index + step + gap) % 3 != 0
        session.add(
            Delivery(
                dedupe_key=f"{keys.review_key(person_id, asked.date())}:{lesson}",
                person_id=person_id,
                lesson_id=lesson,
                kind=DeliveryKind.REVIEW,
                status=DeliveryStatus.SENT,
                due_at=asked,
                sent_at=asked,
                attempts=1,
                created_at=asked,
            )
        )
        session.add(
            ReviewAnswer(
                person_id=person_id,
                lesson_id=lesson,
                variant=1 + gap % 3,
                kind=AnswerKind.REVIEW,
                correct=correct,
                answered_at=asked + dt.timedelta(minutes=30),
            )
        )
        answers += 1
        last = asked + dt.timedelta(minutes=30)
        if correct and gap >= 21 and retained is None:
            retained = asked + dt.timedelta(minutes=30)
    session.add(
        ReviewCard(
            person_id=person_id,
            lesson_id=lesson,
            first_sent_at=sent,
            due_at=NOW + dt.timedelta(days=5 + index % 4),
            ask_at=NOW + dt.timedelta(days=5 + index % 4),
            reviews=answers,
            retained_at=retained,
            updated_at=sent,
        )
    )
    return last


async def _questions(session: AsyncSession, programme: Programme) -> None:
    people = programme.people
    asked = NOW - dt.timedelta(days=6)
    session.add_all(
        [
            Question(person_id=people["alice"], text=GAP_TEXTS[0], created_at=asked),
            Question(person_id=people["jules"], text=GAP_TEXTS[1], created_at=asked + dt.timedelta(days=1)),
            Question(
                person_id=people["ines"],
                text=GAP_TEXTS[2],
                status=QuestionStatus.FORWARDED,
                mentor_id=people["noah"],
                created_at=asked + dt.timedelta(days=2),
            ),
            Question(
                person_id=people["chloe"],
                text=DECLINED_TEXT,
                status=QuestionStatus.DECLINED,
                created_at=asked + dt.timedelta(days=2),
            ),
            Question(
                person_id=people["bruno"],
                text="Is a password manager safe to use?",
                lesson_id="strong-passwords",
                confident=True,
                status=QuestionStatus.ANSWERED,
                answered_at=asked + dt.timedelta(days=3),
                created_at=asked + dt.timedelta(days=3),
            ),
            Question(
                person_id=people["alice"],
                text="Who should I connect with first?",
                status=QuestionStatus.ANSWERED,
                mentor_id=people["maya"],
                answer="Start with your own team, then the people you met this month.",
                answered_at=asked + dt.timedelta(days=1, minutes=40),
                created_at=asked + dt.timedelta(days=1),
            ),
            Question(
                person_id=people["hugo"],
                text="How often should I post?",
                status=QuestionStatus.ANSWERED,
                mentor_id=people["noah"],
                answer="Once a week is plenty to begin with.",
                answered_at=asked + dt.timedelta(days=2, hours=3),
                created_at=asked + dt.timedelta(days=2),
            ),
        ]
    )


async def _tips(session: AsyncSession, programme: Programme) -> None:
    """Each mentor pushed one tip to a mentee."""
    for mentor, mentee in (("maya", "alice"), ("noah", "hugo")):
        send_at = NOW - dt.timedelta(days=4)
        tip = CustomTip(
            author_id=programme.people[mentor],
            target_person_id=programme.people[mentee],
            text="Try turning on two-factor authentication today.",
            send_at=send_at,
            created_at=send_at,
        )
        session.add(tip)
        await session.flush()
        session.add(
            Delivery(
                dedupe_key=keys.tip_key(tip.id or 0, programme.people[mentee]),
                person_id=programme.people[mentee],
                tip_id=tip.id,
                kind=DeliveryKind.TIP,
                status=DeliveryStatus.SENT,
                due_at=send_at,
                sent_at=send_at,
                attempts=1,
                created_at=send_at,
            )
        )
