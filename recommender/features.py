"""Pair features: one row per (student, occupation), float32, shared by training and serving.

Every column is named in ``FEATURE_NAMES`` and described in ``FEATURE_DOCS``. Columns fall into
five groups (``FEATURE_GROUPS``): four *factors* that come from the student (interests, aptitudes,
work values, education plan) and the occupation's own attributes. A factor's columns depend only
on that part of the student profile, so an explanation can ablate one factor by rebuilding the
features with that part set to its neutral value (``neutralise_students``).

Regional demand and wages are deliberately absent: they enter the final order through the ranking
policy. Gender, race and ethnicity are never inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

from recommender.dimensions import APTITUDES, PLANS, RIASEC, WORK_VALUES
from recommender.errors import FeatureInputError

F32 = npt.NDArray[np.float32]

#: Job zones that suit each post-secondary plan (inclusive range, O*NET job zones 1–5).
PLAN_JOB_ZONES: Final[Mapping[str, tuple[int, int]]] = MappingProxyType(
    {
        "work": (1, 2),
        "apprenticeship_certificate": (2, 3),
        "community_college": (2, 3),
        "four_year_college": (4, 5),
        "military": (1, 3),
        "undecided": (1, 5),
    }
)

#: The plan used as the neutral value of the education factor (every job zone fits it).
NEUTRAL_PLAN: Final = "undecided"

_EPS: Final = 1e-6

#: Population norms of the six interest scales on the instrument's 0..1 scale (R, I, A, S, E, C):
#: mean and SD of the scale means of the 4,034 real US respondents aged 19 or under in the
#: Open-Source Psychometrics Project's RIASEC sample (data/benchmarks/people.tsv, the 1..5 scale
#: means mapped to 0..1 as the scorer maps ratings; docs/benchmarks.md).
INTEREST_NORM_MEAN: Final = (0.2208, 0.4896, 0.3913, 0.5815, 0.3919, 0.3137)
INTEREST_NORM_SD: Final = (0.2141, 0.2623, 0.2650, 0.2372, 0.2326, 0.2371)

_KEYED_NAMES: Final = tuple(f"interest_keyed_{a}{b}" for a in RIASEC for b in RIASEC)

_INTEREST_NAMES: Final = (
    "interest_correlation",
    "interest_high_point_match",
    "interest_top3_overlap",
    "interest_weighted_level",
    *(f"interest_product_{k}" for k in RIASEC),
    "interest_norm_correlation",
    *_KEYED_NAMES,
    "interest_se_mean",
)
_APTITUDE_NAMES: Final = (
    *(f"aptitude_gap_{a}" for a in APTITUDES),
    *(f"aptitude_se_{a}" for a in APTITUDES),
    "aptitude_shortfall_total",
    "aptitude_known_share",
)
_VALUE_NAMES: Final = (
    "values_correlation",
    "values_weighted_level",
    *(f"values_product_{v}" for v in WORK_VALUES),
)
_EDUCATION_NAMES: Final = (
    "plan_zone_gap",
    "plan_zone_gap_abs",
    *(f"plan_is_{p}" for p in PLANS),
)
_OCCUPATION_NAMES: Final = (
    "occ_job_zone",
    "occ_education_code",
    "occ_growth_pct",
    "occ_growth_known",
    "occ_log_openings",
    "occ_bright_outlook",
    *(f"occ_riasec_{k}" for k in RIASEC),
    *(f"occ_demand_{a}" for a in APTITUDES),
    "occ_values_known",
)

#: Column names of the pair matrix, in column order.
FEATURE_NAMES: Final[tuple[str, ...]] = (
    *_INTEREST_NAMES,
    *_APTITUDE_NAMES,
    *_VALUE_NAMES,
    *_EDUCATION_NAMES,
    *_OCCUPATION_NAMES,
)


def _span(start: int, names: Sequence[str]) -> tuple[int, ...]:
    return tuple(range(start, start + len(names)))


_starts = np.cumsum(
    [0, len(_INTEREST_NAMES), len(_APTITUDE_NAMES), len(_VALUE_NAMES), len(_EDUCATION_NAMES)]
)

#: Column indices of each group; the first four are the student factors an explanation ablates.
FEATURE_GROUPS: Final[Mapping[str, tuple[int, ...]]] = MappingProxyType(
    {
        "interests": _span(int(_starts[0]), _INTEREST_NAMES),
        "aptitudes": _span(int(_starts[1]), _APTITUDE_NAMES),
        "values": _span(int(_starts[2]), _VALUE_NAMES),
        "education": _span(int(_starts[3]), _EDUCATION_NAMES),
        "occupation": _span(int(_starts[4]), _OCCUPATION_NAMES),
    }
)

#: The student factors, in the order explanations report them.
STUDENT_FACTORS: Final = ("interests", "aptitudes", "values", "education")

#: One line per column: what it measures and its range.
FEATURE_DOCS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "interest_correlation": "Pearson r of student RIASEC scores with the occupation's"
        " (-1..1; 0 if flat)",
        "interest_high_point_match": "1 if the student's strongest area is the"
        " occupation's first high point",
        "interest_top3_overlap": "share of the student's top-3 areas (above own mean) in"
        " the occupation's top 3 (0..1)",
        "interest_weighted_level": "occupation's mean RIASEC level weighted by the"
        " student's above-minimum interests (1..7)",
        **{
            f"interest_product_{k}": f"student z({k}) x occupation z({k}), within-profile z-scores"
            for k in RIASEC
        },
        "interest_norm_correlation": "Pearson r of the student's interests, standardised"
        " against the population norms, with the occupation's six levels (-1..1; 0 if flat)",
        **{
            f"interest_keyed_{a}{b}": f"unit-length centred normative profile of the student at"
            f" {a} x unit-length centred occupation profile at {b} (-1..1); the 36 cross terms"
            " let a model learn which interest patterns go with which kinds of work"
            for a in RIASEC
            for b in RIASEC
        },
        "interest_se_mean": "mean standard error of the student's six interest scores",
        **{
            f"aptitude_gap_{a}": f"{a} percentile minus occupation demand (-1..1); 0 if unknown"
            for a in APTITUDES
        },
        **{
            f"aptitude_se_{a}": f"standard error of the student's {a} score (1.0 when unknown)"
            for a in APTITUDES
        },
        "aptitude_shortfall_total": "sum over dimensions of how far the student falls"
        " short of the demand (>= 0)",
        "aptitude_known_share": "share of aptitude dimensions with any source (0..1)",
        "values_correlation": "Pearson r of student work values with the occupation's"
        " (-1..1; 0 if flat or unknown)",
        "values_weighted_level": "occupation's mean work-value level weighted by the"
        " student's above-minimum values (1..7; 4 if unknown)",
        **{
            f"values_product_{v}": f"student z({v}) x occupation z({v}); 0 when unknown"
            for v in WORK_VALUES
        },
        "plan_zone_gap": "job zone minus the nearest zone that suits the plan (negative:"
        " less preparation than planned)",
        "plan_zone_gap_abs": "absolute plan_zone_gap (0..4)",
        **{f"plan_is_{p}": f"1 if the student's plan is {p}" for p in PLANS},
        "occ_job_zone": "O*NET job zone (1..5)",
        "occ_education_code": "BLS typical entry education, ordinal code of the catalogue",
        "occ_growth_pct": "national projected growth in percent (0 when unknown)",
        "occ_growth_known": "1 if growth is known",
        "occ_log_openings": "natural log of 1 + national annual openings",
        "occ_bright_outlook": "1 if O*NET marks the occupation Bright Outlook",
        **{f"occ_riasec_{k}": f"occupation's {k} interest level (1..7)" for k in RIASEC},
        **{f"occ_demand_{a}": f"occupation's {a} demand (0..1)" for a in APTITUDES},
        "occ_values_known": "1 if the occupation has work-value data",
    }
)


class OccupationSource(Protocol):
    """What the feature builder reads from a catalogue (``Catalogue`` fits)."""

    @property
    def riasec(self) -> npt.NDArray[np.float32]: ...
    @property
    def aptitude_demand(self) -> npt.NDArray[np.float32]: ...
    @property
    def work_values(self) -> npt.NDArray[np.float32]: ...
    @property
    def job_zone(self) -> npt.NDArray[np.int8]: ...
    @property
    def education_code(self) -> npt.NDArray[np.int8]: ...
    @property
    def growth_pct(self) -> npt.NDArray[np.float32]: ...
    @property
    def openings(self) -> npt.NDArray[np.float32]: ...
    @property
    def bright_outlook(self) -> npt.NDArray[np.bool_]: ...


class ProfileSource(Protocol):
    """What the feature builder reads from a student profile (``StudentProfile`` fits)."""

    @property
    def interests(self) -> npt.NDArray[np.float32]: ...
    @property
    def interests_se(self) -> npt.NDArray[np.float32]: ...
    @property
    def work_values(self) -> npt.NDArray[np.float32]: ...
    @property
    def work_values_se(self) -> npt.NDArray[np.float32]: ...
    @property
    def aptitudes(self) -> npt.NDArray[np.float32]: ...
    @property
    def aptitudes_se(self) -> npt.NDArray[np.float32]: ...
    @property
    def plan(self) -> str: ...


def _zscore_rows(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Within-row z-scores; rows with no spread (or any NaN) become all zeros."""
    mean = x.mean(axis=1, keepdims=True)
    sd = x.std(axis=1, keepdims=True)
    z = np.where(sd > _EPS, (x - mean) / np.where(sd > _EPS, sd, 1.0), 0.0)
    return np.nan_to_num(z, nan=0.0)


