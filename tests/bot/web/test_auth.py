"""Signing in to the dashboard over real HTTP: a link works once and only by its button, used and
expired links say so, learners are refused, pages without a session explain how to get a link while
data URLs answer 401, forms need the session's CSRF token, sign-out ends the session on the server,
the cookie's flags, a tampered cookie, and roles read afresh on every request."""

from __future__ import annotations

import ssl
import subprocess
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.server import build_web_app
from bot.web.app import dashboard_routes
from bot.web.auth import COOKIE
from storage import activity
from storage.enums import AuditOutcome
from tests.bot.web.conftest import PROBES, Client, Site
from tests.support.harness import Harness
from tests.support.server import free_port


def cookie_flags(reply_headers: list[str]) -> dict[str, str]:
    [line] = [line for line in reply_headers if line.startswith(f"{COOKIE}=")]
    morsel = SimpleCookie(line)[COOKIE]
    flags = {key: str(morsel[key]) for key in ("path", "max-age", "samesite", "httponly", "secure")}
    flags["raw"] = line
    return flags


def flip(value: str, index: int) -> str:
    """`value` with one character changed."""
    return value[:index] + ("A" if value[index] != "A" else "B") + value[index + 1 :]


async def audit_of(harness: Harness, name: str) -> list[tuple[str, dict[str, object], str]]:
    async with harness.services.db.transaction() as session:
        entries = await activity.audit_entries(session, actor_key=f"console:{name}")
    return [(entry.action, entry.args, entry.outcome) for entry in entries]


def trust_proxy(harness: Harness) -> None:
    """TANDEM_TRUST_PROXY=true from now on."""
    harness.services.settings = harness.services.settings.model_copy(update={"trust_proxy": True})


# --- links ---------------------------------------------------------------------------------------------------


async def test_a_link_signs_in_once_and_its_page_uses_nothing(site: Site) -> None:
    browser = site.client()
    token = await site.link("root")
    for _ in range(2):  # a link preview fetching the page changes nothing
        shown = await browser.get(f"/dashboard/signin/{token}")
        assert shown.status == 200 and "Sign in</button>" in shown.text and 'method="post"' in shown.text
        assert shown.headers["Cache-Control"] == "no-store" and browser.cookie is None
    signed = await browser.post(f"/dashboard/signin/{token}")
    assert (signed.status, signed.headers["Location"]) == (303, "/dashboard")
    assert browser.cookie and token not in browser.cookie
    page = await browser.get("/dashboard/probe/page")
    assert page.status == 200 and "page console:root admin=True" in page.text
    again = await site.client().post(f"/dashboard/signin/{token}")
    assert again.status == 410 and "already been used" in again.text and not again.set_cookie
    assert (await site.client().get(f"/dashboard/signin/{token}")).status == 410


async def test_an_expired_link_says_so(site: Site) -> None:
    token = await site.link("root")
    site.harness.clock.advance(minutes=10, seconds=1)
    for method in ("GET", "POST"):
        reply = await site.client().request(method, f"/dashboard/signin/{token}")
        assert reply.status == 410 and "expired" in reply.text and "`" not in reply.text
        assert "<code>dashboard</code>" in reply.text, "it says how to get a new one"


async def test_an_unknown_link_is_404_with_a_readable_page(site: Site) -> None:
    for token in ("no-such-token", "x" * 300):
        reply = await site.client().post(f"/dashboard/signin/{token}")
        assert reply.status == 404 and "does not exist" in reply.text and "<html" in reply.text


async def test_a_french_link_page_speaks_french(site: Site) -> None:
    await site.harness.say("root", "lang fr")
    token = await site.link("root")
    shown = await site.client().get(f"/dashboard/signin/{token}")
    assert 'lang="fr"' in shown.text and "Se connecter" in shown.text


async def test_a_learners_link_is_refused_and_audited(site: Site) -> None:
    harness = site.harness
    await harness.say("root", "pair @mia @bob")
    token = await site.link("mia")
    await harness.say("root", "unpair @mia @bob")  # mia is a learner again before she opens it
    browser = site.client()
    reply = await browser.post(f"/dashboard/signin/{token}")
    assert reply.status == 403 and "programme leads and mentors" in reply.text and "progress" in reply.text
    assert browser.cookie is None
    assert ("dashboard.signin", {}, AuditOutcome.REFUSED) in await audit_of(harness, "mia")


async def test_a_signin_form_posted_from_another_site_is_refused(site: Site) -> None:
    token = await site.link("root")
    browser = site.client()
    reply = await browser.post(f"/dashboard/signin/{token}", headers={"Origin": "https://evil.example"})
    assert reply.status == 403 and browser.cookie is None
    signed = await browser.post(f"/dashboard/signin/{token}", headers={"Origin": "null"})
    assert signed.status == 303, "pages sent with no-referrer post Origin: null"


