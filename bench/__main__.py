"""Benchmark runner: ``.venv/bin/python -m bench [NAME ...] [--quick] [--readme]``.

Runs the selected benchmarks (all by default) one after another, single-threaded maths
(OMP_NUM_THREADS=1, ONNX Runtime one intra-op thread), and writes ``bench/results/<name>.json``
with the machine, library versions and load average,.
``--readme`` rewrites the table in README.md's "Figures" section from the result files.
"""

from __future__ import annotations

import os

# Thread counts must be fixed before numpy, scikit-learn or ONNX Runtime load their pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bench._common import (  # noqa: E402
    RESULTS_DIR,
    describe_libraries,
    describe_machine,
    git_revision,
    read_load_average,
    utc_stamp,
    write_json_atomic,
)

#: Benchmark names, in the order a full run takes them; each is the module ``bench.<name>`` with
#: ``run(quick)`` (those in BASELINE_CAPABLE also take ``baseline=REF``).
BENCHMARKS: tuple[str, ...] = (
    "recommend",
    "http",
    "class_submit",
    "answer_saves",
    "startup",
    "yearly",
    "roster_import",
    "assessment",
    "evaluate",
)
BASELINE_CAPABLE: frozenset[str] = frozenset({"http", "answer_saves", "startup"})


def run_benchmark(name: str, quick: bool, baseline: str | None = None) -> dict[str, Any]:
    """Import ``bench.<name>`` and run it; ``baseline`` only where the benchmark takes one."""
    module = importlib.import_module(f"bench.{name}")
    if baseline and name in BASELINE_CAPABLE:
        result: dict[str, Any] = module.run(quick, baseline=baseline)
    else:
        result = module.run(quick)
    return result


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of the runner."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller loads")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for the JSON results")
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help=(
            "http, answer_saves, startup: also measure git revision REF, interleaved with "
            "this checkout (before/after)"
        ),
    )
    parser.add_argument(
        "--readme",
        action="store_true",
        help="rewrite README.md's Figures table from the result files in --out",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; exit 0, 1 if any failed, 2 on an unknown name."""
    args = build_parser().parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        print(
            f"python -m bench: unknown benchmark {', '.join(unknown)}; "
            f"choose from {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    names = args.names or list(BENCHMARKS)
    machine = describe_machine()
    libraries = describe_libraries()
    failed = 0
    for name in names:
        print(f"== {name}{' (quick)' if args.quick else ''}", file=sys.stderr, flush=True)
        load_before = read_load_average()
        started = time.perf_counter()
        record: dict[str, Any] = {
            "benchmark": name,
            "quick": args.quick,
            "at": utc_stamp(),
            "commit": git_revision(),
            "machine": machine,
            "libraries": libraries,
            "load_average_before": load_before,
        }
        try:
            record["result"] = run_benchmark(name, args.quick, args.baseline)
        except Exception as exc:
            failed += 1
            record["error"] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        record["load_average_after"] = read_load_average()
        record["seconds"] = round(time.perf_counter() - started, 1)
        write_json_atomic(args.out / f"{name}.json", record)
        print(f"   wrote {args.out / (name + '.json')} ({record['seconds']} s)", file=sys.stderr)
    if args.readme:
        from bench.report import update_readme

        update_readme(args.out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
