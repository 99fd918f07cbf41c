"""Explanations: a reason's weight is exactly the score change when its factor is neutral, and its
claim follows the facts, never the weight."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from recommender.explain import (
    REASON_FACTORS,
    SMALL_WEIGHT,
    STANCES,
    Reason,
    count_disagreements,
    explain_occupations,
    job_high_points,
    measure_factor_weights,
)
from recommender.features import (
    FEATURE_NAMES,
    STUDENT_FACTORS,
    StudentBatch,
    build_pair_features_batch,
    interest_match,
    neutralise_students,
)
from recommender.ranking import RankingPolicy, rank_occupations
from service.reasons import reason_text
from tests.model.synthetic import make_occupations, make_students


def said(reason: Reason, language: str = "en") -> str:
    """The reason's sentence as the service renders it in ``language``."""
    return reason_text(reason.to_dict(), language)


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


def test_interest_weight_counts_the_interest_matchs_part_as_the_interests_effect() -> None:
    occ = make_occupations(30, seed=5)
    students = make_students(1, seed=15)
    x = build_pair_features_batch(students, occ, np.zeros(30, dtype=int), np.arange(30))
    rng = np.random.default_rng(5)
    policy = RankingPolicy(interest_weight=0.5)
    demand, wage, hv = rng.random(30), rng.random(30), rng.random(30) < 0.3
    match = interest_match(students.interests, occ)[0]
    ranked = rank_occupations(score_fit(x), demand, wage, hv, policy, match)
    assert np.abs(ranked.interest_part).max() > 0
    idx = ranked.order[:6]
    weights = measure_factor_weights(students, occ, idx, score_fit, ranked, policy)
    neutral = neutralise_students(students, "interests")
    x0 = build_pair_features_batch(neutral, occ, np.zeros(30, dtype=int), np.arange(30))
    neutral_scores = rank_occupations(
        score_fit(x0), demand, wage, hv, policy, interest_match(neutral.interests, occ)[0]
    ).score
    np.testing.assert_allclose(
        weights["interests"], ranked.score[idx] - neutral_scores[idx], atol=1e-6
    )


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
            assert said(r).endswith(".") and said(r, "es").endswith(".")
            assert len(said(r).split()) <= 40
            assert r.stance in STANCES and r.claim and r.message_id
            stored = r.to_dict()
            json.dumps(stored, allow_nan=False)
            assert "text" not in stored and "es" not in stored  # no sentence is stored


def _other_scorer(x: np.ndarray) -> np.ndarray:
    """A scorer with the opposite dependence on every feature."""
    return (1.0 - score_fit(x)).astype(np.float32)


def test_the_claim_follows_the_facts_never_the_weight() -> None:
    occ, students, ranked, policy = setup(4)
    idx = ranked.order.tolist()
    first = explain_occupations(students, occ, idx, score_fit, ranked, policy)
    ranked_other = rank_occupations(
        _other_scorer(
            build_pair_features_batch(students, occ, np.zeros(30, dtype=int), np.arange(30))
        ),
        ranked.demand,
        ranked.wage,
        ranked.high_value,
        policy,
    )
    second = explain_occupations(students, occ, idx, _other_scorer, ranked_other, policy)
    flipped = 0
    for a, b in zip(first, second, strict=True):
        by_a = {r.factor: r for r in a}
        by_b = {r.factor: r for r in b}
        for factor in STUDENT_FACTORS:
            ra, rb = by_a[factor], by_b[factor]
            assert (ra.claim, ra.stance, ra.message_id, ra.params) == (
                rb.claim,
                rb.stance,
                rb.message_id,
                rb.params,
            )
            flipped += int(ra.weight * rb.weight < 0)
    assert flipped > 0, "the two scorers must disagree somewhere for the test to mean anything"


def test_agreement_compares_a_clear_weight_with_a_stance() -> None:
    occ, students, ranked, policy = setup(6)
    reasons = explain_occupations(students, occ, ranked.order.tolist(), score_fit, ranked, policy)
    for per_occ in reasons:
        for r in per_occ:
            if r.stance == "none" or abs(r.weight) < SMALL_WEIGHT:
                assert r.agrees is None
            else:
                assert r.agrees == ((r.stance == "pro") == (r.weight > 0))
    count = count_disagreements(reasons)
    expected = sum(r.agrees is False for per_occ in reasons for r in per_occ)
    assert count.disagreements == expected
    assert count.reasons == 30 * len(REASON_FACTORS)
    assert count.compared == sum(r.agrees is not None for per_occ in reasons for r in per_occ)
    # the same count from the JSON form, and from occupation-like dicts
    as_dicts = [
        {"code": str(i), "reasons": [r.to_dict() for r in rs]} for i, rs in enumerate(reasons)
    ]
    assert count_disagreements(as_dicts) == count
    recommendation = {"pathways": [{"occupations": as_dicts[:3]}], "occupations": as_dicts}
    assert count_disagreements([recommendation]) == count, "each occupation counts once"
    assert count.to_dict()["by_factor"].keys() == set(REASON_FACTORS)


