"""Two transparent baselines every trained model must beat: interest congruence and regional demand.

Both work on plain arrays (not the catalogue object) so that evaluation can score thousands of
students at once. Items are occupations (or pathways) in a fixed order ``0..n-1``; every result
is float32 and higher means "recommend first". Ranking ties are the ranker's business; the
evaluation ranks ties by item index (lower index first).

Interest congruence follows the common practice of public career tools: the Pearson correlation
of the student's six RIASEC scores with each occupation's six O*NET interest values, with
occupations whose O*NET job zone does not suit the student's post-secondary plan pushed below
every occupation that does (see ``PLAN_JOB_ZONES``).

Regional demand ranks occupations by how many jobs they offer in the student's region, with
smaller weights on national annual openings and projected growth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

from recommender.dimensions import JOB_ZONES, RIASEC
from recommender.errors import InvalidArrayError, UnknownCodeError

__all__ = [
    "DEFAULT_GROWTH_WEIGHT",
    "DEFAULT_OPENINGS_WEIGHT",
    "OUT_OF_PLAN_PENALTY",
    "PLAN_JOB_ZONES",
    "acceptable_job_zones",
    "penalise_out_of_plan",
    "score_congruence",
    "score_congruence_batch",
    "score_demand",
    "score_demand_batch",
]

FloatArray = npt.NDArray[np.float32]
ArrayLike = npt.ArrayLike

#: Post-secondary plan -> O*NET job zones that plan prepares a student for.
#: Zone 1-2: little or some preparation (high-school diploma, short on-the-job training);
#: zone 3: vocational training, apprenticeship or an associate degree; zone 4: a bachelor's
#: degree; zone 5: graduate study. "undecided" keeps every zone open.
PLAN_JOB_ZONES: Final[Mapping[str, frozenset[int]]] = MappingProxyType(
    {
        "work": frozenset({1, 2}),
        "apprenticeship_certificate": frozenset({2, 3}),
        "community_college": frozenset({2, 3}),
        "four_year_college": frozenset({4, 5}),
        "military": frozenset({1, 2, 3}),
        "undecided": frozenset(JOB_ZONES),
    }
)

#: Subtracted from the congruence of an occupation outside the plan's job zones. Pearson r lies
#: in [-1, 1], so a penalty of 3 ranks every in-plan occupation above every out-of-plan one while
#: keeping the interest order inside each set.
OUT_OF_PLAN_PENALTY: Final = 3.0

#: Weights of the national openings and growth terms in the demand score (employment weighs 1).
DEFAULT_OPENINGS_WEIGHT: Final = 0.5
DEFAULT_GROWTH_WEIGHT: Final = 0.25


def acceptable_job_zones(plan: str) -> frozenset[int]:
    """Return the O*NET job zones (1-5) suited to a post-secondary plan from ``PLANS``."""
    try:
        return PLAN_JOB_ZONES[plan]
    except KeyError:
        raise UnknownCodeError("plan", plan) from None


def _as_float_array(name: str, values: ArrayLike, ndim: int) -> npt.NDArray[np.float64]:
    """Return ``values`` as a float64 array of ``ndim`` dimensions (any values)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != ndim:
        raise InvalidArrayError(name, f"expected a {ndim}-D array, got shape {array.shape}")
    return array


def _as_matrix(name: str, values: ArrayLike, columns: int | None = None) -> npt.NDArray[np.float64]:
    """Return ``values`` as a finite 2-D float64 array, checking the column count."""
    array = _as_float_array(name, values, 2)
    if columns is not None and array.shape[1] != columns:
        raise InvalidArrayError(name, f"expected {columns} columns, got shape {array.shape}")
    _require_finite(name, array)
    return array


def _as_vector(name: str, values: ArrayLike, length: int | None = None) -> npt.NDArray[np.float64]:
    """Return ``values`` as a 1-D float64 array of the given length (NaN allowed)."""
    array = _as_float_array(name, values, 1)
    if length is not None and array.shape[0] != length:
        raise InvalidArrayError(name, f"expected length {length}, got {array.shape[0]}")
    return array


