"""Synthetic cohort: seeding, documented gender effects, grades, exploration, real instrument."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from recommender.catalogue import load_catalogue
from recommender.dimensions import RIASEC
from recommender.features import StudentBatch
from training.cohort import (
    INTEREST_GENDER_D,
    MEMPHIS_REGION,
    RACE_ETHNICITY,
    RACE_SHARES,
    CohortConfig,
    build_relevance_model,
    full_outcomes,
    generate_cohort,
    latent_covariance,
    observe_with_instrument,
    observe_with_noise,
    race_shares_by_region,
    region_employment_shares,
    region_employment_totals,
)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def cohort(catalogue):
    return generate_cohort(catalogue, CohortConfig(n_students=6000, seed=3), observe_with_noise)


def test_same_seed_same_cohort_other_seed_differs(catalogue) -> None:
    a = generate_cohort(catalogue, CohortConfig(n_students=200, seed=1), observe_with_noise)
    b = generate_cohort(catalogue, CohortConfig(n_students=200, seed=1), observe_with_noise)
    c = generate_cohort(catalogue, CohortConfig(n_students=200, seed=2), observe_with_noise)
    np.testing.assert_array_equal(a.pair_occupation, b.pair_occupation)
    np.testing.assert_array_equal(a.pair_grade, b.pair_grade)
    np.testing.assert_array_equal(a.students.interests, b.students.interests)
    assert not np.array_equal(a.pair_occupation, c.pair_occupation)


def test_latent_correlation_matrix_is_positive_definite() -> None:
    c = latent_covariance()
    np.testing.assert_array_equal(c, c.T)
    assert np.linalg.eigvalsh(c).min() > 0


@pytest.mark.parametrize("area", list(RIASEC))
def test_interest_gender_differences_match_the_documented_effect_sizes(cohort, area) -> None:
    k = RIASEC.index(area)
    x = cohort.latent_interests[:, k]
    male, female = x[cohort.gender == "male"], x[cohort.gender == "female"]
    pooled = np.sqrt((male.var() + female.var()) / 2)
    d = (male.mean() - female.mean()) / pooled
    assert d == pytest.approx(INTEREST_GENDER_D[area], abs=0.08)


def test_protected_attributes_are_not_part_of_the_student_inputs(cohort) -> None:
    names = {f.name for f in dataclasses.fields(StudentBatch)}
    assert not names & {"gender", "race_ethnicity", "race", "ethnicity", "sex"}
    assert set(np.unique(cohort.gender)) == {"female", "male"}
    assert len(np.unique(cohort.race_ethnicity)) >= 4


def test_grades_are_0_to_3_with_every_grade_present(cohort) -> None:
    counts = np.bincount(cohort.pair_grade, minlength=4)
    assert counts.size == 4
    assert np.all(counts > 0)
    per = cohort.config.explored_per_student + cohort.config.random_per_student
    assert cohort.pair_grade.size == cohort.size * per


def test_explored_occupations_fare_better_than_random_ones(cohort) -> None:
    per = cohort.config.explored_per_student + cohort.config.random_per_student
    grades = cohort.pair_grade.reshape(cohort.size, per).astype(float)
    explored = grades[:, : cohort.config.explored_per_student].mean()
    random = grades[:, cohort.config.explored_per_student :].mean()
    assert explored > random + 0.2


def test_relevance_rises_with_interest_congruence(catalogue) -> None:
    model = build_relevance_model(catalogue, CohortConfig())
    n = model.occupations.size
    realistic = np.zeros((1, 6))
    realistic[0, RIASEC.index("R")] = 2.0
    social = np.zeros((1, 6))
    social[0, RIASEC.index("S")] = 2.0
    args = (np.zeros((1, 5)), np.zeros((1, 6)), np.array([5]), np.zeros((1, n)))
    r_rel = model.relevance(realistic, *args)[0]
    s_rel = model.relevance(social, *args)[0]
    r_heavy = model.occupations.riasec_first == RIASEC.index("R")
    assert (r_rel - s_rel)[r_heavy].mean() > 0.3


def test_answers_go_through_the_real_instrument_and_scorer(catalogue) -> None:
    cohort = generate_cohort(
        catalogue, CohortConfig(n_students=300, seed=4), observe_with_instrument
    )
    for k in range(len(RIASEC)):
        r = np.corrcoef(cohort.students.interests[:, k], cohort.latent_interests[:, k])[0, 1]
        assert r > 0.8
    assert np.all(np.isfinite(cohort.students.interests))


# ------------------------------------------------------------------ regions and race/ethnicity

RAW_OEWS = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "raw"
    / "bls_oews_2025"
    / "oews_may2025_mississippi_areas.csv"
)


def test_memphis_weight_is_the_statewide_total_minus_the_other_areas(catalogue) -> None:
    totals = region_employment_totals(catalogue)
    rows, shares = region_employment_shares(catalogue)
    codes = [catalogue.regions[i].code for i in rows]
    state = [r.kind for r in catalogue.regions].index("state")
    others = sum(totals[i] for i, c in zip(rows, codes, strict=True) if c != MEMPHIS_REGION)
    memphis_ms = totals[state] - others
    assert shares.sum() == pytest.approx(1.0)
    assert shares[codes.index(MEMPHIS_REGION)] == pytest.approx(memphis_ms / totals[state])
    # the whole three-state metro is several times its Mississippi part
    assert totals[catalogue.region_index(MEMPHIS_REGION)] > 3 * memphis_ms


def test_cohort_regions_follow_the_employment_shares(catalogue, cohort) -> None:
    rows, shares = region_employment_shares(catalogue)
    drawn = np.bincount(cohort.region_index, minlength=len(catalogue.regions))[rows] / cohort.size
    np.testing.assert_allclose(drawn, shares, atol=0.015)
    memphis = catalogue.region_index(MEMPHIS_REGION)
    assert (cohort.region_index == memphis).mean() < 0.2
    state = catalogue.region_index("2800000")
    assert not (cohort.region_index == state).any()


@pytest.mark.shared
@pytest.mark.shared
def test_catalogue_region_totals_agree_with_oews_all_occupations() -> None:
    import csv

    catalogue = load_catalogue()
    with RAW_OEWS.open(encoding="utf-8", newline="") as fh:
        published = {
            row["area_code"]: float(row["tot_emp"])
            for row in csv.DictReader(fh)
            if row["occ_code"] == "00-0000" and row["area_code"] != "0000000"
        }
    totals = region_employment_totals(catalogue)
    for region in catalogue.regions:
        got = totals[catalogue.region_index(region.code)]
        assert got == pytest.approx(published[region.code], rel=0.05), region.code


def test_race_shares_rake_to_the_statewide_figures_and_keep_the_regional_pattern(
    catalogue,
) -> None:
    rows, shares = region_employment_shares(catalogue)
    codes = [catalogue.regions[i].code for i in rows]
    table = race_shares_by_region(codes, shares)
    np.testing.assert_allclose(table.sum(axis=1), 1.0)
    np.testing.assert_allclose(shares @ table, RACE_SHARES, atol=1e-6)
    black = RACE_ETHNICITY.index("black")
    assert table[codes.index("2800005"), black] > 0.6  # the Delta is majority Black
    assert table[codes.index("2800006"), black] < 0.45
    assert table[codes.index("2800005"), black] == table[:, black].max()


def test_cohort_race_depends_on_region_but_not_on_interests(catalogue, cohort) -> None:
    shares = {r: float((cohort.race_ethnicity == r).mean()) for r in RACE_ETHNICITY}
    for r, target in zip(RACE_ETHNICITY, RACE_SHARES, strict=True):
        assert shares[r] == pytest.approx(target, abs=0.02)
    delta = cohort.region_index == catalogue.region_index("2800005")
    assert (cohort.race_ethnicity[delta] == "black").mean() > 0.6
    # no interest differences by race/ethnicity are generated
    for r in ("black", "white"):
        group = cohort.latent_interests[cohort.race_ethnicity == r]
        np.testing.assert_allclose(group.mean(axis=0), 0.0, atol=0.15)


def test_observed_interest_levels_match_real_respondents(catalogue) -> None:
    """Scale means and SDs of simulated answers are within 0.1 of the real ages-19-or-under ones
    (the response placement is solved for them; an unplaced cohort answers near 3 everywhere)."""
    from training.people_benchmark import load_people_benchmark, norms

    real = norms(load_people_benchmark(catalogue=catalogue))
    cohort = generate_cohort(
        catalogue, CohortConfig(n_students=1500, seed=8), observe_with_instrument
    )
    observed = cohort.students.interests * 4.0 + 1.0
    np.testing.assert_allclose(observed.mean(axis=0), real["mean"], atol=0.1)
    np.testing.assert_allclose(observed.std(axis=0), real["sd"], atol=0.1)


def test_a_share_of_students_has_no_aptitude_source(catalogue) -> None:
    """About 10 % have no aptitude source (20 % skip the subtests x 50 % have no records)."""
    cohort = generate_cohort(
        catalogue, CohortConfig(n_students=2000, seed=9), observe_with_instrument
    )
    unknown = ~np.isfinite(cohort.students.aptitudes).any(axis=1)
    assert 0.06 < unknown.mean() < 0.14


def test_no_relevance_term_depends_on_an_occupations_size(catalogue) -> None:
    """Relevance is the same whatever the catalogue's employment figures say."""
    from dataclasses import replace

    rows = np.arange(5)
    cohort = generate_cohort(catalogue, CohortConfig(n_students=50, seed=3), observe_with_noise)
    rel, _ = full_outcomes(cohort, catalogue, rows, seed=1)
    shuffled = replace(
        catalogue, employment=np.random.default_rng(0).permutation(catalogue.employment, axis=1)
    )
    rel2, _ = full_outcomes(cohort, shuffled, rows, seed=1)
    np.testing.assert_array_equal(rel, rel2)
