"""Glue between the service's recommendations and the page templates (no ranking logic here).

Pages ask ``service.recommending.recommend_for_student`` with the process's model holder, exactly
as ``GET /students/{id}/recommendations`` does, so a page and the API show the same stored
default result; a coach's what-if passes region and plan through the same function.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.assessment import StudentProfile
from recommender.catalogue import Catalogue, get_catalogue
from recommender.explain import (
    HighValueRule,
    PathwayReason,
    all_jobs_median_wage,
    education_step,
    high_value_rule_message,
    pathway_reasons,
)
from recommender.training_routes import training_routes
from service.i18n import CREDENTIAL_LEVEL_MESSAGES, N_, catalogues, translate
from service.pages._core import PageDenied
from service.problems import ServiceUnavailableError
from service.reasons import occupation_title, reason_text, render_message
from service.recommending import ModelHolder, latest_submitted_assessment, recommend_for_student
from service.tables import Assessment, Student

#: How pages label reasons: facts that speak for a job, facts to think about, neutral facts.
_REASON_WORDS: Final = {
    "why": N_("Why"),
    "why_fits": N_("Why it fits"),
    "think_about": N_("Things to think about"),
    "other_facts": N_("Other facts"),
    "high_value": N_("high value"),
    "unchecked": N_(
        "The reasons for this result were saved before they were checked against the figures, so "
        "they are not shown; they will be when the result is next worked out."
    ),
}
#: How a page says that an occupation's jobs and wage are its OEWS group's, not its own:
#: ``%(group)s`` is ``group_named`` (the group's title) or ``group_unnamed`` (its SOC code);
#: ``%(size)s`` is how many catalogue titles share the figures.
_GROUP_FIGURES: Final = {
    "group_named": N_("“%(title)s”"),
    "group_unnamed": N_("SOC %(code)s"),
    "group_jobs": N_("all jobs in the %(group)s group, shared by %(size)s job titles"),
    "group_jobs_one": N_("all jobs in the %(group)s group, not this title's alone"),
    "group_wage": N_("median of the whole %(group)s group"),
    "group_legend": N_(
        "Group figure: the government publishes one count of jobs and one wage for a group of "
        "related job titles, so the figures shown are the whole group's, not this title's alone. "
        "The ranking counts an even share of the group's jobs for each title."
    ),
}
#: How a page lists where in Mississippi to train for a job (``route_view``).
_ROUTE_WORDS: Final = {
    "heading": N_("Where to train in Mississippi"),
    "for_county": N_("Colleges for %(county)s: your district's community college first."),
    "for_region": N_("Colleges for %(region)s: the area's community colleges first."),
    "for_state": N_("Colleges across Mississippi."),
    "local": N_("your district's community college"),
    "completers": N_("%(n)s finished it in the latest count"),
    "completers_one": N_("1 finished it in the latest count"),
    "completers_unknown": N_("number finishing not published"),
    "earnings": N_("median earnings %(pay)s, %(years)s years after finishing"),
    "earnings_one": N_("median earnings %(pay)s, 1 year after finishing"),
    "earnings_none": N_("earnings not published (too few graduates)"),
    "campuses": N_("Campuses: %(list)s"),
    "in_county": N_("in your county"),
    "main": N_("main campus"),
    "more": N_("%(n)s more places"),
    "more_one": N_("1 more place"),
    "in_family": N_("%(programme)s, counted in CIP family %(family)s"),
    "more_hidden": N_("and %(n)s more Mississippi colleges not listed here"),
    "more_print": N_("%(n)s more places on the coach's page"),
    "more_print_one": N_("1 more place on the coach's page"),
    "below_usual": N_("a first step: less than this job usually asks"),
    "above_usual": N_("more than this job usually asks"),
    "group": N_("linked to the wider job group"),
    "linked": N_("linked by the federal programme list"),
    "none": N_(
        "No Mississippi college lists a programme for this job in the College Scorecard data."
    ),
    "district_without": N_("%(college)s lists none of these programmes."),
    "source": N_(
        "Colleges, awards and earnings: U.S. Department of Education College Scorecard, via "
        "Truewise (truewise.dev), CC BY 4.0. Programmes are grouped by 4-digit CIP family, and "
        "the data does not say which campus teaches which programme."
    ),
}
#: The route words said to the family on the printed plan (``family=True``): no "your".
_FAMILY_ROUTE_WORDS: Final = {
    "for_county": N_("Colleges for %(county)s: the district's community college first."),
    "local": N_("the district's community college"),
    "in_county": N_("in the county"),
}


def _in_language(table: dict[str, str], language: str) -> dict[str, str]:
    """A table of catalogue messages in ``language`` (placeholders left for ``%``)."""
    gettext = catalogues().translations(language).gettext
    return {key: gettext(msgid) for key, msgid in table.items()}


def reason_words(language: str) -> dict[str, str]:
    """The words that head and label reasons on a page, in ``language``."""
    return _in_language(_REASON_WORDS, language)


def group_figures_text(language: str) -> dict[str, str]:
    """The words that label a group's employment and wage, in ``language`` (``%(group)s``…)."""
    return _in_language(_GROUP_FIGURES, language)


