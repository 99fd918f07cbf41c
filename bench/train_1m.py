"""Time fitting the default estimator on 1,000,000 pair rows (50,000 students x 20 pairs).

Run: .venv/bin/python bench/train_1m.py  (prints seconds; not part of the test suite)
"""

from __future__ import annotations

import time

import numpy as np

from recommender.catalogue import load_catalogue
from recommender.features import OccupationArrays
from training.cohort import CohortConfig, generate_cohort, observe_with_noise
from training.train import TrainConfig, build_training_matrix, fit_pipeline


def main() -> None:
    catalogue = load_catalogue()
    start = time.perf_counter()
    cohort = generate_cohort(catalogue, CohortConfig(n_students=50_000), observe_with_noise)
    generated = time.perf_counter() - start
    occupations = OccupationArrays.from_catalogue(catalogue)
    start = time.perf_counter()
    x, y = build_training_matrix(cohort, occupations, np.arange(cohort.pair_grade.size))
    built = time.perf_counter() - start
    _, seconds = fit_pipeline(x, y, TrainConfig())
    print(f"cohort (noise observer) {generated:.1f} s; features {x.shape} in {built:.1f} s")
    print(f"fit on {x.shape[0]:,} rows: {seconds:.1f} s")


if __name__ == "__main__":
    main()
