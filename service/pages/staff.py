"""Staff pages: model versions, metrics and card, promote and roll back, activity report, catalogue.

Promotion and rollback go through ``service.model_ops.promote_model`` / ``rollback_model``,
the same guarded functions as the JSON API and the command line: the version is loaded before
the pointer moves, a failed guard is refused unless forced with a reason, and every switch is a
``model_events`` row.
"""

from __future__ import annotations

import ast
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from recommender.catalogue import get_catalogue
from recommender.engine import STATEWIDE_REGION
from recommender.errors import (
    InvalidRecordError,
    PathwaysError,
    PromotionRefusedError,
    RecordConflictError,
    RecordNotFoundError,
)
from recommender.versions import MAX_SUBGROUP_SHORTFALL, guard_failures
from service.auth import Principal, accounts_by_id
from service.choices import ActivityCategory
from service.deps import NowDep, SessionDep
from service.i18n import N_, Message, translate
from service.model_changes import (
    ChangePreview,
    compare_versions,
    number_at,
    preview_promotion,
    read_version_json,
)
from service.model_ops import promote_model, recent_model_events, rollback_model, rollback_target
from service.pages._core import (
    ATTRIBUTION_FILE,
    CoachPage,
    PageDenied,
    StaffPage,
    caseload_student,
    nul_message,
    page_roles,
    render,
    without_nul,
)
from service.pages._markdown import render_markdown
from service.pages._text import LANG_COOKIE, pick_language
from service.pages.charts import draw_bars
from service.recommending import ModelHolder
from service.reporting import (
    CATEGORIES,
    ORGANISATION_MAX,
    Report,
    ReportFilters,
    build_report,
    list_coaches,
    list_organisations,
    list_schools,
    report_years,
    set_coach_organisation,
    suggested_organisations,
)
from service.routes.recommendations import ModelHolderDep
from service.routes.reports import REPORT_TABLES
from service.schemas import nul_fields, school_year_of, today
from service.state import get_active_model_version
from service.tables import ModelEvent

router = APIRouter(include_in_schema=False)

#: Model events listed on the staff page, newest first.
EVENTS_SHOWN: Final = 20


