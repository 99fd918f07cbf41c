"""The catalogue build: helpers, command line, determinism, reproducing the committed data."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recommender.catalogue import CATALOGUE_FILES, DEFAULT_CATALOGUE_DIR, load_catalogue
from service.cli import main
from training.catalogue_build import (
    DEFAULT_RAW_DIR,
    RAW_FILES,
    _fmt,
    _impute_by_family,
    _slug,
    _write_tsv,
    build_catalogue,
)

RAW = DEFAULT_RAW_DIR
shared = pytest.mark.shared


def test_fixed_formatting_and_blank_nan() -> None:
    assert _fmt(1.005, 2) in ("1.00", "1.01")
    assert _fmt(3.0, 2) == "3.00"
    assert _fmt(-0.0001, 2) == "0.00"
    assert _fmt(math.nan, 2) == ""
    assert _fmt(12345.6, 0) == "12346"


def test_slug_is_readable_and_stable() -> None:
    assert _slug("Agriculture, Food & Natural Resources") == "agriculture-food-natural-resources"
    assert _slug("Design/Pre-Construction") == "design-pre-construction"


def test_impute_uses_the_nearest_family_first() -> None:
    codes = ["15-1299.01", "15-1299.02", "15-1211.00", "15-1299.08", "29-1141.00"]
    values = np.array([[0.2], [0.4], [0.9], [np.nan], [0.5]])
    filled, imputed = _impute_by_family(codes, values)
    assert filled[3, 0] == pytest.approx(0.3)  # same 6-digit SOC 15-1299
    assert imputed.tolist() == [False, False, False, True, False]
    lonely = np.array([[np.nan], [0.1], [0.7], [0.4], [0.5]])
    filled, _ = _impute_by_family(
        ["15-1211.01", "15-1221.00", "15-1211.00", "11-1011.00", "x"], lonely
    )
    assert filled[0, 0] == pytest.approx(0.7)


def test_tsv_writer_refuses_tabs_and_ragged_rows(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        _write_tsv(tmp_path / "a.tsv", ("x", "y"), [["1", "a\tb"]])
    with pytest.raises(ValueError):
        _write_tsv(tmp_path / "b.tsv", ("x", "y"), [["1"]])
    assert _write_tsv(tmp_path / "c.tsv", ("x", "y"), [["1", "2"]]) == 1
    assert (tmp_path / "c.tsv").read_bytes() == b"x\ty\n1\t2\n"


def test_missing_raw_folder_is_exit_2_and_leaves_output_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "catalogue"
    out.mkdir()
    (out / "keep.txt").write_text("old", encoding="utf-8")
    code = main(["catalogue", "build", "--raw", str(tmp_path / "absent"), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "absent" in err and "not found" in err and "\n" not in err
    assert (out / "keep.txt").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalogue"]


def test_summary_prints_counts_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "summary"]) == 0
    text = capsys.readouterr().out
    assert "occupations 923" in text and "high-value" in text
    assert main(["catalogue", "summary", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["occupations"] == 923
    assert data["version"] == load_catalogue().version


def test_summary_of_a_broken_folder_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalogue", "summary", "--path", str(tmp_path)]) == 2
    assert "manifest.json" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# builds from the raw public data (need ../shared/data/raw)


@dataclass(frozen=True)
class _Builds:
    first: Path
    second: Path
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> _Builds:
    """One build through the Python API and one through the command line, in fresh folders."""
    if not RAW.is_dir():
        pytest.fail(f"{RAW} is missing: the catalogue build tests need the raw public data")
    first = tmp_path_factory.mktemp("build1") / "catalogue"
    second = tmp_path_factory.mktemp("build2") / "catalogue"
    build_catalogue(RAW, first, progress=False)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["catalogue", "build", "--raw", str(RAW), "--out", str(second)])
    assert code == 0, err.getvalue()
    return _Builds(first, second, out.getvalue(), err.getvalue())


@pytest.mark.shared
@shared
def test_cli_build_reports_where_it_wrote_with_progress_on_stderr(builds: _Builds) -> None:
    assert f"wrote {builds.second}" in builds.stdout
    assert "occupations 923" in builds.stdout
    assert "catalogue" in builds.stderr and "step" in builds.stderr
    assert "wrote" not in builds.stderr


@pytest.mark.shared
@shared
def test_building_twice_gives_identical_bytes(builds: _Builds) -> None:
    first, second = builds.first, builds.second
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted([*CATALOGUE_FILES, "manifest.json"])
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.shared
@shared
def test_rebuild_reproduces_the_committed_catalogue(builds: _Builds) -> None:
    first = builds.first
    for name in [*CATALOGUE_FILES, "manifest.json"]:
        assert (first / name).read_bytes() == (DEFAULT_CATALOGUE_DIR / name).read_bytes(), (
            f"{name} differs: run 'pathways catalogue build' and commit data/catalogue"
        )


@pytest.mark.shared
@shared
def test_manifest_hashes_every_input(builds: _Builds) -> None:
    manifest = json.loads((builds.first / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["inputs"]) == set(RAW_FILES.values())
    assert all(len(h) == 64 for h in manifest["inputs"].values())
    assert manifest["row_counts"]["occupations.tsv"] == 923


@pytest.mark.shared
@shared
def test_labour_fallback_matches_the_raw_oews(builds: _Builds) -> None:
    cat = load_catalogue(builds.first)
    oews = pd.read_csv(RAW / RAW_FILES["oews"], dtype=str, keep_default_na=False)
    cells = {
        (a, o): m
        for a, o, m in zip(oews["area_code"], oews["occ_code"], oews["a_median"], strict=True)
    }
    checked = {0: 0, 1: 0, 2: 0}
    for r, region in enumerate(cat.regions):
        for i in range(0, len(cat.codes), 7):
            soc = cat.socs[i]
            if soc not in {o for _, o in cells}:
                continue
            level = int(cat.wage_source[r, i])
            area = {0: region.code, 1: "2800000", 2: "0000000"}.get(level)
            if area is None:
                continue
            assert float(cells[(area, soc)]) == cat.wage_median[r, i]
            if level >= 1:
                assert not cells.get((region.code, soc), "").replace(".", "").isdigit()
            checked[level] += 1
    assert all(v > 0 for v in checked.values())


def _linked_raw(tmp_path: Path, skip: str) -> Path:
    """A raw folder of symlinks to the shared raw files, without the file keyed ``skip``."""
    raw = tmp_path / "raw"
    for key, relative in RAW_FILES.items():
        (raw / relative).parent.mkdir(parents=True, exist_ok=True)
        if key != skip:
            os.symlink(RAW / relative, raw / relative)
    return raw


@pytest.mark.shared
@shared
@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ("missing", "Work Values.txt"),
        ("bad column", "'Job Zone'"),
    ],
)
def test_bad_raw_input_is_exit_2_and_leaves_output_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], broken: str, expected: str
) -> None:
    if broken == "missing":
        raw = _linked_raw(tmp_path, "work_values")
    else:
        raw = _linked_raw(tmp_path, "job_zones")
        text = (RAW / RAW_FILES["job_zones"]).read_text(encoding="utf-8")
        (raw / RAW_FILES["job_zones"]).write_text(
            text.replace("Job Zone", "JobZone", 1), encoding="utf-8"
        )
    out = tmp_path / "catalogue"
    out.mkdir()
    (out / "keep.txt").write_text("old", encoding="utf-8")
    assert main(["catalogue", "build", "--raw", str(raw), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and "\n" not in err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalogue", "raw"]


def test_routes_command_lists_the_district_college_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from recommender.training_routes import training_routes

    assert main(["catalogue", "routes", "--county", "28047", "--occupation", "29-1141.00"]) == 0
    out = capsys.readouterr().out
    assert "Harrison County" in out and "workforce area: Twin Districts" in out
    lines = [line for line in out.splitlines() if line.strip()[:3].strip(". ").isdigit()]
    assert lines[0].strip().startswith("1. Mississippi Gulf Coast Community College (district)")
    assert (
        main(["catalogue", "routes", "--county", "28047", "--occupation", "29-1141.00", "--json"])
        == 0
    )
    body = json.loads(capsys.readouterr().out)
    expected = training_routes(load_catalogue(), "29-1141.00", "28047", "undecided")
    assert body[0]["routes"] == [r.to_dict() for r in expected.routes[:10]]
    assert body[0]["routes_total"] == len(expected.routes)


def test_routes_command_refuses_bad_input_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "routes", "--county", "28999", "--occupation", "29-1141.00"]) == 2
    assert "28999" in capsys.readouterr().err
    assert main(["catalogue", "routes", "--occupation", "29-1141.00", "--plan", "space"]) == 2
    assert "--plan 'space'" in capsys.readouterr().err
    assert main(["catalogue", "routes", "--occupation", "99-9999.99"]) == 2
    assert "99-9999.99" in capsys.readouterr().err
