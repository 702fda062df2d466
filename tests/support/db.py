"""Each test gets its own database: a copy of a migrated SQLite file, or a PostgreSQL database
cloned from a migrated template when TANDEM_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from storage.db import upgrade

PG_ENV = "TANDEM_TEST_DATABASE_URL"


def pg_base_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def _admin_dsn(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


class SqliteTemplate:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "template.db"
        upgrade(f"sqlite:///{self.template}")

    def new(self, directory: Path) -> str:
        target = directory / f"tandem-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"


class PostgresTemplate:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.name = f"tandem_tmpl_{uuid.uuid4().hex[:8]}"
        self._execute(f'CREATE DATABASE "{self.name}"')
        upgrade(self._url(self.name))
        self.created: list[str] = []

    def _url(self, database: str) -> str:
        return make_url(self.base_url).set(database=database).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with psycopg.connect(_admin_dsn(self.base_url), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new(self) -> str:
        name = f"tandem_t_{uuid.uuid4().hex[:10]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        self.created.append(name)
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def backends() -> Iterator[str]:
    yield "sqlite"
    if pg_base_url():
        yield "postgresql"
