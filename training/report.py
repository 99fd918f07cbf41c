"""Reports of an evaluation: the model card's Markdown tables and the reliability picture (SVG)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from recommender.files import READABLE, write_atomic
from training.calibration import ReliabilityCurve

__all__ = ["render_metrics_markdown", "render_reliability_svg", "write_reliability_svg"]


# ------------------------------------------------------------------------- reliability picture


def render_reliability_svg(curve: ReliabilityCurve, title: str = "Reliability") -> str:
    """Return a self-contained SVG (480x400 px) of the reliability curve with bin counts below."""
    width, height = 480, 400
    left, top, size = 60, 40, 260  # square plot area: x = predicted, y = observed
    bars_top, bars_height = top + size + 40, 50

    def x(v: float) -> float:
        return left + v * size

    def y(v: float) -> float:
        return top + (1.0 - v) * size

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="{top - 15}" font-size="14">{escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="none" stroke="#444"/>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{top + size + 16}" text-anchor="middle">{tick:g}</text>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>'
        )
    parts.append(
        f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(1):.1f}" y2="{y(1):.1f}" '
        'stroke="#999" stroke-dasharray="4 4"/>'
    )
    points = [
        (x(p), y(o))
        for p, o, c in zip(curve.mean_predicted, curve.observed_rate, curve.count, strict=True)
        if c
    ]
    if points:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f5f9f" stroke-width="2"/>')
        parts.extend(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="#1f5f9f"/>' for px, py in points
        )
    parts.append(
        f'<text x="{left + size / 2:.1f}" y="{top + size + 32}" text-anchor="middle">'
        "mean predicted probability</text>"
    )
    parts.append(
        f'<text x="15" y="{top + size / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 15 {top + size / 2:.1f})">observed rate</text>'
    )
    biggest = max(curve.count, default=0)
    for lower, upper, count in zip(curve.lower, curve.upper, curve.count, strict=True):
        bar = 0.0 if biggest == 0 else bars_height * count / biggest
        parts.append(
            f'<rect x="{x(lower):.1f}" y="{bars_top + bars_height - bar:.1f}" '
            f'width="{(upper - lower) * size:.1f}" height="{bar:.1f}" fill="#bbb" stroke="white"/>'
        )
    parts.append(
        f'<text x="{left + size + 10}" y="{bars_top + bars_height:.1f}">pairs per bin '
        f"(max {biggest})</text>"
    )
    ece = curve.expected_calibration_error
    ece_text = "n/a" if math.isnan(ece) else f"{ece:.3f}"
    parts.append(f'<text x="{left + size + 10}" y="{top + 20}">ECE {ece_text}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_reliability_svg(
    curve: ReliabilityCurve, path: str | os.PathLike[str], title: str = "Reliability"
) -> None:
    """Write the reliability picture to ``path`` atomically (temporary file, then rename)."""
    # readable like every other file of a model version
    write_atomic(path, render_reliability_svg(curve, title), mode=READABLE)


# --------------------------------------------------------------------------- model-card tables


def _cell(entry: Mapping[str, Any] | None) -> str:
    """Render {"mean", "ci_low", "ci_high"} as '0.412 (0.401–0.423)'; '–' when undefined."""
    if not entry or entry.get("mean") is None:
        return "–"
    text = f"{entry['mean']:.3f}"
    if entry.get("ci_low") is not None and entry.get("ci_high") is not None:
        text += f" ({entry['ci_low']:.3f}–{entry['ci_high']:.3f})"
    return text


def render_metrics_markdown(metrics: Mapping[str, Any], group_metric: str | None = None) -> str:
    """Render an ``evaluate_rankings`` dict as short Markdown tables for the model card."""
    systems: list[tuple[str, Mapping[str, Any]]] = [("model", metrics["model"])]
    systems += [(f"baseline: {n}", v) for n, v in metrics.get("baselines", {}).items()]
    names = list(metrics["model"]["overall"])
    coverage_key = next(k for k in metrics["model"] if k.startswith("coverage@"))
    lines = [
        f"Students: {metrics['n_students']} ({metrics['n_students_with_relevant']} with a "
        f"relevant outcome); items: {metrics['n_items']}. Gain {metrics['conventions']['gain']}, "
        f"relevant = {metrics['conventions']['relevance']}; 95 % intervals by bootstrap.",
        "",
        "| system | " + " | ".join(names) + f" | {coverage_key} |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for label, system in systems:
        cells = [_cell(system["overall"].get(n)) for n in names]
        coverage = system.get(coverage_key)
        cells.append("–" if coverage is None else f"{coverage:.3f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if "oracle" in metrics:
        cells = [_cell(metrics["oracle"].get(n)) for n in names]
        lines.append("| oracle (true relevance) | " + " | ".join(cells) + " | – |")
    ndcgs = [n for n in names if n.startswith("ndcg@")]
    chosen = group_metric or (ndcgs[-1] if ndcgs else names[0])
    for group, labels in metrics["model"].get("subgroups", {}).items():
        lines += ["", f"**{chosen} by {group}**", ""]
        lines.append("| " + group + " | n | " + " | ".join(label for label, _ in systems) + " |")
        lines.append("|---|---|" + "---|" * len(systems))
        for label, entry in labels.items():
            cells = []
            for _, system in systems:
                other = system.get("subgroups", {}).get(group, {}).get(label, {})
                cells.append("suppressed" if other.get("suppressed") else _cell(other.get(chosen)))
            lines.append(f"| {label} | {entry['n_students']} | " + " | ".join(cells) + " |")
    if "exposure" in metrics:
        exposure = metrics["exposure"]
        lines += [
            "",
            f"**Share of students whose top {exposure['k']} includes an occupation "
            "nontraditional for their gender**",
            "",
            "| system | all | " + " | ".join(exposure["genders"]) + " |",
            "|---|---|" + "---|" * len(exposure["genders"]),
        ]
        for system, summary in exposure["systems"].items():
            cells = [_cell(summary["overall"])]
            for gender in exposure["genders"]:
                entry = summary["by_gender"].get(gender, {})
                cells.append("suppressed" if entry.get("suppressed") else _cell(entry.get("share")))
            lines.append(f"| {system} | " + " | ".join(cells) + " |")
    if "calibration" in metrics:
        calibration = metrics["calibration"]
        figures = {
            "Brier": calibration["brier"],
            "expected calibration error": calibration["reliability"]["expected_calibration_error"],
            "base rate": calibration["base_rate"],
        }
        shown = ", ".join(
            f"{name} {'–' if value is None else format(value, '.4f')}"
            for name, value in figures.items()
        )
        lines += ["", f"Calibration ({calibration['target']}): {shown}."]
    return "\n".join(lines) + "\n"
