"""The web dashboard in a real browser (headless Chromium through Playwright), against the real web host
over a seeded programme: signing in, every page for an admin and a mentor, charts against their data
tables, CSV export and import, what a mentor may not see, links that expired or were used, no session,
and CSRF."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, FilePayload, Page
from sqlmodel import func, select

from storage.models import Enrollment, Person
from tests.web.browse import (
    chart_names,
    drawn_points,
    open_link,
    session_cookie,
    sign_in,
    table_points,
    try_link,
    visit,
)
from tests.web.host import DashboardHost, path_of
from tests.web.programme import DECLINED_TEXT, DISLIKED, GAP_TEXTS, LEARNERS, MENTORS

T = TypeVar("T")
RAW_KEY = re.compile(r"\bdash\.[a-z_]+\.[a-z_.]+")
"""A message key shown instead of its text (missing from the catalogue)."""

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def admin_pages(host: DashboardHost) -> dict[str, str]:
    autumn = host.programme.cohorts["Autumn"]
    return {
        "overview": "/dashboard",
        "cohorts": "/dashboard/cohorts",
        "cohort": f"/dashboard/cohorts/{autumn}",
        "lessons": "/dashboard/lessons",
        "gaps": "/dashboard/gaps",
        "import": "/dashboard/import",
    }


def mentor_pages(host: DashboardHost) -> dict[str, str]:
    pages = admin_pages(host)
    return {name: pages[name] for name in ("overview", "cohorts", "cohort", "lessons")}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def admin(browser: Browser, host: DashboardHost) -> AsyncIterator[BrowserContext]:
    """The admin's signed-in browser, for the module."""
    context = await sign_in(browser, host, "root", base_url=host.url, accept_downloads=True)
    yield context
    await context.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def maya(browser: Browser, host: DashboardHost) -> AsyncIterator[BrowserContext]:
    """Mentor Maya's signed-in browser, for the module: she mentors four learners of the autumn cohort."""
    context = await sign_in(browser, host, "maya", base_url=host.url, accept_downloads=True)
    yield context
    await context.close()


async def text_of(page: Page) -> str:
    return " ".join((await page.locator("body").inner_text()).split())


async def people_count(host: DashboardHost) -> tuple[int, int]:
    async def count() -> tuple[int, int]:
        assert host.app is not None
        async with host.app.services.db.transaction() as session:
            people = (await session.exec(select(func.count()).select_from(Person))).one()
            enrolled = (await session.exec(select(func.count()).select_from(Enrollment))).one()
            return int(people), int(enrolled)

    return await host.arun(count)


# -- Signing in ------------------------------------------------------------------------------------------


async def test_a_link_from_the_chat_signs_the_admin_in(browser: Browser, host: DashboardHost) -> None:
    link = await host.link("root")
    assert link.startswith(f"{host.url}/dashboard/signin/")
    context = await browser.new_context()
    try:
        page, answer = await open_link(context, link)
        assert answer is not None and answer.ok, answer and answer.status
        assert page.url.rstrip("/").endswith("/dashboard"), page.url
        cookie = await session_cookie(context)
        assert cookie is not None
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Lax"
        assert cookie["path"] == "/dashboard"
        assert cookie["secure"] is False  # plain http on 127.0.0.1
        # Max-Age, not an Expires date from the host's clock (which is not the browser's): 8 hours.
        assert 8 * 3600 - 300 < cookie["expires"] - time.time() <= 8 * 3600 + 5, cookie["expires"]
        assert "Rosa Admin" in await text_of(page)
    finally:
        await context.close()


async def test_the_link_page_alone_signs_nobody_in(browser: Browser, host: DashboardHost) -> None:
    """Chat apps open links to preview them: only pressing the button uses the link."""
    link = await host.link("root")
    context = await browser.new_context()
    try:
        page, status = await visit(context, link)
        assert status == 200
        assert await page.locator("main form button, main form input[type=submit]").count() >= 1
        assert await session_cookie(context) is None
        _, answer = await open_link(context, link)  # still usable afterwards
        assert answer is not None and answer.ok
        assert await session_cookie(context) is not None
    finally:
        await context.close()


async def test_tandem_dashboard_prints_a_link_that_signs_in(browser: Browser, host: DashboardHost) -> None:
    done = await _in_thread(host.cli_link, "root")
    assert done.returncode == 0, done.stderr
    links = [word for word in done.stdout.split() if "/dashboard/signin/" in word]
    assert links, done.stdout
    context = await browser.new_context(base_url=host.url)
    try:
        page, answer = await open_link(context, host.url + path_of(links[0]))
        assert answer is not None and answer.ok
        assert await session_cookie(context) is not None
        assert "Rosa Admin" in await text_of(page)
    finally:
        await context.close()


