"""``pathways catalogue build`` keeps the project's own translations beside the rebuilt data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from recommender.catalogue import (
    CATALOGUE_FILES,
    DEFAULT_CATALOGUE_DIR,
    TRANSLATION_FILES,
    load_catalogue,
)
from training import catalogue_build
from training.catalogue_build import DEFAULT_RAW_DIR, build_catalogue


def _fake_build(raw: Path, out: Path, rule: Any, step: Any) -> dict[str, Any]:
    """The committed catalogue's built files, as if just built from ``raw`` (no translations)."""
    _ = raw, rule, step
    for name in (*CATALOGUE_FILES, "manifest.json"):
        shutil.copy2(DEFAULT_CATALOGUE_DIR / name, out / name)
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return manifest


@pytest.mark.skipif(not DEFAULT_RAW_DIR.is_dir(), reason="needs the raw data folder")
def test_a_rebuild_keeps_titles_es_and_a_first_build_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalogue_build, "_build_into", _fake_build)
    out = tmp_path / "catalogue"
    build_catalogue(DEFAULT_RAW_DIR, out, progress=False)
    assert sorted(p.name for p in out.iterdir()) == sorted([*CATALOGUE_FILES, "manifest.json"])
    for name in TRANSLATION_FILES:
        shutil.copy2(DEFAULT_CATALOGUE_DIR / name, out / name)
    build_catalogue(DEFAULT_RAW_DIR, out, progress=False)
    for name in TRANSLATION_FILES:
        assert (out / name).read_bytes() == (DEFAULT_CATALOGUE_DIR / name).read_bytes()
    rebuilt = load_catalogue(out)
    assert rebuilt.titles_es == load_catalogue().titles_es
