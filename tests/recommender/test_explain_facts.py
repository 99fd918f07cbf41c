"""Every reason's claim is true of the catalogue's figures: the whole catalogue, every plan and
every region, whatever the model's weights say (issue 11).

The scorer is a fixed random non-linear function of the pair features, so weights take both signs;
claims must not follow them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from recommender.catalogue import EDUCATION_LEVELS, Catalogue, load_catalogue
from recommender.dimensions import APTITUDES, PLANS, RIASEC, WORK_VALUES
from recommender.engine import Recommender
from recommender.explain import (
    EDUCATION_JOB_ZONES,
    MOST_HIGH,
    MOST_LOW,
    REASON_FACTORS,
    WAGE_ABOUT_SAME,
    HighValueRule,
    Reason,
    RegionFacts,
    all_jobs_median_wage,
    all_jobs_median_wages,
    count_disagreements,
    education_step,
    explain_occupations,
    high_value_rule_message,
    pathway_reasons,
)
from recommender.features import (
    FEATURE_NAMES,
    PLAN_JOB_ZONES,
    OccupationArrays,
    StudentBatch,
    build_pair_features_batch,
    normal_cdf,
)
from recommender.ranking import RankingPolicy, rank_occupations
from service.reasons import reason_text, render_message
from tests.model.synthetic import make_profile

_W = np.random.default_rng(11).normal(size=len(FEATURE_NAMES)).astype(np.float32)
STATEWIDE = "2800000"
GULF_COAST = "0025060"  # Gulfport-Biloxi, the issue's region


def scorer(x: np.ndarray) -> np.ndarray:
    z = np.tanh(x.astype(np.float32)) @ _W / 4.0
    return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


@cache
def catalogue() -> Catalogue:
    return load_catalogue()


@cache
def engine() -> Recommender:
    return Recommender.build(catalogue(), scorer, "facts-test")


def _profile(plan: str, seed: int = 3, aptitudes: bool = True) -> SimpleNamespace:
    p = make_profile(seed, plan=plan)
    if not aptitudes:
        p.aptitudes = np.full(len(APTITUDES), np.nan, dtype=np.float32)
        p.aptitudes_se = np.full(len(APTITUDES), np.nan, dtype=np.float32)
    return p


@cache
def explained(
    region: str, plan: str, seed: int = 3, aptitudes: bool = True
) -> list[dict[str, Reason]]:
    """Per catalogue occupation (catalogue order): factor -> its reason, in ``region`` for
    ``plan``, for one synthetic student."""
    rec = engine()
    cat = catalogue()
    students = StudentBatch.from_profiles([_profile(plan, seed, aptitudes)])
    occ = rec.occupations
    n = occ.size
    fit = scorer(
        build_pair_features_batch(students, occ, np.zeros(n, dtype=np.int64), np.arange(n))
    )
    r = cat.region_index(region)
    policy = RankingPolicy()
    ranked = rank_occupations(fit, rec.demand[r], rec.wage[r], cat.high_value[r], policy)
    facts = RegionFacts.from_catalogue(cat, r)
    reasons = explain_occupations(students, occ, range(n), scorer, ranked, policy, facts=facts)
    return [{x.factor: x for x in per_occ} for per_occ in reasons]


def sentence(reason: Reason | Mapping[str, Any], language: str = "en") -> str:
    """A reason's (or an education step's) sentence as readers of ``language`` see it: its
    message id and parameters rendered by the service (``service.reasons``)."""
    return reason_text(reason.to_dict() if isinstance(reason, Reason) else reason, language)


def _index(title_start: str) -> int:
    cat = catalogue()
    return next(i for i, t in enumerate(cat.titles) if t.startswith(title_start))


# ---------------------------------------------------------------- education, every plan


@pytest.mark.parametrize("plan", PLANS)
def test_every_education_claim_agrees_with_the_job_zone_and_usual_education(plan: str) -> None:
    cat = catalogue()
    lo, hi = PLAN_JOB_ZONES[plan]
    for j, by_factor in enumerate(explained(STATEWIDE, plan)):
        reason = by_factor["education"]
        zone = int(cat.job_zone[j])
        code = int(cat.education_code[j])
        zone_cmp = 1 if zone > hi else (-1 if zone < lo else 0)
        edu_cmp = None
        if 0 <= code < len(EDUCATION_JOB_ZONES):
            e_lo, e_hi = EDUCATION_JOB_ZONES[code]
            edu_cmp = 1 if e_lo > hi else (-1 if e_hi < lo else 0)
        if plan == "undecided":
            expected = "no_plan"
        elif zone_cmp == 1:
            expected = "more"
        elif zone_cmp == -1:
            expected = "less"
        elif edu_cmp == 1:
            expected = "mixed_more"
        elif edu_cmp == -1:
            expected = "mixed_less"
        else:
            expected = "fits"
        where = f"{cat.titles[j]} (zone {zone}, {code}) for {plan}"
        assert reason.claim == expected, where
        assert reason.stance == {"fits": "pro", "no_plan": "none"}.get(expected, "con"), where
        text = sentence(reason)
        # the sentence says "fits your plan to ..." only when the job fits on both counts
        assert ("which fits your plan to" in text) == (expected == "fits"), where
        text_es = sentence(reason, "es")
        assert ("lo que encaja con tu plan de" in text_es) == (expected == "fits"), where
        assert ("más preparación que tu plan" in text_es) == (expected == "more"), where
        assert ("menos preparación que tu plan" in text_es) == (expected == "less"), where
        assert ("more preparation than your plan" in text) == (expected == "more"), where
        assert ("less preparation than your plan" in text) == (expected == "less"), where
        assert ("more schooling than your plan" in text) == (expected == "mixed_more"), where
        assert ("less schooling than your plan" in text) == (expected == "mixed_less"), where
        assert "different amount" not in text
        # the fact it rests on is named
        assert reason.facts["job_zone"] == zone and reason.facts["plan_zones"] == [lo, hi]
        if code >= 0:
            assert reason.facts["education_code"] == code
            assert f"most people start it with {_LEVEL_WORDS[EDUCATION_LEVELS[code]]}" in text


#: How long each usual education takes after high school, as the step sentences must say it.
_YEARS_WORDS: Mapping[int, tuple[str, str]] = {
    0: ("no schooling after high school", "sin estudios después de la prepa"),
    1: ("no schooling after high school", "sin estudios después de la prepa"),
    2: ("a few months to 2 years after high school", "de unos meses a 2 años"),
    3: ("a few months to 2 years after high school", "de unos meses a 2 años"),
    4: ("about 2 years after high school", "unos 2 años después"),
    5: ("about 4 years after high school", "unos 4 años después"),
    6: ("about 6 years after high school", "unos 6 años después"),
    7: ("7 years or more after high school", "7 años o más"),
}


@pytest.mark.parametrize("plan", PLANS)
def test_a_mismatch_says_what_the_step_is(plan: str) -> None:
    """Issue 11 item 4: when the usual education is beyond or below the plan, the reason and the
    step beside the routes say what it is and how long it takes, in both languages."""
    cat = catalogue()
    lo, hi = PLAN_JOB_ZONES[plan]
    for j, by_factor in enumerate(explained(STATEWIDE, plan)):
        reason = by_factor["education"]
        code = int(cat.education_code[j])
        edu_cmp = None
        if 0 <= code < len(EDUCATION_JOB_ZONES) and plan != "undecided":
            e_lo, e_hi = EDUCATION_JOB_ZONES[code]
            edu_cmp = 1 if e_lo > hi else (-1 if e_hi < lo else 0)
        step = education_step(code, plan)
        where = f"{cat.titles[j]} ({code}) for {plan}"
        if not edu_cmp:
            assert step is None, where
            assert "after high school)" not in sentence(reason), where
            assert "después de la prepa)" not in sentence(reason, "es"), where
            continue
        en, es = _YEARS_WORDS[code]
        level = _LEVEL_WORDS[EDUCATION_LEVELS[code]]
        assert step is not None and step["vs_plan"] == edu_cmp, where
        assert sentence(step).startswith(f"Usually {level}") and en in sentence(step), where
        assert es in sentence(step, "es"), where
        assert ("more schooling" in sentence(step)) == (edu_cmp > 0), where
        assert ("less schooling" in sentence(step)) == (edu_cmp < 0), where
        assert f"most people start it with {level} ({en}" in sentence(reason), where
        assert f"({es}" in sentence(reason, "es"), where
        assert reason.facts["education_min_years"] == step["min_years"], where
        assert reason.stance == "con", where


def test_the_issues_step_example() -> None:
    step = education_step(EDUCATION_LEVELS.index("Bachelor's degree"), "community_college")
    assert step is not None
    assert "a bachelor's degree: about 4 years after high school" in sentence(step)
    assert "una licenciatura: unos 4 años después de la prepa" in sentence(step, "es")
    assert education_step(EDUCATION_LEVELS.index("Associate's degree"), "community_college") is None
    assert education_step(EDUCATION_LEVELS.index("Bachelor's degree"), "undecided") is None


#: How the English sentences name each BLS typical entry education.
_LEVEL_WORDS: Mapping[str, str] = {
    "No formal educational credential": "no formal credential",
    "High school diploma or equivalent": "a high school diploma",
    "Some college, no degree": "some college but no degree",
    "Postsecondary nondegree award": "a certificate or other award after high school",
    "Associate's degree": "an associate's degree",
    "Bachelor's degree": "a bachelor's degree",
    "Master's degree": "a master's degree",
    "Doctoral or professional degree": "a doctoral or professional degree",
}


def test_the_issues_examples_are_told_as_the_figures_say() -> None:
    apprenticeship = explained(GULF_COAST, "apprenticeship_certificate")
    for title in ("Electricians", "Machinists", "Heating, Air Conditioning"):
        reason = apprenticeship[_index(title)]["education"]
        assert reason.claim == "fits" and reason.stance == "pro", title
    gis = apprenticeship[_index("Geographic Information Systems Technologists")]["education"]
    assert gis.claim == "mixed_more" and "bachelor's degree" in sentence(gis)
    assert "which fits your plan to" not in sentence(gis)
    hosts = explained(GULF_COAST, "community_college")[_index("Hosts and Hostesses")]["education"]
    assert hosts.claim == "mixed_less" and hosts.stance == "con"
    assert "no formal credential" in sentence(hosts)
    wages = explained(GULF_COAST, "community_college")
    for title in (
        "Operating Engineers",
        "Heavy and Tractor-Trailer Truck Drivers",
        "Elementary School Teachers",
    ):
        reason = wages[_index(title)]["wage"]
        assert reason.claim == "above" and "more than the typical job" in sentence(reason), title
        assert "$43,470" in sentence(reason) and "less" not in sentence(reason), title


# ---------------------------------------------------------------- wages, every region


@pytest.mark.parametrize("region", [r.code for r in load_catalogue().regions])
def test_every_wage_claim_agrees_with_the_regions_all_jobs_median(region: str) -> None:
    cat = catalogue()
    r = cat.region_index(region)
    median = all_jobs_median_wage(cat, region)
    assert (
        median is not None
        and median
        == cat.manifest["coverage_pct"]["oews_by_region"][region]["all_occupation_median_wage"]
    )
    published = 0
    for j, by_factor in enumerate(explained(region, "community_college")):
        reason = by_factor["wage"]
        wage = float(cat.wage_median[r, j])
        where = f"{cat.titles[j]} in {region}"
        if not math.isfinite(wage):
            assert reason.claim == "no_figure" and reason.stance == "none", where
            assert "$" not in sentence(reason) and "$" not in sentence(reason, "es"), where
            assert reason.facts["wage"] is None
            continue
        published += 1
        ratio = wage / median
        if ratio > 1 + WAGE_ABOUT_SAME:
            assert reason.claim == "above" and reason.stance == "pro", where
        elif ratio < 1 - WAGE_ABOUT_SAME:
            assert reason.claim == "below" and reason.stance == "con", where
        else:
            assert reason.claim == "about" and reason.stance == "none", where
        text, text_es = sentence(reason), sentence(reason, "es")
        assert ("more than the typical job" in text) == (wage > median * 1.05), where
        assert ("less than the typical job" in text) == (wage < median * 0.95), where
        assert ("más que el empleo típico" in text_es) == (wage > median * 1.05), where
        assert ("menos que el empleo típico" in text_es) == (wage < median * 0.95), where
        assert f"${wage:,.0f}" in text and f"${median:,.0f}" in text, where
        assert f"${wage:,.0f}" in text_es and f"${median:,.0f}" in text_es, where
        # whose figure it is
        series = cat.oews_series(j)
        if series.scope == "group":
            assert "job group" in text and "grupo" in text_es, where
            assert (series.title or series.code) in text, where
        else:
            assert "group" not in text and "grupo" not in text_es, where
        source = int(cat.wage_source[r, j])
        assert ("in Mississippi (none is published" in text) == (source == 1), where
        assert ("nationally (none is published" in text) == (source == 2), where
        # the high-value badge needs pay at or above the median: never "less" beside it
        if cat.high_value[r, j]:
            assert reason.claim != "below", where
    assert published > 800


# ---------------------------------------------------------------- no claim about a missing figure


@pytest.mark.parametrize("region", [r.code for r in load_catalogue().regions])
def test_no_reason_claims_anything_about_a_missing_figure(region: str) -> None:
    cat = catalogue()
    r = cat.region_index(region)
    rec = engine()
    values_known = np.all(np.isfinite(cat.work_values), axis=1)
    for j, by_factor in enumerate(explained(region, "work", seed=5, aptitudes=False)):
        where = f"{cat.titles[j]} in {region}"
        demand = by_factor["demand"]
        employment = float(cat.employment[r, j])
        if cat.high_value[r, j]:
            assert demand.claim == "high_value" and demand.stance == "pro", where
        elif not math.isfinite(employment):
            assert demand.claim == "no_figure" and demand.stance == "none", where
            assert demand.facts["employment"] is None and demand.facts["percentile"] is None
        else:
            pct = float(rec.demand[r, j])
            expected = "common" if pct > MOST_HIGH else ("few" if pct < MOST_LOW else "middle")
            assert demand.claim == expected, where
        assert demand.claim != "high_value" or cat.high_value[r, j], where
        # no aptitude score: no strength or gap claimed
        apt = by_factor["aptitudes"]
        assert apt.claim == "no_score" and apt.stance == "none", where
        assert "above" not in sentence(apt) and "below" not in sentence(apt)
        # no work-value data for the job: nothing said about what it offers
        values = by_factor["values"]
        if not values_known[j]:
            assert values.claim in ("no_data", "flat") and values.stance == "none", where
        for reason in by_factor.values():
            if reason.stance != "none":
                assert all(
                    v is not None for k, v in reason.facts.items() if k in _NEEDED[reason.factor]
                ), where


#: Facts a pro or con claim of each factor must have.
_NEEDED: Mapping[str, tuple[str, ...]] = {
    "interests": ("shared", "job_top"),
    "aptitudes": ("aptitude", "demand", "low", "high"),
    "values": ("value", "percentile"),
    "education": ("job_zone", "plan_zones"),
    "demand": ("high_value",),
    "wage": ("wage", "all_jobs_median"),
}


def test_demand_claims_other_than_high_value_have_their_figures() -> None:
    for region in (STATEWIDE, GULF_COAST):
        for by_factor in explained(region, "work", seed=5, aptitudes=False):
            demand = by_factor["demand"]
            if demand.claim in ("common", "few", "middle"):
                assert demand.facts["employment"] is not None
                assert demand.facts["percentile"] is not None


# ---------------------------------------------------------------- aptitudes and values


def test_aptitude_strength_or_gap_only_beyond_one_standard_error() -> None:
    cat = catalogue()
    occ = OccupationArrays.from_catalogue(cat)
    rng = np.random.default_rng(0)
    seen: set[str] = set()
    for seed in range(6):
        rows = explained(STATEWIDE, "community_college", seed=seed)
        profile = _profile("community_college", seed)
        z = np.asarray(profile.aptitudes, dtype=np.float64)
        se = np.asarray(profile.aptitudes_se, dtype=np.float64)
        known = np.isfinite(z)
        for j in rng.choice(occ.size, size=200, replace=False):
            reason = rows[j]["aptitudes"]
            need = occ.aptitude_demand[j]
            k = int(np.argmax(np.where(known, need, -np.inf)))
            assert reason.facts["aptitude"] == APTITUDES[k]
            low, high = normal_cdf(np.array([z[k] - se[k], z[k] + se[k]]))
            expected = "strength" if low > need[k] else ("gap" if high < need[k] else "at_level")
            assert reason.claim == expected
            seen.add(reason.claim)
    assert seen == {"strength", "gap", "at_level"}


def test_values_claims_rank_the_jobs_value_among_the_catalogue() -> None:
    cat = catalogue()
    values = np.asarray(cat.work_values, dtype=np.float64)
    profile = _profile("community_college", 3)
    top = int(np.argmax(profile.work_values))
    col = values[:, top]
    known = np.isfinite(col)
    for j, by_factor in enumerate(explained(STATEWIDE, "community_college")):
        reason = by_factor["values"]
        assert reason.facts["value"] == WORK_VALUES[top]
        if not known[j]:
            assert reason.claim == "no_data"
            continue
        pct = (np.sum(col[known] < col[j]) + 0.5 * np.sum(col[known] == col[j])) / known.sum()
        expected = "offers" if pct > MOST_HIGH else ("offers_less" if pct < MOST_LOW else "middle")
        assert reason.claim == expected, cat.titles[j]


def test_interest_claims_name_areas_the_job_and_student_share() -> None:
    for by_factor in explained(STATEWIDE, "community_college"):
        reason = by_factor["interests"]
        shared = reason.facts["shared"]
        assert set(shared) <= set(reason.facts["job_top"])
        assert (reason.claim == "shared") == bool(shared)
        assert all(a in RIASEC for a in shared)


# ---------------------------------------------------------------- pathways


def _as_dicts(rows: list[dict[str, Reason]], members: tuple[int, ...]) -> list[dict[str, Any]]:
    return [
        {"code": str(j), "reasons": [rows[j][f].to_dict() for f in REASON_FACTORS]} for j in members
    ]


@pytest.mark.parametrize("plan", ["apprenticeship_certificate", "four_year_college"])
def test_pathway_reasons_speak_of_the_pathways_jobs_and_count_them(plan: str) -> None:
    cat = catalogue()
    rows = explained(GULF_COAST, plan)
    for pathway in cat.pathways:
        members = pathway.occupation_index[:3]
        occupations = _as_dicts(rows, members)
        for said in pathway_reasons(occupations):
            for language in ("en", "es"):
                text = render_message(said.message_id, said.params, language)
                assert "This job" not in text and "Este empleo" not in text
                holding = [
                    o
                    for o in occupations
                    for r in o["reasons"]
                    if r["factor"] == said.factor
                    and r["stance"] == said.stance
                    and _group(r["factor"], r["claim"]) == said.claim
                ]
                assert said.count == len(holding) and said.total == len(members)
                if language == "en":
                    if len(members) == 1:
                        assert "the job shown for this pathway" in text.lower()
                    elif said.count == said.total:
                        assert f"all {said.total} jobs shown for this pathway" in text.lower()
                    else:
                        assert f"{said.count} of the {said.total} jobs shown" in text


def _group(factor: str, claim: str) -> str:
    if factor == "education" and claim.startswith("mixed_"):
        return claim.removeprefix("mixed_")
    return claim


def test_unchecked_reasons_give_no_pathway_reason() -> None:
    rows = explained(GULF_COAST, "work")
    occupations = _as_dicts(rows, (0, 1, 2))
    old = [
        {
            **o,
            "reasons": [
                {"factor": r["factor"], "weight": r["weight"], "text": "Old.", "es": "Viejo."}
                for r in o["reasons"]
            ],
        }
        for o in occupations
    ]
    assert pathway_reasons(old) == ()
    assert count_disagreements(old).compared == 0


# ---------------------------------------------------------------- high value, region figures


def test_the_high_value_rule_is_stated_with_its_thresholds() -> None:
    cat = catalogue()
    rule = HighValueRule.from_manifest(cat.manifest)
    params = cat.manifest["parameters"]["high_value_rule"]
    assert rule.min_employment == params["min_employment"] == 100
    assert rule.min_wage_ratio == params["min_wage_ratio"]
    legend = high_value_rule_message(rule, all_jobs_median_wage(cat, GULF_COAST))
    text = render_message(*legend, "en")
    for part in ("$43,470", "at least 100", "3.1 %", "2024–34", "Bright Outlook", "state"):
        assert part in text, part
    es = render_message(*legend, "es")
    for part in ("$43,470", "al menos 100", "3.1 %", "2024–34", "Bright Outlook", "estado"):
        assert part in es, part
    assert es.startswith("Alto valor")
    medians = all_jobs_median_wages(cat)
    assert medians.shape == (len(cat.regions),) and np.all(np.isfinite(medians))
    # the catalogue's flag keeps the rule's wage test against the all-jobs median
    for r, region in enumerate(cat.regions):
        flagged = np.flatnonzero(cat.high_value[r])
        assert np.all(cat.wage_median[r, flagged] >= medians[r]), region.code


@pytest.mark.parametrize(
    "rule",
    [
        HighValueRule(),
        HighValueRule(min_wage_ratio=1.25, max_wage_source=0, use_bright_outlook=False),
        HighValueRule(growth_margin_pct=2.0, all_jobs_growth_pct=3.1),
        HighValueRule(all_jobs_growth_pct=3.1, projection_years="2024–34", min_employment=15000),
    ],
)
def test_every_form_of_the_high_value_rule_is_said_in_each_language(rule: HighValueRule) -> None:
    for median in (None, 43470.0):
        for language in ("en", "es"):
            text = render_message(*high_value_rule_message(rule, median), language)
            assert "%(" not in text and ")s" not in text and "%%" not in text, text
            assert (f"{rule.min_employment:,}" in text) and (("$43,470" in text) == bool(median))
            assert ("Bright Outlook" in text) == rule.use_bright_outlook, text
            if rule.min_wage_ratio != 1.0:
                assert f"{rule.min_wage_ratio:g}" in text, text
            if rule.all_jobs_growth_pct is not None:
                assert f"({rule.all_jobs_growth_pct:g} %" in text, text
            if rule.growth_margin_pct:
                assert f"{rule.growth_margin_pct:g}" in text, text
            if rule.projection_years:
                assert rule.projection_years in text, text


def test_a_catalogue_without_the_all_jobs_median_makes_no_wage_comparison() -> None:
    cat = catalogue()
    bare = SimpleNamespace(
        regions=cat.regions,
        codes=cat.codes,
        wage_median=cat.wage_median,
        employment=cat.employment,
        high_value=cat.high_value,
        manifest={},
    )
    assert all_jobs_median_wage(bare, GULF_COAST) is None
    facts = RegionFacts.from_catalogue(bare, cat.region_index(GULF_COAST))
    assert facts.all_jobs_median_wage is None
    students = StudentBatch.from_profiles([_profile("work")])
    rec = engine()
    n = rec.occupations.size
    fit = scorer(
        build_pair_features_batch(students, rec.occupations, np.zeros(n, int), np.arange(n))
    )
    r = cat.region_index(GULF_COAST)
    ranked = rank_occupations(fit, rec.demand[r], rec.wage[r], cat.high_value[r], RankingPolicy())
    reasons = explain_occupations(
        students, rec.occupations, range(50), scorer, ranked, RankingPolicy(), facts=facts
    )
    for per_occ in reasons:
        wage = next(x for x in per_occ if x.factor == "wage")
        assert wage.claim in ("no_comparison", "no_figure") and wage.stance == "none"
        assert "typical job" not in sentence(wage)
