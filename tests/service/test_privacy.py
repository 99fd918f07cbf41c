"""One student's export and deletion (issue 12 item 20), end to end through the HTTP API on the
test database (SQLite, or PostgreSQL with PATHWAYS_TEST_DATABASE_URL).

Which tables hold a student's rows is found here from the live database schema (every foreign
key to ``students.id``, and every ``student_id`` column), not from the code under test.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from service.db import session_scope
from service.tables import Recommendation
from tests.service.conftest import (
    LOCAL_CLIENT,
    World,
    activity_days,
    mississippi_today,
    school_year,
)

#: Two days inside the activity window whenever the tests run, in two school years.
EARLIER_DAY, LATER_DAY = activity_days(mississippi_today())
YEAR, LATER_YEAR = school_year(EARLIER_DAY), school_year(LATER_DAY)
#: Tables the deletion keeps on purpose: the disclosure log and the privacy requests record that
#: the disclosures and the deletion happened (a student number only; docs/service.md).
KEPT = {"disclosures", "privacy_requests"}


def _student_columns(app: FastAPI) -> dict[str, str]:
    """table -> the column naming a student, from the database itself."""
    inspector = inspect(app.state.engine)
    found: dict[str, str] = {"students": "id"}
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] == "students":
                found[table] = fk["constrained_columns"][0]
        if table not in found and any(
            c["name"] == "student_id" for c in inspector.get_columns(table)
        ):
            found[table] = "student_id"
    return found


def _rows_of(app: FastAPI, student_id: int) -> dict[str, int]:
    counts = {}
    with app.state.engine.connect() as conn:
        for table, column in _student_columns(app).items():
            query = text(f'SELECT count(*) FROM "{table}" WHERE "{column}" = :s')
            counts[table] = int(conn.execute(query, {"s": student_id}).scalar_one())
    return counts


def _fill_records(client: TestClient, app: FastAPI, world: World) -> None:
    """Give student A a row in every kind of record, through the API where it can."""
    coach = world.headers("coach")
    a = world.student_a
    assert (
        client.put(
            f"/students/{a}/plan",
            json={"chosen_pathways": [], "next_steps": ["Visit the college"], "notes": "n"},
            headers=coach,
        ).status_code
        == 200
    )
    for day, year_minutes in ((EARLIER_DAY, 20), (LATER_DAY, 15)):  # two school years
        made = client.post(
            "/activities",
            json={
                "school_id": world.school_a,
                "student_id": a,
                "category": "planning_session",
                "occurred_on": day.isoformat(),
                "minutes": year_minutes,
                "topic": "college applications",
                "notes": "talked about Ada's plans",
            },
            headers=coach,
        )
        assert made.status_code == 201, made.text
    group = client.post(
        "/activities",
        json={
            "school_id": world.school_a,
            "category": "group_session",
            "occurred_on": EARLIER_DAY.isoformat(),
            "minutes": 45,
            "participants": 20,
            "topic": "career fair preparation",
        },
        headers=coach,
    )
    assert group.status_code == 201
    assert client.post(f"/students/{a}/access-codes", headers=coach).status_code == 201
    # a stored recommendation needs the served model; the row is what the service stores
    with session_scope(app.state.sessionmaker) as db:
        db.add(
            Recommendation(
                student_id=a,
                assessment_id=world.assessment_a,
                model_version="test",
                catalogue_version="test",
                inputs={"k": 5},
                result={"pathways": []},
                created_at=datetime.now(UTC),
            )
        )


def _report(client: TestClient, world: World, year: str) -> Any:
    response = client.get(
        "/reports/activity", params={"school_year": year}, headers=world.headers("staff")
    )
    assert response.status_code == 200
    return response.json()


def test_export_holds_every_row_about_the_student_and_deletion_leaves_none(
    client: TestClient, app: FastAPI, world: World
) -> None:
    _fill_records(client, app, world)
    admin, a = world.headers("admin"), world.student_a
    before = {year: _report(client, world, year) for year in (YEAR, LATER_YEAR)}
    others_before = _rows_of(app, world.student_b)

    exported = client.get(f"/privacy/students/{a}/export", headers=admin)
    assert exported.status_code == 200
    body = exported.json()
    held = _rows_of(app, a)  # the export's own disclosure entry is in here too
    assert {t for t, n in held.items() if n} <= set(body["tables"]), held
    for table, n in held.items():
        assert len(body["tables"].get(table, [])) == n, table
    assert body["tables"]["students"][0]["first_name"] == "Ada"
    assert {row["id"] for row in body["tables"]["assessments"]} == {world.assessment_a}
    for table in ("auth_sessions", "access_codes", "assessments"):
        for row in body["tables"][table]:  # the service's secrets stay out
            assert not {"token_hash", "code_hash", "aptitude_seeds"} & set(row), table

    packed = client.get(f"/privacy/students/{a}/export.zip", headers=admin)
    assert packed.status_code == 200 and packed.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(packed.content))
    held = _rows_of(app, a)
    for table, n in held.items():
        rows = list(csv.DictReader(io.StringIO(archive.read(f"{table}.csv").decode())))
        assert len(rows) == n, table
    notes = [
        r["notes"] for r in csv.DictReader(io.StringIO(archive.read("activities.csv").decode()))
    ]
    assert "talked about Ada's plans" in notes

    deleted = client.delete(f"/privacy/students/{a}", headers=admin)
    assert deleted.status_code == 200, deleted.text
    after = _rows_of(app, a)
    assert {t: n for t, n in after.items() if n and t not in KEPT} == {}
    assert after["disclosures"] > 0  # the log of who saw the record stays
    assert _rows_of(app, world.student_b) == others_before  # nobody else touched
    assert {year: _report(client, world, year) for year in (YEAR, LATER_YEAR)} == before
    with app.state.engine.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM activities WHERE notes LIKE '%Ada%'")
        ).scalar_one()
    assert left == 0  # the kept activity entries lost the notes that named her
    # the student's own session ended with the records; the record is gone for everyone
    assert client.get("/auth/me", headers=world.headers("student")).status_code == 401
    assert client.get(f"/students/{a}", headers=admin).status_code == 404
    assert client.delete(f"/privacy/students/{a}", headers=admin).status_code == 404


@pytest.mark.parametrize("actor", ["anon", "student", "coach", "staff"])
def test_only_an_admin_exports_or_deletes_directly(
    client: TestClient, world: World, actor: str
) -> None:
    a = world.student_a
    expected = 401 if actor == "anon" else 403
    headers = world.headers(actor)
    assert client.get(f"/privacy/students/{a}/export", headers=headers).status_code == expected
    assert client.get(f"/privacy/students/{a}/export.zip", headers=headers).status_code == expected
    assert client.delete(f"/privacy/students/{a}", headers=headers).status_code == expected
    assert client.get(f"/students/{a}", headers=world.headers("admin")).status_code == 200


def test_a_coach_request_needs_an_admin_and_reaches_only_the_coach_who_asked(
    client: TestClient, app: FastAPI, world: World
) -> None:
    coach, other, admin = world.headers("coach"), world.headers("coach_b"), world.headers("admin")
    a = world.student_a
    ask = {"student_id": a, "kind": "export", "reason": "parent asked to see the records"}
    assert client.post("/privacy/requests", json=ask, headers=other).status_code == 404
    filed = client.post("/privacy/requests", json=ask, headers=coach)
    assert filed.status_code == 201 and filed.json()["status"] == "pending"
    rid = filed.json()["id"]
    assert client.post("/privacy/requests", json=ask, headers=coach).status_code == 409
    assert client.get(f"/privacy/requests/{rid}/export.zip", headers=coach).status_code == 409
    assert client.post(f"/privacy/requests/{rid}/approve", headers=coach).status_code == 403
    assert [r["id"] for r in client.get("/privacy/requests", headers=coach).json()] == [rid]
    assert client.get("/privacy/requests", headers=other).json() == []

    approved = client.post(f"/privacy/requests/{rid}/approve", headers=admin)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == world.admin
    assert client.post(f"/privacy/requests/{rid}/approve", headers=admin).status_code == 409
    assert client.get(f"/privacy/requests/{rid}/export.zip", headers=other).status_code == 404
    download = client.get(f"/privacy/requests/{rid}/export.zip", headers=coach)
    assert download.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert "students.csv" in names and "export.json" in names

    wipe = {"student_id": a, "kind": "delete", "reason": "family moved out of state"}
    refused_id = client.post("/privacy/requests", json=wipe, headers=coach).json()["id"]
    refused = client.post(f"/privacy/requests/{refused_id}/refuse", headers=admin)
    assert refused.json()["status"] == "refused"
    assert client.get(f"/students/{a}", headers=coach).status_code == 200  # nothing deleted
    again = client.post("/privacy/requests", json=wipe, headers=coach).json()["id"]
    done = client.post(f"/privacy/requests/{again}/approve", headers=admin)
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert client.get(f"/students/{a}", headers=coach).status_code == 404
    remaining = _rows_of(app, a)
    assert {t: n for t, n in remaining.items() if n and t not in KEPT} == {}


def test_bad_requests_are_refused_by_field_and_change_nothing(
    client: TestClient, world: World
) -> None:
    coach = world.headers("coach")
    for body, field in (
        ({"student_id": world.student_a, "kind": "erase", "reason": "x" * 5}, "body.kind"),
        ({"student_id": world.student_a, "kind": "export", "reason": ""}, "body.reason"),
        ({"student_id": "1", "kind": "export", "reason": "abcdef"}, "body.student_id"),
        ({"student_id": world.student_a, "kind": "export", "reason": "ok\x00k"}, "body.reason"),
    ):
        refused = client.post("/privacy/requests", json=body, headers=coach)
        assert refused.status_code == 422, body
        assert field in [e["field"] for e in refused.json()["errors"]], refused.json()
    assert client.get("/privacy/requests", headers=coach).json() == []


# --- the admin page ----------------------------------------------------------------------------


@pytest.fixture
def pages(app: FastAPI) -> Any:
    with TestClient(app, follow_redirects=False, client=LOCAL_CLIENT) as test_client:
        yield test_client


def test_the_privacy_page_is_for_admins_and_shows_the_log_and_the_student(
    pages: TestClient, client: TestClient, world: World
) -> None:
    a = world.student_a
    client.get(f"/students/{a}", headers=world.headers("coach"))
    for actor in ("coach", "staff", "student"):
        assert pages.get("/staff/privacy", headers=world.headers(actor)).status_code == 403
    assert pages.get("/staff/privacy").status_code == 303  # to sign in
    admin = world.headers("admin")
    page = pages.get("/staff/privacy", params={"student_id": a}, headers=admin)
    assert page.status_code == 200
    assert "coach_a" in page.text and "GET /students/{student_id}" in page.text
    assert 'name="csrf_token"' in page.text  # the delete form carries the form token
    assert f"/privacy/students/{a}/export.zip" in page.text and "A1" in page.text
    assert "No request is waiting" in page.text


def test_the_page_deletes_only_after_the_school_id_is_typed(
    pages: TestClient, app: FastAPI, world: World
) -> None:
    admin, a = world.headers("admin"), world.student_a
    wrong = pages.post(
        f"/staff/privacy/students/{a}/delete", data={"confirm_local_id": "B1"}, headers=admin
    )
    assert wrong.status_code == 422 and "Nothing was deleted" in wrong.text
    assert _rows_of(app, a)["students"] == 1
    right = pages.post(
        f"/staff/privacy/students/{a}/delete", data={"confirm_local_id": "A1"}, headers=admin
    )
    assert right.status_code == 303 and right.headers["location"] == "/staff/privacy?done=deleted"
    assert {t: n for t, n in _rows_of(app, a).items() if n and t not in KEPT} == {}
    gone = pages.get("/staff/privacy", params={"student_id": a}, headers=admin)
    assert 'id="no-student"' in gone.text and "DELETE" not in gone.text
    assert "POST /staff/privacy/students/{student_id}/delete" in gone.text  # still in the log


def test_the_page_decides_coach_requests(
    pages: TestClient, client: TestClient, app: FastAPI, world: World
) -> None:
    admin, a = world.headers("admin"), world.student_a
    ask = {"student_id": a, "kind": "delete", "reason": "family asked for deletion"}
    rid = client.post("/privacy/requests", json=ask, headers=world.headers("coach")).json()["id"]
    listed = pages.get("/staff/privacy", headers=admin)
    assert f"Approve request {rid}" in listed.text and "family asked for deletion" in listed.text
    unconfirmed = pages.post(
        f"/staff/privacy/requests/{rid}", data={"decision": "approve"}, headers=admin
    )
    assert unconfirmed.status_code == 422 and _rows_of(app, a)["students"] == 1
    approved = pages.post(
        f"/staff/privacy/requests/{rid}",
        data={"decision": "approve", "confirm": "yes"},
        headers=admin,
    )
    assert approved.status_code == 303 and approved.headers["location"].endswith("done=done")
    assert _rows_of(app, a)["students"] == 0
    again = pages.post(f"/staff/privacy/requests/{rid}", data={"decision": "refuse"}, headers=admin)
    assert again.status_code == 409


def test_a_coach_sends_a_request_from_the_pages_and_downloads_the_approved_export(
    pages: TestClient, client: TestClient, world: World
) -> None:
    coach, a = world.headers("coach"), world.student_a
    student_page = pages.get(f"/coach/students/{a}", headers=coach)
    assert f'href="/coach/privacy?student_id={a}"' in student_page.text
    form = pages.get("/coach/privacy", params={"student_id": a}, headers=coach)
    assert form.status_code == 200 and 'name="csrf_token"' in form.text
    assert (
        pages.get(
            "/coach/privacy", params={"student_id": world.student_b}, headers=coach
        ).status_code
        == 404
    )
    short = pages.post(
        f"/coach/students/{a}/privacy", data={"kind": "export", "reason": "x"}, headers=coach
    )
    assert short.status_code == 422 and "at least 3 characters" in short.text
    assert client.get("/privacy/requests", headers=coach).json() == []
    sent = pages.post(
        f"/coach/students/{a}/privacy",
        data={"kind": "export", "reason": "her mother asked for a copy"},
        headers=coach,
    )
    assert sent.status_code == 303
    rid = client.get("/privacy/requests", headers=coach).json()[0]["id"]
    assert sent.headers["location"] == f"/coach/privacy?filed={rid}"
    twice = pages.post(
        f"/coach/students/{a}/privacy",
        data={"kind": "export", "reason": "asked again"},
        headers=coach,
    )
    assert twice.status_code == 409 and "already waiting" in twice.text
    assert "asked again" in twice.text  # what the coach typed is kept
    listed = pages.get("/coach/privacy", headers=coach)
    assert "waiting for an admin" in listed.text
    assert f"/privacy/requests/{rid}/export.zip" not in listed.text
    client.post(f"/privacy/requests/{rid}/approve", headers=world.headers("admin"))
    listed = pages.get("/coach/privacy", headers=coach)
    assert f"/privacy/requests/{rid}/export.zip" in listed.text
    assert (
        "You have not sent any request"
        in pages.get("/coach/privacy", headers=world.headers("coach_b")).text
    )
