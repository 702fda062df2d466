"""How the dashboard's pages look and read: axe-core finds no serious or critical accessibility problem on
any of them, none scrolls sideways on a phone, and each is photographed at desktop and phone widths into
bench/results/dashboard/ (page-width.png) for people to look at."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext

from tests.web.browse import (
    DESKTOP,
    PHONE,
    axe_violations,
    describe,
    horizontal_overflow,
    screenshot,
    sign_in,
    visit,
)
from tests.web.host import DashboardHost

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def pages(host: DashboardHost) -> dict[str, str]:
    """The admin's pages, by the name their screenshots take."""
    return {
        "overview": "/dashboard",
        "cohorts": "/dashboard/cohorts",
        "cohort": f"/dashboard/cohorts/{host.programme.cohorts['Autumn']}",
        "lessons": "/dashboard/lessons",
        "gaps": "/dashboard/gaps",
        "import": "/dashboard/import",
    }


def mentor_pages(host: DashboardHost) -> dict[str, str]:
    every = pages(host)
    return {f"mentor-{name}": every[name] for name in ("overview", "cohort")}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def desktop(browser: Browser, host: DashboardHost) -> AsyncIterator[BrowserContext]:
    """The admin at a desktop width, in a context where axe-core may run despite the pages' CSP."""
    context = await sign_in(browser, host, "root", base_url=host.url, viewport=DESKTOP, bypass_csp=True)
    yield context
    await context.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def phone(browser: Browser, host: DashboardHost) -> AsyncIterator[BrowserContext]:
    context = await sign_in(
        browser, host, "root", base_url=host.url, viewport=PHONE, is_mobile=True, has_touch=True,
        device_scale_factor=1,
    )  # fmt: skip
    yield context
    await context.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def mentor(browser: Browser, host: DashboardHost) -> AsyncIterator[BrowserContext]:
    context = await sign_in(browser, host, "maya", base_url=host.url, viewport=DESKTOP, bypass_csp=True)
    yield context
    await context.close()


async def test_no_serious_accessibility_problem_on_any_page(
    browser: Browser, desktop: BrowserContext, mentor: BrowserContext, host: DashboardHost, axe_script: Path
) -> None:
    found: dict[str, str] = {}
    visits = [(desktop, name, path) for name, path in pages(host).items()]
    visits += [(mentor, name, path) for name, path in mentor_pages(host).items()]
    for context, name, path in visits:
        page, status = await visit(context, path)
        assert status == 200, (name, status)
        violations = await axe_violations(page, axe_script)
        if violations:
            found[name] = describe(violations)
    # The pages people see before they have a session: a sign-in link's, and the one without a session.
    stranger = await browser.new_context(base_url=host.url, viewport=DESKTOP, bypass_csp=True)
    try:
        for name, path in (("signin", await host.link("root")), ("no-session", "/dashboard")):
            page, _ = await visit(stranger, path)
            violations = await axe_violations(page, axe_script)
            if violations:
                found[name] = describe(violations)
    finally:
        await stranger.close()
    report = "\n".join(f"{name}:\n{text}" for name, text in found.items())
    assert not found, f"axe-core found serious or critical problems:\n{report}"


async def test_screenshots_at_desktop_and_phone_widths(
    browser: Browser,
    desktop: BrowserContext,
    phone: BrowserContext,
    mentor: BrowserContext,
    host: DashboardHost,
) -> None:
    written: list[Path] = []
    for context, width, named in (
        (desktop, DESKTOP["width"], pages(host)),
        (phone, PHONE["width"], pages(host)),
        (mentor, DESKTOP["width"], mentor_pages(host)),
    ):
        for name, path in named.items():
            page, status = await visit(context, path)
            assert status == 200, (name, status)
            written.append(await screenshot(page, f"{name}-{width}"))
    for width, viewport in ((DESKTOP["width"], DESKTOP), (PHONE["width"], PHONE)):
        stranger = await browser.new_context(base_url=host.url, viewport=viewport)
        try:
            for name, path in (("signin", await host.link("root")), ("no-session", "/dashboard")):
                page, _ = await visit(stranger, path)
                written.append(await screenshot(page, f"{name}-{width}"))
        finally:
            await stranger.close()
    for target in written:
        assert target.stat().st_size > 1000, target


async def test_no_page_scrolls_sideways_on_a_phone(phone: BrowserContext, host: DashboardHost) -> None:
    wide: dict[str, str] = {}
    for name, path in pages(host).items():
        page, _ = await visit(phone, path)
        extra, elements = await horizontal_overflow(page)
        if extra > 0:
            wide[name] = f"{extra}px too wide: {', '.join(elements)}"
    report = "\n".join(f"  {name}: {why}" for name, why in wide.items())
    assert not wide, f"pages wider than a {PHONE['width']}px phone:\n{report}"
