"""Shared fixtures: a clean environment, a fresh database per test, and a conversation harness."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.context import LessonStore, Services
from bot.settings import Settings
from lessons import Library, load_library
from storage.db import Database
from tests.support.db import PostgresTemplate, SqliteTemplate, backends, pg_base_url
from tests.support.harness import Clock, Harness

_PREFIXES = ("TANDEM_", "SLACK_", "CONNECTIONS__", "AGENTAPPLICATION__")
_KEEP = {"TANDEM_TEST_DATABASE_URL"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No setting leaks in from the developer's shell or a `.env` file in the working directory."""
    for name in list(os.environ):
        if name.startswith(_PREFIXES) and name not in _KEEP:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    # Words-only answers unless a test asks for the semantic model (tests/bot/core/test_semantic_engine.py):
    # hundreds of apps need not each build its vectors.
    monkeypatch.setenv("TANDEM_SEMANTIC", "off")


@pytest.fixture(scope="session")
def bundled_library() -> Library:
    return load_library()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def pg_template() -> Iterator[PostgresTemplate | None]:
    base = pg_base_url()
    if not base:
        yield None
        return
    template = PostgresTemplate(base)
    yield template
    template.close()


@pytest.fixture(params=list(backends()))
def db_url(
    request: pytest.FixtureRequest,
    sqlite_template: SqliteTemplate,
    pg_template: PostgresTemplate | None,
    tmp_path: Path,
) -> Iterator[str]:
    """A migrated, empty database of its own for each test, on SQLite and (when set) PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_template.new(tmp_path)
        return
    assert pg_template is not None
    url = pg_template.new()
    yield url
    pg_template.drop(url)


@pytest.fixture
def sqlite_url(sqlite_template: SqliteTemplate, tmp_path: Path) -> str:
    """For tests that are about one process and need no PostgreSQL run."""
    return sqlite_template.new(tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def services(db_url: str, bundled_library: Library, clock: Clock) -> AsyncIterator[Services]:
    settings = Settings(database_url=db_url, admins=["root"], _env_file=None)  # type: ignore[call-arg]
    db = Database(db_url)
    lessons = LessonStore([], library=bundled_library, semantic=settings.semantic)
    yield Services(db=db, settings=settings, lessons=lessons, clock=clock)
    await db.dispose()


@pytest.fixture
def harness(services: Services, clock: Clock) -> Harness:
    return Harness(services, clock)
