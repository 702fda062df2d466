"""Whether a database is already at the newest migration, told without importing Alembic.

Every `tandem run`, `tandem chat` and `tandem drip` brings the database up to date first, and nearly
always there is nothing to do; Alembic alone takes a tenth of a second or more to import. So `upgrade`
asks here first: the heads are read from the `revision = …` and `down_revision = …` lines that Alembic
writes in every migration file (`migrations/script.py.mako`), and compared with the database's
`alembic_version` rows. Anything unexpected (a file without those lines, no version table) answers
"not at head", and Alembic decides.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

VERSIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*=\s*(.+?)\s*$", re.MULTILINE)


@cache
def heads(folder: Path = VERSIONS_DIR) -> frozenset[str]:
    """The revisions that no other one revises (one, while the history is a line); empty when a
    migration file cannot be read this way."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in folder.glob("*.py"):
        found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found.get("down_revision", "None"))
        except (KeyError, ValueError, SyntaxError):
            return frozenset()
        if not isinstance(revision, str):
            return frozenset()
        revisions.add(revision)
        revised.update([down] if isinstance(down, str) else list(down or ()))
    return frozenset(revisions - revised)


def at_head(connection: Connection) -> bool:
    """Whether the database on `connection` has every migration applied (and nothing else)."""
    newest = heads()
    if not newest or not inspect(connection).has_table(VERSION_TABLE):
        return False
    current = set(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
    return current == newest
