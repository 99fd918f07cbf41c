"""Typical fit: the ranking's fit relative to students in general, read from a version folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from recommender.errors import ModelArtifactError
from recommender.typical import (
    TYPICAL_FIT_FILE,
    load_typical_fit,
    relative_fit,
    typical_fit_document,
    typical_fit_from_sample,
)


def test_relative_fit_removes_what_an_occupation_gives_everyone() -> None:
    """Occupation 0 fits every student a little better than 1; relative to that, student 1 is
    the one it suits, and student 0 is the one occupation 1 suits."""
    fit = np.array([[0.60, 0.50], [0.70, 0.30]], dtype=np.float32)
    typical = typical_fit_from_sample(fit)
    np.testing.assert_allclose(typical.typical, [0.65, 0.40])
    rel = relative_fit(fit, typical)
    assert rel[0].argmax() == 1
    assert rel[1].argmax() == 0
    np.testing.assert_array_equal(relative_fit(fit, None), fit)


def test_scale_is_the_root_of_the_spread_relative_to_the_median() -> None:
    rng = np.random.default_rng(0)
    sample = rng.normal(0.5, [0.05, 0.1, 0.2], size=(4000, 3)).astype(np.float32)
    scale = typical_fit_from_sample(sample).scale
    np.testing.assert_allclose(scale, np.sqrt([0.5, 1.0, 2.0]), rtol=0.05)


def test_file_round_trip_by_code_and_defaults_for_unknown_codes(tmp_path: Path) -> None:
    typical = typical_fit_from_sample(np.array([[0.2, 0.4, 0.9], [0.4, 0.8, 0.1]]))
    doc = typical_fit_document(["a", "b", "c"], typical, 2, "test students")
    (tmp_path / TYPICAL_FIT_FILE).write_text(json.dumps(doc))
    loaded = load_typical_fit(tmp_path, ["c", "x", "a"])
    np.testing.assert_allclose(loaded.typical, [0.5, 0.0, 0.3], atol=1e-6)
    assert loaded.scale[1] == 1.0
    del doc["scale"]
    (tmp_path / TYPICAL_FIT_FILE).write_text(json.dumps(doc))
    np.testing.assert_array_equal(load_typical_fit(tmp_path, ["a"]).scale, [1.0])


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps({"codes": ["a"], "typical": [0.1, 0.2]}),
        json.dumps({"codes": ["a"], "typical": ["high"]}),
        json.dumps({"codes": ["a"], "typical": [0.1], "scale": [0.0]}),
        json.dumps({"typical": [0.1]}),
        json.dumps({"codes": ["a"], "typical": [0.1], "exposure": [0.1, 0.2]}),
        '{"codes": ["a"], "typical": [0.1], "exposure": [NaN]}',
    ],
)
def test_a_bad_file_is_an_artifact_error_naming_it(tmp_path: Path, content: str) -> None:
    (tmp_path / TYPICAL_FIT_FILE).write_text(content)
    with pytest.raises(ModelArtifactError, match=TYPICAL_FIT_FILE):
        load_typical_fit(tmp_path, ["a"])


def test_a_document_needs_one_finite_value_per_code() -> None:
    typical = typical_fit_from_sample(np.array([[0.2, 0.4], [0.4, 0.8]]))
    with pytest.raises(ValueError, match="one number per occupation"):
        typical_fit_document(["a"], typical, 2, "x")
    with pytest.raises(ValueError, match="m >= 2"):
        typical_fit_from_sample(np.array([[0.2, 0.4]]))


def test_exposure_offset_is_subtracted_after_the_scale_and_survives_the_file(
    tmp_path: Path,
) -> None:
    fit = np.array([[0.2, 0.4, 0.9], [0.4, 0.8, 0.1]], dtype=np.float32)
    plain = typical_fit_from_sample(fit)
    offset = np.array([0.3, -0.1, 0.0], dtype=np.float32)
    shifted = plain.with_exposure(offset)
    np.testing.assert_allclose(relative_fit(fit, shifted), relative_fit(fit, plain) - offset)
    doc = typical_fit_document(["a", "b", "c"], shifted, 2, "test", {"cap": 0.08})
    assert doc["exposure_fitted_on"] == {"cap": 0.08}
    (tmp_path / TYPICAL_FIT_FILE).write_text(json.dumps(doc))
    loaded = load_typical_fit(tmp_path, ["c", "x", "a"])
    assert loaded.exposure is not None
    np.testing.assert_allclose(loaded.exposure, [0.0, 0.0, 0.3], atol=1e-6)
    # a version without the field (2026.4 and earlier) ranks exactly as before
    assert "exposure" not in typical_fit_document(["a", "b", "c"], plain, 2, "test")
    with pytest.raises(ValueError, match="one finite number"):
        plain.with_exposure([0.1, np.nan, 0.0])
