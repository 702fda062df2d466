"""`my-data` in Teams: a one-time link on Tandem's own web host (TANDEM_PUBLIC_URL), bound to the person,
short-lived and single use; the file is built when the link is used. Over real HTTP: the Teams channel
and the download routes on one server, as `tandem run` mounts them."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.core.context import Services
from tests.bot.teams.conftest import TeamsTester, serving, texts
from tests.support.fake_teams import FakeConnector
from tests.support.harness import Clock

PUBLIC = "https://tandem.example.org"
LINK = re.compile(r"https://tandem\.example\.org(/download/[A-Za-z0-9_-]+)")


@pytest.fixture
async def teams(services: Services, connector: FakeConnector) -> AsyncIterator[TeamsTester]:
    async with serving(services, connector, deliver=False, public_url=PUBLIC) as tester:
        yield tester


async def link_for(teams: TeamsTester, user: str) -> str:
    """`my-data` from `user`: the path of the link it gives (the reply names the public address)."""
    shown = texts(await teams.say(user, "my-data"))
    assert "tandem-my-data-" in shown and '"person"' not in shown, "a summary and a link, not the JSON"
    [path] = LINK.findall(shown)
    return path


async def fetch(teams: TeamsTester, method: str, path: str) -> tuple[int, str, aiohttp.ClientResponse]:
    async with teams.session.request(method, f"{teams.url}{path}") as response:
        return response.status, await response.text(), response


async def test_the_link_serves_the_persons_file_once(teams: TeamsTester) -> None:
    path = await link_for(teams, "29:mia")
    for _ in range(2):  # opening it (a person, or a chat app's link preview) uses nothing up
        status, page, response = await fetch(teams, "GET", path)
        assert status == 200 and '<form method="post">' in page and "Download my data" in page
        assert response.headers["Cache-Control"] == "no-store"
    status, body, response = await fetch(teams, "POST", path)
    assert status == 200 and response.content_type == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="tandem-my-data-aad-mia-') and disposition.endswith(
        '.json"'
    )
    data = json.loads(body)
    assert data["person"]["key"].endswith(":aad-mia") and data["person"]["display_name"] == "Mia Junior"
    for method in ("POST", "GET"):
        status, page, _ = await fetch(teams, method, path)
        assert status == 410 and "already been used" in page and "my-data" in page


async def test_each_link_serves_only_its_own_person(teams: TeamsTester) -> None:
    mia, bob = await link_for(teams, "29:mia"), await link_for(teams, "29:bob")
    status, body, _ = await fetch(teams, "POST", bob)
    assert status == 200 and json.loads(body)["person"]["key"].endswith(":aad-bob")
    assert "aad-mia" not in body
    status, page, _ = await fetch(teams, "GET", bob)
    assert status == 410 and "déjà servi" in page, "in Bob's language"
    status, body, _ = await fetch(teams, "POST", mia)
    assert status == 200 and json.loads(body)["person"]["key"].endswith(":aad-mia")


async def test_an_expired_link_is_refused(teams: TeamsTester, clock: Clock) -> None:
    path = await link_for(teams, "29:mia")
    clock.advance(minutes=16)
    for method in ("GET", "POST"):
        status, page, _ = await fetch(teams, method, path)
        assert status == 410 and "expired" in page


async def test_unknown_replaced_and_forgotten_links_are_refused(teams: TeamsTester) -> None:
    status, page, _ = await fetch(teams, "GET", "/download/not-a-real-token")
    assert status == 404 and "does not exist" in page and "n’existe pas" in page
    first = await link_for(teams, "29:mia")
    second = await link_for(teams, "29:mia")
    assert (await fetch(teams, "POST", first))[0] == 404, "a newer link replaces the older one"
    await teams.say("29:mia", "forget-me")
    await teams.submit("29:mia", {"tandem": "forget.confirm", "value": ""})
    status, page, _ = await fetch(teams, "POST", second)
    assert status == 404 and "Traceback" not in page


async def test_without_a_public_address_the_file_shows_in_the_chat(
    services: Services, connector: FakeConnector
) -> None:
    async with serving(services, connector, deliver=False) as teams:
        shown = texts(await teams.say("29:mia", "my-data"))
        assert '"person"' in shown and "/download/" not in shown
        status, _, _ = await fetch(teams, "GET", "/download/anything")
        assert status == 404
