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

#: A subgroup's NDCG@10 may trail the overall mean by at most this much.
MAX_SUBGROUP_SHORTFALL = 0.05
#: Groups checked; each must exist in metrics.json.
CHECKED_GROUPS = ("gender", "race_ethnicity", "region")


def list_versions(models_dir: Path = DEFAULT_MODELS_DIR) -> list[str]:
    """Model version folders (those holding metrics.json), sorted by name."""
    if not models_dir.is_dir():
        return []
    return sorted(p.name for p in models_dir.iterdir() if (p / "metrics.json").is_file())


def read_metrics(models_dir: Path, version: str) -> dict[str, Any]:
    """metrics.json of one version."""
    file = models_dir / version / "metrics.json"
    if not file.is_file():
        raise UnknownModelVersionError(version)
    try:
        data: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelArtifactError(str(file), f"unreadable metrics: {exc}") from None
    return data


def headline_ndcg(metrics: dict[str, Any]) -> float:
    """Held-out NDCG@10 (mean) of the model's final ranking."""
    try:
        return float(metrics["evaluation"]["model"]["overall"]["ndcg@10"]["mean"])
    except (KeyError, TypeError):
        raise ModelArtifactError("metrics.json", "no evaluation.model.overall.ndcg@10") from None


def check_subgroups(metrics: dict[str, Any]) -> list[str]:
    """Problems: subgroups whose NDCG@10 trails the overall mean by > MAX_SUBGROUP_SHORTFALL."""
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
    problems = check_subgroups(metrics)
    if not metrics.get("parity", {}).get("passed", False):
        problems.append("its ONNX export did not pass the parity check")
    if active:
        new, old = headline_ndcg(metrics), headline_ndcg(read_metrics(models_dir, active))
        if new < old:
            problems.append(f"held-out NDCG@10 {new:.4f} is below the active {active}'s {old:.4f}")
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
