"""The student's assessment pages and the small JSON routes its script calls.

Answers are merged into the stored assessment as they arrive (autosave); the page also keeps
unsent answers in the browser's localStorage, so a reload or a dropped connection loses nothing.
Aptitude tasks are timed on the server: the clock starts when the student opens the task and a
response that arrives after the time limit (plus a short grace for slow networks) is refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from recommender.aptitude_items import issue_items, new_seed
from recommender.assessment import StudentProfile, load_instrument, score_assessment
from recommender.catalogue import get_catalogue
from recommender.dimensions import PLANS, RIASEC
from recommender.errors import AnswerError
from recommender.instrument import Instrument, Subtest
from service.deps import NowDep, SessionDep
from service.models import Assessment, Student
from service.pages._core import PageDenied, StudentPage, render
from service.pages._recs import describe_pathways, latest_assessment, page_recommendation
from service.pages._text import LANG_COOKIE, RIASEC_NAMES, pick_language, student_text
from service.pages.charts import draw_interest_hexagon

router = APIRouter(include_in_schema=False)

#: Seconds a response may arrive after a task's time limit (slow or dropped connections).
GRACE_SECONDS: Final = 20


def _language(request: Request, assessment: Assessment | None = None) -> str:
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie:
        return pick_language(cookie)
    return pick_language(assessment.language if assessment else None)


def _instrument(assessment: Assessment, language: str) -> Instrument:
    return load_instrument(assessment.instrument_version, language)


def get_open_assessment(principal: StudentPage, db: SessionDep) -> Assessment:
    """The student's assessment in progress; 409 page when the latest one is already submitted."""
    assert principal.student_id is not None
    assessment = latest_assessment(db, principal.student_id)
    if assessment is None or assessment.status != "in_progress":
        raise PageDenied(409, "This assessment is already finished.", location="/results")
    return assessment


OpenAssessment = Annotated[Assessment, Depends(get_open_assessment)]


def _aptitude_state(
    assessment: Assessment, instrument: Instrument, now: datetime
) -> dict[str, Any]:
    state = {}
    for sub in instrument.subtests:
        stored = assessment.aptitude_seeds.get(sub.id, {})
        started = stored.get("started_at")
        remaining = None
        if started:
            deadline = datetime.fromisoformat(started) + timedelta(seconds=sub.time_limit_s)
            remaining = max(0, int((deadline - now).total_seconds()))
        state[sub.id] = {
            "started": bool(started),
            "finished": bool(stored.get("finished")) or (remaining == 0),
            "remaining": remaining,
            "limit": sub.time_limit_s,
        }
    return state


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
        instrument = load_instrument(language=language)
        assessment = Assessment(
            student_id=principal.student_id,
            instrument_version=instrument.version,
            language=language,
            status="in_progress",
            answers={},
            aptitude_seeds={s.id: {"seed": new_seed(), "issued": 0} for s in instrument.subtests},
            started_at=now,
            updated_at=now,
        )
        db.add(assessment)
        db.commit()
    elif assessment.language != language:
        assessment.language = language
        db.commit()
    instrument = _instrument(assessment, language)
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
            "aptitude": _aptitude_state(assessment, instrument, now),
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


