"""Reasons for a recommendation: statements of fact, ordered by the model's measured effect.

Each occupation gets one reason per factor (``REASON_FACTORS``). A reason has two independent
halves:

* its **claim** (``claim``, ``stance``, ``facts`` and the sentence) rests only on figures: the
  occupation's O*NET job zone and BLS typical entry education against the plan's job zones
  (``recommender.features.PLAN_JOB_ZONES``); its regional median wage against the region's
  all-occupation median from OEWS (``all_jobs_median_wage``); the interest areas it shares with
  the student's top areas; its aptitude demand against the student's estimate and standard error;
  the work value the student rated highest against the catalogue; how its share of the region's
  jobs ranks in the catalogue and its high-value flag. ``stance`` is "pro" (a reason it fits),
  "con" (a thing to think about) or "none" (a neutral fact, or no figure to claim anything from).
  No claim is made about a figure that is missing.
* its **weight** is how much the occupation's final score (see ``recommender.ranking``) moves
  when that factor is set to its neutral value: ``weight = score - score_with_factor_neutral``.
  Student factors (interests, aptitudes, values, education) are neutralised in the pair features
  (``recommender.features.neutralise_students``) and re-scored by the fit model; the policy
  factors use the regional median (0.5) for demand and wage, and "not high-value" for the boost,
  which counts under demand. The weight orders the reasons and decides which one leads; it never
  decides what a sentence says.

When the weight clearly pushes one way and the fact the other (the model moves an occupation up
on education while the job is outside the plan's zones), the fact is shown and ``agrees`` is
False; ``count_disagreements`` counts those cases over a set of results.

No sentence is written here, in any language. The sentence of a reason is a ``message_id`` (the
English sentence with named ``%(name)s`` placeholders, marked with ``N_`` so that ``pathways
messages extract`` puts it in the service's catalogue) and typed ``params``; the service renders
it in the reader's language (``service.reasons.render_message``). The same holds for the pathway
sentences, the education step and the high-value rule's legend.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recommender.catalogue import HighValueThresholds
from recommender.dimensions import APTITUDES, RIASEC, WORK_VALUES
from recommender.features import (
    PLAN_JOB_ZONES,
    STUDENT_FACTORS,
    OccupationArrays,
    StudentBatch,
    build_pair_features_batch,
    neutralise_students,
    normal_cdf,
)
from recommender.ranking import NEUTRAL_PERCENTILE, RankedOccupations, RankingPolicy

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

#: Every factor a reason can be about, in report order.
REASON_FACTORS: Final = (*STUDENT_FACTORS, "demand", "wage")

#: Factors whose weight is the learned fit model's; demand and wage weights are the policy's.
MODEL_FACTORS: Final = STUDENT_FACTORS

#: What a reason's fact says about the occupation for this student.
STANCES: Final = ("pro", "con", "none")

#: Version of the reason format: claims, stances and facts beside each sentence (1 had none);
#: 3 adds each sentence's message id and typed parameters, rendered at the edge by language;
#: 4 drops the English and Spanish sentences stored beside them (``text``, ``es``) and names an
#: OEWS group by its occupation code, looked up in the reader's language, not ``text_es``.
REASONS_FORMAT: Final = 4

#: Weights smaller than this (score points) are "no clear effect" (never compared with a fact).
SMALL_WEIGHT: Final = 0.005

#: Interest profiles whose highest and lowest areas differ by less than this (0..1) are flat.
FLAT_INTEREST_SPREAD: Final = 0.1

#: Work-value profiles whose highest and lowest values differ by less than this (0..1) are flat.
FLAT_VALUE_SPREAD: Final = 0.1

#: A wage within this share of the region's all-jobs median is "about the same" as it.
WAGE_ABOUT_SAME: Final = 0.05

#: Catalogue percentiles (0..1) above / below which a figure is more / less than "most jobs we
#: list" (more than two in three of the catalogue's occupations are on the other side).
MOST_HIGH: Final = 2.0 / 3.0
MOST_LOW: Final = 1.0 / 3.0

#: The O*NET job zones each BLS typical entry education (``recommender.catalogue.
#: EDUCATION_LEVELS``, by code) corresponds to, from O*NET's job zone definitions: zone 1 "may
#: require a high school diploma", zone 2 "usually require a high school diploma", zone 3
#: "vocational schools, related on-the-job experience, or an associate's degree", zone 4 "a
#: four-year bachelor's degree", zone 5 "graduate school".
EDUCATION_JOB_ZONES: Final[tuple[tuple[int, int], ...]] = (
    (1, 1),  # No formal educational credential
    (1, 2),  # High school diploma or equivalent
    (2, 3),  # Some college, no degree
    (3, 3),  # Postsecondary nondegree award
    (3, 3),  # Associate's degree
    (4, 4),  # Bachelor's degree
    (5, 5),  # Master's degree
    (5, 5),  # Doctoral or professional degree
)

#: Where an OEWS figure came from (``recommender.catalogue.LABOUR_SOURCE_LEVELS``, by code).
_SOURCES: Final = {0: "region", 1: "state", 2: "national"}


def N_(message: str) -> str:
    """Mark ``message`` for the service's message catalogue (Babel extracts it); a no-op here,
    where the domain never translates: the edge renders a reason's message in the reader's
    language from its ``message_id`` and ``params``."""
    return message


def _msg(message_id: str, **params: Any) -> dict[str, Any]:
    """A parameter that is itself a message, rendered in the reader's language."""
    return {"message": message_id, "params": params} if params else {"message": message_id}


#: An empty parameter (a part of a sentence that is left out).
_NOTHING: Final[dict[str, Any]] = {"text": ""}
#: The region's all-jobs median in brackets, after a wage comparison.
_WAGE_MEDIAN: Final = N_(" (%(median)s)")


