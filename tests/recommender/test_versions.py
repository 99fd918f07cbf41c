"""The promotion guard and version reading shared by the service and training."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from recommender.errors import ModelArtifactError, UnknownModelVersionError
from recommender.versions import (
    check_promotion,
    is_version_name,
    list_model_versions,
    read_model_metrics,
)
from tests.benchmark_results import benchmarks


def metrics(
    overall: float,
    groups: dict[str, float] | None = None,
    parity: bool = True,
    bench: dict[str, Any] | None = None,
) -> Any:
    """Metrics with one subgroup entry per checked group (all at ``overall`` unless given) and
    benchmarks that meet every limit unless given."""
    labels = {"gender": "female", "race_ethnicity": "black", "region": "2800005"}
    groups = groups or {}
    return {
        "parity": {"passed": parity},
        "benchmarks": bench if bench is not None else benchmarks(),
        "evaluation": {
            "model": {
                "overall": {"ndcg@10": {"mean": overall}},
                "subgroups": {
                    group: {label: {"ndcg@10": {"mean": groups.get(group, overall)}}}
                    for group, label in labels.items()
                },
            }
        },
    }


def test_an_equal_or_better_candidate_passes_and_a_first_one_needs_no_comparison() -> None:
    assert check_promotion(metrics(0.30), metrics(0.30)) == []
    assert check_promotion(metrics(0.31), metrics(0.30)) == []
    assert check_promotion(metrics(0.10), None) == []


def test_each_failed_guard_is_named() -> None:
    worse = check_promotion(metrics(0.29), metrics(0.30), active_version="v1")
    assert worse == ["held-out NDCG@10 0.2900 is below the active v1's 0.3000"]
    assert check_promotion(metrics(0.30, parity=False), None) == [
        "its ONNX export did not pass the parity check"
    ]
    gap = check_promotion(metrics(0.30, {"region": 0.24}), None)
    assert len(gap) == 1 and gap[0].startswith("region=2800005")
    assert check_promotion(metrics(0.30, {"region": 0.26}), None) == []  # within 0.05
    no_groups = metrics(0.30)
    del no_groups["evaluation"]["model"]["subgroups"]["gender"]
    assert check_promotion(no_groups, None) == ["no subgroup metrics for gender"]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"fit_hit_diff": (-0.01, 0.05)}, "fit_only hit@10 is not above congruence"),
        ({"served_distinct": 600}, "served shows 600 distinct occupations, fewer than 640"),
        ({"served_top_share": 0.12}, "Welders is in 12% of served top-10 lists"),
        ({"structure_never": 101}, "101 occupations never in a served top 10"),
        ({"structure_top_share": 0.06}, "6.0% of served top-10 lists (limit 5%)"),
        ({"fit_ndcg": 0.1}, "below the plain interest cosine's 0.200"),
    ],
)
def test_each_benchmark_limit_is_named_when_it_fails(changes: dict[str, Any], named: str) -> None:
    problems = check_promotion(metrics(0.30, bench=benchmarks(**changes)), None)
    assert len(problems) == 1 and named in problems[0]


def test_a_field_below_random_and_missing_benchmarks_are_refused() -> None:
    bench = benchmarks()
    bench["people"]["fields"]["law"]["hit@10"]["served"] = 0.1
    assert check_promotion(metrics(0.30, bench=bench), None) == [
        "real people: served hit@10 below random in law"
    ]
    bare = metrics(0.30)
    del bare["benchmarks"]
    assert check_promotion(bare, None) == ["no real-people and structure benchmarks in its metrics"]


def test_metrics_without_the_headline_figure_are_an_artifact_error() -> None:
    with pytest.raises(ModelArtifactError):
        check_promotion({"evaluation": {}, "benchmarks": benchmarks()}, None)


@pytest.mark.parametrize("name", ["", ".hidden", "../models", "a/b", "a\\b", "x" * 65])
def test_path_like_version_names_are_refused(name: str, tmp_path: Path) -> None:
    assert not is_version_name(name)
    with pytest.raises(UnknownModelVersionError):
        read_model_metrics(tmp_path, name)


def test_versions_are_folders_with_metrics_and_bad_metrics_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "2026.2").mkdir()
    (tmp_path / "2026.2" / "metrics.json").write_text(json.dumps(metrics(0.3)))
    (tmp_path / "2026.1").mkdir()
    (tmp_path / "2026.1" / "metrics.json").write_text("{not json")
    (tmp_path / "notes").mkdir()
    assert list_model_versions(tmp_path) == ["2026.1", "2026.2"]
    assert list_model_versions(tmp_path / "absent") == []
    assert read_model_metrics(tmp_path, "2026.2")["parity"] == {"passed": True}
    with pytest.raises(ModelArtifactError, match=r"2026\.1"):
        read_model_metrics(tmp_path, "2026.1")
    with pytest.raises(UnknownModelVersionError):
        read_model_metrics(tmp_path, "notes")
