"""``pathways assessment check|reliability|simulate``: evidence about the assessment instrument."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from service.cli_options import add_command, add_group, add_json_flag, fail

MAX_ITEM_GRADE_EN = 8.0
MIN_ITEM_EASE_ES = 50.0
CLASS_PERIOD_MINUTES = 45


def register(sub: Any) -> None:
    """Add the ``assessment`` command group to the ``pathways`` subparsers."""
    commands = add_group(
        sub,
        "assessment",
        dest="assessment_command",
        help="check the instrument, report reliability, simulate responses",
        description="Check the assessment instrument and compute reliability from responses.",
    )
    check = add_command(
        commands,
        "check",
        _check,
        help="lint the item bank: counts, readability, PPRA topics, gendered words, minutes",
        description=(
            "Print item counts, readability per language, expected minutes per section and any "
            "item that breaks a rule. Exit code 1 when a rule is broken."
        ),
    )
    check.add_argument("--version", default=None, help="instrument version (default: current)")
    add_json_flag(check)
    rel = add_command(
        commands,
        "reliability",
        _reliability,
        help="compute alpha, item-rest r, split-half and IRT reliability from a response file",
        description=(
            "Read a long-format response CSV (columns: response_id, instrument_version, section, "
            "scale, item, value, difficulty, options; see docs/assessment.md) and print the "
            "reliability report."
        ),
    )
    rel.add_argument("--responses", type=Path, required=True, help="long-format response CSV")
    add_json_flag(rel)
    sim = add_command(
        commands,
        "simulate",
        _simulate,
        help="write simulated responses from the documented response model",
        description=(
            "Simulate students with N(0, 1) latent traits answering the current instrument and "
            "write their responses as a long-format CSV (for trying the reliability report)."
        ),
    )
    sim.add_argument("--n", type=int, default=1000, help="number of simulated students")
    sim.add_argument("--seed", type=int, default=0, help="random seed")
    sim.add_argument("--out", type=Path, required=True, help="CSV to write")


def check_instrument(version: str | None = None) -> dict[str, Any]:
    """Return counts, readability, minutes and rule violations for one instrument version."""
    from collections import Counter

    from recommender.instrument import LANGUAGES, load_instrument
    from training.content_lint import find_gendered_terms, find_ppra_terms
    from training.readability import fernandez_huerta, flesch_kincaid_grade

    out: dict[str, Any] = {"languages": {}, "problems": []}
    for lang in LANGUAGES:
        inst = load_instrument(version, lang)
        items = (*inst.interests.items, *inst.values.items)
        texts = {i.id: i.text for i in items}
        if lang == "en":
            per_item = {k: flesch_kincaid_grade(t) for k, t in texts.items()}
            bad = {k: v for k, v in per_item.items() if v > MAX_ITEM_GRADE_EN}
            bank = flesch_kincaid_grade(" ".join(t.rstrip(".") + "." for t in texts.values()))
            measure = "Flesch-Kincaid grade"
        else:
            per_item = {k: fernandez_huerta(t) for k, t in texts.items()}
            bad = {k: v for k, v in per_item.items() if v < MIN_ITEM_EASE_ES}
            bank = fernandez_huerta(" ".join(t.rstrip(".") + "." for t in texts.values()))
            measure = "Fernandez-Huerta ease"
        out["version"] = inst.version
        out["section_minutes"] = dict(inst.section_minutes)
        out["total_minutes"] = inst.total_minutes
        out["languages"][lang] = {
            "interest_items": dict(sorted(Counter(i.scale for i in inst.interests.items).items())),
            "value_items": dict(Counter(i.scale for i in inst.values.items)),
            "readability_measure": measure,
            "readability_bank": round(bank, 2),
            "readability_item_mean": round(sum(per_item.values()) / len(per_item), 2),
            "readability_item_worst": round(
                max(per_item.values()) if lang == "en" else min(per_item.values()), 2
            ),
        }
        for k, v in bad.items():
            out["problems"].append(f"{lang} {k}: readability {v:.1f} past the limit")
        for item in items:
            if item.ppra:
                out["problems"].append(f"{lang} {item.id}: PPRA tags {list(item.ppra)}")
            for topic, word in find_ppra_terms(item.text, lang):
                out["problems"].append(f"{lang} {item.id}: PPRA topic {topic} ({word!r})")
            for word in find_gendered_terms(item.text, lang):
                out["problems"].append(f"{lang} {item.id}: gendered word {word!r}")
    if out["total_minutes"] > CLASS_PERIOD_MINUTES:
        out["problems"].append(f"expected {out['total_minutes']} minutes, over one class period")
    return out


def _check(args: argparse.Namespace) -> int:
    from recommender.errors import InstrumentError

    try:
        result = check_instrument(args.version)
    except InstrumentError as exc:
        return fail("pathways assessment check", exc, code=2)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(f"Instrument {result['version']}: {result['total_minutes']} minutes expected")
        for section, minutes in result["section_minutes"].items():
            print(f"  {section:<10} {minutes:>3} min")
        for lang, info in result["languages"].items():
            print(
                f"{lang}: interest items {info['interest_items']}, value items "
                f"{sum(info['value_items'].values())}; {info['readability_measure']} bank "
                f"{info['readability_bank']}, item mean {info['readability_item_mean']}, "
                f"worst item {info['readability_item_worst']}"
            )
        for p in result["problems"]:
            print(f"PROBLEM {p}")
        print("ok" if not result["problems"] else f"{len(result['problems'])} problem(s)")
    return 1 if result["problems"] else 0


def _reliability(args: argparse.Namespace) -> int:
    from recommender.errors import ResponseFileError
    from training.reliability import compute_reliability, format_report, read_responses_csv

    prog = "pathways assessment reliability"
    try:
        rows = read_responses_csv(args.responses)
    except ResponseFileError as exc:
        return fail(prog, exc, code=2)
    if not rows:
        return fail(prog, f"{args.responses}: no responses", code=2)
    report = compute_reliability(rows)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(format_report(report))
    return 0


def _simulate(args: argparse.Namespace) -> int:
    import numpy as np

    from recommender.instrument import load_instrument
    from training.reliability import export_responses, write_responses_csv
    from training.response_model import simulate_population_answers

    if args.n < 1:
        return fail("pathways assessment simulate", "--n must be at least 1", code=2)
    inst = load_instrument()
    answers = simulate_population_answers(args.n, np.random.default_rng(args.seed), inst)
    count = write_responses_csv(export_responses(answers, inst), args.out)
    print(f"wrote {count} rows for {args.n} simulated students to {args.out}")
    return 0
