"""Database engine, sessions and the declarative base (SQLAlchemy 2; SQLite or PostgreSQL)."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator


def utc_now() -> datetime:
    """The current time, timezone-aware UTC, truncated to whole microseconds."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""


#: How long a SQLite connection waits for another one's write to finish before giving up (ms).
SQLITE_BUSY_TIMEOUT_MS: Final = 5000

#: Statements that make pysqlite open a write transaction (or change the schema).
_WRITE_STATEMENT: Final = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE
)


class _FifoLock:
    """A lock handed to its waiters in arrival order (``threading.Lock`` lets a newcomer go
    first, and under load some writers waited ten times longer than the rest). Any thread may
    release it, as a session may commit in another thread than the one that wrote."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._locked = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._locked:
                self._locked = True
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if waiter.acquire(timeout=timeout):
            return True  # the lock was handed over
        with self._mutex:
            try:
                self._waiters.remove(waiter)
            except ValueError:  # handed over just as the wait ran out: it is ours
                return True
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # stays locked, now by the next in line
            else:
                self._locked = False


_WRITE_LOCKS: dict[str, _FifoLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock_of(database: str) -> _FifoLock:
    """The one write lock of a SQLite file in this process."""
    key = str(Path(database).resolve())
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, _FifoLock())


class _SerialWriteCursor(sqlite3.Cursor):
    """A cursor that takes its connection's write lock before a statement that writes."""

    def execute(self, sql: str, parameters: Any = (), /) -> _SerialWriteCursor:
        with self._write_turn(sql):
            super().execute(sql, parameters)
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _SerialWriteCursor:
        with self._write_turn(sql):
            super().executemany(sql, seq_of_parameters)
        return self

    @contextmanager
    def _write_turn(self, sql: str) -> Iterator[None]:
        """Around one statement: the write lock first when ``sql`` writes; afterwards the lock is
        let go if the connection is idle (no transaction open)."""
        connection = self.connection
        assert isinstance(connection, _SerialWriteConnection)
        if _WRITE_STATEMENT.match(sql):
            connection.take_write_lock()
        try:
            yield
        finally:
            connection.release_when_idle()


class _SerialWriteConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions take turns, within one process, on a lock
    held from the first write statement until commit or rollback.

    SQLite has one writer at a time; without the lock, concurrent writers poll for it (the busy
    handler sleeps up to 100 ms a time), and under 16 concurrent answer saves a few waited
    seconds while others went first again and again. The lock hands the write over in arrival
    order instead; other processes on the same file still wait through ``busy_timeout``.
    Reads never take it. A write waiting longer than the busy timeout fails as SQLite's own
    "database is locked" would.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._write_lock = _write_lock_of(str(database))
        self._holding = False

    def cursor(self, factory: Any = _SerialWriteCursor) -> Any:
        return super().cursor(factory)

    def take_write_lock(self) -> None:
        if self._holding:
            return
        if not self._write_lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked (waited for another write)")
        self._holding = True

    def release_when_idle(self) -> None:
        if self._holding and not self.in_transaction:
            self._holding = False
            self._write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_when_idle()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_when_idle()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._holding:
                self._holding = False
                self._write_lock.release()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Per connection: foreign keys on, wait for a busy writer, and write-ahead logging.

    WAL lets readers and the one writer work at the same time (with the default rollback
    journal every reader blocked a commit, and concurrent answer saves queued for seconds);
    ``synchronous=NORMAL`` is the setting WAL is designed for: a commit survives a crash of the
    process, only a power cut can lose the last commits.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() not in ("memory", "wal"):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for a SQLite file: creates its folder, foreign keys on, WAL, and
    write transactions of this process take turns (``_SerialWriteConnection``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args: dict[str, Any] = {"check_same_thread": False}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            connect_args["factory"] = _SerialWriteConnection
        engine = create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` that keeps objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def end_session(session: Session, failed: bool) -> None:
    """Commit (or, after an error, roll back) and close; a failed commit is rolled back too."""
    try:
        if failed:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = factory()
    failed = False
    try:
        yield session
    except BaseException:
        failed = True
        raise
    finally:
        end_session(session, failed)
