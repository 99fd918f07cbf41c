"""What the ``pathways`` subcommand parsers share: commands and command groups, the options
several commands take, and the one way a handler reports a failure.

Only ``argparse`` is imported here, so every package's ``register`` can use it without slowing
``pathways --help``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

#: A subcommand's handler: the parsed arguments in, the process exit code out.
Handler = Callable[[argparse.Namespace], int]

#: The ``--database-url`` help of the operator commands that use the database ``serve`` does.
DATABASE_URL_AS_FOR_SERVE = "SQLAlchemy URL (default as for serve)"


def add_command(
    sub: Any,
    name: str,
    func: Handler,
    *,
    help: str,
    description: str | None = None,
    parents: Sequence[argparse.ArgumentParser] = (),
) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` that ``func`` runs to ``sub`` (a parser's subparsers) and
    return its parser, for the options."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, parents=list(parents), help=help, description=description
    )
    parser.set_defaults(func=func)
    return parser


def add_group(
    sub: Any, name: str, *, dest: str, help: str, description: str, metavar: str = "ACTION"
) -> Any:
    """Add the command ``name`` to ``sub``, one that must be followed by a subcommand of its
    own (named in ``args.<dest>``); return the subparsers to add those to."""
    parser = sub.add_parser(name, help=help, description=description)
    return parser.add_subparsers(dest=dest, required=True, metavar=metavar)


def add_database_url(
    parser: argparse.ArgumentParser, help: str = DATABASE_URL_AS_FOR_SERVE
) -> None:
    """The ``--database-url`` option of a command that uses the service database."""
    parser.add_argument("--database-url", help=help)


def add_json_flag(parser: argparse.ArgumentParser, help: str = "print JSON for scripts") -> None:
    """The ``--json`` flag of a command whose report scripts may read instead of the text."""
    parser.add_argument("--json", action="store_true", help=help)


def fail(prog: str, message: object, *, code: int) -> int:
    """Print ``PROG: MESSAGE`` on standard error and return ``code``, the command's exit code."""
    print(f"{prog}: {message}", file=sys.stderr)
    return code
