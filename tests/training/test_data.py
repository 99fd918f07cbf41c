"""One training-data type from both sources, and one training step for both flows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from recommender.catalogue import load_catalogue
from recommender.features import OccupationArrays
from tests.model.synthetic import tiny_trained
from training.cohort import CohortConfig, cohort_outcome_records, generate_cohort
from training.cohort import observe_with_noise as observe
from training.data import TrainingData
from training.records import write_outcome_records
from training.records_training import load_training_records, records_training_data
from training.train import TrainConfig, build_training_matrix, cohort_training_data, pair_rows


def test_cohort_training_data_holds_the_training_students_pairs() -> None:
    catalogue, cohort, _ = tiny_trained()
    config = TrainConfig(holdout_share=0.2, seed=3)
    data = cohort_training_data(cohort, catalogue, config)
    assert np.intersect1d(data.train_students, data.held_out).size == 0
    assert data.train_students.size + data.held_out.size == cohort.size
    assert set(np.unique(data.pair_student)) <= set(data.train_students.tolist())
    # the same matrix the cohort's own builder gives for those students' rows
    occupations = OccupationArrays.from_catalogue(catalogue)
    x, y = build_training_matrix(cohort, occupations, pair_rows(cohort, data.train_students))
    np.testing.assert_array_equal(data.features(occupations), x)
    np.testing.assert_array_equal(data.pair_grade, y)
    assert data.onnx_metadata == {"catalogue": catalogue.version}
    assert sum(data.grade_shares()) == pytest.approx(1.0)


def test_records_training_data_holds_recorded_pairs_of_training_profiles(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    cohort = generate_cohort(catalogue, CohortConfig(n_students=60, seed=4), observe)
    path = tmp_path / "records.csv"
    write_outcome_records(
        cohort_outcome_records(cohort, catalogue, "2025-26", instrument_version="2025.1"), path
    )
    records = load_training_records([path], catalogue)
    config = TrainConfig(eval_students=5, calibration_students=3)
    data = records_training_data(records, catalogue, config)
    assert isinstance(data, TrainingData)
    assert records.recorded[data.pair_student, data.pair_occupation].all()
    assert set(np.unique(data.pair_student)) <= set(data.train_students.tolist())
    np.testing.assert_array_equal(
        data.pair_grade, records.grades[data.pair_student, data.pair_occupation]
    )
    assert data.name_stem == "records-"
    assert data.training_facts["evaluated_students"] == 5
    assert data.training_facts["calibration_students"] == 3
    assert "cohort" not in data.manifest["train_config"]


def test_training_pairs_must_line_up() -> None:
    _, cohort, _ = tiny_trained()
    with pytest.raises(ValueError, match="one student, occupation and grade"):
        TrainingData(
            students=cohort.students,
            pair_student=np.zeros(3, dtype=np.int64),
            pair_occupation=np.zeros(2, dtype=np.int64),
            pair_grade=np.zeros(3, dtype=np.int8),
            train_students=np.arange(1),
            held_out=np.arange(1, 2),
            outcomes=None,  # type: ignore[arg-type]
            sha256="x",
        )


def test_held_out_students_are_evaluated_first_then_calibrate() -> None:
    held = np.arange(10, 20)
    evaluated, calibrating = TrainConfig(eval_students=4, calibration_students=3).split_held_out(
        held
    )
    assert evaluated.tolist() == [10, 11, 12, 13]
    assert calibrating.tolist() == [14, 15, 16]


def test_both_flows_train_through_the_one_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """train_version and train_version_from_records hand their data to the same function."""
    import training.pipeline
    from training.records_training import train_version_from_records
    from training.train import train_version

    seen: list[TrainingData] = []

    def fake(data: TrainingData, *_: Any, **__: Any) -> Path:
        seen.append(data)
        return tmp_path

    monkeypatch.setattr(training.pipeline, "train_and_write_version", fake)
    catalogue = load_catalogue()
    config = TrainConfig(cohort=CohortConfig(n_students=40, seed=2))
    train_version(config, catalogue, tmp_path / "models", observe=observe, show_progress=False)
    cohort = generate_cohort(catalogue, CohortConfig(n_students=40, seed=5), observe)
    path = tmp_path / "records.csv"
    write_outcome_records(
        cohort_outcome_records(cohort, catalogue, "2025-26", instrument_version="2025.1"), path
    )
    train_version_from_records([path], catalogue, tmp_path / "models", show_progress=False)
    assert [type(d) for d in seen] == [TrainingData, TrainingData]
    assert [d.name_stem for d in seen] == ["", "records-"]


def test_a_reused_fit_must_come_from_the_same_data_and_features(tmp_path: Path) -> None:
    """--reuse-fit takes a version's fitted pipeline only when that version was trained on this
    run's data with this run's features."""
    import json

    import joblib

    from training.pipeline import reuse_fitted_pipeline

    catalogue = load_catalogue()
    config = TrainConfig(cohort=CohortConfig(n_students=40, seed=2))
    data = cohort_training_data(
        generate_cohort(catalogue, config.cohort, observe), catalogue, config
    )
    folder = tmp_path / "2026.9-old"
    folder.mkdir()
    joblib.dump({"a": "pipeline"}, folder / "model.joblib")
    (folder / "metrics.json").write_text(json.dumps({"timing": {"fit_seconds": 12.5}}))

    def manifest(sha: str, features: list[str]) -> None:
        doc = {"training_data_sha256": sha, "feature_names": features}
        (folder / "manifest.json").write_text(json.dumps(doc))

    manifest(data.sha256, list(config.features))
    pipe, seconds = reuse_fitted_pipeline(folder, data, config)
    assert pipe == {"a": "pipeline"} and seconds == 12.5
    manifest("0" * 64, list(config.features))
    with pytest.raises(ValueError, match="trained on other data"):
        reuse_fitted_pipeline(folder, data, config)
    manifest(data.sha256, list(config.features)[:-1])
    with pytest.raises(ValueError, match="other features"):
        reuse_fitted_pipeline(folder, data, config)
