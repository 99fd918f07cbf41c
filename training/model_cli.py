"""Handlers of ``pathways train``, ``pathways evaluate`` and ``pathways models ...``.

``pathways models promote|rollback`` and ``pathways train --promote`` move the service database's
active-version pointer through ``service.model_ops``, the functions the API and the staff pages
call; nothing here writes ``models/registry.json``, which only seeds a new database.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.cli_options import add_command, add_database_url, add_group, add_json_flag, fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from recommender.catalogue import Catalogue
    from recommender.ranking import RankingPolicy
    from recommender.typical import TypicalFit
    from training.data import ScoreFit

log = logging.getLogger(__name__)


def _models_dir(args: argparse.Namespace) -> Path:
    from recommender.model import DEFAULT_MODELS_DIR

    return Path(args.models_dir) if args.models_dir else DEFAULT_MODELS_DIR


def register(sub: Any) -> None:
    """Add train, evaluate and models subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--models-dir", help="models folder (default: <repo>/models)")
    database = argparse.ArgumentParser(add_help=False)
    add_database_url(
        database,
        help="SQLAlchemy URL of the service database holding the active version (default as "
        "for serve: PATHWAYS_DATABASE_URL, else the SQLite file var/pathways.sqlite3)",
    )

    p = add_command(
        sub,
        "train",
        handle_train,
        parents=[common, database],
        help="train a new model version on outcome records or the synthetic cohort",
        description="Fit the model on outcome records (--records) or on a generated synthetic "
        "cohort, export ONNX with a parity check, evaluate on held-out students and write "
        "models/<version>/. Invalid records are refused with every bad row named and nothing "
        "written.",
    )
    p.add_argument(
        "--records",
        nargs="+",
        metavar="FILE",
        help="outcome-record files (.csv or .parquet; several school years allowed); without "
        "it the synthetic cohort is generated",
    )
    p.add_argument(
        "--problem-limit",
        type=int,
        default=50,
        help="bad-record problems printed before '... and N more' (default 50)",
    )
    p.add_argument("--version", help="version name (default: <date>-<data hash>)")
    p.add_argument("--students", type=int, default=50_000, help="cohort size (default 50000)")
    p.add_argument("--seed", type=int, default=2026, help="cohort seed (default 2026)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--max-iter", type=int, default=120, help="boosting iterations (default 120)")
    p.add_argument("--eval-students", type=int, default=2000, help="held-out students scored")
    p.add_argument(
        "--reuse-fit",
        metavar="VERSION",
        help="take this version's fitted model instead of fitting again and redo every later "
        "step (typical fit, exposure offsets, calibration, evaluation, benchmarks, card); the "
        "version must have been trained on the same cohort settings and features",
    )
    p.add_argument(
        "--promote",
        action="store_true",
        help="promote the new version in the service database (--database-url) if it passes "
        "the guard; running services switch to it within a second",
    )

    p = add_command(
        sub,
        "evaluate",
        handle_evaluate,
        parents=[common],
        help="evaluate a model version on real people, O*NET's structure and a fresh cohort",
        description="Score a version's ONNX model and ranking policy on the real-people and "
        "O*NET-structure benchmarks (every ranker side by side, intervals, concentration, the "
        "promotion guard's limits) and on a fresh synthetic cohort (a different seed: the model, "
        "the baselines and the ceilings); with --sweep, compare ranking policies instead.",
    )
    p.add_argument("--version", help="model version (default: the one models/registry.json seeds)")
    p.add_argument("--students", type=int, default=2000, help="fresh students (default 2000)")
    p.add_argument("--seed", type=int, default=99, help="seed of the fresh cohort (default 99)")
    add_json_flag(p, help="print the full metrics as JSON")
    p.add_argument(
        "--sweep",
        action="store_true",
        help="sweep a grid of (demand_weight, wage_weight, high_value_boost) on the fresh "
        "students and print NDCG@10, high-value share, wage ratio and coverage of the top 10 "
        "per policy, marking the one the selection rule picks (docs/model.md)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")

    csub = add_group(
        sub,
        "cohort",
        dest="cohort_command",
        help="export the synthetic cohort as outcome records",
        description="Generate the synthetic cohort and write its graded outcomes in the "
        "outcome-record schema, so training on records can run without real students.",
    )
    p = add_command(
        csub, "export", handle_cohort_export, help="write the cohort's outcomes as outcome records"
    )
    p.add_argument("--students", type=int, default=2000, help="cohort size (default 2000)")
    p.add_argument("--seed", type=int, default=2026, help="cohort seed (default 2026)")
    p.add_argument("--year", required=True, help="school year written, e.g. 2025-26")
    p.add_argument("--out", required=True, type=Path, help="output file (.csv or .parquet)")

    msub = add_group(
        sub,
        "models",
        dest="models_command",
        help="list, show, promote or roll back model versions",
        description="Manage model versions. The active version is the service database's "
        "pointer (the one the staff pages and the API move too); every running service "
        "switches within a second. models/registry.json only seeds a new database. Exit 0, "
        "1 when refused or the database is unusable, 2 for an unknown version.",
    )
    both = [common, database]
    add_command(
        msub, "list", handle_list, parents=both, help="list versions with NDCG@10 and the guard"
    )
    p = add_command(msub, "show", handle_show, parents=both, help="print a version's card")
    p.add_argument("version", nargs="?", help="version (default: the active one)")
    p = add_command(
        msub, "promote", handle_promote, parents=both, help="make a version active after checks"
    )
    p.add_argument("version")
    p.add_argument("--force", action="store_true", help="promote despite failed checks")
    p.add_argument("--reason", default="", help="why (required with --force)")
    p = add_command(
        msub,
        "rollback",
        handle_rollback,
        parents=both,
        help="switch back to the previous version",
    )
    p.add_argument("--to", help="version to switch to (default: the one replaced last)")
    p.add_argument("--reason", required=True, help="why (recorded in the model events)")


