"""Start-up and memory: process start to first recommendation, and resident memory per worker.

Two measurements, each in fresh processes:

* in-process: a new Python process that imports the engine, loads the active model and the
  catalogue and makes one recommendation (``Recommender.load`` then ``recommend``);
* service: ``pathways serve`` on an empty SQLite file (migrate, seed, start uvicorn) until the
  first ``GET /students/{id}/recommendations`` answers, then the resident memory (RSS) of the
  worker after 200 more recommendations.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench._common import REPO
from bench._server import fresh_database, get_json, run_server, sign_in, single_thread_env
from bench.http import _descendants

TARGET_START_S = 2.0
TARGET_RSS_MB = 200.0

_CHILD = """
import time, resource
t0 = time.perf_counter()
from recommender.engine import Recommender
t_import = time.perf_counter()
from bench.recommend import make_profiles
profile = make_profiles(1)[0]
t_profile = time.perf_counter()
rec = Recommender.load()
rec.recommend(profile)
t1 = time.perf_counter()
print((t_import - t0) + (t1 - t_profile), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def read_rss_mb(pid: int) -> float:
    """Resident set size of one process in MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def measure_in_process(runs: int) -> dict[str, Any]:
    """Interpreter start to first recommendation (seconds, median of runs) and peak RSS."""
    walls, inner, peaks = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            cwd=REPO,
            env=single_thread_env(),
            capture_output=True,
            text=True,
            check=True,
        )
        walls.append(time.perf_counter() - start)
        seconds, peak = (float(x) for x in done.stdout.split())
        inner.append(seconds)
        peaks.append(peak)
    return {
        "runs": runs,
        "process_wall_s_median": round(statistics.median(walls), 3),
        "import_load_recommend_s_median": round(statistics.median(inner), 3),
        "peak_rss_mb_median": round(statistics.median(peaks), 1),
        "note": "process wall time includes interpreter start and simulating the test profile; "
        "the import/load/recommend figure excludes the simulation",
    }


def measure_service() -> dict[str, Any]:
    """Serve start (empty database) to first recommendation; worker RSS after 200 more."""
    import httpx

    with fresh_database("sqlite") as url:
        start = time.perf_counter()
        with run_server(url) as server:
            token = sign_in(server.base_url, "coach1")
            headers = {"Authorization": f"Bearer {token}"}
            students = get_json(server.base_url, "/students", token)
            first = None
            path = ""
            for s in students:
                path = f"/students/{s['id']}/recommendations"
                if (
                    httpx.get(server.base_url + path, headers=headers, timeout=30).status_code
                    == 200
                ):
                    first = time.perf_counter() - start
                    break
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as c:
                for i in range(200):
                    c.get(path + ("?plan=work" if i % 2 else ""))
            pids = _descendants(server.process.pid)
            rss = {str(p): round(read_rss_mb(p), 1) for p in pids}
    return {
        "serve_start_to_live_s": round(server.ready_seconds, 3),
        "serve_start_to_first_recommendation_s": round(first, 3) if first else None,
        "rss_mb_by_process": rss,
        "worker_rss_mb": max(rss.values()),
        "note": "start includes migrating and seeding an empty database and one sign-in (argon2)",
    }


def run(quick: bool) -> dict[str, Any]:
    """Both start-up measurements and the memory figure."""
    in_process = measure_in_process(3 if quick else 7)
    service = measure_service()
    return {
        "in_process": in_process,
        "service": service,
        "targets": {
            "start_to_first_recommendation_s<=2": in_process["import_load_recommend_s_median"]
            <= TARGET_START_S,
            "worker_rss_mb<=200": service["worker_rss_mb"] <= TARGET_RSS_MB,
        },
    }
