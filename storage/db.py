"""Engines, the unit of work, and migrations.

`TANDEM_DATABASE_URL` is written the usual SQLAlchemy way (`sqlite:///tandem.db`,
`postgresql+psycopg://user@host/db`); the async driver is chosen here. SQLite runs in WAL mode with
foreign keys on, and every transaction starts with BEGIN IMMEDIATE so two writers never deadlock.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseURLError(ValueError):
    """TANDEM_DATABASE_URL cannot be used; the message says why."""


def parse_url(url: str) -> URL:
    """Validate a database URL; only SQLite and PostgreSQL are supported."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseURLError(f"TANDEM_DATABASE_URL: not a database URL: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseURLError(f"TANDEM_DATABASE_URL: use sqlite:/// or postgresql+psycopg://, not {backend}")
    return parsed


def async_url(url: str) -> URL:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    return parsed.set(drivername="postgresql+psycopg")


def sync_url(url: str) -> URL:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite")
    return parsed.set(drivername="postgresql+psycopg")


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One async engine and its sessions. `transaction()` is the unit of work: it owns the commit."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        target = async_url(url)
        self.is_sqlite = target.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(target, **kwargs)
        if self.is_sqlite:
            _sqlite_pragmas(self.engine.sync_engine)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Commit when the block ends normally; roll back everything when it raises."""
        async with self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()

    @staticmethod
    def upgrade_url(url: str) -> None:
        """Apply every pending migration (blocking; call before serving or via asyncio.to_thread)."""
        upgrade(url)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    rendered = sync_url(url).render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))  # ConfigParser interpolation
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` with Alembic."""
    engine = create_engine(sync_url(url))
    if engine.dialect.name == "sqlite":
        _ensure_sqlite_dir(engine)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
    logger.info("Database is at revision %s", revision)


def _ensure_sqlite_dir(engine: Engine) -> None:
    database = engine.url.database
    if database and database != ":memory:":
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
