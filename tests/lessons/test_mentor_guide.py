"""The mentor guide: lessons for the mentors (`audience: mentors`) in the library's format, under the
`mentor-guide` track, that never answer a learner's question and reach no learner's track."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import yaml

from lessons import LANGS, AnswerEngine, Library, load_library
from lessons.loader import BODY_WORDS, OPENER_MAX, SUMMARY_MAX, WORD_RE
from lessons.model import LEARNERS, MENTORS
from lessons.outline import outline
from lessons.typography import french_problems
from tests.lessons.helpers import lesson_text, write_lesson

TRACK = "mentor-guide"
QUESTIONS = Path(__file__).with_name("questions.yml")
EVAL = Path(__file__).with_name("eval")


def guide_ids(library: Library) -> list[str]:
    return list(library.tracks[TRACK].lessons)


def mentors_ids(library: Library) -> set[str]:
    return {lesson_id for (lesson_id, _), lesson in library.lessons.items() if lesson.audience == MENTORS}


# --- the guide's content ----------------------------------------------------------------------------


def test_the_guide_is_a_track_of_at_least_eight_mentors_lessons_in_both_languages(
    bundled_library: Library,
) -> None:
    ids = guide_ids(bundled_library)
    assert len(ids) >= 8
    assert set(ids) == mentors_ids(bundled_library)
    for lesson_id in ids:
        for lang in LANGS:
            assert bundled_library.lessons[(lesson_id, lang)].audience == MENTORS, (lesson_id, lang)
    assert bundled_library.tracks[TRACK].title("en") != bundled_library.tracks[TRACK].title("fr")


def test_no_learners_track_holds_a_mentors_lesson(bundled_library: Library) -> None:
    mentors = mentors_ids(bundled_library)
    for track in bundled_library.tracks.values():
        if track.id != TRACK:
            assert not mentors & set(track.lessons), track.id


def test_no_learners_lesson_points_to_the_guide(bundled_library: Library) -> None:
    """A learner's full lesson ends with its related lessons: none of them is for mentors."""
    mentors = mentors_ids(bundled_library)
    for lesson in bundled_library.lessons.values():
        if lesson.audience == LEARNERS:
            assert not mentors & set(lesson.related), lesson.key


@pytest.mark.parametrize("lang", LANGS)
def test_each_guide_lesson_is_well_formed(bundled_library: Library, lang: str) -> None:
    for lesson_id in guide_ids(bundled_library):
        lesson = bundled_library.lessons[(lesson_id, lang)]
        assert BODY_WORDS[0] <= len(WORD_RE.findall(lesson.body)) <= BODY_WORDS[1], lesson.key
        assert len(lesson.summary) <= SUMMARY_MAX and lesson.try_it, lesson.key
        assert lesson.opener.endswith("?") and lesson.opener.count("?") == 1, lesson.key
        assert len(lesson.opener) <= OPENER_MAX, lesson.key
        assert lesson.related and set(lesson.related) & set(guide_ids(bundled_library)), lesson.key
        assert not re.search(r"@(channel|here|everyone)", lesson.body + lesson.summary)


def test_each_guide_lesson_has_the_same_quiz_variants_in_both_languages(bundled_library: Library) -> None:
    for lesson_id in guide_ids(bundled_library):
        english, french = (bundled_library.lessons[(lesson_id, lang)] for lang in ("en", "fr"))
        assert len(english.variants) >= 3 and len(english.variants) == len(french.variants), lesson_id
        for en_quiz, fr_quiz in zip(english.variants, french.variants, strict=True):
            assert len(en_quiz.choices) == len(fr_quiz.choices), (lesson_id, en_quiz.question)
            assert en_quiz.choices.index(en_quiz.answer) == fr_quiz.choices.index(fr_quiz.answer), (
                lesson_id,
                en_quiz.question,
            )


def test_each_guide_lesson_names_the_risk_the_mastery_and_the_benefit(bundled_library: Library) -> None:
    """The programme's three beats, found as a workshop outline finds them in every lesson."""
    for lesson in bundled_library.lessons.values():
        if lesson.audience == MENTORS:
            talk = outline(lesson)
            assert talk.risk and talk.master and talk.gain, lesson.key


