"""Outcome export: one school year of coach-recorded outcomes as training's outcome records.

Each student appears under a pseudonym, an HMAC-SHA256 of their database id keyed with a random
secret kept in the database (``service_settings.export_pseudonym_key``, made on first export), so
a student keeps one pseudonym across exports and years, and neither the local id nor the first
name ever leaves the service. A student's profile is their latest assessment submitted before the
school year ended; rows of students with none are left out and counted. Stored outcomes whose
code the catalogue does not know (written before codes were checked on entry), and rows breaking
another of training's rules, are left out and named, so one bad legacy row cannot block the
year; the file is written atomically.

Used by ``pathways export outcomes``; request handlers use only ``known_outcome_codes`` (pandas
and training are imported only when exporting).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.catalogue import Catalogue, get_catalogue
from recommender.errors import InvalidRecordError
from service.csv_cells import safe_cell
from service.db import utc_now
from service.tables import Assessment, Outcome, School, ServiceSetting, Student

PSEUDONYM_KEY: Final = "export_pseudonym_key"
#: Hex characters of a pseudonym (128 bits).
PSEUDONYM_LENGTH: Final = 32


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: rows and students, and what it had to leave out."""

    school_year: str
    rows: int
    students: int
    skipped_rows: int
    skipped_students: int
    path: Path
    #: (code kind, code, rows) of stored outcomes whose code the catalogue does not know (rows
    #: written before codes were checked); left out of the file, named here.
    unknown_codes: tuple[tuple[str, str, int], ...] = ()
    #: Rows left out because they break another outcome-record rule ("kind code: column: why").
    invalid_rows: tuple[str, ...] = ()

    @property
    def unknown_code_rows(self) -> int:
        """Rows left out for an unknown code."""
        return sum(n for _, _, n in self.unknown_codes)


def get_pseudonym_key(db: Session) -> bytes:
    """The export key (32 random bytes), created and stored on first use."""
    row = db.get(ServiceSetting, PSEUDONYM_KEY)
    if row is None or not row.value:
        value = secrets.token_hex(32)
        if row is None:
            db.add(ServiceSetting(key=PSEUDONYM_KEY, value=value, updated_at=utc_now()))
        else:
            row.value = value
        db.flush()
        return bytes.fromhex(value)
    return bytes.fromhex(row.value)


