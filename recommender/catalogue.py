"""The Mississippi pathway catalogue: occupations, pathways, regions and regional labour data.

``load_catalogue`` reads the committed tab-separated files in ``data/catalogue/`` (written by
``pathways catalogue build``) into an immutable ``Catalogue`` whose arrays are float32 (or small
ints / bools), indexed by occupation in ``codes`` order and by region in ``regions`` order.
Any missing or malformed file raises ``CatalogueError`` naming the file, row and column.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recommender.dimensions import APTITUDES, RIASEC, WORK_VALUES
from recommender.errors import CatalogueError, UnknownCodeError
from recommender.shipped import data_dir, shipped_path
from recommender.training_routes import (
    COLLEGE_KINDS,
    CREDENTIAL_LEVELS,
    DIRECTNESS,
    Campus,
    College,
    CollegeProgram,
)

#: The shipped catalogue (the checkout's data/catalogue, or the installed package data).
DEFAULT_CATALOGUE_DIR: Final = shipped_path("catalogue")

#: BLS typical entry education categories; ``education_code`` is the index (-1 = unknown).
EDUCATION_LEVELS: Final = (
    "No formal educational credential",
    "High school diploma or equivalent",
    "Some college, no degree",
    "Postsecondary nondegree award",
    "Associate's degree",
    "Bachelor's degree",
    "Master's degree",
    "Doctoral or professional degree",
)

#: Where a regional labour figure came from: code -> name (-1 = no data at any level).
LABOUR_SOURCE_LEVELS: Final = {"region": 0, "state": 1, "national": 2, "none": -1}

REGION_KINDS: Final = ("state", "metro", "nonmetro")

COLUMNS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "occupations.tsv": (
            "code",
            "soc",
            "title",
            *(f"interest_{letter}" for letter in RIASEC),
            "high_point",
            "job_zone",
            *(f"aptitude_{name}" for name in APTITUDES),
            "aptitude_imputed",
            *(f"value_{name}" for name in WORK_VALUES),
            "education_code",
            "education_source",
            "growth_pct",
            "openings",
            "ep_code",
            "ep_match",
            "bright_outlook",
            "oews_code",
            "oews_match",
        ),
        "occupation_text.tsv": ("code", "description"),
        "lay_titles.tsv": ("code", "lay_title", "kind"),
        "regions.tsv": ("region_code", "name", "kind"),
        "counties.tsv": ("county_fips", "county_name", "region_code", "wioa_area"),
        "labour.tsv": (
            "region_code",
            "code",
            "employment",
            "location_quotient",
            "employment_source",
            "wage_mean",
            "wage_median",
            "wage_p10",
            "wage_p90",
            "wage_source",
            "high_value",
        ),
        "pathways.tsv": ("pathway_code", "cluster_code", "cluster", "title"),
        "pathway_members.tsv": ("pathway_code", "code"),
        "programs.tsv": ("code", "cip_code", "cip_title", "directness", "ms_completers"),
        "colleges.tsv": ("unitid", "name", "kind", "main_county_fips"),
        "college_programs.tsv": (
            "unitid",
            "cip4",
            "cip4_title",
            "credential_level",
            "completers",
            "earnings",
            "earnings_years",
        ),
        "college_districts.tsv": ("county_fips", "unitid", "shared", "basis"),
        "campuses.tsv": ("unitid", "campus", "city", "county_fips", "main"),
    }
)

#: Every data file of a catalogue folder (besides ``manifest.json``).
CATALOGUE_FILES: Final = tuple(sorted(COLUMNS))

#: Files written by this project and kept beside the built data: not rebuilt from raw data, not
#: in the manifest or the catalogue version (a translation changes no figure a model reads), and
#: carried over by ``pathways catalogue build``. ``titles_es.tsv``: the project's own Spanish
#: titles, one row per (kind, code), kind one of ``TITLE_KINDS``.
TRANSLATION_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {"titles_es.tsv": ("code", "kind", "title_es")}
)
TRANSLATION_FILES: Final = tuple(sorted(TRANSLATION_COLUMNS))
TITLE_KINDS: Final = ("cluster", "pathway", "occupation")

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Region:
    """An OEWS area: ``code`` is the 7-digit OEWS area code; ``counties`` are 5-digit FIPS."""

    code: str
    name: str
    kind: str
    counties: tuple[str, ...]


@dataclass(frozen=True)
class Cluster:
    """A career cluster: ``code`` is a slug of its title; ``pathway_index`` points into pathways."""

    code: str
    title: str
    pathway_index: tuple[int, ...]
    title_es: str = ""


@dataclass(frozen=True)
class Pathway:
    """A career pathway: ``code`` is '<cluster slug>.<pathway slug>'; members index ``codes``."""

    code: str
    cluster_code: str
    cluster: str
    title: str
    occupation_index: tuple[int, ...]
    title_es: str = ""
    cluster_es: str = ""


@dataclass(frozen=True)
class Program:
    """A CIP 2020 instructional programme linked to an occupation's SOC by the NCES crosswalk.

    ``directness`` is "named" when its title shares a word stem with the occupation's title,
    else "linked"; ``ms_completers`` the Mississippi completers of its 4-digit family at the
    credential levels the occupation's usual education calls for (the family's, not this
    programme's alone).
    """

    cip_code: str
    title: str
    directness: str = "linked"
    ms_completers: int = 0


@dataclass(frozen=True)
class Occupation:
    """All scalar facts about one occupation, plus its description and lay titles."""

    code: str
    soc: str
    title: str
    description: str
    lay_titles: tuple[str, ...]
    riasec: tuple[float, ...]
    high_point: str
    job_zone: int
    aptitude_demand: tuple[float, ...]
    aptitude_imputed: bool
    work_values: tuple[float, ...]
    education_code: int
    education: str
    growth_pct: float
    openings: float
    bright_outlook: bool
    pathways: tuple[str, ...]
    programs: tuple[Program, ...]
    title_es: str = ""


#: Whose regional figures an occupation carries: its own OEWS series, a group's, or none at all.
FIGURES_SCOPES: Final = ("occupation", "group", "none")


@dataclass(frozen=True)
class OewsSeries:
    """The OEWS series whose regional employment and wages an occupation carries.

    ``series_size`` is how many catalogue occupations carry the same series (0 when none).
    ``figures_are_group`` is true when the figures are not the occupation's alone: the series is
    shared (``series_size`` > 1) or is a SOC broad group (``match == "broad"``). ``title`` is the
    catalogue's title of the series' own SOC code (``<code>.00``), "" when the catalogue has none
    (broad groups, "All Other" codes); the catalogue holds no OEWS titles of its own.
    """

    code: str
    match: str
    title: str
    series_size: int
    figures_are_group: bool

    @property
    def scope(self) -> str:
        """One of ``FIGURES_SCOPES``."""
        if not self.code:
            return "none"
        return "group" if self.figures_are_group else "occupation"


@dataclass(frozen=True)
class HighValueThresholds:
    """Parameters of the per-region high-value flag (documented in docs/catalogue.md): the
    catalogue build applies them and records them in the manifest
    (``parameters.high_value_rule``).

    An occupation is high-value in a region when its median annual wage, taken from the region or
    at most ``max_wage_source`` levels away (0 region, 1 statewide, 2 national), is at least
    ``min_wage_ratio`` times the region's all-occupation median, and it shows demand: employment
    published for the region itself of at least ``min_employment`` jobs, and either national
    2024-34 growth at least ``growth_margin_pct`` points above the all-occupation rate or (when
    ``use_bright_outlook``) an O*NET Bright Outlook flag.
    """

    min_wage_ratio: float = 1.0
    max_wage_source: int = 1
    min_employment: int = 100
    growth_margin_pct: float = 0.0
    use_bright_outlook: bool = True


def split_employment(
    employment: npt.ArrayLike, series_size: npt.ArrayLike
) -> npt.NDArray[np.float32]:
    """Each occupation's even share of its series' employment: employment / series size.

    ``employment`` is (..., n) and ``series_size`` (n,); a size of 0 or 1 leaves the figure as it
    is and NaN stays NaN. An even split is an assumption (OEWS does not publish O*NET detail
    occupations): it stops a series shared by k occupations from counting its jobs k times.
    """
    size = np.maximum(np.asarray(series_size, dtype=np.float64), 1.0)
    share = np.asarray(employment, dtype=np.float64) / size
    return share.astype(np.float32)


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The loaded catalogue; arrays are read-only and row i of each is occupation ``codes[i]``.

    Regional arrays are (n_regions, n_occupations). ``oews_codes[i]`` is the OEWS series whose
    figures occupation i carries ("" when none), ``oews_match[i]`` how it was matched (detailed,
    broad, none), ``oews_shared[i]`` how many catalogue occupations carry the same series (the
    series size; their employment is the series total, not a share of it), ``oews_titles[i]``
    the series' title when the catalogue has it, and ``figures_are_group[i]`` whether the
    figures are a group's rather than the occupation's own. ``oews_series(i)`` gathers these.
    """

    version: str
    path: Path
    codes: tuple[str, ...]
    socs: tuple[str, ...]
    titles: tuple[str, ...]
    riasec: FloatArray
    high_point: tuple[str, ...]
    aptitude_demand: FloatArray
    aptitude_imputed: npt.NDArray[np.bool_]
    work_values: FloatArray
    job_zone: npt.NDArray[np.int8]
    education_code: npt.NDArray[np.int8]
    growth_pct: FloatArray
    openings: FloatArray
    bright_outlook: npt.NDArray[np.bool_]
    oews_codes: tuple[str, ...]
    oews_shared: npt.NDArray[np.int16]
    oews_match: tuple[str, ...]
    oews_titles: tuple[str, ...]
    figures_are_group: npt.NDArray[np.bool_]
    regions: tuple[Region, ...]
    county_region: Mapping[str, str]
    employment: FloatArray
    location_quotient: FloatArray
    wage_mean: FloatArray
    wage_median: FloatArray
    wage_p10: FloatArray
    wage_p90: FloatArray
    employment_source: npt.NDArray[np.int8]
    wage_source: npt.NDArray[np.int8]
    labour_source: npt.NDArray[np.int8]
    high_value: npt.NDArray[np.bool_]
    clusters: tuple[Cluster, ...]
    pathways: tuple[Pathway, ...]
    occupation_pathways: tuple[tuple[int, ...], ...]
    programs: tuple[tuple[Program, ...], ...]
    county_names: Mapping[str, str]
    county_wioa: Mapping[str, str]
    colleges: Mapping[str, College]
    college_programs: Mapping[str, tuple[CollegeProgram, ...]]
    college_districts: Mapping[str, tuple[str, ...]]
    campuses: Mapping[str, tuple[Campus, ...]]
    manifest: Mapping[str, Any] = field(repr=False)
    _code_index: Mapping[str, int] = field(repr=False)
    _region_index: Mapping[str, int] = field(repr=False)
    #: The project's Spanish title of each occupation ("" where none is written), as ``titles``.
    titles_es: tuple[str, ...] = field(default=(), repr=False)

    def index_of(self, code: str) -> int:
        """Row of an O*NET-SOC code; raises UnknownCodeError when absent."""
        try:
            return self._code_index[code]
        except KeyError:
            raise UnknownCodeError("occupation", code) from None

    def region_index(self, region_code: str) -> int:
        """Row of an OEWS area code in the regional arrays; raises UnknownCodeError."""
        try:
            return self._region_index[region_code]
        except KeyError:
            raise UnknownCodeError("region", region_code) from None

    def region_of_county(self, county_fips: str) -> Region:
        """The sub-state region a 5-digit county FIPS belongs to; raises UnknownCodeError."""
        try:
            return self.regions[self._region_index[self.county_region[county_fips]]]
        except KeyError:
            raise UnknownCodeError("county", county_fips) from None

    def pathway_index(self, pathway_code: str) -> int:
        """Position of a pathway code in ``pathways``; raises UnknownCodeError."""
        for i, pathway in enumerate(self.pathways):
            if pathway.code == pathway_code:
                return i
        raise UnknownCodeError("pathway", pathway_code)

    def oews_series(self, i: int) -> OewsSeries:
        """The OEWS series occupation ``i`` (a row of ``codes``) draws its figures from."""
        return OewsSeries(
            code=self.oews_codes[i],
            match=self.oews_match[i],
            title=self.oews_titles[i],
            series_size=int(self.oews_shared[i]),
            figures_are_group=bool(self.figures_are_group[i]),
        )

    @property
    def split_employment(self) -> npt.NDArray[np.float32]:
        """(n_regions, n) employment divided evenly among the occupations sharing each series."""
        return split_employment(self.employment, self.oews_shared)

    def occupation(self, code: str) -> Occupation:
        """Full record of one occupation (reads descriptions and lay titles on first use)."""
        i = self.index_of(code)
        descriptions, lay_titles = _load_texts(str(self.path), self.version)
        edu = int(self.education_code[i])
        return Occupation(
            code=code,
            soc=self.socs[i],
            title=self.titles[i],
            description=descriptions.get(code, ""),
            lay_titles=lay_titles.get(code, ()),
            riasec=tuple(float(v) for v in self.riasec[i]),
            high_point=self.high_point[i],
            job_zone=int(self.job_zone[i]),
            aptitude_demand=tuple(float(v) for v in self.aptitude_demand[i]),
            aptitude_imputed=bool(self.aptitude_imputed[i]),
            work_values=tuple(float(v) for v in self.work_values[i]),
            education_code=edu,
            education=EDUCATION_LEVELS[edu] if edu >= 0 else "",
            growth_pct=float(self.growth_pct[i]),
            openings=float(self.openings[i]),
            bright_outlook=bool(self.bright_outlook[i]),
            pathways=tuple(self.pathways[p].code for p in self.occupation_pathways[i]),
            programs=self.programs[i],
            title_es=self.titles_es[i] if self.titles_es else "",
        )