def _subgroup_means(metrics: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Held-out NDCG@10 mean per subgroup, by group (``evaluation.model.subgroups``)."""
    groups = metrics.get("evaluation", {}).get("model", {}).get("subgroups", {})
    out: dict[str, dict[str, float]] = {}
    if not isinstance(groups, dict):
        return out
    for group, members in groups.items():
        for name, values in (members or {}).items():
            value = number_at(values, "ndcg@10", "mean") if isinstance(values, dict) else None
            if value is not None:
                out.setdefault(str(group), {})[str(name)] = value
    return out


#: The evaluation's subgroup groups and names as a page shows them (catalogue message ids).
_SUBGROUP_WORDS: Final = {
    "gender": N_("gender"),
    "race_ethnicity": N_("race/ethnicity"),
    "region": N_("region"),
    "female": N_("female"),
    "male": N_("male"),
    "black": N_("Black"),
    "hispanic": N_("Hispanic"),
    "white": N_("white"),
    "other": N_("other"),
}


def _group_label(group: str) -> str:
    """A subgroup group as a page shows it (a message id when the catalogue has one)."""
    return _SUBGROUP_WORDS.get(group, group.replace("_", " "))


def _subgroup_label(group: str, name: str) -> str:
    """A subgroup as a person reads it: a region by its catalogue name, never its code."""
    if group == "region":
        names = {r.code: r.name for r in get_catalogue().regions}
        return names.get(name, name)
    return _SUBGROUP_WORDS.get(name, name.replace("_", " "))


def subgroup_gaps(metrics: dict[str, Any]) -> dict[str, Any]:
    """Two subgroup figures of NDCG@10, kept apart because they answer different questions.

    ``spread``: the widest gap between the best and the worst subgroup of one group (the figure
    the model card prints as "Largest subgroup gap", ``training.registry.largest_subgroup_gap``).
    ``shortfall``: how far the worst subgroup trails the overall mean (what the promotion guard
    holds to its limit, ``recommender.versions.check_subgroups``).
    """
    overall = number_at(metrics, "evaluation", "model", "overall", "ndcg@10", "mean")
    spread: dict[str, Any] | None = None
    shortfall: dict[str, Any] | None = None
    for group, means in _subgroup_means(metrics).items():
        if len(means) >= 2:
            low = min(means, key=lambda k: means[k])
            high = max(means, key=lambda k: means[k])
            gap = means[high] - means[low]
            if spread is None or gap > spread["gap"]:
                spread = {
                    "group": group.replace("_", " "),
                    "group_label": _group_label(group),
                    "gap": gap,
                    "low": _subgroup_label(group, low),
                    "high": _subgroup_label(group, high),
                }
        if overall is not None:
            for name, value in means.items():
                if shortfall is None or overall - value > shortfall["gap"]:
                    shortfall = {
                        "group": group.replace("_", " "),
                        "group_label": _group_label(group),
                        "gap": overall - value,
                        "low": _subgroup_label(group, name),
                    }
    return {"spread": spread, "shortfall": shortfall, "limit": MAX_SUBGROUP_SHORTFALL}


def _summarise(folder: Path) -> dict[str, Any]:
    metrics = read_version_json(folder / "metrics.json")
    manifest = read_version_json(folder / "manifest.json")
    overall = ("evaluation", "model", "overall")
    return {
        "version": folder.name,
        "ndcg10": number_at(metrics, *overall, "ndcg@10", "mean"),
        "ndcg5": number_at(metrics, *overall, "ndcg@5", "mean"),
        "mrr": number_at(metrics, *overall, "mrr", "mean"),
        "recall10": number_at(metrics, *overall, "recall@10", "mean"),
        "coverage10": number_at(metrics, "evaluation", "model", "coverage@10"),
        "parity": bool(metrics.get("parity", {}).get("passed", False)),
        "gaps": subgroup_gaps(metrics),
        "has_model": (folder / "model.onnx").is_file(),
        "catalogue_version": manifest.get("catalogue_version") or manifest.get("catalogue"),
        "training_data": manifest.get("training_data"),
        "training_data_sha256": manifest.get("training_data_sha256"),
        "code_version": manifest.get("code_version"),
    }


def _list_models(models_dir: Path) -> list[dict[str, Any]]:
    if not models_dir.is_dir():
        return []
    folders = sorted(p for p in models_dir.iterdir() if (p / "metrics.json").is_file())
    return [_summarise(p) for p in folders]


def _guard_failures(models_dir: Path, version: str, active: str | None) -> list[str]:
    """The promotion guard's failed checks for ``version`` against the active version."""
    return guard_failures(models_dir, version, active)


def _recent_events(db: Session) -> list[ModelEvent]:
    return recent_model_events(db, EVENTS_SHOWN)


def _rollback_target(db: Session, active: str | None) -> str | None:
    """The version the active one replaced when it was last promoted (as rollback_model finds)."""
    return rollback_target(db, active)


def _event_actors(db: Session, events: list[ModelEvent]) -> dict[int, str]:
    """Account id -> "display name (role)" for the accounts that made the listed events."""
    accounts = accounts_by_id(db, (e.by_user for e in events))
    return {u.id: f"{u.display_name} ({u.role})" for u in accounts.values()}


def _changelog_pair(
    models: list[dict[str, Any]], active: str | None, old: str | None, new: str | None
) -> tuple[str, str] | None:
    """The two versions the changelog compares: as asked, else the active one and the newest
    other version (None when there are fewer than two)."""
    names: list[str] = [str(m["version"]) for m in models]
    if len(names) < 2:
        return None
    if old in names and new in names and old != new:
        return str(old), str(new)
    base: str = active if active is not None and active in names else names[-2]
    other = next(n for n in reversed(names) if n != base)
    return (base, other) if names.index(base) < names.index(other) else (other, base)


VersionQuery = Annotated[str | None, Query(max_length=64)]


@router.get("/staff", response_class=HTMLResponse)
def models_page(
    request: Request,
    principal: StaffPage,
    db: SessionDep,
    holder: ModelHolderDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
    old: VersionQuery = None,
    new: VersionQuery = None,
) -> Response:
    """Model versions with their held-out metrics; the active one marked; the model events with
    who made them; a changelog between two versions (``old`` and ``new``)."""
    _ = principal
    active = get_active_model_version(db)
    status = holder.status()
    models = _list_models(holder.models_dir)
    events = _recent_events(db)
    pair = _changelog_pair(models, active, old, new)
    changelog = compare_versions(holder.models_dir, *pair) if pair else None
    return render(
        request,
        "staff_models.html",
        {
            "title": N_("Model versions"),
            "models": models,
            "active": active,
            "serving": status.serving,
            "problem": status.problem,
            "events": events,
            "actors": _event_actors(db, events),
            "done": done,
            "can_roll_back": _rollback_target(db, active) is not None,
            "changelog": changelog,
            "served_catalogue": get_catalogue().version,
        },
    )


#: Files of a model folder a card may show as images.
_CARD_IMAGE: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}\.(svg|png)$")
_PY_DICT: Final = re.compile(r"\{'[^{}]*\}")
_SETTINGS_LINE: Final = re.compile(r"^- settings: `(\{.*\})`\s*$")
_REGION_CELL: Final = re.compile(r"^\| (\d{7}) \|")


