"""Cross-site request checks: the Origin of every state-changing request, and form/header tokens.

``CrossSiteGuard`` (middleware) runs on every POST, PUT, PATCH and DELETE, page or API:

1. **Where it came from.** ``Sec-Fetch-Site: same-origin`` (set by the browser, not by page
   script) passes. Otherwise ``Origin`` (or, without it, ``Referer``) must be this service's own
   origin (scheme and host of the request) or one of ``Settings.allowed_origins``; ``same-site``
   and ``cross-site`` fetches pass only from an allowed origin. A request with none of these
   headers is no browser's: it may change something only when it authenticates with
   ``Authorization: Bearer`` (scripts and the command line; a browser never adds that header to
   another site's request) or with no session at all (signing in from a script); a form, or a
   call the session cookie authenticates (``service.deps.get_principal``), is refused.
2. **A token.** Every HTML form carries a hidden ``csrf_token`` field (checked here), and the
   site's own scripts send the same value as ``X-CSRF-Token`` on every call the session cookie
   authenticates (checked by ``service.deps`` when it resolves the cookie). The token
   is an HMAC, keyed with a random per-browser secret in the HttpOnly ``pathways_csrf`` cookie,
   of who the page was made for (``a`` before sign-in, ``u<id>`` an account, ``s<id>`` a
   student). Another site can neither read that cookie nor compute the token. The secret is
   replaced whenever a response signs someone in or out (it sets or clears the session cookie),
   so a token is good only for the session it was made in, and the sign-in and access-code forms
   (no session yet) are protected the same way. Bearer-token calls need no token.

A refused request gets 403: an HTML page (in the reader's language) for a form or a browser
page, ``application/problem+json`` for an API call. Nothing reaches the route.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import urlsplit

from starlette.datastructures import FormData, MutableHeaders
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recommender.errors import PathwaysError, PermissionDeniedError
from service.middleware import replaying
from service.problems import problem_response

#: The session cookie's name (``service.deps.SESSION_COOKIE``, which imports this module).
SESSION_COOKIE: Final = "pathways_session"
CSRF_COOKIE: Final = "pathways_csrf"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "x-csrf-token"
#: The cookie naming a form kept while its sender signs in again (``service.kept_forms``).
KEEP_COOKIE: Final = "pathways_form"
#: Lifetime of the per-browser secret; a page open longer than this needs a reload.
CSRF_COOKIE_SECONDS: Final = 12 * 3600

UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SUBJECT: Final = re.compile(r"^(a|u\d{1,10}|s\d{1,10})$")
_SECRET: Final = re.compile(r"^[A-Za-z0-9_-]{43}$")
_FORM_TYPES: Final = ("application/x-www-form-urlencoded", "multipart/form-data")


class CrossSiteRefusedError(PermissionDeniedError):
    """A state-changing call the session cookie would authenticate, without the proof that it
    comes from one of this site's pages (``kind``: ``origin`` or ``header``); 403."""

    def __init__(self, kind: str) -> None:
        self.role = "cookie session"
        self.action = "change anything without the page's proof"
        self.kind = kind
        if kind == "origin":
            message = (
                "refused: a call signed in by the session cookie must name its Origin (or "
                "Referer), as browsers do; scripts use Authorization: Bearer. Nothing was changed"
            )
        else:
            message = (
                "refused: a call signed in by the session cookie needs the X-CSRF-Token header "
                "of the page it came from; scripts use Authorization: Bearer. Nothing was changed"
            )
        PathwaysError.__init__(self, message)


def new_secret() -> str:
    """A fresh per-browser secret (32 random bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


def make_token(secret: str, subject: str) -> str:
    """The form token for ``subject`` (``a``, ``u<id>``, ``s<id>``) under a browser's secret."""
    mac = hmac.new(secret.encode("ascii"), f"pathways-csrf-v1|{subject}".encode(), hashlib.sha256)
    return f"{subject}.{mac.hexdigest()}"


def read_token(secret: str | None, token: str | None) -> str | None:
    """The subject a token was made for, or None when it is missing, malformed or forged."""
    if not secret or not token or not _SECRET.match(secret):
        return None
    subject, _, _mac = token.rpartition(".")
    if not _SUBJECT.match(subject):
        return None
    if not hmac.compare_digest(make_token(secret, subject), token):
        return None
    return subject


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, lower-cased; None otherwise."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def own_origin(scope: Scope) -> str:
    """This service's origin as the request reached it (scheme and Host header)."""
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    scheme = str(scope.get("scheme", "http"))
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    if default and host.endswith(default):
        host = host[: -len(default)]
    return f"{scheme}://{host}".lower()


def bearer_token_sent(headers: dict[bytes, bytes]) -> bool:
    """True when the request authenticates with ``Authorization: Bearer <token>``."""
    scheme, _, value = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    return scheme.lower() == "bearer" and bool(value.strip())


def read_cookies(headers: dict[bytes, bytes]) -> dict[str, str]:
    """The request's cookies by name (malformed ones ignored)."""
    return cookie_parser(headers.get(b"cookie", b"").decode("latin-1"))


def check_origin(headers: dict[bytes, bytes], own: str, allowed: Iterable[str]) -> str | None:
    """Why a state-changing request must be refused for where it came from; None when it may pass
    (also when it names no origin at all: ``names_no_origin`` tells that case apart)."""
    trusted = {own, *allowed}
    site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
    origin_header = headers.get(b"origin")
    origin = origin_header.decode("latin-1").strip().lower() if origin_header else None
    if site == "same-origin":
        return None
    if site in ("same-site", "cross-site"):
        if origin is not None and origin in set(allowed):
            return None
        return f"it was sent by another site ({origin or 'unnamed'})"
    if origin is not None:
        if origin in trusted:
            return None
        return f"it was sent by another site ({origin})"
    referer = headers.get(b"referer")
    if referer:
        source = origin_of(referer.decode("latin-1"))
        if source is not None and source in trusted:
            return None
        return f"it was sent from a page of another site ({source or 'unknown'})"
    return None


