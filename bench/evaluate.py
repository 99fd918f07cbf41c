"""Evaluation on a cohort-sized load (``python -m bench evaluate``): the congruence and demand
baselines over every student x occupation, the full evaluation report (training.evaluate, with
intervals, subgroups, calibration and the exposure audit) and outcome-record validation, on
random data of the catalogue's size.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np

#: Students (full run, --quick) and occupations.
STUDENTS: tuple[int, int] = (10_000, 2_000)
ITEMS: int = 923
#: Outcome records per student in the validation step.
RECORDS_PER_STUDENT: int = 10


def run(quick: bool) -> dict[str, Any]:
    """Seconds for each step, on a random cohort seeded 0."""
    import pandas as pd

    from training.baselines import score_congruence_batch, score_demand_batch
    from training.evaluate import evaluate_rankings
    from training.records import validate_outcome_records

    m, n = (STUDENTS[1] if quick else STUDENTS[0]), ITEMS
    rng = np.random.default_rng(0)
    occupations = rng.uniform(1, 7, size=(n, 6))
    zones = rng.integers(1, 6, size=n)
    interests = rng.normal(size=(m, 6))
    plans = rng.choice(["work", "community_college", "four_year_college", "undecided"], size=m)
    seconds: dict[str, float] = {}

    start = time.perf_counter()
    congruence = score_congruence_batch(interests, occupations, zones, list(plans))
    seconds["score_congruence_batch"] = time.perf_counter() - start

    start = time.perf_counter()
    demand = score_demand_batch(
        rng.lognormal(5, 2, size=(9, n)),
        rng.normal(3, 5, size=n),
        rng.lognormal(6, 1, size=n),
        rng.integers(0, 9, size=m),
    )
    seconds["score_demand_batch"] = time.perf_counter() - start

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
    seconds["evaluate_rankings"] = time.perf_counter() - start

    codes = [f"{i // 10000:02d}-{i % 10000:04d}.00" for i in range(n)]
    rows = m * RECORDS_PER_STUDENT
    frame = pd.DataFrame(
        {
            "student_id": np.repeat([f"p-{i:08d}" for i in range(m)], RECORDS_PER_STUDENT),
            "school_year": "2025-26",
            "region_code": "0027140",
            "code_kind": "occupation",
            "code": [codes[i] for i in rng.integers(0, n, size=rows)],
            "grade": rng.integers(0, 4, size=rows),
            "profile_json": json.dumps({"interests": [1, 2, 3, 4, 5, 6], "plan": "work"}),
        }
    )
    start = time.perf_counter()
    validate_outcome_records(frame, set(codes))
    seconds["validate_outcome_records"] = time.perf_counter() - start
    return {
        "students": m,
        "items": n,
        "record_rows": rows,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
