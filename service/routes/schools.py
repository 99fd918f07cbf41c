"""Schools and coach assignments. Coaches see their assigned schools; staff and admin see all."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import delete, select

from recommender.errors import RecordNotFoundError
from service.deps import AccountUser, AdminUser, ScopedSchool, SessionDep
from service.routes._common import SIGNED_IN, add_unique
from service.schemas import DbId, SchoolIn, SchoolOut
from service.tables import CoachSchool, School, User

router = APIRouter(prefix="/schools", tags=["schools"], responses=SIGNED_IN)


@router.get("", response_model=list[SchoolOut])
def list_schools(principal: AccountUser, db: SessionDep) -> list[School]:
    """Schools in the caller's scope, by name."""
    query = select(School).order_by(School.name, School.id)
    if principal.role == "coach":
        query = query.where(School.id.in_(principal.school_ids))
    return list(db.execute(query).scalars())


@router.post("", response_model=SchoolOut, status_code=201, responses={409: SIGNED_IN[422]})
def create_school(body: SchoolIn, principal: AdminUser, db: SessionDep) -> School:
    """Add a school (admin)."""
    _ = principal
    school = School(**body.model_dump())
    add_unique(db, school, "school", "a school of that name exists in the district")
    return school


@router.get("/{school_id}", response_model=SchoolOut)
def get_school(school: ScopedSchool) -> School:
    """One school in the caller's scope."""
    return school


@router.put("/{school_id}/coaches/{user_id}", status_code=204)
def assign_coach(
    principal: AdminUser, school: ScopedSchool, user_id: DbId, db: SessionDep
) -> Response:
    """Assign a coach to a school (admin); assigning twice changes nothing."""
    _ = principal
    user = db.get(User, user_id)
    if user is None or user.role != "coach":
        raise RecordNotFoundError("coach", user_id)
    if db.get(CoachSchool, (user_id, school.id)) is None:
        db.add(CoachSchool(user_id=user_id, school_id=school.id))
    return Response(status_code=204)


@router.delete("/{school_id}/coaches/{user_id}", status_code=204)
def unassign_coach(
    principal: AdminUser, school: ScopedSchool, user_id: DbId, db: SessionDep
) -> Response:
    """Remove a coach from a school (admin); removing an absent assignment changes nothing."""
    _ = principal
    db.execute(
        delete(CoachSchool).where(
            CoachSchool.user_id == user_id, CoachSchool.school_id == school.id
        )
    )
    return Response(status_code=204)
