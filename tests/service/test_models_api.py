"""Model versions for staff: listing, detail with card, guarded promotion, rollback, events.

The tests work on a private models folder built from the shipped version, so nothing under
models/ changes; a second version is the same model with its own name and metrics.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import onnx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from recommender.model import DEFAULT_MODELS_DIR, read_active_version
from service.app import create_app
from service.db import session_scope
from service.recommending import ModelHolder
from service.settings import Settings
from service.state import get_active_model_version
from service.tables import ModelEvent
from tests.benchmark_results import benchmarks
from tests.service.conftest import World, build_world

SHIPPED = read_active_version()


def add_version(
    models_dir: Path,
    name: str,
    *,
    ndcg_delta: float = 0.0,
    parity: bool = True,
    meets_benchmarks: bool = True,
) -> Path:
    """Copy the shipped version as ``name`` (ONNX metadata renamed), every NDCG@10 shifted; with
    ``meets_benchmarks`` its benchmark results meet every guard limit (tests.benchmark_results),
    which the shipped version's own do not."""
    folder = models_dir / name
    shutil.copytree(DEFAULT_MODELS_DIR / SHIPPED, folder)
    model = onnx.load(str(folder / "model.onnx"))
    for prop in model.metadata_props:
        if prop.key == "version":
            prop.value = name
    onnx.save(model, str(folder / "model.onnx"))
    metrics = json.loads((folder / "metrics.json").read_text())
    evaluated = metrics["evaluation"]["model"]
    evaluated["overall"]["ndcg@10"]["mean"] += ndcg_delta
    for group in evaluated.get("subgroups", {}).values():
        for entry in group.values():
            if entry.get("ndcg@10", {}).get("mean") is not None:
                entry["ndcg@10"]["mean"] += ndcg_delta
    metrics["parity"] = {**metrics.get("parity", {}), "passed": parity}
    if meets_benchmarks:
        metrics["benchmarks"] = benchmarks()
    (folder / "metrics.json").write_text(json.dumps(metrics))
    rewrite_manifest(folder)
    return folder


