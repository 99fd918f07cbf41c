"""Evaluation metrics: extremes, one worked example each (computed by hand here), edge cases."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from recommender.errors import InvalidArrayError
from training.audits import MISSING_LABEL, audit_exposure, nontraditional_exposure, subgroup_metrics
from training.calibration import ReliabilityCurve, brier_score, reliability_curve
from training.evaluate import evaluate_rankings
from training.metrics import (
    RELEVANCE_THRESHOLD,
    bootstrap_mean_ci,
    catalogue_coverage,
    gain_from_grade,
    ndcg_at_k,
    oracle_ndcg_at_k,
    rank_items,
    recall_at_k,
    reciprocal_rank,
)
from training.report import render_metrics_markdown, render_reliability_svg, write_reliability_svg


def ranked(grades: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """One student whose items are already in ranked order: scores n-1, ..., 0."""
    n = len(grades)
    return np.arange(n, 0, -1, dtype=float)[None, :], np.array([grades], dtype=float)


# --------------------------------------------------------------------------- gains and ranking


def test_gain_is_two_to_the_grade_minus_one() -> None:
    np.testing.assert_array_equal(gain_from_grade([0, 1, 2, 3]), [0.0, 1.0, 3.0, 7.0])


def test_ties_rank_the_lower_item_index_first() -> None:
    order = rank_items([[1.0, 2.0, 2.0, 0.0, 2.0]])
    assert order.tolist() == [[1, 2, 4, 0, 3]]


def test_tie_rule_holds_on_long_lists_with_many_ties() -> None:
    scores = (np.arange(300) * 7919 % 3).astype(float)[None, :]  # values 0, 1, 2, many ties
    order = rank_items(scores)[0]
    expected = [i for level in (2.0, 1.0, 0.0) for i in range(300) if scores[0, i] == level]
    assert order.tolist() == expected


def test_tie_rule_decides_ndcg_when_scores_are_all_equal() -> None:
    scores = np.zeros((1, 3))
    first = ndcg_at_k(scores, [[3.0, 0.0, 0.0]], 1)
    last = ndcg_at_k(scores, [[0.0, 0.0, 3.0]], 1)
    assert first[0] == 1.0
    assert last[0] == 0.0


def test_nan_scores_are_refused_with_their_position() -> None:
    with pytest.raises(InvalidArrayError, match=r"student 1, item 2"):
        rank_items([[0.0, 1.0, 2.0], [0.0, 1.0, np.nan]])


@pytest.mark.parametrize(
    ("scores", "grades", "k", "argument"),
    [
        (np.zeros(3), np.zeros(3), 1, "scores"),
        (np.zeros((2, 3)), np.zeros((2, 2)), 1, "grades"),
        (np.zeros((1, 3)), [[0.0, -1.0, 0.0]], 1, "grades"),
        (np.zeros((1, 3)), [[0.0, np.nan, 0.0]], 1, "grades"),
        (np.zeros((1, 3)), np.zeros((1, 3)), 0, "k"),
    ],
)
def test_bad_metric_inputs_name_the_argument(
    scores: np.ndarray, grades: object, k: int, argument: str
) -> None:
    with pytest.raises(InvalidArrayError) as exc:
        ndcg_at_k(scores, grades, k)  # type: ignore[arg-type]
    assert exc.value.argument == argument


# ------------------------------------------------------------------------------------- NDCG


@pytest.mark.parametrize("k", [1, 5, 10])
def test_ndcg_is_one_for_the_ideal_order(k: int) -> None:
    grades = np.array([[0, 3, 1, 0, 2, 2, 0, 1, 0, 0, 3, 0]], dtype=float)
    assert ndcg_at_k(grades, grades, k)[0] == pytest.approx(1.0)


def test_ndcg_is_zero_when_nothing_graded_reaches_the_top_k() -> None:
    scores, grades = ranked([0, 0, 0, 0, 0, 3, 2])
    assert ndcg_at_k(scores, grades, 5)[0] == 0.0


def test_ndcg_worked_example_by_hand() -> None:
    # ranked grades 3, 2, 0, 1; k = 3; gains 7, 3, 0 (ideal 7, 3, 1)
    dcg = 7 / math.log2(2) + 3 / math.log2(3) + 0 / math.log2(4)
    idcg = 7 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    scores, grades = ranked([3, 2, 0, 1])
    assert ndcg_at_k(scores, grades, 3)[0] == pytest.approx(dcg / idcg)  # 0.9468


def test_ndcg_is_undefined_for_a_student_without_any_outcome() -> None:
    scores = np.array([[2.0, 1.0, 0.0], [2.0, 1.0, 0.0]])
    grades = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    values = ndcg_at_k(scores, grades, 2)
    assert math.isnan(values[0])
    assert values[1] == 0.0


def test_cut_off_beyond_the_list_is_the_whole_list() -> None:
    scores, grades = ranked([1, 0, 3, 2])
    assert ndcg_at_k(scores, grades, 100)[0] == ndcg_at_k(scores, grades, 4)[0]


def test_oracle_ndcg_ranks_by_the_true_relevance() -> None:
    grades = np.array([[0.0, 2.0, 3.0, 0.0]])
    assert oracle_ndcg_at_k(grades, grades, 2)[0] == pytest.approx(1.0)
    truth = np.array([[0.9, 0.1, 0.2, 0.8]])  # ranks the two graded items last
    assert oracle_ndcg_at_k(truth, grades, 2)[0] == 0.0


@settings(max_examples=60, deadline=None)
@given(
    grades=arrays(np.int8, (3, 8), elements=st.integers(0, 3)),
    seed=st.integers(0, 2**16),
)
def test_ndcg_lies_in_unit_interval_and_ignores_item_order_and_score_shift(
    grades: np.ndarray, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.permutation(24).reshape(3, 8).astype(float)  # no ties
    base = ndcg_at_k(scores, grades, 5)
    defined = ~np.isnan(base)
    assert np.all((base[defined] >= 0.0) & (base[defined] <= 1.0 + 1e-12))
    assert np.array_equal(defined, grades.any(axis=1))
    permutation = rng.permutation(8)
    permuted = ndcg_at_k(scores[:, permutation] + 100.0, grades[:, permutation], 5)
    np.testing.assert_allclose(permuted, base)


# -------------------------------------------------------------------------- recall and MRR


def test_recall_extremes_and_worked_example() -> None:
    scores, grades = ranked([2, 3, 0, 0])
    assert recall_at_k(scores, grades, 2)[0] == 1.0
    scores, grades = ranked([0, 1, 1, 3, 2])  # grade 1 is not relevant
    assert recall_at_k(scores, grades, 3)[0] == 0.0
    # relevant (grade >= 2) at ranks 1, 3 and 5; k = 2 finds 1 of 3
    scores, grades = ranked([2, 0, 3, 0, 2])
    assert recall_at_k(scores, grades, 2)[0] == pytest.approx(1 / 3)


def test_relevance_threshold_is_grade_two_and_adjustable() -> None:
    assert RELEVANCE_THRESHOLD == 2
    scores, grades = ranked([1, 0, 0])
    assert math.isnan(recall_at_k(scores, grades, 1)[0])
    assert recall_at_k(scores, grades, 1, threshold=1)[0] == 1.0


def test_reciprocal_rank_extremes_worked_example_and_empty_rule() -> None:
    scores, grades = ranked([3, 0, 0])
    assert reciprocal_rank(scores, grades)[0] == 1.0
    scores, grades = ranked([0, 1, 2, 3])
    assert reciprocal_rank(scores, grades)[0] == pytest.approx(1 / 3)  # first relevant at rank 3
    assert reciprocal_rank(scores, grades, k=2)[0] == 0.0
    scores, grades = ranked([1, 1, 0])
    assert math.isnan(reciprocal_rank(scores, grades)[0])


def test_mean_reciprocal_rank_over_students_by_hand() -> None:
    scores = np.tile([3.0, 2.0, 1.0, 0.0], (3, 1))
    grades = np.array([[2, 0, 0, 0], [0, 0, 3, 0], [0, 0, 0, 0]], dtype=float)
    values = reciprocal_rank(scores, grades)
    assert np.nanmean(values) == pytest.approx((1 / 1 + 1 / 3) / 2)  # third student left out


# ----------------------------------------------------------------------------------- coverage


def test_coverage_counts_items_seen_in_any_top_k() -> None:
    same = np.tile(np.arange(20, 0, -1, dtype=float), (5, 1))
    assert catalogue_coverage(same, k=10) == pytest.approx(10 / 20)
    shifted = np.stack([np.roll(np.arange(20, 0, -1, dtype=float), s) for s in (0, 10)])
    assert catalogue_coverage(shifted, k=10) == 1.0
    assert catalogue_coverage(same, k=1) == pytest.approx(1 / 20)


# -------------------------------------------------------------------------------- calibration


def test_brier_extremes_and_worked_example() -> None:
    assert brier_score([1.0, 0.0, 1.0], [1, 0, 1]) == 0.0
    assert brier_score([0.0, 1.0], [1, 0]) == 1.0
    assert brier_score([0.8, 0.3], [1, 0]) == pytest.approx(((1 - 0.8) ** 2 + 0.3**2) / 2)


def test_brier_refuses_probabilities_outside_unit_interval() -> None:
    with pytest.raises(InvalidArrayError, match="probabilities"):
        brier_score([0.5, 1.2], [1, 0])
    with pytest.raises(InvalidArrayError, match="outcomes"):
        brier_score([0.5, 0.2], [1, 2])


def test_reliability_curve_worked_example() -> None:
    curve = reliability_curve([0.05, 0.15, 0.15, 0.95, 1.0], [0, 1, 0, 1, 1], n_bins=10)
    assert curve.count == (1, 2, 0, 0, 0, 0, 0, 0, 0, 2)  # 1.0 falls in the last bin
    assert curve.mean_predicted[1] == pytest.approx(0.15)
    assert curve.observed_rate[1] == pytest.approx(0.5)
    assert math.isnan(curve.observed_rate[4])
    ece = (1 * abs(0 - 0.05) + 2 * abs(0.5 - 0.15) + 2 * abs(1.0 - 0.975)) / 5
    assert curve.expected_calibration_error == pytest.approx(ece)
    assert curve.lower[0] == 0.0
    assert curve.upper[-1] == 1.0


def test_perfectly_calibrated_bins_have_zero_error() -> None:
    p = np.repeat([0.25, 0.75], 4)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    assert reliability_curve(p, y, n_bins=4).expected_calibration_error == pytest.approx(0.0)


def test_reliability_svg_is_well_formed_and_plots_each_non_empty_bin(tmp_path: Path) -> None:
    curve = reliability_curve([0.05, 0.15, 0.15, 0.95], [0, 1, 0, 1], n_bins=10)
    svg = render_reliability_svg(curve, title="Fit <model> & grade")
    root = ET.fromstring(svg)
    namespace = {"svg": "http://www.w3.org/2000/svg"}
    points = root.find("svg:polyline", namespace)
    assert points is not None
    assert len(points.attrib["points"].split()) == 3
    assert len(root.findall("svg:circle", namespace)) == 3
    target = tmp_path / "reliability.svg"
    write_reliability_svg(curve, target, title="Fit")
    assert target.read_text(encoding="utf-8").startswith("<svg")
    assert [p.name for p in tmp_path.iterdir()] == ["reliability.svg"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_reliability_curve_survives_its_json_form_including_empty_bins() -> None:
    curve = reliability_curve([0.05, 0.15, 0.15, 0.95, 1.0], [0, 1, 0, 1, 1], n_bins=10)
    again = ReliabilityCurve.from_dict(json.loads(json.dumps(curve.to_dict())))
    assert again.count == curve.count
    assert again.lower == curve.lower and again.upper == curve.upper
    assert math.isnan(again.observed_rate[4]) and math.isnan(again.mean_predicted[4])
    assert again.observed_rate[1] == curve.observed_rate[1]
    assert again.expected_calibration_error == pytest.approx(curve.expected_calibration_error)


# ---------------------------------------------------------------------- intervals, subgroups


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(0.5, 0.2, size=400)
    first = bootstrap_mean_ci(values, n_resamples=500, seed=11)
    again = bootstrap_mean_ci(values, n_resamples=500, seed=11)
    other = bootstrap_mean_ci(values, n_resamples=500, seed=12)
    assert first == again
    assert first != other
    assert first.low < first.mean < first.high
    assert first.n == 400
    # the normal-theory half width 1.96 * sd / sqrt(n) should be close to the bootstrap's
    half_width = 1.96 * values.std() / math.sqrt(values.size)
    assert (first.high - first.low) / 2 == pytest.approx(half_width, rel=0.2)


def test_bootstrap_ignores_nan_and_handles_degenerate_samples() -> None:
    result = bootstrap_mean_ci([1.0, np.nan, 3.0], n_resamples=50)
    assert result.n == 2
    assert result.mean == 2.0
    constant = bootstrap_mean_ci([0.4] * 10)
    assert (constant.low, constant.high) == (0.4, 0.4)
    empty = bootstrap_mean_ci([np.nan, np.nan])
    assert empty.n == 0
    assert math.isnan(empty.mean)
    assert empty.to_dict() == {"mean": None, "ci_low": None, "ci_high": None, "n": 0}


def test_subgroups_are_sorted_missing_labels_grouped_and_small_groups_suppressed() -> None:
    values = np.array([1.0, 0.0, 1.0, 1.0, 0.5, 0.5, np.nan, 0.0])
    labels = ["b", "b", "b", "a", None, float("nan"), " ", "b"]
    result = subgroup_metrics({"ndcg@10": values}, labels, n_resamples=50, min_group_size=2)
    assert list(result) == [MISSING_LABEL, "a", "b"]
    assert result["a"] == {"n_students": 1, "suppressed": True}
    assert result[MISSING_LABEL]["n_students"] == 3
    assert result[MISSING_LABEL]["ndcg@10"]["n"] == 2  # the NaN student is left out
    assert result[MISSING_LABEL]["ndcg@10"]["mean"] == pytest.approx((0.5 + 0.5) / 2)
    assert result["b"]["ndcg@10"]["mean"] == pytest.approx((1 + 0 + 1 + 0) / 4)


def test_subgroup_labels_must_match_students() -> None:
    with pytest.raises(InvalidArrayError, match="3 labels"):
        subgroup_metrics({"m": [1.0, 2.0, 3.0]}, ["a", "b"], group_name="region")


# ------------------------------------------------------------------------------------ exposure


NONTRADITIONAL = {
    "female": np.array([True, False, False, False]),
    "male": np.array([False, False, False, True]),
}


def test_exposure_flags_students_whose_top_k_has_a_nontraditional_item() -> None:
    scores = np.array(
        [
            [4.0, 3.0, 2.0, 1.0],  # female, item 0 in top 2 -> exposed
            [1.0, 4.0, 3.0, 2.0],  # female, top 2 = items 1, 2 -> not exposed
            [1.0, 2.0, 3.0, 4.0],  # male, item 3 in top 2 -> exposed
            [4.0, 3.0, 2.0, 1.0],  # gender without a rule -> undefined
        ]
    )
    exposure = nontraditional_exposure(
        scores, ["female", "female", "male", "nonbinary"], NONTRADITIONAL, k=2
    )
    assert exposure[:3].tolist() == [1.0, 0.0, 1.0]
    assert math.isnan(exposure[3])


def test_exposure_audit_compares_systems() -> None:
    genders = ["female"] * 20 + ["male"] * 20
    wide = np.tile([4.0, 3.0, 2.0, 5.0], (40, 1))  # top 2 = items 3, 0: exposes everyone
    narrow = np.tile([1.0, 3.0, 2.0, 0.0], (40, 1))  # top 2 = items 1, 2: exposes nobody
    audit = audit_exposure(
        {"model": wide, "congruence": narrow}, genders, NONTRADITIONAL, k=2, n_resamples=50
    )
    assert audit["systems"]["model"]["overall"]["mean"] == 1.0
    assert audit["systems"]["congruence"]["overall"]["mean"] == 0.0
    assert audit["systems"]["model"]["by_gender"]["female"]["share"]["n"] == 20


def test_exposure_rule_arrays_must_be_boolean_per_item() -> None:
    with pytest.raises(InvalidArrayError, match="female"):
        nontraditional_exposure(np.zeros((1, 4)), ["female"], {"female": np.ones(4)}, k=2)


# ------------------------------------------------------------------------- the metrics dict


def _cohort(m: int = 300, n: int = 40, seed: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=(m, n))
    grades = np.where(truth > 1.4, rng.integers(1, 4, size=(m, n)), 0).astype(float)
    return {
        "truth": truth,
        "grades": grades,
        "model": truth + rng.normal(scale=0.7, size=(m, n)),
        "baseline": rng.normal(size=(m, n)),
        "gender": rng.choice(["female", "male", "nonbinary"], size=m, p=[0.48, 0.48, 0.04]),
        "region": rng.choice(["2800005", "0027140"], size=m),
        "probability": 1.0 / (1.0 + np.exp(-(truth * 3.0 - 5.0))),
    }


def _evaluate(data: dict[str, np.ndarray], **extra: object) -> dict[str, object]:
    return evaluate_rankings(
        data["model"],
        data["grades"],
        {"gender": data["gender"], "region": data["region"]},
        baselines={"random": data["baseline"]},
        true_relevance=data["truth"],
        probabilities=data["probability"],
        nontraditional_for={
            "female": np.arange(40) % 5 == 0,
            "male": np.arange(40) % 7 == 0,
        },
        n_resamples=200,
        **extra,  # type: ignore[arg-type]
    )


def test_metrics_dict_is_json_safe_deterministic_and_complete() -> None:
    data = _cohort()
    metrics = _evaluate(data)
    text = json.dumps(metrics, allow_nan=False, sort_keys=True)
    assert text == json.dumps(_evaluate(data), allow_nan=False, sort_keys=True)
    model = metrics["model"]
    assert isinstance(model, dict)
    assert set(model["overall"]) == {"ndcg@5", "ndcg@10", "recall@10", "mrr"}
    assert set(model["subgroups"]) == {"gender", "region"}
    assert set(metrics) >= {"conventions", "baselines", "oracle", "calibration", "exposure"}
    assert metrics["n_students"] == 300


def test_metrics_dict_agrees_with_the_metric_functions() -> None:
    data = _cohort()
    metrics = _evaluate(data)
    model = metrics["model"]
    assert isinstance(model, dict)
    expected = np.nanmean(ndcg_at_k(data["model"], data["grades"], 10))
    assert model["overall"]["ndcg@10"]["mean"] == pytest.approx(expected)
    assert model["overall"]["ndcg@10"]["n"] == int(data["grades"].any(axis=1).sum())
    assert model["coverage@10"] == pytest.approx(catalogue_coverage(data["model"], 10))
    oracle = metrics["oracle"]
    assert isinstance(oracle, dict)
    assert oracle["ndcg@10"]["mean"] >= model["overall"]["ndcg@10"]["mean"]
    random = metrics["baselines"]["random"]  # type: ignore[index]
    assert random["overall"]["ndcg@10"]["mean"] < model["overall"]["ndcg@10"]["mean"]
    calibration = metrics["calibration"]
    assert isinstance(calibration, dict)
    outcome = data["grades"] >= 2
    assert calibration["brier"] == pytest.approx(np.mean((data["probability"] - outcome) ** 2))


def test_exposure_needs_gender_labels() -> None:
    data = _cohort(m=20)
    with pytest.raises(InvalidArrayError, match="gender"):
        evaluate_rankings(
            data["model"],
            data["grades"],
            {"region": data["region"]},
            nontraditional_for={"female": np.zeros(40, dtype=bool)},
        )


def test_baseline_shape_must_match_the_model() -> None:
    data = _cohort(m=20)
    with pytest.raises(InvalidArrayError, match="random"):
        evaluate_rankings(data["model"], data["grades"], baselines={"random": np.zeros((20, 3))})


def test_markdown_table_lists_every_system_and_subgroup() -> None:
    metrics = _evaluate(_cohort())
    text = render_metrics_markdown(metrics)
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| system | ndcg@5"))
    columns = header.count("|") - 1
    for row in ("| model |", "| baseline: random |", "| oracle (true relevance) |"):
        line = next(line for line in lines if line.startswith(row))
        assert line.count("|") - 1 == columns
    model_ndcg = metrics["model"]["overall"]["ndcg@10"]["mean"]  # type: ignore[index]
    assert f"{model_ndcg:.3f}" in next(line for line in lines if line.startswith("| model |"))
    assert "**ndcg@10 by gender**" in text
    assert "**ndcg@10 by region**" in text
    assert "| nonbinary |" in text
    assert "Calibration (grade >= 2): Brier" in text


def test_exposure_in_the_metrics_dict_matches_the_standalone_audit() -> None:
    data = _cohort()
    metrics = _evaluate(data)
    rule = {"female": np.arange(40) % 5 == 0, "male": np.arange(40) % 7 == 0}
    audit = audit_exposure(
        {"model": data["model"], "random": data["baseline"]},
        data["gender"],
        rule,
        k=10,
        n_resamples=200,
    )
    exposure = metrics["exposure"]
    assert isinstance(exposure, dict)
    for system in ("model", "random"):
        assert exposure["systems"][system] == audit["systems"][system]


def test_a_baseline_may_not_be_called_model() -> None:
    data = _cohort(m=20)
    with pytest.raises(InvalidArrayError, match="model"):
        evaluate_rankings(data["model"], data["grades"], baselines={"model": data["baseline"]})
