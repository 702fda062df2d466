"""The bundled library itself: complete, bilingual, in the programme's voice, grouped into tracks."""

from __future__ import annotations

import re

import pytest

from lessons import LANGS, Library
from lessons.loader import BODY_WORDS, WORD_RE

IDS = """linkedin-profile linkedin-visibility linkedin-connections linkedin-first-post linkedin-follow x-basics
x-lists x-account-security facebook-privacy-checkup facebook-profile-vs-page strong-passwords
two-factor-authentication phishing-scams verify-information news-alerts online-reputation
company-confidentiality hashtags social-listening netiquette negative-comments photo-location-privacy
public-wifi digital-footprint-gdpr notifications-wellbeing instagram-basics whatsapp-groups video-meetings
generative-ai-basics share-articles""".split()
MENTOR_IDS = """mentor-start-from-goals mentor-ask-dont-lecture mentor-risk-mastery-benefit mentor-their-phone
mentor-express-sessions mentor-confidentiality mentor-too-old mentor-i-dont-know mentor-feedback-upward
mentor-follow-up""".split()
"""The mentor guide (`audience: mentors`, track `mentor-guide`): tests/lessons/test_mentor_guide.py."""


def test_no_errors_or_warnings(bundled_library: Library) -> None:
    assert bundled_library.problems == []


def test_thirty_topics_in_both_languages(bundled_library: Library) -> None:
    assert sorted(bundled_library.for_learners().ids()) == sorted(IDS)
    assert sorted(bundled_library.ids()) == sorted(IDS + MENTOR_IDS)
    assert all((lesson_id, lang) in bundled_library.lessons for lesson_id in IDS for lang in LANGS)


@pytest.mark.parametrize("lesson_id", IDS)
def test_each_lesson_is_well_formed(bundled_library: Library, lesson_id: str) -> None:
    for lang in LANGS:
        lesson = bundled_library.lessons[(lesson_id, lang)]
        assert BODY_WORDS[0] <= len(WORD_RE.findall(lesson.body)) <= BODY_WORDS[1]
        assert len(lesson.summary) <= 400 and lesson.try_it and lesson.quiz.explanation
        assert not re.search(r"@(channel|here|everyone)", lesson.body + lesson.summary)


def test_french_says_vous(bundled_library: Library) -> None:
    for lesson_id in IDS:
        text = bundled_library.lessons[(lesson_id, "fr")].body
        assert re.search(r"\bvous\b|\bvotre\b|\bvos\b", text, re.IGNORECASE), lesson_id
        assert not re.search(r"\btu\b|\btoi\b|\btes\b", text), lesson_id


def test_x_is_introduced_with_its_former_name(bundled_library: Library) -> None:
    for lang, former in (("en", "formerly Twitter"), ("fr", "anciennement Twitter")):
        text = bundled_library.lessons[("x-basics", lang)]
        assert former in text.body + text.summary + text.title


def test_tracks_cover_everything_and_start_with_first_steps(bundled_library: Library) -> None:
    tracks = [track for track in bundled_library.tracks.values() if track.id != "mentor-guide"]
    assert len(tracks) >= 4
    assert tracks[0].id == "first-steps" and 8 <= len(tracks[0].lessons) <= 12
    covered = [lesson_id for track in tracks for lesson_id in track.lessons]
    assert sorted(covered) == sorted(IDS)
    assert list(bundled_library.tracks["mentor-guide"].lessons) == MENTOR_IDS
    assert all(track.title("fr") != track.title("en") for track in tracks)


@pytest.mark.parametrize("lesson_id", IDS)
def test_each_lesson_has_three_quiz_variants_alike_in_both_languages(
    bundled_library: Library, lesson_id: str
) -> None:
    """Reviews ask a lesson's variants in turn, by index, in the learner's language of the day."""
    english, french = (bundled_library.lessons[(lesson_id, lang)] for lang in ("en", "fr"))
    assert len(english.variants) >= 3 and len(english.variants) == len(french.variants)
    assert english.variants[0] == english.quiz
    for en_quiz, fr_quiz in zip(english.variants, french.variants, strict=True):
        assert len(en_quiz.choices) == len(fr_quiz.choices)
        assert en_quiz.explanation and fr_quiz.explanation


def test_no_example_question_is_confidently_answered_with_another_lesson(bundled_library: Library) -> None:
    """What `tandem lessons check` says about the bundled examples: no warning (no duplicate, none that
    another lesson answers confidently), and boundary notes for at most 1 example in 20: real questions
    whose words alone lean towards a neighbouring lesson."""
    from lessons.engine import check_examples

    problems = check_examples(bundled_library)
    assert [str(p) for p in problems if not p.note] == []
    examples = sum(len(lesson.asks) for lesson in bundled_library.for_learners().lessons.values())
    assert len(problems) <= examples / 20


@pytest.mark.parametrize("lesson_id", IDS)
def test_each_lesson_opens_with_one_question_to_the_room_in_both_languages(
    bundled_library: Library, lesson_id: str
) -> None:
    """A workshop opens each lesson with its `opener`: a question from the room's own experience."""
    from lessons.loader import OPENER_MAX
    from lessons.typography import french_problems

    openers = {lang: bundled_library.lessons[(lesson_id, lang)].opener for lang in LANGS}
    for lang, opener in openers.items():
        assert opener.endswith("?") and len(opener) <= OPENER_MAX, (lang, opener)
        assert opener.count("?") == 1, (lang, opener)
    assert not french_problems(openers["fr"]) and "'" not in openers["fr"], openers["fr"]
    assert re.search(r"\bvous\b|\bvotre\b|\bvos\b", openers["fr"], re.IGNORECASE), openers["fr"]
    assert not re.search(r"\btu\b|\btoi\b|\btes\b|\bton\b|\bta\b", openers["fr"]), openers["fr"]
    assert re.search(r"\byou\b|\byour\b", openers["en"], re.IGNORECASE), openers["en"]


def test_openers_are_all_different(bundled_library: Library) -> None:
    for lang in LANGS:
        openers = [bundled_library.lessons[(lesson_id, lang)].opener for lesson_id in IDS]
        assert len(set(openers)) == len(openers)


def test_openers_do_not_change_answers(bundled_library: Library) -> None:
    """The answer engine never indexes openers: asking one gets the same answer with or without them."""
    from dataclasses import replace

    from lessons import AnswerEngine

    without = Library(
        lessons={key: replace(lesson, opener="") for key, lesson in bundled_library.lessons.items()},
        tracks=bundled_library.tracks,
    )
    with_openers, without_openers = AnswerEngine(bundled_library), AnswerEngine(without)
    for lesson in bundled_library.lessons.values():
        first, second = with_openers.answer(lesson.opener), without_openers.answer(lesson.opener)
        assert (first.lesson_id, first.score, first.confident) == (
            second.lesson_id,
            second.score,
            second.confident,
        )
