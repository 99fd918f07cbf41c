"""The coach activity log: one-on-ones, group sessions, job shadows and the other categories."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from recommender.errors import InvalidRecordError, RecordNotFoundError
from service.deps import (
    CoachUser,
    NowDep,
    ScopedActivity,
    SessionDep,
    load_student_for,
    sees_school,
)
from service.models import Activity, School
from service.routes._common import SIGNED_IN
from service.schemas import (
    ActivityCategory,
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    DbId,
    SchoolYear,
    school_year_of,
)

router = APIRouter(prefix="/activities", tags=["activity log"], responses=SIGNED_IN)


@router.get("", response_model=list[ActivityOut])
def list_activities(
    principal: CoachUser,
    db: SessionDep,
    school_id: Annotated[DbId | None, Query()] = None,
    student_id: Annotated[DbId | None, Query()] = None,
    school_year: Annotated[SchoolYear | None, Query()] = None,
    category: Annotated[ActivityCategory | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[Activity]:
    """Activities of schools in the caller's scope, newest first."""
    query = select(Activity).order_by(Activity.occurred_on.desc(), Activity.id.desc())
    if principal.role == "coach":
        query = query.where(Activity.school_id.in_(principal.school_ids))
    if school_id is not None:
        query = query.where(Activity.school_id == school_id)
    if student_id is not None:
        query = query.where(Activity.student_id == student_id)
    if school_year is not None:
        query = query.where(Activity.school_year == school_year)
    if category is not None:
        query = query.where(Activity.category == category)
    return list(db.execute(query.limit(limit).offset(offset)).scalars())


@router.post("", response_model=ActivityOut, status_code=201)
def create_activity(
    request: Request, body: ActivityIn, principal: CoachUser, db: SessionDep, now: NowDep
) -> Activity:
    """Log an activity at a school in scope; a named student must belong to that school."""
    if db.get(School, body.school_id) is None or not sees_school(principal, body.school_id):
        raise RecordNotFoundError("school", body.school_id)
    if body.student_id is not None:
        student = load_student_for(request, db, principal, body.student_id, now)
        if student is None:
            raise RecordNotFoundError("student", body.student_id)
        if student.school_id != body.school_id:
            raise InvalidRecordError("body.student_id", "the student is not at this school")
    activity = Activity(
        **body.model_dump(),
        coach_id=principal.user_id,
        school_year=school_year_of(body.occurred_on),
    )
    db.add(activity)
    db.flush()
    return activity


@router.get("/{activity_id}", response_model=ActivityOut)
def get_activity(activity: ScopedActivity) -> Activity:
    """One activity-log entry."""
    return activity


@router.patch("/{activity_id}", response_model=ActivityOut)
def update_activity(activity: ScopedActivity, body: ActivityPatch, db: SessionDep) -> Activity:
    """Correct an entry; changing the date moves it to that date's school year."""
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(activity, field, value)
    activity.school_year = school_year_of(activity.occurred_on)
    db.flush()
    return activity


@router.delete("/{activity_id}", status_code=204)
def delete_activity(activity: ScopedActivity, db: SessionDep) -> Response:
    """Remove an entry logged by mistake."""
    db.delete(activity)
    return Response(status_code=204)
