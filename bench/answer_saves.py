"""A class autosaves at once: 16 students save answers concurrently against a SQLite service.

Against ``pathways serve`` (production settings, one worker) on a fresh SQLite file: a coach adds
16 students and gives each an access code; each student signs in and starts an assessment. Then
16 clients, one connection and one thread each, all start together and each saves one interest
rating after another (``PUT /assessments/{id}/answers``, as the page's autosave does) for the
same number of saves, with no pause between them: the hardest case for SQLite's single writer.
Every save is timed; a save that takes longer than the client's timeout counts as a timeout (and
its time is counted as the timeout). Afterwards each assessment must hold the last rating its
client saw acknowledged; ``lost`` counts the items where it does not (after a timeout, the save
the client gave up on may still land later and count here).
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench._common import REPO, summarise_ms
from bench._server import (
    exported_tree,
    fresh_database,
    get_json,
    run_server,
    sign_in,
    signed_in_student,
)

CLIENTS = 16
SAVES_PER_CLIENT = 40
QUICK_SAVES_PER_CLIENT = 10
#: What a client waits for one save before giving up (the page retries later).
CLIENT_TIMEOUT_S = 5.0
TARGET_P99_MS = 250.0


def _prepare_student(base: str, coach: str, school_id: int, n: int, tag: str) -> dict[str, Any]:
    """A student with a started assessment: ids, their Bearer header and the interest items."""
    import httpx

    headers = {"Authorization": f"Bearer {coach}"}
    with httpx.Client(base_url=base, timeout=60) as c:
        sid, mine = signed_in_student(c, headers, school_id, f"S{tag}{n:03d}", 9 + n % 4)
        instrument = c.get("/instrument", headers=mine)
        instrument.raise_for_status()
        items = [it["id"] for it in instrument.json()["interests"]["items"]]
        r = c.post("/assessments", headers=mine, json={"language": "en"})
        r.raise_for_status()
    return {"student": sid, "assessment": r.json()["id"], "headers": mine, "items": items}


def measure_saves(saves_per_client: int, tree: Path | None = None) -> dict[str, Any]:
    """Prepare the students, run the concurrent saves, check every last save was kept.

    ``tree``: serve another checkout's code (see ``bench._server.exported_tree``).
    """
    import httpx

    with fresh_database("sqlite") as url, run_server(url, tree=tree) as server:
        base = server.base_url
        coach = sign_in(base, "coach1")
        school_id = get_json(base, "/students", coach)[0]["school_id"]
        tag = f"{int(time.time()) % 10000:04d}"
        students = [_prepare_student(base, coach, school_id, n, tag) for n in range(CLIENTS)]
        latencies: list[list[float]] = [[] for _ in students]
        statuses: list[list[int]] = [[] for _ in students]
        last_saved: list[dict[str, int]] = [{} for _ in students]
        errors: list[str] = []

        # The 16 clients are coroutines on one event loop, not 16 threads: with threads the
        # load generator's own interpreter lock, on the same 2 cores as the server, made much
        # of the measured wait (sampled with py-spy during a run, the server's worker threads
        # were mostly waiting for work).
        async def run_client(i: int, client: httpx.AsyncClient, go: asyncio.Event) -> None:
            s = students[i]
            items = s["items"]
            await go.wait()
            for k in range(saves_per_client):
                item = items[k % len(items)]
                rating = 1 + (i + k) % 5
                start = time.perf_counter()
                try:
                    r = await client.put(
                        f"/assessments/{s['assessment']}/answers",
                        headers=s["headers"],
                        json={"interests": {item: rating}},
                    )
                except httpx.TimeoutException:
                    latencies[i].append(CLIENT_TIMEOUT_S)
                    statuses[i].append(0)  # 0: the client gave up
                    continue
                latencies[i].append(time.perf_counter() - start)
                statuses[i].append(r.status_code)
                if r.status_code == 200:
                    last_saved[i][item] = rating
                elif len(errors) < 20:
                    errors.append(f"{r.status_code} {r.text[:200]}")

        async def run_all() -> float:
            clients = [httpx.AsyncClient(base_url=base, timeout=CLIENT_TIMEOUT_S) for _ in students]
            try:
                for client in clients:  # open each connection before the clock starts
                    await client.get("/livez")
                go = asyncio.Event()
                tasks = [asyncio.create_task(run_client(i, c, go)) for i, c in enumerate(clients)]
                started = time.perf_counter()
                go.set()
                await asyncio.gather(*tasks)
                return time.perf_counter() - started
            finally:
                for client in clients:
                    await client.aclose()

        cpu = time.process_time()
        wall = asyncio.run(run_all())
        client_cpu = time.process_time() - cpu
        lost = 0
        for i, s in enumerate(students):
            with httpx.Client(base_url=base, timeout=60) as c:
                r = c.get(f"/assessments/{s['assessment']}", headers=s["headers"])
                r.raise_for_status()
                stored = r.json().get("answers", {}).get("interests", {})
            lost += sum(1 for item, rating in last_saved[i].items() if stored.get(item) != rating)
    flat = [x for per in latencies for x in per]
    codes = [c for per in statuses for c in per]
    stats = summarise_ms(flat)
    timeouts = codes.count(0)
    return {
        "database": "sqlite",
        "clients": CLIENTS,
        "saves_per_client": saves_per_client,
        "client_timeout_s": CLIENT_TIMEOUT_S,
        "wall_s": round(wall, 3),
        "client_cpu_s": round(client_cpu, 3),
        "saves_per_s": round(len(flat) / wall, 1),
        "status_counts": {
            str(k): int(v) for k, v in zip(*np.unique(codes, return_counts=True), strict=True)
        },
        "timeouts": timeouts,
        "lost": lost,
        "errors": errors,
        "latency": stats,
        "targets": {
            "p99_ms<=250": stats["p99_ms"] <= TARGET_P99_MS,
            "no_timeouts": timeouts == 0,
            "none_lost": lost == 0,
        },
    }


#: Runs of each variant; with a baseline the two alternate (before, after, before, ...).
ROUNDS = 3


def run(quick: bool, baseline: str | None = None) -> dict[str, Any]:
    """16 concurrent autosaving clients on SQLite, ``ROUNDS`` times (once when quick).

    ``baseline``: a git revision also measured, alternating with this checkout, so both see the
    same machine load; its runs go under ``baseline``.
    """
    saves = QUICK_SAVES_PER_CLIENT if quick else SAVES_PER_CLIENT
    rounds = 1 if quick else ROUNDS
    result: dict[str, Any] = {
        "what": f"{CLIENTS} clients saving answers back to back, SQLite, one worker",
        "variants": [],
    }
    if baseline is None:
        result["variants"] = [measure_saves(saves) for _ in range(rounds)]
        return result
    before: list[dict[str, Any]] = []
    with exported_tree(baseline) as tree:
        for _ in range(rounds):
            before.append(measure_saves(saves, tree=tree))
            result["variants"].append(measure_saves(saves))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", baseline], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    result["baseline"] = {"ref": commit or baseline, "variants": before}
    return result