def _dict_words(match: re.Match[str]) -> str:
    try:
        value = ast.literal_eval(match.group(0))
    except (ValueError, SyntaxError):
        return match.group(0)
    if not isinstance(value, dict):
        return match.group(0)
    return ", ".join(f"{str(k).replace('_', ' ')} `{v}`" for k, v in value.items())


def _settings_table(settings: dict[str, Any]) -> list[str]:
    rows = ["", "| training setting | value |", "|---|---|"]

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
            return
        if isinstance(node, list) and len(node) > 8:
            text = f"{len(node)} items (listed in manifest.json)"
        else:
            text = json.dumps(node)
        rows.append(f"| {prefix.replace('_', ' ')} | {text.replace('|', '/')} |")

    walk(settings, "")
    rows.append("")
    return rows


def readable_card(text: str) -> str:
    """The card's Markdown with what it prints for machines made readable: a Python dict as
    words, the settings JSON as a table, a region code in a table's first column with its name."""
    names = {r.code: r.name for r in get_catalogue().regions}
    out: list[str] = []
    for line in text.splitlines():
        found = _SETTINGS_LINE.match(line)
        if found:
            try:
                settings = json.loads(found.group(1))
            except ValueError:
                settings = None
            if isinstance(settings, dict):
                out.append("- settings: in the table below")
                out.extend(_settings_table(settings))
                continue
        line = _PY_DICT.sub(_dict_words, line)
        cell = _REGION_CELL.match(line)
        if cell and cell.group(1) in names:
            line = f"| {names[cell.group(1)]} ({cell.group(1)}) |" + line[cell.end() :]
        out.append(line)
    return "\n".join(out)


@router.get("/staff/models/{version}", response_class=HTMLResponse)
def model_card_page(
    request: Request, version: str, principal: StaffPage, db: SessionDep, holder: ModelHolderDep
) -> Response:
    """One version's model card (rendered Markdown), the catalogue it was trained on beside the
    one served, and its two subgroup figures labelled apart."""
    _ = principal
    folder = _version_folder(holder.models_dir, version)
    card = folder / "card.md"
    html = (
        render_markdown(
            readable_card(card.read_text(encoding="utf-8")),
            image_base=f"/staff/models/{version}/files",
        )
        if card.is_file()
        else None
    )
    return render(
        request,
        "staff_card.html",
        {
            "title": Message(N_("Model %(version)s"), version=version),
            "model": _summarise(folder),
            "card": html,
            "active": get_active_model_version(db),
            "served_catalogue": get_catalogue().version,
        },
    )


