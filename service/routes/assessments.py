"""The assessment: instrument, start or resume, autosave and idempotent submit.

A student works only on their own assessment. Answers autosave with PUT of partial answers
(maps merge item by item). Aptitude items are issued from a seed held on the server and scored
there; only ``POST …/aptitude/{subtest}/start`` starts a subtest's clock (a GET reads a started
one again, never changes anything), and answers after its time limit are refused.
Submitting twice with the same client key returns the same result. A coach's school records
can be entered before or after submission; after it, the profile is scored again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from recommender.catalogue import Catalogue, get_catalogue
from recommender.dimensions import Plan
from recommender.errors import RecordConflictError
from service.assessing import (
    describe_clock,
    describe_instrument,
    enter_records,
    finish_subtest,
    get_instrument,
    issue_subtest,
    merge_answers,
    score_stored,
    start_or_resume,
)
from service.deps import (
    CaseloadAssessment,
    CaseloadStudent,
    CurrentUser,
    NowDep,
    OwnedAssessment,
    ScopedAssessment,
    SessionDep,
    StudentUser,
)
from service.routes._common import SIGNED_IN
from service.schemas import RequestModel
from service.tables import Assessment

router = APIRouter(tags=["assessment"], responses=SIGNED_IN)

Language = Literal["en", "es"]
ItemId = Annotated[str, StringConstraints(pattern=r"^[\w-]{1,32}$")]
Rating = Annotated[int, Field(ge=1, le=5)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]


class StartIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    language: Language = "en"


class AnswersIn(RequestModel):
    """Part of the answers; only the fields sent change (an item set to null is cleared)."""

    model_config = ConfigDict(extra="forbid")
    interests: dict[ItemId, Rating | None] | None = Field(default=None, max_length=200)
    values: dict[ItemId, Rating | None] | None = Field(default=None, max_length=100)
    aptitude: (
        dict[ItemId, dict[Annotated[str, StringConstraints(pattern=r"^\d{1,3}$")], int | None]]
        | None
    ) = Field(default=None, max_length=10, description="subtest -> item index -> option chosen")
    plan: Plan | None = None
    county_fips: Annotated[str, StringConstraints(pattern=r"^28\d{3}$")] | None = None
    will_commute: bool | None = None
    will_relocate: bool | None = None


class RecordsIn(RequestModel):
    """School records a coach enters (ACT, WorkKeys, GPA); null clears one."""

    model_config = ConfigDict(extra="forbid")
    records: dict[ItemId, float | None] = Field(max_length=50)


class SubmitIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    client_key: Annotated[str, StringConstraints(pattern=r"^[\w-]{8,64}$")] = Field(
        description="random key the page makes once per submission; repeats are idempotent"
    )


class AssessmentOut(BaseModel):
    id: int
    student_id: int
    instrument_version: str
    language: str
    status: Literal["in_progress", "submitted"]
    answers: dict[str, Any]
    profile: dict[str, Any] | None
    started_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


def _out(assessment: Assessment) -> AssessmentOut:
    return AssessmentOut(
        id=assessment.id,
        student_id=assessment.student_id,
        instrument_version=assessment.instrument_version,
        language=assessment.language,
        status=assessment.status,  # type: ignore[arg-type]
        answers=dict(assessment.answers or {}),
        profile=assessment.profile,
        started_at=assessment.started_at,
        updated_at=assessment.updated_at,
        submitted_at=assessment.submitted_at,
    )


@router.get("/instrument")
def get_instrument_document(
    principal: CurrentUser,
    language: Annotated[Language, Query()] = "en",
    version: Annotated[str | None, Query(pattern=r"^[\w.-]{1,32}$")] = None,
) -> dict[str, Any]:
    """The instrument in English or Spanish: items, labels, subtests; never keys or seeds."""
    _ = principal
    return describe_instrument(get_instrument(version, language))


@router.post(
    "/assessments", response_model=AssessmentOut, responses={201: {"model": AssessmentOut}}
)
def start_assessment(
    body: StartIn, principal: StudentUser, db: SessionDep, now: NowDep, response: Response
) -> AssessmentOut:
    """Resume the student's open assessment (200) or start one on the current instrument (201).

    Resuming in another language switches the assessment to it (aptitude items follow).
    """
    assert principal.student_id is not None
    assessment, created = start_or_resume(db, principal.student_id, body.language, now)
    if created:
        response.status_code = 201
    elif assessment.language != body.language:
        assessment.language = body.language
        db.flush()
    return _out(assessment)


@router.get("/assessments/{assessment_id}", response_model=AssessmentOut)
def get_assessment(assessment: ScopedAssessment) -> AssessmentOut:
    """One assessment: its saved answers, status and, once submitted, the scored profile."""
    return _out(assessment)


SubtestPath = Annotated[str, Path(pattern=r"^[a-z_]{1,32}$")]


def _issued(assessment: Assessment, subtest: str, now: datetime, *, start: bool) -> dict[str, Any]:
    """A subtest's items and clock; ``start``: record the issue and start the clock if not yet."""
    _check_open(assessment)
    instrument = get_instrument(assessment.instrument_version, assessment.language)
    seeds = assessment.aptitude_seeds or {}
    items, block = issue_subtest(instrument, seeds, subtest, now)
    if start:
        assessment.aptitude_seeds = seeds = {**seeds, subtest: block}
    elif "started_at" not in (seeds.get(subtest) or {}):
        raise RecordConflictError(
            "subtest",
            f"{subtest} has not been started; POST "
            f"/assessments/{assessment.id}/aptitude/{subtest}/start starts its clock",
        )
    clock = describe_clock(instrument, seeds, now)[subtest]
    return {
        "subtest": subtest,
        "time_limit_s": clock["time_limit_s"],
        "remaining_s": clock["remaining_s"],
        "finished": clock["finished"],
        "items": items,
    }


