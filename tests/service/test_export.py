"""`pathways export outcomes`: a school year as outcome records, pseudonymous and atomic."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI

from recommender.catalogue import get_catalogue
from service.cli import main
from service.db import session_scope
from service.settings import Settings
from service.tables import Assessment, Outcome
from tests.service.conftest import World
from tests.service.test_recommendations import make_profile
from training.records import read_outcome_records, validate_outcome_records

IN_YEAR = datetime(2025, 10, 1, tzinfo=UTC)


def _submit(app: FastAPI, student_id: int, when: datetime, region: str | None = "2800005") -> None:
    profile = make_profile(region=region)
    with session_scope(app.state.sessionmaker) as db:
        db.add(
            Assessment(
                student_id=student_id,
                instrument_version=profile.instrument_version,
                status="submitted",
                answers={"plan": "community_college"},
                aptitude_seeds={},
                profile=profile.to_dict(),
                submitted_at=when,
            )
        )


def _outcome(
    app: FastAPI, student_id: int, code: str, grade: int, kind: str = "occupation"
) -> None:
    with session_scope(app.state.sessionmaker) as db:
        db.add(
            Outcome(
                student_id=student_id,
                code_kind=kind,
                code=code,
                grade=grade,
                event_type="job_shadow",
                school_year="2025-2026",
            )
        )


def _export(settings: Settings, out: Path, year: str = "2025-26") -> int:
    url = settings.resolved_database_url()
    return main(["export", "outcomes", "--year", year, "--out", str(out), "--database-url", url])


def test_a_year_is_exported_valid_pseudonymous_and_best_grade_per_code(
    app: FastAPI,
    world: World,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _submit(app, world.student_a, IN_YEAR)
    _outcome(app, world.student_a, "29-1141.00", 3)  # the world already holds grade 1 for it
    pathway = get_catalogue().pathways[0].code
    _outcome(app, world.student_a, pathway, 2, kind="pathway")
    out = tmp_path / "outcomes.csv"
    assert _export(settings, out) == 0
    assert "left out 1 row(s) of 1 student(s)" in capsys.readouterr().out
    frame = read_outcome_records(out)
    catalogue = get_catalogue()
    known = set(catalogue.codes) | {p.code for p in catalogue.pathways}
    assert validate_outcome_records(frame, known).ok
    assert len(frame) == 2  # student B has no submitted assessment
    assert set(frame["school_year"]) == {"2025-2026"}
    assert set(frame["region_code"]) == {"2800005"}
    grades = dict(zip(frame["code"], frame["grade"], strict=True))
    assert grades == {"29-1141.00": 3, pathway: 2}
    (pseudonym,) = set(frame["student_id"])
    assert re.fullmatch(r"[0-9a-f]{32}", pseudonym)
    text = out.read_text(encoding="utf-8")
    assert "Ada" not in text and ",A1," not in text
    assert pseudonym not in {str(world.student_a), "A1", "Ada"}


def test_the_pseudonym_is_stable_across_exports_and_differs_between_students(
    app: FastAPI, world: World, settings: Settings, tmp_path: Path
) -> None:
    _submit(app, world.student_a, IN_YEAR)
    _submit(app, world.student_b, IN_YEAR, region=None)
    first, second = tmp_path / "one.parquet", tmp_path / "two.csv"
    assert _export(settings, first) == 0
    assert _export(settings, second, year="2025-2026") == 0
    a, b = read_outcome_records(first), read_outcome_records(second)
    assert list(a["student_id"]) == list(b["student_id"])
    assert a["student_id"].nunique() == 2
    regions = set(a["region_code"])
    assert regions == {"2800005", "2800006"}  # student B falls back to their school's region


def test_a_profile_submitted_after_the_year_is_not_used(
    app: FastAPI, world: World, settings: Settings, tmp_path: Path
) -> None:
    _submit(app, world.student_a, datetime(2026, 9, 1, tzinfo=UTC))
    out = tmp_path / "late.csv"
    assert _export(settings, out) == 0
    assert len(read_outcome_records(out)) == 0


def test_a_stored_unknown_code_is_left_out_and_named_not_blocking_the_year(
    app: FastAPI,
    world: World,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 12, item 12: a legacy outcome with a code the catalogue does not know (stored
    before codes were checked on entry) used to make the whole export fail."""
    _submit(app, world.student_a, IN_YEAR)
    _outcome(app, world.student_a, "99-9999.00", 2)
    _outcome(app, world.student_a, "99-9999.00", 1)
    _outcome(app, world.student_a, "no-such-pathway", 1, kind="pathway")
    out = tmp_path / "outcomes.csv"
    out.write_text("previous export\n", encoding="utf-8")
    assert _export(settings, out) == 0
    captured = capsys.readouterr()
    assert "occupation 99-9999.00 (2 row(s))" in captured.err
    assert "pathway no-such-pathway (1 row(s))" in captured.err
    assert "left out 3 stored outcome(s)" in captured.err
    frame = read_outcome_records(out)
    assert list(frame["code"]) == ["29-1141.00"]  # the world's own outcome still goes out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outcomes.csv"]


@pytest.mark.parametrize(
    ("year", "out", "expected"),
    [("2025-27", "x.csv", "--year"), ("2025-26", "x.xlsx", "unsupported suffix")],
)
def test_a_bad_year_or_format_is_named_and_writes_nothing(
    world: World,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    year: str,
    out: str,
    expected: str,
) -> None:
    code = _export(settings, tmp_path / out, year=year)
    assert code in (1, 2)
    assert expected in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
