"""Pair features: shape, batch/single agreement, definitions, factor isolation, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.dimensions import PLANS
from recommender.errors import FeatureInputError
from recommender.features import (
    FEATURE_DOCS,
    FEATURE_GROUPS,
    FEATURE_NAMES,
    STUDENT_FACTORS,
    StudentBatch,
    build_pair_features,
    build_pair_features_batch,
    interest_match,
    neutralise_students,
    normal_cdf,
)
from tests.model.synthetic import make_occupations, make_profile, make_students


def col(name: str) -> int:
    return FEATURE_NAMES.index(name)


def test_every_feature_is_documented_and_grouped_once() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert set(FEATURE_DOCS) == set(FEATURE_NAMES)
    grouped = sorted(i for cols in FEATURE_GROUPS.values() for i in cols)
    assert grouped == list(range(len(FEATURE_NAMES)))


def test_no_protected_attribute_or_regional_figure_is_a_feature() -> None:
    banned = ("gender", "sex", "race", "ethnic", "hispanic", "region", "wage")
    for name in FEATURE_NAMES:
        assert not any(word in name for word in banned), name


def test_single_student_matrix_is_float32_one_row_per_occupation() -> None:
    occ = make_occupations(30)
    x = build_pair_features(make_profile(1), occ)
    assert x.dtype == np.float32
    assert x.shape == (30, len(FEATURE_NAMES))
    assert np.all(np.isfinite(x))


def test_batch_rows_equal_single_student_rows() -> None:
    occ = make_occupations(25, seed=3)
    profiles = [make_profile(i, PLANS[i]) for i in range(4)]
    batch = StudentBatch.from_profiles(profiles)
    si = np.array([2, 0, 3, 1, 2])
    oi = np.array([4, 24, 0, 7, 13])
    pairs = build_pair_features_batch(batch, occ, si, oi)
    for row, (s, o) in enumerate(zip(si, oi, strict=True)):
        single = build_pair_features(profiles[s], occ)
        np.testing.assert_array_equal(pairs[row], single[o])


def test_interest_correlation_is_pearson_r() -> None:
    occ = make_occupations(10, seed=5)
    profile = make_profile(7)
    x = build_pair_features(profile, occ)
    for i in range(10):
        r = np.corrcoef(profile.interests.astype(np.float64), occ.riasec[i])[0, 1]
        assert x[i, col("interest_correlation")] == pytest.approx(r, abs=1e-5)


def test_interest_match_is_pearson_r_for_every_pair_and_zero_for_flat_interests() -> None:
    occ = make_occupations(40, seed=6)
    students = make_students(5, seed=8)
    match = interest_match(students.interests, occ)
    assert match.shape == (5, 40) and match.dtype == np.float32
    for i in range(5):
        for j in range(40):
            r = np.corrcoef(students.interests[i].astype(np.float64), occ.riasec[j])[0, 1]
            assert match[i, j] == pytest.approx(r, abs=1e-5)
    flat = neutralise_students(students, "interests")
    np.testing.assert_array_equal(interest_match(flat.interests, occ), 0.0)


def test_permuting_occupations_permutes_rows() -> None:
    occ = make_occupations(20, seed=2)
    perm = np.random.default_rng(0).permutation(20)
    students = make_students(1)
    a = build_pair_features_batch(students, occ, np.zeros(20, dtype=int), np.arange(20))
    b = build_pair_features_batch(students, occ, np.zeros(20, dtype=int), perm)
    np.testing.assert_array_equal(a[perm], b)


def test_plan_zone_gap_counts_zones_beyond_the_plan() -> None:
    occ = make_occupations(40, seed=1)
    x = build_pair_features(make_profile(0, plan="four_year_college"), occ)
    zones = occ.job_zone
    expected = np.where(zones < 4, zones - 4, 0)
    np.testing.assert_array_equal(x[:, col("plan_zone_gap")], expected)
    undecided = build_pair_features(make_profile(0, plan="undecided"), occ)
    assert np.all(undecided[:, col("plan_zone_gap")] == 0)


def test_aptitude_gap_is_percentile_minus_demand_and_zero_when_unknown() -> None:
    occ = make_occupations(12, seed=4)
    profile = make_profile(3)
    x = build_pair_features(profile, occ)
    pct = normal_cdf(np.array([float(profile.aptitudes[0])]))[0]
    np.testing.assert_allclose(
        x[:, col("aptitude_gap_verbal")], pct - occ.aptitude_demand[:, 0], atol=1e-6
    )
    assert np.all(x[:, col("aptitude_gap_perceptual_speed")] == 0)
    assert np.all(x[:, col("aptitude_se_perceptual_speed")] == 1.0)
    assert x[0, col("aptitude_known_share")] == pytest.approx(0.8)


def test_normal_cdf_matches_known_points() -> None:
    z = np.array([-1.959964, 0.0, 1.0, 3.0])
    np.testing.assert_allclose(normal_cdf(z), [0.025, 0.5, 0.841345, 0.998650], atol=1e-6)


@pytest.mark.parametrize("factor", STUDENT_FACTORS)
def test_a_factor_changes_only_its_own_columns(factor: str) -> None:
    occ = make_occupations(15, seed=6)
    students = make_students(1, seed=9)
    idx = np.arange(15)
    zeros = np.zeros(15, dtype=int)
    base = build_pair_features_batch(students, occ, zeros, idx)
    neutral = build_pair_features_batch(neutralise_students(students, factor), occ, zeros, idx)
    own = list(FEATURE_GROUPS[factor])
    others = [i for i in range(len(FEATURE_NAMES)) if i not in own]
    np.testing.assert_array_equal(base[:, others], neutral[:, others])
    assert not np.array_equal(base[:, own], neutral[:, own])


def test_flat_interests_give_zero_congruence() -> None:
    occ = make_occupations(10)
    flat = neutralise_students(make_students(1), "interests")
    x = build_pair_features_batch(flat, occ, np.zeros(10, dtype=int), np.arange(10))
    for name in ("interest_correlation", "interest_high_point_match", "interest_top3_overlap"):
        assert np.all(x[:, col(name)] == 0), name


def test_bad_shapes_and_plans_name_the_input() -> None:
    occ = make_occupations(5)
    profile = make_profile(0)
    profile.interests = np.zeros(5, dtype=np.float32)
    with pytest.raises(FeatureInputError, match="interests"):
        build_pair_features(profile, occ)
    with pytest.raises(FeatureInputError, match="plan"):
        build_pair_features(make_profile(0, plan="astronaut"), occ)
    with pytest.raises(FeatureInputError, match="occupation_index"):
        build_pair_features_batch(make_students(1), occ, np.array([0]), np.array([9]))