async def test_a_learner_gets_no_link(host: DashboardHost) -> None:
    answer = await host.say("alice", "dashboard")
    assert "/dashboard/signin/" not in answer


async def test_a_used_link_says_so(browser: Browser, host: DashboardHost) -> None:
    link = await host.link("root")
    first = await browser.new_context()
    second = await browser.new_context()
    try:
        await open_link(first, link)
        assert await session_cookie(first) is not None
        page, status = await try_link(second, link)
        assert status in (400, 403, 404, 410), status
        assert await session_cookie(second) is None
        text = (await text_of(page)).lower()
        assert "used" in text or "already" in text or "utilisé" in text, text
    finally:
        await first.close()
        await second.close()


async def test_an_expired_link_says_so(browser: Browser, host: DashboardHost) -> None:
    """A link whose 10 minutes ran out before it was used: the host's clock moves on while it waits."""
    waiting = await host.link("root")
    host.clock.advance(minutes=10, seconds=30)
    await _expired(browser, waiting)


async def _expired(browser: Browser, link: str) -> None:
    context = await browser.new_context()
    try:
        page, status = await try_link(context, link)
        text = (await text_of(page)).lower()
        assert status in (400, 403, 404, 410), (link, status, text)
        assert "expired" in text or "expiré" in text, text
        assert await session_cookie(context) is None
    finally:
        await context.close()


# -- Without a session -----------------------------------------------------------------------------------


async def test_no_session_no_page_and_no_data(browser: Browser, host: DashboardHost) -> None:
    context = await browser.new_context(base_url=host.url)
    try:
        for name, path in admin_pages(host).items():
            page, status = await visit(context, path)
            text = (await text_of(page)).lower()
            assert status in (200, 401, 403), (name, status)
            assert "dashboard" in text and "link" in text, (name, text)
            assert "Alice Martin" not in text and "Autumn" not in (await text_of(page)), name
        autumn = host.programme.cohorts["Autumn"]
        for url in ("/dashboard/export/lessons.csv", f"/dashboard/export/people.csv?cohort={autumn}"):
            response = await context.request.get(url)
            assert response.status == 401, (url, response.status)
            assert "Alice" not in await response.text()
    finally:
        await context.close()


# -- Every page ------------------------------------------------------------------------------------------


async def test_every_page_for_the_admin(admin: BrowserContext, host: DashboardHost) -> None:
    for name, path in admin_pages(host).items():
        page, status = await visit(admin, path)
        text = await text_of(page)
        assert status == 200, (name, status, text[:500])
        assert await page.locator("h1").count() >= 1, name
        assert "Traceback" not in text
        assert not RAW_KEY.findall(text), (name, RAW_KEY.findall(text))
        assert DECLINED_TEXT not in text, name


async def test_the_admin_sees_each_cohort_and_its_people(admin: BrowserContext, host: DashboardHost) -> None:
    page, _ = await visit(admin, "/dashboard/cohorts")
    text = await text_of(page)
    assert "Autumn" in text and "Winter" in text
    page, _ = await visit(admin, admin_pages(host)["cohort"])
    text = await text_of(page)
    for learner in LEARNERS:
        assert (learner.display in text) == (learner.cohort == "Autumn"), learner.display
    assert "left the company" in text  # why Farid stopped


async def test_content_gaps_show_questions_without_names_nor_declined_ones(
    admin: BrowserContext, host: DashboardHost
) -> None:
    page, status = await visit(admin, "/dashboard/gaps")
    assert status == 200
    text = await text_of(page)
    for gap in GAP_TEXTS:
        assert gap in text, gap
    assert DECLINED_TEXT not in text
    for learner in LEARNERS:
        assert learner.display not in text, learner.display


async def test_every_page_for_a_mentor(maya: BrowserContext, host: DashboardHost) -> None:
    for name, path in mentor_pages(host).items():
        page, status = await visit(maya, path)
        assert status == 200, (name, status)
        assert not RAW_KEY.findall(await text_of(page)), name
        assert await page.locator("h1").count() >= 1, name
    for path in ("/dashboard/gaps", "/dashboard/import"):
        page, status = await visit(maya, path)
        assert status == 403, (path, status)
        assert GAP_TEXTS[0] not in await text_of(page)


async def test_a_mentor_sees_only_her_mentees(maya: BrowserContext, host: DashboardHost) -> None:
    mine = {learner.display for learner in host.programme.mentees("maya")}
    others = {learner.display for learner in host.programme.others("maya")}
    seen = ""
    for path in mentor_pages(host).values():
        page, _ = await visit(maya, path)
        seen += await text_of(page) + " " + await page.content()
    for name in others | {MENTORS["noah"]}:
        assert name not in seen, name
    for name in mine:
        assert name in seen, name


