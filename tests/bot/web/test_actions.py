"""The dashboard's import and action forms over real HTTP: a bad file gets line-numbered problems and
writes nothing; a good one previews, then confirming imports (and enrolls only into the cohort the admin
chose); each action runs its core command and shows the core's reply after a redirect; a mentor cannot
post admin actions; a form without the CSRF token is refused; a double submit runs once."""

from __future__ import annotations

import html
import re
from http.cookies import SimpleCookie

import aiohttp
from sqlmodel import select

from bot.web.actions import NOTICE_COOKIE
from bot.web.auth import COOKIE
from storage import cohorts, people
from storage.enums import EnrollmentStatus
from storage.models import AuditLog, Cohort, Enrollment, Mentorship, Person
from tests.bot.web.conftest import Client, Reply, Site
from tests.support.harness import Harness, text_of

GOOD = (
    "ID;E-mail;Name;Language;Time zone;Department;Manager;Role\n"
    "ann;ann@example.com;Ann Lee;fr;Europe/Paris;Sales;;mentor\n"
    "bob;bob@example.com;Bob Ray;en;Europe/London;Sales;ann;learner\n"
    "cleo;;Cléo Díaz;;;Finance;ann@example.com;\n"
)
BAD = (
    "id,email,name,language,time zone,department,manager,role\n"
    "ann,ann@example.com,Ann,fr,Europe/Paris,,,\n"
    "bob,bob@example.com,Bob,en,Europe/Pariss,,,\n"
    "cleo,,Cleo,,,,zed,\n"
)


async def admin_client(site: Site) -> tuple[Client, str]:
    client = site.client()
    signed = await client.sign_in("root")
    assert signed.status == 303, signed.text
    return client, await client.csrf()


def upload(csrf: str | None, text: str | bytes, *, cohort: int | None = None) -> aiohttp.FormData:
    form = aiohttp.FormData()
    if csrf is not None:
        form.add_field("csrf", csrf)
    form.add_field("cohort", str(cohort) if cohort else "")
    data = text.encode("utf-8") if isinstance(text, str) else text
    form.add_field("file", data, filename="people.csv", content_type="text/csv")
    return form


async def follow(client: Client, reply: Reply) -> str:
    """The page a POST redirected to, with the notice cookie it set (a browser would send it)."""
    assert reply.status == 303, reply.text
    notice = ""
    for line in reply.set_cookie:
        parsed: SimpleCookie = SimpleCookie(line)
        if NOTICE_COOKIE in parsed:
            notice = parsed[NOTICE_COOKIE].value
    headers = {"Cookie": f"{COOKIE}={client.cookie}; {NOTICE_COOKIE}={notice}"}
    async with client.site.http.get(
        f"{client.site.url}{reply.headers['Location']}", headers=headers, allow_redirects=False
    ) as response:
        assert response.status == 200
        return html.unescape(await response.text())


def field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} in the page"
    return found.group(1)


async def count(harness: Harness, model: type) -> int:
    return await harness.count(model)


async def cohort_named(harness: Harness, name: str) -> Cohort:
    async with harness.services.db.transaction() as session:
        found = await cohorts.get_cohort(session, name=name)
    assert found is not None
    return found


async def person(harness: Harness, key: str) -> Person:
    async with harness.services.db.transaction() as session:
        found = await people.get_person(session, key=key)
    assert found is not None
    return found


# --- the import ----------------------------------------------------------------------------------------------


async def test_the_import_page_explains_the_columns_and_offers_a_sample(site: Site) -> None:
    client, _ = await admin_client(site)
    page = await client.get("/dashboard/import")
    assert page.status == 200
    for column in ("id", "email", "name", "language", "time zone", "department", "manager", "role"):
        assert f"<code>{column}</code>" in page.text
    assert 'enctype="multipart/form-data"' in page.text and 'name="csrf"' in page.text
    sample = await client.get("/dashboard/import/sample.csv")
    assert sample.status == 200 and sample.headers["Content-Type"].startswith("text/csv")
    assert sample.text.lstrip("\ufeff").startswith("id,email,name,language,time zone,department,manager,role")


async def test_a_bad_line_gets_line_numbered_problems_and_nothing_is_written(site: Site) -> None:
    client, csrf = await admin_client(site)
    before = await site.harness.snapshot()
    shown = await client.post("/dashboard/import", data=upload(csrf, BAD))
    assert shown.status == 422
    text = html.unescape(shown.text)
    assert "Nothing was imported" in text
    assert (
        "Line 3: <code>Europe/Pariss</code> is not a time zone. Did you mean <code>Europe/Paris</code>"
        in text
    )
    assert "Line 4: the manager <code>zed</code> is neither in this file nor known to Tandem." in text
    after = await site.harness.snapshot()
    assert {k: v for k, v in after.items() if k != "auditlog"} == {
        k: v for k, v in before.items() if k != "auditlog"
    }

    latin = await client.post("/dashboard/import", data=upload(csrf, GOOD.encode("latin-1")))
    assert latin.status == 422 and "Save it as UTF-8" in html.unescape(latin.text)