def test_the_french_guide_says_vous_with_french_typography(bundled_library: Library) -> None:
    for lesson_id in guide_ids(bundled_library):
        lesson = bundled_library.lessons[(lesson_id, "fr")]
        for text in (lesson.body, lesson.opener):
            assert re.search(r"\bvous\b|\bvotre\b|\bvos\b", text, re.IGNORECASE), lesson_id
        for text in (lesson.body, lesson.summary, lesson.try_it):  # "ton" and "ta" may be nouns there
            assert not re.search(r"\btu\b|\btoi\b|\btes\b", text), lesson_id
        assert not re.search(r"\btu\b|\btoi\b|\btes\b|\bton\b|\bta\b", lesson.opener), lesson_id
        assert "'" not in lesson.opener + lesson.title and not french_problems(lesson.opener), lesson_id
        assert not french_problems(lesson.title + " " + lesson.summary), lesson_id


def test_openers_differ_from_every_other_lesson(bundled_library: Library) -> None:
    for lang in LANGS:
        openers = [lesson.opener for lesson in bundled_library.lessons.values() if lesson.lang == lang]
        assert len(set(openers)) == len(openers), lang


# --- the answer engine ignores them ---------------------------------------------------------------------


def questions_of_the_guide(library: Library) -> list[tuple[str, str]]:
    """What a learner might type that sounds like the guide: each guide lesson's title, opener, try-it
    and quiz questions, in its language."""
    found: list[tuple[str, str]] = []
    for lesson in library.lessons.values():
        if lesson.audience == MENTORS:
            texts = [lesson.title, lesson.opener, lesson.try_it, *(quiz.question for quiz in lesson.variants)]
            found.extend((text, lesson.lang) for text in texts)
    return found


def test_the_engine_indexes_learners_lessons_only(bundled_library: Library) -> None:
    engine = AnswerEngine(bundled_library)
    assert mentors_ids(bundled_library)
    assert not mentors_ids(bundled_library) & set(engine.lesson_ids)
    assert set(engine.lesson_ids) == set(bundled_library.ids()) - mentors_ids(bundled_library)
    assert all(lesson.audience == LEARNERS for lesson in engine.library.lessons.values())


def test_the_guide_never_answers_not_even_its_own_words(bundled_library: Library) -> None:
    engine = AnswerEngine(bundled_library)
    mentors = mentors_ids(bundled_library)
    for text, lang in questions_of_the_guide(bundled_library):
        found = engine.answer(text, lang)
        assert found.lesson_id not in mentors, text
        assert not {lesson.id for lesson in found.alternatives} & mentors, text


def test_without_the_audience_the_guide_would_answer(bundled_library: Library) -> None:
    """The same lessons marked for learners are answered with: the filter is what keeps them out."""
    as_learners = Library(
        lessons={
            key: dataclasses.replace(lesson, audience=LEARNERS)
            for key, lesson in bundled_library.lessons.items()
        },
        tracks=bundled_library.tracks,
    )
    engine = AnswerEngine(as_learners)
    mentors = mentors_ids(bundled_library)
    answered = [
        text
        for text, lang in questions_of_the_guide(bundled_library)
        if engine.answer(text, lang).lesson_id in mentors
    ]
    assert len(answered) > len(questions_of_the_guide(bundled_library)) // 2


def test_every_answer_is_the_one_the_library_without_the_guide_gives(bundled_library: Library) -> None:
    """Same lesson, same score, same confidence on every question set: the guide changes no answer."""
    without = Library(
        lessons={
            key: lesson for key, lesson in bundled_library.lessons.items() if lesson.audience == LEARNERS
        },
        tracks=bundled_library.tracks,
    )
    assert len(without.lessons) < len(bundled_library.lessons)
    questions = [(q["q"], None) for q in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]]
    for split in ("dev", "test", "plain"):
        items = yaml.safe_load((EVAL / f"{split}.yml").read_text(encoding="utf-8"))["questions"]
        questions.extend((item["q"], item["lang"]) for item in items)
    with_guide, reference = AnswerEngine(bundled_library), AnswerEngine(without)
    for question, lang in questions:
        first, second = with_guide.answer(question, lang), reference.answer(question, lang)
        assert (first.lesson_id, first.score, first.confident) == (
            second.lesson_id,
            second.score,
            second.confident,
        ), question


