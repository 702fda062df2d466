"""A local fake chat API over real HTTP (aiohttp on 127.0.0.1), Slack-shaped, that records every call.

It answers `chat.postMessage` after a configurable latency and can inject 429 (with Retry-After), 500 and
timeouts. Each message may carry Tandem's dedupe key in `metadata.event_payload.key`; the fake counts
deliveries per key, so tests can prove that nobody got two tips and nobody got none.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.serve import serve_local


@dataclass
class Faults:
    rate_limited: float = 0.0
    server_error: float = 0.0
    timeout: float = 0.0
    retry_after: float = 0.05
    hang_seconds: float = 30.0
    seed: int = 1


@dataclass
class FakeChat:
    latency: float = 0.0
    faults: Faults = field(default_factory=Faults)
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    permanent: dict[str, str] = field(default_factory=dict)
    url: str = ""

    def __post_init__(self) -> None:
        self._rng = random.Random(self.faults.seed)
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/chat.postMessage", self.post_message)
        app.router.add_post("/api/auth.test", self.auth_test)
        app.router.add_get("/delivered", self.delivered)
        app.router.add_get("/stats", self.stats)
        app.router.add_post("/reset", self.reset)
        return app

    async def start(self) -> str:
        self._runner, self.url = await serve_local(self.app())
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def keys(self) -> Counter[str]:
        return Counter(m["key"] for m in self.messages if m.get("key"))

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = dict(await request.post())
        for name in ("blocks", "metadata"):
            if isinstance(form.get(name), str):
                form[name] = json.loads(form[name])
        return form

    async def post_message(self, request: web.Request) -> web.Response:
        self.calls["chat.postMessage"] += 1
        body = await self._body(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        roll = self._rng.random()
        faults = self.faults
        if roll < faults.rate_limited:
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(faults.retry_after)},
            )
        roll -= faults.rate_limited
        if roll < faults.server_error:
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        roll -= faults.server_error
        channel = str(body.get("channel", ""))
        if channel in self.permanent:
            return web.json_response({"ok": False, "error": self.permanent[channel]})
        metadata = body.get("metadata") or {}
        key = (metadata.get("event_payload") or {}).get("key") if isinstance(metadata, dict) else None
        self.messages.append(
            {"channel": channel, "text": body.get("text", ""), "blocks": body.get("blocks"), "key": key}
        )
        if roll < faults.timeout:
            await asyncio.sleep(faults.hang_seconds)  # recorded, but the caller gives up first
        return web.json_response({"ok": True, "channel": channel, "ts": f"{len(self.messages)}.000"})

    async def auth_test(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"})

    async def stats(self, request: web.Request) -> web.Response:
        keys = self.keys
        return web.json_response(
            {
                "messages": len(self.messages),
                "unique_keys": len(keys),
                "max_per_key": max(keys.values(), default=0),
            }
        )

    async def reset(self, request: web.Request) -> web.Response:
        self.messages.clear()
        self.calls.clear()
        return web.json_response({"ok": True})

    async def delivered(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        return web.json_response({"delivered": self.keys[key] > 0})


def serve_forever(latency: float, port_queue: object) -> None:
    """Run a fake in its own process (benchmarks): puts the URL on `port_queue`, then serves."""

    async def run() -> None:
        chat = FakeChat(latency=latency)
        port_queue.put(await chat.start())  # type: ignore[attr-defined]
        await asyncio.Event().wait()

    asyncio.run(run())
