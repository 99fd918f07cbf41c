"""The policy sweep: how the ranking policy's demand, wage and high-value weights trade NDCG
for high-value jobs and wages, on the same served ranking (``pathways evaluate --sweep``).

``run_policy_sweep`` scores a fresh synthetic cohort (held out from training by its seed) once,
with the version's exposure offsets and interest match; ``sweep_policies`` ranks it under each
policy of the grid (the version's own interest weight throughout) through the served score
(training.benchmarks.served_scores) and ``choose_policy`` picks the row with the highest
high-value share within a tolerance of the NDCG@10 without demand, wage or boost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import product
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.catalogue import Catalogue
from recommender.features import OccupationArrays, interest_match
from recommender.ranking import RankingPolicy
from recommender.typical import TypicalFit, relative_fit
from training.benchmarks import RankingInputs, served_scores
from training.cohort import CohortConfig, full_outcomes, generate_cohort, observe_with_instrument
from training.data import ScoreFit, score_whole_catalogue
from training.metrics import catalogue_coverage, high_value_share_at_k, ndcg_at_k, wage_ratio_at_k

__all__ = [
    "SWEEP_BOOST",
    "SWEEP_DEMAND",
    "SWEEP_WAGE",
    "choose_policy",
    "region_median_wages",
    "run_policy_sweep",
    "sweep_policies",
]


#: Default grid of the policy sweep: demand weights, wage weights, high-value boosts.
SWEEP_DEMAND: tuple[float, ...] = (0.0, 0.01, 0.03, 0.06, 0.1, 0.15)
SWEEP_WAGE: tuple[float, ...] = (0.0, 0.01, 0.02, 0.05, 0.1)
SWEEP_BOOST: tuple[float, ...] = (0.0, 0.01, 0.03, 0.05, 0.1)


def region_median_wages(catalogue: Catalogue) -> npt.NDArray[np.float64]:
    """Each region's all-occupation median wage (OEWS 00-0000, dollars); else its rows' median."""
    by_region = catalogue.manifest.get("coverage_pct", {}).get("oews_by_region", {})
    wages = np.asarray(catalogue.wage_median, dtype=np.float64)
    out = np.empty(len(catalogue.regions), dtype=np.float64)
    for r, region in enumerate(catalogue.regions):
        value = by_region.get(region.code, {}).get("all_occupation_median_wage")
        out[r] = float(value) if value else float(np.nanmedian(wages[r]))
    return out


def sweep_policies(
    fit: npt.NDArray[np.float32],
    grades: npt.ArrayLike,
    region_index: npt.NDArray[np.int64],
    catalogue: Catalogue,
    inputs: RankingInputs,
    policies: list[RankingPolicy],
    *,
    match: npt.NDArray[np.float32] | None = None,
    k: int = 10,
    progress: Callable[[int], object] | None = None,
) -> list[dict[str, Any]]:
    """Top-k metrics of each policy's served score on the same fit (m, n) and grades.

    ``fit`` is the relative fit the engine ranks (offsets applied), ``inputs`` the engine's
    regional parts (``RankingInputs.from_catalogue``) and ``match`` the students' interest match,
    needed for a policy that weighs it. A row holds the weights, mean NDCG@k,
    mean high-value share of the top k, median over students of the top-k wage ratio (see
    training.metrics.wage_ratio_at_k) and coverage@k.
    """
    hv = np.asarray(inputs.high_value, dtype=bool)[region_index]
    wages = np.asarray(catalogue.wage_median, dtype=np.float64)[region_index]
    base = region_median_wages(catalogue)[region_index]
    rows: list[dict[str, Any]] = []
    for policy in policies:
        score = served_scores(fit, region_index, inputs, policy, match)
        ratio = wage_ratio_at_k(score, wages, base, k)
        rows.append(
            {
                "interest_weight": policy.interest_weight,
                "demand_weight": policy.demand_weight,
                "wage_weight": policy.wage_weight,
                "high_value_boost": policy.high_value_boost,
                f"ndcg@{k}": float(np.nanmean(ndcg_at_k(score, grades, k))),
                f"high_value_share@{k}": float(np.nanmean(high_value_share_at_k(score, hv, k))),
                f"wage_ratio@{k}": float(np.nanmedian(ratio)),
                f"coverage@{k}": catalogue_coverage(score, k),
            }
        )
        if progress is not None:
            progress(1)
    return rows


def choose_policy(
    rows: list[dict[str, Any]], k: int = 10, tolerance: float = 0.01
) -> dict[str, Any]:
    """The row with the highest high-value share among those within tolerance of the NDCG@k of
    the row with demand, wage and boost all 0 (it must be in ``rows``). Ties on the
    share go to the higher wage ratio, then to the smaller total weight, then to grid order.
    """
    base = [
        r
        for r in rows
        if r["demand_weight"] == 0 and r["wage_weight"] == 0 and r["high_value_boost"] == 0
    ]
    if not base:
        raise ValueError(
            "the sweep must include the policy without demand, wage or boost (all three 0)"
        )
    floor = base[0][f"ndcg@{k}"] - tolerance
    allowed = [(i, r) for i, r in enumerate(rows) if r[f"ndcg@{k}"] >= floor]
    _, best = min(
        allowed,
        key=lambda ir: (
            -round(ir[1][f"high_value_share@{k}"], 6),
            -round(ir[1][f"wage_ratio@{k}"], 6),
            ir[1]["demand_weight"] + ir[1]["wage_weight"] + ir[1]["high_value_boost"],
            ir[0],
        ),
    )
    return best


def run_policy_sweep(
    score_fit: ScoreFit,
    catalogue: Catalogue,
    *,
    policy: RankingPolicy | None = None,
    typical: TypicalFit | None = None,
    n_students: int = 1500,
    seed: int = 99,
    grid: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]] = (
        SWEEP_DEMAND,
        SWEEP_WAGE,
        SWEEP_BOOST,
    ),
    show_progress: bool = True,
) -> list[dict[str, Any]]:
    """Sweep the policy grid on a fresh synthetic cohort (held out from training by its seed).

    Each grid row is ``policy`` (a version's served policy; the defaults when None) with its
    demand, wage and boost replaced; the fit is relative to ``typical`` as the engine serves it.
    """
    from tqdm import tqdm

    served = policy if policy is not None else RankingPolicy()
    cohort = generate_cohort(
        catalogue, CohortConfig(n_students=n_students, seed=seed), observe_with_instrument
    )
    students = np.arange(cohort.size, dtype=np.int64)
    occupations = OccupationArrays.from_catalogue(catalogue)
    policies = [
        replace(served, demand_weight=d, wage_weight=w, high_value_boost=b)
        for d, w, b in product(*grid)
    ]
    with tqdm(
        total=cohort.size, desc="scoring students", unit="student", disable=not show_progress
    ) as bar:
        fit = score_whole_catalogue(
            score_fit, cohort.students, occupations, students, progress=bar.update
        )
    match = interest_match(cohort.students.interests, occupations)
    _, grades = full_outcomes(cohort, catalogue, students, seed=cohort.config.seed + 99)
    quiet = not show_progress
    with tqdm(total=len(policies), desc="policies", unit="policy", disable=quiet) as bar:
        return sweep_policies(
            relative_fit(fit, typical),
            grades,
            cohort.region_index[students],
            catalogue,
            RankingInputs.from_catalogue(catalogue, served),
            policies,
            match=match,
            progress=bar.update,
        )
