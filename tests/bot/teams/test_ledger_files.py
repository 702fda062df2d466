"""A file sent to someone else (an invitation's .ics) through the delivery ledger, in Teams: a bot cannot
drop a file into a personal chat, so the person gets a one-time link on Tandem's web host (as for
my-data), which serves the file's own bytes, kept with the link for a week. Over real HTTP: the Teams
channel, the fake Bot Connector and the download routes on one server, with the real dispatcher."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlmodel import select

from bot.core import outbox
from bot.core.context import Services
from bot.core.replies import File, Notify, Text
from storage import people
from storage.models import Delivery
from tests.bot.teams.conftest import TENANT, TeamsTester, conversation_of, serving
from tests.support.fake_teams import FakeConnector
from tests.support.harness import Clock

PUBLIC = "https://tandem.example.org"
LINK = re.compile(r"https://tandem\.example\.org(/download/[A-Za-z0-9_-]+)")
BOB, MIA = "29:bob", "29:mia"
BOB_KEY, MIA_KEY = f"teams:{TENANT}:aad-bob", f"teams:{TENANT}:aad-mia"
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n"
INVITATION = (
    Text("Mia vous invite à l’atelier **Passkeys**, mardi à 12:30."),
    File("tandem-workshop-12.ics", ICS, "text/calendar", "Ajoutez-le à votre agenda."),
)


@pytest.fixture
async def teams(services: Services, connector: FakeConnector) -> AsyncIterator[TeamsTester]:
    async with serving(services, connector, deliver=False, public_url=PUBLIC) as tester:
        yield tester


async def invite_bob(teams: TeamsTester) -> None:
    """Bob and Mia installed Tandem; Mia's command queues the invitation for Bob in the ledger."""
    await teams.install(BOB)
    await teams.install(MIA)
    async with teams.app.services.db.transaction() as session:
        mia = await people.get_person(session, key=MIA_KEY)
        now = teams.app.services.clock()
        await outbox.post(session, sender=mia, replies=[Notify(BOB_KEY, INVITATION)], lang="en", now=now)


async def statuses(teams: TeamsTester) -> list[str]:
    async with teams.app.services.db.transaction() as session:
        bob = await people.get_person(session, key=BOB_KEY)
        query = select(Delivery).where(Delivery.person_id == (bob.id if bob else 0))
        return [d.status for d in await session.exec(query)]


def bob_sees(teams: TeamsTester) -> str:
    return "\n".join(teams.connector.texts(conversation_of(BOB)))


async def fetch(teams: TeamsTester, method: str, path: str) -> tuple[int, bytes, aiohttp.ClientResponse]:
    async with teams.session.request(method, f"{teams.url}{path}") as response:
        return response.status, await response.read(), response


async def test_the_file_comes_as_a_link_that_serves_its_bytes_once(teams: TeamsTester) -> None:
    await invite_bob(teams)
    await teams.app.deliver_now()

    shown = bob_sees(teams)
    assert "Mia vous invite à l’atelier" in shown and "Ajoutez-le à votre agenda." in shown
    assert "Télécharger tandem-workshop-12.ics" in shown and "BEGIN:VCALENDAR" not in shown
    assert "jusqu’à lundi 30 novembre 2026" in shown, "a week, said in Bob's language and zone"
    [path] = LINK.findall(shown)
    assert await statuses(teams) == ["sent"]

    await teams.say(BOB, "mes-données")  # a link to his data does not replace the file's
    status, page, _ = await fetch(teams, "GET", path)
    assert (
        status == 200
        and "Télécharger le fichier" in page.decode()
        and "tandem-workshop-12.ics" in page.decode()
    )
    status, body, response = await fetch(teams, "POST", path)
    assert status == 200 and body == ICS
    assert response.content_type == "text/calendar"
    assert response.headers["Content-Disposition"] == 'attachment; filename="tandem-workshop-12.ics"'
    status, page, _ = await fetch(teams, "POST", path)
    assert status == 410 and "déjà servi" in page.decode() and "mes-données" not in page.decode()


async def test_the_link_expires_after_a_week(teams: TeamsTester, clock: Clock) -> None:
    await invite_bob(teams)
    await teams.app.deliver_now()
    [path] = LINK.findall(bob_sees(teams))
    clock.advance(days=7, seconds=1)
    status, page, _ = await fetch(teams, "GET", path)
    assert status == 410 and "7 jours" in page.decode()


async def test_a_failed_send_is_tried_again(teams: TeamsTester, clock: Clock) -> None:
    await invite_bob(teams)
    teams.connector.fail(503)
    await teams.app.deliver_now()
    assert "Télécharger" not in bob_sees(teams)
    assert await statuses(teams) == ["pending"]

    clock.advance(minutes=2)
    await teams.app.deliver_now()

    [path] = LINK.findall(bob_sees(teams))  # the link of the try that went out
    assert await statuses(teams) == ["sent"]
    status, body, _ = await fetch(teams, "POST", path)
    assert status == 200 and body == ICS


async def test_without_a_public_address_the_file_shows_in_the_card(
    services: Services, connector: FakeConnector
) -> None:
    async with serving(services, connector, deliver=False) as teams:
        await invite_bob(teams)
        await teams.app.deliver_now()
        shown = bob_sees(teams)
        assert "BEGIN:VCALENDAR" in shown and "/download/" not in shown
        assert await statuses(teams) == ["sent"]
