"""The shipped migrations build exactly the tables the code declares, and can be undone."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from service.db import Base, make_engine
from service.migrate import current_revision, head_revision, make_alembic_config, upgrade_database


def test_migrated_schema_matches_the_table_models(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_is_idempotent_and_downgrade_empties_the_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    assert current_revision(engine) is None
    upgrade_database(engine)
    upgrade_database(engine)
    assert current_revision(engine) == head_revision()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    config = make_alembic_config(str(engine.url))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_a_sqlite_database_folder_is_made_when_the_engine_is_made(tmp_path: Path) -> None:
    target = tmp_path / "var" / "nested"
    assert not target.exists()
    engine = make_engine(f"sqlite:///{target / 'x.sqlite3'}")
    assert target.is_dir()
    engine.dispose()
