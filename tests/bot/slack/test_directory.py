"""A people import in Slack finds people by email with users.lookupByEmail, over real HTTP against the
fake Web API: the channel registers its directory when it opens; an email nobody has, or a call that
fails, leaves the person listed as not reachable yet, never dropped."""

from __future__ import annotations

from bot.channels import open_channels
from bot.core import people_import
from bot.outlets import Outlets
from storage import people
from storage.models import Person
from tests.bot.slack.conftest import SlackTester

FILE = (
    "id,email,name,language,time zone,department,manager,role\n"
    ",ZOE@example.com,,fr,,Sales,,learner\n"
    ",nobody@example.com,Nobody Known,,,,,\n"
    "UMIA,,Mia,,,,zoe@example.com,\n"
)


async def admin(slack: SlackTester) -> Person:
    await slack.ask("UADMIN", "help")
    async with slack.app.services.db.transaction() as session:
        found = await people.get_person(session, key="slack:T1:UADMIN")
    assert found is not None and found.is_admin
    return found


async def test_emails_are_resolved_with_users_lookup_by_email(slack_by_hand: SlackTester) -> None:
    slack = slack_by_hand
    slack.fake.add_user(
        "UZOE", name="zoe", real_name="Zoë Quill", display_name="Zoë", email="zoe@example.com"
    )
    services = slack.app.services
    channels = open_channels(slack.app.conversation, Outlets(), services.settings)
    try:
        assert "slack" in services.directories, "the Slack channel registers its directory"
        me = await admin(slack)
        staged = await people_import.stage(services, importer=me, data=FILE.encode())
        assert staged.problems == [] and staged.plan is not None
        asked = sorted(call.args["email"] for call in slack.fake.calls_to("users.lookupByEmail"))
        assert asked == ["nobody@example.com", "zoe@example.com"]
        changes = {c.line: c for c in staged.plan.changes}
        assert (changes[2].key, changes[2].name, changes[2].reachable) == ("slack:T1:UZOE", "Zoë", True)
        unresolved = {c.line: c.reason for c in staged.plan.unresolved}
        assert unresolved == {3: "dash.import.reason.not_found"}, "listed, never dropped"

        done = await people_import.confirm(services, importer=me, pending_id=staged.pending_id or 0)
        assert done.applied is not None and done.applied.new == 3
        async with services.db.transaction() as session:
            zoe = await people.get_person(session, key="slack:T1:UZOE")
            mia = await people.get_person(session, key="slack:T1:UMIA")
            nobody = await people.get_person(session, key="slack:T1:~nobody@example.com")
        assert zoe is not None and (zoe.email, zoe.lang, zoe.department, zoe.reachable) == (
            "zoe@example.com", "fr", "Sales", True,
        )  # fmt: skip
        assert mia is not None and mia.manager_id == zoe.id
        assert nobody is not None and not nobody.reachable, "pending until Slack knows them"

        slack.fake.fail("users.lookupByEmail", error="fatal_error", times=1)
        later = "id,email,name\n,later@example.com,Later Person\n"
        staged = await people_import.stage(services, importer=me, data=later.encode())
        assert staged.plan is not None
        assert [c.reason for c in staged.plan.unresolved] == ["dash.import.reason.lookup_failed"]
    finally:
        await channels.close()