def compute_catalogue_version(outputs: Mapping[str, str]) -> str:
    """First 12 hex digits of the sha256 over 'name sha256' lines of the data files, sorted."""
    text = "".join(f"{name} {outputs[name]}\n" for name in sorted(outputs))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------------------------
# reading


class _Table:
    """Rows of one TSV file with column lookup and typed, located parsing."""

    def __init__(self, folder: Path, name: str) -> None:
        self.name = name
        self.file = str(folder / name)
        path = folder / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CatalogueError("file is missing", file=self.file) from None
        except OSError as exc:
            raise CatalogueError(f"cannot read file ({exc.strerror})", file=self.file) from None
        self.data = data
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CatalogueError(f"not UTF-8 text (byte {exc.start})", file=self.file) from None
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not lines:
            raise CatalogueError("file is empty (no header row)", file=self.file)
        expected = {**COLUMNS, **TRANSLATION_COLUMNS}[name]
        header = tuple(lines[0].split("\t"))
        for column in header:
            if column not in expected:
                raise CatalogueError("unknown column", file=self.file, row=0, column=column)
        for column in expected:
            if column not in header:
                raise CatalogueError("column is missing", file=self.file, row=0, column=column)
        if header != expected:
            raise CatalogueError(
                f"columns out of order; expected {', '.join(expected)}", file=self.file, row=0
            )
        self.columns = expected
        self.rows: list[list[str]] = []
        for number, line in enumerate(lines[1:], start=1):
            cells = line.split("\t")
            if len(cells) != len(expected):
                raise CatalogueError(
                    f"has {len(cells)} fields, expected {len(expected)}",
                    file=self.file,
                    row=number,
                )
            self.rows.append(cells)

    def __len__(self) -> int:
        return len(self.rows)

    def text(self, column: str, *, required: bool = True) -> list[str]:
        """Column values as text; ``required`` forbids empty cells."""
        j = self.columns.index(column)
        values = [row[j] for row in self.rows]
        if required:
            for number, value in enumerate(values, start=1):
                if value == "":
                    raise self.error("empty value", number, column)
        return values

    def numbers(
        self,
        column: str,
        low: float,
        high: float,
        *,
        allow_empty: bool = False,
        integer: bool = False,
    ) -> list[float]:
        """Column values parsed as numbers in [low, high]; empty cells become NaN if allowed."""
        out: list[float] = []
        for number, raw in enumerate(self.text(column, required=False), start=1):
            if raw == "":
                if not allow_empty:
                    raise self.error("empty value", number, column)
                out.append(math.nan)
                continue
            try:
                value = float(raw)
            except ValueError:
                raise self.error(f"not a number: {raw!r}", number, column) from None
            if math.isnan(value) or not low <= value <= high:
                raise self.error(f"{raw} is outside {low:g}..{high:g}", number, column)
            if integer and value != int(value):
                raise self.error(f"not a whole number: {raw!r}", number, column)
            out.append(value)
        return out

    def choice(self, column: str, allowed: Sequence[str]) -> list[str]:
        """Column values that must be one of ``allowed``."""
        values = self.text(column, required=False)
        for number, value in enumerate(values, start=1):
            if value not in allowed:
                raise self.error(f"{value!r} is not one of {', '.join(allowed)}", number, column)
        return values

    def unique(self, columns: Sequence[str]) -> None:
        """Raise on the first row whose key (the given columns) repeats an earlier row."""
        indexes = [self.columns.index(c) for c in columns]
        seen: dict[tuple[str, ...], int] = {}
        for number, row in enumerate(self.rows, start=1):
            key = tuple(row[j] for j in indexes)
            if key in seen:
                raise self.error(
                    f"duplicate key {'/'.join(key)} (first at row {seen[key]})",
                    number,
                    columns[-1],
                )
            seen[key] = number

    def error(self, message: str, row: int, column: str | None) -> CatalogueError:
        return CatalogueError(message, file=self.file, row=row, column=column)


