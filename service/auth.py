"""Accounts, sign-in sessions, login throttling and student access codes, all kept in the database.

Every process of a scaled-out service sees the same sessions and the same throttle state because
nothing here lives in process memory. Tokens and access codes are random; only their SHA-256
digests are stored, so a copy of the database does not let anyone sign in.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from recommender.errors import (
    LoginThrottledError,
    NotAuthenticatedError,
    RecordNotFoundError,
)
from service.models import AccessCode, AuthSession, CoachSchool, LoginThrottle, Student, User
from service.settings import Settings

#: Letters and digits that cannot be misread for one another when a coach reads a code aloud.
CODE_ALPHABET: Final = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH: Final = 8


@dataclass(frozen=True)
class Principal:
    """Who a request acts as. ``school_ids`` is the caseload scope of a coach (empty otherwise)."""

    role: str
    session_id: int
    expires_at: datetime
    user_id: int | None = None
    student_id: int | None = None
    school_ids: frozenset[int] = frozenset()


def make_password_hasher(settings: Settings) -> PasswordHasher:
    """An argon2id hasher with the configured cost."""
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


def digest_secret(secret: str) -> str:
    """Hex SHA-256 of a token or access code (64 characters)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_username(username: str) -> str:
    """Usernames compare case-insensitively and without surrounding spaces."""
    return username.strip().lower()


