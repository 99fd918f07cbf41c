"""Top-k composition metrics used to compare ranking policies."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.errors import InvalidArrayError
from training.metrics import catalogue_coverage, high_value_share_at_k, wage_ratio_at_k


def test_high_value_share_worked_example() -> None:
    scores = [[0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.4]]
    flags = [[True, False, True, True], [True, True, False, False]]
    share = high_value_share_at_k(scores, flags, k=2)
    # student 0 top 2 = items 0, 1 -> one of two; student 1 top 2 = items 3, 2 -> none
    assert share.tolist() == [0.5, 0.0]


def test_high_value_share_extremes_and_shared_row() -> None:
    scores = np.random.default_rng(1).random((5, 8))
    assert np.all(high_value_share_at_k(scores, np.ones(8, dtype=bool), k=3) == 1.0)
    assert np.all(high_value_share_at_k(scores, np.zeros(8, dtype=bool), k=3) == 0.0)
    # k above n counts the whole catalogue
    flags = np.array([True, False] * 4)
    assert np.allclose(high_value_share_at_k(scores, flags, k=50), 0.5)


def test_high_value_share_ties_keep_lower_index() -> None:
    share = high_value_share_at_k([[1.0, 1.0, 1.0]], [[True, False, False]], k=1)
    assert share.tolist() == [1.0]


def test_wage_ratio_worked_example() -> None:
    scores = [[0.9, 0.8, 0.7, 0.1]]
    wages = [[30_000.0, 50_000.0, np.nan, 90_000.0]]
    # top 3 = 30k, 50k, unknown -> median of known 40k; region median 40k -> 1.0
    assert wage_ratio_at_k(scores, wages, [40_000.0], k=3).tolist() == [1.0]
    # top 4 adds 90k -> median 50k / 40k
    assert wage_ratio_at_k(scores, wages, 40_000.0, k=4).tolist() == [1.25]


def test_wage_ratio_extremes() -> None:
    scores = np.random.default_rng(2).random((4, 6))
    assert np.allclose(wage_ratio_at_k(scores, np.full(6, 20_000.0), 40_000.0, k=3), 0.5)
    unknown = wage_ratio_at_k(scores, np.full(6, np.nan), 40_000.0, k=3)
    assert np.all(np.isnan(unknown))


def test_wage_ratio_rejects_a_bad_region_median() -> None:
    with pytest.raises(InvalidArrayError, match=r"region_median.*row 1"):
        wage_ratio_at_k([[1.0], [2.0]], [10.0], [5.0, 0.0], k=1)


def test_item_matrix_shape_is_checked() -> None:
    with pytest.raises(InvalidArrayError, match="high_value"):
        high_value_share_at_k([[1.0, 2.0]], [[True, False, True]], k=1)


def test_coverage_extremes() -> None:
    same = np.tile(np.arange(6, 0, -1), (4, 1))
    assert catalogue_coverage(same, k=2) == pytest.approx(2 / 6)
    rotating = np.eye(6)
    assert catalogue_coverage(rotating, k=1) == 1.0
