"""The few statements every event runs, compiled once and run straight on SQLite's connection.

Every message runs the same three statements: mark its event id as seen, load the person behind it,
and (for a question) record the question. Through the session each one costs 40 to 80 µs of Python
around a SQLite call of 3 to 20 µs: the ORM's execute path, a new execution context, a result object.
That is most of what the core spends on an event.

A `Prepared` statement is an ordinary SQLAlchemy Core statement. On SQLite (`InlineSession`) it is
compiled once by SQLAlchemy for the set of parameters it is given, and then runs on the session's own
sqlite3 connection, inside the transaction the session opened, with the bind and result processors of
its column types: the SQL, the values written and the values read are exactly those of the session
path. Statements that need more than that (Python-side column defaults, expanding IN lists) take the
session path. On PostgreSQL every statement runs on the session's connection through SQLAlchemy.

`load_entity` turns a row into an ORM instance that the session tracks as if it had loaded it, so a
change to it is flushed with the transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql.expression import Executable

from storage.inline_sqlite import InlineSession

T = TypeVar("T")
Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One statement compiled for SQLite and one set of parameter names."""

    sql: str
    order: tuple[str, ...]
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]
    constants: Mapping[str, Any]


class Prepared:
    """A Core statement run by `first` on any session; see the module docstring for the SQLite path."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, ...], _Compiled | None] = {}

    async def first(self, session: Any, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row the statement returns with `params`, as a tuple, or None."""
        if isinstance(session, InlineSession):
            compiled = self._for(tuple(params), session.bind.dialect)
            if compiled is not None:
                return _run(session, compiled, params)
        if isinstance(session, InlineSession):
            row = (await session.exec(self.statement, params=params)).first()
            return tuple(row) if row is not None else None
        # Elsewhere the statement runs on the session's connection: the ORM's execute path adds nothing to
        # a Core statement but its autoflush, done here the same way.
        sync = session.sync_session
        if sync.autoflush and (sync.new or sync.dirty or sync.deleted):
            await session.flush()
        connection = await session.connection()
        row = (await connection.execute(self.statement, params)).first()
        return tuple(row) if row is not None else None

    def _for(self, names: tuple[str, ...], dialect: Dialect) -> _Compiled | None:
        try:
            return self._compiled[names]
        except KeyError:
            compiled = self._compiled[names] = _compile(self.statement, names, dialect)
            return compiled


class InsertUnlessExists:
    """`INSERT … ON CONFLICT (key) DO NOTHING RETURNING …` for one table, prepared once per dialect (both
    dialects spell it alike). `first` returns the new row's returned columns, or None when a row with that
    key exists: no savepoint is needed, and the transaction stays usable. On PostgreSQL a concurrent insert
    of the same key waits for the other transaction to end before deciding."""

    def __init__(self, table: Table, key: str, returning: str) -> None:
        self.table, self.key, self.returning = table, key, returning
        self._by_dialect: dict[str, Prepared] = {}

    def prepared(self, dialect: str) -> Prepared:
        """The statement for a dialect ("sqlite" or "postgresql"), built on first use."""
        statement = self._by_dialect.get(dialect)
        if statement is None:
            insert = sqlite_insert if dialect == "sqlite" else pg_insert
            statement = self._by_dialect[dialect] = Prepared(
                insert(self.table)
                .on_conflict_do_nothing(index_elements=[self.key])
                .returning(self.table.c[self.returning])  # psycopg's rowcount cannot tell a skipped row
            )
        return statement

    async def first(self, session: Any, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        return await self.prepared(session.bind.dialect.name).first(session, params)


def _compile(statement: Executable, names: Sequence[str], dialect: Dialect) -> _Compiled | None:
    """SQLAlchemy's own compilation of `statement` for these parameter names, or None when running it
    needs the execution context (Python-side defaults, post-compile parameters)."""
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(names))
    if (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.positiontup is None
    ):
        return None
    order = tuple(compiled.positiontup)
    binds = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order)
    columns = getattr(statement, "exported_columns", ())
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    constants: dict[str, Any] = {}
    for name in order:
        bind = compiled.binds[name]
        if name in names:
            continue
        if bind.required or bind.callable is not None:
            return None  # the session path raises SQLAlchemy's own error for a missing value
        constants[name] = bind.value
    return _Compiled(compiled.string, order, binds, results, constants)


def _run(session: InlineSession, compiled: _Compiled, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
    sync = session.sync_session
    if sync.autoflush:
        sync.flush()  # as the session would before a statement: pending objects reach the database first
    values = []
    for name, process in zip(compiled.order, compiled.binds, strict=True):
        value = params[name] if name in params else compiled.constants[name]
        values.append(process(value) if process is not None else value)
    raw = session.raw
    try:
        row = raw.execute(compiled.sql, values).fetchone()
    except sqlite3.Error as exc:  # the same exception classes as the session path raises
        raise DBAPIError.instance(compiled.sql, values, exc, sqlite3.Error) from exc
    if row is None:
        return None
    return tuple(
        process(value) if process is not None else value
        for value, process in zip(row, compiled.results, strict=True)
    )


def load_entity(session: Any, entity: type[T], values: Mapping[str, Any]) -> T:
    """The `entity` instance with these column values, tracked by the session as if it had loaded it:
    the one already in the session when there is one (a load would not overwrite it either)."""
    sync = session.sync_session
    mapper = sa_inspect(entity)
    identity = mapper.identity_key_from_primary_key([values[column.key] for column in mapper.primary_key])
    existing = sync.identity_map.get(identity)
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)  # its values become the committed state, as a load's would
    sync.add(instance)
    return instance  # type: ignore[no-any-return]
