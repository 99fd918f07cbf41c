"""The stored fit → probability lookup: interpolation, end values, order kept, bad files named."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from recommender.calibration import (
    CALIBRATION_FILE,
    FitCalibration,
    calibrate_fit,
    calibration_from_mapping,
    load_calibration,
)
from recommender.errors import ModelArtifactError


def test_lookup_interpolates_between_knots_and_holds_the_end_values() -> None:
    c = FitCalibration(fit=(0.1, 0.5, 0.9), probability=(0.0, 0.2, 0.6))
    got = calibrate_fit([0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0], c)
    np.testing.assert_allclose(got, [0.0, 0.0, 0.1, 0.2, 0.4, 0.6, 0.6], atol=1e-7)
    assert got.dtype == np.float32


def test_lookup_never_reverses_the_order_of_fits() -> None:
    c = FitCalibration(fit=(0.0, 0.3, 0.31, 1.0), probability=(0.01, 0.05, 0.05, 0.9))
    fit = np.random.default_rng(0).random(500)
    p = calibrate_fit(fit, c)
    order = np.argsort(fit)
    assert np.all(np.diff(p[order]) >= 0)


@pytest.mark.parametrize(
    ("fit", "probability", "message"),
    [
        ((0.1, 0.5), (0.2,), "equal"),
        ((0.5, 0.1), (0.1, 0.2), "fit knots must not decrease"),
        ((0.1, 0.5), (0.3, 0.2), "probability knots must not decrease"),
        ((0.1, 1.5), (0.1, 0.2), "fit knots must lie in 0..1"),
        ((0.1, 0.5), (0.1, float("nan")), "probability knots must lie in 0..1"),
    ],
)
def test_bad_knots_are_refused_with_the_reason(fit, probability, message) -> None:
    with pytest.raises(ModelArtifactError, match=message):
        FitCalibration(fit=fit, probability=probability)


def test_file_round_trip_and_errors_name_the_file(tmp_path: Path) -> None:
    c = FitCalibration(fit=(0.0, 1.0), probability=(0.02, 0.7))
    (tmp_path / CALIBRATION_FILE).write_text(json.dumps(c.to_dict()), encoding="utf-8")
    assert load_calibration(tmp_path) == c
    bad = tmp_path / "bad.json"
    bad.write_text('{"fit": [0.0, 1.0]}', encoding="utf-8")
    with pytest.raises(ModelArtifactError, match=r"bad\.json.*'fit' and 'probability'"):
        load_calibration(bad)
    bad.write_text('{"fit": [0.0, 1.0], "probability": [0.5, 0.1]}', encoding="utf-8")
    with pytest.raises(ModelArtifactError, match=r"bad\.json.*must not decrease"):
        load_calibration(bad)
    with pytest.raises(ModelArtifactError, match="not found"):
        load_calibration(tmp_path / "missing.json")
    with pytest.raises(ModelArtifactError, match="<here>"):
        calibration_from_mapping({"fit": "x", "probability": [1]}, "<here>")
