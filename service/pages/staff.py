"""Staff pages: model versions, metrics and card, promote and roll back, activity report, catalogue.

Promotion and rollback go through ``service.recommending.promote_model`` / ``rollback_model``,
the same guarded functions as the JSON API: the version is loaded before the pointer moves, a
failed guard is refused unless forced with a reason, and every switch is a ``model_events`` row.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.catalogue import get_catalogue
from recommender.errors import (
    PathwaysError,
    PromotionRefusedError,
    RecordConflictError,
    RecordNotFoundError,
)
from recommender.versions import check_promotion, read_model_metrics
from service.auth import Principal
from service.deps import NowDep, SessionDep
from service.models import ACTIVITY_CATEGORIES, Activity, ModelEvent, User
from service.pages._core import (
    ATTRIBUTION_FILE,
    CoachPage,
    PageDenied,
    StaffPage,
    nul_message,
    page_roles,
    render,
    without_nul,
)
from service.pages._markdown import render_markdown
from service.pages._text import ACTIVITY_LABELS
from service.pages.charts import draw_grouped_bars
from service.recommending import ModelHolder, promote_model, rollback_model
from service.routes.recommendations import ModelHolderDep
from service.routes.reports import build_activity_report
from service.schemas import check_school_year, nul_fields, school_year_of, today
from service.state import get_active_model_version

router = APIRouter(include_in_schema=False)

#: Model events listed on the staff page, newest first.
EVENTS_SHOWN: Final = 20


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _metric(metrics: dict[str, Any], *keys: str) -> float | None:
    node: Any = metrics
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, int | float) and math.isfinite(node) else None


def _summarise(folder: Path) -> dict[str, Any]:
    metrics = _read_json(folder / "metrics.json")
    manifest = _read_json(folder / "manifest.json")
    overall = ("evaluation", "model", "overall")
    subgroups = metrics.get("evaluation", {}).get("model", {}).get("subgroups", {})
    ndcg = _metric(metrics, *overall, "ndcg@10", "mean")
    worst: tuple[str, float] | None = None
    if isinstance(subgroups, dict) and ndcg is not None:
        for group, members in subgroups.items():
            for name, values in (members or {}).items():
                value = _metric(values, "ndcg@10", "mean") if isinstance(values, dict) else None
                if value is not None and (worst is None or ndcg - value > worst[1]):
                    worst = (f"{group}: {name}", ndcg - value)
    return {
        "version": folder.name,
        "ndcg10": ndcg,
        "ndcg5": _metric(metrics, *overall, "ndcg@5", "mean"),
        "mrr": _metric(metrics, *overall, "mrr", "mean"),
        "recall10": _metric(metrics, *overall, "recall@10", "mean"),
        "coverage10": _metric(metrics, "evaluation", "model", "coverage@10"),
        "parity": bool(metrics.get("parity", {}).get("passed", False)),
        "worst_gap": worst,
        "has_model": (folder / "model.onnx").is_file(),
        "catalogue_version": manifest.get("catalogue_version") or manifest.get("catalogue"),
    }


def _list_models(models_dir: Path) -> list[dict[str, Any]]:
    if not models_dir.is_dir():
        return []
    folders = sorted(p for p in models_dir.iterdir() if (p / "metrics.json").is_file())
    return [_summarise(p) for p in folders]


def _guard_failures(models_dir: Path, version: str, active: str | None) -> list[str]:
    """The promotion guard's failed checks for ``version`` against the active version."""
    if version == active:
        return []
    try:
        candidate = read_model_metrics(models_dir, version)
        current = read_model_metrics(models_dir, active) if active else None
        return check_promotion(candidate, current, active_version=active)
    except PathwaysError as exc:
        return [f"its metrics cannot be compared: {exc}"]


def _recent_events(db: Session) -> list[ModelEvent]:
    return list(
        db.execute(select(ModelEvent).order_by(ModelEvent.id.desc()).limit(EVENTS_SHOWN)).scalars()
    )


