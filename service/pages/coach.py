"""Coach pages: caseload, access codes, one student with what-if, sessions, plan, print view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.assessment import StudentProfile
from recommender.catalogue import get_catalogue
from recommender.dimensions import APTITUDES, PLANS, RIASEC, RIASEC_EVERYDAY_NAMES
from recommender.engine import STATEWIDE_REGION
from recommender.errors import InvalidRecordError
from recommender.instrument import load_instrument
from service import activities as activity_ops
from service import planning, rostering
from service.assessing import check_records, enter_records
from service.auth import Principal, shown_access_code
from service.choices import ActivityCategory
from service.deps import (
    ID_MAX,
    NowDep,
    SessionDep,
    SettingsDep,
    read_token,
    scope_school_ids,
)
from service.families import set_family_language
from service.i18n import N_, Message, available_languages, translate
from service.pages import activities as activity_pages
from service.pages._core import (
    CoachPage,
    PageDenied,
    caseload_student,
    language_links,
    nul_message,
    render,
    without_nul,
)
from service.pages._recs import (
    describe_pathways,
    latest_assessment,
    latest_profile,
    list_regions,
    page_recommendation,
)
from service.pages._text import (
    APTITUDE_NAMES,
    LANG_COOKIE,
    pick_language,
)
from service.pages.charts import draw_aptitude_bars, draw_interest_hexagon
from service.pages.roster import issue_page_codes, sign_in_address
from service.recommending import latest_submitted_assessment, store_what_if
from service.schemas import nul_fields, today
from service.tables import Assessment, Plan, Recommendation, School
from service.tables import Student as StudentRow

router = APIRouter(prefix="/coach", include_in_schema=False)

MAX_NOTES = 4000
MAX_STEPS = 20


def get_page_student(
    request: Request,
    student_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    principal: CoachPage,
    db: SessionDep,
    now: NowDep,
) -> StudentRow:
    """A student on the coach's caseload (entered in the disclosure log); any other student is
    'not found', as in the API."""
    return caseload_student(request, db, principal, student_id, now)


PageStudent = Annotated[StudentRow, Depends(get_page_student)]


def _plan_labels(language: str = "en") -> dict[str, str]:
    labels = dict(load_instrument(language=language).plans)
    return {p: labels.get(p, p) for p in PLANS}


@router.get("", response_class=HTMLResponse)
def caseload(
    request: Request,
    principal: CoachPage,
    db: SessionDep,
    q: Annotated[str, Query(max_length=60)] = "",
    grade: Annotated[str, Query(max_length=2)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    school: Annotated[str, Query(max_length=12)] = "",
    class_: Annotated[str, Query(alias="class", max_length=12)] = "",
) -> Response:
    """Students of the coach's schools, by school, with the status of their latest assessment;
    searched by first name or local id and filtered by grade, status, school and class (a
    filter value that is not one of the choices offered is ignored)."""
    ids = scope_school_ids(principal)

    def number(text: str) -> int | None:
        return int(text) if text.isdigit() and 0 < int(text) <= ID_MAX else None

    filters = rostering.CaseloadFilters(
        text=without_nul(q).strip(),
        grade=number(grade) if number(grade) in (9, 10, 11, 12) else None,
        status=status if status in rostering.STATUS_LABELS else None,
        school_id=number(school),
        class_id=number(class_),
    )
    context = {
        "title": N_("Caseload"),
        "groups": rostering.list_caseload(db, ids, filters),
        "schools": rostering.visible_schools(db, ids),
        "classes": rostering.visible_classes(db, ids),
        "filters": filters,
        "status_labels": rostering.STATUS_LABELS,
    }
    return render(request, "coach_caseload.html", context)


@router.post("/students/{student_id}/access-code")
def new_access_code(
    request: Request,
    student: PageStudent,
    principal: CoachPage,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    """Issue a one-time code (revoking the student's unused ones) and redirect to the page that
    shows it, so reloading that page never issues another (POST-redirect-GET).

    The URL carries only the code's id; the code itself is derived from this coach's session
    token, so only this session can show it and it never sits in the URL or the history.
    """
    [code_id] = issue_page_codes(request, db, principal, settings, now, [student.id])
    db.commit()
    return RedirectResponse(f"/coach/students/{student.id}/access-code/{code_id}", status_code=303)


@router.get("/students/{student_id}/access-code/{code_id}", response_class=HTMLResponse)
def show_access_code(
    request: Request,
    student: PageStudent,
    principal: CoachPage,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    code_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """The code issued by this session, large enough to read out or copy onto a slip, while it
    can be used; afterwards, or in any other session, only what became of it. Reads only."""
    _ = principal
    token = read_token(request)
    assert token is not None
    shown = shown_access_code(
        db, code_id=code_id, student_id=student.id, session_token=token, now=now
    )
    context = {
        "title": N_("Access code"),
        "student": student,
        "shown": shown,
        "address": sign_in_address(request, settings),
        "until": rostering.local_expiry(shown.expires_at) if shown.expires_at else None,
    }
    return render(request, "coach_code.html", context)


def _what_if(
    request: Request,
    db: Session,
    student: StudentRow,
    profile: StudentProfile | None,
    region: str | None,
    plan: str | None,
    *,
    by_user: int | None = None,
) -> dict[str, Any]:
    """The what-if controls and the ranked pathways: the stored default unless region/plan differ.

    An unknown region or plan in the query falls back to the student's own (as the form offers
    only known ones, that is a hand-edited address).
    """
    catalogue = get_catalogue()
    own_region = (profile.region_code if profile else None) or STATEWIDE_REGION
    own_plan = profile.plan if profile else "undecided"
    known = {r.code for r in catalogue.regions}
    context: dict[str, Any] = {
        "regions": list_regions(catalogue),
        "region": own_region,
        "region_name": own_region,
        "plan": own_plan,
        "plans": _plan_labels(_page_language(request)),
        "pathways": [],
        "model_version": None,
        "catalogue_version": catalogue.version,
        "recommendation": None,
    }
    if profile is None:
        return context
    result = page_recommendation(
        request,
        db,
        student,
        region=region if region in known and region != own_region else None,
        plan=plan if plan in PLANS and plan != own_plan else None,
        by_user=by_user,
    )
    context.update(
        {
            "region": result["region"],
            "region_name": result["region_name"],
            "plan": result["plan"],
            "pathways": describe_pathways(result, _page_language(request)),
            "model_version": result["model_version"],
            "catalogue_version": result["catalogue_version"],
            "recommendation": result,
        }
    )
    return context


def _charts(profile: StudentProfile | None, language: str = "en") -> dict[str, Any]:
    if profile is None:
        return {}
    names = {c: translate(language, RIASEC_EVERYDAY_NAMES[c]) for c in RIASEC}
    interests = [None if v != v else float(v) for v in profile.interests.tolist()]
    apt = [None if v != v else float(v) for v in profile.aptitudes.tolist()]
    se = [None if v != v else float(v) for v in profile.aptitudes_se.tolist()]
    return {
        "hexagon": draw_interest_hexagon(
            "interests",
            interests,
            [names[c] for c in RIASEC],
            title=translate(language, N_("Interest profile")),
            language=language,
        ),
        "aptitude_chart": draw_aptitude_bars(
            "aptitudes",
            apt,
            se,
            [translate(language, APTITUDE_NAMES[a]) for a in APTITUDES],
            title=translate(language, N_("Aptitudes")),
            language=language,
        ),
    }


def _page_language(request: Request) -> str:
    return pick_language(request.cookies.get(LANG_COOKIE))


def _records_form(assessment: Assessment | None, language: str = "en") -> list[dict[str, Any]]:
    """The school-record fields of the student's latest assessment's instrument (its labels in
    the page's language), with values."""
    if assessment is None:
        return []
    instrument = load_instrument(assessment.instrument_version, language)
    entered = (assessment.answers or {}).get("records") or {}
    return [
        {
            "id": r.id,
            "label": r.label,
            "minimum": r.minimum,
            "maximum": r.maximum,
            "integer": r.integer,
            "step": "1" if r.integer else "0.01",
            "value": "" if entered.get(r.id) is None else f"{entered[r.id]:g}",
        }
        for r in instrument.records
    ]


def _out_of_range(field: dict[str, Any]) -> Message:
    """What the records form says about a value outside a field's range."""
    low, high = f"{field['minimum']:g}", f"{field['maximum']:g}"
    if field["integer"]:
        message = N_("%(label)s: enter a whole number from %(low)s to %(high)s.")
    else:
        message = N_("%(label)s: enter a number from %(low)s to %(high)s.")
    return Message(message, label=field["label"], low=low, high=high)


def plan_extra_items(chosen: list[str]) -> list[dict[str, str]]:
    """Chosen plan codes as {code, title}, for the plan form to keep those the ranked list does
    not show (the template skips the ones it lists)."""
    catalogue = get_catalogue()
    titles = {p.code: p.title for p in catalogue.pathways}
    titles.update(zip(catalogue.codes, catalogue.titles, strict=True))
    return [{"code": c, "title": titles.get(c, c)} for c in chosen]


def _student_context(
    request: Request,
    db: Session,
    student: StudentRow,
    principal: Principal,
    region: str | None,
    plan: str | None,
) -> dict[str, Any]:
    profile = latest_profile(db, student.id)
    assessment = latest_assessment(db, student.id)
    school = rostering.school_of(db, student)
    sessions = activity_ops.list_activities(db, principal, student_id=student.id, limit=10)
    plan_row = planning.get_plan(db, student.id)
    context: dict[str, Any] = {
        "title": f"{student.first_name} ({student.local_id})",
        "student": student,
        "school": school,
        "assessment": assessment,
        "profile": profile,
        "sessions": sessions,
        "plan_row": plan_row,
        "plan_extra": plan_extra_items(plan_row.chosen_pathways if plan_row else []),
        "categories": activity_pages.session_choices(),
        "other_kinds": activity_pages.other_kinds(),
        "activity_labels": {c.value: c.label for c in ActivityCategory},
        "today": today().isoformat(),
        "records": _records_form(assessment, _page_language(request)),
        "record_errors": {},
    }
    context.update(_what_if(request, db, student, profile, region, plan, by_user=principal.user_id))
    context.update(_charts(profile, _page_language(request)))
    return context


@router.get("/students/{student_id}", response_class=HTMLResponse)
def student_page(
    request: Request,
    student: PageStudent,
    principal: CoachPage,
    db: SessionDep,
    region: Annotated[str | None, Query(max_length=16)] = None,
    plan: Annotated[str | None, Query(max_length=40)] = None,
    logged: Annotated[int, Query(ge=0, le=1)] = 0,
    saved: Annotated[int, Query(ge=0, le=1)] = 0,
    records: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    """Everything a coach needs across the desk from one student."""
    context = _student_context(request, db, student, principal, region, plan)
    context.update({"logged": logged, "saved": saved, "records_saved": records})
    return render(request, "coach_student.html", context)


@router.post("/students/{student_id}/records", response_class=HTMLResponse)
async def save_records(
    request: Request,
    student: PageStudent,
    principal: CoachPage,
    db: SessionDep,
    now: NowDep,
) -> Response:
    """Enter school records (ACT, WorkKeys, GPA) for the latest assessment; blank clears one.

    A submitted profile is scored again, so the aptitude chart and the pathways follow. Every
    field out of range is named beside its box (422) and nothing is saved.
    """
    assessment = latest_assessment(db, student.id)
    if assessment is None:
        raise PageDenied(409, N_("The student has not started an assessment yet."))
    form = await request.form()
    fields = _records_form(assessment, _page_language(request))
    values: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = str(form.get(field["id"], "")).strip()
        field["value"] = without_nul(raw)
        if nul_fields({field["id"]: raw}):
            errors[field["id"]] = nul_message(field["label"])
            continue
        if not raw:
            values[field["id"]] = None
            continue
        try:
            number = float(raw)
        except ValueError:
            errors[field["id"]] = Message(N_("%(label)s: enter a number."), label=field["label"])
            continue
        values[field["id"]] = int(number) if number.is_integer() else number
        try:  # one field at a time, so every bad field is named at once
            check_records(assessment, {field["id"]: values[field["id"]]})
        except InvalidRecordError:
            errors[field["id"]] = _out_of_range(field)
    if not errors:
        try:
            enter_records(assessment, values, get_catalogue().county_region, now)
        except InvalidRecordError as exc:
            key = exc.field.rsplit(".", 1)[-1]
            known = {f["id"]: f for f in fields}
            errors[key] = _out_of_range(known[key]) if key in known else Message(exc.reason)
    if errors:
        db.rollback()
        context = _student_context(request, db, student, principal, None, None)
        context.update({"records": fields, "record_errors": errors})
        return render(request, "coach_student.html", context, status_code=422)
    db.commit()
    return RedirectResponse(f"/coach/students/{student.id}?records=1#records", status_code=303)


@router.get("/students/{student_id}/pathways", response_class=HTMLResponse)
def student_pathways(
    request: Request,
    student: PageStudent,
    principal: CoachPage,
    db: SessionDep,
    region: Annotated[str | None, Query(max_length=16)] = None,
    plan: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Only the ranked-pathways block, re-ranked for a what-if region and plan (in place)."""
    profile = latest_profile(db, student.id)
    context: dict[str, Any] = {"student": student, "profile": profile}
    context.update(_what_if(request, db, student, profile, region, plan, by_user=principal.user_id))
    return render(request, "_pathways.html", context)


def _form_refused(
    request: Request,
    db: Session,
    student: StudentRow,
    principal: Principal,
    form: dict[str, Any],
    *,
    region: str | None = None,
    plan: str | None = None,
) -> Response:
    """The student page again (422) with a refused form's message and its typed text kept."""
    db.rollback()
    context = _student_context(request, db, student, principal, region, plan)
    context.update(form)
    return render(request, "coach_student.html", context, status_code=422)


@router.post("/students/{student_id}/sessions")
async def log_session(
    request: Request,
    student: PageStudent,
    principal: CoachPage,
    db: SessionDep,
    now: NowDep,
    category: Annotated[str, Form(max_length=40)],
    occurred_on: Annotated[str, Form(max_length=40)],
    minutes: Annotated[int, Form(ge=0, le=24 * 60)],
    notes: Annotated[str, Form(max_length=MAX_NOTES)] = "",
) -> Response:
    """Record a session with this student in the activity log (``service.activities`` checks
    it; the form's other fields, such as a parent conversation's language, come with it)."""
    _ = (category, occurred_on, minutes, notes)  # declared for validation; read with the rest
    form = await request.form()
    problems, typed = activity_pages.log_student_session(request, db, principal, now, student, form)
    if problems:
        return _form_refused(
            request,
            db,
            student,
            principal,
            {"session_problems": problems, "session_form": typed},
        )
    db.commit()
    return RedirectResponse(f"/coach/students/{student.id}?logged=1#sessions", status_code=303)


@router.post("/students/{student_id}/plan")
def save_plan(
    request: Request,
    student: PageStudent,
    principal: CoachPage,
    db: SessionDep,
    now: NowDep,
    chosen: Annotated[list[str] | None, Form(max_length=10)] = None,
    next_steps: Annotated[str, Form(max_length=MAX_NOTES)] = "",
    notes: Annotated[str, Form(max_length=MAX_NOTES)] = "",
    region: Annotated[str | None, Form(max_length=16)] = None,
    plan: Annotated[str | None, Form(max_length=40)] = None,
) -> Response:
    """Save the plan and the recommendation it was made from (model, catalogue versions)."""
    bad = nul_fields(
        {
            "chosen": chosen or [],
            "next_steps": next_steps,
            "notes": notes,
            "region": region,
            "plan": plan,
        }
    )
    if bad:
        labels = {
            "chosen": N_("Pathways to pursue"),
            "next_steps": N_("Next steps"),
            "notes": N_("Notes for the plan"),
            "region": N_("Region"),
            "plan": N_("Plan after high school"),
        }
        plan_form = {
            "chosen": [without_nul(c) for c in chosen or []],
            "next_steps": without_nul(next_steps),
            "notes": without_nul(notes),
        }
        return _form_refused(
            request,
            db,
            student,
            principal,
            {"plan_error": nul_message(labels[bad[0]]), "plan_form": plan_form},
            region=without_nul(region) if region else None,
            plan=without_nul(plan) if plan else None,
        )
    catalogue = get_catalogue()
    try:  # pathways and jobs alike: a plan holds what "Find a pathway or job" added too
        chosen_codes = planning.check_plan_codes(catalogue, chosen or [])
    except InvalidRecordError:
        raise PageDenied(422, N_("A chosen pathway or job is not in the catalogue.")) from None
    steps = [s.strip()[:300] for s in next_steps.splitlines() if s.strip()][:MAX_STEPS]
    planning.save_plan(
        db,
        student.id,
        chosen=chosen_codes,
        next_steps=steps,
        notes=notes.strip(),
        by_user=principal.user_id,
        now=now,
    )
    profile = latest_profile(db, student.id)
    if profile is not None:
        context = _what_if(request, db, student, profile, region, plan, by_user=principal.user_id)
        result = context["recommendation"]
        if result is not None and not result["stored"]:
            # the plan was made from a what-if: keep that ranking beside it
            store_what_if(db, student.id, result, by_user=principal.user_id, now=now)
    db.commit()
    query = f"?saved=1&region={region or ''}&plan={plan or ''}#plan"
    return RedirectResponse(f"/coach/students/{student.id}{query}", status_code=303)


@router.post("/students/{student_id}/family-language", response_class=HTMLResponse)
async def save_family_language(
    request: Request, student: PageStudent, principal: CoachPage, db: SessionDep
) -> Response:
    """Remember the language the student's family reads; the printed plan is then in it.

    A language without a catalogue is refused (422, said beside the form) and nothing changes.
    """
    form = await request.form()
    code = str(form.get("family_language", ""))[:16]
    try:
        set_family_language(db, student, code)
    except InvalidRecordError:
        return _form_refused(
            request,
            db,
            student,
            principal,
            {"family_language_error": N_("Choose one of the languages in the list.")},
        )
    db.commit()
    return RedirectResponse(f"/coach/students/{student.id}#plan", status_code=303)


def _print_language(request: Request, student: StudentRow, asked: str | None) -> str:
    """The print view's language: ``asked`` for this once, else the family's, else the page's."""
    for code in (asked, student.family_language):
        if code and code in available_languages():
            return code
    return pick_language(request.cookies.get(LANG_COOKIE))


@router.get("/students/{student_id}/plan/print", response_class=HTMLResponse)
def print_plan(
    request: Request,
    student: PageStudent,
    db: SessionDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """The plan on at most two printed pages, for the student and their parents, in the
    family's language (``lang`` prints it in another language this once)."""
    plan_row = db.execute(select(Plan).where(Plan.student_id == student.id)).scalar_one_or_none()
    if plan_row is None:
        raise PageDenied(404, N_("No plan has been saved for this student yet."))
    language = _print_language(request, student, lang)
    profile = latest_profile(db, student.id)
    context: dict[str, Any] = {
        "student": student,
        "school": db.get(School, student.school_id),
        "plan_row": plan_row,
        "profile": profile,
        "pathways": [],
        "region_name": "",
        "print_languages": [
            link
            for link in language_links(f"/coach/students/{student.id}/plan/print")
            if link["code"] != language
        ],
    }
    stored = db.execute(
        select(Recommendation)
        .where(Recommendation.student_id == student.id)
        .order_by(Recommendation.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    submitted = latest_submitted_assessment(db, student.id)
    current = stored is not None and submitted is not None and stored.assessment_id == submitted.id
    result = stored.result if stored is not None and current else None
    if result is None and profile is not None:
        result = page_recommendation(request, db, student)
    if result is not None:
        context["pathways"] = describe_pathways(result, language, family_of=student.first_name)
        context["region_name"] = result.get("region_name", result.get("region", ""))
    chosen = set(plan_row.chosen_pathways)
    shown = context["pathways"]
    context["chosen_pathways"] = [p for p in shown if p["code"] in chosen] or shown[:3]
    catalogue = get_catalogue()
    titles = {p.code: p.title for p in catalogue.pathways}
    titles.update(zip(catalogue.codes, catalogue.titles, strict=True))  # jobs added from search
    if language == "es":  # the family reads Spanish: the project's titles where written
        titles.update({p.code: p.title_es for p in catalogue.pathways if p.title_es})
        spanish = zip(catalogue.codes, catalogue.titles_es or catalogue.titles, strict=True)
        titles.update({c: t for c, t in spanish if t})
    context["chosen_titles"] = [titles.get(c, c) for c in plan_row.chosen_pathways]
    if profile is not None:
        names = {c: translate(language, RIASEC_EVERYDAY_NAMES[c]) for c in RIASEC}
        interests = [None if v != v else float(v) for v in profile.interests.tolist()]
        context["hexagon"] = draw_interest_hexagon(
            "interests",
            interests,
            [names[c] for c in RIASEC],
            title=translate(language, N_("Interest profile")),
        )
    return render(request, "plan_print.html", context, language=language)
