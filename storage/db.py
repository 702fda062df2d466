"""Engines, the unit of work, and migrations.

`TANDEM_DATABASE_URL` is written the usual SQLAlchemy way (`sqlite:///tandem.db`,
`postgresql+psycopg://user@host/db`); the driver is chosen here. SQLite runs in WAL mode with
foreign keys on, and every transaction starts with BEGIN IMMEDIATE so two writers never deadlock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, literal, text
from sqlalchemy.engine import URL, Connection, Engine, RootTransaction, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import inline_sqlite, revisions

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_WAIT = 0.05  # seconds a SQLite call may wait for another process's lock, blocking the loop
SQLITE_LOCK_ATTEMPTS = 200  # then Database retries BEGIN IMMEDIATE asynchronously, up to ~90 s
PG_CONNECT_TIMEOUT = 10  # seconds to reach the PostgreSQL server before saying it cannot be reached


class DatabaseURLError(ValueError):
    """TANDEM_DATABASE_URL cannot be used; the message says why."""


class NestedTransaction(RuntimeError):
    """A task that holds a transaction tried to open another one: a bug, on either database."""


class DatabaseUnavailable(Exception):
    """The database TANDEM_DATABASE_URL names cannot be opened or written; the message says why and what
    to do, in one line, without secrets."""


SQLITE_HEADER = b"SQLite format 3\x00"


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

    # Every transaction starts with BEGIN IMMEDIATE, so the write lock comes first and two writers never
    # deadlock: SQLAlchemy's documented recipe for pysqlite (the driver's own transaction handling is off,
    # above, and the "begin" event issues the BEGIN). A lock held by another process raises
    # SQLAlchemy's OperationalError ("database is locked"), which Database retries without blocking.
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite3_of(connection: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under a SQLAlchemy one (to read its count of changes)."""
    raw = connection.connection.driver_connection
    if not isinstance(raw, sqlite3.Connection):
        raise TypeError("not a SQLite connection")
    return raw


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
                target,
                echo=echo,
                pool_size=pool_size,
                max_overflow=0,
                pool_pre_ping=True,
                connect_args={"connect_timeout": PG_CONNECT_TIMEOUT},
            )
            self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer at a time. This process's transactions queue on an asyncio lock; against
        # other processes, BEGIN IMMEDIATE is retried asynchronously (see _begin_immediate).
        self._writer = asyncio.Lock() if self.is_sqlite else None
        self._open: set[asyncio.Task[Any]] = set()
        """The tasks inside a transaction of this database, which may not open another one."""
        # PostgreSQL: as many transactions at once as the pool has connections; the rest wait here.
        self._slots = asyncio.Semaphore(pool_size)
        self.failing: str | None = None
        """Why the last transaction failed for a database reason, until a write succeeds again."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Commit when the block ends normally; roll back everything when it raises.

        One transaction at a time per task, on both databases: opening one inside another raises
        NestedTransaction (on SQLite it would wait for itself; on PostgreSQL it would be a second,
        independent transaction that cannot see the first one's writes). On PostgreSQL, transactions
        queue for one of the pool's connections here rather than time out in the pool: a burst of work
        waits its turn instead of failing. On SQLite a failed COMMIT (a full disk) discards the
        connection, so the next transaction starts clean once the cause is gone.
        """
        task = asyncio.current_task()
        if task in self._open:
            raise NestedTransaction("a transaction cannot open another one in the same task")
        if task is not None:
            self._open.add(task)
        try:
            async with self._unit_of_work() as session:
                yield session
        finally:
            if task is not None:
                self._open.discard(task)

    @asynccontextmanager
    async def _unit_of_work(self) -> AsyncIterator[AsyncSession]:
        if self._writer is None:
            async with self._slots:
                try:
                    async with self._sessions() as session, session.begin():
                        yield session
                except OperationalError as exc:
                    self._failed(exc)
                    raise
                self.failing = None
            return
        async with self._writer, self._sqlite_transaction() as session:
            yield session

    @asynccontextmanager
    async def _sqlite_transaction(self) -> AsyncIterator[AsyncSession]:
        try:
            connection, outer = await self._begin_immediate()
        except OperationalError as exc:
            self._failed(exc)
            self._discard()
            raise
        # The session joins the transaction begun here, and this block ends it: one connection serves
        # every transaction (they take turns on the writer lock), so none is checked out of the pool,
        # and the session's own commit machinery is not needed.
        session = Session(bind=connection, join_transaction_mode="rollback_only", expire_on_commit=False)
        raw = _sqlite3_of(connection)
        changes = raw.total_changes
        try:
            yield inline_sqlite.InlineSession(session)
            if outer.is_active:  # a block may have rolled back on purpose (a dry run)
                session.flush()
                outer.commit()
        except BaseException as exc:
            if isinstance(exc, OperationalError):
                self._failed(exc)
            self._end(connection, outer)
            raise
        finally:
            session.close()
        if raw.total_changes != changes:
            self.failing = None  # a write went through: whatever failed before has passed
        if connection.in_transaction():  # the session began again after a block's rollback
            self._end(connection, outer)

    def _end(self, connection: Connection, outer: RootTransaction) -> None:
        """Roll back what is left of a transaction; a connection that cannot (its COMMIT failed half-way)
        is closed, and the next transaction opens a new one."""
        try:
            if outer.is_active:
                outer.rollback()
            if connection.in_transaction():
                connection.rollback()
            raw = connection.connection.driver_connection
            if raw is not None and raw.in_transaction:
                raw.rollback()
        except Exception as exc:
            logger.warning("Discarding the SQLite connection after a failed transaction: %s", exc)
            self._discard()
            return
        if getattr(connection, "_transaction", None) is not None:
            self._discard()

    def _discard(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.invalidate()
            with contextlib.suppress(Exception):
                self._connection.close()
        self._connection = None

    async def probe(self) -> None:
        """A transaction that reads and, on SQLite, writes (the header's user_version, unchanged), so a
        full disk shows; raises when the database cannot do it. Success ends a noted failure."""
        async with self.transaction() as session:
            if self.is_sqlite:  # the inline session runs in this thread: its sync session may be used
                version = session.sync_session.execute(text("PRAGMA user_version")).scalar_one()
                session.sync_session.execute(text(f"PRAGMA user_version = {int(version)}"))
            else:
                await session.exec(select(literal(1)))
        self.failing = None

    def _failed(self, exc: OperationalError) -> None:
        """Note a database failure for /healthz until a later write succeeds."""
        text = str(exc.orig if exc.orig is not None else exc).strip()
        self.failing = text.splitlines()[0][:200] if text else type(exc).__name__

    async def _begin_immediate(self) -> tuple[Connection, RootTransaction]:
        """This process's SQLite connection, in a transaction whose BEGIN IMMEDIATE went through; while
        another process holds SQLite's write lock, wait without blocking the event loop and try again."""
        engine = self.engine
        if not isinstance(engine, Engine):
            raise TypeError("only SQLite's synchronous engine has an inline connection")
        delay = 0.01
        for attempt in range(SQLITE_LOCK_ATTEMPTS):
            try:
                connection = self._connection
                if connection is None or connection.closed:
                    connection = self._connection = engine.connect()
                return connection, connection.begin()
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
    from alembic.config import Config  # Alembic is imported only to migrate: it is slow to import

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    rendered = sync_url(url).render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))  # ConfigParser interpolation
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` with Alembic. Raises DatabaseUnavailable, with a message
    that says what to do, when the database cannot be opened or written."""
    target = sync_url(url)
    if target.get_backend_name() == "sqlite":
        _check_sqlite_file(target.database)
    connect_args = (
        {"connect_timeout": PG_CONNECT_TIMEOUT} if target.get_backend_name() == "postgresql" else {}
    )
    engine = create_engine(target, connect_args=connect_args)
    try:
        with engine.begin() as connection:
            if revision != "head" or not revisions.at_head(connection):  # else Alembic is not imported
                from alembic import command

                config = alembic_config(url)
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
    except DBAPIError as exc:
        raise DatabaseUnavailable(describe_failure(exc, target)) from None
    finally:
        engine.dispose()
    logger.info("Database is at revision %s", revision)


def _check_sqlite_file(database: str | None) -> None:
    """The SQLite file can be created or opened, and is a database: else a message that says so."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    folder = path.resolve().parent
    if folder.exists() and not folder.is_dir():
        raise DatabaseUnavailable(_sqlite_problem(path, f"{folder} is a file, not a folder"))
    if not folder.exists():
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise DatabaseUnavailable(
                _sqlite_problem(path, f"cannot create the folder {folder}: {exc.strerror}")
            ) from None
        logger.warning("Created the folder %s for the SQLite database", folder)
    if path.is_dir():
        raise DatabaseUnavailable(_sqlite_problem(path, f"{path} is a folder"))
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise DatabaseUnavailable(
                _sqlite_problem(path, f"{path} cannot be read and written by this user")
            )
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise DatabaseUnavailable(_sqlite_problem(path, f"{path} is not a SQLite database"))
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseUnavailable(_sqlite_problem(path, f"cannot create files in {folder}"))


def _sqlite_problem(path: Path, why: str) -> str:
    return (
        f"TANDEM_DATABASE_URL: {why}. Point it at a writable file, like sqlite:///tandem.db "
        f"(now: sqlite:///{path})."
    )


def describe_failure(exc: BaseException, url: URL) -> str:
    """One line for a database that refused to work, naming the setting and what to do (no password)."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    lowered = text.lower()
    if url.get_backend_name() == "sqlite":
        where = f"sqlite:///{url.database}"
        if "not a database" in lowered:
            return f"TANDEM_DATABASE_URL: {url.database} is not a SQLite database. Point it at a Tandem database file or a new path (now: {where})."
        if "readonly" in lowered or "unable to open" in lowered or "permission" in lowered:
            return f"TANDEM_DATABASE_URL: {url.database} cannot be opened for writing ({text}). Choose a writable path (now: {where})."
        if "full" in lowered:
            return f"TANDEM_DATABASE_URL: the disk holding {url.database} is full. Free some space and start again."
        return f"TANDEM_DATABASE_URL: the SQLite database {url.database} cannot be used ({text})."
    server = f"{url.host or 'localhost'}:{url.port or 5432}"
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return f"TANDEM_DATABASE_URL: PostgreSQL at {server} refused the user {url.username!r} (wrong password?). Check the user and password in the URL."
    if "does not exist" in lowered:
        return f"TANDEM_DATABASE_URL: PostgreSQL at {server} says: {text}. Create it, or fix the URL."
    if (
        "refused" in lowered
        or "could not connect" in lowered
        or "timeout" in lowered
        or "timed out" in lowered
        or "name or service" in lowered
        or "translate host" in lowered
    ):
        return f"TANDEM_DATABASE_URL: cannot connect to PostgreSQL at {server} ({text}). Is the server running, and are the host and port right?"
    return f"TANDEM_DATABASE_URL: PostgreSQL at {server} cannot be used ({text})."
