"""Assessment scoring and trait recovery (``python -m bench assessment``).

Simulates a cohort's answers through the real instrument (training.response_model), scores them
in one batch and one by one with the real scorer, and measures how well the scored profiles
recover the latent traits the answers were drawn from: Pearson r per scale, and for aptitudes
the mean standard error and the RMSE.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

#: Simulated students (full run, --quick).
STUDENTS: tuple[int, int] = (50_000, 5_000)
#: Assessments scored one at a time for the single-score timing.
SINGLE: int = 1000


def run(quick: bool) -> dict[str, Any]:
    """Simulate, score and compare; seconds for the batch steps, milliseconds for one student."""
    from recommender.assessment import load_instrument, score_assessment, score_assessments
    from recommender.dimensions import APTITUDES, RIASEC, WORK_VALUES
    from training.response_model import simulate_cohort_answers

    n = STUDENTS[1] if quick else STUDENTS[0]
    inst = load_instrument()
    rng = np.random.default_rng(0)
    li = rng.standard_normal((n, len(RIASEC)))
    la = rng.standard_normal((n, len(APTITUDES)))
    lv = rng.standard_normal((n, len(WORK_VALUES)))
    out: dict[str, Any] = {"students": n}

    start = time.perf_counter()
    answers = simulate_cohort_answers(
        li, la, lv, rng, inst, records=("act_english", "act_math", "act_reading", "gpa_unweighted")
    )
    out["simulate_seconds"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    profiles = score_assessments(answers, inst)
    out["batch_score_seconds"] = round(time.perf_counter() - start, 2)

    k = min(n, SINGLE)
    start = time.perf_counter()
    for a in answers[:k]:
        score_assessment(a, inst)
    out["single_score_ms"] = round((time.perf_counter() - start) / k * 1000, 3)

    interests = np.stack([p.interests for p in profiles])
    values = np.stack([p.work_values for p in profiles])
    apt = np.stack([p.aptitudes for p in profiles])
    apt_se = np.stack([p.aptitudes_se for p in profiles])

    def r(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
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
    return out
