"""Service-wide values kept in the database so every process agrees (e.g. the active model).

``service_settings.active_model_version`` is the one record of which model version every
process serves. ``models/registry.json`` only seeds it: the first time a database is used and
the pointer is empty, the version that file names is copied in (an ``initialise`` model event).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.errors import ModelArtifactError
from recommender.model import read_active_version
from service.tables import ModelEvent, ServiceSetting

logger = logging.getLogger(__name__)

ACTIVE_MODEL_KEY: Final = "active_model_version"


def get_active_model_version(db: Session, *, lock: bool = False) -> str | None:
    """The model version every process serves, or None before any model is promoted.

    With ``lock`` the row stays locked until the transaction ends (PostgreSQL ``FOR UPDATE``), so
    a promotion that reads, checks and then moves the pointer cannot interleave with another.
    """
    if not lock:
        row = db.get(ServiceSetting, ACTIVE_MODEL_KEY)
        return None if row is None else row.value
    locked = db.execute(
        select(ServiceSetting).where(ServiceSetting.key == ACTIVE_MODEL_KEY).with_for_update()
    ).scalar_one_or_none()
    return None if locked is None else locked.value


def set_active_model_version(
    db: Session, version: str | None, *, now: datetime, by_user: int | None = None
) -> str | None:
    """Point every process at ``version``; returns the previous version (for rollback).

    The row is locked while it changes, so two promotions at once are applied one after the other.
    """
    row = db.execute(
        select(ServiceSetting).where(ServiceSetting.key == ACTIVE_MODEL_KEY).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = ServiceSetting(key=ACTIVE_MODEL_KEY, value=None, updated_at=now)
        db.add(row)
    previous = row.value
    row.value = version
    row.updated_at = now
    row.updated_by = by_user
    db.flush()
    return previous


def seed_active_version(db: Session, models_dir: Path, *, now: datetime) -> str | None:
    """An empty pointer takes ``registry.json``'s active version (None when there is none).

    Returns the pointer afterwards; a version another process set first is kept as it is.
    """
    try:
        version = read_active_version(models_dir)
    except ModelArtifactError as exc:
        logger.warning("no model registry to start from: %s", exc.reason)
        return None
    previous = set_active_model_version(db, version, now=now)
    if previous is not None:  # another process set it first: keep theirs
        set_active_model_version(db, previous, now=now)
        return previous
    db.add(
        ModelEvent(
            action="initialise",
            version=version,
            replaced=None,
            forced=False,
            failed_checks=[],
            reason="first start: registry.json names this version active",
            at=now,
        )
    )
    db.flush()
    return version