@router.get("/staff/models/{version}/files/{name}")
def model_card_file(
    version: str, name: str, principal: StaffPage, holder: ModelHolderDep
) -> Response:
    """An image the model card shows (an SVG or PNG file of the version's folder)."""
    _ = principal
    folder = _version_folder(holder.models_dir, version)
    if not _CARD_IMAGE.fullmatch(name) or not (folder / name).is_file():
        raise PageDenied(
            404, Message(N_("Model %(version)s has no image %(name)s."), version=version, name=name)
        )
    media = "image/svg+xml" if name.endswith(".svg") else "image/png"
    return Response(
        (folder / name).read_bytes(),
        media_type=media,
        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
    )


def _page_language(request: Request) -> str:
    return pick_language(request.cookies.get(LANG_COOKIE))


def _message(text: str) -> Message:
    """A reason an operation gave, as a message (a :class:`Message` already is one)."""
    return text if isinstance(text, Message) else Message(text)


def _version_folder(models_dir: Path, version: str) -> Path:
    names = {p.name for p in models_dir.iterdir()} if models_dir.is_dir() else set()
    if version not in names or not (models_dir / version / "metrics.json").is_file():
        raise PageDenied(
            404, Message(N_("There is no model version %(version)s."), version=version)
        )
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
    blocked: list[str] = []
    if version == active:
        blocked.append(Message(N_("%(version)s is already the active version."), version=version))
    if not candidate["has_model"]:
        blocked.append(N_("This version has no model.onnx file, so it cannot be served."))
    if action == "rollback":
        title = Message(N_("Roll back to %(version)s?"), version=version)
    else:
        title = Message(N_("Promote %(version)s?"), version=version)
    return {
        "title": title,
        "action": action,
        "candidate": candidate,
        "current": current,
        "active": active,
        "failed_checks": failed,
        "refused": list(refused),
        "blocked": blocked,
        "preview": _change_preview(db, holder, version) if not blocked else None,
        "served_catalogue": get_catalogue().version,
    }


def _change_preview(db: Session, holder: ModelHolder, version: str) -> ChangePreview:
    """How many stored top fives ``version`` would change (a read; nothing is stored)."""
    try:
        loaded = holder.prepare(version)
    except (PathwaysError, OSError) as exc:
        return ChangePreview(version=version, problem=f"it cannot be loaded: {exc}")
    return preview_promotion(db, loaded)


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
        raise PageDenied(409, N_("There is no earlier version to roll back to."))
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
        labels = {
            "reason": N_("Reason"),
            "confirm": N_("Confirmation"),
            "force": N_("Promote anyway"),
        }
        if bad[0] in ("action", "version"):  # no form to show again for that
            raise PageDenied(422, nul_message(bad[0], kept=False))
        message = nul_message(labels[bad[0]], kept=False)
        context = _confirm_context(db, holder, action, version, (message,))
        return render(request, "staff_confirm.html", context, status_code=422)
    if action not in ("promote", "rollback"):
        raise PageDenied(422, Message(N_("Unknown action %(action)s."), action=action))
    _version_folder(holder.models_dir, version)
    missing = []
    if len(reason.strip()) < 3:
        missing.append(N_("give a reason of at least 3 characters (it is kept with the switch)"))
    if confirm != "yes":
        missing.append(N_("tick the confirmation box to switch the model"))
    if missing:
        context = _confirm_context(db, holder, action, version, tuple(missing))
        return render(request, "staff_confirm.html", context, status_code=422)
    try:
        if action == "promote":
            switch = promote_model(
                db,
                holder.models_dir,
                version,
                force=force == "yes",
                reason=reason,
                by_user=principal.user_id,
                now=now,
                load=holder.prepare,
            )
        else:
            switch = rollback_model(
                db,
                holder.models_dir,
                reason=reason,
                to=version,
                by_user=principal.user_id,
                now=now,
                load=holder.prepare,
            )
    except PromotionRefusedError as exc:
        db.rollback()
        context = _confirm_context(db, holder, action, version, exc.reasons)
        return render(request, "staff_confirm.html", context, status_code=409)
    db.commit()
    holder.install(switch.loaded)
    return RedirectResponse(f"/staff?done={action}", status_code=303)


