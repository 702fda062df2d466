"""`tandem lessons check` warns about weak example questions (`asks:`): too few, duplicated, or
answered with another lesson."""

from __future__ import annotations

from pathlib import Path

from lessons import load_library
from lessons.engine import MIN_EXAMPLES, AnswerEngine, check_examples
from tests.lessons.helpers import lesson_text, write_lesson


def asks_field(*questions: str) -> str:
    return "".join(f'\n  - "{q}"' for q in questions)


def messages(root: Path) -> list[str]:
    library = load_library([root], include_bundled=False)
    assert library.errors == []
    return [str(p) for p in check_examples(library)]


BIRDS = [f"how do I feed the garden birds in winter {n}" for n in range(MIN_EXAMPLES)]
BOATS = [f"how do I tie a sailing boat knot number {n}" for n in range(MIN_EXAMPLES)]


def write_pair(root: Path, birds: list[str], boats: list[str]) -> tuple[Path, Path]:
    bird = write_lesson(
        root,
        lesson_text(
            "garden-birds", title="Feeding garden birds", tags="[birds, garden]", asks=asks_field(*birds)
        ),
        lesson_id="garden-birds",
    )
    boat = write_lesson(
        root,
        lesson_text("sailing-knots", title="Sailing knots", tags="[sailing, knots]", asks=asks_field(*boats)),
        lesson_id="sailing-knots",
    )
    return bird, boat


def test_enough_distinct_examples_that_point_home_raise_no_warning(tmp_path: Path) -> None:
    write_pair(tmp_path, BIRDS, BOATS)
    assert messages(tmp_path) == []


def test_too_few_examples_are_a_warning(tmp_path: Path) -> None:
    bird, _ = write_pair(tmp_path, BIRDS[:3], BOATS)
    assert messages(tmp_path) == [f"{bird}:17: warning: 3 example questions (asks); aim for {MIN_EXAMPLES}+"]


def test_duplicates_across_lessons_are_a_warning_at_their_line(tmp_path: Path) -> None:
    shared = "How do I feed the garden birds in winter 0?"
    _, boat = write_pair(tmp_path, BIRDS, [*BOATS, shared])
    found = messages(tmp_path)
    dup = [m for m in found if "duplicate example" in m]
    assert len(dup) == 1
    assert "also in 'garden-birds'" in dup[0]
    line = boat.read_text().split("\n").index(f'  - "{shared}"') + 1
    assert dup[0].startswith(f"{boat}:{line}: warning:")


def test_an_example_leaning_towards_another_lesson_is_a_note(tmp_path: Path) -> None:
    """Answered with the other lesson, but not confidently: flagged as a boundary example to check."""
    stray = "which seed do garden birds like for their winter feeding"
    _, boat = write_pair(tmp_path, BIRDS, [*BOATS, stray])
    library = load_library([tmp_path], include_bundled=False)
    problems = [p for p in check_examples(library) if "garden-birds" in p.message]
    line = boat.read_text().split("\n").index(f'  - "{stray}"') + 1
    assert [str(p) for p in problems] == [
        f"{boat}:{line}: note: example question {stray!r} leans towards lesson 'garden-birds' on its words "
        "alone (not confidently): a boundary example, fine if it belongs here"
    ]
    assert problems[0].note and not problems[0].warning
    library.problems.extend(problems)
    assert library.notes == problems and library.errors == []
    assert problems[0] not in library.warnings


def test_an_example_confidently_answered_with_another_lesson_is_a_warning(tmp_path: Path) -> None:
    """Filed under the wrong lesson: the bundled two-step lesson gets a question about password managers."""
    bundled = Path(__file__).resolve().parents[2] / "lessons" / "library" / "en"
    text = (bundled / "two-factor-authentication.md").read_text(encoding="utf-8")
    stray = "which password manager should I use to store all my passwords"
    (tmp_path / "en").mkdir()
    moved = tmp_path / "en" / "two-factor-authentication.md"
    moved.write_text(text.replace("asks:\n", f'asks:\n  - "{stray}"\n', 1), encoding="utf-8")
    found = [str(p) for p in check_examples(load_library([tmp_path])) if stray in p.message]
    line = moved.read_text(encoding="utf-8").split("\n").index(f'  - "{stray}"') + 1
    assert found == [
        f"{moved}:{line}: warning: example question {stray!r} is answered with lesson 'strong-passwords', "
        "not this one"
    ]


def test_examples_make_the_engine_answer_their_lesson(tmp_path: Path) -> None:
    """A word that only an example question has (here "pigeons") now finds the lesson."""
    write_pair(tmp_path, [*BIRDS, "the pigeons eat everything I put out"], BOATS)
    engine = AnswerEngine(load_library([tmp_path], include_bundled=False))
    assert engine.answer("pigeons").lesson_id == "garden-birds"
