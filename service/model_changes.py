"""What a model change would do, and what changed between two versions (read only).

``preview_promotion`` re-ranks the students' stored profiles with a candidate version through the
engine the service serves (``service.recommending.load_model_version`` and
``Recommender.recommend``; no second ranking code) and counts the students whose stored top
five would change. ``compare_versions`` sets two versions' metrics, catalogues, training data,
settings and model-card sections side by side. The staff confirm page and the staff models page
call these; nothing here writes.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recommender.assessment import StudentProfile
from recommender.errors import ModelArtifactError, PathwaysError
from recommender.files import read_artifact_json
from service.i18n import N_
from service.recommending import DEFAULT_K, LoadedModel
from service.tables import Assessment, Recommendation, Student

__all__ = [
    "PREVIEW_EXAMPLES",
    "PREVIEW_LIMIT",
    "ChangePreview",
    "Changelog",
    "MetricChange",
    "compare_versions",
    "number_at",
    "preview_promotion",
    "read_version_json",
]

#: Students whose stored results a preview re-ranks at most (the most recently stored first):
#: one re-rank takes about 45 ms on a busy 2-core host, so a preview stays near 10 seconds; the
#: page says when more students have stored results than were checked.
PREVIEW_LIMIT: Final = 250
#: Example students a preview lists.
PREVIEW_EXAMPLES: Final = 5
#: Pathways shown per example, before and after.
EXAMPLE_TOP: Final = 3


@dataclass(frozen=True)
class ChangeExample:
    """One student's stored top three beside the candidate's: only the first name's initial."""

    initial: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass
class ChangePreview:
    """How many stored top fives a candidate would change (``checked`` students re-ranked)."""

    version: str
    checked: int = 0
    changed: int = 0
    order_only: int = 0
    total_stored: int = 0
    examples: list[ChangeExample] = field(default_factory=list)
    problem: str | None = None

    @property
    def limited(self) -> bool:
        return self.checked < self.total_stored


def _latest_stored(db: Session, limit: int) -> list[tuple[Recommendation, str]]:
    """Each student's latest stored result (newest students first), with their first name."""
    latest = (
        select(func.max(Recommendation.id).label("id"))
        .group_by(Recommendation.student_id)
        .subquery()
    )
    rows = db.execute(
        select(Recommendation, Student.first_name)
        .join(latest, latest.c.id == Recommendation.id)
        .join(Student, Student.id == Recommendation.student_id)
        .order_by(Recommendation.id.desc())
        .limit(limit)
    ).all()
    return [(r, str(name)) for r, name in rows]


def _count_stored(db: Session) -> int:
    return int(
        db.execute(select(func.count(func.distinct(Recommendation.student_id)))).scalar_one()
    )


def preview_promotion(
    db: Session,
    candidate: LoadedModel,
    *,
    limit: int = PREVIEW_LIMIT,
    examples: int = PREVIEW_EXAMPLES,
) -> ChangePreview:
    """Re-rank each student's stored profile with ``candidate`` (the region, plan and k the result
    was stored with) and count those whose top five pathways differ as a set, and those where
    only the order differs. Examples name the student by the first letter of their first name."""
    preview = ChangePreview(version=candidate.version, total_stored=_count_stored(db))
    titles = {p.code: p.title for p in candidate.recommender.catalogue.pathways}
    for stored, first_name in _latest_stored(db, limit):
        profile = _stored_profile(db, stored)
        if profile is None:
            continue
        inputs = stored.inputs or {}
        before = [str(p.get("code")) for p in stored.result.get("pathways", [])][:DEFAULT_K]
        try:
            result = candidate.recommender.recommend(
                profile,
                region=str(inputs.get("region") or "") or None,
                plan=str(inputs.get("plan") or "") or None,
                k=int(inputs.get("k") or DEFAULT_K),
            )
        except (PathwaysError, ValueError) as exc:
            preview.problem = f"a stored profile could not be ranked: {exc}"
            continue
        after = [p.code for p in result.pathways][:DEFAULT_K]
        preview.checked += 1
        if set(before) != set(after):
            preview.changed += 1
            if len(preview.examples) < examples:
                old_titles = {
                    str(p.get("code")): str(p.get("title")) for p in stored.result["pathways"]
                }
                preview.examples.append(
                    ChangeExample(
                        initial=(first_name.strip()[:1] or "?").upper(),
                        before=tuple(
                            old_titles.get(c) or titles.get(c, c) for c in before[:EXAMPLE_TOP]
                        ),
                        after=tuple(titles.get(c, c) for c in after[:EXAMPLE_TOP]),
                    )
                )
        elif before != after:
            preview.order_only += 1
    return preview


def _stored_profile(db: Session, stored: Recommendation) -> StudentProfile | None:
    """The scored profile the stored result was made from (its assessment), if it still exists."""
    if stored.assessment_id is None:
        return None
    profile = db.execute(
        select(Assessment.profile).where(Assessment.id == stored.assessment_id)
    ).scalar_one_or_none()
    if not profile:
        return None
    try:
        return StudentProfile.from_dict(profile)
    except (PathwaysError, ValueError, KeyError, TypeError):
        return None


# --------------------------------------------------------------------------- changelog