def _float32(values: Sequence[float] | npt.NDArray[Any]) -> FloatArray:
    array = np.asarray(values, dtype=np.float32)
    array.flags.writeable = False
    return array


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and validate a catalogue folder (default: ``data_dir("catalogue")``, the shipped
    ``data/catalogue`` unless the service's settings name another)."""
    folder = Path(path) if path is not None else data_dir("catalogue")
    manifest_path = folder / "manifest.json"
    if not folder.is_dir():
        raise CatalogueError("catalogue folder is missing", file=str(folder))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError("file is missing", file=str(manifest_path)) from None
    except (OSError, ValueError) as exc:
        raise CatalogueError(f"not valid JSON ({exc})", file=str(manifest_path)) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("outputs"), dict):
        raise CatalogueError("has no 'outputs' table", file=str(manifest_path))

    tables = {name: _Table(folder, name) for name in CATALOGUE_FILES if name != "lay_titles.tsv"}
    occ = tables["occupations.tsv"]
    occ.unique(["code"])
    codes = tuple(occ.text("code"))
    if list(codes) != sorted(codes):
        raise CatalogueError("occupation codes are not sorted", file=occ.file, column="code")
    code_index = {c: i for i, c in enumerate(codes)}
    n = len(codes)

    def cols(prefix: str, names: Sequence[str], low: float, high: float, empty: bool) -> FloatArray:
        return _float32(
            np.column_stack(
                [occ.numbers(f"{prefix}{x}", low, high, allow_empty=empty) for x in names]
            ).reshape(n, len(names))
        )

    riasec = cols("interest_", RIASEC, 1.0, 7.0, False)
    aptitude = cols("aptitude_", APTITUDES, 0.0, 1.0, False)
    work_values = cols("value_", WORK_VALUES, 1.0, 7.0, True)
    for number, hp in enumerate(occ.text("high_point", required=False), start=1):
        if len(hp) > 3 or any(letter not in RIASEC for letter in hp):
            raise occ.error(f"bad high-point code {hp!r}", number, "high_point")
    ints = {
        name: occ.numbers(name, low, high, integer=True)
        for name, low, high in (
            ("job_zone", 1, 5),
            ("education_code", -1, len(EDUCATION_LEVELS) - 1),
            ("aptitude_imputed", 0, 1),
            ("bright_outlook", 0, 1),
        )
    }
    oews_codes = tuple(occ.text("oews_code", required=False))
    shared = Counter(c for c in oews_codes if c)
    occ.choice("education_source", ("bls", "onet_rl", "none"))
    occ.choice("ep_match", ("detailed", "broad", "none"))
    oews_match = tuple(occ.choice("oews_match", ("detailed", "broad", "none")))
    oews_shared = np.asarray([shared.get(c, 0) if c else 0 for c in oews_codes], dtype=np.int16)
    titles = tuple(occ.text("title"))
    title_of = dict(zip(codes, titles, strict=True))
    oews_titles = tuple(title_of.get(f"{c}.00", "") if c else "" for c in oews_codes)
    figures_are_group = (oews_shared > 1) | np.asarray([m == "broad" for m in oews_match])

    regions_table = tables["regions.tsv"]
    regions_table.unique(["region_code"])
    region_codes = regions_table.text("region_code")
    region_kinds = regions_table.choice("kind", REGION_KINDS)
    region_index = {c: i for i, c in enumerate(region_codes)}
    counties = tables["counties.tsv"]
    counties.unique(["county_fips"])
    county_region: dict[str, str] = {}
    members_of: dict[str, list[str]] = {c: [] for c in region_codes}
    for number, (fips, region) in enumerate(
        zip(counties.text("county_fips"), counties.text("region_code"), strict=True), start=1
    ):
        if region not in region_index:
            raise counties.error(f"unknown region {region!r}", number, "region_code")
        if len(fips) != 5 or not fips.isdigit():
            raise counties.error(f"bad county FIPS {fips!r}", number, "county_fips")
        county_region[fips] = region
        members_of[region].append(fips)
    all_counties = tuple(sorted(county_region))
    regions = tuple(
        Region(
            code=code,
            name=name,
            kind=kind,
            counties=all_counties if kind == "state" else tuple(members_of[code]),
        )
        for code, name, kind in zip(
            region_codes, regions_table.text("name"), region_kinds, strict=True
        )
    )

    labour = _read_labour(tables["labour.tsv"], code_index, region_index)
    clusters, pathways, occupation_pathways = _read_pathways(
        tables["pathways.tsv"], tables["pathway_members.tsv"], code_index
    )
    programs = _read_programs(tables["programs.tsv"], code_index)
    colleges = _read_colleges(tables, county_region)
    spanish = _read_titles_es(folder, code_index, clusters, pathways)
    clusters = tuple(replace(c, title_es=spanish.get(("cluster", c.code), "")) for c in clusters)
    cluster_es = {c.code: c.title_es for c in clusters}
    pathways = tuple(
        replace(
            p,
            title_es=spanish.get(("pathway", p.code), ""),
            cluster_es=cluster_es.get(p.cluster_code, ""),
        )
        for p in pathways
    )

    outputs = manifest["outputs"]
    for name in CATALOGUE_FILES:
        table_data = tables[name].data if name in tables else _read_bytes(folder, name)
        digest = hashlib.sha256(table_data).hexdigest()
        if outputs.get(name) != digest:
            raise CatalogueError(
                "content does not match the sha256 in manifest.json (rebuild the catalogue)",
                file=str(folder / name),
            )
    version = compute_catalogue_version({k: str(v) for k, v in outputs.items()})
    if manifest.get("version") != version:
        raise CatalogueError("'version' does not match its outputs", file=str(manifest_path))

    return Catalogue(
        version=version,
        path=folder,
        codes=codes,
        socs=tuple(occ.text("soc")),
        titles=titles,
        riasec=riasec,
        high_point=tuple(occ.text("high_point", required=False)),
        aptitude_demand=aptitude,
        aptitude_imputed=_frozen(np.asarray(ints["aptitude_imputed"], dtype=bool)),
        work_values=work_values,
        job_zone=_frozen(np.asarray(ints["job_zone"], dtype=np.int8)),
        education_code=_frozen(np.asarray(ints["education_code"], dtype=np.int8)),
        growth_pct=_float32(occ.numbers("growth_pct", -100.0, 1000.0, allow_empty=True)),
        openings=_float32(occ.numbers("openings", 0.0, 1e8, allow_empty=True)),
        bright_outlook=_frozen(np.asarray(ints["bright_outlook"], dtype=bool)),
        oews_codes=oews_codes,
        oews_shared=_frozen(oews_shared),
        oews_match=oews_match,
        oews_titles=oews_titles,
        figures_are_group=_frozen(figures_are_group),
        regions=regions,
        county_region=MappingProxyType(county_region),
        clusters=clusters,
        pathways=pathways,
        occupation_pathways=occupation_pathways,
        programs=programs,
        county_names=MappingProxyType(
            dict(zip(counties.text("county_fips"), counties.text("county_name"), strict=True))
        ),
        county_wioa=MappingProxyType(
            dict(zip(counties.text("county_fips"), counties.text("wioa_area"), strict=True))
        ),
        **colleges,
        manifest=MappingProxyType(manifest),
        _code_index=MappingProxyType(code_index),
        _region_index=MappingProxyType(region_index),
        titles_es=tuple(spanish.get(("occupation", c), "") for c in codes),
        **labour,
    )


