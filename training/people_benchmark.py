"""A benchmark of real people: RIASEC answers with the field of study they named.

Source: the Open-Source Psychometrics Project's online RIASEC test (2015-2018), US subset of
18,230 respondents with the 13 most common majors, as packaged by the ``Rkabacoff/qacr`` R package
(``shared/data/raw/PROVENANCE.md`` section 19). The build writes two small tab-separated files:

``people.tsv``
    One row per respondent with a usable answer set (at least ``MIN_ANSWERED`` of the 8 items
    answered on every scale) and a named major: ``respondent`` (the source row name), ``age_band``,
    ``gender``, ``field`` (the major, lower case), ``R_mean``..``C_mean`` (mean of the answered
    items, 1..5, 3 decimals) and ``R_n``..``C_n`` (items answered). Item answers and wording are not
    copied; only the six scale means and counts are kept.
``field_occupations.tsv``
    Field -> CIP 2020 family -> catalogue occupations, through the NCES CIP 2020 - SOC 2018
    crosswalk: a catalogue occupation belongs to a field when its 6-digit SOC is linked to any CIP
    code under one of the field's prefixes (``FIELD_CIP_FAMILIES``). One row per (field,
    occupation); ``cip_family`` lists every prefix of the field that links it, ``;``-separated.

``load_people_benchmark`` reads them back (raising ``BenchmarkDataError``, a ``ValueError``, naming
file, row and column on malformed input) and ``norms`` gives scale means, SDs and correlations of an
age group, used as population norms for the student scales. Building twice gives identical bytes.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from recommender.catalogue import Catalogue, load_catalogue
from recommender.dimensions import RIASEC
from recommender.errors import BenchmarkDataError, RawDataError
from recommender.files import READABLE, atomic_path

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
#: The raw public data folder beside the repository (``shared/data/raw``).
DEFAULT_RAW_DIR: Final = REPO_ROOT.parent / "shared" / "data" / "raw"
#: The committed benchmark folder.
DEFAULT: Final = REPO_ROOT / "data" / "benchmarks"

#: Raw inputs, relative to the raw folder.
RAW_FILES: Final[Mapping[str, str]] = {
    "people": "openpsychometrics_riasec/riasec_us_majors_18230.csv",
    "crosswalk": "nces_cip_soc/CIP2020_SOC2018_Crosswalk.csv",
}
PEOPLE_FILE: Final = "people.tsv"
FIELD_OCCUPATIONS_FILE: Final = "field_occupations.tsv"

ITEMS_PER_SCALE: Final = 8
#: A scale is usable when at least this many of its 8 items were answered (0 = not answered).
MIN_ANSWERED: Final = 6
AGE_BANDS: Final = ("13-19", "20-24", "25-34", "35+", "unknown")
GENDERS: Final = ("female", "male", "other", "unknown")
#: The crosswalk's marker for a CIP code with no SOC match.
NO_MATCH_SOC: Final = "99-9999"

PEOPLE_COLUMNS: Final = (
    "respondent",
    "age_band",
    "gender",
    "field",
    *(f"{s}_mean" for s in RIASEC),
    *(f"{s}_n" for s in RIASEC),
)
FIELD_OCCUPATION_COLUMNS: Final = ("field", "cip_family", "code", "soc")

#: Field of study (the survey's "major", lower case) -> CIP 2020 code prefixes. A 2-digit prefix
#: is a whole CIP family (``42`` matches ``42.xxxx``); a 4-digit one a CIP series (``52.03``
#: matches ``52.03xx``). Occupation counts are with the committed catalogue (923 occupations).
#:
#: * accounting -> 52.03 Accounting and related services (17 occupations).
#: * biology -> 26 Biological and biomedical sciences (59).
#: * business -> 52 Business, management, marketing, less what is not a general business degree
#:   (128; the whole of 52 gives 170, mostly clerical, retail and hospitality jobs):
#:   kept 52.01 general, 52.02 administration and management, 52.05 business communication,
#:   52.06 business/managerial economics, 52.07 entrepreneurship, 52.08 finance, 52.10 human
#:   resources, 52.11 international business, 52.12 management information systems, 52.13
#:   management sciences (actuarial, business statistics), 52.14 marketing, 52.15 real estate,
#:   52.17 insurance; left out 52.03 accounting and 52.16 taxation (the survey's own
#:   "accounting" field), 52.04 office support and secretarial programmes, 52.09 hospitality
#:   administration, 52.18 retail and general merchandising operations, 52.19 specialised sales
#:   (fashion, funeral, travel), 52.20 construction management, 52.21 telecommunications
#:   management.
#: * civil engineering -> 14.08 Civil engineering (17).
#: * computer science -> 11 Computer and information sciences and support services (44).
#: * economics -> 45.06 Economics (19).
#: * education -> 13 Education (56).
#: * engineering -> 14 Engineering, all branches including civil (61).
#: * english -> 23 English language and literature/letters (7).
#: * history -> 54 History (16).
#: * law -> 22 Legal professions and studies (11).
#: * nursing -> 51.38 Registered nursing, nursing administration, research and clinical nursing
#:   (10); the survey asked for a university major, so practical nursing and nursing assistants
#:   (51.39) are left out.
#: * psychology -> 42 Psychology (31).
FIELD_CIP_FAMILIES: Final[Mapping[str, tuple[str, ...]]] = {
    "accounting": ("52.03",),
    "biology": ("26",),
    "business": (
        "52.01",
        "52.02",
        "52.05",
        "52.06",
        "52.07",
        "52.08",
        "52.10",
        "52.11",
        "52.12",
        "52.13",
        "52.14",
        "52.15",
        "52.17",
    ),
    "civil engineering": ("14.08",),
    "computer science": ("11",),
    "economics": ("45.06",),
    "education": ("13",),
    "engineering": ("14",),
    "english": ("23",),
    "history": ("54",),
    "law": ("22",),
    "nursing": ("51.38",),
    "psychology": ("42",),
}
#: A field whose occupation set is outside this range is refused by the build (refine prefixes).
FIELD_OCCUPATIONS_RANGE: Final = (3, 150)

_CIP_PREFIX = re.compile(r"^\d{2}(\.\d{2}(\d{2})?)?$")
_CIP_CODE = re.compile(r"^\d{2}\.\d{4}$")
_SOC = re.compile(r"^\d{2}-\d{4}$")
_ONET_CODE = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
_MEAN = re.compile(r"^\d\.\d{3}$")
_INT = re.compile(r"^\d+$")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]


@dataclass(frozen=True, eq=False)
class PeopleBenchmark:
    """The loaded benchmark; row i of every array is one respondent (arrays are read-only).

    ``means`` and ``answered`` are (n, 6) in R, I, A, S, E, C order. ``field_occupations`` maps
    each field to the sorted catalogue row indices of its occupations; ``codes`` is the catalogue
    code order those indices refer to.
    """

    respondent: IntArray
    age_band: StrArray
    gender: StrArray
    field: StrArray
    means: FloatArray
    answered: IntArray
    field_occupations: dict[str, IntArray]
    codes: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.respondent.shape[0])


# --------------------------------------------------------------------------------------------
# build


def age_band(age: str) -> str:
    """The age band of a raw age text: 13-19, 20-24, 25-34, 35+, or unknown (blank, not a whole
    number, or outside 13..99: the source dropped under-13s and anything above is a typo)."""
    text = age.strip()
    if not _INT.match(text):
        return "unknown"
    years = int(text)
    if years < 13 or years > 99:
        return "unknown"
    if years <= 19:
        return "13-19"
    if years <= 24:
        return "20-24"
    if years <= 34:
        return "25-34"
    return "35+"


def cip_matches(cip_code: str, prefix: str) -> bool:
    """Whether a CIP code (``NN.NNNN``) falls under a prefix (``NN``, ``NN.NN`` or ``NN.NNNN``)."""
    if len(prefix) == 2:
        return cip_code[:3] == prefix + "."
    return cip_code.startswith(prefix)


def _raw_path(raw_dir: Path, key: str) -> Path:
    path = raw_dir / RAW_FILES[key]
    if not path.is_file():
        raise RawDataError(str(path), "raw file not found")
    return path


def _read_people(path: Path) -> tuple[list[list[str]], Counter[str], int]:
    """people.tsv rows (as text) from the raw answers, drop counts by reason, rows read."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise RawDataError(str(path), f"cannot be read as CSV ({exc})") from None
    items = [f"{s}{k}" for s in RIASEC for k in range(1, ITEMS_PER_SCALE + 1)]
    needed = ["orig_rowname", *items, "gender", "age", "major"]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise RawDataError(str(path), f"missing columns {missing}")
    respondent = raw["orig_rowname"].str.strip()
    bad = ~respondent.str.fullmatch(r"\d+")
    if bad.any():
        raise RawDataError(str(path), f"orig_rowname not a whole number in row {_first(bad) + 1}")
    if respondent.duplicated().any():
        raise RawDataError(str(path), "orig_rowname is not unique")
    answers = raw[items].apply(lambda col: col.str.strip())
    bad_items = ~answers.isin([str(v) for v in range(6)])
    if bad_items.to_numpy().any():
        row = int(np.flatnonzero(bad_items.to_numpy().any(axis=1))[0])
        col = items[int(np.flatnonzero(bad_items.to_numpy()[row])[0])]
        raise RawDataError(str(path), f"row {row + 1}, column {col}: answer is not 0..5")
    values = answers.to_numpy(dtype=np.int64).reshape(len(raw), len(RIASEC), ITEMS_PER_SCALE)
    answered = (values > 0).sum(axis=2)
    totals = values.sum(axis=2)

    gender = raw["gender"].str.strip().str.lower().replace({"": "unknown", "na": "unknown"})
    unknown_gender = ~gender.isin(GENDERS)
    if unknown_gender.any():
        value = gender[unknown_gender].iloc[0]
        raise RawDataError(str(path), f"unexpected gender {value!r}")
    field = raw["major"].str.strip().str.lower().replace({"na": ""})
    unmapped = sorted(set(field[field != ""]) - set(FIELD_CIP_FAMILIES))
    if unmapped:
        raise RawDataError(str(path), f"majors without a CIP mapping: {unmapped}")

    respondents = [str(v) for v in respondent]
    genders = [str(v) for v in gender]
    fields = [str(v) for v in field]
    raw_ages = [str(v) for v in raw["age"]]
    drops: Counter[str] = Counter()
    rows: list[list[str]] = []
    for i in range(len(raw)):
        if fields[i] == "":
            drops["no_major"] += 1
            continue
        if int(answered[i].min()) < MIN_ANSWERED:
            drops["too_few_answers"] += 1
            continue
        means = [f"{totals[i, j] / answered[i, j]:.3f}" for j in range(len(RIASEC))]
        rows.append(
            [
                respondents[i],
                age_band(raw_ages[i]),
                genders[i],
                fields[i],
                *means,
                *(str(int(n)) for n in answered[i]),
            ]
        )
    return rows, drops, len(raw)