def _report_charts(report: Report, language: str = "en") -> list[Markup]:
    """The report's bar charts in ``language``: entries and students reached per category,
    pathways chosen."""
    total = report.statewide
    year = report.filters.school_year

    def say(message: str, **values: Any) -> str:
        return translate(language, message, **values)

    labels = [say(ActivityCategory(c).label) for c in CATEGORIES]
    charts = [
        draw_bars(
            "chart-entries",
            labels,
            [float(total.entries[c]) for c in CATEGORIES],
            title=say(N_("Activity-log entries by category, %(year)s"), year=year),
            axis_label=say(N_("Entries")),
        ),
        draw_bars(
            "chart-reached",
            labels,
            [float(total.reached[c]) for c in CATEGORIES],
            title=say(N_("Students reached by category, %(year)s"), year=year),
            axis_label=say(N_("Students reached")),
        ),
    ]
    if report.pathways:
        charts.append(
            draw_bars(
                "chart-pathways",
                [p.title for p in report.pathways],
                [float(p.students) for p in report.pathways],
                title=say(N_("Pathways chosen in plans, %(year)s"), year=year),
                axis_label=say(N_("Students")),
            )
        )
    return charts


@router.get("/staff/report", response_class=HTMLResponse)
def activity_report_page(
    request: Request,
    principal: StaffPage,
    db: SessionDep,
    school_year: Annotated[str | None, Query(max_length=9)] = None,
    region: Annotated[str | None, Query(max_length=16)] = None,
    school_id: Annotated[str | None, Query(max_length=12)] = None,
    organisation: Annotated[str | None, Query(max_length=ORGANISATION_MAX)] = None,
) -> Response:
    """Statewide activity, students reached, assessments and chosen pathways for a school year,
    by region, school, coach organisation and year, narrowed by the filters: tables, charts with
    scales, a CSV file per table."""
    _ = principal
    catalogue = get_catalogue()
    year = school_year or school_year_of(today())
    problem: str | None = None
    school: int | None = None
    if school_id:
        if school_id.isdigit() and 1 <= int(school_id) <= 2**31 - 1:
            school = int(school_id)
        else:
            problem = N_("School: choose a school from the list.")
    filters = ReportFilters(
        school_year=year,
        region=region or None,
        school_id=school,
        organisation=organisation or None,
    )
    report: Report | None = None
    if problem is None:
        try:
            report = build_report(db, filters, catalogue)
        except InvalidRecordError as exc:
            label = _FILTER_LABELS.get(exc.field, exc.field)
            problem = Message(
                N_("%(label)s: %(reason)s"), label=Message(label), reason=_message(exc.reason)
            )
        except RecordNotFoundError:
            problem = N_("School: choose a school from the list.")
    query = urlencode({k: v for k, v in _filter_query(filters).items() if v})
    return render(
        request,
        "staff_report.html",
        {
            "title": Message(N_("Activity report %(year)s"), year=year),
            "report": report,
            "filters": filters,
            "problem": problem,
            "years": report_years(db),
            "regions": [r for r in catalogue.regions if r.code != STATEWIDE_REGION],
            "schools": list_schools(db),
            "organisations": list_organisations(db),
            "categories": [(c, ActivityCategory(c).label) for c in CATEGORIES],
            "charts": _report_charts(report, _page_language(request)) if report else [],
            "query": query,
            "tables": REPORT_TABLES,
        },
        status_code=422 if problem else 200,
    )


#: The report filters' names on the page, for messages.
_FILTER_LABELS: Final = {
    "school_year": N_("School year"),
    "region": N_("Region"),
    "school_id": N_("School"),
    "organisation": N_("Organisation"),
}


def _filter_query(filters: ReportFilters) -> dict[str, str]:
    return {
        "school_year": filters.school_year,
        "region": filters.region or "",
        "school_id": str(filters.school_id or ""),
        "organisation": filters.organisation or "",
    }


# --- coach organisations (admins) --------------------------------------------------------------


