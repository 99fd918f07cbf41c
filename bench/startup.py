"""Start-up, memory and install size: `pathways serve` to first recommendation, RSS per worker.

Measured, each in fresh processes:

* service (the target): ``pathways serve`` started as a subprocess on an empty SQLite file
  (migrate, seed the demo district, start uvicorn) until a coach has signed in and the first
  ``GET /students/{id}/recommendations`` has answered; several runs, the median is checked;
  then the resident memory (RSS) of the worker after 200 more recommendations; with a
  baseline (a git revision), that revision's cold starts alternate with this checkout's in the
  same run;
* in-process (for comparison): a new Python process that imports the engine, loads the active
  model and the catalogue and makes one recommendation (``Recommender.load`` then ``recommend``);
* install size: the files of the distributions ``pip install .`` brings (the dependency closure
  of ``pathways`` without extras) and with the ``train`` extra, read from this environment's
  installed metadata (MB on disk).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench._common import REPO, read_load_average
from bench._server import (
    DEMO_PASSWORD,
    exported_tree,
    fresh_database,
    get_json,
    run_server,
    sign_in,
    single_thread_env,
)
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


def read_cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: The packages ``pathways serve`` imports from a checkout (the rest comes from site-packages).
_SERVED_PACKAGES = ("service", "recommender", "training")


def compile_tree(tree: Path) -> None:
    """Byte-compile the served packages of a checkout, as ``pip install`` does for an install,
    so that no start spends time compiling (with ``PYTHONDONTWRITEBYTECODE`` set, a start
    would otherwise compile every module of the checkout, every time)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *(str(tree / p) for p in _SERVED_PACKAGES)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _serve_to_first_recommendation(tree: Path | None = None) -> tuple[float, float, float]:
    """One cold start: seconds from launching ``pathways serve`` to /livez answering and to the
    first recommendation a signed-in coach receives, and the CPU seconds the server used by
    then (less sensitive than wall time to other programs on the machine). ``tree``: serve
    another checkout's code (see ``bench._server.run_server``).

    One HTTP client, made before the clock starts, for the sign-in and both requests, as a
    browser keeps one: a new ``httpx`` client per request spent about 0.1 s each on a TLS
    context these plain-http requests never use, and that was counted as start-up time.
    """
    import httpx

    with fresh_database("sqlite") as url, httpx.Client(timeout=30) as client:
        start = time.perf_counter()
        with run_server(url, tree=tree) as server:
            r = client.post(
                server.base_url + "/auth/login",
                json={"username": "coach1", "password": DEMO_PASSWORD},
            )
            r.raise_for_status()
            headers = {"Authorization": f"Bearer {r.json()['token']}"}
            students = client.get(server.base_url + "/students", headers=headers)
            students.raise_for_status()
            for s in students.json():
                path = f"/students/{s['id']}/recommendations"
                if client.get(server.base_url + path, headers=headers).is_success:
                    wall = time.perf_counter() - start
                    return server.ready_seconds, wall, read_cpu_seconds(server.process.pid)
    raise RuntimeError("no demo student had a recommendation")


def _summarise_starts(
    starts: list[tuple[float, float, float]], loads: list[float]
) -> dict[str, Any]:
    live, first, cpu = (list(column) for column in zip(*starts, strict=True))
    return {
        "runs": len(starts),
        "serve_start_to_live_s_median": round(statistics.median(live), 3),
        "serve_start_to_first_recommendation_s_median": round(statistics.median(first), 3),
        "serve_start_to_first_recommendation_s": [round(x, 3) for x in first],
        "server_cpu_s_to_first_recommendation_median": round(statistics.median(cpu), 3),
        "server_cpu_s_to_first_recommendation": [round(x, 3) for x in cpu],
        "load_average_1min_at_each_start": loads,
    }