#: Messages for the names the reasons use (lower-case RIASEC everyday names, aptitudes, work
#: values, O*NET job zones, plans, BLS typical entry education and the years it takes).
_AREA_MESSAGES: Final = {
    "R": N_("building and fixing"),
    "I": N_("investigating"),
    "A": N_("creating"),
    "S": N_("helping"),
    "E": N_("leading and selling"),
    "C": N_("organizing"),
}
_APTITUDE_MESSAGES: Final = {
    "verbal": N_("reading and words"),
    "quantitative": N_("math"),
    "spatial": N_("picturing shapes in space"),
    "mechanical": N_("how machines and tools work"),
    "perceptual_speed": N_("spotting details quickly"),
}
_VALUE_MESSAGES: Final = {
    "achievement": N_("using your abilities and seeing results"),
    "working_conditions": N_("good pay, steady work and a good workplace"),
    "recognition": N_("being noticed and moving up"),
    "relationships": N_("working with friendly people and helping others"),
    "support": N_("having a boss and team who back you up"),
    "independence": N_("deciding how to do your own work"),
}
_ZONE_MESSAGES: Final = {
    1: N_("little or no preparation"),
    2: N_("some preparation"),
    3: N_("medium preparation"),
    4: N_("considerable preparation"),
    5: N_("extensive preparation"),
}
_PLAN_MESSAGES: Final = {
    "work": N_("start working"),
    "apprenticeship_certificate": N_("learn a trade (apprenticeship or certificate)"),
    "community_college": N_("go to a community college"),
    "four_year_college": N_("go to a four-year college"),
    "military": N_("join the military"),
    "undecided": N_("decide later"),
}
_EDUCATION_MESSAGES: Final = (
    N_("no formal credential"),
    N_("a high school diploma"),
    N_("some college but no degree"),
    N_("a certificate or other award after high school"),
    N_("an associate's degree"),
    N_("a bachelor's degree"),
    N_("a master's degree"),
    N_("a doctoral or professional degree"),
)
_YEARS_MESSAGES: Final = (
    N_("no schooling after high school"),
    N_("no schooling after high school"),
    N_("a few months to 2 years after high school"),
    N_("a few months to 2 years after high school"),
    N_("about 2 years after high school"),
    N_("about 4 years after high school"),
    N_("about 6 years after high school"),
    N_("7 years or more after high school"),
)
#: (more, 0 education unknown / 1 known / 2 known with the years it takes) -> message.
_EDUCATION_OFF_PLAN: Final = {
    (True, 0): N_(
        "This job usually needs more preparation than your plan to %(plan)s: it asks for %(zone)s."
    ),
    (True, 1): N_(
        "This job usually needs more preparation than your plan to %(plan)s: it asks for "
        "%(zone)s; most people start it with %(education)s."
    ),
    (True, 2): N_(
        "This job usually needs more preparation than your plan to %(plan)s: it asks for "
        "%(zone)s; most people start it with %(education)s (%(years)s)."
    ),
    (False, 0): N_(
        "This job usually needs less preparation than your plan to %(plan)s: it asks for %(zone)s."
    ),
    (False, 1): N_(
        "This job usually needs less preparation than your plan to %(plan)s: it asks for "
        "%(zone)s; most people start it with %(education)s."
    ),
    (False, 2): N_(
        "This job usually needs less preparation than your plan to %(plan)s: it asks for "
        "%(zone)s; most people start it with %(education)s (%(years)s)."
    ),
}


@dataclass(frozen=True)
class Reason:
    """One factor of an occupation: its claim about the figures and the model's effect.

    ``claim`` names what the figures say (e.g. "fits", "more", "above", "shared"), ``stance``
    whether that is a reason it fits ("pro"), a thing to think about ("con") or neither
    ("none"), ``facts`` the figures the claim rests on (JSON-safe; None for a missing figure).
    ``weight`` is the measured effect in score points; ``agrees`` is True or False when both the
    stance and the weight point clearly one way (|weight| >= SMALL_WEIGHT), None otherwise.
    The sentence is ``message_id`` (a message of the service's catalogue) with typed ``params``;
    it is rendered in the reader's language at the edge (``service.reasons``), never here.
    """

    factor: str
    weight: float
    claim: str = ""
    stance: str = "none"
    facts: Mapping[str, Any] = field(default_factory=dict)
    agrees: bool | None = None
    message_id: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (no sentence: the edge renders ``message_id`` with ``params``)."""
        return {
            "factor": self.factor,
            "weight": self.weight,
            "claim": self.claim,
            "stance": self.stance,
            "facts": dict(self.facts),
            "model_agrees": self.agrees,
            "message_id": self.message_id,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class _Said:
    claim: str
    stance: str
    facts: dict[str, Any]
    message_id: str
    params: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ the region's figures


def all_jobs_median_wage(catalogue: Any, region_code: str) -> float | None:
    """The region's all-occupation median annual wage (OEWS 00-0000), or None when unrecorded.

    Read from the catalogue manifest (``coverage_pct.oews_by_region.<region>.
    all_occupation_median_wage``), as ``training.policy_sweep.region_median_wages`` reads it; unlike
    that function there is no fallback to the median of the catalogue's rows, which is not the
    typical job (it counts each occupation once, whatever its size).
    """
    manifest = getattr(catalogue, "manifest", None) or {}
    by_region = manifest.get("coverage_pct", {}).get("oews_by_region", {})
    value = by_region.get(region_code, {}).get("all_occupation_median_wage")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def all_jobs_median_wages(catalogue: Any) -> F64:
    """Every region's all-occupation median wage in ``catalogue.regions`` order (NaN if none)."""
    return np.array(
        [all_jobs_median_wage(catalogue, r.code) or np.nan for r in catalogue.regions],
        dtype=np.float64,
    )


@dataclass(frozen=True)
class HighValueRule(HighValueThresholds):
    """The catalogue's high-value rule as recorded in its manifest (docs/catalogue.md): the
    build's ``HighValueThresholds`` and the growth figures they were compared with.

    High value in a region: median wage (from the region, or at most ``max_wage_source`` levels
    away: 1 = statewide) at least ``min_wage_ratio`` x the region's all-occupation median; the
    region's own OEWS estimate at least ``min_employment`` jobs; national growth over
    ``projection_years`` at least the all-occupation rate ``all_jobs_growth_pct`` plus
    ``growth_margin_pct`` points, or an O*NET Bright Outlook flag when ``use_bright_outlook``.
    """

    all_jobs_growth_pct: float | None = None
    projection_years: str = ""

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any] | None) -> HighValueRule:
        """The rule the catalogue was built with (the defaults when the manifest lacks it)."""
        params = (manifest or {}).get("parameters", {})
        rule = params.get("high_value_rule", {})
        years = re.search(
            r"(\d{4})-(\d{2,4})", str((manifest or {}).get("releases", {}).get("projections", ""))
        )
        growth = params.get("all_occupation_growth_pct")
        default = HighValueThresholds()
        return cls(
            min_wage_ratio=float(rule.get("min_wage_ratio", default.min_wage_ratio)),
            max_wage_source=int(rule.get("max_wage_source", default.max_wage_source)),
            min_employment=int(rule.get("min_employment", default.min_employment)),
            growth_margin_pct=float(rule.get("growth_margin_pct", default.growth_margin_pct)),
            use_bright_outlook=bool(rule.get("use_bright_outlook", default.use_bright_outlook)),
            all_jobs_growth_pct=float(growth) if isinstance(growth, int | float) else None,
            projection_years=f"{years.group(1)}–{years.group(2)}" if years else "",
        )


#: The high-value rule's legend (``high_value_rule_message``) and its parts.
_HIGH_VALUE_RULE: Final = N_(
    "High value means three things at once in this region: its median pay (%(where)s figure) "
    "is %(pay)s; the region's OEWS survey counts at least %(jobs)s of these jobs (the whole "
    "group's, where the figures are a group's); and nationally it is projected to grow "
    "%(growth)s%(bright)s."
)
_RULE_WHERE: Final = {
    True: N_("the region's, or if none the state's"),
    False: N_("the region's own"),
}
_RULE_PAY: Final = N_("at least the median of all jobs in the region%(median)s")
_RULE_PAY_TIMES: Final = N_(
    "at least %(ratio)s times the median of all jobs in the region%(median)s"
)
_RULE_GROWTH: Final = N_("at least as fast as all jobs%(rate)s")
_RULE_GROWTH_MARGIN: Final = N_("at least %(margin)s points faster than all jobs%(rate)s")
_RULE_RATE: Final = N_(" (%(rate)s %% over %(years)s)")
_RULE_RATE_NO_YEARS: Final = N_(" (%(rate)s %%)")
_RULE_BRIGHT: Final = N_(", or O*NET marks it Bright Outlook")


