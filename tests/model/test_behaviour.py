"""Behavioural tests of a trained model: invariance, direction, minimum functionality."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.dimensions import RIASEC
from recommender.features import OccupationArrays, StudentBatch, build_pair_features_batch
from tests.model.synthetic import make_profile, sklearn_scorer, tiny_trained


def fit_for(profile) -> np.ndarray:
    catalogue, _, pipe = tiny_trained()
    occ = OccupationArrays.from_catalogue(catalogue)
    n = occ.size
    batch = StudentBatch.from_profiles([profile])
    x = build_pair_features_batch(batch, occ, np.zeros(n, dtype=int), np.arange(n))
    return sklearn_scorer(pipe)(x)


def strong(area: str, plan: str = "undecided"):
    p = make_profile(0, plan=plan)
    p.interests = np.full(6, 0.3, dtype=np.float32)
    p.interests[RIASEC.index(area)] = 0.9
    p.aptitudes = np.zeros(5, dtype=np.float32)
    return p


def occupations():
    return OccupationArrays.from_catalogue(tiny_trained()[0])


def test_fit_of_an_occupation_does_not_depend_on_catalogue_order() -> None:
    catalogue, _, pipe = tiny_trained()
    occ = OccupationArrays.from_catalogue(catalogue)
    n = occ.size
    batch = StudentBatch.from_profiles([make_profile(4)])
    perm = np.random.default_rng(1).permutation(n)
    a = sklearn_scorer(pipe)(build_pair_features_batch(batch, occ, np.zeros(n, int), np.arange(n)))
    b = sklearn_scorer(pipe)(build_pair_features_batch(batch, occ, np.zeros(n, int), perm))
    np.testing.assert_allclose(a[perm], b)


def test_interest_scale_does_not_change_the_order() -> None:
    p = strong("S")
    q = strong("S")
    q.interests = p.interests * 2 + 1  # same profile shape on another scale
    q.interests_se = p.interests_se
    assert np.argsort(-fit_for(p))[:20].tolist() == np.argsort(-fit_for(q))[:20].tolist()


@pytest.mark.parametrize("area", ["R", "I", "S", "A"])
def test_stronger_interest_raises_fit_of_matching_occupations(area: str) -> None:
    occ = occupations()
    matching = occ.riasec_first == RIASEC.index(area)
    flat = strong(area)
    flat.interests = np.full(6, 0.5, dtype=np.float32)
    gain = fit_for(strong(area)) - fit_for(flat)
    assert gain[matching].mean() > gain[~matching].mean()


def test_four_year_plan_favours_job_zone_five_over_work_plan() -> None:
    occ = occupations()
    college = fit_for(strong("I", "four_year_college"))
    work = fit_for(strong("I", "work"))
    zone5 = occ.job_zone == 5
    zone1 = occ.job_zone <= 2
    assert (college - work)[zone5].mean() > (college - work)[zone1].mean()


@pytest.mark.parametrize("area", ["R", "I", "A", "S", "E", "C"])
def test_a_clear_profile_gets_mostly_matching_occupations_on_top(area: str) -> None:
    occ = occupations()
    top = np.argsort(-fit_for(strong(area)), kind="stable")[:10]
    share = (occ.riasec_first[top] == RIASEC.index(area)).mean()
    assert share >= 0.5
