"""The workshop run-sheet: every step timed, the whole lasting exactly what the planner asked, spare
minutes given to hands-on practice; and the lessons a workshop picks from a track."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from bot.core.runsheet import (
    HANDS_ON_MAX,
    HANDS_ON_MIN,
    RunSheet,
    RunSheetError,
    Step,
    StepKind,
    build,
    fit_count,
    max_minutes,
    min_minutes,
    opening_question,
    pick_from_track,
)
from lessons import Lesson, Quiz

LESSONS = ["linkedin-profile", "strong-passwords", "phishing-scams", "x-basics"]


def kinds(sheet: RunSheet) -> list[tuple[str, str | None]]:
    return [(step.kind.value, step.lesson_id) for step in sheet.steps]


def hands_on(sheet: RunSheet) -> list[int]:
    return [step.minutes for step in sheet.steps if step.kind is StepKind.HANDS_ON]


def test_the_shortest_workshop_of_two_lessons_is_thirty_minutes() -> None:
    sheet = build(LESSONS[:2], 30)
    assert kinds(sheet) == [
        ("welcome", None),
        ("opener", "linkedin-profile"),
        ("outline", "linkedin-profile"),
        ("hands_on", "linkedin-profile"),
        ("quiz", "linkedin-profile"),
        ("opener", "strong-passwords"),
        ("outline", "strong-passwords"),
        ("hands_on", "strong-passwords"),
        ("quiz", "strong-passwords"),
        ("closing", None),
    ]
    assert [step.minutes for step in sheet.steps] == [2, 2, 5, 3, 2, 2, 5, 3, 2, 4]
    assert [step.offset for step in sheet.steps] == [0, 2, 4, 9, 12, 14, 16, 21, 24, 26]
    assert sheet.minutes == 30 and sheet.steps[-1].ends == 30
    assert sheet.lessons == ("linkedin-profile", "strong-passwords")


@pytest.mark.parametrize("count", [2, 3, 4])
def test_every_length_from_the_minimum_to_the_maximum_sums_exactly(count: int) -> None:
    for minutes in range(min_minutes(count), max_minutes(count) + 1):
        sheet = build(LESSONS[:count], minutes)
        assert sheet.minutes == minutes
        assert sheet.steps[0].offset == 0
        assert all(a.ends == b.offset for a, b in zip(sheet.steps, sheet.steps[1:], strict=False))
        practice = hands_on(sheet)
        assert len(practice) == count
        assert all(HANDS_ON_MIN <= m <= HANDS_ON_MAX for m in practice)
        assert max(practice) - min(practice) <= 1
        assert practice == sorted(practice, reverse=True)


def test_spare_minutes_go_to_hands_on_the_first_ones_taking_the_remainder() -> None:
    assert hands_on(build(LESSONS[:3], 60)) == [9, 9, 9]
    assert hands_on(build(LESSONS[:3], 62)) == [10, 10, 9]
    assert hands_on(build(LESSONS[:4], 57)) == [4, 4, 4, 3]


def test_bounds() -> None:
    assert [min_minutes(n) for n in (2, 3, 4)] == [30, 42, 54]
    assert [max_minutes(n) for n in (2, 3, 4)] == [54, 78, 102]
    assert hands_on(build(LESSONS[:2], 54)) == [15, 15]


@pytest.mark.parametrize(
    ("lessons", "minutes", "code", "values"),
    [
        (LESSONS[:1], 30, "lesson_count", {"count": 1, "min": 2, "max": 4}),
        ([], 30, "lesson_count", {"count": 0, "min": 2, "max": 4}),
        ([*LESSONS, "x-lists"], 90, "lesson_count", {"count": 5, "min": 2, "max": 4}),
        (LESSONS[:2], 29, "too_few_minutes", {"minutes": 29, "minimum": 30}),
        (LESSONS[:3], 30, "too_few_minutes", {"minutes": 30, "minimum": 42}),
        (LESSONS[:2], 55, "too_many_minutes", {"minutes": 55, "maximum": 54}),
        (LESSONS[:4], 120, "too_many_minutes", {"minutes": 120, "maximum": 102}),
        (["x-basics", "x-lists", "x-basics"], 60, "duplicate_lesson", {"lesson_id": "x-basics"}),
    ],
)
def test_what_cannot_be_planned_says_why(
    lessons: list[str], minutes: int, code: str, values: dict[str, object]
) -> None:
    with pytest.raises(RunSheetError) as caught:
        build(lessons, minutes)
    assert caught.value.code == code
    assert caught.value.values == values
    assert str(caught.value).startswith(code)


def test_one_string_is_not_a_list_of_lessons() -> None:
    with pytest.raises(TypeError):
        build("linkedin-profile", 30)


def test_fit_count() -> None:
    assert fit_count(30) == 2
    assert fit_count(30, 3) == 2
    assert fit_count(41, 3) == 2
    assert fit_count(42, 3) == 3
    assert fit_count(60) == 3
    assert fit_count(60, 4) == 4
    assert fit_count(60, 2) == 3
    assert fit_count(90, 3) == 4
    assert fit_count(60, 9) == 4
    assert fit_count(50, 0) == 2
    assert fit_count(20) == 2
    assert fit_count(200) == 4
    for minutes in range(30, 103):
        build(LESSONS[: fit_count(minutes)], minutes)


def test_json_round_trip() -> None:
    sheet = build(LESSONS[:3], 60)
    data = sheet.to_json()
    assert data[0] == {"kind": "welcome", "lesson_id": None, "minutes": 2, "offset": 0}
    assert data[3] == {"kind": "hands_on", "lesson_id": "linkedin-profile", "minutes": 9, "offset": 9}
    assert RunSheet.from_json(data) == sheet
    assert RunSheet.from_json([{**step, "note": "ignored"} for step in data]) == sheet


def _plan() -> list[dict[str, object]]:
    return build(LESSONS[:2], 30).to_json()


def _with(index: int, **changes: object) -> list[dict[str, object]]:
    plan = _plan()
    plan[index] = {**plan[index], **changes}
    return plan


def _without(index: int, key: str) -> list[dict[str, object]]:
    plan = _plan()
    del plan[index][key]
    return plan


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "a run-sheet is a non-empty list of steps"),
        ([], "a run-sheet is a non-empty list of steps"),
        ({"kind": "welcome"}, "a run-sheet is a non-empty list of steps"),
        ([["welcome", None, 2, 0]], "step 1: not a mapping"),
        (_without(2, "minutes"), "step 3: missing minutes"),
        (_with(0, kind="coffee"), "step 1: unknown kind 'coffee'"),
        (_with(1, lesson_id=None), "step 2: opener needs its lesson id, not None"),
        (_with(1, lesson_id=""), "step 2: opener needs its lesson id, not ''"),
        (_with(0, lesson_id="x-basics"), "step 1: welcome has no lesson, not 'x-basics'"),
        (_with(3, minutes=0), "step 4: minutes must be a positive whole number"),
        (_with(3, minutes=2.5), "step 4: minutes must be a positive whole number"),
        (_with(3, minutes=True), "step 4: minutes must be a positive whole number"),
        (_with(3, offset="9"), "step 4: offset must be a whole number"),
        (_with(4, offset=13), "step 5: starts at minute 13, not 12"),
        (_with(3, minutes=4), "step 5: starts at minute 12, not 13"),
    ],
)
def test_from_json_refuses_what_is_not_a_run_sheet(data: object, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        RunSheet.from_json(data)


def test_a_step_knows_when_it_ends() -> None:
    assert Step(StepKind.QUIZ, "x-basics", 2, 12).ends == 14


@pytest.mark.parametrize(
    ("received", "participants", "count", "expected"),
    [
        ({}, 6, 3, ["a", "b", "c"]),
        ({"a": 6, "b": 4}, 6, 3, ["c", "d", "e"]),
        ({"a": 3, "b": 4}, 6, 3, ["a", "c", "d"]),
        ({"a": 2}, 4, 2, ["a", "b"]),
        ({"a": 3}, 4, 2, ["b", "c"]),
        ({"a": 5, "b": 5, "c": 5, "d": 5, "e": 5}, 5, 3, ["a", "b", "c"]),
        ({"a": 5, "b": 2, "c": 4, "d": 3, "e": 5}, 5, 3, ["b", "c", "d"]),
        ({"a": 5, "b": 5, "c": 4, "d": 5, "e": 1}, 5, 3, ["a", "c", "e"]),
        ({"a": 4, "b": 4, "c": 4, "d": 4}, 4, 2, ["a", "e"]),
        ({}, 0, 3, ["a", "b", "c"]),
        ({}, 6, 9, ["a", "b", "c", "d", "e"]),
        ({}, 6, 0, []),
    ],
)
def test_pick_from_track(
    received: dict[str, int], participants: int, count: int, expected: list[str]
) -> None:
    assert pick_from_track(["a", "b", "c", "d", "e"], received, participants, count) == expected


def test_pick_from_track_keeps_track_order_and_ignores_repeats() -> None:
    assert pick_from_track(["c", "a", "c", "b"], {"a": 9}, 4) == ["c", "a", "b"]
    with pytest.raises(ValueError):
        pick_from_track(["a"], {}, 3, -1)


def test_a_thirty_minute_workshop_from_a_track_takes_two_fresh_lessons() -> None:
    track = ["linkedin-profile", "linkedin-visibility", "strong-passwords", "two-factor-authentication"]
    picked = pick_from_track(track, {"linkedin-profile": 5}, 8, fit_count(30))
    assert picked == ["linkedin-visibility", "strong-passwords"]
    assert build(picked, 30).minutes == 30


def _lesson(lang: str, title: str) -> Lesson:
    quiz = Quiz("Q?", ("A", "B"), "A", "E.")
    return Lesson("linkedin-profile", lang, title, ("x",), "S.", "T.", quiz, dt.date(2026, 11, 20), "Body.")


def test_the_opening_question_is_the_opener_else_one_made_from_the_title() -> None:
    english = _lesson("en", "A LinkedIn profile that works")
    with_opener = dataclasses.replace(english, opener="What worries you about LinkedIn?")
    assert opening_question(with_opener) == "What worries you about LinkedIn?"
    assert opening_question(english) == "A LinkedIn profile that works: where do you stand today?"
    assert opening_question(_lesson("en", "Profile, Page or group?")) == (
        "Profile, Page or group: where do you stand today?"
    )
    assert opening_question(_lesson("fr", "Profil, Page ou groupe Facebook\u202f?")) == (
        "Profil, Page ou groupe Facebook\u202f: où en êtes-vous aujourd’hui\u202f?"
    )
