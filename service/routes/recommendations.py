"""Ranked pathways for one student: the stored default result, and what-if re-rankings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final, Literal

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from recommender.dimensions import PLANS
from recommender.errors import InvalidRecordError
from service.deps import NowDep, SessionDep, StudentIdPath, resolve_own_or_caseload_student
from service.i18n import DEFAULT_LANGUAGE, available_languages
from service.recommending import ModelHolder, recommendation_json
from service.routes._common import SIGNED_IN
from service.schemas import FiguresScope

router = APIRouter(tags=["recommendations"], responses=SIGNED_IN)

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

#: Worker threads that may answer recommendation requests at once in one process, by database.
#: Threads beyond what can overlap only contend for the interpreter lock and cost CPU: on 2 cores
#: at 16 connections (bench/README.md), SQLite with 1 thread gave about 610 stored results/s at
#: p99 32 ms and 1.7 CPU-ms each, 2 threads 545/s at p99 34-45 ms and 1.95 CPU-ms, 4 threads
#: 505/s at p99 50-57 ms and 2.2 CPU-ms, the shared pool (40) 390/s at p99 about 120 ms.
#: Two, not one, so that a slow request (a model load after a promotion elsewhere, a what-if, a
#: busy SQLite file) does not hold up every other. A server database adds network round trips,
#: which a few more threads overlap. Waiting requests queue in order on the event loop.
RECOMMEND_THREADS: Final = {"sqlite": 2}
RECOMMEND_THREADS_SERVER_DB: Final = 4

_limiters: RunVar[dict[int, CapacityLimiter]] = RunVar("pathways_recommend_limiters")


def _recommend_limiter(request: Request) -> CapacityLimiter:
    """The event loop's limiter for recommendation work on this app's database (made once)."""
    dialect = str(request.app.state.engine.dialect.name)
    tokens = RECOMMEND_THREADS.get(dialect, RECOMMEND_THREADS_SERVER_DB)
    try:
        limiters = _limiters.get()
    except LookupError:
        limiters = {}
        _limiters.set(limiters)
    if tokens not in limiters:
        limiters[tokens] = CapacityLimiter(tokens)
    return limiters[tokens]


async def get_model_holder(request: Request) -> ModelHolder:
    """The process's model holder, made by the app factory."""
    holder: ModelHolder = request.app.state.models
    return holder


ModelHolderDep = Annotated[ModelHolder, Depends(get_model_holder)]


class ReasonOut(BaseModel):
    factor: str = Field(description="interests, aptitudes, values, education, demand or wage")
    weight: float = Field(description="score points the factor adds over its neutral value")
    text: str = Field(
        description="the sentence in the request's language (`?language=`, English by default), "
        "rendered from `message_id` and `params`; for another language, ask again with it"
    )
    claim: str | None = Field(
        default=None,
        description="what the figures say, e.g. fits / more / less (education), above / below / "
        "about / no_figure (wage), shared (interests), strength / gap (aptitudes); None in "
        "results stored before reasons were checked against the figures",
    )
    stance: Literal["pro", "con", "none"] | None = Field(
        default=None,
        description="pro: a reason it fits; con: a thing to think about; none: a neutral fact",
    )
    facts: dict[str, Any] | None = Field(
        default=None, description="the figures the claim rests on (null for a missing figure)"
    )
    model_agrees: bool | None = Field(
        default=None,
        description="false when the model's effect (weight) clearly points against the fact; "
        "None when either is neutral",
    )
    message_id: str | None = Field(
        default=None,
        description="the English sentence with named %(name)s placeholders: the reason's id in "
        "the message catalogue (service/locales), rendered in a language with `params`",
    )
    params: dict[str, Any] | None = Field(
        default=None,
        description="the placeholders' values, each typed so the reader's locale formats it: "
        '{"message": msgid, "params": {...}} (a phrase, translated), {"list": [...]} (joined), '
        '{"money": dollars}, {"number": n}, {"occupation": code, "text": "..."} (a name: the '
        "project's title of that catalogue occupation in the language where one is written, "
        'else `text`) or {"text": "..."} (shown as it is); `text` is this message rendered in '
        "the request's language",
    )


class ProgramOut(BaseModel):
    cip_code: str
    title: str


class CampusOut(BaseModel):
    name: str
    city: str = Field(description="'' when the source names none")
    county_fips: str = Field(description="'' when the source names none")
    main: bool


class TrainingRouteOut(BaseModel):
    unitid: str = Field(description="the college's IPEDS UNITID")
    college: str
    kind: Literal[
        "community_college", "public_university", "private_nonprofit", "private_for_profit"
    ]
    local: bool = Field(description="a community college of the student's district")
    cip4: str = Field(description="4-digit CIP 2020 programme family, NN.NN")
    title: str = Field(description="the family's CIP title")
    program_cip: str = Field(description="the job's most direct 6-digit CIP programme in it")
    program_title: str
    directness: Literal["named", "linked", "group"] = Field(
        description="named: the programme's title names the job; linked: the CIP-SOC crosswalk "
        "links it; group: linked to the SOC group this O*NET title belongs to"
    )
    credential_level: int = Field(description="College Scorecard credential level (1-8)")
    credential: str
    completers: int | None = Field(description="Scorecard award count; None when not reported")
    earnings: float | None = Field(
        description="median earnings after completion, USD; None when suppressed (small group)"
    )
    earnings_years: int | None = Field(description="years after completion the earnings are for")
    level_vs_usual: int = Field(
        description="-1 below, 0 at, +1 above the credential the usual education calls for"
    )
    fits_plan: bool
    campuses: list[CampusOut] = Field(
        description="a district college's campuses, the student's county first, then the main "
        "campus (the data does not say which campus teaches the programme); [] for others"
    )


