"""Accounts, sign-in sessions, sign-in throttling and student access codes, kept in the database.

Every process of a scaled-out service sees the same sessions and the same throttle state because
nothing here lives in process memory (apart from the per-process bound on concurrent password
hashing). Tokens and access codes are random; only their SHA-256 digests are stored, so a copy of
the database does not let anyone sign in. Throttle rows hold keyed digests, never a client
address or a username.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import secrets
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import Request

from recommender.errors import (
    LoginThrottledError,
    NotAuthenticatedError,
    RecordNotFoundError,
    SignInBusyError,
)
from service.settings import Settings
from service.tables import (
    AccessCode,
    AuthSession,
    CoachSchool,
    LoginThrottle,
    ServiceSetting,
    Student,
    User,
)

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


# --------------------------------------------------------------------------------------------
# Purging: expired sessions, codes and throttle rows are deleted, at most once per interval.

#: ``service_settings`` row holding when expired rows were last purged (ISO 8601, UTC).
PURGED_AT_KEY: Final = "auth_purged_at"


@dataclass(frozen=True)
class PurgeCounts:
    """Rows one purge deleted."""

    sessions: int
    access_codes: int
    throttle_rows: int


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def purge_expired(db: Session, now: datetime, settings: Settings) -> PurgeCounts:
    """Delete expired sessions, expired access codes (used or not) and throttle rows that no
    longer hold anything back: no wait pending and their run or window over."""
    sessions = db.execute(delete(AuthSession).where(AuthSession.expires_at <= now))
    codes = db.execute(delete(AccessCode).where(AccessCode.expires_at <= now))
    stale = now - timedelta(minutes=settings.login_window_minutes)
    throttle = db.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_started_at <= stale,
            (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until <= now),
        )
    )
    return PurgeCounts(_rowcount(sessions), _rowcount(codes), _rowcount(throttle))


def purge_if_due(db: Session, now: datetime, settings: Settings) -> PurgeCounts | None:
    """Purge when the last purge (any process) is older than ``purge_interval_minutes``.

    Called on every successful sign-in; returns None when it was not yet due.
    """
    row = db.get(ServiceSetting, PURGED_AT_KEY)
    if row is not None and row.value:
        last = datetime.fromisoformat(row.value)
        if now - last < timedelta(minutes=settings.purge_interval_minutes):
            return None
    if row is None:
        try:
            with db.begin_nested():
                db.add(ServiceSetting(key=PURGED_AT_KEY, value=now.isoformat(), updated_at=now))
        except IntegrityError:
            return None  # another process is purging right now
    else:
        # only the process whose conditional update moves the stamp purges; the others skip
        claimed = db.execute(
            update(ServiceSetting)
            .where(ServiceSetting.key == PURGED_AT_KEY, ServiceSetting.value == row.value)
            .values(value=now.isoformat(), updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(claimed) != 1:
            return None
    return purge_expired(db, now, settings)


# --------------------------------------------------------------------------------------------
# Bounded password hashing: argon2id takes ``argon2_memory_kib`` per check, so a process runs
# at most ``password_hash_concurrency`` at once; the others wait briefly, then get a 503.

_GATES: dict[int, threading.BoundedSemaphore] = {}
_GATES_LOCK = threading.Lock()


def _gate(size: int) -> threading.BoundedSemaphore:
    with _GATES_LOCK:
        if size not in _GATES:
            _GATES[size] = threading.BoundedSemaphore(size)
        return _GATES[size]


@contextlib.contextmanager
def password_check_slot(settings: Settings) -> Iterator[None]:
    """Hold one of the process's password-hashing slots; SignInBusyError when none frees up
    within ``password_hash_wait_seconds``."""
    gate = _gate(settings.password_hash_concurrency)
    if not gate.acquire(timeout=settings.password_hash_wait_seconds):
        raise SignInBusyError(math.ceil(max(1.0, settings.password_hash_wait_seconds)))
    try:
        yield
    finally:
        gate.release()


# --------------------------------------------------------------------------------------------
# Throttling, by client and by account, in the login_throttle table. Keys (never an address or
# a username in clear; ``d`` is an HMAC-SHA256 keyed with the service's throttle key):
#   pair:<d(account)[:20]>:<d(account, client)[:32]>  failures in a row for one account from one
#                                                      client; doubling delay after
#                                                      login_free_failures
#   acct:<d(account)[:40]>                             failures in a row for one account from
#                                                      any client; doubling delay after
#                                                      login_account_free_failures
#   client:<d(client)[:40]>                            failed sign-ins per window from one client
#   code:<d(client)[:40]>                              wrong access codes per window from one
#                                                      client
#   known:<d(account)[:20]>:<d(account, client)[:32]>  this client signed in to this account
#                                                      within login_known_client_days
# ``failures`` counts; ``window_started_at`` is the last failure (delay rows), the window start
# (budget rows) or the last success (known rows); ``locked_until`` is when the next attempt is
# allowed (known rows: when the mark lapses).

#: ``service_settings`` row holding the throttle's HMAC key (32 random bytes, hex).
THROTTLE_KEY: Final = "throttle_key"
#: The client of a request whose transport names none (never a real address).
UNKNOWN_CLIENT: Final = "unknown"


def client_of(request: Request, settings: Settings) -> str:
    """The address a request came from: the ASGI peer, or, when that peer is one of
    ``trusted_proxies``, the nearest address in ``X-Forwarded-For`` that is not a trusted proxy.

    Used only to derive keyed digests; it is never stored or logged.
    """
    peer = request.client.host if request.client else UNKNOWN_CLIENT
    proxies = settings.proxy_addresses()
    if peer not in proxies:
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    hops = [hop for hop in hops if hop]
    for hop in reversed(hops):
        if hop not in proxies:
            return hop
    return hops[0] if hops else peer


def _throttle_secret(db: Session, now: datetime) -> bytes:
    row = db.get(ServiceSetting, THROTTLE_KEY)
    if row is not None and row.value:
        return bytes.fromhex(row.value)
    value = secrets.token_hex(32)
    try:
        with db.begin_nested():
            if row is None:
                db.add(ServiceSetting(key=THROTTLE_KEY, value=value, updated_at=now))
            else:
                row.value = value
    except IntegrityError:  # another process made it first: use theirs
        stored = db.execute(
            select(ServiceSetting.value).where(ServiceSetting.key == THROTTLE_KEY)
        ).scalar_one()
        assert stored is not None
        return bytes.fromhex(stored)
    return bytes.fromhex(value)


def _keyed(secret: bytes, *parts: str) -> str:
    return hmac.new(secret, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class _Limit:
    """One throttle row: ``free`` failures cost nothing (delay rows: in a row; budget rows:
    per window); a delay row then doubles the wait per failure, a budget row refuses until
    its window ends."""

    key: str
    free: int
    doubling: bool


@dataclass(frozen=True)
class _AccountKeys:
    pair: _Limit
    account: _Limit
    client: _Limit
    known: str


def _account_prefix(secret: bytes, account: str) -> str:
    return _keyed(secret, "account", account)[:20]


def _account_keys(
    db: Session, settings: Settings, account: str, client: str, now: datetime
) -> _AccountKeys:
    secret = _throttle_secret(db, now)
    prefix = _account_prefix(secret, account)
    pair = _keyed(secret, "pair", account, client)[:32]
    return _AccountKeys(
        pair=_Limit(f"pair:{prefix}:{pair}", settings.login_free_failures, doubling=True),
        account=_Limit(
            f"acct:{_keyed(secret, 'account', account)[:40]}",
            settings.login_account_free_failures,
            doubling=True,
        ),
        client=_Limit(
            f"client:{_keyed(secret, 'client', client)[:40]}",
            settings.login_client_failures,
            doubling=False,
        ),
        known=f"known:{prefix}:{pair}",
    )


def _code_limit(db: Session, settings: Settings, client: str, now: datetime) -> _Limit:
    secret = _throttle_secret(db, now)
    return _Limit(
        f"code:{_keyed(secret, 'client', client)[:40]}",
        settings.access_code_client_failures,
        doubling=False,
    )


def _wait_seconds(locked_until: datetime | None, now: datetime) -> float:
    if locked_until is None or locked_until <= now:
        return 0.0
    return (locked_until - now).total_seconds()


def _refuse_if_throttled(db: Session, limits: list[_Limit], now: datetime) -> None:
    """LoginThrottledError (with the longest wait) when any limit holds; reads only."""
    rows = db.execute(
        select(LoginThrottle.locked_until).where(
            LoginThrottle.username.in_([limit.key for limit in limits])
        )
    ).scalars()
    wait = max((_wait_seconds(until, now) for until in rows), default=0.0)
    if wait > 0:
        raise LoginThrottledError(math.ceil(wait))


def _take_write_lock(db: Session, keys: list[str]) -> None:
    """On SQLite, start the write before reading the rows (a no-op UPDATE): SQLite ignores FOR
    UPDATE and begins its write transaction only at the first write, so without it two requests
    could read the same count and both write it back. PostgreSQL needs nothing: FOR UPDATE locks
    each row, taken in key order."""
    if db.get_bind().dialect.name != "sqlite":
        return
    db.execute(
        update(LoginThrottle)
        .where(LoginThrottle.username.in_(sorted(keys)))
        .values(failures=LoginThrottle.failures)
        .execution_options(synchronize_session=False)
    )


def _locked_row(db: Session, key: str, now: datetime) -> LoginThrottle:
    query = select(LoginThrottle).where(LoginThrottle.username == key).with_for_update()
    row = db.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        try:
            with db.begin_nested():
                db.add(LoginThrottle(username=key, failures=0, window_started_at=now))
        except IntegrityError:
            pass  # another process inserted it first; lock and update that row instead
        row = db.execute(query.execution_options(populate_existing=True)).scalar_one()
    return row


def _count_failure(row: LoginThrottle, limit: _Limit, now: datetime, settings: Settings) -> None:
    window = timedelta(minutes=settings.login_window_minutes)
    if row.window_started_at + window <= now:  # the run (or the window) is over
        row.failures = 0
        row.window_started_at = now
        row.locked_until = None
    row.failures += 1
    if limit.doubling:
        row.window_started_at = now  # a run goes on while failures come less than a window apart
        if row.failures >= limit.free:
            doublings = min(row.failures - limit.free, 30)
            delay = min(settings.login_max_delay_seconds, 2**doublings)
            row.locked_until = now + timedelta(seconds=delay)
    elif row.failures >= limit.free:
        row.locked_until = row.window_started_at + window


def _uncount(row: LoginThrottle, limit: _Limit) -> None:
    row.failures = max(0, row.failures - 1)
    if row.failures < limit.free:
        row.locked_until = None


def _charge(
    db: Session,
    charged: list[_Limit],
    checked: list[_Limit],
    now: datetime,
    settings: Settings,
) -> None:
    """Count this attempt as a failure on every ``charged`` limit before the secret is checked
    (a success refunds it), so concurrent attempts cannot all slip past one free slot.

    The rows are locked (in key order, so two attempts cannot deadlock) and ``checked`` limits
    are tested again under the lock; committed so every process sees the count at once.
    """
    _take_write_lock(db, [limit.key for limit in charged])
    rows = {limit.key: _locked_row(db, limit.key, now) for limit in sorted(charged, key=_key_of)}
    wait = max((_wait_seconds(rows[limit.key].locked_until, now) for limit in checked), default=0)
    if wait > 0:
        db.rollback()
        raise LoginThrottledError(math.ceil(wait))
    for limit in charged:
        _count_failure(rows[limit.key], limit, now, settings)
    db.commit()


def _refund(db: Session, limits: list[_Limit], now: datetime) -> None:
    _take_write_lock(db, [limit.key for limit in limits])
    for limit in sorted(limits, key=_key_of):
        _uncount(_locked_row(db, limit.key, now), limit)


def _key_of(limit: _Limit) -> str:
    return limit.key


def _is_known(db: Session, key: str, now: datetime) -> bool:
    until = db.execute(
        select(LoginThrottle.locked_until).where(LoginThrottle.username == key)
    ).scalar_one_or_none()
    return until is not None and until > now


def _remember_client(db: Session, key: str, now: datetime, settings: Settings) -> None:
    row = _locked_row(db, key, now)
    row.failures = 0
    row.window_started_at = now
    row.locked_until = now + timedelta(days=settings.login_known_client_days)


def sign_in(
    db: Session,
    hasher: PasswordHasher,
    settings: Settings,
    *,
    username: str,
    password: str,
    now: datetime,
    client: str = UNKNOWN_CLIENT,
) -> tuple[str, Principal]:
    """Check a password and open a session, throttled by account and by client (see
    docs/service.md, "Sign-in throttling"); unknown usernames are throttled the same way.

    Before any hashing: LoginThrottledError while this (account, client) pair waits out its
    delay, or, unless this client signed in to this account before, while the client's budget
    is spent or the account-wide delay runs. SignInBusyError when no password-check slot frees
    up in time. NotAuthenticatedError for a wrong username or password (not told apart). The
    attempt is counted, and committed, before the password is checked; a success refunds it.
    """
    account = normalise_username(username)
    keys = _account_keys(db, settings, account, client, now)
    checked = [keys.pair]
    if not _is_known(db, keys.known, now):
        checked += [keys.client, keys.account]
    charged = [keys.pair, keys.client, keys.account]
    _refuse_if_throttled(db, checked, now)
    _charge(db, charged, checked, now, settings)
    user = db.execute(select(User).where(User.username == account)).scalar_one_or_none()
    ok = False
    try:
        with password_check_slot(settings):
            if user is not None and user.active:
                try:
                    ok = hasher.verify(user.password_hash, password)
                except (VerificationError, InvalidHashError):
                    ok = False
            else:
                # spend the same time as a real check so unknown usernames are not revealed
                with contextlib.suppress(VerificationError, InvalidHashError):
                    hasher.verify(_dummy_hash(hasher), password + "x")
            if ok and user is not None and hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hasher.hash(password)
    except SignInBusyError:
        _refund(db, charged, now)  # the password was never checked: the attempt is not counted
        db.commit()
        raise
    if not ok or user is None:
        raise NotAuthenticatedError("wrong username or password")
    _refund(db, [keys.client, keys.account], now)
    db.execute(delete(LoginThrottle).where(LoginThrottle.username == keys.pair.key))
    _remember_client(db, keys.known, now, settings)
    token = create_session(
        db, role=user.role, now=now, minutes=settings.session_minutes, user_id=user.id
    )
    purge_if_due(db, now, settings)
    return token, resolve_session(db, token, now)


def unlock_account(db: Session, username: str, now: datetime) -> int:
    """Clear an account's throttle (its account-wide delay and every client's delay for it);
    returns the rows deleted. Client budgets, which span accounts, stay."""
    secret = _throttle_secret(db, now)
    account = normalise_username(username)
    result = db.execute(
        delete(LoginThrottle).where(
            (LoginThrottle.username == f"acct:{_keyed(secret, 'account', account)[:40]}")
            | LoginThrottle.username.startswith(
                f"pair:{_account_prefix(secret, account)}:", autoescape=True
            )
        )
    )
    return _rowcount(result)


_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hasher.hash(secrets.token_hex(16))
    return _DUMMY_HASHES[key]


# --------------------------------------------------------------------------------------------
# Access codes: one live code per student, valid once for ``access_code_minutes``.


def _format_code(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:]}"


def new_access_code() -> str:
    """A random 8-character code from CODE_ALPHABET (about 39 bits), shown as XXXX-XXXX."""
    return _format_code("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))


def _code_for_session(session_token: str, row: AccessCode) -> str:
    """The code a coach's page shows for access code ``row``, derived from the coach's session
    token, the row's id and its creation time: only that session can show it again, and the
    database (which holds only the token's digest and the code's) cannot recompute it."""
    message = f"pathways-access-code:{row.id}:{row.created_at.isoformat()}"
    digest = hmac.new(session_token.encode("utf-8"), message.encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")  # 256 bits: the modulo bias over 30**8 is negligible
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return _format_code("".join(chars))


def _store_code(
    db: Session, *, student_id: int, issued_by: int | None, now: datetime, minutes: int
) -> AccessCode:
    """Revoke the student's live codes (they expire now; the purge removes them later) and
    store a new one with a placeholder digest.

    The student's row is locked first, so two coaches issuing at once leave one live code.
    """
    db.execute(select(Student.id).where(Student.id == student_id).with_for_update())
    db.execute(
        update(AccessCode)
        .where(
            AccessCode.student_id == student_id,
            AccessCode.used_at.is_(None),
            AccessCode.expires_at > now,
        )
        .values(expires_at=now)
    )
    row = AccessCode(
        code_hash=digest_secret(secrets.token_hex(16)),
        student_id=student_id,
        issued_by=issued_by,
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    db.add(row)
    db.flush()
    return row


def issue_access_code(
    db: Session, *, student_id: int, issued_by: int | None, now: datetime, minutes: int
) -> tuple[str, datetime]:
    """Store a one-time access code for a student, revoking their unused ones; returns the
    code (shown once) and its expiry."""
    row = _store_code(db, student_id=student_id, issued_by=issued_by, now=now, minutes=minutes)
    code = new_access_code()
    row.code_hash = digest_secret(normalise_access_code(code))
    db.flush()
    return code, row.expires_at


def issue_session_access_code(
    db: Session,
    *,
    student_id: int,
    issued_by: int | None,
    now: datetime,
    minutes: int,
    session_token: str,
) -> int:
    """Like issue_access_code, for a page: returns the code's id; ``shown_access_code`` with
    the same session token shows the code (nothing secret travels in the redirect URL)."""
    row = _store_code(db, student_id=student_id, issued_by=issued_by, now=now, minutes=minutes)
    code = _code_for_session(session_token, row)
    row.code_hash = digest_secret(normalise_access_code(code))
    db.flush()
    return row.id


@dataclass(frozen=True)
class ShownCode:
    """What the coach's code page may show: the code only while it can still be used."""

    state: str  # "live", "used", "expired" (or replaced by a newer one), "gone" (purged, or
    # issued in another session)
    code: str | None = None
    expires_at: datetime | None = None


