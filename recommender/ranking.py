"""The ranking policy: learned fit and interest match plus regional demand and wages, then a
pathway roll-up.

Fit is learned; the rest is policy. An occupation's final score is

    score = fit_weight * fit
          + interest_weight * spread * match
          + demand_weight * demand
          + wage_weight * wage
          + high_value_boost * high_value

where ``fit`` is the model's fit (the engine passes the fit relative to students in general,
recommender.typical), ``match`` is the student's interest match with the occupation (the Pearson r
of their six interest scores with the occupation's, recommender.features.interest_match) as a
z-score over the catalogue, ``spread`` the SD of ``fit_weight * fit`` over the catalogue (so the
weight says how many of the fit's own spreads one SD of interest match is worth), ``demand`` is
the percentile of the occupation's employment among all occupations in the student's region
(0..1), ``wage`` the percentile of its regional median wage (0..1), and ``high_value`` the
catalogue's per-region high-value flag. Missing regional figures count as the neutral 0.5.
Occupations are ordered by score, highest first; equal scores keep catalogue order. A pathway's
score is the mean of its best ``pathway_top_n`` occupation scores (all of them if it has fewer).
Staff change the weights in a small JSON or TOML file.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from itertools import chain
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recommender.errors import RankingPolicyError

F32 = npt.NDArray[np.float32]

#: Value of the demand and wage parts that counts as "no information" (the regional median).
NEUTRAL_PERCENTILE: Final = 0.5


@dataclass(frozen=True)
class RankingPolicy:
    """Weights of the final score; all non-negative, ``fit_weight`` positive.

    The demand, wage and boost defaults are the largest equal weights whose served lists are no
    more concentrated than the fit's alone on the real-people and O*NET-structure benchmarks
    (docs/model.md, "Choosing the policy"); ``interest_weight`` is 0 unless a version's
    policy.json sets it (docs/model.md, "Interest match").
    """

    fit_weight: float = 1.0
    interest_weight: float = 0.0
    demand_weight: float = 0.01
    wage_weight: float = 0.01
    high_value_boost: float = 0.01
    pathway_top_n: int = 3

    def __post_init__(self) -> None:
        validate_policy(self, "<arguments>")

    def to_dict(self) -> dict[str, float | int]:
        """Plain dict of the settings (JSON-safe)."""
        return dict(asdict(self))


def validate_policy(policy: RankingPolicy, source: str) -> None:
    """Raise RankingPolicyError naming the first setting out of range."""
    weights = ("fit_weight", "interest_weight", "demand_weight", "wage_weight", "high_value_boost")
    for name in weights:
        value = getattr(policy, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RankingPolicyError(source, name, f"must be a number, got {value!r}")
        if not np.isfinite(value) or value < 0:
            raise RankingPolicyError(source, name, f"must be finite and >= 0, got {value!r}")
    if policy.fit_weight <= 0:
        raise RankingPolicyError(source, "fit_weight", "must be > 0 so the learned fit counts")
    top_n = policy.pathway_top_n
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise RankingPolicyError(source, "pathway_top_n", f"must be an integer >= 1, got {top_n!r}")


def policy_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> RankingPolicy:
    """Build a policy from a mapping; unknown keys are errors, missing keys take the defaults."""
    known = {f.name for f in fields(RankingPolicy)}
    for key in data:
        if key not in known:
            raise RankingPolicyError(source, str(key), f"unknown setting; expected {sorted(known)}")
    try:
        return RankingPolicy(**dict(data))
    except RankingPolicyError as exc:
        raise RankingPolicyError(source, exc.setting, exc.reason) from None


def load_ranking_policy(path: Path) -> RankingPolicy:
    """Read a policy from a .json or .toml file (a table ``[ranking]`` or top-level keys)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RankingPolicyError(str(path), "<file>", f"cannot read: {exc.strerror}") from None
    try:
        if path.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            raise RankingPolicyError(str(path), "<file>", "expected a .json or .toml file")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise RankingPolicyError(str(path), "<file>", f"not valid: {exc}") from None
    if not isinstance(data, dict):
        raise RankingPolicyError(str(path), "<file>", "expected a table of settings")
    table = data.get("ranking", data)
    if not isinstance(table, dict):
        raise RankingPolicyError(str(path), "ranking", "expected a table of settings")
    return policy_from_mapping(table, str(path))


def score_percentile(values: npt.ArrayLike) -> F32:
    """Percentile rank among the finite values (0..1; ties share the mean rank; NaN gives 0.5)."""
    x = np.asarray(values, dtype=np.float64)
    out = np.full(x.shape, NEUTRAL_PERCENTILE, dtype=np.float32)
    finite = np.isfinite(x)
    k = int(finite.sum())
    if k == 0:
        return out
    if k == 1:
        out[finite] = NEUTRAL_PERCENTILE
        return out
    v = x[finite]
    # 0-based rank, averaged within runs of equal values
    uniq, first, counts = np.unique(np.sort(v), return_index=True, return_counts=True)
    mean_rank = first + (counts - 1) / 2.0
    ranks = mean_rank[np.searchsorted(uniq, v)]
    out[finite] = (ranks / (k - 1)).astype(np.float32)
    return out


@dataclass(frozen=True)
class RankedOccupations:
    """Scores and their parts for every occupation; ``order`` lists indices best first."""

    score: F32
    fit: F32
    demand: F32
    wage: F32
    high_value: npt.NDArray[np.bool_]
    fit_part: F32
    interest_part: F32
    demand_part: F32
    wage_part: F32
    boost_part: F32
    order: npt.NDArray[np.int64]


