"""The shipped migrations build exactly the tables the code declares, and can be undone; an
empty database built in one step from the declarations gets the same schema as one migrated."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text

from service.db import Base, make_engine
from service.migrate import (
    MIGRATIONS_DIR,
    current_revision,
    head_revision,
    make_alembic_config,
    migration_revisions,
    run_migrations,
    upgrade_database,
)
from service.tables import ServiceSetting
from tests.service.conftest import empty_database


@contextlib.contextmanager
def _built(folder: Path, build: Callable[[Engine], None]) -> Iterator[Engine]:
    """A new database on the tests' backend, schema made by ``build``."""
    with empty_database(folder) as url:
        engine = make_engine(url)
        build(engine)
        yield engine
        engine.dispose()


@pytest.fixture
def migrated_engine(tmp_path: Path) -> Iterator[Engine]:
    """A new database brought to the head by running every migration."""
    with _built(tmp_path / "migrated", run_migrations) as engine:
        yield engine


@pytest.fixture
def created_engine(tmp_path: Path) -> Iterator[Engine]:
    """A new database built by upgrade_database from the table declarations."""
    with _built(tmp_path / "created", upgrade_database) as engine:
        yield engine


def test_migrated_schema_matches_the_table_models(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def _default(value: Any) -> str | None:
    """A server default as text, without the quoting and casts one backend adds."""
    if value is None:
        return None
    return re.sub(r"::[\w ]+$", "", str(value)).strip("'")


def _schema(engine: Engine) -> dict[str, dict[str, Any]]:
    """Everything the database says of its tables, with column and constraint order left out
    (a migration adds a column at the end; a declaration may list it elsewhere)."""
    found = inspect(engine)
    schema: dict[str, dict[str, Any]] = {}
    for table in found.get_table_names():
        schema[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], _default(c.get("default")))
                for c in found.get_columns(table)
            ),
            "primary key": sorted(found.get_pk_constraint(table)["constrained_columns"]),
            "foreign keys": sorted(
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    (fk.get("options") or {}).get("ondelete"),
                )
                for fk in found.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                for ix in found.get_indexes(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
            "checks": sorted(
                " ".join(str(c["sqltext"]).split()) for c in found.get_check_constraints(table)
            ),
        }
    return schema


def test_a_database_built_from_the_declarations_equals_a_migrated_one(
    migrated_engine: Engine, created_engine: Engine
) -> None:
    migrated, created = _schema(migrated_engine), _schema(created_engine)
    assert sorted(created) == sorted(migrated)
    for table in migrated:
        assert created[table] == migrated[table], table
    for engine in (migrated_engine, created_engine):
        with engine.connect() as conn:
            settings = conn.execute(select(ServiceSetting.key, ServiceSetting.value)).all()
            version = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [tuple(row) for row in settings] == [("active_model_version", None)]
        assert [tuple(row) for row in version] == [(head_revision(),)]


def test_a_built_database_takes_later_migrations_and_downgrades(created_engine: Engine) -> None:
    run_migrations(created_engine)  # nothing to do at the head
    assert current_revision(created_engine) == head_revision()
    config = make_alembic_config(created_engine.url.render_as_string(hide_password=False))
    with created_engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0008")
    assert current_revision(created_engine) == "0008"
    upgrade_database(created_engine)  # not empty: migrated back to the head
    assert current_revision(created_engine) == head_revision()


def test_the_head_read_from_the_file_names_is_alembics(tmp_path: Path) -> None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    chain = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert chain == migration_revisions()
    assert head_revision() == script.get_current_head()


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
