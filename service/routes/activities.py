"""The coach activity log: every category the state counts (``service.activities`` checks them).

Coaches list the entries of their schools and change only their own; an admin changes any.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from service import activities as ops
from service.deps import ID_MAX, CoachUser, NowDep, ScopedActivity, SessionDep
from service.routes._common import SIGNED_IN
from service.schemas import (
    ActivityCategory,
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    DbId,
    SchoolYear,
)
from service.tables import Activity

router = APIRouter(prefix="/activities", tags=["activity log"], responses=SIGNED_IN)

ActivityIdPath = Annotated[int, Path(ge=1, le=ID_MAX)]


def _out(activity: Activity, attendees: list[int]) -> ActivityOut:
    return ActivityOut.model_validate(activity).model_copy(update={"attendee_ids": attendees})


@router.get("", response_model=list[ActivityOut])
def list_activities(
    principal: CoachUser,
    db: SessionDep,
    school_id: Annotated[DbId | None, Query()] = None,
    student_id: Annotated[DbId | None, Query()] = None,
    school_year: Annotated[SchoolYear | None, Query()] = None,
    category: Annotated[ActivityCategory | None, Query()] = None,
    mine: Annotated[bool, Query(description="only the caller's own entries")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ActivityOut]:
    """Activities of schools in the caller's scope, newest first (a student: named or present)."""
    found = ops.list_activities(
        db,
        principal,
        coach_id=principal.user_id if mine else None,
        school_id=school_id,
        student_id=student_id,
        school_year=school_year,
        category=category,
        limit=limit,
        offset=offset,
    )
    present = ops.attendees_of(db, (a.id for a in found))
    return [_out(a, present.get(a.id, [])) for a in found]


@router.post("", response_model=ActivityOut, status_code=201)
def create_activity(
    request: Request, body: ActivityIn, principal: CoachUser, db: SessionDep, now: NowDep
) -> ActivityOut:
    """Log an activity at a school in scope; the fields its category needs are checked and every
    wrong one is named (a named student must be at that school)."""
    values: dict[str, Any] = body.model_dump()
    values["attendee_ids"] = tuple(values["attendee_ids"])
    draft = ops.ActivityDraft(**values)
    activity = ops.create_activity(request, db, principal, draft, now, prefix="body.")
    return _out(activity, list(draft.attendee_ids))


@router.get("/{activity_id}", response_model=ActivityOut)
def get_activity(activity: ScopedActivity, db: SessionDep) -> ActivityOut:
    """One activity-log entry."""
    return _out(activity, ops.attendees_of(db, [activity.id]).get(activity.id, []))


@router.patch("/{activity_id}", response_model=ActivityOut)
def update_activity(
    request: Request,
    activity_id: ActivityIdPath,
    body: ActivityPatch,
    principal: CoachUser,
    db: SessionDep,
    now: NowDep,
) -> ActivityOut:
    """Correct one of your entries (admin: any); the result is checked whole, and changing the
    date moves it to that date's school year."""
    activity = ops.editable_activity(db, principal, activity_id)
    changes = body.model_dump(exclude_unset=True)
    kept = {k: v for k, v in changes.items() if v is not None or k == "student_id"}
    if "attendee_ids" in kept:
        kept["attendee_ids"] = tuple(kept["attendee_ids"])
    draft = replace(ops.draft_of(activity), **kept)
    ops.update_activity(request, db, principal, activity, draft, now, prefix="body.")
    return _out(activity, ops.attendees_of(db, [activity.id]).get(activity.id, []))


@router.delete("/{activity_id}", status_code=204)
def delete_activity(activity_id: ActivityIdPath, principal: CoachUser, db: SessionDep) -> Response:
    """Remove one of your entries logged by mistake (admin: any)."""
    ops.delete_activity(db, ops.editable_activity(db, principal, activity_id))
    return Response(status_code=204)
