"""Review policies with a controlled clock: intervals that grow after right answers, a wrong answer due the
next day, states that survive JSON, and moments that must be aware."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scheduler.review_policy import DAY, FsrsPolicy, LeitnerPolicy, ReviewPolicy, ReviewState

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday


def _name(policy: ReviewPolicy) -> str:
    return f"{policy.name}-{getattr(policy, 'desired_retention', '')}".rstrip("-")


def _intervals(policy: ReviewPolicy, answers: list[bool], start: dt.datetime = START) -> list[float]:
    """Days from each answer to the next due time, each review answered exactly when due."""
    state = policy.first(start, answers[0])
    gaps = [(state.due - start) / DAY]
    for correct in answers[1:]:
        now = state.due
        state = policy.next(state, now, correct)
        gaps.append((state.due - now) / DAY)
    return gaps


def test_fsrs_wrong_then_right_grows_to_3_days_1_week_3_weeks_2_months() -> None:
    gaps = _intervals(FsrsPolicy(0.9), [False, True, True, True, True])
    assert gaps[0] == 1
    assert 2 <= gaps[1] <= 4
    assert 5 <= gaps[2] <= 9
    assert 14 <= gaps[3] <= 28
    assert 40 <= gaps[4] <= 75
    assert gaps == sorted(gaps) and len(set(gaps)) == len(gaps)


def test_fsrs_lower_retention_waits_longer() -> None:
    answers = [False, True, True, True]
    at_85 = _intervals(FsrsPolicy(0.85), answers)
    at_90 = _intervals(FsrsPolicy(0.9), answers)
    assert at_85[0] == at_90[0] == 1
    assert all(slow > fast for slow, fast in zip(at_85[1:], at_90[1:], strict=True))


def test_leitner_boxes_1_3_7_21_60_and_the_last_box_keeps_it() -> None:
    assert _intervals(LeitnerPolicy(), [False, True, True, True, True, True]) == [1, 3, 7, 21, 60, 60]
    assert _intervals(LeitnerPolicy(), [True, True]) == [3, 7]


@pytest.mark.parametrize("policy", [FsrsPolicy(0.9), FsrsPolicy(0.85), LeitnerPolicy()], ids=_name)
def test_a_wrong_answer_is_due_the_next_day_even_after_long_intervals(policy: ReviewPolicy) -> None:
    state = policy.first(START, True)
    for _ in range(4):
        state = policy.next(state, state.due, True)
    assert state.due - START > 60 * DAY
    now = state.due + 5 * DAY  # answered late
    wrong = policy.next(state, now, False)
    assert wrong.due == now + DAY
    assert policy.next(wrong, wrong.due, True).due > wrong.due + DAY


def test_fsrs_remembers_the_lapse() -> None:
    """After a wrong answer the next right one comes back sooner than the same history without it."""
    policy = FsrsPolicy(0.9)
    clean = _intervals(policy, [True, True, True, True])
    lapsed = _intervals(policy, [True, True, True, False, True])
    assert lapsed[-1] < clean[-1]


def test_states_survive_json_and_schedule_the_same() -> None:
    for policy in (FsrsPolicy(0.9), LeitnerPolicy()):
        state = policy.next(policy.first(START, False), START + DAY, True)
        again = ReviewState.from_json(state.to_json())
        assert again == state
        assert again.due.tzinfo is not None and again.due.utcoffset() == dt.timedelta(0)
        later = state.due + DAY
        assert policy.next(again, later, True) == policy.next(state, later, True)


def test_fsrs_counts_days_not_hours() -> None:
    """An answer at 08:00 the morning after one at 17:00 is a day later, like one exactly 24 hours later."""
    policy = FsrsPolicy(0.9)
    evening = START.replace(hour=17)
    state = policy.first(evening, True)
    next_morning = evening + dt.timedelta(hours=15)
    next_evening = evening + DAY
    early = policy.next(state, next_morning, True)
    exact = policy.next(state, next_evening, True)
    assert early.data["stability"] == exact.data["stability"]
    assert early.due - next_morning == exact.due - next_evening


def test_any_aware_zone_is_accepted_and_due_is_utc() -> None:
    paris = START.astimezone(ZoneInfo("Europe/Paris"))
    for policy in (FsrsPolicy(0.9), LeitnerPolicy()):
        state = policy.first(paris, False)
        assert state.due == START + DAY
        assert state.due.tzinfo is dt.UTC


@pytest.mark.parametrize("policy", [FsrsPolicy(0.9), LeitnerPolicy()], ids=_name)
def test_naive_moments_are_refused(policy: ReviewPolicy) -> None:
    with pytest.raises(ValueError, match="aware"):
        policy.first(START.replace(tzinfo=None), True)
    with pytest.raises(ValueError, match="aware"):
        policy.next(policy.first(START, True), (START + DAY).replace(tzinfo=None), True)


def test_a_state_from_the_other_policy_is_refused() -> None:
    leitner_state = LeitnerPolicy().first(START, True)
    fsrs_state = FsrsPolicy().first(START, True)
    with pytest.raises(ValueError, match="leitner"):
        FsrsPolicy().next(leitner_state, START + 3 * DAY, True)
    with pytest.raises(ValueError, match="fsrs"):
        LeitnerPolicy().next(fsrs_state, START + 3 * DAY, True)
