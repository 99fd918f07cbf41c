"""Start ``pathways serve`` on a free local port with a throw-away database, and talk to it.

The server runs as a separate process with the production settings of ``pathways serve``
(uvicorn, access log off, JSON logs), one maths thread per worker, and its own temporary SQLite
file or a fresh PostgreSQL database that is dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._common import REPO

PATHWAYS = REPO / ".venv" / "bin" / "pathways"
DEMO_PASSWORD = "pathways-demo"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def find_free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running service process and where to reach it."""

    process: subprocess.Popen[bytes]
    base_url: str
    started_at: float
    ready_seconds: float


def single_thread_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The current environment with one OpenMP/BLAS thread and the given additions."""
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    env.update(extra or {})
    return env


@contextlib.contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database of the given kind ('sqlite' or 'postgresql')."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pathways-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}; expected 'sqlite' or 'postgresql'")
    import psycopg

    admin = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"pathways_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_until_live(
    base_url: str, process: subprocess.Popen[bytes], timeout: float, client: Any
) -> None:
    """Poll /livez every 10 ms with ``client`` (an ``httpx.Client``) until it answers 200;
    RuntimeError when the process dies or time runs out."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pathways serve exited with status {process.returncode}")
        try:
            if client.get(base_url + "/livez", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"pathways serve did not answer /livez within {timeout:.0f} s")


@contextlib.contextmanager
def run_server(
    database_url: str, workers: int = 1, log_path: Path | None = None, tree: Path | None = None
) -> Iterator[Server]:
    """Run ``pathways serve`` until the block ends (then SIGTERM, and SIGKILL if it lingers).

    ``tree``: serve the code, model and data of another checkout (see ``exported_tree``) with
    this repository's virtual environment; default: this repository.
    """
    import httpx

    port = find_free_port()
    extra = {
        "PATHWAYS_DATABASE_URL": database_url,
        "PATHWAYS_PORT": str(port),
        "PATHWAYS_HOST": "127.0.0.1",
        "PATHWAYS_WORKERS": str(workers),
        "PATHWAYS_SEED_DEMO": "true",  # the demo accounts the benchmarks sign in with
    }
    command = [str(PATHWAYS), "serve"]
    if tree is not None:
        extra["PYTHONPATH"] = str(tree)  # found before the editable install of this checkout
        command = [str(REPO / ".venv" / "bin" / "python"), "-m", "service.cli", "serve"]
    env = single_thread_env(extra)
    log = open(log_path or os.devnull, "wb")  # noqa: SIM115 - closed below
    # One client for all polls, made before the server starts: each new httpx client makes a
    # TLS context (the CA bundle read and parsed), about 0.1 s of CPU taken from the server.
    poller = httpx.Client()
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=tree or REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(base, process, timeout=120, client=poller)
        poller.close()
        yield Server(process, base, started, time.monotonic() - started)
    finally:
        poller.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextlib.contextmanager
def exported_tree(ref: str) -> Iterator[Path]:
    """The files of git revision ``ref`` (code, models, data) in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="pathways-ref-") as tmp:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", ref], cwd=REPO, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        yield Path(tmp)


def sign_in(base_url: str, username: str) -> str:
    """Bearer token of a demo account."""
    import httpx

    r = httpx.post(
        base_url + "/auth/login",
        json={"username": username, "password": DEMO_PASSWORD},
        timeout=30,
    )
    r.raise_for_status()
    return str(r.json()["token"])


def get_json(base_url: str, path: str, token: str) -> Any:
    """GET a JSON resource with a Bearer token; raises on a non-2xx status."""
    import httpx

    r = httpx.get(base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    r.raise_for_status()
    return r.json()


def signed_in_student(
    client: Any, coach_headers: dict[str, str], school_id: int, local_id: str, grade: int
) -> tuple[int, dict[str, str]]:
    """Create a student through the API, redeem an access code for them, and return the
    student's id and Bearer header (``client`` is an httpx.Client on the running service)."""
    r = client.post(
        "/students",
        headers=coach_headers,
        json={"school_id": school_id, "local_id": local_id, "first_name": "Bench", "grade": grade},
    )
    r.raise_for_status()
    sid = int(r.json()["id"])
    r = client.post(f"/students/{sid}/access-codes", headers=coach_headers)
    r.raise_for_status()
    r = client.post("/auth/access-code", json={"code": r.json()["code"]})
    r.raise_for_status()
    return sid, {"Authorization": f"Bearer {r.json()['token']}"}