def handle_cohort_export(args: argparse.Namespace) -> int:
    """Write a synthetic cohort's outcomes as outcome records."""
    from recommender.catalogue import load_catalogue
    from recommender.errors import PathwaysError
    from recommender.instrument import load_instrument
    from training.cohort import (
        CohortConfig,
        cohort_outcome_records,
        generate_cohort,
        observe_with_instrument,
    )
    from training.records import write_outcome_records

    prog = "pathways cohort export"
    if args.students < 1:
        return fail(prog, "--students must be at least 1", code=2)
    catalogue = load_catalogue()
    try:
        cohort = generate_cohort(
            catalogue,
            CohortConfig(n_students=args.students, seed=args.seed),
            observe_with_instrument,
        )
        frame = cohort_outcome_records(
            cohort, catalogue, args.year, instrument_version=load_instrument().version
        )
        write_outcome_records(frame, args.out)
    except (PathwaysError, ValueError) as exc:
        return fail(prog, exc, code=2)
    print(f"wrote {args.out}: {len(frame)} outcome records of {cohort.size} synthetic students")
    return 0


def _train_records(args: argparse.Namespace) -> int:
    """Train on outcome-record files; refused files print every problem and exit 1."""
    from recommender.catalogue import load_catalogue
    from recommender.errors import PathwaysError, TrainingRecordsRefusedError
    from recommender.versions import headline_ndcg, read_model_metrics
    from training.records_training import format_refusal, train_version_from_records
    from training.train import TrainConfig

    models_dir = _models_dir(args)
    config = TrainConfig(max_iter=args.max_iter, eval_students=args.eval_students)
    try:
        folder = train_version_from_records(
            args.records,
            load_catalogue(),
            models_dir,
            args.version,
            config=config,
            show_progress=not args.quiet,
        )
    except TrainingRecordsRefusedError as exc:
        print(format_refusal(exc, args.problem_limit), file=sys.stderr)
        return 1
    except (PathwaysError, FileExistsError) as exc:
        return fail("pathways train", exc, code=2)
    metrics = read_model_metrics(models_dir, folder.name)
    ev = metrics["evaluation"]
    records = metrics["records"]
    print(
        f"wrote {folder}: {records['rows']} rows, {records['people']} students, "
        f"years {', '.join(records['school_years'])}"
    )
    print(f"  held-out NDCG@10 model {headline_ndcg(metrics):.4f}")
    for name, system in ev["baselines"].items():
        print(f"  held-out NDCG@10 {name} {system['overall']['ndcg@10']['mean']:.4f}")
    print("  (no oracle on real records)")
    if args.promote:
        return promote_in_database(args, folder.name, reason="trained and promoted")
    return 0