def high_value_rule_message(
    rule: HighValueRule, all_jobs_median: float | None
) -> tuple[str, dict[str, Any]]:
    """The high-value rule in words, with its thresholds, for the legend beside the badge: a
    message id and its typed parameters (rendered in the reader's language by the service).

    Three tests, all required: pay, jobs in the region, and national outlook (docs/catalogue.md).
    """
    median = _msg(_WAGE_MEDIAN, median={"money": all_jobs_median}) if all_jobs_median else _NOTHING
    if rule.min_wage_ratio == 1.0:
        pay = _msg(_RULE_PAY, median=median)
    else:
        pay = _msg(_RULE_PAY_TIMES, ratio={"number": rule.min_wage_ratio}, median=median)
    rate: dict[str, Any] = _NOTHING
    if rule.all_jobs_growth_pct is not None:
        growth_pct = {"number": rule.all_jobs_growth_pct}
        if rule.projection_years:
            rate = _msg(_RULE_RATE, rate=growth_pct, years={"text": rule.projection_years})
        else:
            rate = _msg(_RULE_RATE_NO_YEARS, rate=growth_pct)
    if rule.growth_margin_pct:
        growth = _msg(_RULE_GROWTH_MARGIN, margin={"number": rule.growth_margin_pct}, rate=rate)
    else:
        growth = _msg(_RULE_GROWTH, rate=rate)
    return _HIGH_VALUE_RULE, {
        "where": _msg(_RULE_WHERE[rule.max_wage_source >= 1]),
        "pay": pay,
        "jobs": {"number": rule.min_employment},
        "growth": growth,
        "bright": _msg(_RULE_BRIGHT) if rule.use_bright_outlook else _NOTHING,
    }


@dataclass(frozen=True)
class RegionFacts:
    """The regional figures reasons rest on, for every catalogue occupation, in one region.

    Arrays are (n,) in catalogue order. ``wage_source`` / ``employment_source`` are the labour
    source codes (0 region, 1 statewide, 2 national, -1 none; None when the catalogue has no such
    array). ``scope(j)`` is "occupation", "group" or "none" as ``OccupationResult.figures_scope``.
    """

    region_code: str
    all_jobs_median_wage: float | None
    wage_median: F64
    employment: F64
    high_value: npt.NDArray[np.bool_]
    figures_are_group: npt.NDArray[np.bool_]
    group_code: tuple[str, ...]
    group_title: tuple[str, ...]
    group_size: npt.NDArray[np.int64]
    wage_source: npt.NDArray[np.int64] | None = None
    employment_source: npt.NDArray[np.int64] | None = None
    rule: HighValueRule = field(default_factory=HighValueRule)

    @classmethod
    def from_catalogue(cls, catalogue: Any, region_index: int) -> RegionFacts:
        """Row ``region_index`` of the catalogue's regional arrays, with its all-jobs median."""
        region_code = catalogue.regions[region_index].code if hasattr(catalogue, "regions") else ""
        n = len(catalogue.codes)
        series = tuple(getattr(catalogue, "oews_codes", ("",) * n))
        group = np.asarray(getattr(catalogue, "figures_are_group", np.zeros(n, bool)), dtype=bool)

        def row(name: str) -> npt.NDArray[np.int64] | None:
            values = getattr(catalogue, name, None)
            if values is None:
                return None
            out: npt.NDArray[np.int64] = np.asarray(values, dtype=np.int64)[region_index]
            return out

        return cls(
            region_code=region_code,
            all_jobs_median_wage=all_jobs_median_wage(catalogue, region_code),
            wage_median=np.asarray(catalogue.wage_median, dtype=np.float64)[region_index],
            employment=np.asarray(catalogue.employment, dtype=np.float64)[region_index],
            high_value=np.asarray(catalogue.high_value, dtype=bool)[region_index],
            figures_are_group=group,
            group_code=series,
            group_title=tuple(getattr(catalogue, "oews_titles", ("",) * n)),
            group_size=np.asarray(getattr(catalogue, "oews_shared", np.ones(n)), dtype=np.int64),
            wage_source=row("wage_source"),
            employment_source=row("employment_source"),
            rule=HighValueRule.from_manifest(getattr(catalogue, "manifest", None)),
        )

    def scope(self, j: int) -> str:
        """Whose figures occupation ``j`` carries: "occupation", "group" or "none"."""
        if not self.group_code[j]:
            return "none"
        return "group" if self.figures_are_group[j] else "occupation"


# ------------------------------------------------------------------ measured effects


def measure_factor_weights(
    students: StudentBatch,
    occupations: OccupationArrays,
    occupation_index: Sequence[int],
    score_fit: Callable[[F32], F32],
    ranked: RankedOccupations,
    policy: RankingPolicy,
) -> dict[str, F32]:
    """Per factor: score minus score with that factor neutral, per occupation (score points)."""
    if students.size != 1:
        raise ValueError(f"explanations are for one student at a time, got {students.size}")
    idx = np.asarray(occupation_index, dtype=np.int64)
    fit = ranked.fit[idx]
    weights: dict[str, F32] = {}
    # every neutral variant in one batch: one feature build and one model call, not one each
    variants = [neutralise_students(students, factor) for factor in STUDENT_FACTORS]
    stacked = StudentBatch(
        interests=np.concatenate([v.interests for v in variants]),
        interests_se=np.concatenate([v.interests_se for v in variants]),
        work_values=np.concatenate([v.work_values for v in variants]),
        work_values_se=np.concatenate([v.work_values_se for v in variants]),
        aptitudes=np.concatenate([v.aptitudes for v in variants]),
        aptitudes_se=np.concatenate([v.aptitudes_se for v in variants]),
        plans=tuple(p for v in variants for p in v.plans),
    )
    rows = np.repeat(np.arange(len(variants), dtype=np.int64), idx.size)
    fit_neutral = score_fit(
        build_pair_features_batch(stacked, occupations, rows, np.tile(idx, len(variants)))
    ).reshape(len(variants), idx.size)
    for v, factor in enumerate(STUDENT_FACTORS):
        weights[factor] = (policy.fit_weight * (fit - fit_neutral[v])).astype(np.float32)
    # the interest match's part of the score is 0 with neutral (flat) interests
    weights["interests"] = (weights["interests"] + ranked.interest_part[idx]).astype(np.float32)
    demand_neutral = policy.demand_weight * NEUTRAL_PERCENTILE
    weights["demand"] = (ranked.demand_part[idx] + ranked.boost_part[idx] - demand_neutral).astype(
        np.float32
    )
    weights["wage"] = (ranked.wage_part[idx] - policy.wage_weight * NEUTRAL_PERCENTILE).astype(
        np.float32
    )
    return weights


# ------------------------------------------------------------------ interests


