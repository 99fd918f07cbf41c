"""Service subcommands of ``pathways``: ``serve``, and ``migrate``, ``create-admin`` and ``export``
for operators."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from typing import Any

from service.cli_options import add_command, add_database_url, add_group, fail


def register(sub: Any) -> None:
    """Add ``serve``, ``create-admin``, ``migrate`` and ``export`` to the ``pathways`` parser."""
    serve = add_command(
        sub,
        "serve",
        run_serve,
        help="run the web service",
        description=(
            "Run the Pathways web service under uvicorn. Brings the database to the newest schema "
            "(an empty one is built in one step, any other migrated). Seeds a "
            "demo district into an empty database only when asked (--demo), or with the "
            "embedded SQLite default when no database URL is configured; never into an empty "
            "configured database (create its first admin with 'pathways create-admin'). Every "
            "option can also be set as an environment variable PATHWAYS_<OPTION> (e.g. "
            "PATHWAYS_DATABASE_URL)."
        ),
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default 8000)")
    add_database_url(
        serve,
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

    admin = add_command(
        sub,
        "create-admin",
        run_create_admin,
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
    add_database_url(admin)

    migrate = add_command(
        sub,
        "migrate",
        run_migrate,
        help="bring the database to the newest schema and exit",
        description="Bring the database up to the newest schema and exit (serve does this too).",
    )
    add_database_url(migrate)

    what = add_group(
        sub,
        "export",
        dest="export_what",
        metavar="WHAT",
        help="export service data for training",
        description="Export data the service holds, in the formats training reads.",
    )
    outcomes = add_command(
        what,
        "outcomes",
        run_export_outcomes,
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
    add_database_url(outcomes)

    roster_what = add_group(
        sub,
        "roster",
        dest="roster_what",
        metavar="WHAT",
        help="import students from a roster",
        description="Import students and their classes from a school information system.",
    )
    roster_import = add_command(
        roster_what,
        "import",
        run_roster_import,
        help="import a OneRoster 1.1 CSV bundle (folder or .zip) or a plain CSV",
        description=(
            "Import students from PATH: a folder or .zip holding a OneRoster 1.1 CSV bundle "
            "(orgs.csv, users.csv, classes.csv, enrollments.csv; other files are never read), "
            "or one .csv with the columns local_id, first_name, grade, school (optionally "
            "class, period). Only the first name, local id, roster id, grade, school and "
            "class titles and periods are stored. Roster schools match Pathways schools on "
            "the state school id, else the name. A re-import updates students in place; "
            "students missing from the roster are listed, never deleted. Every bad row is "
            "named (file, row, column) and nothing is imported when any row is bad. Exit 0 on "
            "success, 1 when the roster is refused or the database is unusable, 2 for a bad "
            "option."
        ),
    )
    roster_import.add_argument("path", metavar="PATH", help="folder, .zip or .csv file")
    roster_import.add_argument(
        "--school-year", required=True, help="school year of the classes, e.g. 2025-2026"
    )
    roster_import.add_argument(
        "--dry-run", action="store_true", help="show what would change and write nothing"
    )
    roster_import.add_argument(
        "--create-school",
        action="append",
        default=[],
        metavar="ORG:COUNTY_FIPS",
        help="add an unknown roster school (its orgs.csv sourcedId, or a plain CSV's school "
        "value) in that Mississippi county; may be given more than once",
    )
    add_database_url(roster_import)


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
    settings.use_data_dirs()  # the demo's assessments and recommendations read them
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
    from service.tables import User

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
    from service.passwords import describe_problems, password_problems
    from service.settings import settings_for_database
    from service.tables import User

    prog = "pathways create-admin"
    username = normalise_username(args.username)
    if not re.fullmatch(r"[\w.@-]{3,64}", username):
        return fail(prog, "--username must be 3 to 64 letters, digits or . @ - _", code=2)
    try:
        password = _read_new_password(sys.stdin)
    except ValueError as exc:
        return fail(prog, exc, code=2)
    problems = password_problems(password, username)
    if problems:
        return fail(prog, f"password refused: {describe_problems(problems)}", code=2)
    settings = settings_for_database(args.database_url)
    engine = make_engine(settings.resolved_database_url())
    try:
        upgrade_database(engine)
        with session_scope(make_sessionmaker(engine)) as db:
            if db.execute(select(User.id).where(User.username == username)).first():
                return fail(prog, "that username is already taken", code=2)
            db.add(
                User(
                    username=username,
                    display_name=(args.display_name or username)[:120],
                    role="admin",
                    password_hash=make_password_hasher(settings).hash(password),
                )
            )
    except SQLAlchemyError as exc:
        return fail(prog, f"database error: {type(exc).__name__}", code=1)
    finally:
        engine.dispose()
    print("admin account created; sign in at /sign-in")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    """Bring the database to the newest schema; exit 0, or 1 with a one-line reason when the
    database is unusable."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.db import make_engine
    from service.migrate import upgrade_database
    from service.settings import settings_for_database

    settings = settings_for_database(args.database_url)
    engine = make_engine(settings.resolved_database_url())
    try:
        upgrade_database(engine)
    except SQLAlchemyError as exc:
        return fail("pathways migrate", f"database error: {type(exc).__name__}", code=1)
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
    with _metrics_folder(settings.workers):
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


