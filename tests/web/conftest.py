"""The dashboard's browser tests: one headless Chromium for the whole session (Debian's, driven by
Playwright), one seeded web host per module, and signing in the way people do.

Without /usr/bin/chromium the tests are skipped, with the reason; with TANDEM_REQUIRE_BROWSER=1 (CI)
they fail instead, so a machine without a browser can never pass them silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from lessons import Library
from tests.support.db import SqliteTemplate
from tests.web.host import DashboardHost

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = os.environ.get("TANDEM_REQUIRE_BROWSER") == "1"
"""Read once, at collection: the suite's own fixtures clear TANDEM_* variables around each test."""

NODE_DIR = Path(__file__).resolve().parent / ".node"
AXE = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core from npm (`make test` installs it: npm install --prefix tests/web/.node axe-core@4)."""


def missing(what: str) -> NoReturn:
    """Skip, or fail when CI requires the browser tests to run."""
    if REQUIRED:
        pytest.fail(f"{what} (TANDEM_REQUIRE_BROWSER=1: the browser tests must run)", pytrace=False)
    pytest.skip(what)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium, once per session."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        yield chromium
        await chromium.close()


@pytest.fixture(scope="module")
def host(
    sqlite_template: SqliteTemplate, bundled_library: Library, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardHost]:
    """The web host with the dashboard, over its own freshly seeded SQLite database."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    server = DashboardHost(sqlite_template.new(tmp_path_factory.mktemp("web")), bundled_library)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js, installed from npm under tests/web/.node (ignored by git)."""
    if not AXE.exists():
        npm = shutil.which("npm")
        hint = "run `make test`, or: npm install --prefix tests/web/.node axe-core@4"
        missing(
            f"axe-core is not installed at {AXE} ({hint})"
            if npm
            else f"npm is missing, so axe-core is too ({hint})"
        )
    return AXE
