"""Time the baselines, the evaluation report and outcome-record validation on a cohort-sized load.

Run: .venv/bin/python bench/bench_evaluate.py [--students 10000] [--write]
With --write the timings go to bench/results/evaluate.json as well.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from recommender.files import READABLE, write_atomic
from training.baselines import score_congruence_batch, score_demand_batch
from training.evaluate import evaluate_rankings
from training.records import validate_outcome_records

RESULTS = Path(__file__).resolve().parent / "results" / "evaluate.json"


def main() -> None:
    """Build a random cohort, time each step and print the seconds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=923)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    m, n = args.students, args.items
    rng = np.random.default_rng(0)
    occupations = rng.uniform(1, 7, size=(n, 6))
    zones = rng.integers(1, 6, size=n)
    interests = rng.normal(size=(m, 6))
    plans = rng.choice(["work", "community_college", "four_year_college", "undecided"], size=m)
    timings: dict[str, float] = {}

    start = time.perf_counter()
    congruence = score_congruence_batch(interests, occupations, zones, list(plans))
    timings["score_congruence_batch"] = time.perf_counter() - start

    start = time.perf_counter()
    demand = score_demand_batch(
        rng.lognormal(5, 2, size=(9, n)),
        rng.normal(3, 5, size=n),
        rng.lognormal(6, 1, size=n),
        rng.integers(0, 9, size=m),
    )
    timings["score_demand_batch"] = time.perf_counter() - start

    truth = congruence + rng.normal(scale=0.5, size=(m, n))
    grades = np.where(truth > 1.6, rng.integers(1, 4, size=(m, n)), 0).astype(np.float32)
    model = truth + rng.normal(scale=0.5, size=(m, n))
    genders = rng.choice(["female", "male", ""], size=m, p=[0.49, 0.49, 0.02])
    start = time.perf_counter()
    evaluate_rankings(
        model,
        grades,
        {
            "gender": genders,
            "race_ethnicity": rng.choice(list("abcde"), size=m),
            "region": rng.choice([f"28{i:05d}" for i in range(9)], size=m),
        },
        baselines={"congruence": congruence, "demand": demand},
        true_relevance=truth,
        probabilities=1.0 / (1.0 + np.exp(-(truth - 2.0))),
        nontraditional_for={g: rng.uniform(size=n) < 0.2 for g in ("female", "male")},
    )
    timings["evaluate_rankings"] = time.perf_counter() - start

    codes = [f"{i // 10000:02d}-{i % 10000:04d}.00" for i in range(n)]
    per_student = 10
    frame = pd.DataFrame(
        {
            "student_id": np.repeat([f"p-{i:08d}" for i in range(m)], per_student),
            "school_year": "2025-26",
            "region_code": "0027140",
            "code_kind": "occupation",
            "code": [codes[i] for i in rng.integers(0, n, size=m * per_student)],
            "grade": rng.integers(0, 4, size=m * per_student),
            "profile_json": json.dumps({"interests": [1, 2, 3, 4, 5, 6], "plan": "work"}),
        }
    )
    start = time.perf_counter()
    validate_outcome_records(frame, set(codes))
    timings[f"validate_outcome_records ({len(frame)} rows)"] = time.perf_counter() - start

    for name, seconds in timings.items():
        print(f"{name:45s} {seconds:7.2f} s")
    if args.write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "students": m,
            "items": n,
            "machine": platform.machine(),
            "python": platform.python_version(),
            "seconds": {k: round(v, 3) for k, v in timings.items()},
        }
        write_atomic(RESULTS, json.dumps(record, indent=2) + "\n", mode=READABLE)


if __name__ == "__main__":
    main()
