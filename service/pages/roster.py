"""Coach pages for rosters: import (upload -> preview -> confirm), add and edit a student, and
access codes for a class on a printable sheet.

Every state change is a POST with the page's CSRF token, answered by a redirect to a page that
only reads (POST-redirect-GET). The work is done by ``service.rostering``; these handlers only
read the form and render.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from recommender.catalogue import get_catalogue
from recommender.errors import InvalidRecordError, RecordNotFoundError
from service import rostering
from service.auth import Principal, issue_session_access_code, shown_access_code
from service.csrf import own_origin
from service.deps import (
    ID_MAX,
    NowDep,
    SessionDep,
    SettingsDep,
    load_student_for,
    may_create_schools,
    read_token,
    scope_school_ids,
)
from service.i18n import N_
from service.pages._core import (
    CoachPage,
    PageDenied,
    caseload_student,
    nul_message,
    render,
    without_nul,
)
from service.schemas import nul_fields, school_year_of, today
from service.settings import Settings
from service.tables import PendingImport, Student

router = APIRouter(prefix="/coach", include_in_schema=False)

MAX_UPLOAD_NAME: Final = 200
IdPath = Annotated[int, Path(ge=1, le=ID_MAX)]


def _year_choices() -> list[str]:
    current = school_year_of(today())
    start = int(current[:4])
    return [f"{y}-{y + 1}" for y in (start - 1, start, start + 1)]


def _counties() -> list[tuple[str, str]]:
    catalogue = get_catalogue()
    names = getattr(catalogue, "county_names", None) or {}
    return sorted(
        ((fips, str(names.get(fips, fips))) for fips in catalogue.county_region),
        key=lambda pair: pair[1],
    )


def _import_context(principal: Principal, db: Any) -> dict[str, Any]:
    return {
        "title": N_("Import a roster"),
        "schools": rostering.visible_schools(db, scope_school_ids(principal)),
        "years": _year_choices(),
        "school_year": school_year_of(today()),
    }


@router.get("/roster", response_class=HTMLResponse)
def roster_page(
    request: Request,
    principal: CoachPage,
    db: SessionDep,
    added: Annotated[int | None, Query(ge=0, le=10**6)] = None,
    updated: Annotated[int | None, Query(ge=0, le=10**6)] = None,
    unchanged: Annotated[int | None, Query(ge=0, le=10**6)] = None,
    left: Annotated[int | None, Query(ge=0, le=10**6)] = None,
) -> Response:
    """The upload form; after an import, what it did."""
    context = _import_context(principal, db)
    if added is not None:
        context["done"] = {
            "added": added,
            "updated": updated or 0,
            "unchanged": unchanged or 0,
            "left": left or 0,
        }
    return render(request, "coach_roster.html", context)


@router.post("/roster", response_class=HTMLResponse)
async def upload_roster(
    request: Request, principal: CoachPage, db: SessionDep, now: NowDep
) -> Response:
    """Read the upload (fields ``roster``, the file; ``school_year``; ``school_id``, optional);
    every problem of its rows is shown at once (422, nothing kept), else it is kept for the
    preview."""
    form = await request.form()
    upload = form.get("roster")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    name = ((upload.filename or "roster.csv") if isinstance(upload, UploadFile) else "roster.csv")[
        :MAX_UPLOAD_NAME
    ]
    school_year = str(form.get("school_year", ""))[:20]
    school_id = str(form.get("school_id", ""))[:12]
    await form.close()
    context = _import_context(principal, db)
    problems: list[rostering.RosterProblem] = []
    year = ""
    for label, value in ((N_("School year"), school_year), (N_("Import into"), school_id)):
        if nul_fields({"field": value}):
            problems.append(
                rostering.RosterProblem(label, None, None, nul_message(label, kept=False))
            )
    school_year, school_id = without_nul(school_year), without_nul(school_id)
    try:
        year = rostering.check_roster_school_year(school_year, today())
    except InvalidRecordError as exc:
        problems.append(rostering.RosterProblem(N_("School year"), None, None, exc.reason))
    only: int | None = None
    if school_id.strip():
        ids = {s.id for s in context["schools"]}
        only = int(school_id) if school_id.isdigit() and int(school_id) in ids else None
        if only is None:
            problems.append(
                rostering.RosterProblem(N_("School"), None, None, N_("choose one of your schools"))
            )
    if not content:
        problems.append(
            rostering.RosterProblem(name, None, None, N_("choose a roster file; it was empty"))
        )
    if not problems:
        try:
            rostering.read_roster_upload(name, content)
        except rostering.RosterRefusedError as exc:
            problems.extend(exc.problems)
    if problems:
        context.update({"problems": problems, "file_name": name, "school_year": school_year})
        return render(request, "coach_roster.html", context, status_code=422)
    assert principal.user_id is not None
    upload_id = rostering.keep_upload(
        db,
        user_id=principal.user_id,
        file_name=name,
        content=content,
        school_year=year,
        school_id=only,
        now=now,
    )
    db.commit()
    return RedirectResponse(f"/coach/roster/imports/{upload_id}", status_code=303)


def _pending(db: Any, upload_id: int, principal: Principal, now: Any) -> PendingImport:
    assert principal.user_id is not None
    try:
        return rostering.pending_upload(db, upload_id, principal.user_id, now)
    except RecordNotFoundError:
        raise PageDenied(
            404, N_("This upload is gone: it was imported, or it waited more than an hour.")
        ) from None


def _preview(
    request: Request,
    db: Any,
    principal: Principal,
    pending: PendingImport,
    new_schools: dict[str, str],
    *,
    dry_run: bool,
) -> tuple[rostering.ImportReport | None, dict[str, Any]]:
    """The import's report (None when refused) and the preview page's context."""
    scope = rostering.ImportScope(
        scope_school_ids(principal),
        may_create_schools=may_create_schools(principal),
        only_school=pending.school_id,
    )
    context: dict[str, Any] = {
        "title": N_("Check the roster before importing"),
        "pending": pending,
        "counties": [],
        "unknown": [],
        "new_schools": new_schools,
    }
    roster = rostering.read_roster_upload(pending.file_name, pending.content)
    try:
        report = rostering.import_roster(
            db,
            roster,
            school_year=pending.school_year,
            scope=scope,
            dry_run=dry_run,
            county_region=get_catalogue().county_region,
            new_schools=new_schools,
        )
    except rostering.RosterRefusedError as exc:
        context["problems"] = exc.problems
        if may_create_schools(principal):
            context["unknown"] = rostering.unknown_schools(db, roster)
            context["counties"] = _counties()
        return None, context
    context["report"] = report
    context["totals"] = report.totals()
    return report, context


@router.get("/roster/imports/{upload_id}", response_class=HTMLResponse)
def preview_roster(
    request: Request, principal: CoachPage, db: SessionDep, now: NowDep, upload_id: IdPath
) -> Response:
    """What the import would add, update and leave unchanged per school, and who is missing
    from it; reads only."""
    pending = _pending(db, upload_id, principal, now)
    _report, context = _preview(request, db, principal, pending, {}, dry_run=True)
    db.rollback()
    return render(request, "coach_roster_preview.html", context)


@router.post("/roster/imports/{upload_id}", response_class=HTMLResponse)
async def confirm_roster(
    request: Request, principal: CoachPage, db: SessionDep, now: NowDep, upload_id: IdPath
) -> Response:
    """Import the previewed roster in one transaction; refused (422, nothing written) when a
    problem remains."""
    pending = _pending(db, upload_id, principal, now)
    form = await request.form()
    orgs = [str(v) for v in form.getlist("new_school_org")]
    counties = [str(v) for v in form.getlist("new_school_county")]
    new_schools = {o: c for o, c in zip(orgs, counties, strict=False) if c}
    report, context = _preview(request, db, principal, pending, new_schools, dry_run=False)
    if report is None:
        db.rollback()
        return render(request, "coach_roster_preview.html", context, status_code=422)
    rostering.forget_upload(db, pending)
    db.commit()
    totals = report.totals()
    query = "&".join(f"{k}={v}" for k, v in totals.items())
    return RedirectResponse(f"/coach/roster?{query}", status_code=303)


# --- add and edit a student -----------------------------------------------------------------


def _student_form_context(
    principal: Principal,
    db: Any,
    form: rostering.StudentForm,
    errors: dict[str, str],
    student: Student | None,
) -> dict[str, Any]:
    ids = scope_school_ids(principal)
    year = school_year_of(today())
    return {
        "title": N_("Edit student") if student else N_("Add a student"),
        "student": student,
        "form": form,
        "errors": errors,
        "schools": rostering.visible_schools(db, ids),
        "classes": [c for c, _ in rostering.visible_classes(db, ids, year)],
        "school_year": year,
        "current_classes": rostering.student_classes(db, student.id) if student else [],
    }


@router.get("/roster/students/new", response_class=HTMLResponse)
def new_student_page(
    request: Request,
    principal: CoachPage,
    db: SessionDep,
    school_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
) -> Response:
    """The add-student form."""
    form = rostering.StudentForm(school_id=str(school_id or ""))
    context = _student_form_context(principal, db, form, {}, None)
    return render(request, "coach_student_form.html", context)


_FIELD_LABELS: Final = {
    "first_name": N_("First name"),
    "local_id": N_("Local id"),
    "grade": N_("Grade"),
    "school_id": N_("School"),
    "class_title": N_("Class"),
    "period": N_("Period"),
}


def _typed(
    first_name: Annotated[str, Form(max_length=200)] = "",
    local_id: Annotated[str, Form(max_length=200)] = "",
    grade: Annotated[str, Form(max_length=4)] = "",
    school_id: Annotated[str, Form(max_length=12)] = "",
    class_title: Annotated[str, Form(max_length=200)] = "",
    period: Annotated[str, Form(max_length=60)] = "",
) -> tuple[rostering.StudentForm, dict[str, str]]:
    """The add/edit-student form as typed (NUL characters taken out) and a message per field
    that held one: the form fields of both routes, read as one dependency."""
    typed = {
        "first_name": first_name,
        "local_id": local_id,
        "grade": grade,
        "school_id": school_id,
        "class_title": class_title,
        "period": period,
    }
    errors: dict[str, str] = {k: nul_message(_FIELD_LABELS[k]) for k in nul_fields(typed)}
    clean = {k: without_nul(v) for k, v in typed.items()}
    form = rostering.StudentForm(
        first_name=clean["first_name"],
        local_id=clean["local_id"],
        grade=clean["grade"],
        school_id=clean["school_id"],
        class_title=clean["class_title"],
        period=clean["period"],
    )
    return form, errors


TypedStudentForm = Annotated[tuple[rostering.StudentForm, dict[str, str]], Depends(_typed)]


@router.post("/roster/students", response_class=HTMLResponse)
def add_student(
    request: Request,
    principal: CoachPage,
    db: SessionDep,
    typed: TypedStudentForm,
) -> Response:
    """Add a student to one of the coach's schools; every bad field is named (422)."""
    form, errors = typed
    student = None
    if not errors:
        student, errors = rostering.save_student(
            db, form, school_ids=scope_school_ids(principal), school_year=school_year_of(today())
        )
    if student is None:
        db.rollback()
        context = _student_form_context(principal, db, form, errors, None)
        return render(request, "coach_student_form.html", context, status_code=422)
    db.commit()
    return RedirectResponse(f"/coach/students/{student.id}", status_code=303)


