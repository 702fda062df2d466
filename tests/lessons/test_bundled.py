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


def test_no_errors_or_warnings(bundled_library: Library) -> None:
    assert bundled_library.problems == []


def test_thirty_topics_in_both_languages(bundled_library: Library) -> None:
    assert sorted(bundled_library.ids()) == sorted(IDS)
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
    tracks = list(bundled_library.tracks.values())
    assert len(tracks) >= 4
    assert tracks[0].id == "first-steps" and 8 <= len(tracks[0].lessons) <= 12
    covered = [lesson_id for track in tracks for lesson_id in track.lessons]
    assert sorted(covered) == sorted(IDS)
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


def test_every_example_question_is_answered_with_its_own_lesson(bundled_library: Library) -> None:
    """What `tandem lessons check` says about the bundled examples: nothing (no duplicate, none that
    another lesson answers)."""
    from lessons.engine import check_examples

    assert [str(p) for p in check_examples(bundled_library)] == []
