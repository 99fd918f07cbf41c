"""Subcommands of ``pathways`` that belong to the training side (catalogue, cohort, models)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the training subcommands to the ``pathways`` parser's subparsers."""
    _ = argparse  # subcommands are added below as the training side grows
    _ = sub