@router.get("/roster/students/{student_id}/edit", response_class=HTMLResponse)
def edit_student_page(
    request: Request, principal: CoachPage, db: SessionDep, now: NowDep, student_id: IdPath
) -> Response:
    """The edit-student form, filled in."""
    student = caseload_student(request, db, principal, student_id, now)
    form = rostering.StudentForm(
        student.first_name, student.local_id, str(student.grade), str(student.school_id)
    )
    context = _student_form_context(principal, db, form, {}, student)
    return render(request, "coach_student_form.html", context)


@router.post("/roster/students/{student_id}/edit", response_class=HTMLResponse)
def edit_student(
    request: Request,
    principal: CoachPage,
    db: SessionDep,
    now: NowDep,
    student_id: IdPath,
    typed: TypedStudentForm,
    leave_class: Annotated[list[int], Form(max_length=200)] = [],  # noqa: B006 (FastAPI default)
) -> Response:
    """Correct a caseload student; every bad field is named (422) and nothing is saved.
    ``class_title`` adds a class; each ticked ``leave_class`` is one the student leaves."""
    student = caseload_student(request, db, principal, student_id, now)
    form, errors = typed
    own = {c.id for c in rostering.student_classes(db, student.id)}
    form = replace(form, leave_class_ids=tuple(sorted(own & set(leave_class))))
    saved = None
    if not errors:
        saved, errors = rostering.save_student(
            db,
            form,
            school_ids=scope_school_ids(principal),
            school_year=school_year_of(today()),
            student=student,
        )
    if saved is None:
        db.rollback()
        student = caseload_student(request, db, principal, student_id, now)
        context = _student_form_context(principal, db, form, errors, student)
        return render(request, "coach_student_form.html", context, status_code=422)
    db.commit()
    return RedirectResponse(f"/coach/students/{student_id}", status_code=303)


