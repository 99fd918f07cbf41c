"""Subcommands of ``pathways`` that belong to the training side (catalogue, cohort, models)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add the training subcommands to the ``pathways`` parser's subparsers."""
    _register_catalogue(sub)
    _register_benchmarks(sub)
    from training import model_cli

    model_cli.register(sub)
    from training import assessment_cli

    assessment_cli.register(sub)


def _add_raw_and_out(build: Any, out: str) -> None:
    """The --raw and --out options every build from the raw public data takes."""
    build.add_argument(
        "--raw",
        type=Path,
        default=None,
        help="raw data folder (default: shared/data/raw beside the repository)",
    )
    build.add_argument("--out", type=Path, default=None, help=f"output folder (default: {out})")


def _register_catalogue(sub: Any) -> None:
    """``pathways catalogue build|summary``: the Mississippi pathway catalogue."""
    parser = sub.add_parser(
        "catalogue",
        help="build or summarise the pathway catalogue (data/catalogue)",
        description="Build the Mississippi pathway catalogue from raw public data or summarise it.",
    )
    commands = parser.add_subparsers(dest="catalogue_command", required=True, metavar="ACTION")
    build = commands.add_parser(
        "build",
        help="rebuild data/catalogue from the raw O*NET, BLS and NCES files",
        description=(
            "Read the raw public data and write the catalogue files and manifest. The output "
            "folder is replaced only when the whole build succeeds."
        ),
    )
    _add_raw_and_out(build, "data/catalogue")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(func=_catalogue_build)
    summary = commands.add_parser(
        "summary",
        help="print the catalogue's counts and join coverage",
        description="Print counts and join coverage of a built catalogue.",
    )
    summary.add_argument(
        "--path", type=Path, default=None, help="catalogue folder (default: data/catalogue)"
    )
    summary.add_argument("--json", action="store_true", help="print JSON for scripts")
    summary.set_defaults(func=_catalogue_summary)


def _catalogue_build(args: argparse.Namespace) -> int:
    from recommender.errors import RawDataError
    from training.catalogue_build import (
        DEFAULT_OUT_DIR,
        DEFAULT_RAW_DIR,
        build_catalogue,
        format_summary,
    )

    raw = args.raw if args.raw is not None else DEFAULT_RAW_DIR
    out = args.out if args.out is not None else DEFAULT_OUT_DIR
    try:
        result = build_catalogue(raw, out, progress=not args.quiet)
    except RawDataError as exc:
        print(f"pathways catalogue build: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {result.out_dir} in {result.seconds:.1f} s")
    print(format_summary(result.manifest))
    return 0


def _catalogue_summary(args: argparse.Namespace) -> int:
    from recommender.catalogue import load_catalogue
    from recommender.errors import CatalogueError
    from training.catalogue_build import format_summary

    try:
        catalogue = load_catalogue(args.path)
    except CatalogueError as exc:
        print(f"pathways catalogue summary: {exc}", file=sys.stderr)
        return 2
    manifest = dict(catalogue.manifest)
    if args.json:
        keys = ("version", "regions", "counts", "coverage_pct", "parameters", "releases")
        print(json.dumps({k: manifest[k] for k in keys}, indent=2, sort_keys=True))
    else:
        print(format_summary(manifest))
    return 0


def _register_benchmarks(sub: Any) -> None:
    """``pathways benchmarks build``: the real-people and O*NET-structure benchmark data."""
    parser = sub.add_parser(
        "benchmarks",
        help="rebuild the benchmark data (data/benchmarks) from the raw public data",
        description="Rebuild data/benchmarks: real people's RIASEC answers with their field of "
        "study (people.tsv, field_occupations.tsv) and each occupation's nearest by similar work "
        "(similar_work.tsv). `pathways evaluate` scores a version on them.",
    )
    commands = parser.add_subparsers(dest="benchmarks_command", required=True, metavar="ACTION")
    build = commands.add_parser(
        "build",
        help="rebuild data/benchmarks from the raw files",
        description="Read the raw Open-Source Psychometrics, NCES crosswalk and O*NET files and "
        "write the benchmark files (each written whole or not at all).",
    )
    _add_raw_and_out(build, "data/benchmarks")
    build.set_defaults(func=_benchmarks_build)


def _benchmarks_build(args: argparse.Namespace) -> int:
    from recommender.catalogue import load_catalogue
    from recommender.errors import PathwaysError
    from training import people_benchmark, structure_benchmark

    raw = args.raw if args.raw is not None else structure_benchmark.DEFAULT_RAW_DIR
    out = args.out if args.out is not None else people_benchmark.DEFAULT
    catalogue = load_catalogue()
    try:
        people = people_benchmark.build_people_benchmark(raw, catalogue, out)
        similar = structure_benchmark.build_similar_work(raw, catalogue, out)
    except (PathwaysError, ValueError, OSError) as exc:
        print(f"pathways benchmarks build: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {out}: {people.get('rows_written', '?')} respondents, "
        f"{similar.get('rows', '?')} similar-work rows"
    )
    return 0
