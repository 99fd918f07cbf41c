"""Glue between stored assessments and the recommender for the pages (no scoring logic here)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.assessment import StudentProfile
from recommender.catalogue import Catalogue, get_catalogue
from recommender.engine import Recommendation, Recommender
from recommender.explain import Reason
from service.models import Assessment
from service.state import get_active_model_version


@functools.lru_cache(maxsize=4)
def _load_recommender(version: str | None) -> Recommender:
    return Recommender.load(version=version, catalogue=get_catalogue())


def get_recommender(db: Session) -> Recommender:
    """The recommender of the model version the database names active (else the registry's)."""
    return _load_recommender(get_active_model_version(db))


def latest_assessment(db: Session, student_id: int) -> Assessment | None:
    """The student's most recently started assessment, or None."""
    return db.execute(
        select(Assessment)
        .where(Assessment.student_id == student_id)
        .order_by(Assessment.started_at.desc(), Assessment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def latest_profile(db: Session, student_id: int) -> StudentProfile | None:
    """The scored profile of the student's most recent submitted assessment, or None."""
    row = db.execute(
        select(Assessment)
        .where(
            Assessment.student_id == student_id,
            Assessment.status == "submitted",
            Assessment.profile.is_not(None),
        )
        .order_by(Assessment.submitted_at.desc(), Assessment.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if row is None or row.profile is None:
        return None
    return StudentProfile.from_dict(row.profile)


def best_reason(reasons: tuple[Reason, ...], language: str) -> str:
    """The sentence of the factor that helped most (largest weight; first on ties)."""
    if not reasons:
        return ""
    top = max(reasons, key=lambda r: r.weight)
    return top.text_es if language == "es" else top.text


def _fresh_reason(reasons: tuple[Reason, ...], language: str, used: set[str]) -> str:
    """The strongest helping reason not already given for a higher pathway (else the strongest)."""
    ranked = sorted(reasons, key=lambda r: -r.weight)
    for r in ranked:
        text = r.text_es if language == "es" else r.text
        if r.weight > 0 and text not in used:
            used.add(text)
            return text
    return best_reason(reasons, language)


@dataclass(frozen=True)
class RegionChoice:
    """A region a coach can pick in the what-if controls."""

    code: str
    name: str


def list_regions(catalogue: Catalogue | None = None) -> list[RegionChoice]:
    """Every catalogue region, statewide first, then in catalogue order."""
    cat = catalogue or get_catalogue()
    return [RegionChoice(r.code, r.name) for r in cat.regions]


def region_name(code: str) -> str:
    """The region's name, or the code itself when the catalogue does not know it."""
    for r in get_catalogue().regions:
        if r.code == code:
            return r.name
    return code


def describe_recommendation(rec: Recommendation, language: str = "en") -> list[dict[str, Any]]:
    """Pathways as template-ready dicts: reason sentence, occupations with wages and programmes."""
    catalogue = get_catalogue()
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    for rank, p in enumerate(rec.pathways, start=1):
        occupations = []
        for o in p.occupations:
            occupation = catalogue.occupation(o.code)
            occupations.append(
                {
                    "code": o.code,
                    "title": o.title,
                    "reason": best_reason(o.reasons, language),
                    "reasons": [r.text_es if language == "es" else r.text for r in o.reasons],
                    "wage_median": o.wage_median,
                    "employment": o.employment,
                    "high_value": o.high_value,
                    "education": occupation.education,
                    "programs": [pr.title for pr in occupation.programs[:3]],
                }
            )
        out.append(
            {
                "rank": rank,
                "code": p.code,
                "title": p.title,
                "cluster": p.cluster,
                "score": p.score,
                "reason": _fresh_reason(p.occupations[0].reasons, language, used)
                if p.occupations
                else "",
                "occupations": occupations,
            }
        )
    return out
