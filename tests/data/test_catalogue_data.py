"""Data tests on the committed catalogue: schema, ranges, keys, joins and the high-value rule."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from recommender.catalogue import CATALOGUE_FILES, COLUMNS, DEFAULT_CATALOGUE_DIR, Catalogue
from recommender.catalogue import load_catalogue as _load

STATE = "2800000"


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return _load()


def _rows(name: str) -> list[dict[str, str]]:
    with (DEFAULT_CATALOGUE_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_files_are_lf_text_with_the_declared_header() -> None:
    for name in CATALOGUE_FILES:
        data = (DEFAULT_CATALOGUE_DIR / name).read_bytes()
        assert b"\r" not in data, name
        assert data.endswith(b"\n"), name
        header = data.split(b"\n", 1)[0].decode("utf-8").split("\t")
        assert tuple(header) == COLUMNS[name], name


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("occupations.tsv", ("code",)),
        ("occupation_text.tsv", ("code",)),
        ("regions.tsv", ("region_code",)),
        ("counties.tsv", ("county_fips",)),
        ("labour.tsv", ("region_code", "code")),
        ("pathways.tsv", ("pathway_code",)),
        ("pathway_members.tsv", ("pathway_code", "code")),
        ("programs.tsv", ("code", "cip_code")),
        ("lay_titles.tsv", ("code", "lay_title")),
    ],
)
def test_keys_are_unique_and_rows_sorted(name: str, key: tuple[str, ...]) -> None:
    keys = [tuple(row[k] for k in key) for row in _rows(name)]
    assert len(keys) == len(set(keys)), name
    if name == "programs.tsv":
        # grouped by occupation; within one, most specific programme first (docs/catalogue.md)
        codes = [k[0] for k in keys]
        assert codes == sorted(codes), name
    elif name not in ("labour.tsv", "regions.tsv"):
        assert keys == sorted(keys), name


def test_counts_match_the_sources(cat: Catalogue) -> None:
    assert len(cat.codes) == 923  # O*NET 29.3 occupations with interest data
    assert len(cat.clusters) == 16
    assert len(cat.pathways) == 73
    assert len(cat.regions) == 9
    assert len(cat.county_region) == 82
    kinds = Counter(r.kind for r in cat.regions)
    assert kinds == {"state": 1, "metro": 4, "nonmetro": 4}


def test_value_ranges(cat: Catalogue) -> None:
    assert np.all((cat.riasec >= 1) & (cat.riasec <= 7))
    assert np.all((cat.aptitude_demand >= 0) & (cat.aptitude_demand <= 1))
    assert not np.isnan(cat.aptitude_demand).any()
    known = ~np.isnan(cat.work_values)
    assert np.all((cat.work_values[known] >= 1) & (cat.work_values[known] <= 7))
    assert set(np.unique(cat.job_zone)) <= {1, 2, 3, 4, 5}
    assert cat.education_code.min() >= -1 and cat.education_code.max() <= 7
    assert np.nanmin(cat.openings) >= 0
    for hp in cat.high_point:
        assert 1 <= len(hp) <= 3 and len(set(hp)) == len(hp)


def test_high_point_is_the_top_interest(cat: Catalogue) -> None:
    letters = "RIASEC"
    first = np.array([letters.index(hp[0]) for hp in cat.high_point])
    top = cat.riasec.max(axis=1)
    chosen = cat.riasec[np.arange(len(first)), first]
    assert np.mean(np.isclose(chosen, top)) > 0.95


def test_wages_are_ordered_where_known(cat: Catalogue) -> None:
    ok = ~np.isnan(cat.wage_p10) & ~np.isnan(cat.wage_p90) & ~np.isnan(cat.wage_median)
    assert np.all(cat.wage_p10[ok] <= cat.wage_median[ok])
    assert np.all(cat.wage_median[ok] <= cat.wage_p90[ok])
    missing = cat.wage_source == -1
    assert np.isnan(cat.wage_median[missing]).all()
    assert not np.isnan(cat.wage_median[~missing]).any()


def test_every_pathway_has_occupations_and_every_cluster_pathways(cat: Catalogue) -> None:
    assert all(p.occupation_index for p in cat.pathways)
    assert all(c.pathway_index for c in cat.clusters)


def test_every_county_is_in_exactly_one_substate_region(cat: Catalogue) -> None:
    membership = Counter(
        fips for region in cat.regions if region.kind != "state" for fips in region.counties
    )
    assert set(membership) == set(cat.county_region)
    assert set(membership.values()) == {1}
    assert all(fips.startswith("28") and len(fips) == 5 for fips in membership)
    state = cat.regions[cat.region_index(STATE)]
    assert set(state.counties) == set(cat.county_region)


def test_statewide_region_never_falls_back_to_itself(cat: Catalogue) -> None:
    s = cat.region_index(STATE)
    assert not (cat.wage_source[s] == 1).any()
    assert not (cat.employment_source[s] == 1).any()


def test_join_coverage_at_the_level_achieved(cat: Catalogue) -> None:
    n = len(cat.codes)
    cov = cat.manifest["coverage_pct"]
    assert cov["abilities_rated"] >= 96.5
    assert cov["skills_rated"] >= 95.0 and cov["knowledge_rated"] >= 95.0
    assert np.mean(~np.isnan(cat.work_values).any(axis=1)) >= 0.94
    assert np.mean(~np.isnan(cat.growth_pct)) >= 0.995
    assert np.mean(cat.education_code >= 0) >= 0.995
    assert cov["bls_projections"]["detailed"] >= 96.5
    assert cov["oews_code"]["detailed"] + cov["oews_code"]["broad"] >= 99.7
    assert sum(1 for p in cat.programs if p) / n >= 0.82
    assert sum(1 for p in cat.occupation_pathways if p) / n >= 0.99
    s = cat.region_index(STATE)
    assert np.mean(cat.wage_source[s] == 0) >= 0.82
    assert np.mean(cat.wage_source >= 0) >= 0.99
    for r, region in enumerate(cat.regions):
        assert np.mean(cat.wage_source[r] == 0) >= 0.33, region.name


def test_high_value_flags_follow_the_recorded_rule(cat: Catalogue) -> None:
    rule = cat.manifest["parameters"]["high_value_rule"]
    growth_cut = cat.manifest["parameters"]["all_occupation_growth_pct"] + rule["growth_margin_pct"]
    counts = cat.manifest["counts"]["high_value_per_region"]
    n = len(cat.codes)
    for r, region in enumerate(cat.regions):
        flagged = cat.high_value[r]
        assert 0 < flagged.sum() < n
        assert counts[region.code] == int(flagged.sum())
        median = cat.manifest["coverage_pct"]["oews_by_region"][region.code][
            "all_occupation_median_wage"
        ]
        assert np.all(cat.wage_median[r][flagged] >= rule["min_wage_ratio"] * median)
        assert np.all(cat.wage_source[r][flagged] <= rule["max_wage_source"])
        assert np.all(cat.employment_source[r][flagged] == 0)
        assert np.all(cat.employment[r][flagged] >= rule["min_employment"])
        growing = (cat.growth_pct >= growth_cut) | cat.bright_outlook
        assert np.all(growing[flagged])


def test_committed_files_match_the_manifest_checksums(cat: Catalogue) -> None:
    import hashlib

    for name in CATALOGUE_FILES:
        digest = hashlib.sha256((DEFAULT_CATALOGUE_DIR / name).read_bytes()).hexdigest()
        assert cat.manifest["outputs"][name] == digest
    assert len(cat.version) == 12


def test_no_protected_attributes_in_the_catalogue() -> None:
    words = ("gender", "sex", "race", "ethnic")
    for name in CATALOGUE_FILES:
        for column in COLUMNS[name]:
            assert not any(w in column.lower() for w in words), (name, column)


def test_attribution_names_every_source() -> None:
    text = (Path(DEFAULT_CATALOGUE_DIR).parent / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "O*NET 29.3 Database by USDOL/ETA, used under the CC BY 4.0 license" in text
    assert "O*NET 30.0 Database by USDOL/ETA, used under CC BY 4.0; modified format" in text
    assert "modified format" in text.lower()
    for source in ("OEWS", "Employment Projections", "CIP 2020", "Census"):
        assert source in text
