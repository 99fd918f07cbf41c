"""Accounts of coaches, staff and admins (admin only). Students have no account or password."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.errors import RecordConflictError, RecordNotFoundError
from service.auth import normalise_username, password_check_slot, unlock_account
from service.deps import AdminUser, NowDep, SessionDep, SettingsDep
from service.passwords import describe_problems, password_problems
from service.routes._common import SIGNED_IN, add_unique
from service.schemas import WEAK_PASSWORD_ERROR, DbId, UserIn, UserOut, UserPatch
from service.tables import AuthSession, CoachSchool, User

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
def create_user(
    body: UserIn, request: Request, principal: AdminUser, db: SessionDep, settings: SettingsDep
) -> UserOut:
    """Create an account with an argon2id password hash."""
    _ = principal
    with password_check_slot(settings):
        password_hash = request.app.state.hasher.hash(body.password)
    user = User(
        username=normalise_username(body.username),
        display_name=body.display_name,
        role=body.role,
        password_hash=password_hash,
        active=True,
    )
    add_unique(db, user, "user", "that username is taken")
    return _user_out(db, user)


def other_active_admins(db: Session, user: User) -> int:
    """Active admin accounts besides ``user``, their rows locked until the transaction ends.

    The lock (PostgreSQL; SQLite serialises writers anyway) keeps two admins who disable each
    other at the same moment from both succeeding and leaving no admin at all.
    """
    admins = db.execute(
        select(User.id).where(User.role == "admin", User.active.is_(True)).with_for_update()
    ).scalars()
    return sum(1 for admin_id in admins if admin_id != user.id)


@router.patch("/{user_id}", response_model=UserOut, responses={409: SIGNED_IN[422]})
def update_user(
    user_id: DbId,
    body: UserPatch,
    request: Request,
    principal: AdminUser,
    db: SessionDep,
    settings: SettingsDep,
) -> UserOut:
    """Rename, disable or reset the password of an account; disabling ends its sessions.

    A new password must keep the password rules (422 naming the rule it breaks); the last
    active admin cannot be disabled (409), so the district never locks itself out. No route
    changes an account's role, so an admin cannot be demoted either.
    """
    _ = principal
    user = db.get(User, user_id)
    if user is None:
        raise RecordNotFoundError("user", user_id)
    if body.password is not None:
        problems = password_problems(body.password, user.username)
        if problems:  # the same 422 as a weak password in POST /users
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "password"),
                        "msg": describe_problems(problems),
                        "type": WEAK_PASSWORD_ERROR,
                    }
                ]
            )
    if (
        body.active is False
        and user.role == "admin"
        and user.active
        and other_active_admins(db, user) == 0
    ):
        raise RecordConflictError(
            "user",
            "this is the last active admin account; make another account an admin "
            "(or enable one) before disabling it",
        )
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.password is not None:
        with password_check_slot(settings):
            user.password_hash = request.app.state.hasher.hash(body.password)
    if body.active is not None:
        user.active = body.active
    if body.active is False or body.password is not None:
        db.query(AuthSession).filter(AuthSession.user_id == user.id).delete()
    db.flush()
    return _user_out(db, user)


@router.post("/{user_id}/unlock", status_code=204)
def unlock_user(user_id: DbId, principal: AdminUser, db: SessionDep, now: NowDep) -> Response:
    """Clear the account's sign-in throttle: its account-wide delay and the delay of every
    client that failed for it, so the owner can sign in again at once. Failure budgets of
    clients (which span accounts) stay."""
    _ = principal
    user = db.get(User, user_id)
    if user is None:
        raise RecordNotFoundError("user", user_id)
    unlock_account(db, user.username, now)
    return Response(status_code=204)
