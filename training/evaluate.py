"""Ranking metrics, calibration, subgroup and exposure audits for Pathways models and baselines.

One argument convention for every ranking metric: ``(scores, grades, k)`` where ``scores`` is an
(m, n) array — m students, n items (occupations or pathways) in a fixed order, higher = ranked
first — and ``grades`` the (m, n) graded outcomes on the outcome-record scale (0 none, 1 explored,
2 chosen/shadowed, 3 enrolled/hired/stayed; any non-negative number is accepted, e.g. a latent
relevance). Per-student metric functions return an (m,) float64 array; NaN marks a student the
metric is undefined for, and means are taken over the other students.

Conventions (also in docs/evaluation.md and in every metrics dict under ``"conventions"``):

* gain of a grade g is 2**g - 1 (0, 1, 3, 7 for grades 0-3), discount 1 / log2(rank + 1);
* an item is *relevant* when its grade is >= 2 (``RELEVANCE_THRESHOLD``);
* ties in scores rank the lower item index first (a stable sort); NaN scores are rejected;
* NDCG is NaN for a student whose grades are all 0; recall and reciprocal rank are NaN for a
  student with no relevant item; such students are left out of the means and counted in ``n``;
* a cut-off k larger than n is treated as n.
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt

from recommender.errors import InvalidArrayError
from recommender.files import READABLE, write_atomic

__all__ = [
    "MISSING_LABEL",
    "RELEVANCE_THRESHOLD",
    "MeanInterval",
    "ReliabilityCurve",
    "audit_exposure",
    "bootstrap_mean_ci",
    "brier_score",
    "catalogue_coverage",
    "evaluate_rankings",
    "gain_from_grade",
    "ndcg_at_k",
    "nontraditional_exposure",
    "oracle_ndcg_at_k",
    "rank_items",
    "recall_at_k",
    "reciprocal_rank",
    "reliability_curve",
    "render_metrics_markdown",
    "render_reliability_svg",
    "subgroup_metrics",
    "write_reliability_svg",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
#: Per-student labels (strings, or None/NaN/"" for missing).
Labels = npt.ArrayLike | Sequence[object]

#: Grade at or above which an item counts as relevant (chosen in the plan or job shadow done).
RELEVANCE_THRESHOLD: Final = 2
#: Label used for students whose subgroup label is missing (None, NaN or empty).
MISSING_LABEL: Final = "(missing)"

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


# --------------------------------------------------------------------------- validation helpers


def _scores_matrix(name: str, scores: npt.ArrayLike) -> FloatArray:
    """Return (m, n) float64 scores; NaN is rejected, infinities allowed."""
    array = np.asarray(scores, dtype=np.float64)
    if array.ndim != 2:
        raise InvalidArrayError(name, f"expected an (m, n) array, got shape {array.shape}")
    nan = np.argwhere(np.isnan(array))
    if nan.size:
        row, col = (int(v) for v in nan[0])
        raise InvalidArrayError(name, f"NaN at student {row}, item {col}; {len(nan)} in all")
    return array


def _grades_matrix(grades: npt.ArrayLike, shape: tuple[int, ...]) -> FloatArray:
    """Return (m, n) float64 grades matching ``shape``; each must be finite and >= 0."""
    array = np.asarray(grades, dtype=np.float64)
    if array.shape != shape:
        raise InvalidArrayError("grades", f"expected shape {shape} like scores, got {array.shape}")
    bad = np.argwhere(~np.isfinite(array) | (array < 0))
    if bad.size:
        row, col = (int(v) for v in bad[0])
        raise InvalidArrayError(
            "grades",
            f"value {array[row, col]!r} at student {row}, item {col} is not a finite "
            f"number >= 0; {len(bad)} in all",
        )
    return array


def _cutoff(k: int, n: int) -> int:
    """Return k clipped to n, rejecting k < 1."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InvalidArrayError("k", f"cut-off must be a whole number >= 1, got {k!r}")
    return min(int(k), n)