def unit_centred_rows(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Rows centred on their own mean and scaled to unit length; flat rows become all zeros."""
    centred = x - x.mean(axis=1, keepdims=True)
    norm = np.sqrt((centred * centred).sum(axis=1, keepdims=True))
    out: npt.NDArray[np.float64] = np.where(
        norm > _EPS, centred / np.where(norm > _EPS, norm, 1.0), 0.0
    )
    return out


def normative_interests(interests: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Interests (m, 6) on 0..1 as z-scores against the population norms (INTEREST_NORM_*)."""
    mean = np.asarray(INTEREST_NORM_MEAN, dtype=np.float64)
    sd = np.asarray(INTEREST_NORM_SD, dtype=np.float64)
    out: npt.NDArray[np.float64] = (interests - mean[None, :]) / sd[None, :]
    return out


def _weights_above_min(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Row weights proportional to each entry's excess over the row minimum; flat rows uniform."""
    w = x - x.min(axis=1, keepdims=True)
    total = w.sum(axis=1, keepdims=True)
    n = x.shape[1]
    out: npt.NDArray[np.float64] = np.where(
        total > _EPS, w / np.where(total > _EPS, total, 1.0), 1.0 / n
    )
    return out


def _top3_mask(x: npt.NDArray[np.float64], above_mean: bool) -> npt.NDArray[np.bool_]:
    """Mask of each row's three largest entries (ties by dimension order), optionally > mean."""
    order = np.argsort(-x, axis=1, kind="stable")[:, :3]
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    if above_mean:
        mask &= x > x.mean(axis=1, keepdims=True) + _EPS
    return mask


def normal_cdf(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Standard normal CDF (0..1), vectorised; absolute error below 2e-7."""
    t = 1.0 / (1.0 + 0.2316419 * np.abs(z))
    poly = t * (
        0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429)))
    )
    tail = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi) * poly
    out: npt.NDArray[np.float64] = np.where(z >= 0, 1.0 - tail, tail)
    return out


@dataclass(frozen=True)
class OccupationArrays:
    """Occupation-side inputs with their derived arrays, computed once per catalogue."""

    riasec: npt.NDArray[np.float64]
    aptitude_demand: npt.NDArray[np.float64]
    work_values: npt.NDArray[np.float64]
    job_zone: npt.NDArray[np.float64]
    education_code: npt.NDArray[np.float64]
    growth_pct: npt.NDArray[np.float64]
    openings: npt.NDArray[np.float64]
    bright_outlook: npt.NDArray[np.float64]
    riasec_z: npt.NDArray[np.float64] = field(init=False, repr=False)
    riasec_top3: npt.NDArray[np.bool_] = field(init=False, repr=False)
    riasec_first: npt.NDArray[np.int64] = field(init=False, repr=False)
    riasec_unit: npt.NDArray[np.float64] = field(init=False, repr=False)
    riasec_unit_t: npt.NDArray[np.float32] = field(init=False, repr=False)
    values_known: npt.NDArray[np.bool_] = field(init=False, repr=False)
    values_z: npt.NDArray[np.float64] = field(init=False, repr=False)
    attributes: npt.NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = self.riasec.shape[0]
        shapes = {
            "riasec": (self.riasec.shape, (n, len(RIASEC))),
            "aptitude_demand": (self.aptitude_demand.shape, (n, len(APTITUDES))),
            "work_values": (self.work_values.shape, (n, len(WORK_VALUES))),
            "job_zone": (self.job_zone.shape, (n,)),
            "education_code": (self.education_code.shape, (n,)),
            "growth_pct": (self.growth_pct.shape, (n,)),
            "openings": (self.openings.shape, (n,)),
            "bright_outlook": (self.bright_outlook.shape, (n,)),
        }
        for name, (got, want) in shapes.items():
            if got != want:
                raise FeatureInputError(f"occupation {name}", f"shape {got}, expected {want}")
        if not np.all(np.isfinite(self.riasec)):
            raise FeatureInputError("occupation riasec", "contains NaN or infinite values")
        if not np.all(np.isfinite(self.aptitude_demand)):
            raise FeatureInputError("occupation aptitude_demand", "contains NaN or infinite values")
        values_known = np.all(np.isfinite(self.work_values), axis=1)
        object.__setattr__(self, "riasec_z", _zscore_rows(self.riasec))
        object.__setattr__(self, "riasec_top3", _top3_mask(self.riasec, above_mean=False))
        object.__setattr__(self, "riasec_first", np.argmax(self.riasec, axis=1))
        object.__setattr__(self, "riasec_unit", unit_centred_rows(self.riasec))
        unit_t = np.ascontiguousarray(self.riasec_unit.T, dtype=np.float32)
        object.__setattr__(self, "riasec_unit_t", unit_t)
        object.__setattr__(self, "values_known", values_known)
        filled = np.where(values_known[:, None], self.work_values, 4.0)
        object.__setattr__(self, "values_z", _zscore_rows(filled))
        growth_known = np.isfinite(self.growth_pct)
        attributes = np.column_stack(
            [
                self.job_zone,
                self.education_code,
                np.where(growth_known, self.growth_pct, 0.0),
                growth_known.astype(np.float64),
                np.log1p(np.clip(np.nan_to_num(self.openings, nan=0.0), 0.0, None)),
                self.bright_outlook,
                self.riasec,
                self.aptitude_demand,
                values_known.astype(np.float64),
            ]
        )
        object.__setattr__(self, "attributes", attributes)

    @property
    def size(self) -> int:
        """Number of occupations."""
        return int(self.riasec.shape[0])

    @classmethod
    def from_catalogue(cls, catalogue: OccupationSource) -> OccupationArrays:
        """Take the occupation arrays of a catalogue (rows in catalogue order)."""
        return cls(
            riasec=np.asarray(catalogue.riasec, dtype=np.float64),
            aptitude_demand=np.asarray(catalogue.aptitude_demand, dtype=np.float64),
            work_values=np.asarray(catalogue.work_values, dtype=np.float64),
            job_zone=np.asarray(catalogue.job_zone, dtype=np.float64),
            education_code=np.asarray(catalogue.education_code, dtype=np.float64),
            growth_pct=np.asarray(catalogue.growth_pct, dtype=np.float64),
            openings=np.asarray(catalogue.openings, dtype=np.float64),
            bright_outlook=np.asarray(catalogue.bright_outlook, dtype=np.float64),
        )


@dataclass(frozen=True)
class StudentBatch:
    """Student-side inputs for m students; aptitudes are z-scores (NaN when no source)."""

    interests: npt.NDArray[np.float64]
    interests_se: npt.NDArray[np.float64]
    work_values: npt.NDArray[np.float64]
    work_values_se: npt.NDArray[np.float64]
    aptitudes: npt.NDArray[np.float64]
    aptitudes_se: npt.NDArray[np.float64]
    plans: tuple[str, ...]

    def __post_init__(self) -> None:
        m = len(self.plans)
        shapes = {
            "interests": (self.interests.shape, (m, len(RIASEC))),
            "interests_se": (self.interests_se.shape, (m, len(RIASEC))),
            "work_values": (self.work_values.shape, (m, len(WORK_VALUES))),
            "work_values_se": (self.work_values_se.shape, (m, len(WORK_VALUES))),
            "aptitudes": (self.aptitudes.shape, (m, len(APTITUDES))),
            "aptitudes_se": (self.aptitudes_se.shape, (m, len(APTITUDES))),
        }
        for name, (got, want) in shapes.items():
            if got != want:
                raise FeatureInputError(f"student {name}", f"shape {got}, expected {want}")
        for name in ("interests", "work_values"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise FeatureInputError(f"student {name}", "contains NaN or infinite values")
        bad = sorted({p for p in self.plans if p not in PLAN_JOB_ZONES})
        if bad:
            raise FeatureInputError(
                "student plan", f"unknown plan {bad[0]!r}; expected one of {PLANS}"
            )

    @property
    def size(self) -> int:
        """Number of students."""
        return len(self.plans)

    @classmethod
    def from_profiles(cls, profiles: Sequence[ProfileSource]) -> StudentBatch:
        """Stack profiles (anything with the StudentProfile arrays and plan) into a batch."""

        def stack(name: str, width: int) -> npt.NDArray[np.float64]:
            if not profiles:
                return np.zeros((0, width))
            return np.vstack([np.asarray(getattr(p, name), dtype=np.float64) for p in profiles])

        return cls(
            interests=stack("interests", len(RIASEC)),
            interests_se=stack("interests_se", len(RIASEC)),
            work_values=stack("work_values", len(WORK_VALUES)),
            work_values_se=stack("work_values_se", len(WORK_VALUES)),
            aptitudes=stack("aptitudes", len(APTITUDES)),
            aptitudes_se=stack("aptitudes_se", len(APTITUDES)),
            plans=tuple(p.plan for p in profiles),
        )


def neutralise_students(students: StudentBatch, factor: str) -> StudentBatch:
    """Copy with one factor neutral: flat interests/values, average aptitude, undecided plan."""
    m = students.size
    if factor == "interests":
        flat = np.repeat(students.interests.mean(axis=1, keepdims=True), len(RIASEC), axis=1)
        return replace(students, interests=flat)
    if factor == "values":
        flat = np.repeat(students.work_values.mean(axis=1, keepdims=True), len(WORK_VALUES), axis=1)
        return replace(students, work_values=flat)
    if factor == "aptitudes":
        return replace(
            students,
            aptitudes=np.zeros((m, len(APTITUDES))),
            aptitudes_se=np.full((m, len(APTITUDES)), 1.0),
        )
    if factor == "education":
        return replace(students, plans=(NEUTRAL_PLAN,) * m)
    raise FeatureInputError(
        "factor", f"unknown factor {factor!r}; expected one of {STUDENT_FACTORS}"
    )


def _span_slice(cols: tuple[int, ...], start: int, stop: int) -> slice:
    """The contiguous columns cols[start:stop] as a slice (a view, not a fancy-index copy)."""
    return slice(cols[start], cols[stop - 1] + 1)


def interest_match(interests: npt.ArrayLike, occupations: OccupationArrays) -> F32:
    """Pearson r (m, n) of each student's six interest scores with each occupation's: the
    ``interest_correlation`` column for every pair at once (flat interests give 0)."""
    s = unit_centred_rows(np.asarray(interests, dtype=np.float64).reshape(-1, len(RIASEC)))
    out: F32 = s.astype(np.float32) @ occupations.riasec_unit_t
    return out


def build_pair_features_batch(
    students: StudentBatch,
    occupations: OccupationArrays,
    student_index: npt.ArrayLike,
    occupation_index: npt.ArrayLike,
) -> F32:
    """Pair matrix (r, n_features) float32 for pairs (student_index[i], occupation_index[i])."""
    si = np.asarray(student_index, dtype=np.int64)
    oi = np.asarray(occupation_index, dtype=np.int64)
    if si.shape != oi.shape or si.ndim != 1:
        raise FeatureInputError(
            "pair index", f"shapes {si.shape} and {oi.shape} must be equal and 1-D"
        )
    if si.size and (si.min() < 0 or si.max() >= students.size):
        raise FeatureInputError("student_index", f"out of range 0..{students.size - 1}")
    if oi.size and (oi.min() < 0 or oi.max() >= occupations.size):
        raise FeatureInputError("occupation_index", f"out of range 0..{occupations.size - 1}")

    out = np.empty((si.size, len(FEATURE_NAMES)), dtype=np.float32)

    # interests
    s_int = students.interests
    s_z = _zscore_rows(s_int)
    s_top3 = _top3_mask(s_int, above_mean=True)
    s_first = np.argmax(s_int, axis=1)
    s_has_first: npt.NDArray[np.bool_] = np.asarray(s_top3.any(axis=1))
    s_w = _weights_above_min(s_int)
    products = s_z[si] * occupations.riasec_z[oi]
    cols = FEATURE_GROUPS["interests"]
    out[:, cols[0]] = products.sum(axis=1) / len(RIASEC)
    out[:, cols[1]] = s_has_first[si] & (s_first[si] == occupations.riasec_first[oi])
    out[:, cols[2]] = (s_top3[si] & occupations.riasec_top3[oi]).sum(axis=1) / 3.0
    out[:, cols[3]] = (s_w[si] * occupations.riasec[oi]).sum(axis=1)
    out[:, _span_slice(cols, 4, 4 + len(RIASEC))] = products
    s_unit = unit_centred_rows(normative_interests(s_int))
    o_unit = occupations.riasec_unit
    k0 = 4 + len(RIASEC)
    out[:, cols[k0]] = (s_unit[si] * o_unit[oi]).sum(axis=1)
    n_keyed = len(_KEYED_NAMES)
    keyed = s_unit[si][:, :, None] * o_unit[oi][:, None, :]
    out[:, _span_slice(cols, k0 + 1, k0 + 1 + n_keyed)] = keyed.reshape(si.size, n_keyed)
    out[:, cols[-1]] = students.interests_se.mean(axis=1)[si]

    # aptitudes
    known = np.isfinite(students.aptitudes)
    pct = np.where(known, normal_cdf(np.nan_to_num(students.aptitudes, nan=0.0)), np.nan)
    gaps = pct[si] - occupations.aptitude_demand[oi]
    gaps = np.where(known[si], gaps, 0.0)
    se = np.where(known & np.isfinite(students.aptitudes_se), students.aptitudes_se, 1.0)
    cols = FEATURE_GROUPS["aptitudes"]
    n_apt = len(APTITUDES)
    out[:, _span_slice(cols, 0, n_apt)] = gaps
    out[:, _span_slice(cols, n_apt, 2 * n_apt)] = se[si]
    out[:, cols[-2]] = np.clip(-gaps, 0.0, None).sum(axis=1)
    out[:, cols[-1]] = known.mean(axis=1)[si]

    # work values
    v_z = _zscore_rows(students.work_values)
    v_w = _weights_above_min(students.work_values)
    occ_known = occupations.values_known[oi]
    v_products = np.where(occ_known[:, None], v_z[si] * occupations.values_z[oi], 0.0)
    filled_values = np.where(occupations.values_known[:, None], occupations.work_values, 4.0)
    cols = FEATURE_GROUPS["values"]
    out[:, cols[0]] = v_products.sum(axis=1) / len(WORK_VALUES)
    out[:, cols[1]] = (v_w[si] * filled_values[oi]).sum(axis=1)
    out[:, _span_slice(cols, 2, len(cols))] = v_products

    # education plan
    plan_idx = np.array([PLANS.index(p) for p in students.plans], dtype=np.int64)
    bounds = np.array([PLAN_JOB_ZONES[p] for p in PLANS], dtype=np.float64)
    lo = bounds[plan_idx, 0][si]
    hi = bounds[plan_idx, 1][si]
    zone = occupations.job_zone[oi]
    gap = zone - np.clip(zone, lo, hi)
    cols = FEATURE_GROUPS["education"]
    out[:, cols[0]] = gap
    out[:, cols[1]] = np.abs(gap)
    out[:, _span_slice(cols, 2, len(cols))] = np.eye(len(PLANS))[plan_idx][si]

    # occupation attributes
    occ_cols = FEATURE_GROUPS["occupation"]
    out[:, _span_slice(occ_cols, 0, len(occ_cols))] = occupations.attributes[oi]
    return out


def build_pair_features(profile: ProfileSource, occupations: OccupationArrays) -> F32:
    """Pair matrix (n_occupations, n_features) float32 for one student, catalogue row order."""
    batch = StudentBatch.from_profiles([profile])
    n = occupations.size
    return build_pair_features_batch(batch, occupations, np.zeros(n, dtype=np.int64), np.arange(n))
