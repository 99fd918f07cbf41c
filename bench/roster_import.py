"""Roster import of a 300-student school: a generated OneRoster 1.1 bundle (``tests.rosters``:
invented names, 12 teachers, 30 classes, 900 student enrolments, a demographics file that must
never be read) imported into a fresh, migrated SQLite database through ``service.rostering``,
the code every entry point calls.

Timed, each repeated (median, min, max in ms): reading the .zip, the dry-run preview, the first
import (one transaction), a re-import of the same bundle (idempotent: nothing added or updated),
and the refusal of the deliberately broken copy (``tests.rosters.broken_bundle``); then once, end
to end, ``pathways roster import`` in a new process (interpreter start, migrations, import).
Records the bundle's row counts, what was stored, and the broken copy's error list as the
pages, the API and the command line show it.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench._common import REPO

TARGET_IMPORT_S = 5.0
YEAR = "2025-2026"


def _stats(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "min_ms": round(min(ms), 1),
        "max_ms": round(max(ms), 1),
        "runs": len(ms),
    }


def _database_with_school(url: str, school: Any, county_region: Mapping[str, str]) -> Any:
    """A migrated database at ``url`` holding the bundle's one school (matched on its state id);
    returns its engine."""
    from service.db import make_engine, make_sessionmaker
    from service.migrate import upgrade_database
    from service.tables import School

    engine = make_engine(url)
    upgrade_database(engine)
    with make_sessionmaker(engine)() as db:
        db.add(
            School(
                name=school.name,
                district="Pinebrook School District",
                county_fips="28049",
                region_code=county_region["28049"],
                state_id=school.identifier,
            )
        )
        db.commit()
    return engine


def run(quick: bool) -> dict[str, Any]:
    """Time the import steps of a 300-student school; returns the figures and the error list."""
    from sqlalchemy import func, select

    from recommender.catalogue import get_catalogue
    from service import rostering
    from service.db import make_sessionmaker
    from service.tables import ClassMember, SchoolClass, Student
    from tests.rosters import SampleSchool, broken_bundle, make_bundle, write_bundle, zip_bundle

    runs = 2 if quick else 5
    school = SampleSchool("org-hs-1", "Pinebrook High School", "2801234")
    bundle = make_bundle((school,), 300)
    zipped = zip_bundle(bundle)
    broken, _ = broken_bundle(bundle)
    broken_zip = zip_bundle(broken)
    counts = {name: data.count(b"\n") - 1 for name, data in bundle.items()}
    county_region = get_catalogue().county_region
    timings: dict[str, list[float]] = {
        k: [] for k in ("read_zip", "dry_run", "first_import", "reimport", "broken_refused")
    }
    stored: dict[str, int] = {}
    problems: list[str] = []
    reimport_totals: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(runs):
            url = f"sqlite:///{Path(tmp) / f'roster-{n}.sqlite3'}"
            engine = _database_with_school(url, school, county_region)
            factory = make_sessionmaker(engine)
            scope = rostering.ImportScope(None)

            def once(data: bytes, dry_run: bool, db: Any, scope: Any = scope) -> Any:
                roster = rostering.read_roster_upload("roster.zip", data)
                return rostering.import_roster(
                    db,
                    roster,
                    school_year=YEAR,
                    scope=scope,
                    dry_run=dry_run,
                    county_region=county_region,
                )

            start = time.perf_counter()
            rostering.read_roster_upload("roster.zip", zipped)
            timings["read_zip"].append(time.perf_counter() - start)
            with factory() as db:
                start = time.perf_counter()
                once(zipped, True, db)
                db.rollback()
                timings["dry_run"].append(time.perf_counter() - start)
            with factory() as db:
                start = time.perf_counter()
                once(zipped, False, db)
                db.commit()
                timings["first_import"].append(time.perf_counter() - start)
            with factory() as db:
                start = time.perf_counter()
                report = once(zipped, False, db)
                db.commit()
                timings["reimport"].append(time.perf_counter() - start)
                reimport_totals = report.totals()
            start = time.perf_counter()
            try:
                rostering.read_roster_upload("broken.zip", broken_zip)
            except rostering.RosterRefusedError as exc:
                problems = [p.describe() for p in exc.problems]
            timings["broken_refused"].append(time.perf_counter() - start)
            with factory() as db:
                for label, table in (
                    ("students", Student),
                    ("classes", SchoolClass),
                    ("class_memberships", ClassMember),
                ):
                    stored[label] = int(
                        db.execute(select(func.count()).select_from(table)).scalar_one()
                    )
            engine.dispose()
        # end to end, as an operator runs it
        folder = write_bundle(bundle, Path(tmp) / "bundle")
        url = f"sqlite:///{Path(tmp) / 'cli.sqlite3'}"
        _database_with_school(url, school, county_region).dispose()
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "service.cli", "roster", "import", str(folder),
             "--school-year", YEAR, "--database-url", url],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )  # fmt: skip
        cli_s = time.perf_counter() - start
    first = _stats(timings["first_import"])
    return {
        "bundle_rows": counts,
        "stored": stored,
        "reimport_totals": reimport_totals,
        "timings": {k: _stats(v) for k, v in timings.items()},
        "cli_end_to_end_s": round(cli_s, 2),
        "cli_exit": done.returncode,
        "cli_output": done.stdout.strip().splitlines(),
        "broken_copy_errors": problems,
        "target_import_s": TARGET_IMPORT_S,
        "meets_target": first["p50_ms"] / 1000 <= TARGET_IMPORT_S,
    }
