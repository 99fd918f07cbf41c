"""The ``pathways`` command line: help for every subcommand, clear usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.cli import build_parser, main


def test_help_exits_zero_and_names_the_program(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "pathways" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_every_subcommand_has_help_text() -> None:
    parser = build_parser()
    actions = [a for a in parser._actions if a.dest == "command"]
    assert actions, "the parser has no subcommands"
    for choice in actions[0].choices.values():  # type: ignore[union-attr]
        assert choice.description or choice.format_help().strip()


def test_serve_accepts_host_port_database_url_and_workers() -> None:
    args = build_parser().parse_args(
        ["serve", "--host", "0.0.0.0", "--port", "8080", "--workers", "2", "--database-url", "x"]
    )
    assert (args.host, args.port, args.workers, args.database_url) == ("0.0.0.0", 8080, 2, "x")


def test_serve_with_a_bad_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--port", "eighty"])
    assert exc.value.code == 2
    assert "--port" in capsys.readouterr().err


def test_migrate_and_seed_prepare_an_empty_database_once(tmp_path: Path) -> None:
    from service.commands import prepare_database
    from service.settings import Settings

    settings = Settings(
        var_dir=tmp_path / "var", argon2_time_cost=1, argon2_memory_kib=64, argon2_parallelism=1
    )
    logins = prepare_database(settings)
    assert logins is not None
    assert {login.role for login in logins} == {"admin", "staff", "coach"}
    assert (tmp_path / "var" / "pathways.sqlite3").is_file()
    from sqlalchemy import text

    from service.db import make_engine

    engine = make_engine(settings.resolved_database_url())
    with engine.connect() as conn:
        query = (
            "SELECT count(*) FROM assessments WHERE status = 'submitted' AND profile IS NOT NULL"
        )
        done = conn.execute(text(query)).scalar_one()
    engine.dispose()
    assert done == 8  # four per school
    assert prepare_database(settings) is None  # the second start finds the district in place
