"""Operations: health probes, metrics by route template, body-size limit, error shape, logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.logs import JsonFormatter
from tests.service.conftest import World, make_settings


def test_livez_and_readyz_answer_ok_on_a_migrated_database(client: TestClient) -> None:
    assert client.get("/livez").json() == {"status": "ok", "checks": {}}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


def test_readyz_is_503_with_the_reason_on_an_unmigrated_database(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path)
    app = create_app(settings)
    with TestClient(app) as client:
        response = client.get("/readyz")
    app.state.engine.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "migration" in response.json()["detail"]


def test_readyz_is_503_when_the_database_cannot_be_reached(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'deeper' / 'x.sqlite3'}"
    app = create_app(make_settings(url, tmp_path))
    (tmp_path / "missing" / "deeper").rmdir()  # the folder was made at start; now it is gone
    with TestClient(app) as client:
        response = client.get("/readyz")
    app.state.engine.dispose()
    assert response.status_code == 503
    assert "unreachable" in response.json()["detail"]


def test_metrics_use_route_templates_never_raw_ids(client: TestClient, world: World) -> None:
    client.get(f"/students/{world.student_a}", headers=world.headers("coach"))
    client.get(f"/students/{world.student_b}", headers=world.headers("coach"))
    client.get("/no/such/page")
    text = client.get("/metrics").text
    assert 'route="/students/{student_id}",status="200"} 1' in text
    assert 'route="/students/{student_id}",status="404"} 1' in text
    assert 'route="unmatched",status="404"} 1' in text
    assert f"/students/{world.student_a}" not in text
    assert "# TYPE pathways_http_request_duration_seconds histogram" in text


def test_a_body_over_the_limit_is_413_with_or_without_content_length(
    client: TestClient, world: World
) -> None:
    big = b'{"code": "' + b"A" * 1_100_000 + b'"}'
    declared = client.post(
        "/auth/access-code", content=big, headers={"content-type": "application/json"}
    )
    assert declared.status_code == 413
    assert declared.headers["content-type"].startswith("application/problem+json")

    def chunks() -> object:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = client.post(
        "/auth/access-code", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/no/such/page", 404), ("DELETE", "/livez", 405), ("POST", "/auth/login", 422)],
)
def test_framework_errors_are_problem_json(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(
        method, path, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail"} and body["status"] == status


def test_request_logs_carry_the_route_template_and_no_student_data(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="service.requests"):
        client.get(f"/students/{world.student_a}", headers=world.headers("coach"))
    records = [r for r in caplog.records if r.name == "service.requests"]
    assert records
    line = JsonFormatter().format(records[-1])
    entry = json.loads(line)
    assert entry["route"] == "/students/{student_id}" and entry["status"] == 200
    assert f"/students/{world.student_a}" not in line
    assert "Ada" not in line and "A1" not in line


def test_a_domain_error_from_an_operation_is_a_page_or_problem_json_by_request(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One handler: the same operation's error is the HTML error page on a page and
    problem+json on the API, with the same status."""
    from recommender.errors import RecordConflictError
    from service import planning

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RecordConflictError("plan", "the plan is being changed elsewhere")

    monkeypatch.setattr(planning, "get_plan", refuse)
    headers = world.headers("coach")
    page = client.get(f"/coach/students/{world.student_a}", headers=headers)
    api = client.get(f"/students/{world.student_a}/plan", headers=headers)
    assert page.status_code == api.status_code == 409
    assert page.headers["content-type"].startswith("text/html")
    assert "the plan is being changed elsewhere" in page.text
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["status"] == 409
    assert "the plan is being changed elsewhere" in api.json()["detail"]