def route_words(language: str, family: bool = False) -> dict[str, str]:
    """The words that list Mississippi training routes, in ``language``; ``family``: as the
    family's printed plan says them (of the student's district, not "your")."""
    return _in_language({**_ROUTE_WORDS, **(_FAMILY_ROUTE_WORDS if family else {})}, language)


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
        out[key].append(reason_text(r, language))
    return out


def best_reason(reasons: list[dict[str, Any]], language: str) -> str:
    """The sentence of the strongest reason it fits: among reasons whose fact is for the job, the
    one the model's effect helped most ("" when no fact is for it, or reasons are unchecked)."""
    if not reasons_checked(reasons):
        return ""
    pros = [r for r in reasons if r["stance"] == "pro"]
    if not pros:
        return ""
    return reason_text(max(pros, key=lambda r: float(r["weight"])), language)


def _fresh_reason(pros: list[PathwayReason], used: set[str]) -> PathwayReason | None:
    """The strongest pathway reason not already given for a higher pathway (else the strongest):
    among reasons true of at least half the jobs shown (when any is), one the model's effect
    helped beats one it did not, then the larger effect first."""
    most = [r for r in pros if 2 * r.count >= r.total] or pros
    ranked = sorted(most, key=lambda r: (r.weight <= 0, -r.weight))
    for r in ranked:
        said = _sentence_key(r)
        if said not in used:
            used.add(said)
            return r
    return ranked[0] if ranked else None


def _sentence_key(reason: PathwayReason) -> str:
    """What a pathway reason says, in no language: its message id with its parameters."""
    return json.dumps([reason.message_id, reason.params], sort_keys=True)


def pathway_sentence(reason: PathwayReason, language: str, family_of: str | None = None) -> str:
    """A pathway reason's sentence in ``language``; ``family_of`` (the student's first name)
    words it for the family's printed plan."""
    return render_message(reason.message_id, reason.params, language, family_of=family_of)


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
    if title:  # in another language, the project's title of the group's own occupation
        title = occupation_title(f"{code}.00", language) or title
    size = occupation.get("figures_group_size") or 0
    if title:
        group = words["group_named"] % {"title": title}
    else:
        group = words["group_unnamed"] % {"code": code}
    jobs = words["group_jobs"] if size > 1 else words["group_jobs_one"]
    out.update(
        jobs_note=jobs % {"group": group, "size": size},
        wage_note=words["group_wage"] % {"group": group},
    )
    return out


#: Routes shown before the "more places" disclosure, and on the printed plan.
ROUTES_SHOWN: Final = 3
PRINT_SHOWN: Final = 1


def _programme(route: dict[str, Any], w: dict[str, str]) -> str:
    """The job's programme and the CIP family its figures are counted in."""
    family = f"{route['cip4']} {route['title']}"
    title = route.get("program_title") or ""
    if not title or title.casefold() == str(route["title"]).casefold():
        return family
    return w["in_family"] % {"programme": title, "family": family}


