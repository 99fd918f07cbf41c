"""Model versions on disk: listing, metrics and the promotion guard, in one place.

A version folder ``models/<version>/`` holds ``metrics.json`` written at training time. The guard
refuses a candidate whose held-out NDCG@10 is below the active version's, whose ONNX export failed
its parity check, or whose subgroup NDCG@10 trails the overall mean by more than
``MAX_SUBGROUP_SHORTFALL``; staff may still force it with a reason.

Which version is active is not decided here: the database pointer holds it
(``service.state``) and ``service.model_ops`` moves it, for the API, the staff pages and the
command line alike. This module reads files only; it knows no database or web code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from recommender.errors import ModelArtifactError, PathwaysError, UnknownModelVersionError
from recommender.files import read_artifact_json

__all__ = [
    "CHECKED_GROUPS",
    "MAX_SUBGROUP_SHORTFALL",
    "check_promotion",
    "check_subgroups",
    "guard_failures",
    "headline_ndcg",
    "is_version_name",
    "list_model_versions",
    "promotion_problems",
    "read_model_metrics",
]

#: A subgroup's NDCG@10 may trail the overall mean by at most this much.
MAX_SUBGROUP_SHORTFALL: Final = 0.05
#: Groups checked; each must exist in metrics.json.
CHECKED_GROUPS: Final = ("gender", "race_ethnicity", "region")


def is_version_name(name: str) -> bool:
    """True for a plain folder name (no path separators, not hidden, 1..64 characters)."""
    return 0 < len(name) <= 64 and "/" not in name and "\\" not in name and name[0] != "."


def list_model_versions(models_dir: Path) -> list[str]:
    """Model version folders (those holding metrics.json), sorted by name; [] without a folder."""
    if not models_dir.is_dir():
        return []
    return sorted(p.name for p in models_dir.iterdir() if (p / "metrics.json").is_file())


def read_model_metrics(models_dir: Path, version: str) -> dict[str, Any]:
    """metrics.json of a version (UnknownModelVersionError if absent, ModelArtifactError if bad)."""
    if not is_version_name(version):
        raise UnknownModelVersionError(version)
    file = models_dir / version / "metrics.json"
    if not file.is_file():
        raise UnknownModelVersionError(version)
    return read_artifact_json(file, "metrics")


def headline_ndcg(metrics: Mapping[str, Any]) -> float:
    """Held-out NDCG@10 (mean, 0..1) of the model's final ranking."""
    try:
        return float(metrics["evaluation"]["model"]["overall"]["ndcg@10"]["mean"])
    except (KeyError, TypeError, ValueError):
        raise ModelArtifactError("metrics.json", "no evaluation.model.overall.ndcg@10") from None


def check_subgroups(metrics: Mapping[str, Any]) -> list[str]:
    """Problems: missing groups, and subgroups trailing overall NDCG@10 by > the shortfall."""
    overall = headline_ndcg(metrics)
    problems: list[str] = []
    groups = metrics.get("evaluation", {}).get("model", {}).get("subgroups", {})
    for group in CHECKED_GROUPS:
        if group not in groups:
            problems.append(f"no subgroup metrics for {group}")
            continue
        for label, entry in groups[group].items():
            mean = entry.get("ndcg@10", {}).get("mean")
            if mean is not None and overall - float(mean) > MAX_SUBGROUP_SHORTFALL:
                problems.append(
                    f"{group}={label}: NDCG@10 {float(mean):.3f} trails overall {overall:.3f} "
                    f"by more than {MAX_SUBGROUP_SHORTFALL}"
                )
    return problems


def _cohort_settings(metrics: Mapping[str, Any]) -> Any:
    settings = metrics.get("evaluation", {}).get("settings", {})
    return metrics.get("cohort_config", settings.get("cohort"))


def _people_hit(metrics: Mapping[str, Any]) -> float | None:
    try:
        value = metrics["benchmarks"]["people"]["metrics"]["hit@10"]["systems"]["served"]["mean"]
    except (KeyError, TypeError):
        return None
    return float(value)


def check_promotion(
    candidate: Mapping[str, Any],
    active: Mapping[str, Any] | None,
    *,
    active_version: str | None = None,
) -> list[str]:
    """Every guard the candidate fails against the active version's metrics ([] = promotable).

    The benchmark limits (``check_benchmarks``) always apply. Held-out NDCG@10 is compared with
    the active version's only when both were measured on the same synthetic cohort settings;
    otherwise the real-people macro hit@10 of the served ranking must not fall below the active
    version's.
    """
    problems = check_subgroups(candidate)
    if not candidate.get("parity", {}).get("passed", False):
        problems.append("its ONNX export did not pass the parity check")
    problems.extend(check_benchmarks(candidate))
    if active is not None and _cohort_settings(candidate) != _cohort_settings(active):
        new_hit, old_hit = _people_hit(candidate), _people_hit(active)
        if new_hit is not None and old_hit is not None and new_hit < old_hit:
            name = active_version or "active version"
            problems.append(
                f"real-people hit@10 {new_hit:.4f} is below the active {name}'s {old_hit:.4f}"
            )
    elif active is not None:
        new, old = headline_ndcg(candidate), headline_ndcg(active)
        if new < old:
            name = active_version or "active version"
            problems.append(f"held-out NDCG@10 {new:.4f} is below the active {name}'s {old:.4f}")
    return problems


