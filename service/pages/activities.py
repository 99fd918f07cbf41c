"""Coach pages for the activity log: the list of this school year's entries, one form per
category (``service.activities`` says which fields each needs), edit and delete.

Every form works without JavaScript: the category picker is a small GET form that reloads the
page with the right fields. A refused form comes back (422) with what was typed and each wrong
field named beside its box; nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from recommender.catalogue import get_catalogue
from recommender.errors import PermissionDeniedError, RecordNotFoundError
from recommender.school_years import school_year_of
from recommender.school_years import today as local_today
from service import activities as ops
from service import rostering
from service.auth import Principal
from service.choices import ActivityCategory
from service.deps import ID_MAX, NowDep, SessionDep, visible_student
from service.i18n import N_
from service.pages._core import CoachPage, PageDenied, render, safe_next, without_nul
from service.schemas import nul_fields
from service.tables import Activity, Student

router = APIRouter(prefix="/coach/activities", include_in_schema=False)

#: The label of each form field (catalogue message ids).
FIELD_LABELS: Final[dict[str, str]] = {
    "category": N_("Activity type"),
    "school_id": N_("School"),
    "student_id": N_("Student"),
    "occurred_on": N_("Date"),
    "minutes": N_("Minutes"),
    "participants": N_("Attendees"),
    "attendee_ids": N_("Students present"),
    "topic": N_("Topic"),
    "employer": N_("Employer"),
    "occupation_code": N_("Occupation"),
    "organisation": N_("Speaker's organisation"),
    "language": N_("Language used"),
    "notes": N_("Notes"),
}
#: Labels that differ by category.
LABELS_OF_CATEGORY: Final[dict[ActivityCategory, dict[str, str]]] = {
    ActivityCategory.GUEST_SPEAKER: {"participants": N_("Audience size")},
    ActivityCategory.PLANNING_SESSION: {
        "topic": N_("What was planned"),
        "student_id": N_("Student (leave empty for a group)"),
        "participants": N_("Attendees, for a group"),
    },
}
TEXT_FIELDS: Final = ("topic", "employer", "occupation_code", "organisation", "language", "notes")
NUMBER_FIELDS: Final = ("minutes", "participants")
DEFAULT_LANGUAGE: Final = "English"


def labels_for(category: ActivityCategory) -> dict[str, str]:
    """Every field's label for ``category``'s form."""
    return {**FIELD_LABELS, **LABELS_OF_CATEGORY.get(category, {})}


def pick_category(text: str | None) -> ActivityCategory:
    """The category a picker sent; an unknown one is a 422 page naming the field."""
    if not text:
        return ActivityCategory.ONE_ON_ONE
    try:
        return ActivityCategory(text)
    except ValueError:
        raise PageDenied(422, "Activity type: choose one from the list.") from None


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if re.fullmatch(r"\d{1,9}", text) else None


def read_form(
    form: Mapping[str, Any], attendees: list[str], category: ActivityCategory
) -> tuple[ops.ActivityDraft, list[ops.FieldProblem], dict[str, Any]]:
    """A submitted activity form as a draft, the problems of reading it (a number that is not
    one, a day that is not a date, a NUL character), and the typed values to show again."""
    raw = {name: str(form.get(name, "")) for name in FIELD_LABELS if name != "attendee_ids"}
    labels = labels_for(category)
    problems: list[ops.FieldProblem] = []
    for name in nul_fields({**raw, "attendee_ids": attendees}):
        problems.append(
            ops.FieldProblem(
                name,
                N_(
                    "%(label)s: the text held a NUL character, which is not allowed, so nothing "
                    "was saved. It has been taken out below; check and save again."
                ),
                {"label": labels[name]},
            )
        )
    typed: dict[str, Any] = {name: without_nul(value) for name, value in raw.items()}
    typed["attendee_ids"] = [without_nul(a) for a in attendees]
    bad = {p.field for p in problems}
    numbers: dict[str, int | None] = {}
    for name in NUMBER_FIELDS:
        value = _int(typed[name]) if typed[name].strip() else None
        if typed[name].strip() and value is None and name not in bad:
            problems.append(
                ops.FieldProblem(
                    name, N_("%(label)s: enter a whole number."), {"label": labels[name]}
                )
            )
            bad.add(name)
        numbers[name] = value
    day: date | None = None
    text = typed["occurred_on"].strip()
    if "occurred_on" not in bad:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            problems.append(
                ops.FieldProblem(
                    "occurred_on",
                    N_("Date: type the day as YYYY-MM-DD, for example %(example)s."),
                    {"example": "2025-09-15"},
                )
            )
        else:
            try:
                day = date.fromisoformat(text)
            except ValueError:
                problems.append(
                    ops.FieldProblem(
                        "occurred_on",
                        N_("Date: %(day)s is not a day of the calendar."),
                        {"day": text},
                    )
                )
    ids = [_int(a) for a in typed["attendee_ids"]]
    if any(i is None for i in ids) and "attendee_ids" not in bad:
        problems.append(
            ops.FieldProblem("attendee_ids", N_("Students present: tick students from the list."))
        )
    draft = ops.ActivityDraft(
        category=category,
        school_id=_int(typed["school_id"]),
        occurred_on=day,
        minutes=numbers["minutes"] if typed["minutes"].strip() else None,
        student_id=_int(typed["student_id"]),
        participants=numbers["participants"],
        attendee_ids=tuple(i for i in ids if i is not None),
        **{name: typed[name] for name in TEXT_FIELDS},
    )
    return draft, problems, typed


def _typed_of(activity: Activity, attendees: list[int]) -> dict[str, Any]:
    """A stored entry as the form shows it."""
    return {
        "category": activity.category,
        "school_id": str(activity.school_id),
        "student_id": "" if activity.student_id is None else str(activity.student_id),
        "occurred_on": activity.occurred_on.isoformat(),
        "minutes": str(activity.minutes),
        "participants": str(activity.participants),
        "attendee_ids": [str(a) for a in attendees],
        "topic": activity.topic,
        "employer": activity.employer,
        "occupation_code": ops.occupation_title(activity.occupation_code),
        "organisation": activity.organisation,
        "language": activity.language,
        "notes": activity.notes,
    }


def _blank(category: ActivityCategory, today: date, student: Student | None) -> dict[str, Any]:
    return {
        "category": category.value,
        "school_id": "" if student is None else str(student.school_id),
        "student_id": "" if student is None else str(student.id),
        "occurred_on": today.isoformat(),
        "minutes": "30",
        "participants": "",
        "attendee_ids": [],
        "topic": "",
        "employer": "",
        "occupation_code": "",
        "organisation": "",
        "language": DEFAULT_LANGUAGE,
        "notes": "",
    }


def _occupation_titles() -> list[str]:
    return sorted(set(get_catalogue().titles), key=str.casefold)


def _form_page(
    request: Request,
    db: Session,
    principal: Principal,
    category: ActivityCategory,
    typed: dict[str, Any],
    *,
    back: str = "/coach/activities",
    problems: list[ops.FieldProblem] | None = None,
    editing: Activity | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The form of ``category``, sent to the entry's edit address when ``editing``, else to
    ``/coach/activities/new``."""
    action = f"/coach/activities/{editing.id}/edit" if editing else "/coach/activities/new"
    schools = ops.schools_of(db, principal)
    students = ops.caseload_students(db, principal)
    school_names = {s.id: s.name for s in schools}
    errors = {p.field: p for p in problems or []}
    context = {
        "title": N_("Edit an activity") if editing else N_("Log an activity"),
        "category": category,
        "categories": list(ActivityCategory),
        "uses": ops.CATEGORY_FIELDS[category],
        "labels": labels_for(category),
        "typed": typed,
        "errors": errors,
        "problems": problems or [],
        "schools": schools,
        "school_names": school_names,
        "students": students,
        "several_schools": len(schools) > 1,
        "occupations": _occupation_titles()
        if "occupation_code" in ops.CATEGORY_FIELDS[category]
        else [],
        "action": action,
        "back": back,
        "editing": editing,
    }
    return render(request, "coach_activity_form.html", context, status_code=status_code)


