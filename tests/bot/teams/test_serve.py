"""`tandem run` with Teams settings: a real server process, anonymous mode on loopback only, bad settings."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from tests.bot.slack.test_serve import ROOT, free_port
from tests.support.fake_slack import FakeSlack

PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_", "CONNECTIONS__"))}
    env.update(TANDEM_DATABASE_URL=f"sqlite:///{tmp_path / 't.db'}", **extra)
    return env


async def wait_healthy(session: aiohttp.ClientSession, url: str) -> dict[str, str]:
    for _ in range(300):
        try:
            async with session.get(f"{url}/healthz") as response:
                return dict(await response.json())
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError("the server never answered")


async def test_anonymous_mode_serves_slack_and_teams_on_loopback_only_and_says_so(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        port = free_port()
        env = environment(
            tmp_path,
            TANDEM_TEAMS_ALLOW_ANONYMOUS="true",
            SLACK_BOT_TOKEN=fake.bot_token,
            SLACK_SIGNING_SECRET="s3cret-value",
            SLACK_API_URL=f"{fake.url}/api/",
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--host", "0.0.0.0", "--port", str(port),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            async with aiohttp.ClientSession() as session:
                health = await wait_healthy(session, f"http://127.0.0.1:{port}")
                assert health == {"status": "ok", "slack": "http", "teams": "on"}
                async with session.post(f"http://127.0.0.1:{port}/api/messages", data=b"{oops") as response:
                    assert response.status == 400
                async with session.post(f"http://127.0.0.1:{port}/slack/events", data=b"{}") as response:
                    assert response.status == 401  # Slack's own check, untouched by the Teams route
            listening = await _listening_addresses(port)
            assert listening and all(address.startswith("127.0.0.1") for address in listening), listening
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr.decode()[-2000:]
        log = stderr.decode()
        assert "TANDEM_TEAMS_ALLOW_ANONYMOUS" in log and "127.0.0.1" in log


async def _listening_addresses(port: int) -> list[str]:
    """Local addresses with a socket listening on `port`, from /proc/net/tcp (no extra tools needed)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, state = fields[1], fields[3]
            host, _, hex_port = address.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(_decode(host))
    return found


def _decode(host: str) -> str:
    if len(host) == 8:
        return ".".join(str(int(host[i : i + 2], 16)) for i in (6, 4, 2, 0))
    return "ipv6:" + host


async def test_without_credentials_or_anonymous_teams_stays_off(tmp_path: Path) -> None:
    """No Teams settings at all: `tandem run` is the console, and no /api/messages exists anywhere."""
    env = environment(tmp_path)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--user", "rita", cwd=ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, _ = await asyncio.wait_for(process.communicate(b"quit\n"), 60)
    assert process.returncode == 0
    assert "Welcome to Tandem" in stdout.decode()


async def test_bad_teams_setting_is_named_at_start(tmp_path: Path) -> None:
    env = environment(tmp_path, **{f"{PREFIX}CLIENTID": "tandem-bot", f"{PREFIX}CLIENTSECRET": "hush-hush"})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    text = stderr.decode()
    assert process.returncode == 2
    assert f"{PREFIX}CLIENTID" in text and "Traceback" not in text and "hush-hush" not in text
