"""The answer engine: which lesson best answers a learner's question, and how sure we are.

BM25 (bm25s, numpy only) over three fields of every lesson in both languages, each its own index and
weight: the head (title, id, tags; a word weighs less the more lessons use it), the body, and the
example questions (`asks:`). Words the index has never seen are corrected to the closest known word
(rapidfuzz) before searching, unless they are real English or French words; known words are never
"corrected". The README gives the measurements behind each weight and threshold.
"""

from __future__ import annotations

import gzip
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from lessons import analyzer
from lessons.model import LANGS, Lesson, Library, Problem

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
MAX_QUERY_WORDS = 40
HEAD_WEIGHT = 1.5
ASK_WEIGHT = 1.0
"""The weight of a lesson's example questions (`asks:`), a third field beside the head and the body."""
HEAD_DF_FLOOR = 0.25
"""The share of the head weight left to a word that every lesson uses somewhere: a head word that many
lessons share ("page", "post", "online", "account") decides little, a rare one ("hashtag", "VPN") much.
The share of lessons is counted over all their text; counted over heads only it did worse on dev."""
NEAREST_WEIGHT = 1.0
COORD_EXPONENT = 0.5
NEGATED_WEIGHT = 0.25
"""How much a word after "without"/"sans" counts against the lessons that have it."""
MIN_CONFIDENT_SCORE = 6.0
MIN_COVERAGE = 0.51  # more than half of the question's words must be found in the lesson
MIN_CONFIDENT_MARGIN = 0.35
"""Confident also needs the best lesson 35 % ahead of the next. The three thresholds were calibrated
on tests/lessons/eval/dev.yml so that confident answers are right at least 97 % of the time (README)."""
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
    margin: float = 0.0
    """(best - second) / best: how far ahead the best lesson is, 1.0 when no other lesson scored."""
    coverage: float = 0.0
    """The share of the question's words found in the best lesson."""

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

    def __init__(self, library: Library, *, asks: str = "field") -> None:
        """`asks`: how example questions count, "field" (a third weighted field beside head and body,
        the default: better on the dev split) or "nearest" (each lesson's best single example, added
        to its score)."""
        started = time.perf_counter()
        library = library.for_learners()  # the mentor guide never answers a learner's question
        self.library = library
        self._docs: list[tuple[str, str]] = list(library.lessons)
        encoder = _Encoder()
        heads: list[list[int]] = []
        bodies: list[list[int]] = []
        ask_docs: list[list[int]] = []
        for lesson in library.lessons.values():
            head_text = f"{lesson.title} {lesson.id.replace('-', ' ')} {' '.join(lesson.tags)}"
            body_text = (
                f"{lesson.summary} {lesson.summary} {lesson.try_it} {lesson.quiz.question} {lesson.body}"
            )
            heads.append(encoder.encode(head_text, lesson.lang))
            bodies.append(encoder.encode(body_text, lesson.lang))
            ask_docs.append(encoder.encode(" ".join(lesson.asks), lesson.lang))
        vocab = encoder.vocab
        surface = encoder.surface - analyzer.DROPPED
        self._vocab = vocab
        self._doc_ids = [h + b + a for h, b, a in zip(heads, bodies, ask_docs, strict=True)]
        self._lesson_ids = sorted({lesson_id for lesson_id, _ in self._docs})
        position = {lesson_id: index for index, lesson_id in enumerate(self._lesson_ids)}
        doc_lesson = np.array([position[lesson_id] for lesson_id, _ in self._docs], dtype=np.int64)
        head_weights = _head_weights(self._doc_ids, doc_lesson, len(vocab), len(self._lesson_ids))
        fields = [
            (_Index(heads, len(vocab)), head_weights),
            (_Index(bodies, len(vocab)), np.ones(len(vocab))),
        ]
        if asks == "field" and any(ask_docs):
            fields.append((_Index(ask_docs, len(vocab)), np.full(len(vocab), ASK_WEIGHT)))
        self._table = _TokenLessons(
            fields,
            doc_lesson,
            len(vocab),
            len(self._lesson_ids),
        )
        self._examples = _Examples(library, encoder, position) if asks == "nearest" else None
        self._lesson_docs: dict[str, list[int]] = defaultdict(list)
        for doc, (lesson_id, _) in enumerate(self._docs):
            self._lesson_docs[lesson_id].append(doc)
        self._by_length: dict[tuple[int, str], list[str]] = defaultdict(list)
        for word in sorted(surface):
            self._by_length[(len(word), word[0])].append(word)
        self._known = surface
        self.build_seconds = time.perf_counter() - started
        logger.info("Answer index built: %s documents in %.3f s", len(heads), self.build_seconds)

    def _lessons_answer(self, question: str, lang: str | None = None) -> Answer:
        """The best lesson for `question`, in the question's language when it can be told, else `lang`,
        from the lessons alone (`answer` adds what mentors taught)."""
        text = question if isinstance(question, str) else ""
        truncated = len(text) > MAX_QUESTION_CHARS
        text = text[:MAX_QUESTION_CHARS].strip()
        reply_lang = analyzer.guess_language(text) or (lang if lang in LANGS else "en")
        words, word_ids, corrected, scores = self._score(text)
        empty = Answer(text, None, 0.0, False, (), reply_lang, truncated, corrected)
        if scores is None:
            return empty
        ranked = self._rank(scores)
        if not ranked:
            return empty
        (best_id, best_score), rest = ranked[0], ranked[1:]
        best_tokens = self._lesson_tokens(best_id)
        fixed = {index for index, word in enumerate(words) if word in dict(corrected)}
        matched = sum(
            (0.5 if index in fixed else 1.0) for index, group in enumerate(word_ids) if group & best_tokens
        )
        coverage = matched / len(words)
        second = rest[0][1] if rest else 0.0
        margin = (best_score - max(second, 0.0)) / best_score
        confident = (
            best_score >= MIN_CONFIDENT_SCORE and coverage >= MIN_COVERAGE and margin >= MIN_CONFIDENT_MARGIN
        )
        alternatives = tuple(
            lesson
            for lesson_id, score in rest[:3]
            if score >= ALTERNATIVE_RATIO * best_score and (lesson := self.library.get(lesson_id, reply_lang))
        )
        best = self.library.get(best_id, reply_lang)
        return Answer(
            text,
            best,
            float(best_score),
            confident,
            alternatives,
            reply_lang,
            truncated,
            corrected,
            float(margin),
            float(coverage),
        )

    def _score(
        self, text: str
    ) -> tuple[list[str], list[frozenset[int]], tuple[tuple[str, str], ...], np.ndarray | None]:
        """The question's words, their token ids, the typos corrected, and every lesson's score (in
        `lesson_ids` order; None when no word of the question is known)."""
        words, negated = analyzer.split_negated(text)
        words, negated = words[:MAX_QUERY_WORDS], negated[:MAX_QUERY_WORDS]
        word_ids, corrected = self._query_ids(words)
        ids = sorted({i for group in word_ids for i in group})
        if not ids:
            return words, word_ids, corrected, None
        scores = self._table.scores(ids)
        if COORD_EXPONENT:
            scores = scores * self._coordination(word_ids) ** COORD_EXPONENT
        if self._examples is not None:
            scores = scores + NEAREST_WEIGHT * self._examples.best(ids)
        against = sorted({i for word in negated for i in self._ids_for(word)} - set(ids))
        if against:
            scores = scores - NEGATED_WEIGHT * self._table.scores(against)
        return words, word_ids, corrected, scores

    @property
    def lesson_ids(self) -> list[str]:
        """Every lesson id, sorted: the order of `lesson_scores`."""
        return self._lesson_ids

    def lesson_scores(self, question: str) -> np.ndarray:
        """Every lesson's lexical score for `question`, in `lesson_ids` order (zeros when no word of the
        question is known): what a fusion with another ranking needs beyond the top few."""
        text = question[:MAX_QUESTION_CHARS].strip() if isinstance(question, str) else ""
        scores = self._score(text)[3]
        return np.zeros(len(self._lesson_ids)) if scores is None else scores

    def _coordination(self, word_ids: list[frozenset[int]]) -> np.ndarray:
        """Each lesson's share of the question's words that it has (0 to 1): "LinkedIn page" is better
        answered by a lesson with both words than by the one where "page" weighs most."""
        groups = [sorted(group) for group in set(word_ids) if group]
        hits = np.zeros(len(self._lesson_ids))
        for group in groups:
            hits += self._table.scores(group) > 0
        return hits / max(len(groups), 1)

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
        so "linkdin" becomes "linkedin" but "weather" never becomes "gather". A real English or French
        word that the library lacks is no typo: "chaos" never becomes "chats" (`known_words`).
        """
        if len(word) < MIN_TYPO_LENGTH or not word.isalpha() or word in known_words():
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

    # --- what mentors teach at run time (learned examples) ------------------------------------------------

    _memory: tuple[tuple[_Learned, ...], dict[str, tuple[int, ...]]] = ((), {})
    """The learned examples and, by stem, the positions of those that have it: one value, replaced whole
    (never mutated), so an answer in another thread sees both before a change or both after it."""

    def answer(self, question: str, lang: str | None = None) -> Answer:
        """The best lesson for `question`, in the question's language when it can be told, else `lang`.

        A question close to one that a mentor or an admin linked to a lesson (`learn`) gets that lesson,
        confidently: most of the learned example's content words are in the question, and they make a fair
        share of the question's. The lessons' own ranking follows as alternatives."""
        found = self._lessons_answer(question, lang)
        lesson_id = self._learned_lesson(found.question) if self._memory[0] else None
        lesson = self.library.get(lesson_id, found.lang) if lesson_id else None
        if lesson is None:
            return found
        others = [x for x in (found.lesson, *found.alternatives) if x is not None and x.id != lesson.id]
        return replace(
            found,
            lesson=lesson,
            confident=True,
            score=max(found.score, MIN_CONFIDENT_SCORE),
            alternatives=tuple(others[:3]),
        )

    def learn(self, lesson_id: str, lang: str, question: str) -> bool:
        """Take `question` as an example of lesson `lesson_id` from now on (a mentor linked it); False
        when the library has no such lesson or the question has no content word. Copy-on-write, so answers
        running in other threads see the examples before or after, never half-updated."""
        if lesson_id not in self._lesson_docs:
            return False
        words = _content_keys(question)
        if not words:
            return False
        self._memory = _remember((*self._memory[0], _Learned(lesson_id, lang, question, words)))
        return True

    def relearn(self, examples: tuple[tuple[str, str, str], ...]) -> None:
        """Forget every learned example, then learn `examples` (lesson id, language, question): after
        someone's questions were forgotten. Swapped in at once: no answer sees an empty memory."""
        kept = [
            _Learned(lesson_id, lang, question, words)
            for lesson_id, lang, question in examples
            if lesson_id in self._lesson_docs and (words := _content_keys(question))
        ]
        self._memory = _remember(tuple(kept))

    @property
    def learned(self) -> tuple[tuple[str, str, str], ...]:
        """The learned examples, as (lesson id, language, question), oldest first."""
        return tuple((x.lesson_id, x.lang, x.text) for x in self._memory[0])

    def _learned_lesson(self, question: str) -> str | None:
        """The lesson of the learned example nearest to `question`, if it is near enough."""
        query = _content_keys(question)
        if not query:
            return None
        stems = frozenset().union(*query)
        learned, by_stem = self._memory
        candidates = sorted({i for stem in stems for i in by_stem.get(stem, ())})
        best: tuple[float, int, str] | None = None
        for index in candidates:
            example = learned[index]
            matched = sum(1 for word in example.words if word & stems)
            if matched < min(LEARNED_MIN_WORDS, len(example.words)):
                continue
            share, covered = matched / len(example.words), matched / len(query)
            if share < LEARNED_MIN_SHARE or covered < LEARNED_MIN_COVERAGE:
                continue
            rank = (share + covered, index, example.lesson_id)
            if best is None or rank > best:
                best = rank
        return best[2] if best else None


