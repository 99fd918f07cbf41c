"""Roster import over the API: a OneRoster 1.1 bundle (.zip) or a plain CSV as the request body.

``POST /rosters/imports?school_year=2025-2026&dry_run=true`` with ``Content-Type:
application/zip`` (or ``text/csv``) previews or imports it through ``service.rostering``, the
same operations the coach pages and ``pathways roster import`` use. A refused roster is a 422
problem whose ``errors`` name every bad row (file, row, column, message); nothing is written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from recommender.catalogue import get_catalogue
from recommender.errors import InvalidRecordError
from service import rostering
from service.deps import CoachUser, SessionDep, may_create_schools, scope_school_ids, sees_school
from service.problems import problem_response
from service.routes._common import SIGNED_IN
from service.schemas import DbId, today

router = APIRouter(prefix="/rosters", tags=["rosters"], responses=SIGNED_IN)


def refused(exc: rostering.RosterRefusedError) -> JSONResponse:
    """The 422 problem of a refused roster, every problem listed."""
    errors = [
        {"file": p.file, "row": p.row, "column": p.column, "message": p.reason}
        for p in exc.problems
    ]
    return problem_response(422, str(exc), title="Roster refused", errors=errors)


@router.post(
    "/imports",
    responses={200: {"description": "what the import did (or would do, dry_run) per school"}},
)
async def import_roster(
    request: Request,
    principal: CoachUser,
    db: SessionDep,
    school_year: Annotated[str, Query(max_length=9, description="e.g. 2025-2026")],
    dry_run: Annotated[bool, Query(description="only preview; write nothing")] = False,
    school_id: Annotated[
        DbId | None, Query(description="import only this school's students")
    ] = None,
    create_school: Annotated[
        list[str] | None,
        Query(
            max_length=50,
            description="admin: ORG_SOURCED_ID:COUNTY_FIPS, to add an unknown school",
        ),
    ] = None,
) -> Any:
    """Import students (and their classes for ``school_year``) into the caller's schools; an
    admin may also add unknown schools with their county. One transaction."""
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    name = (
        "roster.zip"
        if kind in ("application/zip", "application/x-zip-compressed")
        else ("roster.csv")
    )
    try:
        year = rostering.check_roster_school_year(school_year, today())
    except InvalidRecordError as exc:
        return problem_response(
            422, str(exc), errors=[{"field": "school_year", "message": exc.reason}]
        )
    if not body:
        return problem_response(
            422,
            "send the roster as the request body (application/zip or text/csv)",
            errors=[{"field": "body", "message": "empty"}],
        )
    if school_id is not None and not sees_school(principal, school_id):
        school_id = -1  # matches no school: the roster's schools are named as out of scope
    new_schools = {}
    for item in create_school or []:
        org, _, county = item.rpartition(":")
        if org:
            new_schools[org] = county
    try:
        roster = rostering.read_roster_upload(name, body)
        report = rostering.import_roster(
            db,
            roster,
            school_year=year,
            scope=rostering.ImportScope(
                scope_school_ids(principal),
                may_create_schools=may_create_schools(principal),
                only_school=school_id,
            ),
            dry_run=dry_run,
            county_region=get_catalogue().county_region,
            new_schools=new_schools,
        )
    except rostering.RosterRefusedError as exc:
        db.rollback()
        return refused(exc)
    if dry_run:
        db.rollback()
    result: dict[str, Any] = report.as_dict()
    return JSONResponse(result)