def _back(value: str | None) -> str:
    return safe_next(value, "/coach/activities")


def _with_school(draft: ops.ActivityDraft, db: Session, principal: Principal) -> ops.ActivityDraft:
    """The school of the named student, or the only school of the coach, when none was picked."""
    if draft.school_id is not None:
        return draft
    if draft.student_id is not None:
        student = visible_student(db, principal, draft.student_id)
        if student is not None:
            return replace(draft, school_id=student.school_id)
    schools = ops.schools_of(db, principal)
    if len(schools) == 1:
        return replace(draft, school_id=schools[0].id)
    return draft


def _page_errors(exc: Exception) -> PageDenied:
    if isinstance(exc, PermissionDeniedError):
        return PageDenied(403, "You can change only the activities you logged.")
    return PageDenied(404, "No activity with that number is in your log.")


def submit_activity(
    request: Request,
    db: Session,
    principal: Principal,
    now: Any,
    form: Mapping[str, Any],
    attendees: list[str],
    category: ActivityCategory,
    editing: Activity | None = None,
) -> tuple[Activity | None, list[ops.FieldProblem], dict[str, Any]]:
    """Read and save a submitted form (create, or replace ``editing``); on a problem nothing is
    written and the problems and typed values are returned."""
    draft, problems, typed = read_form(form, attendees, category)
    draft = _with_school(draft, db, principal)
    problems += ops.check_activity(draft, local_today(now), known=[p.field for p in problems])
    if draft.school_id is None and "student_id" not in {p.field for p in problems}:
        problems.append(ops.FieldProblem("school_id", N_("School: choose the school.")))
    if problems:
        return None, problems, typed
    try:
        if editing is None:
            saved = ops.create_activity(request, db, principal, draft, now)
        else:
            saved = ops.update_activity(request, db, principal, editing, draft, now)
    except ops.ActivityProblems as exc:
        db.rollback()
        return None, exc.problems, typed
    except RecordNotFoundError as exc:
        db.rollback()
        field = "student_id" if exc.kind == "student" else "school_id"
        message = (
            N_("Student: choose a student from your caseload.")
            if field == "student_id"
            else N_("School: choose one of your schools.")
        )
        return None, [ops.FieldProblem(field, message)], typed
    return saved, [], typed


