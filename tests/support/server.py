"""The real `tandem run` in a subprocess, on a free loopback port, with signed Slack requests to it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[2]
SECRET = "server-signing-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TandemServer:
    """One `tandem run` process serving Slack against a fake Web API; start, stop, or kill it."""

    def __init__(self, db_url: str, slack_api: str, token: str, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_"))}
        self.env.update(
            TANDEM_DATABASE_URL=db_url,
            SLACK_BOT_TOKEN=token,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack_api,
            TANDEM_HOST="127.0.0.1",
            TANDEM_PORT=str(self.port),
            **settings,
        )
        self.process: asyncio.subprocess.Process | None = None
        self.session = aiohttp.ClientSession()

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run",
            cwd=ROOT, env=self.env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        for _ in range(300):
            try:
                async with self.session.get(f"{self.url}/healthz") as response:
                    if response.status in (200, 503):
                        return
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        raise AssertionError("tandem run never answered")

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with self.session.get(f"{self.url}/healthz") as response:
            return response.status, await response.json()

    async def command(self, user: str, text: str, response_url: str, *, team: str = "T1") -> int:
        form = {
            "team_id": team, "user_id": user, "user_name": user.lower(), "command": "/tandem", "text": text,
            "channel_id": f"D{user[1:]}", "response_url": response_url, "trigger_id": f"t-{uuid.uuid4().hex}",
        }  # fmt: skip
        return await self._post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")

    async def dm(self, user: str, text: str, event_id: str, *, team: str = "T1") -> int:
        event = {"type": "message", "channel_type": "im", "channel": f"D{user[1:]}", "user": user, "text": text, "ts": "1.1"}  # fmt: skip
        body = {"type": "event_callback", "team_id": team, "event_id": event_id, "event": event}
        return await self._post(json.dumps(body), "application/json")

    async def _post(self, body: str, content_type: str) -> int:
        ts = str(int(time.time()))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": signature,
        }
        async with self.session.post(
            f"{self.url}/slack/events", data=body.encode(), headers=headers
        ) as response:
            await response.read()
            return response.status

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> str:
        """SIGTERM, wait, and return what it wrote to stderr."""
        if self.process is None:
            return ""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(self.process.communicate(), timeout=60)
        self.process = None
        return err.decode()

    async def close(self) -> None:
        await self.stop()
        await self.session.close()
