"""HTTP: the recommendation endpoint under load from ``wrk``, beside the framework's ceiling.

``pathways serve`` runs with its production settings on a temporary SQLite database seeded with
the demo district. A coach signs in (Bearer token) and ``wrk`` requests, at 16 connections, the
recommendations of the coach's students with submitted assessments, in turn:

* ``stored`` — ``GET /students/{id}/recommendations``: the default result, which the service
  stores on first request and returns from the database while model and inputs are unchanged;
* ``what_if`` — the same with ``?plan=community_college``: computed afresh on every request;
* ``livez`` — ``GET /livez`` (no database, no model): the framework's ceiling on this machine.

The three rotate in rounds of equal length within one run. Beside wrk's figures each round
records the server's CPU milliseconds per request (all its processes), which is steadier than
latency when other programs share the machine.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench._common import REPO
from bench._server import (
    Server,
    exported_tree,
    fresh_database,
    get_json,
    run_server,
    sign_in,
)

CONNECTIONS = 16
TARGET_RPS = 300.0
TARGET_P99_MS = 50.0

_LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["Authorization"] = "Bearer %s"})
end
"""


def ensure_wrk() -> str:
    """Path of wrk; installs the Debian package when missing, else RuntimeError saying how."""
    found = shutil.which("wrk")
    if found:
        return found
    for cmd in (["apt-get", "install", "-y", "wrk"], ["apt-get", "update"]):
        subprocess.run(cmd, capture_output=True, check=False, timeout=600)
        if cmd[1] == "update":
            subprocess.run(
                ["apt-get", "install", "-y", "wrk"], capture_output=True, check=False, timeout=600
            )
        found = shutil.which("wrk")
        if found:
            return found
    raise RuntimeError("wrk is not installed and apt-get could not install it: apt-get install wrk")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if m is None:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, latency percentiles (ms), request and error counts from `wrk --latency`."""
    out: dict[str, Any] = {}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+),", output)
    if rps is None or total is None:
        raise ValueError(f"unreadable wrk output:\n{output}")
    out["rps"] = float(rps.group(1))
    out["requests"] = int(total.group(1))
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", output, re.MULTILINE)
        out[f"p{pct}_ms"] = round(_ms(m.group(1)), 2) if m else None
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    out["non_2xx"] = int(non2xx.group(1)) if non2xx else 0
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    out["socket_errors"] = sum(int(x) for x in errors.groups()) if errors else 0
    return out


def _descendants(pid: int) -> list[int]:
    """pid and all its child processes (uvicorn workers), from /proc."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            out.extend(_descendants(int(child)))
    return out


