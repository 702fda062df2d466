"""Small statement helpers the repositories share: which dialect a session speaks, its INSERT with
ON CONFLICT, and one executemany of UPDATEs by primary key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """`text` for a LIKE pattern, matched literally: `%` and `_` are wildcards only where we put them
    (with `escape=LIKE_ESCAPE`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(column: Any, prefix: str) -> Any:
    """`column LIKE 'prefix%'`, the prefix taken literally."""
    return column.like(f"{escape_like(prefix)}%", escape=LIKE_ESCAPE)


def is_sqlite(session: Any) -> bool:
    return bool(session.bind.dialect.name == "sqlite")


def dialect_insert(session: Any) -> Any:
    """`insert` of the session's dialect, which knows ON CONFLICT."""
    return sqlite_insert if is_sqlite(session) else pg_insert


async def update_by_id(session: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
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
