"""``pathways models list|show|promote|rollback`` and ``train --promote`` on the service database.

They move the same database pointer the API and the staff pages move (through
``service.model_ops``), on the test database (SQLite, or PostgreSQL by URL), and never write
``registry.json``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from service.cli import main
from service.db import make_engine, make_sessionmaker, session_scope
from service.settings import Settings
from service.state import get_active_model_version
from service.tables import ModelEvent
from tests.service.test_models_api import SHIPPED, add_version, make_models_dir


@pytest.fixture
def models(tmp_path: Path) -> Path:
    folder = make_models_dir(tmp_path)
    add_version(folder, "2026.2-better", ndcg_delta=0.01)
    add_version(folder, "2026.3-worse", ndcg_delta=-0.05)
    return folder


@pytest.fixture
def url(settings: Settings) -> str:
    return settings.resolved_database_url()


def run(models: Path, url: str, *args: str) -> int:
    return main(["models", *args, "--models-dir", str(models), "--database-url", url])


def state(url: str) -> tuple[str | None, list[tuple[str, str, str | None, bool, int | None]]]:
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            rows = db.execute(select(ModelEvent).order_by(ModelEvent.id)).scalars()
            listed = [(e.action, e.version, e.replaced, e.forced, e.by_user) for e in rows]
            return get_active_model_version(db), listed
    finally:
        engine.dispose()


def test_promote_and_rollback_move_the_database_pointer_not_the_file(
    models: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = (models / "registry.json").read_bytes()
    assert run(models, url, "promote", "2026.2-better") == 0
    assert "active model version: 2026.2-better (was " + SHIPPED in capsys.readouterr().out
    assert state(url) == (
        "2026.2-better",
        [
            ("initialise", SHIPPED, None, False, None),
            ("promote", "2026.2-better", SHIPPED, False, None),
        ],
    )
    assert run(models, url, "rollback", "--reason", "coaches saw odd results") == 0
    assert state(url)[0] == SHIPPED
    assert state(url)[1][-1] == ("rollback", SHIPPED, "2026.2-better", False, None)
    assert (models / "registry.json").read_bytes() == registry


def test_a_refused_promotion_says_why_exits_1_and_changes_nothing(
    models: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(models, url, "promote", "2026.3-worse") == 1
    err = capsys.readouterr().err
    assert err.startswith("pathways models promote: refusing to promote '2026.3-worse'")
    assert "below the active" in err
    assert state(url) == (None, [])
    assert run(models, url, "promote", "2026.3-worse", "--force") == 1
    assert "needs a reason" in capsys.readouterr().err
    assert run(models, url, "promote", "2099.1-none") == 2
    assert "2099.1-none" in capsys.readouterr().err
    assert run(models, url, "rollback", "--reason", "x") == 1
    assert "no earlier version" in capsys.readouterr().err
    assert state(url) == (None, [])


def test_a_forced_promotion_lists_the_checks_it_passed_over(
    models: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("promote", "2026.3-worse", "--force", "--reason", "new catalogue year")
    assert run(models, url, *args) == 0
    out = capsys.readouterr().out
    assert "forced past 1 failed check(s)" in out and "below the active" in out
    assert state(url)[1][-1] == ("promote", "2026.3-worse", SHIPPED, True, None)


def test_list_and_show_read_the_database_pointer(
    models: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(models, url, "list") == 0
    out = capsys.readouterr().out
    assert f"active version: {SHIPPED} (from registry.json" in out  # nothing stored yet
    assert state(url) == (None, [])  # listing writes nothing
    assert run(models, url, "promote", "2026.2-better") == 0
    capsys.readouterr()
    assert run(models, url, "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "active version: 2026.2-better (from the database)"
    marked = {line[2:].split()[0]: line for line in lines[1:]}
    assert marked["2026.2-better"].startswith("* ")
    assert marked[SHIPPED].startswith("  ") and "guard:" in marked[SHIPPED]
    assert "guard: 1 failed check(s)" in marked["2026.3-worse"]
    assert run(models, url, "show") == 0
    card = (models / "2026.2-better" / "card.md").read_text(encoding="utf-8")
    assert capsys.readouterr().out == card + "\n"
    assert run(models, url, "show", "2099.1-none") == 2


def test_an_unmigrated_database_is_refused_with_the_command_to_run(
    models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    assert run(models, empty, "promote", "2026.2-better") == 1
    err = capsys.readouterr().err
    assert "at migration none" in err and "run 'pathways migrate'" in err
    assert run(models, empty, "list") == 1


def test_train_promote_checks_the_database_before_training(
    models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    args = ["train", "--promote", "--models-dir", str(models), "--database-url", empty]
    assert main(args) == 1
    assert "cannot promote, so not training" in capsys.readouterr().err
    assert sorted(p.name for p in models.iterdir()) == sorted(
        ["registry.json", SHIPPED, "2026.2-better", "2026.3-worse"]
    )


def test_train_promote_promotes_the_written_version_through_the_database(
    models: Path, url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Training itself is stood in for (tests/training train for real): it writes a version
    folder; ``--promote`` must then move the database pointer to it."""
    import training.train

    def fake_train_version(
        config: object, catalogue: object, models_dir: Path, *_: object, **__: object
    ) -> Path:
        return add_version(models_dir, "2026.9-trained", ndcg_delta=0.02)

    monkeypatch.setattr(training.train, "train_version", fake_train_version)
    args = ["train", "--promote", "--quiet", "--models-dir", str(models), "--database-url", url]
    assert main(args) == 0
    assert "active model version: 2026.9-trained" in capsys.readouterr().out
    assert state(url)[0] == "2026.9-trained"
    assert state(url)[1][-1][:3] == ("promote", "2026.9-trained", SHIPPED)


def test_train_reuse_fit_names_a_missing_version_and_refuses_records(
    models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--reuse-fit of a version that is not there, or with --records, is refused with exit 2
    before any cohort is generated, and no folder is written."""
    before = sorted(p.name for p in models.iterdir())
    args = ["train", "--quiet", "--models-dir", str(models), "--reuse-fit", "2026.7-nowhere"]
    assert main(args) == 2
    assert "2026.7-nowhere" in capsys.readouterr().err
    records = ["train", "--models-dir", str(models), "--records", "x.csv", "--reuse-fit", SHIPPED]
    assert main(records) == 2
    assert "--reuse-fit works with the synthetic cohort" in capsys.readouterr().err
    assert sorted(p.name for p in models.iterdir()) == before
