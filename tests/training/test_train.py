"""Fitting: bounded explicit pipeline, split by student, beats the congruence baseline."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from recommender.calibration import calibrate_fit, load_calibration
from recommender.errors import RankingPolicyError
from recommender.features import OccupationArrays
from recommender.model import DEFAULT_MODELS_DIR
from recommender.ranking import RankingPolicy, load_ranking_policy
from tests.model.synthetic import sklearn_scorer, tiny_trained
from training.calibration import fit_calibration
from training.cohort import CohortConfig, full_outcomes, generate_cohort, observe_with_noise
from training.data import score_whole_catalogue
from training.train import (
    TrainConfig,
    evaluate_on_students,
    make_pipeline,
    pair_rows,
    split_students,
)


def test_pipeline_sets_early_stopping_and_bounds_trees() -> None:
    est = make_pipeline(TrainConfig(max_iter=80, max_leaf_nodes=20)).steps[-1][1]
    assert est.early_stopping is False
    assert (est.max_iter, est.max_leaf_nodes) == (80, 20)


def test_unknown_estimator_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown estimator"):
        make_pipeline(TrainConfig(estimator="magic"))


@pytest.mark.parametrize("estimator", ["hgb_classifier", "magic"])
def test_an_estimator_the_engine_cannot_serve_is_refused_by_the_config(estimator: str) -> None:
    """The engine reads ONNX output 0 as the grade; a classifier's output 0 is its label."""
    with pytest.raises(ValueError, match="unknown estimator"):
        TrainConfig(estimator=estimator)


def test_split_is_by_student_disjoint_and_complete() -> None:
    train, held = split_students(1000, 0.2, seed=3)
    assert held.size == 200
    assert np.intersect1d(train, held).size == 0
    assert np.union1d(train, held).size == 1000


def test_pair_rows_keep_only_the_chosen_students() -> None:
    _, cohort, _ = tiny_trained()
    students = np.array([0, 5, 9])
    rows = pair_rows(cohort, students)
    assert set(cohort.pair_student[rows].tolist()) == {0, 5, 9}


def test_a_small_model_beats_the_congruence_baseline_on_fresh_students() -> None:
    catalogue, _, pipe = tiny_trained()
    fresh = generate_cohort(catalogue, CohortConfig(n_students=250, seed=77), observe_with_noise)
    metrics = evaluate_on_students(
        sklearn_scorer(pipe), fresh, catalogue, np.arange(250), RankingPolicy(), n_resamples=20
    )
    model = metrics["model"]["overall"]["ndcg@10"]["mean"]
    congruence = metrics["baselines"]["congruence"]["overall"]["ndcg@10"]["mean"]
    oracle = metrics["oracle"]["ndcg@10"]["mean"]
    assert model > congruence
    assert model < oracle


def test_shipped_model_beat_congruence_in_its_own_metrics() -> None:
    registry = DEFAULT_MODELS_DIR / "registry.json"
    assert registry.is_file(), "the shipped model registry is missing"
    active = json.loads(registry.read_text())["active"]
    metrics = json.loads((DEFAULT_MODELS_DIR / active / "metrics.json").read_text())
    ev = metrics["evaluation"]
    model = ev["model"]["overall"]["ndcg@10"]["mean"]
    assert model > ev["baselines"]["congruence"]["overall"]["ndcg@10"]["mean"]
    assert model > ev["baselines"]["demand_only"]["overall"]["ndcg@10"]["mean"]
    assert metrics["parity"]["passed"] is True


def test_isotonic_calibration_recovers_known_probabilities() -> None:
    rng = np.random.default_rng(4)
    fit = rng.random(60_000)
    truth = 0.05 + 0.6 * fit**2  # a monotone curve far from the identity
    grades = np.where(rng.random(fit.size) < truth, 2, 0)
    calibration = fit_calibration(fit, grades, max_knots=50)
    assert len(calibration.fit) <= 50
    assert np.all(np.diff(calibration.probability) >= 0)
    grid = np.linspace(0.05, 0.95, 19)
    np.testing.assert_allclose(calibrate_fit(grid, calibration), 0.05 + 0.6 * grid**2, atol=0.04)


def test_calibrated_fit_is_better_calibrated_than_fit_read_as_a_probability() -> None:
    catalogue, _, pipe = tiny_trained()
    fresh = generate_cohort(catalogue, CohortConfig(n_students=260, seed=78), observe_with_noise)
    occupations = OccupationArrays.from_catalogue(catalogue)
    calib = score_whole_catalogue(
        sklearn_scorer(pipe), fresh.students, occupations, np.arange(200, 260)
    )
    _, grades = full_outcomes(fresh, catalogue, np.arange(200, 260), seed=3)
    calibration = fit_calibration(calib, grades)
    metrics = evaluate_on_students(
        sklearn_scorer(pipe),
        fresh,
        catalogue,
        np.arange(200),
        RankingPolicy(),
        calibration=calibration,
        n_resamples=20,
    )
    ece = metrics["calibration"]["reliability"]["expected_calibration_error"]
    assert metrics["calibration"]["brier"] < metrics["calibration_raw_fit"]["brier"]
    assert ece < metrics["calibration_raw_fit"]["ece"]
    assert ece < 0.02


