"""The one settings object: read from PATHWAYS_* variables on demand, every field documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from service.settings import REPO_ROOT, Settings, get_settings

DOC = REPO_ROOT / "docs" / "service.md"


def test_settings_come_from_prefixed_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATHWAYS_PORT", "9001")
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("PORT", "1")  # unprefixed variables are ignored
    settings = Settings()
    assert settings.port == 9001
    assert settings.resolved_database_url() == "postgresql+psycopg://u@h/db"


def test_default_database_is_a_sqlite_file_under_var(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path / 'pathways.sqlite3'}"
    assert not (tmp_path / "pathways.sqlite3").exists()  # nothing is created by settings


def test_a_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_PORT", "0")
    with pytest.raises(ValidationError) as exc:
        Settings()
    assert exc.value.errors()[0]["loc"] == ("port",)


def test_get_settings_is_cached_until_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("PATHWAYS_WORKERS", "3")
    first = get_settings()
    monkeypatch.setenv("PATHWAYS_WORKERS", "5")
    assert get_settings() is first and first.workers == 3
    get_settings.cache_clear()
    assert get_settings().workers == 5
    get_settings.cache_clear()


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"PATHWAYS_{name.upper()}" not in text]
    assert missing == []
