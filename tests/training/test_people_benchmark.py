"""The real-people benchmark: committed files, loader checks, norms, reproducing from raw data."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recommender.catalogue import load_catalogue
from recommender.errors import RawDataError
from training.people_benchmark import (
    AGE_BANDS,
    DEFAULT,
    DEFAULT_RAW_DIR,
    FIELD_CIP_FAMILIES,
    FIELD_OCCUPATION_COLUMNS,
    FIELD_OCCUPATIONS_FILE,
    GENDERS,
    PEOPLE_COLUMNS,
    PEOPLE_FILE,
    BenchmarkDataError,
    age_band,
    build_people_benchmark,
    cip_matches,
    load_people_benchmark,
    norms,
)

SCALES = ("R", "I", "A", "S", "E", "C")


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DEFAULT / name, sep="\t", dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------------------------
# the committed files


def test_people_file_meets_its_schema() -> None:
    people = _read(PEOPLE_FILE)
    assert tuple(people.columns) == PEOPLE_COLUMNS
    assert len(people) == 18209  # 18,230 respondents less 21 with too few answers on a scale
    assert people["respondent"].str.fullmatch(r"\d+").all()
    assert people["respondent"].is_unique
    assert set(people["age_band"]) <= set(AGE_BANDS)
    assert set(people["gender"]) <= set(GENDERS)
    assert set(people["field"]) == set(FIELD_CIP_FAMILIES)
    for s in SCALES:
        assert people[f"{s}_mean"].str.fullmatch(r"\d\.\d{3}").all()
        means = people[f"{s}_mean"].astype(float)
        counts = people[f"{s}_n"].astype(int)
        assert means.between(1.0, 5.0).all()
        assert counts.between(6, 8).all()
        totals = means * counts
        assert (totals - totals.round()).abs().max() < 0.005
    # figures of PROVENANCE section 19: 13,201 female of 18,230; 7,745 psychology
    assert 13150 <= (people["gender"] == "female").sum() <= 13201
    assert 7700 <= (people["field"] == "psychology").sum() <= 7745
    assert 3935 <= (people["age_band"] == "13-19").sum() <= 4100


def test_field_occupations_file_meets_its_schema() -> None:
    table = _read(FIELD_OCCUPATIONS_FILE)
    catalogue = load_catalogue()
    soc_of = dict(zip(catalogue.codes, catalogue.socs, strict=True))
    assert tuple(table.columns) == FIELD_OCCUPATION_COLUMNS
    assert not table.duplicated(["field", "code"]).any()
    assert set(table["code"]) <= set(catalogue.codes)
    assert all(soc_of[c] == s for c, s in zip(table["code"], table["soc"], strict=True))
    assert set(table["field"]) == set(FIELD_CIP_FAMILIES)
    for field, group in table.groupby("field"):
        used = {p for cell in group["cip_family"] for p in cell.split(";")}
        assert used <= set(FIELD_CIP_FAMILIES[str(field)])
        assert 3 <= len(group) <= 150, field
    people_fields = set(_read(PEOPLE_FILE)["field"])
    counts = table["field"].value_counts()
    assert all(counts[f] >= 3 for f in people_fields)


def test_loader_gives_aligned_arrays_and_catalogue_indices() -> None:
    catalogue = load_catalogue()
    bench = load_people_benchmark(DEFAULT, catalogue)
    n = len(bench)
    assert n == 18209
    assert bench.means.shape == (n, 6) and bench.means.dtype == np.float64
    assert bench.answered.shape == (n, 6) and bench.answered.min() >= 6
    assert bench.respondent.shape == bench.age_band.shape == bench.gender.shape == (n,)
    assert not bench.means.flags.writeable
    nursing = bench.field_occupations["nursing"]
    titles = {catalogue.titles[i] for i in nursing}
    assert "Registered Nurses" in titles
    assert list(nursing) == sorted(nursing)
    by_codes = load_people_benchmark(DEFAULT, catalogue.codes)
    assert all(
        np.array_equal(by_codes.field_occupations[f], bench.field_occupations[f])
        for f in bench.field_occupations
    )


def test_committed_teen_norms_match_provenance() -> None:
    result = norms(load_people_benchmark())
    # PROVENANCE section 19, ages 14-19: R 1.88, I 2.96, A 2.56, S 3.34, E 2.57, C 2.26
    expected = np.array([1.88, 2.96, 2.56, 3.34, 2.57, 2.26])
    assert np.abs(result["mean"] - expected).max() < 0.03
    assert ((result["sd"] > 0.8) & (result["sd"] < 1.1)).all()
    corr = result["corr"]
    assert corr[4, 5] == pytest.approx(0.61, abs=0.03)  # E-C
    assert corr[0, 3] == pytest.approx(0.06, abs=0.03)  # R-S


# --------------------------------------------------------------------------------------------
# helpers and malformed input


def test_age_bands_and_cip_prefixes() -> None:
    assert [age_band(a) for a in ("13", "19", "20", "24", "25", "34", "35", "87")] == [
        "13-19",
        "13-19",
        "20-24",
        "20-24",
        "25-34",
        "25-34",
        "35+",
        "35+",
    ]
    assert [age_band(a) for a in ("", " ", "12", "150", "1x", "NA")] == ["unknown"] * 6
    assert cip_matches("42.2804", "42")
    assert not cip_matches("04.2804", "42")
    assert cip_matches("52.0301", "52.03") and not cip_matches("52.0401", "52.03")
    assert cip_matches("14.0801", "14.0801") and not cip_matches("14.0802", "14.0801")


def _copy_committed(tmp_path: Path) -> Path:
    folder = tmp_path / "bench"
    folder.mkdir(parents=True)
    for name in (PEOPLE_FILE, FIELD_OCCUPATIONS_FILE):
        shutil.copy(DEFAULT / name, folder / name)
    return folder


def _replace_cell(path: Path, row: int, column: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split("\t")
    cells = lines[row].split("\t")
    cells[header.index(column)] = value
    lines[row] = "\t".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("I_mean", "6.000"),
        ("I_mean", "2.5"),
        ("I_mean", "2.111"),  # not k/n for n = 8
        ("C_n", "5"),
        ("age_band", "14-18"),
        ("gender", "Female"),
        ("respondent", "x7"),
    ],
)
def test_malformed_people_cell_names_file_row_and_column(
    tmp_path: Path, column: str, value: str
) -> None:
    folder = _copy_committed(tmp_path)
    _replace_cell(folder / PEOPLE_FILE, 5, column, value)
    with pytest.raises(ValueError) as info:
        load_people_benchmark(folder)
    error = info.value
    assert isinstance(error, BenchmarkDataError)
    assert (error.row, error.column) == (5, column)
    assert PEOPLE_FILE in str(error) and "row 5" in str(error) and repr(column) in str(error)


def test_malformed_field_occupation_cells_are_named(tmp_path: Path) -> None:
    folder = _copy_committed(tmp_path)
    _replace_cell(folder / FIELD_OCCUPATIONS_FILE, 3, "code", "99-0000.00")
    with pytest.raises(BenchmarkDataError, match=r"field_occupations\.tsv, row 3, column 'code'"):
        load_people_benchmark(folder)
    folder = _copy_committed(tmp_path / "b")
    _replace_cell(folder / FIELD_OCCUPATIONS_FILE, 2, "soc", "11-1011")
    with pytest.raises(BenchmarkDataError, match=r"row 2, column 'soc'"):
        load_people_benchmark(folder)


def test_wrong_header_ragged_row_and_missing_file(tmp_path: Path) -> None:
    folder = _copy_committed(tmp_path)
    text = (folder / PEOPLE_FILE).read_text(encoding="utf-8")
    (folder / PEOPLE_FILE).write_text(text.replace("R_mean", "r_mean", 1), encoding="utf-8")
    with pytest.raises(BenchmarkDataError, match="header"):
        load_people_benchmark(folder)
    lines = text.split("\n")
    lines[7] = lines[7].rsplit("\t", 1)[0]
    (folder / PEOPLE_FILE).write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(BenchmarkDataError, match="row 7"):
        load_people_benchmark(folder)
    (folder / FIELD_OCCUPATIONS_FILE).unlink()
    (folder / PEOPLE_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(BenchmarkDataError, match="file is missing"):
        load_people_benchmark(folder)


def test_field_without_occupations_is_refused(tmp_path: Path) -> None:
    folder = _copy_committed(tmp_path)
    table = (folder / FIELD_OCCUPATIONS_FILE).read_text(encoding="utf-8").split("\n")
    kept = [line for line in table if not line.startswith("law\t")]
    (folder / FIELD_OCCUPATIONS_FILE).write_text("\n".join(kept), encoding="utf-8")
    with pytest.raises(BenchmarkDataError, match="'law' has no occupations"):
        load_people_benchmark(folder)


# --------------------------------------------------------------------------------------------
# norms on a hand-made table


def _tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    folder.mkdir()
    header = "\t".join(PEOPLE_COLUMNS)
    # 13-19: R 1, 2, 3 (mean 2, SD 1); I 2, 3, 4 (= R + 1: r = 1); A 5, 4, 3 (r(R, A) = -1);
    # S 1.5, 2, 4 (mean 2.5, SD sqrt(1.75)); E 3, 3, 4; C 2, 2, 2.5. The 35+ row is left out.
    rows = [
        "1\t13-19\tfemale\tlaw\t1.000\t2.000\t5.000\t1.500\t3.000\t2.000\t8\t8\t8\t8\t8\t8",
        "2\t13-19\tmale\tlaw\t2.000\t3.000\t4.000\t2.000\t3.000\t2.000\t8\t8\t8\t8\t8\t8",
        "3\t13-19\tfemale\tlaw\t3.000\t4.000\t3.000\t4.000\t4.000\t2.500\t8\t8\t8\t8\t8\t8",
        "4\t35+\tmale\tlaw\t5.000\t5.000\t5.000\t5.000\t5.000\t5.000\t6\t6\t6\t6\t6\t6",
    ]
    (folder / PEOPLE_FILE).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    (folder / FIELD_OCCUPATIONS_FILE).write_text(
        "field\tcip_family\tcode\tsoc\nlaw\t22\t23-1011.00\t23-1011\n", encoding="utf-8"
    )
    return folder


def test_norms_on_a_hand_made_table(tmp_path: Path) -> None:
    bench = load_people_benchmark(_tiny(tmp_path), ["11-1011.00", "23-1011.00"])
    assert list(bench.field_occupations) == ["law"]
    assert bench.field_occupations["law"].tolist() == [1]
    result = norms(bench)
    assert result["n"] == 3 and result["ages"] == ("13-19",)
    assert result["scales"] == SCALES
    np.testing.assert_allclose(result["mean"], [2.0, 3.0, 4.0, 2.5, 10 / 3, 13 / 6])
    np.testing.assert_allclose(
        result["sd"], [1.0, 1.0, 1.0, np.sqrt(1.75), np.sqrt(1 / 3), np.sqrt(1 / 12)]
    )
    corr = result["corr"]
    assert corr.shape == (6, 6)
    assert corr[0, 1] == pytest.approx(1.0) and corr[0, 2] == pytest.approx(-1.0)
    np.testing.assert_allclose(np.diag(corr), 1.0)
    everyone = norms(bench, ages=("13-19", "35+"))
    assert everyone["n"] == 4
    assert everyone["mean"][0] == pytest.approx(11 / 4)


def test_norms_refuse_unknown_bands_and_too_few_people(tmp_path: Path) -> None:
    bench = load_people_benchmark(_tiny(tmp_path), ["23-1011.00"])
    with pytest.raises(ValueError, match="14-18"):
        norms(bench, ages=("14-18",))
    with pytest.raises(ValueError, match="only 1"):
        norms(bench, ages=("35+",))


# --------------------------------------------------------------------------------------------
# the build (needs ../shared/data/raw beside the repo; CI has it)


def test_missing_raw_folder_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RawDataError, match="not found"):
        build_people_benchmark(tmp_path / "absent", load_catalogue(), out)
    assert not out.exists()


@pytest.mark.shared
def test_rebuilding_from_raw_data_reproduces_the_committed_files(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks"
    out.mkdir()
    (out / "README.md").write_text("kept", encoding="utf-8")
    summary = build_people_benchmark(DEFAULT_RAW_DIR, load_catalogue(), out)
    for name in (PEOPLE_FILE, FIELD_OCCUPATIONS_FILE):
        assert (out / name).read_bytes() == (DEFAULT / name).read_bytes(), name
    assert (out / "README.md").read_text(encoding="utf-8") == "kept"
    assert summary["rows_read"] == 18230
    assert summary["rows_written"] == 18209
    assert summary["rows_dropped"] == {"no_major": 0, "too_few_answers": 21}
    assert sum(f["respondents"] for f in summary["fields"].values()) == 18209
    assert summary["fields"]["business"]["occupations"] == 128
    assert sorted(p.name for p in out.iterdir()) == ["README.md", *sorted(summary["sha256"])]
