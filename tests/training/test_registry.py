"""Registry: promotion checks, forced promotions with reasons, rollbacks, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recommender.errors import PromotionRefusedError, UnknownModelVersionError
from recommender.model import locate_model_version, read_active_version
from service.cli import main
from tests.benchmark_results import benchmarks
from training.registry import check_subgroups, promote_version, rollback_version


def make_version(
    models: Path, name: str, ndcg: float, *, gap: float = 0.0, parity: bool = True
) -> None:
    folder = models / name
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"placeholder")

    def entry(mean: float) -> dict:
        return {"ndcg@10": {"mean": mean}}

    groups = {
        "gender": {"female": entry(ndcg), "male": entry(ndcg - gap)},
        "race_ethnicity": {"black": entry(ndcg), "white": entry(ndcg)},
        "region": {"2800005": entry(ndcg)},
    }
    metrics = {
        "evaluation": {"model": {"overall": entry(ndcg), "subgroups": groups}},
        "parity": {"passed": parity},
        "benchmarks": benchmarks(),
    }
    (folder / "metrics.json").write_text(json.dumps(metrics))
    (folder / "card.md").write_text(f"# card {name}\n")


def test_first_promotion_sets_active_and_records_history(tmp_path: Path) -> None:
    make_version(tmp_path, "a", 0.30)
    promote_version("a", models_dir=tmp_path, reason="first")
    assert read_active_version(tmp_path) == "a"
    assert locate_model_version(tmp_path) == tmp_path / "a"
    history = json.loads((tmp_path / "registry.json").read_text())["history"]
    assert history[-1]["version"] == "a" and history[-1]["replaced"] is None


def test_worse_model_is_refused_unless_forced_with_a_reason(tmp_path: Path) -> None:
    make_version(tmp_path, "a", 0.30)
    make_version(tmp_path, "b", 0.25)
    promote_version("a", models_dir=tmp_path)
    with pytest.raises(PromotionRefusedError, match="below the active"):
        promote_version("b", models_dir=tmp_path)
    assert read_active_version(tmp_path) == "a"
    with pytest.raises(PromotionRefusedError, match="needs a reason"):
        promote_version("b", models_dir=tmp_path, force=True)
    promote_version("b", models_dir=tmp_path, force=True, reason="new catalogue year")
    event = json.loads((tmp_path / "registry.json").read_text())["history"][-1]
    assert event["forced"] is True
    assert event["reason"] == "new catalogue year"
    assert event["failed_checks"]


def test_subgroup_gap_and_failed_parity_block_promotion(tmp_path: Path) -> None:
    make_version(tmp_path, "gap", 0.40, gap=0.2)
    make_version(tmp_path, "noparity", 0.40, parity=False)
    with pytest.raises(PromotionRefusedError, match="gender=male"):
        promote_version("gap", models_dir=tmp_path)
    with pytest.raises(PromotionRefusedError, match="parity"):
        promote_version("noparity", models_dir=tmp_path)


def test_check_subgroups_passes_even_groups(tmp_path: Path) -> None:
    make_version(tmp_path, "even", 0.40)
    metrics = json.loads((tmp_path / "even" / "metrics.json").read_text())
    assert check_subgroups(metrics) == []


def test_rollback_returns_to_the_replaced_version(tmp_path: Path) -> None:
    make_version(tmp_path, "a", 0.30)
    make_version(tmp_path, "b", 0.35)
    promote_version("a", models_dir=tmp_path)
    promote_version("b", models_dir=tmp_path)
    with pytest.raises(PromotionRefusedError, match="needs a reason"):
        rollback_version(models_dir=tmp_path, reason=" ")
    rollback_version(models_dir=tmp_path, reason="coaches saw odd results")
    assert read_active_version(tmp_path) == "a"
    with pytest.raises(UnknownModelVersionError):
        rollback_version(models_dir=tmp_path, reason="x", to="zzz")


def test_cli_lists_promotes_and_rolls_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_version(tmp_path, "a", 0.30)
    make_version(tmp_path, "b", 0.20)
    assert main(["models", "promote", "a", "--models-dir", str(tmp_path)]) == 0
    assert main(["models", "promote", "b", "--models-dir", str(tmp_path)]) == 1
    assert "below the active" in capsys.readouterr().err
    assert main(["models", "list", "--models-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "* a" in out and "  b" in out
    assert main(["models", "show", "--models-dir", str(tmp_path)]) == 0
    assert "# card a" in capsys.readouterr().out
    args = ["models", "promote", "b", "--force", "--reason", "test", "--models-dir", str(tmp_path)]
    assert main(args) == 0
    rollback = ["models", "rollback", "--reason", "undo", "--models-dir", str(tmp_path)]
    assert main(rollback) == 0
    assert read_active_version(tmp_path) == "a"