def names_no_origin(headers: dict[bytes, bytes]) -> bool:
    """True when a request carries none of Sec-Fetch-Site, Origin and Referer (no browser's)."""
    return not any(headers.get(h) for h in (b"sec-fetch-site", b"origin", b"referer"))


def subject_of(role: str, user_id: int | None, student_id: int | None) -> str:
    """Whom a token is made for: ``s<id>`` a student, ``u<id>`` an account."""
    return f"s{student_id}" if role == "student" else f"u{user_id}"


def check_cookie_call(
    scope: Scope, headers: dict[bytes, bytes], cookies: dict[str, str], subject: str
) -> None:
    """For a state-changing call the session cookie authenticates (as ``subject``): refuse one
    that names no origin, or whose token (the form's, checked by the middleware, or the
    ``X-CSRF-Token`` header) is missing, forged or made for someone else.

    Raises ``CrossSiteRefusedError``; called by ``service.deps`` when it resolves the cookie.
    """
    if scope.get("method") not in UNSAFE_METHODS:
        return
    state = scope.get("state") or {}
    made_for = state.get("csrf_subject")
    if made_for is None:
        if names_no_origin(headers):
            raise CrossSiteRefusedError("origin")
        sent = headers.get(CSRF_HEADER.encode(), b"").decode("latin-1")
        made_for = read_token(cookies.get(CSRF_COOKIE), sent or None)
    if made_for != subject:
        raise CrossSiteRefusedError("header")


def _wants_html(headers: dict[bytes, bytes]) -> bool:
    content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
    accept = headers.get(b"accept", b"").decode("latin-1").lower()
    return content_type.startswith(_FORM_TYPES) or "text/html" in accept


def _cookie_header(name: str, value: str, *, max_age: int, secure: bool) -> str:
    flags = f"{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=lax"
    return flags + ("; Secure" if secure else "")


class CrossSiteGuard:
    """Refuse cross-site state-changing requests and forms without a valid token (403).

    Also replaces the per-browser secret whenever a response sets or clears the session cookie
    (and forgets a kept form when someone signs out). Sits inside ``RequestGuard``, so the body
    it reads for the form token is already size-limited.
    """

    def __init__(self, app: ASGIApp, *, settings: Any) -> None:
        self.app = app
        self.settings = settings
        self.allowed = settings.allowed_origin_list()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._rotating(scope, send)
        if scope.get("method") not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        why = check_origin(headers, own_origin(scope), self.allowed)
        if why is not None:
            await self._refuse(scope, send, headers, "origin", why)
            return
        if bearer_token_sent(headers):
            await self.app(scope, receive, send)
            return
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        if content_type.startswith(_FORM_TYPES):
            if names_no_origin(headers):
                why = "it names no Origin or Referer, as every browser form does"
                await self._refuse(scope, send, headers, "origin", why)
                return
            secret = read_cookies(headers).get(CSRF_COOKIE)
            body = await _read_body(receive)
            replay = replaying(body, receive)
            form = await _parse_form(scope, body)
            token = form.get(CSRF_FIELD)
            await form.close()  # an uploaded file's temporary copy (the route parses its own)
            subject = read_token(secret, token if isinstance(token, str) else None)
            if subject is None:
                await self._refuse(scope, send, headers, "token", "")
                return
            scope.setdefault("state", {})["csrf_subject"] = subject
            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)

    def _rotating(self, scope: Scope, send: Send) -> Send:
        """``send`` that adds a fresh secret cookie to a response setting the session cookie."""
        https = scope.get("scheme") == "https"
        secure = self.settings.secure_cookies(https=https)

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                sessions = [
                    v for v in headers.getlist("set-cookie") if v.startswith(f"{SESSION_COOKIE}=")
                ]
                if sessions:
                    headers.append(
                        "set-cookie",
                        _cookie_header(
                            CSRF_COOKIE, new_secret(), max_age=CSRF_COOKIE_SECONDS, secure=secure
                        ),
                    )
                    signed_out = any(
                        v.startswith(f'{SESSION_COOKIE}="";') or "max-age=0" in v.lower()
                        for v in sessions
                    )
                    if signed_out:
                        headers.append(
                            "set-cookie", _cookie_header(KEEP_COOKIE, "", max_age=0, secure=secure)
                        )
            await send(message)

        return wrapped

    async def _refuse(
        self, scope: Scope, send: Send, headers: dict[bytes, bytes], kind: str, why: str
    ) -> None:
        async def no_body() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        response: Response
        if _wants_html(headers):
            from service.pages._core import cross_site_page  # the pages import this module

            response = cross_site_page(Request(scope, no_body), kind)
        elif kind == "origin":
            response = problem_response(403, f"refused because {why}; nothing was changed")
        else:
            response = problem_response(
                403,
                "refused: a form needs the csrf_token field of the page it came from (scripts "
                "use the JSON API with Authorization: Bearer); nothing was changed",
            )
        await response(scope, no_body, send)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = bool(message.get("more_body", False))
    return b"".join(chunks)


async def _parse_form(scope: Scope, body: bytes) -> FormData:
    """The form fields of ``body`` (urlencoded or multipart); empty when it cannot be parsed."""
    request = Request(scope, replaying(body, _never))
    try:
        return await request.form()
    except Exception:  # an unreadable form has no token
        return FormData()


async def _never() -> Message:
    return {"type": "http.disconnect"}