async def test_a_good_file_previews_then_confirming_imports_and_enrolls_in_the_chosen_cohort(
    site: Site,
) -> None:
    harness = site.harness
    client, csrf = await admin_client(site)
    await harness.say("root", "cohort create pilot track first-steps")
    pilot = await cohort_named(harness, "pilot")
    shown = await client.post("/dashboard/import", data=upload(csrf, GOOD, cohort=pilot.id))
    assert shown.status == 200, shown.text
    preview = html.unescape(shown.text)
    assert "New: 3 · Updated: 0 · Unchanged: 0 · Not reachable yet: 0" in preview
    assert "Will be enrolled in pilot (2)" in preview and "Bob Ray, Cléo Díaz" in preview
    assert await count(harness, Person) == 1, "a preview saves nobody"

    confirmed = await client.post(
        "/dashboard/import/confirm",
        data={"csrf": csrf, "preview": field(preview, "preview"), "nonce": field(preview, "nonce")},
    )
    page = await follow(client, confirmed)
    assert "Imported: 3 new, 0 updated, 0 unchanged; 0 not reachable yet." in page
    assert "Now in <code>pilot</code> (2)" in page
    ann, bob = await person(harness, "console:ann"), await person(harness, "console:bob")
    assert (ann.email, ann.role, ann.lang, bob.manager_id) == ("ann@example.com", "mentor", "fr", ann.id)
    async with harness.services.db.transaction() as session:
        enrolled = (await session.exec(select(Enrollment.person_id))).all()
        audit = (await session.exec(select(AuditLog.action, AuditLog.actor_key))).all()
    cleo = await person(harness, "console:cleo")
    assert set(enrolled) == {bob.id, cleo.id}
    assert ("people.import", "console:root") in audit and ("enroll", "console:root") in audit

    again = await client.post(
        "/dashboard/import/confirm",
        data={"csrf": csrf, "preview": field(preview, "preview"), "nonce": field(preview, "nonce")},
    )
    assert "This preview has expired or was already used" in await follow(client, again)


async def test_importing_without_a_cohort_enrolls_nobody(site: Site) -> None:
    harness = site.harness
    client, csrf = await admin_client(site)
    await harness.say("root", "cohort create pilot track first-steps")
    shown = await client.post("/dashboard/import", data=upload(csrf, GOOD))
    preview = html.unescape(shown.text)
    assert "Nobody will be enrolled: you chose no cohort." in preview
    confirmed = await client.post(
        "/dashboard/import/confirm",
        data={"csrf": csrf, "preview": field(preview, "preview"), "nonce": field(preview, "nonce")},
    )
    assert "Imported: 3 new" in await follow(client, confirmed)
    assert await count(harness, Enrollment) == 0


async def test_invite_imported_reaches_the_people_of_a_dashboard_import(site: Site) -> None:
    """Failure: after an import confirmed on the dashboard, `invite pilot imported` in the chat said
    "You have no import of the last 7 days": only the chat's own import remembered its people. Both paths
    now remember the same thing, so the learners of the file are invited and its mentor left out."""
    harness = site.harness
    client, csrf = await admin_client(site)
    await harness.say("root", "cohort create pilot track first-steps")
    preview = html.unescape((await client.post("/dashboard/import", data=upload(csrf, GOOD))).text)
    confirmed = await client.post(
        "/dashboard/import/confirm",
        data={"csrf": csrf, "preview": field(preview, "preview"), "nonce": field(preview, "nonce")},
    )
    assert "Imported: 3 new" in await follow(client, confirmed)

    said = await harness.say("root", "invite pilot imported")
    text = text_of(said)
    assert "Invited to **pilot** (2): **Bob Ray**, **Cléo Díaz**." in text
    assert "Mentors of the import, left out (1): **Ann Lee**." in text
    assert sorted(note.person_key for note in said.notes) == ["console:bob", "console:cleo"]


# --- the actions ---------------------------------------------------------------------------------------------


async def act(client: Client, csrf: str, action: str, nonce: str = "n" * 20, **fields: str) -> Reply:
    return await client.post(f"/dashboard/actions/{action}", data={"csrf": csrf, "nonce": nonce, **fields})


async def programme(harness: Harness) -> None:
    await harness.say("root", "cohort create pilot track first-steps")
    await harness.say("root", "enroll pilot @zoe @max")
    await harness.say("mikael", "help")


