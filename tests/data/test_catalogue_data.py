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
        ("colleges.tsv", ("unitid",)),
        ("college_districts.tsv", ("county_fips", "unitid")),
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
    assert 'CC BY 4.0, attribution "Truewise (truewise.dev)"' in text
    assert "College Scorecard" in text and "WIOA" in text


# ------------------------------------------------------------------ Mississippi colleges (issue 11)

CIP_2020 = (
    Path(__file__).resolve().parents[2].parent / "shared/data/raw/nces_cip_soc/CIPCode2020.csv"
)
#: Counts stated in shared/data/raw/PROVENANCE.md sections 16, 17 and 20.
DISTRICT_COUNTIES = {
    "175519": 5,  # Coahoma
    "175573": 7,  # Copiah-Lincoln
    "175643": 5,  # East Central
    "175652": 6,  # East Mississippi
    "175786": 5,  # Hinds
    "175810": 9,  # Holmes
    "175829": 5,  # Itawamba
    "175883": 8,  # Jones County JC
    "175935": 1,  # Meridian
    "176008": 7,  # Mississippi Delta
    "176071": 4,  # MS Gulf Coast
    "176169": 5,  # Northeast
    "176178": 11,  # Northwest
    "176239": 6,  # Pearl River
    "176354": 4,  # Southwest
}


def test_every_county_has_a_community_college_district(cat: Catalogue) -> None:
    rows = _rows("college_districts.tsv")
    per_county = Counter(r["county_fips"] for r in rows)
    assert set(per_county) == set(cat.county_region)
    assert max(per_county.values()) == 2
    two = sorted(c for c, n in per_county.items() if n == 2)
    # Bolivar, Copiah, Lauderdale, Quitman, Tallahatchie, Tunica (PROVENANCE section 20)
    assert two == ["28011", "28029", "28075", "28119", "28135", "28143"]
    assert all((r["shared"] == "1") == (per_county[r["county_fips"]] == 2) for r in rows)
    assert Counter(r["unitid"] for r in rows) == DISTRICT_COUNTIES
    assert sum(r["basis"] == "derived" for r in rows) == 1
    for county in cat.county_region:
        assert cat.college_districts[county], county


def test_colleges_and_scorecard_rows_reproduce_the_provenance_counts(cat: Catalogue) -> None:
    programs = _rows("college_programs.tsv")
    assert len(programs) == 2442
    kinds = Counter(c.kind for c in cat.colleges.values())
    assert len(cat.colleges) == 50
    assert kinds["community_college"] == 15 and kinds["public_university"] == 8
    community = {u for u, c in cat.colleges.items() if c.kind == "community_college"}
    assert community == set(DISTRICT_COUNTIES)
    cc_rows = [r for r in programs if r["unitid"] in community]
    assert len(cc_rows) == 1111
    assert Counter(r["credential_level"] for r in cc_rows) == {"2": 729, "1": 376, "99": 6}
    assert sum(int(r["completers"]) for r in cc_rows if r["completers"]) == 19444
    assert sum(1 for r in cc_rows if not r["completers"]) == 198
    assert sum(1 for r in programs if not r["earnings"]) == 1851
    nursing = {
        r["unitid"] for r in cc_rows if r["cip4"] == "51.38" and r["credential_level"] == "2"
    }
    assert nursing == community  # Registered Nursing associate degrees at all 15
    assert len(_rows("campuses.tsv")) == 57
    for unitid in community:
        mains = [c for c in cat.campuses[unitid] if c.main]
        assert len(mains) == 1, unitid
        assert cat.colleges[unitid].main_county_fips == mains[0].county_fips
        # every campus with a county lies in its own college's district
        served = {k for k, v in cat.college_districts.items() if unitid in v}
        assert {c.county_fips for c in cat.campuses[unitid] if c.county_fips} <= served, unitid
    areas = Counter(cat.county_wioa.values())
    assert sorted(areas.values()) == [14, 17, 24, 27]


@pytest.mark.shared
def test_every_programme_code_exists_in_cip_2020() -> None:
    with CIP_2020.open(encoding="utf-8-sig", newline="") as handle:
        codes = {r["CIPCode"].strip('="') for r in csv.DictReader(handle)}
    titles: dict[str, str] = {}
    with CIP_2020.open(encoding="utf-8-sig", newline="") as handle:
        for r in csv.DictReader(handle):
            titles[r["CIPCode"].strip('="')] = " ".join(r["CIPTitle"].split()).rstrip(".")
    for row in _rows("programs.tsv"):
        assert row["cip_code"] in codes, row
    for row in _rows("college_programs.tsv"):
        assert row["cip4"] in codes, row
        assert titles[row["cip4"]] == row["cip4_title"], row


def test_programmes_are_ordered_by_directness_then_mississippi_completers(cat: Catalogue) -> None:
    from recommender.training_routes import DIRECTNESS, usual_levels

    done: Counter[tuple[str, int]] = Counter()
    for r in _rows("college_programs.tsv"):
        if r["completers"]:
            done[(r["cip4"], int(r["credential_level"]))] += int(r["completers"])
    for i, programs in enumerate(cat.programs):
        levels = usual_levels(int(cat.education_code[i]))
        keys = []
        for p in programs:
            assert p.ms_completers == sum(done[(p.cip_code[:5], lv)] for lv in levels)
            keys.append((DIRECTNESS.index(p.directness), -p.ms_completers))
            if p.directness == "group":
                assert not cat.codes[i].endswith(".00")
        assert keys == sorted(keys), cat.codes[i]
    # the oddities no longer lead their lists
    first = {cat.codes[i]: ps[0].title for i, ps in enumerate(cat.programs) if ps}
    assert first["47-2111.00"] == "Electrician"
    assert first["29-1141.00"] == "Registered Nursing/Registered Nurse"
    assert first["49-9041.00"] == "Industrial Mechanics and Maintenance Technology/Technician"
    assert first["15-1232.00"] == "Computer Support Specialist"
