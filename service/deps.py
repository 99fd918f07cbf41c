"""Every request dependency of the service, and the ONE place authorisation is decided.

Rules: an unknown or missing session is 401; a role that may never use a route is 403; a record
outside the caller's scope is 404, exactly as if it did not exist. A coach's scope is the
students of the schools assigned to them; a student's scope is their own record; staff see
aggregates only; an admin sees everything. Routes declare what they need with the Annotated
aliases below and never repeat an ownership check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated, Final, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from recommender.errors import NotAuthenticatedError, PermissionDeniedError, RecordNotFoundError
from service.auth import Principal, resolve_session
from service.csrf import SESSION_COOKIE as _CSRF_SESSION_COOKIE
from service.csrf import bearer_token_sent, check_cookie_call, read_cookies, subject_of
from service.db import end_session, utc_now
from service.privacy import record_disclosure
from service.settings import Settings
from service.tables import Activity, Assessment, Outcome, School, Student

SESSION_COOKIE: Final = _CSRF_SESSION_COOKIE  # "pathways_session"
ID_MAX: Final = 2**31 - 1


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A database session for one request: committed when the route returns, else rolled back.

    Opening a session does no I/O (the connection is taken on first use, in the route's worker
    thread), so only the end of the request, shielded from cancellation, runs in a thread.
    """
    session: Session = request.app.state.sessionmaker()
    failed = False
    try:
        yield session
    except BaseException:
        failed = True
        raise
    finally:
        with anyio.CancelScope(shield=True):
            # its own limiter: ending a session must never wait for a busy worker pool
            await anyio.to_thread.run_sync(
                end_session, session, failed, limiter=anyio.CapacityLimiter(1)
            )


async def get_now() -> datetime:
    """The request's clock (UTC); tests override it to move time."""
    return utc_now()


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with (``app.state.settings``)."""
    settings: Settings = request.app.state.settings
    return settings


# Committed before the response is sent, so a client never sees a success the database lacks.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
NowDep = Annotated[datetime, Depends(get_now)]


def read_token(request: Request) -> str | None:
    """The bearer token from ``Authorization: Bearer`` or else the session cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    cookie = request.cookies.get(SESSION_COOKIE)
    return cookie or None


def get_principal(request: Request, db: SessionDep, now: NowDep) -> Principal:
    """The signed-in principal; NotAuthenticatedError when there is no live session."""
    token = read_token(request)
    if token is None:
        raise NotAuthenticatedError("sign in first (session cookie or Authorization: Bearer)")
    principal = resolve_session(db, token, now)
    request.state.role = principal.role
    check_cross_site(request, principal)
    return principal


def check_cross_site(request: Request, principal: Principal) -> None:
    """A state-changing call the session cookie authenticates must prove it comes from one of
    this site's pages, made for this principal (``service.csrf.check_cookie_call``);
    bearer-token calls need not."""
    headers = dict(request.scope.get("headers") or [])
    if not bearer_token_sent(headers):
        subject = subject_of(principal.role, principal.user_id, principal.student_id)
        check_cookie_call(request.scope, headers, read_cookies(headers), subject)


CurrentUser = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str, action: str) -> Callable[..., Principal]:
    """A dependency that admits only ``roles`` (403 for any other signed-in role)."""

    def _check(principal: CurrentUser) -> Principal:
        if principal.role not in roles:
            raise PermissionDeniedError(principal.role, action)
        return principal

    return _check


CoachUser = Annotated[
    Principal, Depends(require_roles("coach", "admin", action="work with student records"))
]
StaffUser = Annotated[
    Principal, Depends(require_roles("staff", "admin", action="see district reports"))
]
AdminUser = Annotated[Principal, Depends(require_roles("admin", action="manage accounts"))]
AccountUser = Annotated[
    Principal, Depends(require_roles("coach", "staff", "admin", action="use this staff page"))
]
StudentUser = Annotated[
    Principal, Depends(require_roles("student", action="take an assessment for someone"))
]


def sees_school(principal: Principal, school_id: int) -> bool:
    """True when the principal's scope includes every student of ``school_id``."""
    if principal.role == "admin":
        return True
    return principal.role == "coach" and school_id in principal.school_ids


def scope_school_ids(principal: Principal) -> frozenset[int] | None:
    """The schools whose students the principal works with: None (every school) for an admin,
    else the assigned ones (none for staff and students)."""
    if principal.role == "admin":
        return None
    return frozenset(principal.school_ids) if principal.role == "coach" else frozenset()


def may_create_schools(principal: Principal) -> bool:
    """True for who may add a school a roster names but the database lacks (an admin)."""
    return principal.role == "admin"


def sees_student(principal: Principal, student: Student) -> bool:
    """True when the principal may see this student's records."""
    if principal.role == "student":
        return principal.student_id == student.id
    return sees_school(principal, student.school_id)


StudentIdPath = Annotated[int, Path(ge=1, le=ID_MAX, description="student id")]


def visible_student(db: Session, principal: Principal, student_id: int) -> Student | None:
    """The student if the principal may see them, else None; not entered in the disclosure
    log (only for choosing a default, such as an activity's school; ``load_student_for`` hands
    out a record)."""
    student = db.get(Student, student_id)
    if student is None or not sees_student(principal, student):
        return None
    return student