# --- without a session ---------------------------------------------------------------------------------------


async def test_without_a_session_pages_explain_and_data_urls_answer_401(site: Site) -> None:
    page = await site.client().get("/dashboard/probe/page")
    assert page.status == 401 and page.headers["Content-Type"].startswith("text/html")
    assert "type <code>dashboard</code> in Tandem" in page.text
    assert "tandem dashboard --user NAME" in page.text
    assert "tapez <code>tableau-de-bord</code>" in page.text, "in both languages"
    assert 'lang="fr"' in page.text and "<script" not in page.text
    french = await site.client().get("/dashboard/probe/page", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert french.text.index("tableau-de-bord") < french.text.index("type <code>dashboard"), "French first"
    export = await site.client().get("/dashboard/probe/export.csv")
    assert export.status == 401 and export.headers["Content-Type"].startswith("text/plain")


async def test_a_tampered_cookie_is_refused(site: Site) -> None:
    browser = site.client()
    await browser.sign_in("root")
    assert browser.cookie is not None
    good = browser.cookie
    number, _, rest = good.partition(".")
    for forged in (
        flip(good, len(good) - 10),  # inside the signature (its last character has unused bits)
        flip(good, len(number) + 5),  # inside the session's token
        f"{int(number) + 1}.{rest}",
        "1.abc.def",
        "",
    ):
        browser.cookie = forged
        assert (await browser.get("/dashboard/probe/page")).status == 401
    browser.cookie = good
    assert (await browser.get("/dashboard/probe/page")).status == 200


# --- the cookie ----------------------------------------------------------------------------------------------


async def test_the_cookie_is_httponly_lax_scoped_and_lasts_eight_hours(site: Site) -> None:
    signed = await site.client().sign_in("root")
    flags = cookie_flags(signed.set_cookie)
    assert flags["httponly"] and flags["samesite"] == "Lax" and flags["path"] == "/dashboard"
    assert flags["max-age"] == str(8 * 3600)
    assert not flags["secure"], "plain http: a Secure cookie would never come back"


async def test_forwarded_https_counts_only_behind_a_trusted_proxy(site: Site) -> None:
    https = {"X-Forwarded-Proto": "https"}
    signed = await site.client().sign_in("root", headers=https)
    assert not cookie_flags(signed.set_cookie)["secure"], "anyone can send that header"
    trust_proxy(site.harness)
    signed = await site.client().sign_in("root", headers=https)
    assert cookie_flags(signed.set_cookie)["secure"]
    signed = await site.client().sign_in("root", headers={"X-Forwarded-Proto": "http"})
    assert not cookie_flags(signed.set_cookie)["secure"]


async def test_a_session_lasts_eight_hours(site: Site) -> None:
    browser = site.client()
    await browser.sign_in("root")
    site.harness.clock.advance(hours=7, minutes=59)
    assert (await browser.get("/dashboard/probe/page")).status == 200
    site.harness.clock.advance(minutes=1)
    assert (await browser.get("/dashboard/probe/page")).status == 401


# --- CSRF and sign-out ---------------------------------------------------------------------------------------


async def test_forms_need_the_sessions_csrf_token(site: Site) -> None:
    browser = site.client()
    await browser.sign_in("root")
    csrf = await browser.csrf()
    for body in ({"what": "x"}, {"what": "x", "csrf": "wrong"}, {"what": "x", "csrf": ""}):
        refused = await browser.post("/dashboard/probe/form", data=body)
        assert refused.status == 403 and "nothing was changed" in refused.text
    other = site.client()
    await other.sign_in("root")
    stolen = await other.post("/dashboard/probe/form", data={"what": "x", "csrf": csrf})
    assert stolen.status == 403, "a token is good for its own session only"
    evil = await browser.post(
        "/dashboard/probe/form", data={"what": "x", "csrf": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert evil.status == 403
    done = await browser.post(
        "/dashboard/probe/form", data={"what": "x", "csrf": csrf}, headers={"Origin": "null"}
    )
    assert (done.status, done.text) == (200, "done x")
    entries = await audit_of(site.harness, "root")
    refusals = [entry for entry in entries if entry[0] == "dashboard.csrf"]
    assert len(refusals) == 5 and all(entry[2] == AuditOutcome.REFUSED for entry in refusals)
    assert all(csrf not in str(entry[1]) for entry in entries), "no token in the audit log"


async def test_signing_out_ends_the_session_on_the_server(site: Site) -> None:
    browser = site.client()
    await browser.sign_in("root")
    old = browser.cookie
    csrf = await browser.csrf()
    refused = await browser.post("/dashboard/signout", data={"csrf": "wrong"})
    assert refused.status == 403 and (await browser.get("/dashboard/probe/page")).status == 200
    out = await browser.post("/dashboard/signout", data={"csrf": csrf})
    assert out.status == 200 and "signed out" in out.text
    cleared = cookie_flags(out.set_cookie)
    assert cleared["max-age"] == "0" and cleared["path"] == "/dashboard" and browser.cookie is None
    browser.cookie = old  # a copy of the cookie kept somewhere works no more
    assert (await browser.get("/dashboard/probe/page")).status == 401
    assert ("dashboard.signout", {}, AuditOutcome.OK) in await audit_of(site.harness, "root")


# --- roles, read on every request, and the audit ----------------------------------------------------------


async def test_visits_and_exports_are_audited_without_secrets(site: Site) -> None:
    browser = site.client()
    token = await site.link("root")
    await browser.post(f"/dashboard/signin/{token}")
    await browser.get("/dashboard/probe/page")
    await browser.get("/dashboard/probe/export.csv?cohort=3")
    entries = await audit_of(site.harness, "root")
    assert ("dashboard.view", {"path": "/dashboard/probe/page"}, AuditOutcome.OK) in entries
    assert ("dashboard.export", {"path": "/dashboard/probe/export.csv?cohort=3"}, AuditOutcome.OK) in entries
    assert ("dashboard.signin", {}, AuditOutcome.OK) in entries
    assert browser.cookie is not None
    assert all(token not in str(args) and browser.cookie not in str(args) for _, args, _ in entries)


async def test_a_person_who_loses_the_admin_role_loses_the_admin_pages_at_once(site: Site) -> None:
    harness = site.harness
    await harness.say("root", "admin add @ada")
    await harness.say("root", "pair @ada @bob")
    browser = site.client()
    await browser.sign_in("ada")
    assert (await browser.get("/dashboard/probe/admin")).status == 200
    await harness.say("root", "admin remove @ada")
    refused = await browser.get("/dashboard/probe/admin")
    assert refused.status == 403 and "for programme admins" in refused.text
    page = await browser.get("/dashboard/probe/page")
    assert page.status == 200 and "admin=False mentor=True" in page.text, "still a mentor"
    assert ("dashboard.view", {"path": "/dashboard/probe/admin"}, AuditOutcome.REFUSED) in await audit_of(
        harness, "ada"
    )


async def test_a_mentor_unpaired_mid_session_is_signed_out(site: Site) -> None:
    harness = site.harness
    await harness.say("root", "pair @mia @bob")
    browser = site.client()
    await browser.sign_in("mia")
    assert "mentor=True" in (await browser.get("/dashboard/probe/page")).text
    await harness.say("root", "unpair @mia @bob")
    refused = await browser.get("/dashboard/probe/page")
    assert refused.status == 403 and "programme leads and mentors" in refused.text
    assert browser.cookie is None, "the cookie is cleared"
    assert (await browser.get("/dashboard/probe/export.csv")).status == 401
    await harness.say("root", "pair @mia @bob")
    mia = Client(site)
    await mia.sign_in("mia")
    assert (await mia.get("/dashboard/probe/export.csv")).status == 200


# --- static files --------------------------------------------------------------------------------------------


async def test_static_files_are_served_by_name_only(site: Site) -> None:
    css = await site.client().get("/dashboard/static/dashboard.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "max-age" in css.headers["Cache-Control"] and ":root" in css.text
    for name in ("nothing.css", "..%2F..%2Fsettings.py", "%2E%2E", "auth.py"):
        assert (await site.client().get(f"/dashboard/static/{name}")).status == 404


async def test_the_cookie_is_secure_over_https(harness: Harness, tmp_path: Path) -> None:
    """A real TLS listener (a self-signed certificate made with openssl): the cookie is Secure."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    app = build_web_app(harness.services.db, [], extra=[*dashboard_routes(harness.conversation), *PROBES])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context).start()
    http = aiohttp.ClientSession(
        cookie_jar=aiohttp.DummyCookieJar(), connector=aiohttp.TCPConnector(ssl=False)
    )
    try:
        site = Site(harness, f"https://127.0.0.1:{port}", http)
        browser = site.client()
        signed = await browser.sign_in("root")
        assert signed.status == 303 and cookie_flags(signed.set_cookie)["secure"]
        assert (await browser.get("/dashboard/probe/page")).status == 200
    finally:
        await http.close()
        await runner.cleanup()
