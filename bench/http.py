"""HTTP: the recommendation endpoint under load from ``wrk``, beside the framework's ceiling.

``pathways serve`` runs with its production settings on a temporary SQLite database seeded with
the demo district. A coach signs in (Bearer token) and ``wrk`` requests
``GET /students/{id}/recommendations`` for the coach's students with submitted assessments, in
turn, at 16 connections; ``GET /livez`` (no database, no model) is the ceiling of the framework
on this machine. The two alternate in rounds of equal length within one run. Every default
recommendation stores a row, so the database write is part of what is measured.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench._server import fresh_database, get_json, run_server, sign_in

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


def run_wrk(wrk: str, url: str, script: Path | None, seconds: int) -> dict[str, Any]:
    """One wrk run: one thread, CONNECTIONS connections, for the given seconds."""
    cmd = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script is not None:
        cmd += ["-s", str(script)]
    done = subprocess.run(
        [*cmd, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    return parse_wrk(done.stdout)


def _merge(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Median over rounds of each figure; counts summed."""
    import statistics

    out: dict[str, Any] = {"rounds": rounds}
    for key in ("rps", "p50_ms", "p75_ms", "p90_ms", "p99_ms"):
        vals = [r[key] for r in rounds if r.get(key) is not None]
        out[key] = round(statistics.median(vals), 2) if vals else None
    for key in ("requests", "non_2xx", "socket_errors"):
        out[key] = sum(r[key] for r in rounds)
    return out


def measure_workers(wrk: str, workers: int, rounds: int, seconds: int) -> dict[str, Any]:
    """Recommendation and /livez rounds, alternating, against a server with ``workers``."""
    with (
        fresh_database("sqlite") as url,
        run_server(url, workers=workers) as server,
        tempfile.TemporaryDirectory(prefix="pathways-wrk-") as tmp,
    ):
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
        script = Path(tmp) / "recs.lua"
        script.write_text(_LUA % (", ".join(f'"{p}"' for p in paths), token), encoding="utf-8")
        recs: list[dict[str, Any]] = []
        livez: list[dict[str, Any]] = []
        for i in range(rounds):
            pair = [("recs", script), ("livez", None)]
            for name, lua in pair if i % 2 == 0 else pair[::-1]:
                target = server.base_url + ("/" if lua else "/livez")
                result = run_wrk(wrk, target, lua, seconds)
                (recs if name == "recs" else livez).append(result)
    rec = _merge(recs)
    ceiling = _merge(livez)
    rec["share_of_ceiling_rps"] = round(rec["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None
    return {
        "workers": workers,
        "students_loaded": len(paths),
        "recommendations": rec,
        "livez": ceiling,
    }


def run(quick: bool) -> dict[str, Any]:
    """Load one-worker (production default) and two-worker servers; return the figures."""
    wrk = ensure_wrk()
    rounds, seconds = (2, 3) if quick else (4, 10)
    variants = [measure_workers(wrk, w, rounds, seconds) for w in ((1,) if quick else (1, 2))]
    main = variants[0]["recommendations"]
    return {
        "what": f"wrk -t1 -c{CONNECTIONS}, {rounds} rounds x {seconds} s per endpoint, alternating",
        "wrk": subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("\n")[0],
        "variants": variants,
        "targets": {
            "rps>=300": main["rps"] >= TARGET_RPS,
            "p99_ms<=50": main["p99_ms"] is not None and main["p99_ms"] <= TARGET_P99_MS,
            "no_errors": main["non_2xx"] == 0 and main["socket_errors"] == 0,
        },
    }
