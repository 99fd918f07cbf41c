"""A class submits at once: 30 students send their completed assessments within one second.

Against ``pathways serve`` (production settings) on a fresh SQLite file and on a fresh
PostgreSQL database: a coach adds 30 students and gives each an access code; each student signs
in, starts the assessment, answers every interest and value item, takes every aptitude subtest
and saves plan and county, all before the clock starts. Then the 30 submits start spread evenly
over one second, each from its own connection, and every one is timed. Afterwards the coach's
view must show all 30 assessments submitted with a scored profile: none lost.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from bench._common import summarise_ms
from bench._server import fresh_database, get_json, run_server, sign_in, signed_in_student

STUDENTS = 30
WINDOW_S = 1.0
TARGET_P99_MS = 500.0


def _prepare_student(base: str, coach: str, school_id: int, n: int, run_tag: str) -> dict[str, Any]:
    """Create a student with a complete, unsubmitted assessment; return its id and token."""
    import httpx

    rng = random.Random(n)
    headers = {"Authorization": f"Bearer {coach}"}
    with httpx.Client(base_url=base, timeout=60) as c:
        sid, mine = signed_in_student(c, headers, school_id, f"B{run_tag}{n:03d}", 9 + n % 4)
        got = c.get("/instrument", headers=mine)
        if got.status_code != 200:
            raise RuntimeError(f"GET /instrument: {got.status_code} {got.text[:300]}")
        instrument = got.json()
        r = c.post("/assessments", headers=mine, json={"language": "en"})
        r.raise_for_status()
        aid = r.json()["id"]
        aptitude: dict[str, dict[str, int]] = {}
        for sub in instrument["subtests"]:
            got = c.get(f"/assessments/{aid}/aptitude/{sub['id']}", headers=mine)
            got.raise_for_status()
            items = got.json()["items"]
            aptitude[sub["id"]] = {
                str(i): rng.randrange(max(2, len(item.get("options", [])) or 4))
                for i, item in enumerate(items)
            }
        interests = {it["id"]: rng.randint(1, 5) for it in instrument["interests"]["items"]}
        values = {it["id"]: rng.randint(1, 5) for it in instrument["values"]["items"]}
        county = sorted(instrument["counties"])[n % len(instrument["counties"])]
        plan = sorted(instrument["plans"])[n % len(instrument["plans"])]
        r = c.put(
            f"/assessments/{aid}/answers",
            headers=mine,
            json={
                "interests": interests,
                "values": values,
                "aptitude": aptitude,
                "plan": plan,
                "county_fips": county,
            },
        )
        r.raise_for_status()
    return {"student": sid, "assessment": aid, "headers": mine}


def measure_class(kind: str) -> dict[str, Any]:
    """Prepare 30 students, fire their submits within one second, check none was lost."""
    import httpx

    with fresh_database(kind) as url, run_server(url) as server:
        base = server.base_url
        coach = sign_in(base, "coach1")
        school_id = get_json(base, "/students", coach)[0]["school_id"]
        tag = f"{int(time.time()) % 10000:04d}"
        students = [_prepare_student(base, coach, school_id, n, tag) for n in range(STUDENTS)]
        clients = [httpx.Client(base_url=base, timeout=60) for _ in students]
        for client in clients:  # open each connection before the clock starts
            client.get("/livez")
        latencies: list[float] = [0.0] * STUDENTS
        statuses: list[int] = [0] * STUDENTS
        refusals: list[str] = []
        barrier = threading.Barrier(STUDENTS)
        t0_holder: list[float] = []

        def submit(i: int) -> None:
            s = students[i]
            barrier.wait()
            if not t0_holder:
                t0_holder.append(time.perf_counter())
            time.sleep(max(0.0, t0_holder[0] + WINDOW_S * i / STUDENTS - time.perf_counter()))
            start = time.perf_counter()
            r = clients[i].post(
                f"/assessments/{s['assessment']}/submit",
                headers=s["headers"],
                json={"client_key": f"bench-{s['assessment']:06d}-key"},
            )
            latencies[i] = time.perf_counter() - start
            statuses[i] = r.status_code
            if r.status_code != 200:
                refusals.append(f"{r.status_code} {r.text[:300]}")

        with ThreadPoolExecutor(max_workers=STUDENTS) as pool:
            list(pool.map(submit, range(STUDENTS)))
        wall = time.perf_counter() - t0_holder[0]
        for client in clients:
            client.close()
        stored = 0
        for s in students:
            rows = get_json(base, f"/students/{s['student']}/assessments", coach)
            if any(a["status"] == "submitted" and a["profile"] for a in rows):
                stored += 1
    stats = summarise_ms(latencies)
    return {
        "database": kind,
        "students": STUDENTS,
        "window_s": WINDOW_S,
        "wall_s": round(wall, 3),
        "status_counts": {
            str(k): int(v) for k, v in zip(*np.unique(statuses, return_counts=True), strict=True)
        },
        "stored": stored,
        "lost": STUDENTS - stored,
        "refusals": refusals,
        "latency": stats,
        "targets": {"none_lost": stored == STUDENTS, "p99_ms<=500": stats["p99_ms"] <= 500},
    }


def run(quick: bool) -> dict[str, Any]:
    """The class submit on SQLite and, when reachable, on PostgreSQL."""
    _ = quick  # 30 students is already small; quick runs the same load
    results = [measure_class("sqlite")]
    try:
        results.append(measure_class("postgresql"))
    except Exception as exc:  # PostgreSQL not reachable here: report it, keep the SQLite figure
        results.append({"database": "postgresql", "error": f"{type(exc).__name__}: {exc}"})
    return {"what": "30 submits spread over 1 s, one connection each", "variants": results}
