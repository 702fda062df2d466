"""Six weeks of reviews in the console, through the real `tandem` command: a learner gets a quiz wrong,
sees the question again, asked another way, on the next delivery day, gets it right, and it comes back
later at growing intervals, at most one question a day, on delivery days only, after the track ends
too; `progress` shows what is retained and the streak."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re
import subprocess
from typing import Any

from sqlmodel import col, select

from lessons import Library, load_library
from storage import people
from storage.db import Database
from storage.models import InboxMessage
from tests.support.cli import tandem

SETUP = "cohort create veille track information-watch\nenroll veille @dan\n"
MONDAY = dt.date(2026, 11, 23)
WEEKS = 6


def flat(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return re.sub(r"[ \n]+", " ", result.stdout)


def at(day: dt.date, time: str) -> str:
    return f"{day.isoformat()}T{time}:00Z"


def waiting_buttons(db: str, user: str) -> list[dict[str, Any]]:
    """The buttons of the messages waiting in `user`'s console inbox, numbered as `tandem chat` will
    number them when it shows them (1, 2, … across the messages, in order)."""

    async def read() -> list[dict[str, Any]]:
        database = Database(db)
        try:
            async with database.transaction() as session:
                person = await people.get_person(session, key=f"console:{user}")
                assert person is not None
                query = (
                    select(InboxMessage)
                    .where(InboxMessage.person_id == person.id, col(InboxMessage.shown_at).is_(None))
                    .order_by(col(InboxMessage.id))
                )
                return [b for m in await session.exec(query) for b in m.payload.get("buttons", [])]
        finally:
            await database.dispose()

    return asyncio.run(read())


def review_choice(library: Library, buttons: list[dict[str, Any]], *, right: bool) -> tuple[int, str]:
    """(the number to type for the right or a wrong choice of the waiting review, its lesson)."""
    for number, button in enumerate(buttons, start=1):
        if button["action"] != "review.answer":
            continue
        lesson_id, variant, choice, _ = button["value"].rsplit(":", 3)
        lesson = library.get(lesson_id, "en")
        assert lesson is not None
        if (int(choice) == lesson.variant(int(variant)).answer_index) == right:
            return number, lesson_id
    raise AssertionError(f"no review waiting: {buttons}")


def quiz_lines(library: Library, buttons: list[dict[str, Any]], *, right: bool) -> list[str]:
    """Press *Quiz me* on the waiting tip, then the right (or a wrong) choice of its quiz."""
    [(number, lesson_id)] = [(n, b["value"]) for n, b in enumerate(buttons, 1) if b["action"] == "quiz.start"]
    lesson = library.get(lesson_id, "en")
    assert lesson is not None
    index = lesson.quiz.answer_index if right else (lesson.quiz.answer_index + 1) % len(lesson.quiz.choices)
    return [str(number), str(index + 1)]


def test_six_weeks_of_reviews_in_the_console(db_url: str) -> None:
    library = load_library()
    first = library.get("x-lists", "en")
    assert first is not None

    def run(*args: str, when: str, stdin: str = "") -> str:
        return flat(tandem(db_url, *args, stdin=stdin, TANDEM_NOW=when, TANDEM_ADMINS=""))

    opened = run("run", "--user", "root", when=at(MONDAY, "07:30"), stdin=SETUP)
    assert "Now in veille (1): dan" in opened

    reviews: dict[dt.date, str] = {}  # day -> lesson asked
    seen: dict[dt.date, str] = {}
    completed_on: dt.date | None = None
    for offset in range(WEEKS * 7):
        day = MONDAY + dt.timedelta(days=offset)
        if day.weekday() >= 5 and offset > 14:
            continue  # the first two weekends prove that nothing goes out at the weekend
        drip = run("drip", "--at", at(day, "08:05"), when=at(day, "08:05"))
        if day.weekday() >= 5:
            assert "sent: review" not in drip  # delivery days only
            continue
        asked = re.findall(r"sent: review (\S+) to dan", drip)
        if offset == 1:
            assert "1 lesson queued, 0 tracks completed, 1 review queued." in drip
        assert len(asked) <= 1, drip  # at most one review a day
        if "sent: end-of-track summary to dan" in drip and completed_on is None:
            completed_on = day
        buttons = waiting_buttons(db_url, "dan")
        lines: list[str] = []
        if asked:
            reviews[day] = asked[0]
            number, lesson_id = review_choice(library, buttons, right=True)
            assert lesson_id == asked[0]
            lines.append(str(number))
        if any(b["action"] == "quiz.start" for b in buttons):
            # Monday's quiz wrong (x-lists), the other lessons' quizzes right
            lines += quiz_lines(library, buttons, right=offset != 0)
        if lines:
            seen[day] = run(
                "chat", "--user", "dan", when=at(day, "08:40"), stdin="".join(f"{x}\n" for x in lines)
            )

    # Monday: the quiz wrong; Tuesday, the next delivery day: the same lesson, asked another way
    assert "Not quite: the answer is" in seen[MONDAY]
    tuesday = MONDAY + dt.timedelta(days=1)
    assert reviews[tuesday] == "x-lists"
    assert (
        "A question from X lists, your news desk without the noise, seen on Monday 23 November 2026"
        in (seen[tuesday])
    )
    if len(first.variants) > 1:
        assert re.sub(r"\s+", " ", first.quiz.question) not in seen[tuesday]  # not the quiz itself
        assert re.sub(r"\s+", " ", first.variant(1).question) in seen[tuesday]
    assert "Right!" in seen[tuesday] and "It comes back around" in seen[tuesday]

    # x-lists comes back at growing intervals
    days = [d for d, lesson_id in sorted(reviews.items()) if lesson_id == "x-lists"]
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    assert len(gaps) >= 3 and all(b > a for a, b in itertools.pairwise(gaps)), days
    assert gaps[0] <= 3 and gaps[-1] >= 14, gaps
    # the track ended in the first week; the reviews went on
    assert completed_on is not None and completed_on < MONDAY + dt.timedelta(days=7)
    assert any(d > completed_on + dt.timedelta(days=7) for d in reviews)

    last = MONDAY + dt.timedelta(days=WEEKS * 7 - 3)  # the sixth Friday
    progress = run("chat", "--user", "dan", when=at(last, "17:00"), stdin="progress\n")
    match = re.search(
        r"Reviews: (\d+) retained, (\d+) due now, (\d+) in your schedule; streak: (\d+) right", progress
    )
    assert match is not None, progress
    retained, _, scheduled, streak = (int(g) for g in match.groups())
    assert retained >= 1 and scheduled == 4 and streak >= len(days) - 1
    # the admin's report holds the retention figures back: one learner is too few to report
    report = run("chat", "--user", "root", when=at(last, "17:05"), stdin="report veille\n")
    assert "Retained at 3 weeks: too few to report" in report
