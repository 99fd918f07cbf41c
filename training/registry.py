"""Writing the model registry: which version is active, and every promotion and rollback.

``models/registry.json`` holds ``{"active": version, "history": [event, ...]}``; an event records
the action, the version, the one it replaced, whether it was forced, the reason and a UTC time.
Promotion refuses a version whose held-out NDCG@10 is below the active one's, or whose subgroup
check fails (see ``check_subgroups``), unless forced with a reason.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recommender.errors import ModelArtifactError, PromotionRefusedError, UnknownModelVersionError
from recommender.model import DEFAULT_MODELS_DIR, read_registry
from recommender.versions import (
    CHECKED_GROUPS,
    MAX_SUBGROUP_SHORTFALL,
    check_promotion,
    check_subgroups,
    headline_ndcg,
    list_model_versions,
    read_model_metrics,
)

__all__ = [
    "CHECKED_GROUPS",
    "MAX_SUBGROUP_SHORTFALL",
    "check_subgroups",
    "headline_ndcg",
    "largest_subgroup_gap",
    "list_versions",
    "promote_version",
    "read_metrics",
    "rollback_version",
]


def list_versions(models_dir: Path = DEFAULT_MODELS_DIR) -> list[str]:
    """Model version folders (those holding metrics.json), sorted by name."""
    return list_model_versions(models_dir)


def read_metrics(models_dir: Path, version: str) -> dict[str, Any]:
    """metrics.json of one version."""
    return read_model_metrics(models_dir, version)


def largest_subgroup_gap(metrics: dict[str, Any]) -> tuple[str, float]:
    """The group with the widest spread of subgroup NDCG@10 means, and that spread."""
    groups = metrics.get("evaluation", {}).get("model", {}).get("subgroups", {})
    best = ("", 0.0)
    for group, entries in groups.items():
        means = [e["ndcg@10"]["mean"] for e in entries.values() if "ndcg@10" in e]
        means = [m for m in means if m is not None]
        if len(means) >= 2 and max(means) - min(means) > best[1]:
            best = (group, float(max(means) - min(means)))
    return best


def _write_registry(models_dir: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".registry-", suffix=".json", dir=models_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    Path(tmp).replace(models_dir / "registry.json")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _load_or_empty(models_dir: Path) -> dict[str, Any]:
    if not (models_dir / "registry.json").exists():
        return {"active": None, "history": []}
    data = read_registry(models_dir)
    data.setdefault("history", [])
    return data


def promote_version(
    version: str,
    *,
    models_dir: Path = DEFAULT_MODELS_DIR,
    force: bool = False,
    reason: str = "",
) -> dict[str, Any]:
    """Make a version active after the checks; forcing needs a reason. Returns the new registry."""
    if force and not reason.strip():
        raise PromotionRefusedError(version, ("a forced promotion needs a reason",))
    metrics = read_metrics(models_dir, version)
    if not (models_dir / version / "model.onnx").is_file():
        raise ModelArtifactError(str(models_dir / version / "model.onnx"), "model file not found")
    registry = _load_or_empty(models_dir)
    active = registry.get("active")
    if active == version:
        raise PromotionRefusedError(version, ("it is already the active version",))
    active_metrics = read_metrics(models_dir, active) if active else None
    problems = check_promotion(metrics, active_metrics, active_version=active)
    if problems and not force:
        raise PromotionRefusedError(version, tuple(problems))
    registry["history"].append(
        {
            "action": "promote",
            "version": version,
            "replaced": active,
            "forced": bool(force and problems),
            "failed_checks": problems,
            "reason": reason,
            "at": _now(),
        }
    )
    registry["active"] = version
    _write_registry(models_dir, registry)
    return registry


def rollback_version(
    *, models_dir: Path = DEFAULT_MODELS_DIR, reason: str, to: str | None = None
) -> dict[str, Any]:
    """Switch back to the version the active one replaced (or ``to``); a reason is required."""
    if not reason.strip():
        raise PromotionRefusedError(to or "<previous>", ("a rollback needs a reason",))
    registry = _load_or_empty(models_dir)
    active = registry.get("active")
    target = to
    if target is None:
        for event in reversed(registry["history"]):
            promoted = event.get("action") == "promote"
            if promoted and event.get("version") == active and event.get("replaced"):
                target = str(event["replaced"])
                break
    if target is None:
        raise PromotionRefusedError("<previous>", ("no earlier version to roll back to",))
    if not (models_dir / target / "model.onnx").is_file():
        raise UnknownModelVersionError(target)
    registry["history"].append(
        {
            "action": "rollback",
            "version": target,
            "replaced": active,
            "reason": reason,
            "at": _now(),
        }
    )
    registry["active"] = target
    _write_registry(models_dir, registry)
    return registry