async def test_a_french_mentor_reads_french_pages_about_his_own_mentees(
    browser: Browser, host: DashboardHost
) -> None:
    noah = await sign_in(browser, host, "noah", base_url=host.url)
    try:
        mine = {learner.display for learner in host.programme.mentees("noah")}
        others = {learner.display for learner in host.programme.others("noah")} | {MENTORS["maya"]}
        seen = ""
        for name, path in mentor_pages(host).items():
            page, status = await visit(noah, path)
            assert status == 200, (name, status)
            assert await page.locator("html").get_attribute("lang") == "fr", name
            text = await text_of(page)
            assert not RAW_KEY.findall(text), (name, RAW_KEY.findall(text))
            seen += text
        assert "Vue d’ensemble" in seen
        winter, _ = await visit(noah, f"/dashboard/cohorts/{host.programme.cohorts['Winter']}")
        seen += await text_of(winter)
        for person in mine:
            assert person in seen, person
        for person in others:
            assert person not in seen, person
    finally:
        await noah.close()


async def test_a_mentor_cannot_reach_others_by_address(maya: BrowserContext, host: DashboardHost) -> None:
    """The winter cohort has none of Maya's mentees: its page, its people's pages and its exports show
    her nobody."""
    winter = host.programme.cohorts["Winter"]
    others = [learner for learner in host.programme.others("maya")]
    urls = [
        f"/dashboard/cohorts/{winter}",
        *(f"/dashboard/people/{host.programme.people[learner.name]}" for learner in others),
        f"/dashboard/export/people.csv?cohort={winter}",
        f"/dashboard/export/mentors.csv?cohort={winter}",
        "/dashboard/export/lessons.csv",
        "/dashboard/export/cohorts.csv",
        f"/dashboard/export/people.csv?cohort={host.programme.cohorts['Autumn']}",
        "/dashboard/export/gaps.csv",
    ]
    for url in urls:
        response = await maya.request.get(url)
        body = await response.text()
        assert response.status in (200, 403, 404), (url, response.status)
        for learner in others:
            assert learner.display not in body, (url, learner.display)
        assert DECLINED_TEXT not in body and GAP_TEXTS[0] not in body, url


async def test_a_lesson_many_find_not_for_me_stands_out(admin: BrowserContext, host: DashboardHost) -> None:
    page, status = await visit(admin, "/dashboard/lessons")
    assert status == 200
    marked = page.locator("table[data-table=lessons] tbody tr.stands-out")
    assert await marked.count() == 1
    lesson = host.library.get(DISLIKED, "en")
    assert lesson is not None
    assert lesson.title in await marked.first.inner_text()
    sorted_page, _ = await visit(admin, "/dashboard/lessons?sort=-not_useful")
    first = sorted_page.locator("table[data-table=lessons] tbody tr").first
    assert lesson.title in await first.inner_text()


# -- Charts and their tables -----------------------------------------------------------------------------


async def test_each_chart_draws_its_data_table(
    admin: BrowserContext, maya: BrowserContext, host: DashboardHost
) -> None:
    checked: list[str] = []
    for who, context, pages in (("admin", admin, admin_pages(host)), ("maya", maya, mentor_pages(host))):
        for name, path in pages.items():
            page, _ = await visit(context, path)
            for chart in await chart_names(page):
                drawn = await drawn_points(page, chart)
                table = await table_points(page, chart)
                assert await page.locator(f'table.chart-data[data-chart="{chart}"]').count() == 1, (
                    f"{who} {name}: chart {chart} has no data table beside it"
                )
                # A group too small to report draws nothing and its table gives no value: both empty.
                assert sorted(drawn) == sorted(table), (who, name, chart, drawn, table)
                if drawn:
                    checked.append(f"{name}:{chart}")
    assert any(c.startswith("overview:") for c in checked), checked
    assert any(c.startswith("cohort:") for c in checked), checked


async def test_deliveries_per_day_covers_eight_weeks(admin: BrowserContext) -> None:
    page, _ = await visit(admin, "/dashboard")
    charts = await chart_names(page)
    daily = [c for c in charts if "day" in c or "deliver" in c]
    assert daily, charts
    rows = await page.locator(f'table.chart-data[data-chart="{daily[0]}"] tbody tr').count()
    assert 50 <= rows <= 60, rows


# -- CSV -------------------------------------------------------------------------------------------------


