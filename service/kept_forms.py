"""A form kept while its sender signs in again: what a coach typed survives an expired session.

When a page form arrives without a live session but with a valid token made for an account
(``u<id>``, see ``service.csrf``), its fields are kept for ``KEEP_MINUTES`` under a random id
sent back in the HttpOnly ``pathways_form`` cookie (only the id's SHA-256 is stored), and the
browser is sent to sign in. After sign-in the page the form was on shows it again, refilled,
to be checked and saved; nothing is saved without that second press. Only the same account
sees it: anyone else signing in on that browser gets nothing and the cookie is cleared. The
kept fields live in a ``service_settings`` row (``stash:`` + digest) so every process sees
them; the row is deleted when the form is sent again, and rows older than ``KEEP_MINUTES`` are
deleted whenever a new form is kept and are never shown.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from service.csrf import CSRF_FIELD, KEEP_COOKIE
from service.tables import ServiceSetting

KEEP_MINUTES: Final = 5
_PREFIX: Final = "stash:"
#: Most fields and characters kept from one form (the coach forms have fewer than 20 fields).
_MAX_FIELDS: Final = 60
_MAX_CHARS: Final = 20_000


def _key(keep_id: str) -> str:
    return _PREFIX + hashlib.sha256(keep_id.encode("utf-8")).hexdigest()[: 64 - len(_PREFIX)]


def keep_form(
    db: Session,
    *,
    owner: str,
    page: str,
    action: str,
    fields: list[tuple[str, str]],
    now: datetime,
) -> str:
    """Store a form's fields for ``owner`` (``u<id>``); returns the id for the cookie."""
    db.execute(
        delete(ServiceSetting).where(
            ServiceSetting.key.startswith(_PREFIX, autoescape=True),
            ServiceSetting.updated_at < now - timedelta(minutes=KEEP_MINUTES),
        )
    )
    kept: list[list[str]] = []
    size = 0
    for name, value in fields:
        if name == CSRF_FIELD or len(kept) >= _MAX_FIELDS:
            continue
        size += len(name) + len(value)
        if size > _MAX_CHARS:
            break
        kept.append([name, value.replace("\x00", "")])
    keep_id = secrets.token_urlsafe(32)
    value = json.dumps({"owner": owner, "page": page, "action": action, "fields": kept})
    db.add(ServiceSetting(key=_key(keep_id), value=value, updated_at=now))
    db.flush()
    return keep_id


def read_kept(
    factory: sessionmaker[Session], keep_id: str | None, now: datetime
) -> dict[str, Any] | None:
    """The kept form under ``keep_id`` while it is fresh, else None."""
    if not keep_id or len(keep_id) > 64:
        return None
    with factory() as db:
        row = db.get(ServiceSetting, _key(keep_id))
        if row is None or row.value is None:
            return None
        created = row.updated_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=now.tzinfo)
        if created < now - timedelta(minutes=KEEP_MINUTES):
            return None
        data: dict[str, Any] = json.loads(row.value)
        return data


def forget_kept(factory: sessionmaker[Session], keep_id: str | None) -> None:
    """Delete a kept form (it was sent again); committed at once, whatever the route does next."""
    if not keep_id or len(keep_id) > 64:
        return
    with factory() as db:
        db.execute(delete(ServiceSetting).where(ServiceSetting.key == _key(keep_id)))
        db.commit()


__all__ = ["KEEP_COOKIE", "KEEP_MINUTES", "forget_kept", "keep_form", "read_kept"]
