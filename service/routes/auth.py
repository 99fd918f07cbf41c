"""Sign-in for accounts (password), for students (one-time access code), sign-out and "who am I"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from service.auth import client_of, end_session, redeem_access_code, sign_in
from service.deps import CurrentUser, NowDep, SessionDep, SettingsDep
from service.routes._common import SIGNED_IN, clear_session_cookie, set_session_cookie
from service.schemas import AccessCodeIn, LoginIn, MeOut, SessionOut

router = APIRouter(prefix="/auth", tags=["sign-in"], responses=SIGNED_IN)

#: Throttled (429) and, for passwords, every hashing slot busy (503); both carry Retry-After.
_THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {**SIGNED_IN[401], "description": "too many failures: wait Retry-After seconds"}
}
_BUSY: dict[int | str, dict[str, Any]] = {
    503: {**SIGNED_IN[401], "description": "password checks busy: wait Retry-After seconds"}
}


@router.post("/login", response_model=SessionOut, responses=_THROTTLED | _BUSY)
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> SessionOut:
    """Sign in with username and password.

    429 with Retry-After while this client must wait (a doubling delay after repeated failures
    for the account, or the client's failure budget spent); 503 with Retry-After when every
    password check of the process is busy.
    """
    token, principal = sign_in(
        db,
        request.app.state.hasher,
        settings,
        username=body.username,
        password=body.password,
        now=now,
        client=client_of(request, settings),
    )
    set_session_cookie(response, request, token, settings, settings.session_minutes * 60)
    return SessionOut(token=token, role=principal.role, expires_at=principal.expires_at)  # type: ignore[arg-type]


@router.post("/access-code", response_model=SessionOut, responses=_THROTTLED)
def exchange_access_code(
    body: AccessCodeIn,
    request: Request,
    response: Response,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> SessionOut:
    """Exchange a one-time code from a coach for a session scoped to that one student.

    429 with Retry-After once this client has sent too many wrong codes in the window.
    """
    token, principal = redeem_access_code(
        db, settings, code=body.code, now=now, client=client_of(request, settings)
    )
    set_session_cookie(response, request, token, settings, settings.student_session_minutes * 60)
    return SessionOut(token=token, role="student", expires_at=principal.expires_at)


@router.post("/logout", status_code=204)
def logout(
    principal: CurrentUser,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> Response:
    """End this session on every process (it is deleted from the database)."""
    end_session(db, principal.session_id)
    response.status_code = 204
    clear_session_cookie(response, request, settings)
    return response


@router.get("/me", response_model=MeOut)
def me(principal: CurrentUser) -> MeOut:
    """The signed-in role and scope."""
    return MeOut(
        role=principal.role,  # type: ignore[arg-type]
        user_id=principal.user_id,
        student_id=principal.student_id,
        school_ids=sorted(principal.school_ids),
        expires_at=principal.expires_at,
    )
