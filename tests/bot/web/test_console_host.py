"""The dashboard in console mode and from the command line, with the real `tandem` processes:
`tandem run` without a chat platform serves it (and /healthz) on 127.0.0.1:TANDEM_PORT and its welcome
says how to open it; a busy port leaves the console running with one line that says why the dashboard
is off; `tandem dashboard --user NAME` prints a link that signs in, and refuses anyone else clearly."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import aiohttp

from tests.support.cli import ROOT, tandem, tandem_async
from tests.support.server import free_port

QUICK = {"TANDEM_SEMANTIC": "off"}


def programme(db: Path) -> None:
    """root (an admin), mia mentoring bob."""
    result = tandem(db, "chat", "--user", "root", stdin="pair @mia @bob\n", TANDEM_SEMANTIC="off")
    assert result.returncode == 0, result.stderr


async def wait_for_health(http: aiohttp.ClientSession, url: str) -> None:
    for _ in range(300):
        try:
            async with http.get(f"{url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the console's web host never answered")


async def test_the_console_serves_the_dashboard_and_the_cli_link_signs_in(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    programme(db)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "TANDEM_DATABASE_URL": f"sqlite:///{db}",
        "TANDEM_ADMINS": "root",
        "TANDEM_PORT": str(port),
        **QUICK,
    }
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--user", "root",
        cwd=ROOT, env={**clean, **env},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        try:
            await wait_for_health(http, url)
            printed = await tandem_async(
                f"sqlite:///{db}", "dashboard", "--user", "root", TANDEM_PORT=str(port), **QUICK
            )
            assert printed.returncode == 0, printed.stderr
            link = printed.stdout.strip()
            assert link.startswith(f"{url}/dashboard/signin/") and "\n" not in link
            assert "works once" in printed.stderr and "Traceback" not in printed.stderr
            async with http.get(link) as shown:
                assert shown.status == 200 and "Sign in" in await shown.text()
            async with http.post(link, allow_redirects=False) as signed:
                assert signed.status == 303 and "tandem_session=" in signed.headers["Set-Cookie"]
            async with http.post(link, allow_redirects=False) as again:
                assert again.status == 410
            async with http.get(f"{url}/dashboard/static/dashboard.css") as css:
                assert css.status == 200
        finally:
            assert process.stdin is not None
            process.stdin.close()
            out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert f"The web dashboard runs at {url}/dashboard: type `dashboard`" in " ".join(out.decode().split())


async def test_a_busy_port_leaves_the_console_running_without_the_dashboard(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = await tandem_async(
            f"sqlite:///{tmp_path / 't.db'}",
            "run",
            "--user",
            "sam",
            stdin="help\n",
            TANDEM_PORT=str(port),
            **QUICK,
        )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "dashboard" in line.lower() and "off" in line]
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0], result.stdout
    assert "runs at" not in result.stdout, "the welcome does not point at a dashboard that is off"
    assert "Traceback" not in result.stdout + result.stderr
    assert "cohort create" in result.stdout, "the console itself started"


def test_the_cli_refuses_learners_strangers_and_bad_databases(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    programme(db)
    mentor = tandem(
        db,
        "dashboard",
        "--user",
        "mia",
        TANDEM_PUBLIC_URL="https://tandem.example.org",
        TANDEM_SEMANTIC="off",
    )
    assert mentor.returncode == 0 and mentor.stdout.startswith("https://tandem.example.org/dashboard/signin/")
    for name, says in (("bob", "is a learner"), ("nobody", "Nobody called 'nobody'"), ("", "--user")):
        result = tandem(db, "dashboard", "--user", name, TANDEM_SEMANTIC="off")
        assert result.returncode != 0 and says in result.stderr, (name, result.stderr)
        assert result.stdout == "" and "Traceback" not in result.stderr
    bad = tandem(tmp_path / "missing" / "dir" / "t.db", "dashboard", "--user", "root", TANDEM_SEMANTIC="off")
    assert bad.returncode != 0 and bad.stderr.strip() and "Traceback" not in bad.stderr
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    broken = tandem(garbage, "dashboard", "--user", "root", TANDEM_SEMANTIC="off")
    assert broken.returncode != 0 and "Traceback" not in broken.stderr, broken.stderr
