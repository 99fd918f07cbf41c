"""What every page shares: templates, the footer attribution, who is signed in, page errors.

Pages use the same session cookie as the JSON API and the same scope rules from
``service.deps``; a page that is refused renders an HTML page (or sends the browser to sign in)
instead of a problem+json body. Every form carries ``{{ csrf_field() }}`` (checked by
``service.csrf.CrossSiteGuard``); a form that arrives after its sender's session ended is kept
(``service.kept_forms``) and comes back refilled after sign-in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import quote, urlsplit

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy.orm import Session

from recommender.errors import NotAuthenticatedError
from recommender.shipped import shipped_path
from service.auth import Principal, resolve_session
from service.csrf import (
    CSRF_COOKIE,
    CSRF_COOKIE_SECONDS,
    CSRF_FIELD,
    KEEP_COOKIE,
    CrossSiteRefusedError,
    make_token,
    new_secret,
    origin_of,
    own_origin,
)
from service.db import utc_now
from service.deps import NowDep, SessionDep, check_cross_site, load_student_for, read_token
from service.i18n import (
    FILTERS,
    N_,
    Message,
    catalogues,
    gettext_in,
    language_name,
    template_callables,
    translate,
)
from service.kept_forms import KEEP_MINUTES, forget_kept, keep_form, read_kept
from service.pages._text import LANG_COOKIE, pick_language
from service.problems import PageDenied as PageDenied  # re-exported for the page modules
from service.problems import status_of
from service.schemas import NUL
from service.tables import Student

PAGES_DIR: Final = Path(__file__).resolve().parent
TEMPLATES_DIR: Final = PAGES_DIR.parent / "templates"
STATIC_DIR: Final = PAGES_DIR.parent / "static"
ATTRIBUTION_FILE: Final = shipped_path("ATTRIBUTION.md")

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
#: ``{{ _("…") }}`` and ``{% trans %}`` mark every user-visible message (gettext, Jinja's i18n).
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
#: Each page gets its own language's ``_``/``gettext``/``ngettext`` in its context (see
#: ``render``); the null ones above only serve a template rendered outside ``render``.
#: ``|number``, ``|money``, ``|date``, ``|datetime`` format by the page's locale.
templates.env.filters.update(FILTERS)
templates.env.globals["_in"] = gettext_in
#: ``{% for code, name in language_choices() %}``: the catalogue languages, each in its own name.
templates.env.globals["language_choices"] = lambda: [
    (code, language_name(code)) for code in catalogues().languages
]

_SECRET_SHAPE: Final = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _browser_secret(request: Request) -> str:
    """The browser's CSRF secret: its cookie, or a new one this response will set."""
    sent = request.cookies.get(CSRF_COOKIE, "")
    if _SECRET_SHAPE.match(sent):
        return sent
    fresh: str | None = getattr(request.state, "csrf_new_secret", None)
    if fresh is None:
        fresh = new_secret()
        request.state.csrf_new_secret = fresh
    return fresh


def page_token(request: Request) -> str:
    """The CSRF token for this page's forms and scripts (made for whoever is signed in)."""
    return make_token(_browser_secret(request), getattr(request.state, "page_subject", "a"))


@pass_context
def _csrf_token(context: Any) -> str:
    return page_token(context["request"])


@pass_context
def _csrf_field(context: Any) -> Markup:
    token = page_token(context["request"])
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


#: ``{{ csrf_field() }}`` in every form that posts; ``{{ csrf_token() }}`` for a script's header.
templates.env.globals["csrf_field"] = _csrf_field
templates.env.globals["csrf_token"] = _csrf_token

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


def _set_browser_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int
) -> None:
    https = request.url.scheme == "https"
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies(https=https),
        path="/",
    )


#: What a form refused by the cross-site checks (``service.csrf``) or kept while its owner was
#: signed out (``service.kept_forms``) says.
_REFUSED_TITLE = N_("This form was not sent")
_REFUSED_ORIGIN = N_(
    "It came from another website, not from a Pathways page, so nothing was saved. If you "
    "meant to send it, open Pathways yourself and fill in the form there."
)
_REFUSED_TOKEN = N_(
    "The page it came from is too old: it was opened before someone last signed in or out on "
    "this browser, or it has been open for many hours. Nothing was saved. Go back (your "
    "browser usually still shows what you typed), copy what you typed, reload the page and "
    "send the form again."
)
_KEPT_WAITING = N_(
    "You were signed out before your form was saved. Sign in again as the same person and the "
    "page comes back with what you typed, ready to check and save."
)
_KEPT_NOTICE = N_(
    "You were signed out before this form was saved, so nothing has been saved yet. What you "
    "typed is back in the form below: check it and press the button to save."
)