def disclose(
    request: Request, db: Session, principal: Principal, student_id: int, now: datetime
) -> None:
    """Enter in the disclosure log (``service.privacy``) that ``principal`` read or changed
    ``student_id``'s record through this request's route. Every dependency below that hands a
    student's record to a route calls it, and so do the coach pages' (``load_student_for``)."""
    route = getattr(request.scope.get("route"), "path", None)
    record_disclosure(
        db, principal, student_id, request.method, route if isinstance(route, str) else "", now
    )


def load_student_for(
    request: Request, db: Session, principal: Principal, student_id: int, now: datetime
) -> Student | None:
    """The student if the principal may see them (None otherwise), entered in the disclosure log."""
    student = visible_student(db, principal, student_id)
    if student is None:
        return None
    disclose(request, db, principal, student.id, now)
    return student


def load_student_or_404(
    request: Request, db: Session, principal: Principal, student_id: int, now: datetime
) -> Student:
    """``load_student_for``, with a 404 (``RecordNotFoundError``) instead of None."""
    student = load_student_for(request, db, principal, student_id, now)
    if student is None:
        raise RecordNotFoundError("student", student_id)
    return student


def get_caseload_student(
    request: Request, student_id: StudentIdPath, principal: CoachUser, db: SessionDep, now: NowDep
) -> Student:
    """A student on the coach's caseload (admin: any student); 404 otherwise."""
    return load_student_or_404(request, db, principal, student_id, now)


def get_own_or_caseload_student(
    request: Request,
    student_id: StudentIdPath,
    principal: CurrentUser,
    db: SessionDep,
    now: NowDep,
) -> Student:
    """The signed-in student themself, or a caseload student of a coach/admin; 404 otherwise."""
    if principal.role == "staff":
        raise PermissionDeniedError("staff", "open one student's records")
    return load_student_or_404(request, db, principal, student_id, now)


CaseloadStudent = Annotated[Student, Depends(get_caseload_student)]
OwnOrCaseloadStudent = Annotated[Student, Depends(get_own_or_caseload_student)]


def resolve_own_or_caseload_student(
    request: Request, db: Session, now: datetime, student_id: int
) -> tuple[Principal, Student]:
    """CurrentUser then OwnOrCaseloadStudent as one plain call (the same checks, same errors).

    For a hot route that does all its database work in one worker-thread hop instead of one hop
    per dependency; call it from inside that hop.
    """
    principal = get_principal(request, db, now)
    return principal, get_own_or_caseload_student(request, student_id, principal, db, now)


_Row = TypeVar("_Row")


def _visible_or_404(
    db: Session, table: type[_Row], kind: str, row_id: int, visible: Callable[[_Row], bool]
) -> _Row:
    """Row ``row_id`` of ``table`` when ``visible`` admits it; else RecordNotFoundError(``kind``),
    the same whether the row is missing or out of scope."""
    row = db.get(table, row_id)
    if row is None or not visible(row):
        raise RecordNotFoundError(kind, row_id)
    return row


def get_scoped_school(
    school_id: Annotated[int, Path(ge=1, le=ID_MAX)], principal: AccountUser, db: SessionDep
) -> School:
    """A school the principal may see: staff and admin all, a coach only assigned ones."""
    return _visible_or_404(
        db,
        School,
        "school",
        school_id,
        lambda s: principal.role != "coach" or s.id in principal.school_ids,
    )


ScopedSchool = Annotated[School, Depends(get_scoped_school)]


def get_scoped_activity(
    activity_id: Annotated[int, Path(ge=1, le=ID_MAX)], principal: CoachUser, db: SessionDep
) -> Activity:
    """An activity-log entry of a school in the coach's scope (admin: any); 404 otherwise."""
    return _visible_or_404(
        db, Activity, "activity", activity_id, lambda a: sees_school(principal, a.school_id)
    )


ScopedActivity = Annotated[Activity, Depends(get_scoped_activity)]


def get_scoped_outcome(
    outcome_id: Annotated[int, Path(ge=1, le=ID_MAX)], student: CaseloadStudent, db: SessionDep
) -> Outcome:
    """An outcome of a caseload student, addressed under that student; 404 otherwise."""
    return _visible_or_404(db, Outcome, "outcome", outcome_id, lambda o: o.student_id == student.id)


ScopedOutcome = Annotated[Outcome, Depends(get_scoped_outcome)]


def get_scoped_assessment(
    request: Request,
    assessment_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    principal: CurrentUser,
    db: SessionDep,
    now: NowDep,
) -> Assessment:
    """An assessment of the student themself or of a caseload student; 404 otherwise."""
    if principal.role == "staff":
        raise PermissionDeniedError("staff", "open one student's assessment")
    assessment = db.get(Assessment, assessment_id)
    if assessment is None:
        raise RecordNotFoundError("assessment", assessment_id)
    if load_student_for(request, db, principal, assessment.student_id, now) is None:
        raise RecordNotFoundError("assessment", assessment_id)
    return assessment


ScopedAssessment = Annotated[Assessment, Depends(get_scoped_assessment)]


def get_owned_assessment(principal: StudentUser, assessment: ScopedAssessment) -> Assessment:
    """An assessment only its own student may change (answers, submit)."""
    _ = principal
    return assessment


OwnedAssessment = Annotated[Assessment, Depends(get_owned_assessment)]


def get_caseload_assessment(principal: CoachUser, assessment: ScopedAssessment) -> Assessment:
    """An assessment of a caseload student, for what only coaches enter (school records)."""
    _ = principal
    return assessment


CaseloadAssessment = Annotated[Assessment, Depends(get_caseload_assessment)]
