"""The one place that turns errors into HTTP responses: ``application/problem+json`` (RFC 9457)
for the API, the HTML error page for a page.

Routes, pages and the operations they call raise domain errors from ``recommender.errors``
(a page's own refusals are ``PageDenied``, one of them); this module chooses the status code,
the title and the body. One handler answers every domain error: a request for a page (a route
of ``service.pages``, or an unrouted request that accepts only HTML) gets the HTML error page
(or, for a ``PageDenied`` with a ``location``, a redirect: the sign-in page), the API
problem+json, with the same status. Unexpected errors become a 500 without internal details.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from recommender.errors import (
    AnswerError,
    CatalogueError,
    InstrumentError,
    InvalidRecordError,
    LoginThrottledError,
    NotAuthenticatedError,
    PathwaysError,
    PermissionDeniedError,
    RecordConflictError,
    RecordNotFoundError,
    SignInBusyError,
    UnknownCodeError,
)
from service.headers import security_headers

logger = logging.getLogger(__name__)

PROBLEM_JSON: Final = "application/problem+json"

#: Specific domain errors first; anything else is mapped by the builtin it inherits.
_STATUS_BY_ERROR: Final[tuple[tuple[type[Exception], int, str], ...]] = (
    (NotAuthenticatedError, 401, "Not signed in"),
    (LoginThrottledError, 429, "Too many failed sign-ins"),
    (SignInBusyError, 503, "Sign-in busy"),
    (PermissionDeniedError, 403, "Not allowed"),
    (RecordNotFoundError, 404, "Not found"),
    (UnknownCodeError, 404, "Unknown code"),
    (RecordConflictError, 409, "Conflict"),
    (InvalidRecordError, 422, "Invalid value"),
    (AnswerError, 422, "Invalid answers"),
    (CatalogueError, 503, "Catalogue unavailable"),
    (InstrumentError, 503, "Instrument unavailable"),
    (LookupError, 404, "Not found"),
    (PermissionError, 403, "Not allowed"),
    (ValueError, 422, "Invalid value"),
)

_TITLES: Final = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


#: Seconds a client is asked to wait (``Retry-After``) when the service or its database is down.
RETRY_AFTER_SECONDS: Final = 5


def is_database_outage(exc: BaseException) -> bool:
    """True for a database that cannot be reached or answered: SQLAlchemy's OperationalError
    (server gone, file unreadable, locked too long) and InterfaceError, a pool with no free
    connection in time, and any DBAPI error that invalidated the connection (a disconnect).
    Integrity and data errors are not outages."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _is_page_request(request: Request) -> bool:
    """A request for an HTML page (a route of ``service.pages``), not the JSON API."""
    route = request.scope.get("route")
    endpoint = getattr(route, "endpoint", None)
    if endpoint is not None:
        return str(getattr(endpoint, "__module__", "")).startswith("service.pages")
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def _outage_response(request: Request, exc: BaseException) -> Response:
    """503 with Retry-After: a problem+json for the API, a page in English and Spanish for pages."""
    orig = getattr(exc, "orig", None)
    logger.error(
        "database unavailable: %s (%s)", type(exc).__name__, type(orig).__name__ if orig else "-"
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _is_page_request(request):
        from service.i18n import N_, available_languages
        from service.pages._core import render
        from service.pages._text import LANG_COOKIE, pick_language

        first = pick_language(request.cookies.get(LANG_COOKIE))
        texts = [
            {"lang": lang} for lang in sorted(available_languages(), key=lambda lang: lang != first)
        ]
        retry = request.url.path if request.method == "GET" else "/"
        if request.method == "GET" and request.url.query:
            retry += "?" + request.url.query
        response: Response = render(
            request,
            "unavailable.html",
            {
                "title": N_("Pathways is not available right now"),
                "texts": texts,
                "retry_url": retry,
            },
            status_code=503,
        )
        response.headers.update(headers)
    else:
        response = problem_response(
            503,
            "the database is not answering; try again shortly",
            title="Database unavailable",
            headers=headers,
        )
    return response


class PageDenied(PathwaysError):
    """A page the caller may not see, or a form it cannot take: an HTML error page with
    ``status`` saying ``message`` (a page message id), or a redirect (303) to ``location`` (the
    sign-in page for a caller with no live session)."""

    def __init__(self, status: int, message: str = "", *, location: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.location = location


class ServiceUnavailableError(Exception):
    """The service cannot answer now (database down, migrations pending); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def problem_body(
    status: int, detail: str, *, title: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A problem+json body: type, title, status, detail and any extra members."""
    slug = (title or _TITLES.get(status, "Error")).lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return body


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A JSONResponse with the problem+json media type."""
    return JSONResponse(
        problem_body(status, detail, title=title, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def status_of(error: Exception) -> tuple[int, str]:
    """The HTTP status and title for a domain error (500 for anything unmapped)."""
    if isinstance(error, PageDenied):
        return error.status, _TITLES.get(error.status, "Error")
    for kind, status, title in _STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status, title
    return 500, _TITLES[500]


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    if _is_page_request(request):
        from service.pages._core import page_error_response

        return page_error_response(request, exc)
    status, title = status_of(exc)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(exc, NotAuthenticatedError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, LoginThrottledError | SignInBusyError):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, InvalidRecordError):
        extra["errors"] = exc.field_errors()
    if isinstance(exc, AnswerError):
        extra["errors"] = [
            {"field": f"answers.{exc.where}", "message": f"{exc.rule}: {exc.detail}"}
        ]
    if isinstance(exc, SignInBusyError):
        detail = str(exc)  # expected under load: no error log, the message is safe to show
    elif status >= 500:
        logger.error("domain error mapped to %s: %s", status, type(exc).__name__)
        detail = "reference data could not be loaded" if status == 503 else "internal error"
    else:
        detail = str(exc)
    return problem_response(status, detail, title=title, headers=headers or None, **extra)


async def _on_validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": _field_path(tuple(err.get("loc", ()))),
            "message": str(err.get("msg", "invalid")),
            "type": str(err.get("type", "value_error")),
        }
        for err in exc.errors()
    ]
    first = errors[0]["field"] if errors else "request"
    detail = f"{len(errors)} invalid field(s), first: {first}"
    return problem_response(422, detail, title=_TITLES[422], errors=errors)


async def _on_http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(exc.status_code, detail, headers=headers)


async def _on_unavailable(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceUnavailableError)
    return problem_response(503, exc.reason, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


async def _on_database_error(request: Request, exc: Exception) -> Response:
    if is_database_outage(exc):
        return _outage_response(request, exc)
    return await _on_unexpected(request, exc)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    if is_database_outage(exc):  # raised outside the routes (in a middleware)
        response = _outage_response(request, exc)
        response.headers.update(security_headers(request.url.path))
        return response
    logger.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
    # answered by Starlette's outermost error middleware, outside SecurityHeaders
    return problem_response(500, "internal error", headers=security_headers(request.url.path))


def install_problem_handlers(app: FastAPI) -> None:
    """Register every error handler on ``app``."""
    app.add_exception_handler(PathwaysError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(ServiceUnavailableError, _on_unavailable)
    app.add_exception_handler(SQLAlchemyError, _on_database_error)
    app.add_exception_handler(Exception, _on_unexpected)
