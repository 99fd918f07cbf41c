"""Training on outcome records: the synthetic cohort exported as records, trained end to end."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recommender.catalogue import load_catalogue
from recommender.errors import TrainingRecordsRefusedError
from recommender.features import FEATURE_NAMES
from service.cli import main
from training.cohort import CohortConfig, cohort_outcome_records, generate_cohort
from training.cohort import observe_with_noise as observe
from training.records import find_protected_columns, read_outcome_records, write_outcome_records
from training.records_training import (
    load_training_records,
    split_records,
    train_version_from_records,
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 600-student synthetic cohort written by `pathways cohort export`."""
    out = tmp_path_factory.mktemp("records") / "cohort-2025-26.csv"
    args = ["cohort", "export", "--students", "600", "--seed", "31", "--year", "2025-26", "--out"]
    code = main([*args, str(out)])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def trained(exported: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pathways train --records` on the exported cohort, into a fresh models folder."""
    models = tmp_path_factory.mktemp("models")
    args = [
        "train",
        "--quiet",
        "--version",
        "records-test",
        "--max-iter",
        "60",
        "--eval-students",
        "90",
    ]
    code = main([*args, "--records", str(exported), "--models-dir", str(models)])
    assert code == 0
    return models / "records-test"


def _small_frame(n: int = 40, seed: int = 3, year: str = "2025-26") -> pd.DataFrame:
    catalogue = load_catalogue()
    cohort = generate_cohort(catalogue, CohortConfig(n_students=n, seed=seed), observe)
    return cohort_outcome_records(cohort, catalogue, year, instrument_version="2025.1")


def test_exported_cohort_meets_the_outcome_record_schema(exported: Path) -> None:
    frame = read_outcome_records(exported)
    records = load_training_records([exported], load_catalogue())
    assert records.summary["rows"] == len(frame)
    assert records.summary["people"] == 600
    assert records.summary["school_years"] == ["2025-2026"]
    assert set(records.audit) == {"gender", "race_ethnicity"}
    # every exported row is one recorded pair, with its grade
    assert int(records.recorded.sum()) == len(frame)
    assert float(records.grades.sum()) == float(frame["grade"].sum())


def test_training_on_records_beats_the_congruence_baseline(trained: Path, exported: Path) -> None:
    metrics = json.loads((trained / "metrics.json").read_text())
    ev = metrics["evaluation"]
    model = ev["model"]["overall"]["ndcg@10"]["mean"]
    assert model > ev["baselines"]["congruence"]["overall"]["ndcg@10"]["mean"]
    assert model > ev["baselines"]["demand_only"]["overall"]["ndcg@10"]["mean"]
    assert "oracle" not in ev and "no oracle" in ev["oracle_note"]
    assert metrics["parity"]["passed"] is True
    assert set(ev["model"]["subgroups"]) == {"gender", "race_ethnicity", "region"}
    assert metrics["training"]["students"] + metrics["training"]["held_out_students"] == 600
    manifest = json.loads((trained / "manifest.json").read_text())
    (entry,) = manifest["training_data"]["files"]
    assert entry["sha256"] == hashlib.sha256(exported.read_bytes()).hexdigest()
    card = (trained / "card.md").read_text()
    assert entry["sha256"] in card and "**no oracle**" in card
    for name in ("model.onnx", "model.joblib", "calibration.json", "reliability.svg"):
        assert (trained / name).is_file()


def test_a_new_version_is_not_made_active(trained: Path) -> None:
    assert not (trained.parent / "registry.json").exists()


def test_audit_columns_never_reach_the_features(exported: Path, tmp_path: Path) -> None:
    assert find_protected_columns(FEATURE_NAMES) == []
    frame = read_outcome_records(exported)
    flipped = frame.copy()
    flipped["gender"] = np.where(frame["gender"] == "female", "male", "female")
    flipped["race_ethnicity"] = frame["race_ethnicity"].to_numpy()[::-1]
    write_outcome_records(flipped, tmp_path / "flipped.csv")
    catalogue = load_catalogue()
    a = load_training_records([exported], catalogue)
    b = load_training_records([tmp_path / "flipped.csv"], catalogue)
    assert not np.array_equal(a.audit["gender"], b.audit["gender"])
    for name in ("interests", "work_values", "aptitudes", "interests_se", "aptitudes_se"):
        np.testing.assert_array_equal(getattr(a.students, name), getattr(b.students, name))
    assert a.students.plans == b.students.plans


def test_a_gender_feature_is_refused_before_anything_is_written(
    exported: Path, tmp_path: Path
) -> None:
    with pytest.raises(TrainingRecordsRefusedError) as caught:
        train_version_from_records(
            [exported],
            load_catalogue(),
            tmp_path / "models",
            feature_columns=(*FEATURE_NAMES, "gender"),
            show_progress=False,
        )
    ((_, _, problems),) = caught.value.files
    assert (None, "gender", "protected attribute listed as a model feature; audit only") in problems
    assert not (tmp_path / "models").exists()


def test_corrupt_records_are_refused_with_every_bad_row_named(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = read_outcome_records(exported).head(30).copy()
    frame.loc[4, "code"] = "99-9999.99"  # row 5: unknown code
    profile = json.loads(frame.loc[9, "profile_json"])
    profile["gender"] = "female"  # row 10: a protected attribute inside the feature source
    frame.loc[9, "profile_json"] = json.dumps(profile)
    frame = pd.concat([frame, frame.iloc[[2]]], ignore_index=True)  # row 31 repeats row 3
    bad = tmp_path / "bad.csv"
    write_outcome_records(frame, bad)
    models = tmp_path / "models"
    code = main(["train", "--quiet", "--records", str(bad), "--models-dir", str(models)])
    err = capsys.readouterr().err
    assert code == 1
    assert "row 5, column 'code': unknown occupation code '99-9999.99'" in err
    assert "row 10, column 'profile_json': holds protected attribute(s) ['gender']" in err
    assert "row 31, column 'student_id': duplicate of row 3" in err
    assert "nothing was written" in err
    assert not models.exists()


def test_a_row_repeated_in_a_second_file_is_refused(exported: Path, tmp_path: Path) -> None:
    copy = tmp_path / "again.csv"
    shutil.copy(exported, copy)
    with pytest.raises(TrainingRecordsRefusedError) as caught:
        load_training_records([exported, copy], load_catalogue())
    ((name, n_rows, problems),) = caught.value.files
    assert name == str(copy)
    assert len(problems) == n_rows
    assert problems[0] == (
        1,
        "student_id",
        f"same student, code and school year as row 1 of {exported}",
    )


def test_pathway_rows_are_counted_and_left_out(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    frame = _small_frame()
    extra = frame.iloc[[0]].copy()
    extra["code_kind"], extra["code"], extra["grade"] = "pathway", catalogue.pathways[0].code, 3
    alone = frame.iloc[[0]].copy()
    alone["student_id"], alone["code_kind"] = "pathway-only-1", "pathway"
    alone["code"] = catalogue.pathways[1].code
    write_outcome_records(pd.concat([frame, extra, alone]), tmp_path / "p.csv")
    records = load_training_records([tmp_path / "p.csv"], catalogue)
    assert records.summary["pathway_rows_left_out"] == 2
    assert records.summary["students_with_only_pathway_rows_left_out"] == 1
    assert int(records.recorded.sum()) == len(frame)


def test_several_years_hold_out_the_latest_and_keep_its_students_out_of_training(
    tmp_path: Path,
) -> None:
    earlier = _small_frame(year="2024-25")
    later = _small_frame(year="2025-26").iloc[: len(earlier) // 2]
    write_outcome_records(earlier, tmp_path / "a.csv")
    write_outcome_records(later, tmp_path / "b.parquet")
    records = load_training_records([tmp_path / "a.csv", tmp_path / "b.parquet"], load_catalogue())
    train, held, rule = split_records(records, 0.2, seed=1)
    assert set(records.school_years[held]) == {"2025-2026"}
    assert set(records.school_years[train]) == {"2024-2025"}
    assert not set(records.student_ids[train]) & set(records.student_ids[held])
    assert rule["left_out_earlier_profiles_of_test_students"] == len(set(later["student_id"]))


def test_split_by_student_within_one_year_is_disjoint(exported: Path) -> None:
    records = load_training_records([exported], load_catalogue())
    train, held, _ = split_records(records, 0.25, seed=2)
    assert held.size == 150 and train.size == 450
    assert not set(records.student_ids[train]) & set(records.student_ids[held])
