"""Calibration: the isotonic map a version ships (fit -> P(grade >= 2)) and how it is measured.

``fit_calibration`` fits the map written to calibration.json (``recommender.calibration`` applies
it); ``brier_score`` and ``reliability_curve`` measure probabilities in [0, 1] against 0/1
outcomes (``training.report`` draws the curve).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.calibration import FitCalibration
from recommender.errors import InvalidArrayError
from training.metrics import FloatArray, json_float

__all__ = ["ReliabilityCurve", "brier_score", "fit_calibration", "reliability_curve"]


def fit_calibration(
    fit: npt.ArrayLike, grades: npt.ArrayLike, threshold: int = 2, max_knots: int = 200
) -> FitCalibration:
    """Isotonic map from fit to P(grade >= threshold); at most max_knots knots kept (0..1)."""
    from sklearn.isotonic import IsotonicRegression

    x = np.asarray(fit, dtype=np.float64).ravel()
    y = (np.asarray(grades).ravel() >= threshold).astype(np.float64)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    iso.fit(x, y)
    knots_x = np.asarray(iso.X_thresholds_, dtype=np.float64)
    knots_y = np.asarray(iso.y_thresholds_, dtype=np.float64)
    if knots_x.size > max_knots:
        # keep knots at evenly spaced quantiles of the fit, plus both ends
        grid = np.unique(np.quantile(x, np.linspace(0.0, 1.0, max_knots)))
        knots_x, knots_y = grid, iso.predict(grid)
    knots_x = np.clip(knots_x, 0.0, 1.0)
    knots_y = np.maximum.accumulate(np.clip(knots_y, 0.0, 1.0))
    return FitCalibration(
        fit=tuple(float(v) for v in knots_x),
        probability=tuple(float(v) for v in knots_y),
        target=f"grade >= {threshold}",
    )


def _probability_pairs(
    probabilities: npt.ArrayLike, outcomes: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Return flattened probabilities in [0, 1] and 0/1 outcomes of the same shape."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(outcomes)
    if p.shape != y.shape:
        raise InvalidArrayError("outcomes", f"expected shape {p.shape}, got {y.shape}")
    p = p.ravel()
    y_flat = y.ravel().astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(p) | (p < 0) | (p > 1))
    if bad.size:
        raise InvalidArrayError(
            "probabilities",
            f"value {p[bad[0]]!r} at flat index {int(bad[0])} is outside [0, 1]; {bad.size} in all",
        )
    bad = np.flatnonzero((y_flat != 0) & (y_flat != 1))
    if bad.size:
        raise InvalidArrayError(
            "outcomes", f"value {y_flat[bad[0]]!r} at flat index {int(bad[0])} is not 0/1"
        )
    return p, y_flat


def brier_score(probabilities: npt.ArrayLike, outcomes: npt.ArrayLike) -> float:
    """Mean squared gap between probabilities in [0, 1] and 0/1 outcomes: 0 perfect, 1 worst."""
    p, y = _probability_pairs(probabilities, outcomes)
    if p.size == 0:
        return float("nan")
    return float(np.mean((p - y) ** 2))


@dataclass(frozen=True)
class ReliabilityCurve:
    """Equal-width probability bins: edges, mean prediction, observed rate and count per bin.

    Bin i holds probabilities in [lower_i, upper_i), the last bin also holds 1.0. Empty bins have
    NaN mean and rate and count 0.
    """

    lower: tuple[float, ...]
    upper: tuple[float, ...]
    mean_predicted: tuple[float, ...]
    observed_rate: tuple[float, ...]
    count: tuple[int, ...]

    @property
    def expected_calibration_error(self) -> float:
        """Count-weighted mean |observed rate - mean prediction| over non-empty bins, in [0, 1]."""
        total = sum(self.count)
        if total == 0:
            return float("nan")
        return sum(
            c * abs(o - p)
            for c, o, p in zip(self.count, self.observed_rate, self.mean_predicted, strict=True)
            if c
        ) / float(total)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReliabilityCurve:
        """Rebuild a curve from ``to_dict`` output (None -> NaN)."""

        def floats(key: str) -> tuple[float, ...]:
            return tuple(np.nan if v is None else float(v) for v in data[key])

        return cls(
            lower=floats("lower"),
            upper=floats("upper"),
            mean_predicted=floats("mean_predicted"),
            observed_rate=floats("observed_rate"),
            count=tuple(int(c) for c in data["count"]),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the curve as JSON-safe lists (NaN -> None)."""
        return {
            "lower": list(self.lower),
            "upper": list(self.upper),
            "mean_predicted": [json_float(v) for v in self.mean_predicted],
            "observed_rate": [json_float(v) for v in self.observed_rate],
            "count": list(self.count),
            "expected_calibration_error": json_float(self.expected_calibration_error),
        }


def reliability_curve(
    probabilities: npt.ArrayLike, outcomes: npt.ArrayLike, n_bins: int = 10
) -> ReliabilityCurve:
    """Bin probabilities into n_bins equal-width bins on [0, 1]; compare with 0/1 outcomes."""
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 1:
        raise InvalidArrayError("n_bins", f"must be a whole number >= 1, got {n_bins!r}")
    p, y = _probability_pairs(probabilities, outcomes)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.minimum((p * n_bins).astype(np.intp), n_bins - 1)
    count = np.bincount(index, minlength=n_bins)
    sum_p = np.bincount(index, weights=p, minlength=n_bins)
    sum_y = np.bincount(index, weights=y, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.where(count > 0, sum_p / np.maximum(count, 1), np.nan)
        rate = np.where(count > 0, sum_y / np.maximum(count, 1), np.nan)
    return ReliabilityCurve(
        lower=tuple(float(v) for v in edges[:-1]),
        upper=tuple(float(v) for v in edges[1:]),
        mean_predicted=tuple(float(v) for v in mean_p),
        observed_rate=tuple(float(v) for v in rate),
        count=tuple(int(v) for v in count),
    )