def _remember(
    learned: tuple[_Learned, ...],
) -> tuple[tuple[_Learned, ...], dict[str, tuple[int, ...]]]:
    """The learned examples with their index by stem (`AnswerEngine._memory`)."""
    by_stem: dict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(learned):
        for stem in frozenset().union(*example.words):
            by_stem[stem].append(index)
    return learned, {stem: tuple(indexes) for stem, indexes in by_stem.items()}


LEARNED_MIN_WORDS = 2
"""A learned example decides only on two of its content words or more (or all of a one-word example)."""
LEARNED_MIN_SHARE = 0.6
"""The share of a learned example's content words the question must have."""
LEARNED_MIN_COVERAGE = 0.34
"""The share of the question's content words the learned example must account for: a long question that
merely mentions one of them is not that example."""


@dataclass(frozen=True, slots=True)
class _Learned:
    """A learned example: its lesson, language, words, and each distinct content word's stems."""

    lesson_id: str
    lang: str
    text: str
    words: tuple[frozenset[str], ...]


def _content_keys(text: str) -> tuple[frozenset[str], ...]:
    """Each distinct content word of `text` (stopwords and negated words left out) as its stems under
    both languages' stemmers, so that "messaging" meets "messages" whatever language was guessed."""
    words, _ = analyzer.split_negated(text[:MAX_QUESTION_CHARS] if isinstance(text, str) else "")
    content = [word for word in dict.fromkeys(words[:MAX_QUERY_WORDS]) if word not in analyzer.DROPPED]
    return tuple(frozenset(analyzer.stem([word], lang)[0] for lang in LANGS) for word in content)


