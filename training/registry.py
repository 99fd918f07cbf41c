"""What training needs of the model registry: the subgroup figure the model card prints.

Training writes a new version folder and never changes which version is active. The active
version lives in the database (``service.state``) and is moved by ``service.model_ops`` (the API,
the staff pages, ``pathways models promote|rollback`` and ``pathways train --promote``);
``models/registry.json`` only seeds a new database. Listing versions, reading their metrics and
the promotion guard are ``recommender.versions``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["largest_subgroup_gap"]


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
