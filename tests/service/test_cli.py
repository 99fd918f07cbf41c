"""The ``pathways`` command line: help for every subcommand, clear usage errors."""

from __future__ import annotations

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