# --- the log ---------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def activity_log(
    request: Request,
    principal: CoachPage,
    db: SessionDep,
    now: NowDep,
    category: Annotated[str | None, Query(max_length=40)] = None,
    saved: Annotated[int, Query(ge=0, le=1)] = 0,
    deleted: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    """The coach's own entries this school year, newest first, optionally of one category."""
    chosen = pick_category(category) if category else None
    year = school_year_of(local_today(now))
    entries = ops.list_activities(
        db, principal, coach_id=principal.user_id, school_year=year, category=chosen, limit=1000
    )
    counts = ops.count_activities(db, school_year=year, coach_id=principal.user_id)
    students = {s.id: s for s in ops.caseload_students(db, principal)}
    present = ops.attendees_of(db, (a.id for a in entries))
    context = {
        "title": N_("Activity log"),
        "entries": entries,
        "present": present,
        "students": students,
        "school_year": year,
        "categories": list(ActivityCategory),
        "kind_labels": {c.value: c.label for c in ActivityCategory},
        "chosen": chosen,
        "counts": counts,
        "occupation_title": ops.occupation_title,
        "saved": saved,
        "deleted": deleted,
    }
    return render(request, "coach_activities.html", context)


@router.get("/new", response_class=HTMLResponse)
def new_activity(
    request: Request,
    principal: CoachPage,
    db: SessionDep,
    now: NowDep,
    category: Annotated[str | None, Query(max_length=40)] = None,
    student_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    back: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    """The form of one category (the picker on it reloads this page with another)."""
    chosen = pick_category(category)
    student = None
    if student_id is not None:
        student = next(
            (s for s in ops.caseload_students(db, principal) if s.id == student_id), None
        )
    typed = _blank(chosen, local_today(now), student)
    return _form_page(request, db, principal, chosen, typed, back=_back(back))


@router.post("/new", response_class=HTMLResponse)
async def create_activity(
    request: Request, principal: CoachPage, db: SessionDep, now: NowDep
) -> Response:
    """Log the activity; back to the log (or the student page it came from)."""
    form = await request.form()
    category = pick_category(str(form.get("category", "")))
    attendees = [str(a) for a in form.getlist("attendee_ids")]
    back = _back(str(form.get("back", "")))
    saved, problems, typed = submit_activity(request, db, principal, now, form, attendees, category)
    if saved is None:
        db.rollback()
        return _form_page(
            request, db, principal, category, typed, back=back, problems=problems, status_code=422
        )
    db.commit()
    if re.fullmatch(r"/coach/students/\d+", back):  # back to the student page's sessions
        return RedirectResponse(f"{back}?logged=1#sessions", status_code=303)
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}saved=1", status_code=303)


