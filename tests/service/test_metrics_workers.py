"""/metrics with several worker processes: prometheus_client's multiprocess mode sums every
worker's figures, so a scrape that lands on another worker never sees a counter jump back."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from service.commands import _metrics_folder
from service.metrics import MULTIPROC_ENV, RequestMetrics, prepare_multiprocess_dir

REPO = Path(__file__).resolve().parents[2]

# One "worker": a process that reads PROMETHEUS_MULTIPROC_DIR when it imports prometheus_client.
_WORKER = """
import sys
from service.metrics import RequestMetrics
metrics = RequestMetrics()
for _ in range(int(sys.argv[1])):
    metrics.observe("GET", "/livez", 200, 0.003)
metrics.observe("GET", "/students/{student_id}", 404, 0.02)
metrics.in_progress.inc()  # left open: this worker is still answering one request
"""


def _count(text: str, route: str, status: int) -> float:
    found = re.search(
        rf'pathways_http_requests_total\{{method="GET",route="{re.escape(route)}",'
        rf'status="{status}"\}} ([0-9.e+]+)',
        text,
    )
    assert found, text
    return float(found.group(1))


def _run_worker(folder: Path, n: int) -> int:
    env = dict(os.environ, **{MULTIPROC_ENV: str(folder)})
    done = subprocess.run(
        [sys.executable, "-c", _WORKER, str(n)], cwd=REPO, env=env, capture_output=True, check=True
    )
    assert done.returncode == 0
    return n


def test_a_scrape_sums_the_requests_of_every_worker(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    prepare_multiprocess_dir(folder)
    total = _run_worker(folder, 3) + _run_worker(folder, 5)
    text = RequestMetrics(path=folder).render()
    assert _count(text, "/livez", 200) == total
    assert _count(text, "/students/{student_id}", 404) == 2
    assert 'pathways_http_request_duration_seconds_count{method="GET",route="/livez"} 8.0' in text
    assert "# TYPE pathways_http_request_duration_seconds histogram" in text


def test_an_earlier_runs_files_are_emptied_before_the_workers_start(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    prepare_multiprocess_dir(folder)
    _run_worker(folder, 4)
    prepare_multiprocess_dir(folder)  # what `pathways serve` does at start
    _run_worker(folder, 1)
    assert _count(RequestMetrics(path=folder).render(), "/livez", 200) == 1


def test_serve_gives_several_workers_a_fresh_folder_and_removes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    with _metrics_folder(workers=2):
        folder = Path(os.environ[MULTIPROC_ENV])
        assert folder.is_dir() and not any(folder.iterdir())
    assert MULTIPROC_ENV not in os.environ
    assert not folder.exists()
    with _metrics_folder(workers=1):  # one process keeps its metrics in memory
        assert MULTIPROC_ENV not in os.environ


def test_serve_keeps_an_operators_folder_but_empties_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "counter_123.db").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("kept", encoding="utf-8")
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    with _metrics_folder(workers=4):
        assert os.environ[MULTIPROC_ENV] == str(tmp_path)
        assert not (tmp_path / "counter_123.db").exists()
    assert (tmp_path / "notes.txt").exists() and tmp_path.is_dir()


@pytest.mark.slow
def test_pathways_serve_with_two_workers_never_shows_a_counter_going_back(
    tmp_path: Path,
) -> None:
    import httpx

    from bench._server import run_server

    url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    with run_server(url, workers=2) as server, httpx.Client(base_url=server.base_url) as client:
        seen: list[float] = []
        for _ in range(30):
            assert client.get("/livez").status_code == 200
            seen.append(_count(client.get("/metrics").text, "/livez", 200))
    assert seen == sorted(seen), seen  # with per-worker counters it went up and down
    assert seen[-1] >= 30