def _top_interests(students: StudentBatch) -> tuple[str, ...]:
    """The student's top areas: up to three, well above their own mean, highest first."""
    s = students.interests[0].astype(np.float64)
    spread = float(s.max() - s.min())
    if spread < FLAT_INTEREST_SPREAD:
        return ()
    order = np.argsort(-s, kind="stable")
    floor = float(s.mean()) + 0.25 * spread
    return tuple(RIASEC[i] for i in order[:3] if s[i] >= floor)


def job_high_points(occ_riasec: npt.ArrayLike) -> tuple[str, ...]:
    """The job's high-point letters: up to three above its own mean level, highest first (ties in
    RIASEC order)."""
    r = np.asarray(occ_riasec, dtype=np.float64)
    order = np.argsort(-r, kind="stable")
    mean = float(r.mean())
    return tuple(RIASEC[i] for i in order[:3] if r[i] > mean)


def _areas_param(areas: Sequence[str]) -> dict[str, Any]:
    return {"list": [_msg(_AREA_MESSAGES[a]) for a in areas]}


def _say_interests(student_top: tuple[str, ...], occ_riasec: npt.ArrayLike) -> _Said:
    r = np.asarray(occ_riasec, dtype=np.float64)
    job_top = job_high_points(r) or (RIASEC[int(np.argmax(r))],)
    shared = [a for a in student_top if a in job_top]
    facts: dict[str, Any] = {
        "job_top": list(job_top),
        "shared": shared,
    }
    if not student_top:
        return _Said(
            "flat",
            "none",
            facts,
            N_(
                "You liked most kinds of work about the same, so your interests do not point "
                "to this job or away from it."
            ),
        )
    if shared:
        if len(shared) == 1:
            return _Said(
                "shared",
                "pro",
                facts,
                N_("This job is a lot of %(areas)s, one of the things you like most."),
                {"areas": _areas_param(shared)},
            )
        return _Said(
            "shared",
            "pro",
            facts,
            N_("This job mixes things you like most: %(areas)s."),
            {"areas": _areas_param(shared)},
        )
    return _Said(
        "not_shared",
        "con",
        facts,
        N_("This job is mostly %(area)s, which is not one of the things you like most."),
        {"area": _msg(_AREA_MESSAGES[job_top[0]])},
    )


# ------------------------------------------------------------------ aptitudes


@dataclass(frozen=True)
class _AptitudeBands:
    """The student's aptitude estimates as percentiles, one standard error either side."""

    known: npt.NDArray[np.bool_]
    low: F64
    high: F64

    @classmethod
    def of(cls, aptitudes: npt.ArrayLike, aptitudes_se: npt.ArrayLike) -> _AptitudeBands:
        z = np.asarray(aptitudes, dtype=np.float64)
        se = np.asarray(aptitudes_se, dtype=np.float64)
        known = np.isfinite(z)
        sd = np.where(np.isfinite(se) & (se > 0), se, 1.0)
        zz = np.nan_to_num(z, nan=0.0)
        cdf = normal_cdf(np.concatenate([zz - sd, zz + sd])).reshape(2, -1)
        return cls(known=known, low=cdf[0], high=cdf[1])


def _say_aptitudes(bands: _AptitudeBands, demand: npt.ArrayLike) -> _Said:
    """The job's most-demanded measured aptitude against the student's estimate ± one SE.

    The student's z-score is read as a percentile (as the pair features read it) and compared
    with the job's demand (0..1): a strength when even one standard error below the estimate is
    above the demand, a gap when one standard error above it is still below, else about level.
    An unknown standard error counts as 1 (a z-score's whole spread).
    """
    need = np.asarray(demand, dtype=np.float64)
    if not bands.known.any():
        return _Said(
            "no_score", "none", {"aptitude": None}, N_("We have no skill scores for you yet.")
        )
    j = int(np.argmax(np.where(bands.known, need, -np.inf)))
    low, high = float(bands.low[j]), float(bands.high[j])
    name = APTITUDES[j]
    facts = {
        "aptitude": name,
        "demand": round(float(need[j]), 4),
        "low": round(low, 4),
        "high": round(high, 4),
    }
    params = {"aptitude": _msg(_APTITUDE_MESSAGES[name])}
    if low > need[j]:
        return _Said(
            "strength",
            "pro",
            facts,
            N_(
                "Of the skills we measured, this job asks most for %(aptitude)s; your score is "
                "above what it asks for."
            ),
            params,
        )
    if high < need[j]:
        return _Said(
            "gap",
            "con",
            facts,
            N_(
                "Of the skills we measured, this job asks most for %(aptitude)s; your score is "
                "below what it asks for, and practice can build it."
            ),
            params,
        )
    return _Said(
        "at_level",
        "none",
        facts,
        N_(
            "Of the skills we measured, this job asks most for %(aptitude)s; your score is "
            "about what it asks for."
        ),
        params,
    )


# ------------------------------------------------------------------ work values


def _value_percentiles(column: npt.ArrayLike, index: Sequence[int]) -> F64:
    """Percentiles of ``column[index]`` among the column's known values (the share below plus
    half the share equal; NaN where unknown)."""
    col = np.asarray(column, dtype=np.float64)
    v = np.sort(col[np.isfinite(col)])
    x = col[np.asarray(index, dtype=np.int64)]
    out = np.full(x.shape, np.nan)
    if v.size:
        below = np.searchsorted(v, x, side="left")
        upto = np.searchsorted(v, x, side="right")
        out = np.where(np.isfinite(x), (below + 0.5 * (upto - below)) / v.size, np.nan)
    return out


def _top_value(student_values: npt.ArrayLike) -> int | None:
    """The work value the student rated highest (None when their ratings are flat)."""
    s = np.asarray(student_values, dtype=np.float64)
    if float(s.max() - s.min()) < FLAT_VALUE_SPREAD:
        return None
    return int(np.argmax(s))


def _say_values(top: int | None, percentile: float) -> _Said:
    """The student's top work value against the job's percentile on it among the catalogue."""
    if top is None:
        return _Said(
            "flat",
            "none",
            {"value": None},
            N_("You rated the things you want from a job about the same."),
        )
    name = WORK_VALUES[top]
    if not math.isfinite(percentile):
        return _Said(
            "no_data",
            "none",
            {"value": name, "percentile": None},
            N_("O*NET has no data on what this job offers in work values."),
        )
    facts = {"value": name, "percentile": round(percentile, 4)}
    params = {"value": _msg(_VALUE_MESSAGES[name])}
    if percentile > MOST_HIGH:
        return _Said(
            "offers",
            "pro",
            facts,
            N_(
                "You said %(value)s matters most to you; this job offers more of it than most "
                "jobs we list."
            ),
            params,
        )
    if percentile < MOST_LOW:
        return _Said(
            "offers_less",
            "con",
            facts,
            N_(
                "You said %(value)s matters most to you; this job offers less of it than most "
                "jobs we list."
            ),
            params,
        )
    return _Said(
        "middle",
        "none",
        facts,
        N_(
            "You said %(value)s matters most to you; this job offers about as much of it as "
            "most jobs we list."
        ),
        params,
    )


# ------------------------------------------------------------------ education


