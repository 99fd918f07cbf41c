"""Fitting: bounded explicit pipeline, split by student, beats the congruence baseline."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recommender.model import DEFAULT_MODELS_DIR
from recommender.ranking import RankingPolicy
from tests.model.synthetic import sklearn_scorer, tiny_trained
from training.cohort import CohortConfig, generate_cohort, observe_with_noise
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
    if not registry.is_file():
        pytest.skip("no model version shipped yet")
    active = json.loads(registry.read_text())["active"]
    metrics = json.loads((DEFAULT_MODELS_DIR / active / "metrics.json").read_text())
    ev = metrics["evaluation"]
    model = ev["model"]["overall"]["ndcg@10"]["mean"]
    assert model > ev["baselines"]["congruence"]["overall"]["ndcg@10"]["mean"]
    assert model > ev["baselines"]["demand_only"]["overall"]["ndcg@10"]["mean"]
    assert metrics["parity"]["passed"] is True