class EducationStepOut(BaseModel):
    vs_plan: int = Field(description="+1 the usual education is beyond the plan, -1 below it")
    education_code: int
    min_years: float = Field(description="fewest years after high school it takes")
    text: str = Field(description="the sentence in the request's language, as a reason's")
    message_id: str | None = Field(
        default=None,
        description="the sentence's id in the message catalogue, rendered in a language with "
        "`params` as a reason's is",
    )
    params: dict[str, Any] | None = Field(
        default=None, description="the placeholders' typed values, as a reason's `params`"
    )


class TrainingPlaceOut(BaseModel):
    county_fips: str | None = Field(description="the county the routes are for; None: region")
    county_name: str | None
    region: str
    district_colleges: list[str] = Field(description="the district's community colleges")


class _TitledOut(BaseModel):
    """A catalogue entry's code and its English and Spanish titles (first in each result)."""

    code: str
    title: str
    title_es: str | None = Field(
        default=None, description="the project's Spanish title ('' if none; None in older results)"
    )


class OccupationOut(_TitledOut):
    score: float
    fit: float
    demand: float
    wage: float
    high_value: bool
    employment: float | None = Field(description="jobs in the region (None when not published)")
    wage_median: float | None = Field(description="annual median wage in the region, US dollars")
    figures_scope: FiguresScope | None = Field(
        default=None,
        description="whose employment and wage these are: the occupation's own OEWS series, a "
        "group's (a series shared with other titles, or a SOC broad group: the jobs are the "
        "whole group's, not this title's alone) or none; None in results stored before it was "
        "recorded",
    )
    figures_group_code: str | None = Field(
        default=None, description="the group's OEWS series code when figures_scope is 'group'"
    )
    figures_group_title: str | None = Field(
        default=None,
        description="the group's title when the catalogue has one ('' when not), for 'group'",
    )
    figures_group_size: int | None = Field(
        default=None, description="catalogue occupations sharing the group's series, for 'group'"
    )
    probability: float | None = Field(
        default=None,
        description="calibrated chance of a strong outcome (grade 2 or more) for a student with "
        "this fit; None when the model version has no calibration",
    )
    reasons: list[ReasonOut]
    programs: list[ProgramOut] = Field(description="first CIP programmes that train for it")
    usual_education: str | None = Field(
        default=None, description="BLS typical entry education (None when unknown)"
    )
    education_step: EducationStepOut | None = Field(
        default=None,
        description="the step said plainly when the usual education is beyond or below the plan",
    )
    training_routes: list[TrainingRouteOut] = Field(
        default_factory=list,
        description="Mississippi colleges that award a linked programme, in display order "
        "(district community colleges first); at most 8",
    )
    training_routes_total: int = Field(default=0, description="routes before the cut to 8")
    district_without_routes: list[str] = Field(
        default_factory=list,
        description="district community colleges that award none of its programmes in the data",
    )


class PathwayOut(_TitledOut):
    cluster: str
    cluster_es: str | None = Field(default=None, description="the cluster's Spanish title")
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
    training_place: TrainingPlaceOut | None = Field(
        default=None, description="where the training routes are for; None in older results"
    )


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
    language: Annotated[
        str,
        Query(
            pattern=r"^[a-z]{2,3}$",
            description="language of each reason's `text` (a message catalogue's code: en, es); "
            "English when not given. Changes nothing stored and is not a what-if",
        ),
    ] = DEFAULT_LANGUAGE,
) -> Response:
    """Top pathways from the latest submitted assessment; with region, plan or k a what-if.

    The default result is stored with its model and catalogue versions and inputs; a what-if
    re-ranks without touching what is stored. Reasons carry their message id and parameters,
    and their sentence in ``language`` as ``text``.
    """

    # Sign-in, scope check and recommendation in one worker-thread hop (not one per dependency):
    # each hop costs CPU, and a request waiting for a thread between two hops would hold a
    # pooled connection. The session is committed and closed by SessionDep (its own thread).
    def answer() -> bytes:
        principal, student = resolve_own_or_caseload_student(request, db, now, student_id)
        if language not in available_languages():
            raise InvalidRecordError(
                "query.language", f"{language!r} is not one of {list(available_languages())}"
            )
        return recommendation_json(
            db,
            holder,
            student,
            region=region,
            plan=plan,
            k=k,
            by_user=principal.user_id,
            language=language,
        )

    # The body is written by service.recommending (a stored result with each sentence rendered
    # in the request's language); RecommendationOut documents it and the tests check the two
    # agree.
    body = await anyio.to_thread.run_sync(answer, limiter=_recommend_limiter(request))
    return Response(body, media_type="application/json")
