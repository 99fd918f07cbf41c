"""The models, catalogue and instrument folders come from the settings (default: shipped data)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from recommender.catalogue import get_catalogue
from recommender.errors import CatalogueError
from recommender.instrument import list_versions, load_instrument
from recommender.shipped import data_dir, shipped_path, use_data_dirs
from service.app import create_app
from service.settings import Settings
from tests.service.conftest import make_settings


@pytest.fixture(autouse=True)
def _shipped_again() -> Iterator[None]:
    yield
    if use_data_dirs():  # back to the shipped folders for the other tests
        get_catalogue.cache_clear()


def test_by_default_the_settings_name_the_shipped_folders(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    assert settings.models_dir == shipped_path("models")
    assert settings.catalogue_dir == shipped_path("catalogue")
    assert settings.instrument_dir == shipped_path("instrument")
    assert (settings.models_dir / "registry.json").is_file()


def test_the_folders_can_be_set_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATHWAYS_MODELS_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("PATHWAYS_CATALOGUE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("PATHWAYS_INSTRUMENT_DIR", str(tmp_path / "i"))
    settings = Settings()
    assert (settings.models_dir, settings.catalogue_dir, settings.instrument_dir) == (
        tmp_path / "m",
        tmp_path / "c",
        tmp_path / "i",
    )


def test_the_app_serves_from_the_folders_its_settings_name(
    settings: Settings, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    shutil.copytree(shipped_path("models"), models)
    instrument = tmp_path / "instrument"  # a copy whose current version only it has
    shutil.copytree(shipped_path("instrument"), instrument)
    shipped = json.loads((instrument / "versions.json").read_text(encoding="utf-8"))
    shutil.copytree(instrument / shipped["current"], instrument / "2099.1")
    structure = json.loads((instrument / "2099.1" / "instrument.json").read_text("utf-8"))
    structure["version"] = "2099.1"
    (instrument / "2099.1" / "instrument.json").write_text(json.dumps(structure), "utf-8")
    versions = {"current": "2099.1", "versions": [*shipped["versions"], "2099.1"]}
    (instrument / "versions.json").write_text(json.dumps(versions), encoding="utf-8")
    missing_catalogue = tmp_path / "no-catalogue"
    app = create_app(
        make_settings(
            settings.resolved_database_url(),
            tmp_path,
            models_dir=models,
            instrument_dir=instrument,
            catalogue_dir=missing_catalogue,
        )
    )
    try:
        assert app.state.models.models_dir == models
        assert data_dir("instrument") == instrument.resolve()
        assert list_versions()[-1] == "2099.1"
        assert load_instrument().version == "2099.1"
        with pytest.raises(CatalogueError) as caught:  # read from the settings' folder, not data/
            get_catalogue()
        assert str(missing_catalogue) in str(caught.value)
    finally:
        app.state.engine.dispose()
