"""The people importer: every kind of bad file gets line-numbered problems and writes nothing; a good
one previews new, changed, unchanged and unresolved people, and applies all of it at once; enrolling
happens only when the admin chose a cohort."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.core import people_import as imp
from bot.core.events import Actor
from storage import deliveries, people
from storage.enums import DeliveryKind, DeliveryStatus, EnrollmentStatus, PendingKind
from storage.models import AuditLog, Delivery, Enrollment, PendingAction, Person
from tests.support.harness import Harness

HEADER = "id,email,name,language,time zone,department,manager,role\n"
ADMIN_KEY = "console:root"


def csv(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(line + "\n" for line in lines)).encode("utf-8")


def problems(data: bytes, platform: str = "console", **kw: int) -> list[tuple[int | None, str]]:
    return [(p.line, p.key) for p in imp.parse(data, platform=platform, **kw).problems]


def words(data: bytes, platform: str = "console") -> str:
    return "\n".join(imp.texts(imp.parse(data, platform=platform).problems, "en"))


# --- parsing ------------------------------------------------------------------------------------------------


def test_a_good_file_in_any_header_spelling_with_semicolons_and_a_bom() -> None:
    data = "\ufeffID ; E-mail ; Name ; Language ; Time_Zone ; Department ; Manager ; Role\n".encode()
    data += b"ann;ann@example.com;Ann Lee;FR;Europe/Paris;Sales;;mentor\n"
    data += b"bob;;Bob Ray;en;paris;Sales;ann;learner\n"
    parsed = imp.parse(data, platform="console")
    assert parsed.problems == []
    ann, bob = parsed.rows
    assert (ann.line, ann.id, ann.email, ann.lang, ann.tz, ann.role) == (
        2, "ann", "ann@example.com", "fr", "Europe/Paris", "mentor",
    )  # fmt: skip
    assert (bob.line, bob.email, bob.tz, bob.manager, bob.department) == (
        3,
        None,
        "Europe/Paris",
        "ann",
        "Sales",
    )


def test_each_bad_value_is_a_problem_on_its_own_line() -> None:
    data = csv(
        "ann,ann@example.com,Ann,en,Europe/Paris,,,learner",
        "bob,bob@example,Bob,en,,,,",
        "cat,cat@example.com,Cat,de,,,,",
        "dan,dan@example.com,Dan,,Europe/Pari,,,",
        "eve,eve@example.com,Eve,,,,,boss",
        "ann,ann2@example.com,Ann again,,,,,",
        "fay,ANN@example.com,Fay,,,,,",
        ",,Nobody,,,,,",
        "g h,,Bad id,,,,,",
    )
    assert problems(data) == [
        (3, "dash.import.bad_email"),
        (4, "dash.import.bad_language"),
        (5, "dash.import.bad_tz_hint"),
        (6, "dash.import.bad_role"),
        (9, "dash.import.no_id"),
        (10, "dash.import.bad_id"),
        (7, "dash.import.duplicate_id"),
        (8, "dash.import.duplicate_email"),
    ]
    text = words(data)
    assert "Line 5: `Europe/Pari` is not a time zone. Did you mean `Europe/Paris`" in text
    assert "Line 7: the id `ann` is already on line 2." in text
    assert "Line 8: the email `ann@example.com` is already on line 2." in text
    assert "Line 4: `de` is not a language Tandem speaks: write `en` or `fr`." in text


def test_unknown_and_missing_columns_are_named_with_the_expected_ones() -> None:
    data = csv("ann,Ann,x", header="id,name,colour\n")
    assert problems(data) == [(1, "dash.import.unknown_column"), (1, "dash.import.missing_column")]
    text = words(data)
    assert "Line 1: unknown column `colour`. The columns are: `id`, `email`, `name`" in text
    assert "Line 1: the column `email` is missing." in text


def test_a_file_not_in_utf8_says_where_and_how_to_save_it() -> None:
    data = csv("ann,ann@example.com,Ann,,,,,", "zoe,zoe@example.com,Zoë,,,,,").decode().encode("latin-1")
    assert problems(data) == [(3, "dash.import.encoding")]
    assert "Save it as UTF-8" in words(data)


def test_empty_files_header_only_and_too_many_rows() -> None:
    assert problems(b"") == [(None, "dash.import.empty")]
    assert problems(b"\n \n") == [(None, "dash.import.empty")]
    assert problems(HEADER.encode()) == [(None, "dash.import.no_rows")]
    many = csv(*(f"p{n},,P{n},,,,," for n in range(4)))
    assert problems(many, max_rows=3) == [(None, "dash.import.too_many")]
    assert problems(many, max_rows=4) == []


def test_platform_ids_are_checked() -> None:
    assert problems(csv("U0ABC12,,Ann,,,,,"), platform="slack") == []
    assert problems(csv("ann,,Ann,,,,,"), platform="slack") == [(2, "dash.import.bad_id")]
    guid = "8f2c1a9e-1b2c-4d5e-8f90-123456789abc"
    assert problems(csv(f"{guid},,Ann,,,,,"), platform="teams") == []
    assert problems(csv(",ann@example.com,Ann,,,,,"), platform="console") == [
        (2, "dash.import.console_needs_id")
    ]
    assert imp.parse(csv(f"{guid.upper()},,Ann,,,,,"), platform="teams").rows[0].id == guid, (
        "as Teams sends it"
    )
    assert imp.parse(csv("u0abc12,,Ann,,,,,"), platform="slack").rows[0].id == "U0ABC12"
    assert imp.parse(csv("Ann.Lee,,Ann,,,,,"), platform="console").rows[0].id == "ann.lee"


def test_a_quoted_value_with_the_delimiter_and_a_multi_line_cell_keep_line_numbers() -> None:
    data = csv('ann,,"Lee, Ann",,,"Sales\nEurope",,', "bob,,Bob,xx,,,,")
    assert problems(data) == [(4, "dash.import.bad_language")]


# --- preview and apply --------------------------------------------------------------------------------------


async def plan_of(harness: Harness, data: bytes, *, enroll: bool = False) -> imp.Plan:
    parsed = imp.parse(data, platform="console")
    assert parsed.problems == []
    entries = await imp.resolve(parsed.rows, importer_key=ADMIN_KEY, directory=None)
    async with harness.services.db.transaction() as session:
        return await imp.preview(session, entries, importer_key=ADMIN_KEY, enroll=enroll)


async def admin(harness: Harness) -> Person:
    await harness.say("root", "help")
    async with harness.services.db.transaction() as session:
        person = await people.get_person(session, key=ADMIN_KEY)
    assert person is not None
    return person


async def test_managers_must_exist_and_reporting_lines_must_not_loop(harness: Harness) -> None:
    await admin(harness)
    missing = await plan_of(harness, csv("ann,,Ann,,,,nobody@example.com,", "bob,,Bob,,,,ann,"))
    assert [(p.line, p.key) for p in missing.problems] == [(2, "dash.import.no_manager")]
    loop = await plan_of(
        harness,
        csv(
            "ann,,Ann,,,,cat,",
            "bob,,Bob,,,,ann,",
            "cat,,Cat,,,,bob@example.com,",
            "bob2,bob@example.com,B2,,,,,",
        ),
    )
    assert loop.problems == []  # bob@example.com is bob2, so: ann -> cat -> bob2, no loop
    loop = await plan_of(
        harness, csv("ann,,Ann,,,,cat,", "bob,,Bob,,,,ann,", "cat,,Cat,,,,bob,", "dan,,Dan,,,,ann,")
    )
    assert sorted((p.line, p.key) for p in loop.problems) == [
        (2, "dash.import.cycle"),
        (3, "dash.import.cycle"),
        (4, "dash.import.cycle"),
    ]
    assert "Ann → Cat → Bob → Ann" in imp.texts(loop.problems, "en")[0]
    itself = await plan_of(harness, csv("ann,,Ann,,,,ann,"))
    assert [(p.line, p.key) for p in itself.problems] == [(2, "dash.import.cycle")]


async def test_a_loop_through_people_already_known(harness: Harness) -> None:
    await admin(harness)
    await apply(harness, csv("ann,,Ann,,,,,", "bob,,Bob,,,,ann,"))
    loop = await plan_of(harness, csv("ann,,Ann,,,,bob,"))
    assert [(p.line, p.key) for p in loop.problems] == [(2, "dash.import.cycle")]


async def apply(harness: Harness, data: bytes, *, cohort: str | None = None) -> imp.Applied:
    plan = await plan_of(harness, data, enroll=cohort is not None)
    assert plan.problems == []
    async with harness.services.db.transaction() as session:
        return await imp.apply(
            session,
            plan,
            importer_key=ADMIN_KEY,
            admins=["root"],
            default_lang="en",
            now=harness.clock(),
            cohort=cohort,
        )


async def test_the_preview_says_who_is_new_changed_unchanged_and_unresolved(harness: Harness) -> None:
    await admin(harness)
    first = await apply(
        harness, csv("ann,ann@example.com,Ann Lee,fr,Europe/Paris,Sales,,mentor", "bob,,Bob,,,,ann,")
    )
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    plan = await plan_of(
        harness,
        csv(
            "ann,ann@example.com,Ann Lee,fr,Europe/Paris,Sales,,mentor",
            "bob,bob@example.com,Bob,,,Marketing,,",
            "cat,,Cat,,,,bob,learner",
        ),
    )
    assert [(c.line, c.kind, c.fields) for c in plan.changes] == [
        (2, "same", ()),
        (3, "update", ("email", "department")),
        (4, "new", ()),
    ]
    assert plan.unresolved == []


async def test_applying_writes_every_field_and_the_managers(harness: Harness) -> None:
    await admin(harness)
    await apply(
        harness,
        csv("ann,ANN@Example.com,Ann Lee,fr,Europe/Paris,Sales,,mentor", "bob,,Bob,,,,ann@example.com,"),
    )
    async with harness.services.db.transaction() as session:
        found = await people.people_by_keys(session, keys=["console:ann", "console:bob"])
        audit = (await session.exec(select(AuditLog).where(AuditLog.action == "people.import"))).all()
    ann, bob = found["console:ann"], found["console:bob"]
    assert (ann.display_name, ann.email, ann.lang, ann.tz, ann.department, ann.role, ann.reachable) == (
        "Ann Lee", "ann@example.com", "fr", "Europe/Paris", "Sales", "mentor", True,
    )  # fmt: skip
    assert bob.manager_id == ann.id and bob.lang == "en" and bob.role is None
    [entry] = audit
    assert entry.actor_key == ADMIN_KEY and entry.args["new"] == 2 and "Ann" not in str(entry.args)


class Phonebook:
    """A directory that knows one email (like Slack's users.lookupByEmail) and fails for another."""

    async def lookup_email(self, email: str) -> Actor | None:
        if email == "ann@example.com":
            return Actor("slack:T1:U0ANN", "Ann from Slack", "slack")
        if email == "down@example.com":
            raise imp.DirectoryError("timeout")
        return None


async def test_emails_are_resolved_by_the_directory_and_the_rest_stay_pending(harness: Harness) -> None:
    rows = imp.parse(
        csv(
            ",ann@example.com,,,,,,",
            ",zed@example.com,Zed,,,,,",
            ",down@example.com,Down,,,,,",
            "U0BOB,,Bob,,,,,",
        ),
        platform="slack",
    ).rows
    entries = await imp.resolve(rows, importer_key="slack:T1:U0ROOT", directory=Phonebook())
    assert [(e.key, e.name, e.reachable, e.reason) for e in entries] == [
        ("slack:T1:U0ANN", "Ann from Slack", True, None),
        ("slack:T1:~zed@example.com", "Zed", False, "dash.import.reason.not_found"),
        ("slack:T1:~down@example.com", "Down", False, "dash.import.reason.lookup_failed"),
        ("slack:T1:U0BOB", "Bob", True, None),
    ]
    async with harness.services.db.transaction() as session:
        plan = await imp.preview(session, entries, importer_key="slack:T1:U0ROOT")
        await imp.apply(
            session, plan, importer_key="slack:T1:U0ROOT", admins=[], default_lang="en", now=harness.clock()
        )
    assert [c.line for c in plan.unresolved] == [3, 4]
    async with harness.services.db.transaction() as session:
        zed = await people.get_person(session, key="slack:T1:~zed@example.com")
    assert zed is not None and not zed.reachable and zed.unreachable_reason

    # Imported again once Slack knows Zed: the same person, under their real key.
    class Found(Phonebook):
        async def lookup_email(self, email: str) -> Actor | None:
            return Actor("slack:T1:U0ZED", "Zed", "slack") if email == "zed@example.com" else None

    again = await imp.resolve(rows[1:2], importer_key="slack:T1:U0ROOT", directory=Found())
    async with harness.services.db.transaction() as session:
        plan = await imp.preview(session, again, importer_key="slack:T1:U0ROOT")
        assert [(c.kind, c.fields) for c in plan.changes] == [("update", ("key",))]
        await imp.apply(
            session, plan, importer_key="slack:T1:U0ROOT", admins=[], default_lang="en", now=harness.clock()
        )
    async with harness.services.db.transaction() as session:
        moved = await people.get_person(session, key="slack:T1:U0ZED")
    assert moved is not None and moved.id == zed.id and moved.reachable, "resolved: reachable now"


class Directory:
    """Slack's users.lookupByEmail as the import asks it, knowing only the people given to it."""

    def __init__(self) -> None:
        self.known: dict[str, Actor] = {}

    async def lookup_email(self, email: str) -> Actor | None:
        return self.known.get(email)


async def test_a_dashboard_import_that_finds_someone_pending_makes_them_reachable(harness: Harness) -> None:
    """Failure: an import through the dashboard (`stage`, then `confirm`) that found on Slack someone an
    earlier import had left pending under their email gave them their real key but left them out of
    reach, so what was held for them stayed held: only the chat's **Import** made them reachable, with
    code of its own. `apply`, which every path runs, does it now."""
    directory = Directory()
    harness.services.directories["slack"] = directory
    now = harness.clock()
    async with harness.services.db.transaction() as session:
        root = Person(key="slack:T1:U0ROOT", platform="slack", display_name="Root", is_admin=True)
        session.add(root)
        await session.flush()
        await session.refresh(root)

    async def dashboard_import() -> None:
        staged = await imp.stage(harness.services, importer=root, data=csv(",zed@example.com,Zed,,,,,"))
        assert staged.problems == [] and staged.pending_id is not None
        done = await imp.confirm(harness.services, importer=root, pending_id=staged.pending_id)
        assert done.applied is not None

    await dashboard_import()
    async with harness.services.db.transaction() as session:
        zed = await people.get_person(session, key="slack:T1:~zed@example.com")
        assert zed is not None and not zed.reachable
        row = {
            "dedupe_key": "test:held-for-zed",
            "person_id": zed.id,
            "kind": DeliveryKind.NOTICE,
            "payload": [{"type": "text", "markdown": "Join us", "buttons": []}],
            "due_at": now,
            "expires_at": now + dt.timedelta(days=30),
            "created_at": now,
        }
        await deliveries.enqueue(session, rows=[row])
    assert await held_for_zed(harness) == DeliveryStatus.HELD

    directory.known["zed@example.com"] = Actor("slack:T1:U0ZED", "Zed", "slack")
    await dashboard_import()
    async with harness.services.db.transaction() as session:
        found = await people.get_person(session, key="slack:T1:U0ZED")
    assert found is not None and found.id == zed.id
    assert (found.reachable, found.unreachable_reason) == (True, None)
    assert await held_for_zed(harness) == DeliveryStatus.PENDING, "what was held for them goes out"


async def held_for_zed(harness: Harness) -> str:
    async with harness.services.db.transaction() as session:
        query = select(Delivery.status).where(Delivery.dedupe_key == "test:held-for-zed")
        return str((await session.exec(query)).one())


async def test_an_email_that_belongs_to_someone_else_is_a_problem(harness: Harness) -> None:
    await admin(harness)
    await apply(harness, csv("ann,ann@example.com,Ann,,,,,"))
    plan = await plan_of(harness, csv("bob,ann@example.com,Bob,,,,,"))
    assert [(p.line, p.key) for p in plan.problems] == [(2, "dash.import.email_taken")]


# --- the whole: stage, confirm, all or nothing ----------------------------------------------------------------


async def test_a_bad_line_writes_nothing_at_all(harness: Harness) -> None:
    me = await admin(harness)
    before = await harness.snapshot()
    staged = await imp.stage(harness.services, importer=me, data=csv("ann,,Ann,,,,,", "bob,,Bob,,,,zed,"))
    assert [(p.line, p.key) for p in staged.problems] == [(3, "dash.import.no_manager")]
    assert staged.pending_id is None
    assert await harness.snapshot() == before


async def test_staged_then_confirmed_once_without_enrolling(harness: Harness) -> None:
    me = await admin(harness)
    await harness.say("root", "cohort create pilot track first-steps")
    staged = await imp.stage(harness.services, importer=me, data=csv("ann,,Ann,,,,,", "bob,,Bob,,,,ann,"))
    assert staged.problems == [] and staged.pending_id is not None and staged.plan is not None
    assert await harness.count(Person) == 1, "a preview writes nobody"
    done = await imp.confirm(harness.services, importer=me, pending_id=staged.pending_id)
    assert done.applied is not None and done.applied.new == 2 and done.applied.enroll == ()
    assert await harness.count(Person) == 3
    assert await harness.count(Enrollment) == 0, "importing is an invitation, not an enrollment"
    again = await imp.confirm(harness.services, importer=me, pending_id=staged.pending_id)
    assert again.expired and again.applied is None


async def test_a_preview_expires_after_thirty_minutes(harness: Harness) -> None:
    me = await admin(harness)
    staged = await imp.stage(harness.services, importer=me, data=csv("ann,,Ann,,,,,"))
    assert staged.pending_id is not None
    harness.clock.advance(minutes=31)
    done = await imp.confirm(harness.services, importer=me, pending_id=staged.pending_id)
    assert done.expired and await harness.count(Person) == 1


async def test_someone_elses_preview_cannot_be_confirmed(harness: Harness) -> None:
    me = await admin(harness)
    staged = await imp.stage(harness.services, importer=me, data=csv("ann,,Ann,,,,,"))
    await harness.say("mallory", "help")
    await harness.say("root", "admin add @mallory")  # another admin: still not theirs
    async with harness.services.db.transaction() as session:
        other = await people.get_person(session, key="console:mallory")
    assert other is not None and staged.pending_id is not None
    assert (await imp.confirm(harness.services, importer=other, pending_id=staged.pending_id)).expired
    assert await harness.count(PendingAction) == 1


async def test_a_chosen_cohort_enrolls_the_learners_through_the_enroll_command(harness: Harness) -> None:
    me = await admin(harness)
    await harness.say("root", "cohort create pilot track first-steps")
    async with harness.services.db.transaction() as session:
        cohort_id = (await session.exec(select(Enrollment.cohort_id))).first()
        from storage import cohorts

        pilot = await cohorts.get_cohort(session, name="pilot")
    assert pilot is not None and cohort_id is None
    data = csv("ann,,Ann,,,,,mentor", "bob,,Bob,,,,ann,learner", "cat,,Cat,,,,,")
    staged = await imp.stage(harness.services, importer=me, data=data, cohort_id=pilot.id)
    assert staged.plan is not None and staged.plan.enroll == ["console:bob", "console:cat"]
    done = await imp.confirm(harness.services, importer=me, pending_id=staged.pending_id or 0)
    assert done.applied is not None and [p.key for p in done.applied.enroll] == ["console:bob", "console:cat"]
    admin_actor = harness.actor("root")
    event = imp.enroll_event(admin_actor, done.cohort or "", done.applied.enroll, event_id="web:test")
    said = await harness.handle(event)
    assert "Now in `pilot` (2)" in said[0].markdown  # type: ignore[union-attr]
    async with harness.services.db.transaction() as session:
        enrolled = (await session.exec(select(Enrollment))).all()
        audit = (await session.exec(select(AuditLog).where(AuditLog.action == "enroll"))).all()
    assert len(enrolled) == 2 and all(e.status == EnrollmentStatus.ACTIVE for e in enrolled)
    assert [a.actor_key for a in audit] == [ADMIN_KEY]
    assert await harness.handle(event) == [], "the same form twice enrolls once"


@pytest.mark.parametrize("kind", [PendingKind.IMPORT_PREVIEW])
def test_preview_lasts_thirty_minutes(kind: PendingKind) -> None:
    assert dt.timedelta(minutes=30) == imp.PREVIEW_LASTS and kind == "import_preview"


async def test_only_admins_can_import(harness: Harness) -> None:
    await harness.say("max", "help")
    async with harness.services.db.transaction() as session:
        learner = await people.get_person(session, key="console:max")
    assert learner is not None
    staged = await imp.stage(harness.services, importer=learner, data=csv("ann,,Ann,,,,,"))
    assert [p.key for p in staged.problems] == ["error.admin_only"] and staged.pending_id is None
    assert await harness.count(Person) == 1
