"""Engines, the unit of work, and migrations.

`TANDEM_DATABASE_URL` is written the usual SQLAlchemy way (`sqlite:///tandem.db`,
`postgresql+psycopg://user@host/db`); the driver is chosen here. SQLite runs in WAL mode with
foreign keys on, and every transaction starts with BEGIN IMMEDIATE so two writers never deadlock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, RootTransaction, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import inline_sqlite

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_WAIT = 0.05  # seconds a SQLite call may wait for another process's lock, blocking the loop
SQLITE_LOCK_ATTEMPTS = 200  # then Database retries BEGIN IMMEDIATE asynchronously, up to ~90 s


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
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_WAIT * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # Every transaction starts with BEGIN IMMEDIATE, issued by the dialect's begin hook straight on the
    # sqlite3 connection: a "begin" event would run it through the whole statement path, which costs
    # more than the rest of an empty transaction. Errors ("database is locked") are still wrapped as
    # SQLAlchemy's OperationalError, since do_begin runs under the engine's error handling.
    engine.dialect.do_begin = inline_sqlite.begin_immediate_sync  # type: ignore[method-assign]


class Database:
    """The engine and its sessions. `transaction()` is the unit of work: it owns the commit.

    PostgreSQL gets an async engine (psycopg). SQLite gets a synchronous engine whose sessions are
    used straight from the event loop through `InlineSession`: a local SQLite call takes tens of
    microseconds, far less than handing it to a thread or through the async session's machinery. One
    SQLite connection, opened on first use and kept until `dispose()`, serves every transaction.
    """

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        target = sync_url(url)  # psycopg serves sync and async alike
        self.is_sqlite = target.get_backend_name() == "sqlite"
        self.engine: AsyncEngine | Engine
        if self.is_sqlite:
            database = target.database or ":memory:"
            self.engine = create_engine(
                target,
                echo=echo,
                creator=inline_sqlite.sync_creator(database, busy_timeout=SQLITE_BUSY_WAIT),
                # Transactions take turns on the writer lock below, so one connection serves them all;
                # it stays checked out (see transaction()), and the pool never needs to reset it.
                poolclass=StaticPool,
                pool_reset_on_return=None,
            )
            _sqlite_pragmas(self.engine)
            self._connection: Connection | None = None
        else:
            self.engine = create_async_engine(
                target, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )
            self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer at a time. This process's transactions queue on an asyncio lock; against
        # other processes, BEGIN IMMEDIATE is retried asynchronously (see _begin_immediate).
        self._writer = asyncio.Lock() if self.is_sqlite else None
        self._holder: asyncio.Task[object] | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Commit when the block ends normally; roll back everything when it raises."""
        if self._writer is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        task = asyncio.current_task()
        if self._holder is task:
            raise RuntimeError("a SQLite transaction cannot open another one in the same task")
        async with self._writer:
            self._holder = task
            try:
                connection, outer = await self._begin_immediate()
                # The session joins the transaction begun here, and this block ends it: one connection
                # serves every transaction (they take turns on the writer lock), so none is checked out
                # of the pool, and the session's own commit machinery is not needed.
                session = Session(
                    bind=connection, join_transaction_mode="rollback_only", expire_on_commit=False
                )
                try:
                    raw = connection.connection.driver_connection
                    yield inline_sqlite.InlineSession(session, raw, outer)  # type: ignore[misc]
                    if outer.is_active:  # a block may have rolled back on purpose (a dry run)
                        session.flush()
                        outer.commit()
                except BaseException:
                    if outer.is_active:
                        outer.rollback()
                    raise
                finally:
                    session.close()
                    if connection.in_transaction():  # the session began again after a block's rollback
                        connection.rollback()
            finally:
                self._holder = None

    async def _begin_immediate(self) -> tuple[Connection, RootTransaction]:
        """This process's SQLite connection, in a transaction whose BEGIN IMMEDIATE went through; while
        another process holds SQLite's write lock, wait without blocking the event loop and try again."""
        delay = 0.01
        for attempt in range(SQLITE_LOCK_ATTEMPTS):
            try:
                if self._connection is None or self._connection.closed:
                    self._connection = self.engine.connect()  # type: ignore[union-attr]
                return self._connection, self._connection.begin()
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == SQLITE_LOCK_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)
        raise RuntimeError("unreachable")

    async def dispose(self) -> None:
        if self.is_sqlite and self._connection is not None:
            self._connection.close()
            self._connection = None
        if isinstance(self.engine, AsyncEngine):
            await self.engine.dispose()
        else:
            self.engine.dispose()

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
