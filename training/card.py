"""The model card: intended use, training data, metrics with subgroups, limitations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from recommender.ranking import RankingPolicy
from training.registry import largest_subgroup_gap


def _mean(entry: Any) -> str:
    if isinstance(entry, dict) and entry.get("mean") is not None:
        return f"{entry['mean']:.3f}"
    return "–"


def _share(entry: Any) -> str:
    if not isinstance(entry, dict) or entry.get("mean") is None:
        return "–"
    text = f"{100 * entry['mean']:.1f} %"
    if entry.get("ci_low") is not None and entry.get("ci_high") is not None:
        text += f" ({100 * entry['ci_low']:.1f}–{100 * entry['ci_high']:.1f})"
    return text


def _region_legend(manifest: dict[str, Any]) -> list[str]:
    names = manifest.get("region_names") or {}
    if not names:
        return []
    legend = "; ".join(f"`{code}` {name}" for code, name in sorted(names.items()))
    return [f"Regions: {legend}.", ""]


def _exposure_notes(ev: dict[str, Any]) -> list[str]:
    """The exposure audit's rule, the oracle's figures and the counts behind them."""
    oracle = ev.get("exposure_oracle")
    counts = ev.get("nontraditional_counts", {})
    if not oracle:
        return []
    by = oracle.get("by_gender", {})
    cells = [_share(by.get(g, {}).get("share")) for g in ("female", "male")]
    return [
        "Exposure audit: an occupation is nontraditional for a gender when that gender holds "
        "under 25 % of the cohort's expected grade-≥2 outcomes in it "
        f"({counts.get('female', '?')} occupations for females, {counts.get('male', '?')} for "
        "males). For comparison, ranking by the cohort's true relevance (the oracle) gives "
        f"female {cells[0]}, male {cells[1]}, all {_share(oracle.get('overall'))}.",
        "",
    ]


def _calibration_section(ev: dict[str, Any]) -> list[str]:
    calibration = ev.get("calibration")
    if not calibration:
        return []
    raw = ev.get("calibration_raw_fit", {})
    rel = calibration["reliability"]
    rows = [
        "| bin | pairs | mean predicted | observed rate |",
        "|---|---|---|---|",
    ]
    for lo, hi, c, p, o in zip(
        rel["lower"],
        rel["upper"],
        rel["count"],
        rel["mean_predicted"],
        rel["observed_rate"],
        strict=True,
    ):
        if c:
            rows.append(f"| {lo:.1f}–{hi:.1f} | {c:,} | {p:.4f} | {o:.4f} |")
    return [
        "### Calibration",
        "",
        "The fit is an expected grade, not a probability. `calibration.json` maps it to "
        f"P({calibration['target']}) by isotonic regression fitted on "
        f"{calibration.get('students', '?')} other held-out students "
        f"({calibration.get('pairs', 'whole catalogue each')}); "
        "the lookup keeps the order of occupations. On the evaluation students: Brier "
        f"{calibration['brier']:.4f}, expected calibration error "
        f"{rel['expected_calibration_error']:.4f} (base rate {calibration['base_rate']:.4f}). "
        "Reading fit = grade / 3 as a probability instead would give Brier "
        f"{raw.get('brier', float('nan')):.4f} and ECE {raw.get('ece', float('nan')):.4f}.",
        "",
        "![Reliability of P(grade ≥ 2)](reliability.svg)",
        "",
        *rows,
        "",
    ]


def _cohort_section(metrics: dict[str, Any]) -> list[str]:
    cohort = metrics.get("cohort")
    if not cohort:
        return []
    lines = ["### Who is in the cohort", ""]
    for key in ("region", "race_ethnicity", "gender"):
        shares = cohort.get(key, {})
        text = ", ".join(f"{label} {100 * v:.1f} %" for label, v in sorted(shares.items()))
        lines.append(f"- {key}: {text}")
    return [*lines, ""]


def _from_records(metrics: dict[str, Any]) -> bool:
    return bool(metrics.get("training", {}).get("source") == "outcome records")


def _headline(
    model: dict[str, Any], oracle: dict[str, Any], ratio: float, ev: dict[str, Any]
) -> str:
    if oracle:
        base = ev.get("baselines", {})
        measured = base.get("formula_measured", {}).get("overall", {}).get("ndcg@10")
        trait = base.get("trait_oracle", {}).get("overall", {}).get("ndcg@10")
        fit = base.get("fit_only", {}).get("overall", {}).get("ndcg@10")
        if measured and trait and fit:
            reach = float(measured["mean"])
            return (
                f"NDCG@10 on held-out synthetic students: served ranking "
                f"{_mean(model['ndcg@10'])}, "
                f"fit only {_mean(fit)}. Ceilings: the simulator's formula on the measured traits "
                f"{_mean(measured)} (the ceiling reachable from the assessment: fit only is "
                f"{float(fit['mean']) / reach:.2f} of it); the formula on the true traits at "
                f"assessment time (trait oracle) {_mean(trait)}; the full truth with each "
                f"student's personal taste and later interest drift (oracle) "
                f"{_mean(oracle.get('ndcg@10'))}, which no assessment can reach."
            )
        return (
            f"NDCG@10: model {_mean(model['ndcg@10'])}, oracle {_mean(oracle.get('ndcg@10'))} "
            f"(ratio {ratio:.2f}). The model row is the final policy ranking; `fit_only` is the "
            "learned fit alone."
        )
    congruence = ev.get("baselines", {}).get("congruence", {}).get("overall", {})
    within = ev.get("recorded_only", {})
    within_line = ""
    if within:
        cells = ", ".join(
            f"{label} {_mean(entry.get('ndcg@10'))}"
            for label, entry in [("model", within["model"]), *within["baselines"].items()]
        )
        within_line = (
            " Ranking only the occupations each held-out student has a record for, NDCG@10 is: "
            f"{cells}."
        )
    return (
        f"NDCG@10: model {_mean(model['ndcg@10'])}, congruence baseline "
        f"{_mean(congruence.get('ndcg@10'))}. There is **no oracle** on real records: they carry "
        "no true relevance, only the grades observed, and an occupation without a record counts "
        "as grade 0. The model row is the final policy ranking; `fit_only` is the learned fit "
        f"alone; an `active` row is the version that was active, scored on the same students."
        f"{within_line}"
    )


def _training_section(metrics: dict[str, Any], manifest: dict[str, Any]) -> list[str]:
    ev = metrics["evaluation"]
    common = [
        f"- catalogue version: {manifest.get('catalogue_version')}; training data hash: "
        f"{manifest.get('training_data_sha256', '')[:16]}; code version: "
        f"{manifest.get('code_version')}",
        f"- settings: `{json.dumps(manifest.get('train_config', {}), sort_keys=True)}`",
        "",
    ]
    if not _from_records(metrics):
        return [
            "## Training data",
            "",
            "**This default model learned from a synthetic cohort**, not from Mississippi "
            "students: "
            "see `docs/cohort-card.md` for every assumption. Its metrics say how well it recovers "
            "the cohort's own generative model, not how well it serves real students. Retrain on "
            "a year of real outcome records before relying on it.",
            "",
            f"- training pairs: {metrics['training']['rows']:,} rows from "
            f"{metrics['training']['students']:,} students; held-out students for evaluation: "
            f"{ev['n_students']:,} (whole catalogue of {ev['n_items']} occupations each)",
            *common,
        ]
    records = metrics.get("records", {})
    training = metrics["training"]
    files = [
        f"- `{Path(f['path']).name}`: {f['rows']:,} rows, school year(s) "
        f"{', '.join(f['school_years'])}, sha256 `{f['sha256']}`"
        for f in records.get("files", [])
    ]
    audit = records.get("audit_columns", [])
    return [
        "## Training data",
        "",
        "This model learned from **outcome records** (`docs/outcome-records.md`): graded "
        "outcomes that coaches recorded for students, exported by the service. Files:",
        "",
        *files,
        "",
        f"- school years: {', '.join(records.get('school_years', []))}; "
        f"{records.get('rows', 0):,} rows, {records.get('occupation_rows', 0):,} of them "
        f"occupation-coded; {records.get('profiles', 0):,} student profiles of "
        f"{records.get('people', 0):,} students "
        f"({records.get('profiles_scored_from_answers', 0):,} profiles scored from their answers)",
        f"- pathway-coded rows left out: {records.get('pathway_rows_left_out', 0):,} (a pathway "
        "grade does not say which member occupation fitted); students with only pathway rows "
        f"left out: {records.get('students_with_only_pathway_rows_left_out', 0):,}",
        f"- split: {training['split']['rule']}; training pairs {training['rows']:,} from "
        f"{training['students']:,} profiles; held out {training['held_out_students']:,} "
        f"({training['evaluated_students']:,} evaluated against the whole catalogue of "
        f"{ev['n_items']} occupations, {training['calibration_students']:,} for calibration)",
        "- audit columns present: "
        + (", ".join(audit) if audit else "none (no gender or race/ethnicity subgroups)")
        + "; used for the subgroup tables only, never as features",
        *common,
    ]


def _data_limitation(metrics: dict[str, Any]) -> str:
    if _from_records(metrics):
        return (
            "- Outcome records show only what coaches recorded: occupations a student was never "
            "shown count as grade 0, so the metrics favour whatever students were shown before."
        )
    return (
        "- Synthetic training data: the cohort's correlations and effect sizes come from "
        "published findings, but Mississippi students may differ; real records will."
    )


def _fit_inputs_sentence(manifest: dict[str, Any]) -> str:
    names = manifest.get("feature_names", [])
    demand = [n for n in ("occ_log_openings", "occ_growth_pct", "occ_bright_outlook") if n in names]
    if demand:
        return f"This version also reads demand columns ({', '.join(demand)})."
    return "No column it reads carries an occupation's size or demand."


def _policy_sentence(policy: RankingPolicy) -> str:
    """What the served order adds to the fit, in the version's own policy weights."""
    interest = (
        " It also weighs the student's interest match with each occupation (the Pearson r of "
        "their six interest scores with the occupation's O*NET interests, as a z-score over the "
        f"catalogue) at {policy.interest_weight:g} x the spread of the relative fit; the fit "
        "shown stays the model's own."
        if policy.interest_weight > 0
        else ""
    )
    return (
        f" The version's `policy.json` weighs fit {policy.fit_weight:g}, demand "
        f"{policy.demand_weight:g}, wage {policy.wage_weight:g} and the high-value flag "
        f"{policy.high_value_boost:g}." + interest
    )


