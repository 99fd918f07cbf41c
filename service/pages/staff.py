"""Staff pages: model versions, metrics and card, promote and roll back, activity report, catalogue.

Promotion and rollback switch the database pointer every service process reads
(``service.state``); the page keeps a short log of those switches (who, when, why) beside it.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.catalogue import get_catalogue
from recommender.model import DEFAULT_MODELS_DIR, read_registry
from service.deps import NowDep, SessionDep
from service.models import ACTIVITY_CATEGORIES, Activity, ServiceSetting
from service.pages._core import ATTRIBUTION_FILE, PageDenied, StaffPage, render
from service.pages._markdown import render_markdown
from service.pages._text import ACTIVITY_LABELS
from service.pages.charts import draw_grouped_bars
from service.routes.reports import build_activity_report
from service.schemas import check_school_year, school_year_of
from service.state import get_active_model_version, set_active_model_version

router = APIRouter(include_in_schema=False)

MODEL_LOG_KEY: Final = "model_pointer_log"
MAX_LOG: Final = 50


def _models_dir(request: Request) -> Path:
    return Path(getattr(request.app.state, "models_dir", DEFAULT_MODELS_DIR))


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


def _active_version(db: Session, models_dir: Path) -> str | None:
    active = get_active_model_version(db)
    if active:
        return active
    try:
        return str(read_registry(models_dir)["active"])
    except Exception:  # no registry file: nothing is active yet
        return None


def _pointer_log(db: Session) -> list[dict[str, Any]]:
    row = db.get(ServiceSetting, MODEL_LOG_KEY)
    if row is None or not row.value:
        return []
    try:
        data = json.loads(row.value)
    except json.JSONDecodeError:
        return []
    return data if isinstance(data, list) else []


def _append_log(db: Session, event: dict[str, Any], now: datetime) -> None:
    log = [*_pointer_log(db), event][-MAX_LOG:]
    row = db.get(ServiceSetting, MODEL_LOG_KEY)
    if row is None:
        row = ServiceSetting(key=MODEL_LOG_KEY, value=None, updated_at=now)
        db.add(row)
    row.value = json.dumps(log)
    row.updated_at = now


@router.get("/staff", response_class=HTMLResponse)
def models_page(
    request: Request,
    principal: StaffPage,
    db: SessionDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Model versions with their held-out metrics; the active one marked."""
    _ = principal
    models_dir = _models_dir(request)
    active = _active_version(db, models_dir)
    log = list(reversed(_pointer_log(db)))
    return render(
        request,
        "staff_models.html",
        {
            "title": "Model versions",
            "models": _list_models(models_dir),
            "active": active,
            "log": log,
            "done": done,
            "can_roll_back": _rollback_target(db, active) is not None,
        },
    )


@router.get("/staff/models/{version}", response_class=HTMLResponse)
def model_card_page(
    request: Request, version: str, principal: StaffPage, db: SessionDep
) -> Response:
    """One version's model card and metrics."""
    _ = principal
    models_dir = _models_dir(request)
    folder = _version_folder(models_dir, version)
    card = folder / "card.md"
    html = render_markdown(card.read_text(encoding="utf-8")) if card.is_file() else None
    return render(
        request,
        "staff_card.html",
        {
            "title": f"Model {version}",
            "model": _summarise(folder),
            "card": html,
            "active": _active_version(db, models_dir),
        },
    )


def _version_folder(models_dir: Path, version: str) -> Path:
    names = {p.name for p in models_dir.iterdir()} if models_dir.is_dir() else set()
    if version not in names or not (models_dir / version / "metrics.json").is_file():
        raise PageDenied(404, f"There is no model version {version!r}.")
    return models_dir / version


def _rollback_target(db: Session, active: str | None) -> str | None:
    for event in reversed(_pointer_log(db)):
        if event.get("version") == active and event.get("replaced"):
            return str(event["replaced"])
    return None


@router.get("/staff/models/{version}/promote", response_class=HTMLResponse)
def confirm_promote(
    request: Request, version: str, principal: StaffPage, db: SessionDep
) -> Response:
    """Ask for confirmation, showing the candidate beside the active version."""
    _ = principal
    models_dir = _models_dir(request)
    candidate = _summarise(_version_folder(models_dir, version))
    active = _active_version(db, models_dir)
    current = _summarise(models_dir / active) if active and (models_dir / active).is_dir() else None
    warnings = []
    if not candidate["has_model"]:
        warnings.append("This version has no model.onnx file, so it cannot be served.")
    if not candidate["parity"]:
        warnings.append("Its ONNX export did not pass the parity check.")
    new, old = candidate["ndcg10"], current["ndcg10"] if current else None
    if new is not None and old is not None and new < old:
        warnings.append(
            f"Its held-out NDCG@10 ({new:.3f}) is below the active version's ({old:.3f})."
        )
    return render(
        request,
        "staff_confirm.html",
        {
            "title": f"Promote {version}?",
            "action": "promote",
            "candidate": candidate,
            "current": current,
            "active": active,
            "warnings": warnings,
            "blocked": version == active or not candidate["has_model"] or not candidate["parity"],
        },
    )


@router.get("/staff/rollback", response_class=HTMLResponse)
def confirm_rollback(request: Request, principal: StaffPage, db: SessionDep) -> Response:
    """Ask for confirmation before switching back to the version the active one replaced."""
    _ = principal
    models_dir = _models_dir(request)
    active = _active_version(db, models_dir)
    target = _rollback_target(db, active)
    if target is None:
        raise PageDenied(409, "There is no earlier version to roll back to.")
    return render(
        request,
        "staff_confirm.html",
        {
            "title": f"Roll back to {target}?",
            "action": "rollback",
            "candidate": _summarise(models_dir / target),
            "current": _summarise(models_dir / active) if active else None,
            "active": active,
            "warnings": [],
            "blocked": False,
        },
    )


@router.post("/staff/models/switch")
def switch_model(
    request: Request,
    principal: StaffPage,
    db: SessionDep,
    now: NowDep,
    action: Annotated[str, Form(max_length=10)],
    version: Annotated[str, Form(max_length=64)],
    reason: Annotated[str, Form(min_length=3, max_length=500)],
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Promote a version or roll back, after the confirmation box was ticked and a reason given."""
    if confirm != "yes":
        raise PageDenied(422, "Tick the confirmation box to switch the model.")
    models_dir = _models_dir(request)
    folder = _version_folder(models_dir, version)
    if action not in ("promote", "rollback"):
        raise PageDenied(422, f"Unknown action {action!r}.")
    summary = _summarise(folder)
    if not summary["has_model"] or not summary["parity"]:
        raise PageDenied(
            409, f"Version {version} cannot be served (no model file or failed parity)."
        )
    active = _active_version(db, models_dir)
    if action == "rollback" and _rollback_target(db, active) != version:
        raise PageDenied(409, f"{version} is not the version to roll back to.")
    if version == active:
        raise PageDenied(409, f"{version} is already the active version.")
    set_active_model_version(db, version, now=now, by_user=principal.user_id)
    _append_log(
        db,
        {
            "action": action,
            "version": version,
            "replaced": active,
            "reason": reason.strip(),
            "at": now.isoformat(timespec="seconds"),
            "by": principal.user_id,
        },
        now,
    )
    db.commit()
    return RedirectResponse(f"/staff?done={action}", status_code=303)


def _school_years(db: Session) -> list[str]:
    years = set(db.execute(select(Activity.school_year).distinct()).scalars())
    years.add(school_year_of(date.today()))
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
    year = school_year or years[0]
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
