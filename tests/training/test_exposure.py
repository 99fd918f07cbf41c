"""Exposure offsets: no occupation in more than the cap's share of the reference lists, none in
no list, fitted without anything about a student but their fit."""

from __future__ import annotations

import numpy as np
import pytest

from training.exposure import ExposureSettings, fit_exposure_offsets, top_k_counts


def _reference(m: int = 2000, n: int = 60, seed: int = 4) -> np.ndarray:
    """Relative fits where occupation 0 suits almost everyone and 59 suits nobody best."""
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0, 1.0, size=(m, n)).astype(np.float32)
    r[:, 0] += 2.5
    r[:, 59] -= 2.4
    return r


def test_top_k_counts_counts_each_rows_top_k() -> None:
    scores = np.array([[3.0, 2.0, 1.0, 0.0], [0.0, 1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(top_k_counts(scores, 2), [1, 1, 1, 1])
    np.testing.assert_array_equal(top_k_counts(scores, 4), [2, 2, 2, 2])


def test_the_hub_is_brought_down_to_the_cap_and_the_unseen_into_some_list() -> None:
    r = _reference()
    settings = ExposureSettings(cap=0.3, k=10)
    before = top_k_counts(r, 10) / r.shape[0]
    assert before[0] > 0.9 and before[59] == 0.0
    offset, report = fit_exposure_offsets(r, settings)
    after = top_k_counts(r - offset, 10) / r.shape[0]
    assert after[0] <= 0.3 * 1.05  # within 5 % of the cap after the default rounds
    assert after[59] > 0.0
    assert offset[0] > 0 > offset[59]
    assert report["largest_share_before"] == pytest.approx(before.max(), abs=1e-4)
    assert report["largest_share_after"] == pytest.approx(after.max(), abs=1e-4)
    assert report["never_shown_after"] == int((after == 0).sum()) < report["never_shown_before"]


def test_offsets_leave_each_persons_order_among_unadjusted_occupations_alone() -> None:
    """One offset per occupation, the same for every person: two occupations neither lowered
    nor raised keep their order in every list."""
    r = _reference()
    offset, _ = fit_exposure_offsets(r, ExposureSettings(cap=0.3, k=10))
    untouched = np.flatnonzero(offset == 0)
    assert untouched.size >= 2
    a, b = untouched[:2]
    np.testing.assert_array_equal(r[:, a] > r[:, b], (r - offset)[:, a] > (r - offset)[:, b])


def test_fitting_is_deterministic_and_refuses_bad_input() -> None:
    r = _reference(m=400)
    one, _ = fit_exposure_offsets(r)
    two, _ = fit_exposure_offsets(r.copy())
    np.testing.assert_array_equal(one, two)
    with pytest.raises(ValueError, match="finite"):
        fit_exposure_offsets(np.array([[np.nan, 1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="cap"):
        ExposureSettings(cap=1.5)