def _kept_context(request: Request, lang: str) -> tuple[dict[str, Any], bool]:
    """The kept form this page shows (refilled for its owner), and whether to drop the cookie."""
    keep_id = request.cookies.get(KEEP_COOKIE)
    if not keep_id:
        return {}, False
    kept = read_kept(request.app.state.sessionmaker, keep_id, utc_now())
    subject = getattr(request.state, "page_subject", None)
    if kept is None:
        return {}, True
    if subject is None:  # not signed in (yet): say the form is waiting
        return {"kept_waiting": _KEPT_WAITING}, False
    if kept.get("owner") != subject:  # someone else signed in on this browser: never shown
        return {}, True
    if kept.get("page", "").split("?")[0] != request.url.path:
        return {}, False
    shown = {
        "action": kept.get("action", ""),
        "fields": kept.get("fields", []),
        "notice": translate(lang, _KEPT_NOTICE),  # shown by keep-form.js
    }
    return {"kept_form": shown}, False


def language_links(path: str) -> list[dict[str, str]]:
    """A link per catalogue language that shows ``path`` in it (the language's own name)."""
    return [
        {"code": code, "name": language_name(code), "href": f"{path}?lang={code}"}
        if path.endswith("/print")
        else {
            "code": code,
            "name": language_name(code),
            "href": f"/language?to={code}&next={quote(path, safe='/')}",
        }
        for code in catalogues().languages
    ]


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    language: str | None = None,
) -> HTMLResponse:
    """Render a template with the shared context (language, footer notice, signed-in role).

    The page is in ``language`` when given (a printed plan in the family's language), else in
    the browser's chosen language; its messages come from that language's catalogue.
    Sets the browser's CSRF secret cookie when the page made the first token for this browser,
    and passes a kept form (``kept_form``) to the page its owner sent it from.
    """
    lang = pick_language(language or request.cookies.get(LANG_COOKIE))
    kept, drop_kept = _kept_context(request, lang)
    base = {
        **template_callables(catalogues().translations(lang)),
        "page_lang": lang,
        "lang": lang,
        "onet_notice": read_onet_notice(),
        "role": getattr(request.state, "page_role", None),
        **kept,
    }
    base["language_links"] = [
        link for link in language_links(request.url.path) if link["code"] != lang
    ]
    base.update(context)
    response = templates.TemplateResponse(request, name, base, status_code=status_code)
    fresh = getattr(request.state, "csrf_new_secret", None)
    if fresh is not None:
        _set_browser_cookie(response, request, CSRF_COOKIE, fresh, CSRF_COOKIE_SECONDS)
    if drop_kept:
        _set_browser_cookie(response, request, KEEP_COOKIE, "", 0)
    return response


def cross_site_page(request: Request, kind: str) -> HTMLResponse:
    """The 403 page of a form refused by ``service.csrf`` (``kind``: origin, token or header)."""
    message = _REFUSED_ORIGIN if kind == "origin" else _REFUSED_TOKEN
    context = {"title": _REFUSED_TITLE, "message": message}
    return render(request, "error.html", context, status_code=403)


def page_error_response(request: Request, exc: Exception) -> Response:
    """A domain error on a page (``service.problems`` sends it here): a ``PageDenied`` with a
    ``location`` is a redirect (303); anything else the HTML error page with the status the API
    would give it (``status_of``), saying the page's message, or the error's own words below
    500 (nothing internal at or above it)."""
    if isinstance(exc, PageDenied) and exc.location is not None:
        redirect = RedirectResponse(exc.location, status_code=303)
        keep_id = getattr(request.state, "keep_id", None)
        if keep_id is not None:
            _set_browser_cookie(redirect, request, KEEP_COOKIE, keep_id, KEEP_MINUTES * 60)
        return redirect
    status, _title = status_of(exc)
    message = exc.message if isinstance(exc, PageDenied) else (str(exc) if status < 500 else "")
    titles = {
        403: N_("Not allowed"),
        404: N_("Not found"),
        409: N_("Already done"),
        422: N_("Check your input"),
    }
    response = render(
        request,
        "error.html",
        {"title": titles.get(status, N_("Something went wrong")), "message": message},
        status_code=status,
    )
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int):
        response.headers["Retry-After"] = str(retry_after)
    return response


