"""Benchmark metrics and profiles: extremes, a worked case, and the random expectation."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.catalogue import load_catalogue
from recommender.features import INTEREST_NORM_MEAN, INTEREST_NORM_SD
from training.benchmarks import (
    benchmark_half,
    concentration,
    expected_random,
    hit_at_k,
    macro_bootstrap,
    ndcg_graded_at_k,
    occupation_profiles,
    people_profiles,
    reciprocal_rank_of,
)


def test_metrics_pin_the_extremes_and_a_worked_case() -> None:
    scores = np.array([[0.9, 0.8, 0.7, 0.1], [0.9, 0.8, 0.7, 0.1]])
    relevant = np.array([[True, False, False, False], [False, False, False, True]])
    np.testing.assert_array_equal(hit_at_k(scores, relevant, k=1), [1.0, 0.0])
    np.testing.assert_array_equal(hit_at_k(scores, relevant, k=4), [1.0, 1.0])
    np.testing.assert_allclose(reciprocal_rank_of(scores, relevant), [1.0, 0.25])
    gains = relevant.astype(float)
    np.testing.assert_allclose(ndcg_graded_at_k(scores, gains, k=4), [1.0, 1 / np.log2(5)])
    none = np.zeros_like(relevant)
    assert np.isnan(hit_at_k(scores, none)).all()
    assert np.isnan(ndcg_graded_at_k(scores, none.astype(float))).all()


def test_expected_random_matches_a_simulation() -> None:
    n, r = 60, 4
    rng = np.random.default_rng(1)
    relevant = np.zeros((20000, n), dtype=bool)
    relevant[:, :r] = True
    scores = rng.random((20000, n))
    want = expected_random(n, r)
    assert np.nanmean(hit_at_k(scores, relevant)) == pytest.approx(want["hit@10"], abs=0.01)
    assert np.nanmean(reciprocal_rank_of(scores, relevant)) == pytest.approx(want["mrr"], abs=0.01)
    ndcg = np.nanmean(ndcg_graded_at_k(scores, relevant.astype(float)))
    assert ndcg == pytest.approx(want["ndcg@10"], abs=0.01)


def test_concentration_counts_lists_items_and_the_most_frequent() -> None:
    scores = np.array([[3, 2, 1, 0], [3, 1, 2, 0], [0, 1, 2, 3]], dtype=float)
    c = concentration(scores, ["a", "b", "c", "d"], k=2)
    assert c == {"lists": 3, "distinct": 4, "never_shown": 0, "top_share": 2 / 3, "top_item": "a"}
    c1 = concentration(scores, None, k=1)
    assert c1["distinct"] == 2 and c1["never_shown"] == 2


def test_macro_bootstrap_weights_fields_equally_and_pairs_the_difference() -> None:
    fields = np.array(["big"] * 90 + ["small"] * 10)
    a = np.where(fields == "big", 1.0, 0.0)
    b = np.where(fields == "big", 0.0, 1.0)
    out = macro_bootstrap({"a": a, "b": b, "ref": a}, fields, reference="ref", n_resamples=50)
    assert out["systems"]["a"]["mean"] == pytest.approx(0.5)
    assert out["systems"]["b"]["mean"] == pytest.approx(0.5)
    same = out["vs_ref"]["a"]
    assert same["mean"] == same["ci_low"] == same["ci_high"] == 0.0


def test_people_profiles_map_scale_means_as_the_scorer_does() -> None:
    means = np.array([[1.0, 5.0, 3.0, 3.0, 2.0, 4.0]])
    batch = people_profiles(means, np.full((1, 6), 8))
    np.testing.assert_allclose(batch.interests, [[0.0, 1.0, 0.5, 0.5, 0.25, 0.75]])
    np.testing.assert_allclose(batch.interests_se, np.sqrt(1 / 8) / 4)
    assert np.isnan(batch.aptitudes).all() and batch.plans == ("undecided",)


def test_benchmark_half_is_the_odd_respondents() -> None:
    np.testing.assert_array_equal(benchmark_half([1, 2, 3, 10]), [True, False, True, False])


def test_occupation_profiles_stay_on_the_student_scales_and_follow_the_job_zone() -> None:
    catalogue = load_catalogue()
    batch = occupation_profiles(catalogue)
    assert batch.size == len(catalogue.codes)
    assert (batch.interests >= 0).all() and (batch.interests <= 1).all()
    assert np.isfinite(batch.aptitudes).all() and (np.abs(batch.aptitudes) <= 2.5).all()
    # an occupation's strongest area is where its profile stands out most against the norms
    z = (batch.interests - np.asarray(INTEREST_NORM_MEAN)) / np.asarray(INTEREST_NORM_SD)
    riasec = np.asarray(catalogue.riasec)
    colz = (riasec - riasec.mean(axis=0)) / riasec.std(axis=0)
    agree = (z.argmax(axis=1) == colz.argmax(axis=1)).mean()
    assert agree > 0.95
    zones = np.asarray(catalogue.job_zone)
    plans = np.array(batch.plans)
    assert set(plans[zones >= 4]) == {"four_year_college"}
    assert set(plans[zones <= 2]) == {"work"}


def test_people_benchmark_runs_every_ranker_and_reports_what_the_guard_reads() -> None:
    """A scorer that is plain within-profile interest correlation ranks like congruence when
    the plan is undecided, so fit only and congruence agree exactly."""
    from recommender.features import FEATURE_NAMES
    from recommender.ranking import RankingPolicy
    from training.benchmarks import SYSTEMS, run_people_benchmark

    column = FEATURE_NAMES.index("interest_correlation")
    catalogue = load_catalogue()
    out = run_people_benchmark(
        lambda x: x[:, column].copy(), RankingPolicy(), catalogue, limit=300, n_resamples=20
    )
    assert out["respondents"] == 300
    for metric in ("hit@10", "mrr", "ndcg@10"):
        assert set(out["metrics"][metric]["systems"]) == set(SYSTEMS)
    same = out["metrics"]["hit@10"]["vs_congruence"]["fit_only"]
    assert same["mean"] == pytest.approx(0.0, abs=1e-9)
    assert out["concentration"]["popularity"]["distinct"] == 10
    for row in out["fields"].values():
        assert 0.0 <= row["expected_random"]["hit@10"] <= 1.0


def test_the_keyed_link_separates_a_fields_occupations_on_the_benchmark_half() -> None:
    """Fitted on the even respondents, the link must rank the odd respondents' field occupations
    above the rest: mean reciprocal rank over 2,000 of them 0.19 against a random order's 0.13."""
    from recommender.features import normative_interests, unit_centred_rows
    from training.benchmarks import benchmark_half, expected_random, reciprocal_rank_of
    from training.keying import keyed_scores, keying_weights
    from training.people_benchmark import load_people_benchmark

    catalogue = load_catalogue()
    bench = load_people_benchmark(catalogue=catalogue)
    odd = np.flatnonzero(benchmark_half(bench.respondent))[:2000]
    link = keying_weights(catalogue)
    assert link.shape == (6, 6)
    z = normative_interests((bench.means[odd] - 1.0) / 4.0)
    scores = keyed_scores(z, np.asarray(catalogue.riasec, dtype=np.float64), link)
    n = scores.shape[1]
    relevant = np.zeros(scores.shape, dtype=bool)
    fields = np.asarray(bench.field)[odd]
    randoms = []
    for f, rows in bench.field_occupations.items():
        relevant[np.ix_(fields == f, rows)] = True
        randoms += [expected_random(n, len(rows))["mrr"]] * int((fields == f).sum())
    assert np.nanmean(reciprocal_rank_of(scores, relevant)) > 1.3 * np.mean(randoms)
    assert np.allclose(unit_centred_rows(z).sum(axis=1), 0.0, atol=1e-9)


def test_reason_disagreements_count_every_shown_occupation_once() -> None:
    """Over served lists, each occupation's six reasons are counted once; with plans given in
    turn the education fact is compared for most of them."""
    from recommender.engine import Recommender
    from training.benchmarks import reason_disagreements

    out = reason_disagreements(Recommender.load(), respondents=12)
    assert out["respondents"] == 12
    by = out["by_factor"]
    assert by["interests"]["reasons"] == by["education"]["reasons"] == out["reasons"] // 6
    assert 0 < by["education"]["compared"] <= by["education"]["reasons"]
    assert 0 <= out["disagreements"] <= out["compared"]
