"""Privacy requests and the disclosure log (FERPA, the SDPC data privacy agreement).

* **Disclosure log.** ``record_disclosure`` writes one ``disclosures`` row each time an account
  (coach, staff, admin) loads a student's record through ``service.deps`` (the one place records
  are loaded for a principal): account id, role, student id, time, route template and method.
  Students reading their own record are not recorded (no disclosure to anyone else). The entry is
  written in the request's own transaction, so a request that fails and changes nothing leaves
  none. It never goes to the normal logs.
* **Export.** ``export_student`` gathers every row of every table that refers to the student:
  the ``students`` row, every table with a foreign key to ``students.id`` (found from the table
  models, so a new table is covered without a change here), and the disclosure log and privacy
  requests about them. Secrets of the service are left out (session and code digests, the
  aptitude seeds that would reveal answer keys); ``export_zip`` writes the same as one CSV per
  table.
* **Deletion.** ``delete_student`` deletes those rows, except: the disclosure log and privacy
  requests stay (they record that the disclosures and the deletion happened; they hold the
  student's number only, which no longer leads to anyone); the coach activity log keeps its
  entries with the student link removed and the notes emptied, so activity counts by category,
  school and year stay; and the number of distinct students each school's activities reached
  in each year is added to ``erased_reach``, which the activity report adds back, so its
  ``students_reached`` totals are unchanged too.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from recommender.errors import InvalidRecordError, RecordConflictError, RecordNotFoundError
from service.auth import Principal
from service.db import Base
from service.tables import (
    ACCOUNT_ROLES,
    PRIVACY_REQUEST_KINDS,
    Activity,
    Disclosure,
    ErasedReach,
    PrivacyRequest,
    Student,
)

#: Columns never exported: secrets of the service, not information about the student.
SECRET_COLUMNS: Final = {
    "auth_sessions": frozenset({"token_hash"}),
    "access_codes": frozenset({"code_hash"}),
    "assessments": frozenset({"aptitude_seeds"}),
}
#: Tables about a student (by a plain ``student_id`` number) kept at deletion: the record that
#: disclosures and the privacy request itself happened.
KEPT_TABLES: Final = ("disclosures", "privacy_requests")
#: Tables whose rows stay at deletion, with the student link removed and these columns emptied.
UNLINKED_TABLES: Final = {"activities": {"notes": "", "erased_student": True}}
READ_METHODS: Final = frozenset({"GET", "HEAD"})
MAX_PER_PAGE: Final = 200


# --- the disclosure log ------------------------------------------------------------------------


def record_disclosure(
    db: Session, principal: Principal, student_id: int, method: str, route: str, at: datetime
) -> None:
    """Add one disclosure-log entry for an account loading ``student_id``'s record (students
    reading their own record are not entries)."""
    if principal.role not in ACCOUNT_ROLES:
        return
    db.add(
        Disclosure(
            at=at,
            student_id=student_id,
            user_id=principal.user_id,
            role=principal.role,
            action="read" if method.upper() in READ_METHODS else "change",
            method=method.upper()[:8],
            route=route[:200],
        )
    )


@dataclass(frozen=True)
class DisclosurePage:
    """One page of the disclosure log, newest first."""

    entries: list[Disclosure]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_disclosures(
    db: Session, *, student_id: int | None = None, page: int = 1, per_page: int = 50
) -> DisclosurePage:
    """The disclosure log (optionally of one student), newest first, ``per_page`` at a time."""
    if page < 1:
        raise InvalidRecordError("query.page", "must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidRecordError("query.per_page", f"must be between 1 and {MAX_PER_PAGE}")
    where = [] if student_id is None else [Disclosure.student_id == student_id]
    total = db.execute(select(func.count()).select_from(Disclosure).where(*where)).scalar_one()
    entries = list(
        db.execute(
            select(Disclosure)
            .where(*where)
            .order_by(Disclosure.at.desc(), Disclosure.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).scalars()
    )
    return DisclosurePage(entries, int(total), page, per_page)


# --- export ------------------------------------------------------------------------------------


def student_tables() -> list[tuple[Table, str]]:
    """(table, column) of every table that refers to a student: each foreign key to
    ``students.id``, and the kept tables' plain ``student_id``; sorted by table name."""
    students = Base.metadata.tables["students"]
    found: dict[str, tuple[Table, str]] = {}
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is students and fk.column.name == "id":
                found[table.name] = (table, fk.parent.name)
    for name in KEPT_TABLES:
        found[name] = (Base.metadata.tables[name], "student_id")
    return [found[name] for name in sorted(found)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(db: Session, table: Table, where: Any) -> list[dict[str, Any]]:
    hidden = SECRET_COLUMNS.get(table.name, frozenset())
    columns = [c for c in table.columns if c.name not in hidden]
    primary = list(table.primary_key.columns)
    result = db.execute(select(*columns).where(where).order_by(*primary)).mappings()
    return [{k: _plain(v) for k, v in row.items()} for row in result]


def export_student(db: Session, student: Student) -> dict[str, Any]:
    """Everything stored about ``student``: ``tables`` maps each table name to its rows (every
    column but ``SECRET_COLUMNS``), ``students`` first; ``left_out`` names the omitted columns."""
    students = Base.metadata.tables["students"]
    tables: dict[str, list[dict[str, Any]]] = {
        "students": _rows(db, students, students.c.id == student.id)
    }
    for table, column in student_tables():
        tables[table.name] = _rows(db, table, table.c[column] == student.id)
    return {
        "student_id": student.id,
        "tables": tables,
        "left_out": {name: sorted(cols) for name, cols in sorted(SECRET_COLUMNS.items())},
    }


def export_zip(export: dict[str, Any]) -> bytes:
    """The export as a zip of one CSV per table (JSON values written as JSON text) plus
    ``export.json``, the whole export as it is."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", json.dumps(export, indent=2, ensure_ascii=False))
        for name, rows in export["tables"].items():
            table = Base.metadata.tables[name]
            hidden = SECRET_COLUMNS.get(name, frozenset())
            header = [c.name for c in table.columns if c.name not in hidden]
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(header)
            for row in rows:
                writer.writerow([_cell(row[c]) for c in header])
            archive.writestr(f"{name}.csv", text.getvalue())
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list | bool):
        return json.dumps(value, ensure_ascii=False)
    if not isinstance(value, str):
        return str(value)
    # a spreadsheet must not run typed text as a formula
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- deletion ----------------------------------------------------------------------------------


def delete_student(db: Session, student: Student) -> dict[str, int]:
    """Delete everything stored about ``student`` as the module docstring says; returns the
    number of rows deleted (or, for the activity log, unlinked) per table. One transaction:
    the caller's; nothing is half-deleted when it fails."""
    student_id = student.id
    reached = db.execute(
        select(Activity.school_id, Activity.school_year)
        .where(Activity.student_id == student_id)
        .distinct()
    ).all()
    for school_id, school_year in reached:
        row = db.get(ErasedReach, (school_id, school_year))
        if row is None:
            db.add(ErasedReach(school_id=school_id, school_year=school_year, students=1))
        else:
            row.students += 1
    db.flush()
    counts: dict[str, int] = {}
    for table, column in student_tables():
        if table.name in KEPT_TABLES:
            continue
        where = table.c[column] == student_id
        if table.name in UNLINKED_TABLES:
            values = {column: None, **UNLINKED_TABLES[table.name]}
            result = db.execute(update(table).where(where).values(**values))
        else:
            result = db.execute(delete(table).where(where))
        counts[table.name] = int(getattr(result, "rowcount", 0) or 0)
    db.expunge(student)
    students = Base.metadata.tables["students"]
    db.execute(delete(students).where(students.c.id == student_id))
    counts["students"] = 1
    return counts


# --- coach requests ----------------------------------------------------------------------------


def file_request(
    db: Session, principal: Principal, student: Student, kind: str, reason: str, now: datetime
) -> PrivacyRequest:
    """A coach's (or admin's) request to export or delete a caseload student's records."""
    if kind not in PRIVACY_REQUEST_KINDS:
        raise InvalidRecordError("body.kind", f"must be one of {', '.join(PRIVACY_REQUEST_KINDS)}")
    open_one = db.execute(
        select(PrivacyRequest.id).where(
            PrivacyRequest.student_id == student.id,
            PrivacyRequest.kind == kind,
            PrivacyRequest.status == "pending",
        )
    ).first()
    if open_one is not None:
        raise RecordConflictError(
            "privacy request",
            f"a {kind} request for this student is already waiting for an admin "
            f"(request {open_one[0]})",
        )
    request = PrivacyRequest(
        student_id=student.id,
        kind=kind,
        status="pending",
        reason=reason,
        requested_by=principal.user_id,
        requested_at=now,
    )
    db.add(request)
    db.flush()
    return request


def get_request(db: Session, principal: Principal, request_id: int) -> PrivacyRequest:
    """A privacy request the principal may see: an admin any, a coach their own; 404 otherwise."""
    request = db.get(PrivacyRequest, request_id)
    if request is None or (principal.role != "admin" and request.requested_by != principal.user_id):
        raise RecordNotFoundError("privacy request", request_id)
    return request


def list_requests(db: Session, principal: Principal, status: str | None) -> list[PrivacyRequest]:
    """Requests, newest first: all of them for an admin, a coach's own for a coach."""
    query = select(PrivacyRequest).order_by(PrivacyRequest.id.desc())
    if status is not None:
        query = query.where(PrivacyRequest.status == status)
    if principal.role != "admin":
        query = query.where(PrivacyRequest.requested_by == principal.user_id)
    return list(db.execute(query).scalars())


def decide_request(
    db: Session, principal: Principal, request: PrivacyRequest, approve: bool, now: datetime
) -> dict[str, int] | None:
    """An admin approves or refuses a pending request. Approving a deletion deletes the
    student's records at once (status ``done``; returns the counts); an approved export can
    then be downloaded by the coach who asked."""
    if request.status != "pending":
        raise RecordConflictError("privacy request", f"this request is already {request.status}")
    request.decided_by = principal.user_id
    request.decided_at = now
    if not approve:
        request.status = "refused"
        return None
    if request.kind == "export":
        request.status = "approved"
        return None
    student = db.get(Student, request.student_id)
    request.status = "done"
    db.flush()
    if student is None:  # deleted meanwhile by an admin directly
        return {}
    return delete_student(db, student)