def get_page_principal(request: Request, db: SessionDep, now: NowDep) -> Principal | None:
    """The signed-in principal, or None when there is no live session (pages never 401)."""
    token = read_token(request)
    if token is None:
        return None
    try:
        principal = resolve_session(db, token, now)
    except NotAuthenticatedError:
        return None
    try:
        check_cross_site(request, principal)
    except CrossSiteRefusedError as exc:
        message = _REFUSED_ORIGIN if exc.kind == "origin" else _REFUSED_TOKEN
        raise PageDenied(403, message) from None
    request.state.page_role = principal.role
    if principal.role == "student":
        request.state.page_subject = f"s{principal.student_id}"
    else:
        request.state.page_subject = f"u{principal.user_id}"
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(get_page_principal)]


def form_page(request: Request) -> str:
    """The page a form was sent from: the Referer when it is this site's, else its parent page."""
    referer = request.headers.get("referer", "")
    trusted = {own_origin(request.scope), *request.app.state.settings.allowed_origin_list()}
    if referer and origin_of(referer) in trusted:
        parts = urlsplit(referer)
        page = parts.path + (f"?{parts.query}" if parts.query else "")
        if safe_next(page, "") and parts.path != request.url.path:
            return page
    path = request.url.path
    if path.startswith("/coach/students/"):
        return "/".join(path.split("/")[:4])
    if path.startswith("/staff/"):
        return "/staff"
    return "/"


async def _keep_sent_form(request: Request) -> None:
    """Keep a form sent after its owner's session ended (see ``service.kept_forms``)."""
    subject = (request.scope.get("state") or {}).get("csrf_subject")
    if not isinstance(subject, str) or not subject.startswith("u"):
        return  # only a form made for a signed-in account is kept for that account
    form = await request.form()
    fields = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    page = form_page(request)
    factory = request.app.state.sessionmaker

    def store() -> str:
        with factory() as db:
            keep_id = keep_form(
                db, owner=subject, page=page, action=request.url.path, fields=fields, now=utc_now()
            )
            db.commit()
            return keep_id

    request.state.keep_id = await anyio.to_thread.run_sync(store)


def page_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting ``roles``; others are sent to sign in (none) or shown 403.

    A form sent without a live session goes to sign in with ``next`` set to the page it came
    from (never to the address it was sent to, which is no page); what it held is kept for its
    owner. A form sent again after that, by the same person, forgets the kept copy.
    """

    async def _check(request: Request, principal: MaybePrincipal) -> Principal:
        posted = request.method == "POST"
        if principal is None:
            target = "/start" if roles == ("student",) else "/sign-in"
            back = request.url.path
            if posted:
                back = form_page(request)
                await _keep_sent_form(request)
            nxt = quote(back, safe="/")
            raise PageDenied(303, location=f"{target}?next={nxt}")
        if principal.role not in roles:
            raise PageDenied(403, N_("Your account cannot open this page."))
        keep_id = request.cookies.get(KEEP_COOKIE)
        if posted and keep_id:
            factory = request.app.state.sessionmaker
            kept = await anyio.to_thread.run_sync(read_kept, factory, keep_id, utc_now())
            if kept is not None and kept.get("action") == request.url.path:
                await anyio.to_thread.run_sync(forget_kept, factory, keep_id)
        return principal

    return _check


CoachPage = Annotated[Principal, Depends(page_roles("coach", "admin"))]
StaffPage = Annotated[Principal, Depends(page_roles("staff", "admin"))]
StudentPage = Annotated[Principal, Depends(page_roles("student"))]


def caseload_student(
    request: Request, db: Session, principal: Principal, student_id: int, now: datetime
) -> Student:
    """A student on the principal's caseload, entered in the disclosure log (``load_student_for``);
    any other student is a 'not found' page, as in the API."""
    student = load_student_for(request, db, principal, student_id, now)
    if student is None:
        raise PageDenied(404, N_("No student with that number is on your caseload."))
    return student


def nul_message(label: str, *, kept: bool = True) -> Message:
    """What a form says about a field that held the NUL character; nothing was stored.

    ``kept``: the form is shown again with the typed text, the NUL taken out.
    """
    name = label if isinstance(label, Message) else Message(label)
    if kept:
        return Message(
            N_(
                "%(label)s: the text held a NUL character, which is not allowed, so nothing "
                "was saved. It has been taken out below; check and save again."
            ),
            label=name,
        )
    return Message(
        N_("%(label)s: the text held a NUL character, which is not allowed. Type it again."),
        label=name,
    )


def without_nul(text: str) -> str:
    """``text`` with every NUL character taken out, to show a refused form again."""
    return text.replace(NUL, "")


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a local path of this site (no scheme, no host), else ``default``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
