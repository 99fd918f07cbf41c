"""Ranking metrics and their bootstrap intervals for Pathways models and baselines.

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

The ``*_from_order`` forms take a precomputed ranking (``rank_items``) so that one sort serves
every metric of a system (``training.evaluate``).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recommender.errors import InvalidArrayError

__all__ = [
    "RELEVANCE_THRESHOLD",
    "MeanInterval",
    "bootstrap_mean_ci",
    "catalogue_coverage",
    "gain_from_grade",
    "high_value_share_at_k",
    "ndcg_at_k",
    "oracle_ndcg_at_k",
    "rank_items",
    "recall_at_k",
    "reciprocal_rank",
    "wage_ratio_at_k",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Grade at or above which an item counts as relevant (chosen in the plan or job shadow done).
RELEVANCE_THRESHOLD: Final = 2


# -------------------------------------------------------------------------- validation helpers


def scores_matrix(name: str, scores: npt.ArrayLike) -> FloatArray:
    """Return (m, n) float64 scores; NaN is rejected, infinities allowed."""
    array = np.asarray(scores, dtype=np.float64)
    if array.ndim != 2:
        raise InvalidArrayError(name, f"expected an (m, n) array, got shape {array.shape}")
    nan = np.argwhere(np.isnan(array))
    if nan.size:
        row, col = (int(v) for v in nan[0])
        raise InvalidArrayError(name, f"NaN at student {row}, item {col}; {len(nan)} in all")
    return array


def grades_matrix(grades: npt.ArrayLike, shape: tuple[int, ...]) -> FloatArray:
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


def cutoff(k: int, n: int) -> int:
    """Return k clipped to n, rejecting k < 1."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InvalidArrayError("k", f"cut-off must be a whole number >= 1, got {k!r}")
    return min(int(k), n)


def json_float(value: float) -> float | None:
    """Return a float, or None for NaN/inf, so json.dumps(allow_nan=False) accepts it."""
    return float(value) if math.isfinite(value) else None


# ----------------------------------------------------------------------------- ranking metrics


def gain_from_grade(grades: npt.ArrayLike) -> FloatArray:
    """Return the exponential gain 2**g - 1 of each grade g >= 0 (grades 0-3 -> 0, 1, 3, 7)."""
    return np.exp2(np.asarray(grades, dtype=np.float64)) - 1.0


def rank_items(scores: npt.ArrayLike) -> IntArray:
    """Return (m, n) item indices, best first; equal scores keep the lower index first."""
    array = scores_matrix("scores", scores)
    return np.argsort(-array, axis=1, kind="stable")


def _ranked(grades: FloatArray, order: IntArray, k: int) -> FloatArray:
    """Return the grades of each student's top-k items in ranked order, (m, k)."""
    return np.take_along_axis(grades, order[:, :k], axis=1)


def _discounts(k: int) -> FloatArray:
    """Return 1 / log2(rank + 1) for ranks 1..k."""
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def ndcg_from_order(grades: FloatArray, order: IntArray, k: int) -> FloatArray:
    """NDCG@k from a precomputed ranking; NaN where every grade is 0."""
    k = cutoff(k, grades.shape[1])
    discounts = _discounts(k)
    dcg = gain_from_grade(_ranked(grades, order, k)) @ discounts
    ideal = -np.sort(-grades, axis=1)[:, :k]
    idcg = gain_from_grade(ideal) @ discounts
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1.0), np.nan)


def recall_from_order(grades: FloatArray, order: IntArray, k: int, threshold: float) -> FloatArray:
    """Recall@k from a precomputed ranking; NaN where no item is relevant."""
    k = cutoff(k, grades.shape[1])
    hits = (_ranked(grades, order, k) >= threshold).sum(axis=1)
    relevant = (grades >= threshold).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(relevant > 0, hits / np.maximum(relevant, 1), np.nan)


def reciprocal_rank_from_order(
    grades: FloatArray, order: IntArray, k: int | None, threshold: float
) -> FloatArray:
    """1 / rank of the first relevant item (0 beyond k); NaN where no item is relevant."""
    n = grades.shape[1]
    cut = n if k is None else cutoff(k, n)
    relevant = np.take_along_axis(grades, order, axis=1) >= threshold
    has_any = relevant.any(axis=1)
    first = relevant.argmax(axis=1)
    rr = np.where(first < cut, 1.0 / (first + 1.0), 0.0)
    return np.where(has_any, rr, np.nan)


def ndcg_at_k(scores: npt.ArrayLike, grades: npt.ArrayLike, k: int) -> FloatArray:
    """Per-student NDCG@k in [0, 1] with gain 2**g - 1; NaN for a student whose grades are all 0."""
    array = scores_matrix("scores", scores)
    graded = grades_matrix(grades, array.shape)
    return ndcg_from_order(graded, rank_items(array), k)


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
    array = scores_matrix("scores", scores)
    graded = grades_matrix(grades, array.shape)
    return recall_from_order(graded, rank_items(array), k, threshold)


def reciprocal_rank(
    scores: npt.ArrayLike,
    grades: npt.ArrayLike,
    k: int | None = None,
    threshold: float = RELEVANCE_THRESHOLD,
) -> FloatArray:
    """Per-student 1/rank of the first relevant item, 0 if beyond k; NaN if no item is relevant.

    The mean of this array over students is the MRR (k=None: the whole list).
    """
    array = scores_matrix("scores", scores)
    graded = grades_matrix(grades, array.shape)
    return reciprocal_rank_from_order(graded, rank_items(array), k, threshold)


def catalogue_coverage(scores: npt.ArrayLike, k: int = 10) -> float:
    """Share of the n items that appear in at least one student's top k, in [0, 1]."""
    array = scores_matrix("scores", scores)
    return coverage_from_order(rank_items(array), k, array.shape[1])


def coverage_from_order(order: IntArray, k: int, n: int) -> float:
    """Coverage of the top-k lists of a precomputed ranking."""
    if n == 0:
        return float("nan")
    k = cutoff(k, n)
    seen = np.zeros(n, dtype=bool)
    seen[order[:, :k].ravel()] = True
    return float(seen.mean())


# ------------------------------------------------------------------- what the top k is made of


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
    array = scores_matrix("scores", scores)
    flags = _item_matrix("high_value", high_value, array.shape)
    n = array.shape[1]
    if n == 0:
        return np.full(array.shape[0], np.nan)
    top = rank_items(array)[:, : cutoff(k, n)]
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
    array = scores_matrix("scores", scores)
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
    top = np.take_along_axis(pay, rank_items(array)[:, : cutoff(k, n)], axis=1)
    known = np.isfinite(top).any(axis=1)
    out = np.full(m, np.nan)
    if known.any():
        out[known] = np.nanmedian(top[known], axis=1) / base[known]
    return out


# ----------------------------------------------------------------------------------- intervals


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
            "mean": json_float(self.mean),
            "ci_low": json_float(self.low),
            "ci_high": json_float(self.high),
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