def test_learning_a_question_for_a_guide_lesson_is_refused(bundled_library: Library) -> None:
    engine = AnswerEngine(bundled_library)
    lesson_id = guide_ids(bundled_library)[0]
    assert engine.learn(lesson_id, "en", "how do I start with my mentee") is False
    assert engine.answer("how do I start with my mentee").lesson_id != lesson_id


def test_example_questions_are_not_asked_of_the_guide(bundled_library: Library) -> None:
    """`tandem lessons check` expects 12 example questions per lesson: not of lessons that answer none."""
    from lessons.engine import check_examples

    assert not [p for p in check_examples(bundled_library) if "/mentor-" in str(p.path)]


class _WordsEmbedder:
    """A stand-in model: each word hashed to one of 64 dimensions."""

    name = "words-mentor-guide"
    min_cosine = 0.5
    learned_cosine = 0.8
    learned_margin = 0.02

    def embed(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


def test_the_semantic_ranker_leaves_the_guide_out_too(bundled_library: Library) -> None:
    """Both rankings see the same lessons, so the fused engine keeps its classifier."""
    from lessons.semantic import FusedEngine, SemanticRanker

    ranker = SemanticRanker(bundled_library, _WordsEmbedder(), None)
    engine = AnswerEngine(bundled_library)
    assert not mentors_ids(bundled_library) & set(ranker.lesson_ids)
    assert ranker.lesson_ids == engine.lesson_ids
    assert FusedEngine(engine, ranker).classifier is not None


# --- the `audience` field -------------------------------------------------------------------------------


def test_audience_is_learners_unless_written(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text("plain-one"), lesson_id="plain-one")
    write_lesson(tmp_path, lesson_text("for-mentors", audience="mentors"), lesson_id="for-mentors")
    library = load_library([tmp_path], include_bundled=False)
    assert library.errors == []
    assert library.lessons[("plain-one", "en")].audience == LEARNERS
    assert library.lessons[("for-mentors", "en")].audience == MENTORS


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mentor", "audience must be learners or mentors, not 'mentor' (did you mean 'mentors'?)"),
        ("everyone", "audience must be learners or mentors, not 'everyone'"),
        ("[mentors]", "audience must be learners or mentors, not ['mentors'] (did you mean 'mentors'?)"),
    ],
)
def test_a_wrong_audience_is_an_error_at_its_line(tmp_path: Path, value: str, message: str) -> None:
    path = write_lesson(tmp_path, lesson_text("demo-lesson", audience=value))
    library = load_library([tmp_path], include_bundled=False)
    line = path.read_text(encoding="utf-8").split("\n").index(f"audience: {value}") + 1
    assert [str(p) for p in library.errors] == [f"{path}:{line}: {message}"]
    assert library.lessons == {}


def test_both_languages_of_a_lesson_have_one_audience(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text("demo-lesson", audience="mentors"))
    french = write_lesson(tmp_path, lesson_text("demo-lesson", lang="fr"), lang="fr")
    library = load_library([tmp_path], include_bundled=False)
    assert [str(p) for p in library.errors] == [
        f"{french}:2: audience 'learners' differs from the en version's 'mentors': write the same audience "
        "in every language"
    ]


def test_for_learners_is_the_same_library_when_no_lesson_is_for_mentors(tmp_path: Path) -> None:
    write_lesson(tmp_path, lesson_text("plain-one"), lesson_id="plain-one")
    library = load_library([tmp_path], include_bundled=False)
    assert library.for_learners() is library
    write_lesson(tmp_path, lesson_text("for-mentors", audience="mentors"), lesson_id="for-mentors")
    mixed = load_library([tmp_path], include_bundled=False)
    assert list(mixed.for_learners().lessons) == [("plain-one", "en")]
    assert mixed.for_learners().tracks is mixed.tracks and len(mixed.lessons) == 2


def test_a_track_is_for_mentors_when_every_lesson_it_lists_is() -> None:
    """The bundled guide is a mentors' track (never offered to learners as their next track); the
    learners' tracks are not."""
    library = load_library()
    assert library.for_mentors("mentor-guide")
    assert not any(library.for_mentors(track) for track in library.tracks if track != "mentor-guide")
    assert not library.for_mentors("no-such-track")
