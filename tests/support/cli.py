"""Run the real `tandem` command in a subprocess, with a clean environment and its own SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tandem(
    db: Path | str, *args: str, stdin: str = "", timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """`tandem <args>` on the SQLite database `db` (or the database URL `db`), with `root` as the
    bootstrap admin."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_"))}
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    clean.update({"TANDEM_DATABASE_URL": url, "TANDEM_ADMINS": "root", **env})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=clean,
    )


async def tandem_async(url: str, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """`tandem`, for tests whose fakes serve from this event loop (a blocking run would starve them)."""
    import asyncio

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_"))}
    clean.update(TANDEM_DATABASE_URL=url, TANDEM_ADMINS="root", **env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=ROOT, env=clean,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=120)
    return subprocess.CompletedProcess(list(args), process.returncode or 0, out.decode(), err.decode())
