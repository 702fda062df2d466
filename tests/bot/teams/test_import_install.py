"""People imported for Teams wait (pending) until they install the app: their install, matched by their
Entra object id, uses the imported person row (with its enrollment), and makes it reachable."""

from __future__ import annotations

from sqlmodel import select

from bot.core import people_import
from bot.core.events import Actor
from storage import cohorts, people
from storage import people_import as store
from storage.models import Enrollment, Person
from tests.bot.teams.conftest import TENANT, TeamsTester, texts

ADMIN = "29:admin"

BOB_ENTRA = "8f2c1a9e-1b2c-4d5e-8f90-123456789abc"


async def test_an_imported_person_is_matched_by_entra_id_when_they_install(
    teams_by_hand: TeamsTester,
) -> None:
    teams = teams_by_hand
    services = teams.app.services
    await teams.install(ADMIN)
    await teams.say(ADMIN, "cohort create pilot track first-steps")
    async with services.db.transaction() as session:
        admin = await people.get_person(session, key=f"teams:{TENANT}:aad-admin")
        pilot = await cohorts.get_cohort(session, name="pilot")
    assert admin is not None and admin.is_admin and pilot is not None
    data = (
        f"id,email,name,language\n{BOB_ENTRA},bob@example.com,Bob Imported,fr\n,carla@example.com,Carla,en\n"
    )
    staged = await people_import.stage(services, importer=admin, data=data.encode(), cohort_id=pilot.id)
    assert staged.plan is not None and staged.problems == []
    reasons = {c.name: c.reason for c in staged.plan.unresolved}
    assert reasons == {
        "Bob Imported": "dash.import.reason.pending_install",
        "Carla": "dash.import.reason.pending_install",
    }, "Teams people wait for their install, listed"
    done = await people_import.confirm(services, importer=admin, pending_id=staged.pending_id or 0)
    assert done.applied is not None
    said = await teams.app.conversation.handle(
        people_import.enroll_event(
            _admin_actor(admin),
            "pilot",
            done.applied.enroll,
        )
    )
    assert "Now in `pilot` (2)" in said[0].markdown  # type: ignore[union-attr]
    key = f"teams:{TENANT}:{BOB_ENTRA}"
    async with services.db.transaction() as session:
        pending = await people.get_person(session, key=key)
    assert pending is not None and not pending.reachable and pending.conversation is None

    installed = teams.activity(
        "29:bob",
        "installationUpdate",
        action="add",
        **{"from": {"id": "29:bob", "name": "Bob Senior", "aadObjectId": BOB_ENTRA}},
    )
    hello = await teams.turn(installed)
    assert "Bob Senior" in texts(hello)
    async with services.db.transaction() as session:
        bob = await people.get_person(session, key=key)
        enrolled = (await session.exec(select(Enrollment).where(Enrollment.person_id == pending.id))).all()
        everyone = await people.people_by_keys(session, keys=[key])
    assert bob is not None and bob.id == pending.id, "the imported row is the one used"
    assert bob.reachable and bob.conversation is not None
    assert (bob.email, bob.lang) == ("bob@example.com", "fr")
    assert len(enrolled) == 1 and len(everyone) == 1


async def test_a_pending_person_known_by_email_is_claimed_under_their_real_key(
    teams_by_hand: TeamsTester,
) -> None:
    """The storage side of matching by email: the pending row takes the real key (once the platform
    says who has that email); a key already in use is never merged."""
    teams = teams_by_hand
    services = teams.app.services
    await teams.install(ADMIN)
    async with services.db.transaction() as session:
        admin = await people.get_person(session, key=f"teams:{TENANT}:aad-admin")
    assert admin is not None
    staged = await people_import.stage(
        services, importer=admin, data=b"id,email,name\n,carla@example.com,Carla\n"
    )
    await people_import.confirm(services, importer=admin, pending_id=staged.pending_id or 0)
    real = f"teams:{TENANT}:0b6e2a3c-1111-4222-8333-944455556666"
    async with services.db.transaction() as session:
        before = await people.get_person(session, key=f"teams:{TENANT}:~carla@example.com")
        assert (
            await store.claim(
                session, key=f"teams:{TENANT}:aad-admin", platform="teams", email="carla@example.com"
            )
            is None
        )
        claimed = await store.claim(session, key=real, platform="teams", email="Carla@Example.com")
    assert before is not None and claimed is not None and claimed.id == before.id and claimed.key == real


def _admin_actor(admin: Person) -> Actor:
    return Actor(key=admin.key, name=admin.display_name, platform="teams", named=False)


def test_the_email_of_a_teams_member() -> None:
    from bot.teams.translate import email_of

    assert (
        email_of({"email": "Bob@Example.com", "userPrincipalName": "bob@corp.example"}) == "bob@example.com"
    )
    assert email_of({"userPrincipalName": "Bob@Corp.Example"}) == "bob@corp.example"
    assert email_of({"id": "29:bob", "name": "Bob"}) is None


async def test_an_imported_person_is_matched_by_email_when_they_install(teams_by_hand: TeamsTester) -> None:
    teams = teams_by_hand
    services = teams.app.services
    await teams.install(ADMIN)
    async with services.db.transaction() as session:
        admin = await people.get_person(session, key=f"teams:{TENANT}:aad-admin")
    assert admin is not None
    staged = await people_import.stage(
        services, importer=admin, data=b"id,email,name\n,Carla@Example.com,Carla\n"
    )
    await people_import.confirm(services, importer=admin, pending_id=staged.pending_id or 0)
    teams.connector.add_member("29:car", name="Car Senior", aad="aad-car", email="carla@example.com")
    async with services.db.transaction() as session:
        pending = await people.get_person(session, key=f"teams:{TENANT}:~carla@example.com")
    assert pending is not None and not pending.reachable
    await teams.install("29:car")
    async with services.db.transaction() as session:
        carla = await people.get_person(session, key=f"teams:{TENANT}:aad-car")
        gone = await people.get_person(session, key=f"teams:{TENANT}:~carla@example.com")
    assert carla is not None and carla.id == pending.id and carla.reachable and gone is None
