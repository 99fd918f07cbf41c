"""Helpers shared by the route modules."""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from recommender.errors import RecordConflictError
from service.deps import SESSION_COOKIE
from service.settings import Settings

_PROBLEM: Final[dict[str, Any]] = {"content": {"application/problem+json": {}}}

#: Error responses every signed-in route can give, for the OpenAPI document.
SIGNED_IN: Final[dict[int | str, dict[str, Any]]] = {
    401: {"description": "not signed in", **_PROBLEM},
    403: {"description": "role not allowed", **_PROBLEM},
    404: {"description": "no such record in the caller's scope", **_PROBLEM},
    422: {"description": "invalid request", **_PROBLEM},
}


def add_unique(db: Session, row: object, record: str, taken: str) -> None:
    """Add a new ``row``; a unique constraint it breaks is a 409 ``RecordConflictError`` saying
    ``taken``, and the transaction goes on (only the savepoint is rolled back)."""
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError as exc:
        raise RecordConflictError(record, taken) from exc


def secure_cookies(request: Request, settings: Settings) -> bool:
    """Whether cookies set in answer to ``request`` are Secure (``Settings.secure_cookies``)."""
    return settings.secure_cookies(https=request.url.scheme == "https")


def set_session_cookie(
    response: Response, request: Request, token: str, settings: Settings, max_age: int
) -> None:
    """Put the session token in an HttpOnly, SameSite=Lax cookie, Secure as the settings say."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request, settings),
        path="/",
    )


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    """Tell the browser to forget the session cookie (same attributes as when it was set)."""
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request, settings),
    )
