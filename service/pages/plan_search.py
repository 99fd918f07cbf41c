"""Coach pages for a plan from the whole catalogue: find a pathway or job, see it for the student,
add it to the plan.

The search and the item pages only read (GET); adding is a POST with the page's CSRF token. An
item's figures and reasons are the ranked list's own (``service.planning.item_for_student`` asks
the same ``recommend_for_student`` with every pathway or job listed) and are shown through the
same helpers as the ranked list (``describe_pathways`` and ``describe_occupation``).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from recommender.catalogue import get_catalogue
from recommender.errors import InvalidRecordError, RecordConflictError
from recommender.search import MAX_QUERY_LENGTH
from service.deps import NowDep, SessionDep
from service.i18n import N_, Message
from service.pages._core import CoachPage, PageDenied, nul_message, render
from service.pages._recs import (
    describe_occupation,
    describe_pathways,
    latest_profile,
    reason_words,
    shown_title,
)
from service.pages._text import LANG_COOKIE, pick_language
from service.pages.coach import PageStudent, _plan_labels
from service.planning import (
    ITEM_KINDS,
    MAX_PLAN_ITEMS,
    add_to_plan,
    find_items,
    get_plan,
    item_for_student,
    item_kind,
)
from service.problems import ServiceUnavailableError
from service.schemas import nul_fields

router = APIRouter(prefix="/coach", include_in_schema=False)

#: Hits listed on the results page.
SHOWN_HITS: Final = 40
_PLAN_FULL: Final = N_(
    "The plan already holds %(num)d items; remove one on the student's page first."
)
_CODE = Annotated[str, Path(max_length=120, pattern=r"^[a-z0-9.\-]+$")]


def _language(request: Request) -> str:
    return pick_language(request.cookies.get(LANG_COOKIE))


def _hit_view(hit: Any, language: str) -> dict[str, Any]:
    catalogue = get_catalogue()
    title = shown_title(catalogue, hit.kind, hit.code, hit.title, language)
    other = hit.title_es if language != "es" else hit.title
    also = hit.matched if hit.via == "alternate" else ""
    return {
        "kind": hit.kind,
        "code": hit.code,
        "title": title,
        "other_title": other if other and other != title else "",
        "also": also,
    }


@router.get("/students/{student_id}/find", response_class=HTMLResponse)
def find_page(
    request: Request,
    student: PageStudent,
    principal: CoachPage,
    db: SessionDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = "",
) -> Response:
    """Search the catalogue's pathways and jobs by everyday words, in English or Spanish."""
    _ = principal
    language = _language(request)
    query = q.strip()
    hits = find_items(query, limit=None) if query else ()
    views = [_hit_view(h, language) for h in hits[:SHOWN_HITS]]
    plan = get_plan(db, student.id)
    context = {
        "title": N_("Find a pathway or job"),
        "student": student,
        "query": query,
        "searched": bool(query),
        "total": len(hits),
        "pathway_hits": [v for v in views if v["kind"] == "pathway"],
        "occupation_hits": [v for v in views if v["kind"] == "occupation"],
        "more": max(len(hits) - SHOWN_HITS, 0),
        "chosen": set(plan.chosen_pathways) if plan else set(),
    }
    return render(request, "coach_find.html", context)


@router.get("/students/{student_id}/find/{kind}/{code}", response_class=HTMLResponse)
def item_page(
    request: Request,
    student: PageStudent,
    principal: CoachPage,
    db: SessionDep,
    kind: Annotated[str, Path(pattern="^(pathway|occupation)$")],
    code: _CODE,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = "",
    added: Annotated[int, Query(ge=0, le=2)] = 0,
) -> Response:
    """One pathway or job for this student: its place, figures and reasons, and "Add to plan"."""
    _ = principal
    return _item_response(request, db, student, kind, code, q.strip(), added=added)


