"""Evaluation of rankings: model and baselines against graded outcomes, in one metrics dict.

``evaluate_rankings`` ranks each system once and assembles the ranking metrics with bootstrap
intervals (``training.metrics``), subgroup and exposure audits (``training.audits``), the oracle
and calibration (``training.calibration``) into the JSON-safe dict that metrics.json holds under
"evaluation"; ``training.report`` renders it for the model card. The conventions are in
``training.metrics`` (and in every metrics dict under ``"conventions"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy.typing as npt

from recommender.errors import InvalidArrayError
from training.audits import Labels, exposure_from_order, exposure_summary, subgroup_metrics
from training.calibration import brier_score, reliability_curve
from training.metrics import (
    RELEVANCE_THRESHOLD,
    FloatArray,
    IntArray,
    bootstrap_mean_ci,
    coverage_from_order,
    grades_matrix,
    json_float,
    ndcg_from_order,
    rank_items,
    recall_from_order,
    reciprocal_rank_from_order,
    scores_matrix,
)

__all__ = ["CONVENTIONS", "evaluate_rankings"]

CONVENTIONS: Final[Mapping[str, str]] = {
    "gain": "2**grade - 1",
    "discount": "1 / log2(rank + 1), rank from 1",
    "relevance": f"grade >= {RELEVANCE_THRESHOLD}",
    "ties": "equal scores rank the lower item index first (stable sort)",
    "empty": (
        "NDCG undefined (left out of means) when all grades are 0; recall and reciprocal rank "
        "undefined when no item is relevant"
    ),
    "intervals": "percentile bootstrap over students, seeded",
}


def _system_metrics(
    scores: FloatArray,
    grades: FloatArray,
    groups: Mapping[str, Labels],
    *,
    name: str,
    ks: Sequence[int],
    threshold: float,
    coverage_k: int,
    n_resamples: int,
    confidence: float,
    seed: int,
    min_group_size: int,
) -> tuple[dict[str, Any], IntArray]:
    """Overall, coverage and subgroup metrics of one system, and its ranking for reuse."""
    order = rank_items(scores)
    per_student: dict[str, FloatArray] = {}
    for k in ks:
        per_student[f"ndcg@{k}"] = ndcg_from_order(grades, order, k)
    recall_k = max(ks)
    per_student[f"recall@{recall_k}"] = recall_from_order(grades, order, recall_k, threshold)
    per_student["mrr"] = reciprocal_rank_from_order(grades, order, None, threshold)
    overall = {
        metric: bootstrap_mean_ci(
            values, n_resamples, confidence, seed, stream=(name, "overall", metric)
        ).to_dict()
        for metric, values in per_student.items()
    }
    subgroups = {
        group: subgroup_metrics(
            per_student,
            labels,
            n_resamples=n_resamples,
            confidence=confidence,
            seed=seed,
            min_group_size=min_group_size,
            group_name=f"{name}/{group}",
        )
        for group, labels in groups.items()
    }
    coverage = coverage_from_order(order, coverage_k, scores.shape[1])
    return {
        "overall": overall,
        f"coverage@{coverage_k}": json_float(coverage),
        "subgroups": subgroups,
    }, order


def evaluate_rankings(
    scores: npt.ArrayLike,
    grades: npt.ArrayLike,
    groups: Mapping[str, Labels] | None = None,
    *,
    baselines: Mapping[str, npt.ArrayLike] | None = None,
    true_relevance: npt.ArrayLike | None = None,
    probabilities: npt.ArrayLike | None = None,
    nontraditional_for: Mapping[str, npt.ArrayLike] | None = None,
    gender_group: str = "gender",
    ks: Sequence[int] = (5, 10),
    threshold: float = RELEVANCE_THRESHOLD,
    coverage_k: int = 10,
    n_bins: int = 10,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    min_group_size: int = 10,
) -> dict[str, Any]:
    """Evaluate model scores (m, n) against grades (m, n); return a JSON-safe metrics dict.

    ``groups`` maps a grouping name (e.g. "gender", "race_ethnicity", "region") to (m,) labels;
    ``baselines`` maps a baseline name to its (m, n) scores, evaluated the same way;
    ``true_relevance`` (m, n) adds the oracle NDCG; ``probabilities`` (m, n) in [0, 1] adds
    calibration against grade >= threshold; ``nontraditional_for`` adds the exposure audit
    using ``groups[gender_group]``. Deterministic for a given ``seed``.
    """
    model = scores_matrix("scores", scores)
    graded = grades_matrix(grades, model.shape)
    groups = dict(groups or {})
    if not ks:
        raise InvalidArrayError("ks", "give at least one cut-off")

    orders: dict[str, IntArray] = {}

    def measure(name: str, system: FloatArray) -> dict[str, Any]:
        summary, order = _system_metrics(
            system,
            graded,
            groups,
            name=name,
            ks=tuple(ks),
            threshold=threshold,
            coverage_k=coverage_k,
            n_resamples=n_resamples,
            confidence=confidence,
            seed=seed,
            min_group_size=min_group_size,
        )
        orders[name] = order[:, :coverage_k].copy()  # only the top lists are needed later
        return summary

    result: dict[str, Any] = {
        "conventions": {**CONVENTIONS, "relevance": f"grade >= {threshold:g}"},
        "n_students": int(model.shape[0]),
        "n_items": int(model.shape[1]),
        "n_students_with_outcome": int((graded > 0).any(axis=1).sum()),
        "n_students_with_relevant": int((graded >= threshold).any(axis=1).sum()),
        "settings": {
            "ks": list(ks),
            "coverage_k": coverage_k,
            "n_resamples": n_resamples,
            "confidence": confidence,
            "seed": seed,
            "min_group_size": min_group_size,
        },
        "model": measure("model", model),
        "baselines": {},
    }
    for name, values in (baselines or {}).items():
        array = scores_matrix(f"baselines[{name!r}]", values)
        if name == "model":
            raise InvalidArrayError(
                "baselines", "'model' names the model; give the baseline another"
            )
        if array.shape != model.shape:
            raise InvalidArrayError(
                f"baselines[{name!r}]", f"expected shape {model.shape}, got {array.shape}"
            )
        result["baselines"][name] = measure(name, array)
    if true_relevance is not None:
        truth = scores_matrix("true_relevance", true_relevance)
        if truth.shape != model.shape:
            raise InvalidArrayError(
                "true_relevance", f"expected shape {model.shape}, got {truth.shape}"
            )
        truth_order = rank_items(truth)
        result["oracle"] = {
            f"ndcg@{k}": bootstrap_mean_ci(
                ndcg_from_order(graded, truth_order, k),
                n_resamples,
                confidence,
                seed,
                stream=("oracle", str(k)),
            ).to_dict()
            for k in ks
        }
    if probabilities is not None:
        outcome = graded >= threshold
        curve = reliability_curve(probabilities, outcome, n_bins)
        result["calibration"] = {
            "target": f"grade >= {threshold:g}",
            "brier": json_float(brier_score(probabilities, outcome)),
            "base_rate": json_float(float(outcome.mean()) if outcome.size else float("nan")),
            "reliability": curve.to_dict(),
        }
    if nontraditional_for is not None:
        if gender_group not in groups:
            raise InvalidArrayError(
                "groups", f"the exposure audit needs gender labels under {gender_group!r}"
            )
        genders = groups[gender_group]
        result["exposure"] = {
            "k": coverage_k,
            "genders": sorted(nontraditional_for),
            "systems": {
                name: exposure_summary(
                    exposure_from_order(
                        order, model.shape, genders, nontraditional_for, coverage_k
                    ),
                    genders,
                    n_resamples=n_resamples,
                    confidence=confidence,
                    seed=seed,
                    min_group_size=min_group_size,
                )
                for name, order in orders.items()
            },
        }
    return result
