"""CLI start-up benchmark: how long a person waits for `tandem`, beside the bare imports of its libraries.

Run: `.venv/bin/python bench/startup.py [--runs 7]`

Each command runs `--runs` times in a fresh process (after one run that is not counted, which creates
and migrates the SQLite database and fills the file caches), alternating with the baseline
`python -c "import sqlalchemy, sqlmodel, aiohttp, numpy"`: the libraries any Tandem command needs,
imported and nothing else. Commands: `tandem ask "x"`, `tandem chat --user bench` on empty input,
`tandem lessons list` and `tandem --help`. Target: each command within 0.4 s of the baseline, run
for run at their fastest (the minimum is the figure other processes on the machine disturb least;
the medians are shown too). Every command runs in a scratch folder with its own SQLite database, without
the TANDEM_, SLACK_ and CONNECTIONS__ variables of the calling shell.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import print_table, report

TARGET_S = 0.4
BASELINE = "baseline: python -c 'import sqlalchemy, sqlmodel, aiohttp, numpy'"


def tandem() -> list[str]:
    """The `tandem` console script next to this Python, else the module."""
    script = Path(sys.executable).with_name("tandem")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def commands() -> dict[str, tuple[list[str], str]]:
    """Name -> (argv, standard input)."""
    run = tandem()
    return {
        BASELINE: ([sys.executable, "-c", "import sqlalchemy, sqlmodel, aiohttp, numpy"], ""),
        'tandem ask "x"': ([*run, "ask", "x"], ""),
        "tandem chat (empty input)": ([*run, "chat", "--user", "bench"], ""),
        "tandem lessons list": ([*run, "lessons", "list"], ""),
        "tandem --help": ([*run, "--help"], ""),
    }


def environment(folder: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TANDEM_", "SLACK_", "CONNECTIONS__"))
    }
    env["TANDEM_DATABASE_URL"] = f"sqlite:///{folder / 'tandem.db'}"
    return env


def timed(argv: list[str], stdin: str, folder: Path, env: dict[str, str]) -> float:
    """Seconds from start to exit; a command that fails stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(argv, input=stdin, cwd=folder, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command")
    args = parser.parse_args()
    runs = commands()
    times: dict[str, list[float]] = {name: [] for name in runs}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        env = environment(folder)
        for argv, stdin in runs.values():
            timed(argv, stdin, folder, env)
        for _ in range(args.runs):
            for name, (argv, stdin) in runs.items():
                times[name].append(timed(argv, stdin, folder, env))
    fastest, middle = min(times[BASELINE]), statistics.median(times[BASELINE])
    rows = []
    results: dict[str, object] = {}
    checks: dict[str, bool] = {}
    for name, seconds in times.items():
        low, median = min(seconds), statistics.median(seconds)
        rows.append(
            [name, f"{low:.2f} s", f"{low - fastest:+.2f} s", f"{median:.2f} s", f"{median - middle:+.2f} s"]
        )
        results[name] = {"min_s": round(low, 3), "median_s": round(median, 3), "runs": seconds}
        if name != BASELINE:
            checks[f"{name}: within {TARGET_S} s of the baseline ({low - fastest:+.2f} s)"] = (
                low - fastest <= TARGET_S
            )
    print(f"\nCLI start-up, {args.runs} runs each (fresh processes, the baseline alternating with them)")
    print_table(["command", "min", "vs baseline", "median", "vs baseline"], rows)
    return report("startup", results, checks)


if __name__ == "__main__":
    raise SystemExit(main())
