"""Exposure offsets: no occupation in more than each reference sample's cap of its lists, none
in no list, fitted without anything about a student but their fit."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.catalogue import load_catalogue
from training.benchmarks import occupation_profiles
from training.exposure import (
    ExposureSettings,
    ReferenceSample,
    fit_exposure_offsets,
    top_k_counts,
    within_field_sd,
    workforce_profiles,
)


def _reference(m: int = 2000, n: int = 60, seed: int = 4, hub: int = 0) -> np.ndarray:
    """Relative fits where occupation ``hub`` suits almost everyone and 59 suits nobody best."""
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0, 1.0, size=(m, n)).astype(np.float32)
    r[:, hub] += 2.5
    r[:, 59] -= 2.4
    return r


def _sample(r: np.ndarray, cap: float = 0.3, name: str = "people") -> ReferenceSample:
    return ReferenceSample(name, (r,), cap)


def _shares(r: np.ndarray, offset: np.ndarray) -> np.ndarray:
    return top_k_counts(r - offset, 10) / r.shape[0]


def test_top_k_counts_counts_each_rows_top_k() -> None:
    scores = np.array([[3.0, 2.0, 1.0, 0.0], [0.0, 1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(top_k_counts(scores, 2), [1, 1, 1, 1])
    np.testing.assert_array_equal(top_k_counts(scores, 4), [2, 2, 2, 2])


def test_the_hub_is_brought_down_to_the_cap_and_the_unseen_into_some_list() -> None:
    r = _reference()
    settings = ExposureSettings(k=10, rounds=80)
    before = _shares(r, np.zeros(r.shape[1]))
    assert before[0] > 0.9 and before[59] == 0.0
    offset, report = fit_exposure_offsets([_sample(r)], settings)
    after = _shares(r, offset)
    assert after[0] <= 0.3 * 1.05  # within 5 % of the cap after 80 rounds
    assert after[59] > 0.0
    assert offset[0] > 0 > offset[59]
    people = report["samples"]["people"]
    assert people["largest_share_before"] == pytest.approx(before.max(), abs=1e-4)
    assert people["largest_share_after"] == pytest.approx(after.max(), abs=1e-4)
    assert people["never_shown_after"] == int((after == 0).sum()) < people["never_shown_before"]


def test_each_sample_holds_its_own_cap() -> None:
    """A hub of the second sample only (occupation 7) comes down to that sample's cap, while
    the first sample's hub (occupation 0) comes down to the first cap."""
    first, second = _reference(hub=0), _reference(seed=9, hub=7)
    offset, report = fit_exposure_offsets(
        [_sample(first, 0.3), _sample(second, 0.25, "workforce")], ExposureSettings(rounds=120)
    )
    assert _shares(first, offset)[0] <= 0.3 * 1.05
    assert _shares(second, offset)[7] <= 0.25 * 1.05
    assert _shares(second, offset).max() <= 0.25 * 1.05
    assert report["samples"]["workforce"]["cap"] == 0.25
    only_first, _ = fit_exposure_offsets([_sample(first, 0.3)], ExposureSettings(rounds=120))
    assert _shares(second, only_first)[7] > 0.5  # the first sample alone leaves it a hub


def test_offsets_leave_each_persons_order_among_unadjusted_occupations_alone() -> None:
    """One offset per occupation, the same for every person: two occupations neither lowered
    nor raised keep their order in every list."""
    r = _reference()
    offset, _ = fit_exposure_offsets([_sample(r)], ExposureSettings(rounds=80))
    untouched = np.flatnonzero(offset == 0)
    assert untouched.size >= 2
    a, b = untouched[:2]
    np.testing.assert_array_equal(r[:, a] > r[:, b], (r - offset)[:, a] > (r - offset)[:, b])


def test_fitting_is_deterministic_and_refuses_bad_input() -> None:
    r = _reference(m=400)
    one, _ = fit_exposure_offsets([_sample(r)])
    two, _ = fit_exposure_offsets([_sample(r.copy())])
    np.testing.assert_array_equal(one, two)
    with pytest.raises(ValueError, match="finite"):
        _sample(np.array([[np.nan, 1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="same occupations"):
        fit_exposure_offsets([_sample(r), _sample(r[:, :30])])
    with pytest.raises(ValueError, match="cap"):
        ExposureSettings(workforce_cap=1.5)
    with pytest.raises(ValueError, match="cap"):
        _sample(r, cap=0.0)


def test_within_field_sd_is_the_spread_around_each_fields_own_mean() -> None:
    # Field a: scale means 1 and 5 (0 and 1 on the student scale), field b: 3 and 3 (0.5).
    means = np.array([[1.0] * 6, [5.0] * 6, [3.0] * 6, [3.0] * 6])
    sd = within_field_sd(means, ["a", "a", "b", "b"])
    # Residuals +-0.5 in a, 0 in b: sum of squares 0.5 over 4 - 2 degrees of freedom.
    np.testing.assert_allclose(sd, np.full(6, 0.5))
    with pytest.raises(ValueError, match="one field per respondent"):
        within_field_sd(means, ["a"])


def test_workforce_profiles_are_the_onet_profiles_spread() -> None:
    catalogue = load_catalogue()
    base = occupation_profiles(catalogue)
    exact = workforce_profiles(catalogue, np.full(6, 0.2), ExposureSettings(workforce_jitter=0.0))
    copies = ExposureSettings().workforce_copies
    assert exact.size == copies * base.size
    np.testing.assert_array_equal(exact.interests[::copies], base.interests)
    np.testing.assert_array_equal(exact.aptitudes[1::copies], base.aptitudes)
    half = ExposureSettings(workforce_jitter=0.5)
    spread = workforce_profiles(catalogue, np.full(6, 0.2), half)
    again = workforce_profiles(catalogue, np.full(6, 0.2), half)
    np.testing.assert_array_equal(spread.interests, again.interests)
    assert spread.interests.min() >= 0.0 and spread.interests.max() <= 1.0
    moved = np.abs(spread.interests - exact.interests)
    # Jitter 0.5 x SD 0.2: a spread of about 0.1 (less where clipping at 0 or 1 bites).
    assert 0.04 < float(np.median(moved)) < 0.1