def _read_titles_es(
    folder: Path,
    code_index: Mapping[str, int],
    clusters: Sequence[Cluster],
    pathways: Sequence[Pathway],
) -> dict[tuple[str, str], str]:
    """(kind, code) -> Spanish title from ``titles_es.tsv``; {} when the folder has none.

    Every row must name a known cluster, pathway or occupation, once, with a non-empty title.
    """
    name = "titles_es.tsv"
    if not (folder / name).is_file():
        return {}
    table = _Table(folder, name)
    table.unique(["kind", "code"])
    known = {
        "cluster": {c.code for c in clusters},
        "pathway": {p.code for p in pathways},
        "occupation": set(code_index),
    }
    found: dict[tuple[str, str], str] = {}
    rows = zip(
        table.text("code"), table.choice("kind", TITLE_KINDS), table.text("title_es"), strict=True
    )
    for number, (code, kind, title) in enumerate(rows, start=1):
        if code not in known[kind]:
            raise table.error(f"unknown {kind} {code!r}", number, "code")
        if title != title.strip() or "  " in title:
            raise table.error("title has stray spaces", number, "title_es")
        found[(kind, code)] = title
    return found


def _read_bytes(folder: Path, name: str) -> bytes:
    try:
        return (folder / name).read_bytes()
    except OSError:
        raise CatalogueError("file is missing", file=str(folder / name)) from None


