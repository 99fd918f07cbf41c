"""Smoke test of the benchmark runner: --quick writes a result file with the promised fields."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_quick_recommend_writes_json(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "recommend", "--quick", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "recommend.json").read_text(encoding="utf-8"))
    assert data["machine"]["cores"] >= 1
    assert data["machine"]["omp_num_threads"] == "1"
    assert data["libraries"]["onnxruntime"]
    assert len(data["load_average_before"]) == 3
    variants = data["result"]["variants"]
    assert set(variants) == {"onnx", "sklearn", "numpy"}
    for stats in variants.values():
        assert 0 < stats["min_ms"] <= stats["p50_ms"] <= stats["p99_ms"] <= stats["max_ms"]
    assert set(data["result"]["onnx_stages"]) >= {"features", "fit_scoring", "ranking", "reasons"}


def test_unknown_benchmark_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "no_such_bench", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no_such_bench" in done.stderr
    assert not list(tmp_path.iterdir())
