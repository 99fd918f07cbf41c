"""Time assessment scoring and simulation, and measure how well profiles recover latent traits.

Run: .venv/bin/python bench/bench_assessment.py [--students 50000] [--write]
With --write the figures go to bench/results/assessment.json as well.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from recommender.assessment import load_instrument, score_assessment, score_assessments
from recommender.dimensions import APTITUDES, RIASEC, WORK_VALUES
from recommender.files import READABLE, write_atomic
from training.response_model import simulate_cohort_answers

RESULTS = Path(__file__).resolve().parent / "results" / "assessment.json"


def main() -> None:
    """Simulate a cohort, score it in one batch and one by one, print timings and recovery."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    n = args.students
    inst = load_instrument()
    rng = np.random.default_rng(0)
    li = rng.standard_normal((n, len(RIASEC)))
    la = rng.standard_normal((n, len(APTITUDES)))
    lv = rng.standard_normal((n, len(WORK_VALUES)))
    out: dict[str, object] = {"students": n, "python": platform.python_version()}

    start = time.perf_counter()
    answers = simulate_cohort_answers(
        li, la, lv, rng, inst, records=("act_english", "act_math", "act_reading", "gpa_unweighted")
    )
    out["simulate_seconds"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    profiles = score_assessments(answers, inst)
    out["batch_score_seconds"] = round(time.perf_counter() - start, 2)

    k = min(n, 1000)
    start = time.perf_counter()
    for a in answers[:k]:
        score_assessment(a, inst)
    out["single_score_ms"] = round((time.perf_counter() - start) / k * 1000, 3)

    interests = np.stack([p.interests for p in profiles])
    values = np.stack([p.work_values for p in profiles])
    apt = np.stack([p.aptitudes for p in profiles])
    apt_se = np.stack([p.aptitudes_se for p in profiles])

    def r(a: np.ndarray, b: np.ndarray) -> float:
        return round(float(np.corrcoef(a, b)[0, 1]), 3)

    out["interest_r"] = {s: r(interests[:, i], li[:, i]) for i, s in enumerate(RIASEC)}
    out["value_r"] = {s: r(values[:, i], lv[:, i]) for i, s in enumerate(WORK_VALUES)}
    out["aptitude_r"] = {s: r(apt[:, i], la[:, i]) for i, s in enumerate(APTITUDES)}
    out["aptitude_mean_se"] = {
        s: round(float(apt_se[:, i].mean()), 3) for i, s in enumerate(APTITUDES)
    }
    out["aptitude_rmse"] = {
        s: round(float(np.sqrt(((apt[:, i] - la[:, i]) ** 2).mean())), 3)
        for i, s in enumerate(APTITUDES)
    }
    print(json.dumps(out, indent=2))
    if args.write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(RESULTS, json.dumps(out, indent=2) + "\n", mode=READABLE)


if __name__ == "__main__":
    main()