def _require_finite(name: str, array: npt.NDArray[np.float64]) -> None:
    """Raise naming the first non-finite entry of ``array``, if any."""
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        where = ", ".join(str(int(i)) for i in bad[0])
        raise InvalidArrayError(name, f"non-finite value at index ({where}); {len(bad)} in all")


def _centre_rows(array: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Centre each row and scale it to unit length; constant rows become all zeros."""
    centred = array - array.mean(axis=1, keepdims=True)
    norms = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    flat = norms <= 1e-12 * np.maximum(1.0, np.abs(array).max(axis=1))
    norms[flat] = 1.0
    centred[flat] = 0.0
    unit: npt.NDArray[np.float64] = centred / norms[:, None]
    return unit


def _job_zone_vector(job_zone: ArrayLike, n: int) -> npt.NDArray[np.int64]:
    """Return job zones as int64 (n,), every value one of ``JOB_ZONES``."""
    zones = np.asarray(job_zone)
    if zones.shape != (n,):
        raise InvalidArrayError("job_zone", f"expected shape ({n},), got {zones.shape}")
    if not (np.issubdtype(zones.dtype, np.integer) or np.issubdtype(zones.dtype, np.floating)):
        raise InvalidArrayError("job_zone", f"expected numbers, got dtype {zones.dtype}")
    bad = ~np.isin(zones, JOB_ZONES)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InvalidArrayError(
            "job_zone", f"value {zones[first]!r} at index {first} is not one of {JOB_ZONES}"
        )
    return zones.astype(np.int64)


def penalise_out_of_plan(
    scores: ArrayLike,
    job_zone: ArrayLike,
    plans: str | Sequence[str],
    penalty: float = OUT_OF_PLAN_PENALTY,
) -> FloatArray:
    """Subtract ``penalty`` from scores (n,) or (m, n) of items outside each student's plan."""
    array = np.asarray(scores, dtype=np.float64)
    if array.ndim not in (1, 2):
        raise InvalidArrayError("scores", f"expected 1-D or 2-D, got shape {array.shape}")
    matrix = array.reshape(1, -1) if array.ndim == 1 else array
    zones = _job_zone_vector(job_zone, matrix.shape[1])
    plan_list = [plans] if isinstance(plans, str) else list(plans)
    if len(plan_list) == 1:
        plan_list = plan_list * matrix.shape[0]
    if len(plan_list) != matrix.shape[0]:
        raise InvalidArrayError(
            "plans", f"expected 1 or {matrix.shape[0]} plans, got {len(plan_list)}"
        )
    # One boolean row per distinct plan, then gather: (m, n) without a Python loop over students.
    distinct = sorted(set(plan_list))
    fits = np.stack([np.isin(zones, tuple(acceptable_job_zones(p))) for p in distinct])
    index = np.searchsorted(np.array(distinct), np.array(plan_list))
    result = matrix - penalty * (~fits[index])
    return result.reshape(array.shape).astype(np.float32)


def score_congruence_batch(
    interests: ArrayLike,
    occ_riasec: ArrayLike,
    job_zone: ArrayLike,
    plans: str | Sequence[str],
    penalty: float = OUT_OF_PLAN_PENALTY,
) -> FloatArray:
    """Score (m, 6) students against (n, 6) occupations: Pearson r in [-1, 1] minus plan penalty.

    A student or occupation whose six values are all equal has r = 0 with everything.
    ``plans`` is one plan for all students or one per student.
    """
    students = _centre_rows(_as_matrix("interests", interests, len(RIASEC)))
    occupations = _centre_rows(_as_matrix("occ_riasec", occ_riasec, len(RIASEC)))
    correlation = np.clip(students @ occupations.T, -1.0, 1.0)
    return penalise_out_of_plan(correlation, job_zone, plans, penalty)


def score_congruence(
    interests: ArrayLike,
    occ_riasec: ArrayLike,
    job_zone: ArrayLike,
    plan: str,
    penalty: float = OUT_OF_PLAN_PENALTY,
) -> FloatArray:
    """Score one student's (6,) interests against (n, 6) occupations; see the batch version."""
    vector = np.asarray(interests, dtype=np.float64)
    if vector.shape != (len(RIASEC),):
        raise InvalidArrayError("interests", f"expected shape (6,), got {vector.shape}")
    scores: FloatArray = score_congruence_batch(
        vector[None, :], occ_riasec, job_zone, plan, penalty
    )[0]
    return scores


def _standardise(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Z-score the last axis ignoring NaN; NaN becomes that row's minimum z, constant rows 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        present = ~np.isnan(values)
        count = present.sum(axis=-1, keepdims=True)
        filled = np.where(present, values, 0.0)
        mean = filled.sum(axis=-1, keepdims=True) / np.maximum(count, 1)
        spread = np.where(present, values - mean, 0.0)
        std = np.sqrt((spread**2).sum(axis=-1, keepdims=True) / np.maximum(count, 1))
        z = np.where(std > 0, spread / np.where(std > 0, std, 1.0), 0.0)
        lowest = np.where(present, z, np.inf).min(axis=-1, keepdims=True)
        lowest = np.where(np.isfinite(lowest), lowest, 0.0)
    return np.where(present, z, lowest)


def _demand_terms(
    employment: npt.NDArray[np.float64],
    growth_pct: npt.NDArray[np.float64],
    openings: npt.NDArray[np.float64],
    openings_weight: float,
    growth_weight: float,
) -> npt.NDArray[np.float64]:
    """Combine standardised log-employment (r, n) with the item-level openings and growth terms."""
    for name, values in (("employment_region", employment), ("openings", openings)):
        if (values[~np.isnan(values)] < 0).any():
            raise InvalidArrayError(name, "counts must be non-negative (NaN marks missing)")
    if np.isinf(growth_pct).any():
        raise InvalidArrayError("growth_pct", "growth must be finite or NaN")
    item_terms = openings_weight * _standardise(np.log1p(openings)) + growth_weight * _standardise(
        growth_pct
    )
    result: npt.NDArray[np.float64] = _standardise(np.log1p(employment)) + item_terms
    return result


def score_demand(
    employment_region: ArrayLike,
    growth_pct: ArrayLike,
    openings: ArrayLike,
    openings_weight: float = DEFAULT_OPENINGS_WEIGHT,
    growth_weight: float = DEFAULT_GROWTH_WEIGHT,
) -> FloatArray:
    """Score (n,) items: z(log1p employment) + w_o·z(log1p openings) + w_g·z(growth %).

    Z-scores are taken across the n items; a missing (NaN) value counts as the lowest z of its term.
    """
    employment = _as_vector("employment_region", employment_region)
    n = employment.shape[0]
    growth = _as_vector("growth_pct", growth_pct, n)
    opening = _as_vector("openings", openings, n)
    terms = _demand_terms(employment, growth, opening, openings_weight, growth_weight)
    return terms.astype(np.float32)


def score_demand_batch(
    employment_by_region: ArrayLike,
    growth_pct: ArrayLike,
    openings: ArrayLike,
    region_index: ArrayLike,
    openings_weight: float = DEFAULT_OPENINGS_WEIGHT,
    growth_weight: float = DEFAULT_GROWTH_WEIGHT,
) -> FloatArray:
    """Score (m, n): row i is ``score_demand`` for row ``region_index[i]`` of (r, n) employment."""
    employment = _as_float_array("employment_by_region", employment_by_region, 2)
    n = employment.shape[1]
    growth = _as_vector("growth_pct", growth_pct, n)
    opening = _as_vector("openings", openings, n)
    regions = np.asarray(region_index)
    if regions.ndim != 1 or (regions.size and not np.issubdtype(regions.dtype, np.integer)):
        raise InvalidArrayError("region_index", "expected a 1-D array of integer region rows")
    out_of_range = (regions < 0) | (regions >= employment.shape[0])
    if out_of_range.any():
        first = int(np.flatnonzero(out_of_range)[0])
        raise InvalidArrayError(
            "region_index",
            f"value {int(regions[first])} at index {first} is outside 0..{employment.shape[0] - 1}",
        )
    terms = _demand_terms(employment, growth, opening, openings_weight, growth_weight)
    return terms.astype(np.float32)[regions.astype(np.intp)]
