"""Stress variants: each harder cohort really is harder in the way it says, and the table
reports the fit beside the ceilings of that cohort."""

from __future__ import annotations

import numpy as np

from recommender.catalogue import load_catalogue
from recommender.ranking import RankingPolicy
from tests.model.synthetic import tiny_trained
from training.stress import (
    STRESS_VARIANTS,
    render_stress_table,
    run_stress_variants,
    summarise_stress,
    variant_cohort,
)
from training.train import predict_fit


def _entry(ndcg: float) -> dict[str, object]:
    return {"overall": {"ndcg@10": {"mean": ndcg}}}


def test_summary_puts_the_fit_beside_the_reachable_ceiling() -> None:
    metrics = {
        "model": _entry(0.21),
        "baselines": {
            "fit_only": _entry(0.18),
            "formula_measured": _entry(0.24),
            "trait_oracle": _entry(0.30),
            "congruence": _entry(0.15),
        },
    }
    summary = summarise_stress(metrics)
    assert summary["fit_share_of_reachable"] == 0.75  # 0.18 / 0.24
    assert summary["served_share_of_reachable"] == 0.875  # 0.21 / 0.24
    assert summary["trait_oracle"] == 0.30
    table = render_stress_table({"as trained": summary})
    assert "| as trained | 0.210 | 0.180 | 0.150 | 0.240 | 0.300 | 0.875 | 0.750 |" in table


def test_the_no_subtests_variant_has_no_measured_aptitude_and_the_default_has_some() -> None:
    catalogue = load_catalogue()
    default = variant_cohort(catalogue, {}, n_students=60, seed=3)
    none = variant_cohort(catalogue, STRESS_VARIANTS["no aptitude subtests"], n_students=60, seed=3)
    assert np.isfinite(default.students.aptitudes).any()
    # Without subtests only school records (ACT, WorkKeys, GPA) can give an aptitude; the
    # subtest-only abilities (spatial, mechanical, perceptual speed) stay unknown.
    assert np.isnan(none.students.aptitudes[:, 2:]).all()
    drift = variant_cohort(
        catalogue, STRESS_VARIANTS["more interest drift (r 0.5)"], n_students=60, seed=3
    )
    assert drift.config.interest_drift_r == 0.5


def test_run_scores_every_variant_on_a_small_model() -> None:
    catalogue, _, pipe = tiny_trained()
    rows = run_stress_variants(
        lambda x: predict_fit(pipe, x),
        catalogue,
        RankingPolicy(),
        None,
        n_students=40,
        variants={"as trained": {}, "no aptitude subtests": {"no_subtests_share": 1.0}},
    )
    assert list(rows) == ["as trained", "no aptitude subtests"]
    for r in rows.values():
        assert r["students"] == 40
        assert 0.0 <= r["fit_only"] <= 1.0 and 0.0 < r["reachable_ceiling"] <= 1.0
        assert r["fit_share_of_reachable"] == r["fit_only"] / r["reachable_ceiling"]
