"""The synthetic cohort as a stress test: the model beside its ceilings on harder cohorts.

The simulator (training.cohort) is not the judge of a version (the real-data benchmarks are),
but it can ask how the fit holds up when the assessment tells less than usual. Each variant is
a fresh cohort from the default settings with one thing made harder; for each, the served
ranking, the fit alone, the simulator's formula on the measured traits (the ceiling reachable
from the assessment) and the formula on the true traits (trait oracle) are scored by NDCG@10,
with the fit's share of the reachable ceiling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, Final

import numpy as np

if TYPE_CHECKING:
    from recommender.catalogue import Catalogue
    from recommender.ranking import RankingPolicy
    from recommender.typical import TypicalFit
    from training.cohort import Cohort
    from training.data import ScoreFit

#: Variant name -> the cohort settings it changes (training.cohort.CohortConfig fields).
STRESS_VARIANTS: Final[Mapping[str, Mapping[str, Any]]] = {
    "as trained": {},
    "no aptitude subtests": {"no_subtests_share": 1.0},
    "more interest drift (r 0.5)": {"interest_drift_r": 0.5},
    "stronger response styles (SD 0.5)": {"response_style_sd": 0.5},
    "noisier outcomes (taste SD 0.7)": {"taste_sd": 0.7},
}


def _ndcg(entry: Mapping[str, Any]) -> float:
    return float(entry["overall"]["ndcg@10"]["mean"])


def summarise_stress(metrics: Mapping[str, Any]) -> dict[str, float]:
    """NDCG@10 of the served ranking, fit only and the two ceilings from evaluate_on_students'
    metrics, and fit only's share of the reachable ceiling (formula on the measured traits)."""
    baselines = metrics["baselines"]
    fit_only = _ndcg(baselines["fit_only"])
    reachable = _ndcg(baselines["formula_measured"])
    return {
        "served": _ndcg(metrics["model"]),
        "fit_only": fit_only,
        "congruence": _ndcg(baselines["congruence"]),
        "reachable_ceiling": reachable,
        "trait_oracle": _ndcg(baselines["trait_oracle"]),
        "fit_share_of_reachable": fit_only / reachable if reachable > 0 else float("nan"),
        "served_share_of_reachable": _ndcg(metrics["model"]) / reachable
        if reachable > 0
        else float("nan"),
    }


def variant_cohort(
    catalogue: Catalogue, changes: Mapping[str, Any], *, n_students: int, seed: int
) -> Cohort:
    """A fresh cohort from the default settings with ``changes`` (CohortConfig fields) applied,
    observed through the real instrument with the changed observation settings too."""
    from training.cohort import CohortConfig, generate_cohort, observe_with_instrument

    config = replace(CohortConfig(n_students=n_students, seed=seed), **changes)
    # The observation's own settings travel with the call, not in the config.
    observe = partial(
        observe_with_instrument,
        no_subtests_share=config.no_subtests_share,
        response_style_sd=config.response_style_sd,
    )
    return generate_cohort(catalogue, config, observe)


def run_stress_variants(
    score_fit: ScoreFit,
    catalogue: Catalogue,
    policy: RankingPolicy,
    typical: TypicalFit | None,
    *,
    n_students: int = 1000,
    seed: int = 99,
    variants: Mapping[str, Mapping[str, Any]] = STRESS_VARIANTS,
    progress: Callable[[int], object] | None = None,
) -> dict[str, dict[str, float]]:
    """Each variant's summary (``summarise_stress``) on a fresh cohort of ``n_students``."""
    from training.train import evaluate_on_students

    out: dict[str, dict[str, float]] = {}
    for name, changes in variants.items():
        cohort = variant_cohort(catalogue, changes, n_students=n_students, seed=seed)
        metrics = evaluate_on_students(
            score_fit,
            cohort,
            catalogue,
            np.arange(cohort.size),
            policy,
            typical=typical,
            n_resamples=100,
        )
        out[name] = {**summarise_stress(metrics), "students": float(cohort.size)}
        if progress is not None:
            progress(1)
    return out


def render_stress_table(rows: Mapping[str, Mapping[str, float]]) -> str:
    """Markdown table of the variants."""
    lines = [
        "| cohort | served | fit only | congruence | reachable ceiling | trait oracle "
        "| served / reachable | fit only / reachable |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | {r['served']:.3f} | {r['fit_only']:.3f} | {r['congruence']:.3f} | "
            f"{r['reachable_ceiling']:.3f} | {r['trait_oracle']:.3f} | "
            f"{r['served_share_of_reachable']:.3f} | {r['fit_share_of_reachable']:.3f} |"
        )
    return "\n".join(lines)