async def test_each_action_runs_its_core_command_and_shows_the_reply(site: Site) -> None:
    harness = site.harness
    await programme(harness)
    client, csrf = await admin_client(site)
    pilot = await cohort_named(harness, "pilot")
    zoe, mikael = await person(harness, "console:zoe"), await person(harness, "console:mikael")

    created = await act(
        client, csrf, "create-cohort", nonce="a" * 20, name="sales-2027", track="first-steps",
        start="2027-01-04", time="09:30", days="mon", back="/dashboard/cohorts",
    )  # fmt: skip
    page = await follow(client, created)
    assert "Cohort <code>sales-2027</code> is ready" in page and 'href="/dashboard/cohorts"' in page
    sales = await cohort_named(harness, "sales-2027")
    assert (sales.start_date.isoformat(), sales.delivery_time, sales.days) == ("2027-01-04", "09:30", "mon")

    paired = await act(client, csrf, "pair", nonce="b" * 20, learner=str(zoe.id), mentor_name="mikael")
    assert "<strong>mikael</strong> is now <strong>zoe</strong>’s mentor." in await follow(client, paired)
    assert await count(harness, Mentorship) == 1

    paused = await act(client, csrf, "pause", nonce="c" * 20, person=str(zoe.id), duration="1w")
    assert "<strong>zoe</strong>’s tips are paused until" in await follow(client, paused)
    assert (await person(harness, "console:zoe")).paused_until is not None

    resumed = await act(client, csrf, "resume", nonce="d" * 20, person=str(zoe.id))
    assert "<strong>zoe</strong>’s tips start again" in await follow(client, resumed)
    assert (await person(harness, "console:zoe")).paused_until is None

    left = await act(client, csrf, "unenroll", nonce="e" * 20, person=str(zoe.id), cohort=str(pilot.id))
    assert "<strong>zoe</strong> has left <code>pilot</code>" in await follow(client, left)
    async with harness.services.db.transaction() as session:
        enrollment = await cohorts.get_enrollment(session, person_id=zoe.id or 0, cohort_id=pilot.id or 0)
        actions = (
            await session.exec(select(AuditLog.action).where(AuditLog.actor_key == "console:root"))
        ).all()
    assert enrollment is not None and enrollment.status == EnrollmentStatus.STOPPED
    assert {"cohort.create", "pair", "pause", "resume", "unenroll"} <= set(actions)
    assert mikael.id is not None


async def test_the_learner_is_told_through_the_ledger_when_an_admin_pauses_them(site: Site) -> None:
    harness = site.harness
    await programme(harness)
    client, csrf = await admin_client(site)
    zoe = await person(harness, "console:zoe")
    before = await harness._last_delivery()
    await follow(client, await act(client, csrf, "pause", person=str(zoe.id), duration="2w"))
    queued = await harness._queued_since(before)
    told = [reply for note in queued if note.person_key == "console:zoe" for reply in note.replies]
    assert told and "paused your tips until" in told[0].markdown  # type: ignore[union-attr]


async def test_a_double_submit_runs_once(site: Site) -> None:
    harness = site.harness
    await programme(harness)
    client, csrf = await admin_client(site)
    zoe = await person(harness, "console:zoe")
    first = await act(client, csrf, "pause", nonce="same-nonce-0123456789", person=str(zoe.id))
    assert "paused until" in await follow(client, first)
    second = await act(client, csrf, "pause", nonce="same-nonce-0123456789", person=str(zoe.id))
    assert "This form was already sent: nothing was done twice." in await follow(client, second)
    async with harness.services.db.transaction() as session:
        pauses = (await session.exec(select(AuditLog).where(AuditLog.action == "pause"))).all()
    assert len(pauses) == 1


async def test_a_refusal_of_the_core_is_shown_not_hidden(site: Site) -> None:
    harness = site.harness
    await programme(harness)
    client, csrf = await admin_client(site)
    shown = await follow(client, await act(client, csrf, "create-cohort", name="pilot", track="first-steps"))
    assert "pilot" in shown and "already" in shown.lower()
    missing = await follow(client, await act(client, csrf, "pair", nonce="f" * 20, learner="999999"))
    assert "Some fields are missing or not valid: nothing was done." in missing
    unknown = await follow(
        client, await act(client, csrf, "pair", nonce="g" * 20, learner="1", mentor_name="nobody-at-all")
    )
    assert "I could not find <code>nobody-at-all</code>" in unknown