def _route_line(
    route: dict[str, Any], county: str | None, language: str, family: bool = False
) -> dict[str, Any]:
    """One route as page-ready words: college, credential and programme, awards, earnings."""
    w = route_words(language, family)
    done = route.get("completers")
    if done is None:
        completers = w["completers_unknown"]
    else:
        completers = w["completers_one"] if done == 1 else w["completers"] % {"n": f"{done:,}"}
    pay = route.get("earnings")
    if pay is None:
        earnings = w["earnings_none"]
    else:
        key = "earnings_one" if route.get("earnings_years") == 1 else "earnings"
        earnings = w[key] % {"pay": f"${pay:,.0f}", "years": route.get("earnings_years")}
    notes = []
    if route.get("level_vs_usual") == -1:
        notes.append(w["below_usual"])
    elif route.get("level_vs_usual") == 1:
        notes.append(w["above_usual"])
    if route.get("directness") == "group":
        notes.append(w["group"])
    elif route.get("directness") == "linked":
        notes.append(w["linked"])
    campuses = []
    for c in (route.get("campuses") or [])[:2] if route.get("local") else []:
        label = c["name"]
        if county and c.get("county_fips") == county:
            label += f" ({w['in_county']})"
        elif c.get("main") and "main" not in label.lower():
            label += f" ({w['main']})"
        campuses.append(label)
    return {
        "college": route["college"],
        "local": bool(route.get("local")),
        "local_label": w["local"] if route.get("local") else "",
        "credential": translate(
            language,
            CREDENTIAL_LEVEL_MESSAGES.get(
                int(route["credential_level"]), route.get("credential", "")
            ),
        ),
        "programme": _programme(route, w),
        "completers": completers,
        "earnings": earnings,
        "notes": notes,
        "campuses": w["campuses"] % {"list": "; ".join(campuses)} if campuses else "",
    }


def route_view(
    occupation: dict[str, Any],
    result: dict[str, Any],
    language: str = "en",
    family_of: str | None = None,
) -> dict[str, Any]:
    """Where in Mississippi to train for a recommended occupation, as page-ready words: the plain
    step when its usual education is beyond or below the plan, the first ``ROUTES_SHOWN`` routes
    and the rest for a disclosure. A result stored before routes were recorded has them worked
    out from the catalogue for its region (no county), which changes nothing stored.
    ``family_of`` (the student's first name): worded for the family's printed plan."""
    family = family_of is not None
    w = route_words(language, family)
    place = result.get("training_place") or {}
    plan = str(result.get("plan") or "undecided")
    step = occupation.get("education_step")
    routes = occupation.get("training_routes")
    total = occupation.get("training_routes_total")
    without = occupation.get("district_without_routes") or []
    if routes is None:
        catalogue = get_catalogue()
        i = catalogue.index_of(occupation["code"])
        region = str(result.get("region") or "") or None
        found = training_routes(catalogue, occupation["code"], None, plan, region)
        routes = [r.to_dict() for r in found.routes]
        total = len(routes)
        without = list(found.district_without)
        step = education_step(int(catalogue.education_code[i]), plan)
    county = place.get("county_fips")
    lines = [_route_line(r, county, language, family) for r in routes]
    total = int(total if total is not None else len(lines))
    return {
        "heading": w["heading"],
        "step": _step_text(step, language, family_of),
        "shown": lines[:ROUTES_SHOWN],
        "more": lines[ROUTES_SHOWN:],
        "more_label": (w["more_one"] if len(lines) - ROUTES_SHOWN == 1 else w["more"])
        % {"n": len(lines) - ROUTES_SHOWN},
        "hidden": w["more_hidden"] % {"n": total - len(lines)} if total > len(lines) else "",
        "print_shown": PRINT_SHOWN,
        "print_more": (
            (w["more_print_one"] if total - PRINT_SHOWN == 1 else w["more_print"])
            % {"n": total - PRINT_SHOWN}
            if total > PRINT_SHOWN
            else ""
        ),
        "none": w["none"] if not lines else "",
        # "your district's college lists none" says something only when another college does
        "without": [w["district_without"] % {"college": c} for c in without] if lines else [],
    }


def _step_text(step: dict[str, Any] | None, language: str, family_of: str | None) -> str:
    """The plain education step in ``language`` (from its message when stored with one)."""
    if not step:
        return ""
    return reason_text(step, language, family_of=family_of)


def route_place(result: dict[str, Any], language: str = "en", family: bool = False) -> str:
    """Whose colleges the routes list: the county's, the region's or the whole state's."""
    w = route_words(language, family)
    place = result.get("training_place") or {}
    if place.get("county_name"):
        return w["for_county"] % {"county": place["county_name"]}
    region = str(result.get("region") or "")
    if region and region != "2800000":
        return w["for_region"] % {"region": result.get("region_name") or region}
    return w["for_state"]


