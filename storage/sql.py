"""Small statement helpers the repositories share: which dialect a session speaks, its INSERT with
ON CONFLICT, and one executemany of UPDATEs by primary key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel table class (for Core statements and executemany)."""
    table = sa_inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table")
    return table


LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """`text` for a LIKE pattern, matched literally: `%` and `_` are wildcards only where we put them
    (with `escape=LIKE_ESCAPE`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(column: Any, prefix: str) -> Any:
    """`column LIKE 'prefix%'`, the prefix taken literally."""
    return column.like(f"{escape_like(prefix)}%", escape=LIKE_ESCAPE)


def is_sqlite(session: AsyncSession) -> bool:
    """Whether the session works on SQLite (`sync_session.bind` is the engine or the connection on both
    backends; the asyncio `bind` has no connection to show on SQLite's inline session)."""
    return dialect_name(session) == "sqlite"


def dialect_name(session: AsyncSession) -> str:
    """`sqlite` or `postgresql`."""
    bind = session.sync_session.bind
    if bind is None:
        raise RuntimeError("a session without a database")
    return bind.dialect.name


def dialect_insert(session: AsyncSession) -> Any:
    """`insert` of the session's dialect, which knows ON CONFLICT."""
    return insert_of(dialect_name(session))


def insert_of(dialect: str) -> Any:
    """`insert` of a dialect ("sqlite" or "postgresql"), for statements built once per dialect."""
    return sqlite_insert if dialect == "sqlite" else pg_insert


async def update_by_id(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of changes keyed by `id`: one executemany per set of columns changed, far cheaper than ORM
    bulk updates."""
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in rows:
        by_shape.setdefault(tuple(sorted(change)), []).append(change)
    for shape, changes in by_shape.items():
        columns = [name for name in shape if name != "id"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in columns})
        )
        params = [{f"b_{name}": value for name, value in change.items()} for change in changes]
        await session.exec(statement, params=params)