def measure_service(runs: int, baseline_tree: Path | None = None) -> dict[str, Any]:
    """Serve start (empty database) to first recommendation, median of ``runs`` cold starts;
    then worker RSS after 200 more recommendations (one more start).

    ``baseline_tree``: also ``runs`` cold starts of that checkout, alternating with this one's
    (before, after, before, ...), so both see the same machine load; under ``baseline``.
    """
    import httpx

    compile_tree(REPO)
    if baseline_tree is not None:
        compile_tree(baseline_tree)
    starts, loads = [], []
    before, before_loads = [], []
    for _ in range(runs):
        if baseline_tree is not None:
            before_loads.append(read_load_average()[0])
            before.append(_serve_to_first_recommendation(baseline_tree))
        loads.append(read_load_average()[0])
        starts.append(_serve_to_first_recommendation())
    with fresh_database("sqlite") as url, run_server(url) as server:
        token = sign_in(server.base_url, "coach1")
        headers = {"Authorization": f"Bearer {token}"}
        students = get_json(server.base_url, "/students", token)
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as c:
            path = next(
                f"/students/{s['id']}/recommendations"
                for s in students
                if c.get(f"/students/{s['id']}/recommendations").is_success
            )
            for i in range(200):
                c.get(path + ("?plan=work" if i % 2 else ""))
        pids = _descendants(server.process.pid)
        rss = {str(p): round(read_rss_mb(p), 1) for p in pids}
    result: dict[str, Any] = {
        **_summarise_starts(starts, loads),
        "rss_mb_by_process": rss,
        "worker_rss_mb": max(rss.values()),
        "note": "a subprocess `pathways serve`: interpreter start, migrating and seeding an empty "
        "database, uvicorn start, one sign-in (argon2) and the first recommendation; the "
        "served packages byte-compiled beforehand, as an install has them",
    }
    if baseline_tree is not None:
        result["baseline_starts"] = _summarise_starts(before, before_loads)
    return result


def _closure(roots: list[str]) -> set[str]:
    """Canonical names of the distributions ``roots`` (requirement strings) need, recursively,
    as installed here (markers evaluated for this interpreter)."""
    from importlib import metadata

    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    seen_with_extras: set[tuple[str, tuple[str, ...]]] = set()
    todo = [Requirement(r) for r in roots]
    while todo:
        req = todo.pop()
        key = canonicalize_name(req.name)
        extras = tuple(sorted(req.extras))
        if (key, extras) in seen_with_extras:
            continue
        seen_with_extras.add((key, extras))
        seen.add(key)
        try:
            requires = metadata.requires(req.name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            sub = Requirement(text)
            env = default_environment()
            if sub.marker is None or any(
                sub.marker.evaluate(env | {"extra": e}) for e in ("", *extras)
            ):
                todo.append(sub)
    return seen


def _size_mb(names: set[str]) -> float:
    from importlib import metadata

    from packaging.utils import canonicalize_name

    total = 0
    for dist in metadata.distributions():
        if canonicalize_name(dist.metadata["Name"]) in names and dist.files:
            for file in dist.files:
                located = Path(str(dist.locate_file(file)))
                if located.is_file():
                    total += located.stat().st_size
    return round(total / 1_000_000, 1)


def measure_install_size() -> dict[str, Any]:
    """MB on disk of what ``pip install .`` and ``pip install '.[train]'`` bring: the
    requirements pyproject.toml names, with what they need in turn, as installed here."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    service = _closure(list(project["dependencies"]))
    train = _closure(list(project["dependencies"]) + project["optional-dependencies"]["train"])
    return {
        "service_mb": _size_mb(service),
        "service_distributions": len(service),
        "with_train_mb": _size_mb(train),
        "with_train_distributions": len(train),
        "training_libraries_in_service": sorted(
            service & {"scikit-learn", "scipy", "pandas", "pyarrow", "onnx", "skl2onnx", "joblib"}
        ),
        "note": "site-packages files of the dependencies (pip, setuptools and the project itself "
        "not counted), as installed in the environment running the benchmark",
    }


def run(quick: bool, baseline: str | None = None) -> dict[str, Any]:
    """The start-up measurements, the memory figure and the install sizes.

    The start-up target is checked on the end-to-end figure (``pathways serve`` on an empty
    database to the first recommendation over HTTP, this checkout's median), never on the
    in-process one. ``baseline``: a git revision whose cold starts alternate with this
    checkout's (see ``measure_service``).
    """
    in_process = measure_in_process(3 if quick else 7)
    runs = 3 if quick else 5
    if baseline is None:
        service = measure_service(runs)
    else:
        with exported_tree(baseline) as tree:
            service = measure_service(runs, baseline_tree=tree)
        commit = subprocess.run(
            ["git", "rev-parse", "--short", baseline], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        service["baseline_starts"]["ref"] = commit or baseline
    first = service["serve_start_to_first_recommendation_s_median"]
    return {
        "in_process": in_process,
        "service": service,
        "install": measure_install_size(),
        "targets": {
            "serve_start_to_first_recommendation_s<=2": first <= TARGET_START_S,
            "worker_rss_mb<=200": service["worker_rss_mb"] <= TARGET_RSS_MB,
        },
    }