def high_value_legend(result: dict[str, Any], language: str = "en") -> str:
    """What "high value" means in the result's region, with the catalogue rule's thresholds."""
    catalogue = get_catalogue()
    region = str(result.get("region") or "")
    message_id, params = high_value_rule_message(
        HighValueRule.from_manifest(catalogue.manifest), all_jobs_median_wage(catalogue, region)
    )
    return render_message(message_id, params, language)


def spanish_title(catalogue: Catalogue, kind: str, code: str) -> str:
    """The project's Spanish title of a pathway or occupation ("" when unknown or unwritten)."""
    try:
        if kind == "pathway":
            return catalogue.pathways[catalogue.pathway_index(code)].title_es
        return catalogue.titles_es[catalogue.index_of(code)] if catalogue.titles_es else ""
    except LookupError:
        return ""


def shown_title(catalogue: Catalogue, kind: str, code: str, title: str, language: str) -> str:
    """The title a reader of ``language`` sees: the Spanish one when written, else ``title``."""
    if language == "es":
        return spanish_title(catalogue, kind, code) or title
    return title


def _shown_cluster(catalogue: Catalogue, code: str, cluster: str, language: str) -> str:
    if language != "es":
        return cluster
    try:
        return catalogue.pathways[catalogue.pathway_index(code)].cluster_es or cluster
    except LookupError:
        return cluster


def describe_occupation(
    o: dict[str, Any], result: dict[str, Any], language: str = "en", family_of: str | None = None
) -> dict[str, Any]:
    """One recommended occupation of ``result`` as a template-ready dict (as the ranked list
    shows it): reasons split, figures and whose they are, education, programmes, routes."""
    catalogue = get_catalogue()
    return {
        "code": o["code"],
        "title": o["title"],
        "title_es": spanish_title(catalogue, "occupation", o["code"]),
        "shown_title": shown_title(catalogue, "occupation", o["code"], o["title"], language),
        "reason": best_reason(o["reasons"], language),
        "reasons": (
            [reason_text(r, language) for r in o["reasons"]]
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
        "training": route_view(o, result, language, family_of),
    }


def describe_pathways(
    result: dict[str, Any], language: str = "en", family_of: str | None = None
) -> list[dict[str, Any]]:
    """A recommendation's pathways as template-ready dicts: reasons split into why it fits and
    things to think about (for the pathway and for each job), occupations, wages. ``family_of``
    (the student's first name) words the pathway sentences for the family's printed plan."""
    catalogue = get_catalogue()
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    legend = ""
    for rank, p in enumerate(result["pathways"], start=1):
        family = family_of is not None
        occupations = [
            describe_occupation(o, result, language, family_of) for o in p["occupations"]
        ]
        checked = all(o["checked"] for o in occupations) and bool(occupations)
        said = pathway_reasons(p["occupations"]) if checked else ()
        pros = [r for r in said if r.stance == "pro"]
        cons = [r for r in said if r.stance == "con"]
        best = _fresh_reason(pros, used)
        ordered = ([best] if best else []) + [r for r in pros if r is not best]
        pro_texts = [pathway_sentence(r, language, family_of) for r in ordered]
        headline = pro_texts[0] if best else ""
        if any(o["high_value"] for o in occupations) and not legend:
            legend = high_value_legend(result, language)
        out.append(
            {
                "rank": rank,
                "code": p["code"],
                "title": p["title"],
                "title_es": spanish_title(catalogue, "pathway", p["code"]),
                "shown_title": shown_title(catalogue, "pathway", p["code"], p["title"], language),
                "cluster": p["cluster"],
                "shown_cluster": _shown_cluster(catalogue, p["code"], p["cluster"], language),
                "score": p["score"],
                "reason": headline,
                "pros": pro_texts,
                "cons": [pathway_sentence(r, language, family_of) for r in cons],
                "checked": checked,
                "occupations": occupations,
                "group_legend": (
                    group_figures_text(language)["group_legend"]
                    if any(o["figures"]["scope"] == "group" for o in occupations)
                    else ""
                ),
                "high_value_legend": (legend if any(o["high_value"] for o in occupations) else ""),
                "words": reason_words(language),
                "route_place": route_place(result, language, family),
                "route_source": route_words(language)["source"],
            }
        )
    return out