def _rollback_target(db: Session, active: str | None) -> str | None:
    """The version the active one replaced when it was last promoted (as rollback_model finds)."""
    if active is None:
        return None
    return db.execute(
        select(ModelEvent.replaced)
        .where(
            ModelEvent.action == "promote",
            ModelEvent.version == active,
            ModelEvent.replaced.is_not(None),
        )
        .order_by(ModelEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()


@router.get("/staff", response_class=HTMLResponse)
def models_page(
    request: Request,
    principal: StaffPage,
    db: SessionDep,
    holder: ModelHolderDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Model versions with their held-out metrics; the active one marked; the model events."""
    _ = principal
    active = get_active_model_version(db)
    status = holder.status()
    return render(
        request,
        "staff_models.html",
        {
            "title": "Model versions",
            "models": _list_models(holder.models_dir),
            "active": active,
            "serving": status.serving,
            "problem": status.problem,
            "events": _recent_events(db),
            "done": done,
            "can_roll_back": _rollback_target(db, active) is not None,
        },
    )


@router.get("/staff/models/{version}", response_class=HTMLResponse)
def model_card_page(
    request: Request, version: str, principal: StaffPage, db: SessionDep, holder: ModelHolderDep
) -> Response:
    """One version's model card and metrics."""
    _ = principal
    folder = _version_folder(holder.models_dir, version)
    card = folder / "card.md"
    html = render_markdown(card.read_text(encoding="utf-8")) if card.is_file() else None
    return render(
        request,
        "staff_card.html",
        {
            "title": f"Model {version}",
            "model": _summarise(folder),
            "card": html,
            "active": get_active_model_version(db),
        },
    )


def _version_folder(models_dir: Path, version: str) -> Path:
    names = {p.name for p in models_dir.iterdir()} if models_dir.is_dir() else set()
    if version not in names or not (models_dir / version / "metrics.json").is_file():
        raise PageDenied(404, f"There is no model version {version!r}.")
    return models_dir / version


def _confirm_context(
    db: Session, holder: ModelHolder, action: str, version: str, refused: tuple[str, ...] = ()
) -> dict[str, Any]:
    """What the confirmation page shows: both versions, the guard's failed checks, any refusal."""
    models_dir = holder.models_dir
    candidate = _summarise(_version_folder(models_dir, version))
    active = get_active_model_version(db)
    current = _summarise(models_dir / active) if active and (models_dir / active).is_dir() else None
    failed = _guard_failures(models_dir, version, active) if action == "promote" else []
    blocked = []
    if version == active:
        blocked.append(f"{version} is already the active version.")
    if not candidate["has_model"]:
        blocked.append("This version has no model.onnx file, so it cannot be served.")
    verb = "Roll back" if action == "rollback" else "Promote"
    return {
        "title": f"{verb} to {version}?" if action == "rollback" else f"Promote {version}?",
        "action": action,
        "candidate": candidate,
        "current": current,
        "active": active,
        "failed_checks": failed,
        "refused": list(refused),
        "blocked": blocked,
    }


@router.get("/staff/models/{version}/promote", response_class=HTMLResponse)
def confirm_promote(
    request: Request, version: str, principal: StaffPage, db: SessionDep, holder: ModelHolderDep
) -> Response:
    """Ask for confirmation, showing the candidate beside the active version and failed checks."""
    _ = principal
    return render(request, "staff_confirm.html", _confirm_context(db, holder, "promote", version))


@router.get("/staff/rollback", response_class=HTMLResponse)
def confirm_rollback(
    request: Request, principal: StaffPage, db: SessionDep, holder: ModelHolderDep
) -> Response:
    """Ask for confirmation before switching back to the version the active one replaced."""
    _ = principal
    target = _rollback_target(db, get_active_model_version(db))
    if target is None:
        raise PageDenied(409, "There is no earlier version to roll back to.")
    return render(request, "staff_confirm.html", _confirm_context(db, holder, "rollback", target))


@router.post("/staff/models/switch")
def switch_model(
    request: Request,
    principal: StaffPage,
    db: SessionDep,
    holder: ModelHolderDep,
    now: NowDep,
    action: Annotated[str, Form(max_length=10)],
    version: Annotated[str, Form(max_length=64)],
    reason: Annotated[str, Form(max_length=1000)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
    force: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Promote (guarded; forcing needs a reason) or roll back, once confirmed; refusals listed."""
    form = {"action": action, "version": version, "reason": reason, "confirm": confirm}
    bad = nul_fields({**form, "force": force})
    if bad:
        labels = {"reason": "Reason", "confirm": "Confirmation", "force": "Promote anyway"}
        if bad[0] in ("action", "version"):  # no form to show again for that
            raise PageDenied(422, nul_message(bad[0], kept=False))
        message = nul_message(labels[bad[0]], kept=False)
        context = _confirm_context(db, holder, action, version, (message,))
        return render(request, "staff_confirm.html", context, status_code=422)
    if action not in ("promote", "rollback"):
        raise PageDenied(422, f"Unknown action {action!r}.")
    _version_folder(holder.models_dir, version)
    missing = []
    if len(reason.strip()) < 3:
        missing.append("give a reason of at least 3 characters (it is kept with the switch)")
    if confirm != "yes":
        missing.append("tick the confirmation box to switch the model")
    if missing:
        context = _confirm_context(db, holder, action, version, tuple(missing))
        return render(request, "staff_confirm.html", context, status_code=422)
    try:
        if action == "promote":
            promote_model(
                db,
                holder,
                version,
                force=force == "yes",
                reason=reason,
                by_user=principal.user_id,
                now=now,
            )
        else:
            rollback_model(
                db, holder, reason=reason, to=version, by_user=principal.user_id, now=now
            )
    except PromotionRefusedError as exc:
        db.rollback()
        context = _confirm_context(db, holder, action, version, exc.reasons)
        return render(request, "staff_confirm.html", context, status_code=409)
    db.commit()
    return RedirectResponse(f"/staff?done={action}", status_code=303)


def _school_years(db: Session) -> list[str]:
    """School years to choose from: those with activities inside the accepted window of school
    years (a stored row with a far-future or malformed year is left out), and the current one."""
    years = {school_year_of(today())}
    for year in db.execute(select(Activity.school_year).distinct()).scalars():
        try:
            years.add(check_school_year(str(year)))
        except ValueError:
            continue
    return sorted(years, reverse=True)


@router.get("/staff/report", response_class=HTMLResponse)
def activity_report_page(
    request: Request,
    principal: StaffPage,
    db: SessionDep,
    school_year: Annotated[str | None, Query(max_length=9)] = None,
) -> Response:
    """The coach activity log by region and school for a school year: table, chart, CSV link."""
    _ = principal
    years = _school_years(db)
    year = school_year or school_year_of(today())
    try:
        check_school_year(year)
    except ValueError as exc:
        raise PageDenied(422, f"school_year: {exc}") from None
    report = build_activity_report(db, year)
    catalogue = get_catalogue()
    names = {r.code: r.name for r in catalogue.regions}
    used = [c for c in ACTIVITY_CATEGORIES if report.activities[c] > 0] or list(
        ACTIVITY_CATEGORIES[:3]
    )
    groups, values = [], []
    for region in report.regions:
        for school in region.schools:
            groups.append(school.school_name)
            values.append([float(school.activities[c]) for c in used])
    chart = (
        draw_grouped_bars(
            "activity",
            groups,
            [ACTIVITY_LABELS[c] for c in used],
            values,
            title=f"Activities by school, {year}",
        )
        if groups
        else None
    )
    return render(
        request,
        "staff_report.html",
        {
            "title": f"Activity report {year}",
            "report": report,
            "year": year,
            "years": years,
            "region_names": names,
            "categories": ACTIVITY_CATEGORIES,
            "labels": ACTIVITY_LABELS,
            "chart": chart,
        },
    )


@router.get("/staff/catalogue", response_class=HTMLResponse)
def catalogue_page(request: Request, principal: StaffPage) -> Response:
    """The catalogue version, its size and regions, and the data sources with attribution."""
    _ = principal
    catalogue = get_catalogue()
    return render(
        request,
        "staff_catalogue.html",
        {
            "title": "Catalogue and data sources",
            "catalogue": catalogue,
            "attribution": render_markdown(ATTRIBUTION_FILE.read_text(encoding="utf-8")),
        },
    )


@router.get("/about/data", response_class=HTMLResponse)
def data_sources_page(request: Request) -> Response:
    """The data sources and their attribution, for anyone (linked from every footer)."""
    return render(
        request,
        "about_data.html",
        {
            "title": "Data sources",
            "version": get_catalogue().version,
            "attribution": render_markdown(ATTRIBUTION_FILE.read_text(encoding="utf-8")),
        },
    )


# --- privacy requests and the disclosure log (admins) ----------------------------------------

AdminPage = Annotated[Principal, Depends(page_roles("admin"))]
#: Disclosure-log entries per page of /staff/privacy.
DISCLOSURES_PER_PAGE: Final = 50


def _privacy_context(
    request: Request,
    db: Session,
    principal: Principal,
    now: datetime,
    student_id: int | None,
    page: int,
    done: str | None = None,
    problem: str | None = None,
) -> dict[str, Any]:
    """What /staff/privacy shows: the log (one page, maybe one student's), pending requests,
    and, for a chosen student, how many rows each table holds about them."""
    from service.deps import load_student_for
    from service.privacy import export_student, list_disclosures, list_requests

    found = list_disclosures(db, student_id=student_id, page=page, per_page=DISCLOSURES_PER_PAGE)
    user_ids = {e.user_id for e in found.entries} | {
        r.requested_by for r in list_requests(db, principal, "pending")
    }
    names = {
        u.id: u.username
        for u in db.execute(select(User).where(User.id.in_([i for i in user_ids if i]))).scalars()
    }
    student = None
    held: dict[str, int] = {}
    if student_id is not None:
        student = load_student_for(request, db, principal, student_id, now)
        if student is not None:
            tables = export_student(db, student)["tables"]
            held = {name: len(rows) for name, rows in tables.items() if rows}
    return {
        "title": "Privacy requests and disclosures",
        "log": found,
        "names": names,
        "pending": list_requests(db, principal, "pending"),
        "student_id": student_id,
        "student": student,
        "held": held,
        "done": done,
        "problem": problem,
    }


@router.get("/staff/privacy", response_class=HTMLResponse)
def privacy_page(
    request: Request,
    principal: AdminPage,
    db: SessionDep,
    now: NowDep,
    student_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The disclosure log (filter by student, paged), coach requests to decide, one student's
    export and deletion."""
    context = _privacy_context(request, db, principal, now, student_id, page, done)
    return render(request, "staff_privacy.html", context)


@router.post("/staff/privacy/students/{student_id}/delete")
def privacy_delete(
    request: Request,
    principal: AdminPage,
    db: SessionDep,
    now: NowDep,
    student_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    confirm_local_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Delete one student's records once the admin has typed the student's school id."""
    from service.deps import load_student_for
    from service.privacy import delete_student

    student = load_student_for(request, db, principal, student_id, now)
    if student is None:
        raise PageDenied(404, "There is no student with that number.")
    if nul_fields({"confirm_local_id": confirm_local_id}):
        problem = nul_message("School id to confirm", kept=False)
        context = _privacy_context(request, db, principal, now, student_id, 1, problem=problem)
        return render(request, "staff_privacy.html", context, status_code=422)
    if confirm_local_id.strip() != student.local_id:
        problem = "Nothing was deleted: type the student's school id exactly as shown to confirm."
        context = _privacy_context(request, db, principal, now, student_id, 1, problem=problem)
        return render(request, "staff_privacy.html", context, status_code=422)
    delete_student(db, student)
    db.commit()
    return RedirectResponse("/staff/privacy?done=deleted", status_code=303)


@router.post("/staff/privacy/requests/{request_id}")
def privacy_decide(
    request: Request,
    principal: AdminPage,
    db: SessionDep,
    now: NowDep,
    request_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    decision: Annotated[str, Form(max_length=10)],
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Approve or refuse a coach's request; approving a deletion needs the confirmation box."""
    from service.privacy import decide_request, get_request

    bad = nul_fields({"decision": decision, "confirm": confirm})
    if bad:  # both come from buttons and a box, never typed: no form to show again
        raise PageDenied(422, nul_message(bad[0], kept=False))
    try:
        found = get_request(db, principal, request_id)
    except RecordNotFoundError:
        raise PageDenied(404, "There is no privacy request with that number.") from None
    if decision not in ("approve", "refuse"):
        raise PageDenied(422, "Choose approve or refuse.")
    if decision == "approve" and found.kind == "delete" and confirm != "yes":
        problem = "Nothing was deleted: tick the box to confirm the deletion."
        context = _privacy_context(request, db, principal, now, None, 1, problem=problem)
        return render(request, "staff_privacy.html", context, status_code=422)
    try:
        decide_request(db, principal, found, decision == "approve", now)
    except RecordConflictError as exc:
        context = _privacy_context(request, db, principal, now, None, 1, problem=exc.reason)
        return render(request, "staff_privacy.html", context, status_code=409)
    db.commit()
    done = "refused" if decision == "refuse" else found.status
    return RedirectResponse(f"/staff/privacy?done={done}", status_code=303)


# --- a coach's privacy requests ----------------------------------------------------------------


def _coach_privacy_context(
    db: Session, principal: Principal, student: Any, **extra: Any
) -> dict[str, Any]:
    from service.privacy import list_requests

    context: dict[str, Any] = {
        "title": "Privacy requests",
        "student": student,
        "mine": [
            r for r in list_requests(db, principal, None) if r.requested_by == principal.user_id
        ],
        "kind": "export",
        "reason": "",
        "filed": None,
        "problem": None,
    }
    context.update(extra)
    return context


@router.get("/coach/privacy", response_class=HTMLResponse)
def coach_privacy_page(
    request: Request,
    principal: CoachPage,
    db: SessionDep,
    now: NowDep,
    student_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    filed: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """The coach's privacy requests, and the form to send one about a caseload student."""
    from service.deps import load_student_for

    student = None
    if student_id is not None:
        student = load_student_for(request, db, principal, student_id, now)
        if student is None:
            raise PageDenied(404, "No student with that number is on your caseload.")
    context = _coach_privacy_context(db, principal, student, filed=filed)
    return render(request, "coach_privacy.html", context)


@router.post("/coach/students/{student_id}/privacy")
def coach_privacy_request(
    request: Request,
    principal: CoachPage,
    db: SessionDep,
    now: NowDep,
    student_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    kind: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Send an admin a request to export or delete a caseload student's records."""
    from service.deps import load_student_for
    from service.privacy import file_request

    student = load_student_for(request, db, principal, student_id, now)
    if student is None:
        raise PageDenied(404, "No student with that number is on your caseload.")
    bad = nul_fields({"kind": kind, "reason": reason})
    problem, status = None, 422
    if bad:
        problem = nul_message("Reason" if bad[0] == "reason" else "What is asked for")
    elif kind not in ("export", "delete"):
        problem = "Choose an export or a deletion."
    elif len(reason.strip()) < 3:
        problem = "Say who asked and why, in at least 3 characters."
    if problem is None:
        try:
            filed = file_request(db, principal, student, kind, reason.strip(), now)
        except RecordConflictError as exc:
            problem, status = exc.reason, 409
        else:
            db.commit()
            return RedirectResponse(f"/coach/privacy?filed={filed.id}", status_code=303)
    context = _coach_privacy_context(
        db,
        principal,
        student,
        kind=kind if kind in ("export", "delete") else "export",
        reason=without_nul(reason),
        problem=problem,
    )
    return render(request, "coach_privacy.html", context, status_code=status)
