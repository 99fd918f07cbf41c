"""Coach records through the API: students, activity log, plans, outcomes and the staff report."""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi.testclient import TestClient

from service.schemas import school_year_of
from tests.service.conftest import Clock, World, activity_days, mississippi_date, school_year


def _post(client: TestClient, world: World, path: str, body: object, actor: str = "coach") -> dict:
    response = client.post(path, json=body, headers=world.headers(actor))
    assert response.status_code == 201, response.text
    return response.json()


def test_school_year_runs_from_july_to_june() -> None:
    from datetime import date

    assert school_year_of(date(2025, 7, 1)) == "2025-2026"
    assert school_year_of(date(2026, 6, 30)) == "2025-2026"
    assert school_year_of(date(2026, 7, 1)) == "2026-2027"


def test_a_coach_lists_only_their_schools_students(client: TestClient, world: World) -> None:
    listed = client.get("/students", headers=world.headers("coach")).json()
    assert [s["id"] for s in listed] == [world.student_a]
    everyone = client.get("/students", headers=world.headers("admin")).json()
    assert {s["id"] for s in everyone} == {world.student_a, world.student_b}


def test_student_demographics_are_accepted_but_never_returned(
    client: TestClient, world: World
) -> None:
    body = {
        "school_id": world.school_a,
        "local_id": "A2",
        "first_name": "Cy",
        "grade": 9,
        "gender": "x",
        "race_ethnicity": "y",
    }
    created = _post(client, world, "/students", body)
    assert "gender" not in created and "race_ethnicity" not in created
    fetched = client.get(f"/students/{created['id']}", headers=world.headers("coach")).json()
    assert "gender" not in fetched and "race_ethnicity" not in fetched


def test_a_duplicate_local_id_is_a_409_conflict(client: TestClient, world: World) -> None:
    body = {"school_id": world.school_a, "local_id": "A1", "first_name": "Dup", "grade": 9}
    response = client.post("/students", json=body, headers=world.headers("coach"))
    assert response.status_code == 409
    assert "local id" in response.json()["detail"]


def test_activity_school_year_follows_its_date_and_edits(
    client: TestClient, world: World, clock: Clock
) -> None:
    first_of_this_year = activity_days(mississippi_date(clock.now))[1]  # 1 July
    start = first_of_this_year.year
    body = {
        "school_id": world.school_a,
        "student_id": world.student_a,
        "category": "job_shadow",
        "occurred_on": date(start, 6, 30).isoformat(),
        "minutes": 120,
        "employer": "Baptist Medical Center",
        "occupation_code": "29-1141.00",
    }
    created = _post(client, world, "/activities", body)
    assert created["school_year"] == f"{start - 1}-{start}"
    assert created["coach_id"] == world.coach_a
    moved = client.patch(
        f"/activities/{created['id']}",
        json={"occurred_on": first_of_this_year.isoformat()},
        headers=world.headers("coach"),
    ).json()
    assert moved["school_year"] == f"{start}-{start + 1}"


def test_an_activity_naming_a_student_of_another_school_is_refused(
    client: TestClient, world: World
) -> None:
    body = {
        "school_id": world.school_a,
        "student_id": world.student_b,
        "category": "one_on_one",
        "occurred_on": world.activity_day.isoformat(),
        "minutes": 20,
    }
    assert client.post("/activities", json=body, headers=world.headers("coach")).status_code == 404
    admin = client.post("/activities", json=body, headers=world.headers("admin"))
    assert admin.status_code == 422
    assert admin.json()["errors"][0]["field"] == "body.student_id"


