"""The application factory: ``create_app(settings)`` builds a FastAPI app bound to one database.

No state is kept in process memory apart from metrics and the loaded model: sessions, throttling
and the active model version live in the database, so several processes can serve one database;
each process's ``ModelHolder`` (``app.state.models``) follows the database's active version.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from recommender.model import DEFAULT_MODELS_DIR
from service.auth import make_password_hasher
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


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready-to-serve app for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.models.start(app.state.sessionmaker)
        yield
        engine.dispose()

    app = FastAPI(
        title="Pathways",
        version=API_VERSION,
        description=(
            "Career pathway recommendations for Mississippi high schools: assessments, "
            "coach records, reports. Errors are application/problem+json."
        ),
        lifespan=lifespan,
    )
    # Routes read settings from app.state (service.deps.SettingsDep), not through
    # dependency_overrides: while any override is set, FastAPI re-analyses every dependency of
    # every request, which cost about a quarter of a stored recommendation's CPU time.
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.hasher = make_password_hasher(settings)
    app.state.metrics = RequestMetrics()
    app.state.models = ModelHolder(DEFAULT_MODELS_DIR)
    app.state.models_dir = DEFAULT_MODELS_DIR
    install_problem_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    install_pages(app)
    app.add_middleware(
        RequestGuard, max_body_bytes=settings.max_body_bytes, metrics=app.state.metrics
    )
    # added last, so outermost: its headers are on every response, the guard's 413 included
    docs = (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url)
    app.add_middleware(SecurityHeaders, docs_paths=[p for p in docs if p])
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` worker processes (settings from PATHWAYS_* variables)."""
    return create_app(get_settings())
