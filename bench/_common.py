"""Shared helpers of the benchmark runner: machine facts, percentiles, interleaved timing, output.

Every result file carries the machine (CPU model, cores, RAM), the load average before and after,
and the versions of the libraries on the measured path, because the same code runs at different
speeds on a quiet and a busy machine.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from recommender.files import READABLE, write_atomic

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"

#: Distributions whose versions go into every result file.
LIBRARIES = (
    "numpy",
    "scikit-learn",
    "onnxruntime",
    "skl2onnx",
    "fastapi",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "psycopg",
    "pydantic",
)


def describe_cpu() -> str:
    """CPU model name from /proc/cpuinfo (platform.processor() when that is missing)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_ram_gib() -> float | None:
    """Total RAM in GiB from /proc/meminfo, or None when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def read_load_average() -> list[float]:
    """1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def describe_machine() -> dict[str, Any]:
    """CPU model, logical cores, RAM, OS, Python and thread settings."""
    return {
        "cpu": describe_cpu(),
        "cores": os.cpu_count(),
        "ram_gib": describe_ram_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


def describe_libraries() -> dict[str, str | None]:
    """Installed versions of the libraries on the measured paths (None when absent)."""
    out: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def summarise_ms(samples_s: Sequence[float]) -> dict[str, float | int]:
    """Median, p90, p99, mean, min and max in milliseconds of samples given in seconds."""
    a = np.asarray(samples_s, dtype=np.float64) * 1000.0
    if a.size == 0:
        raise ValueError("no samples to summarise")
    return {
        "n": int(a.size),
        "p50_ms": round(float(np.percentile(a, 50)), 3),
        "p90_ms": round(float(np.percentile(a, 90)), 3),
        "p99_ms": round(float(np.percentile(a, 99)), 3),
        "mean_ms": round(float(a.mean()), 3),
        "min_ms": round(float(a.min()), 3),
        "max_ms": round(float(a.max()), 3),
    }


def time_interleaved(
    variants: Mapping[str, Callable[[int], object]], repeats: int, warmup: int = 5
) -> dict[str, list[float]]:
    """Seconds per call for each variant, calls interleaved (variant order rotates each round).

    Each callable receives the round number, so variants can walk the same inputs in step.
    """
    names = list(variants)
    for i in range(warmup):
        for name in names:
            variants[name](i)
    samples: dict[str, list[float]] = {name: [] for name in names}
    clock = time.perf_counter
    for i in range(repeats):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            fn = variants[name]
            start = clock()
            fn(i)
            samples[name].append(clock() - start)
    return samples


def git_revision() -> str | None:
    """Short commit of the checkout, or None outside git."""
    if shutil.which("git") is None:
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temp file beside path, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, indent=2, sort_keys=False) + "\n", mode=READABLE)


def utc_stamp() -> str:
    """Current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