def _first(mask: pd.Series) -> int:
    return int(np.flatnonzero(mask.to_numpy())[0])


def _read_crosswalk(path: Path) -> pd.DataFrame:
    """The CIP-SOC crosswalk as (cip, soc) text pairs, "no match" rows dropped."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise RawDataError(str(path), f"cannot be read as CSV ({exc})") from None
    for column in ("CIP2020Code", "SOC2018Code"):
        if column not in frame.columns:
            raise RawDataError(str(path), f"missing column {column}")
    pairs = pd.DataFrame(
        {"cip": frame["CIP2020Code"].str.strip(), "soc": frame["SOC2018Code"].str.strip()}
    )
    pairs = pairs[(pairs["soc"] != NO_MATCH_SOC) & (pairs["cip"] != "99.9999")]
    bad = ~pairs["cip"].str.fullmatch(_CIP_CODE.pattern) | ~pairs["soc"].str.fullmatch(_SOC.pattern)
    if bad.any():
        row = pairs[bad].iloc[0]
        raise RawDataError(str(path), f"malformed code pair {row['cip']!r}, {row['soc']!r}")
    return pairs.drop_duplicates().reset_index(drop=True)


def _field_occupation_rows(
    pairs: pd.DataFrame, catalogue: Catalogue
) -> tuple[list[list[str]], dict[str, int]]:
    """field_occupations.tsv rows (fields sorted, occupations in catalogue order) and counts."""
    rows: list[list[str]] = []
    counts: dict[str, int] = {}
    for field in sorted(FIELD_CIP_FAMILIES):
        prefixes = FIELD_CIP_FAMILIES[field]
        for prefix in prefixes:
            if not _CIP_PREFIX.match(prefix):
                raise ValueError(f"FIELD_CIP_FAMILIES[{field!r}]: bad CIP prefix {prefix!r}")
        linked: dict[str, list[str]] = {}
        for prefix in prefixes:
            under = pairs["cip"].map(lambda code, p=prefix: cip_matches(code, p))
            if not under.any():
                raise ValueError(f"FIELD_CIP_FAMILIES[{field!r}]: no CIP code under {prefix!r}")
            for soc in sorted(set(pairs.loc[under, "soc"])):
                linked.setdefault(soc, []).append(prefix)
        count = 0
        for code, soc in zip(catalogue.codes, catalogue.socs, strict=True):
            if soc in linked:
                rows.append([field, ";".join(linked[soc]), code, soc])
                count += 1
        low, high = FIELD_OCCUPATIONS_RANGE
        if not low <= count <= high:
            raise ValueError(
                f"field {field!r} gets {count} occupations (outside {low}..{high}); "
                "refine its CIP prefixes"
            )
        counts[field] = count
    return rows, counts


def _write_tsv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Write a TSV (LF line ends) atomically beside ``path``; return its sha256."""
    digest = hashlib.sha256()
    with atomic_path(path, mode=READABLE) as tmp, tmp.open("wb") as handle:
        for row in [columns, *rows]:
            if len(row) != len(columns):
                raise ValueError(f"{path.name}: a row has {len(row)} fields, not {len(columns)}")
            if any(ch in cell for cell in row for ch in "\t\r\n"):
                raise ValueError(f"{path.name}: a cell holds a tab or newline")
            line = ("\t".join(row) + "\n").encode("utf-8")
            handle.write(line)
            digest.update(line)
    return digest.hexdigest()


