"""Explanations: a reason's weight is exactly the score change when its factor is neutral."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.explain import REASON_FACTORS, explain_occupations, measure_factor_weights
from recommender.features import (
    FEATURE_NAMES,
    build_pair_features_batch,
    neutralise_students,
)
from recommender.ranking import RankingPolicy, rank_occupations
from tests.model.synthetic import make_occupations, make_students

_W = np.random.default_rng(42).normal(size=len(FEATURE_NAMES)).astype(np.float32)


def score_fit(x: np.ndarray) -> np.ndarray:
    """A fixed non-linear scorer standing in for the ONNX model."""
    z = np.tanh(x.astype(np.float32)) @ _W / 4.0
    return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def setup(seed: int = 0):
    occ = make_occupations(30, seed=seed)
    students = make_students(1, seed=seed + 10)
    x = build_pair_features_batch(students, occ, np.zeros(30, dtype=int), np.arange(30))
    rng = np.random.default_rng(seed)
    policy = RankingPolicy()
    ranked = rank_occupations(
        score_fit(x), rng.random(30), rng.random(30), rng.random(30) < 0.3, policy
    )
    return occ, students, ranked, policy


@pytest.mark.parametrize("factor", ["interests", "aptitudes", "values", "education"])
def test_weight_equals_score_change_when_student_factor_is_neutral(factor: str) -> None:
    occ, students, ranked, policy = setup(1)
    idx = ranked.order[:5]
    weights = measure_factor_weights(students, occ, idx, score_fit, ranked, policy)
    neutral = neutralise_students(students, factor)
    x0 = build_pair_features_batch(neutral, occ, np.zeros(30, dtype=int), np.arange(30))
    neutral_scores = rank_occupations(
        score_fit(x0), ranked.demand, ranked.wage, ranked.high_value, policy
    ).score
    np.testing.assert_allclose(weights[factor], ranked.score[idx] - neutral_scores[idx], atol=1e-6)


def test_weight_equals_score_change_when_demand_and_wage_are_neutral() -> None:
    occ, students, ranked, policy = setup(2)
    idx = ranked.order[:8]
    weights = measure_factor_weights(students, occ, idx, score_fit, ranked, policy)
    half = np.full(30, 0.5)
    no_demand = rank_occupations(ranked.fit, half, ranked.wage, np.zeros(30, bool), policy).score
    no_wage = rank_occupations(ranked.fit, ranked.demand, half, ranked.high_value, policy).score
    np.testing.assert_allclose(weights["demand"], ranked.score[idx] - no_demand[idx], atol=1e-6)
    np.testing.assert_allclose(weights["wage"], ranked.score[idx] - no_wage[idx], atol=1e-6)


def test_reasons_cover_every_factor_sorted_by_size_with_both_languages() -> None:
    occ, students, ranked, policy = setup(3)
    idx = ranked.order[:4].tolist()
    reasons = explain_occupations(students, occ, idx, score_fit, ranked, policy)
    assert len(reasons) == 4
    for per_occ in reasons:
        assert sorted(r.factor for r in per_occ) == sorted(REASON_FACTORS)
        sizes = [abs(r.weight) for r in per_occ]
        assert sizes == sorted(sizes, reverse=True)
        for r in per_occ:
            assert r.text.endswith(".") and r.text_es.endswith(".")
            assert len(r.text.split()) <= 20


def test_sentence_direction_follows_weight_sign() -> None:
    occ, students, ranked, policy = setup(4)
    reasons = explain_occupations(students, occ, ranked.order.tolist(), score_fit, ranked, policy)
    for per_occ in reasons:
        for r in per_occ:
            if r.factor == "wage" and r.weight > 0.01:
                assert "more than most" in r.text
            if r.factor == "wage" and r.weight < -0.01:
                assert "less than most" in r.text


def test_one_student_at_a_time() -> None:
    occ, _, ranked, policy = setup(5)
    with pytest.raises(ValueError, match="one student"):
        measure_factor_weights(make_students(2), occ, [0], score_fit, ranked, policy)