def handle_train(args: argparse.Namespace) -> int:
    """Train, export and evaluate a new version (with --promote, check the database first)."""
    prog = "pathways train"
    if args.promote:
        try:
            with _database(args):
                pass
        except _DatabaseUnusable as exc:
            return fail(prog, f"cannot promote, so not training: {exc}", code=1)
    if args.records:
        if args.reuse_fit:
            return fail(prog, "--reuse-fit works with the synthetic cohort, not --records", code=2)
        return _train_records(args)
    from recommender.catalogue import load_catalogue
    from recommender.errors import PathwaysError
    from recommender.versions import headline_ndcg, read_model_metrics
    from training.cohort import CohortConfig
    from training.train import TrainConfig, train_version

    config = TrainConfig(
        cohort=CohortConfig(n_students=args.students, seed=args.seed),
        max_iter=args.max_iter,
        eval_students=args.eval_students,
    )
    models_dir = _models_dir(args)
    try:
        reuse = None
        if args.reuse_fit:
            from recommender.model import locate_model_version

            reuse = locate_model_version(models_dir, args.reuse_fit)
        folder = train_version(
            config,
            load_catalogue(),
            models_dir,
            args.version,
            show_progress=not args.quiet,
            reuse_fit=reuse,
        )
    except (PathwaysError, FileExistsError, ValueError) as exc:
        return fail(prog, exc, code=2)
    metrics = read_model_metrics(models_dir, folder.name)
    print(f"wrote {folder} (held-out NDCG@10 {headline_ndcg(metrics):.4f})")
    if args.promote:
        return promote_in_database(args, folder.name, reason="trained and promoted")
    return 0