def read_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants so far (0.0 if gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in _descendants(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run_wrk(
    wrk: str, url: str, script: Path | None, seconds: int, server_pid: int
) -> dict[str, Any]:
    """One wrk run (one thread, CONNECTIONS connections); adds the server's CPU ms per request."""
    cpu_before = read_cpu_seconds(server_pid)
    cmd = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script is not None:
        cmd += ["-s", str(script)]
    done = subprocess.run(
        [*cmd, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    result = parse_wrk(done.stdout)
    cpu = read_cpu_seconds(server_pid) - cpu_before
    result["server_cpu_ms_per_request"] = (
        round(cpu / result["requests"] * 1000, 2) if result["requests"] else None
    )
    return result


def _merge(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Median over rounds of each figure; counts summed."""
    import statistics

    out: dict[str, Any] = {"rounds": rounds}
    for key in ("rps", "p50_ms", "p75_ms", "p90_ms", "p99_ms", "server_cpu_ms_per_request"):
        vals = [r[key] for r in rounds if r.get(key) is not None]
        out[key] = round(statistics.median(vals), 2) if vals else None
    for key in ("requests", "non_2xx", "socket_errors"):
        out[key] = sum(r[key] for r in rounds)
    return out


def _prepare(server: Server, tmp: Path, tag: str) -> tuple[int, dict[str, Path | None]]:
    """Sign in coach1 and write the wrk scripts for this server; (students, scripts)."""
    token = sign_in(server.base_url, "coach1")
    students = get_json(server.base_url, "/students", token)
    paths = []
    for s in students:
        path = f"/students/{s['id']}/recommendations"
        try:
            get_json(server.base_url, path, token)
        except Exception:  # no submitted assessment: not part of the load
            continue
        paths.append(path)
    if not paths:
        raise RuntimeError("no demo student of coach1 has a recommendation to load")
    listed = ", ".join(f'"{p}"' for p in paths)
    whatif = ", ".join(f'"{p}?plan=community_college"' for p in paths)
    scripts: dict[str, Path | None] = {"livez": None}
    for name, text in (("stored", listed), ("what_if", whatif)):
        script = tmp / f"{tag}-{name}.lua"
        script.write_text(_LUA % (text, token), encoding="utf-8")
        scripts[name] = script
    return len(paths), scripts


def measure_servers(
    wrk: str, workers: int, rounds: int, seconds: int, trees: dict[str, Path | None]
) -> dict[str, dict[str, Any]]:
    """Stored, what-if and /livez rounds against one server per tree, all rotating in one run.

    ``trees`` maps a label to a checkout (None: this repository); each server has its own fresh
    SQLite database with the demo district. Servers not being loaded sit idle.
    """
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pathways-wrk-")))
        servers: dict[str, Server] = {}
        loaded: dict[str, int] = {}
        scripts: dict[tuple[str, str], Path | None] = {}
        for label, tree in trees.items():
            url = stack.enter_context(fresh_database("sqlite"))
            servers[label] = stack.enter_context(run_server(url, workers=workers, tree=tree))
            loaded[label], per_server = _prepare(servers[label], tmp, label)
            for name, script in per_server.items():
                scripts[(label, name)] = script
        runs: dict[tuple[str, str], list[dict[str, Any]]] = {key: [] for key in scripts}
        keys = list(scripts)
        for i in range(rounds):
            shift = i % len(keys)
            for label, name in keys[shift:] + keys[:shift]:
                lua = scripts[(label, name)]
                server = servers[label]
                target = server.base_url + ("/" if lua else "/livez")
                runs[(label, name)].append(run_wrk(wrk, target, lua, seconds, server.process.pid))
    out: dict[str, dict[str, Any]] = {}
    for label in trees:
        merged = {name: _merge(runs[(label, name)]) for name in ("stored", "what_if", "livez")}
        ceiling = merged["livez"]["rps"]
        for name in ("stored", "what_if"):
            share = merged[name]["rps"] / ceiling if ceiling else None
            merged[name]["share_of_ceiling_rps"] = round(share, 3) if share else None
        out[label] = {
            "workers": workers,
            "students_loaded": loaded[label],
            "recommendations": merged["stored"],
            "what_if": merged["what_if"],
            "livez": merged["livez"],
        }
    return out


def measure_workers(wrk: str, workers: int, rounds: int, seconds: int) -> dict[str, Any]:
    """Recommendation and /livez rounds, alternating, against a server with ``workers``."""
    return measure_servers(wrk, workers, rounds, seconds, {"current": None})["current"]


def run(quick: bool, baseline: str | None = None) -> dict[str, Any]:
    """Load one-worker (production default) and two-worker servers; return the figures.

    With ``baseline`` (a git revision) the one-worker rounds also load a server running that
    revision, interleaved with the current code in the same run, for a before/after comparison.
    """
    wrk = ensure_wrk()
    rounds, seconds = (1, 3) if quick else (3, 10)
    extra: dict[str, Any] = {}
    if baseline is None:
        first = measure_workers(wrk, 1, rounds, seconds)
    else:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", baseline],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        with exported_tree(baseline) as tree:
            pair = measure_servers(wrk, 1, rounds, seconds, {"current": None, "baseline": tree})
        first = pair["current"]
        extra["baseline"] = {"ref": baseline, "commit": commit, **pair["baseline"]}
    variants = [first]
    if not quick:
        variants.append(measure_workers(wrk, 2, rounds, seconds))
    main = variants[0]["recommendations"]
    return {
        "what": f"wrk -t1 -c{CONNECTIONS}, {rounds} rounds x {seconds} s per endpoint, rotating",
        "wrk": subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("\n")[0],
        "variants": variants,
        **extra,
        "targets": {
            "rps>=300": main["rps"] >= TARGET_RPS,
            "p99_ms<=50": main["p99_ms"] is not None and main["p99_ms"] <= TARGET_P99_MS,
            "no_errors": main["non_2xx"] == 0 and main["socket_errors"] == 0,
        },
    }