#: Limits the promotion guard applies to a version's benchmarks (training/benchmarks.py).
BENCHMARK_LIMITS: Final = MappingProxyType(
    {
        "people_distinct_vs_congruence": 0.8,
        "people_top_share": 0.10,
        "structure_never_shown": 100,
        "structure_top_share": 0.05,
    }
)

#: The rankers the benchmark guard holds to its limits.
GUARDED_SYSTEMS: Final = ("served", "fit_only")


def check_benchmarks(metrics: Mapping[str, Any]) -> list[str]:
    """Problems with a version's real-people and structure benchmarks ([] = all limits met).

    Real people: fit only and the served ranking above congruence on macro hit@10 and MRR with the
    paired 95 % interval above 0; no field below a random order's expected hit@10; distinct
    occupations across the top-10 lists at least 0.8 x congruence's; none in more than 10 % of
    lists. Structure: at most 100 occupations never in a top 10, none in more than 5 % of lists,
    and fit only at or above the plain interest cosine on similar-work NDCG@10.
    """
    bench = metrics.get("benchmarks")
    if not isinstance(bench, Mapping) or "people" not in bench or "structure" not in bench:
        return ["no real-people and structure benchmarks in its metrics"]
    limits = BENCHMARK_LIMITS
    people, structure = bench["people"], bench["structure"]
    problems: list[str] = []
    for system in GUARDED_SYSTEMS:
        for metric in ("hit@10", "mrr"):
            diff = people["metrics"][metric]["vs_congruence"][system]
            if not diff["ci_low"] > 0:
                problems.append(
                    f"real people: {system} {metric} is not above congruence "
                    f"(paired difference {diff['mean']:+.3f}, 95% CI {diff['ci_low']:+.3f} to "
                    f"{diff['ci_high']:+.3f})"
                )
        below = [
            f
            for f, row in people["fields"].items()
            if row["hit@10"][system] < row["expected_random"]["hit@10"]
        ]
        if below:
            problems.append(f"real people: {system} hit@10 below random in {', '.join(below)}")
        conc = people["concentration"]
        floor = limits["people_distinct_vs_congruence"] * conc["congruence"]["distinct"]
        if conc[system]["distinct"] < floor:
            problems.append(
                f"real people: {system} shows {conc[system]['distinct']} distinct occupations, "
                f"fewer than {floor:.0f} (0.8 x congruence's)"
            )
        if conc[system]["top_share"] > limits["people_top_share"]:
            problems.append(
                f"real people: {conc[system]['top_item']} is in "
                f"{conc[system]['top_share']:.0%} of {system} top-10 lists (limit 10%)"
            )
        sconc = structure["concentration"][system]
        if sconc["never_shown"] > limits["structure_never_shown"]:
            problems.append(
                f"structure: {sconc['never_shown']} occupations never in a {system} top 10 "
                "(limit 100)"
            )
        if sconc["top_share"] > limits["structure_top_share"]:
            problems.append(
                f"structure: {sconc['top_item']} is in {sconc['top_share']:.1%} of {system} "
                "top-10 lists (limit 5%)"
            )
    ndcg = structure["similar"]["ndcg@10"]["systems"]
    if ndcg["fit_only"]["mean"] < ndcg["interest_cosine"]["mean"]:
        problems.append(
            f"structure: fit-only similar-work NDCG@10 {ndcg['fit_only']['mean']:.3f} is below "
            f"the plain interest cosine's {ndcg['interest_cosine']['mean']:.3f}"
        )
    return problems


def promotion_problems(models_dir: Path, version: str, active: str | None) -> list[str]:
    """Every guard ``version`` fails against the ``active`` version ([] = promotable).

    UnknownModelVersionError without such a version and ModelArtifactError when its own
    metrics are unreadable (nothing to judge); unreadable metrics of the active version, or a
    candidate without the headline figure, are failed checks, so a forced promotion records them.
    """
    metrics = read_model_metrics(models_dir, version)
    problems: list[str] = []
    active_metrics = None
    if active is not None:
        try:
            active_metrics = read_model_metrics(models_dir, active)
        except PathwaysError as exc:
            problems.append(f"the active version's metrics cannot be read for comparison: {exc}")
    try:
        problems += check_promotion(metrics, active_metrics, active_version=active)
    except ModelArtifactError as exc:
        problems.append(f"its metrics lack the headline figure: {exc.reason}")
    return problems


def guard_failures(models_dir: Path, version: str, active: str | None) -> list[str]:
    """What a listing shows: the guard's failed checks ([] for the active version itself), a
    version whose metrics cannot be read reported as one failed check instead of raised."""
    if version == active:
        return []
    try:
        return promotion_problems(models_dir, version, active)
    except PathwaysError as exc:
        return [f"its metrics cannot be compared: {exc}"]
