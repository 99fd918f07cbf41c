"""Outcome export: one school year of coach-recorded outcomes as training's outcome records.

Each student appears under a pseudonym, an HMAC-SHA256 of their database id keyed with a random
secret kept in the database (``service_settings.export_pseudonym_key``, made on first export), so
a student keeps one pseudonym across exports and years, and neither the local id nor the first
name ever leaves the service. A student's profile is their latest assessment submitted before the
school year ended; rows of students with none are left out and counted. The table is validated
with training's own rules before anything is written, and written atomically.

Used by ``pathways export outcomes``; not imported by request handlers.
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
from service.db import utc_now
from service.models import Assessment, Outcome, School, ServiceSetting, Student

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


def collect_outcome_rows(
    db: Session, school_year: str, catalogue: Catalogue | None = None
) -> tuple[list[dict[str, Any]], int, int]:
    """Outcome-record rows of one school year ('YYYY-YYYY'), best grade per student and code.

    Returns (rows, skipped rows, skipped students); rows are sorted by pseudonym, kind and code.
    """
    cat = catalogue or get_catalogue()
    outcomes = db.execute(select(Outcome).where(Outcome.school_year == school_year)).scalars()
    best: dict[tuple[int, str, str], int] = {}
    for outcome in outcomes:
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

    InvalidRecordError for a bad school year; InvalidOutcomeRecordsError (nothing written) when
    the rows break the outcome-record schema; OutcomeRecordsError for an unwritable target.
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
    rows, skipped_rows, skipped_students = collect_outcome_rows(db, year, catalogue)
    frame = pd.DataFrame(rows, columns=list(ALL_COLUMNS))
    frame["grade"] = frame["grade"].astype("int64")
    known_codes = set(catalogue.codes) | {p.code for p in catalogue.pathways}
    report = validate_outcome_records(
        frame, known_codes, known_regions={r.code for r in catalogue.regions}
    )
    report.raise_if_invalid()
    write_outcome_records(frame, out)
    return ExportSummary(
        school_year=year,
        rows=len(frame),
        students=int(frame["student_id"].nunique()),
        skipped_rows=skipped_rows,
        skipped_students=skipped_students,
        path=out,
    )