def education_comparison(job_zone: int, education_code: int, plan: str) -> tuple[int, int | None]:
    """(zone vs plan, education vs plan): -1 below the plan's job zones, 0 inside, +1 above.

    The second is None when the typical entry education is unknown (code < 0); it compares the
    job zones the education corresponds to (``EDUCATION_JOB_ZONES``) with the plan's range, and
    counts as inside when the two ranges overlap.
    """
    lo, hi = PLAN_JOB_ZONES[plan]
    zone_cmp = 1 if job_zone > hi else (-1 if job_zone < lo else 0)
    if not 0 <= education_code < len(EDUCATION_JOB_ZONES):
        return zone_cmp, None
    e_lo, e_hi = EDUCATION_JOB_ZONES[education_code]
    edu_cmp = 1 if e_lo > hi else (-1 if e_hi < lo else 0)
    return zone_cmp, edu_cmp


#: How long each usual entry education takes after high school (by code), in words: the step a
#: student takes when a job's usual education is beyond or below their plan (issue 11 item 4).
#: The reasons' shorter form, without the bracket, is ``_YEARS_MESSAGES``.
_STEP_YEARS_MESSAGES: Final = (
    N_("no schooling after high school"),
    N_("no schooling after high school"),
    N_("a few months to 2 years after high school"),
    N_("a few months to 2 years after high school"),
    N_("about 2 years after high school"),
    N_("about 4 years after high school"),
    N_("about 6 years after high school (a bachelor's, then 1 to 2 more)"),
    N_("7 years or more after high school"),
)
#: (beyond the plan) -> the step's message.
_STEP_MESSAGES: Final = {
    True: N_(
        "Usually %(education)s: %(years)s. That is more schooling than your plan to %(plan)s."
    ),
    False: N_(
        "Usually %(education)s: %(years)s. That is less schooling than your plan to %(plan)s."
    ),
}
#: Fewest years after high school each usual entry education takes (by code).
EDUCATION_MIN_YEARS: Final = (0.0, 0.0, 0.5, 0.5, 2.0, 4.0, 6.0, 7.0)


def education_vs_plan(education_code: int, plan: str) -> int | None:
    """+1 when the usual entry education's job zones are beyond the plan's, -1 below, 0 when they
    overlap; None when the education is unknown or the plan is undecided."""
    if plan == "undecided" or plan not in PLAN_JOB_ZONES:
        return None
    if not 0 <= education_code < len(EDUCATION_JOB_ZONES):
        return None
    return education_comparison(PLAN_JOB_ZONES[plan][0], education_code, plan)[1]


def education_step(education_code: int, plan: str) -> dict[str, Any] | None:
    """The step plainly said when a job's usual education is beyond or below the plan, e.g.
    "Usually a bachelor's degree: about 4 years after high school." (None when it fits, or the
    education is unknown or the plan undecided). Keys: ``vs_plan`` (+1 beyond, -1 below),
    ``education_code``, ``min_years`` (fewest years after high school), ``message_id`` and
    ``params`` (the sentence, rendered in the reader's language by the service)."""
    cmp = education_vs_plan(education_code, plan)
    if not cmp:
        return None
    return {
        "vs_plan": cmp,
        "education_code": education_code,
        "min_years": EDUCATION_MIN_YEARS[education_code],
        "message_id": _STEP_MESSAGES[cmp > 0],
        "params": {
            "education": _msg(_EDUCATION_MESSAGES[education_code]),
            "years": _msg(_STEP_YEARS_MESSAGES[education_code]),
            "plan": _msg(_PLAN_MESSAGES[plan]),
        },
    }


def _say_education(job_zone: float, education_code: float, plan: str) -> _Said:
    zone = int(job_zone)
    code = int(education_code) if np.isfinite(education_code) else -1
    known = 0 <= code < len(EDUCATION_JOB_ZONES)
    zone_cmp, edu_cmp = education_comparison(zone, code, plan)
    lo, hi = PLAN_JOB_ZONES[plan]
    facts: dict[str, Any] = {
        "job_zone": zone,
        "education_code": code if known else None,
        "plan": plan,
        "plan_zones": [lo, hi],
        "zone_vs_plan": zone_cmp,
        "education_vs_plan": edu_cmp,
    }
    params: dict[str, Any] = {
        "zone": _msg(_ZONE_MESSAGES[zone])
        if zone in _ZONE_MESSAGES
        else _msg(N_("job zone %(zone)s"), zone={"number": zone}),
        "plan": _msg(_PLAN_MESSAGES[plan]),
    }
    if known:
        params["education"] = _msg(_EDUCATION_MESSAGES[code])
    if plan == "undecided":
        msgid = (
            N_(
                "You have not picked a plan after high school yet, so training did not count. "
                "This job asks for %(zone)s; most people start it with %(education)s."
            )
            if known
            else N_("You have not picked a plan after high school yet, so training did not count.")
        )
        return _Said("no_plan", "none", facts, msgid, params)
    if zone_cmp == 0 and edu_cmp in (0, None):
        return _Said(
            "fits",
            "pro",
            facts,
            N_(
                "This job asks for %(zone)s and most people start it with %(education)s, "
                "which fits your plan to %(plan)s."
            )
            if known
            else N_("This job asks for %(zone)s, which fits your plan to %(plan)s."),
            params,
        )
    step = bool(known and edu_cmp)
    if step:
        # the step said plainly (issue 11 item 4): how long the usual education takes
        facts["education_min_years"] = EDUCATION_MIN_YEARS[code]
        params["years"] = _msg(_YEARS_MESSAGES[code])
    if zone_cmp == 0:
        more = edu_cmp == 1
        return _Said(
            "mixed_more" if more else "mixed_less",
            "con",
            facts,
            N_(
                "This job asks for %(zone)s, which fits your plan, but most people start it "
                "with %(education)s (%(years)s): more schooling than your plan to %(plan)s."
            )
            if more
            else N_(
                "This job asks for %(zone)s, which fits your plan, but most people start it "
                "with %(education)s (%(years)s): less schooling than your plan to %(plan)s."
            ),
            params,
        )
    more = zone_cmp == 1
    return _Said(
        "more" if more else "less",
        "con",
        facts,
        _EDUCATION_OFF_PLAN[(more, known + step)],
        params,
    )


# ------------------------------------------------------------------ regional figures


def _group_param(facts: RegionFacts, j: int) -> dict[str, Any]:
    """The name of occupation ``j``'s OEWS group as a parameter: its title in quotes (the title
    as OEWS publishes it; in another language the project's title of the group's own occupation,
    ``<series>.00``, where it has one) or, untitled, its SOC code."""
    code, title = facts.group_code[j], facts.group_title[j]
    if not title:
        return _msg(N_("SOC %(code)s"), code={"text": code})
    return _msg(N_("“%(title)s”"), title={"occupation": f"{code}.00", "text": title})


def _source(codes: npt.NDArray[np.int64] | None, j: int) -> str | None:
    if codes is None:
        return None
    return _SOURCES.get(int(codes[j]))