def _item_response(
    request: Request,
    db: Any,
    student: Any,
    kind: str,
    code: str,
    query: str,
    *,
    added: int = 0,
    error: str = "",
    status_code: int = 200,
) -> Response:
    language = _language(request)
    catalogue = get_catalogue()
    try:
        if kind not in ITEM_KINDS or item_kind(catalogue, code) != kind:
            raise InvalidRecordError("code", "not in the catalogue")
    except InvalidRecordError:
        raise PageDenied(404, N_("There is no such pathway or job in the catalogue.")) from None
    try:
        found = (
            item_for_student(db, request.app.state.models, student, kind, code)
            if latest_profile(db, student.id) is not None
            else None
        )
    except InvalidRecordError:
        raise PageDenied(404, N_("There is no such pathway or job in the catalogue.")) from None
    except ServiceUnavailableError as exc:
        message = N_("Recommendations are unavailable just now: %(reason)s")
        raise PageDenied(503, Message(message, reason=exc.reason)) from None
    if kind == "pathway":
        p = catalogue.pathways[catalogue.pathway_index(code)]
        english = p.title
    else:
        english = catalogue.titles[catalogue.index_of(code)]
    pathway = occupation = None
    result = found["result"] if found else None
    if found and found["item"] is not None and result is not None:
        if kind == "pathway":
            pathway = describe_pathways({**result, "pathways": [found["item"]]}, language)[0]
            pathway["rank"] = found["rank"]
        else:
            occupation = describe_occupation(found["item"], result, language)
    plan = get_plan(db, student.id)
    chosen = list(plan.chosen_pathways) if plan else []
    context = {
        "title": shown_title(catalogue, kind, code, english, language),
        "student": student,
        "kind": kind,
        "code": code,
        "query": query,
        "english_title": english,
        "has_profile": found is not None,
        "rank": found["rank"] if found else None,
        "of": found["of"] if found else None,
        "pathway": pathway,
        "occupation": occupation,
        "region_name": result.get("region_name", "") if result else "",
        "plan": result["plan"] if result else "undecided",
        "plans": _plan_labels(),
        "model_version": result.get("model_version") if result else None,
        "catalogue_version": catalogue.version,
        "words": reason_words(language),
        "in_plan": code in chosen,
        "plan_full": len(chosen) >= MAX_PLAN_ITEMS and code not in chosen,
        "max_items": MAX_PLAN_ITEMS,
        "added": added,
        "add_error": error,
        "members": (
            [
                {
                    "code": catalogue.codes[j],
                    "title": shown_title(
                        catalogue,
                        "occupation",
                        catalogue.codes[j],
                        catalogue.titles[j],
                        language,
                    ),
                }
                for j in catalogue.pathways[catalogue.pathway_index(code)].occupation_index
            ]
            if kind == "pathway"
            else []
        ),
    }
    return render(request, "coach_item.html", context, status_code=status_code)


@router.post("/students/{student_id}/plan/add")
def add_item(
    request: Request,
    student: PageStudent,
    principal: CoachPage,
    db: SessionDep,
    now: NowDep,
    kind: Annotated[str, Form(max_length=20)],
    code: Annotated[str, Form(max_length=120)],
    q: Annotated[str, Form(max_length=MAX_QUERY_LENGTH)] = "",
) -> Response:
    """Add a pathway or job to the student's plan, then show it again with "Added"."""
    bad = nul_fields({"kind": kind, "code": code, "q": q})
    if bad:  # hidden fields: the item page cannot be shown again from them
        raise PageDenied(422, nul_message(bad[0], kept=False))
    if kind not in ITEM_KINDS:
        raise PageDenied(422, N_("That pathway or job is not in the catalogue."))
    try:
        _plan, was_added = add_to_plan(db, student, code, by_user=principal.user_id, now=now)
    except InvalidRecordError:
        raise PageDenied(422, N_("That pathway or job is not in the catalogue.")) from None
    except RecordConflictError:
        db.rollback()
        return _item_response(
            request, db, student, kind, code, q.strip(), error=_PLAN_FULL, status_code=409
        )
    db.commit()
    query = f"?added={1 if was_added else 2}" + (f"&q={_quote(q.strip())}" if q.strip() else "")
    return RedirectResponse(
        f"/coach/students/{student.id}/find/{kind}/{code}{query}", status_code=303
    )


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
