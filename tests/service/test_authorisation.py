"""Who may call what: every route of the app (API and pages) x role x ownership, in one matrix.

Roles: anonymous, a student, the coach of the record's school, the coach of another school,
staff, admin. A coach sees only students of their assigned schools (others: 404, as if absent);
a student only their own assessment; staff only aggregates; admin everything. API rows are
called as a script does (``Authorization: Bearer``); page rows as a browser does (the session
cookie, the page's CSRF token, ``Origin``): a page the caller may not open sends them to sign in
(303) or answers an HTML 403/404. ``test_every_route_is_in_the_matrix`` enumerates
``app.routes``, so a route added without a row here fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from recommender.model import read_active_version
from service.app import create_app
from service.db import session_scope
from service.settings import Settings
from service.tables import Plan, PrivacyRequest
from tests.service.conftest import (
    HOME_PAGES,
    LOCAL_CLIENT,
    PASSWORD,
    SITE_ORIGIN,
    World,
    build_world,
    page_form_token,
)

#: ``coach`` works at the school of the "own" records, ``coach_b`` at the other school.
ACTORS = ("anon", "student", "coach", "coach_b", "staff", "admin")
TARGETS = ("own", "other")

Expect = int | tuple[int, int]  # one status, or (own target, other target)
#: A request body or form: fixed, or made for the world and target.
Body = Mapping[str, Any] | Callable[[World, str], Any]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: dict[str, Expect]
    body: Body | None = None
    page: bool = False  # an HTML page or page form: called as a browser, not a script

    def body_for(self, world: World, target: str) -> Any:
        return self.body(world, target) if callable(self.body) else self.body

    def status(self, actor: str, target: str) -> int:
        """The expected status; the coach of the other school sees the reverse of ``coach``."""
        if actor == "coach_b" and "coach_b" not in self.expect:
            expect = self.expect["coach"]
            if isinstance(expect, tuple):
                expect = (expect[1], expect[0])
        else:
            expect = self.expect[actor]
        return expect if isinstance(expect, int) else expect[TARGETS.index(target)]


@dataclass(frozen=True)
class Page(Row):
    """A row for an HTML page or page form."""

    page: bool = True


def _none(*_: object) -> None:
    return None


def _pick(world: World, target: str, own: int, other: int) -> int:
    return own if target == "own" else other


def _activity_form(days_later: int = 0, minutes: str = "20") -> Body:
    """The activity log's add/edit form, for the target's student."""
    return lambda w, t: {
        "category": "one_on_one",
        "student_id": str(_pick(w, t, w.student_a, w.student_b)),
        "occurred_on": (w.activity_day + timedelta(days=days_later)).isoformat(),
        "minutes": minutes,
    }


def _student_form(local_id: str, grade: str) -> Body:
    """The roster's add/edit-student form, at the target's school."""
    return lambda w, t: {
        "first_name": "Noa",
        "local_id": local_id,
        "grade": grade,
        "school_id": str(_pick(w, t, w.school_a, w.school_b)),
    }


def _ids(world: World, target: str, made: dict[str, int]) -> dict[str, object]:
    other = target == "other"
    return {
        "student_id": world.student_b if other else world.student_a,
        "school_id": world.school_b if other else world.school_a,
        "activity_id": world.activity_b if other else world.activity_a,
        "outcome_id": world.outcome_b if other else world.outcome_a,
        "assessment_id": world.assessment_b if other else world.assessment_a,
        "user_id": world.coach_b,
        "code": "29-1141.00",
        "kind": "occupation",  # /coach/students/{student_id}/find/{kind}/{code}
        "subtest": "spatial",
        "version": read_active_version(),
        "code_id": 1,
        "upload_id": 1,  # no roster upload exists: a permitted caller gets 404
        "request_id": made["request_b"] if other else made["request_a"],
        "table": "schools",  # /reports/summary/{table}.csv
        "name": "reliability.svg",  # an image of the shipped version's model card
    }


PUBLIC = {actor: 200 for actor in ACTORS}
SIGNED_IN = {"anon": 401, "student": 200, "coach": 200, "staff": 200, "admin": 200}
ACCOUNTS = {"anon": 401, "student": 403, "coach": 200, "staff": 200, "admin": 200}
ADMIN = {"anon": 401, "student": 403, "coach": 403, "staff": 403, "admin": 200}
STAFF = {"anon": 401, "student": 403, "coach": 403, "staff": 200, "admin": 200}
STUDENT_ONLY = {"anon": 401, "student": 200, "coach": 403, "staff": 403, "admin": 403}
OWN_ASSESSMENT: dict[str, Expect] = {
    "anon": 401,
    "student": (200, 404),
    "coach": 403,
    "staff": 403,
    "admin": 403,
}
COACH_LIST = {"anon": 401, "student": 403, "coach": 200, "staff": 403, "admin": 200}
#: The world's assessments are not submitted, so a permitted caller reaches the 409 "none yet".
RECOMMENDATIONS: dict[str, Expect] = {
    "anon": 401,
    "student": (409, 404),
    "coach": (409, 404),
    "staff": 403,
    "admin": 409,
}
#: Promoting the active version, or rolling back with none earlier, is refused after the role check.
MODEL_REFUSED = {"anon": 401, "student": 403, "coach": 403, "staff": 409, "admin": 409}


#: Pages: no session -> 303 to sign in; a role that may never open it -> 403 (HTML).
def page_caseload(ok: int, other: int = 404) -> dict[str, Expect]:
    return {"anon": 303, "student": 403, "coach": (ok, other), "staff": 403, "admin": ok}


def page_for(ok: int, *roles: str) -> dict[str, Expect]:
    return {a: ok if a in roles else 303 if a == "anon" else 403 for a in ACTORS}


PAGE_PUBLIC = {actor: 200 for actor in ACTORS}
FRONT = {"anon": 200, **{a: 303 for a in ACTORS if a != "anon"}}
EVERYONE_303 = {actor: 303 for actor in ACTORS}


def caseload(ok: int) -> dict[str, Expect]:
    """A record of one caseload student: coaches see their own schools' only."""
    return {"anon": 401, "student": 403, "coach": (ok, 404), "staff": 403, "admin": ok}


