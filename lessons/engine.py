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
from functools import cache, lru_cache
from types import ModuleType

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from lessons import analyzer
from lessons.model import LANGS, Lesson, Library

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
MAX_QUERY_WORDS = 40
HEAD_WEIGHT = 2.0
MIN_CONFIDENT_SCORE = 5.0
MIN_COVERAGE = 0.51  # more than half of the question's words must be found in the lesson
MIN_TYPO_LENGTH = 5
ALTERNATIVE_RATIO = 0.35
TOP_LESSONS = 8


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
        self._docs: list[tuple[str, str]] = list(library.lessons)
        encoder = _Encoder()
        heads: list[list[int]] = []
        bodies: list[list[int]] = []
        for lesson in library.lessons.values():
            head_text = f"{lesson.title} {lesson.id.replace('-', ' ')} {' '.join(lesson.tags)}"
            body_text = (
                f"{lesson.summary} {lesson.summary} {lesson.try_it} {lesson.quiz.question} {lesson.body}"
            )
            heads.append(encoder.encode(head_text, lesson.lang))
            bodies.append(encoder.encode(body_text, lesson.lang))
        vocab = encoder.vocab
        surface = encoder.surface - analyzer.DROPPED
        self._vocab = vocab
        self._doc_ids = [head + body for head, body in zip(heads, bodies, strict=True)]
        self._lesson_ids = sorted({lesson_id for lesson_id, _ in self._docs})
        position = {lesson_id: index for index, lesson_id in enumerate(self._lesson_ids)}
        doc_lesson = np.array([position[lesson_id] for lesson_id, _ in self._docs], dtype=np.int64)
        self._table = _TokenLessons(
            [(_Index(heads, len(vocab)), HEAD_WEIGHT), (_Index(bodies, len(vocab)), 1.0)],
            doc_lesson,
            len(vocab),
            len(self._lesson_ids),
        )
        self._lesson_docs: dict[str, list[int]] = defaultdict(list)
        for doc, (lesson_id, _) in enumerate(self._docs):
            self._lesson_docs[lesson_id].append(doc)
        self._by_length: dict[tuple[int, str], list[str]] = defaultdict(list)
        for word in sorted(surface):
            self._by_length[(len(word), word[0])].append(word)
        self._known = surface
        self.build_seconds = time.perf_counter() - started
        logger.info("Answer index built: %s documents in %.3f s", len(heads), self.build_seconds)

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
        ranked = self._rank(self._table.scores(ids))
        if not ranked:
            return empty
        (best_id, best_score), rest = ranked[0], ranked[1:]
        best_tokens = self._lesson_tokens(best_id)
        fixed = {index for index, word in enumerate(words) if word in dict(corrected)}
        matched = sum(
            (0.5 if index in fixed else 1.0) for index, group in enumerate(word_ids) if group & best_tokens
        )
        coverage = matched / len(words)
        confident = best_score >= MIN_CONFIDENT_SCORE and coverage >= MIN_COVERAGE
        alternatives = tuple(
            lesson
            for lesson_id, score in rest[:3]
            if score >= ALTERNATIVE_RATIO * best_score and (lesson := self.library.get(lesson_id, reply_lang))
        )
        best = self.library.get(best_id, reply_lang)
        return Answer(
            text, best, float(best_score), confident, alternatives, reply_lang, truncated, corrected
        )

    def _query_ids(self, words: list[str]) -> tuple[list[frozenset[int]], tuple[tuple[str, str], ...]]:
        """Token ids per query word (both stemmers), after correcting words the index never saw."""
        groups: list[frozenset[int]] = []
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

    @lru_cache(maxsize=16384)  # noqa: B019  (the engine is immutable and lives as long as its cache)
    def _ids_for(self, word: str) -> frozenset[int]:
        """A word's token ids under both languages' stemmers; questions reuse the same few thousand words."""
        stems = {analyzer.stem([word], lang)[0] for lang in LANGS}
        return frozenset(self._vocab[s] for s in stems if s in self._vocab)

    def _closest(self, word: str) -> str | None:
        """The known word one edit away (two for long words) with the same first letter, or None.

        Typos rarely touch the first letter, and short words have too many neighbours to guess safely,
        so "linkdin" becomes "linkedin" but "weather" never becomes "gather".
        """
        if len(word) < MIN_TYPO_LENGTH or not word.isalpha():
            return None
        max_distance = 1 if len(word) <= 8 else 2
        best: tuple[int, str] | None = None
        for length in range(len(word) - max_distance, len(word) + max_distance + 1):
            candidates = self._by_length.get((length, word[0]))
            if not candidates:
                continue
            found = process.extractOne(
                word, candidates, scorer=Levenshtein.distance, score_cutoff=max_distance
            )
            if found and (best is None or found[1] < best[0]):
                best = (found[1], found[0])
        return best[1] if best else None

    @lru_cache(maxsize=4096)  # noqa: B019  (the engine is immutable and lives as long as its cache)
    def _lesson_tokens(self, lesson_id: str) -> frozenset[int]:
        return frozenset(i for doc in self._lesson_docs[lesson_id] for i in self._doc_ids[doc])

    def _rank(self, scores: np.ndarray) -> list[tuple[str, float]]:
        """Lessons by score, best first."""
        count = min(TOP_LESSONS, len(scores))
        top = np.argpartition(-scores, count - 1)[:count]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self._lesson_ids[i], float(scores[i])) for i in top.tolist() if scores[i] > 0]


