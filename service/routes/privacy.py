"""Privacy requests over HTTP: one student's export and deletion, coach requests that an admin
decides, and the disclosure log (``service.privacy`` does the work).

Access: export, deletion, the disclosure log and deciding requests are for admins; a coach files
a request for a caseload student and, once an admin approves an export, downloads it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from recommender.errors import RecordConflictError
from service.deps import (
    ID_MAX,
    AdminUser,
    CoachUser,
    NowDep,
    SessionDep,
    StudentIdPath,
    load_student_or_404,
)
from service.privacy import (
    MAX_PER_PAGE,
    decide_request,
    delete_student,
    export_student,
    export_zip,
    file_request,
    get_request,
    list_disclosures,
    list_requests,
)
from service.routes._common import SIGNED_IN
from service.schemas import DbId, RequestModel
from service.tables import PrivacyRequest, Student

router = APIRouter(prefix="/privacy", tags=["privacy"], responses=SIGNED_IN)

RequestIdPath = Annotated[int, PathParam(ge=1, le=ID_MAX, description="privacy request id")]


class DisclosureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    student_id: int
    user_id: int | None
    role: str
    action: str
    method: str
    route: str


class DisclosurePageOut(BaseModel):
    entries: list[DisclosureOut]
    total: int
    page: int
    per_page: int
    pages: int


class PrivacyRequestIn(RequestModel):
    student_id: DbId
    kind: Literal["export", "delete"]
    reason: str = Field(min_length=3, max_length=1000)


class PrivacyRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    student_id: int
    kind: str
    status: str
    reason: str
    requested_by: int | None
    requested_at: datetime
    decided_by: int | None
    decided_at: datetime | None


class DeletionOut(BaseModel):
    student_id: int
    rows: dict[str, int] = Field(
        description="rows deleted per table (activities: entries kept with the student removed)"
    )


def get_admin_student(
    request: Request, student_id: StudentIdPath, principal: AdminUser, db: SessionDep, now: NowDep
) -> Student:
    """Any student, for an admin (entered in the disclosure log); 404 when there is none."""
    return load_student_or_404(request, db, principal, student_id, now)


AdminStudent = Annotated[Student, Depends(get_admin_student)]


@router.get("/students/{student_id}/export")
def export_json(student: AdminStudent, db: SessionDep) -> dict[str, Any]:
    """Everything stored about one student, table by table (service secrets left out)."""
    return export_student(db, student)


@router.get(
    "/students/{student_id}/export.zip",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "one CSV per table"}},
)
def export_csv_zip(student: AdminStudent, db: SessionDep) -> Response:
    """The same export as a zip: one CSV per table, and export.json."""
    return _zip(export_student(db, student), student.id)


def _zip(export: dict[str, Any], student_id: int) -> Response:
    return Response(
        export_zip(export),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="pathways-student-{student_id}.zip"'
        },
    )


@router.delete("/students/{student_id}", response_model=DeletionOut)
def delete(student: AdminStudent, db: SessionDep) -> DeletionOut:
    """Delete everything stored about one student; report totals and the disclosure log stay."""
    student_id = student.id
    return DeletionOut(student_id=student_id, rows=delete_student(db, student))


@router.get("/disclosures", response_model=DisclosurePageOut)
def disclosures(
    principal: AdminUser,
    db: SessionDep,
    student_id: Annotated[DbId | None, Query(description="only this student's entries")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> DisclosurePageOut:
    """Who read or changed which student's record, when and through which route; newest first."""
    _ = principal
    found = list_disclosures(db, student_id=student_id, page=page, per_page=per_page)
    return DisclosurePageOut(
        entries=[DisclosureOut.model_validate(e) for e in found.entries],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        pages=found.pages,
    )


@router.post("/requests", response_model=PrivacyRequestOut, status_code=201)
def create_request(
    request: Request, body: PrivacyRequestIn, principal: CoachUser, db: SessionDep, now: NowDep
) -> PrivacyRequest:
    """A coach asks an admin to export or delete a caseload student's records."""
    student = load_student_or_404(request, db, principal, body.student_id, now)
    return file_request(db, principal, student, body.kind, body.reason, now)


@router.get("/requests", response_model=list[PrivacyRequestOut])
def requests(
    principal: CoachUser,
    db: SessionDep,
    status: Annotated[Literal["pending", "approved", "refused", "done"] | None, Query()] = None,
) -> list[PrivacyRequest]:
    """Privacy requests, newest first: an admin sees all, a coach their own."""
    return list_requests(db, principal, status)


@router.post("/requests/{request_id}/approve", response_model=PrivacyRequestOut)
def approve(
    request_id: RequestIdPath,
    principal: AdminUser,
    db: SessionDep,
    now: NowDep,
) -> PrivacyRequest:
    """Approve a pending request: a deletion is carried out now, an export may be downloaded."""
    found = get_request(db, principal, request_id)
    decide_request(db, principal, found, True, now)
    return found


@router.post("/requests/{request_id}/refuse", response_model=PrivacyRequestOut)
def refuse(
    request_id: RequestIdPath,
    principal: AdminUser,
    db: SessionDep,
    now: NowDep,
) -> PrivacyRequest:
    """Refuse a pending request; nothing is exported or deleted."""
    found = get_request(db, principal, request_id)
    decide_request(db, principal, found, False, now)
    return found


@router.get(
    "/requests/{request_id}/export.zip",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "one CSV per table"}},
)
def approved_export(
    request: Request,
    request_id: RequestIdPath,
    principal: CoachUser,
    db: SessionDep,
    now: NowDep,
) -> Response:
    """The export an admin approved, for the coach who asked (while the student is in scope)."""
    found = get_request(db, principal, request_id)
    if found.kind != "export" or found.status != "approved":
        raise RecordConflictError(
            "privacy request", f"only an approved export can be downloaded (this is {found.status})"
        )
    student = load_student_or_404(request, db, principal, found.student_id, now)
    return _zip(export_student(db, student), student.id)