def admin_only(ok: int) -> dict[str, Expect]:
    return {
        actor: (ok if actor == "admin" else 401 if actor == "anon" else 403) for actor in ACTORS
    }


MATRIX: tuple[Row, ...] = (
    Row("GET", "/livez", PUBLIC),
    Row("GET", "/readyz", PUBLIC),
    Row("GET", "/metrics", PUBLIC),
    Row("POST", "/auth/login", PUBLIC, {"username": "admin", "password": PASSWORD}),
    Row("POST", "/auth/access-code", PUBLIC, lambda w, t: {"code": w.access_code_a}),
    Row("POST", "/auth/logout", {**SIGNED_IN, **{a: 204 for a in ACTORS if a != "anon"}}),
    Row("GET", "/auth/me", SIGNED_IN),
    Row("GET", "/schools", ACCOUNTS),
    Row(
        "POST",
        "/schools",
        admin_only(201),
        {"name": "Gamma High", "district": "D3", "county_fips": "28049", "region_code": "0027140"},
    ),
    Row(
        "GET",
        "/schools/{school_id}",
        {"anon": 401, "student": 403, "coach": (200, 404), "staff": 200, "admin": 200},
    ),
    Row("PUT", "/schools/{school_id}/coaches/{user_id}", admin_only(204)),
    Row("DELETE", "/schools/{school_id}/coaches/{user_id}", admin_only(204)),
    Row("GET", "/users", ADMIN),
    Row(
        "POST",
        "/users",
        admin_only(201),
        {
            "username": "newcoach",
            "display_name": "New Coach",
            "role": "coach",
            "password": "a long enough password",
        },
    ),
    Row("PATCH", "/users/{user_id}", ADMIN, {"display_name": "Renamed"}),
    Row("POST", "/users/{user_id}/unlock", admin_only(204)),
    Row("GET", "/students", COACH_LIST),
    Row(
        "POST",
        "/students",
        caseload(201),
        lambda w, t: {
            "school_id": _pick(w, t, w.school_a, w.school_b),
            "local_id": "N1",
            "first_name": "Noa",
            "grade": 9,
        },
    ),
    Row("GET", "/students/{student_id}", caseload(200)),
    Row("PATCH", "/students/{student_id}", caseload(200), {"grade": 12}),
    Row("POST", "/students/{student_id}/access-codes", caseload(201)),
    #: roster import without a body: a permitted caller is told the body is empty (422)
    Row(
        "POST",
        "/rosters/imports?school_year=2025-2026",
        {"anon": 401, "student": 403, "coach": 422, "staff": 403, "admin": 422},
    ),
    Row("GET", "/activities", COACH_LIST),
    Row(
        "POST",
        "/activities",
        caseload(201),
        lambda w, t: {
            "school_id": _pick(w, t, w.school_a, w.school_b),
            "category": "group_session",
            "occurred_on": w.activity_day.isoformat(),
            "minutes": 50,
            "participants": 20,
            "topic": "Career interest overview",
        },
    ),
    Row("GET", "/activities/{activity_id}", caseload(200)),
    Row("PATCH", "/activities/{activity_id}", caseload(200), {"minutes": 40}),
    Row("DELETE", "/activities/{activity_id}", caseload(204)),
    Row("GET", "/students/{student_id}/plan", caseload(200)),
    Row(
        "PUT",
        "/students/{student_id}/plan",
        caseload(200),
        {"chosen_pathways": ["health-science.therapeutic-services"]},
    ),
    Row("GET", "/students/{student_id}/outcomes", caseload(200)),
    Row(
        "POST",
        "/students/{student_id}/outcomes",
        caseload(201),
        {
            "code_kind": "pathway",
            "code": "health-science.therapeutic-services",
            "grade": 2,
            "event_type": "program_enrolment",
            "school_year": "2025-2026",
        },
    ),
    Row("PATCH", "/students/{student_id}/outcomes/{outcome_id}", caseload(200), {"grade": 3}),
    Row("DELETE", "/students/{student_id}/outcomes/{outcome_id}", caseload(204)),
    Row("GET", "/reports/activity?school_year=2025-2026", STAFF),
    Row("GET", "/reports/summary?school_year=2025-2026", STAFF),
    Row("GET", "/reports/summary/{table}.csv?school_year=2025-2026", STAFF),
    Row("GET", "/reports/activity.csv?school_year=2025-2026", STAFF),
    Row("GET", "/instrument?language=es", SIGNED_IN),
    Row("POST", "/assessments", STUDENT_ONLY, {"language": "en"}),
    Row(
        "GET",
        "/assessments/{assessment_id}",
        {"anon": 401, "student": (200, 404), "coach": (200, 404), "staff": 403, "admin": 200},
    ),
    #: a GET only reads a started subtest again: the world's are not started (409, no change)
    Row(
        "GET",
        "/assessments/{assessment_id}/aptitude/{subtest}",
        {**OWN_ASSESSMENT, "student": (409, 404)},
    ),
    Row("POST", "/assessments/{assessment_id}/aptitude/{subtest}/start", OWN_ASSESSMENT),
    Row("POST", "/assessments/{assessment_id}/aptitude/{subtest}/finish", OWN_ASSESSMENT),
    Row("PUT", "/assessments/{assessment_id}/answers", OWN_ASSESSMENT, {"interests": {"R01": 5}}),
    Row(
        "PUT", "/assessments/{assessment_id}/records", caseload(200), {"records": {"act_math": 24}}
    ),
    Row(
        "POST",
        "/assessments/{assessment_id}/submit",
        OWN_ASSESSMENT,
        {"client_key": "matrix-key-1"},
    ),
    Row("GET", "/students/{student_id}/assessments", caseload(200)),
    Row("GET", "/catalogue", SIGNED_IN),
    Row("GET", "/catalogue/occupations?q=nurse", SIGNED_IN),
    Row("GET", "/catalogue/occupations/{code}", SIGNED_IN),
    Row("GET", "/catalogue/pathways", SIGNED_IN),
    Row("GET", "/catalogue/search?q=nurse", SIGNED_IN),
    Row("POST", "/students/{student_id}/plan/items", caseload(200), {"code": "29-1141.00"}),
    Row("GET", "/students/{student_id}/recommendations", RECOMMENDATIONS),
    Row("GET", "/models", STAFF),
    Row("GET", "/models/{version}", STAFF),
    Row("POST", "/models/{version}/promote", MODEL_REFUSED, {"force": False, "reason": None}),
    Row("POST", "/models/rollback", MODEL_REFUSED, {"reason": "matrix check"}),
    # privacy requests and exports (admin; a coach files requests for caseload students)
    Row("GET", "/privacy/students/{student_id}/export", admin_only(200)),
    Row("GET", "/privacy/students/{student_id}/export.zip", admin_only(200)),
    Row("DELETE", "/privacy/students/{student_id}", admin_only(200)),
    Row("GET", "/privacy/disclosures", ADMIN),
    Row(
        "POST",
        "/privacy/requests",
        caseload(201),
        lambda w, t: {
            "student_id": _pick(w, t, w.student_a, w.student_b),
            "kind": "delete",  # _prepare filed an export request for each student already
            "reason": "the family asked for it",
        },
    ),
    Row("GET", "/privacy/requests", COACH_LIST),
    Row("POST", "/privacy/requests/{request_id}/approve", admin_only(200)),
    Row("POST", "/privacy/requests/{request_id}/refuse", admin_only(200)),
    #: a pending request's export is a conflict for the coach who asked, absent for others
    Row("GET", "/privacy/requests/{request_id}/export.zip", caseload(409)),
    # documentation
    Row("GET", "/openapi.json", PUBLIC),
    Row("GET", "/docs", PUBLIC),
    Row("GET", "/docs/oauth2-redirect", PUBLIC),
    Row("GET", "/redoc", PUBLIC),
    Row("GET", "/static/docs/redoc.standalone.js", PUBLIC),
    # pages: called with the session cookie, forms with the page's token and Origin
    Page("GET", "/", FRONT),
    Page("GET", "/sign-in", PAGE_PUBLIC),
    Page("POST", "/sign-in", EVERYONE_303, {"username": "admin", "password": PASSWORD}),
    Page("POST", "/sign-out", EVERYONE_303),
    Page("GET", "/start", PAGE_PUBLIC),
    Page("POST", "/start", EVERYONE_303, lambda w, t: {"code": w.access_code_a}),
    Page("GET", "/language?to=es&next=/start", EVERYONE_303),
    Page("GET", "/assessment", page_for(200, "student")),
    Page("POST", "/assessment", page_for(303, "student")),
    Page("GET", "/results", page_for(200, "student")),
    Page("GET", "/about/data", PAGE_PUBLIC),
    Page("GET", "/coach", page_for(200, "coach", "coach_b", "admin")),
    Page("GET", "/coach/students/{student_id}", page_caseload(200)),
    Page("GET", "/coach/students/{student_id}/pathways", page_caseload(200)),
    Page("GET", "/coach/students/{student_id}/plan/print", page_caseload(200)),
    # a plan from the whole catalogue (service/pages/plan_search.py)
    Page("GET", "/coach/students/{student_id}/find?q=nurse", page_caseload(200)),
    Page("GET", "/coach/students/{student_id}/find/{kind}/{code}", page_caseload(200)),
    Page(
        "POST",
        "/coach/students/{student_id}/plan/add",
        page_caseload(303),
        {"kind": "occupation", "code": "29-1141.00"},
    ),
    Page(
        "POST",
        "/coach/students/{student_id}/family-language",
        page_caseload(303),
        {"family_language": "es"},
    ),
    Page("POST", "/coach/students/{student_id}/access-code", page_caseload(303)),
    Page("GET", "/coach/students/{student_id}/access-code/{code_id}", page_caseload(200)),
    Page("POST", "/coach/students/{student_id}/records", page_caseload(303), {"act_math": "24"}),
    Page(
        "POST",
        "/coach/students/{student_id}/sessions",
        page_caseload(303),
        lambda w, t: {
            "category": "one_on_one",
            "occurred_on": w.activity_day.isoformat(),
            "minutes": "20",
        },
    ),
    # the activity log (service/pages/activities.py): a coach changes only their own entries
    Page("GET", "/coach/activities", page_for(200, "coach", "coach_b", "admin")),
    Page("GET", "/coach/activities/new", page_for(200, "coach", "coach_b", "admin")),
    #: a student of another school is refused as a field of the form (422), never saved
    Page("POST", "/coach/activities/new", page_caseload(303, other=422), _activity_form()),
    Page("GET", "/coach/activities/{activity_id}/edit", page_caseload(200)),
    Page(
        "POST",
        "/coach/activities/{activity_id}/edit",
        page_caseload(303),
        _activity_form(days_later=1, minutes="25"),
    ),
    Page("POST", "/coach/activities/{activity_id}/delete", page_caseload(303), {"confirm": "yes"}),
    Page(
        "POST",
        "/coach/students/{student_id}/plan",
        page_caseload(303),
        {"next_steps": "visit the college"},
    ),
    # rosters, the add/edit-student form and class codes (service/pages/roster.py)
    Page("GET", "/coach/roster", page_for(200, "coach", "coach_b", "admin")),
    #: without the file: a permitted caller gets the form's 422 page
    Page("POST", "/coach/roster", page_for(422, "coach", "coach_b", "admin")),
    Page("GET", "/coach/roster/imports/{upload_id}", page_for(404, "coach", "coach_b", "admin")),
    Page("POST", "/coach/roster/imports/{upload_id}", page_for(404, "coach", "coach_b", "admin")),
    Page("GET", "/coach/roster/students/new", page_for(200, "coach", "coach_b", "admin")),
    #: a school outside the coach's scope is a named field error (422), nothing added
    Page(
        "POST",
        "/coach/roster/students",
        page_caseload(303, other=422),
        _student_form(local_id="N9", grade="9"),
    ),
    Page("GET", "/coach/roster/students/{student_id}/edit", page_caseload(200)),
    Page(
        "POST",
        "/coach/roster/students/{student_id}/edit",
        page_caseload(303),
        _student_form(local_id="N8", grade="10"),
    ),
    Page(
        "POST",
        "/coach/codes",
        page_caseload(303),
        lambda w, t: {"student_id": str(_pick(w, t, w.student_a, w.student_b))},
    ),
    Page("GET", "/coach/codes/sheet?ids=1", page_for(200, "coach", "coach_b", "admin")),
    Page("GET", "/coach/privacy", page_for(200, "coach", "coach_b", "admin")),
    Page("GET", "/coach/privacy?student_id={student_id}", page_caseload(200)),
    Page(
        "POST",
        "/coach/students/{student_id}/privacy",
        page_caseload(303),
        {"kind": "delete", "reason": "the family asked for it"},
    ),
    Page("GET", "/staff", page_for(200, "staff", "admin")),
    Page("GET", "/staff/models/{version}", page_for(200, "staff", "admin")),
    Page("GET", "/staff/models/{version}/promote", page_for(200, "staff", "admin")),
    #: no earlier version in the world: a permitted caller reaches the 409 page
    Page("GET", "/staff/rollback", page_for(409, "staff", "admin")),
    #: promoting the active version is refused, and so is a rollback with none earlier
    *(
        Page(
            "POST",
            "/staff/models/switch",
            page_for(409, "staff", "admin"),
            lambda w, t, action=action: {
                "action": action,
                "version": read_active_version(),
                "reason": "matrix check",
                "confirm": "yes",
            },
        )
        for action in ("promote", "rollback")
    ),
    Page("GET", "/staff/report?school_year=2025-2026", page_for(200, "staff", "admin")),
    Page("GET", "/staff/models/{version}/files/{name}", page_for(200, "staff", "admin")),
    Page("GET", "/staff/organisations", page_for(200, "admin")),
    Page(
        "POST",
        "/staff/organisations/{user_id}",
        page_for(303, "admin"),
        {"organisation": "Itawamba Community College"},
    ),
    Page("GET", "/staff/catalogue", page_for(200, "staff", "admin")),
    Page("GET", "/staff/privacy", page_for(200, "admin")),
    #: without the school id typed to confirm: nothing is deleted
    Page("POST", "/staff/privacy/students/{student_id}/delete", page_for(422, "admin")),
    Page(
        "POST",
        "/staff/privacy/requests/{request_id}",
        page_for(303, "admin"),
        {"decision": "refuse"},
    ),
)

