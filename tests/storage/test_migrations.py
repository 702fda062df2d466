"""Migrations are real: they build exactly the models' schema, and go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import alembic_config, sync_url, upgrade


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_then_upgrade(db_url: str) -> None:
    upgrade(db_url, "base")
    upgrade(db_url, "head")
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as connection:
            head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
            assert MigrationContext.configure(connection).get_current_revision() == head
    finally:
        engine.dispose()


def test_url_with_percent_signs_works(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "100%"
    folder.mkdir()
    upgrade(f"sqlite:///{folder}/x.db")
    assert (folder / "x.db").exists()
