"""The model card: intended use, training data, metrics with subgroups, limitations."""

from __future__ import annotations

import json
from typing import Any

from training.registry import largest_subgroup_gap


def _mean(entry: Any) -> str:
    if isinstance(entry, dict) and entry.get("mean") is not None:
        return f"{entry['mean']:.3f}"
    return "–"


def render_model_card(version: str, metrics: dict[str, Any], manifest: dict[str, Any]) -> str:
    """Markdown model card for one version, from its metrics.json and manifest.json contents."""
    from training.evaluate import render_metrics_markdown

    ev = metrics["evaluation"]
    model = ev["model"]["overall"]
    oracle = ev.get("oracle", {})
    ratio = model["ndcg@10"]["mean"] / oracle["ndcg@10"]["mean"] if oracle else float("nan")
    group, gap = largest_subgroup_gap(metrics)
    exposure = ev.get("exposure", {}).get("systems", {})
    exp_lines = []
    for system in ("model", "congruence", "demand_only"):
        if system in exposure:
            exp_lines.append(f"- {system}: {json.dumps(exposure[system], sort_keys=True)}")
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
            "`recommender/features.py` (interests, aptitudes, work values, education plan and "
            "occupation attributes). Fit = predicted grade / 3. Regional demand and wages are not "
            "learned: they enter the final order through the ranking policy "
            "(`recommender/ranking.py`). Gender, race and ethnicity are never features.",
            "",
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
            f"- catalogue version: {manifest.get('catalogue_version')}; training data hash: "
            f"{manifest.get('training_data_sha256', '')[:16]}; code version: "
            f"{manifest.get('code_version')}",
            f"- settings: `{json.dumps(manifest.get('train_config', {}), sort_keys=True)}`",
            "",
            "## Metrics (held out by student)",
            "",
            f"NDCG@10: model {_mean(model['ndcg@10'])}, oracle {_mean(oracle.get('ndcg@10'))} "
            f"(ratio {ratio:.2f}). The model row is the final policy ranking; `fit_only` is the "
            "learned fit alone.",
            "",
            render_metrics_markdown(ev, "ndcg@10"),
            "",
            f"Largest subgroup gap in NDCG@10: {gap:.3f} ({group}).",
            "",
            "Exposure audit (share of students whose top 10 includes an occupation nontraditional "
            "for their gender, by the cohort's < 25 % rule):",
            "",
            *exp_lines,
            "",
            f"Training time: {timing.get('fit_seconds', float('nan')):.1f} s for "
            f"{metrics['training']['rows']:,} rows. ONNX parity: "
            f"`{json.dumps(metrics.get('parity', {}), sort_keys=True)}`",
            "",
            "## Limitations",
            "",
            "- Synthetic training data: the cohort's correlations and effect sizes come from "
            "published findings, but Mississippi students may differ; real records will.",
            "- The catalogue's O*NET and BLS figures are national or regional averages; a single "
            "employer or county can differ a lot.",
            "- Interest gender differences in the cohort shape what the model learns; the exposure "
            "audit above shows how often each gender sees nontraditional options.",
            "- Aptitude from a short in-browser battery is noisy; a missing aptitude counts as "
            "unknown, not as low.",
            "",
        ]
    )
