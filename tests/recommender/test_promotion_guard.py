"""The promotion guard on version folders: what promotion refuses and what listings show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from recommender.errors import ModelArtifactError, UnknownModelVersionError
from recommender.versions import check_promotion, guard_failures, promotion_problems
from tests.recommender.test_versions import metrics


def write_version(models: Path, name: str, content: Any) -> None:
    """A version folder holding only ``metrics.json`` (the guard reads nothing else)."""
    (models / name).mkdir(parents=True)
    text = content if isinstance(content, str) else json.dumps(content)
    (models / name / "metrics.json").write_text(text, encoding="utf-8")


@pytest.fixture
def models(tmp_path: Path) -> Path:
    write_version(tmp_path, "active", metrics(0.30))
    write_version(tmp_path, "better", metrics(0.32))
    write_version(tmp_path, "worse", metrics(0.25))
    write_version(tmp_path, "unfair", metrics(0.40, groups={"gender": 0.30}))
    write_version(tmp_path, "noparity", metrics(0.35, parity=False))
    write_version(tmp_path, "garbled", "{not json")
    write_version(tmp_path, "headless", {"parity": {"passed": True}})
    return tmp_path


def test_a_better_version_passes_and_a_first_version_is_judged_alone(models: Path) -> None:
    assert promotion_problems(models, "better", "active") == []
    assert promotion_problems(models, "worse", None) == []  # nothing active to compare with
    assert promotion_problems(models, "unfair", None) != []  # its own checks still apply


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("worse", "held-out NDCG@10 0.2500 is below the active active's 0.3000"),
        ("unfair", "gender=female"),
        ("noparity", "parity check"),
        ("headless", "lack the headline figure"),
    ],
)
def test_each_failing_version_names_its_check(models: Path, version: str, expected: str) -> None:
    problems = promotion_problems(models, version, "active")
    assert any(expected in p for p in problems), problems


def test_the_result_is_the_pure_guard_on_the_two_files(models: Path) -> None:
    for version in ("better", "worse", "unfair", "noparity"):
        candidate = json.loads((models / version / "metrics.json").read_text())
        current = json.loads((models / "active" / "metrics.json").read_text())
        expected = check_promotion(candidate, current, active_version="active")
        assert promotion_problems(models, version, "active") == expected


def test_unreadable_active_metrics_are_a_failed_check_not_an_error(models: Path) -> None:
    problems = promotion_problems(models, "better", "garbled")
    assert any("active version's metrics cannot be read" in p for p in problems)
    assert any("metrics cannot be read" in p for p in promotion_problems(models, "better", "gone"))


def test_a_candidate_without_readable_metrics_raises(models: Path) -> None:
    with pytest.raises(UnknownModelVersionError):
        promotion_problems(models, "gone", "active")
    with pytest.raises(UnknownModelVersionError):
        promotion_problems(models, "../active", "active")
    with pytest.raises(ModelArtifactError, match="unreadable metrics"):
        promotion_problems(models, "garbled", "active")


def test_listings_show_no_checks_for_the_active_version_and_errors_as_checks(
    models: Path,
) -> None:
    assert guard_failures(models, "worse", "worse") == []
    assert guard_failures(models, "worse", "active") == promotion_problems(
        models, "worse", "active"
    )
    (garbled,) = guard_failures(models, "garbled", "active")
    assert garbled.startswith("its metrics cannot be compared") and "garbled" in garbled
