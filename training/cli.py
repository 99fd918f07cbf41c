"""Subcommands of ``pathways`` that belong to the training side (catalogue, cohort, models)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.cli_options import add_command, add_group, add_json_flag, fail

if TYPE_CHECKING:
    from recommender.catalogue import Catalogue
    from recommender.training_routes import RouteSet


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


def _add_catalogue_path(command: Any) -> None:
    """The --path option of the commands that read a built catalogue."""
    command.add_argument(
        "--path", type=Path, default=None, help="catalogue folder (default: data/catalogue)"
    )


def _register_catalogue(sub: Any) -> None:
    """``pathways catalogue build|summary``: the Mississippi pathway catalogue."""
    commands = add_group(
        sub,
        "catalogue",
        dest="catalogue_command",
        help="build or summarise the pathway catalogue (data/catalogue)",
        description="Build the Mississippi pathway catalogue from raw public data or summarise it.",
    )
    build = add_command(
        commands,
        "build",
        _catalogue_build,
        help="rebuild data/catalogue from the raw O*NET, BLS and NCES files",
        description=(
            "Read the raw public data and write the catalogue files and manifest. The output "
            "folder is replaced only when the whole build succeeds."
        ),
    )
    _add_raw_and_out(build, "data/catalogue")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    summary = add_command(
        commands,
        "summary",
        _catalogue_summary,
        help="print the catalogue's counts and join coverage",
        description="Print counts and join coverage of a built catalogue.",
    )
    _add_catalogue_path(summary)
    add_json_flag(summary)
    routes = add_command(
        commands,
        "routes",
        _catalogue_routes,
        help="list where in Mississippi to train for occupations, for a county",
        description=(
            "List the Mississippi training routes for one or more occupations as a student's "
            "page orders them: the community colleges of the county's district first (with "
            "campuses), then every other Mississippi college that awards a linked programme, "
            "each with credential, completers and published earnings (College Scorecard)."
        ),
    )
    routes.add_argument(
        "--occupation",
        action="append",
        required=True,
        metavar="CODE",
        help="O*NET-SOC code, e.g. 29-1141.00 (repeat for several)",
    )
    place = routes.add_mutually_exclusive_group()
    place.add_argument("--county", metavar="FIPS", help="5-digit county FIPS, e.g. 28047")
    place.add_argument(
        "--region", metavar="CODE", help="OEWS region code when no county is known, e.g. 0025060"
    )
    routes.add_argument(
        "--plan",
        default="undecided",
        help="the student's plan (work, apprenticeship_certificate, community_college, "
        "four_year_college, military, undecided); breaks ties only",
    )
    routes.add_argument("--limit", type=int, default=10, help="routes per occupation (default 10)")
    _add_catalogue_path(routes)
    add_json_flag(routes)


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
        return fail("pathways catalogue build", exc, code=2)
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
        return fail("pathways catalogue summary", exc, code=2)
    manifest = dict(catalogue.manifest)
    if args.json:
        keys = ("version", "regions", "counts", "coverage_pct", "parameters", "releases")
        print(json.dumps({k: manifest[k] for k in keys}, indent=2, sort_keys=True))
    else:
        print(format_summary(manifest))
    return 0


def _register_benchmarks(sub: Any) -> None:
    """``pathways benchmarks build``: the real-people and O*NET-structure benchmark data."""
    commands = add_group(
        sub,
        "benchmarks",
        dest="benchmarks_command",
        help="rebuild the benchmark data (data/benchmarks) from the raw public data",
        description="Rebuild data/benchmarks: real people's RIASEC answers with their field of "
        "study (people.tsv, field_occupations.tsv) and each occupation's nearest by similar work "
        "(similar_work.tsv). `pathways evaluate` scores a version on them.",
    )
    build = add_command(
        commands,
        "build",
        _benchmarks_build,
        help="rebuild data/benchmarks from the raw files",
        description="Read the raw Open-Source Psychometrics, NCES crosswalk and O*NET files and "
        "write the benchmark files (each written whole or not at all).",
    )
    _add_raw_and_out(build, "data/benchmarks")


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
        return fail("pathways benchmarks build", exc, code=2)
    print(
        f"wrote {out}: {people.get('rows_written', '?')} respondents, "
        f"{similar.get('rows', '?')} similar-work rows"
    )
    return 0


def _money(value: float | None) -> str:
    return f"${value:,.0f}" if value is not None else ""


def format_route_set(catalogue: Catalogue, routes: RouteSet, limit: int) -> str:
    """Plain-text listing of a ``RouteSet`` for the command line."""
    from recommender.catalogue import EDUCATION_LEVELS
    from recommender.training_routes import CREDENTIAL_LEVELS

    i = catalogue.index_of(routes.code)
    edu = routes.education_code
    usual = ", ".join(CREDENTIAL_LEVELS[level] for level in routes.usual_levels)
    lines = [
        f"{routes.code} {catalogue.titles[i]}: usual education "
        f"{EDUCATION_LEVELS[edu] if edu >= 0 else 'unknown'} (routes at: {usual})"
    ]
    if routes.district:
        lines.append(f"  district community college(s): {'; '.join(routes.district)}")
    for name in routes.district_without:
        lines.append(f"  {name} awards none of its programmes in the Scorecard data")
    if not routes.routes:
        lines.append("  no Mississippi college in the Scorecard data awards a linked programme")
    for n, r in enumerate(routes.routes[:limit], start=1):
        done = (
            f"{r.completers} completers" if r.completers is not None else "completers not reported"
        )
        pay = (
            f"median earnings {_money(r.earnings)} {r.earnings_years} yr after"
            if r.earnings is not None
            else "earnings suppressed"
        )
        step = {-1: " [below usual]", 0: "", 1: " [above usual]"}[r.level_vs_usual]
        where = "district" if r.local else r.kind.replace("_", " ")
        lines.append(
            f"  {n:>2}. {r.college} ({where}): {r.credential}{step}, {r.cip4} {r.title}"
            f" [{r.directness}]; {done}; {pay}"
        )
        if r.campuses:
            shown = [
                c.name
                + (" (in county)" if c.county_fips and c.county_fips == routes.county_fips else "")
                for c in r.campuses[:3]
            ]
            more = f" +{len(r.campuses) - 3} more" if len(r.campuses) > 3 else ""
            lines.append(f"      campuses: {'; '.join(shown)}{more}")
    if len(routes.routes) > limit:
        lines.append(f"  ... {len(routes.routes) - limit} more")
    return "\n".join(lines)


def _catalogue_routes(args: argparse.Namespace) -> int:
    from recommender.catalogue import load_catalogue
    from recommender.errors import CatalogueError, UnknownCodeError
    from recommender.training_routes import PLAN_LEVELS, training_routes

    prog = "pathways catalogue routes"
    if args.plan not in PLAN_LEVELS:
        return fail(prog, f"--plan {args.plan!r} is not one of {', '.join(PLAN_LEVELS)}", code=2)
    if args.limit < 1:
        return fail(prog, "--limit must be at least 1", code=2)
    try:
        catalogue = load_catalogue(args.path)
        sets = [
            training_routes(catalogue, code, args.county, args.plan, args.region)
            for code in args.occupation
        ]
    except (CatalogueError, UnknownCodeError) as exc:
        return fail(prog, exc, code=2)
    if args.json:
        out = [
            {
                "code": s.code,
                "county_fips": s.county_fips,
                "region": s.region_code,
                "district": list(s.district),
                "routes_total": len(s.routes),
                "routes": [r.to_dict() for r in s.routes[: args.limit]],
            }
            for s in sets
        ]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if args.county:
        region = catalogue.region_of_county(args.county)
        print(
            f"county {args.county} {catalogue.county_names[args.county]} ({region.name}); "
            f"workforce area: {catalogue.county_wioa[args.county]}"
        )
    for s in sets:
        print(format_route_set(catalogue, s, args.limit))
    return 0