def _say_wage(facts: RegionFacts | None, j: int) -> _Said:
    if facts is None:
        return _Said("not_compared", "none", {}, N_("Pay was not compared with other jobs here."))
    wage = float(facts.wage_median[j])
    median = facts.all_jobs_median_wage
    scope = facts.scope(j)
    source = _source(facts.wage_source, j)
    out: dict[str, Any] = {
        "wage": wage if math.isfinite(wage) else None,
        "all_jobs_median": median,
        "figures_scope": scope,
        "source": source,
    }
    if not math.isfinite(wage):
        return _Said(
            "no_figure",
            "none",
            out,
            N_("No pay figure is published for this job in your region, so pay did not count."),
        )
    if scope == "group":
        subject = _msg(
            N_("The median pay of its whole job group (%(group)s)"), group=_group_param(facts, j)
        )
    else:
        subject = _msg(N_("This job's median pay"))
    if source == "state":
        where = _msg(N_("in Mississippi (none is published for your region)"))
    elif source == "national":
        where = _msg(N_("nationally (none is published for Mississippi)"))
    else:
        where = _msg(N_("in your region"))
    params: dict[str, Any] = {
        "figure": _msg(
            N_("%(subject)s %(where)s is %(wage)s a year"),
            subject=subject,
            where=where,
            wage={"money": wage},
        )
    }
    if median is None:
        return _Said(
            "no_comparison",
            "none",
            out,
            N_("%(figure)s; we have no figure for all jobs in your region to compare it with."),
            params,
        )
    ratio = wage / median
    out["ratio"] = round(ratio, 4)
    params["median"] = {"money": median}
    if ratio > 1.0 + WAGE_ABOUT_SAME:
        claim, stance = "above", "pro"
        msgid = N_("%(figure)s, more than the typical job in your region (%(median)s).")
    elif ratio < 1.0 - WAGE_ABOUT_SAME:
        claim, stance = "below", "con"
        msgid = N_("%(figure)s, less than the typical job in your region (%(median)s).")
    else:
        claim, stance = "about", "none"
        msgid = N_("%(figure)s, about the same as the typical job in your region (%(median)s).")
    return _Said(claim, stance, out, msgid, params)


def _say_demand(facts: RegionFacts | None, j: int, percentile: float) -> _Said:
    if facts is None:
        return _Said(
            "not_compared", "none", {}, N_("How many people do this job here was not compared.")
        )
    employment = float(facts.employment[j])
    scope = facts.scope(j)
    source = _source(facts.employment_source, j)
    high_value = bool(facts.high_value[j])
    out: dict[str, Any] = {
        "employment": employment if math.isfinite(employment) else None,
        "percentile": round(float(percentile), 4) if math.isfinite(employment) else None,
        "figures_scope": scope,
        "source": source,
        "high_value": high_value,
    }
    if high_value:
        rule = facts.rule
        return _Said(
            "high_value",
            "pro",
            out,
            N_(
                "It is marked high value in your region: it %(pays)s, %(has)s at least "
                "%(jobs)s jobs here, and its national outlook is good."
            ),
            {
                "pays": _msg(N_("pays at least the typical job's wage"))
                if rule.min_wage_ratio == 1.0
                else _msg(
                    N_("pays at least %(ratio)s times the typical job's wage"),
                    ratio={"number": rule.min_wage_ratio},
                ),
                "has": _msg(N_("its job group has") if scope == "group" else N_("it has")),
                "jobs": {"number": rule.min_employment},
            },
        )
    if not math.isfinite(employment):
        return _Said(
            "no_figure",
            "none",
            out,
            N_("No count of these jobs is published for your region."),
        )
    notes: dict[str, Any] = {"group_note": _NOTHING, "source_note": _NOTHING}
    if scope == "group":
        notes["group_note"] = _msg(N_(", counting an even share of its job group's workers"))
    if source == "state":
        notes["source_note"] = _msg(N_(" (estimated from statewide figures)"))
    elif source == "national":
        notes["source_note"] = _msg(N_(" (estimated from national figures)"))
    if percentile > MOST_HIGH:
        claim, stance = "common", "pro"
        msgid = N_(
            "More people do this job in your region than most jobs we list"
            "%(group_note)s%(source_note)s."
        )
    elif percentile < MOST_LOW:
        claim, stance = "few", "con"
        msgid = N_(
            "Fewer people do this job in your region than most jobs we list"
            "%(group_note)s%(source_note)s."
        )
    else:
        claim, stance = "middle", "none"
        msgid = N_(
            "About as many people do this job in your region as most jobs we list"
            "%(group_note)s%(source_note)s."
        )
    return _Said(claim, stance, out, msgid, notes)


# ------------------------------------------------------------------ reasons


def _agrees(stance: str, weight: float) -> bool | None:
    """Whether the model's clear effect points the way the fact does (None: nothing to compare)."""
    fact = 1 if stance == "pro" else (-1 if stance == "con" else 0)
    model = 1 if weight >= SMALL_WEIGHT else (-1 if weight <= -SMALL_WEIGHT else 0)
    if fact == 0 or model == 0:
        return None
    return fact == model


def explain_occupations(
    students: StudentBatch,
    occupations: OccupationArrays,
    occupation_index: Sequence[int],
    score_fit: Callable[[F32], F32],
    ranked: RankedOccupations,
    policy: RankingPolicy,
    facts: RegionFacts | None = None,
) -> tuple[tuple[Reason, ...], ...]:
    """Reasons for each listed occupation, largest |weight| first (ties in REASON_FACTORS order).

    ``facts`` are the region's figures (``RegionFacts.from_catalogue``); without them the wage
    and demand reasons make no claim ("not_compared").
    """
    weights = measure_factor_weights(
        students, occupations, occupation_index, score_fit, ranked, policy
    )
    plan = students.plans[0]
    student_top = _top_interests(students)
    bands = _AptitudeBands.of(students.aptitudes[0], students.aptitudes_se[0])
    top_value = _top_value(students.work_values[0])
    value_pct = (
        _value_percentiles(occupations.work_values[:, top_value], occupation_index)
        if top_value is not None
        else np.full(len(occupation_index), np.nan)
    )
    result: list[tuple[Reason, ...]] = []
    for pos, occ in enumerate(occupation_index):
        said: dict[str, _Said] = {
            "interests": _say_interests(student_top, occupations.riasec[occ]),
            "aptitudes": _say_aptitudes(bands, occupations.aptitude_demand[occ]),
            "values": _say_values(top_value, float(value_pct[pos])),
            "education": _say_education(
                occupations.job_zone[occ], occupations.education_code[occ], plan
            ),
            "demand": _say_demand(facts, occ, float(ranked.demand[occ])),
            "wage": _say_wage(facts, occ),
        }
        reasons: list[Reason] = []
        for factor in REASON_FACTORS:
            w = float(weights[factor][pos])
            s = said[factor]
            reasons.append(
                Reason(
                    factor=factor,
                    weight=w,
                    claim=s.claim,
                    stance=s.stance,
                    facts=s.facts,
                    agrees=_agrees(s.stance, w),
                    message_id=s.message_id,
                    params=s.params,
                )
            )
        order = sorted(range(len(reasons)), key=lambda i: (-abs(reasons[i].weight), i))
        result.append(tuple(reasons[i] for i in order))
    return tuple(result)


