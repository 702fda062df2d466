"""`tandem run` with Slack settings: a real server process, its health check, clean shutdown, bad settings."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.support.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_"))}
    env.update(TANDEM_DATABASE_URL=f"sqlite:///{tmp_path / 't.db'}", **extra)
    return env


async def test_serves_slack_and_healthz_then_stops_on_sigterm(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        port = free_port()
        env = environment(
            tmp_path,
            SLACK_BOT_TOKEN=fake.bot_token,
            SLACK_SIGNING_SECRET="s3cret-value",
            SLACK_API_URL=f"{fake.url}/api/",
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1", "--port", str(port),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            async with aiohttp.ClientSession() as session:
                for _ in range(200):
                    try:
                        async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                            assert response.status == 200
                            assert (await response.json()) == {
                                "status": "ok",
                                "slack": "http",
                                "teams": "off",
                            }
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.1)
                else:
                    raise AssertionError("the server never answered")
                async with session.post(f"http://127.0.0.1:{port}/slack/events", data=b"{}") as response:
                    assert response.status == 401
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr.decode()[-2000:]
        log = stderr.decode()
        assert "s3cret-value" not in log and fake.bot_token not in log


async def test_bad_slack_setting_is_named_at_start(tmp_path: Path) -> None:
    env = environment(tmp_path, SLACK_BOT_TOKEN="not-a-token", SLACK_SIGNING_SECRET="x")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "SLACK_BOT_TOKEN" in stderr.decode() and "Traceback" not in stderr.decode()
