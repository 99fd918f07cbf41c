"""Peak memory of ``pathways serve`` under a burst of failed sign-ins (issue 12 item 3).

Starts the service from a source folder (this repository by default, or, with ``--source``, an
older copy such as ``git archive <commit> | tar -x -C DIR``) on a free port with an empty SQLite
database and the default argon2id cost, fires ``--attempts`` sign-ins for unknown usernames,
``--concurrency`` at a time, and reports the server's peak resident memory (the kernel's
``VmHWM``) with the answers it gave::

    .venv/bin/python -m bench.signin_memory [--source DIR] [--attempts 64] [--concurrency 16]

Extra ``--env NAME=VALUE`` settings go to the server (for example a larger client budget, so
that every attempt reaches the password check).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench._common import REPO
from bench._server import find_free_port, single_thread_env, wait_until_live


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} missing for process {pid}")


def measure(
    source: Path, attempts: int, concurrency: int, env: dict[str, str]
) -> dict[str, object]:
    """Run one server from ``source``, fire the burst, return the figures."""
    port = find_free_port()
    with tempfile.TemporaryDirectory(prefix="pathways-signin-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'signin.sqlite3'}"
        server_env = single_thread_env({"PYTHONPATH": str(source), "PATHWAYS_LOG_JSON": "true"})
        server_env.update(env)
        command = [
            sys.executable,
            "-c",
            "import sys; from service.cli import main; sys.exit(main(sys.argv[1:]))",
            "serve",
            "--port",
            str(port),
            "--database-url",
            url,
            "--no-seed",
        ]
        process = subprocess.Popen(
            command, cwd=source, env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_live(base, process, timeout=60)
            idle_kib = _kib(process.pid, "VmRSS")

            def attempt(n: int) -> int:
                response = httpx.post(
                    f"{base}/auth/login",
                    json={"username": f"nobody{n}", "password": "not the password"},
                    timeout=120,
                )
                return response.status_code

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                statuses = list(pool.map(attempt, range(attempts)))
            seconds = time.perf_counter() - started
            peak_kib = _kib(process.pid, "VmHWM")
        finally:
            process.terminate()
            process.wait(timeout=30)
    return {
        "source": str(source),
        "env": env,
        "attempts": attempts,
        "concurrency": concurrency,
        "idle_rss_mb": round(idle_kib / 1024, 1),
        "peak_rss_mb": round(peak_kib / 1024, 1),
        "seconds": round(seconds, 2),
        "statuses": dict(sorted(collections.Counter(statuses).items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.signin_memory", description=__doc__)
    parser.add_argument("--source", type=Path, default=REPO, help="folder to run the server from")
    parser.add_argument("--attempts", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    env = dict(item.split("=", 1) for item in args.env)
    figures = measure(args.source.resolve(), args.attempts, args.concurrency, env)
    figures["load_average_1m"] = os.getloadavg()[0]
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