def rewrite_manifest(folder: Path) -> None:
    """Record the current SHA-256 of every listed file in ``folder``'s manifest, as training
    does after writing a version (the service refuses a version whose files differ)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"] = {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in manifest["files"]
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))


def make_models_dir(root: Path) -> Path:
    """A models folder holding the shipped version, named active by its registry.json."""
    models_dir = root / "models"
    models_dir.mkdir()
    shutil.copytree(DEFAULT_MODELS_DIR / SHIPPED, models_dir / SHIPPED)
    (models_dir / "registry.json").write_text(json.dumps({"active": SHIPPED, "history": []}))
    return models_dir


def use_models_dir(app: FastAPI, models_dir: Path, check_seconds: float = 1.0) -> FastAPI:
    """Point an app (before start-up) at another models folder."""
    app.state.models = ModelHolder(models_dir, check_seconds=check_seconds)
    return app


@contextmanager
def app_on_models(settings: Settings, models_dir: Path) -> Iterator[FastAPI]:
    """An app on ``settings`` serving ``models_dir``; its database engine is disposed after."""
    application = use_models_dir(create_app(settings), models_dir)
    try:
        yield application
    finally:
        application.state.engine.dispose()


def candidate_models_dir(root: Path) -> Path:
    """The shipped version and three candidates: better and worse on NDCG@10, and a better one
    that failed the ONNX parity check."""
    folder = make_models_dir(root)
    add_version(folder, "2026.2-better", ndcg_delta=0.01)
    add_version(folder, "2026.3-worse", ndcg_delta=-0.05)
    add_version(folder, "2026.4-noparity", ndcg_delta=0.02, parity=False)
    return folder


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return candidate_models_dir(tmp_path)


@pytest.fixture
def staff_app(settings: Settings, models_dir: Path) -> Iterator[FastAPI]:
    with app_on_models(settings, models_dir) as application:
        yield application


@pytest.fixture
def staff_client(staff_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(staff_app) as test_client:
        yield test_client


@pytest.fixture
def staff_world(staff_app: FastAPI) -> World:
    return build_world(staff_app)


def events(app: FastAPI) -> list[dict[str, Any]]:
    with session_scope(app.state.sessionmaker) as db:
        rows = db.execute(select(ModelEvent).order_by(ModelEvent.id)).scalars()
        return [
            {
                "action": e.action,
                "version": e.version,
                "replaced": e.replaced,
                "forced": e.forced,
                "reason": e.reason,
                "failed_checks": e.failed_checks,
                "by_user": e.by_user,
            }
            for e in rows
        ]


def active(app: FastAPI) -> str | None:
    with session_scope(app.state.sessionmaker) as db:
        return get_active_model_version(db)


def test_first_start_takes_the_active_version_from_the_registry(
    staff_app: FastAPI, staff_client: TestClient
) -> None:
    assert active(staff_app) == SHIPPED
    assert staff_app.state.models.status().serving == SHIPPED
    assert [e["action"] for e in events(staff_app)] == ["initialise"]
    ready = staff_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["model"] == SHIPPED


def test_staff_list_versions_with_metrics_and_guard_results(
    staff_client: TestClient, staff_world: World
) -> None:
    body = staff_client.get("/models", headers=staff_world.headers("staff")).json()
    assert body["active"] == body["serving"] == SHIPPED
    by_name = {v["version"]: v for v in body["versions"]}
    assert set(by_name) == {SHIPPED, "2026.2-better", "2026.3-worse", "2026.4-noparity"}
    assert by_name[SHIPPED]["active"] and by_name[SHIPPED]["serving"]
    assert by_name["2026.2-better"]["ndcg_at_10"] == pytest.approx(
        by_name[SHIPPED]["ndcg_at_10"] + 0.01
    )
    assert by_name["2026.2-better"]["failed_checks"] == []
    assert any("below the active" in c for c in by_name["2026.3-worse"]["failed_checks"])
    assert any("parity" in c for c in by_name["2026.4-noparity"]["failed_checks"])


def test_a_version_detail_carries_its_metrics_and_card(
    staff_client: TestClient, staff_world: World
) -> None:
    response = staff_client.get(f"/models/{SHIPPED}", headers=staff_world.headers("admin"))
    assert response.status_code == 200
    body = response.json()
    card = (DEFAULT_MODELS_DIR / SHIPPED / "card.md").read_text(encoding="utf-8")
    assert body["card_markdown"] == card
    metrics = json.loads((DEFAULT_MODELS_DIR / SHIPPED / "metrics.json").read_text())
    assert body["metrics"] == metrics
    missing = staff_client.get("/models/2099.9-none", headers=staff_world.headers("admin"))
    assert missing.status_code == 404


def test_a_better_version_is_promoted_served_and_recorded(
    staff_app: FastAPI, staff_client: TestClient, staff_world: World
) -> None:
    response = staff_client.post(
        "/models/2026.2-better/promote", json={}, headers=staff_world.headers("staff")
    )
    assert response.status_code == 200, response.text
    assert response.json()["replaced"] == SHIPPED
    assert active(staff_app) == "2026.2-better"
    assert staff_app.state.models.status().serving == "2026.2-better"
    last = events(staff_app)[-1]
    assert last["action"] == "promote" and not last["forced"]
    assert last["by_user"] == staff_world.staff
    assert staff_client.get("/readyz").json()["checks"]["model"] == "2026.2-better"


@pytest.mark.parametrize(
    ("version", "expected"),
    [("2026.3-worse", "below the active"), ("2026.4-noparity", "parity check")],
)
def test_a_failing_version_is_refused_with_a_409_listing_the_check(
    staff_app: FastAPI,
    staff_client: TestClient,
    staff_world: World,
    version: str,
    expected: str,
) -> None:
    response = staff_client.post(
        f"/models/{version}/promote",
        json={"force": False},
        headers=staff_world.headers("staff"),
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert expected in response.json()["detail"]
    assert active(staff_app) == SHIPPED
    assert [e["action"] for e in events(staff_app)] == ["initialise"]


def test_forcing_needs_a_reason_and_is_recorded_with_the_failed_checks(
    staff_app: FastAPI, staff_client: TestClient, staff_world: World
) -> None:
    url = "/models/2026.3-worse/promote"
    headers = staff_world.headers("admin")
    blank = staff_client.post(url, json={"force": True, "reason": "  "}, headers=headers)
    assert blank.status_code == 409
    assert "needs a reason" in blank.json()["detail"]
    forced = staff_client.post(
        url, json={"force": True, "reason": "regional retrain"}, headers=headers
    )
    assert forced.status_code == 200, forced.text
    last = events(staff_app)[-1]
    assert last["forced"] and last["reason"] == "regional retrain"
    assert any("below the active" in c for c in last["failed_checks"])
    assert active(staff_app) == "2026.3-worse"


def test_a_corrupt_version_is_refused_even_when_forced(
    staff_app: FastAPI, staff_client: TestClient, staff_world: World, models_dir: Path
) -> None:
    broken = add_version(models_dir, "2026.5-broken", ndcg_delta=0.03)
    (broken / "model.onnx").write_bytes(b"not an onnx model")
    response = staff_client.post(
        "/models/2026.5-broken/promote",
        json={"force": True, "reason": "try it"},
        headers=staff_world.headers("staff"),
    )
    assert response.status_code == 409
    assert "cannot be loaded" in response.json()["detail"]
    assert active(staff_app) == SHIPPED
    assert staff_app.state.models.status().serving == SHIPPED
    assert staff_client.get("/readyz").status_code == 200


def test_rollback_returns_to_the_replaced_version_and_needs_a_reason(
    staff_app: FastAPI, staff_client: TestClient, staff_world: World
) -> None:
    headers = staff_world.headers("staff")
    nothing = staff_client.post("/models/rollback", json={"reason": "x"}, headers=headers)
    assert nothing.status_code == 409
    assert "no earlier version" in nothing.json()["detail"]
    staff_client.post("/models/2026.2-better/promote", json={}, headers=headers)
    blank = staff_client.post("/models/rollback", json={"reason": " "}, headers=headers)
    assert blank.status_code == 409
    done = staff_client.post("/models/rollback", json={"reason": "odd results"}, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["version"] == SHIPPED
    assert done.json()["replaced"] == "2026.2-better"
    assert active(staff_app) == SHIPPED
    assert staff_app.state.models.status().serving == SHIPPED
    listed = staff_client.get("/models", headers=headers).json()["events"]
    assert [e["action"] for e in listed] == ["rollback", "promote", "initialise"]


def test_promoting_the_active_version_is_a_conflict(
    staff_client: TestClient, staff_world: World
) -> None:
    response = staff_client.post(
        f"/models/{SHIPPED}/promote", json={}, headers=staff_world.headers("staff")
    )
    assert response.status_code == 409
    assert "already the active version" in response.json()["detail"]
