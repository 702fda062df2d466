"""Match suggest: the hard rules, the reasons a learner is left out, the soft preferences, and a matching
as large as possible where a greedy one is not. Dates are fixed: 2026-01-15 is winter on both sides of
the Atlantic; on 2026-03-20 New York is on summer time and Paris not yet."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter
from collections.abc import Mapping, Sequence

import pytest

from bot.core.matching import (
    LOAD_COST,
    Member,
    Proposal,
    Reason,
    Result,
    Unmatched,
    Unmet,
    hours_overlap,
    in_reporting_line,
    pair_table,
    suggest,
)

ON = dt.date(2026, 1, 15)  # winter time in Europe and North America
PARIS, LONDON, NEW_YORK, SINGAPORE = "Europe/Paris", "Europe/London", "America/New_York", "Asia/Singapore"


def person(
    id: int, lang: str = "en", tz: str = PARIS, department: str | None = None, langs: str = ""
) -> Member:
    return Member(id, lang, tz, department, frozenset(langs.split()) if langs else frozenset())


def run(
    learners: Sequence[Member],
    mentors: Sequence[Member],
    managers: Mapping[int, int | None] | None = None,
    **options: object,
) -> Result:
    return suggest(learners, mentors, managers=managers or {}, on=ON, **options)  # type: ignore[arg-type]


def paired(result: Result) -> dict[int, int]:
    return {p.learner_id: p.mentor_id for p in result.proposals}


def why(result: Result) -> dict[int, tuple[Unmet, str]]:
    return {u.learner_id: (u.why, u.arg) for u in result.unmatched}


# --- reporting lines ---------------------------------------------------------------------------------


CHAIN = {1: 2, 2: 3, 3: 4, 4: None, 5: 2}
"""1 reports to 2, 2 to 3, 3 to 4: 4 is 1's grand-grand-manager. 5 is 1's peer (same manager)."""


def test_a_manager_at_depth_3_is_in_the_reporting_line_both_ways() -> None:
    assert in_reporting_line(1, 4, CHAIN) and in_reporting_line(4, 1, CHAIN)
    assert in_reporting_line(1, 2, CHAIN) and in_reporting_line(3, 5, CHAIN)
    assert not in_reporting_line(1, 5, CHAIN)  # peers
    assert not in_reporting_line(1, 99, CHAIN) and not in_reporting_line(99, 98, {})


@pytest.mark.parametrize(("learner", "mentor"), [(4, 1), (1, 4)])
def test_suggest_never_pairs_across_three_levels(learner: int, mentor: int) -> None:
    # The mentor in the line is the better pair on every soft preference: only the rule can refuse it.
    line = person(mentor, department="sales")
    other = person(50, tz=SINGAPORE, department="it")
    result = run([person(learner, department="it")], [line, other], CHAIN)
    assert paired(result) == {learner: 50}
    alone = run([person(learner, department="it")], [line], CHAIN)
    assert why(alone) == {learner: (Unmet.REPORTING_LINE, "en")}


def test_a_cycle_in_managers_ends_the_walk() -> None:
    cycle = {1: 2, 2: 3, 3: 1, 7: 7, 8: 9, 9: 8}
    assert in_reporting_line(1, 3, cycle) and in_reporting_line(3, 1, cycle)
    assert not in_reporting_line(1, 7, cycle) and not in_reporting_line(8, 1, cycle)
    assert not in_reporting_line(10, 11, {**cycle, 10: 8, 11: 1})  # chains that end in two cycles
    assert in_reporting_line(10, 9, {**cycle, 10: 8})
    # 3 is above 1 (and below it), 9 above 8: only 7 and the other cycle's people remain.
    result = run([person(1), person(8)], [person(3), person(9), person(7)], cycle)
    assert paired(result)[1] in (7, 9) and paired(result)[8] in (3, 7)
    assert why(run([person(1)], [person(3)], cycle)) == {1: (Unmet.REPORTING_LINE, "en")}


# --- capacity ----------------------------------------------------------------------------------------


def test_capacity_is_two_by_default_then_full() -> None:
    learners = [person(1), person(2), person(3)]
    result = run(learners, [person(10)])
    assert sorted(paired(result)) == [1, 2]
    assert result.unmatched == (Unmatched(3, Unmet.NO_CAPACITY, "en"),)


def test_a_capacity_override_and_the_current_load_count() -> None:
    learners = [person(1), person(2), person(3), person(4)]
    assert len(run(learners, [person(10)], capacity={10: 3}).proposals) == 3
    assert len(run(learners, [person(10)], load={10: 1}).proposals) == 1
    assert len(run(learners, [person(10)], capacity={10: 3}, load={10: 2}).proposals) == 1
    assert len(run(learners, [person(10)], default_capacity=4).proposals) == 4
    full = run(learners[:1], [person(10)], load={10: 2})
    assert why(full) == {1: (Unmet.NO_CAPACITY, "en")}
    assert why(run(learners[:1], [person(10)], capacity={10: 0})) == {1: (Unmet.NO_CAPACITY, "en")}


def test_a_busier_mentor_gets_a_learner_last_when_all_else_is_equal() -> None:
    result = run([person(1)], [person(10), person(11)], load={10: 1})
    assert paired(result) == {1: 11}


# --- language ----------------------------------------------------------------------------------------


def test_a_french_learner_never_gets_an_english_only_mentor() -> None:
    # The English-only mentor is the better pair on every soft preference.
    learner = person(1, "fr", PARIS, "finance")
    english = person(10, "en", PARIS, "it")
    french = person(11, "fr", SINGAPORE, "finance")
    assert paired(run([learner], [english, french])) == {1: 11}
    assert why(run([learner], [english])) == {1: (Unmet.NO_LANGUAGE, "fr")}


def test_a_mentor_s_extra_languages_count() -> None:
    learner = person(1, "fr")
    bilingual = person(10, "en", langs="fr")
    [proposal] = run([learner], [bilingual]).proposals
    assert proposal.mentor_id == 10 and (Reason.LANGUAGE, "fr") in proposal.reasons
    # A bilingual learner's own language is the one named when the mentor speaks it too.
    [proposal] = run([person(2, "fr", langs="en")], [bilingual]).proposals
    assert (Reason.LANGUAGE, "fr") in proposal.reasons
    assert why(run([person(3, "de", langs="it")], [bilingual])) == {3: (Unmet.NO_LANGUAGE, "de,it")}


# --- no repeats --------------------------------------------------------------------------------------


def test_a_past_pair_is_never_proposed_again() -> None:
    learners, mentors = [person(1)], [person(10), person(11, tz=SINGAPORE)]
    assert paired(run(learners, mentors)) == {1: 10}
    assert paired(run(learners, mentors, past={(10, 1)})) == {1: 11}
    assert why(run(learners, mentors, past=[(10, 1), (11, 1)])) == {1: (Unmet.REPORTING_LINE, "en")}


def test_a_pair_refused_in_this_round_is_not_proposed_again() -> None:
    learners, mentors = [person(1)], [person(10), person(11, tz=SINGAPORE)]
    assert paired(run(learners, mentors, refused=[(10, 1)])) == {1: 11}
    both = run(learners, mentors, past=[(11, 1)], refused=[(10, 1)])
    assert why(both) == {1: (Unmet.REPORTING_LINE, "en")}
    # The tuples are (mentor, learner): the same ids the other way round exclude nothing here.
    assert paired(run(learners, mentors, refused=[(1, 10)])) == {1: 10}


# --- why a learner is left out -----------------------------------------------------------------------


def test_no_mentor_at_all_and_never_oneself() -> None:
    assert why(run([person(1), person(2, "fr")], [])) == {
        1: (Unmet.NO_MENTORS, ""),
        2: (Unmet.NO_MENTORS, ""),
    }
    assert why(run([person(1)], [person(1)])) == {1: (Unmet.NO_MENTORS, "")}
    # Someone in both lists mentors another learner, never themselves.
    result = run([person(1), person(2)], [person(1), person(3, tz=SINGAPORE)])
    assert paired(result) == {1: 3, 2: 1}


def test_the_most_specific_reason_is_given() -> None:
    learners = [person(1, "fr"), person(2, "fr"), person(3, "de"), person(4, "fr"), person(5, "fr")]
    mentors = [person(10, "en"), person(11, "fr")]
    managers = {2: 11}  # 11 manages 2
    result = run(learners, mentors, managers, past=[(11, 4)])
    assert paired(result) == {1: 11, 5: 11}
    assert why(result) == {
        2: (Unmet.REPORTING_LINE, "fr"),  # the French mentor is their manager; the other speaks English
        3: (Unmet.NO_LANGUAGE, "de"),
        4: (Unmet.REPORTING_LINE, "fr"),  # a past pair
    }
    crowded = run([*learners, person(6, "fr")], mentors, managers, past=[(11, 4)])
    [full] = [u for u in crowded.unmatched if u.why is Unmet.NO_CAPACITY]
    assert full.learner_id in (1, 5, 6) and full.arg == "fr"  # three French learners, two places


def test_empty_lists_give_an_empty_result() -> None:
    assert run([], []) == Result((), ()) and run([], [person(10)]) == Result((), ())


def test_duplicate_ids_in_one_list_are_refused() -> None:
    with pytest.raises(ValueError, match="learner 1 appears twice"):
        run([person(1), person(1)], [person(10)])


# --- soft preferences --------------------------------------------------------------------------------


@pytest.mark.parametrize("order", [(10, 11), (11, 10)])
def test_another_department_is_preferred(order: tuple[int, int]) -> None:
    choices = {10: person(10, department="sales"), 11: person(11, department="it")}
    result = run([person(1, department="sales")], [choices[n] for n in order])
    [proposal] = result.proposals
    assert proposal == Proposal(
        1, 11, ((Reason.LANGUAGE, "en"), (Reason.OTHER_DEPARTMENT, ""), (Reason.HOURS, "9"))
    )


@pytest.mark.parametrize("order", [(10, 11), (11, 10)])
def test_overlapping_hours_are_preferred(order: tuple[int, int]) -> None:
    choices = {10: person(10, tz=NEW_YORK), 11: person(11, tz=LONDON)}
    [proposal] = run([person(1, tz=PARIS)], [choices[n] for n in order]).proposals
    assert proposal.mentor_id == 11 and (Reason.HOURS, "8") in proposal.reasons


def test_unmet_soft_preferences_are_shown() -> None:
    [proposal] = run(
        [person(1, tz=SINGAPORE, department="it")], [person(10, tz=NEW_YORK, department="it")]
    ).proposals
    assert proposal.reasons == (
        (Reason.LANGUAGE, "en"),
        (Reason.SAME_DEPARTMENT, ""),
        (Reason.FEW_HOURS, "0"),
    )
    [proposal] = run([person(1, department="it")], [person(10)]).proposals  # a department unknown: no reason
    assert [reason for reason, _ in proposal.reasons] == [Reason.LANGUAGE, Reason.HOURS]


def test_the_whole_round_is_best_not_each_learner_in_turn() -> None:
    # Learner 1 slightly prefers mentor 10 (London vs Paris); learner 2 can only meet 10's hours (New York
    # vs Singapore). The best round gives 10 to learner 2.
    learners = [person(1, tz=PARIS), person(2, tz=NEW_YORK)]
    mentors = [person(10, tz=LONDON), person(11, tz=SINGAPORE)]
    result = run(learners, mentors, capacity={10: 1, 11: 1})
    assert paired(result) == {1: 11, 2: 10}


# --- the largest matching ----------------------------------------------------------------------------


def greedy(learners: Sequence[Member], mentors: Sequence[Member], **options: object) -> dict[int, int]:
    """Each learner in turn takes their best mentor with a place left: what the solver must beat."""
    pairs = pair_table(learners, mentors, managers=options.pop("managers", {}), on=ON, **options)  # type: ignore[arg-type]
    free = pairs.free.copy()
    chosen: dict[int, int] = {}
    for i, learner in enumerate(learners):
        options_ = [j for j in range(len(mentors)) if pairs.allowed[i, j] and free[j] > 0]
        if options_:
            j = min(options_, key=lambda j: pairs.soft[i, j])
            free[j] -= 1
            chosen[learner.id] = mentors[j].id
    return chosen


def test_every_learner_is_matched_where_a_greedy_order_strands_one() -> None:
    # Learner 1 prefers mentor 10 (another department); learner 2 cannot have mentor 11 (their manager).
    learners = [person(1, department="it"), person(2, department="it")]
    mentors = [person(10, department="sales"), person(11, department="it")]
    options: dict[str, object] = {"managers": {2: 11}, "capacity": {10: 1, 11: 1}}
    assert greedy(learners, mentors, **dict(options)) == {1: 10}
    result = run(learners, mentors, **options)  # type: ignore[arg-type]
    assert paired(result) == {1: 11, 2: 10} and result.unmatched == ()


def test_more_learners_than_places_still_gives_the_most_pairs() -> None:
    # Two places for three learners; 2 and 3 can only have mentor 10, learner 1 prefers 10 too.
    learners = [person(1, department="it"), person(2), person(3)]
    mentors = [person(10, department="sales"), person(11, department="it")]
    options: dict[str, object] = {"managers": {2: 11, 3: 11}, "capacity": {10: 1, 11: 1}}
    assert len(greedy(learners, mentors, **dict(options))) == 1
    result = run(learners, mentors, **options)  # type: ignore[arg-type]
    assert len(result.proposals) == 2 and paired(result)[1] == 11
    [left] = result.unmatched
    assert left.learner_id in (2, 3) and left.why is Unmet.NO_CAPACITY


def random_case(seed: int) -> tuple[list[Member], list[Member], dict[str, object]]:
    rng = random.Random(seed)
    zones = [PARIS, LONDON, NEW_YORK, SINGAPORE]
    learners = [
        person(n, rng.choice("en en fr".split()), rng.choice(zones), rng.choice(["a", "b", None]))
        for n in range(1, 7)
    ]
    mentors = [
        person(
            n,
            rng.choice("en fr".split()),
            rng.choice(zones),
            rng.choice("a b c".split()),
            rng.choice(["", "fr"]),
        )
        for n in range(11, 14)
    ]
    managers = {n: rng.choice([None, *range(1, 7), *range(11, 14)]) for n in range(1, 14)}
    options: dict[str, object] = {
        "managers": managers,
        "past": {(rng.randint(11, 13), rng.randint(1, 6)) for _ in range(2)},
        "load": {11: rng.randint(0, 1)},
        "capacity": {12: rng.randint(1, 3)},
    }
    return learners, mentors, options


@pytest.mark.parametrize("seed", range(40))
def test_small_rounds_are_the_best_of_every_possible_assignment(seed: int) -> None:
    """Every assignment of 6 learners to 3 mentors (or none) tried: the result has the most pairs, then
    the lowest cost, and breaks no hard rule (checked here without the engine's matrices)."""
    learners, mentors, options = random_case(seed)
    managers = options["managers"]
    assert isinstance(managers, dict)
    pairs = pair_table(learners, mentors, on=ON, **options)  # type: ignore[arg-type]
    result = run(learners, mentors, **options)  # type: ignore[arg-type]

    def score(choice: Sequence[int | None]) -> tuple[int, float] | None:
        taken = Counter(j for j in choice if j is not None)
        if any(taken[j] > pairs.free[j] for j in taken):
            return None
        if any(j is not None and not pairs.allowed[i, j] for i, j in enumerate(choice)):
            return None
        soft = sum(pairs.soft[i, j] for i, j in enumerate(choice) if j is not None)
        spread = sum(LOAD_COST * (pairs.load[j] * k + k * (k - 1) / 2) for j, k in taken.items())
        return sum(taken.values()), soft + spread

    scores = [s for c in itertools.product([None, 0, 1, 2], repeat=len(learners)) if (s := score(c))]
    best = min(scores, key=lambda s: (-s[0], s[1]))
    column = {m.id: j for j, m in enumerate(mentors)}
    row = {m.id: i for i, m in enumerate(learners)}
    got = score([column.get(paired(result).get(learner.id, -1)) for learner in learners])
    assert got is not None and got[0] == best[0] and got[1] == pytest.approx(best[1])
    langs = {m.id: {m.lang, *m.langs} for m in mentors}
    for proposal in result.proposals:
        learner = learners[row[proposal.learner_id]]
        assert learner.lang in langs[proposal.mentor_id]
        assert not _above(proposal.learner_id, proposal.mentor_id, managers)
        assert not _above(proposal.mentor_id, proposal.learner_id, managers)
        assert (proposal.mentor_id, proposal.learner_id) not in options["past"]  # type: ignore[operator]
    assert {u.learner_id for u in result.unmatched} | set(paired(result)) == set(row)


def _above(boss: int, person: int, managers: Mapping[int, int | None]) -> bool:
    seen: set[int] = set()
    current = managers.get(person)
    while current is not None and current not in seen:
        if current == boss:
            return True
        seen.add(current)
        current = managers.get(current)
    return False


def test_the_same_input_gives_the_same_output() -> None:
    rng = random.Random(7)
    learners = [person(n, rng.choice(["en", "fr"]), rng.choice([PARIS, NEW_YORK])) for n in range(60)]
    mentors = [
        person(n, rng.choice(["en", "fr"]), rng.choice([PARIS, LONDON]), langs="fr") for n in range(100, 130)
    ]
    managers = {n: rng.choice([None, *range(100, 130)]) for n in range(60)}
    first = run(learners, mentors, managers)
    assert first == run(list(learners), list(mentors), dict(managers))
    assert first == run(tuple(learners), tuple(mentors), dict(reversed(managers.items())))
    assert len(first.proposals) + len(first.unmatched) == 60


# --- working hours -----------------------------------------------------------------------------------


def test_hours_overlap_between_zones() -> None:
    assert hours_overlap(PARIS, LONDON, on=ON) == 8
    assert hours_overlap(PARIS, NEW_YORK, on=ON) == 3  # 15:00-18:00 in Paris, 9:00-12:00 in New York
    assert hours_overlap(PARIS, PARIS, on=ON) == 9
    assert hours_overlap(NEW_YORK, SINGAPORE, on=ON) == 0
    assert hours_overlap(PARIS, "Asia/Kolkata", on=ON) == 4.5
    assert hours_overlap(PARIS, LONDON, on=ON, start=8, end=12) == 3


def test_hours_overlap_follows_summer_time_on_the_day_given() -> None:
    assert hours_overlap(PARIS, NEW_YORK, on=dt.date(2026, 3, 20)) == 4  # New York already on summer time
    assert hours_overlap(PARIS, NEW_YORK, on=dt.date(2026, 7, 15)) == 3  # both on summer time
    assert hours_overlap(PARIS, "Australia/Sydney", on=ON) == 0  # Sydney's summer: 10 h ahead of Paris
    assert hours_overlap(PARIS, "Australia/Sydney", on=dt.date(2026, 7, 15)) == 1  # Sydney's winter: 8 h


def test_hours_overlap_counts_the_other_person_s_day_before_or_after() -> None:
    # Auckland (UTC+13 in January) and Honolulu (UTC-10) are an hour apart, a calendar day away.
    assert hours_overlap("Pacific/Auckland", "Pacific/Honolulu", on=ON) == 8
    assert hours_overlap("Pacific/Honolulu", "Pacific/Auckland", on=ON) == 8


def test_hours_outside_a_day_are_refused() -> None:
    with pytest.raises(ValueError, match="working hours"):
        hours_overlap(PARIS, LONDON, on=ON, start=18, end=9)
