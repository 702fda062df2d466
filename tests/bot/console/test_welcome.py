"""What the console says when someone opens it, and who `tandem run` makes an admin."""

from __future__ import annotations

from bot.console.welcome import open_console
from bot.i18n import t
from storage import activity, people
from storage.models import AuditLog
from tests.support.harness import Harness


async def is_admin(harness: Harness, name: str) -> bool:
    async with harness.services.db.transaction() as session:
        person = await people.get_person(session, key=f"console:{name}")
        return bool(person and person.is_admin)


async def test_run_makes_its_user_the_first_admin_of_an_empty_database(harness: Harness) -> None:
    opening = await open_console(harness.conversation, harness.actor("sam"), claim_admin=True)
    assert opening.first_admin and await is_admin(harness, "sam")
    lines = opening.text.split("\n")
    assert lines[0] == "Welcome to Tandem! You are sam, the first admin. Three steps to begin:"
    assert "1. cohort create pilot track first-steps" in lines[1]
    assert "2. enroll pilot @sam" in lines[2] and "today" in lines[2]
    assert "3. how do I spot a phishing email?" in lines[3] and "help" in lines[3]
    assert " ".join(lines[4:]) == t("privacy.who_sees", "en")
    assert "is ready" in await harness.text("sam", "cohort create pilot track first-steps")
    async with harness.services.db.transaction() as session:
        entries = await activity.audit_entries(session, actor_key="console:sam")
    assert [entry.action for entry in entries] == ["admin.first", "cohort.create"]


async def test_run_never_makes_anyone_admin_of_a_database_that_has_one(harness: Harness) -> None:
    await harness.say("root", "help")  # root, in TANDEM_ADMINS, is the admin
    for _ in range(2):  # not the first time, and not permanently either
        opening = await open_console(harness.conversation, harness.actor("sam"), claim_admin=True)
        assert not opening.first_admin and not await is_admin(harness, "sam")
    assert "programme admins" in await harness.text("sam", "cohort create pilot track first-steps")
    assert await harness.count(AuditLog) == 1  # the refusal only


async def test_a_learner_is_greeted_once_with_three_things_to_try(harness: Harness) -> None:
    await harness.say("root", "help")
    opening = await open_console(harness.conversation, harness.actor("bob"), claim_admin=True)
    lines = opening.text.split("\n")
    assert lines[0] == "Welcome to Tandem, bob! Three things to try:"
    assert [line.split()[0] for line in lines[1:4]] == ["today", "how", "help"]
    assert "Three steps" not in opening.text and "cohort create" not in opening.text
    assert " ".join(lines[4:]) == t("privacy.who_sees", "en")
    again = await open_console(harness.conversation, harness.actor("bob"), claim_admin=False)
    assert again.text == ""


async def test_the_greeting_speaks_the_learners_language(harness: Harness) -> None:
    await harness.say("lea", "lang fr")
    opening = await open_console(harness.conversation, harness.actor("lea"), claim_admin=False)
    lines = opening.text.split("\n")
    assert lines[0] == "Bienvenue dans Tandem, lea\u202f! Trois choses à essayer\u202f:"
    assert [line.split()[0] for line in lines[1:4]] == ["aujourdhui", "comment", "aide"]
    assert "e-mail d’hameçonnage\u202f?" in lines[2]
    assert " ".join(lines[4:]) == t("privacy.who_sees", "fr")  # wrapped at spaces, never before « ; »
    assert "today" not in opening.text and "help" not in opening.text


async def test_a_mentor_is_shown_their_mentees_first(harness: Harness) -> None:
    await harness.say("root", "pair @mia @bob")
    opening = await open_console(harness.conversation, harness.actor("mia"), claim_admin=False)
    assert opening.text.split("\n")[1].split()[0] == "mentees"


async def test_the_admin_steps_show_only_while_no_cohort_exists(harness: Harness) -> None:
    first = await open_console(harness.conversation, harness.actor("root"), claim_admin=False)
    assert first.text.startswith("Welcome to Tandem, root! There is no cohort yet. Three steps to begin:")
    again = await open_console(harness.conversation, harness.actor("root"), claim_admin=False)
    assert "Three steps" in again.text  # still no cohort: the steps are still the way to begin
    await harness.say("root", "cohort create pilot track first-steps")
    assert (await open_console(harness.conversation, harness.actor("root"), claim_admin=False)).text == ""
    await harness.say("root", "admin add @ada")
    ada = await open_console(harness.conversation, harness.actor("ada"), claim_admin=False)
    assert ada.text.startswith("Welcome to Tandem, ada! Three things to try:")


async def test_the_greeting_is_the_persons_own_data_and_goes_with_them(harness: Harness) -> None:
    await open_console(harness.conversation, harness.actor("bob"), claim_admin=False)
    async with harness.services.db.transaction() as session:
        bob = await people.get_person(session, key="console:bob")
        assert bob is not None and bob.id is not None
        shown = await activity.inbox_of(session, person_id=bob.id)
    assert len(shown) == 1 and shown[0].shown_at is not None
    assert "Three things to try" in shown[0].payload["markdown"]


async def test_the_prompt_speaks_the_persons_language(harness: Harness) -> None:
    await harness.say("lea", "lang fr")
    assert (
        await open_console(harness.conversation, harness.actor("lea"), claim_admin=False)
    ).prompt == "vous> "
    assert (
        await open_console(harness.conversation, harness.actor("bob"), claim_admin=False)
    ).prompt == "you> "
