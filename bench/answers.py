"""Answer engine benchmark: index build time, p50/p99 latency and top-1 accuracy, beside SQLite FTS5.

Run: `.venv/bin/python bench/answers.py [--lessons 5000] [--repeat 20] [--out bench/results/answers.json]`

Both engines see the same corpus and the same questions (tests/lessons/questions.yml). The generated
library copies the bundled lessons into N variants with shuffled sentences and extra filler words, so
the index has N real-sized documents; a question counts as right when the top lesson is a variant of the
expected one.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lessons import AnswerEngine, Lesson, Library, load_library  # noqa: E402
from lessons.analyzer import fold  # noqa: E402

QUESTIONS = ROOT / "tests" / "lessons" / "questions.yml"
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
        self.db = sqlite3.connect(":memory:")
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

    def answer(self, question: str) -> str | None:
        words = [w for w in re.findall(r"\w+", fold(question)) if len(w) > 2][:40]
        if not words:
            return None
        query = " OR ".join(f'"{w}"' for w in words)
        row = self.db.execute(
            "SELECT lesson_id FROM doc WHERE doc MATCH ? ORDER BY bm25(doc, 0, 3.0, 3.0, 2.0, 1.0) LIMIT 1",
            (query,),
        ).fetchone()
        return row[0] if row else None


def base_id(lesson_id: str | None) -> str | None:
    return lesson_id.split("--")[0] if lesson_id else None


def measure(name: str, build: float, answer, questions: list[dict], repeat: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    right = sum(base_id(answer(q["q"])) == q["expect"] for q in questions)
    timings: list[float] = []
    for _ in range(repeat):
        for q in questions:
            started = time.perf_counter()
            answer(q["q"])
            timings.append((time.perf_counter() - started) * 1000)
    return {
        "engine": name,
        "build_s": round(build, 3),
        "p50_ms": round(statistics.median(timings), 4),
        "p99_ms": round(percentile(timings, 99), 4),
        "accuracy": round(right / len(questions), 4),
        "queries": len(timings),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lessons", type=int, default=5000, help="size of the generated library")
    parser.add_argument("--repeat", type=int, default=20, help="passes over the question set")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "answers.json")
    args = parser.parse_args()

    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    questions = data["questions"]
    bundled = load_library()
    generated = generated_library(bundled, args.lessons)
    rows = []
    for label, library in (("bundled", bundled), (f"generated-{args.lessons}", generated)):
        started = time.perf_counter()
        engine = AnswerEngine(library)
        build = time.perf_counter() - started
        row = measure(
            "tandem (bm25s + analyzer)",
            build,
            lambda q, e=engine: e.answer(q).lesson_id,
            questions,
            args.repeat,
        )
        fts = Fts5(library)
        baseline = measure("sqlite fts5 baseline", fts.build_seconds, fts.answer, questions, args.repeat)
        off_topic = sum(engine.answer(q).confident for q in data["off_topic"])
        row["off_topic_confident"] = off_topic
        for item in (row, baseline):
            item["library"] = label
            item["documents"] = len(library.lessons)
            rows.append(item)

    header = (
        f"{'library':<16} {'engine':<27} {'docs':>6} {'build s':>8} {'p50 ms':>8} {'p99 ms':>8} {'top-1':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['library']:<16} {r['engine']:<27} {r['documents']:>6} {r['build_s']:>8.3f} "
            f"{r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f} {r['accuracy']:>6.1%}"
        )
    target = next(
        r for r in rows if r["library"].startswith("generated") and r["engine"].startswith("tandem")
    )
    base = next(r for r in rows if r["library"].startswith("generated") and r["engine"].startswith("sqlite"))
    checks = {
        "p99 <= 2 ms at the generated size": target["p99_ms"] <= 2.0,
        "build <= 2 s at the generated size": target["build_s"] <= 2.0,
        "accuracy above the FTS5 baseline": all(
            a["accuracy"] > b["accuracy"] for a, b in zip(rows[0::2], rows[1::2], strict=True)
        ),
        "off-topic never confident": all(r.get("off_topic_confident", 0) == 0 for r in rows[0::2]),
    }
    print()
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"rows": rows, "checks": checks, "baseline_p99_ms": base["p99_ms"]}, indent=2)
    )
    print(f"\nwrote {args.out}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