def _benchmarks_section(metrics: dict[str, Any]) -> list[str]:
    """Benchmarks on real answers and O*NET's structure, with the promotion guard's verdict."""
    from recommender.versions import check_benchmarks
    from training.benchmarks import render_benchmarks_markdown

    bench = metrics.get("benchmarks")
    if not bench:
        return [
            "## Benchmarks on real data",
            "",
            "This version was not measured on the real-people and O*NET-structure benchmarks.",
            "",
        ]
    problems = check_benchmarks(metrics)
    verdict = (
        ["Every benchmark limit of the promotion guard is met."]
        if not problems
        else ["Benchmark limits of the promotion guard this version fails:", ""]
        + [f"- {p}" for p in problems]
    )
    return [
        "## Benchmarks on real data (not the simulator)",
        "",
        "These decide whether a version ships (docs/evaluation.md, Benchmarks). The synthetic "
        "cohort below is a stress test: a figure there shows how well the model recovers the "
        "simulator, nothing more.",
        "",
        render_benchmarks_markdown(bench),
        *verdict,
        "",
    ]


def _exposure_offsets_section(metrics: dict[str, Any]) -> list[str]:
    """How the fit is ranked: relative to students in general, less the exposure offsets."""
    report = metrics.get("exposure_offsets")
    if not report or not isinstance(report.get("samples"), dict):
        return []
    names = {"people": "real people (keying half)", "workforce": "occupations' workers"}
    rows = [
        "| reference sample | profiles | cap | largest share before → after "
        "| in no list before → after |",
        "|---|---|---|---|---|",
    ]
    for name, s in report["samples"].items():
        rows.append(
            f"| {names.get(name, name)} | {s['people']:,} | {100 * s['cap']:.1f} % | "
            f"{100 * s['largest_share_before']:.1f} % → {100 * s['largest_share_after']:.1f} % | "
            f"{s['never_shown_before']} → {s['never_shown_after']} |"
        )
    return [
        "## Ranking relative to students in general",
        "",
        "The order uses the fit relative to each occupation's typical fit (`typical_fit.json`), "
        "less one exposure offset per occupation, the same for every student "
        "(`training/exposure.py`): an occupation above a reference sample's cap of its top-10 "
        "lists is lowered, one in none of them raised. "
        f"{report.get('lowered', 0)} occupations lowered, {report.get('raised', 0)} raised.",
        "",
        *rows,
        "",
        "The occupations' workers are the structure benchmark's O*NET profiles, spread, so that "
        "benchmark's concentration figures show the offsets holding their cap rather than an "
        "independent check; its accuracy columns still measure the fit.",
        "",
    ]


