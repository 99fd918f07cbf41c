"""Accounts of coaches, staff and admins (admin only). Students have no account or password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from recommender.errors import RecordConflictError, RecordNotFoundError
from service.auth import normalise_username
from service.deps import AdminUser, SessionDep
from service.models import AuthSession, CoachSchool, User
from service.routes._common import SIGNED_IN
from service.schemas import DbId, UserIn, UserOut, UserPatch

router = APIRouter(prefix="/users", tags=["accounts"], responses=SIGNED_IN)


def _user_out(db: SessionDep, user: User) -> UserOut:
    schools = sorted(
        db.execute(select(CoachSchool.school_id).where(CoachSchool.user_id == user.id)).scalars()
    )
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,  # type: ignore[arg-type]
        active=user.active,
        school_ids=schools,
    )


@router.get("", response_model=list[UserOut])
def list_users(principal: AdminUser, db: SessionDep) -> list[UserOut]:
    """Every account, by username."""
    _ = principal
    users = db.execute(select(User).order_by(User.username)).scalars()
    return [_user_out(db, u) for u in users]


@router.post("", response_model=UserOut, status_code=201, responses={409: SIGNED_IN[422]})
def create_user(body: UserIn, request: Request, principal: AdminUser, db: SessionDep) -> UserOut:
    """Create an account with an argon2id password hash."""
    _ = principal
    user = User(
        username=normalise_username(body.username),
        display_name=body.display_name,
        role=body.role,
        password_hash=request.app.state.hasher.hash(body.password),
        active=True,
    )
    try:
        with db.begin_nested():
            db.add(user)
    except IntegrityError as exc:
        raise RecordConflictError("user", "that username is taken") from exc
    return _user_out(db, user)


@router.patch("/{user_id}", response_model=UserOut)
def update_user(
    user_id: DbId, body: UserPatch, request: Request, principal: AdminUser, db: SessionDep
) -> UserOut:
    """Rename, disable or reset the password of an account; disabling ends its sessions."""
    _ = principal
    user = db.get(User, user_id)
    if user is None:
        raise RecordNotFoundError("user", user_id)
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.password is not None:
        user.password_hash = request.app.state.hasher.hash(body.password)
    if body.active is not None:
        user.active = body.active
    if body.active is False or body.password is not None:
        db.query(AuthSession).filter(AuthSession.user_id == user.id).delete()
    db.flush()
    return _user_out(db, user)