def _read_labour(
    table: _Table, code_index: Mapping[str, int], region_index: Mapping[str, int]
) -> dict[str, Any]:
    """Region x occupation arrays from labour.tsv; every pair must appear exactly once."""
    shape = (len(region_index), len(code_index))
    table.unique(["region_code", "code"])
    if len(table) != shape[0] * shape[1]:
        raise CatalogueError(
            f"has {len(table)} rows, expected {shape[0]} regions x {shape[1]} occupations",
            file=table.file,
        )
    rows = np.empty(len(table), dtype=np.int64)
    cols = np.empty(len(table), dtype=np.int64)
    regions = table.text("region_code")
    codes = table.text("code")
    for number, (region, code) in enumerate(zip(regions, codes, strict=True), start=1):
        if region not in region_index:
            raise table.error(f"unknown region {region!r}", number, "region_code")
        if code not in code_index:
            raise table.error(f"unknown occupation {code!r}", number, "code")
        rows[number - 1] = region_index[region]
        cols[number - 1] = code_index[code]

    def grid(values: Sequence[float], dtype: type[Any]) -> npt.NDArray[Any]:
        out = np.empty(shape, dtype=dtype)
        out[rows, cols] = np.asarray(values, dtype=dtype)
        return _frozen(out)

    wage = 1e7
    out: dict[str, Any] = {
        "employment": grid(table.numbers("employment", 0, 1e9, allow_empty=True), np.float32),
        "location_quotient": grid(
            table.numbers("location_quotient", 0, 1e4, allow_empty=True), np.float32
        ),
        "wage_mean": grid(table.numbers("wage_mean", 0, wage, allow_empty=True), np.float32),
        "wage_median": grid(table.numbers("wage_median", 0, wage, allow_empty=True), np.float32),
        "wage_p10": grid(table.numbers("wage_p10", 0, wage, allow_empty=True), np.float32),
        "wage_p90": grid(table.numbers("wage_p90", 0, wage, allow_empty=True), np.float32),
        "employment_source": grid(table.numbers("employment_source", -1, 2, integer=True), np.int8),
        "wage_source": grid(table.numbers("wage_source", -1, 2, integer=True), np.int8),
        "high_value": grid(table.numbers("high_value", 0, 1, integer=True), np.bool_),
    }
    emp, wages = out["employment_source"], out["wage_source"]
    combined = np.maximum(emp, wages)
    out["labour_source"] = _frozen(combined.astype(np.int8))
    return out


