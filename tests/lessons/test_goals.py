"""The programme's goals (`goals.yml`): the bundled list is complete and bilingual, and a broken file
gets `path:line: message` problems, never a traceback, in `load_library` and `tandem lessons check`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lessons import LANGS, Library, load_library
from lessons.goals import GOALS_FILE, ID_RE, TITLE_MAX, Goal, load_goals
from lessons.model import LEARNERS
from lessons.typography import french_problems

TRACKS = {"first-steps": ("strong-passwords", "phishing-scams"), "safe-and-serene": ("public-wifi",)}

GOOD = """\
goals:
  - id: protect-my-accounts
    title:
      en: Protect my accounts
      fr: Protéger mes comptes
    track: first-steps
    lessons: [strong-passwords]

  - id: stay-safe
    title:
      en: Stay safe on the move
      fr: Rester prudent en déplacement
    track: safe-and-serene
"""


def write(root: Path, text: str) -> Path:
    path = root / GOALS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def messages(path: Path, tracks: object = TRACKS) -> list[str]:
    _, problems = load_goals(path, tracks=tracks)  # type: ignore[arg-type]
    return [str(problem) for problem in problems]


def line_of(path: Path, text: str, after: int = 0) -> int:
    """The 1-based number of the first line at or after line `after` that contains `text`."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, start=1) if n > after and text in line)


# --- the bundled list ---------------------------------------------------------------------------------


def test_six_to_eight_bundled_goals_with_kebab_case_ids(bundled_library: Library) -> None:
    goals = list(bundled_library.goals.values())
    assert 6 <= len(goals) <= 8
    assert all(ID_RE.match(goal.id) for goal in goals)
    assert list(bundled_library.goals) == [goal.id for goal in goals]


def test_every_bundled_goal_leads_to_a_learners_track(bundled_library: Library) -> None:
    """An existing track, made of lessons for learners (the mentor guide is no goal of theirs), whose
    lessons include the goal's own, if it names some."""
    for goal in bundled_library.goals.values():
        track = bundled_library.tracks[goal.track]
        assert all(
            lesson.audience == LEARNERS
            for lesson_id in track.lessons
            if (lesson := bundled_library.get(lesson_id, "en"))
        ), goal.id
        assert set(goal.lessons) <= set(track.lessons), goal.id


def test_every_bundled_goal_has_a_short_title_in_each_language(bundled_library: Library) -> None:
    for goal in bundled_library.goals.values():
        assert set(goal.titles) == set(LANGS), goal.id
        assert all(0 < len(goal.title(lang)) <= TITLE_MAX for lang in LANGS), goal.id
        assert goal.title("en") != goal.title("fr"), goal.id
        assert not french_problems(goal.title("fr")) and "'" not in goal.title("fr"), goal.title("fr")


def test_the_issue_examples_are_in_the_bundled_list(bundled_library: Library) -> None:
    titles = {goal.title("en") for goal in bundled_library.goals.values()}
    for example in (
        "Use LinkedIn to be visible in my sector",
        "Follow my market in real time",
        "Protect my accounts",
        "Handle criticism online",
    ):
        assert example in titles


def test_the_bundled_goals_cover_every_learners_track(bundled_library: Library) -> None:
    learners = {
        track.id
        for track in bundled_library.tracks.values()
        if all(
            lesson.audience == LEARNERS
            for key, lesson in bundled_library.lessons.items()
            if key[0] in track.lessons
        )
    }
    assert {goal.track for goal in bundled_library.goals.values()} == learners


# --- load_goals ---------------------------------------------------------------------------------------


def test_a_good_file_loads_in_its_order_with_french_typography(tmp_path: Path) -> None:
    goals, problems = load_goals(write(tmp_path, GOOD), tracks=TRACKS)
    assert problems == []
    assert [goal.id for goal in goals] == ["protect-my-accounts", "stay-safe"]
    assert goals[0] == Goal(
        "protect-my-accounts",
        {"en": "Protect my accounts", "fr": "Protéger mes comptes"},
        "first-steps",
        ("strong-passwords",),
    )
    assert goals[1].lessons == () and goals[1].title("de") == "Stay safe on the move"
    assert len({goals[0], goals[1]}) == 2  # hashable, titles aside


def test_track_ids_alone_are_enough(tmp_path: Path) -> None:
    """Given track ids only, a goal's lessons are not checked against its track."""
    goals, problems = load_goals(write(tmp_path, GOOD), tracks=["first-steps", "safe-and-serene"])
    assert problems == [] and len(goals) == 2


