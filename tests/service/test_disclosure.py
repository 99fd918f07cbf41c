"""The disclosure log (issue 12 item 21): who read or changed which student's record, when, and
through which route, for API and page routes alike; readable by admins only, paginated and
filterable; never in the normal logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.service.conftest import World


def _log(app: FastAPI) -> list[dict[str, Any]]:
    with app.state.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT student_id, user_id, role, action, method, route, at FROM disclosures "
                "ORDER BY id"
            )
        ).mappings()
        return [dict(r) for r in rows]


def test_reads_and_changes_of_a_record_are_logged_with_who_when_and_route(
    client: TestClient, app: FastAPI, world: World
) -> None:
    coach, admin = world.headers("coach"), world.headers("admin")
    a = world.student_a
    assert client.get(f"/students/{a}", headers=coach).status_code == 200
    plan = {"chosen_pathways": [], "next_steps": [], "notes": "call home"}
    assert client.put(f"/students/{a}/plan", json=plan, headers=coach).status_code == 200
    assert client.get(f"/assessments/{world.assessment_a}", headers=admin).status_code == 200
    assert client.get(f"/students/{a}/outcomes", headers=admin).status_code == 200
    assert client.get(f"/coach/students/{a}", headers=coach).status_code == 200  # a page
    entries = [
        (e["student_id"], e["user_id"], e["role"], e["action"], e["method"], e["route"])
        for e in _log(app)
    ]
    assert entries == [
        (a, world.coach_a, "coach", "read", "GET", "/students/{student_id}"),
        (a, world.coach_a, "coach", "change", "PUT", "/students/{student_id}/plan"),
        (a, world.admin, "admin", "read", "GET", "/assessments/{assessment_id}"),
        (a, world.admin, "admin", "read", "GET", "/students/{student_id}/outcomes"),
        (a, world.coach_a, "coach", "read", "GET", "/coach/students/{student_id}"),
    ]
    assert all(e["at"] is not None for e in _log(app))


def test_refused_requests_and_a_student_reading_their_own_record_are_not_disclosures(
    client: TestClient, app: FastAPI, world: World
) -> None:
    a = world.student_a
    assert client.get(f"/students/{a}", headers=world.headers("coach_b")).status_code == 404
    assert client.get(f"/students/{a}", headers=world.headers("staff")).status_code == 403
    own = client.get(f"/assessments/{world.assessment_a}", headers=world.headers("student"))
    assert own.status_code == 200
    assert _log(app) == []


def test_the_log_is_for_admins_newest_first_paginated_and_filtered_by_student(
    client: TestClient, world: World
) -> None:
    coach, admin = world.headers("coach"), world.headers("admin")
    for _ in range(3):
        client.get(f"/students/{world.student_a}", headers=coach)
    client.get(f"/students/{world.student_b}", headers=admin)
    for actor, status in (("anon", 401), ("student", 403), ("coach", 403), ("staff", 403)):
        assert (
            client.get("/privacy/disclosures", headers=world.headers(actor)).status_code == status
        )
    everything = client.get("/privacy/disclosures", headers=admin).json()
    assert everything["total"] == 4
    assert everything["entries"][0]["student_id"] == world.student_b  # the newest
    first = client.get("/privacy/disclosures", params={"per_page": 3}, headers=admin).json()
    second = client.get(
        "/privacy/disclosures", params={"per_page": 3, "page": 2}, headers=admin
    ).json()
    assert (first["pages"], len(first["entries"]), len(second["entries"])) == (2, 3, 1)
    ids = [e["id"] for e in first["entries"] + second["entries"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    only_a = client.get(
        "/privacy/disclosures", params={"student_id": world.student_a}, headers=admin
    ).json()
    assert only_a["total"] == 3
    assert {e["student_id"] for e in only_a["entries"]} == {world.student_a}
    for bad in ({"page": 0}, {"per_page": 1000}, {"student_id": "x"}):
        refused = client.get("/privacy/disclosures", params=bad, headers=admin)
        assert refused.status_code == 422, bad
        assert refused.json()["errors"][0]["field"].startswith("query.")


def test_the_log_stays_out_of_the_normal_logs(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    a = world.student_a
    client.get(f"/students/{a}", headers=world.headers("coach"))
    client.get(f"/privacy/disclosures?student_id={a}", headers=world.headers("admin"))
    client.get(f"/privacy/students/{a}/export", headers=world.headers("admin"))
    server = [r for r in caplog.records if not r.name.startswith("httpx")]  # not the test client
    assert server
    for record in server:
        said = " ".join(str(v) for v in vars(record).values())
        assert "disclosure" not in record.getMessage().lower()
        for identifier in ("Ada", "coach_a", "A1", f"/students/{a}", f"student_id={a}"):
            assert identifier not in said, (record.name, record.getMessage())
