"""A caseload student's plan (one per student) and graded outcomes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from recommender.catalogue import Catalogue, get_catalogue
from recommender.errors import InvalidRecordError
from service import planning
from service.deps import CaseloadStudent, CoachUser, NowDep, ScopedOutcome, SessionDep
from service.exporting import known_outcome_codes
from service.routes._common import SIGNED_IN
from service.schemas import OutcomeIn, OutcomeOut, OutcomePatch, PlanIn, PlanOut, SchoolYear
from service.tables import Outcome

router = APIRouter(
    prefix="/students/{student_id}", tags=["plans and outcomes"], responses=SIGNED_IN
)


@router.get("/plan", response_model=PlanOut)
def get_plan(student: CaseloadStudent, db: SessionDep) -> PlanOut:
    """The student's current plan (empty lists and notes when none has been saved)."""
    plan = planning.get_plan(db, student.id)
    if plan is None:
        return PlanOut(
            student_id=student.id, chosen_pathways=[], next_steps=[], notes="", updated_at=None
        )
    return PlanOut.model_validate(plan)


@router.put("/plan", response_model=PlanOut)
def put_plan(
    student: CaseloadStudent, body: PlanIn, principal: CoachUser, db: SessionDep, now: NowDep
) -> PlanOut:
    """Replace the student's plan with the body (pathway codes kept in the order given)."""
    plan = planning.save_plan(
        db,
        student.id,
        chosen=list(dict.fromkeys(body.chosen_pathways)),
        next_steps=list(body.next_steps),
        notes=body.notes,
        by_user=principal.user_id,
        now=now,
    )
    return PlanOut.model_validate(plan)


@router.get("/outcomes", response_model=list[OutcomeOut])
def list_outcomes(
    student: CaseloadStudent,
    db: SessionDep,
    school_year: Annotated[SchoolYear | None, Query()] = None,
) -> list[Outcome]:
    """The student's outcomes, oldest first."""
    query = select(Outcome).where(Outcome.student_id == student.id).order_by(Outcome.id)
    if school_year is not None:
        query = query.where(Outcome.school_year == school_year)
    return list(db.execute(query).scalars())


def check_outcome_code(catalogue: Catalogue, kind: str, code: str) -> None:
    """InvalidRecordError (422 on ``body.code``) unless the catalogue knows ``code`` as a ``kind``
    (an O*NET-SOC occupation code or a pathway code), so every outcome can be exported."""
    if code in known_outcome_codes(catalogue).get(kind, frozenset()):
        return
    if kind == "occupation":
        example = "an O*NET-SOC code such as 29-1141.00 from GET /catalogue/occupations"
    else:
        example = "a pathway code from GET /catalogue/pathways"
    raise InvalidRecordError(
        "body.code",
        f"{code!r} is not a {kind} code of the catalogue (version {catalogue.version}); "
        f"give {example}",
    )


@router.post("/outcomes", response_model=OutcomeOut, status_code=201)
def create_outcome(
    student: CaseloadStudent,
    body: OutcomeIn,
    principal: CoachUser,
    db: SessionDep,
    catalogue: Annotated[Catalogue, Depends(get_catalogue)],
) -> Outcome:
    """Record a graded outcome for an occupation or pathway code the catalogue knows."""
    check_outcome_code(catalogue, body.code_kind, body.code)
    outcome = Outcome(student_id=student.id, recorded_by=principal.user_id, **body.model_dump())
    db.add(outcome)
    db.flush()
    return outcome


@router.patch("/outcomes/{outcome_id}", response_model=OutcomeOut)
def update_outcome(outcome: ScopedOutcome, body: OutcomePatch, db: SessionDep) -> Outcome:
    """Correct the grade, event type or date of an outcome."""
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is not None or field == "occurred_on":
            setattr(outcome, field, value)
    db.flush()
    return outcome


@router.delete("/outcomes/{outcome_id}", status_code=204)
def delete_outcome(outcome: ScopedOutcome, db: SessionDep) -> Response:
    """Remove an outcome recorded by mistake."""
    db.delete(outcome)
    return Response(status_code=204)