# ------------------------------------------------------------------------------- ranking metrics


def gain_from_grade(grades: npt.ArrayLike) -> FloatArray:
    """Return the exponential gain 2**g - 1 of each grade g >= 0 (grades 0-3 -> 0, 1, 3, 7)."""
    return np.exp2(np.asarray(grades, dtype=np.float64)) - 1.0


def rank_items(scores: npt.ArrayLike) -> IntArray:
    """Return (m, n) item indices, best first; equal scores keep the lower index first."""
    array = _scores_matrix("scores", scores)
    return np.argsort(-array, axis=1, kind="stable")


def _ranked(grades: FloatArray, order: IntArray, k: int) -> FloatArray:
    """Return the grades of each student's top-k items in ranked order, (m, k)."""
    return np.take_along_axis(grades, order[:, :k], axis=1)


def _discounts(k: int) -> FloatArray:
    """Return 1 / log2(rank + 1) for ranks 1..k."""
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def _ndcg_from_order(grades: FloatArray, order: IntArray, k: int) -> FloatArray:
    """NDCG@k from a precomputed ranking; NaN where every grade is 0."""
    k = _cutoff(k, grades.shape[1])
    discounts = _discounts(k)
    dcg = gain_from_grade(_ranked(grades, order, k)) @ discounts
    ideal = -np.sort(-grades, axis=1)[:, :k]
    idcg = gain_from_grade(ideal) @ discounts
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1.0), np.nan)


def _recall_from_order(grades: FloatArray, order: IntArray, k: int, threshold: float) -> FloatArray:
    """Recall@k from a precomputed ranking; NaN where no item is relevant."""
    k = _cutoff(k, grades.shape[1])
    hits = (_ranked(grades, order, k) >= threshold).sum(axis=1)
    relevant = (grades >= threshold).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(relevant > 0, hits / np.maximum(relevant, 1), np.nan)


def _reciprocal_rank_from_order(
    grades: FloatArray, order: IntArray, k: int | None, threshold: float
) -> FloatArray:
    """1 / rank of the first relevant item (0 beyond k); NaN where no item is relevant."""
    n = grades.shape[1]
    cut = n if k is None else _cutoff(k, n)
    relevant = np.take_along_axis(grades, order, axis=1) >= threshold
    has_any = relevant.any(axis=1)
    first = relevant.argmax(axis=1)
    rr = np.where(first < cut, 1.0 / (first + 1.0), 0.0)
    return np.where(has_any, rr, np.nan)


def ndcg_at_k(scores: npt.ArrayLike, grades: npt.ArrayLike, k: int) -> FloatArray:
    """Per-student NDCG@k in [0, 1] with gain 2**g - 1; NaN for a student whose grades are all 0."""
    array = _scores_matrix("scores", scores)
    graded = _grades_matrix(grades, array.shape)
    return _ndcg_from_order(graded, rank_items(array), k)


def oracle_ndcg_at_k(true_relevance: npt.ArrayLike, grades: npt.ArrayLike, k: int) -> FloatArray:
    """Per-student NDCG@k of ranking by the latent true relevance (m, n) against observed grades.

    This is the ceiling a model can reach when outcomes are noisy draws from the true relevance.
    """
    return ndcg_at_k(true_relevance, grades, k)


def recall_at_k(
    scores: npt.ArrayLike,
    grades: npt.ArrayLike,
    k: int,
    threshold: float = RELEVANCE_THRESHOLD,
) -> FloatArray:
    """Per-student share of relevant items (grade >= threshold) in the top k; NaN if none."""
    array = _scores_matrix("scores", scores)
    graded = _grades_matrix(grades, array.shape)
    return _recall_from_order(graded, rank_items(array), k, threshold)