@cache
def _bm25s() -> ModuleType:
    """bm25s, imported with the first index: a command that answers no question never loads it.

    It sets its own logger to DEBUG when imported, which is after the CLI has set up logging: back to
    WARNING, the most the CLI lets it log."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


class _Index:
    """One BM25 index over token-id lists sharing the engine's vocabulary: each token's score in each
    document, computed once (bm25s keeps them by token, as `data`/`indices` slices along `indptr`)."""

    def __init__(self, corpus: list[list[int]], vocab_size: int) -> None:
        self.bm25 = _bm25s().BM25(k1=1.2, b=0.75)
        self.size = len(corpus)
        if corpus:
            vocab = {token: token for token in range(vocab_size)}
            self.bm25.index((corpus, vocab), show_progress=False)

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(token, document, score) of every non-zero score."""
        if not self.size:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        scores = self.bm25.scores
        indptr = np.asarray(scores["indptr"], dtype=np.int64)
        tokens = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        return (
            tokens,
            np.asarray(scores["indices"], dtype=np.int64),
            np.asarray(scores["data"], dtype=np.float64),
        )


class _TokenLessons:
    """Each token's score for each lesson, summed once at build time over the weighted indexes and over
    the lesson's documents (its languages), stored by token as `lessons`/`weights` slices along `indptr`.

    A question's lesson scores are then the sum of its tokens' slices: a few array lookups, however
    large the library. Summing a lesson's languages rewards words both versions share (LinkedIn, VPN,
    hashtag): the topical words. Generic words match one language only and weigh less.
    """

    def __init__(
        self, indexes: list[tuple[_Index, float]], doc_lesson: np.ndarray, vocab_size: int, lessons: int
    ) -> None:
        self.lessons = lessons
        parts = [index.entries() for index, _ in indexes]
        tokens = np.concatenate([part[0] for part in parts])
        owners = doc_lesson[np.concatenate([part[1] for part in parts])]
        weights = np.concatenate([part[2] * weight for part, (_, weight) in zip(parts, indexes, strict=True)])
        cells, where = np.unique(tokens * max(lessons, 1) + owners, return_inverse=True)
        self.weights = np.bincount(where, weights=weights, minlength=len(cells))
        self.lesson = cells % max(lessons, 1)
        self.indptr = np.searchsorted(cells // max(lessons, 1), np.arange(vocab_size + 1)).tolist()

    def scores(self, ids: list[int]) -> np.ndarray:
        """Every lesson's score for a question made of these token ids."""
        indptr = self.indptr
        spans = [slice(indptr[i], indptr[i + 1]) for i in ids]
        lessons = np.concatenate([self.lesson[span] for span in spans])
        weights = np.concatenate([self.weights[span] for span in spans])
        return np.bincount(lessons, weights=weights, minlength=self.lessons)


class _Encoder:
    """Turns lesson text into stem ids, analysing each distinct word once per language."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.surface: set[str] = set()
        self._ids: dict[str, dict[str, int]] = {lang: {} for lang in LANGS}

    def encode(self, text: str, lang: str) -> list[int]:
        tokens = analyzer.tokens(text)
        known = self._ids[lang]
        fresh = [word for word in set(tokens) if word not in known]
        if fresh:
            self.surface.update(fresh)
            kept = [word for word in fresh if word not in analyzer.DROPPED]
            for word in fresh:
                known[word] = -1
            for word, stem in zip(kept, analyzer.stem(kept, lang), strict=True):
                known[word] = self.vocab.setdefault(stem, len(self.vocab))
        return [i for i in map(known.__getitem__, tokens) if i >= 0]
