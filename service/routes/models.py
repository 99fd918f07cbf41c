"""Model versions for staff: metrics and cards, guarded promotion and rollback of the pointer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from sqlalchemy import select

from recommender.errors import PathwaysError, UnknownModelVersionError
from recommender.versions import (
    check_promotion,
    headline_ndcg,
    list_model_versions,
    read_model_metrics,
)
from service.auth import Principal
from service.deps import NowDep, SessionDep, require_roles
from service.models import ModelEvent
from service.recommending import promote_model, rollback_model
from service.routes._common import SIGNED_IN
from service.routes.recommendations import ModelHolderDep
from service.schemas import RequestModel
from service.state import get_active_model_version

router = APIRouter(prefix="/models", tags=["models"], responses=SIGNED_IN)

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
_REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "refused: a guard failed or the model cannot load", **_PROBLEM}
}

ModelStaff = Annotated[
    Principal, Depends(require_roles("staff", "admin", action="manage model versions"))
]
VersionPath = Annotated[
    str,
    PathParam(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="model version folder"),
]
#: Events listed by GET /models, newest first.
EVENTS_SHOWN = 20


class ModelEventOut(BaseModel):
    action: str
    version: str
    replaced: str | None
    forced: bool
    failed_checks: list[str]
    reason: str
    by_user: int | None
    at: datetime


class ModelVersionOut(BaseModel):
    version: str
    active: bool = Field(description="the database pointer names it")
    serving: bool = Field(description="this process is serving it")
    ndcg_at_10: float | None = Field(description="held-out NDCG@10 of its final ranking")
    parity_passed: bool | None
    failed_checks: list[str] = Field(description="guards it fails against the active version")
    metrics_error: str | None = None


class ModelListOut(BaseModel):
    active: str | None
    serving: str | None
    problem: str | None = Field(description="why this process is not serving the active version")
    versions: list[ModelVersionOut]
    events: list[ModelEventOut] = Field(description=f"last {EVENTS_SHOWN} changes, newest first")


class ModelDetailOut(BaseModel):
    version: str
    active: bool
    serving: bool
    failed_checks: list[str]
    metrics: dict[str, Any]
    card_markdown: str


class PromoteIn(RequestModel):
    force: bool = Field(default=False, description="promote although a guard fails")
    reason: str | None = Field(default=None, max_length=1000, description="needed when forcing")


class RollbackIn(RequestModel):
    reason: str = Field(min_length=1, max_length=1000)
    to: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="version to return to (default: the one the active version replaced)",
    )


def _guard(
    models_dir: Path, metrics: dict[str, Any], version: str, active: str | None
) -> list[str]:
    if active == version:
        return []
    try:
        active_metrics = read_model_metrics(models_dir, active) if active else None
        return check_promotion(metrics, active_metrics, active_version=active)
    except PathwaysError as exc:
        return [f"cannot be compared: {exc}"]


def _summarise(models_dir: Path, version: str, active: str | None, serving: str | None) -> Any:
    entry: dict[str, Any] = {
        "version": version,
        "active": version == active,
        "serving": version == serving,
        "ndcg_at_10": None,
        "parity_passed": None,
        "failed_checks": [],
    }
    try:
        metrics = read_model_metrics(models_dir, version)
        entry["ndcg_at_10"] = headline_ndcg(metrics)
    except PathwaysError as exc:
        entry["metrics_error"] = str(exc)
        return entry
    entry["parity_passed"] = bool(metrics.get("parity", {}).get("passed", False))
    entry["failed_checks"] = _guard(models_dir, metrics, version, active)
    return entry


@router.get("", response_model=ModelListOut)
def list_models(_staff: ModelStaff, db: SessionDep, holder: ModelHolderDep) -> dict[str, Any]:
    """Every model version with its headline metrics and guard result; which is active."""
    active = get_active_model_version(db)
    status = holder.status()
    events = db.execute(
        select(ModelEvent).order_by(ModelEvent.id.desc()).limit(EVENTS_SHOWN)
    ).scalars()
    return {
        "active": active,
        "serving": status.serving,
        "problem": status.problem,
        "versions": [
            _summarise(holder.models_dir, v, active, status.serving)
            for v in list_model_versions(holder.models_dir)
        ],
        "events": [ModelEventOut.model_validate(e, from_attributes=True) for e in events],
    }


@router.get("/{version}", response_model=ModelDetailOut)
def get_model(
    version: VersionPath, _staff: ModelStaff, db: SessionDep, holder: ModelHolderDep
) -> dict[str, Any]:
    """One version's full metrics.json and model card (Markdown)."""
    metrics = read_model_metrics(holder.models_dir, version)
    card = holder.models_dir / version / "card.md"
    try:
        text = card.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    active = get_active_model_version(db)
    try:
        failed = _guard(holder.models_dir, metrics, version, active)
    except PathwaysError as exc:
        failed = [str(exc)]
    if not (holder.models_dir / version / "model.onnx").is_file():
        raise UnknownModelVersionError(version)
    return {
        "version": version,
        "active": version == active,
        "serving": version == holder.status().serving,
        "failed_checks": failed,
        "metrics": metrics,
        "card_markdown": text,
    }


@router.post("/{version}/promote", response_model=ModelEventOut, responses=_REFUSED)
def promote(
    version: VersionPath,
    body: PromoteIn,
    staff: ModelStaff,
    db: SessionDep,
    holder: ModelHolderDep,
    now: NowDep,
) -> ModelEvent:
    """Make ``version`` active for every process; 409 when a guard fails, unless forced."""
    return promote_model(
        db, holder, version, force=body.force, reason=body.reason, by_user=staff.user_id, now=now
    )


@router.post("/rollback", response_model=ModelEventOut, responses=_REFUSED)
def rollback(
    body: RollbackIn, staff: ModelStaff, db: SessionDep, holder: ModelHolderDep, now: NowDep
) -> ModelEvent:
    """Return every process to the version the active one replaced (or to ``to``)."""
    return rollback_model(
        db, holder, reason=body.reason, to=body.to, by_user=staff.user_id, now=now
    )