# ------------------------------------------------------------------ disagreements


@dataclass(frozen=True)
class DisagreementCount:
    """Reasons whose measured effect points against their fact, over a set of results.

    ``compared`` counts reasons with both a stance ("pro"/"con") and a clear weight
    (|weight| >= SMALL_WEIGHT); ``by_factor`` maps factor -> (reasons, compared, disagreements).
    Disagreements on the student factors (``MODEL_FACTORS``) are the fit model's defects; on
    demand and wage they are the ranking policy's (its percentiles are among catalogue
    occupations, the facts against all jobs or the catalogue's thresholds).
    """

    reasons: int
    compared: int
    disagreements: int
    by_factor: Mapping[str, tuple[int, int, int]]

    @property
    def share(self) -> float:
        """Disagreements per compared reason (0 when none was compared)."""
        return self.disagreements / self.compared if self.compared else 0.0

    @property
    def model_disagreements(self) -> int:
        """Disagreements on the learned fit's factors."""
        return sum(self.by_factor.get(f, (0, 0, 0))[2] for f in MODEL_FACTORS)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "reasons": self.reasons,
            "compared": self.compared,
            "disagreements": self.disagreements,
            "share": self.share,
            "model_disagreements": self.model_disagreements,
            "by_factor": {
                f: {"reasons": n, "compared": c, "disagreements": d}
                for f, (n, c, d) in self.by_factor.items()
            },
        }


def _reasons_of(item: Any) -> Iterable[Any]:
    """The reasons of one occupation result (object or dict), or the item when it is a reason."""
    if isinstance(item, Reason):
        return (item,)
    if isinstance(item, Mapping):
        if "factor" in item:
            return (item,)
        return tuple(item.get("reasons", ()))
    if hasattr(item, "reasons"):
        return tuple(item.reasons)
    return tuple(item)


def _unique_occupations(result: Any) -> list[Any]:
    """A recommendation's occupations (pathway members and top list), each code once."""
    if isinstance(result, Mapping):
        pathways, top = result.get("pathways", ()), result.get("occupations", ())
        members = [o for p in pathways for o in p.get("occupations", ())]
    else:
        pathways, top = result.pathways, result.occupations
        members = [o for p in pathways for o in p.occupations]
    seen: dict[str, Any] = {}
    for o in [*members, *top]:
        code = o["code"] if isinstance(o, Mapping) else o.code
        seen.setdefault(code, o)
    return list(seen.values())


def count_disagreements(results: Iterable[Any]) -> DisagreementCount:
    """Count reasons whose model effect disagrees with their fact.

    ``results`` may hold recommendations (``Recommendation`` or its dict; each occupation is
    counted once), occupation results (objects with ``reasons`` or their dicts), tuples of
    ``Reason`` (as ``explain_occupations`` returns) or single reasons. A reason disagrees when
    ``agrees`` (``model_agrees`` in a dict) is False. Meant for ``pathways evaluate`` over the
    served lists of a benchmark's profiles.
    """
    n: Counter[str] = Counter()
    compared: Counter[str] = Counter()
    against: Counter[str] = Counter()
    for item in results:
        is_recommendation = (isinstance(item, Mapping) and "pathways" in item) or hasattr(
            item, "pathways"
        )
        occupations = _unique_occupations(item) if is_recommendation else [item]
        for occupation in occupations:
            for reason in _reasons_of(occupation):
                if isinstance(reason, Mapping):
                    factor, agrees = str(reason["factor"]), reason.get("model_agrees")
                else:
                    factor, agrees = reason.factor, reason.agrees
                n[factor] += 1
                if agrees is not None:
                    compared[factor] += 1
                    against[factor] += int(agrees is False)
    factors = [f for f in REASON_FACTORS if n[f]] + sorted(set(n) - set(REASON_FACTORS))
    return DisagreementCount(
        reasons=sum(n.values()),
        compared=sum(compared.values()),
        disagreements=sum(against.values()),
        by_factor={f: (n[f], compared[f], against[f]) for f in factors},
    )


# ------------------------------------------------------------------ pathway reasons

#: factor -> claim -> (group, stance) for pathway reasons; claims not listed make none.
_PATHWAY_GROUPS: Final[Mapping[str, Mapping[str, tuple[str, str]]]] = {
    "interests": {"shared": ("shared", "pro"), "not_shared": ("not_shared", "con")},
    "aptitudes": {"strength": ("strength", "pro"), "gap": ("gap", "con")},
    "values": {"offers": ("offers", "pro"), "offers_less": ("offers_less", "con")},
    "education": {
        "fits": ("fits", "pro"),
        "more": ("more", "con"),
        "mixed_more": ("more", "con"),
        "less": ("less", "con"),
        "mixed_less": ("less", "con"),
    },
    "demand": {
        "high_value": ("high_value", "pro"),
        "common": ("common", "pro"),
        "few": ("few", "con"),
    },
    "wage": {"above": ("above", "pro"), "below": ("below", "con")},
}


@dataclass(frozen=True)
class PathwayReason:
    """A claim true of ``count`` of the ``total`` occupations shown for a pathway.

    ``weight`` is the sum of those occupations' weights over ``total`` (their mean effect on
    the pathway's score); the sentence (``message_id`` with typed ``params``, rendered at the
    edge by ``service.reasons``) speaks of the pathway's jobs, never of "this job".
    """

    factor: str
    claim: str
    stance: str
    weight: float
    count: int
    total: int
    message_id: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


#: Who a pathway sentence speaks of: the one job shown, all of them, or some of them; first at
#: the start of a sentence, then inside one.
_WHO: Final = {
    "one": N_("The job shown for this pathway"),
    "all": N_("All %(total)s jobs shown for this pathway"),
    "some": N_("%(count)s of the %(total)s jobs shown for this pathway"),
}
_WHO_INSIDE: Final = {
    "one": N_("the job shown for this pathway"),
    "all": N_("all %(total)s jobs shown for this pathway"),
    "some": N_("%(count)s of the %(total)s jobs shown for this pathway"),
}

