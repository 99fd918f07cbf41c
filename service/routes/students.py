"""Students on a coach's caseload, and the one-time access codes that let a student sign in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from recommender.errors import RecordNotFoundError
from service.auth import issue_access_code
from service.deps import CaseloadStudent, CoachUser, NowDep, SessionDep, SettingsDep, sees_school
from service.routes._common import SIGNED_IN, add_unique
from service.schemas import AccessCodeOut, DbId, StudentIn, StudentOut, StudentPatch
from service.tables import School, Student

router = APIRouter(prefix="/students", tags=["students"], responses=SIGNED_IN)


@router.get("", response_model=list[StudentOut])
def list_students(
    principal: CoachUser,
    db: SessionDep,
    school_id: Annotated[DbId | None, Query()] = None,
    grade: Annotated[int | None, Query(ge=9, le=12)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[Student]:
    """Students in the caller's scope, by school and local id; filter by school and grade."""
    query = select(Student).order_by(Student.school_id, Student.local_id)
    if principal.role == "coach":
        query = query.where(Student.school_id.in_(principal.school_ids))
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    if grade is not None:
        query = query.where(Student.grade == grade)
    return list(db.execute(query.limit(limit).offset(offset)).scalars())


@router.post("", response_model=StudentOut, status_code=201, responses={409: SIGNED_IN[422]})
def create_student(body: StudentIn, principal: CoachUser, db: SessionDep) -> Student:
    """Add a student to a school in the caller's scope (local id unique within the school)."""
    if db.get(School, body.school_id) is None or not sees_school(principal, body.school_id):
        raise RecordNotFoundError("school", body.school_id)
    student = Student(**body.model_dump())
    add_unique(db, student, "student", "that local id is taken in this school")
    return student


@router.get("/{student_id}", response_model=StudentOut)
def get_student(student: CaseloadStudent) -> Student:
    """One caseload student."""
    return student


@router.patch("/{student_id}", response_model=StudentOut)
def update_student(student: CaseloadStudent, body: StudentPatch, db: SessionDep) -> Student:
    """Correct a caseload student's first name, grade or audit-only fields."""
    for field, value in body.model_dump(exclude_unset=True).items():
        if field in ("first_name", "grade") and value is None:
            continue
        setattr(student, field, value)
    db.flush()
    return student


@router.post("/{student_id}/access-codes", response_model=AccessCodeOut, status_code=201)
def create_access_code(
    student: CaseloadStudent,
    principal: CoachUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> AccessCodeOut:
    """Issue a one-time code the student types to start or resume their assessment; the
    student's earlier unused codes stop working (one live code per student)."""
    code, expires = issue_access_code(
        db,
        student_id=student.id,
        issued_by=principal.user_id,
        now=now,
        minutes=settings.access_code_minutes,
    )
    return AccessCodeOut(code=code, expires_at=expires)