def test_no_wage_or_demand_claim_without_the_regions_figures() -> None:
    occ, students, ranked, policy = setup(7)
    reasons = explain_occupations(students, occ, ranked.order.tolist(), score_fit, ranked, policy)
    for per_occ in reasons:
        for r in per_occ:
            if r.factor in ("wage", "demand"):
                assert (r.claim, r.stance) == ("not_compared", "none")
                assert "$" not in said(r) and "$" not in said(r, "es")


def test_one_student_at_a_time() -> None:
    occ, _, ranked, policy = setup(5)
    with pytest.raises(ValueError, match="one student"):
        measure_factor_weights(make_students(2), occ, [0], score_fit, ranked, policy)


def _one_student(interests: list[float]) -> StudentBatch:
    from types import SimpleNamespace

    from tests.model.synthetic import make_profile

    base = make_profile(3)
    profile = SimpleNamespace(**{**vars(base), "interests": np.array(interests, dtype=np.float32)})
    return StudentBatch.from_profiles([profile])


_CORRELATION = FEATURE_NAMES.index("interest_correlation")


def score_by_interest(x: np.ndarray) -> np.ndarray:
    """A scorer where only the interest correlation counts (so the interest weight follows it)."""
    return (0.5 + 0.4 * x[:, _CORRELATION]).astype(np.float32)


def _interest_texts(students: StudentBatch, riasec_rows: list[list[float]]) -> list[Reason]:
    base = make_occupations(len(riasec_rows), seed=5)
    occupations = dataclasses.replace(base, riasec=np.array(riasec_rows, dtype=np.float64))
    n = occupations.size
    rows = np.zeros(n, dtype=np.int64)
    fit = score_by_interest(build_pair_features_batch(students, occupations, rows, np.arange(n)))
    policy = RankingPolicy()
    ranked = rank_occupations(fit, np.full(n, 0.5), np.full(n, 0.5), np.zeros(n, bool), policy)
    scorer = score_by_interest
    reasons = explain_occupations(students, occupations, range(n), scorer, ranked, policy)
    return [next(r for r in rs if r.factor == "interests") for rs in reasons]


# R I A S E C
BUILDER = [0.95, 0.3, 0.2, 0.3, 0.2, 0.85]  # likes Building and fixing, then Organizing
MECHANIC = [6.5, 4.0, 1.5, 2.0, 2.5, 3.5]  # high points R, I, C
NURSE = [2.0, 4.5, 1.5, 6.8, 2.5, 3.0]  # high points S, I
CLERK = [1.5, 2.0, 1.2, 3.0, 3.5, 6.9]  # high points C, E, S


def test_interest_sentence_names_the_areas_the_job_and_student_share() -> None:
    students = _one_student(BUILDER)
    mechanic, nurse, clerk = _interest_texts(students, [MECHANIC, NURSE, CLERK])
    assert "building and fixing" in said(mechanic) and "organizing" in said(mechanic)
    assert "construir y reparar" in said(mechanic, "es") and "organizar" in said(mechanic, "es")
    assert "organizing" in said(clerk) and "building" not in said(clerk)
    for language in ("en", "es"):
        assert len({said(mechanic, language), said(nurse, language), said(clerk, language)}) == 3
    # the nurse shares none of the student's top areas: the sentence names the job's main area
    assert "helping" in said(nurse) and "building" not in said(nurse)


def test_flat_profile_gets_the_weak_match_sentence() -> None:
    students = _one_student([0.5, 0.52, 0.49, 0.51, 0.5, 0.53])
    texts = _interest_texts(students, [MECHANIC, NURSE, CLERK])
    assert {said(r) for r in texts} == {
        "You liked most kinds of work about the same, so your interests do not point "
        "to this job or away from it."
    }
    assert len({said(r, "es") for r in texts}) == 1


def test_job_high_points_are_above_the_jobs_own_mean() -> None:
    assert job_high_points(MECHANIC) == ("R", "I", "C")
    assert job_high_points(NURSE) == ("S", "I")
    assert job_high_points([4.0] * 6) == ()
