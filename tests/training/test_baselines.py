"""Baselines: interest congruence (Pearson r with a job-zone plan filter) and regional demand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from recommender.dimensions import JOB_ZONES, PLANS, RIASEC
from recommender.errors import InvalidArrayError, PathwaysError, UnknownCodeError
from training.baselines import (
    OUT_OF_PLAN_PENALTY,
    PLAN_JOB_ZONES,
    acceptable_job_zones,
    penalise_out_of_plan,
    score_congruence,
    score_congruence_batch,
    score_demand,
    score_demand_batch,
)

SHARED_RAW = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "raw"

OCCUPATIONS = np.array(
    [
        [7.0, 1.0, 1.0, 1.0, 1.0, 1.0],  # strongly Realistic
        [1.0, 7.0, 1.0, 1.0, 1.0, 1.0],  # strongly Investigative
        [3.0, 3.0, 3.0, 3.0, 3.0, 3.0],  # flat profile
        [2.0, 1.0, 4.0, 3.0, 6.0, 5.0],
    ]
)

interest_rows = arrays(
    np.float64,
    (len(RIASEC),),
    elements=st.floats(1.0, 5.0, allow_nan=False, allow_infinity=False),
)


# ------------------------------------------------------------------------------ plan → zones


def test_plan_map_covers_every_plan_in_vocabulary_order() -> None:
    assert tuple(PLAN_JOB_ZONES) == PLANS
    for plan in PLANS:
        zones = acceptable_job_zones(plan)
        assert zones, plan
        assert zones <= set(JOB_ZONES), plan
    assert acceptable_job_zones("undecided") == set(JOB_ZONES)
    assert 4 in acceptable_job_zones("four_year_college")
    assert 4 not in acceptable_job_zones("work")


def test_unknown_plan_is_a_lookup_error_naming_the_plan() -> None:
    with pytest.raises(UnknownCodeError, match="gap_year") as exc:
        acceptable_job_zones("gap_year")
    assert isinstance(exc.value, PathwaysError)
    assert isinstance(exc.value, LookupError)


# -------------------------------------------------------------------------------- congruence


def test_identical_profile_scores_one_and_mirror_image_scores_minus_one() -> None:
    student = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    occupations = np.stack([student, 7.0 - student])
    scores = score_congruence(student, occupations, [2, 2], "undecided")
    assert scores.dtype == np.float32
    np.testing.assert_allclose(scores, [1.0, -1.0], atol=1e-6)


def test_worked_pearson_example_by_hand() -> None:
    # student (1..6) centred: -2.5 -1.5 -0.5 0.5 1.5 2.5; occupation (2 1 4 3 6 5), mean 3.5,
    # centred: -1.5 -2.5 0.5 -0.5 2.5 1.5.
    dot = (-2.5 * -1.5) + (-1.5 * -2.5) + (-0.5 * 0.5) + (0.5 * -0.5) + (1.5 * 2.5) + (2.5 * 1.5)
    norm_student = math.sqrt(2.5**2 + 1.5**2 + 0.5**2 + 0.5**2 + 1.5**2 + 2.5**2)
    norm_occupation = math.sqrt(1.5**2 + 2.5**2 + 0.5**2 + 0.5**2 + 2.5**2 + 1.5**2)
    expected = dot / (norm_student * norm_occupation)  # 14.5 / 17.5
    scores = score_congruence([1, 2, 3, 4, 5, 6], OCCUPATIONS, [2, 2, 2, 2], "undecided")
    assert scores[3] == pytest.approx(expected, abs=1e-6)


def test_flat_profiles_correlate_zero_with_everything() -> None:
    flat_student = score_congruence([3, 3, 3, 3, 3, 3], OCCUPATIONS, [2, 2, 2, 2], "undecided")
    np.testing.assert_array_equal(flat_student, np.zeros(4, dtype=np.float32))
    realistic = score_congruence([5, 1, 1, 1, 1, 1], OCCUPATIONS, [2, 2, 2, 2], "undecided")
    assert realistic[2] == 0.0
    assert realistic[0] == pytest.approx(1.0, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(student=interest_rows, scale=st.floats(0.1, 10.0), shift=st.floats(-5.0, 5.0))
def test_congruence_ignores_scale_and_shift_of_the_students_answers(
    student: np.ndarray, scale: float, shift: float
) -> None:
    zones = [1, 2, 3, 4]
    before = score_congruence(student, OCCUPATIONS, zones, "undecided")
    after = score_congruence(student * scale + shift, OCCUPATIONS, zones, "undecided")
    np.testing.assert_allclose(before, after, atol=1e-5)
    assert np.all(np.abs(before) <= 1.0 + 1e-6)


def test_every_in_plan_occupation_ranks_above_every_out_of_plan_one() -> None:
    rng = np.random.default_rng(3)
    occupations = rng.uniform(1, 7, size=(200, 6))
    zones = rng.integers(1, 6, size=200)
    student = rng.uniform(1, 5, size=6)
    for plan in PLANS:
        scores = score_congruence(student, occupations, zones, plan)
        inside = np.isin(zones, tuple(acceptable_job_zones(plan)))
        if inside.all():
            continue
        assert scores[inside].min() > scores[~inside].max(), plan
        # the interest order survives inside each set
        plain = score_congruence(student, occupations, zones, "undecided")
        for part in (inside, ~inside):
            assert np.array_equal(np.argsort(-plain[part]), np.argsort(-scores[part]))


def test_soft_penalty_only_down_weights() -> None:
    scores = penalise_out_of_plan([0.9, 0.5], [5, 2], "work", penalty=0.3)
    np.testing.assert_allclose(scores, [0.9 - 0.3, 0.5], atol=1e-6)
    assert OUT_OF_PLAN_PENALTY > 2.0  # larger than the whole range of Pearson r


def test_batch_rows_equal_single_student_scores_with_per_student_plans() -> None:
    rng = np.random.default_rng(7)
    students = rng.uniform(1, 5, size=(25, 6))
    occupations = rng.uniform(1, 7, size=(40, 6))
    zones = rng.integers(1, 6, size=40)
    plans = [PLANS[i % len(PLANS)] for i in range(25)]
    batch = score_congruence_batch(students, occupations, zones, plans)
    assert batch.shape == (25, 40)
    assert batch.dtype == np.float32
    for i in range(25):
        single = score_congruence(students[i], occupations, zones, plans[i])
        np.testing.assert_allclose(batch[i], single, atol=1e-6)
    one_plan = score_congruence_batch(students, occupations, zones, "military")
    np.testing.assert_allclose(
        one_plan[3], score_congruence(students[3], occupations, zones, "military"), atol=1e-6
    )


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"interests": [1, 2, 3, 4, 5]}, "interests"),
        ({"occ_riasec": np.ones((4, 5))}, "occ_riasec"),
        ({"occ_riasec": np.where(np.eye(4, 6) > 0, np.nan, 1.0)}, "occ_riasec"),
        ({"job_zone": [1, 2, 3]}, "job_zone"),
        ({"job_zone": [1, 2, 3, 6]}, "job_zone"),
        ({"job_zone": [1, 2, 3, np.nan]}, "job_zone"),
    ],
)
def test_bad_congruence_inputs_name_the_argument(kwargs: dict[str, object], argument: str) -> None:
    call: dict[str, object] = {
        "interests": [1, 2, 3, 4, 5, 6],
        "occ_riasec": OCCUPATIONS,
        "job_zone": [1, 2, 3, 4],
        "plan": "work",
    }
    call.update(kwargs)
    with pytest.raises(InvalidArrayError) as exc:
        score_congruence(**call)  # type: ignore[arg-type]
    assert exc.value.argument == argument
    assert argument in str(exc.value)


def test_plan_count_must_match_students() -> None:
    with pytest.raises(InvalidArrayError, match="plans"):
        score_congruence_batch(np.ones((3, 6)), OCCUPATIONS, [1, 2, 3, 4], ["work", "military"])


# ------------------------------------------------------------------------------------ demand


def test_demand_worked_example_by_hand() -> None:
    # log1p(employment) = 0, 1, 2: mean 1, population sd sqrt(2/3), so z = -1.2247, 0, +1.2247.
    employment = [0.0, math.e - 1.0, math.e**2 - 1.0]
    sd = math.sqrt(((0 - 1) ** 2 + (1 - 1) ** 2 + (2 - 1) ** 2) / 3)
    expected = [(0 - 1) / sd, 0.0, (2 - 1) / sd]
    # constant openings and growth have zero spread, so they add nothing
    scores = score_demand(employment, [2.0, 2.0, 2.0], [100.0, 100.0, 100.0])
    assert scores.dtype == np.float32
    np.testing.assert_allclose(scores, expected, atol=1e-5)


def test_growth_and_openings_break_employment_ties_in_their_direction() -> None:
    scores = score_demand([500, 500, 500], [-3.0, 0.0, 8.0], [10, 10, 10])
    assert scores[0] < scores[1] < scores[2]
    scores = score_demand([500, 500, 500], [1.0, 1.0, 1.0], [40, 5, 10])
    assert list(np.argsort(-scores)) == [0, 2, 1]


def test_missing_employment_ranks_last_and_weights_are_honoured() -> None:
    scores = score_demand([np.nan, 10.0, 1000.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    assert scores[0] == scores.min()
    assert scores[0] <= scores[1] < scores[2]
    only_employment = score_demand(
        [10.0, 20.0], [50.0, -50.0], [1.0, 9.0], openings_weight=0.0, growth_weight=0.0
    )
    np.testing.assert_allclose(only_employment, [-1.0, 1.0], atol=1e-6)


def test_demand_batch_picks_each_students_region_row() -> None:
    employment = np.array([[10.0, 200.0, 30.0], [300.0, 5.0, 40.0]])
    growth = [1.0, 2.0, -1.0]
    openings = [3.0, 30.0, 9.0]
    batch = score_demand_batch(employment, growth, openings, np.array([1, 0, 1, 1]))
    assert batch.shape == (4, 3)
    for row, region in enumerate([1, 0, 1, 1]):
        np.testing.assert_allclose(
            batch[row], score_demand(employment[region], growth, openings), atol=1e-6
        )


_ONES = np.ones((2, 2))


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: score_demand([1.0, -2.0], [0.0, 0.0], [1.0, 1.0]), "employment_region"),
        (lambda: score_demand([1.0, 2.0], [0.0], [1.0, 1.0]), "growth_pct"),
        (lambda: score_demand([1.0, 2.0], [0.0, np.inf], [1.0, 1.0]), "growth_pct"),
        (lambda: score_demand_batch(_ONES, [0, 0], [1, 1], np.array([2])), "region_index"),
        (lambda: score_demand_batch(_ONES, [0, 0], [1, 1], np.array([0.5])), "region_index"),
        (
            lambda: score_demand_batch(np.ones(2), [0, 0], [1, 1], np.array([0])),
            "employment_by_region",
        ),
    ],
)
def test_bad_demand_inputs_name_the_argument(call: object, argument: str) -> None:
    with pytest.raises(InvalidArrayError) as exc:
        call()  # type: ignore[operator]
    assert exc.value.argument == argument


# ------------------------------------------------------------------------- on real O*NET data


@pytest.mark.shared
@pytest.mark.shared
def test_realistic_student_is_shown_realistic_occupations_first() -> None:
    import pandas as pd

    table = pd.read_csv(
        SHARED_RAW / "onet_29_3" / "Interests.txt", sep="\t", dtype={"O*NET-SOC Code": str}
    )
    ratings = table[table["Scale ID"] == "OI"].pivot(
        index="O*NET-SOC Code", columns="Element ID", values="Data Value"
    )
    ratings = ratings[[f"1.B.1.{letter}" for letter in "abcdef"]]  # R I A S E C
    zones = pd.read_csv(
        SHARED_RAW / "onet_29_3" / "Job Zones.txt", sep="\t", dtype={"O*NET-SOC Code": str}
    ).set_index("O*NET-SOC Code")["Job Zone"]
    zone = zones.reindex(ratings.index).to_numpy()
    student = np.array([5.0, 2.0, 1.0, 1.5, 2.0, 2.5])
    scores = score_congruence(student, ratings.to_numpy(), zone, "work")
    top = np.argsort(-scores, kind="stable")[:20]
    realistic = ratings.to_numpy()[top, 0]
    assert np.all(realistic >= 5.0), "top matches of a Realistic student must be rated R >= 5"
    assert np.all(np.isin(zone[top], (1, 2)))