def test_unknown_activity_category_is_a_422_naming_the_field(
    client: TestClient, world: World
) -> None:
    body = {
        "school_id": world.school_a,
        "category": "lunch",
        "occurred_on": world.activity_day.isoformat(),
        "minutes": 20,
    }
    response = client.post("/activities", json=body, headers=world.headers("coach"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["body.category"]


def test_plan_is_replaced_whole_and_keeps_pathway_order_without_repeats(
    client: TestClient, world: World
) -> None:
    path = f"/students/{world.student_a}/plan"
    empty = client.get(path, headers=world.headers("coach")).json()
    assert empty["chosen_pathways"] == [] and empty["updated_at"] is None
    body = {"chosen_pathways": ["b.two", "a.one", "b.two"], "next_steps": ["Visit the CTE fair"]}
    saved = client.put(path, json=body, headers=world.headers("coach")).json()
    assert saved["chosen_pathways"] == ["b.two", "a.one"]
    again = client.put(path, json={"notes": "Talked to parent"}, headers=world.headers("coach"))
    assert again.json()["chosen_pathways"] == [] and again.json()["notes"] == "Talked to parent"


def test_outcome_rules_grade_range_and_school_year(client: TestClient, world: World) -> None:
    path = f"/students/{world.student_a}/outcomes"
    base = {
        "code_kind": "occupation",
        "code": "47-2111.00",
        "grade": 3,
        "event_type": "apprenticeship",
        "school_year": "2025-2026",
    }
    assert client.post(path, json=base, headers=world.headers("coach")).status_code == 201
    bad_grade = client.post(path, json={**base, "grade": 4}, headers=world.headers("coach"))
    assert bad_grade.status_code == 422
    assert bad_grade.json()["errors"][0]["field"] == "body.grade"
    bad_year = client.post(
        path, json={**base, "school_year": "2025-2027"}, headers=world.headers("coach")
    )
    assert bad_year.status_code == 422
    assert "consecutive" in bad_year.json()["errors"][0]["message"]
    listed = client.get(path, headers=world.headers("coach")).json()
    assert [o["grade"] for o in listed] == [1, 3]


def test_activity_report_sums_by_school_and_region_and_matches_its_csv(
    client: TestClient, world: World, clock: Clock
) -> None:
    last_year, this_year = activity_days(mississippi_date(clock.now))  # 1 October, 1 July
    year = school_year(last_year)
    after = this_year.year  # the calendar year the previous school year ends in
    speaker = {"organisation": "Gulf Coast CC", "participants": 40, "topic": "Nursing careers"}
    shadow = {"employer": "Ingalls Shipbuilding", "occupation_code": "51-4121.00"}
    entries = [  # (school, student or None, category, date, minutes, category's fields)
        (world.school_a, world.student_a, "one_on_one", date(after - 1, 11, 1), 25, {}),
        (world.school_a, None, "guest_speaker", date(after, 2, 1), 60, speaker),
        (world.school_b, world.student_b, "job_shadow", date(after, 3, 1), 240, shadow),
        (world.school_b, world.student_b, "one_on_one", this_year, 30, {}),  # next school year
    ]
    for school, student, category, day, minutes, fields in entries:
        actor = "admin"
        body = {
            "school_id": school,
            "student_id": student,
            "category": category,
            "occurred_on": day.isoformat(),
            "minutes": minutes,
            **fields,
        }
        _post(client, world, "/activities", body, actor)
    report = client.get(
        "/reports/activity", params={"school_year": year}, headers=world.headers("staff")
    ).json()
    # the world already holds one 30-minute one_on_one per school in that school year
    assert school_year(world.activity_day) == year
    by_school = {s["school_id"]: s for r in report["regions"] for s in r["schools"]}
    a, b = by_school[world.school_a], by_school[world.school_b]
    assert a["activities"]["one_on_one"] == 2 and a["activities"]["guest_speaker"] == 1
    # reached: the one named student and the 40 the guest speaker spoke to (service.reporting)
    assert a["minutes"] == 30 + 25 + 60 and a["students_reached"] == 1 + 40
    assert b["activities"]["job_shadow"] == 1 and b["activities"]["one_on_one"] == 1
    assert b["minutes"] == 30 + 240 and b["students_reached"] == 1
    assert [r["region_code"] for r in report["regions"]] == ["0025060", "2800006"]
    assert report["minutes"] == 30 + 25 + 60 + 30 + 240
    assert report["activities"]["one_on_one"] == 3

    csv_response = client.get(
        "/reports/activity.csv",
        params={"school_year": year},
        headers=world.headers("staff"),
    )
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert len(rows) == 2
    for row in rows:
        school = by_school[int(row["school_id"])]
        assert int(row["minutes"]) == school["minutes"]
        assert int(row["one_on_one"]) == school["activities"]["one_on_one"]


def test_report_needs_a_well_formed_school_year(client: TestClient, world: World) -> None:
    for bad in ("2025", "2025-2024", "twenty"):
        response = client.get(
            "/reports/activity", params={"school_year": bad}, headers=world.headers("staff")
        )
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == "query.school_year"