def render_model_card(
    version: str, metrics: dict[str, Any], manifest: dict[str, Any], policy: RankingPolicy
) -> str:
    """Markdown model card for one version, from its metrics.json and manifest.json contents and
    the ranking policy written beside them (policy.json)."""
    from training.report import render_metrics_markdown

    ev = metrics["evaluation"]
    model = ev["model"]["overall"]
    oracle = ev.get("oracle", {})
    ratio = model["ndcg@10"]["mean"] / oracle["ndcg@10"]["mean"] if oracle else float("nan")
    group, gap = largest_subgroup_gap(metrics)
    timing = metrics.get("timing", {})
    return "\n".join(
        [
            f"# Model card: Pathways fit model {version}",
            "",
            "## Intended use",
            "",
            "Pathways suggests careers and career pathways for a Mississippi high-school student "
            "to talk over with a career coach. It is advice for that conversation and never a "
            "gate: it "
            "must not decide admission, course placement, programme eligibility or anything else "
            "about a student. The coach and the student decide; the reasons shown with every "
            "suggestion are there so they can disagree with it.",
            "",
            "## What the model does",
            "",
            "A gradient-boosted regression tree ensemble (scikit-learn "
            "`HistGradientBoostingRegressor` in a stock `Pipeline`, served as ONNX) predicts the "
            "outcome grade (0–3) of a student × occupation pair from the pair features in "
            "`recommender/features.py` that the manifest's `feature_names` lists (interests, "
            "aptitudes, work values, education plan and occupation attributes). Fit = predicted "
            "grade / 3. "
            + _fit_inputs_sentence(manifest)
            + " Regional demand and wages are not learned: they enter the final order through "
            "the ranking policy (`recommender/ranking.py`)."
            + _policy_sentence(policy)
            + " Gender, race and ethnicity are never features.",
            "",
            *_benchmarks_section(metrics),
            *_exposure_offsets_section(metrics),
            *_training_section(metrics, manifest),
            "## Metrics (held out by student)",
            "",
            _headline(model, oracle, ratio, ev),
            "",
            render_metrics_markdown(ev, "ndcg@10"),
            "",
            f"Largest subgroup gap in NDCG@10: {gap:.3f} ({group}).",
            "",
            *_region_legend(manifest),
            *_exposure_notes(ev),
            *_calibration_section(ev),
            *_cohort_section(metrics),
            f"Training time: {timing.get('fit_seconds', float('nan')):.1f} s for "
            f"{metrics['training']['rows']:,} rows"
            + (
                f" (the fit of {metrics['training']['reused_fit_of']}, reused)"
                if metrics["training"].get("reused_fit_of")
                else ""
            )
            + ". ONNX parity: "
            f"`{json.dumps(metrics.get('parity', {}), sort_keys=True)}`",
            "",
            "## Limitations",
            "",
            _data_limitation(metrics),
            "- The catalogue's O*NET and BLS figures are national or regional averages; a single "
            "employer or county can differ a lot.",
            "- Interest gender differences in the cohort shape what the model learns; the exposure "
            "audit above shows how often each gender sees nontraditional options.",
            "- Aptitude from a short in-browser battery is noisy; a missing aptitude counts as "
            "unknown, not as low.",
            "",
        ]
    )