# --- access codes for a class ----------------------------------------------------------------


def sign_in_address(request: Request, settings: Any) -> str:
    """The full address students type: the first allowed origin (the public name) when set,
    else the address this page was reached at, and ``/start``."""
    origins = settings.allowed_origin_list()
    base = origins[0] if origins else own_origin(request.scope)
    return f"{base}/start"


def issue_page_codes(
    request: Request,
    db: Session,
    principal: Principal,
    settings: Settings,
    now: datetime,
    student_ids: list[int],
) -> list[int]:
    """A new access code for each student, issued by the coach on this page; each shows only in
    this browser session (``shown_access_code`` with its token). The codes' ids, in order."""
    token = read_token(request)
    assert token is not None  # a coach page resolved a session from it
    return [
        issue_session_access_code(
            db,
            student_id=student_id,
            issued_by=principal.user_id,
            now=now,
            minutes=settings.access_code_minutes,
            session_token=token,
        )
        for student_id in student_ids
    ]


@router.post("/codes")
async def issue_class_codes(
    request: Request,
    principal: CoachPage,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    """One new code for each ticked student (``student_id``, repeated) or every member of a
    class (``class_id``); their older codes stop working. Redirects to the sheet."""
    form = await request.form()
    raw = [str(v) for v in form.getlist("student_id")]
    class_id = str(form.get("class_id", "")).strip()
    ids: list[int] = []
    if class_id.isdigit() and int(class_id) <= ID_MAX:
        ids = rostering.class_student_ids(db, int(class_id))
    else:
        ids = [int(v) for v in raw if v.isdigit() and 0 < int(v) <= ID_MAX]
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise PageDenied(422, N_("Tick at least one student, or choose a class, then try again."))
    if len(ids) > rostering.MAX_CODES:
        raise PageDenied(422, N_("Issue codes for at most 400 students at once."))
    students = []
    for student_id in ids:
        students.append(caseload_student(request, db, principal, student_id, now))
    students.sort(key=lambda s: (s.first_name.lower(), s.local_id))
    code_ids = issue_page_codes(request, db, principal, settings, now, [s.id for s in students])
    db.commit()
    return RedirectResponse(
        f"/coach/codes/sheet?ids={','.join(str(i) for i in code_ids)}", status_code=303
    )


@router.get("/codes/sheet", response_class=HTMLResponse)
def codes_sheet(
    request: Request,
    principal: CoachPage,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    ids: Annotated[str, Query(max_length=5000, pattern=r"^\d{1,10}(,\d{1,10})*$")],
) -> Response:
    """One slip per student (first name, code, the full sign-in address, expiry in local time)
    for the codes this session issued; reads only."""
    token = read_token(request)
    assert token is not None
    slips: list[dict[str, Any]] = []
    for row in rostering.codes_of(db, [int(i) for i in ids.split(",")][: rostering.MAX_CODES]):
        student = load_student_for(request, db, principal, row.student_id, now)
        if student is None:
            continue
        shown = shown_access_code(
            db, code_id=row.id, student_id=student.id, session_token=token, now=now
        )
        until = rostering.local_expiry(shown.expires_at) if shown.expires_at else None
        slips.append({"student": student, "shown": shown, "until": until})
    context = {
        "title": N_("Access codes"),
        "slips": slips,
        "address": sign_in_address(request, settings),
        "live": sum(1 for s in slips if s["shown"].state == "live"),
    }
    return render(request, "coach_codes_sheet.html", context)