def handle_evaluate(args: argparse.Namespace) -> int:
    """Evaluate a version on a fresh cohort."""
    import numpy as np

    from recommender.catalogue import load_catalogue
    from recommender.engine import Recommender
    from recommender.errors import PathwaysError
    from recommender.model import load_fit_model, locate_model_version
    from recommender.ranking import RankingPolicy, load_ranking_policy
    from recommender.typical import TYPICAL_FIT_FILE, load_typical_fit
    from recommender.versions import check_benchmarks
    from training.benchmarks import reason_disagreements, render_benchmarks_markdown
    from training.cohort import CohortConfig, generate_cohort, observe_with_instrument
    from training.pipeline import run_benchmarks
    from training.stress import (
        STRESS_VARIANTS,
        render_stress_table,
        run_stress_variants,
        summarise_stress,
    )
    from training.train import evaluate_on_students

    try:
        folder = locate_model_version(_models_dir(args), args.version)
        model = load_fit_model(folder)
    except PathwaysError as exc:
        return fail("pathways evaluate", exc, code=2)
    catalogue = load_catalogue()
    policy_file = folder / "policy.json"
    try:
        policy = load_ranking_policy(policy_file) if policy_file.is_file() else RankingPolicy()
    except PathwaysError as exc:
        return fail("pathways evaluate", exc, code=2)
    typical = None
    if (folder / TYPICAL_FIT_FILE).is_file():
        typical = load_typical_fit(folder, catalogue.codes)
    if args.sweep:
        return _print_sweep(args, folder, model.score_fit, catalogue, policy, typical)
    cohort = generate_cohort(
        catalogue, CohortConfig(n_students=args.students, seed=args.seed), observe_with_instrument
    )
    benchmarks = run_benchmarks(model.score_fit, policy, catalogue, typical)
    metrics = evaluate_on_students(
        model.score_fit, cohort, catalogue, np.arange(cohort.size), policy, typical=typical
    )
    disagreements = reason_disagreements(Recommender.load(_models_dir(args), folder.name))
    variants = run_stress_variants(
        model.score_fit,
        catalogue,
        policy,
        typical,
        n_students=max(args.students // 2, 100),
        seed=args.seed,
        variants={k: v for k, v in STRESS_VARIANTS.items() if v},
    )
    variants = {"as trained": {**summarise_stress(metrics), "students": cohort.size}, **variants}
    if args.json:
        out = {
            "benchmarks": benchmarks,
            "cohort": metrics,
            "stress_variants": variants,
            "reason_disagreements": disagreements,
        }
        print(json.dumps(out, indent=2, sort_keys=True))
        return 0
    print(f"version {folder.name}")
    print(render_benchmarks_markdown(benchmarks))
    print(
        f"Reasons whose model effect contradicts their fact (model defects), over "
        f"{disagreements['respondents']} real respondents' served lists: "
        + json.dumps({k: v for k, v in disagreements.items() if k != "respondents"})
    )
    problems = check_benchmarks({"benchmarks": benchmarks})
    print("Promotion guard, benchmark limits: " + ("all met" if not problems else "FAILED"))
    for problem in problems:
        print(f"  - {problem}")
    rows = [("model", metrics["model"]), *metrics["baselines"].items()]
    print(f"\nStress test: {cohort.size} fresh synthetic students (seed {args.seed})")
    for name, system in rows:
        print(f"  {name:16s} NDCG@10 {system['overall']['ndcg@10']['mean']:.4f}")
    print(f"  {'oracle':16s} NDCG@10 {metrics['oracle']['ndcg@10']['mean']:.4f}")
    print("\nStress variants (fresh cohorts, each with one thing made harder; NDCG@10):")
    print(render_stress_table(variants))
    return 0


def _print_sweep(
    args: argparse.Namespace,
    folder: Path,
    score_fit: ScoreFit,
    catalogue: Catalogue,
    policy: RankingPolicy,
    typical: TypicalFit | None,
) -> int:
    """Run the policy sweep on the version's served ranking and print it as a table (or JSON):
    ``*`` marks the sweep rule's choice and ``=`` the version's own policy."""
    from training.policy_sweep import choose_policy, run_policy_sweep

    rows = run_policy_sweep(
        score_fit,
        catalogue,
        policy=policy,
        typical=typical,
        n_students=args.students,
        seed=args.seed,
        show_progress=not args.quiet,
    )
    chosen = choose_policy(rows)
    own = (policy.demand_weight, policy.wage_weight, policy.high_value_boost)
    if args.json:
        print(json.dumps({"rows": rows, "chosen": chosen}, indent=2, sort_keys=True))
        return 0
    print(
        f"version {folder.name}, {args.students} fresh students (seed {args.seed}), top 10; "
        f"served ranking: interest weight {policy.interest_weight:g}, "
        + ("exposure offsets applied" if typical is not None else "raw fit (no typical fit)")
    )
    print("  demand   wage  boost  NDCG@10  high-value  wage ratio  coverage")
    for row in rows:
        weights = (row["demand_weight"], row["wage_weight"], row["high_value_boost"])
        mark = ("*" if row is chosen else " ") + ("=" if weights == own else " ")
        print(
            f"{mark}{row['demand_weight']:6.2f} {row['wage_weight']:6.2f} "
            f"{row['high_value_boost']:6.2f}  {row['ndcg@10']:.4f}  "
            f"{row['high_value_share@10']:10.3f}  {row['wage_ratio@10']:10.3f}  "
            f"{row['coverage@10']:8.3f}"
        )
    print(
        "* highest high-value share with NDCG@10 within 0.01 of no demand, wage or boost; "
        "= the version's policy"
    )
    return 0


class _DatabaseUnusable(Exception):
    """The service database cannot be used; the message says why, for standard error."""


@contextmanager
def _database(args: argparse.Namespace) -> Iterator[Session]:
    """A session on the service database (committed at the end, rolled back on any error).

    _DatabaseUnusable when it cannot be reached or is not at the newest migration (the command
    line never migrates a database behind running services: 'pathways migrate' does).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from service.db import make_engine, make_sessionmaker, session_scope
    from service.migrate import current_revision, head_revision
    from service.settings import settings_for_database

    settings = settings_for_database(args.database_url)
    engine = make_engine(settings.resolved_database_url())
    try:
        try:
            revision, head = current_revision(engine), head_revision()
        except SQLAlchemyError as exc:
            raise _DatabaseUnusable(f"database error: {type(exc).__name__}") from None
        if revision != head:
            raise _DatabaseUnusable(
                f"the database is at migration {revision or 'none'}, this code needs {head}: "
                "run 'pathways migrate' (with the same --database-url) first"
            )
        try:
            with session_scope(make_sessionmaker(engine)) as db:
                yield db
        except SQLAlchemyError as exc:
            raise _DatabaseUnusable(f"database error: {type(exc).__name__}") from None
    finally:
        engine.dispose()


def _pointer(args: argparse.Namespace, models_dir: Path) -> tuple[str | None, str]:
    """The active version and where it came from, read from the service database without
    writing (an empty pointer shows the version registry.json would seed it with).

    _DatabaseUnusable as for ``_database``.
    """
    from recommender.errors import PathwaysError
    from recommender.model import read_active_version
    from service.state import get_active_model_version

    with _database(args) as db:
        active = get_active_model_version(db)
    if active is not None:
        return active, "the database"
    try:
        return read_active_version(models_dir), "registry.json (the database names none yet)"
    except PathwaysError:
        return None, "nowhere (the database and registry.json name none)"


def handle_list(args: argparse.Namespace) -> int:
    """List versions with NDCG@10 and the guard's verdict, marking the active one."""
    from recommender.errors import PathwaysError
    from recommender.versions import (
        guard_failures,
        headline_ndcg,
        list_model_versions,
        read_model_metrics,
    )

    models_dir = _models_dir(args)
    try:
        active, source = _pointer(args, models_dir)
    except _DatabaseUnusable as exc:
        return fail("pathways models list", exc, code=1)
    print(f"active version: {active or '-'} (from {source})")
    for version in list_model_versions(models_dir):
        mark = "*" if version == active else " "
        try:
            ndcg = f"{headline_ndcg(read_model_metrics(models_dir, version)):.4f}"
        except PathwaysError:
            ndcg = "  -   "
        failed = guard_failures(models_dir, version, active)
        verdict = f"  guard: {len(failed)} failed check(s)" if failed else "  guard: passes"
        if version == active:
            verdict = ""
        print(f"{mark} {version}  NDCG@10 {ndcg}{verdict}")
    return 0


def handle_show(args: argparse.Namespace) -> int:
    """Print a version's model card (default: the active version's)."""
    prog = "pathways models show"
    models_dir = _models_dir(args)
    version = args.version
    if version is None:
        try:
            version, _source = _pointer(args, models_dir)
        except _DatabaseUnusable as exc:
            return fail(prog, exc, code=1)
    card = models_dir / (version or "") / "card.md"
    if not version or not card.is_file():
        return fail(prog, f"unknown model version {version!r}", code=2)
    print(card.read_text(encoding="utf-8"))
    return 0


def _switch(args: argparse.Namespace, prog: str, action: str, **options: Any) -> int:
    """Promote or roll back through ``service.model_ops`` in one transaction; print the result."""
    from recommender.errors import PathwaysError, UnknownModelVersionError
    from service.db import utc_now
    from service.model_ops import promote_model, rollback_model

    models_dir = _models_dir(args)
    switch = promote_model if action == "promote" else rollback_model
    try:
        with _database(args) as db:
            event = switch(db, models_dir, by_user=None, now=utc_now(), **options).event
            summary = (event.version, event.replaced, list(event.failed_checks), event.forced)
    except _DatabaseUnusable as exc:
        return fail(prog, exc, code=1)
    except UnknownModelVersionError as exc:
        return fail(prog, exc, code=2)
    except PathwaysError as exc:
        return fail(prog, exc, code=1)
    version, replaced, failed, forced = summary
    print(f"active model version: {version} (was {replaced or '-'}); running services switch")
    if forced:
        print(f"forced past {len(failed)} failed check(s):")
        for problem in failed:
            print(f"  - {problem}")
    return 0


def promote_in_database(args: argparse.Namespace, version: str, *, reason: str) -> int:
    """``pathways train --promote``: promote the version just written, guarded, no force."""
    return _switch(args, "pathways train", "promote", version=version, force=False, reason=reason)


def handle_promote(args: argparse.Namespace) -> int:
    """Promote a version (refused on failed checks unless forced with a reason)."""
    return _switch(
        args,
        "pathways models promote",
        "promote",
        version=args.version,
        force=args.force,
        reason=args.reason,
    )


def handle_rollback(args: argparse.Namespace) -> int:
    """Roll back to the previous (or a named) version."""
    return _switch(args, "pathways models rollback", "rollback", reason=args.reason, to=args.to)