def _bad(where: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": f"{where}: {message}", "where": where}, status_code=422)


def _subtest(instrument: Instrument, subtest_id: str) -> Subtest:
    try:
        return instrument.subtest(subtest_id)
    except KeyError:
        raise PageDenied(404, f"There is no task {subtest_id!r}.") from None


def _window_open(assessment: Assessment, sub: Subtest, now: datetime) -> bool:
    stored = assessment.aptitude_seeds.get(sub.id, {})
    started = stored.get("started_at")
    if not started or stored.get("finished"):
        return False
    deadline = datetime.fromisoformat(started) + timedelta(seconds=sub.time_limit_s + GRACE_SECONDS)
    return now <= deadline


def merge_answers(
    assessment: Assessment, instrument: Instrument, body: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], int]:
    """Stored answers with ``body`` merged in after checks; ValueError names the bad field."""
    answers: dict[str, Any] = dict(assessment.answers or {})
    answers["instrument_version"] = assessment.instrument_version
    changed = 0
    for section_name, section in (
        ("interests", instrument.interests),
        ("values", instrument.values),
    ):
        part = body.get(section_name)
        if part is None:
            continue
        if not isinstance(part, dict):
            raise ValueError(f"{section_name}|must map item id to a rating")
        known = {item.id for item in section.items}
        merged = dict(answers.get(section_name) or {})
        for item_id, rating in part.items():
            if item_id not in known:
                raise ValueError(f"{section_name}.{item_id}|no such item")
            if rating is not None and (
                type(rating) is not int or not section.scale_min <= rating <= section.scale_max
            ):
                raise ValueError(
                    f"{section_name}.{item_id}|rating must be "
                    f"{section.scale_min}..{section.scale_max}"
                )
            merged[item_id] = rating
            changed += 1
        answers[section_name] = merged
    if "plan" in body:
        if body["plan"] is not None and body["plan"] not in PLANS:
            raise ValueError("plan|not one of the plans")
        answers["plan"] = body["plan"]
        changed += 1
    if "county_fips" in body:
        county = body["county_fips"]
        if county is not None and county not in instrument.counties:
            raise ValueError("county_fips|not a Mississippi county")
        answers["county_fips"] = county
        changed += 1
    for key in ("will_commute", "will_relocate"):
        if key in body:
            if body[key] is not None and not isinstance(body[key], bool):
                raise ValueError(f"{key}|must be true or false")
            answers[key] = body[key]
            changed += 1
    aptitude = body.get("aptitude")
    if aptitude is not None:
        if not isinstance(aptitude, dict):
            raise ValueError("aptitude|must map task to responses")
        blocks = dict(answers.get("aptitude") or {})
        for sub_id, responses in aptitude.items():
            try:
                sub = instrument.subtest(sub_id)
            except KeyError:
                raise ValueError(f"aptitude.{sub_id}|no such task") from None
            if not isinstance(responses, dict):
                raise ValueError(f"aptitude.{sub_id}|must map item number to choice")
            stored = dict(blocks.get(sub_id) or {})
            fresh = {k: v for k, v in responses.items() if stored.get(str(k)) != v}
            if fresh and not _window_open(assessment, sub, now):
                raise ValueError(f"aptitude.{sub_id}|the time for this task is over")
            for key, choice in fresh.items():
                if not (isinstance(key, str) and key.isdigit() and int(key) < sub.items):
                    raise ValueError(f"aptitude.{sub_id}[{key}]|no such item")
                if choice is not None and (type(choice) is not int or not 0 <= choice < 8):
                    raise ValueError(f"aptitude.{sub_id}[{key}]|choice must be an option number")
                stored[str(int(key))] = choice
                changed += 1
            blocks[sub_id] = stored
        answers["aptitude"] = blocks
    return answers, changed


@router.put("/assessment/answers")
def save_answers(
    request: Request,
    assessment: OpenAssessment,
    db: SessionDep,
    now: NowDep,
    body: Annotated[dict[str, Any], Body()],
) -> Response:
    """Merge a batch of answers into the stored assessment (autosave); 422 names a bad field."""
    instrument = _instrument(assessment, assessment.language)
    try:
        answers, changed = merge_answers(assessment, instrument, body, now)
    except ValueError as exc:
        where, _, message = str(exc).partition("|")
        return _bad(where, message)
    assessment.answers = answers
    assessment.updated_at = now
    db.commit()
    _ = request
    return JSONResponse({"saved": changed, "updated_at": now.isoformat()})


