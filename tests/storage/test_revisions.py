"""The newest migration is told without Alembic, exactly as Alembic tells it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from storage import revisions
from storage.db import alembic_config, sync_url, upgrade


def at_head(url: str) -> bool:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return revisions.at_head(connection)
    finally:
        engine.dispose()


def test_heads_are_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert revisions.heads() == frozenset(script.get_heads())
    assert len(revisions.heads()) == 1


def test_a_database_is_at_head_only_with_every_migration(db_url: str, tmp_path: Path) -> None:
    """Failure: a database missing a migration was taken as up to date, and never migrated."""
    assert at_head(db_url)
    command.downgrade(alembic_config(db_url), "-1")
    assert not at_head(db_url)
    upgrade(db_url)
    assert at_head(db_url)
    assert not at_head(f"sqlite:///{tmp_path / 'new.db'}")


def test_a_migration_file_of_another_shape_leaves_it_to_alembic(tmp_path: Path) -> None:
    (tmp_path / "0001_first.py").write_text('revision = "0001"\ndown_revision = None\n')
    assert revisions.heads(tmp_path) == {"0001"}
    (tmp_path / "0002_odd.py").write_text("REVISION = '0002'\n")
    revisions.heads.cache_clear()
    assert revisions.heads(tmp_path) == frozenset()
