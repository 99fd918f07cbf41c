"""Yearly work: catalogue build, fitting on 1M pair rows, ONNX export and its parity check.

* catalogue build — ``training.catalogue_build.build_catalogue`` from ../shared/data/raw into a
  temporary folder (the committed catalogue is not touched); skipped when the raw data is absent;
* fitting — the default ``TrainConfig`` estimator on 1,000,000 pair rows (50,000 synthetic
  students x 20 pairs), float32 features; cohort generation and feature building timed apart;
* export — ``write_onnx`` of the fitted pipeline, then ``check_parity`` on 200 students x the
  whole catalogue. This replaces bench/train_1m.py, which timed the fitting alone.

``--quick`` fits on 100,000 rows (5,000 students) so the runner can be checked in seconds.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

TARGET_BUILD_S = 60.0
TARGET_FIT_S = 90.0


def time_catalogue_build() -> dict[str, Any]:
    """Seconds to build the catalogue from the raw data (None with a reason when absent)."""
    from training.catalogue_build import DEFAULT_RAW_DIR, build_catalogue

    if not Path(DEFAULT_RAW_DIR).is_dir():
        return {"seconds": None, "skipped": f"raw data folder {DEFAULT_RAW_DIR} is absent"}
    with tempfile.TemporaryDirectory(prefix="pathways-bench-cat-") as tmp:
        start = time.perf_counter()
        build_catalogue(Path(DEFAULT_RAW_DIR), Path(tmp) / "catalogue", progress=False)
        return {"seconds": round(time.perf_counter() - start, 2)}


def time_training(students: int) -> dict[str, Any]:
    """Cohort, features, fitting, ONNX export and parity check, each timed."""
    from recommender.catalogue import load_catalogue
    from recommender.features import OccupationArrays, StudentBatch, build_pair_features_batch
    from training.cohort import CohortConfig, generate_cohort, observe_with_noise
    from training.export import check_parity, write_onnx
    from training.train import TrainConfig, build_training_matrix, fit_pipeline

    catalogue = load_catalogue()
    occupations = OccupationArrays.from_catalogue(catalogue)
    config = TrainConfig(cohort=CohortConfig(n_students=students))
    out: dict[str, Any] = {"estimator": config.estimator, "max_iter": config.max_iter}
    start = time.perf_counter()
    cohort = generate_cohort(catalogue, config.cohort, observe_with_noise)
    out["cohort_s"] = round(time.perf_counter() - start, 2)
    start = time.perf_counter()
    x, y = build_training_matrix(cohort, occupations, np.arange(cohort.pair_grade.size))
    out["features_s"] = round(time.perf_counter() - start, 2)
    out["rows"] = int(x.shape[0])
    out["features_dtype"] = str(x.dtype)
    pipe, fit_s = fit_pipeline(x, y, config)
    out["fit_s"] = round(fit_s, 2)
    with tempfile.TemporaryDirectory(prefix="pathways-bench-onnx-") as tmp:
        path = Path(tmp) / "model.onnx"
        start = time.perf_counter()
        write_onnx(pipe, path, {"version": "bench"})
        out["export_s"] = round(time.perf_counter() - start, 2)
        out["onnx_bytes"] = path.stat().st_size
        n_students = min(200, cohort.students.size)
        n = occupations.size
        students_batch: StudentBatch = cohort.students
        px = build_pair_features_batch(
            students_batch,
            occupations,
            np.repeat(np.arange(n_students), n),
            np.tile(np.arange(n), n_students),
        )
        start = time.perf_counter()
        report = check_parity(pipe, path, px, n)
        out["parity_s"] = round(time.perf_counter() - start, 2)
        out["parity"] = report.to_dict()
    return out


def run(quick: bool) -> dict[str, Any]:
    """Catalogue build and the training chain; targets judged on full-size runs only."""
    build = time_catalogue_build()
    training = time_training(5_000 if quick else 50_000)
    full = not quick
    return {
        "catalogue_build": build,
        "training": training,
        "targets": {
            "catalogue_build_s<=60": None
            if build["seconds"] is None
            else build["seconds"] <= TARGET_BUILD_S,
            "fit_1m_rows_s<=90": training["fit_s"] <= TARGET_FIT_S if full else None,
            "parity_passed": training["parity"]["passed"],
        },
    }