#: (factor, sentence) -> (message when the subject is one job, when it is several).
_PATHWAY_MESSAGES: Final[Mapping[tuple[str, str], tuple[str, str]]] = {
    ("interests", "shared_one"): (
        N_("%(who)s is a lot of %(areas)s, one of the things you like most."),
        N_("%(who)s are a lot of %(areas)s, one of the things you like most."),
    ),
    ("interests", "shared"): (
        N_("%(who)s involves things you like most: %(areas)s."),
        N_("%(who)s involve things you like most: %(areas)s."),
    ),
    ("interests", "not_shared"): (
        N_("%(who)s is mostly about things that are not among your top interests."),
        N_("%(who)s are mostly about things that are not among your top interests."),
    ),
    ("education", "fits_plan"): (
        N_("%(who)s fits your plan to %(plan)s."),
        N_("%(who)s fit your plan to %(plan)s."),
    ),
    ("education", "fits"): (
        N_("%(who)s fits your plan after high school."),
        N_("%(who)s fit your plan after high school."),
    ),
    ("education", "more"): (
        N_("%(who)s usually needs more schooling or training than your plan."),
        N_("%(who)s usually need more schooling or training than your plan."),
    ),
    ("education", "less"): (
        N_("%(who)s usually needs less schooling or training than your plan."),
        N_("%(who)s usually need less schooling or training than your plan."),
    ),
    ("wage", "above"): (
        N_("%(who)s pays more than the typical job in your region%(median)s.%(note)s"),
        N_("%(who)s pay more than the typical job in your region%(median)s.%(note)s"),
    ),
    ("wage", "below"): (
        N_("%(who)s pays less than the typical job in your region%(median)s.%(note)s"),
        N_("%(who)s pay less than the typical job in your region%(median)s.%(note)s"),
    ),
    ("demand", "high_value"): (
        N_("%(who)s is marked high value in your region."),
        N_("%(who)s are marked high value in your region."),
    ),
    ("demand", "common"): (
        N_("%(who)s has more workers in your region than most jobs we list."),
        N_("%(who)s have more workers in your region than most jobs we list."),
    ),
    ("demand", "few"): (
        N_("%(who)s has fewer workers in your region than most jobs we list."),
        N_("%(who)s have fewer workers in your region than most jobs we list."),
    ),
    ("aptitudes", "strength_one"): (
        N_("Your score in %(aptitude)s is above what %(who)s asks for."),
        N_("Your score in %(aptitude)s is above what %(who)s ask for."),
    ),
    ("aptitudes", "strength"): (
        N_("Your score in the skill each asks for most is above what %(who)s asks for."),
        N_("Your score in the skill each asks for most is above what %(who)s ask for."),
    ),
    ("aptitudes", "gap_one"): (
        N_("Your score in %(aptitude)s is below what %(who)s asks for."),
        N_("Your score in %(aptitude)s is below what %(who)s ask for."),
    ),
    ("aptitudes", "gap"): (
        N_("Your score in the skill each asks for most is below what %(who)s asks for."),
        N_("Your score in the skill each asks for most is below what %(who)s ask for."),
    ),
    ("values", "offers_one"): (
        N_("%(who)s offers more of what you said matters most (%(value)s) than most jobs we list."),
        N_("%(who)s offer more of what you said matters most (%(value)s) than most jobs we list."),
    ),
    ("values", "offers"): (
        N_("%(who)s offers more of what you said matters most than most jobs we list."),
        N_("%(who)s offer more of what you said matters most than most jobs we list."),
    ),
    ("values", "offers_less_one"): (
        N_("%(who)s offers less of what you said matters most (%(value)s) than most jobs we list."),
        N_("%(who)s offer less of what you said matters most (%(value)s) than most jobs we list."),
    ),
    ("values", "offers_less"): (
        N_("%(who)s offers less of what you said matters most than most jobs we list."),
        N_("%(who)s offer less of what you said matters most than most jobs we list."),
    ),
}
#: A wage sentence's note on group figures.
_WAGE_GROUP_NOTE: Final = N_(" Some of these figures are a whole job group's.")


def _pathway_message(
    factor: str, group: str, count: int, total: int, facts: list[Mapping[str, Any]]
) -> tuple[str, dict[str, Any]]:
    """The message id and typed parameters of one pathway sentence (see ``_PATHWAY_MESSAGES``)."""
    form = "one" if total == 1 else "all" if count == total else "some"
    numbers = {"count": {"number": count}, "total": {"number": total}}
    inside = factor == "aptitudes"
    who = _msg((_WHO_INSIDE if inside else _WHO)[form], **({} if form == "one" else numbers))
    params: dict[str, Any] = {"who": who}
    sentence = group
    if factor == "interests" and group == "shared":
        seen: Counter[str] = Counter(a for f in facts for a in f.get("shared", ()))
        areas = sorted((a for a in RIASEC if seen[a]), key=lambda a: -seen[a])
        params["areas"] = _areas_param(areas)
        sentence = "shared_one" if len(areas) == 1 else "shared"
    elif factor == "education" and group == "fits":
        plan = next((str(f["plan"]) for f in facts if f.get("plan") in _PLAN_MESSAGES), "")
        if plan:
            params["plan"] = _msg(_PLAN_MESSAGES[plan])
            sentence = "fits_plan"
    elif factor == "wage":
        median = next((f.get("all_jobs_median") for f in facts if f.get("all_jobs_median")), None)
        group_note = any(f.get("figures_scope") == "group" for f in facts)
        params["median"] = _msg(_WAGE_MEDIAN, median={"money": median}) if median else _NOTHING
        params["note"] = _msg(_WAGE_GROUP_NOTE) if group_note else _NOTHING
    elif factor == "aptitudes":
        names = {str(f["aptitude"]) for f in facts if f.get("aptitude") in _APTITUDE_MESSAGES}
        if len(names) == 1:
            params["aptitude"] = _msg(_APTITUDE_MESSAGES[names.pop()])
            sentence = f"{group}_one"
    elif factor == "values":
        value = next((f.get("value") for f in facts if f.get("value") in _VALUE_MESSAGES), None)
        if value:
            params["value"] = _msg(_VALUE_MESSAGES[str(value)])
            sentence = f"{group}_one"
    singular, plural = _PATHWAY_MESSAGES[(factor, sentence)]
    return (plural if count != 1 else singular), params


def pathway_reasons(occupations: Sequence[Mapping[str, Any]]) -> tuple[PathwayReason, ...]:
    """Pathway-level reasons from the JSON form of its shown occupations (``to_dict``).

    Per factor, the occupations whose reasons make the same claim (``_PATHWAY_GROUPS``: e.g.
    "more" and "mixed_more" education claims both need more schooling than the plan) give one
    sentence about "all N jobs shown" or "k of the N jobs shown". Neutral facts make none.
    Largest |weight| first. Occupations whose reasons have no ``claim`` (results stored before
    reasons were checked against the figures) give nothing.
    """
    total = len(occupations)
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    stances: dict[tuple[str, str], str] = {}
    for o in occupations:
        for r in o.get("reasons", ()):
            factor = str(r.get("factor", ""))
            mapped = _PATHWAY_GROUPS.get(factor, {}).get(str(r.get("claim", "")))
            if mapped is None:
                continue
            key = (factor, mapped[0])
            groups.setdefault(key, []).append(r)
            stances[key] = mapped[1]
    out: list[PathwayReason] = []
    for (factor, group), members in groups.items():
        facts = [m.get("facts") or {} for m in members]
        message_id, params = _pathway_message(factor, group, len(members), total, facts)
        out.append(
            PathwayReason(
                factor=factor,
                claim=group,
                stance=stances[(factor, group)],
                weight=sum(float(m.get("weight", 0.0)) for m in members) / max(total, 1),
                count=len(members),
                total=total,
                message_id=message_id,
                params=params,
            )
        )
    factor_rank = {f: i for i, f in enumerate(REASON_FACTORS)}
    out.sort(key=lambda p: (-abs(p.weight), factor_rank.get(p.factor, 99), p.claim))
    return tuple(out)
