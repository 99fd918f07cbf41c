"""Outcome records: the yearly training data, its schema, reading, writing and validation.

One row is one student's graded outcome for one occupation or pathway in one school year (see
docs/outcome-records.md for every column). Validation reports every problem it finds as
``RowProblem(row, column, reason)`` — row 1 is the first data row (line 2 of a CSV), ``None``
means the whole table — and training refuses records whose report is not clean.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from recommender.dimensions import PLANS, RIASEC
from recommender.errors import (
    InvalidOutcomeRecordsError,
    OutcomeRecordsError,
    UnknownCodeError,
)
from recommender.files import PRIVATE, atomic_path
from recommender.school_years import school_year_problem
from recommender.school_years import today as mississippi_today

__all__ = [
    "ALL_COLUMNS",
    "AUDIT_COLUMNS",
    "CODE_KINDS",
    "GRADES",
    "PROFILE_COLUMNS",
    "REQUIRED_COLUMNS",
    "GradeMatrix",
    "RowProblem",
    "ValidationReport",
    "find_protected_columns",
    "json_depth",
    "load_outcome_records",
    "normalise_school_year",
    "parse_json_object",
    "pivot_grades",
    "read_outcome_records",
    "validate_outcome_records",
    "write_outcome_records",
]

#: Columns every outcome-record table has, in export order.
REQUIRED_COLUMNS: Final = ("student_id", "school_year", "region_code", "code_kind", "code", "grade")
#: What the student told us: raw answers and/or the scored profile (at least one per row).
PROFILE_COLUMNS: Final = ("answers_json", "profile_json")
#: Kept for fairness audits only; never features.
AUDIT_COLUMNS: Final = ("gender", "race_ethnicity")
ALL_COLUMNS: Final = REQUIRED_COLUMNS + PROFILE_COLUMNS + AUDIT_COLUMNS

CODE_KINDS: Final = ("occupation", "pathway")
#: Outcome grades: 0 none; 1 explored in a session; 2 chosen in the plan or job shadow done;
#: 3 enrolled in a related programme, hired, or still in the pathway a year later.
GRADES: Final = (0, 1, 2, 3)

_STUDENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_SCHOOL_YEAR = re.compile(r"(\d{4})-(\d{2}|\d{4})")
_REGION = re.compile(r"\d{7}")
_OCCUPATION = re.compile(r"\d{2}-\d{4}\.\d{2}")
_PATHWAY = re.compile(r"[\w.#-]{1,160}")

#: Whole words that name a protected attribute (matched against a column name's words).
_PROTECTED_WORDS: Final = frozenset(
    {
        "sex",
        "race",
        "races",
        "racial",
        "male",
        "males",
        "female",
        "females",
        "nonbinary",
        "transgender",
        "ethnic",
    }
)
#: Fragments that name a protected attribute wherever they appear in a column name.
_PROTECTED_FRAGMENTS: Final = ("gender", "ethnicit", "hispanic", "latino", "latina", "latinx")


@dataclass(frozen=True)
class RowProblem:
    """One problem: 1-based data row (None = whole table), column (None = row-wide), reason."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = "table" if self.row is None else f"row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class ValidationReport:
    """Every problem found in ``n_rows`` outcome records; ``ok`` when there are none."""

    n_rows: int
    problems: tuple[RowProblem, ...]

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    @property
    def bad_rows(self) -> tuple[int, ...]:
        """Sorted 1-based numbers of rows with at least one problem."""
        return tuple(sorted({p.row for p in self.problems if p.row is not None}))

    def format(self, limit: int | None = 50) -> str:
        """Return one line per problem (at most ``limit``, None for all) after a summary line."""
        head = f"{len(self.problems)} problem(s) in {self.n_rows} outcome record(s)"
        shown = self.problems if limit is None else self.problems[:limit]
        lines = [head, *(f"  {p}" for p in shown)]
        if len(shown) < len(self.problems):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Return the problems as a table with columns row, column, reason."""
        return pd.DataFrame(
            [(p.row, p.column, p.reason) for p in self.problems],
            columns=["row", "column", "reason"],
        )

    def raise_if_invalid(self) -> None:
        """Raise ``InvalidOutcomeRecordsError`` with every problem unless the report is clean."""
        if self.problems:
            raise InvalidOutcomeRecordsError(
                tuple((p.row, p.column, p.reason) for p in self.problems), self.n_rows
            )


# ------------------------------------------------------------------------------ small helpers


def _words(name: str) -> list[str]:
    """Split a column name into lower-case words at camelCase and non-alphanumeric boundaries."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def find_protected_columns(columns: Iterable[str]) -> list[str]:
    """Return the names among ``columns`` that name gender, sex, race or ethnicity (in order)."""
    found = []
    for name in columns:
        text = str(name)
        joined = "".join(_words(text))
        if _PROTECTED_WORDS.intersection(_words(text)) or any(
            fragment in joined for fragment in _PROTECTED_FRAGMENTS
        ):
            found.append(text)
    return found


