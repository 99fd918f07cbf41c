"""``pathways evaluate --sweep`` ranks by the version's served score, its own policy a row."""

from __future__ import annotations

import json
from itertools import product

import pytest

from recommender.model import DEFAULT_MODELS_DIR
from recommender.ranking import load_ranking_policy
from service.cli import main
from training.policy_sweep import SWEEP_BOOST, SWEEP_DEMAND, SWEEP_WAGE


def test_the_sweep_keeps_the_versions_interest_weight_and_holds_its_own_policy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    active = json.loads((DEFAULT_MODELS_DIR / "registry.json").read_text())["active"]
    served = load_ranking_policy(DEFAULT_MODELS_DIR / active / "policy.json")
    assert served.interest_weight > 0  # else this test would not tell the two scores apart
    code = main(["evaluate", "--sweep", "--students", "40", "--json", "--quiet"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["rows"]
    grid = list(product(SWEEP_DEMAND, SWEEP_WAGE, SWEEP_BOOST))
    assert [(r["demand_weight"], r["wage_weight"], r["high_value_boost"]) for r in rows] == grid
    assert {r["interest_weight"] for r in rows} == {served.interest_weight}
    own = (served.demand_weight, served.wage_weight, served.high_value_boost)
    assert own in grid
    assert out["chosen"] in rows
    for row in rows:
        assert 0.0 <= row["ndcg@10"] <= 1.0 and 0.0 <= row["high_value_share@10"] <= 1.0


def test_the_sweep_table_marks_the_versions_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--sweep", "--students", "40", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "served ranking: interest weight" in text
    marked = [line for line in text.splitlines() if line[:2].strip() and "=" in line[:2]]
    assert len(marked) == 1
