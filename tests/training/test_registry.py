"""What training keeps of the registry: the subgroup gap the model card prints.

Promotion and rollback are on the database now (tests/service/test_model_ops.py and
tests/service/test_model_cli.py); the guard is tests/recommender/test_promotion_guard.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from training.registry import largest_subgroup_gap


def _metrics(groups: dict[str, dict[str, float | None]]) -> dict[str, Any]:
    subgroups = {
        group: {label: {"ndcg@10": {"mean": mean}} for label, mean in members.items()}
        for group, members in groups.items()
    }
    return {"evaluation": {"model": {"subgroups": subgroups}}}


def test_the_widest_spread_wins_and_a_single_member_group_has_none() -> None:
    metrics = _metrics(
        {
            "gender": {"female": 0.30, "male": 0.28},
            "region": {"north": 0.35, "delta": 0.25, "coast": None},
            "race_ethnicity": {"black": 0.9},
        }
    )
    group, gap = largest_subgroup_gap(metrics)
    assert group == "region"
    assert gap == pytest.approx(0.35 - 0.25)


def test_no_subgroups_give_no_gap() -> None:
    assert largest_subgroup_gap({}) == ("", 0.0)
    assert largest_subgroup_gap(_metrics({"gender": {"female": 0.3}})) == ("", 0.0)