def build_people_benchmark(raw_dir: Path, catalogue: Catalogue, out_dir: Path) -> dict[str, Any]:
    """Write ``people.tsv`` and ``field_occupations.tsv`` into ``out_dir`` from the raw folder.

    Both inputs are read and checked before anything is written; other files in ``out_dir`` are
    left alone. Returns a summary: rows read and written, rows dropped by reason, per-field
    respondent and occupation counts with the CIP prefixes used, and the sha256 of both files.
    Raises ``RawDataError`` for a missing or unusable raw file and ``ValueError`` when a field's
    CIP prefixes give an implausible occupation set.
    """
    raw_dir = Path(raw_dir)
    out_dir = Path(out_dir)
    if not raw_dir.is_dir():
        raise RawDataError(str(raw_dir), "raw data folder not found")
    people_path = _raw_path(raw_dir, "people")
    crosswalk_path = _raw_path(raw_dir, "crosswalk")

    people_rows, drops, rows_read = _read_people(people_path)
    occupation_rows, occupation_counts = _field_occupation_rows(
        _read_crosswalk(crosswalk_path), catalogue
    )
    respondents = Counter(row[3] for row in people_rows)
    ages = Counter(row[1] for row in people_rows)

    out_dir.mkdir(parents=True, exist_ok=True)
    people_sha = _write_tsv(out_dir / PEOPLE_FILE, PEOPLE_COLUMNS, people_rows)
    occupations_sha = _write_tsv(
        out_dir / FIELD_OCCUPATIONS_FILE, FIELD_OCCUPATION_COLUMNS, occupation_rows
    )
    return {
        "rows_read": rows_read,
        "rows_written": len(people_rows),
        "rows_dropped": {
            "no_major": drops["no_major"],
            "too_few_answers": drops["too_few_answers"],
        },
        "min_answered_per_scale": MIN_ANSWERED,
        "age_bands": {band: ages[band] for band in AGE_BANDS},
        "fields": {
            field: {
                "respondents": respondents[field],
                "occupations": occupation_counts[field],
                "cip_families": list(FIELD_CIP_FAMILIES[field]),
            }
            for field in sorted(FIELD_CIP_FAMILIES)
        },
        "field_occupation_rows": len(occupation_rows),
        "catalogue_version": catalogue.version,
        "sha256": {PEOPLE_FILE: people_sha, FIELD_OCCUPATIONS_FILE: occupations_sha},
    }


