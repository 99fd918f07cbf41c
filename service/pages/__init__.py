"""HTML pages for students, coaches and staff, served by the same app as the JSON API.

``install_pages(app)`` mounts the page routers and the ``/static`` assets. A refused page
(``PageDenied``) or any other domain error on a page becomes a sign-in redirect or the HTML
error page in ``service.problems``' one domain-error handler. A page user never sees a
problem+json body: a page form's invalid field is an HTML 422 page naming it, and opening the
address a form is sent to (405) goes to the page the form is on.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.i18n import N_, Message
from service.pages import activities, coach, plan_search, public, roster, staff, student
from service.pages._core import STATIC_DIR, form_page, render

__all__ = ["PAGE_ROUTERS", "STATIC_DIR", "install_pages"]

PAGE_ROUTERS = (
    public.router,
    student.router,
    coach.router,
    activities.router,
    roster.router,  # rosters, the add/edit-student form, class codes
    plan_search.router,  # find a pathway or job for a student, add it to the plan
    staff.router,
)


async def _delegate(handler: Any, request: Request, exc: Exception) -> Response:
    """The API's own handler for ``exc`` (problem+json), sync or async."""
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    assert isinstance(result, Response)
    return result


#: What a page says about a form it could not take (a 405 or a 422 on a page address).
_CHECK_INPUT = N_("Check your input")
_NOT_A_PAGE = N_(
    "This address is where a form is sent; it is not a page you can open. Go back to the page "
    "the form is on."
)
_BAD_FIELDS = N_("These fields were not accepted: %(names)s.")


def _input_refused(request: Request, message: str, status_code: int) -> Response:
    """The HTML error page, titled "Check your input", saying ``message``."""
    return render(
        request, "error.html", {"title": _CHECK_INPUT, "message": message}, status_code=status_code
    )


def install_pages(app: FastAPI) -> None:
    """Add the page routes, static files and the page side of the HTTP and validation error
    handlers to ``app`` (after ``service.problems.install_problem_handlers``)."""
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    endpoints = {route.endpoint for r in PAGE_ROUTERS for route in r.routes}  # type: ignore[attr-defined]
    api_http = app.exception_handlers[StarletteHTTPException]
    api_invalid = app.exception_handlers[RequestValidationError]

    def on_page(request: Request) -> bool:
        return getattr(request.scope.get("route"), "endpoint", None) in endpoints

    async def on_http_error(request: Request, exc: Any) -> Response:
        if exc.status_code == 405 and on_page(request):
            if request.method in ("GET", "HEAD"):
                return RedirectResponse(form_page(request), status_code=303)
            return _input_refused(request, _NOT_A_PAGE, 405)
        return await _delegate(api_http, request, exc)

    async def on_invalid(request: Request, exc: Any) -> Response:
        if on_page(request):
            names = sorted({".".join(str(p) for p in e["loc"][1:]) or "form" for e in exc.errors()})
            return _input_refused(request, Message(_BAD_FIELDS, names=", ".join(names)), 422)
        return await _delegate(api_invalid, request, exc)

    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid)
