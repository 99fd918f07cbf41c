"""Service subcommands of ``pathways``: ``serve``, and ``migrate``, ``create-admin`` and ``export``
for operators."""

from __future__ import annotations

import argparse
import os
from typing import Any


def register(sub: Any) -> None:
    """Add ``serve``, ``create-admin``, ``migrate`` and ``export`` to the ``pathways`` parser."""
    serve = sub.add_parser(
        "serve",
        help="run the web service",
        description=(
            "Run the Pathways web service under uvicorn. Applies database migrations. Seeds a "
            "demo district into an empty database only when asked (--demo), or with the "
            "embedded SQLite default when no database URL is configured; never into an empty "
            "configured database (create its first admin with 'pathways create-admin'). Every "
            "option can also be set as an environment variable PATHWAYS_<OPTION> (e.g. "
            "PATHWAYS_DATABASE_URL)."
        ),
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default 8000)")
    serve.add_argument(
        "--database-url",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
        "(default: SQLite file var/pathways.sqlite3 in the repository)",
    )
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    seeding = serve.add_mutually_exclusive_group()
    seeding.add_argument(
        "--demo",
        action="store_true",
        help="seed the demo district (fictional accounts and students) if the database is empty",
    )
    seeding.add_argument(
        "--no-seed",
        action="store_true",
        help="never seed the demo district, not even into the embedded SQLite default",
    )
    serve.set_defaults(func=run_serve)

    admin = sub.add_parser(
        "create-admin",
        help="create an admin account (the first one of a new database)",
        description=(
            "Create an active admin account. The password is read from the first line of "
            "standard input (or asked for twice on a terminal) and must pass the service's "
            "password rules. Exit 0 on success, 1 when the database is unusable, 2 for a bad "
            "username or password or a username already taken."
        ),
    )
    admin.add_argument("--username", required=True, help="sign-in name of the new account")
    admin.add_argument("--display-name", help="name shown on the pages (default: the username)")
    admin.add_argument("--database-url", help="SQLAlchemy URL (default as for serve)")
    admin.set_defaults(func=run_create_admin)

    migrate = sub.add_parser(
        "migrate",
        help="apply database migrations and exit",
        description="Bring the database up to the newest schema and exit (serve does this too).",
    )
    migrate.add_argument("--database-url", help="SQLAlchemy URL (default as for serve)")
    migrate.set_defaults(func=run_migrate)

    export = sub.add_parser(
        "export",
        help="export service data for training",
        description="Export data the service holds, in the formats training reads.",
    )
    what = export.add_subparsers(dest="export_what", required=True, metavar="WHAT")
    outcomes = what.add_parser(
        "outcomes",
        help="one school year of outcomes as outcome records (CSV or Parquet)",
        description=(
            "Write one school year's coach-recorded outcomes in the outcome-record schema "
            "(docs/outcome-records.md), students under keyed pseudonyms. The records are "
            "validated first; nothing is written when they fail. Exit 0 on success, 1 when the "
            "records or the database are unusable, 2 for a bad option."
        ),
    )
    outcomes.add_argument("--year", required=True, help="school year, e.g. 2025-26 or 2025-2026")
    outcomes.add_argument(
        "--out", required=True, help="output file; .csv, .parquet or .pq chooses the format"
    )
    outcomes.add_argument("--database-url", help="SQLAlchemy URL (default as for serve)")
    outcomes.set_defaults(func=run_export_outcomes)


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    values = {
        "PATHWAYS_HOST": getattr(args, "host", None),
        "PATHWAYS_PORT": getattr(args, "port", None),
        "PATHWAYS_DATABASE_URL": getattr(args, "database_url", None),
        "PATHWAYS_WORKERS": getattr(args, "workers", None),
    }
    if getattr(args, "no_seed", False):
        values["PATHWAYS_SEED_DEMO"] = "false"
    if getattr(args, "demo", False):
        values["PATHWAYS_SEED_DEMO"] = "true"
    return {k: str(v) for k, v in values.items() if v is not None}


def prepare_database(settings: Any) -> list[Any] | None:
    """Migrate the configured database; seed the demo district into it when it is empty and
    ``settings.seeds_demo()`` (asked for, or the embedded SQLite default). Returns the demo
    logins, or None when nothing was seeded."""
    from service.auth import make_password_hasher
    from service.db import make_engine, make_sessionmaker, session_scope
    from service.migrate import upgrade_database
    from service.seed import seed_demo_district

    engine = make_engine(settings.resolved_database_url())
    try:
        upgrade_database(engine)
        if not settings.seeds_demo():
            return None
        with session_scope(make_sessionmaker(engine)) as db:
            return seed_demo_district(db, make_password_hasher(settings))
    finally:
        engine.dispose()


def _has_accounts(settings: Any) -> bool:
    """Whether the configured (migrated) database holds any coach, staff or admin account."""
    from sqlalchemy import func, select

    from service.db import make_engine
    from service.models import User

    engine = make_engine(settings.resolved_database_url())
    try:
        with engine.connect() as conn:
            return bool(conn.execute(select(func.count()).select_from(User)).scalar_one())
    finally:
        engine.dispose()


