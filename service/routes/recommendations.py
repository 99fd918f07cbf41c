"""Ranked pathways for one student: the stored default result, and what-if re-rankings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from recommender.dimensions import PLANS
from service.deps import NowDep, SessionDep, StudentIdPath, resolve_own_or_caseload_student
from service.recommending import ModelHolder, recommendation_json
from service.routes._common import SIGNED_IN

router = APIRouter(tags=["recommendations"], responses=SIGNED_IN)

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

#: Worker threads that may answer recommendation requests at once in one process. Threads beyond
#: the cores only contend for the interpreter lock: at 16 connections on 2 cores the shared pool
#: (40 threads) gave a p99 about twice that of 4 threads, at more CPU per request. Waiting
#: requests queue in order on the event loop instead. See bench/README.md.
RECOMMEND_THREADS: Final = 4

_limiter: RunVar[CapacityLimiter] = RunVar("pathways_recommend_limiter")


def _recommend_limiter() -> CapacityLimiter:
    """The event loop's limiter for recommendation work (one per loop, made on first use)."""
    try:
        return _limiter.get()
    except LookupError:
        limiter = CapacityLimiter(RECOMMEND_THREADS)
        _limiter.set(limiter)
        return limiter


def get_model_holder(request: Request) -> ModelHolder:
    """The process's model holder, made by the app factory."""
    holder: ModelHolder = request.app.state.models
    return holder


ModelHolderDep = Annotated[ModelHolder, Depends(get_model_holder)]


class ReasonOut(BaseModel):
    factor: str = Field(description="interests, aptitudes, values, education, demand or wage")
    weight: float = Field(description="score points the factor adds over its neutral value")
    text: str
    es: str = Field(description="the same reason in Spanish")


class ProgramOut(BaseModel):
    cip_code: str
    title: str


class OccupationOut(BaseModel):
    code: str
    title: str
    score: float
    fit: float
    demand: float
    wage: float
    high_value: bool
    employment: float | None = Field(description="jobs in the region (None when not published)")
    wage_median: float | None = Field(description="annual median wage in the region, US dollars")
    reasons: list[ReasonOut]
    programs: list[ProgramOut] = Field(description="first CIP programmes that train for it")


class PathwayOut(BaseModel):
    code: str
    title: str
    cluster: str
    score: float
    occupations: list[OccupationOut]


class RecommendationOut(BaseModel):
    student_id: int
    assessment_id: int
    profile_hash: str = Field(description="SHA-256 of the scored profile the result came from")
    what_if: bool = Field(description="true when region, plan or k was given (not stored)")
    stored: bool
    recommendation_id: int | None
    created_at: datetime | None
    model_version: str
    catalogue_version: str
    region: str
    region_name: str
    plan: str
    k: int
    policy: dict[str, float]
    pathways: list[PathwayOut]
    occupations: list[OccupationOut] = Field(description="the k best occupations overall")


@router.get(
    "/students/{student_id}/recommendations",
    response_model=RecommendationOut,
    responses={
        409: {"description": "no submitted assessment yet", **_PROBLEM},
        503: {"description": "no model can be served", **_PROBLEM},
    },
)
async def get_recommendations(
    request: Request,
    student_id: StudentIdPath,
    db: SessionDep,
    now: NowDep,
    holder: ModelHolderDep,
    region: Annotated[
        str | None, Query(pattern=r"^\d{7}$", description="what-if: OEWS area code")
    ] = None,
    plan: Annotated[
        str | None,
        Query(pattern="^(" + "|".join(PLANS) + ")$", description="what-if: plan after school"),
    ] = None,
    k: Annotated[int | None, Query(ge=1, le=20, description="what-if: pathways to list")] = None,
) -> Response:
    """Top pathways from the latest submitted assessment; with region, plan or k a what-if.

    The default result is stored with its model and catalogue versions and inputs; a what-if
    re-ranks without touching what is stored.
    """

    # Sign-in, scope check and recommendation in one worker-thread hop (not one per dependency):
    # each hop costs CPU, and a request waiting for a thread between two hops would hold a
    # pooled connection. The session is committed and closed by SessionDep (its own thread).
    def answer() -> bytes:
        principal, student = resolve_own_or_caseload_student(request, db, now, student_id)
        return recommendation_json(
            db, holder, student, region=region, plan=plan, k=k, by_user=principal.user_id
        )

    # The body is written by service.recommending (a stored result is sent as the JSON text the
    # database holds); RecommendationOut documents it and the tests check the two agree.
    body = await anyio.to_thread.run_sync(answer, limiter=_recommend_limiter())
    return Response(body, media_type="application/json")
