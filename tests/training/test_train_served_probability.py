"""Served results carry P(grade >= 2) from the version's calibration, monotone in fit."""

from __future__ import annotations

import numpy as np

from recommender.calibration import CALIBRATION_FILE, FitCalibration
from recommender.engine import OccupationResult, Recommender
from recommender.model import DEFAULT_MODELS_DIR, locate_model_version
from tests.model.synthetic import make_profile, sklearn_scorer, tiny_trained


def _profile(seed: int):
    p = make_profile(seed, plan="community_college")
    p.region_code = "2800005"
    return p


def _every_occupation(result) -> list[OccupationResult]:
    found = {o.code: o for o in result.occupations}
    for pathway in result.pathways:
        found.update({o.code: o for o in pathway.occupations})
    return list(found.values())


def test_probability_rises_with_fit_and_follows_the_calibration() -> None:
    catalogue, _, pipe = tiny_trained()
    # a steep, deliberately non-linear lookup so order errors would show
    calibration = FitCalibration(
        fit=(0.0, 0.2, 0.4, 0.6, 1.0), probability=(0.01, 0.02, 0.3, 0.31, 0.9), target="grade >= 2"
    )
    engine = Recommender.build(catalogue, sklearn_scorer(pipe), "tiny", calibration=calibration)
    occupations = []
    for seed in range(6):
        result = engine.recommend(_profile(seed), k=8)
        occupations += _every_occupation(result)
    fits = np.array([o.fit for o in occupations])
    probabilities = np.array([o.probability for o in occupations], dtype=float)
    assert np.all((probabilities >= 0.0) & (probabilities <= 1.0))
    order = np.argsort(fits, kind="stable")
    assert np.all(np.diff(probabilities[order]) >= 0)
    assert probabilities.max() > probabilities.min()  # not a constant
    expected = np.interp(fits, calibration.fit, calibration.probability)
    np.testing.assert_allclose(probabilities, expected, atol=1e-6)


def test_without_a_calibration_probability_is_absent_not_invented() -> None:
    catalogue, _, pipe = tiny_trained()
    result = Recommender.build(catalogue, sklearn_scorer(pipe), "tiny").recommend(_profile(1))
    assert all(o.probability is None for o in _every_occupation(result))


def test_the_shipped_model_serves_its_stored_calibration() -> None:
    assert (DEFAULT_MODELS_DIR / "registry.json").is_file(), "the shipped registry is missing"
    calibration = locate_model_version(DEFAULT_MODELS_DIR) / CALIBRATION_FILE
    assert calibration.is_file(), "the active version ships no calibration.json"
    result = Recommender.load().recommend(_profile(2), k=5)
    occupations = sorted(_every_occupation(result), key=lambda o: o.fit)
    probabilities = [o.probability for o in occupations]
    assert all(p is not None and 0.0 <= p <= 1.0 for p in probabilities)
    assert probabilities == sorted(probabilities)  # type: ignore[type-var]