@dataclass(frozen=True)
class MetricChange:
    """One metric of two versions; ``difference`` = new - old (None if either is missing)."""

    name: str
    old: float | None
    new: float | None

    @property
    def difference(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old


@dataclass
class Changelog:
    """Two versions side by side: metrics, catalogue, training data, settings, card sections."""

    old: str
    new: str
    metrics: list[MetricChange]
    catalogue: tuple[str | None, str | None]
    training_data: tuple[str | None, str | None]
    training_data_hash: tuple[str | None, str | None]
    code: tuple[str | None, str | None]
    settings: list[tuple[str, str, str]]
    features_added: list[str]
    features_removed: list[str]
    card_sections: list[tuple[str, str]]


#: Metrics compared, by label and path in metrics.json.
COMPARED_METRICS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        N_("NDCG@10 (synthetic cohort, held out)"),
        ("evaluation", "model", "overall", "ndcg@10", "mean"),
    ),
    (
        N_("NDCG@5 (synthetic cohort, held out)"),
        ("evaluation", "model", "overall", "ndcg@5", "mean"),
    ),
    (N_("MRR (synthetic cohort, held out)"), ("evaluation", "model", "overall", "mrr", "mean")),
    (N_("Coverage@10 (synthetic cohort)"), ("evaluation", "model", "coverage@10")),
    (
        N_("Real people: hit@10 of the served ranking"),
        ("benchmarks", "people", "metrics", "hit@10", "systems", "served", "mean"),
    ),
    (
        N_("Real people: MRR of the served ranking"),
        ("benchmarks", "people", "metrics", "mrr", "systems", "served", "mean"),
    ),
)


def read_version_json(path: Path) -> dict[str, Any]:
    """The JSON object of a version's file (metrics.json, manifest.json) for showing it; a file
    that is missing, unreadable, not UTF-8, not JSON or not an object reads as {}."""
    try:
        return read_artifact_json(path, path.name)
    except ModelArtifactError:
        return {}


def number_at(data: Any, *keys: str) -> float | None:
    """The finite number (not a bool) at ``data[k1][k2]…``; None where a key or number is not."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
        return None
    return float(data)


def _flatten(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        out: dict[str, str] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list) and len(data) > 8:
        return {prefix: f"{len(data)} items"}
    return {prefix: json.dumps(data)}


def _sections(card: str) -> dict[str, str]:
    out: dict[str, str] = {}
    heading = ""
    for line in card.splitlines():
        found = re.match(r"^##\s+(.*)$", line)
        if found:
            heading = found.group(1).strip()
            out[heading] = ""
        elif heading:
            out[heading] += line + "\n"
    return out


def _first_paragraph(text: str) -> str:
    for block in re.split(r"\n\s*\n", text.strip()):
        block = block.strip()
        if block and not block.startswith(("|", "#", "-", "!")):
            return " ".join(block.split())
    return ""


def compare_versions(models_dir: Path, old: str, new: str) -> Changelog:
    """What changed from ``old`` to ``new`` (both folders must exist; missing files read empty)."""
    a, b = models_dir / old, models_dir / new
    ma, mb = read_version_json(a / "metrics.json"), read_version_json(b / "metrics.json")
    fa, fb = read_version_json(a / "manifest.json"), read_version_json(b / "manifest.json")
    metrics = [
        MetricChange(label, number_at(ma, *path), number_at(mb, *path))
        for label, path in COMPARED_METRICS
    ]
    sa, sb = _flatten(fa.get("train_config", {})), _flatten(fb.get("train_config", {}))
    settings = [
        (key, sa.get(key, "—"), sb.get(key, "—"))
        for key in sorted(set(sa) | set(sb))
        if sa.get(key) != sb.get(key) and not key.startswith("features")
    ]
    feats_a = [str(x) for x in fa.get("feature_names", [])]
    feats_b = [str(x) for x in fb.get("feature_names", [])]

    def card(folder: Path) -> str:
        try:
            return (folder / "card.md").read_text(encoding="utf-8")
        except OSError:
            return ""

    ca, cb = _sections(card(a)), _sections(card(b))
    changed_sections = [
        (heading, _first_paragraph(text))
        for heading, text in cb.items()
        if ca.get(heading) != text and _first_paragraph(text)
    ]

    def pair(key: str) -> tuple[str | None, str | None]:
        va, vb = fa.get(key), fb.get(key)
        return (None if va is None else str(va), None if vb is None else str(vb))

    def code(manifest: dict[str, Any]) -> str | None:
        value = manifest.get("code_version")
        if isinstance(value, dict):
            return str(value.get("git_commit") or "") or None
        return None if value is None else str(value)

    hashes = pair("training_data_sha256")
    return Changelog(
        old=old,
        new=new,
        metrics=metrics,
        catalogue=pair("catalogue_version"),
        training_data=pair("training_data"),
        training_data_hash=(
            hashes[0][:16] if hashes[0] else None,
            hashes[1][:16] if hashes[1] else None,
        ),
        code=(code(fa), code(fb)),
        settings=settings,
        features_added=[f for f in feats_b if f not in set(feats_a)],
        features_removed=[f for f in feats_a if f not in set(feats_b)],
        card_sections=changed_sections,
    )