#: Mounted static files: the same for everyone, no route of their own to classify.
MOUNTS = {"/static", "/static/docs"}


def _prepare(app: FastAPI, world: World) -> dict[str, int]:
    """What the world lacks for some routes: a saved plan and a coach's privacy request for
    each student (request_a by coach A for student A, request_b by coach B for student B)."""
    made: dict[str, int] = {}
    with session_scope(app.state.sessionmaker) as db:
        for key, student, coach in (
            ("a", world.student_a, world.coach_a),
            ("b", world.student_b, world.coach_b),
        ):
            db.add(Plan(student_id=student, chosen_pathways=[], next_steps=["call"], notes=""))
            request = PrivacyRequest(
                student_id=student,
                kind="export",
                reason="matrix",
                requested_by=coach,
                requested_at=datetime.now(UTC),
            )
            db.add(request)
            db.flush()
            made[f"request_{key}"] = request.id
    return made


def _cases() -> list[Any]:
    cases = []
    for row in MATRIX:
        for actor in ACTORS:
            targets = TARGETS if "{" in row.path or row.body else ("own",)
            for target in targets:
                status = row.status(actor, target)
                kind = "page" if row.page else "api"
                cases.append(
                    pytest.param(
                        row,
                        actor,
                        target,
                        status,
                        id=f"{kind} {row.method} {row.path} {actor} {target}",
                    )
                )
    return cases


