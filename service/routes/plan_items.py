"""Add a pathway or occupation from anywhere in the catalogue to a caseload student's plan."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from service.deps import CaseloadStudent, CoachUser, NowDep, SessionDep
from service.planning import add_to_plan
from service.routes._common import SIGNED_IN
from service.schemas import Code, PlanOut, RequestModel

router = APIRouter(
    prefix="/students/{student_id}/plan", tags=["plans and outcomes"], responses=SIGNED_IN
)


class PlanItemIn(RequestModel):
    code: Code = Field(description="a pathway or occupation code of the catalogue")


class PlanItemOut(PlanOut):
    added: bool = Field(description="false when the plan already held the code")


@router.post(
    "/items",
    response_model=PlanItemOut,
    responses={409: {"description": "the plan is full"}, 422: {"description": "unknown code"}},
)
def add_plan_item(
    body: PlanItemIn,
    student: CaseloadStudent,
    principal: CoachUser,
    db: SessionDep,
    now: NowDep,
) -> PlanItemOut:
    """Add one code to the end of the plan (a plan is made if none exists); a code already in
    the plan changes nothing."""
    plan, added = add_to_plan(db, student, body.code, by_user=principal.user_id, now=now)
    out = PlanOut.model_validate(plan)
    return PlanItemOut(**out.model_dump(), added=added)