def reciprocal_rank(
    scores: npt.ArrayLike,
    grades: npt.ArrayLike,
    k: int | None = None,
    threshold: float = RELEVANCE_THRESHOLD,
) -> FloatArray:
    """Per-student 1/rank of the first relevant item, 0 if beyond k; NaN if no item is relevant.

    The mean of this array over students is the MRR (k=None: the whole list).
    """
    array = _scores_matrix("scores", scores)
    graded = _grades_matrix(grades, array.shape)
    return _reciprocal_rank_from_order(graded, rank_items(array), k, threshold)


def catalogue_coverage(scores: npt.ArrayLike, k: int = 10) -> float:
    """Share of the n items that appear in at least one student's top k, in [0, 1]."""
    array = _scores_matrix("scores", scores)
    return _coverage_from_order(rank_items(array), k, array.shape[1])


def _coverage_from_order(order: IntArray, k: int, n: int) -> float:
    """Coverage of the top-k lists of a precomputed ranking."""
    if n == 0:
        return float("nan")
    k = _cutoff(k, n)
    seen = np.zeros(n, dtype=bool)
    seen[order[:, :k].ravel()] = True
    return float(seen.mean())


# ---------------------------------------------------------------------------------- calibration


def _probability_pairs(
    probabilities: npt.ArrayLike, outcomes: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Return flattened probabilities in [0, 1] and 0/1 outcomes of the same shape."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(outcomes)
    if p.shape != y.shape:
        raise InvalidArrayError("outcomes", f"expected shape {p.shape}, got {y.shape}")
    p = p.ravel()
    y_flat = y.ravel().astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(p) | (p < 0) | (p > 1))
    if bad.size:
        raise InvalidArrayError(
            "probabilities",
            f"value {p[bad[0]]!r} at flat index {int(bad[0])} is outside [0, 1]; {bad.size} in all",
        )
    bad = np.flatnonzero((y_flat != 0) & (y_flat != 1))
    if bad.size:
        raise InvalidArrayError(
            "outcomes", f"value {y_flat[bad[0]]!r} at flat index {int(bad[0])} is not 0/1"
        )
    return p, y_flat


def brier_score(probabilities: npt.ArrayLike, outcomes: npt.ArrayLike) -> float:
    """Mean squared gap between probabilities in [0, 1] and 0/1 outcomes: 0 perfect, 1 worst."""
    p, y = _probability_pairs(probabilities, outcomes)
    if p.size == 0:
        return float("nan")
    return float(np.mean((p - y) ** 2))


