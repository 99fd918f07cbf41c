"""Model artefacts are served only as training wrote them: every file the manifest lists is checked
against its SHA-256 when a version loads (issue 12, item 16).

Each test copies the shipped version into a temporary models folder and tampers with the copy;
``models/`` itself is never touched.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from recommender.errors import ModelArtifactError
from recommender.model import DEFAULT_MODELS_DIR, verify_model_files
from service.settings import Settings
from tests.service.conftest import build_world
from tests.service.test_models_api import (
    SHIPPED,
    add_version,
    app_on_models,
    make_models_dir,
)
from tests.service.test_recommendations import make_profile, submit_profile

SHIPPED_VERSIONS = sorted(p.name for p in DEFAULT_MODELS_DIR.iterdir() if p.is_dir())


@pytest.mark.parametrize("version", SHIPPED_VERSIONS)
def test_every_shipped_version_matches_its_manifest(version: str) -> None:
    listed = verify_model_files(DEFAULT_MODELS_DIR / version)
    assert "model.onnx" in listed
    assert "policy.json" in listed


def _times_100(folder: Path) -> None:
    policy = json.loads((folder / "policy.json").read_text())
    policy["ranking"] = {
        k: v * 100 if isinstance(v, float) else v for k, v in policy["ranking"].items()
    }
    (folder / "policy.json").write_text(json.dumps(policy))


def _serve(settings: Settings, models_dir: Path) -> tuple[int, str, int, str]:
    """Start an app on ``models_dir``: /readyz status and detail (empty when ready), a
    recommendation's status and detail."""
    with app_on_models(settings, models_dir) as app, TestClient(app) as client:
        world = build_world(app)
        submit_profile(app, world.student_a, make_profile())
        ready = client.get("/readyz")
        rec = client.get(
            f"/students/{world.student_a}/recommendations", headers=world.headers("coach")
        )
    return ready.status_code, ready.json().get("detail", ""), rec.status_code, rec.text


def test_an_untouched_copy_is_served(settings: Settings, tmp_path: Path) -> None:
    ready, _, rec, rec_text = _serve(settings, make_models_dir(tmp_path))
    assert ready == 200
    assert rec == 200
    assert json.loads(rec_text)["model_version"] == SHIPPED


def test_an_edited_policy_is_refused_and_readyz_names_it(
    settings: Settings, tmp_path: Path
) -> None:
    models_dir = make_models_dir(tmp_path)
    _times_100(models_dir / SHIPPED)
    ready, detail, rec, rec_text = _serve(settings, models_dir)
    assert ready == 503
    assert "policy.json" in detail and "does not match the manifest" in detail
    assert rec == 503
    assert "policy.json" in rec_text


def test_a_deleted_policy_is_refused_not_replaced_by_defaults(
    settings: Settings, tmp_path: Path
) -> None:
    models_dir = make_models_dir(tmp_path)
    (models_dir / SHIPPED / "policy.json").unlink()
    ready, detail, rec, _ = _serve(settings, models_dir)
    assert ready == 503
    assert "policy.json" in detail and "missing" in detail
    assert rec == 503


def test_a_missing_manifest_is_refused(settings: Settings, tmp_path: Path) -> None:
    models_dir = make_models_dir(tmp_path)
    (models_dir / SHIPPED / "manifest.json").unlink()
    ready, detail, rec, _ = _serve(settings, models_dir)
    assert ready == 503
    assert "manifest.json" in detail
    assert rec == 503


@pytest.mark.parametrize("name", ["model.onnx", "typical_fit.json", "calibration.json", "card.md"])
def test_any_changed_listed_file_is_named(tmp_path: Path, name: str) -> None:
    models_dir = make_models_dir(tmp_path)
    file = models_dir / SHIPPED / name
    file.write_bytes(file.read_bytes() + b" ")
    with pytest.raises(ModelArtifactError) as caught:
        verify_model_files(models_dir / SHIPPED)
    assert caught.value.file == str(file)


def test_a_loaded_file_missing_from_the_listing_is_refused(tmp_path: Path) -> None:
    models_dir = make_models_dir(tmp_path)
    folder = models_dir / SHIPPED
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"]["policy.json"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelArtifactError) as caught:
        verify_model_files(folder)
    assert caught.value.file == str(folder / "policy.json")
    assert "not listed" in caught.value.reason


def test_promoting_a_tampered_version_is_refused_even_when_forced(
    settings: Settings, tmp_path: Path
) -> None:
    models_dir = make_models_dir(tmp_path)
    candidate = add_version(models_dir, "2026.9-edited", ndcg_delta=0.01)
    _times_100(candidate)
    with app_on_models(settings, models_dir) as app, TestClient(app) as client:
        world = build_world(app)
        refused = client.post(
            "/models/2026.9-edited/promote",
            json={"force": True, "reason": "try it"},
            headers=world.headers("staff"),
        )
        ready = client.get("/readyz")
    assert refused.status_code == 409
    assert "policy.json" in refused.text
    assert ready.status_code == 200  # the shipped version keeps serving