def normalise_school_year(value: str) -> str | None:
    """Return 'YYYY-YYYY' for a school year written 'YYYY-YY' or 'YYYY-YYYY', None if invalid."""
    match = _SCHOOL_YEAR.fullmatch(value)
    if match is None:
        return None
    first = int(match.group(1))
    second_text = match.group(2)
    second = int(second_text) if len(second_text) == 4 else first // 100 * 100 + int(second_text)
    if len(second_text) == 2 and first % 100 == 99:
        second += 100
    if second != first + 1:
        return None
    return f"{first}-{first + 1}"


def _is_missing(value: object) -> bool:
    """True for None, NaN, pandas NA and blank strings."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _text(series: pd.Series) -> pd.Series:
    """Return the column as Python strings, missing values as ''."""
    return pd.Series(
        ["" if _is_missing(v) else str(v) for v in series], index=series.index, dtype=object
    )


def _grade_value(value: object) -> int | str:
    """Return the grade as an int, or a reason string when it is not a whole number 0-3."""
    if _is_missing(value):
        return "grade is missing"
    numeric = isinstance(value, int | float | np.integer | np.floating)
    textual = isinstance(value, str) and re.fullmatch(r"[+-]?\d+(\.0*)?", value.strip())
    if isinstance(value, bool) or not (numeric or textual):
        return f"grade {value!r} is not a whole number"
    number = float(value)  # type: ignore[arg-type]
    if not number.is_integer():
        return f"grade {value!r} is not a whole number"
    if int(number) not in GRADES:
        return f"grade {int(number)} is outside 0-3"
    return int(number)


#: Largest answers_json / profile_json cell, in characters (real ones hold a few thousand).
MAX_JSON_CHARS: Final = 100_000
#: Deepest nesting of objects and lists in such a cell (real ones nest three levels).
MAX_JSON_DEPTH: Final = 16


def json_depth(value: object) -> int:
    """Nesting depth of parsed JSON (a scalar 0, ``{}`` or ``[]`` 1), without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[object] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json_object(text: str) -> dict[str, Any] | str:
    """Parse a JSON object from a user's file, or return the reason it is refused.

    Bounded before and after parsing: at most ``MAX_JSON_CHARS`` characters and
    ``MAX_JSON_DEPTH`` levels of nesting (deeper text would exhaust Python's recursion).
    """
    if len(text) > MAX_JSON_CHARS:
        return f"JSON of {len(text):,} characters is longer than the {MAX_JSON_CHARS:,} allowed"
    opened = text.count("{") + text.count("[")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not valid JSON ({exc.msg} at character {exc.pos})"
    except RecursionError:
        return f"JSON nested deeper than the {MAX_JSON_DEPTH} levels allowed"
    if opened > MAX_JSON_DEPTH and json_depth(parsed) > MAX_JSON_DEPTH:
        return f"JSON nested deeper than the {MAX_JSON_DEPTH} levels allowed"
    if not isinstance(parsed, dict):
        return f"expected a JSON object, got {type(parsed).__name__}"
    return parsed


def _profile_problems(profile: dict[str, Any]) -> list[str]:
    """Reasons a parsed profile_json object is unusable (empty list when fine)."""
    reasons = []
    protected = find_protected_columns(profile)
    if protected:
        reasons.append(f"holds protected attribute(s) {protected}; these may never be features")
    interests = profile.get("interests")
    if interests is None:
        reasons.append("has no 'interests'")
    elif not (
        isinstance(interests, list)
        and len(interests) == len(RIASEC)
        and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in interests
        )
    ):
        reasons.append(f"'interests' must be a list of {len(RIASEC)} finite numbers")
    plan = profile.get("plan")
    if plan is not None and plan not in PLANS:
        reasons.append(f"'plan' {plan!r} is not one of {list(PLANS)}")
    return reasons


