"""Who may call what: every route x role x ownership case, in one parametrised matrix.

A coach sees only students of their assigned schools (others: 404, as if absent); a student only
their own assessment; staff only aggregates; admin everything. ``test_every_route_is_in_the_
matrix`` fails when a route is added to the app without a row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from recommender.model import read_active_version
from service.app import create_app
from service.settings import Settings
from tests.service.conftest import PASSWORD, World, build_world

ACTORS = ("anon", "student", "coach", "staff", "admin")
TARGETS = ("own", "other")

Expect = int | tuple[int, int]  # one status, or (own target, other target)
Body = Callable[[World, str], Any]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: dict[str, Expect]
    body: Body | None = None


def _none(*_: object) -> None:
    return None


def _pick(world: World, target: str, own: int, other: int) -> int:
    return own if target == "own" else other


def _ids(world: World, target: str) -> dict[str, object]:
    other = target == "other"
    return {
        "student_id": world.student_b if other else world.student_a,
        "school_id": world.school_b if other else world.school_a,
        "activity_id": world.activity_b if other else world.activity_a,
        "outcome_id": world.outcome_b if other else world.outcome_a,
        "assessment_id": world.assessment_b if other else world.assessment_a,
        "user_id": world.coach_b,
        "code": "29-1141.00",
        "subtest": "spatial",
        "version": read_active_version(),
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
    Row(
        "POST",
        "/auth/login",
        PUBLIC,
        lambda w, t: {"username": "admin", "password": PASSWORD},
    ),
    Row("POST", "/auth/access-code", PUBLIC, lambda w, t: {"code": w.access_code_a}),
    Row("POST", "/auth/logout", {**SIGNED_IN, **{a: 204 for a in ACTORS if a != "anon"}}),
    Row("GET", "/auth/me", SIGNED_IN),
    Row("GET", "/schools", ACCOUNTS),
    Row(
        "POST",
        "/schools",
        admin_only(201),
        lambda w, t: {
            "name": "Gamma High",
            "district": "D3",
            "county_fips": "28049",
            "region_code": "0027140",
        },
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
        lambda w, t: {
            "username": "newcoach",
            "display_name": "New Coach",
            "role": "coach",
            "password": "a long enough password",
        },
    ),
    Row("PATCH", "/users/{user_id}", ADMIN, lambda w, t: {"display_name": "Renamed"}),
    Row("GET", "/students", COACH_LIST),
    Row(
        "POST",
        "/students",
        {"anon": 401, "student": 403, "coach": (201, 404), "staff": 403, "admin": 201},
        lambda w, t: {
            "school_id": _pick(w, t, w.school_a, w.school_b),
            "local_id": "N1",
            "first_name": "Noa",
            "grade": 9,
        },
    ),
    Row("GET", "/students/{student_id}", caseload(200)),
    Row("PATCH", "/students/{student_id}", caseload(200), lambda w, t: {"grade": 12}),
    Row("POST", "/students/{student_id}/access-codes", caseload(201)),
    Row("GET", "/activities", COACH_LIST),
    Row(
        "POST",
        "/activities",
        caseload(201),
        lambda w, t: {
            "school_id": _pick(w, t, w.school_a, w.school_b),
            "category": "group_session",
            "occurred_on": "2025-11-03",
            "minutes": 50,
            "participants": 20,
        },
    ),
    Row("GET", "/activities/{activity_id}", caseload(200)),
    Row("PATCH", "/activities/{activity_id}", caseload(200), lambda w, t: {"minutes": 40}),
    Row("DELETE", "/activities/{activity_id}", caseload(204)),
    Row("GET", "/students/{student_id}/plan", caseload(200)),
    Row(
        "PUT",
        "/students/{student_id}/plan",
        caseload(200),
        lambda w, t: {"chosen_pathways": ["health-science.therapeutic-services"]},
    ),
    Row("GET", "/students/{student_id}/outcomes", caseload(200)),
    Row(
        "POST",
        "/students/{student_id}/outcomes",
        caseload(201),
        lambda w, t: {
            "code_kind": "pathway",
            "code": "health-science.therapeutic-services",
            "grade": 2,
            "event_type": "program_enrolment",
            "school_year": "2025-2026",
        },
    ),
    Row(
        "PATCH",
        "/students/{student_id}/outcomes/{outcome_id}",
        caseload(200),
        lambda w, t: {"grade": 3},
    ),
    Row("DELETE", "/students/{student_id}/outcomes/{outcome_id}", caseload(204)),
    Row("GET", "/reports/activity?school_year=2025-2026", STAFF),
    Row("GET", "/reports/activity.csv?school_year=2025-2026", STAFF),
    Row("GET", "/instrument?language=es", SIGNED_IN),
    Row("POST", "/assessments", STUDENT_ONLY, lambda w, t: {"language": "en"}),
    Row(
        "GET",
        "/assessments/{assessment_id}",
        {"anon": 401, "student": (200, 404), "coach": (200, 404), "staff": 403, "admin": 200},
    ),
    Row("GET", "/assessments/{assessment_id}/aptitude/{subtest}", OWN_ASSESSMENT),
    Row("POST", "/assessments/{assessment_id}/aptitude/{subtest}/finish", OWN_ASSESSMENT),
    Row(
        "PUT",
        "/assessments/{assessment_id}/answers",
        OWN_ASSESSMENT,
        lambda w, t: {"interests": {"R01": 5}},
    ),
    Row(
        "PUT",
        "/assessments/{assessment_id}/records",
        caseload(200),
        lambda w, t: {"records": {"act_math": 24}},
    ),
    Row(
        "POST",
        "/assessments/{assessment_id}/submit",
        OWN_ASSESSMENT,
        lambda w, t: {"client_key": "matrix-key-1"},
    ),
    Row("GET", "/students/{student_id}/assessments", caseload(200)),
    Row("GET", "/catalogue", SIGNED_IN),
    Row("GET", "/catalogue/occupations?q=nurse", SIGNED_IN),
    Row("GET", "/catalogue/occupations/{code}", SIGNED_IN),
    Row("GET", "/catalogue/pathways", SIGNED_IN),
    Row("GET", "/students/{student_id}/recommendations", RECOMMENDATIONS),
    Row("GET", "/models", STAFF),
    Row("GET", "/models/{version}", STAFF),
    Row(
        "POST",
        "/models/{version}/promote",
        MODEL_REFUSED,
        lambda w, t: {"force": False, "reason": None},
    ),
    Row("POST", "/models/rollback", MODEL_REFUSED, lambda w, t: {"reason": "matrix check"}),
)


def _cases() -> list[Any]:
    cases = []
    for row in MATRIX:
        for actor in ACTORS:
            expect = row.expect[actor]
            targets = TARGETS if "{" in row.path else ("own",)
            for target in targets:
                status = expect if isinstance(expect, int) else expect[TARGETS.index(target)]
                cases.append(
                    pytest.param(
                        row, actor, target, status, id=f"{row.method} {row.path} {actor} {target}"
                    )
                )
    return cases


@pytest.mark.parametrize(("row", "actor", "target", "status"), _cases())
def test_route_answers_each_role_and_owner_as_specified(
    client: TestClient, world: World, row: Row, actor: str, target: str, status: int
) -> None:
    path = row.path.format(**_ids(world, target))
    body = row.body(world, target) if row.body else None
    response = client.request(row.method, path, json=body, headers=world.headers(actor))
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


def test_every_route_is_in_the_matrix(settings: Settings) -> None:
    app: FastAPI = create_app(settings)
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    covered = {(row.method, row.path.split("?")[0]) for row in MATRIX}
    app.state.engine.dispose()
    assert routes - covered == set(), "routes missing from the authorisation matrix"
    assert covered - routes == set(), "matrix rows for routes that no longer exist"
    assert len(routes) == len(MATRIX)


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