def shown_access_code(
    db: Session, *, code_id: int, student_id: int, session_token: str, now: datetime
) -> ShownCode:
    """The code ``code_id`` of ``student_id`` as issued to this session; reads only."""
    row = db.get(AccessCode, code_id)
    if row is None or row.student_id != student_id:
        return ShownCode("gone")
    code = _code_for_session(session_token, row)
    if not hmac.compare_digest(digest_secret(normalise_access_code(code)), row.code_hash):
        return ShownCode("gone")
    if row.used_at is not None:
        return ShownCode("used", expires_at=row.expires_at)
    if row.expires_at <= now:
        return ShownCode("expired", expires_at=row.expires_at)
    return ShownCode("live", code=code, expires_at=row.expires_at)


def redeem_access_code(
    db: Session,
    settings: Settings,
    *,
    code: str,
    now: datetime,
    client: str = UNKNOWN_CLIENT,
) -> tuple[str, Principal]:
    """Exchange a one-time code for a student session; a code works once, before it expires.

    LoginThrottledError, before any lookup, when this client spent its budget of wrong codes.
    The attempt is counted (and committed) first and refunded on success. The code is spent
    with a conditional UPDATE so two processes racing on one code cannot both succeed.
    """
    limit = _code_limit(db, settings, client, now)
    _refuse_if_throttled(db, [limit], now)
    _charge(db, [limit], [limit], now, settings)
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
    _refund(db, [limit], now)
    token = create_session(
        db,
        role="student",
        now=now,
        minutes=settings.student_session_minutes,
        student_id=row.student_id,
    )
    purge_if_due(db, now, settings)
    return token, resolve_session(db, token, now)


def accounts_by_id(db: Session, user_ids: Iterable[int | None]) -> dict[int, User]:
    """The accounts with these ids (None and unknown ids left out), by id, for naming who did
    what on a page."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return {u.id: u for u in db.execute(select(User).where(User.id.in_(ids))).scalars()}