def pseudonymise(student_id: int, key: bytes) -> str:
    """A stable pseudonym for a student: hex HMAC-SHA256 of the id, first 32 characters."""
    digest = hmac.new(key, f"pathways-student:{student_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_LENGTH]


def _year_end(school_year: str) -> datetime:
    """1 July of the school year's second calendar year, UTC (the year's profiles end there)."""
    return datetime(int(school_year[:4]) + 1, 7, 1, tzinfo=UTC)


def _profiles_before(db: Session, student_ids: set[int], end: datetime) -> dict[int, Assessment]:
    """Each student's latest assessment submitted before ``end`` with a scored profile."""
    rows = db.execute(
        select(Assessment)
        .where(
            Assessment.student_id.in_(student_ids),
            Assessment.status == "submitted",
            Assessment.profile.is_not(None),
            Assessment.submitted_at < end,
        )
        .order_by(Assessment.submitted_at, Assessment.id)
    ).scalars()
    latest: dict[int, Assessment] = {}
    for sitting in rows:
        latest[sitting.student_id] = sitting  # ordered oldest first: the last one wins
    return latest


def known_outcome_codes(catalogue: Catalogue) -> dict[str, frozenset[str]]:
    """The codes an outcome may carry, per code kind: O*NET-SOC occupations and pathways."""
    return {
        "occupation": frozenset(catalogue.codes),
        "pathway": frozenset(p.code for p in catalogue.pathways),
    }


def collect_outcome_rows(
    db: Session,
    school_year: str,
    catalogue: Catalogue | None = None,
    unknown: dict[tuple[str, str], int] | None = None,
) -> tuple[list[dict[str, Any]], int, int]:
    """Outcome-record rows of one school year ('YYYY-YYYY'), best grade per student and code.

    Returns (rows, skipped rows, skipped students); rows are sorted by pseudonym, kind and code.
    A stored outcome whose code the catalogue does not know for its kind is left out and
    counted in ``unknown`` by (kind, code), so one bad legacy row cannot block the year.
    """
    cat = catalogue or get_catalogue()
    known = known_outcome_codes(cat)
    outcomes = db.execute(select(Outcome).where(Outcome.school_year == school_year)).scalars()
    best: dict[tuple[int, str, str], int] = {}
    for outcome in outcomes:
        if outcome.code not in known.get(outcome.code_kind, frozenset()):
            if unknown is not None:
                pair = (outcome.code_kind, outcome.code)
                unknown[pair] = unknown.get(pair, 0) + 1
            continue
        key = (outcome.student_id, outcome.code_kind, outcome.code)
        best[key] = max(best.get(key, 0), outcome.grade)
    student_ids = {key[0] for key in best}
    if not student_ids:
        return [], 0, 0
    students = {
        s.id: s for s in db.execute(select(Student).where(Student.id.in_(student_ids))).scalars()
    }
    school_ids = {s.school_id for s in students.values()}
    schools = {
        s.id: s for s in db.execute(select(School).where(School.id.in_(school_ids))).scalars()
    }
    profiles = _profiles_before(db, student_ids, _year_end(school_year))
    known_regions = {r.code for r in cat.regions}
    secret = get_pseudonym_key(db)
    rows: list[dict[str, Any]] = []
    skipped = 0
    for (student_id, kind, code), grade in best.items():
        sitting = profiles.get(student_id)
        if sitting is None or sitting.profile is None:
            skipped += 1
            continue
        student = students[student_id]
        region = sitting.profile.get("region_code")
        if region not in known_regions:
            region = schools[student.school_id].region_code
        answers = {"instrument_version": sitting.instrument_version, **(sitting.answers or {})}
        rows.append(
            {
                "student_id": pseudonymise(student_id, secret),
                "school_year": school_year,
                "region_code": region,
                "code_kind": kind,
                "code": code,
                "grade": int(grade),
                "answers_json": json.dumps(answers, sort_keys=True),
                "profile_json": json.dumps(sitting.profile, sort_keys=True),
                "gender": student.gender or "",
                "race_ethnicity": student.race_ethnicity or "",
            }
        )
    rows.sort(key=lambda r: (r["student_id"], r["code_kind"], r["code"]))
    skipped_students = len(student_ids - set(profiles))
    return rows, skipped, skipped_students


def export_outcomes(db: Session, school_year: str, out: Path) -> ExportSummary:
    """Validate and atomically write one school year's outcome records to ``out`` (.csv/.parquet).

    Stored outcomes with a code the catalogue does not know, and rows breaking another
    outcome-record rule, are left out and named in the summary; the other rows are written.
    InvalidRecordError for a bad school year; InvalidOutcomeRecordsError (nothing written) for
    a problem of the whole table; OutcomeRecordsError for an unwritable target.
    """
    import pandas as pd

    from training.records import (
        ALL_COLUMNS,
        normalise_school_year,
        validate_outcome_records,
        write_outcome_records,
    )

    year = normalise_school_year(school_year.strip())
    if year is None:
        raise InvalidRecordError(
            "--year", f"{school_year!r} is not a school year like 2025-26 or 2025-2026"
        )
    catalogue = get_catalogue()
    unknown: dict[tuple[str, str], int] = {}
    rows, skipped_rows, skipped_students = collect_outcome_rows(db, year, catalogue, unknown)
    frame = pd.DataFrame(rows, columns=list(ALL_COLUMNS))
    frame["grade"] = frame["grade"].astype("int64")
    known_codes = set(catalogue.codes) | {p.code for p in catalogue.pathways}
    regions = {r.code for r in catalogue.regions}
    report = validate_outcome_records(frame, known_codes, known_regions=regions)
    if any(p.row is None for p in report.problems):
        report.raise_if_invalid()  # a table-wide problem: nothing is written
    invalid: list[str] = []
    bad_rows = sorted({p.row for p in report.problems if p.row is not None})
    if bad_rows:  # rows stored before today's checks: left out and named, the rest goes out
        for problem in report.problems:
            row = frame.iloc[int(problem.row or 1) - 1]
            invalid.append(f"{row['code_kind']} {row['code']}: {problem.column}: {problem.reason}")
        frame = frame.drop(index=[r - 1 for r in bad_rows]).reset_index(drop=True)
        validate_outcome_records(frame, known_codes, known_regions=regions).raise_if_invalid()
    if out.suffix.lower() == ".csv":  # people open it in a spreadsheet: no live formulas
        for column in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[column]):
                frame[column] = frame[column].map(safe_cell)
    write_outcome_records(frame, out)
    return ExportSummary(
        school_year=year,
        rows=len(frame),
        students=int(frame["student_id"].nunique()),
        skipped_rows=skipped_rows,
        skipped_students=skipped_students,
        path=out,
        unknown_codes=tuple((kind, code, n) for (kind, code), n in sorted(unknown.items())),
        invalid_rows=tuple(invalid),
    )
