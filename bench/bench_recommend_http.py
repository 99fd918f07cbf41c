"""Latency of ``GET /students/{id}/recommendations`` through the whole app, in one process.

A temporary SQLite database gets one school, one coach and 20 students with submitted profiles;
the app runs under Starlette's TestClient (ASGI in process: routing, auth, database, model, JSON,
no sockets). Three request kinds, ``--calls`` each (default 200), interleaved round by round:

* ``stored``  — the default result, stored on a student's first request and reused afterwards;
* ``fresh``   — the default result right after the stored rows were deleted (compute and store);
* ``what_if`` — ``?plan=four_year_college&region=0025060``: computed on every call, not stored.

Run: ``.venv/bin/python -m bench.bench_recommend_http [--calls N]``; prints p50/p90/p99 in ms
(as a module: a plain script path would let ``bench/http.py`` shadow the standard library).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import delete  # noqa: E402

from service.app import create_app  # noqa: E402
from service.auth import create_session  # noqa: E402
from service.db import session_scope  # noqa: E402
from service.migrate import upgrade_database  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.tables import Assessment, CoachSchool, Recommendation, School, Student, User  # noqa: E402
from tests.model.synthetic import make_scored_profile  # noqa: E402

N_STUDENTS = 20


def _seed(app: object) -> tuple[str, list[int]]:
    rng = np.random.default_rng(0)
    factory = app.state.sessionmaker  # type: ignore[attr-defined]
    with session_scope(factory) as db:
        school = School(name="Bench High", district="B", county_fips="28047", region_code="0025060")
        coach = User(username="bench", display_name="Bench", role="coach", password_hash="x")
        db.add_all([school, coach])
        db.flush()
        db.add(CoachSchool(user_id=coach.id, school_id=school.id))
        ids = []
        for i in range(N_STUDENTS):
            student = Student(school_id=school.id, local_id=f"B{i:03d}", first_name="B", grade=10)
            db.add(student)
            db.flush()
            db.add(
                Assessment(
                    student_id=student.id,
                    instrument_version="2025.1",
                    status="submitted",
                    profile=make_scored_profile(rng).to_dict(),
                    submitted_at=datetime.now(UTC),
                )
            )
            ids.append(student.id)
        token = create_session(
            db, role="coach", now=datetime.now(UTC), minutes=600, user_id=coach.id
        )
    return token, ids


def _summary(name: str, ms: list[float]) -> str:
    q = np.percentile(np.asarray(ms), [50, 90, 99])
    return (
        f"{name:<8} n={len(ms):4d}  p50 {q[0]:6.1f} ms  p90 {q[1]:6.1f} ms  p99 {q[2]:6.1f} ms"
        f"  mean {statistics.fmean(ms):6.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="requests per kind (default 200)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        settings = Settings(database_url=url, var_dir=Path(tmp), seed_demo=False, log_json=False)
        app = create_app(settings)
        upgrade_database(app.state.engine)
        with TestClient(app) as client:
            token, ids = _seed(app)
            headers = {"Authorization": f"Bearer {token}"}
            for sid in ids:  # warm-up: loads the model and stores every default result once
                client.get(f"/students/{sid}/recommendations", headers=headers).raise_for_status()
            times: dict[str, list[float]] = {"stored": [], "fresh": [], "what_if": []}
            for i in range(args.calls):
                sid = ids[i % len(ids)]
                path = f"/students/{sid}/recommendations"
                for kind in times:
                    if kind == "fresh":
                        with session_scope(app.state.sessionmaker) as db:
                            db.execute(
                                delete(Recommendation).where(Recommendation.student_id == sid)
                            )
                    params = {"plan": "four_year_college", "region": "0025060"}
                    start = time.perf_counter()
                    response = client.get(
                        path, params=params if kind == "what_if" else None, headers=headers
                    )
                    times[kind].append((time.perf_counter() - start) * 1000.0)
                    response.raise_for_status()
        app.state.engine.dispose()
    print(f"GET /students/{{id}}/recommendations, in-process TestClient, {N_STUDENTS} students")
    for kind, ms in times.items():
        print(_summary(kind, ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