def rank_occupations(
    fit: npt.ArrayLike,
    demand: npt.ArrayLike,
    wage: npt.ArrayLike,
    high_value: npt.ArrayLike,
    policy: RankingPolicy,
    interest_match: npt.ArrayLike | None = None,
) -> RankedOccupations:
    """Combine fit with interest match, demand and wage percentiles (0..1); ties keep index order.

    ``interest_match`` (the student's Pearson r with each occupation) is needed when the policy's
    ``interest_weight`` is above 0 and ignored otherwise.
    """
    f = np.asarray(fit, dtype=np.float32)
    d = np.asarray(demand, dtype=np.float32)
    w = np.asarray(wage, dtype=np.float32)
    hv = np.asarray(high_value, dtype=bool)
    if not (f.shape == d.shape == w.shape == hv.shape) or f.ndim != 1:
        raise RankingPolicyError(
            "<arrays>",
            "shape",
            f"fit {f.shape}, demand {d.shape}, wage {w.shape}, high_value "
            f"{hv.shape} must all be the same 1-D shape",
        )
    fit_part = (policy.fit_weight * f).astype(np.float32)
    interest_part = interest_part_of(fit_part, interest_match, policy.interest_weight)
    demand_part = (policy.demand_weight * d).astype(np.float32)
    wage_part = (policy.wage_weight * w).astype(np.float32)
    boost_part = (policy.high_value_boost * hv).astype(np.float32)
    score = (fit_part + interest_part + demand_part + wage_part + boost_part).astype(np.float32)
    order = np.argsort(-score, kind="stable").astype(np.int64)
    return RankedOccupations(
        score=score,
        fit=f,
        demand=d,
        wage=w,
        high_value=hv,
        fit_part=fit_part,
        interest_part=interest_part,
        demand_part=demand_part,
        wage_part=wage_part,
        boost_part=boost_part,
        order=order,
    )


def _mean_sd(x: F32) -> tuple[float, float]:
    """Mean and population SD of a 1-D array in two passes (NaN if any value is not finite)."""
    n = max(x.size, 1)
    mean = float(x.sum(dtype=np.float64)) / n
    var = float(np.dot(x, x)) / n - mean * mean
    return mean, math.sqrt(max(var, 0.0)) if math.isfinite(var) else math.nan


def interest_part_of(fit_part: F32, interest_match: npt.ArrayLike | None, weight: float) -> F32:
    """``weight`` x the SD of ``fit_part`` x the interest match's z-score over the catalogue (n,);
    zeros when the weight is 0 or the match has no spread (flat interests give r = 0 throughout).
    """
    if weight == 0:
        return np.zeros_like(fit_part)
    if interest_match is None:
        raise RankingPolicyError(
            "<arrays>", "interest_match", "is needed when the policy's interest_weight is above 0"
        )
    match = np.asarray(interest_match, dtype=np.float32)
    if match.shape != fit_part.shape:
        raise RankingPolicyError(
            "<arrays>",
            "interest_match",
            f"must have the fit's shape {fit_part.shape}, got {match.shape}",
        )
    mean, sd = _mean_sd(match)
    if not math.isfinite(sd):  # a NaN or infinite value anywhere
        raise RankingPolicyError("<arrays>", "interest_match", "must be finite")
    if sd <= 1e-6:
        return np.zeros_like(fit_part)
    factor = np.float32(weight * _mean_sd(fit_part)[1] / sd)
    part: F32 = (match - np.float32(mean)) * factor
    return part


def roll_up_pathways(
    scores: npt.ArrayLike, members: Sequence[Sequence[int]], top_n: int
) -> tuple[F32, tuple[tuple[int, ...], ...]]:
    """Pathway score = mean of its best top_n member scores (-inf if empty); members best first
    (equal scores keep the member order)."""
    s = np.asarray(scores, dtype=np.float32)
    n_paths = len(members)
    lengths = np.fromiter((len(m) for m in members), dtype=np.int64, count=n_paths)
    flat = np.fromiter(chain.from_iterable(members), dtype=np.int64, count=int(lengths.sum()))
    group = np.repeat(np.arange(n_paths, dtype=np.int64), lengths)
    position = np.arange(flat.size, dtype=np.int64)
    # one sort for every pathway: by pathway, then score (best first), then member order
    best = flat[np.lexsort((position, -s[flat], group))]
    starts = np.cumsum(lengths) - lengths
    within = position - np.repeat(starts, lengths)
    top = np.where(within < top_n, s[best].astype(np.float64), 0.0)
    sums = np.bincount(group, weights=top, minlength=n_paths)
    counts = np.minimum(lengths, top_n)
    out = np.full(n_paths, -np.inf, dtype=np.float32)
    filled = lengths > 0
    out[filled] = (sums[filled] / counts[filled]).astype(np.float32)
    listed = best.tolist()
    ordered = tuple(
        tuple(listed[a : a + k]) for a, k in zip(starts.tolist(), lengths.tolist(), strict=True)
    )
    return out, ordered


def order_pathways(pathway_scores: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Pathway indices best first; pathways without occupations last; ties keep index order."""
    p = np.asarray(pathway_scores, dtype=np.float32)
    return np.argsort(-p, kind="stable").astype(np.int64)
