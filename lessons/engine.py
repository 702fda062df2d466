"""The answer engine: which lesson best answers a learner's question, and how sure we are.

BM25 (bm25s, numpy only) over one index of every lesson in both languages. Titles, tags and summaries
count more than bodies by repetition, since bm25s has no fields. Words the index has never seen are
corrected to the closest known word (rapidfuzz) before searching; known words are never "corrected".
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass

import bm25s
import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from lessons import analyzer
from lessons.model import LANGS, Library, Lesson

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
MAX_QUERY_WORDS = 40
FIELD_WEIGHTS = {"title": 3, "tags": 3, "summary": 2, "try_it": 1, "quiz": 1, "body": 1}
MIN_CONFIDENT_SCORE = 4.0
MIN_COVERAGE = 0.5
ALTERNATIVE_RATIO = 0.35
TOP_DOCS = 12


@dataclass(frozen=True, slots=True)
class Answer:
    """The engine's verdict on one question."""

    question: str
    lesson: Lesson | None
    score: float
    confident: bool
    alternatives: tuple[Lesson, ...]
    lang: str
    truncated: bool = False
    corrected: tuple[tuple[str, str], ...] = ()

    @property
    def lesson_id(self) -> str | None:
        return self.lesson.id if self.lesson else None

    def as_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "lesson_id": self.lesson_id,
            "lang": self.lang,
            "score": round(self.score, 3),
            "confident": self.confident,
            "alternatives": [lesson.id for lesson in self.alternatives],
        }


class AnswerEngine:
    """An immutable index over one Library; build a new engine to reload."""

    def __init__(self, library: Library) -> None:
        started = time.perf_counter()
        self.library = library
        self._docs: list[tuple[str, str]] = []
        corpus: list[list[str]] = []
        surface: set[str] = set()
        for key, lesson in library.lessons.items():
            self._docs.append(key)
            tokens, words = _document_tokens(lesson)
            corpus.append(tokens)
            surface.update(words)
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
        self._vocab: dict[str, int] = {}
        self._doc_tokens: list[frozenset[int]] = []
        if corpus:
            self._bm25.index(corpus, show_progress=False)
            self._vocab = self._bm25.vocab_dict
            self._doc_tokens = [frozenset(self._vocab[t] for t in doc) for doc in corpus]
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in sorted(surface):
            self._by_length[len(word)].append(word)
        self._known = surface
        self.build_seconds = time.perf_counter() - started
        logger.info("Answer index built: %s documents in %.3f s", len(corpus), self.build_seconds)

    def answer(self, question: str, lang: str | None = None) -> Answer:
        """The best lesson for `question`, in the question's language when it can be told, else `lang`."""
        text = question if isinstance(question, str) else ""
        truncated = len(text) > MAX_QUESTION_CHARS
        text = text[:MAX_QUESTION_CHARS].strip()
        reply_lang = analyzer.guess_language(text) or (lang if lang in LANGS else "en")
        words = analyzer.words(text)[:MAX_QUERY_WORDS]
        word_ids, corrected = self._query_ids(words)
        empty = Answer(text, None, 0.0, False, (), reply_lang, truncated, corrected)
        ids = sorted({i for group in word_ids for i in group})
        if not ids:
            return empty
        scores = self._bm25.get_scores_from_ids(ids)
        ranked = self._rank(scores)
        if not ranked:
            return empty
        (best_id, best_doc, best_score), rest = ranked[0], ranked[1:]
        matched = sum(bool(group & self._doc_tokens[best_doc]) for group in word_ids)
        coverage = matched / len(words)
        confident = best_score >= MIN_CONFIDENT_SCORE and coverage >= MIN_COVERAGE
        alternatives = tuple(
            lesson
            for lesson_id, _, score in rest[:3]
            if score >= ALTERNATIVE_RATIO * best_score and (lesson := self.library.get(lesson_id, reply_lang))
        )
        best = self.library.get(best_id, reply_lang)
        return Answer(text, best, float(best_score), confident, alternatives, reply_lang, truncated, corrected)

    def _query_ids(self, words: list[str]) -> tuple[list[set[int]], tuple[tuple[str, str], ...]]:
        """Token ids per query word (both stemmers), after correcting words the index never saw."""
        groups: list[set[int]] = []
        corrected: list[tuple[str, str]] = []
        for word in words:
            ids = self._ids_for(word)
            if not ids and word not in self._known:
                fix = self._closest(word)
                if fix:
                    corrected.append((word, fix))
                    ids = self._ids_for(fix)
            groups.append(ids)
        return groups, tuple(corrected)

    def _ids_for(self, word: str) -> set[int]:
        stems = {analyzer.stem([word], lang)[0] for lang in LANGS}
        return {self._vocab[s] for s in stems if s in self._vocab}

    def _closest(self, word: str) -> str | None:
        """The known word within one edit (two for long words), or None: typos only, never synonyms."""
        if len(word) < 4 or word.isdigit():
            return None
        max_distance = 1 if len(word) <= 6 else 2
        best: tuple[int, str] | None = None
        for length in range(len(word) - max_distance, len(word) + max_distance + 1):
            candidates = self._by_length.get(length)
            if not candidates:
                continue
            found = process.extractOne(
                word, candidates, scorer=Levenshtein.distance, score_cutoff=max_distance
            )
            if found and (best is None or found[1] < best[0]):
                best = (found[1], found[0])
        return best[1] if best else None

    def _rank(self, scores: np.ndarray) -> list[tuple[str, int, float]]:
        """Best documents, one per lesson id, highest score first."""
        count = min(TOP_DOCS, len(scores))
        top = np.argpartition(-scores, count - 1)[:count]
        top = top[np.argsort(-scores[top], kind="stable")]
        ranked: list[tuple[str, int, float]] = []
        seen: set[str] = set()
        for doc in top.tolist():
            score = float(scores[doc])
            lesson_id = self._docs[doc][0]
            if score <= 0 or lesson_id in seen:
                continue
            seen.add(lesson_id)
            ranked.append((lesson_id, doc, score))
        return ranked


def _document_tokens(lesson: Lesson) -> tuple[list[str], set[str]]:
    """Stemmed tokens of one lesson with field weights applied, and its folded surface words."""
    fields = {
        "title": f"{lesson.title} {lesson.id.replace('-', ' ')}",
        "tags": " ".join(lesson.tags),
        "summary": lesson.summary,
        "try_it": lesson.try_it,
        "quiz": lesson.quiz.question,
        "body": lesson.body,
    }
    tokens: list[str] = []
    surface: set[str] = set()
    for name, text in fields.items():
        words = analyzer.words(text)
        surface.update(words)
        tokens.extend(analyzer.stem(words, lesson.lang) * FIELD_WEIGHTS[name])
    return tokens, surface