@router.get("/assessments/{assessment_id}/aptitude/{subtest}")
def get_aptitude_items(
    assessment: OwnedAssessment, subtest: SubtestPath, now: NowDep
) -> dict[str, Any]:
    """A started subtest's items (the same ones again) and the time left; changes nothing.

    ``remaining_s`` is the time left (0 once the time is up or the student finished it); a
    subtest not started yet is a 409 problem.
    """
    return _issued(assessment, subtest, now, start=False)


@router.post("/assessments/{assessment_id}/aptitude/{subtest}/start")
def start_aptitude(
    assessment: OwnedAssessment, subtest: SubtestPath, db: SessionDep, now: NowDep
) -> dict[str, Any]:
    """Start a subtest's clock on the server and issue its items; again: the same clock resumes."""
    answer = _issued(assessment, subtest, now, start=True)
    db.flush()
    return answer


@router.post("/assessments/{assessment_id}/aptitude/{subtest}/finish")
def finish_aptitude(
    assessment: OwnedAssessment, subtest: SubtestPath, db: SessionDep, now: NowDep
) -> dict[str, Any]:
    """The student is done with a subtest before its time ran out; later answers are refused."""
    _check_open(assessment)
    instrument = get_instrument(assessment.instrument_version, assessment.language)
    block = finish_subtest(instrument, assessment.aptitude_seeds or {}, subtest)
    assessment.aptitude_seeds = {**(assessment.aptitude_seeds or {}), subtest: block}
    db.flush()
    clock = describe_clock(instrument, assessment.aptitude_seeds, now)[subtest]
    return {"subtest": subtest, **clock}


@router.put("/assessments/{assessment_id}/answers", response_model=AssessmentOut)
def save_answers(
    assessment: OwnedAssessment, body: AnswersIn, db: SessionDep, now: NowDep
) -> AssessmentOut:
    """Autosave part of the answers; sending the same part twice changes nothing more."""
    _check_open(assessment)
    instrument = get_instrument(assessment.instrument_version, assessment.language)
    assessment.answers = merge_answers(
        assessment.answers or {},
        body.model_dump(exclude_unset=True),
        instrument,
        assessment.aptitude_seeds or {},
        now,
    )
    assessment.updated_at = now
    # no flush here: the UPDATE goes out with the commit when the route returns, so the write
    # transaction (SQLite's one writer) lasts only the UPDATE and the commit
    return _out(assessment)


@router.put("/assessments/{assessment_id}/records", response_model=AssessmentOut)
def save_records(
    assessment: CaseloadAssessment,
    body: RecordsIn,
    db: SessionDep,
    now: NowDep,
    catalogue: CatalogueDep,
) -> AssessmentOut:
    """A coach enters school records (ACT, WorkKeys, GPA); a submitted profile is scored again."""
    enter_records(assessment, body.records, catalogue.county_region, now)
    db.flush()
    return _out(assessment)


@router.post("/assessments/{assessment_id}/submit", response_model=AssessmentOut)
def submit_assessment(
    assessment: OwnedAssessment,
    body: SubmitIn,
    db: SessionDep,
    now: NowDep,
    catalogue: CatalogueDep,
) -> AssessmentOut:
    """Score on the server and close the assessment; a repeat with the same key returns it again."""
    if assessment.status == "submitted":
        if assessment.client_key == body.client_key:
            return _out(assessment)
        raise RecordConflictError("assessment", "already submitted with another client key")
    instrument = get_instrument(assessment.instrument_version, assessment.language)
    assessment.profile = score_stored(
        assessment.answers or {},
        assessment.aptitude_seeds or {},
        instrument,
        catalogue.county_region,
    )
    assessment.status = "submitted"
    assessment.client_key = body.client_key
    assessment.submitted_at = now
    assessment.updated_at = now
    db.flush()
    return _out(assessment)


@router.get("/students/{student_id}/assessments", response_model=list[AssessmentOut])
def list_student_assessments(student: CaseloadStudent, db: SessionDep) -> list[AssessmentOut]:
    """A caseload student's assessments, newest first."""
    rows = db.execute(
        select(Assessment).where(Assessment.student_id == student.id).order_by(Assessment.id.desc())
    ).scalars()
    return [_out(a) for a in rows]


def _check_open(assessment: Assessment) -> None:
    if assessment.status != "in_progress":
        raise RecordConflictError("assessment", "already submitted; answers can no longer change")