@router.post("/assessment/tasks/{subtest}/start")
def start_task(
    request: Request,
    subtest: Annotated[str, Path(max_length=40)],
    assessment: OpenAssessment,
    db: SessionDep,
    now: NowDep,
) -> Response:
    """Start (or resume) a timed task: its items without answer keys and the seconds left."""
    language = _language(request, assessment)
    instrument = _instrument(assessment, language)
    sub = _subtest(instrument, subtest)
    seeds = dict(assessment.aptitude_seeds or {})
    stored = dict(seeds.get(sub.id) or {"seed": new_seed()})
    if not stored.get("started_at"):
        stored["started_at"] = now.isoformat()
        stored["issued"] = max(int(stored.get("issued", 0)), sub.items)
        seeds[sub.id] = stored
        assessment.aptitude_seeds = seeds
        db.commit()
    deadline = datetime.fromisoformat(stored["started_at"]) + timedelta(seconds=sub.time_limit_s)
    remaining = max(0, int((deadline - now).total_seconds()))
    items = issue_items(sub.id, int(stored["seed"]), sub.items, language)
    return JSONResponse(
        {
            "task": sub.id,
            "title": sub.title,
            "remaining": 0 if stored.get("finished") else remaining,
            "items": [item.to_dict() for item in items],
        }
    )


@router.post("/assessment/tasks/{subtest}/finish")
def finish_task(
    request: Request,
    subtest: Annotated[str, Path(max_length=40)],
    assessment: OpenAssessment,
    db: SessionDep,
) -> Response:
    """The student is done with a task before its time ran out; no more answers are taken."""
    sub = _subtest(_instrument(assessment, _language(request, assessment)), subtest)
    seeds = dict(assessment.aptitude_seeds or {})
    stored = dict(seeds.get(sub.id) or {})
    if stored.get("started_at"):
        stored["finished"] = True
        seeds[sub.id] = stored
        assessment.aptitude_seeds = seeds
        db.commit()
    return JSONResponse({"task": sub.id, "finished": True})


def compose_scored_answers(assessment: Assessment, instrument: Instrument) -> dict[str, Any]:
    """Answers in the scorer's format: seeds joined in, tasks with too few answers left out."""
    answers = dict(assessment.answers or {})
    answers["instrument_version"] = assessment.instrument_version
    answers["language"] = assessment.language
    blocks: dict[str, Any] = {}
    for sub in instrument.subtests:
        stored = (assessment.aptitude_seeds or {}).get(sub.id, {})
        responses = {
            k: v
            for k, v in ((answers.get("aptitude") or {}).get(sub.id) or {}).items()
            if v is not None
        }
        if stored.get("started_at") and len(responses) >= sub.min_answered:
            blocks[sub.id] = {
                "seed": int(stored["seed"]),
                "issued": sub.items,
                "responses": responses,
            }
    answers["aptitude"] = blocks
    return answers


def _submit(db: Session, assessment: Assessment, client_key: str, now: datetime) -> None:
    instrument = load_instrument(assessment.instrument_version, "en")
    answers = compose_scored_answers(assessment, instrument)
    profile = score_assessment(answers, instrument, county_region=get_catalogue().county_region)
    assessment.profile = profile.to_dict()
    assessment.status = "submitted"
    assessment.submitted_at = now
    assessment.client_key = client_key
    assessment.updated_at = now
    db.commit()


@router.post("/assessment/submit")
def submit_assessment(
    principal: StudentPage,
    db: SessionDep,
    now: NowDep,
    body: Annotated[dict[str, Any], Body()],
) -> Response:
    """Score and close the assessment; the same client key sent again gets the same answer."""
    assert principal.student_id is not None
    client_key = body.get("client_key")
    if not isinstance(client_key, str) or not 8 <= len(client_key) <= 64:
        return _bad("client_key", "must be a string of 8 to 64 characters")
    assessment = latest_assessment(db, principal.student_id)
    if assessment is None:
        return _bad("assessment", "there is no assessment to submit")
    if assessment.status == "submitted":
        if assessment.client_key == client_key:
            return JSONResponse({"status": "submitted", "results": "/results"})
        return JSONResponse(
            {"detail": "assessment: already submitted", "where": "assessment"}, status_code=409
        )
    try:
        _submit(db, assessment, client_key, now)
    except AnswerError as exc:
        db.rollback()
        return _bad(getattr(exc, "where", "answers"), str(exc))
    return JSONResponse({"status": "submitted", "results": "/results"})


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
