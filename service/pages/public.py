"""Pages anyone can open: the front page, sign-in for accounts, the student access-code page."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from recommender.errors import LoginThrottledError, NotAuthenticatedError, SignInBusyError
from service.auth import client_of, end_session, redeem_access_code, sign_in
from service.deps import NowDep, SessionDep, SettingsDep
from service.i18n import N_, Message
from service.pages._core import (
    HOME_OF_ROLE,
    MaybePrincipal,
    nul_message,
    render,
    safe_next,
    without_nul,
)
from service.pages._text import LANG_COOKIE, pick_language
from service.routes._common import clear_session_cookie, secure_cookies, set_session_cookie
from service.schemas import nul_fields

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def front_page(request: Request, principal: MaybePrincipal) -> Response:
    """Where to go: the assessment for students, sign-in for coaches and staff."""
    if principal is not None:
        return RedirectResponse(HOME_OF_ROLE.get(principal.role, "/"), status_code=303)
    return render(request, "front.html", {"title": "Pathways"})


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(
    request: Request, next: Annotated[str | None, Query(max_length=300)] = None
) -> Response:
    """The account sign-in form."""
    return render(request, "sign_in.html", {"title": "Sign in", "next": next or "", "error": ""})


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Check the password; on success set the session cookie and go to the role's home page.

    A field holding the NUL character is refused (422, the form shown again) before any lookup.
    """
    bad = nul_fields({"username": username, "password": password, "next": next})
    if bad:
        labels = {"username": N_("Username"), "password": N_("Password"), "next": "next"}
        return render(
            request,
            "sign_in.html",
            {
                "title": "Sign in",
                "next": without_nul(next),
                "error": nul_message(labels[bad[0]], kept=False),
                "username": without_nul(username),
            },
            status_code=422,
        )
    error, status, retry_after = "", 401, 0
    try:
        token, principal = sign_in(
            db,
            request.app.state.hasher,
            settings,
            username=username,
            password=password,
            now=now,
            client=client_of(request, settings),
        )
    except NotAuthenticatedError:
        error = N_("That username and password do not match an account. Check both and try again.")
    except LoginThrottledError as exc:
        error = _wait_message(N_("Too many wrong tries."), exc.retry_after)
        status, retry_after = 429, exc.retry_after
    except SignInBusyError as exc:
        error = _wait_message(N_("Many people are signing in right now."), exc.retry_after)
        status, retry_after = 503, exc.retry_after
    if error:
        response: Response = render(
            request,
            "sign_in.html",
            {"title": "Sign in", "next": next, "error": error, "username": username},
            status_code=status,
        )
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response
    db.commit()
    home = HOME_OF_ROLE.get(principal.role, "/")
    response = RedirectResponse(safe_next(next, home), status_code=303)
    set_session_cookie(response, request, token, settings, settings.session_minutes * 60)
    return response


def _wait_message(what: str, seconds: int) -> Message:
    """``what`` and how long to wait, in words (seconds under two minutes, else minutes)."""
    if seconds == 1:
        return Message(N_("%(what)s Wait 1 second, then try again."), what=Message(what))
    if seconds < 120:
        return Message(
            N_("%(what)s Wait %(seconds)s seconds, then try again."),
            what=Message(what),
            seconds=seconds,
        )
    return Message(
        N_("%(what)s Wait %(minutes)s minutes, then try again."),
        what=Message(what),
        minutes=math.ceil(seconds / 60),
    )


#: What the access-code page says (``start.html`` renders them with ``_``).
_START_TITLE = N_("Start your assessment")
_CODE_ERROR = N_(
    "That code did not work. Check it for characters that look alike: S and 5, B and 8, "
    "Z and 2. Codes never use O, 0, I, L or 1. If it still does not work, the code may be "
    "used or expired: ask your coach for a new one."
)
_CODE_BAD_CHARACTER = N_("The code holds a character that is not allowed. Type the code again.")
_CODE_THROTTLED = N_(
    "Too many codes that did not work came from this network. Wait %(minutes)s min, then "
    "try again, or ask your coach for help."
)


@router.post("/sign-out")
def sign_out(
    request: Request, principal: MaybePrincipal, db: SessionDep, settings: SettingsDep
) -> Response:
    """End the session and go back to the front page."""
    target = "/start" if principal is not None and principal.role == "student" else "/"
    if principal is not None:
        end_session(db, principal.session_id)
        db.commit()
    response = RedirectResponse(target, status_code=303)
    clear_session_cookie(response, request, settings)
    return response


@router.get("/start", response_class=HTMLResponse)
def start_page(request: Request) -> Response:
    """The student's access-code form."""
    return render(request, "start.html", {"title": _START_TITLE, "error": ""})


@router.post("/start", response_class=HTMLResponse)
def start_submit(
    request: Request,
    code: Annotated[str, Form(max_length=32)],
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    """Exchange the access code for a student session and open the assessment."""
    if nul_fields({"code": code}):
        return render(
            request,
            "start.html",
            {"title": _START_TITLE, "error": _CODE_BAD_CHARACTER},
            status_code=422,
        )
    try:
        token, _principal = redeem_access_code(
            db, settings, code=code, now=now, client=client_of(request, settings)
        )
    except LoginThrottledError as exc:
        db.rollback()
        wait = Message(_CODE_THROTTLED, minutes=max(1, math.ceil(exc.retry_after / 60)))
        response: Response = render(
            request,
            "start.html",
            {"title": _START_TITLE, "error": wait},
            status_code=429,
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except NotAuthenticatedError:
        db.rollback()
        return render(
            request,
            "start.html",
            {"title": _START_TITLE, "error": _CODE_ERROR, "code": code.strip()},
            status_code=401,
        )
    db.commit()
    response = RedirectResponse("/assessment", status_code=303)
    set_session_cookie(response, request, token, settings, settings.student_session_minutes * 60)
    return response


@router.get("/language")
def switch_language(
    request: Request,
    settings: SettingsDep,
    to: Annotated[str, Query(max_length=5)],
    next: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    """Remember the chosen language (English or Spanish) and go back to the page."""
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    response.set_cookie(
        LANG_COOKIE,
        pick_language(to),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request, settings),
        path="/",
    )
    return response