@contextlib.contextmanager
def _metrics_folder(workers: int) -> Iterator[None]:
    """With several workers, the folder prometheus_client's multiprocess mode sums /metrics over:
    ``PROMETHEUS_MULTIPROC_DIR`` when the operator set it (emptied of an earlier run's files),
    else a new temporary folder, removed when the service stops. Set before the workers start,
    since each reads it when it first imports prometheus_client."""
    import shutil
    import tempfile
    from pathlib import Path

    from service.metrics import MULTIPROC_ENV, prepare_multiprocess_dir

    given = os.environ.get(MULTIPROC_ENV)
    if given:
        prepare_multiprocess_dir(Path(given))
        yield
        return
    if workers <= 1:  # one process: the metrics stay in its memory
        yield
        return
    folder = tempfile.mkdtemp(prefix="pathways-metrics-")
    os.environ[MULTIPROC_ENV] = folder
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


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
    from service.settings import settings_for_database

    prog = "pathways export outcomes"
    settings = settings_for_database(args.database_url)
    settings.use_data_dirs()  # the outcome codes are checked against the settings' catalogue
    engine = make_engine(settings.resolved_database_url())
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            summary = export_outcomes(db, args.year, Path(args.out))
    except InvalidRecordError as exc:
        return fail(prog, exc, code=2)
    except InvalidOutcomeRecordsError as exc:
        return fail(prog, f"nothing written: {exc}", code=1)
    except OutcomeRecordsError as exc:
        return fail(prog, exc, code=1)
    except SQLAlchemyError as exc:
        return fail(prog, f"database error: {type(exc).__name__}", code=1)
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


def run_roster_import(args: argparse.Namespace) -> int:
    """Import (or preview) a roster; print per-school counts, or every problem named."""
    import sys
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from recommender.catalogue import get_catalogue
    from recommender.errors import InvalidRecordError
    from service import rostering
    from service.db import make_engine, make_sessionmaker
    from service.migrate import upgrade_database
    from service.schemas import today
    from service.settings import settings_for_database

    prog = "pathways roster import"
    try:
        year = rostering.check_roster_school_year(args.school_year, today())
    except InvalidRecordError as exc:
        return fail(prog, f"--school-year: {exc.reason}", code=2)
    path = Path(args.path)
    if not path.exists():
        return fail(prog, f"{path} does not exist", code=2)
    new_schools: dict[str, str] = {}
    for item in args.create_school:
        org, sep, county = item.rpartition(":")
        if not sep or not org or not county:
            return fail(prog, f"--create-school {item!r}: write ORG:COUNTY_FIPS", code=2)
        new_schools[org] = county
    settings = settings_for_database(args.database_url)
    engine = make_engine(settings.resolved_database_url())
    bar = _ProgressBar(sys.stderr)
    try:
        upgrade_database(engine)
        roster = rostering.read_roster_path(path)
        with make_sessionmaker(engine)() as db:
            report = rostering.import_roster(
                db,
                roster,
                school_year=year,
                scope=rostering.ImportScope(None, may_create_schools=True),
                dry_run=args.dry_run,
                county_region=get_catalogue().county_region,
                new_schools=new_schools,
                progress=bar.update,
            )
            if args.dry_run:
                db.rollback()
            else:
                db.commit()
    except rostering.RosterRefusedError as exc:
        bar.close()
        print(f"{prog}: nothing imported: {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem.describe()}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        bar.close()
        return fail(prog, f"database error: {type(exc).__name__}", code=1)
    finally:
        engine.dispose()
    bar.close()
    verb = "would be" if args.dry_run else "were"
    totals = report.totals()
    print(
        f"{report.rows} student(s) in the roster ({report.kind}), school year "
        f"{report.school_year}: {totals['added']} {verb} added, {totals['updated']} updated, "
        f"{totals['unchanged']} unchanged; {totals['left']} of these schools' students are "
        "not in the roster (kept)" + ("; dry run, nothing written" if args.dry_run else "")
    )
    for part in report.schools:
        new = " (new school)" if part.created else ""
        print(
            f"  {part.name}{new}: +{len(part.added)} added, {len(part.updated)} updated, "
            f"{part.unchanged} unchanged, {len(part.left)} not in the roster, "
            f"{part.classes_added} new class(es), {part.memberships} class membership(s)"
        )
    if report.skipped_users:
        print(f"  skipped {report.skipped_users} non-student account(s) (teachers and others)")
    return 0


class _ProgressBar:
    """A one-line progress bar on a terminal (nothing when the stream is not one)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.shown = False

    def update(self, done: int, total: int) -> None:
        if not getattr(self.stream, "isatty", lambda: False)() or total < 200:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r  [{bar}] {done}/{total} students")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False
