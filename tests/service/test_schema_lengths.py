"""Request schemas never accept a string longer than the column that stores it.

A value that passes validation but overflows its column is a 500 on PostgreSQL (SQLite does not
enforce lengths), so every string limit in ``service.schemas`` is checked against the tables.
"""

from __future__ import annotations

import inspect
from collections import defaultdict

import annotated_types
from pydantic import BaseModel
from sqlalchemy import String

from service import schemas, tables
from service.db import Base


def _column_lengths() -> dict[str, int]:
    """Shortest String length of any column with a given name, across all tables."""
    lengths: dict[str, list[int]] = defaultdict(list)
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, String) and column.type.length:
                lengths[column.name].append(column.type.length)
    return {name: min(values) for name, values in lengths.items()}


def _string_limits() -> list[tuple[str, str, int]]:
    """(schema, field, max_length) for every constrained string field of a request schema."""
    found = []
    for name, cls in inspect.getmembers(schemas, inspect.isclass):
        if not issubclass(cls, BaseModel) or cls is BaseModel:
            continue
        for field_name, field in cls.model_fields.items():
            for meta in field.metadata:
                limit = getattr(meta, "max_length", None)
                if isinstance(meta, annotated_types.MaxLen):
                    limit = meta.max_length
                if isinstance(limit, int):
                    found.append((name, field_name, limit))
            annotation = field.annotation
            for arg in getattr(annotation, "__args__", ()) or ():
                for meta in getattr(arg, "__metadata__", ()):
                    limit = getattr(meta, "max_length", None)
                    if isinstance(limit, int):
                        found.append((name, field_name, limit))
    return found


def test_the_check_sees_the_tables_and_the_limits() -> None:
    assert tables.User.__tablename__ in Base.metadata.tables
    assert _column_lengths()["display_name"] == 120
    assert any(field == "display_name" for _, field, _ in _string_limits())


#: Schemas stored in one known table: their fields are checked against that table's columns
#: (a column of the same name elsewhere, such as ``users.organisation``, is another thing).
SCHEMA_TABLES = {"ActivityIn": "activities", "ActivityPatch": "activities"}
#: Fields whose text is looked up, not stored: an occupation typed as a code or a catalogue
#: title; the catalogue code found is what the column holds.
LOOKED_UP = {("activities", "occupation_code")}


def _table_lengths(table: str) -> dict[str, int]:
    return {
        column.name: column.type.length
        for column in Base.metadata.tables[table].columns
        if isinstance(column.type, String) and column.type.length
    }


def test_no_schema_string_is_longer_than_its_column() -> None:
    anywhere = _column_lengths()
    too_long = []
    for schema, field, limit in _string_limits():
        table = SCHEMA_TABLES.get(schema)
        if (table, field) in LOOKED_UP:
            continue
        columns = _table_lengths(table) if table else anywhere
        if field in columns and limit > columns[field]:
            too_long.append(f"{schema}.{field}: accepts {limit}, column holds {columns[field]}")
    assert not too_long, "\n".join(too_long)


def test_a_looked_up_field_stores_what_fits_its_column() -> None:
    """An occupation is stored as its catalogue code: every code fits the column."""
    from recommender.catalogue import get_catalogue

    for table, field in LOOKED_UP:
        most = _table_lengths(table)[field]
        assert max(len(code) for code in get_catalogue().codes) <= most, (table, field)


def test_the_migrated_checks_accept_exactly_each_enum(migrated_url: str) -> None:
    """Each choice list is one enum (service.choices); the hand-written migrations must give the
    database the same CHECK lists, or a new choice would be refused only at run time."""
    import re as _re

    from sqlalchemy import create_engine, text

    from service.choices import (
        AccountRole,
        ActivityCategory,
        OutcomeEvent,
        Role,
        literal_values,
        values_of,
    )

    expected = {
        "ck_users_role": literal_values(AccountRole),
        "ck_auth_sessions_role": literal_values(Role),
        "ck_activities_category": values_of(ActivityCategory),
        "ck_outcomes_event": literal_values(OutcomeEvent),
        "ck_disclosures_role": literal_values(AccountRole),
    }
    engine = create_engine(migrated_url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            ddl = " ".join(
                r[0] for r in conn.execute(text("SELECT sql FROM sqlite_master")) if r[0]
            )
            found = {
                name: tuple(_re.findall(r"'([^']+)'", body))
                for name, body in _re.findall(
                    r"CONSTRAINT (ck_\w+) CHECK \(\w+ IN \(([^)]*)\)\)", ddl
                )
            }
        else:
            rows = conn.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE contype = 'c' AND connamespace = current_schema()::regnamespace"
                )
            )
            found = {name: tuple(_re.findall(r"'([^']+)'", body)) for name, body in rows}
    engine.dispose()
    for name, values in expected.items():
        assert found.get(name) == values, name