@dataclass(frozen=True)
class ReliabilityCurve:
    """Equal-width probability bins: edges, mean prediction, observed rate and count per bin.

    Bin i holds probabilities in [lower_i, upper_i), the last bin also holds 1.0. Empty bins have
    NaN mean and rate and count 0.
    """

    lower: tuple[float, ...]
    upper: tuple[float, ...]
    mean_predicted: tuple[float, ...]
    observed_rate: tuple[float, ...]
    count: tuple[int, ...]

    @property
    def expected_calibration_error(self) -> float:
        """Count-weighted mean |observed rate - mean prediction| over non-empty bins, in [0, 1]."""
        total = sum(self.count)
        if total == 0:
            return float("nan")
        return sum(
            c * abs(o - p)
            for c, o, p in zip(self.count, self.observed_rate, self.mean_predicted, strict=True)
            if c
        ) / float(total)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReliabilityCurve:
        """Rebuild a curve from ``to_dict`` output (None -> NaN)."""

        def floats(key: str) -> tuple[float, ...]:
            return tuple(np.nan if v is None else float(v) for v in data[key])

        return cls(
            lower=floats("lower"),
            upper=floats("upper"),
            mean_predicted=floats("mean_predicted"),
            observed_rate=floats("observed_rate"),
            count=tuple(int(c) for c in data["count"]),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the curve as JSON-safe lists (NaN -> None)."""
        return {
            "lower": list(self.lower),
            "upper": list(self.upper),
            "mean_predicted": [_json_float(v) for v in self.mean_predicted],
            "observed_rate": [_json_float(v) for v in self.observed_rate],
            "count": list(self.count),
            "expected_calibration_error": _json_float(self.expected_calibration_error),
        }


def reliability_curve(
    probabilities: npt.ArrayLike, outcomes: npt.ArrayLike, n_bins: int = 10
) -> ReliabilityCurve:
    """Bin probabilities into n_bins equal-width bins on [0, 1]; compare with 0/1 outcomes."""
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 1:
        raise InvalidArrayError("n_bins", f"must be a whole number >= 1, got {n_bins!r}")
    p, y = _probability_pairs(probabilities, outcomes)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.minimum((p * n_bins).astype(np.intp), n_bins - 1)
    count = np.bincount(index, minlength=n_bins)
    sum_p = np.bincount(index, weights=p, minlength=n_bins)
    sum_y = np.bincount(index, weights=y, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.where(count > 0, sum_p / np.maximum(count, 1), np.nan)
        rate = np.where(count > 0, sum_y / np.maximum(count, 1), np.nan)
    return ReliabilityCurve(
        lower=tuple(float(v) for v in edges[:-1]),
        upper=tuple(float(v) for v in edges[1:]),
        mean_predicted=tuple(float(v) for v in mean_p),
        observed_rate=tuple(float(v) for v in rate),
        count=tuple(int(v) for v in count),
    )


def render_reliability_svg(curve: ReliabilityCurve, title: str = "Reliability") -> str:
    """Return a self-contained SVG (480x400 px) of the reliability curve with bin counts below."""
    width, height = 480, 400
    left, top, size = 60, 40, 260  # square plot area: x = predicted, y = observed
    bars_top, bars_height = top + size + 40, 50

    def x(v: float) -> float:
        return left + v * size

    def y(v: float) -> float:
        return top + (1.0 - v) * size

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="{top - 15}" font-size="14">{escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="none" stroke="#444"/>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{top + size + 16}" text-anchor="middle">{tick:g}</text>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>'
        )
    parts.append(
        f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(1):.1f}" y2="{y(1):.1f}" '
        'stroke="#999" stroke-dasharray="4 4"/>'
    )
    points = [
        (x(p), y(o))
        for p, o, c in zip(curve.mean_predicted, curve.observed_rate, curve.count, strict=True)
        if c
    ]
    if points:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f5f9f" stroke-width="2"/>')
        parts.extend(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="#1f5f9f"/>' for px, py in points
        )
    parts.append(
        f'<text x="{left + size / 2:.1f}" y="{top + size + 32}" text-anchor="middle">'
        "mean predicted probability</text>"
    )
    parts.append(
        f'<text x="15" y="{top + size / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 15 {top + size / 2:.1f})">observed rate</text>'
    )
    biggest = max(curve.count, default=0)
    for lower, upper, count in zip(curve.lower, curve.upper, curve.count, strict=True):
        bar = 0.0 if biggest == 0 else bars_height * count / biggest
        parts.append(
            f'<rect x="{x(lower):.1f}" y="{bars_top + bars_height - bar:.1f}" '
            f'width="{(upper - lower) * size:.1f}" height="{bar:.1f}" fill="#bbb" stroke="white"/>'
        )
    parts.append(
        f'<text x="{left + size + 10}" y="{bars_top + bars_height:.1f}">pairs per bin '
        f"(max {biggest})</text>"
    )
    ece = curve.expected_calibration_error
    ece_text = "n/a" if math.isnan(ece) else f"{ece:.3f}"
    parts.append(f'<text x="{left + size + 10}" y="{top + 20}">ECE {ece_text}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_reliability_svg(
    curve: ReliabilityCurve, path: str | os.PathLike[str], title: str = "Reliability"
) -> None:
    """Write the reliability picture to ``path`` atomically (temporary file, then rename)."""
    # readable like every other file of a model version
    write_atomic(path, render_reliability_svg(curve, title), mode=READABLE)


# ------------------------------------------------------------------------- intervals, subgroups


@dataclass(frozen=True)
class MeanInterval:
    """Mean over the defined (non-NaN) values with a bootstrap interval; n counts those values."""

    mean: float
    low: float
    high: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"mean", "ci_low", "ci_high", "n"}`` with NaN as None."""
        return {
            "mean": _json_float(self.mean),
            "ci_low": _json_float(self.low),
            "ci_high": _json_float(self.high),
            "n": self.n,
        }


def _derive_seed(seed: int, *names: str) -> np.random.Generator:
    """Return a generator seeded by ``seed`` and names, independent of call order."""
    words = [int(seed) & 0xFFFFFFFF] + [zlib.crc32(name.encode("utf-8")) for name in names]
    return np.random.default_rng(np.random.SeedSequence(words))


def bootstrap_mean_ci(
    values: npt.ArrayLike,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    *,
    stream: Sequence[str] = (),
) -> MeanInterval:
    """Mean of the non-NaN values with a seeded percentile-bootstrap interval (NaN if none).

    ``stream`` names (e.g. metric and group) pick an independent random stream per use.
    """
    array = np.asarray(values, dtype=np.float64).ravel()
    array = array[~np.isnan(array)]
    if not 0.0 < confidence < 1.0:
        raise InvalidArrayError(
            "confidence", f"must lie strictly between 0 and 1, got {confidence}"
        )
    if n_resamples < 1:
        raise InvalidArrayError("n_resamples", f"must be >= 1, got {n_resamples}")
    size = array.size
    if size == 0:
        return MeanInterval(float("nan"), float("nan"), float("nan"), 0)
    mean = float(array.mean())
    if size == 1 or np.all(array == array[0]):
        return MeanInterval(mean, mean, mean, size)
    rng = _derive_seed(seed, *stream)
    means = np.empty(n_resamples, dtype=np.float64)
    chunk = max(1, 4_000_000 // size)  # bound memory to ~32 MB of indices per step
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        picks = rng.integers(0, size, size=(stop - start, size))
        means[start:stop] = array[picks].mean(axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return MeanInterval(mean, float(low), float(high), size)


def _labels(name: str, labels: Labels, m: int) -> npt.NDArray[np.str_]:
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
    text = _labels(group_name, labels, m)
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


# ------------------------------------------------------------------------------------- exposure


def nontraditional_exposure(
    scores: npt.ArrayLike,
    genders: Labels,
    nontraditional_for: Mapping[str, npt.ArrayLike],
    k: int = 10,
) -> FloatArray:
    """Per student: 1.0 if the top k holds an item nontraditional for their gender, else 0.0.

    ``nontraditional_for[g]`` is an (n,) bool array; students whose gender is not a key get NaN.
    """
    array = _scores_matrix("scores", scores)
    return _exposure_from_order(rank_items(array), array.shape, genders, nontraditional_for, k)


def _exposure_from_order(
    order: IntArray,
    shape: tuple[int, ...],
    genders: Labels,
    nontraditional_for: Mapping[str, npt.ArrayLike],
    k: int,
) -> FloatArray:
    """Nontraditional exposure from a precomputed ranking."""
    m, n = shape
    labels = _labels("genders", genders, m)
    k = _cutoff(k, n) if n else 0
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
        array = _scores_matrix(f"scores[{system!r}]", scores)
        systems[system] = _exposure_summary(
            _exposure_from_order(rank_items(array), array.shape, genders, nontraditional_for, k),
            genders,
            n_resamples=n_resamples,
            confidence=confidence,
            seed=seed,
            min_group_size=min_group_size,
        )
    return {"k": k, "genders": sorted(nontraditional_for), "systems": systems}


def _exposure_summary(
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


# --------------------------------------------------------------------------- the whole report


def _json_float(value: float) -> float | None:
    """Return a float, or None for NaN/inf, so json.dumps(allow_nan=False) accepts it."""
    return float(value) if math.isfinite(value) else None


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
        per_student[f"ndcg@{k}"] = _ndcg_from_order(grades, order, k)
    recall_k = max(ks)
    per_student[f"recall@{recall_k}"] = _recall_from_order(grades, order, recall_k, threshold)
    per_student["mrr"] = _reciprocal_rank_from_order(grades, order, None, threshold)
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
    coverage = _coverage_from_order(order, coverage_k, scores.shape[1])
    return {
        "overall": overall,
        f"coverage@{coverage_k}": _json_float(coverage),
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
    model = _scores_matrix("scores", scores)
    graded = _grades_matrix(grades, model.shape)
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
        array = _scores_matrix(f"baselines[{name!r}]", values)
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
        truth = _scores_matrix("true_relevance", true_relevance)
        if truth.shape != model.shape:
            raise InvalidArrayError(
                "true_relevance", f"expected shape {model.shape}, got {truth.shape}"
            )
        truth_order = rank_items(truth)
        result["oracle"] = {
            f"ndcg@{k}": bootstrap_mean_ci(
                _ndcg_from_order(graded, truth_order, k),
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
            "brier": _json_float(brier_score(probabilities, outcome)),
            "base_rate": _json_float(float(outcome.mean()) if outcome.size else float("nan")),
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
                name: _exposure_summary(
                    _exposure_from_order(
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


# ------------------------------------------------------------------------------ model-card table


def _cell(entry: Mapping[str, Any] | None) -> str:
    """Render {"mean", "ci_low", "ci_high"} as '0.412 (0.401–0.423)'; '–' when undefined."""
    if not entry or entry.get("mean") is None:
        return "–"
    text = f"{entry['mean']:.3f}"
    if entry.get("ci_low") is not None and entry.get("ci_high") is not None:
        text += f" ({entry['ci_low']:.3f}–{entry['ci_high']:.3f})"
    return text


def render_metrics_markdown(metrics: Mapping[str, Any], group_metric: str | None = None) -> str:
    """Render an ``evaluate_rankings`` dict as short Markdown tables for the model card."""
    systems: list[tuple[str, Mapping[str, Any]]] = [("model", metrics["model"])]
    systems += [(f"baseline: {n}", v) for n, v in metrics.get("baselines", {}).items()]
    names = list(metrics["model"]["overall"])
    coverage_key = next(k for k in metrics["model"] if k.startswith("coverage@"))
    lines = [
        f"Students: {metrics['n_students']} ({metrics['n_students_with_relevant']} with a "
        f"relevant outcome); items: {metrics['n_items']}. Gain {metrics['conventions']['gain']}, "
        f"relevant = {metrics['conventions']['relevance']}; 95 % intervals by bootstrap.",
        "",
        "| system | " + " | ".join(names) + f" | {coverage_key} |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for label, system in systems:
        cells = [_cell(system["overall"].get(n)) for n in names]
        coverage = system.get(coverage_key)
        cells.append("–" if coverage is None else f"{coverage:.3f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if "oracle" in metrics:
        cells = [_cell(metrics["oracle"].get(n)) for n in names]
        lines.append("| oracle (true relevance) | " + " | ".join(cells) + " | – |")
    ndcgs = [n for n in names if n.startswith("ndcg@")]
    chosen = group_metric or (ndcgs[-1] if ndcgs else names[0])
    for group, labels in metrics["model"].get("subgroups", {}).items():
        lines += ["", f"**{chosen} by {group}**", ""]
        lines.append("| " + group + " | n | " + " | ".join(label for label, _ in systems) + " |")
        lines.append("|---|---|" + "---|" * len(systems))
        for label, entry in labels.items():
            cells = []
            for _, system in systems:
                other = system.get("subgroups", {}).get(group, {}).get(label, {})
                cells.append("suppressed" if other.get("suppressed") else _cell(other.get(chosen)))
            lines.append(f"| {label} | {entry['n_students']} | " + " | ".join(cells) + " |")
    if "exposure" in metrics:
        exposure = metrics["exposure"]
        lines += [
            "",
            f"**Share of students whose top {exposure['k']} includes an occupation "
            "nontraditional for their gender**",
            "",
            "| system | all | " + " | ".join(exposure["genders"]) + " |",
            "|---|---|" + "---|" * len(exposure["genders"]),
        ]
        for system, summary in exposure["systems"].items():
            cells = [_cell(summary["overall"])]
            for gender in exposure["genders"]:
                entry = summary["by_gender"].get(gender, {})
                cells.append("suppressed" if entry.get("suppressed") else _cell(entry.get("share")))
            lines.append(f"| {system} | " + " | ".join(cells) + " |")
    if "calibration" in metrics:
        calibration = metrics["calibration"]
        figures = {
            "Brier": calibration["brier"],
            "expected calibration error": calibration["reliability"]["expected_calibration_error"],
            "base rate": calibration["base_rate"],
        }
        shown = ", ".join(
            f"{name} {'–' if value is None else format(value, '.4f')}"
            for name, value in figures.items()
        )
        lines += ["", f"Calibration ({calibration['target']}): {shown}."]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ what the top k is made of


def _item_matrix(name: str, values: npt.ArrayLike, shape: tuple[int, ...]) -> FloatArray:
    """A per-student item matrix of the scores' shape (one row given is used for every student)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = np.broadcast_to(array, shape)
    if array.shape != shape:
        raise InvalidArrayError(name, f"shape {array.shape} must be {shape} or ({shape[1]},)")
    return array


def high_value_share_at_k(
    scores: npt.ArrayLike, high_value: npt.ArrayLike, k: int = 10
) -> FloatArray:
    """Per student (m,): share of the top k that are high-value in the student's region (0..1).

    ``high_value`` is (m, n) or (n,) booleans; k above n counts all n items; ties as rank_items.
    """
    array = _scores_matrix("scores", scores)
    flags = _item_matrix("high_value", high_value, array.shape)
    n = array.shape[1]
    if n == 0:
        return np.full(array.shape[0], np.nan)
    top = rank_items(array)[:, : _cutoff(k, n)]
    share: FloatArray = np.take_along_axis(flags, top, axis=1).astype(bool).mean(axis=1)
    return share


def wage_ratio_at_k(
    scores: npt.ArrayLike,
    wages: npt.ArrayLike,
    region_median: npt.ArrayLike,
    k: int = 10,
) -> FloatArray:
    """Per student (m,): median wage of the top k over the region's all-occupation median wage.

    ``wages`` (m, n) or (n,) are regional median wages (NaN = unknown, skipped); ``region_median``
    is (m,) or a scalar, > 0. A student whose top k has no known wage gets NaN. 1.0 means the
    typical job on the list pays what the region's typical job pays.
    """
    array = _scores_matrix("scores", scores)
    pay = _item_matrix("wages", wages, array.shape)
    m, n = array.shape
    base = np.broadcast_to(np.asarray(region_median, dtype=np.float64), (m,))
    bad = np.flatnonzero(~(np.isfinite(base) & (base > 0)))
    if bad.size:
        raise InvalidArrayError(
            "region_median", f"must be a positive number; row {int(bad[0])} is {base[bad[0]]!r}"
        )
    if n == 0:
        return np.full(m, np.nan)
    top = np.take_along_axis(pay, rank_items(array)[:, : _cutoff(k, n)], axis=1)
    known = np.isfinite(top).any(axis=1)
    out = np.full(m, np.nan)
    if known.any():
        out[known] = np.nanmedian(top[known], axis=1) / base[known]
    return out
