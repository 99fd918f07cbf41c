"""Audits of a ranking across students: subgroup metrics and nontraditional exposure by gender.

Subgroups: each per-student metric's mean and bootstrap interval within each label's students;
groups smaller than ``min_group_size`` report only their size. Exposure: the share of students
whose top k holds an item nontraditional for their gender, per system and gender.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recommender.errors import InvalidArrayError
from training.metrics import (
    FloatArray,
    IntArray,
    bootstrap_mean_ci,
    cutoff,
    rank_items,
    scores_matrix,
)

__all__ = [
    "MISSING_LABEL",
    "audit_exposure",
    "nontraditional_exposure",
    "subgroup_metrics",
]

#: Per-student labels (strings, or None/NaN/"" for missing).
Labels = npt.ArrayLike | Sequence[object]

#: Label used for students whose subgroup label is missing (None, NaN or empty).
MISSING_LABEL: Final = "(missing)"


# ----------------------------------------------------------------------------------- subgroups


def label_strings(name: str, labels: Labels, m: int) -> npt.NDArray[np.str_]:
    """Return labels as strings (m,), with missing values as ``MISSING_LABEL``."""
    raw = np.asarray(labels, dtype=object)
    if raw.shape != (m,):
        raise InvalidArrayError(name, f"expected {m} labels (one per student), got {raw.shape}")
    text = [
        MISSING_LABEL
        if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""
        else str(v)
        for v in raw
    ]
    return np.array(text, dtype=str) if text else np.array([], dtype=str)


def subgroup_metrics(
    per_student: Mapping[str, npt.ArrayLike],
    labels: Labels,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    min_group_size: int = 10,
    group_name: str = "group",
) -> dict[str, dict[str, Any]]:
    """Mean and bootstrap interval of each per-student metric within each label's students.

    Groups are sorted by label; a group with fewer than ``min_group_size`` students reports only
    its size (``"suppressed": true``), so small groups are neither over-read nor identifiable.
    """
    arrays = {name: np.asarray(v, dtype=np.float64).ravel() for name, v in per_student.items()}
    sizes = {a.shape[0] for a in arrays.values()}
    if len(sizes) > 1:
        raise InvalidArrayError("per_student", f"metric arrays differ in length: {sorted(sizes)}")
    m = sizes.pop() if sizes else np.asarray(labels, dtype=object).shape[0]
    text = label_strings(group_name, labels, m)
    result: dict[str, dict[str, Any]] = {}
    for label in sorted(set(text.tolist())):
        members = text == label
        size = int(members.sum())
        entry: dict[str, Any] = {"n_students": size}
        if size < min_group_size:
            entry["suppressed"] = True
        else:
            for name, values in arrays.items():
                entry[name] = bootstrap_mean_ci(
                    values[members],
                    n_resamples,
                    confidence,
                    seed,
                    stream=(group_name, label, name),
                ).to_dict()
        result[label] = entry
    return result


# ------------------------------------------------------------------------------------ exposure


def nontraditional_exposure(
    scores: npt.ArrayLike,
    genders: Labels,
    nontraditional_for: Mapping[str, npt.ArrayLike],
    k: int = 10,
) -> FloatArray:
    """Per student: 1.0 if the top k holds an item nontraditional for their gender, else 0.0.

    ``nontraditional_for[g]`` is an (n,) bool array; students whose gender is not a key get NaN.
    """
    array = scores_matrix("scores", scores)
    return exposure_from_order(rank_items(array), array.shape, genders, nontraditional_for, k)


def exposure_from_order(
    order: IntArray,
    shape: tuple[int, ...],
    genders: Labels,
    nontraditional_for: Mapping[str, npt.ArrayLike],
    k: int,
) -> FloatArray:
    """Nontraditional exposure from a precomputed ranking."""
    m, n = shape
    labels = label_strings("genders", genders, m)
    k = cutoff(k, n) if n else 0
    top = order[:, :k]
    result = np.full(m, np.nan)
    for gender, flags in nontraditional_for.items():
        mask = np.asarray(flags)
        if mask.shape != (n,) or mask.dtype != np.bool_:
            raise InvalidArrayError(
                f"nontraditional_for[{gender!r}]",
                f"expected a bool array of shape ({n},), got {mask.dtype} {mask.shape}",
            )
        members = labels == gender
        result[members] = mask[top[members]].any(axis=1).astype(np.float64)
    return result


def audit_exposure(
    scores_by_system: Mapping[str, npt.ArrayLike],
    genders: Labels,
    nontraditional_for: Mapping[str, npt.ArrayLike],
    k: int = 10,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    min_group_size: int = 10,
) -> dict[str, Any]:
    """Share of students whose top k includes a nontraditional item, per system and gender."""
    systems: dict[str, Any] = {}
    for system, scores in scores_by_system.items():
        array = scores_matrix(f"scores[{system!r}]", scores)
        systems[system] = exposure_summary(
            exposure_from_order(rank_items(array), array.shape, genders, nontraditional_for, k),
            genders,
            n_resamples=n_resamples,
            confidence=confidence,
            seed=seed,
            min_group_size=min_group_size,
        )
    return {"k": k, "genders": sorted(nontraditional_for), "systems": systems}


def exposure_summary(
    exposure: FloatArray,
    genders: Labels,
    *,
    n_resamples: int,
    confidence: float,
    seed: int,
    min_group_size: int,
) -> dict[str, Any]:
    """Overall and per-gender share with intervals from a per-student exposure array."""
    by_gender = subgroup_metrics(
        {"share": exposure},
        genders,
        n_resamples=n_resamples,
        confidence=confidence,
        seed=seed,
        min_group_size=min_group_size,
        group_name="exposure",
    )
    overall = bootstrap_mean_ci(exposure, n_resamples, confidence, seed, stream=("exposure",))
    return {"overall": overall.to_dict(), "by_gender": by_gender}