def _read_pathways(
    table: _Table, members: _Table, code_index: Mapping[str, int]
) -> tuple[tuple[Cluster, ...], tuple[Pathway, ...], tuple[tuple[int, ...], ...]]:
    table.unique(["pathway_code"])
    members.unique(["pathway_code", "code"])
    codes = table.text("pathway_code")
    index = {c: i for i, c in enumerate(codes)}
    occupations: list[list[int]] = [[] for _ in codes]
    per_occupation: list[list[int]] = [[] for _ in code_index]
    for number, (pathway, code) in enumerate(
        zip(members.text("pathway_code"), members.text("code"), strict=True), start=1
    ):
        if pathway not in index:
            raise members.error(f"unknown pathway {pathway!r}", number, "pathway_code")
        if code not in code_index:
            raise members.error(f"unknown occupation {code!r}", number, "code")
        occupations[index[pathway]].append(code_index[code])
        per_occupation[code_index[code]].append(index[pathway])
    pathways: list[Pathway] = []
    cluster_paths: dict[str, list[int]] = {}
    cluster_titles: dict[str, str] = {}
    for i, (code, cluster_code, cluster, title) in enumerate(
        zip(
            codes,
            table.text("cluster_code"),
            table.text("cluster"),
            table.text("title"),
            strict=True,
        )
    ):
        if not occupations[i]:
            raise table.error("pathway has no member occupations", i + 1, "pathway_code")
        pathways.append(Pathway(code, cluster_code, cluster, title, tuple(sorted(occupations[i]))))
        cluster_paths.setdefault(cluster_code, []).append(i)
        cluster_titles.setdefault(cluster_code, cluster)
    clusters = tuple(
        Cluster(code, cluster_titles[code], tuple(paths))
        for code, paths in sorted(cluster_paths.items())
    )
    return clusters, tuple(pathways), tuple(tuple(sorted(p)) for p in per_occupation)