def _call(client: TestClient, world: World, row: Row, actor: str, path: str, body: Any) -> Any:
    if not row.page:
        return client.request(row.method, path, json=body, headers=world.headers(actor))
    token = world.tokens.get(actor)
    if token:
        client.cookies.set("pathways_session", token)
    if row.method == "GET":
        return client.get(path)
    csrf = page_form_token(client, HOME_PAGES[actor])
    data = {**(body or {}), "csrf_token": csrf}
    return client.post(path, data=data, headers={"Origin": SITE_ORIGIN})


@pytest.mark.parametrize(("row", "actor", "target", "status"), _cases())
def test_route_answers_each_role_and_owner_as_specified(
    app: FastAPI, world: World, row: Row, actor: str, target: str, status: int
) -> None:
    made = _prepare(app, world)
    path = row.path.format(**_ids(world, target, made))
    body = row.body_for(world, target)
    with TestClient(app, follow_redirects=False, client=LOCAL_CLIENT) as client:
        response = _call(client, world, row, actor, path, body)
    assert response.status_code == status, response.text[:500]
    content_type = response.headers.get("content-type", "")
    if status >= 400 and row.page:
        assert content_type.startswith("text/html"), "a page user never gets raw JSON"
    elif status >= 400:
        assert content_type.startswith("application/problem+json")
    if status == 303 and actor == "anon" and row.page and path not in ("/sign-in", "/start"):
        location = response.headers["location"]
        assert location.startswith(("/sign-in", "/start", "/assessment", "/coach", "/", "/staff"))