def test_an_unknown_track_is_named_at_its_line_with_the_closest_one(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("track: safe-and-serene", "track: safe-and-serine"))
    assert messages(path) == [
        f"{path}:{line_of(path, 'safe-and-serine')}: goal 'stay-safe': no track 'safe-and-serine' "
        "(did you mean 'safe-and-serene'?)"
    ]


def test_a_broken_goal_never_stops_the_others(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("track: safe-and-serene", "track: nowhere"))
    goals, problems = load_goals(path, tracks=TRACKS)
    assert [goal.id for goal in goals] == ["protect-my-accounts"]
    assert [str(p) for p in problems] == [
        f"{path}:{line_of(path, 'nowhere')}: goal 'stay-safe': no track 'nowhere' "
        "(known: first-steps, safe-and-serene)"
    ]


def test_a_duplicate_id_is_reported_at_the_second_goal(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("id: stay-safe", "id: protect-my-accounts"))
    second = line_of(path, "id: protect-my-accounts", after=line_of(path, "id: protect-my-accounts"))
    assert messages(path) == [f"{path}:{second}: duplicate goal id 'protect-my-accounts'"]


def test_a_missing_language_is_reported_at_the_title(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("      fr: Rester prudent en déplacement\n", ""))
    title = line_of(path, "title:", after=line_of(path, "id: stay-safe"))
    assert messages(path) == [
        f"{path}:{title}: goal 'stay-safe': title has no 'fr' version; every goal needs en, fr"
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "      fr: Rester prudent en déplacement",
            "      fr: ''",
            "goal 'stay-safe': title 'fr' must be non-empty text",
        ),
        (
            "      fr: Rester prudent en déplacement",
            "      fr: Rester prudent\n      de: Sicher unterwegs",
            "goal 'stay-safe': title language 'de' is not one of en, fr",
        ),
        (
            "      en: Stay safe on the move",
            "      en: " + "Stay safe " * 8,
            f"goal 'stay-safe': title 'en' is 79 characters; the limit is {TITLE_MAX}",
        ),
    ],
)
def test_titles_are_checked_per_language(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = write(tmp_path, GOOD.replace(old, new))
    title = line_of(path, "title:", after=line_of(path, "id: stay-safe"))
    assert messages(path) == [f"{path}:{title}: {message}"]


def test_a_title_must_name_its_languages(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD.replace(
            "    title:\n      en: Stay safe on the move\n      fr: Rester prudent en déplacement",
            "    title: Stay safe",
        ),
    )
    assert messages(path) == [
        f"{path}:{line_of(path, 'title: Stay safe')}: goal 'stay-safe': title must give one title per "
        "language (en: …, fr: …)"
    ]


def test_bad_yaml_is_one_problem_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    track: safe-and-serene", "    track: [safe-and-serene"))
    found = messages(path)
    assert len(found) == 1 and found[0].startswith(f"{path}:") and "invalid YAML" in found[0]
    assert int(found[0].split(":")[1]) >= line_of(path, "track: [safe")


def test_a_duplicate_key_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD.replace("    track: safe-and-serene", "    track: safe-and-serene\n    track: first-steps"),
    )
    assert messages(path) == [
        f"{path}:{line_of(path, 'track: first-steps', after=12)}: duplicate key 'track'"
    ]


def test_an_unknown_field_gets_a_suggestion(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD.replace("    track: safe-and-serene", "    track: safe-and-serene\n    lesson: [public-wifi]"),
    )
    assert messages(path) == [
        f"{path}:{line_of(path, 'lesson: [')}: unknown field 'lesson' (did you mean 'lessons'?)"
    ]


@pytest.mark.parametrize("bad_id", ["Stay-Safe", "stay_safe", "stay--safe", "stay-safe-"])
def test_an_id_must_be_kebab_case(tmp_path: Path, bad_id: str) -> None:
    path = write(tmp_path, GOOD.replace("id: stay-safe", f"id: {bad_id}"))
    assert messages(path) == [
        f"{path}:{line_of(path, f'id: {bad_id}')}: goal id {bad_id!r} must be lowercase words joined by '-', "
        "like protect-my-accounts"
    ]


def test_a_goal_without_id_or_track_says_so_at_its_first_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD.replace("  - id: stay-safe\n    title:", "  - title:").replace(
            "    track: safe-and-serene\n", ""
        ),
    )
    start = line_of(path, "  - title:")
    assert messages(path) == [
        f"{path}:{start}: goal has no id: add 'id: some-words' (lowercase words joined by '-')",
        f"{path}:{start}: goal has no track: add 'track: <id>', one of the ids in tracks.yml",
    ]