async def test_a_mentor_cannot_post_admin_actions(site: Site) -> None:
    harness = site.harness
    await programme(harness)
    await harness.say("root", "pair @mikael @zoe")
    zoe = await person(harness, "console:zoe")
    mentor = site.client()
    assert (await mentor.sign_in("mikael")).status == 303
    csrf = await mentor.csrf()
    for name, fields in (
        ("pause", {"person": str(zoe.id)}),
        ("create-cohort", {"name": "x", "track": "first-steps"}),
        ("unenroll", {"person": str(zoe.id), "cohort": "1"}),
    ):
        refused = await act(mentor, csrf, name, **fields)
        assert refused.status == 403, name
    assert (await mentor.get("/dashboard/import")).status == 403
    assert (await mentor.post("/dashboard/import", data=upload(csrf, GOOD))).status == 403
    assert (await person(harness, "console:zoe")).paused_until is None
    assert await count(harness, Cohort) == 2, (
        "the programme's and the mentor's guide's (with mikael's mentee)"
    )


async def test_a_form_without_the_csrf_token_is_refused(site: Site) -> None:
    harness = site.harness
    await programme(harness)
    client, _csrf = await admin_client(site)
    zoe = await person(harness, "console:zoe")
    known = await count(harness, Person)
    refused = await client.post("/dashboard/actions/pause", data={"nonce": "h" * 20, "person": str(zoe.id)})
    assert refused.status == 403
    wrong = await act(client, "not-the-token", "pause", person=str(zoe.id))
    assert wrong.status == 403
    assert (await client.post("/dashboard/import", data=upload(None, GOOD))).status == 403
    assert (await person(harness, "console:zoe")).paused_until is None
    assert await count(harness, Person) == known


async def test_actions_macros_render_nothing_for_mentors() -> None:
    from bot.web import render
    from bot.web.auth import Viewer

    macros = render.ENVIRONMENT.get_template("actions.html").make_module({"lang": "en"})
    mentor = Viewer(2, "console:mikael", "Mikael", "en", False, True, "tok")
    admin = Viewer(1, "console:root", "Root", "fr", True, False, "tok")

    class Row:
        person_id, name, status = 7, "Zoë <b>", "active"

    class Cohort:
        id, name = 3, "pilot"

    assert str(macros.person_actions(Row(), Cohort(), mentor)).strip() == ""  # type: ignore[attr-defined]
    assert str(macros.create_cohort_form([("first-steps", "First")], mentor)).strip() == ""  # type: ignore[attr-defined]
    shown = str(macros.person_actions(Row(), Cohort(), admin))  # type: ignore[attr-defined]
    assert 'name="csrf" value="tok"' in shown and "Suspendre" in shown and "Zoë &lt;b&gt;" in shown
    assert re.search(r'name="nonce" value="[A-Za-z0-9_-]{16,}"', shown)
    form = str(macros.create_cohort_form([("first-steps", "First")], admin))  # type: ignore[attr-defined]
    assert 'action="/dashboard/actions/create-cohort"' in form and 'name="csrf"' in form


async def test_the_cohort_pages_show_the_action_forms_to_admins_only(site: Site) -> None:
    harness = site.harness
    await programme(harness)
    await harness.say("root", "pair @mikael @zoe")
    pilot = await cohort_named(harness, "pilot")
    client, csrf = await admin_client(site)
    page = await client.get(f"/dashboard/cohorts/{pilot.id}")
    assert page.status == 200, page.text
    assert (
        'action="/dashboard/actions/pause"' in page.text
        and 'action="/dashboard/actions/unenroll"' in page.text
    )
    assert 'action="/dashboard/actions/pair"' in page.text and f'value="{csrf}"' in page.text
    listing = await client.get("/dashboard/cohorts")
    assert 'action="/dashboard/actions/create-cohort"' in listing.text
    mentor = site.client()
    await mentor.sign_in("mikael")
    seen = await mentor.get(f"/dashboard/cohorts/{pilot.id}")
    assert seen.status == 200 and "/dashboard/actions/" not in seen.text


def test_the_sample_file_imports_cleanly() -> None:
    from bot.core import people_import
    from bot.web.actions import SAMPLE

    assert people_import.parse(SAMPLE.encode(), platform="console").problems == []


async def test_a_file_too_big_is_refused_before_reading_it(site: Site, monkeypatch: object) -> None:
    from bot.core import people_import

    monkeypatch.setattr(people_import, "MAX_BYTES", 100)  # type: ignore[attr-defined]
    client, csrf = await admin_client(site)
    shown = await client.post("/dashboard/import", data=upload(csrf, GOOD * 3))
    assert shown.status == 422 and "This file is too big" in html.unescape(shown.text)
    empty = await client.post("/dashboard/import", data=upload(csrf, b""))
    assert empty.status == 422 and "Choose a CSV file" in html.unescape(empty.text)