# --------------------------------------------------------------------------------------------
# load


def _read_rows(path: Path, columns: Sequence[str]) -> list[list[str]]:
    """Data rows of a TSV whose header must equal ``columns``; every row must be complete."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BenchmarkDataError("file is missing", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchmarkDataError(f"cannot be read ({exc})", file=str(path)) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise BenchmarkDataError("file is empty", file=str(path))
    header = lines[0].split("\t")
    if tuple(header) != tuple(columns):
        raise BenchmarkDataError(
            f"header is {header}, expected {list(columns)}", file=str(path), row=None
        )
    rows = []
    for number, line in enumerate(lines[1:], start=1):
        cells = line.split("\t")
        if len(cells) != len(columns):
            raise BenchmarkDataError(
                f"has {len(cells)} fields, expected {len(columns)}", file=str(path), row=number
            )
        rows.append(cells)
    if not rows:
        raise BenchmarkDataError("has no data rows", file=str(path))
    return rows


def _parse_people(
    path: Path,
) -> tuple[IntArray, list[str], list[str], list[str], FloatArray, IntArray]:
    rows = _read_rows(path, PEOPLE_COLUMNS)
    file = str(path)
    n = len(rows)
    respondent = np.empty(n, dtype=np.int64)
    means = np.empty((n, len(RIASEC)), dtype=np.float64)
    answered = np.empty((n, len(RIASEC)), dtype=np.int64)
    ages: list[str] = []
    genders: list[str] = []
    fields: list[str] = []
    seen: dict[str, int] = {}
    for i, cells in enumerate(rows):
        number = i + 1

        def fail(column: str, message: str, number: int = number) -> BenchmarkDataError:
            return BenchmarkDataError(message, file=file, row=number, column=column)

        rid, band, gender, field = cells[:4]
        if not _INT.match(rid):
            raise fail("respondent", f"{rid!r} is not a whole number")
        if rid in seen:
            raise fail("respondent", f"{rid} repeats row {seen[rid]}")
        seen[rid] = number
        respondent[i] = int(rid)
        if band not in AGE_BANDS:
            raise fail("age_band", f"{band!r} is not one of {list(AGE_BANDS)}")
        if gender not in GENDERS:
            raise fail("gender", f"{gender!r} is not one of {list(GENDERS)}")
        if not field or field != field.strip().lower():
            raise fail("field", f"{field!r} is not a lower-case field name")
        ages.append(band)
        genders.append(gender)
        fields.append(field)
        for j, scale in enumerate(RIASEC):
            mean_text = cells[4 + j]
            count_text = cells[4 + len(RIASEC) + j]
            if not _MEAN.match(mean_text) or not 1.0 <= float(mean_text) <= 5.0:
                raise fail(f"{scale}_mean", f"{mean_text!r} is not a mean in 1.000..5.000")
            if not _INT.match(count_text) or not (
                MIN_ANSWERED <= int(count_text) <= ITEMS_PER_SCALE
            ):
                raise fail(f"{scale}_n", f"{count_text!r} is not a count in {MIN_ANSWERED}..8")
            mean, count = float(mean_text), int(count_text)
            total = mean * count
            if abs(total - round(total)) > 0.0005 * count + 1e-9:
                raise fail(f"{scale}_mean", f"{mean_text} is not a mean of {count} whole answers")
            means[i, j] = mean
            answered[i, j] = count
    return respondent, ages, genders, fields, means, answered


def _catalogue_codes(
    catalogue: Catalogue | Sequence[str] | None,
) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    if catalogue is None:
        catalogue = load_catalogue()
    if isinstance(catalogue, Catalogue):
        return tuple(catalogue.codes), tuple(catalogue.socs)
    return tuple(catalogue), None


def _parse_field_occupations(
    path: Path, codes: tuple[str, ...], socs: tuple[str, ...] | None
) -> dict[str, IntArray]:
    rows = _read_rows(path, FIELD_OCCUPATION_COLUMNS)
    file = str(path)
    index = {code: i for i, code in enumerate(codes)}
    members: dict[str, list[int]] = {}
    for number, (field, family, code, soc) in enumerate(rows, start=1):
        if not field or field != field.strip().lower():
            raise BenchmarkDataError(
                f"{field!r} is not a lower-case field name", file=file, row=number, column="field"
            )
        parts = family.split(";")
        if not all(_CIP_PREFIX.match(part) for part in parts):
            raise BenchmarkDataError(
                f"{family!r} is not a ';'-list of CIP prefixes (NN, NN.NN or NN.NNNN)",
                file=file,
                row=number,
                column="cip_family",
            )
        if not _ONET_CODE.match(code) or code not in index:
            raise BenchmarkDataError(
                f"{code!r} is not a catalogue occupation code", file=file, row=number, column="code"
            )
        expected = socs[index[code]] if socs is not None else code[:7]
        if soc != expected:
            raise BenchmarkDataError(
                f"{soc!r} is not the SOC of {code} ({expected})",
                file=file,
                row=number,
                column="soc",
            )
        rows_of_field = members.setdefault(field, [])
        if index[code] in rows_of_field:
            raise BenchmarkDataError(
                f"{code} is listed twice for {field!r}", file=file, row=number, column="code"
            )
        rows_of_field.append(index[code])
    result = {}
    for field, rows_of_field in members.items():
        array = np.array(sorted(rows_of_field), dtype=np.int64)
        array.setflags(write=False)
        result[field] = array
    return result


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.setflags(write=False)
    return array


def load_people_benchmark(
    folder: Path = DEFAULT, catalogue: Catalogue | Sequence[str] | None = None
) -> PeopleBenchmark:
    """Load and check ``people.tsv`` and ``field_occupations.tsv`` from ``folder``.

    ``catalogue`` is the loaded catalogue or its code sequence (default: the committed
    catalogue); ``field_occupations`` indexes it. Raises ``BenchmarkDataError`` (a
    ``ValueError``) naming file, row and column for any malformed cell, an occupation code not in
    the catalogue, or a field in ``people.tsv`` with no occupations.
    """
    folder = Path(folder)
    codes, socs = _catalogue_codes(catalogue)
    people_path = folder / PEOPLE_FILE
    respondent, ages, genders, fields, means, answered = _parse_people(people_path)
    field_occupations = _parse_field_occupations(folder / FIELD_OCCUPATIONS_FILE, codes, socs)
    for number, field in enumerate(fields, start=1):
        if field not in field_occupations:
            raise BenchmarkDataError(
                f"{field!r} has no occupations in {FIELD_OCCUPATIONS_FILE}",
                file=str(people_path),
                row=number,
                column="field",
            )
    return PeopleBenchmark(
        respondent=_frozen(respondent),
        age_band=_frozen(np.array(ages, dtype=np.str_)),
        gender=_frozen(np.array(genders, dtype=np.str_)),
        field=_frozen(np.array(fields, dtype=np.str_)),
        means=_frozen(means),
        answered=_frozen(answered),
        field_occupations=field_occupations,
        codes=codes,
    )


# --------------------------------------------------------------------------------------------
# norms


def norms(bench: PeopleBenchmark, ages: Sequence[str] = ("13-19",)) -> dict[str, Any]:
    """Scale norms of the respondents in the given age bands.

    Returns ``ages`` (tuple), ``n``, ``scales`` (R, I, A, S, E, C), ``mean`` and ``sd`` (float64
    arrays of 6; SD with n - 1 in the denominator) of the scale means, and ``corr``, the 6x6
    Pearson correlation matrix. Raises ``ValueError`` for an unknown band or fewer than 2 people.
    """
    bands = tuple(ages)
    unknown = [band for band in bands if band not in AGE_BANDS]
    if unknown or not bands:
        raise ValueError(f"age bands {unknown or list(bands)} are not among {list(AGE_BANDS)}")
    selected = bench.means[np.isin(bench.age_band, bands)]
    n = int(selected.shape[0])
    if n < 2:
        raise ValueError(f"only {n} respondents in age bands {list(bands)}; norms need 2 or more")
    mean = selected.mean(axis=0)
    sd = selected.std(axis=0, ddof=1)
    if not np.all(sd > 0) or not all(math.isfinite(float(v)) for v in sd):
        raise ValueError(f"a scale has no spread in age bands {list(bands)}")
    corr = np.corrcoef(selected, rowvar=False)
    return {
        "ages": bands,
        "n": n,
        "scales": tuple(RIASEC),
        "mean": mean,
        "sd": sd,
        "corr": corr,
    }
