"""Reliability report: textbook extremes, recovery on simulated responses, file handling, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from recommender.dimensions import RIASEC, WORK_VALUES
from recommender.errors import ResponseFileError
from recommender.instrument import load_instrument
from service.cli import main
from training.reliability import (
    COLUMNS,
    ResponseRow,
    compute_reliability,
    cronbach_alpha,
    export_responses,
    irt_marginal_reliability,
    item_rest_correlations,
    read_responses_csv,
    split_half_reliability,
    write_responses_csv,
)
from training.response_model import simulate_population_answers

INSTRUMENT = load_instrument()


def _simulated(n: int, seed: int) -> list[dict[str, object]]:
    return simulate_population_answers(n, np.random.default_rng(seed), INSTRUMENT)


@pytest.fixture(scope="module")
def simulated_report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("responses") / "responses.csv"
    write_responses_csv(export_responses(_simulated(800, 1), INSTRUMENT), path)
    return path


def test_alpha_is_one_for_parallel_items_and_zero_for_uncorrelated_ones() -> None:
    base = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 2.0])
    assert cronbach_alpha(np.stack([base, base + 1, base - 1], axis=1)) == pytest.approx(1.0)
    uncorrelated = np.array([[1, 1], [2, 1], [1, 2], [2, 2]], dtype=float)
    assert cronbach_alpha(uncorrelated) == pytest.approx(0.0)
    assert np.isnan(cronbach_alpha(np.ones((5, 1))))


def test_worked_alpha_example() -> None:
    # item variances 5/3 each; totals 3, 3, 7, 7 have variance 16/3: alpha = 2 * (1 - 10/16)
    x = np.array([[1, 2], [2, 1], [3, 4], [4, 3]], dtype=float)
    assert cronbach_alpha(x) == pytest.approx(0.75)


def test_a_reversed_item_has_a_negative_item_rest_correlation() -> None:
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(500)
    x = theta[:, None] + 0.5 * rng.standard_normal((500, 5))
    x[:, 2] = -x[:, 2]
    r = item_rest_correlations(x)
    assert r[2] < 0 < min(r[0], r[1], r[3], r[4])


def test_split_half_and_irt_reliability_separate_signal_from_noise() -> None:
    rng = np.random.default_rng(1)
    theta = rng.standard_normal(1000)
    b = np.tile(np.linspace(-1.5, 1.5, 20), (1000, 1))
    correct = (rng.random((1000, 20)) < 1 / (1 + np.exp(b - theta[:, None]))).astype(float)
    noise = (rng.random((1000, 20)) < 0.5).astype(float)
    options = np.full((1000, 20), 1e9)  # no guessing floor
    assert split_half_reliability(correct) > 0.7
    assert abs(split_half_reliability(noise)) < 0.2
    assert irt_marginal_reliability(correct, b, options) > 0.7
    # the IRT figure assumes the model holds, so only the model-free split-half flags noise
    assert irt_marginal_reliability(correct, b, options) > irt_marginal_reliability(
        noise, b, options
    )


def test_report_recovers_high_alpha_for_coherent_simulated_scales(
    simulated_report_file: Path,
) -> None:
    report = compute_reliability(read_responses_csv(simulated_report_file))
    interests = {s.scale: s for s in report.scales if s.section == "interests"}
    assert set(interests) == set(RIASEC)
    for s in interests.values():
        assert s.respondents == 800 and s.items == 9
        assert s.alpha > 0.8
        assert min(s.item_rest.values()) > 0.4
    values = {s.scale: s for s in report.scales if s.section == "values"}
    assert set(values) == set(WORK_VALUES)
    assert all(s.alpha > 0.4 for s in values.values())
    subtests = {t.subtest: t for t in report.subtests}
    assert set(subtests) == {s.id for s in INSTRUMENT.subtests}
    for t in subtests.values():
        assert t.kr20 > 0.45 and t.split_half > 0.45 and t.irt_marginal > 0.45
        assert all(0 < p < 1 for p in t.proportion_right)
    assert report.instrument_versions == (INSTRUMENT.version,)


def test_report_finds_low_alpha_for_random_answers(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    answers = _simulated(600, 2)
    for a in answers:
        a["interests"] = {k: int(rng.integers(1, 6)) for k in a["interests"]}  # type: ignore[union-attr]
        for block in a["aptitude"].values():  # type: ignore[union-attr]
            block["responses"] = {k: int(rng.integers(0, 2)) for k in block["responses"]}
    path = tmp_path / "noise.csv"
    write_responses_csv(export_responses(answers, INSTRUMENT), path)
    report = compute_reliability(read_responses_csv(path))
    for s in report.scales:
        if s.section == "interests":
            assert abs(s.alpha) < 0.2
    for t in report.subtests:
        assert abs(t.kr20) < 0.3 and abs(t.split_half) < 0.3


def test_export_scores_aptitude_rows_and_leaves_unreached_items_empty() -> None:
    answers = _simulated(1, 3)[0]
    block = answers["aptitude"]["spatial"]  # type: ignore[index]
    block["responses"] = {"0": 0, "1": 1, "2": 0}
    rows = [r for r in export_responses([answers], INSTRUMENT) if r.scale == "spatial"]
    assert len(rows) == INSTRUMENT.subtest("spatial").items
    assert all(r.value in (0.0, 1.0) for r in rows[:3])
    assert all(np.isnan(r.value) for r in rows[3:])
    assert all(r.options == 4 and not np.isnan(r.difficulty) for r in rows)
    assert {r.response_id for r in rows} == {"r000001"}


def test_bad_response_files_name_the_row_and_column(tmp_path: Path) -> None:
    header = ",".join(COLUMNS)
    cases = {
        "missing_column.csv": (
            "response_id,section\nr1,interests\n",
            "column 'instrument_version'",
        ),
        "bad_section.csv": (f"{header}\nr1,2025.1,hobbies,R,R01,3,,\n", "row 1, column 'section'"),
        "bad_rating.csv": (
            f"{header}\nr1,2025.1,interests,R,R01,3,,\nr1,2025.1,interests,R,R02,9,,\n",
            "row 2, column 'value'",
        ),
        "bad_aptitude.csv": (
            f"{header}\nr1,2025.1,aptitude,spatial,0,2,0.1,4\n",
            "row 1, column 'value'",
        ),
        "not_number.csv": (
            f"{header}\nr1,2025.1,aptitude,spatial,0,1,hard,4\n",
            "column 'difficulty'",
        ),
    }
    for name, (text, where) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ResponseFileError) as exc:
            read_responses_csv(path)
        assert where in str(exc.value), name
    with pytest.raises(ResponseFileError, match="cannot open"):
        read_responses_csv(tmp_path / "absent.csv")


def test_writing_is_atomic_and_round_trips(tmp_path: Path) -> None:
    rows = [
        ResponseRow("r1", "2025.1", "interests", "R", "R01", 4.0),
        ResponseRow("r1", "2025.1", "aptitude", "spatial", "0", 1.0, -0.25, 4),
        ResponseRow("r1", "2025.1", "aptitude", "spatial", "1", float("nan"), 0.5, 4),
    ]
    path = tmp_path / "out" / "r.csv"
    assert write_responses_csv(rows, path) == 3
    back = read_responses_csv(path)
    assert back[:2] == rows[:2] and np.isnan(back[2].value)
    assert [p.name for p in path.parent.iterdir()] == ["r.csv"]


def test_cli_reliability_check_and_simulate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim.csv"
    assert main(["assessment", "simulate", "--n", "150", "--seed", "4", "--out", str(out)]) == 0
    assert main(["assessment", "reliability", "--responses", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert {s["scale"] for s in report["scales"]} >= set(RIASEC)
    assert main(["assessment", "reliability", "--responses", str(tmp_path / "none.csv")]) == 2
    assert "cannot open" in capsys.readouterr().err
    assert main(["assessment", "check"]) == 0
    text = capsys.readouterr().out
    assert "Flesch-Kincaid" in text and "Fernandez-Huerta" in text and text.strip().endswith("ok")
