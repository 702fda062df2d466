"""Run the real `tandem` command in a subprocess, with a clean environment and its own SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tandem(db: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """`tandem <args>` on the SQLite database `db`, with `root` as the bootstrap admin."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_"))}
    clean.update(TANDEM_DATABASE_URL=f"sqlite:///{db}", TANDEM_ADMINS="root", **env)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=clean,
    )
