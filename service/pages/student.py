"""The student's assessment and results pages.

The page's script talks to the JSON API with the student's session cookie and the page's
CSRF token (autosave with ``PUT /assessments/{id}/answers``, a timed task's clock started with
``POST /assessments/{id}/aptitude/{subtest}/start`` and read again on a reload with ``GET``,
``POST …/finish``, ``POST …/submit``), so the assessment has one implementation
(``service.assessing``). Unsent answers stay in the browser's localStorage, so a reload or a
dropped connection loses nothing. Opening the page changes nothing: a first assessment is
made by the welcome page's Begin button (``POST /assessment``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from recommender.aptitude_items import worked_example
from recommender.assessment import Instrument, StudentProfile
from recommender.dimensions import PLANS, RIASEC, RIASEC_EVERYDAY_NAMES
from service import rostering
from service.assessing import describe_clock, get_instrument, school_county, start_or_resume
from service.deps import NowDep, SessionDep
from service.i18n import N_, translate
from service.pages._core import PageDenied, StudentPage, render
from service.pages._recs import describe_pathways, latest_assessment, page_recommendation
from service.pages._text import LANG_COOKIE, pick_language
from service.pages.charts import draw_interest_hexagon
from service.tables import Assessment

router = APIRouter(include_in_schema=False)

_RESULTS_TITLE = N_("Your results")
_INTEREST_CHART = N_("Your interests")


def _language(request: Request, assessment: Assessment | None = None) -> str:
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie:
        return pick_language(cookie)
    return pick_language(assessment.language if assessment else None)


def _assessment_page(
    request: Request, instrument: Instrument, language: str, **context: Any
) -> Response:
    """The assessment page in ``language``: the instrument's title and text, and ``context``."""
    page = {"title": instrument.title, "page_lang": language, "instrument": instrument}
    return render(request, "assessment.html", {**page, **context}, language=language)


@router.get("/assessment", response_class=HTMLResponse)
def assessment_page(
    request: Request, principal: StudentPage, db: SessionDep, now: NowDep
) -> Response:
    """The whole assessment on one page, in sections; resumes where the student left off.

    Before the first assessment exists the page is the welcome text with a Begin button that
    posts to this address. A language chosen since the assessment began is shown at once; the
    page's script tells the API (``POST /assessments``), so the timed tasks follow.
    """
    assert principal.student_id is not None
    assessment = latest_assessment(db, principal.student_id)
    if assessment is not None and assessment.status == "submitted":
        return RedirectResponse("/results", status_code=303)
    language = _language(request, assessment)
    if assessment is None:
        instrument = get_instrument(None, language)
        return _assessment_page(request, instrument, language, assessment_id=None)
    instrument = get_instrument(assessment.instrument_version, language)
    saved = _client_answers(assessment)
    # the region defaults to the school's county: filled in when the assessment begins, and
    # offered here to one begun before that (the page saves it unless the student changes it)
    school = school_county(db, principal.student_id)
    stored = assessment.answers or {}
    county_default = school if school in instrument.counties else None
    if "county_fips" in stored and stored["county_fips"] != county_default:
        county_default = None
    return _assessment_page(
        request,
        instrument,
        language,
        assessment_id=assessment.id,
        assessment_language=assessment.language,
        saved=saved,
        aptitude=describe_clock(instrument, assessment.aptitude_seeds or {}, now),
        plans=[(p, instrument.plans.get(p, p)) for p in PLANS],
        counties=sorted(instrument.counties.items(), key=lambda kv: kv[1]),
        county_default=county_default,
        subtest_minutes=instrument.subtest_minutes(),
        examples={s.id: worked_example(s.id, language) for s in instrument.subtests},
    )


@router.post("/assessment")
def begin_assessment(
    request: Request, principal: StudentPage, db: SessionDep, now: NowDep
) -> Response:
    """Begin (or resume) the assessment in the page's language, then show its first section."""
    assert principal.student_id is not None
    latest = latest_assessment(db, principal.student_id)
    if latest is not None and latest.status == "submitted":
        return RedirectResponse("/results", status_code=303)
    language = _language(request, latest)
    start_or_resume(db, principal.student_id, language, now)
    db.commit()
    return RedirectResponse("/assessment#begin", status_code=303)


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
    base = {"page_lang": language, "title": _RESULTS_TITLE}
    if assessment is None or assessment.status != "submitted" or assessment.profile is None:
        return render(request, "results.html", {"pending": True, **base}, language=language)
    profile = StudentProfile.from_dict(assessment.profile)
    student = rostering.get_student(db, principal.student_id)
    if student is None:
        raise PageDenied(404, N_("Your student record was not found."))
    result = page_recommendation(request, db, student)
    names = [translate(language, RIASEC_EVERYDAY_NAMES[c]) for c in RIASEC]
    interests = [None if v != v else float(v) for v in profile.interests.tolist()]
    title = translate(language, _INTEREST_CHART)
    chart = draw_interest_hexagon("my-interests", interests, names, title=title)
    return render(
        request,
        "results.html",
        {
            "pending": False,
            "chart": chart,
            "pathways": describe_pathways(result, language),
            **base,
        },
        language=language,
    )
