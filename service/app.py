"""The application factory: ``create_app(settings)`` builds a FastAPI app bound to one database.

No state is kept in process memory apart from metrics and the loaded model: sessions, throttling
and the active model version live in the database, so several processes can serve one database;
each process's ``ModelHolder`` (``app.state.models``) follows the database's active version.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from service.auth import make_password_hasher
from service.csrf import CrossSiteGuard
from service.db import make_engine, make_sessionmaker
from service.headers import SecurityHeaders
from service.metrics import RequestMetrics
from service.middleware import RequestGuard
from service.pages import install_pages
from service.problems import install_problem_handlers
from service.recommending import ModelHolder
from service.routes import ROUTERS
from service.settings import Settings, get_settings

API_VERSION = "0.1.0"

#: Swagger UI and ReDoc, as shipped by the ``fastapi-offline`` package: served from this site so
#: the docs pages make no request to another host.
DOCS_ASSETS_DIR: Final = Path(fastapi_offline.__file__).resolve().parent / "static"
DOCS_ASSETS_URL: Final = "/static/docs"
DOCS_URL: Final = "/docs"
REDOC_URL: Final = "/redoc"
OAUTH2_REDIRECT_URL: Final = "/docs/oauth2-redirect"


#: ReDoc's side menu shows a logo from its makers' CDN (no option turns it off); the copy this
#: site serves shows an empty inline image instead, so the page requests nothing elsewhere.
_REDOC_LOGO: Final = "https://cdn.redoc.ly/redoc/logo-mini.svg"
_EMPTY_IMAGE: Final = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


@functools.cache
def redoc_script() -> bytes:
    """``redoc.standalone.js`` as shipped, with its one external image replaced (see above)."""
    text = (DOCS_ASSETS_DIR / "redoc.standalone.js").read_text(encoding="utf-8")
    return text.replace(_REDOC_LOGO, _EMPTY_IMAGE).encode("utf-8")


def install_docs(app: FastAPI) -> None:
    """Serve /docs (Swagger UI) and /redoc (ReDoc) with their scripts, styles and icon from
    ``DOCS_ASSETS_URL``; no Google fonts, no validator badge (it would call another host)."""

    async def redoc_js(request: Request) -> Response:
        return Response(redoc_script(), media_type="text/javascript; charset=utf-8")

    app.add_route(f"{DOCS_ASSETS_URL}/redoc.standalone.js", redoc_js, include_in_schema=False)
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS_DIR), name="docs-assets")

    # plain Starlette routes, as FastAPI registers its own docs pages: GET and HEAD alike
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT_URL}",
            swagger_js_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    async def swagger_ui_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, swagger_ui_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready-to-serve app for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.models.start(app.state.sessionmaker)
        yield
        engine.dispose()
        app.state.metrics.close()

    app = FastAPI(
        title="Pathways",
        version=API_VERSION,
        description=(
            "Career pathway recommendations for Mississippi high schools: assessments, "
            "coach records, reports. Errors are application/problem+json."
        ),
        lifespan=lifespan,
        docs_url=None,  # install_docs serves them from local files
        redoc_url=None,
    )
    # Routes read settings from app.state (service.deps.SettingsDep), not through
    # dependency_overrides: while any override is set, FastAPI re-analyses every dependency of
    # every request, which cost about a quarter of a stored recommendation's CPU time.
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.hasher = make_password_hasher(settings)
    app.state.metrics = RequestMetrics()
    settings.use_data_dirs()  # the catalogue, instrument and models folders of the settings
    app.state.models = ModelHolder(settings.models_dir)
    install_problem_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    install_docs(app)  # before install_pages: its /static/docs mount goes ahead of /static
    install_pages(app)
    # inside RequestGuard (added after it), so the form it reads is already size-limited
    app.add_middleware(CrossSiteGuard, settings=settings)
    app.add_middleware(
        RequestGuard, max_body_bytes=settings.max_body_bytes, metrics=app.state.metrics
    )
    # added last, so outermost: its headers are on every response, the guard's 413 included
    app.add_middleware(SecurityHeaders, docs_paths=[DOCS_URL, REDOC_URL, OAUTH2_REDIRECT_URL])
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` worker processes (settings from PATHWAYS_* variables)."""
    return create_app(get_settings())
