"""HTML pages for students, coaches and staff, served by the same app as the JSON API.

``install_pages(app)`` mounts the page routers, the ``/static`` assets and the handler that turns
a refused page into a sign-in redirect or an HTML error page.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service.pages import coach, public, staff, student
from service.pages._core import STATIC_DIR, PageDenied, page_denied_response

__all__ = ["PAGE_ROUTERS", "STATIC_DIR", "install_pages"]

PAGE_ROUTERS = (public.router, student.router, coach.router, staff.router)


def install_pages(app: FastAPI) -> None:
    """Add the page routes, static files and the page error handler to ``app``."""
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(PageDenied, page_denied_response)
