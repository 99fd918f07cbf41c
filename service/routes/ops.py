"""Liveness, readiness and metrics for operators and load balancers (no sign-in needed; metrics
only with the metrics token or from this machine)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import text

from service.metrics import CONTENT_TYPE, check_metrics_access
from service.migrate import current_revision, head_revision
from service.problems import ServiceUnavailableError
from service.schemas import HealthOut

router = APIRouter(tags=["operations"])

_PROBLEM: dict[str, Any] = {"model": None, "content": {"application/problem+json": {}}}


@router.get("/livez", response_model=HealthOut)
def livez() -> HealthOut:
    """The process is up and answering."""
    return HealthOut(status="ok")


@router.get("/readyz", response_model=HealthOut, responses={503: _PROBLEM})
def readyz(request: Request) -> HealthOut:
    """The database answers at the newest migration and the active model is served; else 503."""
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except Exception as exc:  # any driver error means "not ready"
        raise ServiceUnavailableError(f"database unreachable ({type(exc).__name__})") from exc
    head = head_revision()
    if revision != head:
        raise ServiceUnavailableError(
            f"database is at migration {revision or 'none'}, code needs {head}; run migrations"
        )
    holder = request.app.state.models
    with request.app.state.sessionmaker() as db:
        holder.sync(db)
        db.commit()
    status = holder.status()
    if status.problem is not None or status.serving is None:
        raise ServiceUnavailableError(status.problem or "no model is loaded")
    return HealthOut(
        status="ok", checks={"database": "ok", "migration": revision, "model": status.serving}
    )


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={401: _PROBLEM, 403: _PROBLEM},
)
def metrics(request: Request) -> PlainTextResponse:
    """Prometheus text exposition of request counts and durations by route template.

    With PATHWAYS_METRICS_TOKEN set, send it as `Authorization: Bearer <token>`; without it,
    only clients on the service's own machine are answered.
    """
    check_metrics_access(request, request.app.state.settings)
    return PlainTextResponse(request.app.state.metrics.render(), media_type=CONTENT_TYPE)
