"""A dashboard web host over the test's database, reached over real HTTP on 127.0.0.1, and a small
client that keeps the session cookie by hand (so tests can read its flags, tamper with it, or forget
it)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channel import Route
from bot.server import build_web_app
from bot.web.app import dashboard_routes
from bot.web.auth import COOKIE, admin_only, data, form, page, viewer_of
from tests.support.harness import Harness

LINK = re.compile(r"/dashboard/signin/([A-Za-z0-9_-]+)")


@page
async def probe_page(request: web.Request) -> web.Response:
    viewer = viewer_of(request)
    return web.Response(
        text=f"page {viewer.key} admin={viewer.is_admin} mentor={viewer.is_mentor} csrf={viewer.csrf}"
    )


@page
async def probe_admin(request: web.Request) -> web.Response:
    viewer = viewer_of(request)
    admin_only(viewer)
    return web.Response(text="admin page")


@data
async def probe_export(request: web.Request) -> web.Response:
    return web.Response(text="a,b\n1,2\n", content_type="text/csv")


@page
async def probe_form(request: web.Request) -> web.Response:
    body = await form(request)
    return web.Response(text=f"done {body.get('what')}")


PROBES = [
    Route("GET", "/dashboard/probe/page", probe_page, 0),
    Route("GET", "/dashboard/probe/admin", probe_admin, 0),
    Route("GET", "/dashboard/probe/export.csv", probe_export, 0),
    Route("POST", "/dashboard/probe/form", probe_form, 10_000),
]
"""Routes that use the page, data, admin_only and form guards the way the dashboard's pages do."""


@dataclass
class Reply:
    status: int
    text: str
    headers: Any
    set_cookie: list[str] = field(default_factory=list)


class Client:
    """One browser: its own session cookie, sent by hand."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.cookie: str | None = None

    async def request(self, method: str, path: str, **kw: Any) -> Reply:
        headers = dict(kw.pop("headers", {}))
        if self.cookie is not None:
            headers["Cookie"] = f"{COOKIE}={self.cookie}"
        async with self.site.http.request(
            method, f"{self.site.url}{path}", headers=headers, allow_redirects=False, **kw
        ) as response:
            text = await response.text()
            cookies = response.headers.getall("Set-Cookie", [])
        for line in cookies:
            parsed: SimpleCookie = SimpleCookie(line)
            if COOKIE in parsed:
                morsel = parsed[COOKIE]
                self.cookie = morsel.value if morsel.value and morsel["max-age"] != "0" else None
        return Reply(response.status, text, response.headers, cookies)

    async def get(self, path: str, **kw: Any) -> Reply:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> Reply:
        return await self.request("POST", path, **kw)

    async def sign_in(self, name: str, **kw: Any) -> Reply:
        """Ask for a link in the chat as `name`, open it and press the button."""
        token = await self.site.link(name)
        shown = await self.get(f"/dashboard/signin/{token}")
        assert shown.status == 200, shown.text
        return await self.post(f"/dashboard/signin/{token}", **kw)

    async def csrf(self) -> str:
        """This session's CSRF token, as a signed-in page carries it in its forms."""
        shown = await self.get("/dashboard/probe/page")
        assert shown.status == 200, shown.text
        return shown.text.rsplit("csrf=", 1)[1]


@dataclass
class Site:
    harness: Harness
    url: str
    http: aiohttp.ClientSession

    async def link(self, name: str) -> str:
        text = await self.harness.text(name, "dashboard")
        found = LINK.search(text)
        assert found, text
        return found.group(1)

    def client(self) -> Client:
        return Client(self)


@pytest.fixture
async def site(harness: Harness) -> AsyncIterator[Site]:
    app = build_web_app(harness.services.db, [], extra=[*dashboard_routes(harness.conversation), *PROBES])
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    try:
        yield Site(harness, f"http://127.0.0.1:{server.port}", http)
    finally:
        await http.close()
        await server.close()
