"""Coach and student pages show the API's recommendation: the same stored default, same what-if."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.tables import Recommendation
from tests.service.conftest import World, count_rows, submit_assessment_a


def _codes(html: str) -> list[str]:
    return re.findall(r'data-pathway="([^"]+)"', html)


def test_coach_page_shows_the_stored_default_and_the_api_what_if(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_assessment_a(client, world)
    coach = world.headers("coach")
    page = client.get(f"/coach/students/{world.student_a}", headers=coach)
    assert page.status_code == 200
    api = client.get(f"/students/{world.student_a}/recommendations", headers=coach).json()
    assert api["stored"]
    assert _codes(page.text) == [p["code"] for p in api["pathways"]]
    assert api["model_version"] in page.text
    assert count_rows(app, Recommendation) == 1, "the page and the API share one stored default"

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
    assert count_rows(app, Recommendation) == 1, "a what-if is not stored"


def test_student_results_page_lists_the_api_result(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_assessment_a(client, world)
    student = world.headers("student")
    page = client.get("/results", headers=student)
    assert page.status_code == 200
    api = client.get(f"/students/{world.student_a}/recommendations", headers=student).json()
    assert _codes(page.text) == [p["code"] for p in api["pathways"]]
    assert count_rows(app, Recommendation) == 1


def test_coach_records_form_names_bad_fields_and_rescoring_updates_the_page(
    app: FastAPI, client: TestClient, world: World
) -> None:
    submit_assessment_a(client, world)
    coach = world.headers("coach")
    url = f"/coach/students/{world.student_a}"
    page = client.get(url, headers=coach)
    assert 'id="rec-act_math"' in page.text and 'max="36"' in page.text
    bad = client.post(
        f"{url}/records",
        data={"act_math": "40", "workkeys_applied_math": "2", "gpa_unweighted": "abc"},
        headers=coach,
        follow_redirects=False,
    )
    assert bad.status_code == 422
    assert 'id="record-errors"' in bad.text
    for field, text in (
        ("act_math", "1 to 36"),
        ("workkeys_applied_math", "3 to 7"),
        ("gpa_unweighted", "enter a number"),
    ):
        assert f'id="rec-{field}-error"' in bad.text
        assert text in bad.text
    assert 'value="40"' in bad.text, "what the coach typed stays in the box"

    before = client.get(f"/students/{world.student_a}/recommendations", headers=coach).json()
    done = client.post(
        f"{url}/records",
        data={"act_math": "35", "act_composite": "34", "workkeys_applied_math": "7"},
        headers=coach,
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?records=1#records")
    after = client.get(f"/students/{world.student_a}/recommendations", headers=coach).json()
    assert after["profile_hash"] != before["profile_hash"], "the profile was scored again"
    shown = client.get(f"{url}?records=1", headers=coach).text
    assert "Records saved" in shown and 'value="35"' in shown
    assert _codes(shown) == [p["code"] for p in after["pathways"]]
