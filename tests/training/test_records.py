"""Outcome records: schema, validation that reports every bad row, atomic reading and writing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recommender.errors import (
    InvalidOutcomeRecordsError,
    OutcomeRecordsError,
    PathwaysError,
    UnknownCodeError,
)
from training.records import (
    ALL_COLUMNS,
    MAX_JSON_DEPTH,
    REQUIRED_COLUMNS,
    RowProblem,
    find_protected_columns,
    json_depth,
    load_outcome_records,
    normalise_school_year,
    pivot_grades,
    read_outcome_records,
    validate_outcome_records,
    write_outcome_records,
)

SHARED_RAW = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "raw"
KNOWN = {"11-1011.00", "29-1141.00", "47-2111.00", "AG.1"}
PROFILE = json.dumps(
    {"instrument_version": "2025.1", "interests": [3, 2, 1, 4, 5, 2], "plan": "work"}
)
ANSWERS = json.dumps({"instrument_version": "2025.1", "interests": {"r01": 4}})


def record(**overrides: object) -> dict[str, object]:
    """One valid outcome record, with some fields replaced."""
    row: dict[str, object] = {
        "student_id": "p-7f3a9c21",
        "school_year": "2025-26",
        "region_code": "0027140",
        "code_kind": "occupation",
        "code": "29-1141.00",
        "grade": 2,
        "answers_json": ANSWERS,
        "profile_json": PROFILE,
        "gender": "female",
        "race_ethnicity": "",
    }
    row.update(overrides)
    return row


def valid_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            record(),
            record(code="11-1011.00", grade=0),
            record(student_id="p-0b12c3d4", grade=3, gender=None),
            record(student_id="p-0b12c3d4", code_kind="pathway", code="AG.1", grade=1),
            record(school_year="2024-2025", grade=1),  # same pair, another year: not a duplicate
        ]
    )


def places(problems: tuple[RowProblem, ...]) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.column) for p in problems}


# --------------------------------------------------------------------------------- clean data


def test_valid_records_pass_and_schema_order_is_stable() -> None:
    report = validate_outcome_records(valid_frame(), KNOWN, feature_columns=["interest_R", "plan"])
    assert report.ok, report.format()
    assert report.n_rows == 5
    assert ALL_COLUMNS[: len(REQUIRED_COLUMNS)] == REQUIRED_COLUMNS
    report.raise_if_invalid()  # a clean report does not raise


def test_either_answers_or_profile_is_enough() -> None:
    frame = pd.DataFrame([record(answers_json=""), record(code="11-1011.00", profile_json=None)])
    assert validate_outcome_records(frame, KNOWN).ok
    only_profile = pd.DataFrame([record()]).drop(columns=["answers_json"])
    assert validate_outcome_records(only_profile, KNOWN).ok


# ------------------------------------------------------------------------------- every bad row


def test_each_kind_of_bad_value_is_reported_at_its_row_and_column() -> None:
    frame = pd.DataFrame(
        [
            record(),  # row 1 fine
            record(student_id="Jane Doe", code="11-1011.00"),  # row 2
            record(school_year="2025-27", code="47-2111.00"),  # row 3
            record(region_code="28", code="11-1011.00", school_year="2026-27"),  # row 4
            record(code_kind="programme", school_year="2023-24"),  # row 5
            record(code="29-1141", school_year="2022-23"),  # row 6 bad format
            record(code="99-9999.00"),  # row 7 unknown occupation
            record(code_kind="pathway", code="ZZ.9"),  # row 8 unknown pathway
            record(grade=4, school_year="2021-22"),  # row 9
            record(grade="two", school_year="2020-21"),  # row 10
            record(grade=1.5, school_year="2019-20"),  # row 11
            record(grade=None, school_year="2018-19"),  # row 12
            record(answers_json="", profile_json="", school_year="2017-18"),  # row 13
            record(profile_json="[1, 2]", school_year="2016-17"),  # row 14
            record(profile_json='{"interests": [1, 2', school_year="2015-16"),  # row 15
            record(answers_json='{"interests": {}}', school_year="2014-15"),  # row 16
            record(profile_json=json.dumps({"plan": "work"}), school_year="2013-14"),  # row 17
            record(
                profile_json=json.dumps({"interests": [1] * 6, "plan": "gap"}),
                grade=0,
                school_year="2012-13",
            ),  # row 18
            record(student_id="", school_year="2011-12"),  # row 19
        ]
    )
    report = validate_outcome_records(frame, KNOWN)
    assert places(report.problems) == {
        (2, "student_id"),
        (3, "school_year"),
        (4, "region_code"),
        (5, "code_kind"),
        (6, "code"),
        (7, "code"),
        (8, "code"),
        (9, "grade"),
        (10, "grade"),
        (11, "grade"),
        (12, "grade"),
        (13, "profile_json"),
        (14, "profile_json"),
        (15, "profile_json"),
        (16, "answers_json"),
        (17, "profile_json"),
        (18, "profile_json"),
        (19, "student_id"),
    }
    reasons = {(p.row, p.column): p.reason for p in report.problems}
    assert "O*NET-SOC" in reasons[(6, "code")]
    assert "unknown occupation" in reasons[(7, "code")]
    assert "unknown pathway" in reasons[(8, "code")]
    assert "outside 0-3" in reasons[(9, "grade")]
    assert "not valid JSON" in reasons[(15, "profile_json")]
    assert "instrument_version" in reasons[(16, "answers_json")]
    assert report.bad_rows == tuple(range(2, 20))


def test_every_bad_row_is_reported_not_just_the_first() -> None:
    frame = pd.DataFrame(
        [record(student_id=f"p-{i:08d}", grade=7 if i % 2 else 1) for i in range(200)]
    )
    report = validate_outcome_records(frame, KNOWN)
    assert len(report.problems) == 100
    assert report.bad_rows == tuple(range(2, 201, 2))  # rows are 1-based


def test_rows_are_numbered_by_position_not_by_index_label() -> None:
    frame = pd.DataFrame([record(), record(code="00-0000.00")], index=[70, 3])
    report = validate_outcome_records(frame, KNOWN)
    assert places(report.problems) == {(2, "code")}


def test_region_codes_can_be_restricted_to_known_regions() -> None:
    frame = pd.DataFrame([record(region_code="2800005"), record(code="11-1011.00")])
    report = validate_outcome_records(frame, KNOWN, known_regions={"0027140"})
    assert places(report.problems) == {(1, "region_code")}


# ----------------------------------------------------------------------------------- duplicates


def test_duplicates_are_reported_after_the_first_with_its_row() -> None:
    frame = pd.DataFrame(
        [
            record(grade=1),
            record(code="11-1011.00"),
            record(school_year="2025-2026", grade=3),  # same year, other spelling
            record(grade=2),
            record(student_id="p-other123"),  # another student: fine
        ]
    )
    report = validate_outcome_records(frame, KNOWN)
    assert [(p.row, p.column) for p in report.problems] == [(3, "student_id"), (4, "student_id")]
    assert all("duplicate of row 1" in p.reason for p in report.problems)


# ------------------------------------------------------------------------- protected attributes


@pytest.mark.parametrize(
    "name",
    [
        "gender",
        "Gender",
        "sex",
        "student_sex",
        "race",
        "race_ethnicity",
        "raceEthnicity",
        "ethnicity",
        "ethnic_group",
        "hispanic",
        "is_hispanic_latino",
        "female",
        "males_share",
        "GENDER_CODE",
    ],
)
def test_protected_attributes_are_refused_as_features(name: str) -> None:
    assert find_protected_columns([name]) == [name]
    report = validate_outcome_records(valid_frame(), KNOWN, feature_columns=["interest_R", name])
    assert places(report.problems) == {(None, name)}
    with pytest.raises(InvalidOutcomeRecordsError) as exc:
        report.raise_if_invalid()
    assert name in str(exc.value)


@pytest.mark.parametrize(
    "name", ["interest_R", "trace", "grace_period", "region_code", "sextant", "essex_county"]
)
def test_ordinary_feature_names_are_not_mistaken_for_protected_ones(name: str) -> None:
    assert find_protected_columns([name]) == []


def test_audit_columns_in_the_data_are_fine_but_not_inside_the_profile() -> None:
    leaked = json.dumps({"interests": [1, 2, 3, 4, 5, 6], "plan": "work", "sex": "F"})
    frame = pd.DataFrame([record(), record(code="11-1011.00", profile_json=leaked)])
    report = validate_outcome_records(frame, KNOWN)
    assert places(report.problems) == {(2, "profile_json")}
    assert "protected" in report.problems[0].reason


# --------------------------------------------------------------------------- table-level checks


def test_missing_and_unknown_columns_are_table_problems() -> None:
    frame = valid_frame().drop(columns=["grade"]).assign(ethnicity="x", notes="y")
    report = validate_outcome_records(frame, KNOWN)
    assert {(None, "grade"), (None, "ethnicity"), (None, "notes")} <= places(report.problems)
    without_profile = valid_frame().drop(columns=["answers_json", "profile_json"])
    report = validate_outcome_records(without_profile, KNOWN)
    assert (None, "profile_json") in places(report.problems)


def test_invalid_records_error_carries_every_problem() -> None:
    frame = pd.DataFrame([record(grade=9), record(code="11-1011.00", grade=-1)])
    report = validate_outcome_records(frame, KNOWN)
    with pytest.raises(InvalidOutcomeRecordsError) as exc:
        report.raise_if_invalid()
    assert isinstance(exc.value, PathwaysError)
    assert isinstance(exc.value, ValueError)
    assert [row for row, _, _ in exc.value.problems] == [1, 2]
    assert "row 1, column 'grade'" in str(exc.value)
    table = report.to_frame()
    assert table.columns.tolist() == ["row", "column", "reason"]
    assert len(table) == 2
    assert report.format().splitlines()[0] == "2 problem(s) in 2 outcome record(s)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-26", "2025-2026"),
        ("2025-2026", "2025-2026"),
        ("2099-00", "2099-2100"),
        ("2025-25", None),
        ("2025-2027", None),
        ("2025/26", None),
        ("25-26", None),
    ],
)
def test_school_years_accept_both_spellings(text: str, expected: str | None) -> None:
    assert normalise_school_year(text) == expected


# ------------------------------------------------------------------------------ read and write


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_then_read_round_trips(tmp_path: Path, suffix: str) -> None:
    frame = valid_frame()[list(reversed(ALL_COLUMNS))]  # writer restores schema order
    target = tmp_path / f"outcomes{suffix}"
    write_outcome_records(frame, target)
    back = read_outcome_records(target)
    assert back.columns.tolist() == list(ALL_COLUMNS)
    assert back["region_code"].tolist() == ["0027140"] * 5  # leading zero kept
    assert back["grade"].tolist() == [2, 0, 3, 1, 1]
    assert back["grade"].dtype == np.int64
    assert validate_outcome_records(back, KNOWN).ok
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_csv_keeps_a_bad_grade_as_text_so_validation_can_name_it(tmp_path: Path) -> None:
    target = tmp_path / "outcomes.csv"
    write_outcome_records(pd.DataFrame([record(), record(code="11-1011.00", grade="2.5")]), target)
    back = read_outcome_records(target)
    report = validate_outcome_records(back, KNOWN)
    assert [str(p) for p in report.problems] == [
        "row 2, column 'grade': grade '2.5' is not a whole number"
    ]


def test_read_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.csv"
    with pytest.raises(OutcomeRecordsError, match=r"absent\.csv: file not found"):
        read_outcome_records(missing)
    wrong = tmp_path / "outcomes.xlsx"
    wrong.write_text("x", encoding="utf-8")
    with pytest.raises(OutcomeRecordsError, match=r"outcomes.xlsx: unsupported suffix"):
        read_outcome_records(wrong)
    broken = tmp_path / "outcomes.parquet"
    broken.write_bytes(b"not parquet at all")
    with pytest.raises(OutcomeRecordsError, match=r"outcomes\.parquet: cannot read parquet"):
        read_outcome_records(broken)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(OutcomeRecordsError, match=r"empty\.csv"):
        read_outcome_records(empty)


def test_writer_refuses_wrong_columns_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "outcomes.csv"
    with pytest.raises(OutcomeRecordsError, match=r"missing required column\(s\) \['grade'\]"):
        write_outcome_records(valid_frame().drop(columns=["grade"]), target)
    with pytest.raises(OutcomeRecordsError, match="sex"):
        write_outcome_records(valid_frame().assign(sex="F"), target)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "outcomes.csv"
    write_outcome_records(valid_frame(), target)
    before = target.read_bytes()

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", explode)
    with pytest.raises(OSError, match="disk full"):
        write_outcome_records(valid_frame().assign(grade=0), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["outcomes.csv"]


# ------------------------------------------------------------------------------ grade matrix


def test_pivot_builds_a_dense_grade_matrix_in_code_order() -> None:
    frame = valid_frame()
    codes = ["47-2111.00", "29-1141.00", "11-1011.00"]
    matrix = pivot_grades(frame, codes)
    students = matrix.students
    assert students[["student_id", "school_year"]].values.tolist() == [
        ["p-7f3a9c21", "2024-2025"],
        ["p-0b12c3d4", "2025-2026"],
        ["p-7f3a9c21", "2025-2026"],
    ]
    assert "grade" not in students.columns
    assert matrix.grades.dtype == np.float32
    np.testing.assert_array_equal(
        matrix.grades,
        [
            [0.0, 1.0, 0.0],
            [0.0, 3.0, 0.0],
            [0.0, 2.0, 0.0],
        ],
    )
    pathways = pivot_grades(frame, ["AG.1"], code_kind="pathway")
    assert pathways.grades.tolist() == [[1.0]]


def test_pivot_refuses_codes_outside_the_columns() -> None:
    with pytest.raises(UnknownCodeError, match=r"29-1141\.00"):
        pivot_grades(valid_frame(), ["11-1011.00"])


# ------------------------------------------------------------------------- on real O*NET codes


@pytest.mark.shared
@pytest.mark.shared
def test_real_onet_codes_pass_and_retired_2006_codes_are_unknown() -> None:
    occupations = pd.read_csv(
        SHARED_RAW / "onet_29_3" / "Occupation Data.txt", sep="\t", dtype={"O*NET-SOC Code": str}
    )
    known = set(occupations["O*NET-SOC Code"])
    legacy = pd.read_csv(
        SHARED_RAW / "perkins_iv_crosswalk" / "perkins_iv_onet_to_pathway_tidy.csv", dtype=str
    )
    retired = sorted(set(legacy["onet_soc_code"].dropna()) - known)[:3]
    assert retired, "the 2006 crosswalk should hold codes that O*NET 29.3 no longer has"
    current = sorted(known)[:3]
    frame = pd.DataFrame(
        [record(code=c, student_id=f"p-cur{i:05d}") for i, c in enumerate(current)]
        + [record(code=c, student_id=f"p-old{i:05d}") for i, c in enumerate(retired)]
    )
    report = validate_outcome_records(frame, known)
    assert report.bad_rows == (4, 5, 6)
    assert all(p.column == "code" for p in report.problems)


def test_every_committed_catalogue_code_is_accepted() -> None:
    catalogue = Path(__file__).resolve().parents[2] / "data" / "catalogue"
    assert (catalogue / "pathways.tsv").is_file(), "the committed catalogue is missing"
    pathways = pd.read_csv(catalogue / "pathways.tsv", sep="\t", dtype=str)["pathway_code"]
    occupations = pd.read_csv(catalogue / "occupations.tsv", sep="\t", dtype=str)["code"]
    frame = pd.DataFrame(
        [
            record(code_kind="pathway", code=c, student_id=f"p-pw{i:06d}")
            for i, c in enumerate(pathways)
        ]
        + [record(code=c, student_id=f"p-oc{i:06d}") for i, c in enumerate(occupations)]
    )
    report = validate_outcome_records(frame, set(pathways) | set(occupations))
    assert report.ok, report.format(limit=5)


def test_a_scored_profile_from_the_assessment_passes_as_profile_json() -> None:
    assessment = pytest.importorskip("recommender.assessment")
    from recommender.dimensions import APTITUDES, WORK_VALUES

    profile = assessment.StudentProfile(
        instrument_version="2025.1",
        interests=np.linspace(-1.0, 1.0, 6),
        interests_se=np.full(6, 0.3),
        work_values=np.zeros(len(WORK_VALUES)),
        work_values_se=np.full(len(WORK_VALUES), 0.4),
        aptitudes=np.full(len(APTITUDES), np.nan),
        aptitudes_se=np.full(len(APTITUDES), np.nan),
        aptitude_sources={},
        plan="community_college",
        county_fips="28049",
        region_code="0027140",
        will_commute=True,
        will_relocate=False,
    )
    text = json.dumps(profile.to_dict(), allow_nan=False)
    frame = pd.DataFrame([record(profile_json=text, answers_json="")])
    report = validate_outcome_records(frame, KNOWN)
    assert report.ok, report.format()


def test_loading_for_training_refuses_invalid_records(tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    write_outcome_records(valid_frame(), good)
    assert len(load_outcome_records(good, KNOWN, feature_columns=["interest_R"])) == 5
    bad = tmp_path / "bad.csv"
    write_outcome_records(pd.DataFrame([record(), record(grade=5), record(grade=-2)]), bad)
    with pytest.raises(InvalidOutcomeRecordsError) as exc:
        load_outcome_records(bad, KNOWN)
    assert [(row, column) for row, column, _ in exc.value.problems] == [
        (2, "student_id"),  # same student, code and year as row 1
        (2, "grade"),
        (3, "student_id"),
        (3, "grade"),
    ]
    with pytest.raises(InvalidOutcomeRecordsError, match="gender"):
        load_outcome_records(good, KNOWN, feature_columns=["gender"])


def test_a_column_given_twice_is_a_table_problem() -> None:
    frame = pd.concat([valid_frame(), valid_frame()[["grade"]]], axis=1)
    report = validate_outcome_records(frame, KNOWN)
    assert [(p.row, p.column) for p in report.problems] == [(None, None)]
    assert "grade" in report.problems[0].reason


# ------------------------------------------------------------- hostile JSON (issue 12, item 17)


@pytest.mark.parametrize("column", ["profile_json", "answers_json"])
def test_json_nested_100000_deep_in_a_csv_is_refused_by_row(tmp_path: Path, column: str) -> None:
    deep = '{"a": ' * 100_000 + "1" + "}" * 100_000
    file = tmp_path / "deep.csv"
    write_outcome_records(
        pd.DataFrame([record(), record(code="11-1011.00", **{column: deep})]), file
    )
    with pytest.raises(InvalidOutcomeRecordsError) as exc:
        load_outcome_records(file, KNOWN)
    assert [(row, col) for row, col, _ in exc.value.problems] == [(2, column)]
    assert "characters" in str(exc.value)


def test_json_nested_past_the_depth_limit_is_refused_even_when_short() -> None:
    depth = MAX_JSON_DEPTH + 1
    nested = json.dumps(
        {"interests": [3, 2, 1, 4, 5, 2], "x": json.loads("[" * depth + "]" * depth)}
    )
    at_limit = {
        "interests": [3, 2, 1, 4, 5, 2],
        "x": json.loads("[" * (depth - 3) + "]" * (depth - 3)),
    }
    report = validate_outcome_records(
        pd.DataFrame(
            [
                record(profile_json=nested),
                record(code="11-1011.00", profile_json=json.dumps(at_limit)),
            ]
        ),
        KNOWN,
    )
    assert [(p.row, p.column) for p in report.problems] == [(1, "profile_json")]
    assert f"deeper than the {MAX_JSON_DEPTH} levels" in report.problems[0].reason


def test_json_depth_counts_levels_without_recursion() -> None:
    assert json_depth(1) == 0
    assert json_depth({}) == 1
    assert json_depth({"a": [1, {"b": []}]}) == 4
    value: list[object] = []
    for _ in range(50_000):
        value = [value]
    assert json_depth(value) == 50_001


# ------------------------------------------------- school years in the window (issue 12, item 10)


def test_school_years_outside_the_window_are_refused_by_row() -> None:
    """On 1 January 2026 (school year 2025-2026) the window runs from 2000-2001 to 2026-2027."""
    years = ["2000-01", "2026-27", "1999-2000", "2027-28", "9999-10000"]
    frame = pd.DataFrame(
        [record(student_id=f"p-0000000{n}", school_year=year) for n, year in enumerate(years)]
    )
    report = validate_outcome_records(frame, KNOWN, today=date(2026, 1, 1))
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "school_year"),
        (4, "school_year"),
        (5, "school_year"),
    ]
    assert "1999-2000" in report.problems[0].reason and "outside" in report.problems[0].reason
    assert "2027-2028" in report.problems[1].reason and "outside" in report.problems[1].reason
    assert "is not a school year" in report.problems[2].reason