KNOWN_WORDS = Path(__file__).resolve().parent / "data" / "known_words.txt.gz"


@cache
def known_words() -> frozenset[str]:
    """Common English and French words, accents folded (made by `lessons.make_wordlist`); empty when
    the file is missing, so the engine then corrects as before rather than failing."""
    try:
        return frozenset(gzip.decompress(KNOWN_WORDS.read_bytes()).decode("ascii").split())
    except OSError:
        logger.warning("Word list %s not found: every unknown word may be corrected", KNOWN_WORDS)
        return frozenset()


def _head_weights(docs: list[list[int]], doc_lesson: np.ndarray, vocab_size: int, lessons: int) -> np.ndarray:
    """Each token's head weight: `HEAD_WEIGHT` for a word one lesson has, falling with the share of
    lessons that use it anywhere (log scale) down to `HEAD_DF_FLOOR` times it for a word all have."""
    if not lessons or not docs:
        return np.full(vocab_size, HEAD_WEIGHT)
    if lessons < 2:
        return np.full(vocab_size, HEAD_WEIGHT)
    owners = np.repeat(doc_lesson, [len(doc) for doc in docs])
    pairs = np.sort(np.fromiter((t for doc in docs for t in doc), dtype=np.int64) * lessons + owners)
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))] if len(pairs) else pairs
    df = np.bincount(pairs // lessons, minlength=vocab_size).astype(np.float64)
    rarity = np.log(lessons / np.maximum(df, 1.0)) / np.log(lessons)
    return HEAD_WEIGHT * (HEAD_DF_FLOOR + (1.0 - HEAD_DF_FLOOR) * np.clip(rarity, 0.0, 1.0))


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
        self, indexes: list[tuple[_Index, np.ndarray]], doc_lesson: np.ndarray, vocab_size: int, lessons: int
    ) -> None:
        self.lessons = lessons
        parts = [index.entries() for index, _ in indexes]
        tokens = np.concatenate([part[0] for part in parts])
        owners = doc_lesson[np.concatenate([part[1] for part in parts])]
        weights = np.concatenate(
            [part[2] * weight[part[0]] for part, (_, weight) in zip(parts, indexes, strict=True)]
        )
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


