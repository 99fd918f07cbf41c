"""Staff model pages switch versions through the guarded promotion and rollback of the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.settings import Settings
from tests.service.conftest import World, build_world
from tests.service.test_models_api import (
    SHIPPED,
    active,
    add_version,
    app_on_models,
    events,
    make_models_dir,
)


@pytest.fixture
def staff_app(settings: Settings, tmp_path: Path) -> Iterator[FastAPI]:
    folder = make_models_dir(tmp_path)
    add_version(folder, "2026.2-better", ndcg_delta=0.01)
    add_version(folder, "2026.3-worse", ndcg_delta=-0.05)
    with app_on_models(settings, folder) as application:
        yield application


@pytest.fixture
def page_client(staff_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(staff_app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def staff(staff_app: FastAPI) -> dict[str, str]:
    world: World = build_world(staff_app)
    return world.headers("staff")


def _switch(client: TestClient, headers: dict[str, str], **form: str) -> object:
    return client.post("/staff/models/switch", data=form, headers=headers)


def test_a_version_failing_the_guard_is_refused_with_the_failed_checks_listed(
    staff_app: FastAPI, page_client: TestClient, staff: dict[str, str]
) -> None:
    confirm = page_client.get("/staff/models/2026.3-worse/promote", headers=staff)
    assert confirm.status_code == 200
    assert 'id="failed-checks"' in confirm.text and "NDCG@10" in confirm.text
    refused = page_client.post(
        "/staff/models/switch",
        data={"action": "promote", "version": "2026.3-worse", "reason": "try", "confirm": "yes"},
        headers=staff,
    )
    assert refused.status_code == 409
    assert 'id="switch-refused"' in refused.text and "below the active" in refused.text
    assert active(staff_app) == SHIPPED
    assert [e["action"] for e in events(staff_app)] == ["initialise"]


def test_forced_promotion_records_the_failed_checks_and_rollback_returns(
    staff_app: FastAPI, page_client: TestClient, staff: dict[str, str]
) -> None:
    form = {"action": "promote", "version": "2026.3-worse", "confirm": "yes", "force": "yes"}
    done = page_client.post(
        "/staff/models/switch", data={**form, "reason": "pilot in one district"}, headers=staff
    )
    assert done.status_code == 303 and done.headers["location"] == "/staff?done=promote"
    assert active(staff_app) == "2026.3-worse"
    assert staff_app.state.models.status().serving == "2026.3-worse"
    promoted = events(staff_app)[-1]
    assert promoted["forced"] and promoted["failed_checks"]
    assert promoted["reason"] == "pilot in one district"

    page = page_client.get("/staff", headers=staff)
    assert 'id="model-events"' in page.text and "pilot in one district" in page.text
    assert 'href="/staff/rollback"' in page.text
    assert "2026.3-worse" in page_client.get("/staff/rollback", headers=staff).text
    back = page_client.post(
        "/staff/models/switch",
        data={"action": "rollback", "version": SHIPPED, "reason": "worse", "confirm": "yes"},
        headers=staff,
    )
    assert back.status_code == 303
    assert active(staff_app) == SHIPPED
    assert events(staff_app)[-1]["action"] == "rollback"


def test_a_switch_needs_a_reason_and_the_confirmation(
    staff_app: FastAPI, page_client: TestClient, staff: dict[str, str]
) -> None:
    base = {"action": "promote", "version": "2026.2-better"}
    no_tick = page_client.post(
        "/staff/models/switch", data={**base, "reason": "better"}, headers=staff
    )
    assert no_tick.status_code == 422 and "confirmation box" in no_tick.text
    no_reason = page_client.post(
        "/staff/models/switch", data={**base, "confirm": "yes"}, headers=staff
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    assert active(staff_app) == SHIPPED
    ok = page_client.post(
        "/staff/models/switch", data={**base, "confirm": "yes", "reason": "better"}, headers=staff
    )
    assert ok.status_code == 303 and active(staff_app) == "2026.2-better"
    assert not events(staff_app)[-1]["forced"]
