"""The assessment instrument: a versioned item bank in data/instrument/, read as frozen dataclasses.

Layout: ``data/instrument/versions.json`` names the current version; each version folder holds
``instrument.json`` (language-independent structure: items, scales, minimums, minutes per section,
aptitude subtests, record fields and their reference norms), ``text.<language>.json`` (every
word a student or coach reads) and ``counties.csv`` (Mississippi county FIPS and names).
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from recommender.aptitude_items import SUBTESTS
from recommender.dimensions import APTITUDES, PLANS, RIASEC, WORK_VALUES
from recommender.errors import InstrumentError
from recommender.shipped import data_dir, shipped_path

#: The shipped instrument (the checkout's data/instrument, or the installed package data).
INSTRUMENT_DIR: Final = shipped_path("instrument")
LANGUAGES: Final = ("en", "es")


@dataclass(frozen=True)
class LikertItem:
    """One rated item: ``scale`` is a RIASEC letter or WORK_VALUES name; ``text`` is localised."""

    id: str
    scale: str
    text: str
    ppra: tuple[str, ...]
    setting: str = ""


@dataclass(frozen=True)
class LikertSection:
    """A block of 1..5 rated items scored per scale (interests or work values)."""

    scales: tuple[str, ...]
    items: tuple[LikertItem, ...]
    scale_min: int
    scale_max: int
    min_answered_per_scale: int
    prompt: str
    labels: tuple[str, ...]

    @functools.cached_property
    def layout(self) -> tuple[dict[str, int], tuple[int, ...]]:
        """Return item id -> position, and position -> index of its scale in ``scales``."""
        position = {item.id: j for j, item in enumerate(self.items)}
        scale_of = tuple(self.scales.index(item.scale) for item in self.items)
        return position, scale_of

    def item_ids(self, scale: str) -> tuple[str, ...]:
        """Return the ids of the items on one scale, in bank order."""
        return tuple(i.id for i in self.items if i.scale == scale)


@dataclass(frozen=True)
class Subtest:
    """A generated aptitude subtest; mode 'power' or 'speed' decides how unanswered items count."""

    id: str
    dimension: str
    items: int
    time_limit_s: int
    min_answered: int
    mode: str
    title: str


@dataclass(frozen=True)
class RecordField:
    """A score a coach enters: range, reference mean/SD and loadings on APTITUDES dimensions."""

    id: str
    minimum: float
    maximum: float
    integer: bool
    mean: float
    sd: float
    loadings: Mapping[str, float]
    unused_with: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Instrument:
    """One version of the assessment in one language; immutable."""

    version: str
    language: str
    title: str
    section_minutes: Mapping[str, int]
    section_titles: Mapping[str, str]
    interests: LikertSection
    values: LikertSection
    subtests: tuple[Subtest, ...]
    aptitude_prior_mean: float
    aptitude_prior_sd: float
    records: tuple[RecordField, ...]
    plans: Mapping[str, str]
    counties: Mapping[str, str]
    text: Mapping[str, Any]

    @property
    def total_minutes(self) -> int:
        """Return the expected minutes for the whole assessment (sum over sections)."""
        return sum(self.section_minutes.values())

    def subtest_minutes(self) -> dict[str, float]:
        """Return each subtest's expected minutes: its time limit plus an even share of the
        aptitude section's other minutes (the instructions and the untimed worked example)."""
        timed = sum(s.time_limit_s for s in self.subtests) / 60
        spare = max(0.0, self.section_minutes.get("aptitude", 0) - timed)
        share = spare / len(self.subtests) if self.subtests else 0.0
        return {s.id: s.time_limit_s / 60 + share for s in self.subtests}

    def subtest(self, subtest_id: str) -> Subtest:
        """Return the subtest with this id; KeyError when absent."""
        for s in self.subtests:
            if s.id == subtest_id:
                return s
        raise KeyError(subtest_id)


def _read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise InstrumentError(str(path), "file not found") from None
    except json.JSONDecodeError as exc:
        raise InstrumentError(str(path), f"not valid JSON: {exc}") from None


def list_versions(root: Path | None = None) -> tuple[str, ...]:
    """Return the instrument versions listed in versions.json, oldest first (root None:
    ``data_dir("instrument")``)."""
    data = _read_json((root or data_dir("instrument")) / "versions.json")
    return tuple(str(v) for v in data["versions"])


def current_version(root: Path | None = None) -> str:
    """Return the version named current in versions.json (root None: ``data_dir("instrument")``)."""
    return str(_read_json((root or data_dir("instrument")) / "versions.json")["current"])