ActivityIdPath = Annotated[int, Path(ge=1, le=ID_MAX)]


def _editable(db: Session, principal: Principal, activity_id: int) -> Activity:
    try:
        return ops.editable_activity(db, principal, activity_id)
    except (PermissionDeniedError, RecordNotFoundError) as exc:
        raise _page_errors(exc) from None


@router.get("/{activity_id}/edit", response_class=HTMLResponse)
def edit_activity(
    request: Request,
    activity_id: ActivityIdPath,
    principal: CoachPage,
    db: SessionDep,
    category: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """One of the coach's entries in its form (another category's form with ``category``)."""
    activity = _editable(db, principal, activity_id)
    typed = _typed_of(activity, ops.attendees_of(db, [activity.id]).get(activity.id, []))
    chosen = pick_category(category or activity.category)
    typed["category"] = chosen.value
    return _form_page(request, db, principal, chosen, typed, editing=activity)


@router.post("/{activity_id}/edit", response_class=HTMLResponse)
async def save_activity(
    request: Request,
    activity_id: ActivityIdPath,
    principal: CoachPage,
    db: SessionDep,
    now: NowDep,
) -> Response:
    """Save the corrected entry, checked as a new one."""
    activity = _editable(db, principal, activity_id)
    form = await request.form()
    category = pick_category(str(form.get("category", "")))
    attendees = [str(a) for a in form.getlist("attendee_ids")]
    saved, problems, typed = submit_activity(
        request, db, principal, now, form, attendees, category, editing=activity
    )
    if saved is None:
        db.rollback()
        activity = _editable(db, principal, activity_id)
        return _form_page(
            request,
            db,
            principal,
            category,
            typed,
            problems=problems,
            editing=activity,
            status_code=422,
        )
    db.commit()
    return RedirectResponse("/coach/activities?saved=1", status_code=303)


@router.post("/{activity_id}/delete", response_class=HTMLResponse)
async def delete_activity(
    request: Request, activity_id: ActivityIdPath, principal: CoachPage, db: SessionDep
) -> Response:
    """First the question (nothing changes), then, with ``confirm=yes``, the deletion."""
    activity = _editable(db, principal, activity_id)
    form = await request.form()
    if str(form.get("confirm", "")) != "yes":
        student = rostering.get_student(db, activity.student_id) if activity.student_id else None
        context = {
            "title": N_("Delete this activity?"),
            "activity": activity,
            "student": student,
            "label": ActivityCategory(activity.category).label,
        }
        return render(request, "coach_activity_delete.html", context)
    ops.delete_activity(db, activity)
    db.commit()
    return RedirectResponse("/coach/activities?deleted=1", status_code=303)


# --- the student page's session form ---------------------------------------------------------

#: The kinds the student page's short form offers; the others have their own form, linked there.
SESSION_CATEGORIES: Final = (ActivityCategory.ONE_ON_ONE, ActivityCategory.PARENT_CONVERSATION)


def log_student_session(
    request: Request,
    db: Session,
    principal: Principal,
    now: Any,
    student: Student,
    form: Mapping[str, Any],
) -> tuple[list[ops.FieldProblem], dict[str, Any]]:
    """Save the student page's session form for ``student`` (the problems, none when saved, and
    the typed values). The caller commits, or rolls back and shows the page again."""
    sent = str(form.get("category", ""))
    try:
        category = ActivityCategory(without_nul(sent))
    except ValueError:
        if sent == without_nul(sent):
            raise PageDenied(422, "Activity type: choose one from the list.") from None
        category = ActivityCategory.ONE_ON_ONE  # the NUL is named below
    values = {name: form.get(name, "") for name in FIELD_LABELS if name != "attendee_ids"}
    values.update(student_id=str(student.id), school_id=str(student.school_id))
    _, problems, typed = submit_activity(request, db, principal, now, values, [], category)
    return problems, typed


def session_choices() -> list[tuple[str, str]]:
    """(code, label) of the kinds the student page's session form offers."""
    return [(c.value, c.label) for c in SESSION_CATEGORIES]


def other_kinds() -> list[tuple[str, str]]:
    """(code, label) of the kinds logged on their own form, linked from the student page."""
    return [(c.value, c.label) for c in ActivityCategory if c not in SESSION_CATEGORIES]
