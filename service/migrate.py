"""The service's database schema: made or brought up to date from code (``pathways serve`` and
``pathways migrate`` do it on start).

An empty database gets the whole schema in one step: every table the code declares
(``service.tables``), the rows the first migration inserts, and the newest revision stamped,
as Alembic's cookbook suggests for a database built from scratch. A database that already holds
tables is brought up to date by the shipped Alembic migrations, one revision at a time.
``tests/service/test_migrations.py`` checks that both routes build the same schema on SQLite and
PostgreSQL. Alembic is imported only when migrations run: a fresh start does not pay for it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    insert,
    inspect,
    select,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"

#: A migration file is named after its revision: ``0009_erased_activity_students.py`` is
#: revision "0009", and each revision follows the one numbered before it.
_MIGRATION_FILE = re.compile(r"^(\d{4})_\w+\.py$")

#: Alembic's own bookkeeping table, as ``alembic stamp`` makes it.
_VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def make_alembic_config(url: str) -> Config:
    """An Alembic config pointing at the migrations shipped inside this package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migration_revisions() -> list[str]:
    """The shipped revisions, oldest first, read from the migration files' names."""
    found = (_MIGRATION_FILE.match(path.name) for path in VERSIONS_DIR.iterdir())
    return sorted(match.group(1) for match in found if match)


def head_revision() -> str:
    """The newest migration revision shipped with this code."""
    revisions = migration_revisions()
    if not revisions:
        raise RuntimeError("no migrations found in " + str(VERSIONS_DIR))
    return revisions[-1]


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(_VERSION_TABLE.name):
            return None
        return conn.execute(select(_VERSION_TABLE.c.version_num)).scalar_one_or_none()


def create_schema(conn: Connection) -> None:
    """Build the newest schema in an empty database: every declared table, the first
    migration's rows, and the head revision stamped (one transaction, the caller's)."""
    from service.db import Base, utc_now
    from service.state import ACTIVE_MODEL_KEY
    from service.tables import ServiceSetting

    Base.metadata.create_all(conn)
    conn.execute(
        insert(ServiceSetting),
        [{"key": ACTIVE_MODEL_KEY, "value": None, "updated_at": utc_now()}],
    )
    _VERSION_TABLE.create(conn)
    conn.execute(_VERSION_TABLE.insert(), [{"version_num": head_revision()}])


def run_migrations(engine: Engine) -> None:
    """Apply every shipped migration the database does not have yet (Alembic ``upgrade head``)."""
    from alembic import command

    config = make_alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def upgrade_database(engine: Engine) -> None:
    """Bring the database behind ``engine`` up to the newest revision (idempotent): an empty
    database is built from the table declarations, any other is migrated."""
    with engine.begin() as conn:
        if not inspect(conn).get_table_names():
            create_schema(conn)
            return
    run_migrations(engine)
