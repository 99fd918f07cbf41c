"""The student's assessment and results pages.

The page's script talks to the JSON API with the student's session cookie (autosave with
``PUT /assessments/{id}/answers``, aptitude items and their server-side clock with
``GET /assessments/{id}/aptitude/{subtest}`` and ``POST …/finish``, ``POST …/submit``), so the
assessment has one implementation (``service.assessing``). Unsent answers stay in the browser's
localStorage, so a reload or a dropped connection loses nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from recommender.assessment import StudentProfile
from recommender.dimensions import PLANS, RIASEC
from service.assessing import describe_clock, get_instrument, start_or_resume
from service.deps import NowDep, SessionDep
from service.models import Assessment, Student
from service.pages._core import PageDenied, StudentPage, render
from service.pages._recs import describe_pathways, latest_assessment, page_recommendation
from service.pages._text import LANG_COOKIE, RIASEC_NAMES, pick_language, student_text
from service.pages.charts import draw_interest_hexagon

router = APIRouter(include_in_schema=False)


def _language(request: Request, assessment: Assessment | None = None) -> str:
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie:
        return pick_language(cookie)
    return pick_language(assessment.language if assessment else None)


@router.get("/assessment", response_class=HTMLResponse)
def assessment_page(
    request: Request, principal: StudentPage, db: SessionDep, now: NowDep
) -> Response:
    """The whole assessment on one page, in sections; resumes where the student left off."""
    assert principal.student_id is not None
    assessment = latest_assessment(db, principal.student_id)
    if assessment is not None and assessment.status == "submitted":
        return RedirectResponse("/results", status_code=303)
    language = _language(request, assessment)
    if assessment is None:
        assessment, _ = start_or_resume(db, principal.student_id, language, now)
        db.commit()
    elif assessment.language != language:
        assessment.language = language
        db.commit()
    instrument = get_instrument(assessment.instrument_version, language)
    t = student_text(language)
    saved = _client_answers(assessment)
    return render(
        request,
        "assessment.html",
        {
            "title": instrument.title,
            "page_lang": language,
            "t": t,
            "skip_text": t["skip"],
            "sign_out_text": t["sign_out"],
            "instrument": instrument,
            "assessment_id": assessment.id,
            "saved": saved,
            "aptitude": describe_clock(instrument, assessment.aptitude_seeds or {}, now),
            "plans": [(p, instrument.plans.get(p, p)) for p in PLANS],
            "counties": sorted(instrument.counties.items(), key=lambda kv: kv[1]),
        },
    )


def _client_answers(assessment: Assessment) -> dict[str, Any]:
    """The stored answers as the page sees them (aptitude responses only, never seeds)."""
    answers = dict(assessment.answers or {})
    aptitude = {
        sub: dict(responses or {}) for sub, responses in (answers.get("aptitude") or {}).items()
    }
    return {
        "interests": answers.get("interests", {}),
        "values": answers.get("values", {}),
        "plan": answers.get("plan"),
        "county_fips": answers.get("county_fips"),
        "will_commute": answers.get("will_commute"),
        "will_relocate": answers.get("will_relocate"),
        "aptitude": aptitude,
    }


@router.get("/results", response_class=HTMLResponse)
def results_page(request: Request, principal: StudentPage, db: SessionDep) -> Response:
    """The student's interest chart and top pathways, each with one plain-language reason."""
    assert principal.student_id is not None
    assessment = latest_assessment(db, principal.student_id)
    language = _language(request, assessment)
    t = student_text(language)
    base = {"page_lang": language, "t": t, "skip_text": t["skip"], "sign_out_text": t["sign_out"]}
    if assessment is None or assessment.status != "submitted" or assessment.profile is None:
        return render(
            request, "results.html", {"title": t["results_title"], "pending": True, **base}
        )
    profile = StudentProfile.from_dict(assessment.profile)
    student = db.get(Student, principal.student_id)
    if student is None:
        raise PageDenied(404, "Your student record was not found.")
    result = page_recommendation(request, db, student)
    names = RIASEC_NAMES[language]
    interests = [None if v != v else float(v) for v in profile.interests.tolist()]
    chart = draw_interest_hexagon(
        "my-interests", interests, [names[c] for c in RIASEC], title=t["interest_chart"]
    )
    return render(
        request,
        "results.html",
        {
            "title": t["results_title"],
            "pending": False,
            "chart": chart,
            "pathways": describe_pathways(result, language),
            **base,
        },
    )