def _read_programs(table: _Table, code_index: Mapping[str, int]) -> tuple[tuple[Program, ...], ...]:
    table.unique(["code", "cip_code"])
    found: list[list[Program]] = [[] for _ in code_index]
    for number, (code, cip, title, direct, count) in enumerate(
        zip(
            table.text("code"),
            table.text("cip_code"),
            table.text("cip_title"),
            table.choice("directness", DIRECTNESS),
            table.numbers("ms_completers", 0, 1e7, integer=True),
            strict=True,
        ),
        start=1,
    ):
        if code not in code_index:
            raise table.error(f"unknown occupation {code!r}", number, "code")
        if len(cip) != 7 or cip[2] != "." or not (cip[:2] + cip[3:]).isdigit():
            raise table.error(f"bad CIP code {cip!r}", number, "cip_code")
        found[code_index[code]].append(Program(cip, title, direct, int(count)))
    return tuple(tuple(p) for p in found)


def _cip4_ok(cip4: str) -> bool:
    return len(cip4) == 5 and cip4[2] == "." and (cip4[:2] + cip4[3:]).isdigit()


def _read_colleges(
    tables: Mapping[str, _Table], county_region: Mapping[str, str]
) -> dict[str, Any]:
    """Colleges, their Scorecard programmes by 4-digit CIP, districts by county and campuses."""
    table = tables["colleges.tsv"]
    table.unique(["unitid"])
    colleges: dict[str, College] = {}
    for number, (unitid, name, kind, county) in enumerate(
        zip(
            table.text("unitid"),
            table.text("name"),
            table.choice("kind", COLLEGE_KINDS),
            table.text("main_county_fips", required=False),
            strict=True,
        ),
        start=1,
    ):
        if len(unitid) != 6 or not unitid.isdigit():
            raise table.error(f"bad UNITID {unitid!r}", number, "unitid")
        if county and county not in county_region:
            raise table.error(f"unknown county {county!r}", number, "main_county_fips")
        colleges[unitid] = College(unitid, name, kind, county)

    def known(t: _Table, number: int, unitid: str) -> None:
        if unitid not in colleges:
            raise t.error(f"unknown college {unitid!r}", number, "unitid")

    programs = tables["college_programs.tsv"]
    programs.unique(["unitid", "cip4", "credential_level"])
    by_family: dict[str, list[CollegeProgram]] = {}
    levels = [str(k) for k in CREDENTIAL_LEVELS]
    for number, (unitid, cip4, title, level, done, pay, years) in enumerate(
        zip(
            programs.text("unitid"),
            programs.text("cip4"),
            programs.text("cip4_title"),
            programs.choice("credential_level", levels),
            programs.numbers("completers", 0, 1e6, allow_empty=True, integer=True),
            programs.numbers("earnings", 0, 1e7, allow_empty=True),
            programs.choice("earnings_years", ("", "1", "4")),
            strict=True,
        ),
        start=1,
    ):
        known(programs, number, unitid)
        if not _cip4_ok(cip4):
            raise programs.error(f"bad 4-digit CIP {cip4!r}", number, "cip4")
        if bool(years) != (not math.isnan(pay)):
            raise programs.error(
                "earnings and earnings_years must both be given", number, "earnings_years"
            )
        by_family.setdefault(cip4, []).append(
            CollegeProgram(
                unitid=unitid,
                cip4=cip4,
                title=title,
                credential_level=int(level),
                completers=None if math.isnan(done) else int(done),
                earnings=None if math.isnan(pay) else float(pay),
                earnings_years=int(years) if years else None,
            )
        )

    districts = tables["college_districts.tsv"]
    districts.unique(["county_fips", "unitid"])
    districts.choice("shared", ("0", "1"))
    districts.choice("basis", ("explicit", "derived"))
    per_county: dict[str, list[str]] = {}
    for number, (county, unitid) in enumerate(
        zip(districts.text("county_fips"), districts.text("unitid"), strict=True), start=1
    ):
        known(districts, number, unitid)
        if county not in county_region:
            raise districts.error(f"unknown county {county!r}", number, "county_fips")
        if colleges[unitid].kind != "community_college":
            raise districts.error(f"{unitid} is not a community college", number, "unitid")
        per_county.setdefault(county, []).append(unitid)
    for county in sorted(county_region):
        if county not in per_county:
            raise CatalogueError(
                f"county {county} has no community-college district", file=districts.file
            )

    campuses = tables["campuses.tsv"]
    campuses.unique(["unitid", "campus"])
    per_college: dict[str, list[Campus]] = {}
    for number, (unitid, name, city, county, main) in enumerate(
        zip(
            campuses.text("unitid"),
            campuses.text("campus"),
            campuses.text("city", required=False),
            campuses.text("county_fips", required=False),
            campuses.choice("main", ("0", "1")),
            strict=True,
        ),
        start=1,
    ):
        known(campuses, number, unitid)
        if county and county not in county_region:
            raise campuses.error(f"unknown county {county!r}", number, "county_fips")
        per_college.setdefault(unitid, []).append(Campus(unitid, name, city, county, main == "1"))
    return {
        "colleges": MappingProxyType(colleges),
        "college_programs": MappingProxyType({k: tuple(v) for k, v in by_family.items()}),
        "college_districts": MappingProxyType({k: tuple(v) for k, v in per_county.items()}),
        "campuses": MappingProxyType({k: tuple(v) for k, v in per_college.items()}),
    }


@functools.lru_cache(maxsize=4)
def _load_texts(
    folder: str, version: str
) -> tuple[Mapping[str, str], Mapping[str, tuple[str, ...]]]:
    """Descriptions and lay titles of a catalogue folder, read once per (folder, version)."""
    _ = version  # part of the cache key: a rebuilt catalogue is re-read
    path = Path(folder)
    text = _Table(path, "occupation_text.tsv")
    descriptions = dict(zip(text.text("code"), text.text("description"), strict=True))
    lay = _Table(path, "lay_titles.tsv")
    titles: dict[str, list[str]] = {}
    for code, title in zip(lay.text("code"), lay.text("lay_title"), strict=True):
        titles.setdefault(code, []).append(title)
    return MappingProxyType(descriptions), MappingProxyType(
        {k: tuple(v) for k, v in titles.items()}
    )


@functools.lru_cache(maxsize=1)
def get_catalogue() -> Catalogue:
    """The committed catalogue, loaded once per process."""
    return load_catalogue()