def _likert(
    part: Mapping[str, Any], text: Mapping[str, Any], scales: tuple[str, ...], name: str, src: str
) -> LikertSection:
    items = []
    seen: set[str] = set()
    for raw in part["items"]:
        item_id = str(raw["id"])
        if item_id in seen:
            raise InstrumentError(src, f"{name} item {item_id!r} appears twice")
        seen.add(item_id)
        if raw["scale"] not in scales:
            raise InstrumentError(
                src, f"{name} item {item_id!r} has unknown scale {raw['scale']!r}"
            )
        if item_id not in text["items"]:
            raise InstrumentError(src, f"{name} item {item_id!r} has no text")
        items.append(
            LikertItem(
                id=item_id,
                scale=str(raw["scale"]),
                text=str(text["items"][item_id]),
                ppra=tuple(raw.get("ppra", ())),
                setting=str(raw.get("setting", "")),
            )
        )
    labels = tuple(text[f"{name}_scale"])
    lo, hi = int(part["scale_min"]), int(part["scale_max"])
    if len(labels) != hi - lo + 1:
        raise InstrumentError(src, f"{name}: {len(labels)} labels for a {lo}..{hi} scale")
    return LikertSection(
        scales=scales,
        items=tuple(items),
        scale_min=lo,
        scale_max=hi,
        min_answered_per_scale=int(part["min_answered_per_scale"]),
        prompt=str(text[f"{name}_prompt"]),
        labels=labels,
    )


def _build(root: Path, version: str, language: str) -> Instrument:
    folder = root / version
    src = str(folder / "instrument.json")
    data = _read_json(folder / "instrument.json")
    text = _read_json(folder / f"text.{language}.json")
    try:
        if data["version"] != version:
            raise InstrumentError(src, f"says version {data['version']!r}, folder is {version!r}")
        interests = _likert(data["interests"], text, RIASEC, "interests", src)
        values = _likert(data["values"], text, WORK_VALUES, "values", src)
        subtests = tuple(
            Subtest(
                id=str(s["id"]),
                dimension=str(s["dimension"]),
                items=int(s["items"]),
                time_limit_s=int(s["time_limit_s"]),
                min_answered=int(s["min_answered"]),
                mode=str(s["mode"]),
                title=str(text["subtests"][s["id"]]),
            )
            for s in data["aptitude"]["subtests"]
        )
        for s in subtests:
            if (
                s.id not in SUBTESTS
                or s.dimension not in APTITUDES
                or s.mode
                not in (
                    "power",
                    "speed",
                )
            ):
                raise InstrumentError(src, f"aptitude subtest {s.id!r} is not well defined")
        records = tuple(
            RecordField(
                id=str(r["id"]),
                minimum=float(r["min"]),
                maximum=float(r["max"]),
                integer=bool(r["integer"]),
                mean=float(r["mean"]),
                sd=float(r["sd"]),
                loadings=MappingProxyType({str(k): float(v) for k, v in r["loadings"].items()}),
                unused_with=tuple(r["unused_with"]),
                label=str(text["records"][r["id"]]),
            )
            for r in data["records"]
        )
        for r in records:
            bad = [d for d, lam in r.loadings.items() if d not in APTITUDES or not 0 < lam < 1]
            if bad or r.sd <= 0:
                raise InstrumentError(src, f"record {r.id!r} has bad loadings or sd")
        if tuple(data["plans"]) != PLANS:
            raise InstrumentError(src, "plans differ from recommender.dimensions.PLANS")
        plans = MappingProxyType({p: str(text["plans"][p]) for p in PLANS})
        sections = MappingProxyType({str(s["id"]): int(s["minutes"]) for s in data["sections"]})
        timed = sum(s.time_limit_s for s in subtests)
        if timed > 60 * sections.get("aptitude", 0):
            raise InstrumentError(
                src, f"the aptitude section's minutes are fewer than its {timed} s of time limits"
            )
        titles = MappingProxyType({k: str(text["sections"][k]) for k in sections})
        counties = _read_counties(folder / str(data["counties_file"]))
        return Instrument(
            version=version,
            language=language,
            title=str(text["title"]),
            section_minutes=sections,
            section_titles=titles,
            interests=interests,
            values=values,
            subtests=subtests,
            aptitude_prior_mean=float(data["aptitude"]["prior_mean"]),
            aptitude_prior_sd=float(data["aptitude"]["prior_sd"]),
            records=records,
            plans=plans,
            counties=counties,
            text=MappingProxyType(dict(text)),
        )
    except KeyError as exc:
        raise InstrumentError(src, f"missing key {exc.args[0]!r}") from None


def _read_counties(path: Path) -> Mapping[str, str]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        raise InstrumentError(str(path), "file not found") from None
    out: dict[str, str] = {}
    for n, row in enumerate(rows, start=1):
        fips = row.get("county_fips") or ""
        if len(fips) != 5 or not fips.isdigit() or not fips.startswith("28"):
            raise InstrumentError(f"{path}, row {n}", f"bad county_fips {fips!r}")
        out[fips] = str(row.get("county_name", ""))
    return MappingProxyType(out)


@functools.lru_cache(maxsize=16)
def _load_cached(root: Path, version: str, language: str) -> Instrument:
    return _build(root, version, language)


def load_instrument(
    version: str | None = None, language: str = "en", *, root: Path | None = None
) -> Instrument:
    """Read one instrument version (None = current) in 'en' or 'es' from disk; cached. ``root``
    None: ``data_dir("instrument")``, the shipped item bank unless the settings name another."""
    root = root or data_dir("instrument")
    if language not in LANGUAGES:
        raise InstrumentError(str(root), f"no language {language!r}; have {', '.join(LANGUAGES)}")
    chosen = version if version is not None else current_version(root)
    if chosen not in list_versions(root):
        raise InstrumentError(str(root / "versions.json"), f"no instrument version {chosen!r}")
    return _load_cached(root, chosen, language)