class _Examples:
    """Every example question (`asks:`) as its own small document: a lesson's score is its best
    example's, the nearest example to the question."""

    def __init__(self, library: Library, encoder: _Encoder, position: dict[str, int]) -> None:
        docs: list[list[int]] = []
        owners: list[int] = []
        for lesson in library.lessons.values():
            for ask in lesson.asks:
                docs.append(encoder.encode(ask, lesson.lang))
                owners.append(position[lesson.id])
        self.owner = np.asarray(owners, dtype=np.int64)
        self.lessons = len(position)
        size = len(encoder.vocab)
        self.table = (
            _TokenLessons([(_Index(docs, size), np.ones(size))], np.arange(len(docs)), size, len(docs))
            if docs
            else None
        )
        self.vocab_size = size

    def best(self, ids: list[int]) -> np.ndarray:
        """Each lesson's best example score for these token ids (0 for a lesson with none)."""
        out = np.zeros(self.lessons)
        if self.table is None:
            return out
        known = [i for i in ids if i < self.vocab_size]
        if not known:
            return out
        np.maximum.at(out, self.owner, self.table.scores(known))
        return out


class _Encoder:
    """Turns lesson text into stem ids, analysing each distinct word once per language."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.surface: set[str] = set()
        self._ids: dict[str, dict[str, int]] = {lang: {} for lang in LANGS}

    def encode(self, text: str, lang: str) -> list[int]:
        tokens = analyzer.phrases(analyzer.tokens(text))
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


MIN_EXAMPLES = 12
"""The fewest example questions (`asks:`) a lesson should have in each language."""


def check_examples(library: Library) -> list[Problem]:
    """Warnings on the example questions (`asks:`), for `tandem lessons check`:

    - a lesson with fewer than `MIN_EXAMPLES` examples in a language;
    - the same example (accents, case and punctuation aside) in two lessons, or twice in one;
    - an example that the engine answers confidently with another lesson, even with the example in the
      index: it is closer to that lesson than to its own and blurs the line between the two (often an
      example filed under the wrong lesson). (Leaving each lesson's examples out of the index flagged
      half of them: examples exist to bring the words a lesson lacks, so that test says little.)

    An example answered with another lesson without confidence is a note, not a warning: a boundary
    question (who sees the posts I like: visibility, or my first post?) in words that lean elsewhere.
    Real people ask such questions, and the semantic ranker learns the boundary from them; the note
    lets an author check that the example is filed where it belongs.
    """
    library = library.for_learners()  # mentors' lessons answer no question: no examples to check
    problems: list[Problem] = []
    seen: dict[tuple[str, str], Lesson] = {}
    for lesson in library.lessons.values():
        if len(lesson.asks) < MIN_EXAMPLES:
            problems.append(
                _warn(lesson, None, f"{len(lesson.asks)} example questions (asks); aim for {MIN_EXAMPLES}+")
            )
        for ask in lesson.asks:
            key = (" ".join(analyzer.tokens(ask)), lesson.lang)
            other = seen.setdefault(key, lesson)
            if other is not lesson:
                where = "twice in this lesson" if other.id == lesson.id else f"also in '{other.id}'"
                problems.append(_warn(lesson, ask, f"duplicate example question {ask!r}, {where}"))
    engine = AnswerEngine(library)
    for lesson in library.lessons.values():
        for ask in lesson.asks:
            found = engine.answer(ask, lesson.lang)
            if found.lesson_id is not None and found.lesson_id != lesson.id:
                problems.append(_away(lesson, ask, found.lesson_id, confident=found.confident))
    return problems


def _away(lesson: Lesson, ask: str, other: str, *, confident: bool) -> Problem:
    """The warning (confident) or note (not) for an example that the engine answers with `other`."""
    if confident:
        return _warn(lesson, ask, f"example question {ask!r} is answered with lesson '{other}', not this one")
    message = (
        f"example question {ask!r} leans towards lesson '{other}' on its words alone (not confidently):"
        " a boundary example, fine if it belongs here"
    )
    return replace(_warn(lesson, ask, message), warning=False, note=True)


def _warn(lesson: Lesson, ask: str | None, message: str) -> Problem:
    """A warning at the example's line in the lesson file (else the `asks:` line, else line 1)."""
    path = lesson.path or Path(f"{lesson.lang}/{lesson.id}.md")
    return Problem(path, _line_of(path, ask), message, warning=True)


def _line_of(path: Path, ask: str | None) -> int:
    try:
        lines = path.read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError):
        return 1
    if ask is not None:
        for number, line in enumerate(lines, start=1):
            if ask in " ".join(line.split()):
                return number
    return next((n for n, line in enumerate(lines, start=1) if line.startswith("asks:")), 1)
