"""Model versions on disk and the promotion guard shared by the service and training.

A version folder ``models/<version>/`` holds ``metrics.json`` written at training time. The guard
refuses a candidate whose held-out NDCG@10 is below the active version's, whose ONNX export failed
its parity check, or whose subgroup NDCG@10 trails the overall mean by more than
``MAX_SUBGROUP_SHORTFALL``; staff may still force it with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from recommender.errors import ModelArtifactError, UnknownModelVersionError

__all__ = [
    "CHECKED_GROUPS",
    "MAX_SUBGROUP_SHORTFALL",
    "check_promotion",
    "check_subgroups",
    "headline_ndcg",
    "is_version_name",
    "list_model_versions",
    "read_model_metrics",
]

#: A subgroup's NDCG@10 may trail the overall mean by at most this much.
MAX_SUBGROUP_SHORTFALL: Final = 0.05
#: Groups checked; each must exist in metrics.json.
CHECKED_GROUPS: Final = ("gender", "race_ethnicity", "region")


def is_version_name(name: str) -> bool:
    """True for a plain folder name (no path separators, not hidden, 1..64 characters)."""
    return 0 < len(name) <= 64 and "/" not in name and "\\" not in name and name[0] != "."


def list_model_versions(models_dir: Path) -> list[str]:
    """Model version folders (those holding metrics.json), sorted by name; [] without a folder."""
    if not models_dir.is_dir():
        return []
    return sorted(p.name for p in models_dir.iterdir() if (p / "metrics.json").is_file())


def read_model_metrics(models_dir: Path, version: str) -> dict[str, Any]:
    """metrics.json of a version (UnknownModelVersionError if absent, ModelArtifactError if bad)."""
    if not is_version_name(version):
        raise UnknownModelVersionError(version)
    file = models_dir / version / "metrics.json"
    if not file.is_file():
        raise UnknownModelVersionError(version)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelArtifactError(str(file), f"unreadable metrics: {exc}") from None
    if not isinstance(data, dict):
        raise ModelArtifactError(str(file), "metrics must be a JSON object")
    return data


def headline_ndcg(metrics: Mapping[str, Any]) -> float:
    """Held-out NDCG@10 (mean, 0..1) of the model's final ranking."""
    try:
        return float(metrics["evaluation"]["model"]["overall"]["ndcg@10"]["mean"])
    except (KeyError, TypeError, ValueError):
        raise ModelArtifactError("metrics.json", "no evaluation.model.overall.ndcg@10") from None


def check_subgroups(metrics: Mapping[str, Any]) -> list[str]:
    """Problems: missing groups, and subgroups trailing overall NDCG@10 by > the shortfall."""
    overall = headline_ndcg(metrics)
    problems: list[str] = []
    groups = metrics.get("evaluation", {}).get("model", {}).get("subgroups", {})
    for group in CHECKED_GROUPS:
        if group not in groups:
            problems.append(f"no subgroup metrics for {group}")
            continue
        for label, entry in groups[group].items():
            mean = entry.get("ndcg@10", {}).get("mean")
            if mean is not None and overall - float(mean) > MAX_SUBGROUP_SHORTFALL:
                problems.append(
                    f"{group}={label}: NDCG@10 {float(mean):.3f} trails overall {overall:.3f} "
                    f"by more than {MAX_SUBGROUP_SHORTFALL}"
                )
    return problems


def check_promotion(
    candidate: Mapping[str, Any],
    active: Mapping[str, Any] | None,
    *,
    active_version: str | None = None,
) -> list[str]:
    """Every guard the candidate fails against the active version's metrics ([] = promotable)."""
    problems = check_subgroups(candidate)
    if not candidate.get("parity", {}).get("passed", False):
        problems.append("its ONNX export did not pass the parity check")
    if active is not None:
        new, old = headline_ndcg(candidate), headline_ndcg(active)
        if new < old:
            name = active_version or "active version"
            problems.append(f"held-out NDCG@10 {new:.4f} is below the active {name}'s {old:.4f}")
    return problems
