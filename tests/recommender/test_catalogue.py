"""The catalogue loader: the committed catalogue loads as typed arrays; bad files fail clearly."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from recommender.catalogue import (
    CATALOGUE_FILES,
    COLUMNS,
    DEFAULT_CATALOGUE_DIR,
    FIGURES_SCOPES,
    Catalogue,
    compute_catalogue_version,
    get_catalogue,
    load_catalogue,
    split_employment,
)
from recommender.dimensions import APTITUDES, RIASEC, WORK_VALUES
from recommender.errors import CatalogueError, UnknownCodeError


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_CATALOGUE_DIR, target)
    return target


def _edit_cell(folder: Path, name: str, row: int, column: str, value: str) -> None:
    """Replace one cell (1-based data row) in a catalogue TSV, leaving the manifest stale."""
    path = folder / name
    lines = path.read_text(encoding="utf-8").split("\n")
    j = COLUMNS[name].index(column)
    cells = lines[row].split("\t")
    cells[j] = value
    lines[row] = "\t".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")


def _refresh_manifest(folder: Path) -> None:
    """Re-hash the data files so only the content checks, not the checksum, can fail."""
    import hashlib

    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    outputs = {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in CATALOGUE_FILES
    }
    manifest["outputs"] = outputs
    manifest["version"] = compute_catalogue_version(outputs)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def test_arrays_have_documented_shapes_dtypes_and_are_read_only(catalogue: Catalogue) -> None:
    n = len(catalogue.codes)
    r = len(catalogue.regions)
    assert catalogue.riasec.shape == (n, len(RIASEC)) and catalogue.riasec.dtype == np.float32
    assert catalogue.aptitude_demand.shape == (n, len(APTITUDES))
    assert catalogue.aptitude_demand.dtype == np.float32
    assert catalogue.work_values.shape == (n, len(WORK_VALUES))
    assert catalogue.job_zone.dtype == np.int8 and catalogue.education_code.dtype == np.int8
    assert catalogue.bright_outlook.dtype == np.bool_
    for name in ("employment", "wage_median", "wage_mean", "wage_p10", "wage_p90"):
        array = getattr(catalogue, name)
        assert array.shape == (r, n) and array.dtype == np.float32
    assert catalogue.labour_source.shape == (r, n) and catalogue.labour_source.dtype == np.int8
    assert catalogue.high_value.shape == (r, n) and catalogue.high_value.dtype == np.bool_
    assert len(catalogue.programs) == n and len(catalogue.occupation_pathways) == n
    with pytest.raises(ValueError):
        catalogue.riasec[0, 0] = 1.0
    assert list(catalogue.codes) == sorted(catalogue.codes)


def test_lookups_and_unknown_codes(catalogue: Catalogue) -> None:
    i = catalogue.index_of("29-1141.00")
    assert catalogue.titles[i] == "Registered Nurses"
    assert catalogue.regions[catalogue.region_index("2800000")].kind == "state"
    with pytest.raises(UnknownCodeError) as exc:
        catalogue.index_of("99-9999.99")
    assert exc.value.kind == "occupation"
    with pytest.raises(UnknownCodeError):
        catalogue.region_index("1234567")
    with pytest.raises(UnknownCodeError):
        catalogue.region_of_county("99999")
    assert catalogue.region_of_county("28049").code == "0027140"  # Hinds County -> Jackson
    with pytest.raises(TypeError):
        catalogue.county_region["28049"] = "x"  # type: ignore[index]


def test_occupation_record_joins_every_file(catalogue: Catalogue) -> None:
    nurse = catalogue.occupation("29-1141.00")
    assert nurse.soc == "29-1141"
    assert "patient" in nurse.description
    assert "Registered Nurse (RN)" in nurse.lay_titles
    assert any(p.cip_code == "51.3801" for p in nurse.programs)
    assert "health-science.therapeutic-services" in nurse.pathways
    assert nurse.education == "Bachelor's degree"
    assert len(nurse.riasec) == 6 and nurse.high_point[0] in RIASEC


def test_occupations_sharing_an_oews_series_are_counted(catalogue: Catalogue) -> None:
    nurses = [i for i, c in enumerate(catalogue.oews_codes) if c == "29-1141"]
    assert len(nurses) > 1  # Registered Nurses and its O*NET detail occupations
    assert all(catalogue.oews_shared[i] == len(nurses) for i in nurses)
    j = catalogue.region_index("2800000")
    assert len({float(catalogue.employment[j, i]) for i in nurses}) == 1
    none = [i for i, c in enumerate(catalogue.oews_codes) if not c]
    assert all(catalogue.oews_shared[i] == 0 for i in none)


def _occupation_rows() -> list[dict[str, str]]:
    """occupations.tsv read here, independently of the loader."""
    text = (DEFAULT_CATALOGUE_DIR / "occupations.tsv").read_text(encoding="utf-8")
    header, *lines = text.rstrip("\n").split("\n")
    return [dict(zip(header.split("\t"), line.split("\t"), strict=True)) for line in lines]


def test_every_occupation_names_its_series_its_size_and_whose_figures(
    catalogue: Catalogue,
) -> None:
    rows = _occupation_rows()
    sizes = Counter(row["oews_code"] for row in rows if row["oews_code"])
    titles = {row["code"]: row["title"] for row in rows}
    assert len(rows) == len(catalogue.codes)
    for i, row in enumerate(rows):
        series = catalogue.oews_series(i)
        code = row["oews_code"]
        assert (series.code, series.match) == (code, row["oews_match"]), row["code"]
        assert series.series_size == (sizes[code] if code else 0) == catalogue.oews_shared[i]
        group = bool(code) and (sizes[code] > 1 or row["oews_match"] == "broad")
        assert series.figures_are_group == group == bool(catalogue.figures_are_group[i])
        assert series.scope == ("group" if group else "occupation" if code else "none")
        assert series.scope in FIGURES_SCOPES
        assert series.title == (titles.get(f"{code}.00", "") if code else "")
        assert catalogue.oews_titles[i] == series.title


def test_occupations_sharing_a_series_carry_one_figure_and_split_it_evenly(
    catalogue: Catalogue,
) -> None:
    members: dict[str, list[int]] = {}
    for i, code in enumerate(catalogue.oews_codes):
        if code:
            members.setdefault(code, []).append(i)
    split = catalogue.split_employment
    assert split.shape == catalogue.employment.shape
    for code, rows in members.items():
        for name in ("employment", "wage_median", "wage_mean", "wage_p10", "wage_p90"):
            grid = getattr(catalogue, name)
            # the series' figures are copied whole to each member: the reason for the split
            np.testing.assert_array_equal(grid[:, rows], grid[:, rows[:1]].repeat(len(rows), 1))
        expected = catalogue.employment[:, rows[0]].astype(np.float64) / len(rows)
        for i in rows:
            np.testing.assert_allclose(split[:, i], expected, rtol=1e-6, err_msg=code)
    np.testing.assert_array_equal(
        split_employment(catalogue.employment, catalogue.oews_shared), split
    )
    assert np.array_equal(
        split_employment([[10.0, np.nan, 9.0]], [1, 0, 3]), [[10.0, np.nan, 3.0]], equal_nan=True
    )


def test_pathways_index_occupations_both_ways(catalogue: Catalogue) -> None:
    for p, pathway in enumerate(catalogue.pathways):
        assert pathway.occupation_index
        for i in pathway.occupation_index:
            assert p in catalogue.occupation_pathways[i]
    assert catalogue.pathway_index(catalogue.pathways[3].code) == 3
    covered = {p for c in catalogue.clusters for p in c.pathway_index}
    assert covered == set(range(len(catalogue.pathways)))


def test_get_catalogue_is_cached() -> None:
    assert get_catalogue() is get_catalogue()


def _load_error(folder: Path) -> CatalogueError:
    """The CatalogueError that loading ``folder`` raises (the test fails if it loads)."""
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(folder)
    return exc.value


def _edit_lines(folder: Path, name: str, edit: Callable[[list[str]], object]) -> list[str]:
    """Apply ``edit`` to the lines of a catalogue TSV (header = line 0); return the new lines."""
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines()
    edit(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def test_missing_file_is_named(copy: Path) -> None:
    (copy / "labour.tsv").unlink()
    error = _load_error(copy)
    assert error.file.endswith("labour.tsv")
    assert "missing" in str(error)


def test_missing_folder_and_manifest(tmp_path: Path, copy: Path) -> None:
    _load_error(tmp_path / "nowhere")
    (copy / "manifest.json").unlink()
    assert _load_error(copy).file.endswith("manifest.json")


@pytest.mark.parametrize(
    ("name", "row", "column", "value", "named_column", "says"),
    [
        pytest.param(
            "occupations.tsv", 5, "interest_A", "high", "interest_A", "not a number", id="number"
        ),
        pytest.param("labour.tsv", 17, "wage_source", "3", "wage_source", "outside", id="range"),
        pytest.param("regions.tsv", 0, "kind", "sort", "sort", "unknown column", id="column"),
        pytest.param(
            "pathway_members.tsv", 4, "code", "00-0000.00", "code", "unknown occupation", id="ref"
        ),
    ],
)
def test_a_bad_cell_is_named_by_file_row_and_column(
    copy: Path, name: str, row: int, column: str, value: str, named_column: str, says: str
) -> None:
    """A number that is not one, out of its range, an unknown header, an unknown reference."""
    _edit_cell(copy, name, row, column, value)
    error = _load_error(copy)
    assert error.file.endswith(name)
    assert (error.row, error.column) == (row, named_column)
    assert says in str(error)


def test_duplicate_key_is_named(copy: Path) -> None:
    lines = _edit_lines(copy, "counties.tsv", lambda lines: lines.append(lines[3]))
    error = _load_error(copy)
    assert error.row == len(lines) - 1
    assert "duplicate" in str(error)


def test_wrong_field_count_is_named(copy: Path) -> None:
    def add_field(lines: list[str]) -> None:
        lines[2] += "\textra"

    _edit_lines(copy, "pathways.tsv", add_field)
    error = _load_error(copy)
    assert error.row == 2 and error.file.endswith("pathways.tsv")


def test_incomplete_labour_grid_is_rejected(copy: Path) -> None:
    _edit_lines(copy, "labour.tsv", lambda lines: lines.pop(10))
    assert "regions x" in str(_load_error(copy))


def test_valid_but_edited_value_fails_the_checksum(copy: Path) -> None:
    _edit_cell(copy, "occupations.tsv", 1, "interest_R", "1.31")
    error = _load_error(copy)
    assert "sha256" in str(error) and error.file.endswith("occupations.tsv")
    _refresh_manifest(copy)
    edited = load_catalogue(copy)
    assert edited.riasec[0, 0] == pytest.approx(1.31)
    assert edited.version != load_catalogue().version