def _read_new_password(stdin: Any) -> str:
    """The new password: asked twice on a terminal, else the first line of standard input."""
    import getpass

    if stdin.isatty():
        first = getpass.getpass("password for the new admin: ")
        if getpass.getpass("the same password again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return str(stdin.readline()).rstrip("\r\n")


def run_create_admin(args: argparse.Namespace) -> int:
    """Create an admin account; exit 0, 1 (database unusable) or 2 (bad username/password)."""
    import re
    import sys

    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from service.auth import make_password_hasher, normalise_username
    from service.db import make_engine, make_sessionmaker, session_scope
    from service.migrate import upgrade_database
    from service.models import User
    from service.passwords import describe_problems, password_problems
    from service.settings import Settings

    prog = "pathways create-admin"
    username = normalise_username(args.username)
    if not re.fullmatch(r"[\w.@-]{3,64}", username):
        print(f"{prog}: --username must be 3 to 64 letters, digits or . @ - _", file=sys.stderr)
        return 2
    try:
        password = _read_new_password(sys.stdin)
    except ValueError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    problems = password_problems(password, username)
    if problems:
        print(f"{prog}: password refused: {describe_problems(problems)}", file=sys.stderr)
        return 2
    settings = Settings(**({"database_url": args.database_url} if args.database_url else {}))
    engine = make_engine(settings.resolved_database_url())
    try:
        upgrade_database(engine)
        with session_scope(make_sessionmaker(engine)) as db:
            if db.execute(select(User.id).where(User.username == username)).first():
                print(f"{prog}: that username is already taken", file=sys.stderr)
                return 2
            db.add(
                User(
                    username=username,
                    display_name=(args.display_name or username)[:120],
                    role="admin",
                    password_hash=make_password_hasher(settings).hash(password),
                )
            )
    except SQLAlchemyError as exc:
        print(f"{prog}: database error: {type(exc).__name__}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print("admin account created; sign in at /sign-in")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    """Apply migrations; exit 0, or 1 with a one-line reason when the database is unusable."""
    import sys

    from sqlalchemy.exc import SQLAlchemyError

    from service.migrate import upgrade_database
    from service.settings import Settings

    settings = Settings(**({"database_url": args.database_url} if args.database_url else {}))
    from service.db import make_engine

    engine = make_engine(settings.resolved_database_url())
    try:
        upgrade_database(engine)
    except SQLAlchemyError as exc:
        print(f"pathways migrate: database error: {type(exc).__name__}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print("database is at the newest schema")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Migrate, seed on first start, print where to go, then run uvicorn until stopped."""
    import sys

    import uvicorn
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from service.logs import configure_logging
    from service.settings import Settings, get_settings

    os.environ.update(_overrides(args))  # worker processes read the same settings
    get_settings.cache_clear()
    try:
        settings: Settings = get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        print(f"pathways serve: bad setting {where}: {first['msg']}", file=sys.stderr)
        return 2
    configure_logging(json_lines=settings.log_json)
    try:
        logins = prepare_database(settings)
    except SQLAlchemyError as exc:
        print(f"pathways serve: cannot prepare the database: {type(exc).__name__}", file=sys.stderr)
        return 1
    url = f"http://{settings.host}:{settings.port}"
    print(f"Pathways is starting at {url}  (API docs: {url}/docs)", flush=True)
    if settings.secure_cookies(https=False):
        print(
            "Sign-in cookies are marked Secure (PATHWAYS_COOKIE_SECURE="
            f"{str(settings.cookie_secure).lower()}): browsers send them only over HTTPS, so "
            "serve this address behind HTTPS, or set PATHWAYS_COOKIE_SECURE=false for plain "
            "http on a trusted network.",
            flush=True,
        )
    if logins:
        print("Demo district seeded. Sign in with:", flush=True)
        for login in logins:
            print(f"  {login.role:<6} {login.username:<8} password: {login.password}", flush=True)
    elif not _has_accounts(settings):
        print(
            "The database has no accounts yet: create the first admin with "
            "'pathways create-admin --username NAME' (or start with --demo for the demo "
            "district).",
            flush=True,
        )
    uvicorn.run(
        "service.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )
    return 0


def run_export_outcomes(args: argparse.Namespace) -> int:
    """Export one school year's outcome records; print a one-line summary or the problems."""
    import sys
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from recommender.errors import (
        InvalidOutcomeRecordsError,
        InvalidRecordError,
        OutcomeRecordsError,
    )
    from service.db import make_engine, make_sessionmaker, session_scope
    from service.exporting import export_outcomes
    from service.settings import Settings

    settings = Settings(**({"database_url": args.database_url} if args.database_url else {}))
    engine = make_engine(settings.resolved_database_url())
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            summary = export_outcomes(db, args.year, Path(args.out))
    except InvalidRecordError as exc:
        print(f"pathways export outcomes: {exc}", file=sys.stderr)
        return 2
    except InvalidOutcomeRecordsError as exc:
        print(f"pathways export outcomes: nothing written: {exc}", file=sys.stderr)
        return 1
    except OutcomeRecordsError as exc:
        print(f"pathways export outcomes: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"pathways export outcomes: database error: {type(exc).__name__}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        f"wrote {summary.rows} outcome record(s) of {summary.students} student(s) for "
        f"{summary.school_year} to {summary.path}; left out {summary.skipped_rows} row(s) of "
        f"{summary.skipped_students} student(s) with no assessment submitted that year"
    )
    if summary.unknown_codes:
        named = ", ".join(f"{kind} {code} ({n} row(s))" for kind, code, n in summary.unknown_codes)
        print(
            f"left out {summary.unknown_code_rows} stored outcome(s) whose code the catalogue "
            f"does not know: {named}",
            file=sys.stderr,
        )
    for problem in summary.invalid_rows:
        print(f"left out a row breaking the outcome-record rules: {problem}", file=sys.stderr)
    return 0
