"""Ranking policy: percentiles, score decomposition, tie rule, pathway roll-up, policy files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommender.errors import RankingPolicyError
from recommender.ranking import (
    RankingPolicy,
    load_ranking_policy,
    order_pathways,
    rank_occupations,
    roll_up_pathways,
    score_percentile,
)


def test_percentile_spans_zero_to_one_with_shared_ties_and_neutral_missing() -> None:
    p = score_percentile([10.0, 30.0, 20.0, 20.0, np.nan])
    # finite values sorted: 10, 20, 20, 30 -> ranks 0, 1.5, 1.5, 3 over (4 - 1)
    np.testing.assert_allclose(p, [0.0, 1.0, 0.5, 0.5, 0.5])


def test_percentile_of_all_missing_is_neutral() -> None:
    np.testing.assert_array_equal(score_percentile([np.nan, np.nan]), [0.5, 0.5])


def test_score_is_the_sum_of_its_parts_and_order_is_descending() -> None:
    rng = np.random.default_rng(0)
    fit, demand, wage = rng.random(50), rng.random(50), rng.random(50)
    hv = rng.random(50) < 0.2
    policy = RankingPolicy(
        fit_weight=0.7, demand_weight=0.15, wage_weight=0.1, high_value_boost=0.05
    )
    r = rank_occupations(fit, demand, wage, hv, policy)
    expected = 0.70 * fit + 0.15 * demand + 0.10 * wage + 0.05 * hv
    np.testing.assert_allclose(r.score, expected, rtol=1e-6)
    np.testing.assert_allclose(r.fit_part + r.demand_part + r.wage_part + r.boost_part, r.score)
    assert np.all(np.diff(r.score[r.order]) <= 0)


def test_interest_part_is_the_weighted_match_z_score_in_units_of_the_fits_spread() -> None:
    rng = np.random.default_rng(4)
    fit, match = rng.normal(0, 0.3, 60), rng.uniform(-1, 1, 60)
    policy = RankingPolicy(fit_weight=0.8, interest_weight=0.5)
    r = rank_occupations(fit, rng.random(60), rng.random(60), rng.random(60) < 0.2, policy, match)
    z = (match - match.mean()) / match.std()
    np.testing.assert_allclose(r.interest_part, 0.5 * np.std(0.8 * fit) * z, rtol=1e-5, atol=1e-7)
    parts = r.fit_part + r.interest_part + r.demand_part + r.wage_part + r.boost_part
    np.testing.assert_allclose(parts, r.score, rtol=1e-6)
    assert np.all(np.diff(r.score[r.order]) <= 0)


def test_without_interest_weight_the_match_changes_nothing() -> None:
    rng = np.random.default_rng(5)
    fit, demand, wage, hv = rng.random(30), rng.random(30), rng.random(30), rng.random(30) < 0.3
    plain = rank_occupations(fit, demand, wage, hv, RankingPolicy())
    matched = rank_occupations(fit, demand, wage, hv, RankingPolicy(), rng.uniform(-1, 1, 30))
    np.testing.assert_array_equal(plain.score, matched.score)
    np.testing.assert_array_equal(matched.interest_part, 0.0)


def test_flat_interests_give_no_interest_part() -> None:
    fit = np.linspace(0, 1, 10)
    r = rank_occupations(
        fit, [0.5] * 10, [0.5] * 10, [False] * 10, RankingPolicy(interest_weight=1.0), np.zeros(10)
    )
    np.testing.assert_array_equal(r.interest_part, 0.0)


@given(st.integers(0, 19), st.floats(-1.0, 1.0))
def test_a_closer_interest_match_never_lowers_an_occupations_rank(j: int, new: float) -> None:
    rng = np.random.default_rng(6)
    fit, match = rng.random(20), rng.uniform(-1, 1, 20)
    policy = RankingPolicy(interest_weight=0.5)
    half, no = np.full(20, 0.5), np.zeros(20, dtype=bool)
    before = rank_occupations(fit, half, half, no, policy, match).order.tolist().index(j)
    raised = match.copy()
    raised[j] = max(new, match[j])
    after = rank_occupations(fit, half, half, no, policy, raised).order.tolist().index(j)
    assert after <= before


def test_an_interest_weight_without_the_match_is_refused() -> None:
    with pytest.raises(RankingPolicyError, match="interest_match"):
        rank_occupations(
            [0.2, 0.4], [0.5] * 2, [0.5] * 2, [False] * 2, RankingPolicy(interest_weight=0.5)
        )
    with pytest.raises(RankingPolicyError, match="interest_match"):
        rank_occupations(
            [0.2, 0.4],
            [0.5] * 2,
            [0.5] * 2,
            [False] * 2,
            RankingPolicy(interest_weight=0.5),
            [0.1, np.nan],
        )


def test_equal_scores_keep_catalogue_order() -> None:
    r = rank_occupations([0.5, 0.9, 0.5, 0.5], [0.5] * 4, [0.5] * 4, [False] * 4, RankingPolicy())
    assert r.order.tolist() == [1, 0, 2, 3]


def test_fit_only_policy_orders_by_fit() -> None:
    rng = np.random.default_rng(1)
    fit = rng.random(30)
    policy = RankingPolicy(demand_weight=0, wage_weight=0, high_value_boost=0)
    r = rank_occupations(fit, rng.random(30), rng.random(30), rng.random(30) < 0.5, policy)
    assert r.order.tolist() == np.argsort(-fit, kind="stable").tolist()


def test_raising_demand_never_lowers_an_occupations_rank() -> None:
    fit = np.array([0.6, 0.5, 0.4, 0.3])
    demand = np.array([0.1, 0.2, 0.3, 0.4])
    wage = np.full(4, 0.5)
    hv = np.zeros(4, dtype=bool)
    before = rank_occupations(fit, demand, wage, hv, RankingPolicy()).order.tolist().index(3)
    demand[3] = 1.0
    after = rank_occupations(fit, demand, wage, hv, RankingPolicy()).order.tolist().index(3)
    assert after <= before


def test_pathway_score_is_mean_of_best_three_members() -> None:
    scores = np.array([0.9, 0.1, 0.5, 0.7, 0.3])
    members = [(0, 1, 2, 3), (4, 1), ()]
    out, ordered = roll_up_pathways(scores, members, top_n=3)
    assert out[0] == pytest.approx((0.9 + 0.7 + 0.5) / 3)
    assert out[1] == pytest.approx((0.3 + 0.1) / 2)
    assert out[2] == -np.inf
    assert ordered[0] == (0, 3, 2, 1)
    assert order_pathways(out).tolist() == [0, 1, 2]


def test_policy_loads_from_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "policy.toml"
    toml.write_text("[ranking]\nfit_weight = 0.6\ndemand_weight = 0.3\n", encoding="utf-8")
    p = load_ranking_policy(toml)
    assert (p.fit_weight, p.demand_weight, p.wage_weight) == (0.6, 0.3, RankingPolicy().wage_weight)
    js = tmp_path / "policy.json"
    js.write_text(
        '{"high_value_boost": 0.2, "pathway_top_n": 2, "interest_weight": 0.5}', encoding="utf-8"
    )
    q = load_ranking_policy(js)
    assert (q.high_value_boost, q.pathway_top_n, q.interest_weight) == (0.2, 2, 0.5)
    assert p.interest_weight == 0.0  # a file without it (versions up to 2026.6) weighs no match


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        ("fit_weight = -1\n", "fit_weight"),
        ("fit_weight = 0\n", "fit_weight"),
        ("interest_weight = -0.5\n", "interest_weight"),
        ("demand_weigth = 0.2\n", "demand_weigth"),
        ('wage_weight = "high"\n', "wage_weight"),
        ("pathway_top_n = 0\n", "pathway_top_n"),
    ],
)
def test_bad_policy_files_name_file_and_setting(tmp_path: Path, text: str, setting: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RankingPolicyError) as exc:
        load_ranking_policy(path)
    assert exc.value.setting == setting
    assert str(path) in str(exc.value)


def test_missing_policy_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RankingPolicyError, match="cannot read"):
        load_ranking_policy(tmp_path / "absent.toml")


def test_default_policy_lifts_a_well_paid_high_value_job_over_a_small_fit_gap() -> None:
    # job 0 fits a little better; job 1 pays well and is high-value in the region
    fit, demand, wage, hv = [0.51, 0.50], [0.5, 0.5], [0.2, 0.8], [False, True]
    assert rank_occupations(fit, demand, wage, hv, RankingPolicy()).order.tolist() == [1, 0]
    fit_only = RankingPolicy(demand_weight=0, wage_weight=0, high_value_boost=0)
    assert rank_occupations(fit, demand, wage, hv, fit_only).order.tolist() == [0, 1]


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_policy_never_overturns_a_fit_gap_larger_than_its_weights(
    d0: float, d1: float, w0: float, w1: float
) -> None:
    p = RankingPolicy()
    gap = p.demand_weight + p.wage_weight + p.high_value_boost + 1e-3
    fit = [0.2 + gap, 0.2]
    r = rank_occupations(fit, [d0, d1], [w0, w1], [False, True], p)
    assert r.order.tolist() == [0, 1]


def _roll_up_one_by_one(scores, members, top_n):
    """The roll-up written plainly, pathway by pathway (the reference for the vectorised one)."""
    s = np.asarray(scores, dtype=np.float32)
    out, ordered = [], []
    for idx in members:
        ids = np.asarray(idx, dtype=np.int64)
        if ids.size == 0:
            out.append(-np.inf)
            ordered.append(())
            continue
        best = ids[np.argsort(-s[ids], kind="stable")]
        ordered.append(tuple(int(j) for j in best))
        out.append(float(s[best[:top_n]].astype(np.float64).mean()))
    return np.array(out, dtype=np.float32), tuple(ordered)


@given(
    st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=1, max_size=12),
    st.lists(st.lists(st.integers(0, 11), max_size=6, unique=True), max_size=8),
    st.integers(1, 4),
)
def test_roll_up_matches_the_pathway_by_pathway_definition(scores, members, top_n) -> None:
    """Equal scores are common here, so the tie rule (member order) is exercised too."""
    members = [[j for j in m if j < len(scores)] for m in members]
    got_scores, got_order = roll_up_pathways(scores, members, top_n)
    want_scores, want_order = _roll_up_one_by_one(scores, members, top_n)
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-6)
    assert got_order == want_order
