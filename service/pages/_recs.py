"""Glue between the service's recommendations and the page templates (no ranking logic here).

Pages ask ``service.recommending.recommend_for_student`` with the process's model holder, exactly
as ``GET /students/{id}/recommendations`` does, so a page and the API show the same stored
default result; a coach's what-if passes region and plan through the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.assessment import StudentProfile
from recommender.catalogue import Catalogue, get_catalogue
from recommender.explain import (
    HighValueRule,
    PathwayReason,
    all_jobs_median_wage,
    high_value_rule_text,
    pathway_reasons,
)
from service.models import Assessment, Student
from service.pages._core import PageDenied
from service.pages._text import group_figures_text, reason_words
from service.problems import ServiceUnavailableError
from service.recommending import ModelHolder, latest_submitted_assessment, recommend_for_student


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
    row = latest_submitted_assessment(db, student_id)
    if row is None or row.profile is None:
        return None
    return StudentProfile.from_dict(row.profile)


def page_recommendation(
    request: Request,
    db: Session,
    student: Student,
    *,
    region: str | None = None,
    plan: str | None = None,
    by_user: int | None = None,
) -> dict[str, Any]:
    """The API's recommendation (stored default, or what-if); a 503 page when no model loads."""
    holder: ModelHolder = request.app.state.models
    try:
        return recommend_for_student(db, holder, student, region=region, plan=plan, by_user=by_user)
    except ServiceUnavailableError as exc:
        raise PageDenied(503, f"Recommendations are unavailable just now: {exc.reason}") from None


def _reason_text(reason: dict[str, Any], language: str) -> str:
    return str(reason["es"] if language == "es" else reason["text"])


def reasons_checked(reasons: list[dict[str, Any]]) -> bool:
    """Whether reasons carry the fact they rest on (a ``stance``); results stored before reasons
    were checked against the figures have none, and pages do not repeat their sentences."""
    return bool(reasons) and all("stance" in r for r in reasons)


def split_reasons(reasons: list[dict[str, Any]], language: str) -> dict[str, list[str]]:
    """Sentences by what their fact says: ``pros`` (why it fits), ``cons`` (things to think
    about), ``notes`` (neutral facts); each list keeps the stored order (largest effect first).
    Unchecked reasons (see ``reasons_checked``) give empty lists."""
    out: dict[str, list[str]] = {"pros": [], "cons": [], "notes": []}
    if not reasons_checked(reasons):
        return out
    for r in reasons:
        key = {"pro": "pros", "con": "cons"}.get(str(r["stance"]), "notes")
        out[key].append(_reason_text(r, language))
    return out


def best_reason(reasons: list[dict[str, Any]], language: str) -> str:
    """The sentence of the strongest reason it fits: among reasons whose fact is for the job, the
    one the model's effect helped most ("" when no fact is for it, or reasons are unchecked)."""
    if not reasons_checked(reasons):
        return ""
    pros = [r for r in reasons if r["stance"] == "pro"]
    if not pros:
        return ""
    return _reason_text(max(pros, key=lambda r: float(r["weight"])), language)


def _fresh_reason(pros: list[PathwayReason], used: set[str]) -> str:
    """The strongest pathway reason not already given for a higher pathway (else the strongest):
    among reasons true of at least half the jobs shown (when any is), one the model's effect
    helped beats one it did not, then the larger effect first."""
    most = [r for r in pros if 2 * r.count >= r.total] or pros
    ranked = sorted(most, key=lambda r: (r.weight <= 0, -r.weight))
    for r in ranked:
        if r.text not in used:
            used.add(r.text)
            return r.text
    return ranked[0].text if ranked else ""


@dataclass(frozen=True)
class RegionChoice:
    """A region a coach can pick in the what-if controls."""

    code: str
    name: str


def list_regions(catalogue: Catalogue | None = None) -> list[RegionChoice]:
    """Every catalogue region, statewide first, then in catalogue order."""
    cat = catalogue or get_catalogue()
    return [RegionChoice(r.code, r.name) for r in cat.regions]


def figure_scope(occupation: dict[str, Any], language: str = "en") -> dict[str, Any]:
    """Whose jobs and wage a recommended occupation shows, as page-ready words.

    ``scope`` is the result's ``figures_scope`` ("occupation", "group" or "none"), or None for a
    result stored before it was recorded: then no claim is made either way and the notes are
    empty. For a group, ``jobs_note`` and ``wage_note`` say the figures are the whole group's.
    """
    scope = occupation.get("figures_scope")
    out: dict[str, Any] = {"scope": scope, "jobs_note": "", "wage_note": ""}
    if scope != "group":
        return out
    words = group_figures_text(language)
    code = occupation.get("figures_group_code") or ""
    title = occupation.get("figures_group_title") or ""
    size = occupation.get("figures_group_size") or 0
    group = (
        words["group_named"].format(title=title)
        if title
        else words["group_unnamed"].format(code=code)
    )
    jobs = words["group_jobs"] if size > 1 else words["group_jobs_one"]
    out.update(
        jobs_note=jobs.format(group=group, size=size),
        wage_note=words["group_wage"].format(group=group),
    )
    return out


def high_value_legend(result: dict[str, Any], language: str = "en") -> str:
    """What "high value" means in the result's region, with the catalogue rule's thresholds."""
    catalogue = get_catalogue()
    region = str(result.get("region") or "")
    return high_value_rule_text(
        HighValueRule.from_manifest(catalogue.manifest),
        all_jobs_median_wage(catalogue, region),
        language,
    )


def describe_pathways(result: dict[str, Any], language: str = "en") -> list[dict[str, Any]]:
    """A recommendation's pathways as template-ready dicts: reasons split into why it fits and
    things to think about (for the pathway and for each job), occupations, wages."""
    catalogue = get_catalogue()
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    legend = ""
    for rank, p in enumerate(result["pathways"], start=1):
        occupations = [
            {
                "code": o["code"],
                "title": o["title"],
                "reason": best_reason(o["reasons"], language),
                "reasons": (
                    [_reason_text(r, language) for r in o["reasons"]]
                    if reasons_checked(o["reasons"])
                    else []
                ),
                **split_reasons(o["reasons"], language),
                "checked": reasons_checked(o["reasons"]),
                "wage_median": o["wage_median"],
                "employment": o["employment"],
                "high_value": o["high_value"],
                "figures": figure_scope(o, language),
                "education": catalogue.occupation(o["code"]).education,
                "programs": [pr["title"] for pr in o.get("programs", [])],
            }
            for o in p["occupations"]
        ]
        checked = all(o["checked"] for o in occupations) and bool(occupations)
        said = pathway_reasons(p["occupations"], language) if checked else ()
        pros = [r for r in said if r.stance == "pro"]
        cons = [r for r in said if r.stance == "con"]
        headline = _fresh_reason(pros, used)
        pro_texts = [r.text for r in pros if r.text != headline]
        if headline:
            pro_texts.insert(0, headline)
        if any(o["high_value"] for o in occupations) and not legend:
            legend = high_value_legend(result, language)
        out.append(
            {
                "rank": rank,
                "code": p["code"],
                "title": p["title"],
                "cluster": p["cluster"],
                "score": p["score"],
                "reason": headline,
                "pros": pro_texts,
                "cons": [r.text for r in cons],
                "checked": checked,
                "occupations": occupations,
                "group_legend": (
                    group_figures_text(language)["group_legend"]
                    if any(o["figures"]["scope"] == "group" for o in occupations)
                    else ""
                ),
                "high_value_legend": (legend if any(o["high_value"] for o in occupations) else ""),
                "words": reason_words(language),
            }
        )
    return out