async def test_a_csv_export_downloads_and_parses(admin: BrowserContext, host: DashboardHost) -> None:
    page, _ = await visit(admin, admin_pages(host)["cohort"])
    links = page.locator('a[href*="/dashboard/export/"]')
    assert await links.count() >= 1
    hrefs = [str(h) for h in await links.evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    people = [h for h in hrefs if "people" in h] or hrefs
    link = page.locator(f'a[href="{people[0]}"]').first
    async with page.expect_download() as waiting:
        await link.click()
    download = await waiting.value
    path = await download.path()
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) >= 2, text
    body = "\n".join(",".join(row) for row in rows[1:])
    width = len(rows[0])
    assert all(len(row) == width for row in rows), rows
    if "people" in people[0]:
        autumn = [learner.display for learner in LEARNERS if learner.cohort == "Autumn"]
        for name in autumn:
            assert name in body, name
        assert "Hugo Lambert" not in body


async def test_a_bad_enrollment_csv_names_its_line_and_writes_nothing(
    admin: BrowserContext, host: DashboardHost
) -> None:
    before = await people_count(host)
    page, status = await visit(admin, "/dashboard/import")
    assert status == 200
    bad = (
        "id,email,name,language,time zone,department,manager,role\n"
        "mila,mila@example.org,Mila Novak,en,Europe/Paris,Sales,maya,learner\n"
        "omar,omar@example.org,Omar Said,en,Mars/Olympus,Sales,maya,learner\n"
    )
    await _upload(page, "people.csv", bad, enroll_in="Winter")
    text = await text_of(page)
    assert "3" in text and ("Mars/Olympus" in text or "time zone" in text.lower()), text
    assert "line 3" in text.lower() or "ligne 3" in text.lower(), text
    assert await people_count(host) == before
    assert "Mila Novak" not in text or await page.locator("form[action$='/confirm']").count() == 0

    good = bad.replace("Mars/Olympus", "Europe/Lisbon")
    page, _ = await visit(admin, "/dashboard/import")
    await _upload(page, "people.csv", good, enroll_in="Winter")
    text = await text_of(page)
    assert "Mila Novak" in text and "Omar Said" in text, text
    assert await people_count(host) == before  # a preview writes nothing
    confirm = page.locator("form[action$='/dashboard/import/confirm'] button[type=submit]").first
    async with page.expect_navigation():
        await confirm.click()
    people, enrolled = await people_count(host)
    assert people == before[0] + 2
    assert enrolled == before[1] + 2
    page, _ = await visit(admin, f"/dashboard/cohorts/{host.programme.cohorts['Winter']}")
    text = await text_of(page)
    assert "Mila Novak" in text and "Omar Said" in text


async def _upload(page: Page, filename: str, content: str, *, enroll_in: str | None) -> None:
    """Fill the import form with a CSV file (and a cohort to enroll in) and send it."""
    form = page.locator("form:has(input[type=file])").first
    upload: FilePayload = {"name": filename, "mimeType": "text/csv", "buffer": content.encode()}
    await form.locator("input[type=file]").set_input_files(files=[upload])
    if enroll_in:
        select = form.locator("select")
        if await select.count():
            await select.first.select_option(label=enroll_in)
    async with page.expect_navigation():
        await form.locator("button[type=submit], input[type=submit]").first.click()


# -- CSRF ------------------------------------------------------------------------------------------------


async def test_a_form_without_or_with_a_wrong_csrf_token_is_refused(
    browser: Browser, host: DashboardHost
) -> None:
    context = await sign_in(browser, host, "root", base_url=host.url)
    try:
        for change in ("e => e.remove()", "e => { e.value = 'not-the-token' }"):
            page, _ = await visit(context, "/dashboard")
            form = page.locator("form.signout")
            await form.locator("input[name=csrf]").evaluate(change)
            async with page.expect_navigation() as navigation:
                await form.locator("button").click()
            answer = await navigation.value
            assert answer is not None and answer.status == 403, change
            assert await session_cookie(context) is not None
            # The same form with its token does sign out.
        page, _ = await visit(context, "/dashboard")
        async with page.expect_navigation():
            await page.locator("form.signout button").click()
        again, status = await visit(context, "/dashboard")
        assert "Rosa Admin" not in await text_of(again), status
    finally:
        await context.close()


async def test_an_action_posted_with_a_wrong_token_is_refused(
    admin: BrowserContext, host: DashboardHost
) -> None:
    before = await people_count(host)
    for form in ({}, {"csrf": "forged"}):
        response = await admin.request.post(
            "/dashboard/actions/pause", form={**form, "person": str(host.programme.people["alice"])}
        )
        assert response.status == 403, (form, response.status)
        upload: FilePayload = {
            "name": "people.csv",
            "mimeType": "text/csv",
            "buffer": b"id,email,name\nzoe,z@x.org,Zoe\n",
        }
        response = await admin.request.post("/dashboard/import", multipart={**form, "file": upload})
        assert response.status == 403, ("import", form, response.status)
    assert await people_count(host) == before


async def _in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A blocking call (a subprocess) off the test's loop."""
    return await asyncio.to_thread(function, *args, **kwargs)
