"""Coach and student pages show the API's recommendation: the same stored default, same what-if."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.db import session_scope
from service.models import Recommendation
from tests.service.conftest import World


def _submit_a(client: TestClient, world: World) -> None:
    done = client.post(
        f"/assessments/{world.assessment_a}/submit",
        json={"client_key": "pages-a-0001"},
        headers=world.headers("student"),
    )
    assert done.status_code == 200, done.text


def _codes(html: str) -> list[str]:
    return re.findall(r'data-pathway="([^"]+)"', html)


def _stored_rows(app: FastAPI) -> int:
    with session_scope(app.state.sessionmaker) as db:
        return int(db.execute(select(func.count()).select_from(Recommendation)).scalar_one())


def test_coach_page_shows_the_stored_default_and_the_api_what_if(
    app: FastAPI, client: TestClient, world: World
) -> None:
    _submit_a(client, world)
    coach = world.headers("coach")
    page = client.get(f"/coach/students/{world.student_a}", headers=coach)
    assert page.status_code == 200
    api = client.get(f"/students/{world.student_a}/recommendations", headers=coach).json()
    assert api["stored"]
    assert _codes(page.text) == [p["code"] for p in api["pathways"]]
    assert api["model_version"] in page.text
    assert _stored_rows(app) == 1, "the page and the API share one stored default"

    region = "0027140"  # Jackson, MS
    fragment = client.get(
        f"/coach/students/{world.student_a}/pathways?region={region}", headers=coach
    )
    what_if = client.get(
        f"/students/{world.student_a}/recommendations?region={region}", headers=coach
    ).json()
    assert not what_if["stored"]
    assert _codes(fragment.text) == [p["code"] for p in what_if["pathways"]]
    assert what_if["region_name"] in fragment.text
    assert _stored_rows(app) == 1, "a what-if is not stored"


def test_student_results_page_lists_the_api_result(
    app: FastAPI, client: TestClient, world: World
) -> None:
    _submit_a(client, world)
    student = world.headers("student")
    page = client.get("/results", headers=student)
    assert page.status_code == 200
    api = client.get(f"/students/{world.student_a}/recommendations", headers=student).json()
    assert _codes(page.text) == [p["code"] for p in api["pathways"]]
    assert _stored_rows(app) == 1