def normalise_access_code(code: str) -> str:
    """Access codes ignore case, spaces and dashes ("abcd-2345" == "ABCD2345")."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def create_session(
    db: Session,
    *,
    role: str,
    now: datetime,
    minutes: int,
    user_id: int | None = None,
    student_id: int | None = None,
) -> str:
    """Store a new session and return its bearer token (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    db.add(
        AuthSession(
            token_hash=digest_secret(token),
            role=role,
            user_id=user_id,
            student_id=student_id,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    db.flush()
    return token


def resolve_session(db: Session, token: str, now: datetime) -> Principal:
    """The principal of a live session; NotAuthenticatedError if unknown, expired or disabled.

    One indexed query (the token digest is unique): the session joined to its account and, for
    a coach, one row per assigned school.
    """
    rows = db.execute(
        select(
            AuthSession.id,
            AuthSession.role,
            AuthSession.expires_at,
            AuthSession.student_id,
            User.id,
            User.role,
            User.active,
            CoachSchool.school_id,
        )
        .select_from(AuthSession)
        .outerjoin(User, User.id == AuthSession.user_id)
        .outerjoin(CoachSchool, CoachSchool.user_id == User.id)
        .where(AuthSession.token_hash == digest_secret(token))
    ).all()
    if not rows or rows[0][2] <= now:
        raise NotAuthenticatedError("the session is unknown or has expired; sign in again")
    session_id, session_role, expires_at, student_id, user_id, user_role, active, _ = rows[0]
    if session_role == "student":
        return Principal(
            role="student", session_id=session_id, expires_at=expires_at, student_id=student_id
        )
    if user_id is None or not active:
        raise NotAuthenticatedError("the account is disabled")
    schools: frozenset[int] = frozenset()
    if user_role == "coach":
        schools = frozenset(row[7] for row in rows if row[7] is not None)
    return Principal(
        role=user_role,
        session_id=session_id,
        expires_at=expires_at,
        user_id=user_id,
        school_ids=schools,
    )


def end_session(db: Session, session_id: int) -> None:
    """Delete one session (sign out); other sessions of the same account stay."""
    db.execute(delete(AuthSession).where(AuthSession.id == session_id))


def purge_expired_sessions(db: Session, now: datetime) -> int:
    """Delete expired sessions and access codes; returns the number of sessions removed."""
    result = db.execute(delete(AuthSession).where(AuthSession.expires_at <= now))
    db.execute(delete(AccessCode).where(AccessCode.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def _throttle_row(db: Session, key: str) -> LoginThrottle | None:
    return db.execute(
        select(LoginThrottle).where(LoginThrottle.username == key).with_for_update()
    ).scalar_one_or_none()


def _check_lock(row: LoginThrottle | None, now: datetime) -> None:
    if row is not None and row.locked_until is not None and row.locked_until > now:
        raise LoginThrottledError(int((row.locked_until - now).total_seconds()) + 1)


def _record_failure(db: Session, key: str, now: datetime, settings: Settings) -> None:
    window = timedelta(minutes=settings.login_window_minutes)
    row = _throttle_row(db, key)
    if row is None:
        try:
            with db.begin_nested():
                db.add(LoginThrottle(username=key, failures=0, window_started_at=now))
        except IntegrityError:
            pass  # another process inserted it first; lock and update that row instead
        row = _throttle_row(db, key)
        assert row is not None
    if row.window_started_at + window <= now or (
        row.locked_until is not None and row.locked_until <= now
    ):
        row.failures = 0
        row.window_started_at = now
        row.locked_until = None
    row.failures += 1
    if row.failures >= settings.login_max_failures:
        row.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
    db.flush()


def sign_in(
    db: Session,
    hasher: PasswordHasher,
    settings: Settings,
    *,
    username: str,
    password: str,
    now: datetime,
) -> tuple[str, Principal]:
    """Check a password and open a session; failures are counted per username in the database.

    Raises LoginThrottledError while the account is locked (even for the right password) and
    NotAuthenticatedError for a wrong username or password (the two are not told apart).
    A failure is committed before the error is raised so every process sees it.
    """
    key = normalise_username(username)
    _check_lock(_throttle_row(db, key), now)
    user = db.execute(select(User).where(User.username == key)).scalar_one_or_none()
    ok = False
    if user is not None and user.active:
        try:
            ok = hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        # spend the same time as a real check so unknown usernames are not revealed
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(_dummy_hash(hasher), password + "x")
    if not ok or user is None:
        _record_failure(db, key, now, settings)
        db.commit()
        raise NotAuthenticatedError("wrong username or password")
    db.execute(delete(LoginThrottle).where(LoginThrottle.username == key))
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    token = create_session(
        db, role=user.role, now=now, minutes=settings.session_minutes, user_id=user.id
    )
    return token, resolve_session(db, token, now)


_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hasher.hash(secrets.token_hex(16))
    return _DUMMY_HASHES[key]


def new_access_code() -> str:
    """A random 8-character code from CODE_ALPHABET (about 39 bits), shown as XXXX-XXXX."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def issue_access_code(
    db: Session, *, student_id: int, issued_by: int | None, now: datetime, hours: int
) -> tuple[str, datetime]:
    """Store a one-time access code for a student; returns the code (shown once) and its expiry."""
    code = new_access_code()
    expires = now + timedelta(hours=hours)
    db.add(
        AccessCode(
            code_hash=digest_secret(normalise_access_code(code)),
            student_id=student_id,
            issued_by=issued_by,
            created_at=now,
            expires_at=expires,
        )
    )
    db.flush()
    return code, expires


def redeem_access_code(
    db: Session, settings: Settings, *, code: str, now: datetime
) -> tuple[str, Principal]:
    """Exchange a one-time code for a student session; a code works once, before it expires.

    The code is spent with a conditional UPDATE so two processes racing on one code cannot both
    succeed.
    """
    digest = digest_secret(normalise_access_code(code))
    row = db.execute(select(AccessCode).where(AccessCode.code_hash == digest)).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise NotAuthenticatedError("the access code is unknown, used or expired")
    spent = db.execute(
        update(AccessCode)
        .where(AccessCode.id == row.id, AccessCode.used_at.is_(None))
        .values(used_at=now)
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise NotAuthenticatedError("the access code is unknown, used or expired")
    if db.get(Student, row.student_id) is None:
        raise RecordNotFoundError("student", row.student_id)
    token = create_session(
        db,
        role="student",
        now=now,
        minutes=settings.student_session_minutes,
        student_id=row.student_id,
    )
    return token, resolve_session(db, token, now)
