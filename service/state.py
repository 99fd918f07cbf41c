"""Service-wide values kept in the database so every process agrees (e.g. the active model)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import ServiceSetting

ACTIVE_MODEL_KEY: Final = "active_model_version"


def get_active_model_version(db: Session) -> str | None:
    """The model version every process serves, or None before any model is promoted."""
    row = db.get(ServiceSetting, ACTIVE_MODEL_KEY)
    return None if row is None else row.value


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
