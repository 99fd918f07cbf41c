"""Two service instances on one database agree on sessions, login throttling and the active model.

Each instance has its own engine and connection pool, as separate processes would.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.app import create_app
from service.db import session_scope
from service.settings import Settings
from service.state import get_active_model_version, set_active_model_version
from tests.service.conftest import LOCAL_CLIENT, PASSWORD, World


@pytest.fixture
def second_app(settings: Settings) -> Iterator[FastAPI]:
    other = create_app(settings)
    yield other
    other.state.engine.dispose()


@pytest.fixture
def second_client(second_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(second_app, client=LOCAL_CLIENT) as test_client:  # the same browser
        yield test_client


def test_the_instances_do_not_share_an_engine(app: FastAPI, second_app: FastAPI) -> None:
    assert app.state.engine is not second_app.state.engine


def test_a_session_opened_on_one_instance_works_and_ends_on_the_other(
    client: TestClient, second_client: TestClient, world: World
) -> None:
    token = client.post("/auth/login", json={"username": "coach_a", "password": PASSWORD}).json()[
        "token"
    ]
    headers = {"Authorization": f"Bearer {token}"}
    assert second_client.get("/auth/me", headers=headers).json()["user_id"] == world.coach_a
    assert second_client.post("/auth/logout", headers=headers).status_code == 204
    assert client.get("/auth/me", headers=headers).status_code == 401


def test_failed_sign_ins_on_both_instances_count_towards_one_delay(
    client: TestClient, second_client: TestClient, world: World
) -> None:
    body = {"username": "admin", "password": "wrong"}
    assert client.post("/auth/login", json=body).status_code == 401
    assert second_client.post("/auth/login", json=body).status_code == 401
    assert client.post("/auth/login", json=body).status_code == 401  # third failure: must wait
    good = {"username": "admin", "password": PASSWORD}
    assert second_client.post("/auth/login", json=good).status_code == 429
    assert client.post("/auth/login", json=good).status_code == 429


def test_an_access_code_spent_on_one_instance_is_spent_on_the_other(
    client: TestClient, second_client: TestClient, world: World
) -> None:
    assert client.post("/auth/access-code", json={"code": world.access_code_a}).status_code == 200
    again = second_client.post("/auth/access-code", json={"code": world.access_code_a})
    assert again.status_code == 401


def test_the_active_model_version_set_through_one_instance_is_read_by_the_other(
    app: FastAPI, second_app: FastAPI
) -> None:
    now = datetime.now(UTC)
    with session_scope(second_app.state.sessionmaker) as db:
        assert get_active_model_version(db) is None
    with session_scope(app.state.sessionmaker) as db:
        assert set_active_model_version(db, "2026.1", now=now) is None
    with session_scope(second_app.state.sessionmaker) as db:
        assert get_active_model_version(db) == "2026.1"
        assert set_active_model_version(db, "2026.2", now=now) == "2026.1"
    with session_scope(app.state.sessionmaker) as db:
        assert get_active_model_version(db) == "2026.2"
