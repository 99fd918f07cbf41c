"""ONNX export: parity with sklearn over >= 1,000 rows, metadata, and errors on bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recommender.errors import ModelArtifactError
from recommender.features import FEATURE_NAMES, OccupationArrays, build_pair_features_batch
from recommender.model import load_fit_model
from tests.model.synthetic import tiny_trained
from training.export import FEATURES_ATTRIBUTE, _same_top10, check_parity, write_onnx
from training.train import (
    DEMAND_FEATURES,
    ESTIMATORS,
    FIT_FEATURES,
    TrainConfig,
    fit_pipeline,
    make_pipeline,
    predict_fit,
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, np.ndarray, int]:
    catalogue, cohort, pipe = tiny_trained()
    path = tmp_path_factory.mktemp("model") / "model.onnx"
    write_onnx(pipe, path, {"version": "test-1", "data_sha256": "abc"})
    occ = OccupationArrays.from_catalogue(catalogue)
    n = occ.size
    students = np.arange(3)
    x = build_pair_features_batch(
        cohort.students, occ, np.repeat(students, n), np.tile(np.arange(n), 3)
    )
    return path, pipe, x, n


def test_onnx_matches_sklearn_within_tolerance_on_whole_catalogue_rows(exported) -> None:
    path, pipe, x, n = exported
    report = check_parity(pipe, path, x, n)
    assert report.rows >= 1000
    assert report.max_abs_diff <= 1e-4
    assert report.top10_mismatches == 0
    assert report.passed


def test_parity_catches_a_different_model(exported) -> None:
    path, _, x, n = exported
    rng = np.random.default_rng(0)
    other, _ = fit_pipeline(
        x[:2000], rng.integers(0, 4, 2000).astype(np.int8), TrainConfig(max_iter=5)
    )
    report = check_parity(other, path, x, n)
    assert not report.passed
    assert report.max_abs_diff > 1e-4


def test_metadata_carries_version_hash_and_feature_names(exported) -> None:
    path, *_ = exported
    model = load_fit_model(path)
    assert model.version == "test-1"
    assert model.metadata["data_sha256"] == "abc"
    assert model.metadata["feature_names"].split(",") == list(FIT_FEATURES)
    assert model.feature_names == FIT_FEATURES
    assert not set(model.feature_names) & set(DEMAND_FEATURES)


def test_served_model_reads_its_own_columns_by_name(exported) -> None:
    """The ONNX model gets the columns its metadata names, so a demand column cannot move it."""
    path, _, x, _ = exported
    model = load_fit_model(path)
    changed = x.copy()
    for name in DEMAND_FEATURES:
        changed[:, FEATURE_NAMES.index(name)] = 1e6
    np.testing.assert_array_equal(model.score_fit(x), model.score_fit(changed))
    keyed = FEATURE_NAMES.index("interest_norm_correlation")
    moved = x.copy()
    moved[:, keyed] = -moved[:, keyed] + 3.0
    assert not np.array_equal(model.score_fit(x), model.score_fit(moved))


def test_a_version_trained_on_every_column_still_loads(tmp_path: Path) -> None:
    """Versions name their columns: one fitted on all of FEATURE_NAMES serves unchanged."""
    catalogue, cohort, _ = tiny_trained()
    occ = OccupationArrays.from_catalogue(catalogue)
    n = occ.size
    x = build_pair_features_batch(
        cohort.students, occ, np.repeat(np.arange(3), n), np.tile(np.arange(n), 3)
    )
    rng = np.random.default_rng(1)
    pipe = make_pipeline(TrainConfig(max_iter=5))
    pipe.fit(x, rng.integers(0, 4, x.shape[0]).astype(np.float64))
    setattr(pipe, FEATURES_ATTRIBUTE, FEATURE_NAMES)
    write_onnx(pipe, tmp_path / "model.onnx", {"version": "old"})
    model = load_fit_model(tmp_path / "model.onnx")
    assert model.feature_names == FEATURE_NAMES
    assert check_parity(pipe, tmp_path / "model.onnx", x, n).passed


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_every_estimator_option_is_served_as_trained(estimator: str, exported, tmp_path) -> None:
    """Each TrainConfig estimator exports, passes parity and is served with the fit it trained."""
    _, _, x, n = exported
    rng = np.random.default_rng(2)
    pipe, _ = fit_pipeline(
        x, rng.integers(0, 4, x.shape[0]).astype(np.int8), TrainConfig(estimator=estimator)
    )
    write_onnx(pipe, tmp_path / "model.onnx", {"version": estimator})
    assert check_parity(pipe, tmp_path / "model.onnx", x, n).passed
    served = load_fit_model(tmp_path / "model.onnx").score_fit(x)
    np.testing.assert_allclose(served, predict_fit(pipe, x), atol=1e-4)


def test_a_classifier_pipeline_is_refused_at_export(exported, tmp_path) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline

    _, _, x, _ = exported
    rng = np.random.default_rng(3)
    pipe = Pipeline([("model", HistGradientBoostingClassifier(max_iter=3))])
    pipe.fit(x[:500], rng.integers(0, 2, 500))
    with pytest.raises(ValueError, match="cannot be served"):
        write_onnx(pipe, tmp_path / "model.onnx", {"version": "classifier"})
    assert not (tmp_path / "model.onnx").exists()


def test_top10_rule_allows_only_exact_ties() -> None:
    a = np.linspace(1.0, 0.0, 30)
    b = a.copy()
    assert _same_top10(a, b)
    b[[9, 10]] = b[[10, 9]]  # swapping two clearly different scores changes the list
    assert not _same_top10(a, b)
    c = a.copy()
    c[10] = c[9]  # an exact tie at the cut may fall either way
    d = c.copy()
    d[9] -= 1e-6
    assert _same_top10(c, d)


def test_missing_and_corrupt_model_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError, match="not found"):
        load_fit_model(tmp_path / "absent.onnx")
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not an onnx model")
    with pytest.raises(ModelArtifactError, match=r"model\.onnx"):
        load_fit_model(bad)