def _app_routes(app: FastAPI) -> tuple[set[tuple[str, str]], set[str]]:
    routes, mounts = set(), set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            mounts.add(route.path)
            continue
        for method in context.methods or ():
            if method != "HEAD":
                routes.add((method, str(context.path)))
    return routes, mounts


def test_every_route_is_in_the_matrix(settings: Settings) -> None:
    app: FastAPI = create_app(settings)
    routes, mounts = _app_routes(app)
    covered = {(row.method, row.path.split("?")[0]) for row in MATRIX}
    app.state.engine.dispose()
    assert routes - covered == set(), "routes missing from the authorisation matrix"
    assert covered - routes == set(), "matrix rows for routes that no longer exist"
    assert mounts == MOUNTS, "a new mount: say who may read it"
    pages = {(r.method, r.path.split("?")[0]) for r in MATRIX if r.page}
    assert len(pages) >= 30, "the page routes are in the matrix"


def test_the_matrix_size(settings: Settings) -> None:
    """The number of role x route x ownership cases (reported in the issue's closing note)."""
    cases = _cases()
    pages = [c for c in cases if c.values[0].page]
    assert len(cases) > 800 and len(pages) > 250, (len(cases), len(pages))


def test_a_coach_cannot_reach_another_students_outcome_through_their_own_student(
    client: TestClient, world: World
) -> None:
    path = f"/students/{world.student_a}/outcomes/{world.outcome_b}"
    response = client.patch(path, json={"grade": 0}, headers=world.headers("coach"))
    assert response.status_code == 404


def test_a_student_cannot_use_an_account_route_with_a_forged_cookie(
    client: TestClient, world: World
) -> None:
    client.cookies.set("pathways_session", "not-a-token")
    assert client.get("/auth/me").status_code == 401
    client.cookies.clear()
    assert client.get("/auth/me", headers=world.headers("student")).json()["student_id"] == (
        world.student_a
    )


def test_world_builder_gives_each_actor_a_distinct_session(app: FastAPI) -> None:
    world = build_world(app)
    assert len(set(world.tokens.values())) == len(world.tokens) == 5
    assert set(world.tokens) == set(ACTORS) - {"anon"}