@router.get("/staff/organisations", response_class=HTMLResponse)
def organisations_page(
    request: Request,
    principal: Annotated[Principal, Depends(page_roles("admin"))],
    db: SessionDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Each coach's employer (community college district or workforce area), for the reports."""
    _ = principal
    return render(request, "staff_organisations.html", _organisations_context(db, done=done))


def _organisations_context(db: Session, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "title": N_("Coach organisations"),
        "coaches": list_coaches(db),
        "suggestions": suggested_organisations(get_catalogue()),
        "problem": None,
        "done": None,
        "max_length": ORGANISATION_MAX,
    }
    context.update(extra)
    return context


@router.post("/staff/organisations/{user_id}")
def organisation_save(
    request: Request,
    principal: Annotated[Principal, Depends(page_roles("admin"))],
    db: SessionDep,
    user_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    organisation: Annotated[str, Form(max_length=ORGANISATION_MAX + 40)] = "",
) -> Response:
    """Set or clear one coach's organisation."""
    _ = principal
    if nul_fields({"organisation": organisation}):
        problem = nul_message(N_("Organisation"), kept=False)
        context = _organisations_context(db, problem=problem)
        return render(request, "staff_organisations.html", context, status_code=422)
    try:
        set_coach_organisation(db, user_id, organisation)
    except RecordNotFoundError:
        raise PageDenied(404, N_("There is no coach with that number.")) from None
    except InvalidRecordError as exc:
        db.rollback()
        problem = Message(
            N_("%(label)s: %(reason)s"),
            label=Message(N_("Organisation")),
            reason=_message(exc.reason),
        )
        context = _organisations_context(db, problem=problem)
        return render(request, "staff_organisations.html", context, status_code=422)
    db.commit()
    return RedirectResponse("/staff/organisations?done=saved", status_code=303)


@router.get("/staff/catalogue", response_class=HTMLResponse)
def catalogue_page(request: Request, principal: StaffPage) -> Response:
    """The catalogue version, its size and regions, and the data sources with attribution."""
    _ = principal
    catalogue = get_catalogue()
    return render(
        request,
        "staff_catalogue.html",
        {
            "title": N_("Catalogue and data sources"),
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
            "title": N_("Data sources"),
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
    names = {u.id: u.username for u in accounts_by_id(db, user_ids).values()}
    student = None
    held: dict[str, int] = {}
    if student_id is not None:
        student = load_student_for(request, db, principal, student_id, now)
        if student is not None:
            tables = export_student(db, student)["tables"]
            held = {name: len(rows) for name, rows in tables.items() if rows}
    return {
        "title": N_("Privacy requests and disclosures"),
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
        raise PageDenied(404, N_("There is no student with that number."))
    if nul_fields({"confirm_local_id": confirm_local_id}):
        problem: str = nul_message(N_("School id to confirm"), kept=False)
        context = _privacy_context(request, db, principal, now, student_id, 1, problem=problem)
        return render(request, "staff_privacy.html", context, status_code=422)
    if confirm_local_id.strip() != student.local_id:
        problem = N_(
            "Nothing was deleted: type the student's school id exactly as shown to confirm."
        )
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
        raise PageDenied(404, N_("There is no privacy request with that number.")) from None
    if decision not in ("approve", "refuse"):
        raise PageDenied(422, N_("Choose approve or refuse."))
    if decision == "approve" and found.kind == "delete" and confirm != "yes":
        problem = N_("Nothing was deleted: tick the box to confirm the deletion.")
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
        "title": N_("Privacy requests"),
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
    student = None
    if student_id is not None:
        student = caseload_student(request, db, principal, student_id, now)
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
    from service.privacy import file_request

    student = caseload_student(request, db, principal, student_id, now)
    bad = nul_fields({"kind": kind, "reason": reason})
    problem: str | None = None
    status = 422
    if bad:
        problem = nul_message(N_("Reason") if bad[0] == "reason" else N_("What is asked for"))
    elif kind not in ("export", "delete"):
        problem = N_("Choose an export or a deletion.")
    elif len(reason.strip()) < 3:
        problem = N_("Say who asked and why, in at least 3 characters.")
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
