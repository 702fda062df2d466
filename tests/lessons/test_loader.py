"""The loader validates every lesson file and reports `path:line: message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessons import load_library
from tests.lessons.helpers import BODY, lesson_text, write_lesson


def errors_of(root: Path) -> list[str]:
    return [str(p) for p in load_library([root], include_bundled=False).errors]


def test_valid_lesson_loads(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text())
    library = load_library([tmp_path], include_bundled=False)
    assert library.errors == []
    lesson = library.get("demo-lesson", "en")
    assert lesson is not None
    assert lesson.quiz.answer == "This one"
    assert lesson.quiz.answer_index == 0
    assert lesson.body.startswith("Plain words")


@pytest.mark.parametrize(
    ("fields", "line", "message"),
    [
        ({"lang": "no"}, 4, "YAML reads it as false"),
        ({"lang": "de"}, 4, "lang must be one of en, fr"),
        ({"summary": "x" * 401}, 6, "summary is 401 characters"),
        ({"verified": "2026-02-30"}, 15, "verified"),
        ({"verified": "last week"}, 15, "verified must be a real date"),
        ({"title": None}, 2, "missing required field 'title'"),
        ({"related": "[no-such-lesson]"}, 16, "related lesson 'no-such-lesson' does not exist"),
        ({"sumary": "typo"}, 17, "unknown field 'sumary' (did you mean 'summary'?)"),
        ({"id": "other-name"}, 2, "does not match the file name"),
        ({"tags": "linkedin"}, 5, "tags must be a list"),
    ],
)
def test_field_errors_name_file_and_line(
    tmp_path: Path, fields: dict[str, str | None], line: int, message: str
) -> None:
    path = write_lesson(tmp_path, lesson_text(**fields))
    errors = errors_of(tmp_path)
    assert any(e.startswith(f"{path}:{line}:") and message in e for e in errors), errors


@pytest.mark.parametrize(
    ("quiz", "message"),
    [
        ("\n  question: Q?\n  choices: [A, B]\n  answer: C\n  explanation: E.", "answer 'C' is not one"),
        ("\n  question: Q?\n  choices: [A]\n  answer: A\n  explanation: E.", "2 to 4 choices"),
        ("\n  question: Q?\n  choices: [A, B, C, D, E]\n  answer: A\n  explanation: E.", "2 to 4 choices"),
        ("\n  question: Q?\n  choices: [A, B]\n  answer: A", "quiz is missing explanation"),
        ("yes", "quiz must have question"),
    ],
)
def test_quiz_errors(tmp_path: Path, quiz: str, message: str) -> None:
    write_lesson(tmp_path, lesson_text(quiz=quiz))
    assert any(message in e for e in errors_of(tmp_path))


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    text = lesson_text().replace("title: A demo lesson", "title: A demo lesson\ntitle: Again")
    path = write_lesson(tmp_path, text)
    assert f"{path}:4: duplicate key 'title'" in errors_of(tmp_path)


def test_duplicate_nested_keys_are_errors(tmp_path: Path) -> None:
    text = lesson_text().replace("  answer: This one", "  answer: This one\n  answer: That one")
    write_lesson(tmp_path, text)
    assert any("duplicate key 'answer'" in e for e in errors_of(tmp_path))


def test_missing_closing_delimiter(tmp_path: Path) -> None:
    text = lesson_text().replace("\n---\nPlain", "\nPlain", 1)
    path = write_lesson(tmp_path, text)
    assert errors_of(tmp_path) == [
        f"{path}:1: front matter is not closed: add a '---' line after the last field"
    ]


def test_no_front_matter_and_not_a_mapping(tmp_path: Path) -> None:
    write_lesson(tmp_path, BODY, lesson_id="plain")
    write_lesson(tmp_path, "---\n- a list\n---\n" + BODY, lesson_id="listy")
    errors = errors_of(tmp_path)
    assert any("plain.md:1: no front matter" in e for e in errors)
    assert any("listy.md:2: front matter must be" in e for e in errors)


def test_broken_yaml_reports_line(tmp_path: Path) -> None:
    text = lesson_text(summary='"unclosed quote')
    path = write_lesson(tmp_path, text)
    errors = errors_of(tmp_path)
    assert len(errors) == 1 and errors[0].startswith(f"{path}:")
    assert "invalid YAML" in errors[0]


def test_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text("good-one"), lesson_id="good-one")
    write_lesson(tmp_path, "---\nid: bad\n", lesson_id="bad")
    write_lesson(tmp_path, b"\xff\xfe".decode("latin-1"), lesson_id="binary")
    (tmp_path / "en" / "binary.md").write_bytes(b"---\n\xff\xfe\n---\n")
    library = load_library([tmp_path], include_bundled=False)
    assert "good-one" in library.ids()
    assert "bad" not in library.ids()
    assert any("not valid UTF-8" in str(e) for e in library.errors)


def test_language_folder_must_match(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text(lang="fr"), lang="en")
    assert any("does not match the folder 'en'" in e for e in errors_of(tmp_path))


def test_duplicate_id_in_one_directory(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text("same-id"), lesson_id="same-id")
    other = tmp_path / "en" / "same-id-copy.md"
    other.write_text(lesson_text("same-id"), encoding="utf-8")
    errors = errors_of(tmp_path)
    assert any("does not match the file name" in e for e in errors)


def test_override_from_later_directory(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_lesson(first, lesson_text(title="Bundled title"))
    write_lesson(second, lesson_text(title="Our own title"))
    library = load_library([first, second], include_bundled=False)
    lesson = library.get("demo-lesson", "en")
    assert lesson is not None and lesson.title == "Our own title"


def test_override_of_bundled_lesson(tmp_path: Path) -> None:
    text = lesson_text("strong-passwords", title="Our password policy", related="[two-factor-authentication]")
    write_lesson(tmp_path, text, lesson_id="strong-passwords")
    library = load_library([tmp_path])
    assert library.get("strong-passwords", "en").title == "Our password policy"
    assert library.get("strong-passwords", "fr").title != "Our password policy"


def test_tracks_are_validated(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text())
    (tmp_path / "tracks.yml").write_text(
        "tracks:\n"
        "  - id: ours\n"
        "    title: {en: Ours, fr: Les nôtres}\n"
        "    lessons:\n"
        "      - demo-lesson\n"
        "      - ghost-lesson\n"
        "  - id: Bad Id\n"
        "    title: x\n"
        "    lessons: [demo-lesson]\n",
        encoding="utf-8",
    )
    library = load_library([tmp_path], include_bundled=False)
    errors = [str(e) for e in library.errors]
    assert f"{tmp_path / 'tracks.yml'}:6: track 'ours': no lesson 'ghost-lesson'" in errors
    assert any("tracks.yml:7: track id must use" in e for e in errors)
    assert library.tracks["ours"].lessons == ("demo-lesson",)


def test_missing_directory_is_reported(tmp_path: Path) -> None:
    library = load_library([tmp_path / "nope"], include_bundled=False)
    assert [p.message for p in library.errors] == ["lesson directory not found"]


def test_short_body_is_a_warning(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text().replace(BODY, "Too short."))
    library = load_library([tmp_path], include_bundled=False)
    assert library.errors == []
    assert any("body has 2 words" in str(w) for w in library.warnings)


def test_related_lessons_come_in_the_lessons_language_else_in_another(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text("first", lang="fr", related="[second, third]"), "first", "fr")
    write_lesson(tmp_path, lesson_text("second", lang="fr", title="Deuxième"), "second", "fr")
    write_lesson(tmp_path, lesson_text("second", title="Second"), "second")
    write_lesson(tmp_path, lesson_text("third", title="Only in English"), "third")
    library = load_library([tmp_path], include_bundled=False)
    first = library.get("first", "fr")
    assert first is not None
    assert [(r.id, r.lang, r.title) for r in library.related(first)] == [
        ("second", "fr", "Deuxième"),
        ("third", "en", "Only in English"),
    ]


def test_a_locale_names_a_language_tandem_speaks_or_none() -> None:
    from lessons import lang_of_locale

    assert [lang_of_locale(v) for v in ("fr-FR", "en_GB", "FR", "de-DE", "", None, 42)] == [
        "fr",
        "en",
        "fr",
        None,
        None,
        None,
        None,
    ]


def test_asks_are_example_questions(tmp_path: Path) -> None:
    asks = '\n  - "How do I  do the thing?"\n  - comment faire sans accents\n  - 42'
    write_lesson(tmp_path, lesson_text(asks=asks))
    library = load_library([tmp_path], include_bundled=False)
    assert library.errors == []
    lesson = library.get("demo-lesson", "en")
    assert lesson is not None
    assert lesson.asks == ("How do I do the thing?", "comment faire sans accents", "42")


def test_a_lesson_without_asks_has_none(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text())
    lesson = load_library([tmp_path], include_bundled=False).get("demo-lesson", "en")
    assert lesson is not None and lesson.asks == ()


@pytest.mark.parametrize(
    ("asks", "message"),
    [
        ("How do I?", "asks must be a list of example questions"),
        ('\n  - "How do I?"\n  - ""', "asks: example 2 must be non-empty text"),
        ("\n  - [nested]", "asks: example 1 must be non-empty text"),
        (f"\n  - {'x' * 301}", "asks: example 1 is 301 characters; the limit is 300"),
    ],
)
def test_bad_asks_are_errors(tmp_path: Path, asks: str, message: str) -> None:
    path = write_lesson(tmp_path, lesson_text(asks=asks))
    errors = errors_of(tmp_path)
    assert any(e.startswith(f"{path}:17:") and message in e for e in errors), errors


def _variant(question: str, answer: str, other: str = "Something else") -> str:
    return (
        f"\n  - question: {question}\n    choices:\n      - {answer}\n      - {other}\n"
        f"    answer: {answer}\n    explanation: Because."
    )


VARIANTS = (
    _variant("What do you do first?", "Call back")
    + _variant("Which sign gives the scam away?", "The urgency")
    + _variant("What does checking cost you?", "Thirty seconds")
)


def test_quiz_variants_load_in_order_with_the_first_as_the_quiz(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text(quiz=None, quizzes=VARIANTS))
    library = load_library([tmp_path], include_bundled=False)
    assert library.errors == []
    assert not [w for w in library.warnings if "quiz" in w.message]
    lesson = library.get("demo-lesson", "en")
    assert lesson is not None
    assert [quiz.answer for quiz in lesson.variants] == ["Call back", "The urgency", "Thirty seconds"]
    assert lesson.quiz == lesson.variants[0]
    assert lesson.variant(4).answer == "The urgency"


def test_a_single_quiz_is_one_variant_and_stays_quiet(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text())
    library = load_library([tmp_path], include_bundled=False)
    assert library.errors == []
    assert not [w for w in library.warnings if "quiz" in w.message]
    lesson = library.get("demo-lesson", "en")
    assert lesson is not None and lesson.variants == (lesson.quiz,)


def test_a_short_list_of_variants_is_a_warning(tmp_path: Path) -> None:
    path = write_lesson(tmp_path, lesson_text(quiz=None, quizzes=VARIANTS.rsplit("\n  - ", 1)[0]))
    library = load_library([tmp_path], include_bundled=False)
    assert library.errors == []
    assert [str(w) for w in library.warnings if "quiz" in w.message] == [
        f"{path}:10: warning: only 2 quiz variants: reviews will ask them again and again; list 3 or more"
    ]


@pytest.mark.parametrize(
    ("quizzes", "message"),
    [
        (
            _variant("What do you do first?", "Call back") + _variant("Which sign?", "call back!"),
            "quizzes: variants 1 and 2 have the same answer",
        ),
        (
            _variant("What do you do first?", "Call back") + _variant("What do you do first ?", "Wait"),
            "quizzes: variants 1 and 2 ask nearly the same question",
        ),
        (
            _variant("What first?", "Call back") + "\n  - question: Q?\n    choices: [A, B]\n    answer: C"
            "\n    explanation: E.",
            "quizzes: variant 2 answer 'C' is not one of the choices",
        ),
        (
            "\n  - question: Q?\n    choices: [A, A]\n    answer: A\n    explanation: E.",
            "quizzes: variant 1 choices must all be different",
        ),
        ("[]", "quizzes must be a list of quizzes"),
    ],
)
def test_bad_variants_are_errors_and_the_lesson_is_left_out(
    tmp_path: Path, quizzes: str, message: str
) -> None:
    path = write_lesson(tmp_path, lesson_text(quiz=None, quizzes=quizzes))
    library = load_library([tmp_path], include_bundled=False)
    assert any(str(e).startswith(f"{path}:10:") and message in str(e) for e in library.errors), library.errors
    assert library.get("demo-lesson", "en") is None


def test_quiz_and_quizzes_together_or_neither_are_errors(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text(quizzes=VARIANTS))
    assert any("either quiz (one question) or quizzes" in e for e in errors_of(tmp_path))
    write_lesson(tmp_path, lesson_text(quiz=None))
    assert any("missing required field 'quiz' (or 'quizzes'" in e for e in errors_of(tmp_path))


def test_french_variants_get_french_typography(tmp_path: Path) -> None:
    quizzes = (
        _variant("Que faire ?", "Rappeler")
        + _variant("Quel signe?", "L'urgence")
        + _variant("Combien de temps ça prend?", "Trente secondes")
    )
    write_lesson(tmp_path, lesson_text(lang="fr", quiz=None, quizzes=quizzes), lang="fr")
    lesson = load_library([tmp_path], include_bundled=False).get("demo-lesson", "fr")
    assert lesson is not None
    assert lesson.variant(1).question == "Quel signe\u202f?"
    assert lesson.variant(1).answer in lesson.variant(1).choices


def test_an_opener_is_one_question_for_the_room(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text(opener="What worries you   about LinkedIn?"))
    library = load_library([tmp_path], include_bundled=False)
    assert library.errors == []
    lesson = library.get("demo-lesson", "en")
    assert lesson is not None and lesson.opener == "What worries you about LinkedIn?"


def test_a_lesson_without_an_opener_has_an_empty_one(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text())
    lesson = load_library([tmp_path], include_bundled=False).get("demo-lesson", "en")
    assert lesson is not None and lesson.opener == ""


def test_a_french_opener_gets_french_typography(tmp_path: Path) -> None:
    text = lesson_text(lang="fr", opener="Qu’est-ce qui vous inquiète sur LinkedIn?")
    write_lesson(tmp_path, text, lang="fr")
    lesson = load_library([tmp_path], include_bundled=False).get("demo-lesson", "fr")
    assert lesson is not None and lesson.opener == "Qu’est-ce qui vous inquiète sur LinkedIn\u202f?"


@pytest.mark.parametrize(
    ("opener", "message"),
    [
        ("42", "opener must be one question to the room, as text, like 'What worries you about LinkedIn?'"),
        ("[What?, Why?]", "opener must be one question to the room, as text"),
        ('""', "opener must be one question to the room, as text"),
        ("", "opener must be one question to the room, as text"),
        (f"{'x' * 200}?", "opener is 201 characters; the limit is 200"),
        ("Tell us what worries you about LinkedIn.", "opener must be a question that ends with '?'"),
    ],
)
def test_bad_openers_are_errors_on_their_line(tmp_path: Path, opener: str, message: str) -> None:
    path = write_lesson(tmp_path, lesson_text(opener=opener))
    library = load_library([tmp_path], include_bundled=False)
    assert any(str(e).startswith(f"{path}:17: {message}") for e in library.errors), library.errors
    assert library.get("demo-lesson", "en") is None


def test_an_opener_of_exactly_the_limit_is_fine(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text(opener=f"{'x' * 199}?"))
    assert errors_of(tmp_path) == []