def test_shipped_model_carries_its_calibration_and_reliability_picture() -> None:
    active = json.loads((DEFAULT_MODELS_DIR / "registry.json").read_text())["active"]
    folder = DEFAULT_MODELS_DIR / active
    assert (folder / "calibration.json").is_file(), f"{active} ships no calibration.json"
    calibration = load_calibration(folder)
    metrics = json.loads((folder / "metrics.json").read_text())["evaluation"]["calibration"]
    assert 0 <= metrics["brier"] < metrics["base_rate"]  # better than a constant guess of 0
    assert (folder / "reliability.svg").read_text().startswith("<svg")
    assert "reliability.svg" in (folder / "card.md").read_text()
    assert calibrate_fit([0.0], calibration)[0] <= calibrate_fit([1.0], calibration)[0]


def test_model_card_shows_the_audits_as_tables_not_raw_json() -> None:
    from training.card import render_model_card

    active = json.loads((DEFAULT_MODELS_DIR / "registry.json").read_text())["active"]
    folder = DEFAULT_MODELS_DIR / active
    metrics = json.loads((folder / "metrics.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text())
    card = render_model_card(active, metrics, manifest, load_ranking_policy(folder / "policy.json"))
    assert '"by_gender"' not in card
    for group in ("gender", "race_ethnicity", "region"):
        assert f"**ndcg@10 by {group}**" in card
    assert "| system | all | female | male |" in card
    assert "(the oracle) gives female" in card


def _sweep_catalogue() -> object:
    """Two regions, four occupations: item 3 pays most and is high-value in region 0 only."""
    from types import SimpleNamespace

    return SimpleNamespace(
        employment=np.array([[40.0, 30.0, 20.0, 10.0], [10.0, 20.0, 30.0, 40.0]]),
        wage_median=np.array([[20e3, 30e3, 40e3, 90e3], [20e3, 30e3, np.nan, 90e3]]),
        high_value=np.array([[False, False, False, True], [False, False, False, False]]),
        oews_shared=np.ones(4, dtype=np.int64),
        regions=(SimpleNamespace(code="A"), SimpleNamespace(code="B")),
        manifest={"coverage_pct": {"oews_by_region": {"A": {"all_occupation_median_wage": 30e3}}}},
    )


def _sweep_inputs(catalogue: Any) -> Any:
    """The engine's regional parts of the test catalogue (demand from its even shares)."""
    from training.benchmarks import RankingInputs
    from training.train import regional_parts

    demand, wage = regional_parts(catalogue)
    return RankingInputs(
        demand=demand,
        wage=wage,
        high_value=np.asarray(catalogue.high_value, dtype=bool),
        employment=np.asarray(catalogue.employment, dtype=np.float64),
        region_codes=("A", "B"),
    )


def test_sweep_policies_boost_moves_high_value_jobs_up() -> None:
    from training.policy_sweep import choose_policy, region_median_wages, sweep_policies

    catalogue = _sweep_catalogue()
    # region B has no stored all-occupation median: the median of its known rows (30k)
    assert region_median_wages(catalogue).tolist() == [30e3, 30e3]
    fit = np.array([[0.9, 0.8, 0.7, 0.6], [0.9, 0.8, 0.7, 0.6]], dtype=np.float32)
    grades = np.array([[3, 2, 1, 0], [3, 2, 1, 0]])
    policies = [
        RankingPolicy(demand_weight=0.0, wage_weight=0.0, high_value_boost=0.0),
        RankingPolicy(demand_weight=0.0, wage_weight=0.0, high_value_boost=1.0),
    ]
    rows = sweep_policies(
        fit, grades, np.array([0, 1]), catalogue, _sweep_inputs(catalogue), policies, k=1
    )
    plain, boosted = rows
    assert plain["ndcg@1"] == 1.0 and plain["high_value_share@1"] == 0.0
    assert plain["wage_ratio@1"] == pytest.approx(20e3 / 30e3)
    assert boosted["high_value_share@1"] == 0.5  # only region 0's student sees the boost
    assert boosted["ndcg@1"] == 0.5
    assert boosted["coverage@1"] == 0.5
    # the boost costs 0.5 NDCG: allowed with a loose tolerance, refused with a tight one
    assert choose_policy(rows, k=1, tolerance=0.6) is boosted
    assert choose_policy(rows, k=1, tolerance=0.01) is plain


def test_sweep_policies_ranks_by_the_served_score_with_the_interest_match() -> None:
    """A policy that weighs the interest match ranks the sweep's students by it too (the served
    score), and refuses to rank without it."""
    from training.policy_sweep import sweep_policies

    catalogue = _sweep_catalogue()
    fit = np.array([[0.9, 0.8, 0.7, 0.6], [0.9, 0.8, 0.7, 0.6]], dtype=np.float32)
    grades = np.array([[0, 0, 0, 3], [0, 0, 0, 3]])
    match = np.array([[-0.9, -0.5, 0.0, 0.9], [-0.9, -0.5, 0.0, 0.9]], dtype=np.float32)
    flat = RankingPolicy(demand_weight=0.0, wage_weight=0.0, high_value_boost=0.0)
    weighed = RankingPolicy(
        interest_weight=2.0, demand_weight=0.0, wage_weight=0.0, high_value_boost=0.0
    )
    without, with_match = sweep_policies(
        fit,
        grades,
        np.array([0, 1]),
        catalogue,
        _sweep_inputs(catalogue),
        [flat, weighed],
        match=match,
        k=1,
    )
    assert without["ndcg@1"] == 0.0 and without["interest_weight"] == 0.0
    assert with_match["ndcg@1"] == 1.0 and with_match["interest_weight"] == 2.0
    with pytest.raises(RankingPolicyError, match="interest"):
        sweep_policies(
            fit, grades, np.array([0, 1]), catalogue, _sweep_inputs(catalogue), [weighed], k=1
        )


def test_choose_policy_needs_the_row_without_demand_wage_or_boost() -> None:
    from training.policy_sweep import choose_policy

    row = {"demand_weight": 0.1, "wage_weight": 0.0, "high_value_boost": 0.0, "ndcg@10": 0.3}
    with pytest.raises(ValueError, match="without demand, wage or boost"):
        choose_policy([row])


def test_the_shipped_card_states_its_exposure_offsets_as_fitted() -> None:
    """The card's reference-sample table is the report typical_fit.json carries, figure by
    figure, and the lowered and raised counts are those of the offsets served."""
    from recommender.catalogue import load_catalogue
    from recommender.typical import load_typical_fit
    from training.card import render_model_card

    active = json.loads((DEFAULT_MODELS_DIR / "registry.json").read_text())["active"]
    folder = DEFAULT_MODELS_DIR / active
    metrics = json.loads((folder / "metrics.json").read_text())
    typical_doc = json.loads((folder / "typical_fit.json").read_text())
    if "exposure" not in typical_doc:
        pytest.skip(f"{active} has no exposure offsets")
    report = typical_doc["exposure_fitted_on"]
    assert metrics["exposure_offsets"] == report
    manifest = json.loads((folder / "manifest.json").read_text())
    card = render_model_card(active, metrics, manifest, load_ranking_policy(folder / "policy.json"))
    offsets = load_typical_fit(folder, load_catalogue().codes).exposure
    assert offsets is not None
    lowered, raised = int((offsets > 0).sum()), int((offsets < 0).sum())
    assert f"{lowered} occupations lowered, {raised} raised." in card
    for s in report["samples"].values():
        row = (
            f"| {s['people']:,} | {100 * s['cap']:.1f} % | "
            f"{100 * s['largest_share_before']:.1f} % → {100 * s['largest_share_after']:.1f} % | "
            f"{s['never_shown_before']} → {s['never_shown_after']} |"
        )
        assert row in card
        assert s["largest_share_after"] <= s["largest_share_before"]


def test_model_card_states_the_policy_it_is_written_with() -> None:
    """The card's account of the served order is the policy.json written beside it: its weights,
    and the interest match only when the policy weighs it."""
    from training.card import render_model_card

    active = json.loads((DEFAULT_MODELS_DIR / "registry.json").read_text())["active"]
    folder = DEFAULT_MODELS_DIR / active
    metrics = json.loads((folder / "metrics.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text())
    plain = RankingPolicy(demand_weight=0.02, wage_weight=0.0, high_value_boost=0.03)
    card = render_model_card(active, metrics, manifest, plain)
    assert "weighs fit 1, demand 0.02, wage 0 and the high-value flag 0.03." in card
    assert "interest match with each occupation" not in card
    weighed = RankingPolicy(interest_weight=0.3)
    card = render_model_card(active, metrics, manifest, weighed)
    assert "interest match with each occupation" in card and "at 0.3 x the spread" in card
    served = load_ranking_policy(folder / "policy.json")
    shipped = (folder / "card.md").read_text(encoding="utf-8")
    assert served.interest_weight > 0
    assert f"at {served.interest_weight:g} x the spread of the relative fit" in shipped
