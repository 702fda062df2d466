"""`dashboard` in the chat: an admin or a mentor gets a private one-time link, valid 10 minutes, in
their language and time zone, audited without its token; a learner is refused."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.core.replies import Text
from bot.settings import Settings
from storage import activity
from storage.enums import AuditOutcome, PendingKind
from storage.models import PendingAction
from tests.support.harness import Harness

LINK = re.compile(r"\((http[^)\s]+/dashboard/signin/([A-Za-z0-9_-]+))\)")


async def link_rows(harness: Harness) -> list[PendingAction]:
    async with harness.services.db.transaction() as session:
        query = select(PendingAction).where(PendingAction.kind == PendingKind.DASHBOARD_LINK)
        return list(await session.exec(query))


async def test_an_admin_gets_a_private_link_that_works_once_for_ten_minutes(harness: Harness) -> None:
    [reply] = await harness.say("root", "dashboard")
    assert isinstance(reply, Text) and reply.private, "never shown to anyone else"
    found = LINK.search(reply.markdown)
    assert found and found.group(1).startswith("http://127.0.0.1:3000/dashboard/signin/")
    assert "works once" in reply.markdown
    assert "11:10 (Europe/Paris)" in reply.markdown, "10:00 UTC + 10 minutes, in the person's zone"
    [row] = await link_rows(harness)
    assert found.group(2) not in str(row.data), "only the token's hash is stored"
    async with harness.services.db.transaction() as session:
        [entry] = await activity.audit_entries(session, actor_key="console:root")
    assert (entry.action, entry.args, entry.outcome) == ("dashboard.link", {"via": "chat"}, AuditOutcome.OK)


async def test_a_new_link_replaces_the_last_one(harness: Harness) -> None:
    await harness.say("root", "dashboard")
    await harness.say("root", "dashboard")
    assert len(await link_rows(harness)) == 1


async def test_a_french_mentor_gets_it_in_french_with_the_alias(harness: Harness) -> None:
    await harness.say("root", "pair @mia @bob")
    await harness.say("mia", "lang fr")
    text = await harness.text("mia", "tableau-de-bord")
    assert LINK.search(text) and "Ouvrir le tableau de bord" in text and "une fois" in text


async def test_links_point_at_the_public_address_when_there_is_one(harness: Harness) -> None:
    harness.services.settings = Settings(
        database_url=harness.services.settings.database_url,
        admins=["root"],
        public_url="https://tandem.example.org/",
        _env_file=None,
    )
    found = LINK.search(await harness.text("root", "dashboard"))
    assert found and found.group(1).startswith("https://tandem.example.org/dashboard/signin/")


async def test_a_learner_is_refused_and_the_refusal_is_audited(harness: Harness) -> None:
    await harness.say("root", "pair @mia @bob")
    text = await harness.text("bob", "dashboard")
    assert not LINK.search(text) and "programme leads and mentors" in text and "progress" in text
    assert await link_rows(harness) == []
    async with harness.services.db.transaction() as session:
        [entry] = await activity.audit_entries(session, actor_key="console:bob")
    assert (entry.action, entry.outcome) == ("dashboard", AuditOutcome.REFUSED)


async def test_help_lists_it_for_mentors_and_admins_only(harness: Harness) -> None:
    await harness.say("root", "pair @mia @bob")
    assert "dashboard" in await harness.text("root", "help")
    assert "dashboard" in await harness.text("mia", "help")
    assert "dashboard" not in await harness.text("bob", "help")
