"""What every page shares: templates, the footer attribution, who is signed in, page errors.

Pages use the same session cookie as the JSON API and the same scope rules from
``service.deps``; a page that is refused renders an HTML page (or sends the browser to sign in)
instead of a problem+json body.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from recommender.errors import NotAuthenticatedError
from service.auth import Principal, resolve_session
from service.deps import NowDep, SessionDep, read_token
from service.pages._text import LANG_COOKIE, pick_language
from service.schemas import NUL

PAGES_DIR: Final = Path(__file__).resolve().parent
TEMPLATES_DIR: Final = PAGES_DIR.parent / "templates"
STATIC_DIR: Final = PAGES_DIR.parent / "static"
ATTRIBUTION_FILE: Final = PAGES_DIR.parents[1] / "data" / "ATTRIBUTION.md"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

#: Where each role lands after signing in.
HOME_OF_ROLE: Final = {
    "coach": "/coach",
    "admin": "/coach",
    "staff": "/staff",
    "student": "/assessment",
}


@functools.lru_cache(maxsize=1)
def read_onet_notice() -> str:
    """The O*NET notice paragraph(s) from data/ATTRIBUTION.md, joined into one line."""
    text = ATTRIBUTION_FILE.read_text(encoding="utf-8")
    match = re.search(r"^## O\*NET[^\n]*\n(.*?)(?=^Licence:|^## )", text, flags=re.M | re.S)
    if match is None:
        raise RuntimeError(f"{ATTRIBUTION_FILE}: no '## O*NET' section with a notice")
    return " ".join(match.group(1).split())


class PageDenied(Exception):
    """A page the caller may not see: redirect to sign-in, or an HTML error page with a status."""

    def __init__(self, status: int, message: str = "", *, location: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.location = location


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a template with the shared context (language, footer notice, signed-in role)."""
    base = {
        "lang": pick_language(request.cookies.get(LANG_COOKIE)),
        "onet_notice": read_onet_notice(),
        "role": getattr(request.state, "page_role", None),
    }
    base.update(context)
    return templates.TemplateResponse(request, name, base, status_code=status_code)


def page_denied_response(request: Request, exc: Exception) -> Response:
    """Turn PageDenied into a redirect (303) or an HTML error page."""
    assert isinstance(exc, PageDenied)
    if exc.location is not None:
        return RedirectResponse(exc.location, status_code=303)
    titles = {403: "Not allowed", 404: "Not found", 409: "Already done", 422: "Check your input"}
    return render(
        request,
        "error.html",
        {"title": titles.get(exc.status, "Something went wrong"), "message": exc.message},
        status_code=exc.status,
    )


def get_page_principal(request: Request, db: SessionDep, now: NowDep) -> Principal | None:
    """The signed-in principal, or None when there is no live session (pages never 401)."""
    token = read_token(request)
    if token is None:
        return None
    try:
        principal = resolve_session(db, token, now)
    except NotAuthenticatedError:
        return None
    request.state.page_role = principal.role
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(get_page_principal)]


def page_roles(*roles: str) -> Callable[..., Principal]:
    """A dependency admitting ``roles``; others are sent to sign in (none) or shown 403."""

    def _check(request: Request, principal: MaybePrincipal) -> Principal:
        if principal is None:
            target = "/start" if roles == ("student",) else "/sign-in"
            nxt = quote(request.url.path, safe="/")
            raise PageDenied(303, location=f"{target}?next={nxt}")
        if principal.role not in roles:
            raise PageDenied(403, "Your account cannot open this page.")
        return principal

    return _check


CoachPage = Annotated[Principal, Depends(page_roles("coach", "admin"))]
StaffPage = Annotated[Principal, Depends(page_roles("staff", "admin"))]
StudentPage = Annotated[Principal, Depends(page_roles("student"))]


def nul_message(label: str, *, kept: bool = True) -> str:
    """What a form says about a field that held the NUL character; nothing was stored.

    ``kept``: the form is shown again with the typed text, the NUL taken out.
    """
    told = f"{label}: the text held a NUL character (\\x00), which is not allowed"
    if kept:
        return f"{told}, so nothing was saved. It has been taken out below; check and save again."
    return f"{told}. Type it again."


def without_nul(text: str) -> str:
    """``text`` with every NUL character taken out, to show a refused form again."""
    return text.replace(NUL, "")


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a local path of this site (no scheme, no host), else ``default``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
