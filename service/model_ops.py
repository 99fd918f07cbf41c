"""Promote, roll back and list model events: the one implementation on the database.

The JSON API (``service.routes.model_versions``), the staff pages (``service.pages.staff``) and the
command line (``pathways models promote|rollback``, ``pathways train --promote``) all call these
functions, so a switch is guarded, loaded and recorded the same way wherever it starts.

A switch, in one transaction of the caller's session: lock and read the pointer (an empty one is
first seeded from ``registry.json``), run the guard (``recommender.versions``), load the version
completely (a model that cannot be loaded is refused even when forced), move the pointer and add
a ``model_events`` row. Nothing is written when anything is refused. Running services notice the
new pointer within ``ModelHolder.check_seconds`` (one second) and hot-swap; the process that
promoted installs the model it already loaded (``ModelSwitch.loaded``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.errors import (
    ModelArtifactError,
    PathwaysError,
    PromotionRefusedError,
    UnknownModelVersionError,
)
from recommender.versions import promotion_problems
from service.recommending import LoadedModel, load_model_version
from service.state import get_active_model_version, seed_active_version, set_active_model_version
from service.tables import ModelEvent

__all__ = [
    "EVENTS_SHOWN",
    "ModelSwitch",
    "active_model_version",
    "promote_model",
    "recent_model_events",
    "rollback_model",
    "rollback_target",
]

#: Model events a listing shows by default, newest first.
EVENTS_SHOWN: Final = 20

#: Loads a version completely, raising when it cannot be served (a process passes its
#: ``ModelHolder.prepare``; the default is ``load_model_version`` on the models folder).
Loader = Callable[[str], LoadedModel]


@dataclass(frozen=True)
class ModelSwitch:
    """A promotion or rollback made: its event row and the model loaded to check it."""

    event: ModelEvent
    loaded: LoadedModel


def active_model_version(db: Session, models_dir: Path, *, now: datetime) -> str | None:
    """The database pointer; an empty one is seeded from ``registry.json`` first."""
    active = get_active_model_version(db)
    return active if active is not None else seed_active_version(db, models_dir, now=now)


def recent_model_events(db: Session, limit: int = EVENTS_SHOWN) -> list[ModelEvent]:
    """The last ``limit`` model events, newest first."""
    query = select(ModelEvent).order_by(ModelEvent.id.desc()).limit(limit)
    return list(db.execute(query).scalars())


def rollback_target(db: Session, active: str | None) -> str | None:
    """The version ``active`` replaced when it was last promoted (None: nothing to go back to)."""
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


def _locked_active(db: Session, models_dir: Path, now: datetime) -> str | None:
    active = get_active_model_version(db, lock=True)
    return active if active is not None else seed_active_version(db, models_dir, now=now)


def _load_or_refuse(load: Loader | None, models_dir: Path, version: str) -> LoadedModel:
    try:
        return load(version) if load is not None else load_model_version(models_dir, version)
    except UnknownModelVersionError:
        raise
    except (PathwaysError, OSError) as exc:
        raise PromotionRefusedError(version, (f"its model cannot be loaded: {exc}",)) from None


def _record(
    db: Session,
    action: str,
    version: str,
    replaced: str | None,
    *,
    forced: bool = False,
    failed_checks: list[str] | None = None,
    reason: str,
    by_user: int | None,
    now: datetime,
) -> ModelEvent:
    event = ModelEvent(
        action=action,
        version=version,
        replaced=replaced,
        forced=forced,
        failed_checks=failed_checks or [],
        reason=reason,
        by_user=by_user,
        at=now,
    )
    db.add(event)
    db.flush()
    return event


def promote_model(
    db: Session,
    models_dir: Path,
    version: str,
    *,
    force: bool,
    reason: str | None,
    by_user: int | None,
    now: datetime,
    load: Loader | None = None,
) -> ModelSwitch:
    """Point every process at ``version`` after the guard; forcing needs a reason.

    PromotionRefusedError lists every failed check (or why it cannot be loaded, which forcing
    does not override); UnknownModelVersionError when there is no such version.
    """
    why = (reason or "").strip()
    if force and not why:
        raise PromotionRefusedError(version, ("a forced promotion needs a reason",))
    active = _locked_active(db, models_dir, now)
    if active == version:
        raise PromotionRefusedError(version, ("it is already the active version",))
    try:
        problems = promotion_problems(models_dir, version, active)
    except ModelArtifactError as exc:
        raise PromotionRefusedError(version, (f"its metrics are unreadable: {exc}",)) from None
    if problems and not force:
        raise PromotionRefusedError(version, tuple(problems))
    loaded = _load_or_refuse(load, models_dir, version)
    previous = set_active_model_version(db, version, now=now, by_user=by_user)
    event = _record(
        db,
        "promote",
        version,
        previous,
        forced=bool(force and problems),
        failed_checks=problems,
        reason=why,
        by_user=by_user,
        now=now,
    )
    return ModelSwitch(event=event, loaded=loaded)


def rollback_model(
    db: Session,
    models_dir: Path,
    *,
    reason: str,
    to: str | None,
    by_user: int | None,
    now: datetime,
    load: Loader | None = None,
) -> ModelSwitch:
    """Point every process back at the version the active one replaced (or at ``to``).

    A reason is required; the target must load. PromotionRefusedError when there is nothing to
    go back to or the target is already active.
    """
    why = reason.strip()
    if not why:
        raise PromotionRefusedError(to or "<previous>", ("a rollback needs a reason",))
    active = _locked_active(db, models_dir, now)
    target = to if to is not None else rollback_target(db, active)
    if target is None:
        raise PromotionRefusedError("<previous>", ("no earlier version to roll back to",))
    if target == active:
        raise PromotionRefusedError(target, ("it is already the active version",))
    loaded = _load_or_refuse(load, models_dir, target)
    previous = set_active_model_version(db, target, now=now, by_user=by_user)
    event = _record(db, "rollback", target, previous, reason=why, by_user=by_user, now=now)
    return ModelSwitch(event=event, loaded=loaded)