def test_lessons_must_be_in_the_goal_track_and_listed_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD.replace(
            "lessons: [strong-passwords]",
            "lessons:\n      - strong-passwords\n      - public-wifi\n      - strong-passwords",
        ),
    )
    wifi = line_of(path, "- public-wifi")
    assert messages(path) == [
        f"{path}:{wifi}: goal 'protect-my-accounts': lesson 'public-wifi' is not in track 'first-steps'",
        f"{path}:{wifi + 1}: goal 'protect-my-accounts' lists lesson 'strong-passwords' twice",
    ]


@pytest.mark.parametrize("value", ["strong-passwords", "[]", "[1, 2]"])
def test_lessons_must_be_a_list_of_ids(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, GOOD.replace("lessons: [strong-passwords]", f"lessons: {value}"))
    assert messages(path) == [
        f"{path}:{line_of(path, 'lessons:')}: goal 'protect-my-accounts': lessons must be a list of "
        "lesson ids, like [strong-passwords]"
    ]


@pytest.mark.parametrize("text", ["", "goals:\n", "goals: []\n", "goals: protect\n", "title: x\n"])
def test_a_file_without_a_goals_list_says_what_it_must_hold(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    found = messages(path)
    assert found[-1].endswith("goals.yml must hold 'goals:' followed by a list of goals"), found
    assert all(line.startswith(f"{path}:") for line in found)


def test_an_entry_that_is_not_a_goal(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "  - just words\n")
    assert messages(path) == [
        f"{path}:{line_of(path, 'just words')}: each goal needs an id, a title per language and a track"
    ]


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / GOALS_FILE
    path.write_bytes("goals:\n  - id: caf\xe9\n".encode("latin-1"))
    assert messages(path) == [f"{path}:1: file is not valid UTF-8"]


# --- in the library, and in `tandem lessons check` ------------------------------------------------------


def test_an_extra_directory_adds_and_replaces_goals_and_may_use_its_own_tracks(tmp_path: Path) -> None:
    (tmp_path / "tracks.yml").write_text(
        "tracks:\n  - id: our-track\n    title: {en: Ours, fr: Le nôtre}\n    lessons: [public-wifi]\n",
        encoding="utf-8",
    )
    write(
        tmp_path,
        """\
        goals:
          - id: protect-my-accounts
            title: {en: Lock my accounts, fr: Verrouiller mes comptes}
            track: safe-and-serene
          - id: our-goal
            title: {en: Our goal, fr: Notre objectif}
            track: our-track
        """,
    )
    bundled = load_library()
    library = load_library([tmp_path])
    assert library.errors == []
    assert list(library.goals) == [*bundled.goals, "our-goal"]
    assert library.goals["protect-my-accounts"].title("en") == "Lock my accounts"
    assert library.goals["our-goal"].track == "our-track"


def test_a_broken_goals_file_is_an_error_of_the_library(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("track: safe-and-serene", "track: nowhere"))
    library = load_library([tmp_path])
    assert [str(p) for p in library.errors] == [
        f"{path}:{line_of(path, 'nowhere')}: goal 'stay-safe': no track 'nowhere' (known: first-steps, "
        "information-watch, mentor-guide, network-and-voice, safe-and-serene)"
    ]
    assert "stay-safe" not in library.goals and "protect-my-accounts" in library.goals


def test_a_goal_may_not_name_lessons_outside_its_track_in_the_library(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("lessons: [strong-passwords]", "lessons: [x-lists]"))
    assert [str(p) for p in load_library([tmp_path]).errors] == [
        f"{path}:{line_of(path, 'lessons:')}: goal 'protect-my-accounts': lesson 'x-lists' is not in track "
        "'first-steps'"
    ]


def test_lessons_check_prints_goal_problems_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import main

    monkeypatch.setattr("lessons.engine.check_examples", lambda library: [])  # tests/lessons covers them
    path = write(tmp_path, GOOD.replace("      fr: Protéger mes comptes\n", ""))
    assert main(["lessons", "check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    title = line_of(path, "title:")
    assert (
        f"{path}:{title}: goal 'protect-my-accounts': title has no 'fr' version; every goal needs en, fr"
        in out
    )
    assert out.splitlines()[-1].endswith(", 1 error, 0 warnings")
