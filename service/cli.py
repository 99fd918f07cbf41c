"""The ``pathways`` command line: one entry point, subcommands contributed by each package.

Each package exposes ``register(subparsers)`` that adds its subcommands; a subcommand's handler
takes the parsed arguments and returns the process exit code. Handlers import their heavy
modules lazily so ``pathways --help`` stays instant.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from service import commands as service_commands
from service import messages_cli
from training import cli as training_cli

#: Import names of the `train` extra: a service-only install (`pip install .`) lacks them.
TRAINING_LIBRARIES = frozenset(
    {"sklearn", "scipy", "pandas", "pyarrow", "onnx", "skl2onnx", "joblib", "tqdm"}
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pathways",
        description=(
            "Pathways: career pathway recommendations for Mississippi high schools. "
            "Run 'pathways COMMAND --help' for the options of each command."
        ),
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log debug messages to standard error"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    training_cli.register(sub)
    service_commands.register(sub)
    messages_cli.register(sub)  # pathways messages extract|check (service/i18n.py)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in TRAINING_LIBRARIES:
            raise
        print(
            f"pathways {args.command}: needs the training libraries ({exc.name} is not "
            "installed); install them with: pip install 'pathways[train]'",
            file=sys.stderr,
        )
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
