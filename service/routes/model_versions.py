"""Model versions for staff: metrics and cards, guarded promotion and rollback of the pointer.

The guard is ``recommender.versions``; promotion, rollback and the events are
``service.model_ops``, the same functions the staff pages and the command line call.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from recommender.errors import PathwaysError, UnknownModelVersionError
from recommender.versions import (
    guard_failures,
    headline_ndcg,
    list_model_versions,
    read_model_metrics,
)
from service.auth import Principal
from service.deps import NowDep, SessionDep, require_roles
from service.model_ops import EVENTS_SHOWN, promote_model, recent_model_events, rollback_model
from service.routes._common import SIGNED_IN
from service.routes.recommendations import ModelHolderDep
from service.schemas import RequestModel
from service.state import get_active_model_version
from service.tables import ModelEvent

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
    entry["failed_checks"] = guard_failures(models_dir, version, active)
    return entry


@router.get("", response_model=ModelListOut)
def list_models(_staff: ModelStaff, db: SessionDep, holder: ModelHolderDep) -> dict[str, Any]:
    """Every model version with its headline metrics and guard result; which is active."""
    active = get_active_model_version(db)
    status = holder.status()
    events = recent_model_events(db)
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
    failed = guard_failures(holder.models_dir, version, active)
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
    switch = promote_model(
        db,
        holder.models_dir,
        version,
        force=body.force,
        reason=body.reason,
        by_user=staff.user_id,
        now=now,
        load=holder.prepare,
    )
    holder.install(switch.loaded)
    return switch.event


@router.post("/rollback", response_model=ModelEventOut, responses=_REFUSED)
def rollback(
    body: RollbackIn, staff: ModelStaff, db: SessionDep, holder: ModelHolderDep, now: NowDep
) -> ModelEvent:
    """Return every process to the version the active one replaced (or to ``to``)."""
    switch = rollback_model(
        db,
        holder.models_dir,
        reason=body.reason,
        to=body.to,
        by_user=staff.user_id,
        now=now,
        load=holder.prepare,
    )
    holder.install(switch.loaded)
    return switch.event
