"""What the browser tests do on a page: sign in by a link, read a chart's drawn points and its data table,
check accessibility with axe-core, and take screenshots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Response, ViewportSize

from tests.web.host import DashboardHost

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "dashboard"
"""Where the screenshots go (bench/results is ignored by git)."""

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
SESSION_COOKIE = "tandem_session"
BUTTON = "main form button[type=submit], main form input[type=submit]"
"""The sign-in page's button."""
BLOCKING = ("serious", "critical")
"""The axe-core impacts a page may not have."""


async def open_link(context: BrowserContext, link: str) -> tuple[Page, Response | None]:
    """Open a sign-in link as a person does (the page with its button), press the button, and return the
    page and the answer to the press."""
    page = await context.new_page()
    shown = await page.goto(link)
    assert shown is not None and shown.status < 500, (
        f"the sign-in link's page failed: {shown and shown.status}"
    )
    button = page.locator(BUTTON).first
    async with page.expect_navigation() as navigation:
        await button.click()
    return page, await navigation.value


async def try_link(context: BrowserContext, link: str) -> tuple[Page, int]:
    """Open a link and, when its page offers the sign-in button, press it: the page at the end, and the
    status of the last answer (a used or expired link may answer at once, without a button)."""
    page = await context.new_page()
    shown = await page.goto(link)
    assert shown is not None
    button = page.locator(BUTTON).first
    if not await button.count():
        return page, shown.status
    async with page.expect_navigation() as navigation:
        await button.click()
    answer = await navigation.value
    return page, answer.status if answer else 0


async def sign_in(browser: Browser, host: DashboardHost, name: str, **options: Any) -> BrowserContext:
    """A browser context signed in as the console person `name`, with a link from the `dashboard`
    command."""
    context = await browser.new_context(**options)
    context.set_default_timeout(10_000)
    page, _ = await open_link(context, await host.link(name))
    assert await session_cookie(context), f"no session after {name} pressed the sign-in button: {page.url}"
    return context


async def session_cookie(context: BrowserContext) -> dict[str, Any] | None:
    for cookie in await context.cookies():
        if cookie["name"] == SESSION_COOKIE:
            return dict(cookie)
    return None


async def visit(context: BrowserContext, url: str) -> tuple[Page, int]:
    """A page of the dashboard, and its HTTP status, in the context's open tab (a new tab costs a
    quarter of a second)."""
    page = context.pages[0] if context.pages else await context.new_page()
    response = await page.goto(url)
    assert response is not None
    return page, response.status


async def chart_names(page: Page) -> list[str]:
    return [str(name) for name in await page.locator("figure.chart").evaluate_all(
        "els => els.map(e => e.dataset.chart)"
    )]  # fmt: skip


Point = tuple[str, str, float]
"""(series, label, value): one drawn bar or point, or one cell of a chart's data table."""


async def drawn_points(page: Page, chart: str) -> list[Point]:
    """The points the SVG of chart `chart` draws: each element's data-series, data-label and data-value."""
    found = await page.locator(f'figure.chart[data-chart="{chart}"] svg [data-value]').evaluate_all(
        """els => els.map(e => [
            e.getAttribute('data-series') || '', e.getAttribute('data-label') || '', e.getAttribute('data-value'),
        ])"""
    )
    return [(str(series), " ".join(str(label).split()), float(value)) for series, label, value in found]


async def table_points(page: Page, chart: str) -> list[Point]:
    """The data table beside chart `chart`: for each row, its header's text with each drawn series' value
    (the cells marked data-series; a cell without data-value is a point not drawn)."""
    rows = await page.locator(f'table.chart-data[data-chart="{chart}"] tbody tr').evaluate_all(
        """rows => rows.flatMap(r => {
            const head = r.querySelector('th[scope=row]');
            const label = head ? head.textContent : '';
            return Array.from(r.querySelectorAll('td[data-series][data-value]')).map(
                td => [td.getAttribute('data-series'), label, td.getAttribute('data-value')]);
        })"""
    )
    return [(str(series), " ".join(str(label).split()), float(value)) for series, label, value in rows]


async def axe_violations(page: Page, script: Path) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (the context must bypass the page's CSP)."""
    await page.add_script_tag(path=str(script))
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in result if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    """Violations as a reader wants them: the rule, its impact, what it means, and where."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}"
        )
        for node in violation.get("nodes", [])[:5]:
            lines.append(f"    at {json.dumps(node.get('target'))}: {node.get('failureSummary', '').strip()}")
            lines.append(f"       {node.get('html', '')[:200]}")
    return "\n".join(lines)


async def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG of `page` as bench/results/dashboard/<name>.png."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{name}.png"
    await page.screenshot(path=str(target), full_page=True, animations="disabled")
    return target


WIDER_THAN_WINDOW = """() => {
    const width = document.documentElement.clientWidth;
    const scrolls = e => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') return true;
        }
        return false;
    };
    const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
    const wide = [];
    for (const e of document.body.querySelectorAll('*')) {
        const box = e.getBoundingClientRect();
        if (box.width > 0 && box.right > width + 1 && !scrolls(e)) wide.push(`${name(e)} (to ${Math.round(box.right)}px)`);
    }
    return {extra: document.documentElement.scrollWidth - width, wide: wide.slice(0, 8)};
}"""


async def horizontal_overflow(page: Page) -> tuple[int, list[str]]:
    """How many CSS pixels the page is wider than the layout viewport (0: nothing to scroll sideways),
    and the first elements that stick out (outside any box that scrolls on its own). The layout
    viewport, not `innerWidth`: a phone zooms out to fit a page that is too wide."""
    found = await page.evaluate(WIDER_THAN_WINDOW)
    return int(found["extra"]), [str(name) for name in found["wide"]]