def _answers_problems(answers: dict[str, Any]) -> list[str]:
    """Reasons a parsed answers_json object is unusable (empty list when fine)."""
    reasons = []
    version = answers.get("instrument_version")
    if not isinstance(version, str) or not version.strip():
        reasons.append("has no 'instrument_version'")
    protected = find_protected_columns(answers)
    if protected:
        reasons.append(f"holds protected attribute(s) {protected}; these may never be features")
    return reasons


# -------------------------------------------------------------------------------- validation


def validate_outcome_records(
    df: pd.DataFrame,
    known_codes: Collection[str],
    *,
    feature_columns: Sequence[str] = (),
    known_regions: Collection[str] | None = None,
    today: date | None = None,
) -> ValidationReport:
    """Check every row and column of an outcome-record table; report all problems found.

    ``known_codes`` holds the valid occupation (O*NET-SOC) and pathway codes; ``feature_columns``
    are the columns the trainer would use as features (protected attributes there are refused);
    ``known_regions``, when given, restricts region codes. School years must lie in the window
    of ``recommender.school_years``, reckoned from ``today`` (default: today's UTC date).
    """
    problems: list[RowProblem] = []
    columns = [str(c) for c in df.columns]
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(RowProblem(None, name, "required column is missing"))
    for name in columns:
        if name not in ALL_COLUMNS:
            problems.append(RowProblem(None, name, "column is not in the outcome-record schema"))
    if len(set(columns)) != len(columns):
        repeated = sorted({c for c in columns if columns.count(c) > 1})
        problems.append(RowProblem(None, None, f"column(s) {repeated} appear more than once"))
        return ValidationReport(len(df), tuple(problems))
    if not any(name in columns for name in PROFILE_COLUMNS):
        problems.append(
            RowProblem(None, "profile_json", "needs an answers_json or a profile_json column")
        )
    for name in find_protected_columns(feature_columns):
        problems.append(
            RowProblem(None, name, "protected attribute listed as a model feature; audit only")
        )

    frame = df.reset_index(drop=True)
    rows = np.arange(1, len(frame) + 1)
    text = {name: _text(frame[name]) for name in ALL_COLUMNS if name in frame.columns}

    def flag(mask: npt.ArrayLike, column: str, reason: str | Callable[[int], str]) -> None:
        for position in np.flatnonzero(np.asarray(mask, dtype=bool)):
            message = reason(int(position)) if callable(reason) else reason
            problems.append(RowProblem(int(rows[position]), column, message))

    if "student_id" in text:
        ids = text["student_id"]
        flag(ids == "", "student_id", "student id is missing")
        bad = (ids != "") & ~ids.str.fullmatch(_STUDENT_ID.pattern).astype(bool)
        flag(bad, "student_id", "not a pseudonymous id (8-64 letters, digits, '-' or '_')")

    years = pd.Series([None] * len(frame), dtype=object)
    if "school_year" in text:
        raw = text["school_year"]
        years = raw.map(normalise_school_year)
        flag(raw == "", "school_year", "school year is missing")
        flag(
            (raw != "") & years.isna(),
            "school_year",
            lambda i: f"{raw.iloc[i]!r} is not a school year like 2025-26 or 2025-2026",
        )
        day = today or mississippi_today()
        outside = {year: school_year_problem(int(year[:4]), day) for year in set(years.dropna())}
        flag(
            years.map(lambda y: outside.get(y) is not None if isinstance(y, str) else False),
            "school_year",
            lambda i: str(outside[years.iloc[i]]),
        )

    if "region_code" in text:
        regions = text["region_code"]
        flag(regions == "", "region_code", "region code is missing")
        bad_format = (regions != "") & ~regions.str.fullmatch(_REGION.pattern).astype(bool)
        flag(bad_format, "region_code", lambda i: f"{regions.iloc[i]!r} is not a 7-digit area code")
        if known_regions is not None:
            allowed = set(known_regions)
            unknown = (regions != "") & ~bad_format & ~regions.isin(allowed)
            flag(unknown, "region_code", lambda i: f"unknown region {regions.iloc[i]!r}")

    kinds = text.get("code_kind", pd.Series([""] * len(frame), dtype=object))
    if "code_kind" in text:
        flag(
            ~kinds.isin(CODE_KINDS),
            "code_kind",
            lambda i: f"{kinds.iloc[i]!r} is not one of {list(CODE_KINDS)}",
        )
    if "code" in text:
        codes = text["code"]
        known = set(known_codes)
        is_occupation = kinds == "occupation"
        is_pathway = kinds == "pathway"
        flag(codes == "", "code", "code is missing")
        bad_occupation = (
            is_occupation & (codes != "") & ~codes.str.fullmatch(_OCCUPATION.pattern).astype(bool)
        )
        flag(
            bad_occupation,
            "code",
            lambda i: f"{codes.iloc[i]!r} is not an O*NET-SOC code like 11-1011.00",
        )
        bad_pathway = (
            is_pathway & (codes != "") & ~codes.str.fullmatch(_PATHWAY.pattern).astype(bool)
        )
        flag(bad_pathway, "code", lambda i: f"{codes.iloc[i]!r} is not a pathway code")
        unknown = (codes != "") & ~bad_occupation & ~bad_pathway & ~codes.isin(known)
        flag(
            unknown & is_occupation,
            "code",
            lambda i: f"unknown occupation code {codes.iloc[i]!r}",
        )
        flag(unknown & is_pathway, "code", lambda i: f"unknown pathway code {codes.iloc[i]!r}")
        flag(
            unknown & ~is_occupation & ~is_pathway,
            "code",
            lambda i: f"unknown code {codes.iloc[i]!r}",
        )

    if "grade" in frame.columns:
        for position, value in enumerate(frame["grade"]):
            checked = _grade_value(value)
            if isinstance(checked, str):
                problems.append(RowProblem(int(rows[position]), "grade", checked))

    present = [name for name in PROFILE_COLUMNS if name in text]
    if present:
        empty = np.logical_and.reduce([text[name] == "" for name in present])
        flag(empty, present[-1], "row has neither answers_json nor profile_json")
    checks = {"answers_json": _answers_problems, "profile_json": _profile_problems}
    for name in present:
        for position, cell in enumerate(text[name]):
            if cell == "":
                continue
            parsed = parse_json_object(cell)
            reasons = [parsed] if isinstance(parsed, str) else checks[name](parsed)
            problems.extend(RowProblem(int(rows[position]), name, r) for r in reasons)

    key_columns = ("student_id", "code_kind", "code")
    if all(name in text for name in key_columns) and "school_year" in text:
        keys = pd.DataFrame({name: text[name] for name in key_columns})
        keys["school_year"] = years
        complete = (keys[list(key_columns)] != "").all(axis=1) & keys["school_year"].notna()
        group = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup()
        first_row = pd.Series(rows).groupby(group.to_numpy()).transform("min")
        duplicate_rows = complete & keys.duplicated(keep="first")
        flag(
            duplicate_rows,
            "student_id",
            lambda i: (
                f"duplicate of row {int(first_row.iloc[i])} (same student, code and school year)"
            ),
        )

    order = {name: index for index, name in enumerate(ALL_COLUMNS)}
    problems.sort(
        key=lambda p: (
            -1 if p.row is None else p.row,
            order.get(p.column or "", len(order)),
        )
    )
    return ValidationReport(len(frame), tuple(problems))


