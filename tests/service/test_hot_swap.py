"""Hot swap: every process follows the database pointer, loads first, swaps, never fails a request.

Two app instances on one database stand for two processes (each has its own engine and model
holder); the holders read the pointer on every request here (``check_seconds=0``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.app import create_app
from service.db import session_scope
from service.recommending import LoadedModel, ModelHolder, ModelStatus
from service.settings import Settings
from service.state import get_active_model_version, set_active_model_version
from tests.service.conftest import World, build_world
from tests.service.test_models_api import SHIPPED, add_version, make_models_dir, use_models_dir
from tests.service.test_recommendations import make_profile, submit_profile

NEW = "2026.2-next"


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    folder = make_models_dir(tmp_path)
    add_version(folder, NEW, ndcg_delta=0.01)
    return folder


def _app(settings: Settings, models_dir: Path) -> FastAPI:
    return use_models_dir(create_app(settings), models_dir, check_seconds=0.0)


@pytest.fixture
def first(settings: Settings, models_dir: Path) -> Iterator[FastAPI]:
    app = _app(settings, models_dir)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def second(settings: Settings, models_dir: Path) -> Iterator[FastAPI]:
    app = _app(settings, models_dir)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def pair(first: FastAPI, second: FastAPI) -> Iterator[tuple[TestClient, TestClient, World]]:
    with TestClient(first) as one, TestClient(second) as two:
        world = build_world(first)
        submit_profile(first, world.student_a, make_profile())
        yield one, two, world


def _recommend(client: TestClient, world: World, **params: Any) -> Any:
    return client.get(
        f"/students/{world.student_a}/recommendations",
        params=params,
        headers=world.headers("coach"),
    )


def test_a_promotion_on_one_instance_is_served_by_the_other(
    pair: tuple[TestClient, TestClient, World], second: FastAPI
) -> None:
    one, two, world = pair
    assert _recommend(two, world).json()["model_version"] == SHIPPED
    promoted = one.post(f"/models/{NEW}/promote", json={}, headers=world.headers("staff"))
    assert promoted.status_code == 200, promoted.text
    assert second.state.models.status().serving == SHIPPED  # not yet asked
    body = _recommend(two, world).json()
    assert body["model_version"] == NEW
    assert body["stored"]  # a new model stores a new default result
    assert two.get("/readyz").json()["checks"]["model"] == NEW
    rolled = two.post("/models/rollback", json={"reason": "check"}, headers=world.headers("staff"))
    assert rolled.status_code == 200
    assert _recommend(one, world).json()["model_version"] == SHIPPED


def test_no_request_fails_while_versions_swap_under_load(
    pair: tuple[TestClient, TestClient, World],
) -> None:
    one, two, world = pair
    staff = world.headers("staff")
    # FastAPI builds each route's parameter models on its first request, inside a
    # warnings.catch_warnings() block; that block is process-global and not thread-safe, so with
    # warnings as errors a first request racing other threads can fail. Warm every route first.
    assert _recommend(two, world).status_code == _recommend(two, world, k=3).status_code == 200
    assert one.post(f"/models/{NEW}/promote", json={}, headers=staff).status_code == 200
    assert one.post("/models/rollback", json={"reason": "warm"}, headers=staff).status_code == 200
    assert _recommend(one, world).status_code == 200
    statuses: list[int] = []
    versions: set[str] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def hammer(what_if: bool) -> None:
        try:
            while not stop.is_set():
                response = _recommend(two, world, k=3) if what_if else _recommend(two, world)
                statuses.append(response.status_code)
                if response.status_code == 200:
                    versions.add(response.json()["model_version"])
        except BaseException as exc:  # a crash in a worker must fail the test, not vanish
            errors.append(exc)

    workers = [threading.Thread(target=hammer, args=(i % 2 == 0,)) for i in range(4)]
    for worker in workers:
        worker.start()
    try:
        for _ in range(4):
            assert one.post(f"/models/{NEW}/promote", json={}, headers=staff).status_code == 200
            _recommend(one, world)
            rolled = one.post("/models/rollback", json={"reason": "swap test"}, headers=staff)
            assert rolled.status_code == 200
            _recommend(one, world)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    assert not errors
    assert statuses and set(statuses) == {200}
    assert versions <= {SHIPPED, NEW}


def test_a_corrupt_version_named_by_the_pointer_keeps_the_last_good_model_serving(
    pair: tuple[TestClient, TestClient, World], models_dir: Path
) -> None:
    one, two, world = pair
    assert _recommend(two, world).json()["model_version"] == SHIPPED
    assert one.post(f"/models/{NEW}/promote", json={}, headers=world.headers("staff")).is_success
    (models_dir / NEW / "model.onnx").write_bytes(b"truncated")  # broken after the promotion
    served = _recommend(two, world)
    assert served.status_code == 200
    assert served.json()["model_version"] == SHIPPED
    ready = two.get("/readyz")
    assert ready.status_code == 503
    detail = ready.json()["detail"]
    assert NEW in detail and "cannot be loaded" in detail and f"still serving {SHIPPED}" in detail
    assert one.get("/readyz").status_code == 200  # the promoting process loaded it before


def test_a_missing_model_at_start_gives_503_with_the_reason(
    settings: Settings, tmp_path: Path
) -> None:
    models_dir = make_models_dir(tmp_path)
    (models_dir / "registry.json").write_text(json.dumps({"active": "2026.9-gone"}))
    app = use_models_dir(create_app(settings), models_dir)
    with TestClient(app) as client:
        world = build_world(app)
        submit_profile(app, world.student_a, make_profile())
        ready = client.get("/readyz")
        response = _recommend(client, world)
    app.state.engine.dispose()
    assert ready.status_code == 503
    assert "2026.9-gone" in ready.json()["detail"]
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "2026.9-gone" in response.json()["detail"]


class _GatedHolder(ModelHolder):
    """A holder whose loads wait at a gate after loading, so a test can look mid-swap."""

    def __init__(self, models_dir: Path) -> None:
        super().__init__(models_dir, check_seconds=0.0)
        self.gate = threading.Event()
        self.loading = threading.Event()

    def prepare(self, version: str) -> LoadedModel:
        loaded = super().prepare(version)
        if version == NEW:
            self.loading.set()
            self.gate.wait(timeout=30)
        return loaded


def test_requests_keep_the_old_model_while_a_new_one_loads_then_see_the_new_one(
    first: FastAPI, models_dir: Path
) -> None:
    factory = first.state.sessionmaker
    holder = _GatedHolder(models_dir)
    holder.start(factory)
    assert holder.status().serving == SHIPPED
    with session_scope(factory) as db:
        set_active_model_version(db, NEW, now=datetime.now(UTC))
    seen: list[str] = []

    def request() -> None:
        with factory() as db:
            seen.append(holder.get(db).version)

    loader = threading.Thread(target=request)
    loader.start()
    assert holder.loading.wait(timeout=30)
    request()  # meanwhile: answered at once by the current model
    assert seen == [SHIPPED]
    holder.gate.set()
    loader.join(timeout=30)
    assert seen == [SHIPPED, NEW]
    assert holder.status() == ModelStatus(serving=NEW, wanted=NEW, problem=None)


def test_the_pointer_is_read_at_most_once_per_check_interval_and_a_cli_switch_is_followed(
    first: FastAPI, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many requests within a second read the pointer once; a promotion made elsewhere (the
    command line's ``model_ops`` call, no holder involved) is served after the next read."""
    import service.recommending as recommending
    from service.model_ops import promote_model

    factory = first.state.sessionmaker
    now = [100.0]
    holder = ModelHolder(models_dir, check_seconds=1.0, clock=lambda: now[0])
    holder.start(factory)
    reads: list[str | None] = []
    real_read = get_active_model_version

    def counted(db: Any, **options: Any) -> str | None:
        reads.append(value := real_read(db, **options))
        return value

    monkeypatch.setattr(recommending, "get_active_model_version", counted)
    with session_scope(factory) as db:
        promote_model(
            db, models_dir, NEW, force=False, reason=None, by_user=None, now=datetime.now(UTC)
        )

    def served() -> str:
        with factory() as db:
            return holder.get(db).version

    assert {served() for _ in range(50)} == {SHIPPED} and reads == []  # read at start only
    now[0] += 0.99
    assert served() == SHIPPED and reads == []
    now[0] += 0.02
    assert served() == NEW and reads == [NEW]
    assert {served() for _ in range(50)} == {NEW} and reads == [NEW]