# ----------------------------------------------------------------------------- reading, writing


def _format_of(path: Path) -> str:
    """Return 'csv' or 'parquet' from the file suffix, or raise naming the file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise OutcomeRecordsError(
        f"unsupported suffix {path.suffix!r}; use .csv, .parquet or .pq", file=str(path)
    )


def read_outcome_records(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read outcome records from CSV (UTF-8, every column as text) or Parquet, chosen by suffix.

    In a CSV, empty cells read as ''; ``grade`` becomes int64 when every value is a whole number
    and stays text otherwise so validation can name the bad values.
    """
    source = Path(path)
    kind = _format_of(source)
    if not source.is_file():
        raise OutcomeRecordsError("file not found", file=str(source))
    try:
        if kind == "csv":
            frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8")
        else:
            frame = pd.read_parquet(source)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        # pandas' parser errors, pyarrow's ArrowInvalid and decode errors are all ValueErrors.
        raise OutcomeRecordsError(f"cannot read {kind} file: {exc}", file=str(source)) from exc
    if kind == "csv" and "grade" in frame.columns:
        grades = frame["grade"].str.strip()
        if len(grades) and grades.str.fullmatch(r"\d+").all():
            frame["grade"] = grades.astype(np.int64)
    return frame


def write_outcome_records(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write outcome records atomically as CSV or Parquet (by suffix), columns in schema order.

    Checks the columns (all required present, none outside the schema) but not the rows.
    """
    target = Path(path)
    kind = _format_of(target)
    columns = [str(c) for c in df.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    extra = [c for c in columns if c not in ALL_COLUMNS]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing required column(s) {missing}")
        if extra:
            parts.append(f"column(s) {extra} are not in the outcome-record schema")
        raise OutcomeRecordsError("; ".join(parts), file=str(target))
    if not target.parent.is_dir():
        raise OutcomeRecordsError("folder does not exist", file=str(target))
    frame = df.reset_index(drop=True)[[c for c in ALL_COLUMNS if c in columns]]
    # students' records, even pseudonymous: readable by their owner only
    with atomic_path(target, mode=PRIVATE) as temporary:
        if kind == "csv":
            frame.to_csv(temporary, index=False, lineterminator="\n", encoding="utf-8")
        else:
            frame.to_parquet(temporary, index=False)


def load_outcome_records(
    path: str | os.PathLike[str],
    known_codes: Collection[str],
    *,
    feature_columns: Sequence[str] = (),
    known_regions: Collection[str] | None = None,
) -> pd.DataFrame:
    """Read outcome records and return them only if they validate; else raise with every problem.

    This is the one way training should take records in: ``InvalidOutcomeRecordsError``
    carries every (row, column, reason), and ``OutcomeRecordsError`` names an unreadable file.
    """
    frame = read_outcome_records(path)
    report = validate_outcome_records(
        frame, known_codes, feature_columns=feature_columns, known_regions=known_regions
    )
    report.raise_if_invalid()
    return frame


# ------------------------------------------------------------------------ records -> matrices


@dataclass(frozen=True)
class GradeMatrix:
    """Dense grades for training and evaluation.

    ``students`` has one row per (student_id, school_year), sorted by school year then id, with
    the first record's region_code and any profile/audit columns; ``grades`` is float32
    (len(students), len(codes)), 0 where no record exists; ``codes`` gives the column order.
    """

    students: pd.DataFrame
    codes: tuple[str, ...]
    grades: npt.NDArray[np.float32]


def pivot_grades(
    df: pd.DataFrame, codes: Sequence[str], *, code_kind: str = "occupation"
) -> GradeMatrix:
    """Pivot validated records of one ``code_kind`` into a (students x codes) grade matrix.

    A record whose code is not in ``codes`` raises ``UnknownCodeError``; repeated records keep
    the highest grade. Students with no record of this kind are absent.
    """
    if code_kind not in CODE_KINDS:
        raise UnknownCodeError("code kind", code_kind)
    frame = df.reset_index(drop=True)
    frame = frame[_text(frame["code_kind"]) == code_kind].copy()
    frame["school_year"] = _text(frame["school_year"]).map(normalise_school_year)
    column_of = {code: index for index, code in enumerate(codes)}
    unknown = sorted(set(_text(frame["code"])) - set(column_of))
    if unknown:
        raise UnknownCodeError(code_kind, unknown[0])
    keep = [
        c for c in ALL_COLUMNS if c in frame.columns and c not in ("code_kind", "code", "grade")
    ]
    students = (
        frame[keep]
        .drop_duplicates(subset=["student_id", "school_year"], keep="first")
        .sort_values(["school_year", "student_id"], kind="stable")
        .reset_index(drop=True)
    )
    row_of = {
        (sid, year): index
        for index, (sid, year) in enumerate(
            zip(students["student_id"], students["school_year"], strict=True)
        )
    }
    grades = np.zeros((len(students), len(codes)), dtype=np.float32)
    row_index = np.array(
        [row_of[(s, y)] for s, y in zip(frame["student_id"], frame["school_year"], strict=True)],
        dtype=np.intp,
    )
    col_index = np.array([column_of[c] for c in _text(frame["code"])], dtype=np.intp)
    checked = [_grade_value(v) for v in frame["grade"]]
    bad = [(i + 1, "grade", c) for i, c in enumerate(checked) if isinstance(c, str)]
    if bad:
        raise InvalidOutcomeRecordsError(tuple(bad), len(frame))
    values = np.array(checked, dtype=np.float32)
    np.maximum.at(grades, (row_index, col_index), values)
    return GradeMatrix(students=students, codes=tuple(codes), grades=grades)
